//! The per-run recorder: fixed-bounds histograms and counters, updated on
//! every delivery, drop and unit of work without allocating.

use super::{DropReason, LatencySummary, Stage};
use hdrhistogram::Histogram;

/// Largest latency a histogram records \[ns\] (10 s); larger values are
/// clamped to it.
pub const LATENCY_MAX_NS: u64 = 10_000_000_000;

/// A latency histogram in nanoseconds with 3 significant digits.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_MAX_NS, 3).expect("static histogram bounds are valid")
}

/// A flow's own latency histogram in nanoseconds: 2 significant digits
/// (1% resolution) and 32-bit counts, about 14 KiB, so that one per flow
/// stays small on a host with thousands of VMs. The path's histogram
/// ([`latency_histogram`]) keeps 3 digits.
pub fn flow_latency_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, LATENCY_MAX_NS, 2).expect("static histogram bounds are valid")
}

/// The one-way latency of a class of flows (a rack's [`super::Scope`]):
/// their [`flow_latency_histogram`]s added, so it has their 2 significant
/// digits (adding keeps every count in its bucket: see
/// [`add_flow_histogram`]), with 64-bit counts.
pub fn scope_latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_MAX_NS, 2).expect("static histogram bounds are valid")
}

/// Adds a flow's histogram ([`flow_latency_histogram`]) to a scope's
/// ([`scope_latency_histogram`]): each of its buckets' counts into the same
/// bucket, so the sum is exact.
pub fn add_flow_histogram(scope: &mut Histogram<u64>, flow: &Histogram<u32>) {
    for v in flow.iter_recorded() {
        scope
            .record_n(v.value_iterated_to(), u64::from(v.count_at_value()))
            .expect("a flow's values are within a scope's bounds");
    }
}

/// Summarizes a histogram; `sum_ps` gives the exact mean.
pub fn summarize<T: hdrhistogram::Counter>(h: &Histogram<T>, sum_ps: u128) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary::default();
    }
    let mean = sum_ps as f64 / h.len() as f64 / 1000.0;
    LatencySummary {
        p50: h.value_at_quantile(0.5),
        p99: h.value_at_quantile(0.99),
        p999: h.value_at_quantile(0.999),
        // Latencies are recorded truncated to whole ns while the mean is
        // exact, so when every packet took the same 1026.88 ns the
        // histogram's max (1026) would sit below the mean: the max is never
        // reported below the mean's next whole ns.
        max: h.max().max(mean.ceil() as u64),
        mean,
    }
}

/// Everything one run counts.
#[derive(Debug)]
pub struct Recorder {
    /// One-way latency of delivered open-loop packets \[ns\].
    pub latency: Histogram<u64>,
    /// Exact sum of one-way latencies \[ps\].
    pub latency_sum_ps: u128,
    /// Time delivered open-loop packets spent per stage \[ps\], indexed by
    /// [`Stage::index`].
    pub stage_sum_ps: [u128; Stage::COUNT],
    /// Packets delivered.
    pub delivered: u64,
    /// Open-loop packets delivered within the traffic window.
    pub delivered_in_window: u64,
    /// Open-loop frame bits delivered within the traffic window.
    pub delivered_bits_in_window: u64,
    /// Drops, indexed by position in [`DropReason::ALL`].
    pub dropped: [u64; DropReason::ALL.len()],
    /// Host CPU time \[ps\].
    pub host_cpu_ps: u128,
    /// Guest CPU time \[ps\].
    pub guest_cpu_ps: u128,
    /// Host CPU time spent within the traffic window \[ps\].
    pub host_cpu_in_window_ps: u128,
    /// Guest CPU time spent within the traffic window \[ps\].
    pub guest_cpu_in_window_ps: u128,
    /// VM exits.
    pub exits: u64,
    /// Of them, the guests' timer interrupts and idle wake-ups.
    pub timer_exits: u64,
    /// Interrupts (physical and virtual).
    pub interrupts: u64,
    /// Packets into and out of the books by half the window and by its
    /// end: the backlog then ([`super::Backlog`]).
    pub backlog: BacklogCounts,
}

