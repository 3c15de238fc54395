//! Every route table has a local route for its VPC's CIDR block (issue 14):
//! a `0.0.0.0/0` route to a NAT appliance does not capture traffic between
//! instances of the VPC; only a route more specific than the local one (a
//! subnet's whole block: "middlebox routing") sends it through an appliance.
//!
//! The scenario is the shipped NAT-appliance experiment
//! (experiments/nat-appliance.toml) with a database instance added in the
//! public subnet (as VM 2) and a flow from the application (in the private
//! subnet, whose table sends 0.0.0.0/0 to the NAT) to the database.

use enisim::experiment::{run_experiment, Experiment, ExperimentError, Override, RunReport};
use enisim::metrics::{FlowResult, PathResult};
use std::path::Path;

const PATHS: [&str; 5] = ["baremetal", "emulated", "virtio", "passthrough", "sriov"];
/// The experiment's rate and window: 20,000 packets/s for 200 ms.
const PER_FLOW: u64 = 4_000;
/// Packets born before the NAT's check is turned off (100 ms).
const BEFORE_CHECK_OFF: u64 = 2_000;

/// The database: an instance in the public subnet (10.0.1.0/24, the NAT's)
/// whose group lets the private subnet in on 5432. Setup actions: they go
/// before the experiment's timeline.
const DB: &str = r#"
[[vpc.actions]]
action = "CreateSecurityGroup"
GroupName = "db"
Description = "database, from the private subnet"
VpcId = "$vpc"
name = "db-sg"

[[vpc.actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$db-sg"
IpPermissions = [{ IpProtocol = "tcp", FromPort = 5432, ToPort = 5432, IpRanges = [{ CidrIp = "10.0.2.0/24" }] }]

[[vpc.actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$public"
SecurityGroupIds = ["$db-sg"]
PrivateIpAddress = "10.0.1.50"
name = "db"

"#;

const APP_TO_DB: &str = r#"
[[flows]]
name = "app-to-db"
kind = "tx"
from = "$app"
dst = "$db"
proto = "tcp"
port = 5432
arrival = "constant"
size = 512
rate_pps = 20000
"#;

const TIMELINE: &str = "# ---- the timeline ----";
const INTERNET_FLOW: &str = "# \"app\" sends to a host on the internet";

/// The NAT-appliance experiment with the database added; with the flow to
/// the internet if `internet`, and the flow to the database; `set` are
/// overrides (e.g. another route).
fn try_experiment(internet: bool, set: &[&str]) -> Result<Experiment, ExperimentError> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/nat-appliance.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text.find(TIMELINE).expect("the timeline's marker");
    let end = if internet {
        text.len()
    } else {
        text.find(INTERNET_FLOW)
            .expect("the internet flow's marker")
    };
    let text = format!("{}{DB}{}{APP_TO_DB}", &text[..at], &text[at..end]);
    let mut overrides = vec![
        Override::parse("host.vms=3").unwrap(),
        Override::parse("vpc.vms.db=2").unwrap(),
    ];
    overrides.extend(set.iter().map(|s| Override::parse(s).unwrap()));
    Experiment::from_toml("nat-appliance+db.toml", &text, &overrides)
}

fn experiment(internet: bool, set: &[&str]) -> Experiment {
    try_experiment(internet, set).unwrap_or_else(|e| panic!("{e}"))
}

fn run(exp: &Experiment) -> RunReport {
    let r = run_experiment(exp, Some(1)).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = r.paths().iter().map(|p| p.path.as_str()).collect();
    assert_eq!(names, PATHS);
    r
}

fn flow<'a>(p: &'a PathResult, name: &str) -> &'a FlowResult {
    p.flows.iter().find(|f| f.name == name).unwrap()
}

fn busy(p: &PathResult, resource: &str) -> f64 {
    p.resources
        .iter()
        .find(|x| x.name == resource)
        .unwrap_or_else(|| panic!("{}: no {resource}: {:?}", p.path, p.resources))
        .utilization
}

/// The drops of `p` by reason, the zeros left out.
fn drops(p: &PathResult) -> Vec<(&str, u64)> {
    p.dropped
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|(r, &n)| (r.as_str(), n))
        .collect()
}

