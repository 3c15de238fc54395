//! Simulator speed per I/O path: wall time per simulated packet.
//!
//! Each iteration runs a whole host (build included) whose open-loop flows
//! offer `PACKETS` 64 B frames; criterion reports the throughput in simulated
//! packets per second (elements/s). The configuration is the speed
//! target: 64 B frames, four VMs, each VM's receive flow at a load its vCPU
//! sustains (no path drops much), on the modern profile.
//!
//! Run: `cargo bench --bench paths` (one path: `cargo bench --bench paths -- sriov`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use enisim::model::{Arrival, FlowConfig, FlowKind, HostConfig, IoPath, Profile, SizeDist};
use enisim::sim::SimDuration;

const PACKETS: u64 = 200_000;

/// The speed-target configuration for `path`.
pub fn speed_config(path: IoPath) -> HostConfig {
    let vms = 4;
    // 250 kpps per VM: 1 Mpps in all, which the emulated path cannot carry
    // (it drops; the drops are simulated packets too).
    let pps_per_vm = 250_000.0;
    let flows = (0..vms)
        .map(|vm| FlowConfig {
            name: format!("rx{vm}"),
            kind: FlowKind::Rx { vm },
            arrival: Arrival::Poisson,
            sizes: SizeDist::Fixed(64),
            mean_interval_ps: 1e12 / pps_per_vm,
        })
        .collect();
    HostConfig {
        profile: Profile::kvm_modern_25g(),
        path,
        vms,
        passthrough_nic_per_vm: true,
        flows,
        window: SimDuration::from_ms(1000),
        max_packets: Some(PACKETS),
        drain: SimDuration::from_ms(10),
        seed: 1,
    }
}

fn paths(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate_64B");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PACKETS));
    for path in IoPath::ALL {
        let cfg = speed_config(path);
        g.bench_with_input(BenchmarkId::from_parameter(path.name()), &cfg, |b, cfg| {
            b.iter(|| enisim::model::run(cfg).expect("valid configuration"))
        });
    }
    g.finish();
}

criterion_group!(benches, paths);
criterion_main!(benches);