/// Packets that entered this host's books (born, or taken in from the
/// switch) and left them (delivered, dropped, handed to the switch) up to
/// two times: half the traffic window and its end. Their differences are
/// the backlog at those times ([`super::Backlog`]). Every entry and exit is
/// counted in `entered` and `left` too, which the books check against the
/// packets in flight at the end.
#[derive(Clone, Copy, Debug, Default)]
pub struct BacklogCounts {
    /// Half the traffic window \[ps\].
    pub half_ps: u64,
    /// The traffic window's end \[ps\].
    pub end_ps: u64,
    /// Entries at or before `half_ps`.
    pub in_half: u64,
    /// Exits at or before `half_ps`.
    pub out_half: u64,
    /// Entries at or before `end_ps`.
    pub in_end: u64,
    /// Exits at or before `end_ps`.
    pub out_end: u64,
    /// Every entry.
    pub entered: u64,
    /// Every exit.
    pub left: u64,
}

impl BacklogCounts {
    /// Marks at half of a window ending at `end_ps`, and at its end.
    pub fn new(end_ps: u64) -> Self {
        BacklogCounts {
            half_ps: end_ps / 2,
            end_ps,
            ..Self::default()
        }
    }

    /// A packet entered the books at `t_ps`.
    #[inline]
    pub fn enter(&mut self, t_ps: u64) {
        self.entered += 1;
        self.in_half += u64::from(t_ps <= self.half_ps);
        self.in_end += u64::from(t_ps <= self.end_ps);
    }

    /// A packet that entered at `t_ps` is taken back, as if it never was.
    #[inline]
    pub fn unenter(&mut self, t_ps: u64) {
        self.entered -= 1;
        self.in_half -= u64::from(t_ps <= self.half_ps);
        self.in_end -= u64::from(t_ps <= self.end_ps);
    }

    /// A packet left the books at `t_ps`.
    #[inline]
    pub fn leave(&mut self, t_ps: u64) {
        self.left += 1;
        self.out_half += u64::from(t_ps <= self.half_ps);
        self.out_end += u64::from(t_ps <= self.end_ps);
    }

    /// Adds another host's counts (the same marks).
    pub fn absorb(&mut self, o: &BacklogCounts) {
        self.in_half += o.in_half;
        self.out_half += o.out_half;
        self.in_end += o.in_end;
        self.out_end += o.out_end;
        self.entered += o.entered;
        self.left += o.left;
    }

    /// The backlog at half the window and at its end.
    pub fn backlog(&self) -> super::Backlog {
        super::Backlog {
            at_half: self.in_half.saturating_sub(self.out_half),
            at_end: self.in_end.saturating_sub(self.out_end),
            arrived_second_half: self.in_end - self.in_half,
        }
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            latency: latency_histogram(),
            latency_sum_ps: 0,
            stage_sum_ps: [0; Stage::COUNT],
            delivered: 0,
            delivered_in_window: 0,
            delivered_bits_in_window: 0,
            dropped: [0; DropReason::ALL.len()],
            host_cpu_ps: 0,
            guest_cpu_ps: 0,
            host_cpu_in_window_ps: 0,
            guest_cpu_in_window_ps: 0,
            exits: 0,
            timer_exits: 0,
            interrupts: 0,
            backlog: BacklogCounts::default(),
        }
    }
}

impl Recorder {
    /// Records a latency of `ps` picoseconds in `h` (clamped to the bounds).
    #[inline]
    pub fn record_ps<T: hdrhistogram::Counter>(h: &mut Histogram<T>, ps: u64) {
        let ns = (ps / 1000).clamp(1, LATENCY_MAX_NS);
        h.saturating_record(ns);
    }

    /// Counts a drop.
    #[inline]
    pub fn drop(&mut self, reason: DropReason) {
        self.dropped[reason as usize] += 1;
    }

    /// Total drops.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }

