//! The validation suite: experiments that hold the model against published
//! whole-system measurements (`enisim validate-model`).
//!
//! Each file of the suite (`experiments/validation/*.toml`) is an ordinary
//! experiment — everything `enisim run` accepts — plus one `[validation]`
//! table: where the figure was published, the figure, the tolerance, and
//! which value of the run's report to hold against it. The command loads
//! every file (any error in any file stops it before anything runs), runs
//! them all in parallel, computes each row's measured value and pass/fail,
//! and writes a results directory with a Markdown table, JSON, CSV and each
//! file's own report.
//!
//! # Why the `[validation]` table is blanked out, not removed
//! The experiment parser refuses unknown keys, so the table must not reach
//! it. Removing it from a parsed [`toml::Table`] and writing the rest out
//! again would move every line, and errors in the experiment part would
//! point at lines of a text the user never saw. Instead the lines that hold
//! the table (its header and every key and value in it, found from the
//! parser's spans) are overwritten with spaces, keeping their line breaks,
//! and the experiment is parsed from that text with
//! [`Experiment::from_toml`]: every other line keeps its number and
//! column, so its errors read `file:line:column` of the file as written. The
//! text that is left is then checked to hold exactly the file less the
//! table, so a table split around other tables is refused with a clear
//! message instead of being half removed. The `[validation]` keys are read
//! from the file's own parse, and their errors also carry file, line and
//! column.
//!
//! # Measured value and pass/fail
//! The value is the mean over the replications of `stats[metric]` of
//! `path` at `point` (see [`super::stats::metric_values`] for the names).
//! With `relative_to`, a second value of the same run is read the same way
//! and the measured value is `scale × value ÷ other` (`relation = "ratio"`)
//! or `scale × (value − other)` (`"difference"`); without it, `scale ×
//! value`. A row passes when the measured value is a finite number and
//! `|measured − target| ≤ tolerance` (`tolerance_kind = "absolute"`) or
//! `≤ tolerance × |target|` (`"relative"`). A metric the run does not have,
//! an infeasible path or a division by zero is a failing row with a note
//! saying so, not an error: failing rows are results.
//!
//! # Parts
//! `read` reads one file (the blanking and the `[validation]` keys); this
//! module loads the suite, runs it and judges each row. The report layer
//! (`report::validation`, above this one) renders the tables, JSON and CSV
//! and writes the results directory.

mod read;

use read::read_row;
pub use read::split_validation;

use super::error::{line_col, Location, SpanIndex};
use super::stats::Estimate;
use super::{run_experiment_with, strip_timing, Experiment, ExperimentError, RunReport};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The suite `enisim validate-model` runs when given no directory.
pub const DEFAULT_DIR: &str = "experiments/validation";
/// Where it writes its results when given no `--out`.
pub const DEFAULT_OUT: &str = "results/validation";
/// The suite's Markdown table in the results directory.
pub const TABLE_FILE: &str = "table.md";
/// The suite's terminal table (as `validate-model` prints it) in the
/// results directory.
pub const TEXT_FILE: &str = "table.txt";
/// The suite's JSON summary in the results directory.
pub const JSON_FILE: &str = "summary.json";
/// The suite's CSV summary in the results directory.
pub const CSV_FILE: &str = "summary.csv";
/// The value of `schema` in [`JSON_FILE`]; also how an existing results
/// directory is recognised before it is replaced.
pub const SCHEMA: &str = "enisim-validation/1";

/// The allowed values of `validation.category`.
pub const CATEGORIES: [&str; 6] = [
    "sriov-scaling",
    "interrupt-exits",
    "paravirtual-stream",
    "rtt",
    "emulated-nic",
    "ec2",
];

/// Every key of the `[validation]` table, in documentation order.
pub const KEYS: [&str; 20] = [
    "id",
    "title",
    "category",
    "source",
    "where",
    "url",
    "published",
    "target",
    "unit",
    "tolerance",
    "tolerance_kind",
    "why_tolerance",
    "metric",
    "path",
    "point",
    "scale",
    "relative_to",
    "relation",
    "calibration_overlap",
    "lacks",
];

/// The keys of `validation.relative_to`.
pub const RELATIVE_TO_KEYS: [&str; 3] = ["path", "point", "metric"];

/// Longest `id`, in characters.
pub const MAX_ID_CHARS: usize = 32;
/// Longest `title`, in characters.
pub const MAX_TITLE_CHARS: usize = 100;

