//! The documentation and the shipped experiments cannot drift from the
//! format: the README's examples and every file in `experiments/` validate.

use enisim::experiment::Experiment;

#[test]
fn every_toml_example_in_the_readme_validates() {
    let readme = include_str!("../README.md");
    let mut blocks = 0;
    let mut rest = readme;
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed code block");
        let exp = Experiment::from_toml("README.md", &body[..end], &[])
            .unwrap_or_else(|e| panic!("README example {blocks}: {e}"));
        assert!(!exp.flows().is_empty());
        blocks += 1;
        rest = &body[end..];
    }
    assert!(blocks >= 1, "the README shows at least one experiment");
}

#[test]
fn every_experiment_file_shipped_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Experiment::from_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 2, "experiments/ holds compare.toml and bench.toml");
}

#[test]
fn every_example_in_the_experiment_guide_validates() {
    let guide = include_str!("../docs/experiments.md");
    let mut n = 0;
    let mut rest = guide;
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed code block");
        Experiment::from_toml("docs/experiments.md", &body[..end], &[])
            .unwrap_or_else(|e| panic!("example {n}: {e}"));
        n += 1;
        rest = &body[end..];
    }
    assert!(n >= 2);
}

/// The keys the parser accepts at one level, read from its own error for an
/// unknown key there (so a key added to the code shows up here).
fn accepted_keys(set: &str) -> Vec<String> {
    use enisim::experiment::Override;
    let min = "name = \"x\"\nprofile = \"kvm-modern-25g\"\n[[flows]]\nname = \"a\"\nkind = \"rx\"\nvm = 0\nload = 0.1\n";
    let e = Experiment::from_toml("min.toml", min, &[Override::parse(set).unwrap()])
        .expect_err("an unknown key is refused")
        .to_string();
    let list = e
        .split_once("expected one of ")
        .or_else(|| e.split_once("expected "))
        .or_else(|| e.split_once("allowed: "))
        .unwrap_or_else(|| panic!("no key list in {e:?}"))
        .1;
    list.split([',', ' '])
        .map(|k| k.trim_matches(|c: char| c == '`' || c.is_whitespace()))
        .filter(|k| !k.is_empty() && *k != "or")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_key_the_parser_accepts_is_in_the_experiment_guide() {
    let guide = include_str!("../docs/experiments.md");
    let mut checked = 0;
    for set in [
        "bogus=1",
        "run.bogus=1",
        "host.bogus=1",
        "flows.0.bogus=1",
        "vpc.bogus=1",
        "vpc.timing.bogus=1",
        "vpc.routes=[{bogus=1}]",
        "costs.bogus=1",
        "sweep.bogus=1",
        "sweep.axes=[{bogus=1}]",
    ] {
        let keys = accepted_keys(set);
        assert!(keys.len() >= 2, "{set}: {keys:?}");
        for k in keys {
            assert!(
                guide.contains(&format!("`{k}`")),
                "{set}: `{k}` is not documented in docs/experiments.md"
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "{checked}");
}

/// The README's figures are the code's: its reference table is
/// `results/compare/table.txt` (up to the notes), and every excerpt of an
/// explanation it quotes is in the `explain.txt` it links.
#[test]
fn the_readme_quotes_results_as_they_are() {
    let readme = include_str!("../README.md");
    let table = include_str!("../results/compare/table.txt");
    let head = |t: &str| t[..t.find("notes:").unwrap_or(t.len())].to_owned();
    // Fenced blocks: the text between a line opening with ``` and the next.
    let mut blocks: Vec<String> = Vec::new();
    let mut open: Option<String> = None;
    for line in readme.lines() {
        if line.starts_with("```") {
            match open.take() {
                Some(b) => blocks.push(b),
                None => open = Some(String::new()),
            }
        } else if let Some(b) = open.as_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    let quoted = blocks
        .iter()
        .find(|b| b.starts_with("experiment compare:"))
        .expect("the README shows the reference table");
    assert_eq!(head(quoted), head(table), "README table vs results/compare");
    let stream = include_str!("../results/compare-stream/table.txt");
    let quoted = blocks
        .iter()
        .find(|b| b.starts_with("experiment compare-stream:"))
        .expect("the README shows the stream table");
    assert_eq!(
        head(quoted),
        head(stream),
        "README vs results/compare-stream"
    );
    let suite = include_str!("../results/validation/table.txt");
    let quoted = blocks
        .iter()
        .find(|b| b.starts_with("validation suite"))
        .expect("the README shows the validation table");
    assert_eq!(
        quoted.trim_end(),
        suite[..suite.find("\nnotes:").unwrap_or(suite.len())].trim_end(),
        "README vs results/validation/table.txt"
    );
    let pass_line = suite.trim_end().lines().last().unwrap();
    assert!(
        readme.contains(&format!("**{pass_line}**")),
        "README states the suite's pass line {pass_line:?}"
    );
    let explains = [
        include_str!("../results/compare/explain.txt"),
        include_str!("../results/noisy-neighbour/explain.txt"),
        include_str!("../results/app-interrupts/explain.txt"),
    ];
    let mut excerpts = 0;
    for b in blocks.iter().filter(|b| {
        b.starts_with("Where the difference")
            || b.starts_with("Neighbours")
            || b.starts_with("Application")
    }) {
        assert!(
            explains.iter().any(|e| e.contains(b.trim_end())),
            "README excerpt not in any explain.txt:\n{b}"
        );
        excerpts += 1;
    }
    assert_eq!(excerpts, 3);
    // The application's transactions per second at eight clients, quoted
    // in prose, are the table's.
    let app = include_str!("../results/app-interrupts/table.txt");
    let sentence = readme
        .split("With eight clients the server's vCPU is saturated")
        .nth(1)
        .expect("the README quotes the application at eight clients");
    let sentence = &sentence[..sentence.find("([results").unwrap()];
    let mut numbers = 0;
    for word in sentence.split(|c: char| !(c.is_ascii_digit() || c == ',')) {
        let n = word.trim_matches(',').replace(',', "");
        if n.len() >= 5 {
            assert!(
                app.contains(&n),
                "{n} is not in results/app-interrupts/table.txt"
            );
            numbers += 1;
        }
    }
    assert_eq!(numbers, 3);
}
