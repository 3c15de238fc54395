//! enisim's engine against a minimal reference event loop, in one run so the
//! ratio holds on a noisy machine (issue 9): the `sriov` path of
//! `experiments/bench.toml` (a whole host's path per packet) and the
//! reference loop of `benches/common/reference.rs` (a wire, a queue and a
//! sink; `BinaryHeap` + `VecDeque`) at the same offered load and packet
//! count; and enisim on the reference's own scenario (bench.toml with only
//! the wire: `host.stages = "wire"`, a 1,000-frame queue, 1 µs of
//! propagation), which isolates the engine's own cost. Criterion reports
//! each as elements (packets) per second: divide by the reference's for
//! the ratio. `cargo run --release --example
//! speed -- ratio` prints it directly.
//!
//! Run: `cargo bench --bench engine`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use enisim::experiment::{Experiment, Override};
use enisim::model::IoPath;
use std::path::Path;

#[path = "common/reference.rs"]
mod reference;

fn engine(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/bench.toml");
    let exp = Experiment::from_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let packets = exp.base.max_packets.expect("bench.toml sets run.packets");
    let cfg = exp.host_config(IoPath::Sriov);
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.throughput(Throughput::Elements(packets));
    g.bench_function("enisim_sriov", |b| {
        b.iter(|| enisim::model::run(&cfg).expect("valid configuration"))
    });
    // The reference's own scenario.
    let sets: Vec<Override> = reference::WIRE_ONLY
        .iter()
        .map(|s| Override::parse(s).expect("valid override"))
        .collect();
    let wire = Experiment::from_file(&file, &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .host_config(IoPath::Sriov);
    g.bench_function("enisim_wire_only", |b| {
        b.iter(|| enisim::model::run(&wire).expect("valid configuration"))
    });
    g.bench_function("reference_loop", |b| b.iter(|| reference::run(packets, 1)));
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
