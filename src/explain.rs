//! `enisim explain`: why one I/O path is faster than another, in the words
//! of a design review, written from a finished [`RunReport`] alone.
//!
//! For each (fast, slow) pair of paths it states, in order: latency (p50,
//! p99 and the mean the stages add up to), the stages whose mean time per
//! packet differs most between the two, VM exits and interrupts per packet
//! with the cost of one exit of each kind, software copies, the busiest
//! shared resource of each path and its headroom, host and guest CPU per
//! packet, round trips when the experiment has request/response flows, and
//! what each path allows besides speed (VFs, VMs per NIC, live migration,
//! the hypervisor in the data path, ENI attach and detach times).
//!
//! ## Neighbours
//!
//! When the runs have a few named open-loop flows (2 to
//! [`crate::metrics::FLOWS_SUMMARIZED`], e.g. a flood and a light flow into
//! another VM) and one of them dropped packets, a section compares each
//! flow's drops and p99 on both paths at the last point (in sweep order)
//! where a flow dropped. For a flow that lost nothing on the fast path and
//! packets on the slow one it names each path's busiest shared resource
//! (the busiest `util_` statistic not of a VM's own vCPU): isolation, or
//! its absence, in the run's own numbers.
//!
//! ## Racks
//!
//! For a rack's runs it adds, after the latency, each path's one-way
//! latency by scope (east-west, north-south, local: p50 and p99 of each
//! scope's flows' histograms added together, and its packets), whether the
//! east-west median is above or below the north-south one, why an
//! east-west packet has more to cross, and each path's busiest switch port
//! (`util_host<k>.nic<j>.wire_in`) and the port that dropped most
//! (`port_<name>_dropped`).
//!
//! ## Method: only the run's numbers
//!
//! Every number the text prints is a numeric value of the report — the
//! `summary.json` the run wrote — shifted by a power of ten for its unit
//! (ns → µs, µs → ms, a fraction → %) and rounded for reading. It computes
//! no ratio, difference or sum: a comparison is written "A vs B" and the
//! arithmetic is left to the reader. Two reasons. A reader can find each
//! number in the file and check it, so the explanation can never disagree
//! with the table or the JSON. And a derived number (a speed-up, a share)
//! would need its own error bars, which a report with replications gives
//! only for the metrics it lists. The rule is tested: `tests/explain.rs`
//! reads the JSON and matches every number token of the text to a value.
//!
//! ## Which point
//!
//! A report without a sweep has one point. With a sweep, the numbers of a
//! pair are those of the first point, in sweep order, where both paths are
//! feasible; the text names it. With replications every number is the mean
//! over the runs of that point (`stats.<metric>.value`).
//!
//! ## Load sweeps
//!
//! When an axis sets a key ending in `load`, `rate_gbps` or `rate_pps`,
//! the text also says, for each path, the first value of that axis (lowest
//! first, the other axes held) at which the path stops following the
//! offered load. The rule: the path dropped packets there (`dropped` > 0),
//! or its p99 one-way latency exceeds ten times its p99 at the lowest load
//! where it was feasible (queues growing without bound before any ring
//! overflows). It names the busiest resource at that point, or at the
//! highest load when the path kept up everywhere.
//!
//! ## Formatting
//!
//! Numbers go through a few helpers, all "round to a fixed number of
//! decimals, `,` between thousands": nanoseconds with 0 decimals,
//! microseconds (ns ÷ 10³) with 2, percentages (fraction × 100) with 1,
//! factors and per-packet counts with 2, Gb/s with 3, counts and rates
//! with 0, ENI times in ms (µs ÷ 10³) when that is exact to 3 decimals,
//! else in µs as in the file. Units always follow a number after a space.

use crate::experiment::{
    value_text, Estimate, PathPoint, PointReport, Relation, RunReport, UnitCosts,
};
use crate::model::InterruptDelivery;
use crate::report::charts::is_load_key;
use crate::report::path_names;
use std::fmt;
use std::fmt::Write as _;

/// The pairs `enisim explain` compares when none are given: SR-IOV (the
/// fast path) against the emulated device (the slow one).
pub fn default_pairs() -> Vec<(String, String)> {
    vec![("sriov".to_owned(), "emulated".to_owned())]
}

/// Why a report cannot be explained for the pairs asked.
#[derive(Clone, Debug, PartialEq)]
pub enum ExplainError {
    /// The report has no point with a path: nothing ran. Run the experiment
    /// again; check its `paths`.
    EmptyReport {
        /// Experiment name.
        experiment: String,
    },
    /// No pair was given. Give at least one, or use [`default_pairs`].
    NoPairs,
    /// A path of a pair is not in the report. Pick one of `allowed`, or run
    /// the experiment with the path in its `paths`.
    UnknownPath {
        /// The name asked for.
        path: String,
        /// The report's paths, in its order.
        allowed: Vec<String>,
    },
    /// A path could not be built at any point of the report (more VMs than
    /// VFs, VMs sharing a passed-through NIC): it has no numbers.
    Infeasible {
        /// The path.
        path: String,
        /// The runner's reason at the first point.
        reason: String,
    },
    /// Both paths are feasible somewhere, never at the same point.
    NoCommonPoint {
        /// The fast path of the pair.
        fast: String,
        /// The slow path of the pair.
        slow: String,
    },
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::EmptyReport { experiment } => write!(
                f,
                "the report of experiment {experiment} has no results (no point with a path): \
                 nothing to explain"
            ),
            ExplainError::NoPairs => write!(
                f,
                "no pair of paths to explain: give at least one FAST,SLOW pair (the default is \
                 sriov,emulated)"
            ),
            ExplainError::UnknownPath { path, allowed } => write!(
                f,
                "path {path:?} is not in the report; its paths are: {}",
                allowed.join(", ")
            ),
            ExplainError::Infeasible { path, reason } => write!(
                f,
                "path {path} is infeasible at every point of the report ({reason}): it has no \
                 numbers to compare; change the host or the sweep so it can be built"
            ),
            ExplainError::NoCommonPoint { fast, slow } => write!(
                f,
                "{fast} and {slow} are never feasible at the same point of the report: no point \
                 to compare them at"
            ),
        }
    }
}