/// How the tolerance is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToleranceKind {
    /// A fraction of |target|.
    Relative,
    /// In the target's unit.
    Absolute,
}

/// How the value is combined with `relative_to`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelationKind {
    /// value ÷ other.
    Ratio,
    /// value − other.
    Difference,
}

/// A point of the run: by index or by label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PointRef {
    /// Position in the sweep, 0-based.
    Index(usize),
    /// The point's label (`host.vms=4`; `all` without a sweep).
    Label(String),
}

impl fmt::Display for PointRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PointRef::Index(i) => write!(f, "{i}"),
            PointRef::Label(l) => write!(f, "{l:?}"),
        }
    }
}

/// The other value of the run a row relates its value to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtherValue {
    /// Path (default: the row's).
    pub path: String,
    /// Point (default: the row's).
    pub point: PointRef,
    /// Metric (default: the row's).
    pub metric: String,
}

/// A `[validation]` table, validated and with its defaults applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowSpec {
    /// Unique across the suite (`V8`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Citation: authors, title, venue, year.
    pub source: String,
    /// Table, figure or section of the source.
    pub r#where: String,
    /// Where the source can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The figure as published, in words.
    pub published: String,
    /// The number the measured value is held against.
    pub target: f64,
    /// The unit of `target` (and of the measured value).
    pub unit: String,
    /// Allowed distance from the target (≥ 0).
    pub tolerance: f64,
    /// How `tolerance` is read.
    pub tolerance_kind: ToleranceKind,
    /// Why this tolerance.
    pub why_tolerance: String,
    /// A `stats` key of the report.
    pub metric: String,
    /// One of the experiment's paths.
    pub path: String,
    /// The point of the run (default: the first).
    pub point: PointRef,
    /// Multiplier applied to the value (or to the ratio or difference).
    pub scale: f64,
    /// The other value, for a ratio or a difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_to: Option<OtherValue>,
    /// How the value is combined with `relative_to`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<RelationKind>,
    /// Which CALIBRATION keys come from the same source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_overlap: Option<String>,
    /// What the model lacks, shown when the row fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lacks: Option<String>,
}

/// One file of the suite: its experiment and its row.
#[derive(Clone, Debug)]
pub struct Case {
    /// The file as named in messages (`experiments/validation/v8.toml`).
    pub file: String,
    /// The file's stem: the name of its results subdirectory.
    pub stem: String,
    /// The experiment, without the `[validation]` table.
    pub exp: Experiment,
    /// The `[validation]` table.
    pub row: RowSpec,
}

/// A loaded suite, every file valid.
#[derive(Clone, Debug)]
pub struct Suite {
    /// The directory, as given.
    pub dir: String,
    /// One case per file, in file-name order.
    pub cases: Vec<Case>,
    /// The ids `--only` kept (empty: all).
    pub only: Vec<String>,
}

/// Why a suite could not be loaded or run.
#[derive(Debug)]
pub enum SuiteError {
    /// The directory cannot be listed or holds no file.
    Dir {
        /// The directory as given.
        dir: String,
        /// What is wrong.
        message: String,
    },
    /// One or more files are invalid (each error names its file).
    Files(Vec<ExperimentError>),
    /// `--only` names an id no file has.
    Only {
        /// The ids not found.
        unknown: Vec<String>,
        /// Every id of the suite.
        known: Vec<String>,
    },
    /// A run failed (the engine refused a configuration, or no threads).
    Run {
        /// The file.
        file: String,
        /// Why.
        error: Box<ExperimentError>,
    },
}

impl SuiteError {
    /// Bad input (exit 2) rather than a failure of the machine (exit 1).
    pub fn is_input_error(&self) -> bool {
        match self {
            SuiteError::Run { error, .. } => error.is_input_error(),
            _ => true,
        }
    }
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuiteError::Dir { dir, message } => write!(f, "{dir}: {message}"),
            SuiteError::Files(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        // The CLI prints the first `error: `; one per line.
                        write!(f, "\nerror: ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            SuiteError::Only { unknown, known } => write!(
                f,
                "--only: no file of the suite has id {}; its ids are: {}",
                unknown.join(", "),
                known.join(", ")
            ),
            SuiteError::Run { file, error } => {
                let text = error.to_string();
                if text.contains(file.as_str()) {
                    write!(f, "{text}")
                } else {
                    write!(f, "{file}: {text}")
                }
            }
        }
    }
}

impl std::error::Error for SuiteError {}

