//! Experiment files: TOML in, validated host configurations out, and the
//! parallel runner that turns them into a [`RunReport`].
//!
//! Two phases, as ripgrep's `lowargs`/`hiargs` (STYLE.md point 7):
//! 1. the text is parsed into a TOML table, `--set` [`Override`]s are applied
//!    to that table, and the result is read into the plain serde structs of
//!    [`spec`] (every table refuses unknown keys);
//! 2. validation checks every range, applies defaults and `[costs]`, expands
//!    `vm = "all"` and turns loads into packet intervals, giving an
//!    [`Experiment`] whose [`Experiment::host_config`] the engine can trust.
//!
//! Every failure is an [`ExperimentError`] naming the file, the dotted key
//! (`flows.0.load`), the bad value and what is allowed, with the line and
//! column in the file where the key is there (or "from --set").
//!
//! # The file
//! ```toml
//! name = "compare"            # required
//! description = "..."         # optional
//! seed = 1                    # master seed, default 1
//! profile = "kvm-modern-25g"  # a built-in profile (`enisim profiles`)
//! paths = ["virtio", "sriov"] # default: all five
//!
//! [run]
//! duration_us = 20000         # traffic window [µs], default 10000
//! packets = 200000            # optional cap on packets generated per path
//! drain_us = 10000            # time after the window for packets in flight [µs]
//!
//! [host]
//! vms = 4                     # 1..=4096, default 1
//! passthrough_nic_per_vm = true
//!
//! [costs]                     # any profile field, same name and type
//! exit_cycles = 3000
//!
//! [[flows]]
//! name = "rx"
//! kind = "rx"                 # rx | tx | vm_to_vm | request_response
//! vm = "all"                  # index, or "all" = one flow per VM ("rx.vm0", ...)
//! arrival = "poisson"         # constant | poisson | on_off (with on_us, off_us)
//! size = "imix"               # "imix" | bytes | { uniform = [lo, hi] }
//! load = 0.05                 # or rate_gbps, or rate_pps (exactly one)
//! ```
//! A `request_response` flow has `vm` (the server), `client` (`"external"`
//! or a VM), `request_bytes`, `response_bytes`, `outstanding` and `think_us`
//! instead of the open-loop keys; a `vm_to_vm` flow adds `dst_vm`.
//!
//! [`validation`] reads the files of the validation suite: an experiment
//! plus a `[validation]` table holding a published figure to compare with.

pub mod builtin;
mod check;
mod error;
mod runner;
mod set;
pub mod shard;
pub mod spec;
pub mod stats;
mod sweep;
mod validate;
pub mod validation;
mod vpc;

pub use error::{ExperimentError, Location};
pub use runner::{
    assemble, hgrm_name, jobs, run_experiment, run_experiment_with, run_jobs, strip_timing,
    AxisReport, Bottleneck, Comparison, Flexibility, Job, Outcome, PathPoint, PointReport,
    Relation, RunReport, UnitCosts, COMPARED, SCHEMA_VERSION, WALL_CLOCK_FIELDS,
};
#[cfg(test)]
pub(crate) use runner::{bottleneck, saturated, stats_of};
pub use set::Override;
pub use stats::Estimate;
pub use sweep::{default_label, value_text, Axis, Point, Sweep, MAX_POINTS, MAX_REPLICATIONS};

use crate::model::{ControlTiming, FlowConfig, HostConfig, IoPath, Profile};
use check::Cx;
use error::{line_col, SpanIndex};
use spec::ExperimentSpec;
use std::borrow::Cow;
use std::path::Path;

