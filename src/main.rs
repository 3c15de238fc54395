//! `enisim`: a thin command-line front end over the library — parse flags,
//! load and validate an experiment, run it, print or write the report.
//!
//! Exit codes: 0 success; 2 bad input (unreadable or invalid experiment or
//! action file, bad flag or `--set`, a configuration the engine refuses); 3
//! `vpc apply` ran, but some actions failed with EC2 errors; 1 any other
//! failure (writing the output, starting threads). `validate-model` exits 0
//! when rows fail: a failing row is a result.

use clap::{Args, Parser, Subcommand};
use enisim::experiment::shard::{self, Shard};
use enisim::experiment::{self, Experiment, ExperimentError, Override, RunReport};
use enisim::model::Profile;
use enisim::report;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Simulate the packet path of a virtualized host: bare metal, emulated,
/// virtio, passthrough and SR-IOV on the same host and traffic.
#[derive(Parser)]
#[command(name = "enisim", version = env!("ENISIM_BUILD"))]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the comparison experiment (experiments/compare.toml, or the copy
    /// built into the binary if that file is not in the current directory),
    /// then its second table, TCP streams with their CPU and service demand
    /// (experiments/compare-stream.toml, as written: --set applies to the
    /// first).
    Compare {
        /// Experiment file to run instead of experiments/compare.toml.
        #[arg(long, value_name = "FILE")]
        experiment: Option<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Run the experiment in FILE over its paths. FILE may also name a
    /// built-in experiment (`enisim experiments` lists them), used when no
    /// such file exists.
    Run {
        /// Experiment file (TOML), or the name of a built-in experiment.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        /// Run only shard I of N of the experiment's runs (I counted from 0;
        /// run j of the point × path × replication list belongs to shard
        /// j mod N) and write them to --out as shard.json, for `enisim
        /// merge` to join with the other shards.
        #[arg(
            long,
            value_name = "I/N",
            value_parser = Shard::parse,
            requires = "out",
            conflicts_with = "json"
        )]
        shard: Option<Shard>,
    },
    /// Join the shard directories of one run (`run --shard I/N --out DIR`,
    /// every I from 0 to N-1, any order) into one results directory, the
    /// same as the run without shards would have written, and print its
    /// table.
    Merge {
        /// Shard directories, each holding shard.json.
        #[arg(value_name = "DIR", required = true)]
        dirs: Vec<PathBuf>,
        /// Results directory to write (as `run --out`; not one of the
        /// shards).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Print the report as JSON on stdout instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Parse and validate an experiment file without running it.
    Validate {
        /// Experiment file (TOML), or the name of a built-in experiment.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        overrides: OverrideArgs,
    },
    /// Write report.html (self-contained, SVG plots), report.md and
    /// plots/*.svg into a results directory written by `run --out` or
    /// `compare --out`.
    Report {
        /// Results directory (holding summary.json and the .hgrm files).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Explain the trade-offs between pairs of paths, in words and only with
    /// numbers of the run: latency and where it comes from, exits, copies,
    /// saturation, CPU, flexibility. Without DIR, runs the reference
    /// comparison first.
    Explain {
        /// Results directory written by `run --out` or `compare --out`.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        /// A pair to compare, FAST,SLOW (repeatable) [default: sriov,emulated].
        #[arg(long = "pair", value_name = "FAST,SLOW", value_parser = parse_pair)]
        pairs: Vec<(String, String)>,
        /// Worker threads when running the reference comparison.
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
    },
    /// Run the validation suite: every experiment file in DIR with its
    /// `[validation]` table (a published measurement, a target and a
    /// tolerance), in parallel; print target, measured and pass/fail per row
    /// and write table.md, table.txt, summary.json, summary.csv and each run's report
    /// into --out. Failing rows are results (exit 0); a bad file is exit 2
    /// before anything runs.
    ValidateModel {
        /// Directory of the suite's .toml files.
        #[arg(value_name = "DIR", default_value = experiment::validation::DEFAULT_DIR)]
        dir: PathBuf,
        /// Results directory, replaced as a whole (it must not exist, be
        /// empty, or hold an earlier result).
        #[arg(long, value_name = "DIR", default_value = experiment::validation::DEFAULT_OUT)]
        out: PathBuf,
        /// Worker threads [default: one per CPU].
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Run only the rows with these ids.
        #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
        only: Vec<String>,
    },
    /// The EC2 VPC/ENI control plane without traffic.
    Vpc {
        #[command(subcommand)]
        command: VpcCommand,
    },
    /// List the experiments built into enisim: `enisim run NAME` runs one
    /// from any directory.
    Experiments,
    /// List the built-in cost profiles, or print one as TOML.
    Profiles {
        /// Print this profile's values as a `[costs]` table to copy from.
        #[arg(value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum VpcCommand {
    /// Apply a TOML or JSON list of EC2 actions and print, as JSON, each
    /// action's result or EC2 error, the final state as EC2's Describe*
    /// outputs, and the warnings. Exit 0 if every action succeeded, 3 if any
    /// failed (the state is unchanged by a failed action and the run goes
    /// on), 2 for a malformed file.
    Apply {
        /// Action file (.toml or .json).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Seed for ids and MAC addresses (same file and seed, same output).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Print the report as JSON on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write summary.json and summary.csv into DIR (created if missing;
    /// files appear complete or not at all).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads for running the paths in parallel; threads the runs
    /// leave idle go to a rack's hosts [default: one per CPU].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(flatten)]
    overrides: OverrideArgs,
}

#[derive(Args, Default)]
struct OverrideArgs {
    /// Override a key of the experiment file: KEY is dotted (host.vms,
    /// run.packets, costs.exit_cycles, flows.0.load, paths), VALUE is a TOML
    /// value (8, 0.2, true, ["sriov"]) or else a plain string. Repeatable;
    /// applied in order, before --seed and --packets.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// Master seed (shorthand for --set seed=N).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(0..=i64::MAX))]
    seed: Option<i64>,
    /// Stop generating after N packets per path (shorthand for
    /// --set run.packets=N).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=i64::MAX))]
    packets: Option<i64>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once(',') {
        Some((a, b)) if a.trim() == b.trim() => Err(format!(
            "a pair names two different paths, not {} twice",
            a.trim()
        )),
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() && !b.contains(',') => {
            Ok((a.trim().to_owned(), b.trim().to_owned()))
        }
        _ => Err("expected two path names separated by a comma, e.g. sriov,emulated".into()),
    }
}

fn parse_override(s: &str) -> Result<Override, String> {
    Override::parse(s).map_err(|e| match e {
        // clap already names the flag and the argument.
        ExperimentError::Set { message, .. } => message,
        other => other.to_string(),
    })
}

impl OverrideArgs {
    /// Every override in application order.
    fn all(&self) -> Vec<Override> {
        let mut v = self.set.clone();
        // Parsed as TOML's i64, so a negative number is named as out of
        // range rather than as an unknown flag.
        if let Some(seed) = self.seed {
            v.extend(Override::new("seed", toml::Value::Integer(seed)));
        }
        if let Some(n) = self.packets {
            v.extend(Override::new("run.packets", toml::Value::Integer(n)));
        }
        v
    }
}

/// A failure, sorted by exit code.
enum Failure {
    /// Bad input: exit 2.
    Input(String),
    /// Anything else: exit 1.
    Other(String),
    /// `vpc apply`: some actions failed with EC2 errors: exit 3.
    ActionsFailed(String),
}

impl From<ExperimentError> for Failure {
    fn from(e: ExperimentError) -> Self {
        if e.is_input_error() {
            Failure::Input(e.to_string())
        } else {
            Failure::Other(e.to_string())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Other(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
        Err(Failure::ActionsFailed(m)) => {
            eprintln!("note: {m}");
            ExitCode::from(3)
        }
    }
}

fn dispatch(command: Command) -> Result<(), Failure> {
    match command {
        Command::Compare { experiment, run } => match experiment {
            Some(file) => {
                let exp = Experiment::from_file(&file, &run.overrides.all())?;
                run_and_report(&exp, &run)
            }
            None => {
                let exp = load_builtin("compare", &run.overrides.all())?;
                let streams = load_builtin("compare-stream", &[])?;
                run_and_report(&exp, &run)?;
                if run.json {
                    // The JSON is the reference's; the streams' report is
                    // in DIR/streams with --out.
                    if let Some(dir) = &run.out {
                        let args = RunArgs {
                            json: true,
                            out: Some(dir.join("streams")),
                            threads: run.threads,
                            overrides: OverrideArgs::default(),
                        };
                        write_only(&streams, &args)?;
                    }
                    return Ok(());
                }
                emit("\nTCP streams (experiments/compare-stream.toml)\n")?;
                let args = RunArgs {
                    json: false,
                    out: run.out.as_ref().map(|d| d.join("streams")),
                    threads: run.threads,
                    overrides: OverrideArgs::default(),
                };
                run_and_report(&streams, &args)
            }
        },
        Command::Run { file, run, shard } => {
            let exp = load_experiment(&file, &run.overrides.all())?;
            match shard {
                Some(shard) => run_shard(&exp, &run, shard),
                None => run_and_report(&exp, &run),
            }
        }
        Command::Merge { dirs, out, json } => merge(&dirs, &out, json),
        Command::Validate { file, overrides } => {
            let exp = load_experiment(&file, &overrides.all())?;
            emit(&format!(
                "ok: {}: {} path{}, {} flow{}\n",
                exp.name,
                exp.paths.len(),
                plural(exp.paths.len()),
                exp.flows().len(),
                plural(exp.flows().len())
            ))
        }
        Command::Profiles { name } => profiles(name.as_deref()),
        Command::Experiments => experiments(),
        Command::Report { dir } => {
            let written = report::write_report(&dir).map_err(|e| match e {
                report::ReportError::Load(e) => Failure::Input(e.to_string()),
                other => Failure::Other(other.to_string()),
            })?;
            let list: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            eprintln!("wrote {} files:", list.len());
            emit(&format!("{}\n", list.join("\n")))
        }
        Command::Explain {
            dir,
            pairs,
            threads,
        } => {
            let pairs = if pairs.is_empty() {
                enisim::explain::default_pairs()
            } else {
                pairs
            };
            let report = match dir {
                Some(dir) => {
                    report::load(&dir)
                        .map_err(|e| Failure::Input(e.to_string()))?
                        .report
                }
                None => {
                    let exp = load_builtin("compare", &[])?;
                    with_progress(|progress| {
                        experiment::run_experiment_with(&exp, threads.map(usize::from), progress)
                    })?
                }
            };
            let text = enisim::explain::explain(&report, &pairs)
                .map_err(|e| Failure::Input(e.to_string()))?;
            emit(&text)
        }
        Command::Vpc {
            command: VpcCommand::Apply { file, seed },
        } => vpc_apply(&file, seed),
        Command::ValidateModel {
            dir,
            out,
            threads,
            only,
        } => validate_model(&dir, &out, threads, &only),
    }
}

/// `enisim validate-model`: load the whole suite (any bad file: exit 2,
/// nothing runs), check --out, run, write, print.
fn validate_model(
    dir: &Path,
    out: &Path,
    threads: Option<u16>,
    only: &[String],
) -> Result<(), Failure> {
    use experiment::validation::{self as v, SuiteError};
    use report::validation::{self as results, WriteError};
    let suite_failure = |e: SuiteError| {
        if e.is_input_error() {
            Failure::Input(e.to_string())
        } else {
            Failure::Other(e.to_string())
        }
    };
    let write_failure = |e: WriteError| match e {
        WriteError::NotOurs(m) => Failure::Input(m),
        WriteError::Io(e) => {
            Failure::Other(format!("cannot write results to {}: {e}", out.display()))
        }
    };
    let only: Vec<String> = only
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let suite = v::load_suite(dir, &only).map_err(suite_failure)?;
    results::check_out(out).map_err(write_failure)?;
    let report = with_progress(|progress| v::run_suite(&suite, threads.map(usize::from), progress))
        .map_err(suite_failure)?;
    results::write_results(out, &report).map_err(write_failure)?;
    eprintln!(
        "wrote {}, {}, {}, {} and {} run director{} in {}",
        v::TABLE_FILE,
        v::TEXT_FILE,
        v::JSON_FILE,
        v::CSV_FILE,
        report.rows.len(),
        if report.rows.len() == 1 { "y" } else { "ies" },
        out.display()
    );
    emit(&results::table(&report))
}

/// `enisim vpc apply`: exit 3 (a distinct code) when an action failed.
fn vpc_apply(file: &Path, seed: u64) -> Result<(), Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Input(format!("{}: {e}", file.display())))?;
    let out = enisim::vpc::apply_file(&file.display().to_string(), &text, seed)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let json = out.to_json();
    emit(&json)?;
    if !json.ends_with('\n') {
        emit("\n")?;
    }
    if out.any_failed() {
        let n = out.results.iter().filter(|r| r.result.is_err()).count();
        return Err(Failure::ActionsFailed(format!(
            "{n} of {} actions failed (their EC2 errors are in the output)",
            out.results.len()
        )));
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The experiment in `file`; or, when no such file exists, the built-in
/// experiment it names (saying so on stderr). Neither: the read error with
/// the built-in names.
fn load_experiment(file: &Path, overrides: &[Override]) -> Result<Experiment, Failure> {
    // A directory of that name is no experiment file either: typically the
    // results of an earlier `run NAME --out NAME`.
    if !file.exists() || file.is_dir() {
        if let Some(b) = file.to_str().and_then(experiment::builtin::find) {
            // The shipped file as it stands here (edited, perhaps) wins over
            // the copy built into the binary: NAME.toml, then
            // experiments/NAME.toml (in the clone).
            let local = [
                PathBuf::from(format!("{}.toml", b.name)),
                Path::new("experiments").join(format!("{}.toml", b.name)),
            ]
            .into_iter()
            .find(|p| p.is_file() && p.as_path() != file);
            if let Some(p) = local {
                eprintln!(
                    "note: {} is not an experiment file; using {}",
                    file.display(),
                    p.display()
                );
                return Ok(Experiment::from_file(&p, overrides)?);
            }
            eprintln!(
                "note: {} {}; using the built-in experiments/{}.toml",
                file.display(),
                if file.is_dir() {
                    "is a directory"
                } else {
                    "not found"
                },
                b.name
            );
            return Ok(Experiment::from_toml(&b.label(), b.text, overrides)?);
        }
    }
    Experiment::from_file(file, overrides).map_err(|e| match e {
        ExperimentError::Read { ref source, .. } if source.kind() == io::ErrorKind::NotFound => {
            Failure::Input(format!(
                "{e}; nor is it a built-in experiment ({})",
                experiment::builtin::names()
            ))
        }
        other => other.into(),
    })
}

/// `enisim experiments`: every built-in experiment with its description.
fn experiments() -> Result<(), Failure> {
    let mut out = String::new();
    for b in experiment::builtin::BUILTIN {
        out.push_str(&format!(
            "{:<22}  {}\n",
            b.name,
            b.description().unwrap_or_default()
        ));
    }
    out.push_str(
        "\n`enisim run NAME` runs one from any directory (NAME, NAME.toml or \
         experiments/NAME.toml in the current directory wins); `enisim run NAME --set \
         KEY=VALUE` changes it.\n",
    );
    emit(&out)
}

/// The built-in experiment `name`: `experiments/NAME.toml` in the current
/// directory, or the copy built into enisim when there is none.
fn load_builtin(name: &str, overrides: &[Override]) -> Result<Experiment, Failure> {
    let b = experiment::builtin::find(name).expect("a shipped experiment's name");
    let path = Path::new("experiments").join(format!("{}.toml", b.name));
    if path.exists() {
        Ok(Experiment::from_file(&path, overrides)?)
    } else {
        eprintln!(
            "note: {} not found in the current directory; using the copy built into enisim",
            path.display()
        );
        Ok(Experiment::from_toml(&b.label(), b.text, overrides)?)
    }
}

/// Runs `exp` and writes its results into `args.out`, printing nothing on
/// stdout.
fn write_only(exp: &Experiment, args: &RunArgs) -> Result<(), Failure> {
    let Some(dir) = &args.out else {
        return Ok(());
    };
    check_out(dir)?;
    let report = with_progress(|progress| {
        experiment::run_experiment_with(exp, args.threads.map(usize::from), progress)
    })?;
    report::write_dir(dir, &report)
        .map_err(|e| Failure::Other(format!("writing results to {}: {e}", dir.display())))
}

fn run_and_report(exp: &Experiment, args: &RunArgs) -> Result<(), Failure> {
    // Fail before the run, not after it, if the results cannot be written.
    if let Some(dir) = &args.out {
        check_out(dir)?;
    }
    let report = with_progress(|progress| {
        experiment::run_experiment_with(exp, args.threads.map(usize::from), progress)
    })?;
    deliver(&report, args.out.as_deref(), args.json)
}

/// Fails unless results can be written into `dir`.
fn check_out(dir: &Path) -> Result<(), Failure> {
    report::check_dir(dir)
        .map_err(|e| Failure::Other(format!("cannot write results to {}: {e}", dir.display())))
}

/// Writes `report` into `out`, if given, and prints it (the table, or JSON).
fn deliver(report: &RunReport, out: Option<&Path>, json: bool) -> Result<(), Failure> {
    if let Some(dir) = out {
        report::write_dir(dir, report)
            .map_err(|e| Failure::Other(format!("writing results to {}: {e}", dir.display())))?;
        let hists: usize = report
            .points
            .iter()
            .flat_map(|p| &p.paths)
            .map(|pp| pp.hgrm.len() + pp.rtt_hgrm.len())
            .sum();
        eprintln!(
            "wrote {}, {} and {hists} latency histogram{} (.hgrm, and .hlog interval logs) in {}; \
             `enisim report {}` makes the plots",
            report::JSON_FILE,
            report::CSV_FILE,
            plural(hists),
            dir.display(),
            dir.display()
        );
    }
    if json {
        emit(&report::json(report))
    } else {
        emit(&report::table(report))
    }
}

/// `enisim run --shard I/N`: run the shard's jobs and write its directory.
fn run_shard(exp: &Experiment, args: &RunArgs, shard: Shard) -> Result<(), Failure> {
    let Some(dir) = &args.out else {
        return Err(Failure::Input("--shard needs --out DIR".into()));
    };
    report::check_shard_dir(dir)
        .map_err(|e| Failure::Other(format!("cannot write the shard to {}: {e}", dir.display())))?;
    let file = with_progress(|progress| {
        shard::run_shard(exp, shard, args.threads.map(usize::from), progress)
    })?;
    report::write_shard(dir, &file)
        .map_err(|e| Failure::Other(format!("writing the shard to {}: {e}", dir.display())))?;
    emit(&format!(
        "shard {shard}: ran {} of the {} runs of {}; wrote {}; join every shard with \
         `enisim merge DIR… --out DIR`\n",
        file.runs.len(),
        file.jobs,
        exp.name,
        dir.join(shard::SHARD_FILE).display()
    ))
}

/// `enisim merge`: read every shard (a bad one: exit 2, nothing written),
/// join them, write and print the report.
fn merge(dirs: &[PathBuf], out: &Path, json: bool) -> Result<(), Failure> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if let Some(d) = dirs.iter().find(|d| same(d, out)) {
        return Err(Failure::Input(format!(
            "--out {} is one of the shard directories ({}); write the merged results elsewhere",
            out.display(),
            d.display()
        )));
    }
    check_out(out)?;
    let mut shards = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let file = dir.join(shard::SHARD_FILE);
        let name = file.display().to_string();
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Failure::Input(if !dir.exists() {
                format!("{}: no such shard directory", dir.display())
            } else if e.kind() == io::ErrorKind::NotFound && dir.is_dir() {
                format!(
                    "{name}: no such file: {} is not a shard directory (written by `enisim run \
                     --shard I/N --out DIR`)",
                    dir.display()
                )
            } else {
                format!("{name}: cannot read: {e}")
            })
        })?;
        shards.push((name.clone(), shard::parse(&name, &text).map_err(input)?));
    }
    let (_, report) = shard::merge(shards).map_err(input)?;
    deliver(&report, Some(out), json)
}

/// A merge error as bad input (exit 2).
fn input(e: shard::MergeError) -> Failure {
    Failure::Input(e.to_string())
}

/// Runs `f` with a progress callback that draws a bar with an ETA on stderr
/// when stderr is a terminal, and does nothing otherwise (a pipe or a file
/// gets no control characters).
fn with_progress<T>(f: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> T) -> T {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    if !io::stderr().is_terminal() {
        return f(&|_, _| {});
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {elapsed} elapsed, ETA {eta}")
    {
        bar.set_style(style);
    }
    let out = f(&|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    out
}

fn profiles(name: Option<&str>) -> Result<(), Failure> {
    let Some(name) = name else {
        let mut out = String::new();
        for n in Profile::NAMES {
            let summary = Profile::builtin(n).map(|p| p.summary).unwrap_or_default();
            out.push_str(&format!("{n:<16}  {summary}\n"));
        }
        return emit(&out);
    };
    let Some(p) = Profile::builtin(name) else {
        return Err(Failure::Input(format!(
            "unknown profile {name:?}; built-in profiles: {}",
            Profile::NAMES.join(", ")
        )));
    };
    let body = toml::to_string(&p).map_err(|e| Failure::Other(e.to_string()))?;
    let mut out = format!(
        "# {}: {}\n# Copy any of these under [costs] in an experiment to override them.\n\
         profile = {:?}\n\n[costs]\n",
        p.name, p.summary, p.name
    );
    for line in body.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        if key != "name" && key != "summary" && !line.trim().is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    emit(&out)
}

/// Writes `text` to stdout. A closed pipe (`enisim ... | head`) is not an
/// error: the reader has what it wanted.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Other(format!("writing to stdout: {e}"))),
    }
}
