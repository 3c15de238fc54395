//! Latency histograms as HdrHistogram interval logs (`.hlog`): the format
//! HdrHistogram's `HistogramLogWriter` writes and its `HistogramLogReader`,
//! `HistogramLogProcessor`, HistogramLogAnalyzer and the libraries in other
//! languages read.
//!
//! One file per run and path, next to its `.hgrm` (same name, `.hlog`):
//! comment lines (`#…`) saying what the file holds, the format version,
//! `StartTime` and `BaseTime` (both 0: timestamps are seconds of simulated
//! time from the run's start), the column legend, then one interval line,
//! `Tag=<tag>,<start s>,<length s>,<max>,<histogram>`. The histogram is
//! encoded by the hdrhistogram crate's own V2 compressed serializer
//! ([`V2DeflateSerializer`]) in base64, as every HdrHistogram library writes
//! it. Values are nanoseconds (the histogram's own unit; the max column is
//! not divided, where Java's writer divides by 10⁶ unless told otherwise:
//! a comment line says so).
//!
//! The interval line is formatted here rather than by the crate's
//! `IntervalLogWriter`, which prints timestamps to the millisecond: a run's
//! window is often shorter than that (100 µs would read `0.000`), so the
//! times here have 9 decimals (nanoseconds). Readers parse the columns as
//! floating-point numbers (the crate's `IntervalLogIterator` reads these
//! files back in tests/hlog.rs, beside a decoder of the published format
//! written in the test).
//!
//! Why one interval per run rather than one per millisecond: the engine
//! records each run into one histogram, without allocating on the packet
//! path; the deliveries over time are in the summary's `delivered_series`.

use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use std::fmt::Write;

/// The file extension.
pub const EXTENSION: &str = "hlog";

/// The column legend HdrHistogram's Java `HistogramLogWriter` writes.
pub const LEGEND: &str =
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"";

/// What one interval log holds.
#[derive(Clone, Copy, Debug)]
pub struct Interval<'a> {
    /// The experiment's name (a comment line).
    pub experiment: &'a str,
    /// The histogram's tag: the file's stem (`sriov`, `p03.r1.sriov.rtt`),
    /// which has no comma, space or line break.
    pub tag: &'a str,
    /// What the values are (a comment line): "one-way latency" or "round
    /// trip".
    pub what: &'a str,
    /// The interval's length: the run's traffic window \[s\] (the drain's
    /// deliveries are in the histogram too).
    pub length_s: f64,
}

/// `h` (values in ns) as an interval log with one interval; `None` if the
/// tag is not a valid HdrHistogram tag or the histogram cannot be
/// serialized (neither happens with enisim's names and bounds).
pub fn interval_log(h: &Histogram<u64>, i: Interval) -> Option<String> {
    if i.tag.is_empty() || i.tag.contains([',', ' ', '\r', '\n']) {
        return None;
    }
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut bytes).ok()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#enisim {}: experiment {}, {} [ns], simulated time",
        env!("CARGO_PKG_VERSION"),
        i.experiment,
        i.what
    );
    out.push_str(
        "#Timestamps are seconds of simulated time from the run's start (StartTime and BaseTime \
         0); the max column is in ns (not divided)\n",
    );
    out.push_str("#[Histogram log format version 1.3]\n");
    out.push_str("#[StartTime: 0.000 (seconds since epoch)]\n");
    out.push_str("#[BaseTime: 0.000 (seconds since epoch)]\n");
    out.push_str(LEGEND);
    out.push('\n');
    use base64::Engine as _;
    let _ = writeln!(
        out,
        "Tag={},{:.9},{:.9},{:.3},{}",
        i.tag,
        0.0,
        i.length_s,
        h.max() as f64,
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    use hdrhistogram::serialization::Deserializer;

    #[test]
    fn the_crate_reads_back_the_interval_and_its_histogram() {
        let mut h = crate::metrics::record::latency_histogram();
        for v in [1_000u64, 2_500, 2_500, 80_000, 1_000_000] {
            h.record(v).unwrap();
        }
        let text = interval_log(
            &h,
            Interval {
                experiment: "x",
                tag: "p01.r2.sriov",
                what: "one-way latency",
                length_s: 0.000_1,
            },
        )
        .unwrap();
        let mut intervals = IntervalLogIterator::new(text.as_bytes()).filter_map(|e| match e {
            Ok(LogEntry::Interval(i)) => Some(i),
            _ => None,
        });
        let i = intervals.next().expect("one interval");
        assert!(intervals.next().is_none());
        assert_eq!(i.tag().map(|t| t.as_str()), Some("p01.r2.sriov"));
        assert_eq!(i.duration(), std::time::Duration::from_micros(100));
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(i.encoded_histogram())
            .unwrap();
        let back: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn a_tag_with_a_comma_or_a_space_is_refused() {
        let h = crate::metrics::record::latency_histogram();
        for tag in ["a,b", "a b", ""] {
            let i = Interval {
                experiment: "x",
                tag,
                what: "round trip",
                length_s: 1.0,
            };
            assert!(interval_log(&h, i).is_none(), "{tag:?}");
        }
    }
}