/// The point index `p` refers to in `exp` (validated refs always resolve).
fn point_index(p: &PointRef, exp: &Experiment) -> usize {
    match p {
        PointRef::Index(i) => *i,
        PointRef::Label(l) => exp
            .sweep
            .as_ref()
            .and_then(|s| s.points.iter().position(|pt| &pt.label == l))
            .unwrap_or(0),
    }
}

fn same_point(a: &PointRef, b: &PointRef, exp: &Experiment) -> bool {
    point_index(a, exp) == point_index(b, exp)
}

/// Parses one suite file: the experiment (with `[validation]` blanked out)
/// and its row. `file` names it in errors.
pub fn parse_case(file: &str, text: &str) -> Result<Case, ExperimentError> {
    let (rest, table) = split_validation(file, text)?;
    let exp = Experiment::from_toml(file, &rest, &[])?;
    let row = read_row(file, text, &table, &exp)?;
    let stem = Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_owned(), |s| s.to_string_lossy().into_owned());
    Ok(Case {
        file: file.to_owned(),
        stem,
        exp,
        row,
    })
}

/// Loads every `*.toml` file of `dir` (not hidden ones, not
/// subdirectories), in file-name order, checks that ids are unique, and
/// keeps those whose id is in `only` (all if empty). Every invalid file is
/// reported, not only the first.
pub fn load_suite(dir: &Path, only: &[String]) -> Result<Suite, SuiteError> {
    let shown = dir.display().to_string();
    let dir_err = |message: String| SuiteError::Dir {
        dir: shown.clone(),
        message,
    };
    let entries = fs::read_dir(dir).map_err(|e| {
        dir_err(format!(
            "cannot list the validation suite: {e} (give the directory of its .toml files)"
        ))
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| dir_err(format!("cannot list: {e}")))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || path.extension().is_none_or(|e| e != "toml") || !path.is_file()
        {
            continue;
        }
        files.push(path);
    }
    files.sort();
    if files.is_empty() {
        return Err(dir_err(
            "holds no .toml file: the suite is one experiment file with a [validation] table per \
             row"
            .to_owned(),
        ));
    }
    let mut cases: Vec<Case> = Vec::new();
    let mut errors = Vec::new();
    for path in &files {
        let file = path.display().to_string();
        let case = fs::read_to_string(path)
            .map_err(|source| ExperimentError::Read {
                file: file.clone(),
                source,
            })
            .and_then(|text| {
                let case = parse_case(&file, &text)?;
                if [TABLE_FILE, TEXT_FILE, JSON_FILE, CSV_FILE].contains(&case.stem.as_str()) {
                    return Err(ExperimentError::Invalid {
                        file: file.clone(),
                        key: "(file name)".to_owned(),
                        value: None,
                        location: Location::Unknown,
                        message: format!(
                            "the results subdirectory would be named {:?}, which the suite's own \
                             file uses; rename the file",
                            case.stem
                        ),
                    });
                }
                if let Some(first) = cases.iter().find(|c| c.row.id == case.row.id) {
                    let index = SpanIndex::parse(&text).ok();
                    let location = index
                        .and_then(|i| i.lookup(&["validation".to_owned(), "id".to_owned()]))
                        .map_or(Location::Unknown, |(_, v)| {
                            let (line, column) = line_col(&text, v.start);
                            Location::At { line, column }
                        });
                    return Err(ExperimentError::Invalid {
                        file: file.clone(),
                        key: "validation.id".to_owned(),
                        value: Some(format!("{:?}", case.row.id)),
                        location,
                        message: format!(
                            "already used by {}; every row of the suite needs its own id",
                            first.file
                        ),
                    });
                }
                Ok(case)
            });
        match case {
            Ok(c) => cases.push(c),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(SuiteError::Files(errors));
    }
    if !only.is_empty() {
        let unknown: Vec<String> = only
            .iter()
            .filter(|id| !cases.iter().any(|c| &c.row.id == *id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            let mut known: Vec<String> = cases.iter().map(|c| c.row.id.clone()).collect();
            known.sort_by(|a, b| natural_cmp(a, b));
            return Err(SuiteError::Only { unknown, known });
        }
        cases.retain(|c| only.contains(&c.row.id));
    }
    Ok(Suite {
        dir: shown,
        cases,
        only: only.to_vec(),
    })
}

// ---------------------------------------------------------------------------
// Running and judging.

/// One row of the results: the `[validation]` table and what the run gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The row as the file states it (defaults applied).
    #[serde(flatten)]
    pub spec: RowSpec,
    /// The file's name in the suite directory.
    pub file: String,
    /// The subdirectory of the results holding the run's report.
    pub results: String,
    /// The experiment's name.
    pub experiment: String,
    /// The profile it ran.
    pub profile: String,
    /// The label of the point the value was read at.
    pub point_label: String,
    /// `stats[metric].value` of `path` at `point`, if the run has it.
    pub value: Option<f64>,
    /// The `relative_to` value, if any and if the run has it.
    pub other_value: Option<f64>,
    /// The value held against the target (after `relation` and `scale`).
    pub measured: Option<f64>,
    /// The largest |measured − target| that passes, in the target's unit.
    pub allowed: f64,
    /// measured − target.
    pub deviation: Option<f64>,
    /// Whether the row passes.
    pub pass: bool,
    /// `PASS` or `FAIL`.
    pub result: String,
    /// Why it fails: what went wrong reading the value, then `lacks`; empty
    /// when it passes.
    pub note: String,
}

/// The whole suite's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuiteReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// The enisim version that produced it.
    pub enisim_version: String,
    /// The suite directory, as given.
    pub suite: String,
    /// The ids `--only` kept (empty: every row).
    pub only: Vec<String>,
    /// Rows that pass.
    pub passed: usize,
    /// Rows in all.
    pub total: usize,
    /// passed ÷ total (0 with no rows).
    pub pass_rate: f64,
    /// Every row, by id (numbers in ids compared as numbers).
    pub rows: Vec<Row>,
    /// Each row's run, in row order (written to `<results>/`, not to the
    /// summary).
    #[serde(skip)]
    pub runs: Vec<RunReport>,
}

