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

use super::error::{line_col, Location, SpanIndex};
use super::stats::Estimate;
use super::validate::Cx;
use super::{run_experiment_with, strip_timing, Experiment, ExperimentError, RunReport};
use crate::model::IoPath;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use std::fs;
use std::io::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use toml::de::{DeTable, DeValue};

/// The suite `enisim validate-model` runs when given no directory.
pub const DEFAULT_DIR: &str = "experiments/validation";
/// Where it writes its results when given no `--out`.
pub const DEFAULT_OUT: &str = "results/validation";
/// The suite's Markdown table in the results directory.
pub const TABLE_FILE: &str = "table.md";
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
        error: ExperimentError,
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

// ---------------------------------------------------------------------------
// Parsing one file.

/// The lines of `text` that hold the top-level key `validation` (its header
/// or key, and every key and value under it), as a byte range of whole
/// lines; `None` if the document has no such key.
fn validation_lines(text: &str, root: &DeTable<'_>) -> Option<Range<usize>> {
    fn take(r: Range<usize>, lo: &mut usize, hi: &mut usize) {
        *lo = (*lo).min(r.start);
        *hi = (*hi).max(r.end);
    }
    fn spans(v: &DeValue<'_>, lo: &mut usize, hi: &mut usize) {
        match v {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    take(k.span(), lo, hi);
                    take(v.span(), lo, hi);
                    spans(v.get_ref(), lo, hi);
                }
            }
            DeValue::Array(a) => {
                for e in a.iter() {
                    take(e.span(), lo, hi);
                    spans(e.get_ref(), lo, hi);
                }
            }
            _ => {}
        }
    }
    let (k, v) = root
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "validation")?;
    let (mut lo, mut hi) = (k.span().start, k.span().end);
    lo = lo.min(v.span().start);
    hi = hi.max(v.span().end);
    spans(v.get_ref(), &mut lo, &mut hi);
    let hi = hi.min(text.len());
    let lo = lo.min(hi);
    let start = text[..lo].rfind('\n').map_or(0, |i| i + 1);
    let end = text[hi..].find('\n').map_or(text.len(), |i| hi + i);
    Some(start..end)
}

/// `text` with every character in `range` but line breaks made a space.
fn blank(text: &str, range: Range<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..range.start]);
    out.extend(
        text[range.clone()]
            .chars()
            .map(|c| if c == '\n' || c == '\r' { c } else { ' ' }),
    );
    out.push_str(&text[range.end..]);
    out
}

/// Splits a suite file into its experiment text (the `[validation]` lines
/// blanked out, every other line where it was) and its `[validation]`
/// table. Errors name the file, and the line and column where known.
pub fn split_validation(file: &str, text: &str) -> Result<(String, toml::Table), ExperimentError> {
    let syntax = |e: &toml::de::Error| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ExperimentError::Syntax {
            file: file.to_owned(),
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    };
    let root = DeTable::parse(text).map_err(|e| syntax(&e))?;
    let mut full: toml::Table = toml::from_str(text).map_err(|e| syntax(&e))?;
    let missing = || ExperimentError::Invalid {
        file: file.to_owned(),
        key: "validation".to_owned(),
        value: None,
        location: Location::Unknown,
        message: "required table is missing: every file of the validation suite is an \
                  experiment plus one `[validation]` table (docs/experiments.md, \"Validation \
                  suite\")"
            .to_owned(),
    };
    let Some(lines) = validation_lines(text, root.get_ref()) else {
        return Err(missing());
    };
    let table = match full.remove("validation") {
        Some(toml::Value::Table(t)) => t,
        Some(other) => {
            let (line, column) = line_col(text, lines.start);
            return Err(ExperimentError::Invalid {
                file: file.to_owned(),
                key: "validation".to_owned(),
                value: Some(other.to_string()),
                location: Location::At { line, column },
                message: "must be a table: `[validation]` followed by its keys".to_owned(),
            });
        }
        None => return Err(missing()),
    };
    let rest = blank(text, lines.clone());
    let left: Option<toml::Table> = toml::from_str(&rest).ok();
    if left.as_ref() != Some(&full) {
        let (line, column) = line_col(text, lines.start);
        return Err(ExperimentError::Invalid {
            file: file.to_owned(),
            key: "validation".to_owned(),
            value: None,
            location: Location::At { line, column },
            message: "the `[validation]` table must be written in one piece: its header and \
                      its keys on consecutive lines, with no other table or key between them \
                      (write `relative_to` as an inline table)"
                .to_owned(),
        });
    }
    Ok((rest, table))
}

