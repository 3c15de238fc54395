//! The checking primitives of validation, shared by `validate` (the spec as
//! a whole), `vpc` (its `[vpc]` table), `sweep` and `validation`: the
//! context errors are made in ([`Cx`]), how values appear in messages, and
//! the checks of a time key and of an integer range. It uses none of those
//! modules, so `validate` can use `vpc` while both use this, and no arrow
//! runs back.

use super::error::{line_col, ExperimentError, Location, SpanIndex};
use crate::sim::SimDuration;

/// Largest time key \[µs\] (`duration_us`, `drain_us`, `on_us`, …): 1e9 µs
/// (about 17 minutes of simulated time) keeps picoseconds far from `u64`'s end.
pub(super) const MAX_US: f64 = 1e9;

/// What validation needs besides the spec: the file's name and text for
/// messages, and which keys `--set` wrote.
pub(crate) struct Cx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub index: &'a SpanIndex<'a>,
    pub set_keys: &'a [Vec<String>],
    /// Keys a `[sweep]` axis wrote (empty outside a sweep point).
    pub sweep_keys: &'a [Vec<String>],
    /// A sweep point whose axes can change a hardware limit (VMs, VFs,
    /// NICs, profile): a path past it is infeasible there, not an error.
    pub hardware_swept: bool,
}

impl Cx<'_> {
    /// Where `key` (dotted) is: in a `--set`, in the file, or (for a missing
    /// key) at the nearest table that is in the file.
    pub fn location(&self, key: &[String], on_key: bool) -> Location {
        let under = |written: &[Vec<String>]| written.iter().any(|w| key.starts_with(w));
        if under(self.sweep_keys) {
            return Location::FromSweep;
        }
        if under(self.set_keys) {
            return Location::FromSet;
        }
        for n in (1..=key.len()).rev() {
            if let Some((k, v)) = self.index.lookup(&key[..n]) {
                let at = if on_key && n == key.len() { k } else { v };
                let (line, column) = line_col(self.text, at.start);
                return Location::At { line, column };
            }
        }
        Location::Unknown
    }

    /// An error about `key` (dotted), with its value if it has one.
    pub fn invalid(
        &self,
        key: &str,
        value: Option<String>,
        message: impl Into<String>,
    ) -> ExperimentError {
        let segs: Vec<String> = key.split('.').map(str::to_owned).collect();
        ExperimentError::Invalid {
            file: self.file.to_owned(),
            key: key.to_owned(),
            value,
            location: self.location(&segs, false),
            message: message.into(),
        }
    }

    /// The error toml's deserializer reported for `doc` (the file, or the file
    /// with the overrides applied), mapped to a dotted key of the file.
    pub fn de_error(&self, doc: &str, e: &toml::de::Error) -> ExperimentError {
        let raw = e.message().trim();
        let mut on_key = false;
        let mut path = match (e.span(), SpanIndex::parse(doc)) {
            (Some(span), Ok(idx)) => {
                let found = idx.find(span);
                on_key = found.on_key;
                found.path
            }
            _ => Vec::new(),
        };
        let message = if let Some(field) = backticked(raw, "missing field ") {
            path.push(field.to_owned());
            "required key is missing".to_owned()
        } else {
            tidy(raw)
        };
        let key = if path.is_empty() {
            "(top level)".to_owned()
        } else {
            path.join(".")
        };
        ExperimentError::Invalid {
            file: self.file.to_owned(),
            key,
            value: None,
            location: self.location(&path, on_key),
            message,
        }
    }
}

/// The name in `` prefix`name` ``, if `msg` starts so.
fn backticked<'m>(msg: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = msg.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split('`').next()
}

/// serde's wording, in the file's terms.
pub(super) fn tidy(msg: &str) -> String {
    msg.replace("unknown field", "unknown key")
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected an integer")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected u32", "expected a non-negative integer")
}

/// A value the user gave, exactly: as written by Rust's shortest
/// round-trip formatting, in scientific notation when that is shorter.
pub(crate) fn val(x: f64) -> String {
    let plain = x.to_string();
    let sci = format!("{x:e}");
    if plain.len() > 8 && sci.len() < plain.len() {
        sci
    } else {
        plain
    }
}

/// A computed number for a message (a limit): six significant digits, plain
/// when moderate, scientific otherwise.
pub(crate) fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    if (1e-4..1e9).contains(&x.abs()) {
        // Six significant digits.
        let decimals = (5 - x.abs().log10().floor() as i32).clamp(0, 9) as usize;
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        let s = format!("{:.4e}", x);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        format!("{m}e{e}")
    }
}

fn us_duration(us: f64) -> SimDuration {
    SimDuration::from_ps((us * 1e6).round() as u64)
}

/// A time key \[µs\]: finite, `> 0` (or `≥ 0` with `zero_ok`), at most
/// [`MAX_US`], and (when positive) at least one picosecond.
pub(crate) fn check_us(
    cx: &Cx,
    key: &str,
    us: f64,
    zero_ok: bool,
) -> Result<SimDuration, ExperimentError> {
    let lower = if zero_ok { "≥ 0" } else { "> 0" };
    let ok = us.is_finite() && us <= MAX_US && if zero_ok { us >= 0.0 } else { us > 0.0 };
    if !ok {
        return Err(cx.invalid(
            key,
            Some(val(us)),
            format!("allowed a number of µs {lower} and ≤ {}", num(MAX_US)),
        ));
    }
    let d = us_duration(us);
    if !zero_ok && d.as_ps() == 0 {
        return Err(cx.invalid(
            key,
            Some(val(us)),
            "shorter than the model's 1 ps resolution; allowed at least 0.000001 µs",
        ));
    }
    Ok(d)
}

/// An integer key in `lo..=hi`; `what` (its unit, or empty) follows the
/// range in the message.
pub(crate) fn check_range(
    cx: &Cx,
    key: &str,
    v: i64,
    lo: i64,
    hi: i64,
    what: &str,
) -> Result<i64, ExperimentError> {
    if (lo..=hi).contains(&v) {
        return Ok(v);
    }
    let sep = if what.is_empty() { "" } else { " " };
    Err(cx.invalid(
        key,
        Some(v.to_string()),
        format!("allowed {lo}..={hi}{sep}{what}"),
    ))
}
