//! Driving the model without traffic: a file of actions in, every action's
//! EC2 result and the final Describe* state out (`enisim vpc apply FILE`).
//!
//! # The file
//! TOML or JSON, told apart by the extension (`.toml`, `.json`) or, failing
//! that, by the content. A list of actions, each a table with `action` (EC2's
//! action name), EC2's parameters with EC2's names, and an optional `name`
//! for the resource it creates:
//!
//! ```toml
//! [[actions]]
//! action = "CreateVpc"
//! CidrBlock = "10.0.0.0/16"
//! name = "vpc"
//!
//! [[actions]]
//! action = "CreateSubnet"
//! VpcId = "$vpc"
//! CidrBlock = "10.0.1.0/24"
//! AvailabilityZone = "us-east-1a"
//! name = "web"
//! ```
//!
//! In JSON: `{"actions": [{"action": "CreateVpc", …}, …]}` or the bare list.
//! A top-level `description` string is allowed beside `actions`.
//!
//! # Names
//! Any string parameter that starts with `$` is a reference to a name an
//! earlier action gave (`$$` at the start stands for a literal `$`):
//!
//! | action that has `name = "n"` | `$n` is | and also |
//! |---|---|---|
//! | CreateVpc | the VpcId | `$n.sg`: its default security group |
//! | CreateDefaultVpc | the VpcId | `$n.sg`; `$n.subnet0`, `$n.subnet1`, …: its subnets by AZ |
//! | CreateSubnet | the SubnetId | |
//! | CreateSecurityGroup | the GroupId | |
//! | CreateNetworkInterface | the NetworkInterfaceId | |
//! | RunInstances | the InstanceId | `$n.eni0`, `$n.eni1`, …: its ENI at that DeviceIndex (card 0); `$n.attach1`, …: that ENI's AttachmentId |
//! | AttachNetworkInterface | the AttachmentId | |
//! | AllocateAddress | the AllocationId | `$n.ip`: the PublicIp |
//! | AssociateAddress | the AssociationId | |
//!
//! A reference to a name no earlier action defines, a malformed reference, a
//! name given twice or on an action that creates nothing are errors of the
//! file. A name whose action failed is passed through as written (`$web`),
//! so the action using it fails with EC2's NotFound error, as it would.
//!
//! # Errors
//! A malformed file, an unknown action, an unknown or misspelled parameter, a
//! value of the wrong type, a bad reference: [`ApplyFileError`], naming the
//! file, the action's position (1-based) and name, and the parameter, before
//! any action runs. An action EC2 refuses is not an error of the file: its
//! result is the EC2 error, the state does not change, and the run goes on.

use super::actions::{Action, ParamError};
use super::describe::{DescribeAll, Response};
use super::error::Ec2Error;
use super::query::Warning;
use super::state::Ec2;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A file of actions that cannot be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyFileError {
    /// Not valid TOML or JSON.
    Syntax {
        /// The file as named.
        file: String,
        /// `TOML` or `JSON`.
        format: &'static str,
        /// Line, 1-based.
        line: usize,
        /// Column, 1-based.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// Valid TOML/JSON, but not a list of actions.
    Shape {
        /// The file as named.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// One action is malformed.
    Action {
        /// The file as named.
        file: String,
        /// The action's position, 1-based.
        index: usize,
        /// Its `action`, if it has a readable one.
        action: Option<String>,
        /// The parameter at fault (`DeviceIndex`,
        /// `NetworkInterfaces.1.NetworkInterfaceId`), if one is.
        param: Option<String>,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for ApplyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyFileError::Syntax {
                file,
                format,
                line,
                column,
                message,
            } => write!(f, "{file}:{line}:{column}: invalid {format}: {message}"),
            ApplyFileError::Shape { file, message } => write!(f, "{file}: {message}"),
            ApplyFileError::Action {
                file,
                index,
                action,
                param,
                message,
            } => {
                write!(f, "{file}: action {index}")?;
                if let Some(a) = action {
                    write!(f, " ({a})")?;
                }
                if let Some(p) = param {
                    write!(f, ": parameter {p}")?;
                }
                write!(f, ": {message}")
            }
        }
    }
}

impl std::error::Error for ApplyFileError {}

/// The result of one action of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionOutcome {
    /// Position in the file, 1-based.
    pub index: usize,
    /// EC2's action name.
    pub action: String,
    /// The `name` the file gave.
    pub name: Option<String>,
    /// EC2's response or error.
    pub result: Result<Response, Ec2Error>,
}

