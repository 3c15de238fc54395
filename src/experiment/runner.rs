//! Runs an experiment — every point of its sweep, every replication, every
//! path — in parallel, and collects one report.
//!
//! Each (point, replication, path) is an independent run of
//! [`crate::model::run`] whose inputs are fixed before any runs: the seed of
//! replication `r` is `seed + r`, the same on every path. Runs are collected
//! in job order whatever thread finished them, so 1 or N threads give the
//! same report; only the wall-clock fields in [`crate::metrics::SimSpeed`]
//! differ, and [`strip_timing`] zeroes them for comparisons.

use super::stats::{self, Estimate};
use super::{Experiment, ExperimentError};
use crate::metrics::{PathResult, ResourceUse};
use crate::model::virt::Capabilities;
use crate::model::{self, BuildError, InterruptDelivery, IoPath, Profile};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Version of the [`RunReport`] layout in JSON; bumped when a key changes
/// meaning or disappears. 2: results moved under `points[].paths[].runs[]`
/// to hold sweeps and replications. 3: each of `stats`' estimates has a
/// `value` (the mean, or a tail metric's median: `center`) and `ci95` is
/// its interval `[low, high]`, no longer a half-width.
pub const SCHEMA_VERSION: u32 = 3;

/// Everything one run of an experiment produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Experiment name.
    pub experiment: String,
    /// Master seed (replication `r` ran with `seed + r`).
    pub seed: u64,
    /// Cost profile name (see `notes` for `[costs]` overrides).
    pub profile: String,
    /// The enisim version that produced it.
    pub enisim_version: String,
    /// The sweep's axes, outermost first; empty without a `[sweep]`.
    pub axes: Vec<AxisReport>,
    /// Runs of every path at every point.
    pub replications: u32,
    /// One entry per point of the sweep (one without a sweep).
    pub points: Vec<PointReport>,
    /// Things a reader of the numbers should know.
    pub notes: Vec<String>,
    /// The experiment as run: its file with every `--set` applied.
    pub experiment_as_run: toml::Table,
}

/// One axis of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisReport {
    /// The dotted keys it set.
    pub keys: Vec<String>,
    /// Title with unit, for plots.
    pub label: String,
    /// Its values, in order.
    pub values: Vec<toml::Value>,
}

/// Costs of single events at one point, from its profile, for reading the
/// per-packet numbers (`exits_per_packet` × `exit_ns`, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitCosts {
    /// One VM exit and re-entry handled in the kernel \[ns\].
    pub exit_ns: f64,
    /// An exit handled in user space (a device model's register access) \[ns\].
    pub io_exit_user_ns: f64,
    /// An end-of-interrupt exit \[ns\] (taken without APICv, and for
    /// level-triggered vectors under every mode).
    pub eoi_exit_ns: f64,
    /// Injecting a virtual interrupt \[ns\].
    pub inject_ns: f64,
    /// A virtio kick \[ns\].
    pub kick_ns: f64,
    /// Copying one byte \[ns\].
    pub copy_ns_per_byte: f64,
    /// How interrupts reach a running vCPU (`injected`, `apicv`, `posted`).
    pub interrupt_delivery: InterruptDelivery,
    /// Virtual functions the NIC has.
    pub max_vfs: u32,
}

impl UnitCosts {
    /// The unit costs of profile `p`.
    pub fn of(p: &Profile) -> UnitCosts {
        let ns = |cycles: u32| p.cycles_ps(cycles as u64) as f64 / 1000.0;
        UnitCosts {
            exit_ns: ns(p.exit_cycles),
            io_exit_user_ns: ns(p.io_exit_user_cycles),
            eoi_exit_ns: ns(p.eoi_exit_cycles),
            inject_ns: ns(p.inject_cycles),
            kick_ns: ns(p.kick_cycles),
            copy_ns_per_byte: p.copy_millicycles_per_byte as f64 / p.cpu_mhz.max(1) as f64,
            interrupt_delivery: p.interrupt_delivery,
            max_vfs: p.max_vfs,
        }
    }
}

/// One point of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointReport {
    /// Position (0-based; the last axis varies fastest).
    pub index: usize,
    /// `key=value, …` (`all` without a sweep).
    pub label: String,
    /// The value of each axis here, in axis order.
    pub values: Vec<toml::Value>,
    /// Costs of single events at this point.
    pub unit_costs: UnitCosts,
    /// One entry per path, in the experiment's path order.
    pub paths: Vec<PathPoint>,
    /// Every ordered pair of feasible paths compared on the headline
    /// metrics, so that "how many times lower" is a number of the run.
    pub comparisons: Vec<Comparison>,
}

