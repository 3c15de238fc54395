//! Every `.hgrm` file a run writes parses back to the percentiles its
//! `summary.json` reports, within the histogram's precision.

use enisim::experiment::{run_experiment, Experiment};
use enisim::report::{self, hgrm};
use std::path::Path;

#[test]
fn every_hgrm_round_trips_to_the_summary() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    let exp = Experiment::from_file(&file, &[]).unwrap();
    let r = run_experiment(&exp, Some(2)).unwrap();
    let dir = std::env::temp_dir().join(format!("enisim-hgrm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    report::write_dir(&dir, &r).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let mut checked = 0;
    for p in summary["paths"].as_array().unwrap() {
        let path = p["path"].as_str().unwrap();
        for (file, key) in [
            (format!("{path}.hgrm"), "latency_ns"),
            (format!("{path}.rtt.hgrm"), "rtt_ns"),
        ] {
            let text =
                std::fs::read_to_string(dir.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            let lines = hgrm::parse(&text).unwrap_or_else(|| panic!("{file} does not parse"));
            // The file lists percentile steps: each summary percentile lies
            // between the lines around it (values printed with 3 decimals).
            for (q, k) in [(0.5, "p50"), (0.99, "p99"), (0.999, "p999")] {
                let want_us = p[key][k].as_u64().unwrap() as f64 / hgrm::SCALE;
                let (lo, hi) = hgrm::bracket(&lines, q).unwrap();
                assert!(
                    lo - 1e-3 <= want_us && want_us <= hi + 1e-3,
                    "{file} q {q}: summary {want_us} µs not in [{lo}, {hi}]"
                );
                checked += 1;
            }
            // The last line is the maximum, at 100%.
            let last = lines.last().unwrap();
            let max_us = p[key]["max"].as_u64().unwrap() as f64 / hgrm::SCALE;
            assert_eq!(last.quantile, 1.0, "{file}");
            assert!(
                (last.value - max_us).abs() <= 1e-3,
                "{file}: max {} vs {max_us}",
                last.value
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 2 * 4);
    std::fs::remove_dir_all(&dir).unwrap();
}
