//! Integer simulated time.
//!
//! One tick is one picosecond. The trade-off (ns-3 `nstime.h` documents the same
//! one): a `u64` of picoseconds overflows after 2^64 ps ≈ 213 days of simulated
//! time, far beyond any experiment, while nanoseconds would make the 64 B frame
//! time at 10 GbE (67.2 ns) inexact. Every Ethernet rate the CALIBRATION.md
//! "Line rate" table lists (10/25/40/100/400 GbE) has a whole number of
//! picoseconds per byte (800, 320, 200, 80, 20), so serialization is exact.
//!
//! Nothing here reads a wall clock: time only moves when the event loop pops an
//! event.

use std::fmt;
use std::ops::{Add, AddAssign};

/// Picoseconds in one nanosecond.
pub const PS_PER_NS: u64 = 1_000;
/// Picoseconds in one microsecond.
const PS_PER_US: u64 = 1_000_000;
/// Picoseconds in one millisecond.
const PS_PER_MS: u64 = 1_000_000_000;
/// Picoseconds in one second.
pub const PS_PER_SEC: u64 = 1_000_000_000_000;

/// An instant of simulated time \[ps since the start of the run\].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time \[ps\]. Never negative: subtraction that could go
/// negative is checked ([`SimTime::checked_since`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// An instant `ps` picoseconds after the start.
    pub const fn from_ps(ps: u64) -> Self {
        SimTime(ps)
    }
    /// Picoseconds since the start.
    pub const fn as_ps(self) -> u64 {
        self.0
    }
    /// Nanoseconds since the start, as a float (for reports only).
    pub fn as_ns_f64(self) -> f64 {
        self.0 as f64 / PS_PER_NS as f64
    }
    /// `self - earlier`, or `None` if `earlier` is later than `self`.
    pub fn checked_since(self, earlier: SimTime) -> Option<SimDuration> {
        self.0.checked_sub(earlier.0).map(SimDuration)
    }
    /// `self - earlier`.
    ///
    /// # Panics
    /// If `earlier` is after `self`: time going backwards is a broken invariant
    /// of the model (STYLE.md point 9), never an outcome.
    #[inline]
    pub fn since(self, earlier: SimTime) -> SimDuration {
        match self.0.checked_sub(earlier.0) {
            Some(d) => SimDuration(d),
            None => panic!("simulated time went backwards: {earlier} is after {self}"),
        }
    }
    /// `self + d`, saturating at [`SimTime::MAX`].
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// `ps` picoseconds.
    pub const fn from_ps(ps: u64) -> Self {
        SimDuration(ps)
    }
    /// `ns` nanoseconds.
    ///
    /// # Panics
    /// If the span is more than `u64::MAX` picoseconds (about 213 days):
    /// see [`SimDuration::checked_from_ns`].
    pub const fn from_ns(ns: u64) -> Self {
        match Self::checked_from_ns(ns) {
            Some(d) => d,
            None => {
                panic!("SimDuration::from_ns: the span overflows u64 picoseconds (about 213 days)")
            }
        }
    }
    /// `us` microseconds.
    ///
    /// # Panics
    /// If the span is more than `u64::MAX` picoseconds (about 213 days):
    /// see [`SimDuration::checked_from_us`].
    pub const fn from_us(us: u64) -> Self {
        match Self::checked_from_us(us) {
            Some(d) => d,
            None => {
                panic!("SimDuration::from_us: the span overflows u64 picoseconds (about 213 days)")
            }
        }
    }
    /// `ms` milliseconds.
    ///
    /// # Panics
    /// If the span is more than `u64::MAX` picoseconds (about 213 days):
    /// see [`SimDuration::checked_from_ms`].
    pub const fn from_ms(ms: u64) -> Self {
        match Self::checked_from_ms(ms) {
            Some(d) => d,
            None => {
                panic!("SimDuration::from_ms: the span overflows u64 picoseconds (about 213 days)")
            }
        }
    }
    /// `ns` nanoseconds, or `None` if that is more than `u64::MAX` picoseconds.
    pub const fn checked_from_ns(ns: u64) -> Option<Self> {
        match ns.checked_mul(PS_PER_NS) {
            Some(ps) => Some(SimDuration(ps)),
            None => None,
        }
    }
    /// `us` microseconds, or `None` if that is more than `u64::MAX` picoseconds.
    pub const fn checked_from_us(us: u64) -> Option<Self> {
        match us.checked_mul(PS_PER_US) {
            Some(ps) => Some(SimDuration(ps)),
            None => None,
        }
    }
    /// `ms` milliseconds, or `None` if that is more than `u64::MAX` picoseconds.
    pub const fn checked_from_ms(ms: u64) -> Option<Self> {
        match ms.checked_mul(PS_PER_MS) {
            Some(ps) => Some(SimDuration(ps)),
            None => None,
        }
    }
    /// The span in picoseconds.
    pub const fn as_ps(self) -> u64 {
        self.0
    }
    /// The span in nanoseconds as a float (for reports only).
    pub fn as_ns_f64(self) -> f64 {
        self.0 as f64 / PS_PER_NS as f64
    }
    /// The span in seconds as a float (for reports only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / PS_PER_SEC as f64
    }
    /// `self + other`, saturating.
    pub fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// # Panics
    /// On overflow past 2^64 ps (≈213 days of simulated time).
    #[inline]
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(
            self.0
                .checked_add(d.0)
                .expect("simulated time overflowed u64 picoseconds"),
        )
    }
}

