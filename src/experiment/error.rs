//! The one error type of experiment handling, and the helpers that turn a
//! byte offset in a TOML document into a dotted key and a line and column.

use crate::model::{BuildError, IoPath};
use std::fmt;
use std::io;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Where in the experiment file a bad value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// At this line and column of the file (both 1-based; the column counts
    /// characters).
    At {
        /// Line, 1-based.
        line: usize,
        /// Column in characters, 1-based.
        column: usize,
    },
    /// The value was put there by a `--set` argument.
    FromSet,
    /// The value was put there by a `[sweep]` axis.
    FromSweep,
    /// Not known (e.g. a key that is missing from the whole file).
    Unknown,
}

/// Anything wrong with an experiment: unreadable, not TOML, a bad `--set`, a
/// missing, mistyped or out-of-range key, or a configuration the engine
/// refused. Every variant's message names the file and, where there is one,
/// the dotted key, the bad value and what is allowed.
#[derive(Debug)]
pub enum ExperimentError {
    /// The file could not be read.
    Read {
        /// The file as the user named it.
        file: String,
        /// Why.
        source: io::Error,
    },
    /// The file is not valid TOML.
    Syntax {
        /// The file as the user named it.
        file: String,
        /// Line, 1-based.
        line: usize,
        /// Column in characters, 1-based.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// A `--set KEY=VALUE` argument that is malformed or cannot be applied.
    Set {
        /// The file the override was applied to, if known yet.
        file: Option<String>,
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// A key with a missing, mistyped, unknown or out-of-range value.
    Invalid {
        /// The file as the user named it.
        file: String,
        /// Dotted key, array elements by index (`flows.0.load`).
        key: String,
        /// The bad value as TOML, where there is one.
        value: Option<String>,
        /// Where the value is.
        location: Location,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The engine could not build the host model for one path.
    Build {
        /// The file as the user named it.
        file: String,
        /// The I/O path being built.
        path: IoPath,
        /// The engine's reason.
        error: BuildError,
    },
    /// One point of a `[sweep]` is not a valid experiment.
    SweepPoint {
        /// The point's index (0-based).
        index: usize,
        /// The point's axis values, `key=value, …`.
        label: String,
        /// What is wrong with it.
        error: Box<ExperimentError>,
    },
    /// The worker threads could not be started.
    ThreadPool {
        /// The thread pool's error.
        message: String,
    },
    /// A result could not be encoded for a shard file.
    Encode {
        /// What failed.
        message: String,
    },
}

impl ExperimentError {
    /// Whether the error is the user's input (the file, a flag, the
    /// configuration) rather than a failure of the machine: the CLI exits
    /// with 2 for these and 1 otherwise. An unreadable experiment file counts
    /// as input: the argument names something that cannot be used.
    pub fn is_input_error(&self) -> bool {
        !matches!(
            self,
            ExperimentError::ThreadPool { .. } | ExperimentError::Encode { .. }
        )
    }

    /// The dotted key the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            ExperimentError::Invalid { key, .. } => Some(key),
            ExperimentError::SweepPoint { error, .. } => error.key(),
            _ => None,
        }
    }
}

impl fmt::Display for ExperimentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentError::Read { file, source } => write!(f, "{file}: cannot read: {source}"),
            ExperimentError::Syntax {
                file,
                line,
                column,
                message,
            } => write!(f, "{file}:{line}:{column}: invalid TOML: {message}"),
            ExperimentError::Set { file, arg, message } => {
                if let Some(file) = file {
                    write!(f, "{file}: ")?;
                }
                write!(f, "--set {arg}: {message}")
            }
            ExperimentError::Invalid {
                file,
                key,
                value,
                location,
                message,
            } => {
                write!(f, "{file}")?;
                if let Location::At { line, column } = location {
                    write!(f, ":{line}:{column}")?;
                }
                write!(f, ": {key}")?;
                if let Some(v) = value {
                    write!(f, " = {v}")?;
                }
                match location {
                    Location::FromSet => write!(f, " (from --set)")?,
                    Location::FromSweep => write!(f, " (from [sweep])")?,
                    _ => {}
                }
                write!(f, ": {message}")
            }
            ExperimentError::Build { file, path, error } => {
                write!(f, "{file}: path {path}: {error}")
            }
            ExperimentError::SweepPoint {
                index,
                label,
                error,
            } => write!(f, "{error} [at sweep point {index}: {label}]"),
            ExperimentError::ThreadPool { message } => {
                write!(f, "cannot start worker threads: {message}")
            }
            ExperimentError::Encode { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for ExperimentError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExperimentError::Read { source, .. } => Some(source),
            ExperimentError::Build { error, .. } => Some(error),
            ExperimentError::SweepPoint { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// A parsed document that knows where each key is.
pub(crate) struct SpanIndex<'a> {
    root: Spanned<DeTable<'a>>,
}

/// What a byte span of a document points at.
pub(crate) struct Found {
    /// The dotted key, one segment per table key or array index.
    pub path: Vec<String>,
    /// The span is the key itself (e.g. an unknown key), not its value.
    pub on_key: bool,
}

impl<'a> SpanIndex<'a> {
    /// Parses `text`; the error is the parser's.
    pub fn parse(text: &'a str) -> Result<Self, toml::de::Error> {
        Ok(SpanIndex {
            root: DeTable::parse(text)?,
        })
    }

    /// The key (and whether the span is on the key or its value) whose span
    /// is `span`, or failing that the deepest one containing its start. An
    /// empty span at the root's position is the document itself.
    pub fn find(&self, span: Range<usize>) -> Found {
        let root_span = self.root.span();
        if span.is_empty() && span.start == root_span.start && root_span.is_empty() {
            return Found {
                path: Vec::new(),
                on_key: false,
            };
        }
        let mut best: Option<(u8, usize, Found)> = None;
        let mut path = Vec::new();
        search_table(self.root.get_ref(), &span, &mut path, &mut best);
        best.map(|(_, _, f)| f).unwrap_or(Found {
            path: Vec::new(),
            on_key: false,
        })
    }

    /// The span of the key `path` (`(key span, value span)`; array elements
    /// have their own span for both), if the document has it.
    pub fn lookup(&self, path: &[String]) -> Option<(Range<usize>, Range<usize>)> {
        let mut spans = None;
        let mut table: Option<&DeTable<'_>> = Some(self.root.get_ref());
        let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
        for seg in path {
            let value: &Spanned<DeValue<'_>> = if let Some(t) = table {
                let (k, v) = t
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == seg.as_str())?;
                spans = Some((k.span(), v.span()));
                v
            } else if let Some(a) = array {
                let i: usize = seg.parse().ok()?;
                let v = a.get(i)?;
                spans = Some((v.span(), v.span()));
                v
            } else {
                return None;
            };
            table = None;
            array = None;
            match value.get_ref() {
                DeValue::Table(t) => table = Some(t),
                DeValue::Array(a) => array = Some(a),
                _ => {}
            }
        }
        spans
    }
}

