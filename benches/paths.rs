//! Simulator speed per I/O path: wall time per simulated packet.
//!
//! Each iteration runs one path of `experiments/bench.toml` (64 B frames,
//! four VMs, `run.packets` packets), host construction included; criterion
//! reports simulated packets per second as elements/s.
//!
//! A second group, `tcp_stream_frames`, runs `experiments/bench-tcp.toml` and
//! counts frames (segments and ACKs) as elements.
//!
//! Run: `cargo bench --bench paths` (one path: `cargo bench --bench paths -- sriov`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use enisim::experiment::Experiment;
use std::path::Path;

fn paths(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/bench.toml");
    let exp = Experiment::from_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let packets = exp.base.max_packets.expect("bench.toml sets run.packets");
    let mut g = c.benchmark_group("simulate_64B");
    g.sample_size(10);
    g.throughput(Throughput::Elements(packets));
    for cfg in exp.host_configs() {
        g.bench_with_input(
            BenchmarkId::from_parameter(cfg.path.name()),
            &cfg,
            |b, cfg| b.iter(|| enisim::model::run(cfg).expect("valid configuration")),
        );
    }
    g.finish();
}

/// TCP streams (`experiments/bench-tcp.toml`): wall time per simulated
/// frame, the element counted here (a burst of several frames is one packet
/// of the engine, so this is the figure to set beside `simulate_64B`).
fn tcp_frames(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/bench-tcp.toml");
    let exp = Experiment::from_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("tcp_stream_frames");
    g.sample_size(10);
    for cfg in exp.host_configs() {
        let r = enisim::model::run(&cfg).expect("valid configuration");
        let frames: u64 = r
            .flows
            .iter()
            .filter_map(|f| f.tcp.as_ref())
            .map(|t| t.segments + t.acks)
            .sum();
        g.throughput(Throughput::Elements(frames));
        g.bench_with_input(
            BenchmarkId::from_parameter(cfg.path.name()),
            &cfg,
            |b, cfg| b.iter(|| enisim::model::run(cfg).expect("valid configuration")),
        );
    }
    g.finish();
}

criterion_group!(benches, paths, tcp_frames);
criterion_main!(benches);
