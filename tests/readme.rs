//! The README's experiment example parses and validates, so the documentation
//! cannot drift from the format.

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