impl Serialize for ActionOutcome {
    /// `{"index": 1, "action": "…", "name": "…", "ok": {…}}` or with
    /// `"error": {"code": "…", "message": "…"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &self.index)?;
        m.serialize_entry("action", &self.action)?;
        if let Some(n) = &self.name {
            m.serialize_entry("name", n)?;
        }
        match &self.result {
            Ok(r) => m.serialize_entry("ok", r)?,
            Err(e) => m.serialize_entry("error", e)?,
        }
        m.end()
    }
}

/// What `enisim vpc apply` prints (as JSON): each action's result, the
/// final state as DescribeNetworkInterfaces / DescribeInstances /
/// DescribeAddresses, and the warnings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplyOutcome {
    /// One per action, in file order.
    pub results: Vec<ActionOutcome>,
    /// The final state, EC2-shaped.
    #[serde(rename = "final")]
    pub final_state: DescribeAll,
    /// Warnings that are not errors (M2, M3, E9).
    pub warnings: Vec<Warning>,
    /// The final model state itself (not printed).
    #[serde(skip)]
    pub state: Ec2,
}

impl ApplyOutcome {
    /// Whether any action failed (the CLI's exit code).
    pub fn any_failed(&self) -> bool {
        self.results.iter().any(|r| r.result.is_err())
    }

    /// The outcome as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the outcome serializes")
    }
}

/// Which actions may carry `name`, and the suffixes `$name.suffix` they
/// define besides `$name`.
fn nameable(action: &str) -> Option<fn(&str) -> bool> {
    fn none(_: &str) -> bool {
        false
    }
    fn vpc(s: &str) -> bool {
        s == "sg"
    }
    fn default_vpc(s: &str) -> bool {
        s == "sg" || numbered(s, "subnet")
    }
    fn run(s: &str) -> bool {
        numbered(s, "eni") || numbered(s, "attach")
    }
    fn eip(s: &str) -> bool {
        s == "ip"
    }
    Some(match action {
        "CreateVpc" => vpc,
        "CreateDefaultVpc" => default_vpc,
        "RunInstances" => run,
        "AllocateAddress" => eip,
        "CreateSubnet"
        | "CreateSecurityGroup"
        | "CreateNetworkInterface"
        | "AttachNetworkInterface"
        | "AssociateAddress" => none,
        _ => return None,
    })
}

fn numbered(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A reference `$name` or `$name.suffix`, or a literal (`$$…` or no `$`).
enum Text<'a> {
    Literal,
    Escaped(&'a str),
    Ref(&'a str, Option<&'a str>),
    Malformed,
}

fn classify(s: &str) -> Text<'_> {
    if s.starts_with("$$") {
        return Text::Escaped(&s[1..]);
    }
    let Some(body) = s.strip_prefix('$') else {
        return Text::Literal;
    };
    let (name, suffix) = match body.split_once('.') {
        Some((n, x)) => (n, Some(x)),
        None => (body, None),
    };
    let suffix_ok = match suffix {
        Some(x) => valid_name(x),
        None => true,
    };
    if valid_name(name) && suffix_ok {
        Text::Ref(name, suffix)
    } else {
        Text::Malformed
    }
}

