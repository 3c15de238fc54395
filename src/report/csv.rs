//! A flat CSV summary, one row per path (RFC 4180: comma-separated, fields
//! quoted only when they contain a comma, quote or line break).

use crate::experiment::RunReport;
use crate::metrics::DropReason;

/// `field`, quoted if it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The report as CSV: a header row, then one row per path with `path`,
/// `nics`, `vms`, `generated`, `delivered`, `in_flight`, one `drop_<reason>`
/// column per [`DropReason`], latency percentiles and mean \[ns\],
/// `delivered_pps`, `delivered_gbps`, host and guest CPU ns per packet, exits
/// and interrupts per packet. Values are in base units; floats are written
/// exactly (shortest round-trip form).
pub fn csv(report: &RunReport) -> String {
    let mut header: Vec<String> = ["path", "nics", "vms", "generated", "delivered", "in_flight"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    header.extend(DropReason::ALL.iter().map(|r| format!("drop_{}", r.name())));
    header.extend(
        [
            "latency_p50_ns",
            "latency_p99_ns",
            "latency_p999_ns",
            "latency_max_ns",
            "latency_mean_ns",
            "delivered_pps",
            "delivered_gbps",
            "host_cpu_ns_per_packet",
            "guest_cpu_ns_per_packet",
            "exits_per_packet",
            "interrupts_per_packet",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    let mut out = header.join(",");
    out.push('\n');
    for p in &report.paths {
        let mut row = vec![
            field(&p.path),
            p.nics.to_string(),
            p.vms.to_string(),
            p.generated.to_string(),
            p.delivered.to_string(),
            p.in_flight.to_string(),
        ];
        row.extend(
            DropReason::ALL
                .iter()
                .map(|r| p.dropped.get(r.name()).copied().unwrap_or(0).to_string()),
        );
        let l = &p.latency_ns;
        row.extend([
            l.p50.to_string(),
            l.p99.to_string(),
            l.p999.to_string(),
            l.max.to_string(),
            l.mean.to_string(),
            p.delivered_pps.to_string(),
            p.delivered_gbps.to_string(),
            p.host_cpu_ns_per_packet.to_string(),
            p.guest_cpu_ns_per_packet.to_string(),
            p.exits_per_packet.to_string(),
            p.interrupts_per_packet.to_string(),
        ]);
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn one_header_then_one_row_per_path_with_every_drop_reason() {
        let text = csv(&sample(false));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(
            &header[..6],
            ["path", "nics", "vms", "generated", "delivered", "in_flight"]
        );
        for r in DropReason::ALL {
            assert!(header.contains(&format!("drop_{}", r.name()).as_str()));
        }
        assert_eq!(*header.last().unwrap(), "interrupts_per_packet");
        for l in &lines[1..] {
            assert_eq!(l.split(',').count(), header.len(), "{l}");
        }
        let row: Vec<&str> = lines[2].split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        assert_eq!(row[col("path")], "passthrough");
        assert_eq!(row[col("nics")], "4");
        assert_eq!(row[col("drop_rx_ring_full")], "6");
        assert_eq!(row[col("drop_wire_queue_full")], "0");
        assert_eq!(row[col("latency_p50_ns")], "24690");
        assert_eq!(row[col("latency_mean_ns")], "13000.25");
        assert_eq!(row[col("delivered_gbps")], "1.75");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("virtio"), "virtio");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