/// The metrics [`Comparison`] relates, by their `stats` names.
pub const COMPARED: [&str; 12] = [
    "latency_p50_ns",
    "latency_p99_ns",
    "latency_mean_ns",
    "rtt_p50_ns",
    "rtt_p99_ns",
    "transactions_per_s",
    "cpu_ns_per_packet",
    "host_cpu_ns_per_packet",
    "exits_per_packet",
    "stream_goodput_gbps",
    "service_demand_us_per_kb",
    "background_pct",
];

/// Path `b` against path `a` at one point, from the means over the
/// replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The reference path.
    pub a: String,
    /// The path compared with it.
    pub b: String,
    /// For each metric of [`COMPARED`] both paths have: b ÷ a and b − a.
    pub metrics: BTreeMap<String, Relation>,
}

/// One metric of path `b` relative to path `a`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// b ÷ a (how many times a's value b's is); absent when a's is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// b − a, in the metric's unit.
    pub diff: f64,
}

/// Every ordered pair of feasible paths of a point, in path order.
fn comparisons(paths: &[PathPoint]) -> Vec<Comparison> {
    let mut out = Vec::new();
    for a in paths.iter().filter(|p| p.infeasible.is_none()) {
        for b in paths.iter().filter(|p| p.infeasible.is_none()) {
            if a.path == b.path {
                continue;
            }
            let metrics = COMPARED
                .iter()
                .filter_map(|&m| {
                    let (x, y) = (a.stats.get(m)?.value, b.stats.get(m)?.value);
                    Some((
                        m.to_owned(),
                        Relation {
                            ratio: (x != 0.0).then(|| y / x),
                            diff: y - x,
                        },
                    ))
                })
                .collect();
            out.push(Comparison {
                a: a.path.clone(),
                b: b.path.clone(),
                metrics,
            });
        }
    }
    out
}

/// What a path can and cannot do, besides speed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flexibility {
    /// The path's own limits and abilities.
    #[serde(flatten)]
    pub capabilities: Capabilities,
    /// Attaching an ENI (hot-plugging this path's device) \[µs\]: the
    /// experiment's `[vpc.timing]` or the default for the path.
    pub eni_attach_us: f64,
    /// Detaching an ENI \[µs\].
    pub eni_detach_us: f64,
}

/// The busiest shared resource of a path at a point, and what that implies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    /// Resource name (`hv_io_cores`, `vm0.vcpu`, `nic0.pcie_up`, …).
    pub resource: String,
    /// Its utilization, mean over the runs, 0..=1.
    pub utilization: f64,
    /// 1 ÷ utilization: how many times this traffic the resource could
    /// carry before it saturates (queueing grows long before that); absent
    /// when it was idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headroom: Option<f64>,
}

/// One path at one point: its runs and their statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathPoint {
    /// I/O path name.
    pub path: String,
    /// Why the host cannot be built for this path at this point (more VMs
    /// than VFs, VMs sharing a passed-through NIC); then there are no runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infeasible: Option<String>,
    /// What the path allows.
    pub flexibility: Flexibility,
    /// The seed of each run.
    pub seeds: Vec<u64>,
    /// Every scalar metric over the runs ([`stats::metric_values`] names).
    pub stats: BTreeMap<String, Estimate>,
    /// The busiest resource, if the path has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottleneck: Option<Bottleneck>,
    /// Why the path is saturated at this point (offered more than it
    /// serves, in one run or more: see [`crate::metrics::Backlog`]), if it
    /// is: then its latency grows with the run's length or its buffers, a
    /// lower bound rather than a property of the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturated: Option<String>,
    /// The one-way latency histogram file of each run (`.hgrm`), if it
    /// delivered open-loop packets.
    pub hgrm: Vec<String>,
    /// The round-trip histogram file of each run, with request/response
    /// flows.
    pub rtt_hgrm: Vec<String>,
    /// Every run's full results, one per replication.
    pub runs: Vec<PathResult>,
}

impl RunReport {
    /// The first run of every feasible path at the first point: the whole
    /// result of an experiment without a sweep or replications.
    pub fn paths(&self) -> Vec<&PathResult> {
        self.points
            .first()
            .map(|p| p.paths.iter().filter_map(|pp| pp.runs.first()).collect())
            .unwrap_or_default()
    }

    /// True for one point and one replication (no sweep to show).
    pub fn is_single(&self) -> bool {
        self.points.len() == 1 && self.replications == 1 && self.axes.is_empty()
    }
}

