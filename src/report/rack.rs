//! A rack's own figures as rows, shared by the terminal table and the HTML
//! and Markdown reports: each path's hosts and switch ports summarised over
//! the rack, one row per measure.
//!
//! A rack of 16 hosts would need 16 rows per path for its hosts alone (and
//! passthrough, a NIC per device, 128 switch ports), so the reports give, per
//! measure, the smallest value, the median, the largest, where the largest
//! is and the sum over the rack. With three hosts or fewer that still shows
//! every host's value. Each host's and port's own numbers are in
//! `summary.json` (`rack.hosts`, `rack.ports`) and `summary.csv`
//! (`host<k>_…`, `port_<name>_…`, `util_<name>`).

use crate::metrics::{DropReason, RackUse};
use std::collections::BTreeMap;

/// How a measure's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Packets or frames: whole, summed over the rack.
    Count,
    /// A percentage (CPU, utilization ×100): not summed.
    Percent,
}

/// One measure over a rack's hosts or switch ports.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Spread {
    /// What is measured, with its unit in brackets.
    pub label: String,
    /// How it reads.
    pub kind: Kind,
    /// The smallest value.
    pub min: f64,
    /// The middle one of the sorted values (the lower of the two middle
    /// ones for an even count): a value some host or port has.
    pub median: f64,
    /// The largest value.
    pub max: f64,
    /// Which has the largest: the first in rack order; `all` when every
    /// one has the same; `None` when all are 0.
    pub at: Option<String>,
    /// The sum over the rack, for counts.
    pub sum: Option<f64>,
}

/// The spread of `values` (name, value), in rack order; `None` if empty.
fn spread(label: String, kind: Kind, values: &[(String, f64)]) -> Option<Spread> {
    let mut sorted: Vec<f64> = values.iter().map(|v| v.1).collect();
    sorted.sort_by(f64::total_cmp);
    let (&min, &max) = (sorted.first()?, sorted.last()?);
    let at = if max == 0.0 {
        None
    } else if min == max && values.len() > 1 {
        Some("all".to_owned())
    } else {
        values.iter().find(|v| v.1 == max).map(|v| v.0.clone())
    };
    Some(Spread {
        label,
        kind,
        min,
        median: sorted[(sorted.len() - 1) / 2],
        max,
        at,
        sum: (kind == Kind::Count).then(|| values.iter().map(|v| v.1).sum()),
    })
}

/// The drop reasons any of `by` has, in report order.
fn reasons<'a>(by: impl Iterator<Item = &'a BTreeMap<String, u64>> + Clone) -> Vec<&'static str> {
    DropReason::ALL
        .iter()
        .map(|r| r.name())
        .filter(|n| by.clone().any(|m| m.get(*n).is_some_and(|&x| x > 0)))
        .collect()
}

/// The rack's hosts, a row per measure: packets delivered, dropped (then
/// by each reason that happened), host and guest CPU, uplink and PCIe
/// utilization.
pub(crate) fn host_spreads(r: &RackUse) -> Vec<Spread> {
    let name = |k: u32| format!("host{k}");
    let of = |f: &dyn Fn(&crate::metrics::HostUse) -> f64| -> Vec<(String, f64)> {
        r.hosts.iter().map(|h| (name(h.host), f(h))).collect()
    };
    let mut out = Vec::new();
    let mut push = |label: &str, kind, values: Vec<(String, f64)>| {
        out.extend(spread(label.to_owned(), kind, &values));
    };
    push(
        "delivered [packets]",
        Kind::Count,
        of(&|h| h.delivered as f64),
    );
    push("dropped [packets]", Kind::Count, of(&|h| h.dropped as f64));
    for reason in reasons(r.hosts.iter().map(|h| &h.dropped_by)) {
        push(
            &format!("dropped: {reason} [packets]"),
            Kind::Count,
            of(&|h| h.dropped_by.get(reason).copied().unwrap_or(0) as f64),
        );
    }
    push("host CPU [%]", Kind::Percent, of(&|h| h.host_cpu_pct));
    push("guest CPU [%]", Kind::Percent, of(&|h| h.guest_cpu_pct));
    push(
        "uplink [%]",
        Kind::Percent,
        of(&|h| h.uplink_utilization * 100.0),
    );
    if r.hosts.iter().any(|h| h.pcie_utilization.is_some()) {
        push(
            "PCIe [%]",
            Kind::Percent,
            of(&|h| h.pcie_utilization.unwrap_or(0.0) * 100.0),
        );
    }
    out
}

/// The switch's ports, a row per measure: utilization, frames carried,
/// packets dropped (then by each reason that happened).
pub(crate) fn port_spreads(r: &RackUse) -> Vec<Spread> {
    let of = |f: &dyn Fn(&crate::metrics::PortUse) -> f64| -> Vec<(String, f64)> {
        r.ports.iter().map(|p| (p.name.clone(), f(p))).collect()
    };
    let mut out = Vec::new();
    let mut push = |label: &str, kind, values: Vec<(String, f64)>| {
        out.extend(spread(label.to_owned(), kind, &values));
    };
    push(
        "utilization [%]",
        Kind::Percent,
        of(&|p| p.utilization * 100.0),
    );
    push("frames", Kind::Count, of(&|p| p.frames as f64));
    push("dropped [packets]", Kind::Count, of(&|p| p.dropped as f64));
    for reason in reasons(r.ports.iter().map(|p| &p.dropped_by)) {
        push(
            &format!("dropped: {reason} [packets]"),
            Kind::Count,
            of(&|p| p.dropped_by.get(reason).copied().unwrap_or(0) as f64),
        );
    }
    out
}

