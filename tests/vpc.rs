//! `enisim::vpc::apply_file`, the no-traffic driver of the VPC/ENI control
//! plane: determinism, name references, the shipped example files, and a
//! clear error naming the file, the action's position and the parameter for
//! every kind of bad file.

use enisim::vpc::{apply_file, ApplyFileError};
use serde_json::Value;

const SETUP: &str = r#"
[[actions]]
action = "CreateVpc"
CidrBlock = "10.0.0.0/16"
name = "vpc"

[[actions]]
action = "CreateSubnet"
VpcId = "$vpc"
CidrBlock = "10.0.1.0/24"
AvailabilityZone = "us-east-1a"
name = "a"

[[actions]]
action = "RunInstances"
InstanceType = "m5.large"
SubnetId = "$a"
name = "web"
"#;

fn example(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/vpc/");
    std::fs::read_to_string(format!("{dir}{name}")).unwrap()
}

fn json(outcome: &enisim::vpc::ApplyOutcome) -> Value {
    serde_json::from_str(&outcome.to_json()).unwrap()
}

fn bad(file: &str, text: &str) -> String {
    match apply_file(file, text, 1) {
        Ok(_) => panic!("{file} was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_same_file_and_seed_give_the_same_bytes() {
    let text = example("ha-eni-failover.toml");
    let a = apply_file("ha.toml", &text, 7).unwrap().to_json();
    let b = apply_file("ha.toml", &text, 7).unwrap().to_json();
    assert_eq!(a, b);
    let c = apply_file("ha.toml", &text, 8).unwrap().to_json();
    assert_ne!(a, c, "another seed, other ids and MACs");
    // Same shape all the same: only ids and MACs differ.
    let strip = |s: &str| -> String {
        let v: Value = serde_json::from_str(s).unwrap();
        v["final"]["NetworkInterfaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["PrivateIpAddress"], e["Status"]))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(strip(&a), strip(&c));
}

#[test]
fn names_resolve_to_the_ids_earlier_actions_created() {
    let text = format!(
        "{SETUP}{}",
        r#"
[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$a"
Groups = ["$vpc.sg"]
Description = "$$5 a month"
name = "eth1"

[[actions]]
action = "AttachNetworkInterface"
NetworkInterfaceId = "$eth1"
InstanceId = "$web"
DeviceIndex = 1
name = "att"

[[actions]]
action = "AllocateAddress"
name = "eip"

[[actions]]
action = "AssociateAddress"
PublicIp = "$eip.ip"
NetworkInterfaceId = "$web.eni0"

[[actions]]
action = "DetachNetworkInterface"
AttachmentId = "$att"
"#
    );
    let out = apply_file("names.toml", &text, 3).unwrap();
    let v = json(&out);
    assert!(!out.any_failed(), "{}", out.to_json());
    let enis = v["final"]["NetworkInterfaces"].as_array().unwrap();
    let eth1 = &enis[1];
    assert_eq!(
        eth1["NetworkInterfaceId"],
        v["results"][3]["ok"]["NetworkInterface"]["NetworkInterfaceId"]
    );
    assert_eq!(eth1["Description"], "$5 a month");
    assert_eq!(eth1["Status"], "available");
    assert_eq!(eth1["Groups"][0]["GroupName"], "default");
    let web = &v["final"]["Reservations"][0]["Instances"][0];
    assert_eq!(web["PublicIpAddress"], v["results"][5]["ok"]["PublicIp"]);
    assert_eq!(v["final"]["Addresses"][0]["InstanceId"], web["InstanceId"]);
    assert_eq!(v["results"][2]["name"], "web");
    assert_eq!(v["results"][2]["index"], 3);
}

#[test]
fn a_failed_action_is_reported_changes_nothing_and_the_run_goes_on() {
    let text = format!(
        "{SETUP}{}",
        r#"
[[actions]]
action = "DetachNetworkInterface"
AttachmentId = "$web.attach0"

[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$a"
PrivateIpAddress = "10.0.9.9"
name = "lost"

[[actions]]
action = "DeleteNetworkInterface"
NetworkInterfaceId = "$lost"

[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$a"
"#
    );
    let out = apply_file("fail.toml", &text, 1).unwrap();
    assert!(out.any_failed());
    let v = json(&out);
    let r = v["results"].as_array().unwrap();
    assert_eq!(r[3]["error"]["code"], "OperationNotPermitted");
    assert_eq!(r[4]["error"]["code"], "InvalidParameterValue");
    assert_eq!(
        r[4]["error"]["message"],
        "Address 10.0.9.9 does not fall within the subnet's address range"
    );
    // The name of a failed creation passes through and is not found.
    assert_eq!(r[5]["error"]["code"], "InvalidNetworkInterfaceID.NotFound");
    assert_eq!(
        r[5]["error"]["message"],
        "The networkInterface ID '$lost' does not exist"
    );
    assert!(r[6].get("ok").is_some());
    assert_eq!(v["final"]["NetworkInterfaces"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["final"]["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["Attachment"]
            ["Status"],
        "attached"
    );
}

#[test]
fn json_files_are_read_as_a_bare_list_or_under_actions() {
    let list = r#"[{"action": "CreateVpc", "CidrBlock": "10.0.0.0/16", "name": "v"},
                  {"action": "CreateSubnet", "VpcId": "$v", "CidrBlock": "10.0.0.0/24"}]"#;
    let a = apply_file("x.json", list, 1).unwrap();
    let b = apply_file("x", &format!("{{\"actions\": {list}}}"), 1).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    assert!(!a.any_failed());
    // TOML without an extension is recognized by its content.
    let c = apply_file("noext", SETUP, 1).unwrap();
    assert_eq!(c.results.len(), 3);
}

#[test]
fn the_shipped_example_files_run() {
    let mut n = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/vpc")).unwrap()
    {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.to_string_lossy().to_string();
        let out = apply_file(&name, &text, 1).unwrap_or_else(|e| panic!("{e}"));
        let v = json(&out);
        if name.contains("rule-violations") {
            let codes: Vec<&str> = v["results"].as_array().unwrap()[11..]
                .iter()
                .map(|r| r["error"]["code"].as_str().unwrap_or("(succeeded)"))
                .collect();
            assert_eq!(
                codes,
                [
                    "OperationNotPermitted",
                    "InvalidParameterValue",
                    "InvalidNetworkInterface.InUse",
                    "InvalidParameterValue",
                    "AttachmentLimitExceeded",
                    "InvalidParameterValue",
                    "InvalidParameterValue",
                    "InvalidIPAddress.InUse",
                    "InvalidInstanceID",
                    "Resource.AlreadyAssociated",
                    "InvalidIPAddress.InUse",
                    "SecurityGroupsPerInterfaceLimitExceeded",
                    "InvalidNetworkInterfaceID.NotFound",
                ]
            );
            assert!(v["results"].as_array().unwrap()[..11]
                .iter()
                .all(|r| r.get("ok").is_some()));
        } else {
            assert!(!out.any_failed(), "{name}: {}", out.to_json());
        }
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn the_eni_failover_example_moves_mac_address_and_elastic_ip() {
    let text = example("ha-eni-failover.toml");
    let out = apply_file("ha-eni-failover.toml", &text, 1).unwrap();
    let v = json(&out);
    let results = v["results"].as_array().unwrap();
    let created = &results[6]["ok"]["NetworkInterface"];
    let last = &results.last().unwrap()["ok"]["NetworkInterfaces"][0];
    assert_eq!(last["MacAddress"], created["MacAddress"]);
    assert_eq!(last["PrivateIpAddress"], "10.0.1.100");
    assert_eq!(
        last["Association"]["PublicIp"],
        results[7]["ok"]["PublicIp"]
    );
    let standby = results[5]["ok"]["Instances"][0]["InstanceId"].clone();
    assert_eq!(last["Attachment"]["InstanceId"], standby);
    assert_eq!(last["Attachment"]["DeleteOnTermination"], false);
    // The standby now has two ENIs: M3 warns.
    assert!(v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "SharedBandwidth"));
}

#[test]
fn the_ip_reassign_example_moves_the_elastic_ip_with_the_address() {
    let text = example("ha-ip-reassign.toml");
    let v = json(&apply_file("ha-ip-reassign.toml", &text, 1).unwrap());
    let results = v["results"].as_array().unwrap();
    let standby_eni =
        &results[3]["ok"]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"];
    let addr = &results.last().unwrap()["ok"]["Addresses"][0];
    assert_eq!(&addr["NetworkInterfaceId"], standby_eni);
    assert_eq!(addr["PrivateIpAddress"], "10.0.1.100");
}

// ---- bad files --------------------------------------------------------------

#[test]
fn an_unknown_action_names_its_position() {
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"AttachENI\"\n"),
    );
    assert!(e.starts_with("f.toml: action 4:"), "{e}");
    assert!(e.contains("unknown action `AttachENI`"), "{e}");
}

#[test]
fn an_unknown_or_misspelled_parameter_is_named() {
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"DetachNetworkInterface\"\nAttachmentID = \"x\"\n"),
    );
    assert!(
        e.starts_with("f.toml: action 4 (DetachNetworkInterface): parameter AttachmentID:"),
        "{e}"
    );
    assert!(e.contains("unknown field `AttachmentID`"), "{e}");
    let e = bad(
        "f.json",
        r#"[{"action": "RunInstances", "InstanceType": "m5.large",
             "NetworkInterfaces": [{"DeviceIndex": 0, "Subnet": "s"}]}]"#,
    );
    assert!(
        e.contains("action 1 (RunInstances): parameter NetworkInterfaces:"),
        "{e}"
    );
    assert!(e.contains("`Subnet`"), "{e}");
}

#[test]
fn a_value_of_the_wrong_type_is_named() {
    let e = bad(
        "f.toml",
        &format!(
            "{SETUP}[[actions]]\naction = \"AttachNetworkInterface\"\nNetworkInterfaceId = \"eni-1\"\nInstanceId = \"$web\"\nDeviceIndex = \"one\"\n"
        ),
    );
    assert!(
        e.starts_with("f.toml: action 4 (AttachNetworkInterface): parameter DeviceIndex:"),
        "{e}"
    );
    assert!(e.contains("invalid type"), "{e}");
}

#[test]
fn a_reference_to_a_name_never_defined_is_named() {
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"StopInstances\"\nInstanceIds = [\"$db\"]\n"),
    );
    assert!(
        e.starts_with("f.toml: action 4 (StopInstances): parameter InstanceIds.1:"),
        "{e}"
    );
    assert!(
        e.contains("`$db`") && e.contains("no earlier action defines"),
        "{e}"
    );
    // Defined later is not defined yet.
    let e = bad(
        "f.json",
        r#"[{"action": "CreateSubnet", "VpcId": "$v", "CidrBlock": "10.0.0.0/24"},
            {"action": "CreateVpc", "CidrBlock": "10.0.0.0/16", "name": "v"}]"#,
    );
    assert!(
        e.contains("action 1 (CreateSubnet): parameter VpcId"),
        "{e}"
    );
    // A suffix the defining action does not give.
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"StopInstances\"\nInstanceIds = [\"$a.eni0\"]\n"),
    );
    assert!(e.contains("CreateSubnet does not define `.eni0`"), "{e}");
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"StopInstances\"\nInstanceIds = [\"$ web\"]\n"),
    );
    assert!(e.contains("is not a reference"), "{e}");
}

