//! Replications → estimates: a metric's value over a point's runs with a
//! 95% confidence interval that stays inside what the metric can be, and
//! the flat list of scalar metrics every report format shares.
//!
//! **Means and tails are estimated differently.** A metric that is a count,
//! a rate, a time per packet or a mean (`delivered_gbps`, `cpu_ns_per_packet`,
//! `latency_mean_ns`, …) is estimated by the mean of the runs, with
//! Student's t interval (two-sided, n − 1 degrees of freedom) cut to the
//! metric's range: no metric here is negative, and a utilization is at
//! most one. (Cutting a confidence interval to the values the quantity can
//! take keeps its coverage: the true value is always in that range.) A tail
//! metric — a percentile or the maximum of a run (`…_p50_ns`, `…_p99_ns`,
//! `…_p999_ns`, `…_max_ns`) — is skewed: near saturation one run's p99 can be
//! ten times another's, and a symmetric interval around their mean then
//! reaches below zero. Its estimate is the median of the runs, with the
//! distribution-free interval from order statistics: the k-th smallest and
//! k-th largest run, k the largest such that a Binomial(n, ½) tail puts
//! them around the median with ≥ 95% probability. That needs 6 runs at
//! least (with 6, the smallest and the largest: 96.9%); with fewer, no
//! interval is given (the runs' `min` and `max` still are).

use crate::metrics::{DropReason, PathResult};
use serde::{Deserialize, Serialize};

/// A metric over the replications of one path at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The point estimate: the runs' mean, or for a tail metric their
    /// median (see the module docs and [`Estimate::center`]).
    pub value: f64,
    /// What `value` is.
    pub center: Center,
    /// The 95% confidence interval of `value`, `[low, high]`, within the
    /// metric's range; absent with one run, and for a tail metric with
    /// fewer than [`MIN_RUNS_FOR_ORDER_CI`] runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
    /// Mean over the runs.
    pub mean: f64,
    /// Smallest value of a run.
    pub min: f64,
    /// Largest value of a run.
    pub max: f64,
    /// Runs that had the metric.
    pub n: u32,
}

/// What an [`Estimate`]'s value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Center {
    /// The mean of the runs (t interval, cut to the metric's range).
    Mean,
    /// The median of the runs (order-statistic interval).
    Median,
}

/// Fewest runs that give a tail metric a 95% interval from order statistics
/// (with 6, the smallest and largest run bracket the median with
/// probability 1 − 2⁻⁵ = 96.9%; with 5, 93.8%).
pub const MIN_RUNS_FOR_ORDER_CI: usize = 6;

/// Two-sided 95% quantile of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// Student's t 97.5% quantile for `df` degrees of freedom: exact to three
/// decimals through 30; beyond, the value of the table row below (30, 40,
/// 60, 120), which is slightly larger than the true one, so an interval is
/// never narrower than it should be.
pub fn t975(df: u32) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T975[df as usize - 1],
        31..=40 => 2.042,
        41..=60 => 2.021,
        61..=120 => 2.000,
        _ => 1.980,
    }
}

