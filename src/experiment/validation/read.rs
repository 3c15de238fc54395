//! Reading one suite file: the `[validation]` lines blanked out of the
//! experiment's text, and the table's keys checked with file, line, key and
//! what is allowed.

use super::{
    same_point, OtherValue, PointRef, RelationKind, RowSpec, ToleranceKind, CATEGORIES, KEYS,
    MAX_ID_CHARS, MAX_TITLE_CHARS, RELATIVE_TO_KEYS,
};
use crate::experiment::check::Cx;
use crate::experiment::error::{line_col, Location, SpanIndex};
use crate::experiment::{Experiment, ExperimentError};
use crate::model::IoPath;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

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
pub(super) fn read_row(
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
