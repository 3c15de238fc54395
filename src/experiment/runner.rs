//! Runs every path of an experiment in parallel and collects one report.
//!
//! Paths are independent runs of [`crate::model::run`], each with the same
//! seed and traffic, so running them on 1 or N threads gives the same results;
//! only the wall-clock fields in [`crate::metrics::SimSpeed`] differ, and
//! [`strip_timing`] zeroes them for comparisons.

use super::{Experiment, ExperimentError};
use crate::metrics::PathResult;
use crate::model::{self, IoPath};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Version of the [`RunReport`] layout in JSON; bumped when a key changes
/// meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one run of an experiment produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Experiment name.
    pub experiment: String,
    /// Master seed.
    pub seed: u64,
    /// Cost profile name (see `notes` for `[costs]` overrides).
    pub profile: String,
    /// One result per path, in the experiment's path order.
    pub paths: Vec<PathResult>,
    /// Things a reader of the numbers should know.
    pub notes: Vec<String>,
    /// The enisim version that produced it.
    #[serde(default)]
    pub enisim_version: String,
    /// The experiment as run: its file with every `--set` applied.
    #[serde(default)]
    pub experiment_as_run: toml::Table,
}

/// Runs `exp` on every path, in parallel: on a pool of `threads` workers if
/// given, else on rayon's global pool. Results keep the experiment's path
/// order. The first path (in that order) the engine refuses is the error.
pub fn run_experiment(
    exp: &Experiment,
    threads: Option<usize>,
) -> Result<RunReport, ExperimentError> {
    let configs = exp.host_configs();
    let run_all = || -> Vec<(IoPath, Result<PathResult, model::BuildError>)> {
        configs
            .par_iter()
            .map(|cfg| (cfg.path, run_timed(cfg)))
            .collect()
    };
    let outcomes = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            // More threads than paths would only idle.
            .num_threads(n.clamp(1, configs.len().max(1)))
            .build()
            .map_err(|e| ExperimentError::ThreadPool {
                message: e.to_string(),
            })?
            .install(run_all),
        None => run_all(),
    };
    let mut paths = Vec::with_capacity(outcomes.len());
    for (path, outcome) in outcomes {
        paths.push(outcome.map_err(|error| ExperimentError::Build {
            file: exp.source.clone(),
            path,
            error,
        })?);
    }
    let notes = notes(exp, &paths);
    Ok(RunReport {
        schema_version: SCHEMA_VERSION,
        experiment: exp.name.clone(),
        seed: exp.seed,
        profile: exp.base.profile.name.clone(),
        paths,
        notes,
        enisim_version: env!("CARGO_PKG_VERSION").to_owned(),
        experiment_as_run: exp.as_run.clone(),
    })
}

/// One `model::run`, with the wall-clock fields filled in.
fn run_timed(cfg: &model::HostConfig) -> Result<PathResult, model::BuildError> {
    let start = Instant::now();
    let mut r = model::run(cfg)?;
    let wall = start.elapsed().as_secs_f64();
    r.sim.wall_s = wall;
    if wall > 0.0 {
        r.sim.packets_per_s = r.generated as f64 / wall;
        r.sim.events_per_s = r.sim.events as f64 / wall;
    } else {
        r.sim.packets_per_s = 0.0;
        r.sim.events_per_s = 0.0;
    }
    Ok(r)
}

fn notes(exp: &Experiment, paths: &[PathResult]) -> Vec<String> {
    let mut notes = Vec::new();
    if !exp.cost_overrides.is_empty() {
        notes.push(format!(
            "profile {} with [costs] overrides: {}",
            exp.base.profile.name,
            exp.cost_overrides.join(", ")
        ));
    }
    if let Some(pt) = paths
        .iter()
        .find(|p| p.path == IoPath::Passthrough.name() && p.nics > 1)
    {
        notes.push(format!(
            "passthrough used {} physical NICs (one per VM); the other paths share one",
            pt.nics
        ));
    }
    if let (Some(max), Some(first)) = (exp.base.max_packets, paths.first()) {
        let full = exp.base.window.as_ps() as f64 / 1e6;
        if first.window_us < full {
            notes.push(format!(
                "run.packets ({max}) ended the traffic window at {:.1} µs (of {full:.1} µs); \
                 rates are over that window",
                first.window_us
            ));
        }
    }
    // Traffic is the same on every path: the first path's books tell.
    if let Some(first) = paths.first() {
        for w in &first.warnings {
            notes.push(format!("warning: {w}"));
        }
        for f in first.flows.iter().filter(|f| f.generated == 0) {
            notes.push(format!(
                "flow {} generated no packet in the traffic window ({} µs): its mean interval \
                 is longer than the window; raise its rate or run.duration_us",
                f.name,
                exp.base.window.as_ps() / 1_000_000
            ));
        }
    }
    for p in paths {
        let failed: Vec<String> = p
            .control
            .iter()
            .filter(|c| c.result != "ok")
            .map(|c| format!("{} at {:.3} ms: {}", c.action, c.at_us / 1000.0, c.result))
            .collect();
        if !failed.is_empty() {
            notes.push(format!(
                "{}: {} timeline action(s) failed, changing nothing: {}",
                p.path,
                failed.len(),
                failed.join("; ")
            ));
        }
    }
    for p in paths.iter().filter(|p| p.in_flight > 0) {
        notes.push(format!(
            "{}: {} packets were still in flight when the drain ended (not counted as delivered \
             or dropped)",
            p.path, p.in_flight
        ));
    }
    notes
}

/// Zeroes the wall-clock fields (`sim.wall_s`, `sim.packets_per_s`,
/// `sim.events_per_s`), the only ones that differ between two runs of the same
/// experiment and seed.
pub fn strip_timing(report: &mut RunReport) {
    for p in &mut report.paths {
        p.sim.wall_s = 0.0;
        p.sim.packets_per_s = 0.0;
        p.sim.events_per_s = 0.0;
    }
}
