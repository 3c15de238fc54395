//! Sweeps across machines: `enisim run --shard I/N` runs one slice of an
//! experiment's runs and writes their whole results to a directory;
//! `enisim merge DIR…` joins the N slices into the report an unsharded run
//! gives, byte for byte (the wall-clock fields aside, as between any two
//! runs).
//!
//! A cluster's scheduler does the distribution — a Slurm array job or a
//! Kubernetes Indexed Job (`deploy/` holds one of each) — and enisim only
//! splits and joins: a run's results depend on its configuration and seed
//! alone, so it does not matter which machine ran it.
//!
//! **The split.** Job `j` of [`jobs`] (point, path, replication order)
//! belongs to shard `j mod N`. Round robin rather than contiguous slices:
//! neighbouring points of a sweep cost alike (a load sweep's last points
//! simulate the most packets), so contiguous slices would leave one shard
//! with all the expensive runs.
//!
//! **The shard file** (`shard.json`) is JSON: the experiment as run (the
//! file with every `--set` applied; merging rebuilds the experiment from it,
//! so no shard needs the experiment file), the shard's index and count, the
//! total number of jobs, and each of its runs' full results. Histograms
//! travel in HdrHistogram's V2 compressed encoding in base64 — the form
//! HdrHistogram's own interval logs use, and lossless, unlike the `.hgrm`
//! percentile text. Numbers are parsed back exactly (serde_json's
//! `float_roundtrip`), so the merged statistics are those of one run.
//!
//! Merging refuses, naming the directory: a file that is not a shard, one
//! written by another enisim build, shards of different experiments or
//! counts, a shard given twice, a missing shard, and a shard whose runs are
//! not the jobs its index owns.

use super::runner::{assemble, jobs, run_jobs, Outcome, RunReport};
use super::{Experiment, ExperimentError};
use crate::metrics::PathResult;
use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The file a shard directory holds.
pub const SHARD_FILE: &str = "shard.json";

/// The value of [`ShardFile::format`]: what tells a shard file from other
/// JSON.
pub const SHARD_FORMAT: &str = "enisim-shard";

/// Version of the [`ShardFile`] layout; bumped when a key changes meaning.
pub const SHARD_SCHEMA_VERSION: u32 = 1;

/// The most shards a run can be split into: a sweep's run limit
/// ([`super::sweep::MAX_RUNS`]); more shards than runs leave some empty.
pub const MAX_SHARDS: u32 = super::sweep::MAX_RUNS as u32;

/// One slice of a run: shard `index` of `count` (0-based, as Slurm's
/// `SLURM_ARRAY_TASK_ID` with `--array=0-…` and Kubernetes'
/// `JOB_COMPLETION_INDEX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u32,
    /// How many shards the run is split into, `1..=`[`MAX_SHARDS`].
    pub count: u32,
}

