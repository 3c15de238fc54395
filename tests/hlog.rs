//! Every `.hlog` a run writes (an HdrHistogram interval log, issue 11
//! point 1) decodes, with a second decoder written here from HdrHistogram's
//! published encoding (not the crate's deserializer), to the histogram its
//! `.hgrm` and `summary.json` describe: the same total count, the summary's
//! percentiles inside the decoded buckets, and the max.
//!
//! The published format, as HdrHistogram's Java `HistogramLogWriter` and
//! `AbstractHistogram.encodeIntoCompressedByteBuffer` write it: an interval
//! line `Tag=T,start,length,max,BASE64`; the bytes are a V2 compressed
//! histogram: cookie `0x1c849314` and the length of a zlib stream (big
//! endian, 4 bytes each), the stream inflating to a V2 histogram: cookie
//! `0x1c849313`, payload length, normalizing index offset, significant
//! digits (4 bytes each), lowest discernible and highest trackable value (8
//! each), integer-to-double ratio (an f64), then the counts array as
//! ZigZag-encoded LEB128 varints (at most 9 bytes, the 9th carrying 8 bits)
//! where a negative number −n stands for n empty buckets.

use crate::common::{small_sweep, unique_path};
use base64::Engine as _;
use enisim::experiment::{run_experiment, Experiment, Override};
use enisim::report;
use std::io::Read;
use std::path::Path;

/// A histogram decoded from its V2 compressed bytes.
#[derive(Debug)]
struct Decoded {
    significant_digits: u32,
    lowest: u64,
    highest: u64,
    /// (index in the counts array, count) of every non-empty bucket.
    counts: Vec<(usize, u64)>,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

/// One ZigZag LEB128 number at `*at` (HdrHistogram's `ZigZagEncoding`).
fn varint(b: &[u8], at: &mut usize) -> i64 {
    let mut v: u64 = 0;
    for k in 0..9 {
        let byte = b[*at];
        *at += 1;
        if k == 8 {
            v |= u64::from(byte) << 56;
            break;
        }
        v |= u64::from(byte & 0x7f) << (7 * k);
        if byte & 0x80 == 0 {
            break;
        }
    }
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn decode(compressed: &[u8]) -> Decoded {
    assert_eq!(be32(compressed, 0), 0x1c84_9314, "V2 compressed cookie");
    let len = be32(compressed, 4) as usize;
    let mut v2 = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[8..8 + len])
        .read_to_end(&mut v2)
        .unwrap();
    assert_eq!(be32(&v2, 0), 0x1c84_9313, "V2 cookie");
    let payload = be32(&v2, 4) as usize;
    assert_eq!(be32(&v2, 8), 0, "normalizing index offset");
    let header = 40;
    assert_eq!(v2.len(), header + payload);
    assert_eq!(
        f64::from_bits(be64(&v2, 32)),
        1.0,
        "integer-to-double ratio"
    );
    let mut counts = Vec::new();
    let (mut at, mut index) = (header, 0usize);
    while at < v2.len() {
        let n = varint(&v2, &mut at);
        if n < 0 {
            index += (-n) as usize;
        } else {
            if n > 0 {
                counts.push((index, n as u64));
            }
            index += 1;
        }
    }
    Decoded {
        significant_digits: be32(&v2, 12),
        lowest: be64(&v2, 16),
        highest: be64(&v2, 24),
        counts,
    }
}

impl Decoded {
    /// The values bucket `index` holds: (lowest, highest), from the
    /// published bucket layout.
    fn range(&self, index: usize) -> (u64, u64) {
        let largest_single_unit = 2 * 10u64.pow(self.significant_digits);
        let sub_count_magnitude = (largest_single_unit as f64).log2().ceil() as u32;
        let half_magnitude = sub_count_magnitude.saturating_sub(1);
        let half_count = 1usize << half_magnitude;
        let unit_magnitude = 63 - self.lowest.leading_zeros();
        let mut bucket = (index >> half_magnitude) as i64 - 1;
        let mut sub = (index & (half_count - 1)) + half_count;
        if bucket < 0 {
            sub -= half_count;
            bucket = 0;
        }
        let shift = bucket as u32 + unit_magnitude;
        let low = (sub as u64) << shift;
        (low, low + (1u64 << shift) - 1)
    }

    fn total(&self) -> u64 {
        self.counts.iter().map(|c| c.1).sum()
    }

