//! Unit tests of the validation suite's parts.

use super::read::split_validation;
use super::*;

const EXP: &str = r#"name = "t"
profile = "kvm-modern-25g"
paths = ["baremetal", "virtio"]

[run]
duration_us = 500

[[flows]]
name = "rr"
kind = "request_response"
vm = 0
"#;

const ROW: &str = r#"
[validation]
id = "V1"
title = "a title"
category = "rtt"
source = "Someone, A paper, Venue, 2020"
where = "Table 1"
published = "30 µs"
target = 30
unit = "µs"
tolerance = 0.25
tolerance_kind = "relative"
why_tolerance = "prose figure"
metric = "rtt_p50_ns"
path = "virtio"
relative_to = { path = "baremetal" }
relation = "difference"
scale = 1e-3 # ns → µs
"#;

fn spec(target: f64, tolerance: f64, kind: ToleranceKind) -> RowSpec {
    let case = parse_case("t.toml", &format!("{EXP}{ROW}")).unwrap();
    RowSpec {
        target,
        tolerance,
        tolerance_kind: kind,
        ..case.row
    }
}

#[test]
fn the_table_is_blanked_keeping_every_other_line_where_it_was() {
    // The table in the middle: top-level keys above, tables below.
    let (head, tail) = EXP.split_at(EXP.find("[run]").unwrap());
    let text = format!("{head}{ROW}\n{tail}");
    let (rest, table) = split_validation("t.toml", &text).unwrap();
    assert_eq!(rest.lines().count(), text.lines().count());
    for (a, b) in rest.lines().zip(text.lines()) {
        assert!(a.trim().is_empty() || a == b, "{a:?} vs {b:?}");
    }
    assert!(!rest.contains("validation"));
    assert_eq!(table["id"].as_str(), Some("V1"));
    // An error in the experiment part names its line in the file.
    let bad = text.replace("duration_us = 500", "duration_us = -5");
    let e = parse_case("t.toml", &bad).unwrap_err().to_string();
    let line = bad.lines().position(|l| l.contains("duration_us")).unwrap() + 1;
    assert!(e.starts_with(&format!("t.toml:{line}:")), "{e}");
}

#[test]
fn a_table_split_around_another_is_refused() {
    let text = format!(
        "{EXP}\n[validation]\nid = \"V1\"\n[host]\nvms = 1\n[validation.relative_to]\npath = \"baremetal\"\n"
    );
    let e = split_validation("t.toml", &text).unwrap_err().to_string();
    assert!(e.contains("in one piece"), "{e}");
    let e = split_validation("t.toml", EXP).unwrap_err().to_string();
    assert!(
        e.contains("t.toml: validation: required table is missing"),
        "{e}"
    );
}

#[test]
fn relative_and_absolute_tolerances() {
    let s = spec(30.0, 0.25, ToleranceKind::Relative);
    assert_eq!(allowance(&s), 7.5);
    assert!(passes(&s, 37.5) && passes(&s, 22.5) && passes(&s, 30.0));
    assert!(!passes(&s, 37.51) && !passes(&s, 22.49) && !passes(&s, f64::NAN));
    let neg = spec(-10.0, 0.1, ToleranceKind::Relative);
    assert!(passes(&neg, -10.9) && !passes(&neg, -11.1));
    let a = spec(30.0, 2.0, ToleranceKind::Absolute);
    assert!(passes(&a, 32.0) && passes(&a, 28.0) && !passes(&a, 32.001));
    let zero = spec(5.0, 0.0, ToleranceKind::Absolute);
    assert!(passes(&zero, 5.0) && !passes(&zero, 5.0000001));
}

#[test]
fn ratio_difference_and_scale() {
    let mut s = spec(1.0, 0.1, ToleranceKind::Relative);
    s.scale = 1e-3;
    s.relation = Some(RelationKind::Difference);
    assert_eq!(combine(&s, 12_000.0, Some(5_000.0)), Ok(7.0));
    s.relation = Some(RelationKind::Ratio);
    s.scale = 1.0;
    assert_eq!(combine(&s, 12_000.0, Some(6_000.0)), Ok(2.0));
    assert!(combine(&s, 1.0, Some(0.0)).unwrap_err().contains("is 0"));
    s.relation = None;
    s.relative_to = None;
    s.scale = 2.0;
    assert_eq!(combine(&s, 4.0, None), Ok(8.0));
}

#[test]
fn ids_sort_with_numbers_as_numbers() {
    let mut v = vec!["V10", "V2", "V1b", "V1", "V1a", "A"];
    v.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(v, ["A", "V1", "V1a", "V1b", "V2", "V10"]);
}

#[test]
fn near_metric_names_are_suggested() {
    assert_eq!(edit_distance("rtt_p50_ns", "rtt_p50_ns"), 0);
    assert_eq!(edit_distance("rtt_p05_ns", "rtt_p50_ns"), 2);
    assert_eq!(edit_distance("", "abc"), 3);
}
