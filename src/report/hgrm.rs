//! Latency histograms in HdrHistogram's percentile-distribution text format
//! (`.hgrm`), laid out exactly as HdrHistogram's own
//! `outputPercentileDistribution` prints it, so its plotters and other
//! languages' libraries read them: a header, one line per percentile step
//! (value, percentile, total count, 1/(1−percentile)), and the `#[Mean …]`,
//! `#[Max …]` and `#[Buckets …]` footer.
//!
//! enisim records latency in nanoseconds and writes `.hgrm` values in
//! microseconds (a scaling ratio of 1000), three decimals.

use hdrhistogram::Histogram;
use std::fmt::Write;

/// Output value unit: the histograms record ns, the files show µs.
pub const SCALE: f64 = 1000.0;

/// Percentile steps per half distance to 100% (HdrHistogram's usual 5).
pub const TICKS: u32 = 5;

/// `h` in HdrHistogram's percentile-distribution format, values ÷ [`SCALE`].
pub fn percentile_distribution(h: &Histogram<u64>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    if !h.is_empty() {
        let mut total = 0u64;
        for v in h.iter_quantiles(TICKS) {
            total += v.count_since_last_iteration();
            let value = v.value_iterated_to() as f64 / SCALE;
            let q = v.quantile_iterated_to();
            if q < 1.0 {
                let _ = writeln!(
                    out,
                    "{value:12.3} {q:2.12} {total:10} {:14.2}",
                    1.0 / (1.0 - q)
                );
            } else {
                let _ = writeln!(out, "{value:12.3} {q:2.12} {total:10}");
            }
        }
    }
    let sub_buckets = (2 * 10u64.pow(3)).next_power_of_two();
    let _ = writeln!(
        out,
        "#[Mean    = {:12.3}, StdDeviation   = {:12.3}]",
        h.mean() / SCALE,
        h.stdev() / SCALE
    );
    let _ = writeln!(
        out,
        "#[Max     = {:12.3}, Total count    = {:12}]",
        h.max() as f64 / SCALE,
        h.len()
    );
    let _ = writeln!(
        out,
        "#[Buckets = {:12}, SubBuckets     = {:12}]",
        h.buckets(),
        sub_buckets
    );
    out
}

/// One line of a percentile distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    /// Value (in the file's unit).
    pub value: f64,
    /// Percentile as a fraction, 0..=1.
    pub quantile: f64,
    /// Values recorded up to this one.
    pub total: u64,
}

/// Parses the lines of a percentile distribution (header and footer are
/// skipped); `None` if a data line is malformed.
pub fn parse(text: &str) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    for l in text.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("Value") {
            continue;
        }
        let mut f = t.split_whitespace();
        lines.push(Line {
            value: f.next()?.parse().ok()?,
            quantile: f.next()?.parse().ok()?,
            total: f.next()?.parse().ok()?,
        });
    }
    Some(lines)
}

/// The values that bracket quantile `q` in a parsed distribution: the last
/// line before it and the first line at or past it (the file lists
/// percentile steps, so an exact percentile lies between two lines).
pub fn bracket(lines: &[Line], q: f64) -> Option<(f64, f64)> {
    let i = lines.iter().position(|l| l.quantile >= q)?;
    let lo = if i == 0 {
        lines[0].value
    } else {
        lines[i - 1].value
    };
    Some((lo, lines[i].value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::record::latency_histogram;

    #[test]
    fn the_format_is_hdrhistogram_s_and_parses_back() {
        let mut h = latency_histogram();
        for v in 1..=10_000u64 {
            h.record(v * 100).unwrap(); // 0.1 .. 1000 µs
        }
        let text = percentile_distribution(&h);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("       Value     Percentile TotalCount 1/(1-Percentile)")
        );
        assert_eq!(lines.next(), Some(""));
        assert!(
            text.contains("#[Max     =     1000.447, Total count    =        10000]"),
            "{text}"
        );
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.last().unwrap().quantile, 1.0);
        assert_eq!(parsed.last().unwrap().total, 10_000);
        for q in [0.5, 0.9, 0.99, 0.999] {
            let want = h.value_at_quantile(q) as f64 / SCALE;
            let (lo, hi) = bracket(&parsed, q).unwrap();
            assert!(
                lo - 1e-3 <= want && want <= hi + 1e-3,
                "q {q}: {want} not in [{lo}, {hi}]"
            );
        }
        assert!(parse("1.0 nonsense 3").is_none());
    }
}
