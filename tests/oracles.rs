//! Closed-form oracles: the kernel's FCFS resource against queueing theory,
//! and the full model against Ethernet line-rate arithmetic.

use crate::common;
use common::*;
use enisim::model::{Arrival, FlowKind, IoPath, Profile, SizeDist};
use enisim::sim::{EventQueue, FcfsPool, Rng, SimDuration, SimTime};

/// Mean waiting time \[ps\] of `n` Poisson arrivals at rate `rho / service`
/// through one FCFS server, driven by the event queue.
fn simulate_single_queue(rho: f64, exponential_service: bool, n: u64, seed: u64) -> f64 {
    let mean_service = 1_000_000.0; // 1 µs in ps
    let mean_gap = mean_service / rho;
    let mut arrivals = Rng::stream(seed, 0);
    let mut services = Rng::stream(seed, 1);
    let mut pool = FcfsPool::new(1, None);
    let mut q: EventQueue<()> = EventQueue::with_capacity(4);
    q.push(SimTime::from_ps(arrivals.exp_rounded(mean_gap)), ());
    let (mut waited, mut served) = (0u128, 0u64);
    while let Some((t, ())) = q.pop() {
        let s = if exponential_service {
            services.exp_rounded(mean_service)
        } else {
            mean_service as u64
        };
        let a = pool
            .admit(t, SimDuration::from_ps(s))
            .expect("unbounded room");
        waited += a.start.since(t).as_ps() as u128;
        served += 1;
        if served < n {
            q.push(t + SimDuration::from_ps(arrivals.exp_rounded(mean_gap)), ());
        }
    }
    waited as f64 / served as f64
}

fn check(rho: f64, exponential: bool) {
    let mu = 1.0 / 1_000_000.0; // per ps
    let expected = if exponential {
        rho / (mu * (1.0 - rho)) // M/M/1: Wq = ρ / (μ − λ)
    } else {
        rho / (2.0 * mu * (1.0 - rho)) // M/D/1: Wq = ρ / (2μ(1 − ρ))
    };
    let got = simulate_single_queue(rho, exponential, 4_000_000, 11);
    let err = (got - expected).abs() / expected;
    assert!(
        err < 0.02,
        "{} at ρ = {rho}: simulated Wq {:.1} ns, theory {:.1} ns, error {:.2}%",
        if exponential { "M/M/1" } else { "M/D/1" },
        got / 1000.0,
        expected / 1000.0,
        err * 100.0
    );
}

#[test]
fn mm1_mean_wait_at_load_half() {
    check(0.5, true);
}
#[test]
fn mm1_mean_wait_at_load_0_8() {
    check(0.8, true);
}
#[test]
fn md1_mean_wait_at_load_half() {
    check(0.5, false);
}
#[test]
fn md1_mean_wait_at_load_0_8() {
    check(0.8, false);
}

/// A profile in which nothing but the wire costs time worth counting: no CPU
/// cost, no NIC pipeline, no interrupt moderation, the fastest PCIe.
fn unconstrained_10g() -> Profile {
    let mut p = static_2010();
    p.link_gbps = 10.0;
    p.pcie_gen = 5;
    p.pcie_lanes = 16;
    p.nic_pipeline_ns = 0;
    p.nic_irq_interval_us = 0.0;
    for c in [
        &mut p.exit_cycles,
        &mut p.host_irq_cycles,
        &mut p.guest_irq_cycles,
        &mut p.guest_driver_cycles,
        &mut p.guest_stack_cycles,
        &mut p.app_cycles,
    ] {
        *c = 0;
    }
    p
}

