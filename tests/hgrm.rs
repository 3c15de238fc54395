//! Every `.hgrm` file a run writes parses back to the percentiles its
//! `summary.json` reports, within the histogram's precision.

use crate::common::small_sweep;
use enisim::experiment::{run_experiment, Experiment};
use enisim::report::{self, hgrm};
use std::path::Path;

/// Checks every histogram file `summary.json` in `dir` names against the
/// run it belongs to; returns how many values were checked.
fn check_dir(dir: &Path) -> usize {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let mut checked = 0;
    for point in summary["points"].as_array().unwrap() {
        for pp in point["paths"].as_array().unwrap() {
            let runs = pp["runs"].as_array().unwrap();
            for (list, key) in [("hgrm", "latency_ns"), ("rtt_hgrm", "rtt_ns")] {
                let files = pp[list].as_array().unwrap();
                // One file per run that has the histogram.
                let want = runs.iter().filter(|r| r.get(key).is_some()).count();
                assert_eq!(files.len(), want, "{list} of {}", pp["path"]);
                for (file, run) in files.iter().zip(runs) {
                    checked += check_file(&dir.join(file.as_str().unwrap()), &run[key]);
                }
            }
        }
    }
    checked
}

fn check_file(file: &Path, summary: &serde_json::Value) -> usize {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let lines = hgrm::parse(&text).unwrap_or_else(|| panic!("{file:?} does not parse"));
    let mut checked = 0;
    // The file lists percentile steps: each summary percentile lies between
    // the lines around it (values printed with 3 decimals).
    for (q, k) in [(0.5, "p50"), (0.99, "p99"), (0.999, "p999")] {
        let want_us = summary[k].as_u64().unwrap() as f64 / hgrm::SCALE;
        let (lo, hi) = hgrm::bracket(&lines, q).unwrap();
        assert!(
            lo - 1e-3 <= want_us && want_us <= hi + 1e-3,
            "{file:?} q {q}: summary {want_us} µs not in [{lo}, {hi}]"
        );
        checked += 1;
    }
    // The last line is the maximum, at 100%.
    let last = lines.last().unwrap();
    let max_us = summary["max"].as_u64().unwrap() as f64 / hgrm::SCALE;
    assert_eq!(last.quantile, 1.0, "{file:?}");
    assert!(
        (last.value - max_us).abs() <= 1e-3,
        "{file:?}: max {} vs {max_us}",
        last.value
    );
    checked + 1
}

fn write(exp: &Experiment, name: &str) -> std::path::PathBuf {
    let r = run_experiment(exp, Some(2)).unwrap();
    let dir = std::env::temp_dir().join(format!("enisim-hgrm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    report::write_dir(&dir, &r).unwrap();
    dir
}

#[test]
fn every_hgrm_round_trips_to_the_summary() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/compare.toml");
    let exp = Experiment::from_file(&file, &[]).unwrap();
    let dir = write(&exp, "compare");
    assert!(dir.join("sriov.hgrm").exists() && dir.join("sriov.rtt.hgrm").exists());
    // 5 paths × (one-way + round trip) × 4 values.
    assert_eq!(check_dir(&dir), 5 * 2 * 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_hgrm_of_a_sweep_with_replications_round_trips() {
    let text = small_sweep("hgrm-sweep");
    let exp = Experiment::from_toml("hgrm-sweep.toml", &text, &[]).unwrap();
    let dir = write(&exp, "sweep");
    assert!(dir.join("p01.r1.sriov.hgrm").exists());
    // 2 points × 2 paths × 2 replications × 4 values.
    assert_eq!(check_dir(&dir), 2 * 2 * 2 * 4);
    std::fs::remove_dir_all(&dir).unwrap();
}