fn score(candidate: &Range<usize>, span: &Range<usize>) -> u8 {
    if candidate == span {
        2
    } else if candidate.start <= span.start && span.start < candidate.end {
        1
    } else {
        0
    }
}

fn consider(best: &mut Option<(u8, usize, Found)>, s: u8, path: &[String], on_key: bool) {
    if s == 0 {
        return;
    }
    let depth = path.len();
    let better = match best {
        None => true,
        Some((bs, bd, _)) => (s, depth) > (*bs, *bd),
    };
    if better {
        *best = Some((
            s,
            depth,
            Found {
                path: path.to_vec(),
                on_key,
            },
        ));
    }
}

fn search_table(
    t: &DeTable<'_>,
    span: &Range<usize>,
    path: &mut Vec<String>,
    best: &mut Option<(u8, usize, Found)>,
) {
    for (k, v) in t.iter() {
        path.push(k.get_ref().to_string());
        consider(best, score(&k.span(), span), path, true);
        consider(best, score(&v.span(), span), path, false);
        search_value(v.get_ref(), span, path, best);
        path.pop();
    }
}

fn search_value(
    v: &DeValue<'_>,
    span: &Range<usize>,
    path: &mut Vec<String>,
    best: &mut Option<(u8, usize, Found)>,
) {
    match v {
        DeValue::Table(t) => search_table(t, span, path, best),
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                path.push(i.to_string());
                consider(best, score(&e.span(), span), path, false);
                search_value(e.get_ref(), span, path, best);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_character_columns() {
        let t = "ab\ncé=1\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        // 'é' is two bytes: the '=' after it is the third character.
        assert_eq!(line_col(t, 6), (2, 3));
        assert_eq!(line_col(t, 999), (3, 1));
    }

    #[test]
    fn spans_map_back_to_dotted_keys() {
        let t = "name = \"x\"\n[run]\npackets = 5\n[[flows]]\nname = \"a\"\n[[flows]]\nload = 1\n";
        let idx = SpanIndex::parse(t).unwrap();
        let (_, v) = idx
            .lookup(&["flows".into(), "1".into(), "load".into()])
            .unwrap();
        assert_eq!(&t[v.clone()], "1");
        let found = idx.find(v);
        assert_eq!(found.path, ["flows", "1", "load"]);
        assert!(!found.on_key);
        let (k, _) = idx.lookup(&["run".into(), "packets".into()]).unwrap();
        let found = idx.find(k);
        assert_eq!(found.path, ["run", "packets"]);
        assert!(found.on_key);
    }
}