/// Runs `exp` on every path, in parallel: on a pool of `threads` workers if
/// given, else on rayon's global pool. See [`run_experiment_with`].
pub fn run_experiment(
    exp: &Experiment,
    threads: Option<usize>,
) -> Result<RunReport, ExperimentError> {
    run_experiment_with(exp, threads, &|_, _| {})
}

/// Runs every point × replication × path of `exp` in parallel and calls
/// `progress(done, total)` as runs finish (from worker threads). Results
/// keep point, path and replication order. A path the engine refuses for a
/// hardware limit (VFs, a NIC per passed-through VM) is an infeasible point
/// in a sweep, and an error without one; any other refusal is an error.
pub fn run_experiment_with(
    exp: &Experiment,
    threads: Option<usize>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<RunReport, ExperimentError> {
    let jobs = jobs(exp);
    let outcomes = run_jobs(exp, &jobs, threads, progress)?;
    Ok(assemble(exp, outcomes))
}

/// One run of an experiment: a path at a point of the sweep, one
/// replication. [`jobs`] lists them in the order results are read back.
#[derive(Clone, Debug)]
pub struct Job {
    /// Position in [`jobs`]' list (what `--shard` splits).
    pub index: usize,
    /// The sweep point (0 without a sweep).
    pub point: usize,
    /// The I/O path.
    pub path: IoPath,
    /// The replication (it runs with the point's seed + this).
    pub replication: u32,
    cfg: model::HostConfig,
}

/// What one job left for the report: its results, or why its path cannot
/// be built at its point (a hardware limit, in a sweep).
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The run's results.
    Ran(Box<PathResult>),
    /// The engine's reason the path is infeasible here.
    Infeasible(String),
}

/// The points of `exp`: the sweep's, or the experiment itself.
fn points(exp: &Experiment) -> Vec<&Experiment> {
    match &exp.sweep {
        Some(s) => s.points.iter().map(|p| &p.exp).collect(),
        None => vec![exp],
    }
}

/// The replications of every path at every point.
fn replications(exp: &Experiment) -> u32 {
    exp.sweep.as_ref().map_or(1, |s| s.replications)
}

/// The seed of replication `r` at point `e`.
fn seed(e: &Experiment, r: u32) -> u64 {
    e.seed.wrapping_add(u64::from(r))
}

/// Every run of `exp`, in point, path, replication order: the order their
/// results are read back, whatever thread or machine ran them.
pub fn jobs(exp: &Experiment) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (point, e) in points(exp).into_iter().enumerate() {
        for &path in &e.paths {
            for replication in 0..replications(exp) {
                let mut cfg = e.host_config(path);
                cfg.seed = seed(e, replication);
                jobs.push(Job {
                    index: jobs.len(),
                    point,
                    path,
                    replication,
                    cfg,
                });
            }
        }
    }
    jobs
}

/// Runs `jobs` (some or all of [`jobs`]`(exp)`) in parallel, on a pool of
/// `threads` workers if given, else on rayon's global pool, and returns
/// their outcomes in the order given. The first job in that order that the
/// engine refuses, other than for a hardware limit in a sweep, is the error.
pub fn run_jobs(
    exp: &Experiment,
    jobs: &[Job],
    threads: Option<usize>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Outcome>, ExperimentError> {
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    // Threads the jobs leave idle go to a rack's hosts (the result does not
    // depend on how many a run gets).
    let workers = threads.unwrap_or_else(rayon::current_num_threads).max(1);
    let rack_threads = (workers / total.max(1)).max(1);
    let run_all = || -> Vec<Result<PathResult, BuildError>> {
        jobs.par_iter()
            .map(|job| {
                let r = run_timed(&job.cfg, rack_threads);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                r
            })
            .collect()
    };
    let results = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            // More threads than runs would only idle.
            .num_threads(n.clamp(1, total.max(1)))
            .build()
            .map_err(|e| ExperimentError::ThreadPool {
                message: e.to_string(),
            })?
            .install(run_all),
        None => run_all(),
    };
    jobs.iter()
        .zip(results)
        .map(|(job, r)| match r {
            Ok(r) => Ok(Outcome::Ran(Box::new(r))),
            Err(err) if exp.sweep.is_some() && is_hardware_limit(&err) => {
                Ok(Outcome::Infeasible(err.to_string()))
            }
            Err(error) => {
                let build = ExperimentError::Build {
                    file: exp.source.clone(),
                    path: job.path,
                    error,
                };
                Err(match exp.sweep.as_ref().map(|s| &s.points[job.point]) {
                    Some(sp) => ExperimentError::SweepPoint {
                        index: job.point,
                        label: sp.label.clone(),
                        error: Box::new(build),
                    },
                    None => build,
                })
            }
        })
        .collect()
}