/// Runs every case of `suite` in parallel — on a pool of `threads` workers
/// if given, else on rayon's global pool; each experiment's own runs share
/// the same pool — and judges every row. `progress(done, total)` counts
/// single runs (point × replication × path) over the whole suite. The
/// results do not depend on the number of threads; wall-clock fields of the
/// runs are zeroed.
pub fn run_suite(
    suite: &Suite,
    threads: Option<usize>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SuiteReport, SuiteError> {
    let total: usize = suite
        .cases
        .iter()
        .map(|c| {
            let (points, reps) = c
                .exp
                .sweep
                .as_ref()
                .map_or((1, 1), |s| (s.points.len(), s.replications as usize));
            points * reps * c.exp.paths.len()
        })
        .sum();
    let done = AtomicUsize::new(0);
    let tick = |_: usize, _: usize| progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
    let run_all = || -> Vec<Result<RunReport, ExperimentError>> {
        suite
            .cases
            .par_iter()
            .map(|c| run_experiment_with(&c.exp, None, &tick))
            .collect()
    };
    let outcomes = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| SuiteError::Run {
                file: suite.dir.clone(),
                error: Box::new(ExperimentError::ThreadPool {
                    message: e.to_string(),
                }),
            })?
            .install(run_all),
        None => run_all(),
    };
    let mut rows = Vec::with_capacity(suite.cases.len());
    for (case, outcome) in suite.cases.iter().zip(outcomes) {
        let mut run = outcome.map_err(|error| SuiteError::Run {
            file: case.file.clone(),
            error: Box::new(error),
        })?;
        strip_timing(&mut run);
        rows.push((judge(case, &run), run));
    }
    rows.sort_by(|a, b| natural_cmp(&a.0.spec.id, &b.0.spec.id));
    let (rows, runs): (Vec<Row>, Vec<RunReport>) = rows.into_iter().unzip();
    let passed = rows.iter().filter(|r| r.pass).count();
    let total = rows.len();
    Ok(SuiteReport {
        schema: SCHEMA.to_owned(),
        enisim_version: env!("CARGO_PKG_VERSION").to_owned(),
        suite: suite.dir.clone(),
        only: suite.only.clone(),
        passed,
        total,
        pass_rate: if total == 0 {
            0.0
        } else {
            passed as f64 / total as f64
        },
        rows,
        runs,
    })
}

/// The largest |measured − target| that passes.
pub fn allowance(spec: &RowSpec) -> f64 {
    match spec.tolerance_kind {
        ToleranceKind::Absolute => spec.tolerance,
        ToleranceKind::Relative => spec.tolerance * spec.target.abs(),
    }
}