#[test]
fn names_are_checked() {
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"CreateVpc\"\nCidrBlock = \"10.1.0.0/16\"\nname = \"web\"\n"),
    );
    assert!(
        e.contains("action 4 (CreateVpc): parameter name") && e.contains("defined twice"),
        "{e}"
    );
    let e = bad(
        "f.toml",
        &format!("{SETUP}[[actions]]\naction = \"StopInstances\"\nInstanceIds = [\"$web\"]\nname = \"s\"\n"),
    );
    assert!(e.contains("StopInstances creates nothing to name"), "{e}");
    let e = bad(
        "f.json",
        r#"[{"action": "CreateVpc", "CidrBlock": "10.1.0.0/16", "name": "a b"}]"#,
    );
    assert!(e.contains("action 1 (CreateVpc): parameter name"), "{e}");
}

#[test]
fn malformed_files_give_the_line_and_column() {
    let e = bad(
        "f.toml",
        "[[actions]]\naction = \"CreateVpc\"\nCidrBlock = 10.0.0.0/16\n",
    );
    assert!(e.starts_with("f.toml:3:"), "{e}");
    assert!(e.contains("invalid TOML"), "{e}");
    let e = bad("f.json", "[{\"action\": \"CreateVpc\",\n \"CidrBlock\": }]");
    assert!(e.starts_with("f.json:2:"), "{e}");
    assert!(e.contains("invalid JSON"), "{e}");
    let e = bad("f.toml", "actions = 3\n");
    assert!(e.contains("`actions` must be a list"), "{e}");
    let e = bad("f.toml", "[[action]]\naction = \"CreateVpc\"\n");
    assert!(e.contains("unknown top-level key `action`"), "{e}");
    let e = bad("f.json", "[3]");
    assert!(e.starts_with("f.json: action 1:"), "{e}");
    let e = bad("f.json", r#"[{"CidrBlock": "10.0.0.0/16"}]"#);
    assert!(e.contains("action 1: parameter action: missing"), "{e}");
}

#[test]
fn errors_are_values_not_panics() {
    // A few hostile inputs: no panic, an error or an outcome.
    for text in [
        "",
        "[",
        "{}",
        "[[actions]]",
        "actions = []",
        "\u{feff}[]",
        "[null]",
        "[[actions]]\naction = 5\n",
    ] {
        let r: Result<_, ApplyFileError> = apply_file("h", text, 1);
        if let Ok(o) = r {
            assert!(o.results.is_empty());
        }
    }
}