    /// The bucket the `q` quantile falls in (the first whose running count
    /// reaches ⌈q · total⌉).
    fn quantile_range(&self, q: f64) -> (u64, u64) {
        let want = ((q * self.total() as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(i, n) in &self.counts {
            seen += n;
            if seen >= want {
                return self.range(i);
            }
        }
        panic!("no bucket holds the {q} quantile")
    }
}

/// Decodes every `.hlog` `summary.json` in `dir` implies (one beside each
/// `.hgrm` it names) and checks it against the summary; returns how many
/// files were checked.
fn check_dir(dir: &Path) -> usize {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let mut checked = 0;
    for point in summary["points"].as_array().unwrap() {
        for pp in point["paths"].as_array().unwrap() {
            for (list, key) in [("hgrm", "latency_ns"), ("rtt_hgrm", "rtt_ns")] {
                let runs = pp["runs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r.get(key).is_some());
                for (file, run) in pp[list].as_array().unwrap().iter().zip(runs) {
                    let hgrm = file.as_str().unwrap();
                    let stem = hgrm.strip_suffix(".hgrm").unwrap();
                    let log = dir.join(format!("{stem}.hlog"));
                    let text =
                        std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{log:?}: {e}"));
                    check_log(
                        &text,
                        stem,
                        &run[key],
                        run["window_us"].as_f64().unwrap(),
                        &log,
                    );
                    checked += 1;
                }
            }
        }
    }
    checked
}

fn check_log(text: &str, tag: &str, summary: &serde_json::Value, window_us: f64, file: &Path) {
    assert!(
        text.contains("#[Histogram log format version 1.3]"),
        "{file:?}"
    );
    assert!(
        text.contains("#[StartTime: 0.000 (seconds since epoch)]"),
        "{file:?}"
    );
    assert!(text.contains(report::hlog::LEGEND), "{file:?}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('"'))
        .collect();
    assert_eq!(lines.len(), 1, "{file:?}: one interval per run");
    let cols: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(cols.len(), 5, "{file:?}");
    assert_eq!(cols[0], format!("Tag={tag}"), "{file:?}");
    assert_eq!(cols[1].parse::<f64>().unwrap(), 0.0, "{file:?}");
    let length_s: f64 = cols[2].parse().unwrap();
    assert!(
        (length_s - window_us / 1e6).abs() < 1e-9,
        "{file:?}: {length_s} s"
    );
    let max: f64 = cols[3].parse().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cols[4])
        .unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let h = decode(&bytes);
    assert_eq!(
        (h.significant_digits, h.lowest, h.highest),
        (3, 1, 10_000_000_000),
        "{file:?}: the bounds of enisim's latency histograms"
    );
    assert!(h.total() > 0, "{file:?}");
    for (q, k) in [(0.5, "p50"), (0.99, "p99"), (0.999, "p999")] {
        let (lo, hi) = h.quantile_range(q);
        let want = summary[k].as_u64().unwrap();
        assert!(
            lo <= want && want <= hi,
            "{file:?}: {k} {want} ns not in [{lo}, {hi}]"
        );
    }
    // The max column is the histogram's max (ns), in the last bucket.
    let (lo, hi) = h.range(h.counts.last().unwrap().0);
    assert!(
        lo as f64 <= max && max <= hi as f64,
        "{file:?}: max {max} not in [{lo}, {hi}]"
    );
    assert!(max <= summary["max"].as_f64().unwrap(), "{file:?}");
}

fn write(exp: &Experiment, tag: &str) -> std::path::PathBuf {
    let r = run_experiment(exp, Some(2)).unwrap();
    let dir = unique_path(tag);
    report::write_dir(&dir, &r).unwrap();
    dir
}

#[test]
fn every_hlog_decodes_by_the_published_format_to_its_summary() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    let set = [Override::parse("run.duration_us=3000").unwrap()];
    let exp = Experiment::from_file(&file, &set).unwrap();
    let dir = write(&exp, "hlog-compare");
    // 5 paths × (one-way + round trip).
    assert_eq!(check_dir(&dir), 5 * 2);
    let hgrms = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "hgrm")
        })
        .count();
    assert_eq!(hgrms, 10);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sweep_with_replications_writes_an_hlog_per_run_tagged_by_its_file() {
    let text = small_sweep("hlog-sweep");
    let exp = Experiment::from_toml("hlog-sweep.toml", &text, &[]).unwrap();
    let dir = write(&exp, "hlog-sweep");
    assert!(dir.join("p01.r1.sriov.hlog").exists());
    // 2 points × 2 paths × 2 replications.
    assert_eq!(check_dir(&dir), 2 * 2 * 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_decoder_here_agrees_with_the_crates_on_a_known_histogram() {
    // The decoder above must not merely agree with itself: on a histogram
    // built here, it finds the values recorded.
    let mut h = enisim::metrics::record::latency_histogram();
    let values = [1u64, 7, 2_047, 2_048, 5_000, 123_456, 9_999_999_999];
    for v in values {
        h.record(v).unwrap();
    }
    let text = report::hlog::interval_log(
        &h,
        report::hlog::Interval {
            experiment: "t",
            tag: "t",
            what: "one-way latency",
            length_s: 1.0,
        },
    )
    .unwrap();
    let line = text.lines().last().unwrap();
    let b64 = line.rsplit(',').next().unwrap();
    let d = decode(
        &base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    );
    assert_eq!(d.total(), values.len() as u64);
    for (&(i, n), v) in d.counts.iter().zip(values) {
        let (lo, hi) = d.range(i);
        assert_eq!(n, 1);
        assert!(lo <= v && v <= hi, "{v} not in [{lo}, {hi}]");
        assert_eq!(
            (lo, hi),
            (h.lowest_equivalent(v), h.highest_equivalent(v)),
            "{v}"
        );
    }
}