impl std::error::Error for ExplainError {}

/// The explanation of every `(fast, slow)` pair of `pairs` in `report`, in
/// plain text, one section per pair; see the module docs for what it says
/// and the rule that every number printed is one of the report's. Checks
/// every pair before writing anything: an error names the first problem.
pub fn explain(report: &RunReport, pairs: &[(String, String)]) -> Result<String, ExplainError> {
    let allowed = path_names(report);
    if allowed.is_empty() {
        return Err(ExplainError::EmptyReport {
            experiment: report.experiment.clone(),
        });
    }
    if pairs.is_empty() {
        return Err(ExplainError::NoPairs);
    }
    let mut points = Vec::with_capacity(pairs.len());
    for (fast, slow) in pairs {
        for name in [fast, slow] {
            if !allowed.contains(name) {
                return Err(ExplainError::UnknownPath {
                    path: name.clone(),
                    allowed: allowed.clone(),
                });
            }
            if !report.points.iter().any(|p| feasible(p, name).is_some()) {
                let reason = report
                    .points
                    .iter()
                    .filter_map(|p| path_at(p, name))
                    .find_map(|pp| pp.infeasible.clone())
                    .unwrap_or_else(|| "no runs".to_owned());
                return Err(ExplainError::Infeasible {
                    path: name.clone(),
                    reason,
                });
            }
        }
        let common = report
            .points
            .iter()
            .position(|p| feasible(p, fast).is_some() && feasible(p, slow).is_some())
            .ok_or_else(|| ExplainError::NoCommonPoint {
                fast: fast.clone(),
                slow: slow.clone(),
            })?;
        points.push(common);
    }
    let mut out = String::new();
    for ((fast, slow), &pi) in pairs.iter().zip(&points) {
        if !out.is_empty() {
            out.push('\n');
        }
        pair(&mut out, report, pi, fast, slow);
    }
    Ok(out)
}

// ---- formatting: the only ways a number reaches the text ----

/// `x` rounded to `decimals` places, with `,` between thousands of the
/// integer part; `-` when it is not a number.
fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    let s = format!("{x:.decimals$}");
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (int, frac) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// Nanoseconds, whole.
fn ns(x: f64) -> String {
    format!("{} ns", fixed(x, 0))
}

/// Nanoseconds as microseconds with two decimals.
fn us(ns: f64) -> String {
    format!("{} µs", fixed(ns / 1e3, 2))
}

/// A fraction as a percentage with one decimal.
fn pct(frac: f64) -> String {
    format!("{}%", fixed(frac * 100.0, 1))
}

/// A factor (headroom) with two decimals.
fn factor(x: f64) -> String {
    format!("{}×", fixed(x, 2))
}

/// A count that may be a mean over replications: whole when it is one,
/// else with three significant digits (a mean of 1/3 is "0.333", not "0").
fn count(x: f64) -> String {
    if x.fract() == 0.0 {
        fixed(x, 0)
    } else {
        small(x)
    }
}

/// A small cost with three significant digits or more (copy ns per byte).
fn small(x: f64) -> String {
    let decimals = match x.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    };
    fixed(x, decimals)
}

/// An ENI operation's time given in µs: in ms when µs ÷ 10³ is exact to
/// three decimals, else in µs with up to three decimals.
fn duration_us(x: f64) -> String {
    let ms = x / 1e3;
    if x >= 1000.0 {
        for d in 0..=3 {
            let s = fixed(ms, d);
            if s.replace(',', "").parse::<f64>() == Ok(ms) {
                return format!("{s} ms");
            }
        }
    }
    for d in 0..=3 {
        let s = fixed(x, d);
        if s.replace(',', "").parse::<f64>() == Ok(x) {
            return format!("{s} µs");
        }
    }
    format!("{} µs", fixed(x, 3))
}

// ---- reading the report ----

fn path_at<'a>(point: &'a PointReport, name: &str) -> Option<&'a PathPoint> {
    point.paths.iter().find(|pp| pp.path == name)
}

/// The path at `point` if it ran there.
fn feasible<'a>(point: &'a PointReport, name: &str) -> Option<&'a PathPoint> {
    path_at(point, name).filter(|pp| pp.infeasible.is_none() && !pp.runs.is_empty())
}

/// The mean of `metric` over the path's runs.
fn mean(pp: &PathPoint, metric: &str) -> Option<f64> {
    pp.stats.get(metric).map(|e: &Estimate| e.value)
}

/// The runs a mean is over.
fn runs(pp: &PathPoint) -> u32 {
    pp.stats.values().map(|e| e.n).max().unwrap_or(0)
}

// ---- the text ----

/// Whether the runs had open-loop traffic: a one-way latency, or open-loop
/// packets delivered (TCP segments and round trips are not in
/// `delivered_gbps`).
fn open_loop(pp: &PathPoint) -> bool {
    mean(pp, "latency_p50_ns").is_some() || mean(pp, "delivered_gbps").is_some_and(|g| g > 0.0)
}

