//! `[sweep]`: axes over any key of the experiment, their cross product, and
//! replications.
//!
//! An axis names a dotted key exactly as `--set` does (`flows.0.load`,
//! `host.vms`, `costs.exit_cycles`, `costs.interrupt_delivery`) and the values
//! it takes, listed (`values = [64, 512, "imix"]`) or as a range (`from`,
//! `to`, `step`). Each point of the cross product is the file with the
//! point's values written in, then validated exactly like a file on its own:
//! a value out of range is an error naming the axis, the point and the rule,
//! before anything runs. Replication `r` of a point runs with seed
//! `seed + r`, so replications differ in their traffic and nothing else.
//!
//! ns-3 leaves sweeps to shell scripts around its binary, which makes "same
//! input, same bytes" the script's problem; here the whole sweep is one
//! deterministic job whose output does not depend on how it was scheduled.

use super::check::{check_range, Cx};
use super::error::ExperimentError;
use super::set::Override;
use super::spec::{AxisSpec, SweepSpec};
use super::Experiment;

/// Most points a sweep may have (the cross product of its axes).
pub const MAX_POINTS: usize = 10_000;
/// Most replications per point.
pub const MAX_REPLICATIONS: i64 = 1000;
/// Most runs (points × replications × paths) a sweep may make: all of
/// them are held in memory until the report is written.
pub const MAX_RUNS: usize = 100_000;
/// Most values one axis may have.
const MAX_AXIS_VALUES: usize = 10_000;

/// Top-level keys an axis may not set: they name the experiment or the sweep
/// itself, or are varied another way (`seed` by `replications`, `paths` on
/// every point anyway).
const FIXED_KEYS: [&str; 5] = ["name", "description", "seed", "paths", "sweep"];

/// One validated axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The keys it sets (one, or several linked ones), dotted.
    pub keys: Vec<String>,
    /// The values, in order; never empty.
    pub values: Vec<toml::Value>,
    /// Title for plots, with the unit.
    pub label: String,
}

impl Axis {
    /// The short name used in point labels: the first key.
    pub fn name(&self) -> &str {
        &self.keys[0]
    }
}

/// One point of the cross product, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Position in the sweep (0-based; the last axis varies fastest).
    pub index: usize,
    /// The value of each axis at this point, in axis order.
    pub values: Vec<toml::Value>,
    /// `key=value, key=value`.
    pub label: String,
    /// The experiment with this point's values written in.
    pub exp: Experiment,
}

/// A validated `[sweep]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The axes, outermost first.
    pub axes: Vec<Axis>,
    /// Runs of each point, with seeds `seed`, `seed + 1`, ….
    pub replications: u32,
    /// Every point of the cross product.
    pub points: Vec<Point>,
}

/// Whether two dotted keys set some of the same value: equal, or one is a
/// table holding the other (`host` and `host.vms`).
pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    let (x, y): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    let n = x.len().min(y.len());
    x[..n] == y[..n]
}

/// Whether an axis over `key` can change a hardware limit the host must
/// fit (VMs, VFs, NICs per VM, the profile): then a point past the limit
/// is infeasible for the paths it rules out, not an error of the file.
pub(crate) fn touches_hardware(key: &str) -> bool {
    [
        "host.vms",
        "host.passthrough_nic_per_vm",
        "costs.max_vfs",
        "profile",
    ]
    .iter()
    .any(|h| overlaps(key, h))
}

/// The default plot title of an axis over `key`, with its unit, from the
/// key's last segment (the units `docs/experiments.md` gives).
pub fn default_label(key: &str) -> String {
    // The last segment with a unit: `vpc.timing.attach_us.sriov` is in µs.
    let unit = key.rsplit('.').find_map(unit_of);
    match unit {
        Some(u) => format!("{key} [{u}]"),
        None => key.to_owned(),
    }
}

