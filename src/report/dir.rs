//! Writing a report into an output directory without ever leaving a
//! half-written file behind.
//!
//! Every file is rendered in memory first, then written (and synced) into a
//! fresh temporary directory on the same file system as the target, then
//! renamed into place:
//! - if `DIR` does not exist, the temporary directory is created next to it
//!   (same parent, named `.DIR.tmp-…`) and renamed to `DIR` in one step, so
//!   `DIR` either does not exist or holds every file;
//! - if `DIR` exists, the temporary directory is created inside it (so it is
//!   on the same file system even if `DIR` is a mount point) and each file is
//!   renamed over its old version. Each file is replaced atomically — a reader
//!   sees the old or the new file, never a mix — but a crash between two
//!   renames can leave a new `summary.json` beside an old `summary.csv`.
//!   Then what described the old summary goes: `.hgrm` and `.hlog` files
//!   the new one does not name and the report made from it (`report.html`,
//!   `report.md`, `plots/*.svg`). Other files in `DIR` are left alone.
//!
//! On any error the temporary directory is removed and nothing in `DIR`
//! changes (except, in the second case, files already renamed).

use crate::experiment::shard::{ShardFile, SHARD_FILE};
use crate::experiment::RunReport;
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The JSON report's file name.
pub const JSON_FILE: &str = "summary.json";
/// The CSV report's file name.
pub const CSV_FILE: &str = "summary.csv";

/// Writes [`JSON_FILE`], [`CSV_FILE`] and every run's latency histograms
/// (named by [`crate::experiment::hgrm_name`]: `<path>.hgrm`, and
/// `<path>.rtt.hgrm` with request/response flows, prefixed `pNN.` per sweep
/// point and `rN.` per replication; see [`super::hgrm`]), each also as an
/// HdrHistogram interval log (`.hlog` for `.hgrm`; see [`super::hlog`]),
/// for `report` into
/// `dir`, creating
/// `dir` (and missing parents) if needed, atomically as the module doc
/// describes. Errors name the path that failed.
pub fn write_dir(dir: &Path, report: &RunReport) -> io::Result<()> {
    let mut owned: Vec<(String, String)> = vec![
        (JSON_FILE.to_owned(), super::json(report)),
        (CSV_FILE.to_owned(), super::csv(report)),
    ];
    for pp in report.points.iter().flat_map(|p| &p.paths) {
        for rtt in [false, true] {
            let (names, what) = match rtt {
                false => (&pp.hgrm, "one-way latency"),
                true => (&pp.rtt_hgrm, "round trip"),
            };
            let hists = pp.runs.iter().filter_map(|r| {
                let h = match rtt {
                    false => r.latency_histogram.as_ref(),
                    true => r.rtt_histogram.as_ref(),
                };
                h.map(|h| (h, r.window_us))
            });
            for (name, (h, window_us)) in names.iter().zip(hists) {
                owned.push((name.clone(), super::hgrm::percentile_distribution(h)));
                let tag = name.strip_suffix(".hgrm").unwrap_or(name);
                let interval = super::hlog::Interval {
                    experiment: &report.experiment,
                    tag,
                    what,
                    length_s: window_us / 1e6,
                };
                let log = super::hlog::interval_log(h, interval).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{tag}: cannot be an interval log's tag or histogram"),
                    )
                })?;
                owned.push((format!("{tag}.{}", super::hlog::EXTENSION), log));
            }
        }
    }
    let files: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let existed = dir.is_dir();
    write_files(dir, &files)?;
    if existed {
        remove_stale(dir, &files)?;
    }
    Ok(())
}

/// After a new summary was written into `dir`, removes what described the
/// old one: `.hgrm` and `.hlog` files the new summary does not name, and the report
/// (`report.html`, `report.md`, `plots/*.svg`, and `plots/` if that leaves
/// it empty), which `enisim report` makes again. Other files stay.
fn remove_stale(dir: &Path, kept: &[(&str, &str)]) -> io::Result<()> {
    let gone = |p: &Path| match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(ctx(p, e)),
        _ => Ok(()),
    };
    for entry in fs::read_dir(dir).map_err(|e| ctx(dir, e))? {
        let path = entry.map_err(|e| ctx(dir, e))?.path();
        let name = path.file_name().and_then(OsStr::to_str).unwrap_or("");
        let histogram = name.ends_with(".hgrm") || name.ends_with(".hlog");
        let stale_hgrm = histogram && !kept.iter().any(|(k, _)| *k == name);
        if (stale_hgrm || name == super::HTML_FILE || name == super::MARKDOWN_FILE)
            && path.is_file()
        {
            gone(&path)?;
        }
    }
    let plots = dir.join(super::PLOTS_DIR);
    if plots.is_dir() {
        for entry in fs::read_dir(&plots).map_err(|e| ctx(&plots, e))? {
            let path = entry.map_err(|e| ctx(&plots, e))?.path();
            if path.extension() == Some(OsStr::new("svg")) && path.is_file() {
                gone(&path)?;
            }
        }
        // Only if empty: anything else the user put there stays.
        let _ = fs::remove_dir(&plots);
    }
    sync_dir(dir);
    Ok(())
}