fn pair(out: &mut String, report: &RunReport, pi: usize, fast: &str, slow: &str) {
    let point = &report.points[pi];
    let a = feasible(point, fast).expect("checked feasible");
    let b = feasible(point, slow).expect("checked feasible");
    let uc = &point.unit_costs;
    let _ = writeln!(
        out,
        "{fast} vs {slow}: experiment {}, profile {}, seed {}",
        report.experiment, report.profile, report.seed
    );
    if !report.axes.is_empty() {
        let _ = writeln!(
            out,
            "At point {}, the first of the sweep where both paths are feasible.",
            point.label
        );
    }
    if runs(a) > 1 || runs(b) > 1 {
        let _ = writeln!(
            out,
            "Each number is the mean over the {} runs (replications) of the point (a \
             percentile or a maximum: their median).",
            report.replications
        );
    }

    latency(out, fast, slow, a, b);
    if let Some(line) = how_much(point, fast, slow) {
        out.push_str(&line);
    }
    rack(out, fast, slow, a, b);
    stages(out, fast, slow, a, b);
    exits(out, fast, slow, a, b, uc);
    copies(out, fast, slow, a, b, uc);
    saturation(out, fast, slow, a, b);
    let axis = load_axis(report);
    if let Some(axis) = axis {
        let _ = writeln!(
            out,
            "\nAcross the load sweep over {} (a path stops following the offered load at the \
             first point where it drops packets or its p99 exceeds ten times its p99 at the \
             lowest load)",
            report.axes[axis].keys.join(", ")
        );
        sweep(out, report, axis, fast);
        sweep(out, report, axis, slow);
    }
    let infeasible: Vec<String> = [fast, slow]
        .iter()
        .filter_map(|name| infeasible_points(report, name))
        .collect();
    if !infeasible.is_empty() {
        if axis.is_none() {
            out.push_str("\nAcross the sweep\n");
        }
        for line in infeasible {
            let _ = writeln!(out, "  {line}");
        }
    }
    neighbours(out, report, fast, slow);
    cpu(out, fast, slow, a, b);
    if let Some(t) = times(
        point,
        (fast, slow),
        "cpu_ns_per_packet",
        ns,
        &format!("{slow}'s"),
    ) {
        let _ = writeln!(
            out,
            "  In all (host + guest), {fast}'s CPU per packet is {t}."
        );
    }
    streams(out, point, fast, slow, a, b);
    round_trips(out, fast, slow, a, b);
    if let Some(t) = times(point, (fast, slow), "rtt_p99_ns", us, &format!("{slow}'s")) {
        let _ = writeln!(out, "  {fast}'s RTT p99 is {t}.");
    }
    if let Some(t) = times(
        point,
        (fast, slow),
        "transactions_per_s",
        |x| fixed(x, 0),
        &format!("{slow}'s"),
    ) {
        let _ = writeln!(out, "  {fast}'s transactions per second are {t}.");
    }
    application(out, point, fast, slow, a, b);
    out.push_str("\nFlexibility\n");
    flexibility(out, fast, a, uc);
    flexibility(out, slow, b, uc);
}

/// `fast X vs slow Y` for metric `m` printed by `f`; `None` when either is
/// missing.
fn versus(
    fast: &str,
    slow: &str,
    a: &PathPoint,
    b: &PathPoint,
    m: &str,
    f: fn(f64) -> String,
) -> Option<String> {
    Some(format!(
        "{fast} {} vs {slow} {}",
        f(mean(a, m)?),
        f(mean(b, m)?)
    ))
}

/// Like [`versus`] without the path names (after a first comparison has
/// named them).
fn versus_short(a: &PathPoint, b: &PathPoint, m: &str, f: fn(f64) -> String) -> Option<String> {
    Some(format!("{} vs {}", f(mean(a, m)?), f(mean(b, m)?)))
}

fn latency(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint) {
    if !open_loop(a) && !open_loop(b) {
        // Streams or round trips only: nothing one-way to say.
        return;
    }
    out.push_str("\nLatency (one-way, open-loop packets)\n");
    // A saturated path's latency is a lower bound: said before any figure.
    for (name, pp) in [(fast, a), (slow, b)] {
        if let Some(why) = &pp.saturated {
            let _ = writeln!(
                out,
                "  {name} is saturated here, offered more than it serves ({why}): its latency \
                 grows with the run's length or its buffers, so its figures below are lower \
                 bounds, not properties of the path."
            );
        }
    }
    match (
        versus(fast, slow, a, b, "latency_p50_ns", us),
        versus_short(a, b, "latency_p99_ns", us),
        versus_short(a, b, "latency_mean_ns", us),
    ) {
        (Some(p50), Some(p99), Some(mean)) => {
            let _ = writeln!(out, "  p50: {p50}; p99: {p99}.");
            let _ = writeln!(
                out,
                "  Mean: {mean}; the mean time of every stage adds up to it, the largest gaps below."
            );
        }
        _ => {
            for (name, pp) in [(fast, a), (slow, b)] {
                if mean(pp, "latency_p50_ns").is_none() {
                    let _ = writeln!(
                        out,
                        "  {name} delivered no open-loop packet here: it has no one-way latency."
                    );
                }
            }
        }
    }
}