impl AddAssign<SimDuration> for SimTime {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    #[inline]
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(
            self.0
                .checked_add(o.0)
                .expect("duration overflowed u64 picoseconds"),
        )
    }
}

impl AddAssign for SimDuration {
    #[inline]
    fn add_assign(&mut self, o: SimDuration) {
        *self = *self + o;
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03} ns", self.0 / PS_PER_NS, self.0 % PS_PER_NS)
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03} ns", self.0 / PS_PER_NS, self.0 % PS_PER_NS)
    }
}

/// A data rate \[bit/s\]. Always positive once constructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BitsPerSec(u64);

impl BitsPerSec {
    /// A rate of `bps` bit/s; `None` for zero.
    pub const fn new(bps: u64) -> Option<Self> {
        if bps == 0 {
            None
        } else {
            Some(BitsPerSec(bps))
        }
    }
    /// A rate of `gbps` Gbit/s given as a float; `None` unless the rate is
    /// positive, finite and a whole number of bit/s.
    pub fn from_gbps(gbps: f64) -> Option<Self> {
        let bps = gbps * 1e9;
        if !(bps.is_finite() && bps >= 1.0 && bps <= u64::MAX as f64) || bps.fract() != 0.0 {
            return None;
        }
        Self::new(bps as u64)
    }
    /// The rate in bit/s.
    pub const fn bps(self) -> u64 {
        self.0
    }
    /// The rate in Gbit/s (for reports only).
    pub fn gbps(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// Picoseconds needed to send `bits` at this rate, and the remainder
    /// \[ps·bit/s\] that the exact quotient left over. Carry the remainder into the
    /// next call (as Firecracker's token bucket carries fractions) and N calls
    /// add up to exactly `N·bits / rate`.
    #[inline]
    pub fn time_for_bits(self, bits: u64, carry: u64) -> (SimDuration, u64) {
        // The same quotient in 64 bits when it fits (every packet a model
        // sends: up to 18 Mbit), a quarter of the cost of a 128-bit division.
        if let Some(num) = bits
            .checked_mul(PS_PER_SEC)
            .and_then(|n| n.checked_add(carry))
        {
            return (SimDuration(num / self.0), num % self.0);
        }
        let num = bits as u128 * PS_PER_SEC as u128 + carry as u128;
        let q = num / self.0 as u128;
        let r = num % self.0 as u128;
        (SimDuration(q as u64), r as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_for_bits_is_the_exact_quotient_in_both_widths() {
        use crate::sim::Rng;
        let mut g = Rng::stream(3, 3);
        for _ in 0..100_000 {
            let rate = BitsPerSec(1_000_000 + g.below(400_000_000_000));
            // Packets (the 64-bit way) and transfers too large for it (the
            // 128-bit way), whose time still fits in 64 bits of ps.
            let bits = if g.below(2) == 0 {
                g.below(1 << 24)
            } else {
                (1 << 25) + g.below(1 << 40)
            };
            let carry = g.below(rate.0);
            let num = bits as u128 * PS_PER_SEC as u128 + carry as u128;
            let (d, c) = rate.time_for_bits(bits, carry);
            assert_eq!(d.0 as u128, num / rate.0 as u128, "{bits} bits at {rate:?}");
            assert_eq!(c as u128, num % rate.0 as u128);
        }
    }

    #[test]
    fn ethernet_frame_times_are_exact_in_picoseconds() {
        // CALIBRATION.md "Line rate": a 64 B frame occupies 84 B on the wire.
        let bits = 84 * 8;
        for (gbps, ps) in [
            (10.0, 67_200),
            (25.0, 26_880),
            (40.0, 16_800),
            (100.0, 6_720),
            (400.0, 1_680),
        ] {
            let r = BitsPerSec::from_gbps(gbps).unwrap();
            let (d, rem) = r.time_for_bits(bits, 0);
            assert_eq!((d.as_ps(), rem), (ps, 0), "{gbps} GbE");
        }
    }

    #[test]
    fn carried_remainders_make_n_frames_exact() {
        // 3 Gbit/s has no whole number of ps per bit: carry the remainder.
        let r = BitsPerSec::new(3_000_000_000).unwrap();
        let mut carry = 0;
        let mut total = 0u64;
        for _ in 0..1000 {
            let (d, c) = r.time_for_bits(672, carry);
            carry = c;
            total += d.as_ps();
        }
        assert_eq!(total, 672u64 * 1000 * PS_PER_SEC / 3_000_000_000);
    }

    #[test]
    fn rates_that_are_not_whole_bits_per_second_are_refused() {
        assert!(BitsPerSec::from_gbps(0.0).is_none());
        assert!(BitsPerSec::from_gbps(-1.0).is_none());
        assert!(BitsPerSec::from_gbps(f64::NAN).is_none());
        assert!(BitsPerSec::from_gbps(1e-10).is_none());
        assert_eq!(BitsPerSec::from_gbps(2.5).unwrap().bps(), 2_500_000_000);
    }

    #[test]
    fn checked_conversions_stop_at_u64_picoseconds() {
        // The largest counts whose picoseconds fit in u64, and one more.
        let max_ns = u64::MAX / PS_PER_NS; // 18_446_744_073_709_551
        let max_us = u64::MAX / PS_PER_US; // 18_446_744_073_709
        let max_ms = u64::MAX / PS_PER_MS; // 18_446_744_073
        assert_eq!(max_ms, 18_446_744_073);
        assert_eq!(
            SimDuration::checked_from_ns(max_ns).map(SimDuration::as_ps),
            Some(max_ns * 1_000)
        );
        assert_eq!(
            SimDuration::checked_from_us(max_us).map(SimDuration::as_ps),
            Some(max_us * 1_000_000)
        );
        assert_eq!(
            SimDuration::checked_from_ms(max_ms).map(SimDuration::as_ps),
            Some(max_ms * 1_000_000_000)
        );
        assert_eq!(SimDuration::checked_from_ns(max_ns + 1), None);
        assert_eq!(SimDuration::checked_from_us(max_us + 1), None);
        assert_eq!(SimDuration::checked_from_ms(max_ms + 1), None);
        assert_eq!(SimDuration::checked_from_ms(u64::MAX), None);
        // The panicking forms agree below the boundary, and in const context.
        const D: SimDuration = SimDuration::from_ms(2);
        assert_eq!(D, SimDuration::from_us(2_000));
        assert_eq!(SimDuration::from_ns(max_ns).as_ps(), max_ns * 1_000);
        assert_eq!(SimDuration::from_us(max_us).as_ps(), max_us * 1_000_000);
        assert_eq!(SimDuration::from_ms(max_ms).as_ps(), max_ms * 1_000_000_000);
    }

    #[test]
    #[should_panic(expected = "SimDuration::from_ns: the span overflows u64 picoseconds")]
    fn from_ns_overflow_panics() {
        let _ = SimDuration::from_ns(u64::MAX / PS_PER_NS + 1);
    }

    #[test]
    #[should_panic(expected = "SimDuration::from_us: the span overflows u64 picoseconds")]
    fn from_us_overflow_panics() {
        let _ = SimDuration::from_us(u64::MAX / PS_PER_US + 1);
    }

    #[test]
    #[should_panic(expected = "SimDuration::from_ms: the span overflows u64 picoseconds")]
    fn from_ms_overflow_panics() {
        let _ = SimDuration::from_ms(u64::MAX / PS_PER_MS + 1);
    }

    #[test]
    #[should_panic(expected = "went backwards")]
    fn time_going_backwards_panics() {
        let _ = SimTime::from_ps(1).since(SimTime::from_ps(2));
    }
}