/// Visits every string of `v` with its EC2-style path (`A.1.B`).
fn walk_strings(
    v: &mut Value,
    path: &str,
    f: &mut dyn FnMut(&str, &mut String) -> Result<(), String>,
) -> Result<(), (String, String)> {
    match v {
        Value::String(s) => f(path, s).map_err(|m| (path.to_owned(), m)),
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                walk_strings(x, &format!("{path}.{}", i + 1), f)?;
            }
            Ok(())
        }
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk_strings(x, &p, f)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// One action of the file, checked.
#[derive(Clone, Debug, PartialEq)]
struct Prepared {
    index: usize,
    action: String,
    name: Option<String>,
    params: Map<String, Value>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..offset].chars().count() + 1)
}

fn parse_json(file: &str, text: &str) -> Result<Value, ApplyFileError> {
    serde_json::from_str(text).map_err(|e| ApplyFileError::Syntax {
        file: file.to_owned(),
        format: "JSON",
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

fn parse_toml(file: &str, text: &str) -> Result<Value, ApplyFileError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ApplyFileError::Syntax {
            file: file.to_owned(),
            format: "TOML",
            line,
            column,
            message: e.message().to_owned(),
        }
    })?;
    serde_json::to_value(table).map_err(|e| ApplyFileError::Shape {
        file: file.to_owned(),
        message: format!("cannot read the TOML document: {e}"),
    })
}

/// The document of `text`: TOML for `.toml`, JSON for `.json`, otherwise
/// JSON if it parses as JSON, else TOML.
fn parse_document(file: &str, text: &str) -> Result<Value, ApplyFileError> {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".json") {
        return parse_json(file, text);
    }
    if lower.ends_with(".toml") {
        return parse_toml(file, text);
    }
    let first = text.trim_start().chars().next();
    match first {
        Some('{') => parse_json(file, text),
        Some('[') => parse_json(file, text).or_else(|json_err| {
            parse_toml(file, text).map_err(|toml_err| {
                // `[[actions]]` is TOML; a bare `[` list is JSON.
                if text.trim_start().starts_with("[[") {
                    toml_err
                } else {
                    json_err
                }
            })
        }),
        _ => parse_toml(file, text),
    }
}

