//! The validation suite's results ([`crate::experiment::validation`]) as a
//! reader sees them — a Markdown table, a terminal table, JSON and CSV — and
//! the results directory, written whole.

use super::csv::field as csv_field;
use super::dir::{ctx, sync_dir, write_synced, TempDir};
use crate::experiment::validation::{
    PointRef, RelationKind, Row, RowSpec, SuiteReport, ToleranceKind, CSV_FILE, JSON_FILE, SCHEMA,
    TABLE_FILE, TEXT_FILE,
};
use std::ffi::OsStr;
use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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
                super::markdown::cell(&cite),
                u.replace(' ', "%20").replace(')', "%29")
            ),
            None => super::markdown::cell(&cite),
        };
        let cells = [
            super::markdown::cell(&s.id),
            super::markdown::cell(&s.category),
            super::markdown::cell(&s.title),
            source,
            super::markdown::cell(&s.published),
            super::markdown::cell(&with_unit(s.target, &s.unit)),
            super::markdown::cell(&measured_text(row)),
            super::markdown::cell(&tolerance_text(s)),
            if row.pass { "PASS" } else { "**FAIL**" }.to_owned(),
            super::markdown::cell(&row.note),
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
                super::check_dir(out).map_err(WriteError::Io)
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
            super::check_dir(out).map_err(WriteError::Io)
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

/// Writes the results into `out`: [`TABLE_FILE`], [`TEXT_FILE`], [`JSON_FILE`],
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
    let mut tmp = TempDir::tagged(&parent, OsStr::new(&name), "tmp").map_err(io)?;
    write_synced(&tmp.path.join(TABLE_FILE), &markdown(r)).map_err(io)?;
    write_synced(&tmp.path.join(TEXT_FILE), &table(r)).map_err(io)?;
    write_synced(&tmp.path.join(JSON_FILE), &json(r)).map_err(io)?;
    write_synced(&tmp.path.join(CSV_FILE), &csv(r)).map_err(io)?;
    for (row, run) in r.rows.iter().zip(&r.runs) {
        let sub = tmp.path.join(&row.results);
        super::write_dir(&sub, run).map_err(io)?;
        write_synced(&sub.join("table.txt"), &super::table(run)).map_err(io)?;
    }
    sync_dir(&tmp.path);
    if out.exists() {
        let old = TempDir::tagged(&parent, OsStr::new(&name), "old").map_err(io)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