/// How the hosts' rows read (the terminal's and the reports' note).
pub(crate) const HOSTS_NOTE: &str = "Per path and measure: the smallest value over the hosts, \
the median (the middle host's; the lower of the two middle ones for an even count), the largest, \
the host with the largest (the first; all: every host the same) and the sum over the hosts. \
delivered: packets whose journey ended on the host (into its VMs, or out of its uplink to \
clients beyond the rack); dropped: on the host, the switch port toward it included; host CPU: \
its host work ÷ its host cores (I/O cores and each vCPU's core); guest CPU: its guests' work ÷ \
its vCPUs; uplink: its NIC's wire into the switch; PCIe: its NIC's busier PCIe direction (the \
busiest NIC's, with a NIC per device). Each host's own numbers are in summary.json (rack.hosts) and \
summary.csv (host<k>_…).";

/// How the ports' rows read.
pub(crate) const PORTS_NOTE: &str = "Per path and measure, over the switch's output ports (one \
toward each NIC of each host, host<k>.nic<j>.wire_in, whose buffer is the switch's): the \
smallest value, the median, the largest, the port with the largest and the sum. Utilization is \
over the traffic window; frames and drops over the whole run, drain included. A port drops \
only when its buffer is full (wire_queue_full). Each port's own numbers are in summary.json \
(rack.ports) and summary.csv (port_<name>_…, util_<name>).";

/// How the latency by scope reads.
pub(crate) const SCOPES_NOTE: &str = "One-way latency of a rack's open-loop flows by where \
their ends are: east-west between VMs on two hosts (through the switch), north-south between a \
VM and clients beyond the rack, local between two VMs of one host. Each scope's percentiles \
are those of its flows' histograms added together (each flow's resolves 1%), never an average \
of the flows' percentiles; delivered counts every packet in it.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{HostUse, PortUse};

    fn host(k: u32, delivered: u64, drops: &[(&str, u64)], cpu: f64) -> HostUse {
        let dropped_by: BTreeMap<String, u64> =
            drops.iter().map(|(r, n)| (r.to_string(), *n)).collect();
        HostUse {
            host: k,
            delivered,
            dropped: dropped_by.values().sum(),
            dropped_by,
            host_cpu_pct: cpu,
            guest_cpu_pct: 2.0 * cpu,
            uplink_utilization: 0.25,
            pcie_utilization: None,
        }
    }

    #[test]
    fn hosts_are_summarised_with_their_median_busiest_and_sum() {
        let r = RackUse {
            hosts: vec![
                host(0, 10, &[], 1.0),
                host(1, 40, &[("rx_ring_full", 3)], 4.0),
                host(2, 20, &[("vring_full", 1), ("rx_ring_full", 1)], 2.0),
                host(3, 30, &[], 3.0),
            ],
            ports: Vec::new(),
            latency: Vec::new(),
        };
        let s = host_spreads(&r);
        let labels: Vec<&str> = s.iter().map(|x| x.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "delivered [packets]",
                "dropped [packets]",
                "dropped: rx_ring_full [packets]",
                "dropped: vring_full [packets]",
                "host CPU [%]",
                "guest CPU [%]",
                "uplink [%]"
            ]
        );
        let d = &s[0];
        // Sorted 10, 20, 30, 40: the lower middle is 20.
        assert_eq!((d.min, d.median, d.max), (10.0, 20.0, 40.0));
        assert_eq!((d.at.as_deref(), d.sum), (Some("host1"), Some(100.0)));
        assert_eq!(
            (s[1].sum, s[2].sum, s[3].sum),
            (Some(5.0), Some(4.0), Some(1.0))
        );
        assert_eq!(s[3].at.as_deref(), Some("host2"));
        assert_eq!((s[5].max, s[5].sum), (8.0, None));
        // Every host the same.
        assert_eq!((s[6].min, s[6].at.as_deref()), (25.0, Some("all")));
    }

    #[test]
    fn ports_without_drops_name_no_busiest_for_them() {
        let port = |name: &str, frames| PortUse {
            name: name.into(),
            host: 0,
            utilization: 0.5,
            frames,
            dropped: 0,
            dropped_by: BTreeMap::new(),
        };
        let r = RackUse {
            hosts: Vec::new(),
            ports: vec![port("host0.nic0.wire_in", 5), port("host1.nic0.wire_in", 7)],
            latency: Vec::new(),
        };
        let s = port_spreads(&r);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[1].at.as_deref(), Some("host1.nic0.wire_in"));
        assert_eq!((s[2].max, s[2].at.as_deref()), (0.0, None));
    }
}