/// The report of `exp` from the outcomes of all its [`jobs`], in their
/// order.
///
/// # Panics
/// If `outcomes` has fewer entries than `exp` has jobs: a caller's bug
/// (merging shards checks the count first).
pub fn assemble(exp: &Experiment, outcomes: Vec<Outcome>) -> RunReport {
    let points = points(exp);
    let replications = replications(exp);
    let mut reports: Vec<PointReport> = Vec::with_capacity(points.len());
    let mut outcomes = outcomes.into_iter();
    let multi_point = points.len() > 1;
    for (pi, e) in points.iter().enumerate() {
        let sweep_point = exp.sweep.as_ref().map(|s| &s.points[pi]);
        let mut paths = Vec::with_capacity(e.paths.len());
        for &path in &e.paths {
            let mut runs = Vec::with_capacity(replications as usize);
            let mut infeasible = None;
            for _ in 0..replications {
                match outcomes.next().expect("one outcome per job") {
                    Outcome::Ran(r) => runs.push(*r),
                    Outcome::Infeasible(why) => infeasible = Some(why),
                }
            }
            if infeasible.is_some() {
                runs.clear();
            }
            // The histogram file of every run that has one.
            let hgrms = |rtt: bool| -> Vec<String> {
                (0u32..)
                    .zip(&runs)
                    .filter(|(_, run)| {
                        if rtt {
                            run.rtt_histogram.is_some()
                        } else {
                            run.latency_histogram.is_some()
                        }
                    })
                    .map(|(r, _)| {
                        hgrm_name(
                            multi_point.then_some((pi, points.len())),
                            (replications > 1).then_some(r),
                            path.name(),
                            rtt,
                        )
                    })
                    .collect()
            };
            let timing = e.control_timing(path);
            paths.push(PathPoint {
                path: path.name().to_owned(),
                infeasible,
                flexibility: Flexibility {
                    capabilities: model::virt::model(path).capabilities(),
                    eni_attach_us: timing.attach.as_ps() as f64 / 1e6,
                    eni_detach_us: timing.detach.as_ps() as f64 / 1e6,
                },
                seeds: (0..runs.len() as u32).map(|r| seed(e, r)).collect(),
                stats: stats_of(&runs),
                bottleneck: bottleneck(&runs),
                saturated: saturated(&runs),
                hgrm: hgrms(false),
                rtt_hgrm: hgrms(true),
                runs,
            });
        }
        reports.push(PointReport {
            index: pi,
            label: sweep_point.map_or_else(|| "all".to_owned(), |sp| sp.label.clone()),
            values: sweep_point.map_or_else(Vec::new, |sp| sp.values.clone()),
            unit_costs: UnitCosts::of(&e.base.profile),
            comparisons: comparisons(&paths),
            paths,
        });
    }
    let axes = exp.sweep.as_ref().map_or_else(Vec::new, |s| {
        s.axes
            .iter()
            .map(|a| AxisReport {
                keys: a.keys.clone(),
                label: a.label.clone(),
                values: a.values.clone(),
            })
            .collect()
    });
    let notes = sweep_notes(exp, &points, &reports);
    RunReport {
        schema_version: SCHEMA_VERSION,
        experiment: exp.name.clone(),
        seed: exp.seed,
        profile: exp.base.profile.name.clone(),
        enisim_version: env!("CARGO_PKG_VERSION").to_owned(),
        axes,
        replications,
        points: reports,
        notes,
        experiment_as_run: exp.as_run.clone(),
    }
}

/// Limits of the hardware rather than mistakes in the file: a sweep past
/// them records the point as infeasible.
fn is_hardware_limit(e: &BuildError) -> bool {
    matches!(
        e,
        BuildError::TooManyVfs { .. } | BuildError::PassthroughShared { .. }
    )
}

/// The histogram file of one run: `<path>.hgrm`, with `pNN.` before it in a
/// sweep and `rN.` with replications; `.rtt.hgrm` for round trips.
pub fn hgrm_name(point: Option<(usize, usize)>, rep: Option<u32>, path: &str, rtt: bool) -> String {
    let mut s = String::new();
    if let Some((i, n)) = point {
        let width = (n.max(2) - 1).to_string().len().max(2);
        s.push_str(&format!("p{i:0width$}."));
    }
    if let Some(r) = rep {
        s.push_str(&format!("r{r}."));
    }
    s.push_str(path);
    s.push_str(if rtt { ".rtt.hgrm" } else { ".hgrm" });
    s
}