/// The unit of a key whose last segment is `last`, if known.
fn unit_of(last: &str) -> Option<&'static str> {
    match last {
        "load" => Some("fraction of line rate"),
        "size" | "request_bytes" | "response_bytes" => Some("B"),
        "rate_gbps" | "link_gbps" => Some("Gbit/s"),
        "rate_pps" => Some("packets/s"),
        "vms" => Some("VMs"),
        "max_vfs" => Some("VFs"),
        "cpu_mhz" => Some("MHz"),
        "hv_io_cores" => Some("cores"),
        "outstanding" => Some("requests"),
        "passthrough_nic_per_vm" => Some("off/on"),
        _ if last.ends_with("_us") => Some("µs"),
        _ if last.ends_with("_ns") => Some("ns"),
        _ if last.ends_with("_cycles") => Some("cycles"),
        _ if last.ends_with("_bytes") => Some("B"),
        _ if last.ends_with("_kib") => Some("KiB"),
        _ if last.ends_with("_ring") || last.ends_with("_backlog") => Some("slots"),
        _ => None,
    }
}

/// Checks the `[sweep]` table's own keys: replications in range, every axis
/// with keys that may be set and a non-empty list of values.
pub(crate) fn axes(spec: &SweepSpec, cx: &Cx) -> Result<(Vec<Axis>, u32), ExperimentError> {
    let replications = check_range(
        cx,
        "sweep.replications",
        spec.replications.unwrap_or(1),
        1,
        MAX_REPLICATIONS,
        "",
    )? as u32;
    let mut axes: Vec<Axis> = Vec::with_capacity(spec.axes.len());
    let mut points: usize = 1;
    for (i, a) in spec.axes.iter().enumerate() {
        let axis = axis(a, i, cx)?;
        for (n, k) in axis.keys.iter().enumerate() {
            // Every key set before this one: by an earlier axis, or earlier
            // in this one.
            let mut earlier = axes
                .iter()
                .enumerate()
                .flat_map(|(j, b)| b.keys.iter().map(move |o| (Some(j), o)))
                .chain(axis.keys[..n].iter().map(|o| (None, o)));
            if let Some((j, other)) = earlier.find(|(_, o)| overlaps(k, o)) {
                let who = j.map_or_else(|| "this axis".to_owned(), |j| format!("axis {j}"));
                return Err(cx.invalid(
                    &format!("sweep.axes.{i}.key"),
                    Some(format!("{k:?}")),
                    format!(
                        "{who} already sets {other:?}, which this key overlaps; a key can be \
                         set by one axis only"
                    ),
                ));
            }
        }
        points = points.saturating_mul(axis.values.len());
        axes.push(axis);
    }
    if points > MAX_POINTS {
        let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
        return Err(cx.invalid(
            "sweep.axes",
            None,
            format!(
                "the axes make {} points ({}); allowed at most {MAX_POINTS}",
                points,
                sizes.join(" × ")
            ),
        ));
    }
    Ok((axes, replications))
}

