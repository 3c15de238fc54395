//! Replications → estimates: the mean of a metric over a point's runs with
//! a 95% confidence interval (Student's t, two-sided), and the flat list of
//! scalar metrics every report format shares.

use crate::metrics::{DropReason, PathResult};
use serde::{Deserialize, Serialize};

/// A metric over the replications of one path at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over the runs.
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean (Student's t
    /// with n − 1 degrees of freedom); absent with one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<f64>,
    /// Smallest value of a run.
    pub min: f64,
    /// Largest value of a run.
    pub max: f64,
    /// Runs that had the metric.
    pub n: u32,
}

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

/// The estimate from `xs` (one value per run; empty gives `None`).
pub fn estimate(xs: &[f64]) -> Option<Estimate> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let ci95 = (n > 1).then(|| {
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        t975(n as u32 - 1) * (var / n as f64).sqrt()
    });
    Some(Estimate {
        mean,
        ci95,
        min: xs.iter().copied().fold(f64::INFINITY, f64::min),
        max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        n: n as u32,
    })
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
        let e = estimate(&[4.0]).unwrap();
        assert_eq!(
            (e.mean, e.ci95, e.min, e.max, e.n),
            (4.0, None, 4.0, 4.0, 1)
        );
        assert!(estimate(&[]).is_none());
    }

    #[test]
    fn interval_is_t_times_standard_error() {
        // mean 2, sample sd 1, n 3: 4.303 × 1/√3.
        let e = estimate(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(e.mean, 2.0);
        let want = 4.303 / 3f64.sqrt();
        assert!((e.ci95.unwrap() - want).abs() < 1e-12, "{e:?}");
        assert_eq!((e.min, e.max, e.n), (1.0, 3.0, 3));
        // Identical runs: zero width.
        assert_eq!(estimate(&[5.0, 5.0]).unwrap().ci95, Some(0.0));
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
