//! The parallel kernel (src/sim/parallel.rs) on its toy model: messages
//! handed across threads per second, at 1 and 2 worker threads, with sparse
//! traffic (about one event per LP per window: the barrier dominates) and
//! dense traffic (tens of events per LP per window: the work dominates).
//! The ratio of the 2-thread to the 1-thread rate of one group, measured in
//! one run, is the speed-up; the cost per message at 1 thread against a
//! global event queue ([`run_sequential`]) is what windows and hand-offs
//! cost.

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

criterion_group!(benches, handoff);
criterion_main!(benches);