fn axis(a: &AxisSpec, i: usize, cx: &Cx) -> Result<Axis, ExperimentError> {
    let at = |k: &str| format!("sweep.axes.{i}.{k}");
    let keys: Vec<String> = match (&a.key, &a.keys) {
        (Some(k), None) => vec![k.clone()],
        (None, Some(ks)) if !ks.is_empty() => ks.clone(),
        (None, Some(_)) => {
            return Err(cx.invalid(&at("keys"), Some("[]".into()), "list at least one key"))
        }
        (Some(_), Some(_)) => {
            return Err(cx.invalid(
                &at("key"),
                None,
                "give `key` or `keys` (linked keys that take the same value), not both",
            ))
        }
        (None, None) => {
            return Err(cx.invalid(
                &at("key"),
                None,
                "required: the dotted key the axis sets, e.g. \"flows.0.load\" or \"host.vms\"",
            ))
        }
    };
    let field = if a.key.is_some() { "key" } else { "keys" };
    let mut normal = Vec::with_capacity(keys.len());
    for k in &keys {
        // As `--set` reads it: segments trimmed.
        let Ok(o) = Override::new(k, toml::Value::Boolean(true)) else {
            return Err(cx.invalid(
                &at(field),
                Some(format!("{k:?}")),
                "must be dotted names or indices, e.g. \"flows.0.load\"",
            ));
        };
        normal.push(o.key().join("."));
    }
    let keys = normal;
    for k in &keys {
        let top = k.split('.').next().unwrap_or("");
        if FIXED_KEYS.contains(&top) {
            return Err(cx.invalid(
                &at(field),
                Some(format!("{k:?}")),
                format!(
                    "`{top}` cannot be swept (name, description, seed, paths and sweep are \
                     fixed for a sweep); use sweep.replications for seeds"
                ),
            ));
        }
    }
    let values = match (&a.values, a.from, a.to, a.step) {
        (Some(v), None, None, None) => {
            if v.is_empty() {
                return Err(cx.invalid(
                    &at("values"),
                    Some("[]".into()),
                    "an axis needs at least one value",
                ));
            }
            if v.len() > MAX_AXIS_VALUES {
                return Err(cx.invalid(
                    &at("values"),
                    None,
                    format!("{} values; allowed at most {MAX_AXIS_VALUES}", v.len()),
                ));
            }
            v.clone()
        }
        (None, Some(from), Some(to), Some(step)) => range(from, to, step, &at, cx)?,
        (None, ..) => {
            return Err(cx.invalid(
                &at("values"),
                None,
                "give `values = [...]`, or all of `from`, `to` and `step`",
            ))
        }
        (Some(_), ..) => {
            return Err(cx.invalid(
                &at("values"),
                None,
                "give `values` or `from`/`to`/`step`, not both",
            ))
        }
    };
    let label = match &a.label {
        Some(l) if l.trim().is_empty() => {
            return Err(cx.invalid(&at("label"), Some("\"\"".into()), "must not be empty"))
        }
        Some(l) => l.clone(),
        None => default_label(&keys[0]),
    };
    Ok(Axis {
        keys,
        values,
        label,
    })
}

/// `from, from + step, …` up to `to` (included if a whole number of steps
/// away, within 1e-9 of a step). Integers if `from` and `step` are.
fn range(
    from: f64,
    to: f64,
    step: f64,
    at: &dyn Fn(&str) -> String,
    cx: &Cx,
) -> Result<Vec<toml::Value>, ExperimentError> {
    for (k, x) in [("from", from), ("to", to), ("step", step)] {
        if !x.is_finite() {
            return Err(cx.invalid(&at(k), Some(format!("{x:?}")), "must be a finite number"));
        }
    }
    if step <= 0.0 {
        return Err(cx.invalid(
            &at("step"),
            Some(format!("{step:?}")),
            "allowed: greater than 0",
        ));
    }
    if to < from {
        return Err(cx.invalid(
            &at("to"),
            Some(format!("{to:?}")),
            format!("allowed: at least `from` ({from:?})"),
        ));
    }
    let steps = (to - from) / step;
    if steps.is_nan() || steps >= MAX_AXIS_VALUES as f64 {
        return Err(cx.invalid(
            &at("step"),
            Some(format!("{step:?}")),
            format!(
                "from {from:?} to {to:?} in steps of {step:?} is more than {MAX_AXIS_VALUES} \
                 values; allowed at most {MAX_AXIS_VALUES}"
            ),
        ));
    }
    let n = (steps + 1e-9).floor() as usize + 1;
    let integral = from.fract() == 0.0 && step.fract() == 0.0 && to.abs().max(from.abs()) < 9e15;
    Ok((0..n)
        .map(|k| {
            let x = from + k as f64 * step;
            if integral {
                toml::Value::Integer(x.round() as i64)
            } else {
                // Twelve significant digits, whatever the magnitude: 0.1 + 2
                // × 0.1 is 0.3, not 0.30000000000000004, and 3e-10 stays 3e-10.
                toml::Value::Float(format!("{x:.11e}").parse().unwrap_or(x))
            }
        })
        .collect())
}

/// `value` as a label shows it: strings without quotes.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The cross product of `axes`, outermost first: each element holds one
/// value index per axis.
pub(crate) fn combinations(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new()];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..a.values.len()).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    out
}

/// `key=value, …` for a point.
pub(crate) fn point_label(axes: &[Axis], values: &[toml::Value]) -> String {
    if axes.is_empty() {
        return "all".to_owned();
    }
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{}={}", a.name(), value_text(v)))
        .collect::<Vec<_>>()
        .join(", ")
}