/// How `fast` compares with `slow` on metric `m`, from the point's
/// `comparisons`, as "8.58× lower than emulated's (20.88 µs less)" when
/// `fast`'s value is the lower and "1.20× higher than …'s (2.00 µs more)"
/// otherwise (`than` is what follows "than"). Ratio and difference are both
/// numbers of the report: the relation of `slow` to `fast` when `fast` is
/// lower, of `fast` to `slow` when it is higher, so the ratio is ≥ 1.
/// `None` if the report lacks them, the values are equal, or one is 0.
fn times(
    point: &PointReport,
    (fast, slow): (&str, &str),
    m: &str,
    unit: fn(f64) -> String,
    than: &str,
) -> Option<String> {
    let rel = |a: &str, b: &str| -> Option<&Relation> {
        point
            .comparisons
            .iter()
            .find(|c| c.a == a && c.b == b)?
            .metrics
            .get(m)
    };
    let up = rel(fast, slow)?; // slow ÷ fast, slow − fast
    let (r, lower, less) = if up.diff > 0.0 {
        (up, "lower", "less")
    } else if up.diff < 0.0 {
        (rel(slow, fast)?, "higher", "more")
    } else {
        return None;
    };
    Some(format!(
        "{} {lower} than {than} ({} {less})",
        factor(r.ratio?),
        unit(r.diff)
    ))
}

/// "sriov's p50 is 8.58× lower than emulated's (20.88 µs less); its p99
/// …": the ratios and differences of the point's `comparisons`.
fn how_much(point: &PointReport, fast: &str, slow: &str) -> Option<String> {
    let than = format!("{slow}'s");
    let p50 = times(point, (fast, slow), "latency_p50_ns", us, &than)?;
    let mut line = format!("  {fast}'s p50 is {p50}");
    if let Some(p99) = times(point, (fast, slow), "latency_p99_ns", us, &than) {
        let _ = write!(line, "; its p99 is {p99}");
    }
    line.push_str(".\n");
    Some(line)
}

/// Whether `name` is a switch port of a rack: `host<k>.nic<j>.wire_in`.
fn is_port(name: &str) -> bool {
    name.starts_with("host") && name.contains(".nic") && name.ends_with(".wire_in")
}

/// The port of `pp` with the largest statistic `<prefix><port><suffix>`
/// (the first by name on a tie): (port, mean).
fn top_port<'a>(pp: &'a PathPoint, prefix: &str, suffix: &str) -> Option<(&'a str, f64)> {
    pp.stats
        .iter()
        .filter_map(|(k, e)| {
            let port = k.strip_prefix(prefix)?.strip_suffix(suffix)?;
            is_port(port).then_some((port, e.value))
        })
        .fold(None, |best, (n, v)| match best {
            Some((_, bv)) if bv >= v => best,
            _ => Some((n, v)),
        })
}

/// A rack: each path's one-way latency by scope (east-west against
/// north-south, and local), which of the two medians is the higher, why
/// an east-west packet has more to cross; then each path's busiest switch
/// port and the port that dropped most. Silent for one host.
fn rack(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint) {
    use crate::metrics::Scope;
    let scopes = |pp: &PathPoint| -> Vec<String> {
        Scope::ALL
            .iter()
            .filter_map(|&s| {
                let [delivered, p50, p99, ..] = s.stat_names();
                Some(format!(
                    "{} p50 {}, p99 {} ({} packets)",
                    s.name(),
                    us(mean(pp, p50)?),
                    us(mean(pp, p99)?),
                    count(mean(pp, delivered)?)
                ))
            })
            .collect()
    };
    if scopes(a).is_empty() && scopes(b).is_empty() {
        return;
    }
    out.push_str(
        "\nEast-west and north-south (a rack: one-way latency of each scope's flows, their \
         histograms added)\n",
    );
    let [_, ew, ..] = Scope::EastWest.stat_names();
    let [_, ns, ..] = Scope::NorthSouth.stat_names();
    let mut both = false;
    for (name, pp) in [(fast, a), (slow, b)] {
        let parts = scopes(pp);
        if parts.is_empty() {
            continue;
        }
        let mut line = format!("  {name}: {}", parts.join("; "));
        if let (Some(x), Some(y)) = (mean(pp, ew), mean(pp, ns)) {
            both = true;
            let word = if x > y {
                "above"
            } else if x < y {
                "below"
            } else {
                "equal to"
            };
            let _ = write!(line, ". Its east-west median is {word} its north-south one");
        }
        let _ = writeln!(out, "{line}.");
    }
    if both {
        out.push_str(
            "  An east-west packet crosses two hosts' I/O paths (out of the sender's VM and \
             NIC, into the receiver's) and the switch between them; a north-south packet \
             crosses one host's I/O path and the wire to or from beyond the rack.\n",
        );
    }
    for (name, pp) in [(fast, a), (slow, b)] {
        let Some((port, u)) = top_port(pp, "util_", "") else {
            continue;
        };
        let drops = match top_port(pp, "port_", "_dropped") {
            Some((p, d)) if d > 0.0 => {
                format!("the port that dropped most is {p}, {} packets", count(d))
            }
            Some(_) => "no port dropped a packet".to_owned(),
            None => continue,
        };
        let _ = writeln!(
            out,
            "  {name}: the busiest switch port is {port}, {} busy; {drops}.",
            pct(u)
        );
    }
}

/// The stage names either path has.
fn stage_names(a: &PathPoint, b: &PathPoint) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for k in a.stats.keys().chain(b.stats.keys()) {
        if let Some(n) = k.strip_prefix("stage_").and_then(|s| s.strip_suffix("_ns")) {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_owned());
            }
        }
    }
    names
}

/// Stages listed by where the two paths differ most.
const STAGES_SHOWN: usize = 5;