impl Shard {
    /// Parses `I/N`, with `0 ≤ I < N ≤ MAX_SHARDS`; the error says what is
    /// allowed.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let form = "expected I/N: shard I (counted from 0) of N, e.g. 0/4 … 3/4";
        let (i, n) = s.split_once('/').ok_or_else(|| form.to_owned())?;
        let num = |t: &str, what: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| format!("{what} {:?} is not a whole number; {form}", t.trim()))
        };
        let (index, count) = (num(i, "index")?, num(n, "count")?);
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "count {count} out of range: allowed 1 to {MAX_SHARDS} (the most runs a sweep \
                 may have)"
            ));
        }
        if index >= count {
            return Err(format!(
                "index {index} out of range for {count} shards: allowed 0 to {} (counted from 0)",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether job `job` of [`jobs`] belongs to this shard.
    pub fn owns(&self, job: usize) -> bool {
        job % self.count as usize == self.index as usize
    }

    /// How many of `jobs` jobs (indices `0..jobs`) belong to this shard.
    pub fn owned_of(&self, jobs: usize) -> usize {
        let (i, n) = (self.index as usize, self.count as usize);
        (jobs + n - 1 - i) / n
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What `enisim run --shard` writes: see the module's docs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// [`SHARD_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The enisim build that ran it (`ENISIM_BUILD`: the version, and the
    /// git commit it was built from, `-dirty` with uncommitted changes);
    /// merging needs the same build. Two builds from one dirty tree share
    /// a name: commit before running shards on a cluster.
    pub enisim_version: String,
    /// The experiment file as the user named it (for messages).
    pub source: String,
    /// Experiment name.
    pub experiment: String,
    /// Which slice this is.
    pub shard: Shard,
    /// Jobs of the whole run (every shard's).
    pub jobs: usize,
    /// The experiment as run: its file with every `--set` applied.
    pub experiment_as_run: toml::Table,
    /// This shard's runs, in job order.
    pub runs: Vec<ShardRun>,
}

/// One run of a shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardRun {
    /// Its position in [`jobs`].
    pub job: usize,
    /// Sweep point.
    pub point: usize,
    /// I/O path name.
    pub path: String,
    /// Replication.
    pub replication: u32,
    /// Why the path cannot be built at this point (a hardware limit); then
    /// there is no `result`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infeasible: Option<String>,
    /// The run's results (without histograms: those follow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Box<PathResult>>,
    /// The one-way latency histogram, V2 compressed, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_histogram: Option<String>,
    /// The round-trip histogram, V2 compressed, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_histogram: Option<String>,
}

/// Runs the jobs of `exp` that `shard` owns (see [`run_jobs`] for
/// `threads` and `progress`) and returns what its directory keeps.
pub fn run_shard(
    exp: &Experiment,
    shard: Shard,
    threads: Option<usize>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ShardFile, ExperimentError> {
    let all = jobs(exp);
    let total = all.len();
    let mine: Vec<_> = all.into_iter().filter(|j| shard.owns(j.index)).collect();
    let outcomes = run_jobs(exp, &mine, threads, progress)?;
    let mut runs = Vec::with_capacity(mine.len());
    for (job, outcome) in mine.iter().zip(outcomes) {
        let mut run = ShardRun {
            job: job.index,
            point: job.point,
            path: job.path.name().to_owned(),
            replication: job.replication,
            infeasible: None,
            result: None,
            latency_histogram: None,
            rtt_histogram: None,
        };
        match outcome {
            Outcome::Infeasible(why) => run.infeasible = Some(why),
            Outcome::Ran(mut r) => {
                let encode = |h: Option<Histogram<u64>>| h.map(|h| encode(&h)).transpose();
                run.latency_histogram = encode(r.latency_histogram.take())?;
                run.rtt_histogram = encode(r.rtt_histogram.take())?;
                run.result = Some(r);
            }
        }
        runs.push(run);
    }
    Ok(ShardFile {
        format: SHARD_FORMAT.to_owned(),
        schema_version: SHARD_SCHEMA_VERSION,
        enisim_version: env!("ENISIM_BUILD").to_owned(),
        source: exp.source.clone(),
        experiment: exp.name.clone(),
        shard,
        jobs: total,
        experiment_as_run: exp.as_run.clone(),
        runs,
    })
}

/// A histogram in HdrHistogram's V2 compressed encoding, base64.
fn encode(h: &Histogram<u64>) -> Result<String, ExperimentError> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .map_err(|e| ExperimentError::Encode {
            message: format!("cannot encode a latency histogram: {e:?}"),
        })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The histogram [`encode`] wrote.
fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("not base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("not an HdrHistogram V2 encoding: {e:?}"))
}

/// Why shards could not be merged. `file` names the shard's file as read.
#[derive(Debug)]
pub enum MergeError {
    /// The file is not a shard of this layout.
    NotAShard {
        /// The shard file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Written by another enisim build.
    Version {
        /// The shard file.
        file: String,
        /// The version that wrote it.
        found: String,
    },
    /// Two shards are not slices of the same run.
    Mismatch {
        /// The shard that differs.
        file: String,
        /// The first shard given.
        first: String,
        /// What differs.
        what: String,
    },
    /// The same shard given twice.
    Duplicate {
        /// The shard.
        shard: Shard,
        /// Its first file.
        first: String,
        /// Its second file.
        second: String,
    },
    /// Shards not given.
    Missing {
        /// Their indices.
        indices: Vec<u32>,
        /// The shard count.
        count: u32,
    },
    /// A shard's runs are not the jobs its index owns, or one is damaged.
    Runs {
        /// The shard file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The experiment the shards carry is not valid for this enisim.
    Experiment {
        /// The shard file it was read from (the first given; all carry the
        /// same).
        file: String,
        /// Why it is not valid.
        error: Box<ExperimentError>,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::NotAShard { file, message } => write!(
                f,
                "{file}: not a shard written by `enisim run --shard I/N`: {message}"
            ),
            MergeError::Version { file, found } => write!(
                f,
                "{file}: written by enisim {found}, this is enisim {}: merge with the build \
                 that ran the shards (results of two builds must not be mixed)",
                env!("ENISIM_BUILD")
            ),
            MergeError::Mismatch { file, first, what } => write!(
                f,
                "{file} and {first} are not shards of the same run: {what} differ"
            ),
            MergeError::Duplicate {
                shard,
                first,
                second,
            } => write!(f, "shard {shard} given twice: {first} and {second}"),
            MergeError::Missing { indices, count } => {
                let list: Vec<String> = indices.iter().map(|i| format!("{i}/{count}")).collect();
                write!(
                    f,
                    "{} of {count} shards missing: {}; give the directory of every shard \
                     (0/{count} to {}/{count})",
                    indices.len(),
                    list.join(", "),
                    count - 1
                )
            }
            MergeError::Runs { file, message } => write!(f, "{file}: {message}"),
            MergeError::Experiment { file, error } => write!(
                f,
                "{file}: the experiment the shards carry (experiment_as_run) is not valid for \
                 this enisim: {error}"
            ),
        }
    }
}

impl std::error::Error for MergeError {}

/// Reads a shard file's text (`file` names it in errors).
pub fn parse(file: &str, text: &str) -> Result<ShardFile, MergeError> {
    let not = |message: String| MergeError::NotAShard {
        file: file.to_owned(),
        message,
    };
    // The format first, so that a foreign file is named as such rather than
    // by the first key it lacks.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| not(format!("invalid JSON: {e}")))?;
    match value.get("format").and_then(|v| v.as_str()) {
        Some(SHARD_FORMAT) => {}
        Some(other) => return Err(not(format!("format is {other:?}, not {SHARD_FORMAT:?}"))),
        None => return Err(not(format!("no \"format\": {SHARD_FORMAT:?} key"))),
    }
    match value.get("schema_version") {
        Some(v) if v.as_u64() == Some(u64::from(SHARD_SCHEMA_VERSION)) => {}
        Some(v) => {
            return Err(not(format!(
                "schema_version is {v}; this enisim reads {SHARD_SCHEMA_VERSION}"
            )))
        }
        None => {
            return Err(not(format!(
                "no \"schema_version\" key; this enisim reads {SHARD_SCHEMA_VERSION}"
            )))
        }
    }
    // The parsed value, not the text again (numbers were read exactly).
    let shard: ShardFile = serde_json::from_value(value).map_err(|e| not(e.to_string()))?;
    if shard.enisim_version != env!("ENISIM_BUILD") {
        return Err(MergeError::Version {
            file: file.to_owned(),
            found: shard.enisim_version,
        });
    }
    // The count bounds what merging allocates: a damaged count must be an
    // error, not an allocation of billions of slots.
    if shard.shard.count == 0
        || shard.shard.count > MAX_SHARDS
        || shard.shard.index >= shard.shard.count
    {
        return Err(not(format!(
            "shard {} is not a valid I/N (0 <= I < N <= {MAX_SHARDS})",
            shard.shard
        )));
    }
    Ok(shard)
}

/// Joins the shards of one run (each with the name of its file, for
/// messages) into its report, with the experiment rebuilt from what they
/// carry. Every shard `0..N` must be given once.
pub fn merge(shards: Vec<(String, ShardFile)>) -> Result<(Experiment, RunReport), MergeError> {
    let Some((first_file, first)) = shards.first() else {
        return Err(MergeError::Missing {
            indices: vec![0],
            count: 1,
        });
    };
    let count = first.shard.count;
    let mut seen: Vec<Option<&str>> = vec![None; count as usize];
    for (file, s) in &shards {
        let differs = |what: &str| MergeError::Mismatch {
            file: file.clone(),
            first: first_file.clone(),
            what: what.to_owned(),
        };
        if s.experiment_as_run != first.experiment_as_run {
            return Err(differs("the experiments as run (file and --set)"));
        }
        if s.shard.count != count {
            return Err(differs(&format!(
                "the shard counts ({} and {count})",
                s.shard.count
            )));
        }
        if s.jobs != first.jobs {
            return Err(differs("the numbers of jobs"));
        }
        let slot = &mut seen[s.shard.index as usize];
        if let Some(prev) = slot {
            return Err(MergeError::Duplicate {
                shard: s.shard,
                first: (*prev).to_owned(),
                second: file.clone(),
            });
        }
        *slot = Some(file);
    }
    let missing: Vec<u32> = (0..count).filter(|&i| seen[i as usize].is_none()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            indices: missing,
            count,
        });
    }
    let text = toml::to_string(&first.experiment_as_run).map_err(|e| MergeError::Runs {
        file: first_file.clone(),
        message: format!("experiment_as_run is not a TOML document: {e}"),
    })?;
    let exp = Experiment::from_toml(&first.source, &text, &[]).map_err(|error| {
        MergeError::Experiment {
            file: first_file.clone(),
            error: Box::new(error),
        }
    })?;
    let all = jobs(&exp);
    if all.len() != first.jobs {
        return Err(MergeError::Runs {
            file: first_file.clone(),
            message: format!(
                "the shards say {} jobs, their experiment has {}",
                first.jobs,
                all.len()
            ),
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; all.len()];
    for (file, s) in shards {
        let bad = |message: String| MergeError::Runs {
            file: file.clone(),
            message,
        };
        let owned = s.shard.owned_of(all.len());
        if s.runs.len() != owned {
            return Err(bad(format!(
                "shard {} holds {} runs; it owns {owned} of the {} jobs",
                s.shard,
                s.runs.len(),
                all.len()
            )));
        }
        for run in s.runs {
            let job = all
                .get(run.job)
                .filter(|j| s.shard.owns(j.index))
                .ok_or_else(|| bad(format!("job {} is not one shard {} owns", run.job, s.shard)))?;
            if (run.point, run.path.as_str(), run.replication)
                != (job.point, job.path.name(), job.replication)
            {
                return Err(bad(format!(
                    "job {} is point {}, path {}, replication {} in the experiment, not point \
                     {}, path {}, replication {}",
                    job.index,
                    job.point,
                    job.path.name(),
                    job.replication,
                    run.point,
                    run.path,
                    run.replication
                )));
            }
            let outcome = match (run.result, run.infeasible) {
                (Some(mut r), None) => {
                    let decode = |h: Option<String>, what: &str| {
                        h.map(|t| decode(&t))
                            .transpose()
                            .map_err(|m| bad(format!("job {}: {what} histogram: {m}", job.index)))
                    };
                    r.latency_histogram = decode(run.latency_histogram, "latency")?;
                    r.rtt_histogram = decode(run.rtt_histogram, "round-trip")?;
                    // Every run has a one-way histogram, and a round-trip one
                    // exactly when it has round trips: a shard that lacks
                    // one would merge into a directory without its .hgrm.
                    if r.latency_histogram.is_none() {
                        return Err(bad(format!("job {}: no latency histogram", job.index)));
                    }
                    if r.rtt_histogram.is_some() != r.rtt_ns.is_some() {
                        return Err(bad(format!(
                            "job {}: a round-trip histogram {} its round trips",
                            job.index,
                            if r.rtt_ns.is_some() {
                                "missing for"
                            } else {
                                "without"
                            }
                        )));
                    }
                    Outcome::Ran(r)
                }
                (None, Some(why)) => Outcome::Infeasible(why),
                (result, _) => {
                    let has = if result.is_some() { "both" } else { "neither" };
                    return Err(bad(format!(
                        "job {} has {has} a result and a reason it is infeasible; it needs \
                         one of them",
                        job.index
                    )));
                }
            };
            let slot = &mut outcomes[job.index];
            if slot.is_some() {
                return Err(bad(format!("job {} appears twice", job.index)));
            }
            *slot = Some(outcome);
        }
    }
    // Every shard held all its jobs once (counted and checked above), so
    // every slot is filled.
    let outcomes = outcomes.into_iter().flatten().collect();
    let report = assemble(&exp, outcomes);
    Ok((exp, report))
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn a_shard_owns_as_many_jobs_as_its_rule_picks() {
        for count in 1..=7u32 {
            for index in 0..count {
                let s = Shard { index, count };
                for jobs in 0..=30usize {
                    let by_rule = (0..jobs).filter(|&j| s.owns(j)).count();
                    assert_eq!(s.owned_of(jobs), by_rule, "{s} of {jobs} jobs");
                }
            }
        }
    }
}