    /// Adds everything `other` counted (another host of a rack) to this.
    pub fn absorb(&mut self, other: &Recorder) {
        self.latency
            .add(&other.latency)
            .expect("latency histograms share their bounds");
        self.latency_sum_ps += other.latency_sum_ps;
        for (a, b) in self.stage_sum_ps.iter_mut().zip(&other.stage_sum_ps) {
            *a += b;
        }
        self.delivered += other.delivered;
        self.delivered_in_window += other.delivered_in_window;
        self.delivered_bits_in_window += other.delivered_bits_in_window;
        for (a, b) in self.dropped.iter_mut().zip(&other.dropped) {
            *a += b;
        }
        self.host_cpu_ps += other.host_cpu_ps;
        self.guest_cpu_ps += other.guest_cpu_ps;
        self.host_cpu_in_window_ps += other.host_cpu_in_window_ps;
        self.guest_cpu_in_window_ps += other.guest_cpu_in_window_ps;
        self.exits += other.exits;
        self.timer_exits += other.timer_exits;
        self.interrupts += other.interrupts;
        self.backlog.absorb(&other.backlog);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_reasons_index_their_own_slot() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
        let mut rec = Recorder::default();
        rec.drop(DropReason::HvBacklogFull);
        rec.drop(DropReason::HvBacklogFull);
        assert_eq!(rec.dropped[DropReason::HvBacklogFull as usize], 2);
        assert_eq!(rec.dropped_total(), 2);
    }

    #[test]
    fn flows_added_into_a_scope_keep_their_counts_and_percentiles() {
        let mut a = flow_latency_histogram();
        let mut b = flow_latency_histogram();
        for ns in [1_000u64, 2_000, 3_000, 50_000] {
            Recorder::record_ps(&mut a, ns * 1000);
        }
        for ns in [7_000u64, 7_100, 900_000] {
            Recorder::record_ps(&mut b, ns * 1000);
        }
        let mut both = flow_latency_histogram();
        both.add(&a).unwrap();
        both.add(&b).unwrap();
        let mut scope = scope_latency_histogram();
        add_flow_histogram(&mut scope, &a);
        add_flow_histogram(&mut scope, &b);
        assert_eq!(scope.len(), a.len() + b.len());
        for q in [0.0, 0.3, 0.5, 0.99, 1.0] {
            assert_eq!(scope.value_at_quantile(q), both.value_at_quantile(q), "{q}");
        }
        assert_eq!(scope.max(), both.max());
    }

    #[test]
    fn the_max_is_never_below_the_mean() {
        // Issue 12: every packet 1026.88 ns is recorded as 1026 ns, whose
        // bucket (3 significant digits) ends at 1026.
        let mut h = latency_histogram();
        for _ in 0..10 {
            Recorder::record_ps(&mut h, 1_026_880);
        }
        let s = summarize(&h, 10 * 1_026_880);
        assert_eq!(s.mean, 1026.88);
        assert_eq!(s.max, 1027);
        // Spread latencies keep the histogram's max.
        Recorder::record_ps(&mut h, 5_000_000);
        let s = summarize(&h, 10 * 1_026_880 + 5_000_000);
        assert_eq!(s.max, h.max());
    }

    #[test]
    fn stage_all_is_the_declaration_order() {
        for (i, s) in Stage::ALL.iter().enumerate() {
            assert_eq!(s.index(), i, "{s:?}");
        }
    }

    #[test]
    fn stages_index_densely() {
        let mut seen = [false; Stage::COUNT];
        for s in Stage::ALL {
            assert!(!seen[s.index()]);
            seen[s.index()] = true;
        }
    }

    #[test]
    fn summary_uses_the_exact_mean_and_clamps() {
        let mut h = latency_histogram();
        Recorder::record_ps(&mut h, 1_500); // 1 ns
        Recorder::record_ps(&mut h, 2_500); // 2 ns
        Recorder::record_ps(&mut h, u64::MAX);
        let s = summarize(&h, 1_500 + 2_500);
        assert_eq!(s.max, h.highest_equivalent(LATENCY_MAX_NS));
        assert!((s.mean - 4.0 / 3.0).abs() < 1e-9);
    }
}