/// Checks, before a run, that `write_dir(dir, …)` can succeed: `dir` is a
/// directory or can be created, and a file can be made there (a temporary
/// directory is made and removed again). Nothing else is left on disk.
pub fn check_dir(dir: &Path) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{}: exists and is not a directory", dir.display()),
            ))
        }
        Ok(_) => return TempDir::create_in(dir, OsStr::new(PROBE_STEM)).map(drop),
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(ctx(dir, e)),
        Err(_) => {}
    }
    // The nearest ancestor that exists must be a writable directory.
    let mut ancestor = dir.parent();
    while let Some(a) = ancestor {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        match fs::metadata(a) {
            Ok(m) if m.is_dir() => return TempDir::create_in(a, OsStr::new(PROBE_STEM)).map(drop),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{}: exists and is not a directory", a.display()),
                ))
            }
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(ctx(a, e)),
            Err(_) => ancestor = a.parent(),
        }
    }
    Ok(())
}

/// `path: error`, keeping the error's kind.
pub(crate) fn ctx(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Fails unless `dir` can take a shard: it must be writable and new, empty,
/// or hold only an earlier [`SHARD_FILE`] (a shard never lands beside a
/// whole run's results, which `report` would then read as its own).
pub fn check_shard_dir(dir: &Path) -> io::Result<()> {
    check_dir(dir)?;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Not there yet: the shard creates it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        // There but unlistable: say so now, not after the run.
        Err(e) => return Err(ctx(dir, e)),
    };
    let mut others: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != SHARD_FILE)
        // What a writer killed mid-way (a preempted pod, a Slurm time limit)
        // leaves: a retry must not be refused for it.
        .filter(|n| {
            ![REPLACE_STEM, PROBE_STEM]
                .iter()
                .any(|s| TempDir::named(n, s))
        })
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    // A whole run's summary first: the likeliest mistake.
    others.sort_by_key(|n| (n != super::JSON_FILE, n.clone()));
    let more = others.len().saturating_sub(3);
    others.truncate(3);
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} holds other files ({}{}): a shard goes into a new or empty directory, or over \
             an earlier shard",
            dir.display(),
            others.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    ))
}

/// Writes `shard` as `dir/shard.json`, complete or not at all.
pub fn write_shard(dir: &Path, shard: &ShardFile) -> io::Result<()> {
    let text = serde_json::to_string(shard).map_err(io::Error::other)?;
    write_files(dir, &[(SHARD_FILE, &text)])
}

pub(crate) fn write_files(dir: &Path, files: &[(&str, &str)]) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => replace_into_existing(dir, files),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{}: exists and is not a directory", dir.display()),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_new(dir, files),
        Err(e) => Err(ctx(dir, e)),
    }
}

fn create_new(dir: &Path, files: &[(&str, &str)]) -> io::Result<()> {
    let name = dir.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: not a directory name that can be created",
                dir.display()
            ),
        )
    })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| ctx(&parent, e))?;
    let mut tmp = TempDir::create_in(&parent, name)?;
    tmp.write_all(files)?;
    match fs::rename(&tmp.path, dir) {
        Ok(()) => {
            tmp.armed = false;
            sync_dir(&parent);
            Ok(())
        }
        // Someone made `dir` meanwhile: fall back to replacing file by file.
        Err(_) if dir.is_dir() => move_files(&tmp.path, dir, files),
        Err(e) => Err(ctx(dir, e)),
    }
}

fn replace_into_existing(dir: &Path, files: &[(&str, &str)]) -> io::Result<()> {
    let tmp = TempDir::create_in(dir, OsStr::new(REPLACE_STEM))?;
    tmp.write_all(files)?;
    move_files(&tmp.path, dir, files)
}

