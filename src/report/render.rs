//! `enisim report DIR`: reads an output directory and writes the HTML and
//! Markdown reports and the SVG charts into it.

use super::charts;
use super::dir::write_files;
use super::html::html_with;
use super::load::{load, LoadError};
use super::markdown::{markdown_with, svg_names};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The HTML report's file name.
pub const HTML_FILE: &str = "report.html";
/// The Markdown report's file name.
pub const MARKDOWN_FILE: &str = "report.md";
/// The directory (inside the output directory) holding one SVG per chart.
pub const PLOTS_DIR: &str = "plots";

/// Why [`write_report`] failed.
#[derive(Debug)]
pub enum ReportError {
    /// The directory could not be read; nothing was written.
    Load(LoadError),
    /// A report file could not be written (the message names it).
    Write(io::Error),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Load(e) => e.fmt(f),
            ReportError::Write(e) => write!(f, "writing the report: {e}"),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Load(e) => Some(e),
            ReportError::Write(e) => Some(e),
        }
    }
}

impl From<LoadError> for ReportError {
    fn from(e: LoadError) -> Self {
        ReportError::Load(e)
    }
}

/// Reads `dir` ([`load`]) and writes [`HTML_FILE`], [`MARKDOWN_FILE`] and
/// `plots/<name>.svg` for every chart into it; returns the paths written
/// (HTML, Markdown, then the SVGs in report order).
///
/// Everything is rendered in memory before anything is written, so a
/// directory that cannot be read gets nothing. Files are written the way
/// [`super::write_dir`] writes them: each appears complete or not at all
/// (the SVGs first, then both reports). SVG files in `plots/` that this
/// report no longer has (left by an earlier one) are removed, so the
/// directory holds exactly the charts the reports link; other files are
/// left alone.
pub fn write_report(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let l = load(dir)?;
    let charts = charts::charts(&l);
    let html = html_with(&l, &charts);
    let md = markdown_with(&l, &charts, Some(PLOTS_DIR));
    let names = svg_names(&charts);
    let svgs: Vec<(&str, &str)> = names
        .iter()
        .zip(&charts)
        .map(|(n, c)| (n.as_str(), c.svg.as_str()))
        .collect();

    let plots = dir.join(PLOTS_DIR);
    write_files(&plots, &svgs).map_err(ReportError::Write)?;
    write_files(dir, &[(HTML_FILE, &html), (MARKDOWN_FILE, &md)]).map_err(ReportError::Write)?;
    remove_stale_svgs(&plots, &names).map_err(ReportError::Write)?;

    let mut written = vec![dir.join(HTML_FILE), dir.join(MARKDOWN_FILE)];
    written.extend(names.iter().map(|n| plots.join(n)));
    Ok(written)
}

/// Removes `*.svg` files in `plots` that are not in `keep`.
fn remove_stale_svgs(plots: &Path, keep: &[String]) -> io::Result<()> {
    let ctx = |p: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", p.display()));
    let entries = fs::read_dir(plots).map_err(|e| ctx(plots, e))?;
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ctx(plots, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file && name.ends_with(".svg") && !keep.iter().any(|k| k == name) {
            stale.push(entry.path());
        }
    }
    stale.sort();
    for p in stale {
        fs::remove_file(&p).map_err(|e| ctx(&p, e))?;
    }
    Ok(())
}
