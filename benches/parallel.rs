//! The parallel kernel (src/sim/parallel.rs) on its toy model: messages
//! handed across threads per second, at 1 and 2 worker threads, with sparse
//! traffic (about one event per LP per window: the barrier dominates) and
//! dense traffic (tens of events per LP per window: the work dominates).
//! The ratio of the 2-thread to the 1-thread rate of one group, measured in
//! one run, is the speed-up; the cost per message at 1 thread against a
//! global event queue ([`run_sequential`]) is what windows and hand-offs
//! cost.
//!
//! `rack`: the hosts of experiments/bench-rack.toml (two hosts, sriov,
//! east-west and north-south traffic) at 1 and 2 threads: the host model's
//! own hand-off through the switch, 20 ms of traffic.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use enisim::sim::parallel::testing::{run_sequential, Toy, ToyLp};
use enisim::sim::parallel::{run, ParallelConfig};
use enisim::sim::time::{SimDuration, SimTime};

fn toy(lps: usize, mean_gap_ps: f64, births: u64) -> Toy {
    Toy {
        lps,
        mean_gap_ps,
        delay: SimDuration::from_ps(1_000_000),
        jitter_ps: 400_000,
        hops: 3,
        births,
        seed: 1,
    }
}

fn handoff(c: &mut Criterion) {
    let mut g = c.benchmark_group("parallel_handoff");
    g.sample_size(10);
    for (name, gap, births) in [("sparse", 700_000.0, 20_000), ("dense", 25_000.0, 100_000)] {
        for lps in [2usize, 16] {
            let t = toy(lps, gap, births / lps as u64 * 2);
            let messages = t.lps as u64 * t.births * u64::from(t.hops + 1);
            g.throughput(Throughput::Elements(messages));
            g.bench_with_input(
                BenchmarkId::new(format!("{name}/{lps}lps"), "global_queue"),
                &t,
                |b, t| b.iter(|| run_sequential(*t, SimTime::MAX)),
            );
            for threads in [1usize, 2] {
                let cfg = ParallelConfig {
                    threads,
                    lookahead: t.delay,
                    horizon: SimTime::MAX,
                    queue_capacity: 1 << 16,
                };
                g.bench_with_input(
                    BenchmarkId::new(format!("{name}/{lps}lps"), format!("{threads}threads")),
                    &t,
                    |b, t| {
                        b.iter(|| {
                            let mut parts = ToyLp::all(*t);
                            run(&mut parts, &cfg).expect("the toy keeps the kernel's rules")
                        })
                    },
                );
            }
        }
    }
    g.finish();
}

fn rack(c: &mut Criterion) {
    let set = enisim::experiment::Override::parse("run.duration_us=20000").expect("an override");
    let exp = enisim::experiment::Experiment::from_file(
        std::path::Path::new("experiments/bench-rack.toml"),
        &[set],
    )
    .expect("experiments/bench-rack.toml is valid");
    let cfg = exp.host_config(exp.paths[0]);
    let packets = enisim::model::run_on(&cfg, 1).expect("runs").generated;
    let mut g = c.benchmark_group("rack");
    g.sample_size(10);
    g.throughput(Throughput::Elements(packets));
    for threads in [1usize, 2] {
        g.bench_with_input(
            BenchmarkId::new("two_hosts", format!("{threads}threads")),
            &cfg,
            |b, cfg| b.iter(|| enisim::model::run_on(cfg, threads).expect("runs")),
        );
    }
    g.finish();
}

criterion_group!(benches, handoff, rack);
criterion_main!(benches);