/// A validated experiment: the same host, profile and traffic, to be run once
/// per I/O path.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// The file it came from, as the user named it (for messages).
    pub source: String,
    /// Experiment name.
    pub name: String,
    /// Free text from the file.
    pub description: Option<String>,
    /// Master seed.
    pub seed: u64,
    /// The I/O paths to run, in report order, without repeats.
    pub paths: Vec<IoPath>,
    /// Everything but the path: profile (with `[costs]` applied), VMs,
    /// expanded flows, window, cap, drain, seed. `base.path` is the first of
    /// [`Experiment::paths`]; use [`Experiment::host_config`].
    pub base: HostConfig,
    /// The `[costs]` overrides applied, as `key = value`, sorted by key.
    pub cost_overrides: Vec<String>,
    /// With a `[vpc]`: the control-plane durations of each path.
    pub vpc_timing: Vec<(IoPath, ControlTiming)>,
    /// The experiment as run: the file's table with every `--set` applied.
    pub as_run: toml::Table,
    /// The `[sweep]`, if the file has one: every point validated. The rest
    /// of this struct is then point 0 (with `as_run` the whole file).
    pub sweep: Option<Sweep>,
}

/// `table` read into the spec structs; `text` is the file, used as is when
/// `pristine` (no key was changed), else the table is written out first so
/// that errors point into what was read.
fn read_spec(
    table: &toml::Table,
    text: &str,
    pristine: bool,
    cx: &Cx,
) -> Result<ExperimentSpec, ExperimentError> {
    let doc: Cow<'_, str> = if pristine {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(toml::to_string(table).map_err(|e| {
            ExperimentError::Set {
                file: Some(cx.file.to_owned()),
                arg: cx
                    .set_keys
                    .iter()
                    .chain(cx.sweep_keys)
                    .map(|k| k.join("."))
                    .collect::<Vec<_>>()
                    .join(", "),
                message: format!("the result is not a TOML document: {e}"),
            }
        })?)
    };
    toml::from_str(&doc).map_err(|e| cx.de_error(&doc, &e))
}

