//! Synthetic traffic: when packets are born and how large they are.
//!
//! Each flow draws from two RNG streams of its own (arrivals and sizes),
//! keyed by the flow's position in the experiment, never by the I/O path: every
//! path sees exactly the same packets at the same times for the same seed.

use super::config::{Arrival, SizeDist};
use crate::sim::{Rng, SimTime};

/// Generates a flow's birth times.
#[derive(Clone, Debug)]
pub struct ArrivalGen {
    arrival: Arrival,
    mean_ps: f64,
    rng: Rng,
    /// Packets generated so far (constant and on/off spacing).
    k: u64,
}

impl ArrivalGen {
    /// A generator with mean interval `mean_ps` \[ps\].
    pub fn new(arrival: Arrival, mean_ps: f64, rng: Rng) -> Self {
        ArrivalGen {
            arrival,
            mean_ps,
            rng,
            k: 0,
        }
    }

    /// The first birth time.
    pub fn first(&mut self) -> SimTime {
        match self.arrival {
            Arrival::Poisson => SimTime::from_ps(self.rng.exp_rounded(self.mean_ps)),
            Arrival::Constant | Arrival::OnOff { .. } => {
                self.k = 1;
                SimTime::ZERO
            }
        }
    }

    /// The birth after one at `now`. Constant spacing is computed from the
    /// packet count (`round(k × mean)`), so it never drifts.
    #[inline]
    pub fn next(&mut self, now: SimTime) -> SimTime {
        match self.arrival {
            Arrival::Poisson => SimTime::from_ps(
                now.as_ps()
                    .saturating_add(self.rng.exp_rounded(self.mean_ps)),
            ),
            Arrival::Constant => {
                let t = (self.k as f64 * self.mean_ps).round() as u64;
                self.k += 1;
                SimTime::from_ps(t)
            }
            Arrival::OnOff { on, off } => {
                // Packets are evenly spaced on a clock that runs only during
                // `on` periods, at the rate that gives the mean over whole
                // periods; fractions of a packet carry into the next period.
                let (on, period) = (on.as_ps(), on.as_ps() + off.as_ps());
                let on_time =
                    (self.k as f64 * self.mean_ps * on as f64 / period as f64).round() as u64;
                self.k += 1;
                SimTime::from_ps(on_time / on * period + on_time % on)
            }
        }
    }
}

/// Draws frame sizes.
#[derive(Clone, Debug)]
pub struct SizeGen {
    dist: SizeDist,
    rng: Rng,
}

impl SizeGen {
    /// A generator for `dist`.
    pub fn new(dist: SizeDist, rng: Rng) -> Self {
        SizeGen { dist, rng }
    }

    /// The next frame size \[B\].
    #[inline]
    pub fn draw(&mut self) -> u32 {
        match self.dist {
            SizeDist::Fixed(b) => b,
            SizeDist::Imix => match self.rng.below(12) {
                0..=6 => 64,
                7..=10 => 576,
                _ => 1500,
            },
            SizeDist::Uniform { lo, hi } => lo + self.rng.below((hi - lo) as u64 + 1) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimDuration;

    #[test]
    fn constant_arrivals_do_not_drift() {
        let mut g = ArrivalGen::new(Arrival::Constant, 67_200.0 / 3.0, Rng::stream(1, 1));
        let mut t = g.first();
        for _ in 0..299 {
            t = g.next(t);
        }
        assert_eq!(t.as_ps(), 299 * 67_200 / 3);
    }

    #[test]
    fn on_off_bursts_keep_the_mean_rate_and_stay_inside_on_periods() {
        // (on µs, off µs, packets/s): including rates with less than one
        // packet, or a fraction of a packet, per period.
        for (on_us, off_us, pps) in [
            (100, 900, 1_000_000.0),
            (10, 90, 1_000.0),
            (10, 90, 15_000.0),
            (10, 90, 25_000.0),
            (50, 150, 333_333.0),
        ] {
            let (on, off) = (SimDuration::from_us(on_us), SimDuration::from_us(off_us));
            let period = on.as_ps() + off.as_ps();
            let mut g = ArrivalGen::new(Arrival::OnOff { on, off }, 1e12 / pps, Rng::stream(1, 1));
            let end = 1_000_000_000_000u64; // 1 s
            let mut t = g.first();
            let mut n = 0u64;
            while t.as_ps() < end {
                assert!(
                    t.as_ps() % period < on.as_ps(),
                    "packet at {t} in an off period"
                );
                n += 1;
                t = g.next(t);
            }
            assert!(
                (n as f64 - pps).abs() <= 1.0,
                "on {on_us} off {off_us}: {n} packets for {pps}/s"
            );
        }
    }

    #[test]
    fn imix_is_seven_four_one() {
        let mut g = SizeGen::new(SizeDist::Imix, Rng::stream(2, 2));
        let mut c = [0u32; 3];
        for _ in 0..120_000 {
            match g.draw() {
                64 => c[0] += 1,
                576 => c[1] += 1,
                1500 => c[2] += 1,
                x => panic!("size {x}"),
            }
        }
        assert!((c[0] as i32 - 70_000).abs() < 1500, "{c:?}");
        assert!((c[1] as i32 - 40_000).abs() < 1500, "{c:?}");
        assert!((c[2] as i32 - 10_000).abs() < 1000, "{c:?}");
    }

    #[test]
    fn uniform_sizes_stay_in_bounds() {
        let mut g = SizeGen::new(SizeDist::Uniform { lo: 64, hi: 70 }, Rng::stream(3, 3));
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let s = g.draw();
            assert!((64..=70).contains(&s));
            seen[(s - 64) as usize] = true;
        }
        assert!(seen.iter().all(|&x| x));
    }
}