pub(crate) fn stats_of(runs: &[PathResult]) -> BTreeMap<String, Estimate> {
    let mut by_name: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in runs {
        for (k, v) in stats::metric_values(r) {
            by_name.entry(k).or_default().push(v);
        }
    }
    by_name
        .into_iter()
        .filter_map(|(k, xs)| stats::estimate(&k, &xs).map(|e| (k, e)))
        .collect()
}

/// Whether the path is saturated in any of `runs`, and why (the first
/// such run's reason; with replications, how many runs were).
pub(crate) fn saturated(runs: &[PathResult]) -> Option<String> {
    let whys: Vec<&String> = runs.iter().filter_map(|r| r.saturated.as_ref()).collect();
    let first = whys.first()?;
    Some(if runs.len() > 1 {
        format!(
            "in {} of {} runs; in the first, {first}",
            whys.len(),
            runs.len()
        )
    } else {
        (*first).clone()
    })
}

pub(crate) fn bottleneck(runs: &[PathResult]) -> Option<Bottleneck> {
    let first = runs.first()?;
    let mean_util = |name: &str| {
        let xs: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.resources.iter().find(|u| u.name == name))
            .map(|u: &ResourceUse| u.utilization)
            .collect();
        xs.iter().sum::<f64>() / xs.len().max(1) as f64
    };
    let (resource, utilization) = first
        .resources
        .iter()
        .map(|u| (u.name.clone(), mean_util(&u.name)))
        // Ties go to the first listed, for stable output.
        .fold(None::<(String, f64)>, |best, (n, u)| match best {
            Some((bn, bu)) if bu >= u => Some((bn, bu)),
            _ => Some((n, u)),
        })?;
    Some(Bottleneck {
        resource,
        headroom: (utilization > 0.0).then(|| 1.0 / utilization),
        utilization,
    })
}

/// One `model::run_on` (a rack's hosts on `threads`), with the wall-clock
/// fields filled in.
fn run_timed(cfg: &model::HostConfig, threads: usize) -> Result<PathResult, model::BuildError> {
    let start = Instant::now();
    let mut r = model::run_on(cfg, threads)?;
    r.sim
        .set_wall_clock(start.elapsed().as_secs_f64(), r.generated);
    Ok(r)
}

/// The notes of every point: a note every point has is given once; one only
/// some points have is prefixed with the point. Infeasible paths are noted.
fn sweep_notes(exp: &Experiment, points: &[&Experiment], reports: &[PointReport]) -> Vec<String> {
    let per_point: Vec<Vec<String>> = points
        .iter()
        .zip(reports)
        .map(|(e, pr)| {
            let runs: Vec<&PathResult> = pr.paths.iter().filter_map(|p| p.runs.first()).collect();
            notes(e, &runs)
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (pi, ns) in per_point.iter().enumerate() {
        for n in ns {
            let everywhere = per_point.iter().all(|o| o.contains(n));
            let text = if everywhere {
                n.clone()
            } else {
                format!("at {}: {n}", reports[pi].label)
            };
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    for pr in reports {
        for pp in &pr.paths {
            if let Some(why) = &pp.infeasible {
                out.push(format!("{} infeasible at {}: {why}", pp.path, pr.label));
            }
        }
    }
    if exp.sweep.as_ref().is_some_and(|s| s.replications > 1) {
        out.push(
            "replication r ran with seed + r; stats give each metric's mean over the replications \
             (a percentile's or a run's maximum: their median) with a 95% confidence interval \
             within what the metric can be (see src/experiment/stats.rs)"
                .to_owned(),
        );
    }
    out
}

fn notes(exp: &Experiment, paths: &[&PathResult]) -> Vec<String> {
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
        let per = if pt.nics > pt.vms {
            "one per attached ENI: each VM's primary and each further ENI"
        } else {
            "one per VM"
        };
        notes.push(format!(
            "passthrough used {} physical NICs ({per}); the other paths share one",
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
    for &p in paths {
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

/// The `sim` fields measured on the wall clock ([`strip_timing`] zeroes
/// them): the only ones two runs of the same experiment and seed differ in.
pub const WALL_CLOCK_FIELDS: [&str; 3] = crate::metrics::SimSpeed::WALL_CLOCK_FIELDS;

/// Zeroes the wall-clock fields (`sim.wall_s`, `sim.packets_per_s`,
/// `sim.events_per_s`), the only ones that differ between two runs of the same
/// experiment and seed.
pub fn strip_timing(report: &mut RunReport) {
    for pp in report.points.iter_mut().flat_map(|p| p.paths.iter_mut()) {
        for p in &mut pp.runs {
            p.sim.clear_wall_clock();
        }
    }
}
