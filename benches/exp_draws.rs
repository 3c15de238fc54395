//! Exponential variates per second: the ziggurat of [`Rng::exp_rounded`]
//! against the inverse transform it replaced, `−ln(u)·mean` with the
//! platform's `f64::ln` (kept here only as the yardstick: its last bit
//! depends on the libm). Both draw from the same kind of stream and round
//! the same way; each iteration is one draw with the mean of a 1 Mpps
//! Poisson flow in picoseconds.
//!
//! Run: `cargo bench --bench exp_draws`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use enisim::sim::Rng;
use std::hint::black_box;

/// The method `exp_rounded` used before the ziggurat.
#[inline]
fn inverse_transform(rng: &mut Rng, mean: f64) -> u64 {
    let x = -rng.next_open01().ln() * mean;
    (x + 0.5) as u64
}

fn exp_draws(c: &mut Criterion) {
    let mean = black_box(1e6);
    let mut g = c.benchmark_group("exp_draws");
    g.throughput(Throughput::Elements(1));
    let mut rng = Rng::stream(1, 1);
    g.bench_function("ln_inverse_transform", |b| {
        b.iter(|| inverse_transform(&mut rng, mean))
    });
    let mut rng = Rng::stream(1, 1);
    g.bench_function("ziggurat", |b| b.iter(|| rng.exp_rounded(mean)));
    // The floor: one xoshiro256++ output and the harness's own cost.
    let mut rng = Rng::stream(1, 1);
    g.bench_function("next_u64_floor", |b| b.iter(|| rng.next_u64()));
    g.finish();
}

criterion_group!(benches, exp_draws);
criterion_main!(benches);