/// Whether `measured` is within the row's tolerance of its target.
pub fn passes(spec: &RowSpec, measured: f64) -> bool {
    measured.is_finite() && (measured - spec.target).abs() <= allowance(spec)
}

/// The measured value from the run's `value` and, with `relative_to`,
/// `other`: `Err` says why there is none.
pub fn combine(spec: &RowSpec, value: f64, other: Option<f64>) -> Result<f64, String> {
    let x = match (spec.relation, other) {
        (None, _) | (_, None) => value,
        (Some(RelationKind::Ratio), Some(o)) => {
            if o == 0.0 {
                return Err(format!(
                    "the value it is relative to ({} of {}) is 0: no ratio",
                    spec.relative_to
                        .as_ref()
                        .map_or(spec.metric.as_str(), |r| r.metric.as_str()),
                    spec.relative_to
                        .as_ref()
                        .map_or(spec.path.as_str(), |r| r.path.as_str()),
                ));
            }
            value / o
        }
        (Some(RelationKind::Difference), Some(o)) => value - o,
    };
    let m = spec.scale * x;
    if m.is_finite() {
        Ok(m)
    } else {
        Err(format!("the measured value is not a finite number ({m})"))
    }
}

/// `stats[metric]` of `path` at point `pi` of `run`, or why not.
fn read_value(run: &RunReport, pi: usize, path: &str, metric: &str) -> Result<f64, String> {
    let point = run
        .points
        .get(pi)
        .ok_or_else(|| format!("the run has no point {pi}"))?;
    let pp = point
        .paths
        .iter()
        .find(|p| p.path == path)
        .ok_or_else(|| format!("path {path} did not run at point {}", point.label))?;
    if let Some(why) = &pp.infeasible {
        return Err(format!(
            "path {path} is infeasible at point {}: {why}",
            point.label
        ));
    }
    match pp.stats.get(metric) {
        Some(Estimate { value, .. }) => Ok(*value),
        None => {
            let near = pp
                .stats
                .keys()
                .map(|k| (edit_distance(k, metric), k))
                .filter(|(d, _)| *d <= 3)
                .min();
            let hint = near.map_or_else(String::new, |(_, k)| format!("; did you mean `{k}`?"));
            Err(format!(
                "metric missing: `{metric}` is not in the report of path {path} at point {} \
                 (`stats` in its summary.json lists the metrics this run has){hint}",
                point.label
            ))
        }
    }
}

/// Judges one case against its run.
pub fn judge(case: &Case, run: &RunReport) -> Row {
    let spec = &case.row;
    let pi = point_index(&spec.point, &case.exp);
    let point_label = run
        .points
        .get(pi)
        .map_or_else(|| pi.to_string(), |p| p.label.clone());
    let value = read_value(run, pi, &spec.path, &spec.metric);
    let other = spec
        .relative_to
        .as_ref()
        .map(|o| read_value(run, point_index(&o.point, &case.exp), &o.path, &o.metric));
    let measured = match (&value, &other) {
        (Err(e), _) => Err(e.clone()),
        (Ok(_), Some(Err(e))) => Err(format!("relative_to: {e}")),
        (Ok(v), Some(Ok(o))) => combine(spec, *v, Some(*o)),
        (Ok(v), None) => combine(spec, *v, None),
    };
    let pass = measured.as_ref().is_ok_and(|m| passes(spec, *m));
    let mut note = Vec::new();
    if !pass {
        if let Err(problem) = &measured {
            note.push(problem.clone());
        }
        if let Some(l) = &spec.lacks {
            note.push(l.clone());
        }
    }
    let measured = measured.ok();
    Row {
        spec: spec.clone(),
        file: Path::new(&case.file)
            .file_name()
            .map_or_else(|| case.file.clone(), |n| n.to_string_lossy().into_owned()),
        results: case.stem.clone(),
        experiment: run.experiment.clone(),
        profile: run.profile.clone(),
        point_label,
        value: value.ok(),
        other_value: other.and_then(Result::ok),
        measured,
        allowed: allowance(spec),
        deviation: measured.map(|m| m - spec.target),
        pass,
        result: if pass { "PASS" } else { "FAIL" }.to_owned(),
        note: note.join("; "),
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Orders ids with their runs of digits compared as numbers (`V2` < `V10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, t)) if *d == digit => t.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (tx, ty) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty))
            }
            _ => x.1.cmp(&y.1),
        };
        if o.is_ne() {
            return o;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests;