#[test]
fn local_route_app_to_db_is_not_captured_by_the_default_route_to_the_nat() {
    let r = run(&experiment(true, &[]));
    for p in r.paths() {
        let db = flow(p, "app-to-db");
        let internet = flow(p, "app-to-internet");
        assert_eq!(db.generated, PER_FLOW, "{}", p.path);
        // Today's bug sends it to the NAT, whose check drops the first
        // 100 ms: 2,000 packets as src_dst_check.
        assert_eq!(db.lost, Some(0), "{}: {:?}", p.path, drops(p));
        assert_eq!(db.delivered, PER_FLOW, "{}", p.path);
        // The NAT still handles the internet flow, as the experiment says.
        assert_eq!(internet.lost, Some(BEFORE_CHECK_OFF), "{}", p.path);
        assert_eq!(
            drops(p),
            vec![("src_dst_check", BEFORE_CHECK_OFF)],
            "{}",
            p.path
        );
    }
}

#[test]
fn local_route_app_to_db_goes_directly_and_a_more_specific_route_sends_it_through_the_nat() {
    // Only the flow to the database.
    let direct = run(&experiment(false, &[]));
    // A route for the database's subnet (10.0.1.0/24, more specific than the
    // local 10.0.0.0/16) to the NAT: middlebox routing, which wins.
    let middlebox = run(&experiment(
        false,
        &[
            r#"vpc.routes=[{ subnet = "$private", destination = "0.0.0.0/0", target = "$nat.eni0" }, { subnet = "$private", destination = "10.0.1.0/24", target = "$nat.eni0" }]"#,
        ],
    ));
    for (d, m) in direct.paths().iter().zip(middlebox.paths()) {
        let path = &d.path;
        // Direct: app → db; the NAT's VM does nothing.
        assert_eq!(drops(d), vec![], "{path}");
        assert_eq!(flow(d, "app-to-db").delivered, PER_FLOW, "{path}");
        assert_eq!(
            busy(d, "vm1.vcpu"),
            0.0,
            "{path}: the NAT is not on the way"
        );
        assert!(busy(d, "vm2.vcpu") > 0.0, "{path}: the database receives");
        // Through the NAT: its check drops the first 100 ms, then it
        // forwards, on two VM-to-VM crossings instead of one.
        let f = flow(m, "app-to-db");
        assert_eq!(f.lost, Some(BEFORE_CHECK_OFF), "{path}: {:?}", drops(m));
        assert_eq!(
            drops(m),
            vec![("src_dst_check", BEFORE_CHECK_OFF)],
            "{path}"
        );
        assert!(busy(m, "vm1.vcpu") > 0.0, "{path}: the NAT forwards");
        assert!(busy(m, "vm2.vcpu") > 0.0, "{path}: the database receives");
        let (p50_direct, p50_nat) = (d.latency_ns.p50, m.latency_ns.p50);
        assert!(
            p50_nat as f64 > 1.5 * p50_direct as f64,
            "{path}: p50 {p50_direct} ns direct, {p50_nat} ns through the NAT"
        );
    }
}

/// Routes EC2 refuses against the local route are refused when the
/// experiment is loaded (as `enisim validate` does), naming the key; a
/// prefix shorter than the local route's, a subnet's block and a block
/// outside the VPC are not.
#[test]
fn local_route_routes_ec2_refuses_against_the_local_route_are_errors_naming_the_key() {
    let with_route = |destination: &str| {
        let set = format!(
            r#"vpc.routes=[{{ subnet = "$private", destination = "0.0.0.0/0", target = "$nat.eni0" }}, {{ subnet = "$private", destination = "{destination}", target = "$nat.eni0" }}]"#
        );
        try_experiment(false, &[&set, r#"paths=["sriov"]"#])
    };
    for (destination, says) in [
        ("10.0.0.0/16", "RouteAlreadyExists"),
        ("10.0.1.0/25", "whole block of a subnet"),
        ("10.0.3.0/24", "10.0.1.0/24, 10.0.2.0/24"),
    ] {
        match with_route(destination) {
            Err(ExperimentError::Invalid { key, message, .. }) => {
                assert_eq!(key, "vpc.routes.1.destination", "{destination}: {message}");
                assert!(
                    message.contains(destination) && message.contains(says),
                    "{destination}: {message:?}"
                );
            }
            Ok(_) => panic!("{destination}: accepted, expected a route error"),
            Err(e) => panic!("{destination}: expected a route error, got {e}"),
        }
    }
    for destination in ["10.0.0.0/8", "10.0.1.0/24", "192.168.0.0/24"] {
        let exp = with_route(destination).unwrap_or_else(|e| panic!("{destination}: {e}"));
        let r = run_experiment(&exp, Some(1)).unwrap_or_else(|e| panic!("{destination}: {e}"));
        assert_eq!(r.paths().len(), 1);
    }
}