/// Reads the keys of one `[validation]` table, for errors with locations.
struct Reader<'a> {
    cx: &'a Cx<'a>,
    table: &'a toml::Table,
    prefix: &'a str,
}

impl Reader<'_> {
    fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.prefix)
    }

    fn err(&self, k: &str, v: Option<&toml::Value>, message: impl Into<String>) -> ExperimentError {
        self.cx
            .invalid(&self.key(k), v.map(|v| v.to_string()), message)
    }

    fn missing(&self, k: &str, what: &str) -> ExperimentError {
        let mut e = self.err(k, None, format!("required key is missing: {what}"));
        // Point at the table, which is in the file, not at nothing.
        if let ExperimentError::Invalid { location, .. } = &mut e {
            let segs: Vec<String> = self.prefix.split('.').map(str::to_owned).collect();
            *location = self.cx.location(&segs, true);
        }
        e
    }

    fn unknown_keys(&self, allowed: &[&str]) -> Result<(), ExperimentError> {
        for (k, v) in self.table {
            if !allowed.contains(&k.as_str()) {
                let segs: Vec<String> = self
                    .prefix
                    .split('.')
                    .map(str::to_owned)
                    .chain([k.clone()])
                    .collect();
                return Err(ExperimentError::Invalid {
                    file: self.cx.file.to_owned(),
                    key: self.key(k),
                    value: Some(v.to_string()),
                    location: self.cx.location(&segs, true),
                    message: format!(
                        "unknown key; allowed: {}",
                        allowed
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// An optional string; `Some("")` is refused unless `empty_ok`.
    fn opt_text(&self, k: &str, what: &str) -> Result<Option<String>, ExperimentError> {
        match self.table.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(v @ toml::Value::String(_)) => {
                Err(self.err(k, Some(v), format!("must not be empty: {what}")))
            }
            Some(v) => Err(self.err(k, Some(v), format!("must be a string: {what}"))),
        }
    }

    fn text(&self, k: &str, what: &str) -> Result<String, ExperimentError> {
        self.opt_text(k, what)?
            .ok_or_else(|| self.missing(k, &format!("a string, {what}")))
    }

    /// One of `allowed`.
    fn choice(&self, k: &str, allowed: &[&str]) -> Result<Option<String>, ExperimentError> {
        let list = || {
            allowed
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self.table.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
            Some(v) => Err(self.err(k, Some(v), format!("allowed: one of {}", list()))),
        }
    }

    fn opt_number(&self, k: &str, what: &str) -> Result<Option<f64>, ExperimentError> {
        let x = match self.table.get(k) {
            None => return Ok(None),
            Some(toml::Value::Integer(i)) => *i as f64,
            Some(toml::Value::Float(x)) => *x,
            Some(v) => {
                return Err(self.err(k, Some(v), format!("must be a number: {what}")));
            }
        };
        if !x.is_finite() {
            let v = self.table.get(k);
            return Err(self.err(k, v, format!("must be a finite number: {what}")));
        }
        Ok(Some(x))
    }

    fn point(&self, k: &str, exp: &Experiment) -> Result<Option<PointRef>, ExperimentError> {
        let labels: Vec<String> = match &exp.sweep {
            Some(s) => s.points.iter().map(|p| p.label.clone()).collect(),
            None => vec!["all".to_owned()],
        };
        let shown = || {
            const SHOWN: usize = 8;
            let mut s = labels
                .iter()
                .take(SHOWN)
                .map(|l| format!("{l:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            if labels.len() > SHOWN {
                s.push_str(&format!(", … ({} in all)", labels.len()));
            }
            s
        };
        match self.table.get(k) {
            None => Ok(None),
            Some(v @ toml::Value::Integer(i)) => {
                if *i >= 0 && (*i as u64) < labels.len() as u64 {
                    Ok(Some(PointRef::Index(*i as usize)))
                } else {
                    Err(self.err(
                        k,
                        Some(v),
                        format!(
                            "no such point: the experiment has {} point{} (allowed: 0..={}, or a \
                             label: {})",
                            labels.len(),
                            if labels.len() == 1 { "" } else { "s" },
                            labels.len() - 1,
                            shown()
                        ),
                    ))
                }
            }
            Some(toml::Value::String(s)) if labels.contains(s) => {
                Ok(Some(PointRef::Label(s.clone())))
            }
            Some(v) => Err(self.err(
                k,
                Some(v),
                format!(
                    "allowed: a point index 0..={} or one of the point labels: {}",
                    labels.len() - 1,
                    shown()
                ),
            )),
        }
    }

    fn path(&self, k: &str, exp: &Experiment) -> Result<Option<String>, ExperimentError> {
        let names: Vec<&str> = exp.paths.iter().map(|p| p.name()).collect();
        match self.table.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) if names.contains(&s.as_str()) => Ok(Some(s.clone())),
            Some(v) => {
                let why = match v.as_str().and_then(IoPath::parse) {
                    Some(_) => "is not one of the paths this experiment runs",
                    None => "is not a path",
                };
                Err(self.err(
                    k,
                    Some(v),
                    format!(
                        "{why}; allowed: one of the experiment's `paths`: {}",
                        names
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
        }
    }
}

/// `id`: letters, digits, `.`, `_`, `-`.
fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= MAX_ID_CHARS
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Reads and checks a `[validation]` table against its experiment.
/// `text` is the whole file (for locations).
fn read_row(
    file: &str,
    text: &str,
    table: &toml::Table,
    exp: &Experiment,
) -> Result<RowSpec, ExperimentError> {
    let index = SpanIndex::parse(text).map_err(|e| ExperimentError::Syntax {
        file: file.to_owned(),
        line: 1,
        column: 1,
        message: e.message().trim().to_owned(),
    })?;
    let cx = Cx {
        file,
        text,
        index: &index,
        set_keys: &[],
        sweep_keys: &[],
        hardware_swept: false,
    };
    let r = Reader {
        cx: &cx,
        table,
        prefix: "validation",
    };
    r.unknown_keys(&KEYS)?;

    let id = r.text("id", "unique across the suite, e.g. \"V8\"")?;
    if !valid_id(&id) {
        return Err(r.err(
            "id",
            table.get("id"),
            format!(
                "allowed: 1 to {MAX_ID_CHARS} letters, digits, `.`, `_` or `-` (it names the row \
                 in --only and in the results)"
            ),
        ));
    }
    let title = r.text("title", "a short title")?;
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(r.err(
            "title",
            table.get("title"),
            format!(
                "is {} characters; allowed: at most {MAX_TITLE_CHARS} (put detail in `published` \
                 or `lacks`)",
                title.chars().count()
            ),
        ));
    }
    let category = r
        .choice("category", &CATEGORIES)?
        .ok_or_else(|| r.missing("category", &format!("one of {}", quoted(&CATEGORIES))))?;
    let source = r.text("source", "the citation: authors, title, venue, year")?;
    let r#where = r.text("where", "the table, figure or section of the source")?;
    let url = r.opt_text("url", "where the source can be read")?;
    if let Some(u) = &url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(r.err(
                "url",
                table.get("url"),
                "allowed: an address starting with https:// or http://",
            ));
        }
    }
    let published = r.text("published", "the figure as published, in words")?;
    let target = r
        .opt_number("target", "the published figure")?
        .ok_or_else(|| r.missing("target", "a number, the published figure"))?;
    let unit = r.text("unit", "the unit of the target, e.g. \"µs\" or \"×\"")?;
    let tolerance = r
        .opt_number("tolerance", "the allowed distance from the target, ≥ 0")?
        .ok_or_else(|| r.missing("tolerance", "a number ≥ 0"))?;
    if tolerance < 0.0 {
        return Err(r.err("tolerance", table.get("tolerance"), "allowed: a number ≥ 0"));
    }
    let tolerance_kind = match r
        .choice("tolerance_kind", &["relative", "absolute"])?
        .as_deref()
    {
        Some("relative") => ToleranceKind::Relative,
        Some(_) => ToleranceKind::Absolute,
        None => {
            return Err(r.missing(
                "tolerance_kind",
                "\"relative\" (a fraction of |target|) or \"absolute\" (in the target's unit)",
            ))
        }
    };
    if tolerance_kind == ToleranceKind::Relative && target == 0.0 {
        return Err(r.err(
            "tolerance_kind",
            table.get("tolerance_kind"),
            "a relative tolerance is a fraction of |target|, and target is 0: use \"absolute\"",
        ));
    }
    let why_tolerance = r.text("why_tolerance", "why this tolerance")?;
    let metric = r.text(
        "metric",
        "a `stats` key of the report, e.g. \"rtt_p50_ns\" or \"stream_goodput_gbps\"",
    )?;
    let path = r
        .path("path", exp)?
        .ok_or_else(|| r.missing("path", "one of the experiment's paths"))?;
    let point = r.point("point", exp)?.unwrap_or(PointRef::Index(0));
    let scale = r
        .opt_number("scale", "a multiplier, e.g. 1e-3 for ns → µs")?
        .unwrap_or(1.0);
    if scale == 0.0 {
        return Err(r.err(
            "scale",
            table.get("scale"),
            "allowed: a finite number other than 0 (default 1)",
        ));
    }
    let relation = match r.choice("relation", &["ratio", "difference"])?.as_deref() {
        Some("ratio") => Some(RelationKind::Ratio),
        Some(_) => Some(RelationKind::Difference),
        None => None,
    };
    let relative_to = match table.get("relative_to") {
        None => None,
        Some(toml::Value::Table(t)) => {
            let o = Reader {
                cx: &cx,
                table: t,
                prefix: "validation.relative_to",
            };
            o.unknown_keys(&RELATIVE_TO_KEYS)?;
            let other = OtherValue {
                path: o.path("path", exp)?.unwrap_or_else(|| path.clone()),
                point: o.point("point", exp)?.unwrap_or_else(|| point.clone()),
                metric: o
                    .opt_text("metric", "a `stats` key of the report")?
                    .unwrap_or_else(|| metric.clone()),
            };
            if other.path == path && same_point(&other.point, &point, exp) && other.metric == metric
            {
                return Err(r.err(
                    "relative_to",
                    table.get("relative_to"),
                    "names the row's own value (same path, point and metric); set at least one \
                     of `path`, `point`, `metric` to another",
                ));
            }
            Some(other)
        }
        Some(v) => {
            return Err(r.err(
                "relative_to",
                Some(v),
                "must be a table: { path = \"...\", point = ..., metric = \"...\" } (each \
                 optional, default the row's own)",
            ))
        }
    };
    match (&relative_to, relation) {
        (Some(_), None) => {
            return Err(r.missing(
                "relation",
                "with `relative_to`, \"ratio\" (value ÷ other) or \"difference\" (value − other)",
            ))
        }
        (None, Some(_)) => {
            return Err(r.err(
                "relation",
                table.get("relation"),
                "needs `relative_to`: the other value of the run to relate to",
            ))
        }
        _ => {}
    }
    Ok(RowSpec {
        id,
        title,
        category,
        source,
        r#where,
        url,
        published,
        target,
        unit,
        tolerance,
        tolerance_kind,
        why_tolerance,
        metric,
        path,
        point,
        scale,
        relative_to,
        relation,
        calibration_overlap: r.opt_text("calibration_overlap", "the CALIBRATION keys")?,
        lacks: r.opt_text("lacks", "what the model lacks")?,
    })
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

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
                if [TABLE_FILE, JSON_FILE, CSV_FILE].contains(&case.stem.as_str()) {
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
    /// `stats[metric].mean` of `path` at `point`, if the run has it.
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
                error: ExperimentError::ThreadPool {
                    message: e.to_string(),
                },
            })?
            .install(run_all),
        None => run_all(),
    };
    let mut rows = Vec::with_capacity(suite.cases.len());
    for (case, outcome) in suite.cases.iter().zip(outcomes) {
        let mut run = outcome.map_err(|error| SuiteError::Run {
            file: case.file.clone(),
            error,
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
        Some(Estimate { mean, .. }) => Ok(*mean),
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

// ---------------------------------------------------------------------------
// Presentation.

/// `x` with four significant digits, trailing zeros dropped; `-` when it is
/// not a number.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    // The exponent after rounding to 4 significant digits (9.9996 → 1.000e1).
    let sci = format!("{x:.3e}");
    let exp: i32 = sci
        .rsplit_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let decimals = (3 - exp).clamp(0, 15) as usize;
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s
}

fn with_unit(x: f64, unit: &str) -> String {
    format!("{} {unit}", number(x))
}

/// The tolerance as a reader wants it: `±25%` or `±3 µs`.
pub fn tolerance_text(spec: &RowSpec) -> String {
    match spec.tolerance_kind {
        ToleranceKind::Relative => format!("±{}%", number(spec.tolerance * 100.0)),
        ToleranceKind::Absolute => format!("±{}", with_unit(spec.tolerance, &spec.unit)),
    }
}

fn measured_text(r: &Row) -> String {
    r.measured
        .map_or_else(|| "-".to_owned(), |m| with_unit(m, &r.spec.unit))
}

/// `passed of total pass (P%)`, the percentage rounded down to 0.1 so it
/// never overstates.
pub fn pass_line(r: &SuiteReport) -> String {
    let pct = if r.total == 0 {
        0.0
    } else {
        (r.passed as f64 * 1000.0 / r.total as f64).floor() / 10.0
    };
    format!("{} of {} pass ({}%)", r.passed, r.total, number(pct))
}

/// Text for a Markdown table cell.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The suite's table in Markdown ([`TABLE_FILE`]): one row per row of the
/// suite — id, category, title, source and where, published, target,
/// measured, tolerance, result, note (what the model lacks, when failing) —
/// then a line `N of M pass (P%)`.
pub fn markdown(r: &SuiteReport) -> String {
    let mut o = String::new();
    o.push_str(
        "| id | category | title | source | published | target | measured | tolerance | result \
         | note |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in &r.rows {
        let s = &row.spec;
        let cite = format!("{}, {}", s.source, s.r#where);
        let source = match &s.url {
            Some(u) => format!(
                "[{}]({})",
                md_cell(&cite),
                u.replace(' ', "%20").replace(')', "%29")
            ),
            None => md_cell(&cite),
        };
        let cells = [
            md_cell(&s.id),
            md_cell(&s.category),
            md_cell(&s.title),
            source,
            md_cell(&s.published),
            md_cell(&with_unit(s.target, &s.unit)),
            md_cell(&measured_text(row)),
            md_cell(&tolerance_text(s)),
            if row.pass { "PASS" } else { "**FAIL**" }.to_owned(),
            md_cell(&row.note),
        ];
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(o, "\n{}", pass_line(r));
    o
}

/// Lays out `rows` (the first is the header) in columns two spaces apart;
/// `right[i]` right-aligns column `i`.
fn layout(rows: &[Vec<String>], right: &[bool]) -> String {
    let mut width = vec![0usize; right.len()];
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(right.len()) {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(width[i] - cell.chars().count());
            if right[i] {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The suite's table for a terminal: a header line, one aligned row per
/// row (id, category, path, target, measured, tolerance, result, title),
/// the notes of failing rows, and last `N of M pass (P%)`.
pub fn table(r: &SuiteReport) -> String {
    let mut out = format!(
        "validation suite {}: {} row{}{}\n\n",
        r.suite,
        r.total,
        if r.total == 1 { "" } else { "s" },
        if r.only.is_empty() {
            String::new()
        } else {
            format!(" (--only {})", r.only.join(","))
        }
    );
    let mut rows = vec![[
        "id",
        "category",
        "path",
        "target",
        "measured",
        "tolerance",
        "result",
        "title",
    ]
    .map(str::to_owned)
    .to_vec()];
    for row in &r.rows {
        let s = &row.spec;
        let path = match (&s.relative_to, s.relation) {
            (Some(o), Some(RelationKind::Ratio)) if o.path != s.path => {
                format!("{} ÷ {}", s.path, o.path)
            }
            (Some(o), Some(RelationKind::Difference)) if o.path != s.path => {
                format!("{} − {}", s.path, o.path)
            }
            _ => s.path.clone(),
        };
        rows.push(vec![
            s.id.clone(),
            s.category.clone(),
            path,
            with_unit(s.target, &s.unit),
            measured_text(row),
            tolerance_text(s),
            row.result.clone(),
            s.title.clone(),
        ]);
    }
    out.push_str(&layout(
        &rows,
        &[false, false, false, true, true, true, false, false],
    ));
    let failing: Vec<&Row> = r.rows.iter().filter(|r| !r.note.is_empty()).collect();
    if !failing.is_empty() {
        out.push_str("\nnotes:\n");
        for row in failing {
            let _ = writeln!(out, "  - {} {}: {}", row.spec.id, row.result, row.note);
        }
    }
    let _ = writeln!(out, "\n{}", pass_line(r));
    out
}

/// The suite's summary as pretty JSON ([`JSON_FILE`]), with a final line
/// break. Floats that are not finite become `null`.
pub fn json(r: &SuiteReport) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a suite report always serializes");
    s.push('\n');
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The suite as CSV ([`CSV_FILE`]): a header, then one row per row with its
/// keys and results; numbers exact (shortest round-trip form), empty where
/// there is none.
pub fn csv(r: &SuiteReport) -> String {
    let header = [
        "id",
        "category",
        "title",
        "source",
        "where",
        "url",
        "published",
        "target",
        "unit",
        "tolerance",
        "tolerance_kind",
        "metric",
        "path",
        "point",
        "relation",
        "relative_to_path",
        "relative_to_point",
        "relative_to_metric",
        "scale",
        "value",
        "other_value",
        "measured",
        "allowed",
        "result",
        "note",
        "file",
    ];
    let mut out = header.join(",");
    out.push('\n');
    let opt = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
    for row in &r.rows {
        let s = &row.spec;
        let kind = match s.tolerance_kind {
            ToleranceKind::Relative => "relative",
            ToleranceKind::Absolute => "absolute",
        };
        let relation = match s.relation {
            Some(RelationKind::Ratio) => "ratio",
            Some(RelationKind::Difference) => "difference",
            None => "",
        };
        let o = s.relative_to.as_ref();
        let point_text = |p: &PointRef| match p {
            PointRef::Index(i) => i.to_string(),
            PointRef::Label(l) => l.clone(),
        };
        let cells = [
            s.id.clone(),
            s.category.clone(),
            s.title.clone(),
            s.source.clone(),
            s.r#where.clone(),
            s.url.clone().unwrap_or_default(),
            s.published.clone(),
            s.target.to_string(),
            s.unit.clone(),
            s.tolerance.to_string(),
            kind.to_owned(),
            s.metric.clone(),
            s.path.clone(),
            point_text(&s.point),
            relation.to_owned(),
            o.map_or(String::new(), |o| o.path.clone()),
            o.map_or(String::new(), |o| point_text(&o.point)),
            o.map_or(String::new(), |o| o.metric.clone()),
            s.scale.to_string(),
            opt(row.value),
            opt(row.other_value),
            opt(row.measured),
            row.allowed.to_string(),
            row.result.clone(),
            row.note.clone(),
            row.file.clone(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------
// Writing the results directory.

/// Why the results directory cannot be written.
#[derive(Debug)]
pub enum WriteError {
    /// `--out` names something the command must not replace: a file, or a
    /// directory with files that are not a validation result (exit 2).
    NotOurs(String),
    /// Writing failed (exit 1).
    Io(io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::NotOurs(m) => write!(f, "{m}"),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for WriteError {}

fn ctx(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Checks, before anything runs, that `out` can be replaced by a results
/// directory: it does not exist (and its nearest existing ancestor is a
/// directory we can write to), or it is an empty directory, or it holds a
/// [`JSON_FILE`] whose `schema` is [`SCHEMA`] (an earlier result). Anything
/// else is refused, so `--out .` cannot wipe a directory.
pub fn check_out(out: &Path) -> Result<(), WriteError> {
    match fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(WriteError::NotOurs(format!(
            "--out {}: exists and is not a directory",
            out.display()
        ))),
        Ok(_) => {
            let empty = fs::read_dir(out)
                .map_err(|e| WriteError::Io(ctx(out, e)))?
                .next()
                .is_none();
            if empty || is_results_dir(out) {
                crate::report::check_dir(out).map_err(WriteError::Io)
            } else {
                Err(WriteError::NotOurs(format!(
                    "--out {}: exists and is not a validation results directory (no {JSON_FILE} \
                     with schema {SCHEMA:?}); it would be replaced as a whole, so choose a new or \
                     empty directory, or remove it",
                    out.display()
                )))
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            crate::report::check_dir(out).map_err(WriteError::Io)
        }
        Err(e) => Err(WriteError::Io(ctx(out, e))),
    }
}

fn is_results_dir(dir: &Path) -> bool {
    fs::read_to_string(dir.join(JSON_FILE))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v["schema"] == SCHEMA)
}

/// A directory removed with its contents when dropped, unless disarmed.
struct Scratch {
    path: PathBuf,
    armed: bool,
}

impl Scratch {
    fn new(parent: &Path, stem: &str, tag: &str) -> io::Result<Scratch> {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!(
            ".{stem}.{tag}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir(&path).map_err(|e| ctx(&path, e))?;
        Ok(Scratch { path, armed: true })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

fn write_file(path: &Path, body: &str) -> io::Result<()> {
    let mut f = fs::File::create(path).map_err(|e| ctx(path, e))?;
    f.write_all(body.as_bytes()).map_err(|e| ctx(path, e))?;
    f.sync_all().map_err(|e| ctx(path, e))
}

/// Writes the results into `out`: [`TABLE_FILE`], [`JSON_FILE`],
/// [`CSV_FILE`], and per row a subdirectory named after its file holding
/// that run's `summary.json`, `summary.csv`, histograms (as `run --out`
/// writes them) and `table.txt` (as `run` prints it).
///
/// Everything is written into a fresh hidden directory beside `out`, then
/// renamed to `out`; an earlier `out` is first renamed aside and removed
/// once the new one is in place, so `out` never holds a mix of two runs (a
/// crash between the two renames leaves the old results in the hidden
/// `.NAME.old-…` beside it). On any error nothing of the new results is left
/// behind. [`check_out`] refuses an `out` that is not ours to replace.
pub fn write_results(out: &Path, r: &SuiteReport) -> Result<(), WriteError> {
    check_out(out)?;
    let io = WriteError::Io;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            WriteError::NotOurs(format!(
                "--out {}: not a directory name that can be created",
                out.display()
            ))
        })?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io(ctx(&parent, e)))?;
    let mut tmp = Scratch::new(&parent, &name, "tmp").map_err(io)?;
    write_file(&tmp.path.join(TABLE_FILE), &markdown(r)).map_err(io)?;
    write_file(&tmp.path.join(JSON_FILE), &json(r)).map_err(io)?;
    write_file(&tmp.path.join(CSV_FILE), &csv(r)).map_err(io)?;
    for (row, run) in r.rows.iter().zip(&r.runs) {
        let sub = tmp.path.join(&row.results);
        crate::report::write_dir(&sub, run).map_err(io)?;
        write_file(&sub.join("table.txt"), &crate::report::table(run)).map_err(io)?;
    }
    sync_dir(&tmp.path);
    if out.exists() {
        let old = Scratch::new(&parent, &name, "old").map_err(io)?;
        // `old` is an empty directory: rename replaces it.
        fs::rename(out, &old.path).map_err(|e| io(ctx(out, e)))?;
        if let Err(e) = fs::rename(&tmp.path, out) {
            let _ = fs::rename(&old.path, out);
            return Err(io(ctx(out, e)));
        }
        tmp.armed = false;
        drop(old);
    } else {
        fs::rename(&tmp.path, out).map_err(|e| io(ctx(out, e)))?;
        tmp.armed = false;
    }
    sync_dir(&parent);
    Ok(())
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXP: &str = r#"name = "t"
profile = "kvm-modern-25g"
paths = ["baremetal", "virtio"]

[run]
duration_us = 500

[[flows]]
name = "rr"
kind = "request_response"
vm = 0
"#;

    const ROW: &str = r#"
[validation]
id = "V1"
title = "a title"
category = "rtt"
source = "Someone, A paper, Venue, 2020"
where = "Table 1"
published = "30 µs"
target = 30
unit = "µs"
tolerance = 0.25
tolerance_kind = "relative"
why_tolerance = "prose figure"
metric = "rtt_p50_ns"
path = "virtio"
relative_to = { path = "baremetal" }
relation = "difference"
scale = 1e-3 # ns → µs
"#;

    fn spec(target: f64, tolerance: f64, kind: ToleranceKind) -> RowSpec {
        let case = parse_case("t.toml", &format!("{EXP}{ROW}")).unwrap();
        RowSpec {
            target,
            tolerance,
            tolerance_kind: kind,
            ..case.row
        }
    }

    #[test]
    fn the_table_is_blanked_keeping_every_other_line_where_it_was() {
        // The table in the middle: top-level keys above, tables below.
        let (head, tail) = EXP.split_at(EXP.find("[run]").unwrap());
        let text = format!("{head}{ROW}\n{tail}");
        let (rest, table) = split_validation("t.toml", &text).unwrap();
        assert_eq!(rest.lines().count(), text.lines().count());
        for (a, b) in rest.lines().zip(text.lines()) {
            assert!(a.trim().is_empty() || a == b, "{a:?} vs {b:?}");
        }
        assert!(!rest.contains("validation"));
        assert_eq!(table["id"].as_str(), Some("V1"));
        // An error in the experiment part names its line in the file.
        let bad = text.replace("duration_us = 500", "duration_us = -5");
        let e = parse_case("t.toml", &bad).unwrap_err().to_string();
        let line = bad.lines().position(|l| l.contains("duration_us")).unwrap() + 1;
        assert!(e.starts_with(&format!("t.toml:{line}:")), "{e}");
    }

    #[test]
    fn a_table_split_around_another_is_refused() {
        let text = format!(
            "{EXP}\n[validation]\nid = \"V1\"\n[host]\nvms = 1\n[validation.relative_to]\npath = \"baremetal\"\n"
        );
        let e = split_validation("t.toml", &text).unwrap_err().to_string();
        assert!(e.contains("in one piece"), "{e}");
        let e = split_validation("t.toml", EXP).unwrap_err().to_string();
        assert!(
            e.contains("t.toml: validation: required table is missing"),
            "{e}"
        );
    }

    #[test]
    fn relative_and_absolute_tolerances() {
        let s = spec(30.0, 0.25, ToleranceKind::Relative);
        assert_eq!(allowance(&s), 7.5);
        assert!(passes(&s, 37.5) && passes(&s, 22.5) && passes(&s, 30.0));
        assert!(!passes(&s, 37.51) && !passes(&s, 22.49) && !passes(&s, f64::NAN));
        let neg = spec(-10.0, 0.1, ToleranceKind::Relative);
        assert!(passes(&neg, -10.9) && !passes(&neg, -11.1));
        let a = spec(30.0, 2.0, ToleranceKind::Absolute);
        assert!(passes(&a, 32.0) && passes(&a, 28.0) && !passes(&a, 32.001));
        let zero = spec(5.0, 0.0, ToleranceKind::Absolute);
        assert!(passes(&zero, 5.0) && !passes(&zero, 5.0000001));
    }

    #[test]
    fn ratio_difference_and_scale() {
        let mut s = spec(1.0, 0.1, ToleranceKind::Relative);
        s.scale = 1e-3;
        s.relation = Some(RelationKind::Difference);
        assert_eq!(combine(&s, 12_000.0, Some(5_000.0)), Ok(7.0));
        s.relation = Some(RelationKind::Ratio);
        s.scale = 1.0;
        assert_eq!(combine(&s, 12_000.0, Some(6_000.0)), Ok(2.0));
        assert!(combine(&s, 1.0, Some(0.0)).unwrap_err().contains("is 0"));
        s.relation = None;
        s.relative_to = None;
        s.scale = 2.0;
        assert_eq!(combine(&s, 4.0, None), Ok(8.0));
    }

    #[test]
    fn numbers_have_four_significant_digits() {
        assert_eq!(number(30.0), "30");
        assert_eq!(number(7.41234), "7.412");
        assert_eq!(number(9.99996), "10");
        assert_eq!(number(52866.4), "52866");
        assert_eq!(number(0.012345), "0.01235");
        assert_eq!(number(1.8889), "1.889");
        assert_eq!(number(-0.00001), "-0.00001");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "-");
    }

    #[test]
    fn ids_sort_with_numbers_as_numbers() {
        let mut v = vec!["V10", "V2", "V1b", "V1", "V1a", "A"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["A", "V1", "V1a", "V1b", "V2", "V10"]);
    }

    #[test]
    fn near_metric_names_are_suggested() {
        assert_eq!(edit_distance("rtt_p50_ns", "rtt_p50_ns"), 0);
        assert_eq!(edit_distance("rtt_p05_ns", "rtt_p50_ns"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