/// Reads and checks every action of the file, references included.
fn prepare(file: &str, text: &str) -> Result<Vec<Prepared>, ApplyFileError> {
    let doc = parse_document(file, text)?;
    let shape = |message: String| ApplyFileError::Shape {
        file: file.to_owned(),
        message,
    };
    let list = match doc {
        Value::Array(a) => a,
        Value::Object(mut o) => {
            if let Some(k) = o.keys().find(|k| *k != "actions" && *k != "description") {
                return Err(shape(format!(
                    "unknown top-level key `{k}`: the file holds `actions` (a list of actions) and optionally `description`"
                )));
            }
            if o.get("description").is_some_and(|d| !d.is_string()) {
                return Err(shape("`description` must be a string".into()));
            }
            match o.remove("actions") {
                Some(Value::Array(a)) => a,
                Some(_) => return Err(shape("`actions` must be a list of tables".into())),
                None => {
                    return Err(shape(
                        "no `actions`: the file holds a list of actions ([[actions]] in TOML)"
                            .into(),
                    ))
                }
            }
        }
        _ => {
            return Err(shape(
                "the file must be a list of actions or a table with `actions`".into(),
            ))
        }
    };
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, v) in list.into_iter().enumerate() {
        let index = i + 1;
        let err =
            |action: Option<&str>, param: Option<&str>, message: String| ApplyFileError::Action {
                file: file.to_owned(),
                index,
                action: action.map(str::to_owned),
                param: param.map(str::to_owned),
                message,
            };
        let Value::Object(mut params) = v else {
            return Err(err(
                None,
                None,
                "an action must be a table with an `action` key".into(),
            ));
        };
        let action = match params.remove("action") {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(err(
                    None,
                    Some("action"),
                    format!("must be a string naming an EC2 action, not {other}"),
                ))
            }
            None => {
                return Err(err(
                    None,
                    Some("action"),
                    "missing: every action names its EC2 action".into(),
                ))
            }
        };
        let name = match params.remove("name") {
            None => None,
            Some(Value::String(n)) if valid_name(&n) => Some(n),
            Some(other) => {
                return Err(err(
                    Some(&action),
                    Some("name"),
                    format!("must be a string of letters, digits, `_` and `-`, not {other}"),
                ))
            }
        };
        Action::from_params(&action, params.clone()).map_err(|ParamError { param, message }| {
            let known = Action::NAMES.contains(&action.as_str());
            err(known.then_some(action.as_str()), param.as_deref(), message)
        })?;
        // References.
        let mut scratch = Value::Object(params.clone());
        walk_strings(&mut scratch, "", &mut |_, s| match classify(s) {
            Text::Literal | Text::Escaped(_) => Ok(()),
            Text::Malformed => Err(format!(
                "`{s}` is not a reference: write `$name` or `$name.suffix` (letters, digits, `_`, `-`), or `$$` for a literal `$`"
            )),
            Text::Ref(n, suffix) => match defined.get(n) {
                None => Err(format!("`{s}` refers to the name `{n}`, which no earlier action defines")),
                Some(kind) => match suffix {
                    Some(x) if !nameable(kind).is_some_and(|ok| ok(x)) => Err(format!(
                        "`{s}`: {kind} does not define `.{x}` (see the names table in the docs of enisim::vpc::apply_file)"
                    )),
                    _ => Ok(()),
                },
            },
        })
        .map_err(|(path, m)| err(Some(&action), Some(&path), m))?;
        if let Some(n) = &name {
            if nameable(&action).is_none() {
                return Err(err(
                    Some(&action),
                    Some("name"),
                    format!("{action} creates nothing to name"),
                ));
            }
            if defined.contains_key(n) {
                return Err(err(
                    Some(&action),
                    Some("name"),
                    format!("the name `{n}` is defined twice"),
                ));
            }
            defined.insert(n.clone(), action.clone());
        }
        out.push(Prepared {
            index,
            action,
            name,
            params,
        });
    }
    Ok(out)
}

/// The names an action's response defines: `""` for `$name`, suffixes for
/// the others.
fn names_from(state: &Ec2, response: &Response) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    match response {
        Response::Vpc { vpc } => {
            v.push((String::new(), vpc.vpc_id.0.clone()));
            if let Some(x) = state.vpc(&vpc.vpc_id) {
                v.push(("sg".into(), x.default_group.0.clone()));
            }
            for (i, s) in state.subnets().filter(|s| s.vpc == vpc.vpc_id).enumerate() {
                v.push((format!("subnet{i}"), s.id.0.clone()));
            }
        }
        Response::Subnet { subnet } => v.push((String::new(), subnet.subnet_id.0.clone())),
        Response::GroupCreated { group_id } => v.push((String::new(), group_id.0.clone())),
        Response::NetworkInterface { network_interface } => v.push((
            String::new(),
            network_interface.network_interface_id.0.clone(),
        )),
        Response::Reservation { instances, .. } => {
            if let Some(i) = instances.first() {
                v.push((String::new(), i.instance_id.0.clone()));
                for e in state.attached_enis(&i.instance_id) {
                    let a = e.attachment.as_ref().expect("attached");
                    if a.network_card_index == 0 {
                        v.push((format!("eni{}", a.device_index), e.id.0.clone()));
                        v.push((format!("attach{}", a.device_index), a.id.0.clone()));
                    }
                }
            }
        }
        Response::Attached { attachment_id, .. } => {
            v.push((String::new(), attachment_id.0.clone()))
        }
        Response::Allocated {
            allocation_id,
            public_ip,
            ..
        } => {
            v.push((String::new(), allocation_id.0.clone()));
            v.push(("ip".into(), public_ip.to_string()));
        }
        Response::Associated { association_id } => {
            v.push((String::new(), association_id.0.clone()))
        }
        _ => {}
    }
    v
}