fn move_files(from: &Path, to: &Path, files: &[(&str, &str)]) -> io::Result<()> {
    for (name, _) in files {
        let dst = to.join(name);
        fs::rename(from.join(name), &dst).map_err(|e| ctx(&dst, e))?;
    }
    sync_dir(to);
    Ok(())
}

/// Makes renames in `dir` durable where the platform allows it.
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A temporary directory, removed with its contents when dropped unless
/// disarmed.
pub(crate) struct TempDir {
    /// Where it is.
    pub(crate) path: PathBuf,
    /// Whether dropping it removes it.
    pub(crate) armed: bool,
}

/// The tag of [`TempDir::create_in`]'s directories (`.<stem>.tmp-…`).
const TMP_TAG: &str = "tmp";

/// The stem of the temporary directory files are written into before they
/// replace those of an existing directory.
const REPLACE_STEM: &str = "enisim";
/// The stem of the directory that tests whether a directory is writable.
const PROBE_STEM: &str = "probe";

impl TempDir {
    /// Whether `name` is that of a temporary directory [`TempDir::create_in`]
    /// made with `stem`.
    fn named(name: &str, stem: &str) -> bool {
        name.strip_prefix('.')
            .and_then(|n| n.strip_prefix(stem))
            .and_then(|n| n.strip_prefix('.'))
            .and_then(|n| n.strip_prefix(TMP_TAG))
            .is_some_and(|n| n.starts_with('-'))
    }

    /// A new, empty directory `.<stem>.tmp-<pid>-<unique>` in `parent`.
    fn create_in(parent: &Path, stem: &OsStr) -> io::Result<TempDir> {
        TempDir::tagged(parent, stem, TMP_TAG)
    }

    /// A new, empty directory `.<stem>.<tag>-<pid>-<unique>` in `parent`.
    pub(crate) fn tagged(parent: &Path, stem: &OsStr, tag: &str) -> io::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut name = std::ffi::OsString::from(".");
            name.push(stem);
            name.push(format!(".{tag}-{}-{nanos}-{n}", std::process::id()));
            let path = parent.join(name);
            match fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path, armed: true }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(ctx(&path, e)),
            }
        }
        Err(ctx(
            parent,
            last.unwrap_or_else(|| io::Error::other("no free temporary name")),
        ))
    }

    fn write_all(&self, files: &[(&str, &str)]) -> io::Result<()> {
        for (name, body) in files {
            write_synced(&self.path.join(name), body)?;
        }
        Ok(())
    }
}

/// Writes `body` to a new file at `path` and syncs it.
pub(crate) fn write_synced(path: &Path, body: &str) -> io::Result<()> {
    let mut f = fs::File::create(path).map_err(|e| ctx(path, e))?;
    f.write_all(body.as_bytes()).map_err(|e| ctx(path, e))?;
    f.sync_all().map_err(|e| ctx(path, e))
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    /// A fresh scratch directory under the system temp dir.
    fn scratch(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "enisim-report-{tag}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        fs::create_dir_all(&p).unwrap();
        p
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_directory_appears_with_every_file_and_no_leftovers() {
        let root = scratch("new");
        let out = root.join("a/b/out");
        write_dir(&out, &sample(true)).unwrap();
        assert_eq!(names(&out), [CSV_FILE, JSON_FILE]);
        assert_eq!(names(&root.join("a/b")), ["out"]);
        let json = fs::read_to_string(out.join(JSON_FILE)).unwrap();
        assert_eq!(json, crate::report::json(&sample(true)));
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn an_existing_directory_gets_its_files_replaced_and_keeps_the_rest() {
        let root = scratch("existing");
        fs::write(root.join(JSON_FILE), "old").unwrap();
        fs::write(root.join("mine.txt"), "keep").unwrap();
        write_dir(&root, &sample(false)).unwrap();
        assert_eq!(names(&root), ["mine.txt", CSV_FILE, JSON_FILE]);
        assert_ne!(fs::read_to_string(root.join(JSON_FILE)).unwrap(), "old");
        assert_eq!(fs::read_to_string(root.join("mine.txt")).unwrap(), "keep");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_file_in_the_way_is_an_error_and_changes_nothing() {
        let root = scratch("file");
        let out = root.join("out");
        fs::write(&out, "not a dir").unwrap();
        let e = write_dir(&out, &sample(false)).unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
        assert_eq!(names(&root), ["out"]);
        assert_eq!(fs::read_to_string(&out).unwrap(), "not a dir");
        fs::remove_dir_all(root).unwrap();
    }
}
