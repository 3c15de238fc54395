//! `--set KEY=VALUE` overrides, applied to the parsed TOML table before it is
//! read into the spec, so an override is checked exactly like the file.

use super::error::ExperimentError;
use std::str::FromStr;

/// One `--set KEY=VALUE`: a dotted key (numeric segments index arrays) and a
/// TOML value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    arg: String,
    key: Vec<String>,
    value: toml::Value,
}

impl Override {
    /// Parses `KEY=VALUE`. `VALUE` is read as a TOML value (`3`, `0.5`,
    /// `true`, `["sriov"]`, `"x"`, `{ uniform = [64, 128] }`); anything that
    /// is not one is taken as a plain string, so `profile=kvm-2010-82599`
    /// works without quotes.
    pub fn parse(arg: &str) -> Result<Override, ExperimentError> {
        let bad = |message: &str| ExperimentError::Set {
            file: None,
            arg: arg.to_owned(),
            message: message.to_owned(),
        };
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(bad(
                "expected KEY=VALUE, e.g. host.vms=8 or flows.0.load=0.2",
            ));
        };
        let raw = raw.trim();
        let value = parse_value(raw);
        let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
        if value.is_str() && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(&format!(
                "{raw} is beyond the integers a key takes ({} to {})",
                i64::MIN,
                i64::MAX
            )));
        }
        let mut o = Override::new(key, value).map_err(|_| {
            bad("the key must be dotted names or indices, e.g. run.packets or flows.0.load")
        })?;
        o.arg = arg.to_owned();
        Ok(o)
    }

    /// An override of the dotted `key` with `value`. The key must be
    /// non-empty segments separated by dots.
    pub fn new(key: &str, value: toml::Value) -> Result<Override, ExperimentError> {
        let key = key.trim();
        let segments: Vec<String> = key.split('.').map(|s| s.trim().to_owned()).collect();
        if segments.iter().any(String::is_empty) {
            return Err(ExperimentError::Set {
                file: None,
                arg: format!("{key}={value}"),
                message:
                    "the key must be dotted names or indices, e.g. run.packets or flows.0.load"
                        .into(),
            });
        }
        Ok(Override {
            arg: format!("{key}={value}"),
            key: segments,
            value,
        })
    }

    /// The key's segments.
    pub fn key(&self) -> &[String] {
        &self.key
    }

    /// The value.
    pub fn value(&self) -> &toml::Value {
        &self.value
    }

    /// Sets the key in `root`, creating missing tables. An array index past
    /// the end, or a path through something that is neither table nor array,
    /// is an error (`file` names the experiment in it).
    pub fn apply(&self, root: &mut toml::Table, file: &str) -> Result<(), ExperimentError> {
        let err = |message: String| ExperimentError::Set {
            file: Some(file.to_owned()),
            arg: self.arg.clone(),
            message,
        };
        let (last, parents) = self
            .key
            .split_last()
            .expect("Override::new refuses empty keys");
        let mut here: Slot<'_> = Slot::Table(root);
        let mut walked: Vec<&str> = Vec::new();
        for seg in parents {
            let child = match here {
                Slot::Table(t) => t
                    .entry(seg.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new())),
                Slot::Array(a) => {
                    let i = index(seg, a.len())
                        .map_err(|m| err(format!("{}: {m}", walked.join("."))))?;
                    &mut a[i]
                }
            };
            here = Slot::from_value(child).map_err(|ty| {
                err(format!(
                    "`{}` is a {ty}, not a table or array",
                    join(&walked, seg)
                ))
            })?;
            walked.push(seg);
        }
        match here {
            Slot::Table(t) => {
                t.insert(last.clone(), self.value.clone());
            }
            Slot::Array(a) => {
                let i =
                    index(last, a.len()).map_err(|m| err(format!("{}: {m}", walked.join("."))))?;
                a[i] = self.value.clone();
            }
        }
        Ok(())
    }
}

impl FromStr for Override {
    type Err = ExperimentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Override::parse(s)
    }
}

enum Slot<'a> {
    Table(&'a mut toml::Table),
    Array(&'a mut Vec<toml::Value>),
}

impl<'a> Slot<'a> {
    fn from_value(v: &'a mut toml::Value) -> Result<Slot<'a>, &'static str> {
        match v {
            toml::Value::Table(t) => Ok(Slot::Table(t)),
            toml::Value::Array(a) => Ok(Slot::Array(a)),
            other => Err(other.type_str()),
        }
    }
}

fn index(seg: &str, len: usize) -> Result<usize, String> {
    match seg.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        Ok(i) => Err(format!(
            "index {i} is out of range: the array has {len} element{} (0..{len})",
            if len == 1 { "" } else { "s" }
        )),
        Err(_) => Err(format!("`{seg}` is not an array index (0..{len})")),
    }
}

fn join(walked: &[&str], seg: &str) -> String {
    if walked.is_empty() {
        seg.to_owned()
    } else {
        format!("{}.{seg}", walked.join("."))
    }
}

/// `raw` as a TOML value, or as a string if it is not one.
fn parse_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) if t.len() == 1 => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
        _ => toml::Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Table {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn values_parse_as_toml_or_fall_back_to_strings() {
        assert_eq!(parse_value("3"), toml::Value::Integer(3));
        assert_eq!(parse_value("0.5"), toml::Value::Float(0.5));
        assert_eq!(parse_value("true"), toml::Value::Boolean(true));
        assert_eq!(
            parse_value("[\"sriov\"]"),
            toml::Value::Array(vec![toml::Value::String("sriov".into())])
        );
        assert_eq!(
            parse_value("kvm-2010-82599"),
            toml::Value::String("kvm-2010-82599".into())
        );
        // A value cannot smuggle in a second key.
        assert_eq!(
            parse_value("1\nname = \"x\""),
            toml::Value::String("1\nname = \"x\"".into())
        );
    }

    #[test]
    fn nested_keys_create_tables_and_indices_reach_into_arrays() {
        let mut t = table("[[flows]]\nname = \"a\"\n[[flows]]\nname = \"b\"\n");
        Override::parse("host.vms=8")
            .unwrap()
            .apply(&mut t, "f")
            .unwrap();
        Override::parse("flows.1.load=0.25")
            .unwrap()
            .apply(&mut t, "f")
            .unwrap();
        Override::parse("flows.0=x")
            .unwrap()
            .apply(&mut t, "f")
            .unwrap();
        assert_eq!(t["host"]["vms"].as_integer(), Some(8));
        assert_eq!(t["flows"][1]["load"].as_float(), Some(0.25));
        assert_eq!(t["flows"][0].as_str(), Some("x"));
    }

    #[test]
    fn bad_overrides_are_errors_not_panics() {
        assert!(Override::parse("novalue").is_err());
        assert!(Override::parse("a..b=1").is_err());
        assert!(Override::parse("=1").is_err());
        let mut t = table("name = \"x\"\n[[flows]]\nname = \"a\"\n");
        let e = Override::parse("flows.3.load=1")
            .unwrap()
            .apply(&mut t, "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range") && e.contains("f.toml"), "{e}");
        let e = Override::parse("flows.x.load=1")
            .unwrap()
            .apply(&mut t, "f")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an array index"), "{e}");
        let e = Override::parse("name.sub=1")
            .unwrap()
            .apply(&mut t, "f")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`name` is a string"), "{e}");
    }
}
