//! The crate's layers hold: no module imports from a layer above its own,
//! and no two modules of one folder import each other.
//!
//! The layer table is the one in the doc comment of `src/lib.rs` (its rows
//! `//! | N | [`module`] | why |`); this test reads it from there, so the
//! table a reader sees is the table that is checked. Every `pub mod` of
//! `src/lib.rs` (and `main`, the binary) must have a row, and every row a
//! module.
//!
//! What counts as an import: every path that starts at `crate::`,
//! `$crate::`, `super::` (climbing as far as it climbs, from the module the
//! text is in, inline `mod x { … }` included) or, in `src/main.rs`,
//! `enisim::` — in `use` lines, `use` groups (`use crate::{a::X, b::Y}`) and
//! inline paths (`crate::model::run(…)`), test code included. Comments and
//! string literals are not code and are skipped. The check is textual: a
//! name reached through a re-export (`super::Cx` where the parent's
//! `mod.rs` re-exports it) counts as a use of the parent, not of the file
//! that defines it.
//!
//! The two rules:
//! 1. **Layers.** A module of layer N may use modules of layers below N
//!    only; two modules of one layer may not use each other.
//! 2. **No cycles within a folder.** Inside every module, its child
//!    modules (files and folders) form no cycle: if `a` uses `b`
//!    (`super::b::…`, `crate::experiment::b::…`), nothing `b` uses leads
//!    back to `a`. A module using its parent (`super::Thing`) or its own
//!    children is the normal shape of a `mod.rs` and is not an edge.
//!
//! Known exceptions are listed below, each with its reason; an exception
//! that no longer matches anything fails the test too, so the list cannot
//! go stale.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Imports that climb a layer, allowed by name: (file, the module it
/// imports, why).
const LAYER_EXCEPTIONS: &[(&str, &str, &str)] = &[(
    "src/model/engine.rs",
    "experiment",
    "test code only (`mod carry_tests`): it loads experiment files as \
     fixtures to run the engine with and without each shortcut; moving it \
     out of engine.rs is left until the engine rewrite on branch `packets` \
     has landed, so that the two do not collide",
)];

/// Cycles between sibling modules allowed by name: (parent module, the
/// modules of the cycle, sorted, why). None today.
const CYCLE_EXCEPTIONS: &[(&str, &[&str], &str)] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layer table of `src/lib.rs`: module → layer.
fn layers() -> BTreeMap<String, u32> {
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let mut table = BTreeMap::new();
    for line in lib.lines() {
        let Some(row) = line.strip_prefix("//! |") else {
            continue;
        };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let Ok(layer) = cells[0].parse::<u32>() else {
            continue;
        };
        let name = cells[1].trim_matches(|c| "[]`".contains(c));
        let name = name.split_whitespace().next().unwrap_or_default();
        assert!(
            table.insert(name.to_owned(), layer).is_none(),
            "src/lib.rs: module `{name}` has two rows in the layer table"
        );
    }
    let mut declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    declared.insert("main");
    for m in &declared {
        assert!(
            table.contains_key(*m),
            "src/lib.rs: module `{m}` has no row in the layer table"
        );
    }
    for m in table.keys() {
        assert!(
            declared.contains(m.as_str()),
            "src/lib.rs: the layer table has a row for `{m}`, which is no module"
        );
    }
    table
}

/// A token of Rust text: an identifier (or number), `::`, or one other
/// character; with its line.
#[derive(Debug)]
struct Tok {
    text: String,
    line: usize,
}