#[test]
fn line_rate_64b_at_10gbe_is_14_88_mpps_exactly() {
    let frame_ps = 67_200u64; // (64 + 20) B × 8 / 10 Gbit/s
    let window_us = 1000;
    let f = flow(
        "line",
        FlowKind::Rx { vm: 0 },
        Arrival::Constant,
        SizeDist::Fixed(64),
        frame_ps as f64,
    );
    let cfg = host(
        IoPath::Baremetal,
        unconstrained_10g(),
        1,
        vec![f],
        window_us,
    );
    let r = enisim::model::run(&cfg).unwrap();
    // Nothing queues anywhere: every packet has the same latency, recorded
    // truncated to whole ns (p50) and reported as a max no lower than the
    // exact mean.
    let l = &r.latency_ns;
    assert_eq!(
        (l.p50, l.max),
        (l.mean as u64, l.mean.ceil() as u64),
        "{l:?}"
    );
    let dropped: u64 = r.dropped.values().sum();
    assert_eq!(dropped, 0);
    let wire = r.stages.iter().find(|s| s.name == "wire").unwrap().mean_ns;
    assert!((wire - 67.2).abs() < 1e-9, "wire stage {wire} ns");
    // δ: the constant time after the wire. Frame k is delivered at
    // (k + 1) × frame + δ; the window holds those delivered by its end.
    let after_wire_ps = ((r.latency_ns.mean - wire) * 1000.0).round() as u64;
    let window_ps = window_us * 1_000_000;
    let expected = (window_ps - after_wire_ps) / frame_ps;
    assert_eq!(r.delivered_in_window, expected);
    assert_eq!(r.generated, window_ps.div_ceil(frame_ps));
    let mpps = r.delivered_pps / 1e6;
    assert!((mpps - 14.88).abs() < 0.0011, "{mpps} Mpps");
}

#[test]
fn n_back_to_back_frames_leave_the_wire_n_frame_times_after_the_first_starts() {
    // 1,000 frames of 1518 B offered at once: the last is delivered at
    // 1,000 × 1,230.4 ns + δ, δ being the (constant) time after the wire.
    let n = 1000u64;
    let f = flow(
        "burst",
        FlowKind::Rx { vm: 0 },
        Arrival::Constant,
        SizeDist::Fixed(1518),
        1.0, // one picosecond apart: back to back
    );
    let mut cfg = host(IoPath::Baremetal, unconstrained_10g(), 1, vec![f], 1);
    cfg.max_packets = Some(n);
    cfg.window = SimDuration::from_us(1);
    cfg.profile.switch_buffer_frames = 2000;
    let r = enisim::model::run(&cfg).unwrap();
    assert_eq!(r.generated, n);
    assert_eq!(r.delivered, n);
    // The first frame's latency is one frame time + δ; the last frame was born
    // (n − 1) ps after the first and left n frame times after the first began.
    let first_latency_ps = 1_230_400 + {
        let wire_total: f64 = r
            .stages
            .iter()
            .filter(|s| s.name != "wire")
            .map(|s| s.mean_ns)
            .sum();
        (wire_total * 1000.0).round() as u64
    };
    let last_latency_ps = n * 1_230_400 + (first_latency_ps - 1_230_400) - (n - 1);
    // hdrhistogram keeps 3 significant digits: compare the max within them.
    let max_ns = r.latency_ns.max as f64;
    assert!(
        (max_ns - last_latency_ps as f64 / 1000.0).abs() / max_ns < 1e-3,
        "max {max_ns} ns, expected {} ns",
        last_latency_ps as f64 / 1000.0
    );
}

/// The whole simulator, not just the queue primitive: Poisson arrivals of
/// fixed 1500 B frames make the receive wire an M/D/1 queue, whose mean time
/// (wait + service) the model reports as its `wire` stage.
fn md1_through_the_model(rho: f64) {
    let frame_ps = (1500.0 + 20.0) * 8.0 * 100.0; // 10 GbE: 100 ps per bit
    let f = flow(
        "poisson",
        FlowKind::Rx { vm: 0 },
        Arrival::Poisson,
        SizeDist::Fixed(1500),
        frame_ps / rho,
    );
    let mut cfg = host(
        IoPath::Baremetal,
        unconstrained_10g(),
        1,
        vec![f],
        10_000_000,
    );
    cfg.max_packets = Some(2_000_000);
    cfg.profile.switch_buffer_frames = 1 << 20;
    let r = enisim::model::run(&cfg).unwrap();
    assert_eq!(r.dropped.values().sum::<u64>(), 0);
    let wire_ns = r.stages.iter().find(|s| s.name == "wire").unwrap().mean_ns;
    let service_ns = frame_ps / 1000.0;
    let expected_ns = service_ns + rho * service_ns / (2.0 * (1.0 - rho));
    let err = (wire_ns - expected_ns).abs() / (expected_ns - service_ns);
    assert!(
        err < 0.02,
        "ρ = {rho}: wire {wire_ns:.1} ns, M/D/1 {expected_ns:.1} ns: wait error {:.2}%",
        err * 100.0
    );
}

#[test]
fn the_model_s_wire_is_an_md1_queue_at_load_half() {
    md1_through_the_model(0.5);
}

#[test]
fn the_model_s_wire_is_an_md1_queue_at_load_0_8() {
    md1_through_the_model(0.8);
}
