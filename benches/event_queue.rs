//! The event queue's cost per operation, in the "hold" model: a queue of
//! `n` pending events where each step pops the earliest and pushes one a
//! random distance later (the access pattern of a discrete-event run), at
//! 10 to 10⁶ pending events. A 4-ary heap behind a one-event lane
//! (src/sim/queue.rs): O(log n) per push and pop, so the time per hold grows
//! slowly with n (the lane rarely helps here: a random push is seldom the
//! earliest).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use enisim::sim::{EventQueue, Rng, SimTime};
use std::hint::black_box;

fn hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue_hold");
    for n in [10usize, 100, 1_000, 10_000, 100_000, 1_000_000] {
        let mut rng = Rng::stream(1, 1);
        let mut q: EventQueue<u64> = EventQueue::with_capacity(n + 1);
        for i in 0..n {
            q.push(SimTime::from_ps(rng.below(1_000_000)), i as u64);
        }
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let (t, e) = q.pop().expect("the queue holds n events");
                q.push(
                    SimTime::from_ps(t.as_ps() + rng.below(1_000_000)),
                    black_box(e),
                );
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
