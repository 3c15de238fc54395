//! Times one path of the speed-target configuration (see benches/paths.rs):
//! `cargo run --release --example speed -- sriov 2000000`.
use enisim::model::{Arrival, FlowConfig, FlowKind, HostConfig, IoPath, Profile, SizeDist};
use enisim::sim::SimDuration;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .and_then(|p| IoPath::parse(&p))
        .unwrap_or(IoPath::Sriov);
    let packets: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000_000);
    let vms = 4;
    let flows = (0..vms)
        .map(|vm| FlowConfig {
            name: format!("rx{vm}"),
            kind: FlowKind::Rx { vm },
            arrival: Arrival::Poisson,
            sizes: SizeDist::Fixed(64),
            mean_interval_ps: 1e12 / 250_000.0,
        })
        .collect();
    let cfg = HostConfig {
        profile: Profile::kvm_modern_25g(),
        path,
        vms,
        passthrough_nic_per_vm: true,
        flows,
        window: SimDuration::from_ms(100_000),
        max_packets: Some(packets),
        drain: SimDuration::from_ms(10),
        seed: 1,
    };
    let t = std::time::Instant::now();
    let r = enisim::model::run(&cfg).expect("valid configuration");
    let s = t.elapsed().as_secs_f64();
    println!(
        "{}: {} packets, {} events in {:.3} s: {:.2} M packets/s, {:.2} M events/s",
        path,
        r.generated,
        r.sim.events,
        s,
        r.generated as f64 / s / 1e6,
        r.sim.events as f64 / s / 1e6
    );
}
