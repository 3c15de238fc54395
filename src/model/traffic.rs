//! Synthetic traffic: when packets are born and how large they are.
//!
//! Each flow draws from two RNG streams of its own (arrivals and sizes),
//! keyed by the flow's name ([`crate::sim::Rng::stream_id`]), never by its
//! position or by the I/O path: every path sees exactly the same packets at
//! the same times for the same seed, and adding a flow never changes
//! another's draws.
//!
//! ## Start phases and ties
//! Every flow starts at a random phase drawn from its own arrival stream, as
//! ns-3 jitters application start times: a constant-rate flow's first packet
//! is born uniformly in `[0, interval)`, an on/off flow's cycle is shifted
//! uniformly within one on + off period (it may start in a burst or in a
//! silence, as if it had been running forever), a Poisson flow's first gap is
//! exponential, and a request/response client's slots start uniformly within
//! one think time (1 µs without one). Without it, flows of equal rate would be born at the same
//! picoseconds forever, and because the event queue runs equal times first-in
//! first-out ([`crate::sim::EventQueue`]) and flows are set up in file order,
//! the flow listed first would win every shared queue and token bucket at
//! every such instant. With random phases two flows are born at the same
//! picosecond only by chance (for equal-rate flows, about once in an
//! interval's worth of picoseconds), and which flow leads another is decided
//! by the seed, not by the order of the file.

use super::config::{Arrival, SizeDist};
use crate::sim::{Rng, SimDuration, SimTime};

/// Generates a flow's birth times.
#[derive(Clone, Debug)]
pub struct ArrivalGen {
    arrival: Arrival,
    mean_ps: f64,
    rng: Rng,
    /// Packets generated so far (constant and on/off spacing).
    k: u64,
    /// Start phase \[ps\] (constant and on/off).
    phase: u64,
}

impl ArrivalGen {
    /// A generator with mean interval `mean_ps` \[ps\].
    pub fn new(arrival: Arrival, mean_ps: f64, rng: Rng) -> Self {
        ArrivalGen {
            arrival,
            mean_ps,
            rng,
            k: 0,
            phase: 0,
        }
    }

    /// The first birth time: the flow's random start phase (see the module
    /// doc).
    pub fn first(&mut self) -> SimTime {
        match self.arrival {
            Arrival::Poisson => SimTime::from_ps(self.rng.exp_rounded(self.mean_ps)),
            Arrival::Constant => {
                self.k = 1;
                self.phase = self.rng.below((self.mean_ps as u64).max(1));
                SimTime::from_ps(self.phase)
            }
            Arrival::OnOff { on, off } => {
                // Enter the cycle at a uniform point θ: the schedule of a flow
                // that has been running forever, seen from θ on.
                let period = on.as_ps().saturating_add(off.as_ps()).max(1);
                let theta = self.rng.below(period);
                self.phase = theta;
                let per_packet = self.mean_ps * on.as_ps() as f64 / period as f64;
                let target = theta.min(on.as_ps()) as f64;
                let mut k = ((target - 1.0).max(0.0) / per_packet).floor() as u64;
                while self.on_off_base(k, on, off) < theta {
                    k += 1;
                }
                self.k = k + 1;
                SimTime::from_ps(self.on_off_base(k, on, off) - theta)
            }
        }
    }

    /// Packet `k` of an on/off flow whose cycle starts at 0 \[ps\]: evenly
    /// spaced on a clock that runs only during `on` periods, at the rate
    /// that gives the mean over whole periods; fractions of a packet carry
    /// into the next period.
    fn on_off_base(&self, k: u64, on: SimDuration, off: SimDuration) -> u64 {
        let (on, period) = (on.as_ps(), on.as_ps() + off.as_ps());
        let on_time = (k as f64 * self.mean_ps * on as f64 / period as f64).round() as u64;
        on_time / on * period + on_time % on
    }

    /// A start offset uniform in `[0, span)` from the flow's arrival stream
    /// (zero for an empty span): where a request/response client's slot
    /// sends its first request.
    pub fn jitter(&mut self, span: SimDuration) -> SimDuration {
        match span.as_ps() {
            0 => SimDuration::ZERO,
            n => SimDuration::from_ps(self.rng.below(n)),
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
                SimTime::from_ps(self.phase.saturating_add(t))
            }
            Arrival::OnOff { on, off } => {
                let t = self.on_off_base(self.k, on, off) - self.phase;
                self.k += 1;
                SimTime::from_ps(t)
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
        let first = g.first();
        let mut t = first;
        for _ in 0..299 {
            t = g.next(t);
        }
        assert_eq!(t.as_ps() - first.as_ps(), 299 * 67_200 / 3);
    }

    #[test]
    fn constant_flows_start_at_a_random_phase_within_one_interval() {
        let mean = 100_000.0;
        let phases: Vec<u64> = (0..200)
            .map(|s| {
                ArrivalGen::new(Arrival::Constant, mean, Rng::stream(1, s))
                    .first()
                    .as_ps()
            })
            .collect();
        assert!(phases.iter().all(|&p| p < 100_000), "{phases:?}");
        // Spread over the interval: both halves are used, and no two agree.
        assert!(phases.iter().any(|&p| p < 50_000) && phases.iter().any(|&p| p >= 50_000));
        let mut sorted = phases.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), phases.len());
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
            let mut t = g.first();
            // The cycle was entered at θ: time t is at t + θ of the cycle.
            let theta = g.phase;
            assert!(theta < period);
            let end = 1_000_000_000_000u64; // 1 s
            let mut n = 0u64;
            while t.as_ps() < end {
                assert!(
                    (t.as_ps() + theta) % period < on.as_ps(),
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
    fn an_on_off_flow_offers_its_rate_from_the_start() {
        // Entered at a random point of its cycle, a flow offers one period's
        // packets in its first period already (a flow that began its cycle
        // at a random delay would be silent until then).
        let (on, off) = (SimDuration::from_us(100), SimDuration::from_us(900));
        let period = 1_000_000_000u64; // 1 ms in ps
        for seed in 0..50 {
            let mut g = ArrivalGen::new(Arrival::OnOff { on, off }, 1e6, Rng::stream(seed, 7));
            let mut t = g.first();
            let mut n = 0;
            while t.as_ps() < period {
                n += 1;
                t = g.next(t);
            }
            assert!((999..=1001).contains(&n), "seed {seed}: {n} packets");
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
