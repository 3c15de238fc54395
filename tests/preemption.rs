//! Interrupts preempt the task work of an operating system's CPU (a vCPU,
//! a bare-metal core): a saturated guest still takes its interrupts, and
//! their time comes out of its application (issue 8's "a saturated guest
//! takes no interrupts at all"). Each test here failed when a vCPU served
//! its interrupts first come, first served behind its queued work.

use crate::common;

use common::*;
use enisim::metrics::PathResult;
use enisim::model::{
    Arrival, Client, FlowConfig, FlowKind, IoPath, Offloads, Profile, SizeDist, TcpParams,
};

fn run(cfg: &enisim::model::HostConfig) -> PathResult {
    let r = enisim::model::run(cfg).unwrap_or_else(|e| panic!("{e}"));
    assert_books(&r);
    r
}

/// A guest flooding QEMU's e1000 with 64 B frames at 1 Mpps, far above
/// what it can send, with the device's interrupt interval `interval_us`
/// (0: an interrupt for every event, as before QEMU's mitigation).
fn e1000_flood(interval_us: f64) -> PathResult {
    let profile = Profile {
        emulated_irq_interval_us: interval_us,
        ..Profile::kvm_2010_82599()
    };
    let flows = vec![flow(
        "tx",
        FlowKind::Tx { vm: 0 },
        Arrival::Constant,
        SizeDist::Fixed(64),
        1e6,
    )];
    run(&host(IoPath::Emulated, profile, 1, flows, 10_000))
}

/// Without mitigation the saturated sender takes a transmit-completion
/// interrupt for a large share of its frames (FCFS left them behind the
/// queued sends: 0.002 per frame), with their register and EOI exits, and
/// sends fewer frames than with the driver's 50 µs throttle honoured.
#[test]
fn a_saturated_guest_still_takes_its_interrupts() {
    let storm = e1000_flood(0.0);
    let mitigated = e1000_flood(50.0);
    assert!(
        storm.interrupts_per_packet > 0.1,
        "interrupts per frame without mitigation: {}",
        storm.interrupts_per_packet
    );
    assert!(
        mitigated.interrupts_per_packet < storm.interrupts_per_packet / 2.0,
        "{} vs {}",
        mitigated.interrupts_per_packet,
        storm.interrupts_per_packet
    );
    assert!(
        mitigated.delivered_pps > 1.1 * storm.delivered_pps,
        "mitigation gains: {} vs {} pps",
        mitigated.delivered_pps,
        storm.delivered_pps
    );
}

/// Interrupts that preempt queued work push it later, past the window's
/// end for the work queued there: a saturated core is at most 100% busy in
/// the window, however many interrupts it took (a bare-metal core
/// receiving a TCP stream, where it is the bottleneck).
#[test]
fn a_preempted_core_is_never_more_than_fully_busy() {
    let tcp = TcpParams::linux();
    let stream = FlowConfig {
        name: "s".into(),
        kind: FlowKind::TcpStream {
            src: Client::External,
            dst: Client::Vm(0),
            tcp,
        },
        arrival: Arrival::Poisson,
        sizes: SizeDist::Fixed(1518),
        mean_interval_ps: 1.0,
        streams: 1,
        addr: None,
    };
    let cfg = enisim::model::HostConfig {
        offloads: Offloads::default(),
        ..host(
            IoPath::Baremetal,
            Profile::kvm_modern_25g(),
            1,
            vec![stream],
            5_000,
        )
    };
    let r = run(&cfg);
    assert!(
        r.cpu.guest_pct > 95.0,
        "the core limits: {}",
        r.cpu.guest_pct
    );
    assert!(r.cpu.guest_pct <= 100.0 + 1e-9, "{}", r.cpu.guest_pct);
    for res in r.resources.iter().filter(|x| x.name.contains("vcpu")) {
        assert!(res.utilization <= 1.0 + 1e-9, "{res:?}");
    }
}
