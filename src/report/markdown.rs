//! The report as Markdown: the same header, tables and charts as the HTML
//! page, with each chart an image link to its SVG file (`plots/<name>.svg`),
//! for reading on a code-hosting site or pasting into notes.

use super::charts::{self, Chart};
use super::html::{description, facts, toml_text};
use super::load::Loaded;
use super::summary_table::{self, Row, Table};
use std::fmt::Write;

/// Writes formatted text to a `String` (which cannot fail).
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// The report for `l` in Markdown: header, tables, one section per chart
/// with its caption, notes and the experiment as run. With
/// `svg_dir = Some(d)` each chart is an image `![title](d/<name>.svg)` (the
/// files [`super::write_report`] writes to `plots/`); with `None` no image
/// is linked and only titles and captions appear (for a Markdown file
/// without its plots).
pub fn markdown(l: &Loaded, svg_dir: Option<&str>) -> String {
    markdown_with(l, &charts::charts(l), svg_dir)
}

/// The SVG file name of each chart, `<name>.svg`, in report order.
pub(crate) fn svg_names(charts: &[Chart]) -> Vec<String> {
    charts.iter().map(|c| format!("{}.svg", c.name)).collect()
}

/// [`markdown`] with the charts already built.
pub(crate) fn markdown_with(l: &Loaded, charts: &[Chart], svg_dir: Option<&str>) -> String {
    let r = &l.report;
    let mut o = String::with_capacity(16 * 1024);
    put!(o, "# enisim report: {}\n", inline(&r.experiment));
    if let Some(d) = description(l) {
        put!(o, "{}\n", inline(d));
    }
    put!(o, "| | |\n|---|---|");
    for (k, v) in facts(l) {
        put!(o, "| {} | {} |", cell(&k), cell(&v));
    }
    o.push('\n');
    for t in summary_table::tables(l) {
        table(&mut o, &t);
    }
    if !charts.is_empty() {
        put!(o, "## Plots\n");
    }
    for c in charts {
        put!(o, "### {}\n", inline(&c.title));
        if let Some(dir) = svg_dir {
            let dir = dir.trim_end_matches('/');
            let link = if dir.is_empty() {
                format!("{}.svg", c.name)
            } else {
                format!("{dir}/{}.svg", c.name)
            };
            put!(o, "![{}]({})\n", alt(&c.title), link.replace(' ', "%20"));
        }
        put!(o, "*How to read:* {}\n", inline(&c.caption));
    }
    if !r.notes.is_empty() {
        put!(o, "## Notes\n");
        for n in &r.notes {
            put!(o, "- {}", inline(n));
        }
        o.push('\n');
    }
    put!(o, "## Experiment as run\n");
    put!(
        o,
        "```toml\n{}```",
        toml_text(&r.experiment_as_run).replace("```", "` ` `")
    );
    o
}

fn table(o: &mut String, t: &Table) {
    put!(o, "## {}\n", inline(&t.title));
    put!(o, "{}\n", inline(&t.note));
    let cols = t.header.len();
    put!(
        o,
        "| {} |",
        t.header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    put!(o, "|{}", "---|".repeat(cols));
    for row in &t.rows {
        let cells: Vec<String> = match row {
            Row::Cells(cells) => cells.iter().map(|c| cell(&c.text)).collect(),
            Row::Infeasible { lead, reason } => {
                let mut v: Vec<String> = lead.iter().map(|c| cell(c)).collect();
                v.push(cell(&format!("infeasible: {reason}")));
                while v.len() < cols {
                    v.push(String::new());
                }
                v
            }
        };
        put!(o, "| {} |", cells.join(" | "));
    }
    o.push('\n');
}

/// Text for a table cell: pipes escaped, no line breaks, Markdown and HTML
/// markup made literal.
pub(super) fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text in running Markdown: characters that would start markup are
/// escaped, line breaks become spaces.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Image alt text: brackets would end it.
fn alt(s: &str) -> String {
    inline(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;
    use std::collections::BTreeMap;

    #[test]
    fn tables_escape_pipes_and_link_every_plot() {
        let mut report = sample(true);
        report.notes.push("a | b".into());
        let l = Loaded {
            dir: "x".into(),
            report,
            histograms: BTreeMap::new(),
        };
        let md = markdown(&l, Some("plots"));
        assert!(md.contains("- a | b"), "{md}");
        for name in svg_names(&charts::charts(&l)) {
            assert!(md.contains(&format!("](plots/{name})")), "{name}");
        }
        assert!(!markdown(&l, None).contains("](plots/"));
        assert!(md.contains("| virtio |"), "{md}");
    }
}