fn stages(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint) {
    let mut rows: Vec<(String, Option<f64>, Option<f64>, f64)> = stage_names(a, b)
        .into_iter()
        .map(|n| {
            let key = format!("stage_{n}_ns");
            let (x, y) = (mean(a, &key), mean(b, &key));
            // Only to order the rows; never printed.
            let gap = (x.unwrap_or(0.0) - y.unwrap_or(0.0)).abs();
            (n, x, y, gap)
        })
        .filter(|r| r.3 > 0.0)
        .collect();
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|p, q| q.3.total_cmp(&p.3).then_with(|| p.0.cmp(&q.0)));
    rows.truncate(STAGES_SHOWN);
    let _ = writeln!(
        out,
        "\nWhere the difference comes from (mean time per packet in each stage, {fast} vs \
         {slow}, largest gaps first; \"none\": the path has no such stage)"
    );
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let cell = |v: Option<f64>| v.map_or_else(|| "none".to_owned(), ns);
    for (name, x, y, _) in &rows {
        let _ = writeln!(
            out,
            "  {:<width$}  {} vs {}",
            format!("{name}:"),
            cell(*x),
            cell(*y),
            width = width + 1
        );
    }
}

/// How one path takes its exits, with the unit costs that apply (the rules
/// of `HostBuilder::irq_work`).
fn exit_story(path: &str, uc: &UnitCosts) -> String {
    use InterruptDelivery::{Apicv, Injected, Posted};
    let mode = uc.interrupt_delivery.name();
    let virtual_msi = match uc.interrupt_delivery {
        Injected => format!(
            "each interrupt is injected ({}, inject_ns) and takes an EOI exit ({}, eoi_exit_ns)",
            ns(uc.inject_ns),
            ns(uc.eoi_exit_ns)
        ),
        Apicv | Posted => {
            format!("its interrupts are delivered by APICv ({mode}): no injection or EOI exit")
        }
    };
    match path {
        "baremetal" => "baremetal has no hypervisor: no exits".to_owned(),
        "emulated" => {
            let delivery = match uc.interrupt_delivery {
                Injected => format!(
                    "each interrupt is injected ({}, inject_ns) and takes an EOI exit ({}, \
                     eoi_exit_ns)",
                    ns(uc.inject_ns),
                    ns(uc.eoi_exit_ns)
                ),
                Apicv | Posted => format!(
                    "its interrupt is level-triggered through the virtual IOAPIC, so even with \
                     {mode} delivery each one takes an EOI exit ({}, eoi_exit_ns)",
                    ns(uc.eoi_exit_ns)
                ),
            };
            format!(
                "emulated traps every access to the emulated e1000's registers to the device \
                 model in user space, {} each (io_exit_user_ns); {delivery}",
                ns(uc.io_exit_user_ns)
            )
        }
        "virtio" => format!(
            "virtio exits to kick its backend, only when the backend is idle, {} per kick \
             (kick_ns); {virtual_msi}",
            ns(uc.kick_ns)
        ),
        "passthrough" | "sriov" => match uc.interrupt_delivery {
            Posted => format!(
                "{path}'s interrupts are posted to the vCPU: no exit on the data path, and the \
                 EOI exit ({}, eoi_exit_ns) is not taken",
                ns(uc.eoi_exit_ns)
            ),
            Apicv => format!(
                "each of {path}'s interrupts takes an exit to the host ({}, exit_ns); APICv \
                 spares its EOI exit ({}, eoi_exit_ns)",
                ns(uc.exit_ns),
                ns(uc.eoi_exit_ns)
            ),
            Injected => format!(
                "each of {path}'s interrupts takes an exit ({}, exit_ns) and an EOI exit ({}, \
                 eoi_exit_ns)",
                ns(uc.exit_ns),
                ns(uc.eoi_exit_ns)
            ),
        },
        other => format!(
            "{other}: one exit handled in the kernel costs {}",
            ns(uc.exit_ns)
        ),
    }
}

fn exits(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint, uc: &UnitCosts) {
    out.push_str("\nExits and interrupts\n");
    let per_pkt = |x: f64| fixed(x, 2);
    if let Some(s) = versus(fast, slow, a, b, "exits_per_packet", per_pkt) {
        let _ = writeln!(
            out,
            "  VM exits per packet: {s}. One exit handled in the kernel costs {} (exit_ns).",
            ns(uc.exit_ns)
        );
    }
    let _ = writeln!(out, "  {}.", exit_story(fast, uc));
    if slow != fast {
        let _ = writeln!(out, "  {}.", exit_story(slow, uc));
    }
    if let Some(s) = versus(fast, slow, a, b, "interrupts_per_packet", per_pkt) {
        let _ = writeln!(out, "  Interrupts per packet: {s}.");
    }
}

/// Stages in which the host copies the packet.
const COPY_STAGES: [&str; 2] = ["device_model", "virtio_backend"];

/// Paths whose NIC writes straight into the receiving memory.
const DMA_PATHS: [&str; 3] = ["baremetal", "passthrough", "sriov"];

