//! An integer token bucket (Firecracker's `rate_limiter::TokenBucket`): a
//! capacity, a refill rate, and the fractional refill carried from one update
//! to the next, so the long-run rate is exact whatever the update pattern.
//!
//! Used for the instance allowances of the data plane (bandwidth in and out,
//! packets per second). Tokens are whatever the caller counts (bits,
//! packets); time is simulated time.

use super::time::{SimTime, PS_PER_SEC};

/// A token bucket of `capacity` tokens refilled at `rate` tokens per second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    capacity: u64,
    rate_per_s: u64,
    tokens: u64,
    /// Refill owed but not yet whole \[tokens × ps\].
    carry: u128,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens, refilled at `rate_per_s` tokens
    /// per second.
    pub fn new(capacity: u64, rate_per_s: u64) -> Self {
        TokenBucket {
            capacity,
            rate_per_s,
            tokens: capacity,
            carry: 0,
            last: SimTime::ZERO,
        }
    }

    fn refill(&mut self, now: SimTime) {
        if now <= self.last {
            return;
        }
        let elapsed = now.since(self.last).as_ps() as u128;
        self.last = now;
        let owed = elapsed * self.rate_per_s as u128 + self.carry;
        let whole = owed / PS_PER_SEC as u128;
        self.carry = owed % PS_PER_SEC as u128;
        let room = (self.capacity - self.tokens) as u128;
        if whole >= room {
            self.tokens = self.capacity;
            self.carry = 0;
        } else {
            self.tokens += whole as u64;
        }
    }

    /// Takes `n` tokens at `now` if the bucket holds them; otherwise takes
    /// nothing and returns false.
    #[inline]
    pub fn take(&mut self, now: SimTime, n: u64) -> bool {
        self.refill(now);
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }

    /// True if the bucket holds `n` tokens at `now` (refilling, taking none):
    /// `take(now, n)` would succeed. A caller that needs several buckets, or
    /// several takes from one bucket, to succeed together asks each for its
    /// whole share first, then takes.
    #[inline]
    pub fn holds(&mut self, now: SimTime, n: u64) -> bool {
        self.refill(now);
        self.tokens >= n
    }

    /// Tokens held at the last update.
    pub fn tokens(&self) -> u64 {
        self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_run_rate_is_the_refill_rate() {
        // Offer 3 tokens every 7 µs (≈428,571/s) to a bucket refilled at
        // 100,000/s: over 10 s it passes the capacity plus exactly the
        // refill, within one request.
        let mut b = TokenBucket::new(50, 100_000);
        let mut passed = 0u64;
        let mut t = 0u64;
        while t <= 10 * PS_PER_SEC {
            if b.take(SimTime::from_ps(t), 3) {
                passed += 3;
            }
            t += 7_000_000;
        }
        let expected = 50 + 100_000 * 10;
        assert!(
            (passed as i64 - expected as i64).abs() <= 3,
            "{passed} vs {expected}"
        );
    }

    #[test]
    fn a_request_larger_than_the_bucket_never_passes_and_takes_nothing() {
        let mut b = TokenBucket::new(10, 1_000_000);
        assert!(!b.take(SimTime::from_ps(PS_PER_SEC), 11));
        assert_eq!(b.tokens(), 10);
        assert!(b.take(SimTime::from_ps(PS_PER_SEC), 10));
        assert_eq!(b.tokens(), 0);
    }

    #[test]
    fn holds_refills_and_takes_nothing() {
        let mut b = TokenBucket::new(4, 1_000_000); // 1 token per µs
        assert!(b.take(SimTime::ZERO, 4));
        let t = SimTime::from_ps(3_000_000); // 3 µs: 3 tokens refilled
        assert!(b.holds(t, 3));
        assert!(!b.holds(t, 4));
        // Asking, even repeatedly, takes nothing.
        assert!(b.holds(t, 3));
        assert_eq!(b.tokens(), 3);
        // What it said holds can be taken, in pieces too.
        assert!(b.take(t, 2) && b.take(t, 1));
        assert!(!b.holds(t, 1));
    }

    #[test]
    fn fractional_refill_is_carried() {
        // 1 token per second, updated every 0.3 s: each update alone owes
        // less than a token, so without the carry the bucket never refills.
        let mut b = TokenBucket::new(1000, 1);
        assert!(b.take(SimTime::ZERO, 1000));
        for k in 1..=100u64 {
            assert!(!b.take(SimTime::from_ps(k * 300_000_000_000), 1000));
        }
        assert_eq!(b.tokens(), 30); // 30 s of refill at 1/s
    }
}