/// Splits Rust source into tokens, leaving out comments and the contents
/// of string and character literals.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    // Skips to just past the end of a quoted literal starting at `i` (the
    // opening quote), counting lines.
    let skip_quoted = |mut i: usize, line: &mut usize, q: char| {
        i += 1;
        while i < c.len() && c[i] != q {
            if c[i] == '\\' {
                i += 1;
            }
            if c.get(i) == Some(&'\n') {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            loop {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_quoted(i, &mut line, '"');
        } else if ch == '\'' {
            // A character literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            if c.get(i + 1) == Some(&'\\') {
                i = skip_quoted(i, &mut line, '\'');
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Raw and byte strings: r"…", r#"…"#, b"…", br#"…"#.
            let raw = word == "r" || word == "br";
            if (raw || word == "b") && matches!(c.get(i), Some('"' | '#')) {
                let mut hashes = 0;
                while c.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                if c.get(i) == Some(&'"') {
                    if !raw {
                        i = skip_quoted(i, &mut line, '"');
                        continue;
                    }
                    i += 1;
                    loop {
                        if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                            i += 1 + hashes;
                            break;
                        }
                        line += usize::from(c[i] == '\n');
                        i += 1;
                    }
                    continue;
                }
            }
            out.push(Tok { text: word, line });
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(Tok {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Tok {
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// One path a file names, made absolute: its segments from the crate root
/// (`["model", "vpc_rt", "ControlRecord"]`), the module whose text names
/// it, and the line.
#[derive(Debug)]
struct Ref {
    from: Vec<String>,
    to: Vec<String>,
    line: usize,
}

/// Reads the path (or `use` tree) at `t[i..]`, whose first segments have
/// resolved to `base`; pushes every path it names to `out`.
fn read_tree(t: &[Tok], mut i: usize, mut base: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    loop {
        match t.get(i).map(|x| x.text.as_str()) {
            Some("{") => {
                i += 1;
                while i < t.len() && t[i].text != "}" {
                    i = read_tree(t, i, base.clone(), out);
                    if t.get(i).is_some_and(|x| x.text == ",") {
                        i += 1;
                    }
                }
                return i + 1;
            }
            Some("super") => {
                base.pop();
            }
            Some("self") | Some("*") => {}
            Some(w) if w.starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                base.push(w.to_owned())
            }
            _ => {
                out.push(base);
                return i;
            }
        }
        i += 1;
        if t.get(i).is_some_and(|x| x.text == "::") {
            i += 1;
        } else {
            out.push(base);
            return i;
        }
    }
}

/// The module path of a file under `src/` (`src/model/hw/link.rs` →
/// `["model", "hw", "link"]`); `src/main.rs` is `["main"]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel
        .iter()
        .skip(1)
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if segs.last().is_some_and(|s| s == "mod" || s == "lib") {
        segs.pop();
    }
    segs
}

/// Every path `src` names, made absolute; and the inline modules it
/// declares.
fn refs(file_module: &[String], is_main: bool, src: &str) -> (Vec<Ref>, Vec<Vec<String>>) {
    let t = tokens(src);
    let (mut out, mut inline) = (Vec::new(), Vec::new());
    // Inline modules open here: (name, brace depth outside it).
    let mut mods: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < t.len() {
        let here: Vec<String> = file_module
            .iter()
            .cloned()
            .chain(mods.iter().map(|m| m.0.clone()))
            .collect();
        let w = t[i].text.as_str();
        let after_sep = i > 0 && t[i - 1].text == "::";
        let next_sep = t.get(i + 1).is_some_and(|x| x.text == "::");
        match w {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if mods.last().is_some_and(|m| m.1 == depth) {
                    mods.pop();
                }
            }
            "mod" if t.get(i + 2).is_some_and(|x| x.text == "{") => {
                let name = t[i + 1].text.clone();
                mods.push((name, depth));
                inline.push(
                    here.iter()
                        .cloned()
                        .chain([t[i + 1].text.clone()])
                        .collect(),
                );
                depth += 1;
                i += 3;
                continue;
            }
            _ => {}
        }
        let base = match w {
            _ if after_sep || !next_sep => None,
            "crate" if !is_main => Some(Vec::new()),
            "enisim" if is_main => Some(Vec::new()),
            "super" => Some(here[..here.len() - 1].to_vec()),
            _ => None,
        };
        if let Some(base) = base {
            let line = t[i].line;
            let mut paths = Vec::new();
            i = read_tree(&t, i + 2, base, &mut paths);
            out.extend(paths.into_iter().map(|to| Ref {
                from: here.clone(),
                to,
                line,
            }));
            continue;
        }
        i += 1;
    }
    (out, inline)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every file under `src/` (relative path, module path) and every path it
/// names; and every module there is.
fn crate_refs() -> (Vec<(String, Ref)>, BTreeSet<Vec<String>>) {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut all = Vec::new();
    let mut modules = BTreeSet::new();
    for f in files {
        let rel = f.strip_prefix(root()).unwrap().to_owned();
        let name = rel.to_string_lossy().replace('\\', "/");
        let module = module_of(&rel);
        let is_main = name == "src/main.rs";
        let (refs, inline) = refs(&module, is_main, &fs::read_to_string(&f).unwrap());
        modules.insert(module);
        modules.extend(inline);
        all.extend(refs.into_iter().map(|r| (name.clone(), r)));
    }
    (all, modules)
}

/// Rule 1: no module uses one of its own layer or above.
fn layer_violations() -> Vec<String> {
    let layers = layers();
    let (refs, _) = crate_refs();
    let mut found = Vec::new();
    let mut used = BTreeSet::new();
    for (file, r) in &refs {
        let (Some(from), Some(to)) = (r.from.first(), r.to.first()) else {
            continue;
        };
        let (Some(&lf), Some(&lt)) = (layers.get(from), layers.get(to)) else {
            continue;
        };
        if from == to || lt < lf {
            continue;
        }
        if let Some(i) = LAYER_EXCEPTIONS
            .iter()
            .position(|e| e.0 == file && e.1 == to)
        {
            used.insert(i);
            continue;
        }
        found.push(format!(
            "{file}:{}: `{from}` (layer {lf}) uses `{}` (layer {lt})",
            r.line,
            r.to.join("::")
        ));
    }
    found.dedup(); // a line that names one path twice
    for (i, e) in LAYER_EXCEPTIONS.iter().enumerate() {
        if !used.contains(&i) {
            found.push(format!("stale exception: {} no longer uses `{}`", e.0, e.1));
        }
    }
    found
}

/// Rule 2: the cycles among the child modules of each module, each with
/// the places that make its edges.
fn cycles() -> Vec<String> {
    let (refs, modules) = crate_refs();
    // parent → child → child it uses → first place it does.
    type Edges = BTreeMap<String, BTreeMap<String, String>>;
    let mut graph: BTreeMap<Vec<String>, Edges> = BTreeMap::new();
    for (file, r) in &refs {
        let common = r.from.iter().zip(&r.to).take_while(|(a, b)| a == b).count();
        // The crate root's children are the layers (rule 1); a module
        // using its ancestors or its descendants is no edge.
        if common == 0 || common >= r.from.len() || common >= r.to.len() {
            continue;
        }
        let to_child = &r.to[..=common];
        if !modules.contains(to_child) {
            continue; // an item of the parent (or one it re-exports)
        }
        graph
            .entry(r.from[..common].to_vec())
            .or_default()
            .entry(r.from[common].clone())
            .or_default()
            .entry(r.to[common].clone())
            .or_insert_with(|| format!("{file}:{}", r.line));
    }
    let mut found = Vec::new();
    let mut used = BTreeSet::new();
    for (parent, edges) in &graph {
        for scc in strongly_connected(edges) {
            let parent = parent.join("::");
            if let Some(i) = CYCLE_EXCEPTIONS.iter().position(|e| {
                e.0 == parent && e.1.iter().copied().eq(scc.iter().map(String::as_str))
            }) {
                used.insert(i);
                continue;
            }
            let mut why = Vec::new();
            for a in &scc {
                for (b, place) in &edges[a] {
                    if scc.contains(b) {
                        why.push(format!("  {place}: `{a}` uses `{b}`"));
                    }
                }
            }
            found.push(format!(
                "in `{parent}`, {} use each other:\n{}",
                scc.join(", "),
                why.join("\n")
            ));
        }
    }
    for (i, e) in CYCLE_EXCEPTIONS.iter().enumerate() {
        if !used.contains(&i) {
            found.push(format!("stale exception: no cycle {:?} in `{}`", e.1, e.0));
        }
    }
    found
}

/// The strongly connected components of more than one node (sorted), by
/// Tarjan's algorithm.
fn strongly_connected(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeMap<String, String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flat_map(|e| e.keys()) {
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                let lw = s.low[w.as_str()];
                s.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if s.stack.contains(&w.as_str()) {
                let iw = s.index[w.as_str()];
                s.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                scc.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.out.push(scc);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn the_checker_finds_a_cycle_and_only_the_cycle() {
    // a → b → c → a is a cycle; d → a and c → e are not part of it.
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("c", "e")] {
        edges
            .entry(from.to_string())
            .or_default()
            .insert(to.to_string(), String::new());
    }
    assert_eq!(
        strongly_connected(&edges),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
    edges.get_mut("c").unwrap().remove("a");
    assert!(strongly_connected(&edges).is_empty());
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let v = layer_violations();
    assert!(
        v.is_empty(),
        "imports that climb a layer:\n{}",
        v.join("\n")
    );
}

#[test]
fn no_two_modules_of_one_folder_import_each_other() {
    let v = cycles();
    assert!(v.is_empty(), "cycles:\n{}", v.join("\n"));
}

#[test]
fn the_checker_reads_use_trees_super_and_skips_comments_and_strings() {
    let src = "//! [`crate::report`] in a doc\n\
               use crate::{metrics::X, model::{self, y::Z}};\n\
               use super::super::vpc::Q;\n\
               fn f() { let s = \"crate::report\"; let r = r#\"crate::report\"#; crate::sim::now() }\n\
               mod tests { use super::*; use super::super::b::W; }\n";
    let here = vec!["experiment".to_owned(), "a".to_owned()];
    let (refs, inline) = refs(&here, false, src);
    let got: Vec<(String, String, usize)> = refs
        .iter()
        .map(|r| (r.from.join("::"), r.to.join("::"), r.line))
        .collect();
    let want = [
        ("experiment::a", "metrics::X", 2),
        ("experiment::a", "model", 2),
        ("experiment::a", "model::y::Z", 2),
        ("experiment::a", "vpc::Q", 3),
        ("experiment::a", "sim::now", 4),
        ("experiment::a::tests", "experiment::a", 5),
        ("experiment::a::tests", "experiment::b::W", 5),
    ];
    let want: Vec<(String, String, usize)> = want
        .iter()
        .map(|(a, b, l)| (a.to_string(), b.to_string(), *l))
        .collect();
    assert_eq!(got, want);
    assert_eq!(inline, vec![vec!["experiment", "a", "tests"]]);
}