/// Whether metric `name` is a tail metric (a percentile or a maximum of a
/// run), estimated by the median of the runs.
pub fn is_tail(name: &str) -> bool {
    ["_p50_ns", "_p99_ns", "_p999_ns", "_max_ns"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// The values metric `name` can take: `[0, 1]` for a utilization
/// (`util_…`), `[0, 100]` for a percentage of cores busy (`…_pct`: of the
/// cores used, as netperf reports it), `[0, ∞)` for every other (counts,
/// rates, times, cores busy).
pub fn range_of(name: &str) -> (f64, f64) {
    if name.starts_with("util_") {
        (0.0, 1.0)
    } else if name.ends_with("_pct") {
        (0.0, 100.0)
    } else {
        (0.0, f64::INFINITY)
    }
}

/// The estimate of metric `name` from `xs` (one value per run; empty gives
/// `None`), as the module docs say.
pub fn estimate(name: &str, xs: &[f64]) -> Option<Estimate> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = range_of(name);
    let (value, center, ci95) = if is_tail(name) {
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let ci = order_rank(n).map(|k| [sorted[k - 1], sorted[n - k]]);
        (median, Center::Median, ci)
    } else {
        let ci = (n > 1).then(|| {
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
            let h = t975(n as u32 - 1) * (var / n as f64).sqrt();
            [(mean - h).clamp(lo, hi), (mean + h).clamp(lo, hi)]
        });
        (mean, Center::Mean, ci)
    };
    Some(Estimate {
        value,
        center,
        ci95,
        mean,
        min: sorted[0],
        max: sorted[n - 1],
        n: n as u32,
    })
}

/// The rank k (1-based) whose k-th smallest and k-th largest of `n` runs
/// bracket their median with probability ≥ 95% — the largest such k — or
/// `None` below [`MIN_RUNS_FOR_ORDER_CI`] runs. The coverage of
/// `[x₍ₖ₎, x₍ₙ₋ₖ₊₁₎]` is 1 − 2·P(Binomial(n, ½) ≤ k − 1).
pub fn order_rank(n: usize) -> Option<usize> {
    if n < MIN_RUNS_FOR_ORDER_CI {
        return None;
    }
    // P(B ≤ j) for B ~ Binomial(n, 1/2), built term by term in f64 (n is a
    // replication count: at most a few thousand).
    let mut term = 0.5f64.powi(n as i32); // P(B = 0)
    let mut below = 0.0; // P(B ≤ k − 1)
    let mut k = 0;
    for j in 0..n / 2 {
        // Taking k = j + 1 needs 1 − 2·P(B ≤ j) ≥ 0.95.
        below += term;
        if 1.0 - 2.0 * below < 0.95 {
            break;
        }
        k = j + 1;
        term *= (n - j) as f64 / (j + 1) as f64;
    }
    (k >= 1).then_some(k)
}

/// Every scalar metric of one run, in report order, named as in CSV
/// columns and in `stats`: the books, drops by reason, one-way latency
/// \[ns\] (only if an open-loop packet was delivered), round trips, rates,
/// CPU, exits and interrupts per packet, CPU utilization (`host_cpu_pct`,
/// `guest_cpu_pct`) and service demand (`service_demand_us_per_kb`), TCP
/// streams' goodput, segments, retransmissions and frames per burst
/// (`stream_goodput_gbps`, `tcp_…`), VPC losses, with 2 to
/// [`crate::metrics::FLOWS_SUMMARIZED`] open-loop flows each flow's drops
/// and one-way p50 and p99 (`flow_<name>_dropped`,
/// `flow_<name>_latency_p50_ns`, `flow_<name>_latency_p99_ns`; a flow's
/// latency is absent from a run in which it delivered nothing, so its mean
/// is over the runs that have it, `n` says how many), the mean per
/// stage (`stage_<name>_ns`) and each resource's utilization
/// (`util_<resource>`, 0..=1). A rack's run adds, per [`crate::metrics::Scope`]
/// with open-loop flows, its packets delivered and one-way latency
/// ([`crate::metrics::Scope::stat_names`]: `east_west_delivered`,
/// `east_west_latency_p50_ns`, …), per host `host<k>_delivered`,
/// `host<k>_dropped`, `host<k>_host_cpu_pct` and `host<k>_guest_cpu_pct`,
/// and per switch port `port_<name>_frames` and `port_<name>_dropped` (its
/// utilization is its resource's `util_<name>`).
pub fn metric_values(p: &PathResult) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = Vec::with_capacity(64);
    let mut put = |k: &str, x: f64| v.push((k.to_owned(), x));
    put("generated", p.generated as f64);
    put("delivered", p.delivered as f64);
    put("delivered_in_window", p.delivered_in_window as f64);
    put("in_flight", p.in_flight as f64);
    let drops: u64 = p.dropped.values().sum();
    put("dropped", drops as f64);
    for r in DropReason::ALL {
        let n = p.dropped.get(r.name()).copied().unwrap_or(0);
        put(&format!("drop_{}", r.name()), n as f64);
    }
    if p.delivered_in_window > 0 || p.latency_ns.max > 0 {
        let l = &p.latency_ns;
        put("latency_p50_ns", l.p50 as f64);
        put("latency_p99_ns", l.p99 as f64);
        put("latency_p999_ns", l.p999 as f64);
        put("latency_max_ns", l.max as f64);
        put("latency_mean_ns", l.mean);
    }
    if let Some(r) = &p.rtt_ns {
        put("rtt_p50_ns", r.p50 as f64);
        put("rtt_p99_ns", r.p99 as f64);
        put("rtt_p999_ns", r.p999 as f64);
        put("rtt_max_ns", r.max as f64);
        put("rtt_mean_ns", r.mean);
    }
    if let Some(t) = p.transactions_per_s {
        put("transactions_per_s", t);
        let timeouts: u64 = p.flows.iter().filter_map(|f| f.timeouts).sum();
        put("timeouts", timeouts as f64);
    }
    if let Some(g) = p.stream_goodput_gbps {
        put("stream_goodput_gbps", g);
        let (mut segs, mut bursts, mut retx, mut drops) = (0u64, 0u64, 0u64, 0u64);
        for t in p.flows.iter().filter_map(|f| f.tcp.as_ref()) {
            segs += t.segments;
            bursts += t.bursts;
            retx += t.retransmitted_segments;
            drops += t.segments_dropped;
        }
        put("tcp_segments", segs as f64);
        put("tcp_retransmitted_segments", retx as f64);
        put("tcp_segments_dropped", drops as f64);
        if bursts > 0 {
            put("tcp_frames_per_burst", segs as f64 / bursts as f64);
        }
    }
    put("host_cpu_pct", p.cpu.host_pct);
    put("host_cores_busy", p.cpu.host_cores_busy);
    if let Some(b) = p.cpu.background_pct {
        put("background_pct", b);
    }
    put("guest_cores_busy", p.cpu.guest_cores_busy);
    put("guest_cpu_pct", p.cpu.guest_pct);
    if let Some(sd) = p.cpu.service_demand_us_per_kb {
        put("service_demand_us_per_kb", sd);
    }
    put("delivered_pps", p.delivered_pps);
    put("delivered_gbps", p.delivered_gbps);
    put("host_cpu_ns_per_packet", p.host_cpu_ns_per_packet);
    put("guest_cpu_ns_per_packet", p.guest_cpu_ns_per_packet);
    put(
        "cpu_ns_per_packet",
        p.host_cpu_ns_per_packet + p.guest_cpu_ns_per_packet,
    );
    put("exits_per_packet", p.exits_per_packet);
    put("interrupts_per_packet", p.interrupts_per_packet);
    if p.flows.iter().any(|f| f.lost.is_some()) {
        let lost: u64 = p.flows.iter().filter_map(|f| f.lost).sum();
        put("vpc_lost", lost as f64);
        if let Some(o) = p
            .flows
            .iter()
            .filter_map(|f| f.outage_us)
            .max_by(f64::total_cmp)
        {
            put("outage_us", o);
        }
    }
    for f in p.summarized_flows().unwrap_or_default() {
        put(&format!("flow_{}_dropped", f.name), f.dropped as f64);
        if let Some(l) = f.latency_ns.as_ref().filter(|_| f.delivered > 0) {
            put(&format!("flow_{}_latency_p50_ns", f.name), l.p50 as f64);
            put(&format!("flow_{}_latency_p99_ns", f.name), l.p99 as f64);
        }
    }
    for s in &p.stages {
        put(&format!("stage_{}_ns", s.name), s.mean_ns);
    }
    for r in &p.resources {
        put(&format!("util_{}", r.name), r.utilization);
    }
    if let Some(rack) = &p.rack {
        for s in &rack.latency {
            let [delivered, p50, p99, p999, max, mean] = s.scope.stat_names();
            put(delivered, s.delivered as f64);
            if s.delivered > 0 {
                let l = &s.latency_ns;
                put(p50, l.p50 as f64);
                put(p99, l.p99 as f64);
                put(p999, l.p999 as f64);
                put(max, l.max as f64);
                put(mean, l.mean);
            }
        }
        for h in &rack.hosts {
            let k = h.host;
            put(&format!("host{k}_delivered"), h.delivered as f64);
            put(&format!("host{k}_dropped"), h.dropped as f64);
            put(&format!("host{k}_host_cpu_pct"), h.host_cpu_pct);
            put(&format!("host{k}_guest_cpu_pct"), h.guest_cpu_pct);
        }
        for port in &rack.ports {
            put(&format!("port_{}_frames", port.name), port.frames as f64);
            put(&format!("port_{}_dropped", port.name), port.dropped as f64);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_has_no_interval() {
        let e = estimate("delivered", &[4.0]).unwrap();
        assert_eq!(
            (e.value, e.mean, e.ci95, e.min, e.max, e.n),
            (4.0, 4.0, None, 4.0, 4.0, 1)
        );
        assert!(estimate("delivered", &[]).is_none());
    }

    #[test]
    fn a_mean_interval_is_t_times_standard_error() {
        // mean 12, sample sd 1, n 3: 12 ± 4.303 × 1/√3.
        let e = estimate("delivered_gbps", &[11.0, 12.0, 13.0]).unwrap();
        assert_eq!((e.value, e.center), (12.0, Center::Mean));
        let h = 4.303 / 3f64.sqrt();
        let [lo, hi] = e.ci95.unwrap();
        assert!(
            (lo - (12.0 - h)).abs() < 1e-12 && (hi - (12.0 + h)).abs() < 1e-12,
            "{e:?}"
        );
        assert_eq!((e.min, e.max, e.n), (11.0, 13.0, 3));
        // Identical runs: zero width.
        assert_eq!(
            estimate("delivered", &[5.0, 5.0]).unwrap().ci95,
            Some([5.0, 5.0])
        );
    }

    #[test]
    fn no_interval_reaches_outside_the_metrics_range() {
        // Two runs, one saturated: t's interval would be about
        // 505 ± 6,290, below zero; cut to [0, …).
        let e = estimate("drop_rx_ring_full", &[10.0, 1000.0]).unwrap();
        let [lo, hi] = e.ci95.unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 1000.0);
        // A utilization stays within [0, 1], a percentage of cores within
        // [0, 100].
        let e = estimate("util_vcpu0", &[0.2, 0.99]).unwrap();
        assert_eq!(e.ci95, Some([0.0, 1.0]));
        let e = estimate("guest_cpu_pct", &[98.0, 99.0, 99.9]).unwrap();
        assert_eq!(e.ci95.unwrap()[1], 100.0);
    }

    #[test]
    fn a_tail_metric_is_the_median_with_an_order_statistic_interval() {
        // Fewer than six runs: the median, no interval.
        let e = estimate("latency_p99_ns", &[9.0, 1.0, 100.0]).unwrap();
        assert_eq!((e.value, e.center, e.ci95), (9.0, Center::Median, None));
        assert_eq!(e.mean, 110.0 / 3.0);
        // Six runs: between the smallest and the largest.
        let six = [5.0, 1.0, 4.0, 2.0, 30.0, 3.0];
        let e = estimate("rtt_p999_ns", &six).unwrap();
        assert_eq!((e.value, e.ci95), (3.5, Some([1.0, 30.0])));
        // Twenty runs: ranks 6 and 15 (coverage 95.9%; ranks 7 and 14 would
        // give 88.5%).
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        let e = estimate("flow_a_latency_p50_ns", &xs).unwrap();
        assert_eq!((e.value, e.ci95), (10.5, Some([6.0, 15.0])));
        // Never below zero: inside the runs' own range.
        assert!(e.ci95.unwrap()[0] >= e.min);
    }

    #[test]
    fn order_ranks_give_at_least_95_percent() {
        assert_eq!(order_rank(5), None);
        assert_eq!(order_rank(6), Some(1));
        assert_eq!(order_rank(9), Some(2));
        assert_eq!(order_rank(20), Some(6));
        assert_eq!(order_rank(100), Some(40));
        // Check each against the exact coverage 1 − 2·P(B ≤ k − 1).
        for n in 6..200usize {
            let k = order_rank(n).unwrap();
            let cdf = |j: usize| -> f64 {
                let mut c = 1.0f64;
                let mut sum = 0.0;
                for i in 0..=j {
                    if i > 0 {
                        c *= (n - i + 1) as f64 / i as f64;
                    }
                    sum += c;
                }
                sum * 0.5f64.powi(n as i32)
            };
            assert!(1.0 - 2.0 * cdf(k - 1) >= 0.95, "n {n}");
            assert!(1.0 - 2.0 * cdf(k) < 0.95, "n {n}: k {k} is not the largest");
        }
    }

    #[test]
    fn tail_metrics_are_recognized_by_name() {
        for m in ["latency_p99_ns", "rtt_max_ns", "east_west_latency_p999_ns"] {
            assert!(is_tail(m), "{m}");
        }
        for m in ["latency_mean_ns", "delivered", "util_nic0.wire_in"] {
            assert!(!is_tail(m), "{m}");
        }
    }

    #[test]
    fn t_quantiles_fall_towards_the_normal() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(30), 2.042);
        let mut last = f64::INFINITY;
        for df in 1..200 {
            assert!(t975(df) <= last, "df {df}");
            last = t975(df);
        }
        // Conservative between rows: t(31) is 2.040, the table gives t(30).
        assert_eq!(t975(31), 2.042);
        assert_eq!(t975(1000), 1.980);
    }
}
