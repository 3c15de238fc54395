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