impl Experiment {
    /// Parses and validates the experiment in `text`; `file` names it in
    /// errors. `overrides` are applied in order before validation.
    pub fn from_toml(
        file: &str,
        text: &str,
        overrides: &[Override],
    ) -> Result<Experiment, ExperimentError> {
        let syntax = |e: &toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ExperimentError::Syntax {
                file: file.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        };
        let index = SpanIndex::parse(text).map_err(|e| syntax(&e))?;
        let mut table: toml::Table = toml::from_str(text).map_err(|e| syntax(&e))?;
        for o in overrides {
            o.apply(&mut table, file)?;
        }
        let set_keys: Vec<Vec<String>> = overrides.iter().map(|o| o.key().to_vec()).collect();
        let cx = Cx {
            file,
            text,
            index: &index,
            set_keys: &set_keys,
            sweep_keys: &[],
            hardware_swept: false,
        };
        let spec = read_spec(&table, text, overrides.is_empty(), &cx)?;
        let Some(sweep_spec) = spec.sweep.clone() else {
            let mut exp = validate::validate(spec, &cx)?;
            exp.as_run = table;
            return Ok(exp);
        };
        let (axes, replications) = sweep::axes(&sweep_spec, &cx)?;
        // A `--set` of a key an axis sets would be overwritten at every
        // point while the record of the run kept it: refused.
        for o in overrides {
            let set = o.key().join(".");
            if let Some((i, k)) = axes.iter().enumerate().find_map(|(i, a)| {
                a.keys
                    .iter()
                    .find(|k| sweep::overlaps(k, &set))
                    .map(|k| (i, k))
            }) {
                return Err(ExperimentError::Set {
                    file: Some(file.to_owned()),
                    arg: format!("{set}={}", o.value()),
                    message: format!(
                        "sweep axis {i} sets `{k}` at every point; change the axis's values \
                         instead"
                    ),
                });
            }
        }
        let mut points = Vec::new();
        for (index, combo) in sweep::combinations(&axes).into_iter().enumerate() {
            let values: Vec<toml::Value> = axes
                .iter()
                .zip(&combo)
                .map(|(a, &i)| a.values[i].clone())
                .collect();
            let label = sweep::point_label(&axes, &values);
            let wrap = |error: ExperimentError| ExperimentError::SweepPoint {
                index,
                label: label.clone(),
                error: Box::new(error),
            };
            let mut point_table = table.clone();
            point_table.remove("sweep");
            let mut sweep_keys = Vec::new();
            for (ai, (a, v)) in axes.iter().zip(&values).enumerate() {
                for k in &a.keys {
                    let o = Override::new(k, v.clone())?;
                    o.apply(&mut point_table, file).map_err(|e| {
                        // Name the axis, not a `--set` the user never gave.
                        let message = match e {
                            ExperimentError::Set { message, .. } => message,
                            other => other.to_string(),
                        };
                        wrap(cx.invalid(
                            &format!("sweep.axes.{ai}.key"),
                            Some(format!("{k:?}")),
                            message,
                        ))
                    })?;
                    sweep_keys.push(o.key().to_vec());
                }
            }
            let point_cx = Cx {
                sweep_keys: &sweep_keys,
                hardware_swept: axes
                    .iter()
                    .flat_map(|a| &a.keys)
                    .any(|k| sweep::touches_hardware(k)),
                ..cx
            };
            let spec = read_spec(&point_table, text, false, &point_cx).map_err(&wrap)?;
            let mut exp = validate::validate(spec, &point_cx).map_err(&wrap)?;
            exp.as_run = point_table;
            points.push(sweep::Point {
                index,
                values,
                label,
                exp,
            });
        }
        // Replication r runs with seed + r: the last must stay a seed.
        let seed = points[0].exp.seed;
        if seed > i64::MAX as u64 - u64::from(replications - 1) {
            return Err(cx.invalid(
                "sweep.replications",
                Some(replications.to_string()),
                format!(
                    "replication r runs with seed + r, and seed {seed} + {} passes the largest \
                     seed ({}); lower the seed or the replications",
                    replications - 1,
                    i64::MAX
                ),
            ));
        }
        let runs = points.len() * replications as usize * points[0].exp.paths.len();
        if runs > sweep::MAX_RUNS {
            return Err(cx.invalid(
                "sweep",
                None,
                format!(
                    "{} points × {replications} replications × {} paths is {runs} runs; allowed \
                     at most {}",
                    points.len(),
                    points[0].exp.paths.len(),
                    sweep::MAX_RUNS
                ),
            ));
        }
        let mut exp = points[0].exp.clone();
        exp.as_run = table;
        exp.sweep = Some(Sweep {
            axes,
            replications,
            points,
        });
        Ok(exp)
    }

    /// Reads and validates the experiment file at `path`.
    pub fn from_file(path: &Path, overrides: &[Override]) -> Result<Experiment, ExperimentError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ExperimentError::Read {
            file: file.clone(),
            source,
        })?;
        Experiment::from_toml(&file, &text, overrides)
    }

    /// The configuration of one run: the experiment's host and traffic on
    /// `path`.
    pub fn host_config(&self, path: IoPath) -> HostConfig {
        let mut cfg = HostConfig {
            path,
            ..self.base.clone()
        };
        if let Some(v) = cfg.vpc.as_mut() {
            v.timing = self.control_timing(path);
        }
        cfg
    }

    /// How long control-plane changes take on `path`: the `[vpc.timing]`
    /// of the experiment, or the path's defaults without a `[vpc]`.
    pub(crate) fn control_timing(&self, path: IoPath) -> ControlTiming {
        self.vpc_timing
            .iter()
            .find(|(p, _)| *p == path)
            .map_or_else(|| vpc::default_timing(path), |(_, t)| *t)
    }

    /// One configuration per path, in [`Experiment::paths`] order.
    pub fn host_configs(&self) -> Vec<HostConfig> {
        self.paths.iter().map(|&p| self.host_config(p)).collect()
    }

    /// The cost profile, `[costs]` applied.
    pub fn profile(&self) -> &Profile {
        &self.base.profile
    }

    /// The flows after `vm = "all"` expansion.
    pub fn flows(&self) -> &[FlowConfig] {
        &self.base.flows
    }
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod sweep_tests;
