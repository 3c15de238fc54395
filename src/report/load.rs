//! Reading an output directory back: `summary.json` and every `.hgrm` file
//! it names, for `enisim report DIR`.
//!
//! The directory is untrusted input (it may be old, edited or truncated), so
//! everything is checked before anything is rendered: the schema version
//! must be this build's, histogram names must be plain file names inside the
//! directory, and every histogram must parse. Errors name the file and what
//! is wrong with it, and say what to do.

use super::dir::JSON_FILE;
use super::hgrm;
use crate::experiment::{RunReport, SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// An output directory as read back: the report and its histograms.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The directory it was read from.
    pub dir: PathBuf,
    /// `summary.json`.
    pub report: RunReport,
    /// Every histogram `summary.json` names (`points[].paths[].hgrm` and
    /// `rtt_hgrm`), by file name, parsed (values in µs, see [`hgrm::SCALE`]).
    pub histograms: BTreeMap<String, Vec<hgrm::Line>>,
}

/// Why an output directory could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// The directory does not exist, or is not a directory.
    NoDir {
        /// The directory given.
        dir: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The directory has no `summary.json`.
    NoSummary {
        /// The file that is missing.
        file: PathBuf,
    },
    /// A file exists but could not be read.
    Read {
        /// The file.
        file: PathBuf,
        /// The operating system's error.
        error: io::Error,
    },
    /// `summary.json` is not JSON, or not the layout of a report.
    Json {
        /// The file.
        file: PathBuf,
        /// Line of the error (1-based).
        line: usize,
        /// Column of the error (1-based).
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// `summary.json` was written by an enisim with another layout.
    Schema {
        /// The file.
        file: PathBuf,
        /// Its `schema_version` (None when absent or not a number).
        found: Option<u64>,
    },
    /// `summary.json` names a histogram that is not a plain file name
    /// (a path separator, `..`, or empty): refused rather than read from
    /// outside the directory.
    BadHgrmName {
        /// `summary.json`.
        file: PathBuf,
        /// The name as written.
        name: String,
    },
    /// A histogram named in `summary.json` is not in the directory.
    MissingHgrm {
        /// The missing file.
        file: PathBuf,
    },
    /// A histogram file is not in HdrHistogram's percentile-distribution
    /// format.
    BadHgrm {
        /// The file.
        file: PathBuf,
        /// The first malformed line (1-based).
        line: usize,
        /// That line's text (shortened).
        text: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NoDir { dir, reason } => write!(
                f,
                "{}: {reason}; give the directory an `enisim run … --out DIR` wrote",
                dir.display()
            ),
            LoadError::NoSummary { file } => write!(
                f,
                "{}: not found; is this a directory written by `enisim run … --out DIR`?",
                file.display()
            ),
            LoadError::Read { file, error } => write!(f, "{}: cannot read: {error}", file.display()),
            LoadError::Json {
                file,
                line,
                column,
                message,
            } => write!(
                f,
                "{}:{line}:{column}: not a valid enisim report: {message}",
                file.display()
            ),
            LoadError::Schema { file, found } => {
                let found = found.map_or_else(|| "none".to_owned(), |v| v.to_string());
                write!(
                    f,
                    "{}: schema_version {found}, but this enisim ({}) reads only schema_version {SCHEMA_VERSION}; rerun the experiment with this version",
                    file.display(),
                    env!("CARGO_PKG_VERSION")
                )
            }
            LoadError::BadHgrmName { file, name } => write!(
                f,
                "{}: histogram name {name:?} is not a plain file name in the directory",
                file.display()
            ),
            LoadError::MissingHgrm { file } => write!(
                f,
                "{}: not found, but {JSON_FILE} names it; the directory is incomplete (rerun the experiment)",
                file.display()
            ),
            LoadError::BadHgrm { file, line, text } => write!(
                f,
                "{}:{line}: not a percentile-distribution line (value, percentile, total count): {text:?}",
                file.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Read { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Reads `dir/summary.json` (which must have this build's
/// [`SCHEMA_VERSION`]) and every `.hgrm` file it names. Nothing is written.
pub fn load(dir: &Path) -> Result<Loaded, LoadError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(LoadError::NoDir {
                dir: dir.to_path_buf(),
                reason: "not a directory".into(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(LoadError::NoDir {
                dir: dir.to_path_buf(),
                reason: "no such directory".into(),
            })
        }
        Err(error) => {
            return Err(LoadError::Read {
                file: dir.to_path_buf(),
                error,
            })
        }
    }
    let file = dir.join(JSON_FILE);
    let text = match fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(LoadError::NoSummary { file }),
        Err(error) => return Err(LoadError::Read { file, error }),
    };
    let json_error = |e: serde_json::Error| {
        let text = e.to_string();
        // serde_json ends its message with the position, which the error
        // already gives in front.
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        LoadError::Json {
            file: file.clone(),
            line: e.line().max(1),
            column: e.column().max(1),
            message: text.strip_suffix(&suffix).unwrap_or(&text).to_owned(),
        }
    };
    // The version first, so an old layout is named as such rather than as a
    // missing key.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(json_error)?;
    let found = value.get("schema_version").and_then(|v| v.as_u64());
    if found != Some(u64::from(SCHEMA_VERSION)) {
        return Err(LoadError::Schema { file, found });
    }
    let report: RunReport = serde_json::from_str(&text).map_err(json_error)?;

    let mut histograms = BTreeMap::new();
    let names = report
        .points
        .iter()
        .flat_map(|p| &p.paths)
        .flat_map(|pp| pp.hgrm.iter().chain(&pp.rtt_hgrm));
    for name in names {
        if histograms.contains_key(name) {
            continue;
        }
        if !is_plain_name(name) {
            return Err(LoadError::BadHgrmName {
                file,
                name: name.clone(),
            });
        }
        let path = dir.join(name);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LoadError::MissingHgrm { file: path })
            }
            Err(error) => return Err(LoadError::Read { file: path, error }),
        };
        let lines = parse_hgrm(&path, &text)?;
        histograms.insert(name.clone(), lines);
    }
    Ok(Loaded {
        dir: dir.to_path_buf(),
        report,
        histograms,
    })
}

/// A file name without directories: no separator, not `.` or `..`, not
/// empty, no NUL.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name))
}

/// Parses a percentile distribution, naming the first bad line. Data lines
/// must have finite values, percentiles in 0..=1 and a non-decreasing
/// percentile.
fn parse_hgrm(path: &Path, text: &str) -> Result<Vec<hgrm::Line>, LoadError> {
    let mut out = Vec::new();
    let mut last_q = 0.0_f64;
    for (i, raw) in text.lines().enumerate() {
        let bad = || LoadError::BadHgrm {
            file: path.to_path_buf(),
            line: i + 1,
            text: raw.chars().take(80).collect(),
        };
        let Some(mut parsed) = hgrm::parse(raw) else {
            return Err(bad());
        };
        let Some(l) = parsed.pop() else { continue };
        if !l.value.is_finite() || !(0.0..=1.0).contains(&l.quantile) || l.quantile < last_q {
            return Err(bad());
        }
        last_q = l.quantile;
        out.push(l);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_directories_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "../x.hgrm",
            "a/b.hgrm",
            "a\\b",
            "/etc/passwd",
        ] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
        for good in ["virtio.hgrm", "p01.r0.sriov.rtt.hgrm"] {
            assert!(is_plain_name(good), "{good}");
        }
    }

    #[test]
    fn a_bad_histogram_line_is_named() {
        let text = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n       1.000 0.000000000000          1           1.00\n       oops\n";
        let e = parse_hgrm(Path::new("x.hgrm"), text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.hgrm:4: not a percentile-distribution line (value, percentile, total count): \"       oops\""
        );
        let ok = parse_hgrm(Path::new("x.hgrm"), &text.replace("       oops\n", "")).unwrap();
        assert_eq!(ok.len(), 1);
        let backwards = "1.0 0.5 1\n2.0 0.4 2\n";
        assert!(parse_hgrm(Path::new("y.hgrm"), backwards).is_err());
    }
}