/// A list of actions whose `$name` references are resolved when each
/// action runs, against the names the actions run before it defined: what
/// [`apply_file`] runs at once, and what an experiment's timeline runs at
/// simulated times (its setup first, then each timed action when its time
/// comes).
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    file: String,
    steps: Vec<Prepared>,
    names: BTreeMap<String, String>,
}

impl Script {
    /// Parses and checks a TOML or JSON action list (the format of
    /// [`apply_file`]); references to names no earlier action defines are
    /// errors here, before anything runs.
    pub fn parse(file_name: &str, text: &str) -> Result<Script, ApplyFileError> {
        Ok(Script {
            file: file_name.to_owned(),
            steps: prepare(file_name, text)?,
            names: BTreeMap::new(),
        })
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when there is no action.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The EC2 name of action `i` (0-based).
    pub fn action_name(&self, i: usize) -> &str {
        &self.steps[i].action
    }

    /// The id (or address) a name stands for, once its action has run.
    pub fn id(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(String::as_str)
    }

    /// Runs action `i` (0-based) on `state`, completing what it begins when
    /// `complete` (the no-time path). Its references are resolved now; on
    /// success the names it defines are recorded. The outer error is a
    /// parameter the action cannot take; the inner one EC2's refusal.
    pub fn run(
        &mut self,
        i: usize,
        state: &mut Ec2,
        complete: bool,
    ) -> Result<Result<super::exec::Applied, Ec2Error>, ApplyFileError> {
        let action = self.action(i)?;
        let result = if complete {
            state.apply_and_complete(&action)
        } else {
            state.apply(&action)
        };
        if let (Ok(applied), Some(n)) = (&result, &self.steps[i].name) {
            for (suffix, id) in names_from(state, &applied.response) {
                let key = if suffix.is_empty() {
                    n.clone()
                } else {
                    format!("{n}.{suffix}")
                };
                self.names.insert(key, id);
            }
        }
        Ok(result)
    }

    /// Action `i` (0-based) with its references resolved against the names
    /// defined so far (a name not yet defined stays as written), without
    /// running it: what a run reads ahead, e.g. the devices a timeline's
    /// attachments will need.
    pub fn action(&self, i: usize) -> Result<Action, ApplyFileError> {
        let p = &self.steps[i];
        let mut params = Value::Object(p.params.clone());
        let names = &self.names;
        walk_strings(&mut params, "", &mut |_, s| {
            match classify(s) {
                Text::Escaped(lit) => *s = lit.to_owned(),
                Text::Ref(n, x) => {
                    let key = match x {
                        Some(x) => format!("{n}.{x}"),
                        None => n.to_owned(),
                    };
                    if let Some(id) = names.get(&key) {
                        *s = id.clone();
                    }
                }
                Text::Literal | Text::Malformed => {}
            }
            Ok(())
        })
        .expect("resolution does not fail");
        let Value::Object(params) = params else {
            unreachable!("an object stays an object")
        };
        Action::from_params(&p.action, params).map_err(|e| ApplyFileError::Action {
            file: self.file.clone(),
            index: p.index,
            action: Some(p.action.clone()),
            param: e.param,
            message: e.message,
        })
    }
}

/// Applies every action of a TOML or JSON action file in order, on a new
/// state seeded with `seed`, completing each at once (no time passes).
pub fn apply_file(file_name: &str, text: &str, seed: u64) -> Result<ApplyOutcome, ApplyFileError> {
    let mut script = Script::parse(file_name, text)?;
    let mut state = Ec2::new(seed);
    let mut results = Vec::new();
    for i in 0..script.len() {
        let result = script.run(i, &mut state, true)?.map(|a| a.response);
        let p = &script.steps[i];
        results.push(ActionOutcome {
            index: p.index,
            action: p.action.clone(),
            name: p.name.clone(),
            result,
        });
    }
    Ok(ApplyOutcome {
        results,
        final_state: state.describe_all(),
        warnings: state.warnings(),
        state,
    })
}