fn copies(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint, uc: &UnitCosts) {
    let mut lines = Vec::new();
    for (name, pp) in [(fast, a), (slow, b)] {
        let copied: Vec<String> = COPY_STAGES
            .iter()
            .filter_map(|s| {
                // A stage's time is per open-loop packet: 0 in a run of
                // streams or round trips only, where it says nothing.
                mean(pp, &format!("stage_{s}_ns")).map(|v| {
                    if v > 0.0 {
                        format!("{s} stage ({})", ns(v))
                    } else {
                        format!("{s} stage")
                    }
                })
            })
            .collect();
        if !copied.is_empty() {
            lines.push(format!(
                "{name} copies each packet in the host: its {} includes the copy, {} ns per byte \
                 (copy_ns_per_byte)",
                copied.join(" and "),
                small(uc.copy_ns_per_byte)
            ));
        } else if DMA_PATHS.contains(&name) {
            lines.push(format!(
                "{name}: the NIC writes the packet into the receiving memory by DMA, no copy"
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    out.push_str("\nCopies\n");
    for l in lines {
        let _ = writeln!(out, "  {l}.");
    }
}

/// The point a pair's neighbours are compared at: the last in sweep order
/// where both paths ran and a summarized flow dropped packets on either.
fn neighbour_point(report: &RunReport, fast: &str, slow: &str) -> Option<usize> {
    report.points.iter().rposition(|p| {
        let (Some(a), Some(b)) = (feasible(p, fast), feasible(p, slow)) else {
            return false;
        };
        [a, b].iter().any(|pp| {
            pp.stats
                .iter()
                .any(|(k, e)| k.starts_with("flow_") && k.ends_with("_dropped") && e.value > 0.0)
        })
    })
}

/// The busiest resource every VM shares (not a `vmN.` vCPU) by its
/// `util_` statistic: (name, utilization).
fn busiest_shared(pp: &PathPoint) -> Option<(&str, f64)> {
    pp.stats
        .iter()
        .filter_map(|(k, e)| Some((k.strip_prefix("util_")?, e.value)))
        .filter(|(name, _)| !name.starts_with("vm"))
        .max_by(|x, y| x.1.total_cmp(&y.1).then_with(|| y.0.cmp(x.0)))
}

/// A few named flows side by side (a flood and its neighbour): each one's
/// drops and p99 on both paths, at the last point where one dropped; then,
/// for a flow that lost nothing on `fast` but lost packets on `slow`, which
/// shared resource each path had busiest. Silent when the runs have no
/// summarized flows or none dropped.
fn neighbours(out: &mut String, report: &RunReport, fast: &str, slow: &str) {
    let Some(pi) = neighbour_point(report, fast, slow) else {
        return;
    };
    let point = &report.points[pi];
    let (a, b) = (
        feasible(point, fast).expect("checked"),
        feasible(point, slow).expect("checked"),
    );
    let names: Vec<String> = a
        .runs
        .first()
        .and_then(|r| r.summarized_flows())
        .unwrap_or_default()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let stat = |pp: &PathPoint, name: &str, m: &str| mean(pp, &format!("flow_{name}_{m}"));
    let where_ = if report.axes.is_empty() {
        String::new()
    } else {
        format!(
            " at point {}, the last where a flow dropped packets",
            point.label
        )
    };
    let _ = writeln!(
        out,
        "\nNeighbours (each flow on its own{where_}; dropped packets, p99 one-way)"
    );
    for name in &names {
        let drops = match (stat(a, name, "dropped"), stat(b, name, "dropped")) {
            (Some(x), Some(y)) => {
                format!("dropped {} on {fast} vs {} on {slow}", count(x), count(y))
            }
            _ => continue,
        };
        let p99 = match (
            stat(a, name, "latency_p99_ns"),
            stat(b, name, "latency_p99_ns"),
        ) {
            (Some(x), Some(y)) => format!("; p99 {} vs {}", us(x), us(y)),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {name}: {drops}{p99}.");
    }
    let lost = |pp: &PathPoint, n: &str| stat(pp, n, "dropped").unwrap_or(0.0);
    let noisy: Vec<&str> = names
        .iter()
        .filter(|n| lost(a, n) > 0.0 || lost(b, n) > 0.0)
        .map(String::as_str)
        .collect();
    for victim in names
        .iter()
        .filter(|n| lost(a, n) == 0.0 && lost(b, n) > 0.0)
    {
        let others: Vec<&str> = noisy.iter().copied().filter(|n| *n != victim).collect();
        if others.is_empty() {
            continue;
        }
        let busy = |pp: &PathPoint| {
            busiest_shared(pp).map_or_else(
                || "no shared resource recorded".to_owned(),
                |(r, u)| format!("its busiest shared resource, {r}, was {} busy", pct(u)),
            )
        };
        let hv = if b.flexibility.capabilities.hypervisor_in_data_path {
            format!("; {slow}'s hypervisor is in the data path, and every VM shares it")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {fast} kept {victim} apart from {}: it lost nothing there, and {}. On {slow} \
             {victim} lost packets beside them: {}{hv}.",
            others.join(" and "),
            busy(a),
            busy(b)
        );
    }
}

fn saturation(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint) {
    let _ = writeln!(
        out,
        "\nSaturation (busiest shared resource; headroom: how many times this traffic it could \
         carry before it saturates, queueing grows well before)"
    );
    for (name, pp) in [(fast, a), (slow, b)] {
        let busiest = match &pp.bottleneck {
            Some(bn) => match bn.headroom {
                Some(h) => format!(
                    "{} at {} busy, headroom {}",
                    bn.resource,
                    pct(bn.utilization),
                    factor(h)
                ),
                None => format!("{} idle", bn.resource),
            },
            None => "no shared resource recorded".to_owned(),
        };
        let mut line = format!("  {name}: {busiest}");
        if open_loop(pp) {
            if let Some(g) = mean(pp, "delivered_gbps") {
                let _ = write!(line, "; delivered {} Gb/s", fixed(g, 3));
            }
        }
        if let Some(g) = mean(pp, "stream_goodput_gbps") {
            let _ = write!(line, "; stream goodput {} Gb/s", fixed(g, 3));
        }
        match mean(pp, "dropped") {
            Some(d) if d > 0.0 => {
                let _ = write!(line, "; dropped {} packets", count(d));
            }
            Some(_) => line.push_str("; no drops"),
            None => {}
        }
        if pp.saturated.is_some() {
            line.push_str("; saturated (see Latency)");
        }
        out.push_str(&line);
        out.push_str(".\n");
    }
}

/// The sweep's load axis: the first with a key whose last segment is
/// `load`, `rate_gbps` or `rate_pps` (as the report's charts decide).
fn load_axis(report: &RunReport) -> Option<usize> {
    report
        .axes
        .iter()
        .position(|a| a.keys.iter().any(|k| is_load_key(k)))
}

/// p99 above this many times its lowest-load value: the path no longer
/// keeps up (queues grow without bound before any ring overflows).
const P99_KNEE: f64 = 10.0;

/// Points of the report grouped by the values of every axis but `axis`
/// (first-appearance order), each group sorted by `axis` (numeric values
/// ascending; others keep their order).
fn load_groups(report: &RunReport, axis: usize) -> Vec<Vec<&PointReport>> {
    let mut groups: Vec<(Vec<String>, Vec<&PointReport>)> = Vec::new();
    for p in &report.points {
        let key: Vec<String> = p
            .values
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != axis)
            .map(|(_, v)| value_text(v))
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(p),
            None => groups.push((key, vec![p])),
        }
    }
    let num = |p: &PointReport| match p.values.get(axis) {
        Some(toml::Value::Integer(i)) => *i as f64,
        Some(toml::Value::Float(f)) => *f,
        _ => f64::NAN,
    };
    groups
        .into_iter()
        .map(|(_, mut g)| {
            if g.iter().all(|p| num(p).is_finite()) {
                g.sort_by(|x, y| num(x).total_cmp(&num(y)));
            }
            g
        })
        .collect()
}

fn sweep(out: &mut String, report: &RunReport, axis: usize, name: &str) {
    for group in load_groups(report, axis) {
        let ran: Vec<(&PointReport, &PathPoint)> = group
            .iter()
            .filter_map(|p| feasible(p, name).map(|pp| (*p, pp)))
            .collect();
        let Some(&(base_point, base)) = ran.first() else {
            continue;
        };
        let base_p99 = mean(base, "latency_p99_ns");
        // Why the path no longer follows the load at a point; empty while
        // it does.
        let why = |pp: &PathPoint| {
            let mut why = Vec::new();
            if let Some(d) = mean(pp, "dropped").filter(|d| *d > 0.0) {
                why.push(format!("dropped {} packets", count(d)));
            }
            if let (Some(p), Some(b)) = (mean(pp, "latency_p99_ns"), base_p99) {
                if p > P99_KNEE * b {
                    why.push(format!(
                        "p99 {} vs {} at {}",
                        us(p),
                        us(b),
                        base_point.label
                    ));
                }
            }
            why
        };
        let knee = ran.iter().enumerate().find_map(|(i, &(point, pp))| {
            let why = why(pp);
            (!why.is_empty()).then_some((i, point, pp, why))
        });
        let busiest = |pp: &PathPoint| {
            pp.bottleneck.as_ref().map_or_else(String::new, |bn| {
                format!("; busiest there {} at {}", bn.resource, pct(bn.utilization))
            })
        };
        let gbps = |pp: &PathPoint| mean(pp, "delivered_gbps").map(|g| fixed(g, 3));
        match knee {
            Some((i, point, pp, why)) => {
                let mut line = format!(
                    "  {name} stops following the offered load at {}: {}",
                    point.label,
                    why.join(", ")
                );
                if let Some(g) = gbps(pp) {
                    let _ = write!(line, "; delivered {g} Gb/s there");
                    if let Some((prev, prev_pp)) = i.checked_sub(1).map(|j| ran[j]) {
                        if let Some(pg) = gbps(prev_pp) {
                            let _ = write!(line, " after {pg} Gb/s at {}", prev.label);
                        }
                    }
                }
                line.push_str(&busiest(pp));
                let _ = writeln!(out, "{line}.");
            }
            None => {
                let &(last_point, last) = ran.last().expect("not empty");
                let mut line = format!(
                    "  {name} follows the offered load at every point up to {}: no drops",
                    last_point.label
                );
                if let (Some(p), Some(b)) = (mean(last, "latency_p99_ns"), base_p99) {
                    if !std::ptr::eq(last_point, base_point) {
                        let _ =
                            write!(line, ", p99 {} vs {} at {}", us(p), us(b), base_point.label);
                    }
                }
                if let Some(g) = gbps(last) {
                    let _ = write!(line, "; delivered {g} Gb/s there");
                }
                line.push_str(&busiest(last));
                let _ = writeln!(out, "{line}.");
            }
        }
    }
}

/// The points of a sweep where `name` could not be built, as a sentence.
fn infeasible_points(report: &RunReport, name: &str) -> Option<String> {
    let labels: Vec<&str> = report
        .points
        .iter()
        .filter(|p| path_at(p, name).is_some_and(|pp| pp.infeasible.is_some()))
        .map(|p| p.label.as_str())
        .collect();
    (!labels.is_empty()).then(|| {
        format!(
            "{name} is infeasible (cannot be built on this host) at: {}.",
            labels.join("; ")
        )
    })
}

fn cpu(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint) {
    let host = versus(fast, slow, a, b, "host_cpu_ns_per_packet", ns);
    let guest = versus(fast, slow, a, b, "guest_cpu_ns_per_packet", ns);
    if host.is_none() && guest.is_none() {
        return;
    }
    out.push_str("\nCPU per delivered packet\n");
    if let Some(h) = host {
        let _ = writeln!(out, "  host (hypervisor, device models, backends): {h}.");
    }
    if let Some(g) = guest {
        let _ = writeln!(out, "  guest (driver, stack, application): {g}.");
    }
}

fn round_trips(out: &mut String, fast: &str, slow: &str, a: &PathPoint, b: &PathPoint) {
    let Some(p50) = versus(fast, slow, a, b, "rtt_p50_ns", us) else {
        return;
    };
    out.push_str("\nRound trips (request/response flows)\n");
    let mut line = format!("  RTT p50: {p50}");
    if let Some(p99) = versus_short(a, b, "rtt_p99_ns", us) {
        let _ = write!(line, "; p99: {p99}");
    }
    if let Some(t) = versus_short(a, b, "transactions_per_s", |x| fixed(x, 0)) {
        let _ = write!(line, "; transactions per second: {t}");
    }
    if [a, b]
        .iter()
        .any(|pp| mean(pp, "timeouts").is_some_and(|t| t > 0.0))
    {
        if let Some(t) = versus_short(a, b, "timeouts", |x| fixed(x, 0)) {
            let _ = write!(line, "; timeouts: {t}");
        }
    }
    let _ = writeln!(out, "{line}.");
}

/// TCP streams: goodput, how many frames a burst carried (the offloads at
/// work), retransmissions, CPU utilization as netperf reports it and
/// service demand (µs of CPU per KB moved).
fn streams(
    out: &mut String,
    point: &PointReport,
    fast: &str,
    slow: &str,
    a: &PathPoint,
    b: &PathPoint,
) {
    let Some(g) = versus(fast, slow, a, b, "stream_goodput_gbps", |x| {
        format!("{} Gb/s", fixed(x, 3))
    }) else {
        return;
    };
    out.push_str("\nTCP streams (goodput: payload bits per second)\n");
    let _ = writeln!(out, "  Goodput: {g}.");
    let than = format!("{slow}'s");
    if let Some(t) = times(
        point,
        (fast, slow),
        "stream_goodput_gbps",
        |x| format!("{} Gb/s", fixed(x, 3)),
        &than,
    ) {
        let _ = writeln!(out, "  {fast}'s goodput is {t}.");
    }
    if let Some(f) = versus_short(a, b, "tcp_frames_per_burst", |x| fixed(x, 1)) {
        let mut line = format!(
            "  Frames per burst the stack handed its device or took from it at once (TSO/GSO, \
             GRO): {f}"
        );
        if let Some(r) = versus_short(a, b, "tcp_retransmitted_segments", |x| fixed(x, 0)) {
            let _ = write!(line, "; segments retransmitted: {r}");
        }
        let _ = writeln!(out, "{line}.");
    }
    let pcts = |x: f64| format!("{}%", fixed(x, 1));
    if let (Some(h), Some(gu)) = (
        versus(fast, slow, a, b, "host_cpu_pct", pcts),
        versus(fast, slow, a, b, "guest_cpu_pct", pcts),
    ) {
        let _ = writeln!(
            out,
            "  CPU utilization (% of the cores used, as netperf reports it): host {h}; guest {gu}."
        );
    }
    if let Some(sd) = versus(fast, slow, a, b, "service_demand_us_per_kb", |x| {
        format!("{} µs/KB", fixed(x, 3))
    }) {
        let _ = writeln!(
            out,
            "  Service demand (host + guest CPU per KB moved): {sd}."
        );
        if let Some(t) = times(
            point,
            (fast, slow),
            "service_demand_us_per_kb",
            |x| format!("{} µs/KB", fixed(x, 3)),
            &than,
        ) {
            let _ = writeln!(out, "  {fast}'s service demand is {t}.");
        }
    }
}

/// Guests that compute: the share of a vCPU the background job got done
/// beside the network work, interrupts and exits.
fn application(
    out: &mut String,
    point: &PointReport,
    fast: &str,
    slow: &str,
    a: &PathPoint,
    b: &PathPoint,
) {
    let pcts = |x: f64| format!("{}%", fixed(x, 1));
    let Some(bg) = versus(fast, slow, a, b, "background_pct", pcts) else {
        return;
    };
    out.push_str("\nApplication (a CPU-bound background job on every vCPU)\n");
    let _ = writeln!(
        out,
        "  Work the background job got done, in % of its vCPUs: {bg}; what it did not get went \
         to the network, interrupts and exits."
    );
    if let Some(t) = times(
        point,
        (fast, slow),
        "background_pct",
        pcts,
        &format!("{slow}'s"),
    ) {
        let _ = writeln!(out, "  {fast}'s background work is {t}.");
    }
    if let Some(h) = versus(fast, slow, a, b, "host_cpu_pct", pcts) {
        let _ = writeln!(out, "  Host CPU for this VM's I/O: {h}.");
    }
}

fn flexibility(out: &mut String, name: &str, pp: &PathPoint, uc: &UnitCosts) {
    let f = &pp.flexibility;
    let c = &f.capabilities;
    let mut parts = Vec::new();
    if c.needs_vf {
        parts.push(format!(
            "each VM needs one of the NIC's {} VFs (max_vfs)",
            uc.max_vfs
        ));
    }
    match c.vms_per_nic {
        Some(1) => parts.push("one VM per physical NIC".to_owned()),
        Some(n) => parts.push(format!("at most {n} VMs per physical NIC")),
        None if !c.needs_vf => {
            parts.push("any number of VMs share one NIC (no limit from the path)".to_owned())
        }
        None => {}
    }
    parts.push(
        if c.live_migration {
            "live migration possible"
        } else {
            "no live migration (the device belongs to the VM)"
        }
        .to_owned(),
    );
    parts.push(
        if c.hypervisor_in_data_path {
            "the hypervisor touches every packet"
        } else {
            "the hypervisor is not in the data path"
        }
        .to_owned(),
    );
    parts.push(format!(
        "ENI attach {}, detach {}",
        duration_us(f.eni_attach_us),
        duration_us(f.eni_detach_us)
    ));
    let _ = writeln!(out, "  {name}: {}.", parts.join("; "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_count_is_never_rounded_to_zero() {
        // One drop in one of three replications: a mean of 1/3.
        assert_eq!(count(1.0 / 3.0), "0.333");
        assert_eq!(count(2062.0), "2,062");
        assert_eq!(count(2.5), "2.50");
    }
}
