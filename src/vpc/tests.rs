//! One test per rule of `docs/ENI_RULES.md` (named after it), plus the
//! all-or-nothing, NotFound, transition and determinism checks. Every
//! failing action goes through [`fails`], which also checks that the state
//! is byte-identical afterwards.

use super::*;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

fn act(v: Value) -> Action {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("bad test action: {e}"))
}

/// Runs an action that must succeed (completed at once).
fn run(ec2: &mut Ec2, v: Value) -> Response {
    let a = act(v);
    let r = ec2
        .apply_and_complete(&a)
        .unwrap_or_else(|e| panic!("{} failed: {e}", a.name()))
        .response;
    ec2.check_invariants().unwrap();
    r
}

/// Runs an action that must fail; the state must not change by one byte.
fn fails(ec2: &mut Ec2, v: Value) -> Ec2Error {
    let a = act(v);
    let before = ec2.snapshot();
    let e = match ec2.apply_and_complete(&a) {
        Ok(_) => panic!("{} succeeded", a.name()),
        Err(e) => e,
    };
    assert_eq!(
        ec2.snapshot(),
        before,
        "{} failed but changed the state",
        a.name()
    );
    e
}

fn rv(r: &Response) -> Value {
    serde_json::to_value(r).unwrap()
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

struct Fx {
    ec2: Ec2,
    vpc: String,
    /// 10.0.1.0/24 in us-east-1a, IPv6 /64.
    a1: String,
    /// 10.0.2.0/24 in us-east-1a.
    a2: String,
    /// 10.0.3.0/24 in us-east-1b.
    b: String,
    /// 10.0.4.0/28 in us-east-1a, MapPublicIpOnLaunch.
    small: String,
    sg: String,
}

fn fx() -> Fx {
    let mut ec2 = Ec2::new(42);
    let r = run(
        &mut ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.0.0.0/16", "AmazonProvidedIpv6CidrBlock": true}),
    );
    let vpc = s(&rv(&r)["Vpc"]["VpcId"]);
    let v6 = ec2.vpc(&VpcId(vpc.clone())).unwrap().ipv6_cidr.unwrap();
    let sub6 = cidr::Ipv6Net::new(v6.nth(1u128 << 64).unwrap(), 64).unwrap();
    let subnet = |ec2: &mut Ec2, cidr: &str, az: &str, extra: Value| {
        let mut p = json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": cidr, "AvailabilityZone": az});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        s(&rv(&run(ec2, p))["Subnet"]["SubnetId"])
    };
    let a1 = subnet(
        &mut ec2,
        "10.0.1.0/24",
        "us-east-1a",
        json!({"Ipv6CidrBlock": sub6.to_string()}),
    );
    let a2 = subnet(&mut ec2, "10.0.2.0/24", "us-east-1a", json!({}));
    let b = subnet(&mut ec2, "10.0.3.0/24", "us-east-1b", json!({}));
    let small = subnet(
        &mut ec2,
        "10.0.4.0/28",
        "us-east-1a",
        json!({"MapPublicIpOnLaunch": true}),
    );
    let sg = s(&rv(&run(
        &mut ec2,
        json!({"action": "CreateSecurityGroup", "GroupName": "web", "Description": "w", "VpcId": vpc}),
    ))["GroupId"]);
    Fx {
        ec2,
        vpc,
        a1,
        a2,
        b,
        small,
        sg,
    }
}

impl Fx {
    /// Launches a `ty` instance in `subnet`; (instance, primary ENI).
    fn launch(&mut self, ty: &str, subnet: &str) -> (String, String) {
        let r = rv(&run(
            &mut self.ec2,
            json!({"action": "RunInstances", "InstanceType": ty, "SubnetId": subnet}),
        ));
        let i = &r["Instances"][0];
        (
            s(&i["InstanceId"]),
            s(&i["NetworkInterfaces"][0]["NetworkInterfaceId"]),
        )
    }
    fn eni(&mut self, subnet: &str, extra: Value) -> String {
        let mut p = json!({"action": "CreateNetworkInterface", "SubnetId": subnet});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        s(&rv(&run(&mut self.ec2, p))["NetworkInterface"]["NetworkInterfaceId"])
    }
    fn attach(&mut self, eni: &str, inst: &str, dev: u32) -> String {
        s(&rv(&run(
            &mut self.ec2,
            json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": inst, "DeviceIndex": dev}),
        ))["AttachmentId"])
    }
    fn detach(&mut self, att: &str) {
        run(
            &mut self.ec2,
            json!({"action": "DetachNetworkInterface", "AttachmentId": att}),
        );
    }
    fn eip(&mut self) -> (String, String) {
        let r = rv(&run(
            &mut self.ec2,
            json!({"action": "AllocateAddress", "Domain": "vpc"}),
        ));
        (s(&r["AllocationId"]), s(&r["PublicIp"]))
    }
    fn get(&self, eni: &str) -> &NetworkInterface {
        self.ec2.network_interface(&EniId(eni.into())).unwrap()
    }
    fn inst(&self, id: &str) -> &Instance {
        self.ec2.instance(&InstanceId(id.into())).unwrap()
    }
    fn attachment_of(&self, eni: &str) -> String {
        self.get(eni).attachment.as_ref().unwrap().id.0.clone()
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

// ---- attach / detach -------------------------------------------------------

#[test]
fn a1_primary_eni_cannot_detach() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    // Even with a second ENI attached (moto lets this through).
    let eth1 = f.eni(&f.a1.clone(), json!({}));
    f.attach(&eth1, &i, 1);
    let att = f.attachment_of(&eth0);
    let e = fails(
        &mut f.ec2,
        json!({"action": "DetachNetworkInterface", "AttachmentId": att, "Force": true}),
    );
    assert_eq!(e.code, "OperationNotPermitted");
    assert!(f.get(&eth0).attachment.is_some());
}

#[test]
fn a2_attach_and_detach_need_running_or_stopped() {
    let mut f = fx();
    // Pending: RunInstances without completion.
    let a = act(json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": f.a1}));
    let applied = f.ec2.apply(&a).unwrap();
    let i = s(&rv(&applied.response)["Instances"][0]["InstanceId"]);
    assert_eq!(f.inst(&i).state, InstanceState::Pending);
    assert_eq!(
        applied.started,
        vec![Transition::Running(InstanceId(i.clone()))]
    );
    let eni = f.eni(&f.a1.clone(), json!({}));
    let attach = json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": i, "DeviceIndex": 1});
    let e = fails(&mut f.ec2, attach.clone());
    assert_eq!(e.code, "IncorrectInstanceState");
    assert!(f.ec2.complete(&Transition::Running(InstanceId(i.clone()))));
    // Hot attach.
    let att = f.attach(&eni, &i, 1);
    // Warm detach and attach while stopped.
    run(
        &mut f.ec2,
        json!({"action": "StopInstances", "InstanceIds": [i]}),
    );
    assert_eq!(f.inst(&i).state, InstanceState::Stopped);
    f.detach(&att);
    f.attach(&eni, &i, 1);
    let att = f.attachment_of(&eni);
    // Stopping: neither.
    f.ec2
        .apply(&act(
            json!({"action": "StartInstances", "InstanceIds": [i]}),
        ))
        .unwrap();
    f.ec2.complete_all();
    f.ec2
        .apply(&act(json!({"action": "StopInstances", "InstanceIds": [i]})))
        .unwrap();
    assert_eq!(f.inst(&i).state, InstanceState::Stopping);
    let e = fails(
        &mut f.ec2,
        json!({"action": "DetachNetworkInterface", "AttachmentId": att}),
    );
    assert_eq!(e.code, "IncorrectInstanceState");
    f.ec2.complete_all();
    // Terminated: no attach.
    run(
        &mut f.ec2,
        json!({"action": "TerminateInstances", "InstanceIds": [i]}),
    );
    let e2 = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": e2, "InstanceId": i, "DeviceIndex": 2}),
    );
    assert_eq!(e.code, "IncorrectInstanceState");
}

#[test]
fn a2_cold_attach_at_launch_is_attached_at_once() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.a1},
            {"DeviceIndex": 1, "NetworkInterfaceId": eni}]}),
    ));
    assert_eq!(
        r["Instances"][0]["NetworkInterfaces"][1]["Attachment"]["Status"],
        "attached"
    );
    assert_eq!(f.get(&eni).status(), EniStatus::InUse);
}

#[test]
fn a4_device_index_must_be_free() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let e1 = f.eni(&f.a1.clone(), json!({}));
    let e2 = f.eni(&f.a1.clone(), json!({}));
    f.attach(&e1, &i, 1);
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": e2, "InstanceId": i, "DeviceIndex": 1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert_eq!(
        e.message,
        format!("Instance '{i}' already has an interface attached at device index '1'.")
    );
}

#[test]
fn a6_eni_attached_to_at_most_one_instance() {
    let mut f = fx();
    let (i1, _) = f.launch("m5.large", &f.a1.clone());
    let (i2, _) = f.launch("m5.large", &f.a1.clone());
    let eni = f.eni(&f.a1.clone(), json!({}));
    // While the first attach is still attaching.
    f.ec2
        .apply(&act(json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": i1, "DeviceIndex": 1})))
        .unwrap();
    assert_eq!(f.get(&eni).status(), EniStatus::Attaching);
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": i2, "DeviceIndex": 1}),
    );
    assert_eq!(e.code, "InvalidNetworkInterface.InUse");
    f.ec2.complete_all();
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "NetworkInterfaceId": eni}]}),
    );
    assert_eq!(e.code, "InvalidNetworkInterface.InUse");
    // The same ENI twice in one launch.
    let free = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "NetworkInterfaceId": free}, {"DeviceIndex": 1, "NetworkInterfaceId": free}]}),
    );
    assert_eq!(e.code, "InvalidNetworkInterface.InUse");
}

#[test]
fn a9_unknown_attachment_id() {
    let mut f = fx();
    let e = fails(
        &mut f.ec2,
        json!({"action": "DetachNetworkInterface", "AttachmentId": "eni-attach-0123456789abcdef0"}),
    );
    assert_eq!(e.code, "InvalidAttachmentID.NotFound");
    // A detached attachment is gone too.
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let eni = f.eni(&f.a1.clone(), json!({}));
    let att = f.attach(&eni, &i, 1);
    f.detach(&att);
    let e = fails(
        &mut f.ec2,
        json!({"action": "DetachNetworkInterface", "AttachmentId": att}),
    );
    assert_eq!(e.code, "InvalidAttachmentID.NotFound");
}

#[test]
fn p1_eni_and_instance_in_the_same_az() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let in_b = f.eni(&f.b.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": in_b, "InstanceId": i, "DeviceIndex": 1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(e.message.contains("Availability Zone"), "{}", e.message);
    // Another subnet of the same AZ is fine.
    let in_a2 = f.eni(&f.a2.clone(), json!({}));
    f.attach(&in_a2, &i, 1);
    // And at launch.
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.a1}, {"DeviceIndex": 1, "NetworkInterfaceId": in_b}]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
}

#[test]
fn p2_eni_and_instance_in_the_same_vpc() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let other = s(&rv(&run(
        &mut f.ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}),
    ))["Vpc"]["VpcId"]);
    let sub = s(&rv(&run(
        &mut f.ec2,
        json!({"action": "CreateSubnet", "VpcId": other, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"}),
    ))["Subnet"]["SubnetId"]);
    // The same private address in another VPC is allowed (I4 is per subnet).
    let eni = f.eni(&sub, json!({"PrivateIpAddress": f.get(&f.ec2.primary_eni(&InstanceId(i.clone())).unwrap().id.0).primary_ip.to_string()}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": i, "DeviceIndex": 1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(e.message.contains("same VPC"), "{}", e.message);
}

#[test]
fn p3_an_eni_never_changes_subnet() {
    let mut f = fx();
    let (i1, _) = f.launch("m5.large", &f.a1.clone());
    let (i2, _) = f.launch("m5.large", &f.a2.clone());
    let eni = f.eni(&f.a1.clone(), json!({}));
    let att = f.attach(&eni, &i1, 1);
    f.detach(&att);
    // Attached to an instance whose primary ENI is in another subnet.
    f.attach(&eni, &i2, 1);
    assert_eq!(f.get(&eni).subnet.0, f.a1);
    // No action can change it: SubnetId is not an attribute.
    let e = Action::from_params(
        "ModifyNetworkInterfaceAttribute",
        json!({"NetworkInterfaceId": eni, "SubnetId": f.a2})
            .as_object()
            .unwrap()
            .clone(),
    )
    .unwrap_err();
    assert_eq!(e.param.as_deref(), Some("SubnetId"));
}

#[test]
fn l1_interface_count_exceeds_the_type_limit() {
    let mut f = fx();
    let (i, _) = f.launch("t3.nano", &f.a1.clone()); // 2 ENIs
    let e1 = f.eni(&f.a1.clone(), json!({}));
    let e2 = f.eni(&f.a1.clone(), json!({}));
    f.attach(&e1, &i, 1);
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": e2, "InstanceId": i, "DeviceIndex": 2}),
    );
    assert_eq!(e.code, "AttachmentLimitExceeded");
    assert_eq!(e.message, "Interface count 3 exceeds the limit for t3.nano");
    // At launch.
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "t3.nano", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.a1}, {"DeviceIndex": 1, "SubnetId": f.a1},
            {"DeviceIndex": 2, "SubnetId": f.a1}]}),
    );
    assert_eq!(e.message, "Interface count 3 exceeds the limit for t3.nano");
}

#[test]
fn l1_holds_per_network_card_on_multi_card_types() {
    let mut f = fx();
    // p5.48xlarge: 64 ENIs over 32 cards, 2 per card.
    let (i, _) = f.launch("p5.48xlarge", &f.a1.clone());
    let e1 = f.eni(&f.a1.clone(), json!({}));
    let e2 = f.eni(&f.a1.clone(), json!({}));
    f.attach(&e1, &i, 1);
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": e2, "InstanceId": i, "DeviceIndex": 2}),
    );
    assert_eq!(
        e.message,
        "Interface count 3 exceeds the limit for p5.48xlarge"
    );
    // Card 1 has room, even at device index 0.
    run(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": e2, "InstanceId": i, "DeviceIndex": 0, "NetworkCardIndex": 1}),
    );
    let e3 = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": e3, "InstanceId": i, "DeviceIndex": 0, "NetworkCardIndex": 32}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
}

#[test]
fn l2_private_ipv4s_per_eni_within_the_type_limit() {
    let mut f = fx();
    let (i, eth0) = f.launch("t3.nano", &f.a1.clone()); // 2 IPv4 per ENI
    run(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eth0, "SecondaryPrivateIpAddressCount": 1}),
    );
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eth0, "SecondaryPrivateIpAddressCount": 1}),
    );
    assert_eq!(e.code, "PrivateIpAddressLimitExceeded");
    // Attaching an ENI with more addresses than the type allows.
    let big = f.eni(&f.a1.clone(), json!({"SecondaryPrivateIpAddressCount": 2}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": big, "InstanceId": i, "DeviceIndex": 1}),
    );
    assert_eq!(e.code, "PrivateIpAddressLimitExceeded");
    // At launch, the type's limit applies to the ENIs it creates.
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "t3.nano", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.a1, "SecondaryPrivateIpAddressCount": 2}]}),
    );
    assert_eq!(e.code, "PrivateIpAddressLimitExceeded");
    // Unattached: the catalog's largest (50).
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "SecondaryPrivateIpAddressCount": 50}),
    );
    assert_eq!(e.code, "PrivateIpAddressLimitExceeded");
}

#[test]
fn d1_delete_on_termination_only_for_enis_the_launch_creates() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "NetworkInterfaceId": eni, "DeleteOnTermination": true}]}),
    );
    assert_eq!(e.code, "InvalidParameterCombination");
    // False is fine, and so is the default.
    run(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "NetworkInterfaceId": eni, "DeleteOnTermination": false}]}),
    );
}

#[test]
fn d2_delete_on_termination_defaults_and_is_changeable() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    assert!(
        f.get(&eth0)
            .attachment
            .as_ref()
            .unwrap()
            .delete_on_termination
    );
    let eni = f.eni(&f.a1.clone(), json!({}));
    let att = f.attach(&eni, &i, 1);
    assert!(
        !f.get(&eni)
            .attachment
            .as_ref()
            .unwrap()
            .delete_on_termination
    );
    run(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni,
               "Attachment": {"AttachmentId": att, "DeleteOnTermination": true}}),
    );
    assert!(
        f.get(&eni)
            .attachment
            .as_ref()
            .unwrap()
            .delete_on_termination
    );
    // A wrong attachment id.
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni,
               "Attachment": {"AttachmentId": "eni-attach-0000000000000000", "DeleteOnTermination": false}}),
    );
    assert_eq!(e.code, "InvalidAttachmentID.NotFound");
    run(
        &mut f.ec2,
        json!({"action": "TerminateInstances", "InstanceIds": [i]}),
    );
    assert!(f.ec2.network_interface(&EniId(eni)).is_none());
}

#[test]
fn d4_terminate_deletes_dot_enis_and_detaches_the_others_with_their_addresses() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    let keep = f.eni(
        &f.a1.clone(),
        json!({"SecondaryPrivateIpAddressCount": 1, "Ipv6AddressCount": 1}),
    );
    f.attach(&keep, &i, 1);
    let before = f.get(&keep).clone();
    let (alloc, public) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": keep}),
    );
    let (alloc0, _) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc0, "NetworkInterfaceId": eth0}),
    );
    let eth0_ip = f.get(&eth0).primary_ip;
    // Through the timeline: shutting-down first, D4 at completion.
    let applied = f
        .ec2
        .apply(&act(
            json!({"action": "TerminateInstances", "InstanceIds": [i]}),
        ))
        .unwrap();
    assert_eq!(f.inst(&i).state, InstanceState::ShuttingDown);
    assert!(f.get(&keep).attachment.is_some());
    for t in &applied.started {
        f.ec2.complete(t);
    }
    assert_eq!(f.inst(&i).state, InstanceState::Terminated);
    assert!(f.ec2.network_interface(&EniId(eth0.clone())).is_none());
    let after = f.get(&keep);
    assert_eq!(after.status(), EniStatus::Available);
    assert_eq!(
        (after.mac, after.primary_ip),
        (before.mac, before.primary_ip)
    );
    assert_eq!(after.secondary_ips, before.secondary_ips);
    assert_eq!(after.ipv6, before.ipv6);
    assert_eq!(
        f.ec2
            .eni_by_public_ip(ip(&public))
            .map(|(e, _)| e.0.clone()),
        Some(keep.clone())
    );
    // eth0's address is free again; its Elastic IP stays allocated.
    assert!(f
        .ec2
        .eni_by_private_ip(&VpcId(f.vpc.clone()), eth0_ip.into())
        .is_none());
    let a0 = f.ec2.address(&AllocationId(alloc0)).unwrap();
    assert!(a0.association.is_none());
    f.ec2.check_invariants().unwrap();
}

#[test]
fn d5_an_attached_eni_cannot_be_deleted() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let eni = f.eni(&f.a1.clone(), json!({}));
    f.attach(&eni, &i, 1);
    let e = fails(
        &mut f.ec2,
        json!({"action": "DeleteNetworkInterface", "NetworkInterfaceId": eni}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert_eq!(
        e.message,
        format!("Network interface '{eni}' is currently in use.")
    );
}

#[test]
fn d6_unknown_eni_everywhere() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let bad = "eni-0000000000000dead";
    let msg = format!("The networkInterface ID '{bad}' does not exist");
    for v in [
        json!({"action": "DeleteNetworkInterface", "NetworkInterfaceId": bad}),
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": bad, "InstanceId": i, "DeviceIndex": 1}),
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": bad, "SecondaryPrivateIpAddressCount": 1}),
        json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": bad, "PrivateIpAddresses": ["10.0.1.9"]}),
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": bad, "Ipv6AddressCount": 1}),
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": bad, "SourceDestCheck": false}),
        json!({"action": "AssociateAddress", "AllocationId": f.eip().0, "NetworkInterfaceId": bad}),
        json!({"action": "DescribeNetworkInterfaces", "NetworkInterfaceIds": [bad]}),
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [{"DeviceIndex": 0, "NetworkInterfaceId": bad}]}),
    ] {
        let e = fails(&mut f.ec2, v);
        assert_eq!(e.code, "InvalidNetworkInterfaceID.NotFound");
        assert_eq!(e.message, msg);
    }
}

#[test]
fn unknown_ids_of_every_kind_give_ec2_not_found_codes() {
    let mut f = fx();
    let cases = [
        (
            json!({"action": "StopInstances", "InstanceIds": ["i-0000000000000dead"]}),
            "InvalidInstanceID.NotFound",
        ),
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": "subnet-0dead"}),
            "InvalidSubnetID.NotFound",
        ),
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "Groups": ["sg-0dead"]}),
            "InvalidGroup.NotFound",
        ),
        (
            json!({"action": "ReleaseAddress", "AllocationId": "eipalloc-0dead"}),
            "InvalidAllocationID.NotFound",
        ),
        (
            json!({"action": "DisassociateAddress", "AssociationId": "eipassoc-0dead"}),
            "InvalidAssociationID.NotFound",
        ),
        (
            json!({"action": "DeleteNetworkInterface", "NetworkInterfaceId": "eni-0dead"}),
            "InvalidNetworkInterfaceID.NotFound",
        ),
        (
            json!({"action": "DetachNetworkInterface", "AttachmentId": "eni-attach-0dead"}),
            "InvalidAttachmentID.NotFound",
        ),
        (
            json!({"action": "CreateSubnet", "VpcId": "vpc-0dead", "CidrBlock": "10.0.0.0/24"}),
            "InvalidVpcID.NotFound",
        ),
        (
            json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": "sg-0dead", "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
            "InvalidGroup.NotFound",
        ),
        (
            json!({"action": "AssociateAddress", "PublicIp": "198.51.100.200", "NetworkInterfaceId": "eni-0dead"}),
            "InvalidAddress.NotFound",
        ),
    ];
    for (v, code) in cases {
        assert_eq!(fails(&mut f.ec2, v).code, code);
    }
}

// ---- M: mobility, routing, bandwidth ---------------------------------------

#[test]
fn m1_mac_addresses_eips_and_ipv6_stay_with_the_eni() {
    let mut f = fx();
    let (i1, _) = f.launch("m5.large", &f.a1.clone());
    let (i2, _) = f.launch("m5.large", &f.a2.clone());
    let eni = f.eni(
        &f.a1.clone(),
        json!({"SecondaryPrivateIpAddressCount": 2, "Ipv6AddressCount": 2}),
    );
    let secondary = f.get(&eni).secondary_ips[0];
    let (alloc, public) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": eni, "PrivateIpAddress": secondary.to_string()}),
    );
    let before = f.ec2.eni_view(&EniId(eni.clone())).unwrap();
    let att = f.attach(&eni, &i1, 1);
    f.detach(&att);
    // Re-attach elsewhere; traffic follows once the attach completes.
    let applied = f
        .ec2
        .apply(&act(json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": i2, "DeviceIndex": 1})))
        .unwrap();
    assert_eq!(
        f.ec2
            .eni_view(&EniId(eni.clone()))
            .unwrap()
            .attachment
            .unwrap()
            .status,
        AttachmentStatus::Attaching
    );
    f.ec2.complete(&applied.started[0]);
    let after = f.ec2.eni_view(&EniId(eni.clone())).unwrap();
    assert_eq!(after.mac, before.mac);
    assert_eq!(after.private_ipv4, before.private_ipv4);
    assert_eq!(after.ipv6, before.ipv6);
    assert_eq!(after.attachment.as_ref().unwrap().instance.0, i2);
    assert_eq!(after.attachment.unwrap().status, AttachmentStatus::Attached);
    assert_eq!(
        f.ec2.eni_by_public_ip(ip(&public)),
        Some((&EniId(eni.clone()), secondary))
    );
}

#[test]
fn m2_two_enis_of_one_instance_in_one_subnet_warn_of_asymmetric_routing() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let other_subnet = f.eni(&f.a2.clone(), json!({}));
    f.attach(&other_subnet, &i, 1);
    assert!(f
        .ec2
        .warnings()
        .iter()
        .all(|w| w.code != "AsymmetricRouting"));
    let same = f.eni(&f.a1.clone(), json!({}));
    f.attach(&same, &i, 2);
    let w: Vec<_> = f
        .ec2
        .warnings()
        .into_iter()
        .filter(|w| w.code == "AsymmetricRouting")
        .collect();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message.contains(&i) && w[0].message.contains(&f.a1) && w[0].message.contains(&same)
    );
}

#[test]
fn m3_several_enis_never_add_bandwidth() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    assert!(f.ec2.warnings().is_empty());
    let eni = f.eni(&f.a2.clone(), json!({}));
    f.attach(&eni, &i, 1);
    let w = f.ec2.warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].code, "SharedBandwidth");
    assert!(
        w[0].message.contains("0.75 Gbps baseline and 10 Gbps peak"),
        "{}",
        w[0].message
    );
    let v = f.ec2.instance_views();
    assert_eq!((v[0].baseline_gbps, v[0].peak_gbps), (0.75, 10.0));
    assert_eq!(v[0].enis.len(), 2);
}

// ---- addresses --------------------------------------------------------------

#[test]
fn i1_the_primary_private_ip_cannot_be_unassigned() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let primary = f.get(&eni).primary_ip.to_string();
    let e = fails(
        &mut f.ec2,
        json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": eni, "PrivateIpAddresses": [primary]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    // Nor moved with AllowReassignment.
    let other = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": other, "PrivateIpAddresses": [primary], "AllowReassignment": true}),
    );
    assert_eq!(e.code, "InvalidIPAddress.InUse");
}

#[test]
fn i2_addresses_lie_in_the_subnet_or_the_next_free_is_chosen() {
    let mut f = fx();
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "PrivateIpAddress": "10.0.2.10"}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert_eq!(
        e.message,
        "Address 10.0.2.10 does not fall within the subnet's address range"
    );
    let eni = f.eni(&f.a1.clone(), json!({}));
    assert_eq!(f.get(&eni).primary_ip, ip("10.0.1.4"));
    let eni2 = f.eni(&f.a1.clone(), json!({"PrivateIpAddress": "10.0.1.50"}));
    assert_eq!(f.get(&eni2).primary_ip, ip("10.0.1.50"));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eni, "PrivateIpAddresses": ["10.0.3.9"]}),
    );
    assert_eq!(
        e.message,
        "Address 10.0.3.9 does not fall within the subnet's address range"
    );
}

#[test]
fn i3_reserved_addresses_are_never_assigned() {
    let mut f = fx();
    for a in ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"] {
        let e = fails(
            &mut f.ec2,
            json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "PrivateIpAddress": a}),
        );
        assert_eq!(e.code, "InvalidParameterValue");
        assert!(e.message.contains("reserved"), "{}", e.message);
    }
    // Picked addresses in a /28 fill .4 to .14 only.
    let mut got = Vec::new();
    for _ in 0..11 {
        let eni = f.eni(&f.small.clone(), json!({}));
        got.push(f.get(&eni).primary_ip);
    }
    let want: Vec<Ipv4Addr> = (4..=14).map(|x| Ipv4Addr::new(10, 0, 4, x)).collect();
    assert_eq!(got, want);
    // IPv6: the first four of the /64 too.
    let net = f
        .ec2
        .subnet(&SubnetId(f.a1.clone()))
        .unwrap()
        .ipv6_cidr
        .unwrap();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": eni, "Ipv6Addresses": [net.nth(2).unwrap().to_string()]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
}

#[test]
fn i4_an_address_is_used_once_in_its_subnet() {
    let mut f = fx();
    f.eni(&f.a1.clone(), json!({"PrivateIpAddress": "10.0.1.20"}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "PrivateIpAddress": "10.0.1.20"}),
    );
    assert_eq!(e.code, "InvalidIPAddress.InUse");
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": f.a1, "PrivateIpAddress": "10.0.1.20"}),
    );
    assert_eq!(e.code, "InvalidIPAddress.InUse");
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "PrivateIpAddresses": ["10.0.1.30", "10.0.1.30"]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
}

#[test]
fn i5_an_exhausted_subnet_refuses_more() {
    let mut f = fx();
    for _ in 0..10 {
        f.eni(&f.small.clone(), json!({}));
    }
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.small, "SecondaryPrivateIpAddressCount": 1}),
    );
    assert_eq!(e.code, "InsufficientFreeAddressesInSubnet");
    let last = f.eni(&f.small.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": last, "SecondaryPrivateIpAddressCount": 1}),
    );
    assert_eq!(e.code, "InsufficientFreeAddressesInSubnet");
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": f.small}),
    );
    assert_eq!(e.code, "InsufficientFreeAddressesInSubnet");
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.small}),
    );
    assert_eq!(e.code, "InsufficientFreeAddressesInSubnet");
    assert_eq!(
        f.ec2
            .describe_subnet(f.ec2.subnet(&SubnetId(f.small.clone())).unwrap())
            .available_ip_address_count,
        0
    );
}

#[test]
fn s1_a_multi_address_request_is_all_or_nothing() {
    let mut f = fx();
    let holder = f.eni(
        &f.a1.clone(),
        json!({"PrivateIpAddresses": ["10.0.1.40", "10.0.1.41"]}),
    );
    let eni = f.eni(&f.a1.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eni,
               "PrivateIpAddresses": ["10.0.1.60", "10.0.1.41", "10.0.1.61"]}),
    );
    // The first failing rule's code: S2 for .41.
    assert_eq!(e.code, "InvalidIPAddress.InUse");
    assert!(f.get(&eni).secondary_ips.is_empty());
    assert!(f.get(&holder).secondary_ips.contains(&ip("10.0.1.41")));
    let e = fails(
        &mut f.ec2,
        json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": holder,
               "PrivateIpAddresses": ["10.0.1.41", "10.0.1.99"]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(f.get(&holder).secondary_ips.contains(&ip("10.0.1.41")));
}

#[test]
fn s2_moving_a_secondary_ip_needs_allow_reassignment() {
    let mut f = fx();
    let from = f.eni(
        &f.a1.clone(),
        json!({"PrivateIpAddresses": ["10.0.1.40", "10.0.1.41"]}),
    );
    let to = f.eni(&f.a1.clone(), json!({}));
    let p = json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": to, "PrivateIpAddresses": ["10.0.1.41"]});
    let e = fails(&mut f.ec2, p.clone());
    assert_eq!(e.code, "InvalidIPAddress.InUse");
    let mut p2 = p;
    p2["AllowReassignment"] = json!(true);
    let applied = f.ec2.apply(&act(p2)).unwrap();
    assert_eq!(
        applied.reassigned,
        vec![Reassignment {
            address: ip("10.0.1.41"),
            from: EniId(from.clone()),
            to: EniId(to.clone()),
            elastic_ip: None
        }]
    );
    assert!(!f.get(&from).holds(ip("10.0.1.41")));
    assert!(f.get(&to).holds(ip("10.0.1.41")));
    f.ec2.check_invariants().unwrap();
}

#[test]
fn s3_reassignment_keeps_the_elastic_ip_association() {
    let mut f = fx();
    let (failed, _) = f.launch("m5.large", &f.a1.clone());
    let (standby, standby_eni) = f.launch("m5.large", &f.a1.clone());
    let eth0 = f
        .ec2
        .primary_eni(&InstanceId(failed.clone()))
        .unwrap()
        .id
        .0
        .clone();
    run(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eth0, "PrivateIpAddresses": ["10.0.1.100"]}),
    );
    let (alloc, public) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": eth0, "PrivateIpAddress": "10.0.1.100"}),
    );
    let applied = f
        .ec2
        .apply(&act(
            json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": standby_eni,
            "PrivateIpAddresses": ["10.0.1.100"], "AllowReassignment": true}),
        ))
        .unwrap();
    assert_eq!(applied.reassigned[0].elastic_ip, Some(ip(&public)));
    assert_eq!(
        f.ec2.eni_by_public_ip(ip(&public)),
        Some((&EniId(standby_eni.clone()), ip("10.0.1.100")))
    );
    let d = f
        .ec2
        .describe_address(f.ec2.address(&AllocationId(alloc)).unwrap());
    assert_eq!(d.instance_id.unwrap().0, standby);
}

#[test]
fn s4_unassign_disassociates_the_elastic_ip() {
    let mut f = fx();
    let eni = f.eni(
        &f.a1.clone(),
        json!({"PrivateIpAddresses": ["10.0.1.40", "10.0.1.41"]}),
    );
    let (alloc, _) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": eni, "PrivateIpAddress": "10.0.1.41"}),
    );
    run(
        &mut f.ec2,
        json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": eni, "PrivateIpAddresses": ["10.0.1.41"]}),
    );
    let a = f.ec2.address(&AllocationId(alloc)).unwrap();
    assert!(
        a.association.is_none(),
        "still allocated, no longer associated"
    );
}

#[test]
fn v1_an_ipv6_address_is_on_one_eni_only_within_the_type_limit() {
    let mut f = fx();
    let a = f.eni(&f.a1.clone(), json!({"Ipv6AddressCount": 1}));
    let b = f.eni(&f.a1.clone(), json!({}));
    let v6 = f.get(&a).ipv6[0].to_string();
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": b, "Ipv6Addresses": [v6]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    // No reassign flag exists: the parameter is refused.
    assert!(Action::from_params(
        "AssignIpv6Addresses",
        json!({"NetworkInterfaceId": b, "Ipv6Addresses": [v6], "AllowReassignment": true})
            .as_object()
            .unwrap()
            .clone()
    )
    .is_err());
    // Unassign first, then it can move.
    run(
        &mut f.ec2,
        json!({"action": "UnassignIpv6Addresses", "NetworkInterfaceId": a, "Ipv6Addresses": [v6]}),
    );
    run(
        &mut f.ec2,
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": b, "Ipv6Addresses": [v6]}),
    );
    // The type's limit: t3.nano has 2 per ENI.
    let (_, eth0) = f.launch("t3.nano", &f.a1.clone());
    run(
        &mut f.ec2,
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": eth0, "Ipv6AddressCount": 2}),
    );
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": eth0, "Ipv6AddressCount": 1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    // A subnet without IPv6.
    let c = f.eni(&f.a2.clone(), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": c, "Ipv6AddressCount": 1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    // IPv6 addresses are looked up like private ones (the guest sees them).
    let holder = f
        .ec2
        .eni_by_private_ip(&VpcId(f.vpc.clone()), v6.parse().unwrap());
    assert_eq!(holder.map(|e| e.0.clone()), Some(b));
}

// ---- public IPv4 and Elastic IPs -------------------------------------------

#[test]
fn u1_map_public_ip_on_launch_gives_eth0_a_public_ipv4() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.small.clone());
    let p = f.get(&eth0).auto_public_ip.expect("public IPv4");
    let d = f.ec2.describe_instance(f.inst(&i));
    assert_eq!(d.public_ip_address, Some(p));
    let (_, no) = f.launch("m5.large", &f.a1.clone());
    assert!(f.get(&no).auto_public_ip.is_none());
    // AssociatePublicIpAddress overrides the subnet, both ways.
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.a1, "AssociatePublicIpAddress": true}]}),
    ));
    assert!(r["Instances"][0]["PublicIpAddress"].is_string());
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.small, "AssociatePublicIpAddress": false}]}),
    ));
    assert!(r["Instances"][0].get("PublicIpAddress").is_none());
    // The public address maps to the primary private one at the edge.
    assert_eq!(
        f.ec2.eni_by_public_ip(p),
        Some((&EniId(eth0.clone()), f.get(&eth0).primary_ip))
    );
}

#[test]
fn u2_no_auto_public_ipv4_when_launching_with_several_enis() {
    let mut f = fx();
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.small}, {"DeviceIndex": 1, "SubnetId": f.small}]}),
    ));
    assert!(r["Instances"][0].get("PublicIpAddress").is_none());
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": f.a1, "AssociatePublicIpAddress": true}, {"DeviceIndex": 1, "SubnetId": f.a1}]}),
    );
    assert_eq!(e.code, "InvalidParameterCombination");
}

#[test]
fn u3_the_auto_public_ipv4_goes_on_stop_and_a_new_one_comes_on_start() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.small.clone());
    let first = f.get(&eth0).auto_public_ip.unwrap();
    run(
        &mut f.ec2,
        json!({"action": "StopInstances", "InstanceIds": [i]}),
    );
    assert!(f.get(&eth0).auto_public_ip.is_none());
    run(
        &mut f.ec2,
        json!({"action": "StartInstances", "InstanceIds": [i]}),
    );
    let second = f.get(&eth0).auto_public_ip.unwrap();
    assert_ne!(first, second);
    assert_eq!(f.inst(&i).state, InstanceState::Running);
}

#[test]
fn e1_five_elastic_ips_per_region() {
    let mut f = fx();
    for _ in 0..5 {
        f.eip();
    }
    let e = fails(
        &mut f.ec2,
        json!({"action": "AllocateAddress", "Domain": "vpc"}),
    );
    assert_eq!(e.code, "AddressLimitExceeded");
    // Another region has its own quota.
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "AllocateAddress", "Region": "eu-west-1"}),
    ));
    assert_eq!(r["NetworkBorderGroup"], "eu-west-1");
}

#[test]
fn e2_an_instance_with_several_enis_needs_an_eni_named() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    let (alloc, _) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "InstanceId": i}),
    );
    let a = f
        .ec2
        .address(&AllocationId(alloc.clone()))
        .unwrap()
        .association
        .clone()
        .unwrap();
    assert_eq!(
        (a.eni.0.clone(), a.private_ip),
        (eth0.clone(), f.get(&eth0).primary_ip)
    );
    let eni = f.eni(&f.a2.clone(), json!({}));
    f.attach(&eni, &i, 1);
    let (alloc2, _) = f.eip();
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc2, "InstanceId": i}),
    );
    assert_eq!(e.code, "InvalidInstanceID");
    assert_eq!(
        e.message,
        format!("There are multiple interfaces attached to instance '{i}'. Please specify an interface ID for the operation instead.")
    );
}

#[test]
fn e3_one_elastic_ip_per_private_address_the_new_replaces_the_old() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let (a1, _) = f.eip();
    let (a2, p2) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": a1, "NetworkInterfaceId": eni}),
    );
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": a2, "NetworkInterfaceId": eni}),
    );
    assert!(f
        .ec2
        .address(&AllocationId(a1))
        .unwrap()
        .association
        .is_none());
    assert_eq!(f.ec2.eni_by_public_ip(ip(&p2)).unwrap().0 .0, eni);
    assert_eq!(f.ec2.addresses().count(), 2, "the old one stays allocated");
}

#[test]
fn e4_reassociation_without_allow_reassociation_fails() {
    let mut f = fx();
    let x = f.eni(&f.a1.clone(), json!({}));
    let y = f.eni(&f.a1.clone(), json!({}));
    let (alloc, public) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": x}),
    );
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": y, "AllowReassociation": false}),
    );
    assert_eq!(e.code, "Resource.AlreadyAssociated");
    // The default is automatic reassociation (moto has it inverted).
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": y}),
    );
    assert_eq!(f.ec2.eni_by_public_ip(ip(&public)).unwrap().0 .0, y);
}

#[test]
fn e5_an_elastic_ip_releases_the_auto_ipv4_and_disassociation_brings_a_new_one_only_with_one_eni() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.small.clone());
    let auto = f.get(&eth0).auto_public_ip.unwrap();
    let (alloc, public) = f.eip();
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "InstanceId": i}),
    ));
    assert!(f.get(&eth0).auto_public_ip.is_none());
    assert_eq!(f.ec2.eni_by_public_ip(auto), None);
    assert_eq!(
        f.ec2.describe_instance(f.inst(&i)).public_ip_address,
        Some(ip(&public))
    );
    run(
        &mut f.ec2,
        json!({"action": "DisassociateAddress", "AssociationId": r["AssociationId"]}),
    );
    let new = f
        .get(&eth0)
        .auto_public_ip
        .expect("a new public IPv4 with one ENI");
    assert_ne!(new, auto);
    // With a second ENI attached, none comes back.
    let eni = f.eni(&f.small.clone(), json!({}));
    f.attach(&eni, &i, 1);
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": eth0}),
    ));
    run(
        &mut f.ec2,
        json!({"action": "DisassociateAddress", "AssociationId": r["AssociationId"]}),
    );
    assert!(f.get(&eth0).auto_public_ip.is_none());
}

#[test]
fn e5_only_the_primary_address_losing_its_elastic_ip_brings_an_auto_ipv4_back() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.small.clone());
    let (a1, p1) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": a1, "InstanceId": i}),
    );
    let eth1 = f.eni(&f.small.clone(), json!({}));
    let att = f.attach(&eth1, &i, 1);
    run(
        &mut f.ec2,
        json!({"action": "DisassociateAddress", "PublicIp": p1}),
    );
    assert!(f.get(&eth0).auto_public_ip.is_none(), "two ENIs: none");
    f.detach(&att);
    // A secondary address's Elastic IP leaving brings nothing.
    let sec = s(&rv(&run(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eth0, "SecondaryPrivateIpAddressCount": 1}),
    ))["AssignedPrivateIpAddresses"][0]["PrivateIpAddress"]);
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": a1, "NetworkInterfaceId": eth0, "PrivateIpAddress": sec}),
    ));
    run(
        &mut f.ec2,
        json!({"action": "DisassociateAddress", "AssociationId": r["AssociationId"]}),
    );
    assert!(f.get(&eth0).auto_public_ip.is_none());
    // A restart with one ENI does (U3).
    run(
        &mut f.ec2,
        json!({"action": "StopInstances", "InstanceIds": [i]}),
    );
    run(
        &mut f.ec2,
        json!({"action": "StartInstances", "InstanceIds": [i]}),
    );
    assert!(f.get(&eth0).auto_public_ip.is_some());
}

#[test]
fn e7_an_associated_elastic_ip_cannot_be_released() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let (alloc, public) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": eni}),
    );
    let e = fails(
        &mut f.ec2,
        json!({"action": "ReleaseAddress", "AllocationId": alloc}),
    );
    assert_eq!(e.code, "InvalidIPAddress.InUse");
    let e = fails(
        &mut f.ec2,
        json!({"action": "ReleaseAddress", "AllocationId": "eipalloc-0000000000000dead"}),
    );
    assert_eq!(e.code, "InvalidAllocationID.NotFound");
    run(
        &mut f.ec2,
        json!({"action": "DisassociateAddress", "PublicIp": public}),
    );
    run(
        &mut f.ec2,
        json!({"action": "ReleaseAddress", "AllocationId": alloc}),
    );
    assert_eq!(f.ec2.addresses().count(), 0);
    // In the default VPC, releasing disassociates.
    run(&mut f.ec2, json!({"action": "CreateDefaultVpc"}));
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "t3.micro"}),
    ));
    let i = s(&r["Instances"][0]["InstanceId"]);
    let auto = f
        .ec2
        .primary_eni(&InstanceId(i.clone()))
        .unwrap()
        .auto_public_ip;
    assert!(auto.is_some(), "default subnets map public IPs");
    let (alloc, _) = f.eip();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": alloc, "InstanceId": i}),
    );
    run(
        &mut f.ec2,
        json!({"action": "ReleaseAddress", "AllocationId": alloc}),
    );
    assert!(
        f.ec2
            .primary_eni(&InstanceId(i))
            .unwrap()
            .auto_public_ip
            .is_some(),
        "E5 after the implicit disassociation"
    );
}

#[test]
fn e9_public_ipv4_charges_and_the_idle_elastic_ip_warning() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.small.clone()); // auto public IPv4
    let (idle, idle_ip) = f.eip();
    let (used, _) = f.eip();
    let (extra, _) = f.eip();
    let eth0 = f
        .ec2
        .primary_eni(&InstanceId(i.clone()))
        .unwrap()
        .id
        .0
        .clone();
    run(
        &mut f.ec2,
        json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eth0, "SecondaryPrivateIpAddressCount": 1}),
    );
    let sec = f.get(&eth0).secondary_ips[0].to_string();
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": used, "NetworkInterfaceId": eth0}),
    );
    run(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": extra, "NetworkInterfaceId": eth0, "PrivateIpAddress": sec}),
    );
    let before = f.ec2.charged_public_ipv4s(PricingEra::Before2024);
    let ids: Vec<_> = before
        .iter()
        .map(|c| c.allocation_id.clone().unwrap().0)
        .collect();
    assert_eq!(ids, vec![idle.clone(), extra.clone()]);
    let now = f.ec2.charged_public_ipv4s(PricingEra::From2024);
    assert_eq!(
        now.len(),
        3,
        "every Elastic IP (the auto one went with the first association)"
    );
    let w: Vec<_> = f
        .ec2
        .warnings()
        .into_iter()
        .filter(|w| w.code == "UnassociatedElasticIp")
        .collect();
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains(&idle_ip), "{}", w[0].message);
    // A stopped instance's Elastic IPs cost money too.
    run(
        &mut f.ec2,
        json!({"action": "StopInstances", "InstanceIds": [i]}),
    );
    assert_eq!(f.ec2.charged_public_ipv4s(PricingEra::Before2024).len(), 3);
    assert_eq!(
        f.ec2
            .warnings()
            .iter()
            .filter(|w| w.code == "UnassociatedElasticIp")
            .count(),
        3
    );
}

#[test]
fn e9_auto_assigned_addresses_are_charged_from_2024() {
    let mut f = fx();
    let (_, eth0) = f.launch("m5.large", &f.small.clone());
    assert!(f
        .ec2
        .charged_public_ipv4s(PricingEra::Before2024)
        .is_empty());
    let now = f.ec2.charged_public_ipv4s(PricingEra::From2024);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].eni.as_ref().unwrap().0, eth0);
    assert_eq!(now[0].allocation_id, None);
}

// ---- security groups, source/destination check ----------------------------

#[test]
fn g1_at_most_five_groups_per_eni() {
    let mut f = fx();
    let mut groups = Vec::new();
    for n in 0..6 {
        groups.push(s(&rv(&run(
            &mut f.ec2,
            json!({"action": "CreateSecurityGroup", "GroupName": format!("g{n}"), "Description": "x", "VpcId": f.vpc}),
        ))["GroupId"]));
    }
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateNetworkInterface", "SubnetId": f.a1, "Groups": groups}),
    );
    assert_eq!(e.code, "SecurityGroupsPerInterfaceLimitExceeded");
    let eni = f.eni(&f.a1.clone(), json!({"Groups": groups[..5]}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "Groups": groups}),
    );
    assert_eq!(e.code, "SecurityGroupsPerInterfaceLimitExceeded");
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "Groups": []}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
}

#[test]
fn g2_groups_exist_in_the_enis_vpc_default_when_none_and_replace_the_set() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    let default = f
        .ec2
        .vpc(&VpcId(f.vpc.clone()))
        .unwrap()
        .default_group
        .clone();
    assert_eq!(f.get(&eni).groups, vec![default]);
    let other = s(&rv(&run(
        &mut f.ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16"}),
    ))["Vpc"]["VpcId"]);
    let foreign = s(&rv(&run(
        &mut f.ec2,
        json!({"action": "CreateSecurityGroup", "GroupName": "x", "Description": "x", "VpcId": other}),
    ))["GroupId"]);
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "Groups": [f.sg, foreign]}),
    );
    assert_eq!(e.code, "InvalidGroup.NotFound");
    run(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "Groups": [f.sg]}),
    );
    assert_eq!(f.get(&eni).groups, vec![GroupId(f.sg.clone())]);
}

#[test]
fn g3_instance_attributes_on_several_enis_must_target_an_eni() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    run(
        &mut f.ec2,
        json!({"action": "ModifyInstanceAttribute", "InstanceId": i, "SourceDestCheck": {"Value": false}}),
    );
    assert!(!f.get(&eth0).source_dest_check);
    let eni = f.eni(&f.a1.clone(), json!({}));
    f.attach(&eni, &i, 1);
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyInstanceAttribute", "InstanceId": i, "SourceDestCheck": {"Value": true}}),
    );
    assert_eq!(e.code, "InvalidInstanceID");
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyInstanceAttribute", "InstanceId": i, "Groups": [f.sg]}),
    );
    assert_eq!(e.code, "InvalidInstanceID");
}

#[test]
fn g4_groups_belong_to_the_eni_and_their_rules_are_a_union_of_allows() {
    let mut f = fx();
    let sg = f.sg.clone();
    run(
        &mut f.ec2,
        json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": sg, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "UserIdGroupPairs": [{"GroupId": sg}]}]}),
    );
    let e = fails(
        &mut f.ec2,
        json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": sg, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    );
    assert_eq!(e.code, "InvalidPermission.Duplicate");
    let e = fails(
        &mut f.ec2,
        json!({"action": "RevokeSecurityGroupIngress", "GroupId": sg, "IpPermissions": [
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    );
    assert_eq!(e.code, "InvalidPermission.NotFound");
    let e = fails(
        &mut f.ec2,
        json!({"action": "AuthorizeSecurityGroupEgress", "GroupId": sg, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    let g = f.ec2.security_group(&GroupId(sg.clone())).unwrap();
    assert_eq!(g.ingress.len(), 2);
    assert!(g.ingress[0].admits(6, Some(443)) && !g.ingress[0].admits(6, Some(444)));
    assert!(!g.ingress[0].admits(17, Some(443)));
    assert!(g.ingress[1].admits(1, Some(8)) && !g.ingress[1].admits(1, Some(0)));
    assert!(
        g.egress[0].admits(47, None),
        "new groups allow all outbound"
    );
    // The groups are on the ENI, not on single addresses.
    let eni = f.eni(
        &f.a1.clone(),
        json!({"Groups": [sg, f.ec2.vpc(&VpcId(f.vpc.clone())).unwrap().default_group.0.clone()],
        "SecondaryPrivateIpAddressCount": 2}),
    );
    let v = f.ec2.eni_view(&EniId(eni)).unwrap();
    assert_eq!(v.groups.len(), 2);
    assert_eq!(v.private_ipv4.len(), 3);
    run(
        &mut f.ec2,
        json!({"action": "RevokeSecurityGroupIngress", "GroupId": sg, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
    );
    assert_eq!(f.ec2.security_group(&GroupId(sg)).unwrap().ingress.len(), 1);
}

#[test]
fn g5_source_dest_check_defaults_to_true_and_is_changeable() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    assert!(f.get(&eni).source_dest_check);
    run(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "SourceDestCheck": false}),
    );
    assert!(
        !f.ec2
            .eni_view(&EniId(eni.clone()))
            .unwrap()
            .source_dest_check
    );
    let e = fails(
        &mut f.ec2,
        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "SourceDestCheck": true, "Description": "x"}),
    );
    assert_eq!(e.code, "InvalidParameterCombination");
}

// ---- the rest ---------------------------------------------------------------

#[test]
fn transitions_are_listed_and_completed_by_a_timeline() {
    let mut f = fx();
    let (i, _) = f.launch("m5.large", &f.a1.clone());
    let eni = f.eni(&f.a1.clone(), json!({}));
    let applied = f
        .ec2
        .apply(&act(json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eni, "InstanceId": i, "DeviceIndex": 1})))
        .unwrap();
    let att = AttachmentId(s(&rv(&applied.response)["AttachmentId"]));
    assert_eq!(f.ec2.in_progress(), vec![Transition::Attached(att.clone())]);
    // Detach is refused until the attach completes.
    let e = fails(
        &mut f.ec2,
        json!({"action": "DetachNetworkInterface", "AttachmentId": att}),
    );
    assert_eq!(e.code, "IncorrectState");
    assert!(f.ec2.complete(&Transition::Attached(att.clone())));
    assert!(
        !f.ec2.complete(&Transition::Attached(att.clone())),
        "twice is a no-op"
    );
    let applied = f
        .ec2
        .apply(&act(
            json!({"action": "DetachNetworkInterface", "AttachmentId": att}),
        ))
        .unwrap();
    assert_eq!(applied.started, vec![Transition::Detached(att.clone())]);
    assert_eq!(f.get(&eni).status(), EniStatus::Detaching);
    let e = fails(
        &mut f.ec2,
        json!({"action": "DeleteNetworkInterface", "NetworkInterfaceId": eni}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    f.ec2.complete(&Transition::Detached(att));
    assert_eq!(f.get(&eni).status(), EniStatus::Available);
    assert!(f.ec2.in_progress().is_empty());
    // A launch overtaken by its termination: the stale completion is a no-op.
    let applied = f
        .ec2
        .apply(&act(
            json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": f.a1}),
        ))
        .unwrap();
    let j = s(&rv(&applied.response)["Instances"][0]["InstanceId"]);
    run(
        &mut f.ec2,
        json!({"action": "TerminateInstances", "InstanceIds": [j]}),
    );
    assert!(!f.ec2.complete(&applied.started[0]));
    assert_eq!(f.inst(&j).state, InstanceState::Terminated);
}

#[test]
fn ids_and_macs_are_seeded_and_reproducible() {
    let a = fx();
    let b = fx();
    assert_eq!(a.ec2.snapshot(), b.ec2.snapshot());
    let mut c = Ec2::new(43);
    run(
        &mut c,
        json!({"action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}),
    );
    assert_ne!(c.vpcs().next().unwrap().id.0, a.vpc);
    let mut f = fx();
    let e = f.eni(&f.a1.clone(), json!({}));
    assert!(e.starts_with("eni-0") && e.len() == 21, "{e}");
    assert!(f.get(&e).mac.to_string().starts_with("02:"));
}

#[test]
fn describe_outputs_use_ec2_keys() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.small.clone());
    let d = serde_json::to_value(f.ec2.describe_all()).unwrap();
    let e = &d["NetworkInterfaces"][0];
    for k in [
        "NetworkInterfaceId",
        "MacAddress",
        "PrivateIpAddress",
        "PrivateIpAddresses",
        "Ipv6Addresses",
        "Groups",
        "SourceDestCheck",
        "Status",
        "SubnetId",
        "VpcId",
        "AvailabilityZone",
        "Description",
        "Attachment",
        "Association",
    ] {
        assert!(e.get(k).is_some(), "missing {k} in {e}");
    }
    assert_eq!(e["NetworkInterfaceId"], eth0);
    assert_eq!(e["Attachment"]["DeviceIndex"], 0);
    assert_eq!(e["Attachment"]["Status"], "attached");
    assert_eq!(e["PrivateIpAddresses"][0]["Primary"], true);
    let inst = &d["Reservations"][0]["Instances"][0];
    assert_eq!(inst["InstanceId"], i);
    assert_eq!(inst["State"]["Name"], "running");
    assert!(inst["PublicIpAddress"].is_string());
    assert!(d["Addresses"].as_array().unwrap().is_empty());
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "DescribeSecurityGroups", "GroupIds": [f.sg]}),
    ));
    assert_eq!(r["SecurityGroups"][0]["GroupName"], "web");
}

#[test]
fn vpc_and_subnet_setup_is_checked() {
    let mut f = fx();
    let vpc = f.vpc.clone();
    for (cidr, code) in [
        ("10.0.1.0/24", "InvalidSubnet.Conflict"),
        ("10.1.0.0/24", "InvalidSubnet.Range"),
        ("10.0.9.0/29", "InvalidSubnet.Range"),
        ("10.0.9.1/24", "InvalidParameterValue"),
    ] {
        let e = fails(
            &mut f.ec2,
            json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": cidr}),
        );
        assert_eq!(e.code, code, "{cidr}");
    }
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.0.0.0/8"}),
    );
    assert_eq!(e.code, "InvalidVpc.Range");
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.9.0/24", "AvailabilityZone": "eu-west-1a"}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large"}),
    );
    assert_eq!(e.code, "VPCIdNotSpecified");
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m1.small", "SubnetId": f.a1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateSecurityGroup", "GroupName": "web", "VpcId": vpc}),
    );
    assert_eq!(e.code, "InvalidGroup.Duplicate");
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "InstanceId": "i-0"}),
    );
    assert_eq!(e.code, "MissingParameter");
    run(&mut f.ec2, json!({"action": "CreateDefaultVpc"}));
    let e = fails(&mut f.ec2, json!({"action": "CreateDefaultVpc"}));
    assert_eq!(e.code, "DefaultVpcAlreadyExists");
}

#[test]
fn assign_actions_take_a_list_or_a_count_exactly_one() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({}));
    for (action, list, count, addr) in [
        (
            "AssignPrivateIpAddresses",
            "PrivateIpAddresses",
            "SecondaryPrivateIpAddressCount",
            "10.0.1.77",
        ),
        (
            "AssignIpv6Addresses",
            "Ipv6Addresses",
            "Ipv6AddressCount",
            "2600::1",
        ),
    ] {
        let before = f.ec2.snapshot();
        let e = fails(
            &mut f.ec2,
            json!({"action": action, "NetworkInterfaceId": eni}),
        );
        assert_eq!(e.code, "MissingParameter", "{action}");
        assert!(
            e.message.contains(list) && e.message.contains(count),
            "{}",
            e.message
        );
        let e = fails(
            &mut f.ec2,
            json!({"action": action, "NetworkInterfaceId": eni, list: [addr], count: 1}),
        );
        assert_eq!(e.code, "InvalidParameterCombination", "{action}");
        assert_eq!(e.message, format!("{list} and {count} exclude each other."));
        assert_eq!(f.ec2.snapshot(), before);
    }
}

// ---- error paths no rule test above reaches ----------------------------------

#[test]
fn every_missing_required_parameter_is_named() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    let (alloc, _) = f.eip();
    let (sg, a1) = (f.sg.clone(), f.a1.clone());
    let perms = |p: Value| json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": sg, "IpPermissions": [p]});
    for (v, param) in [
        (json!({"action": "CreateVpc"}), "CidrBlock"),
        (
            json!({"action": "CreateSubnet", "CidrBlock": "10.0.9.0/24"}),
            "VpcId",
        ),
        (
            json!({"action": "CreateSubnet", "VpcId": f.vpc}),
            "CidrBlock",
        ),
        (json!({"action": "ModifySubnetAttribute"}), "SubnetId"),
        (
            json!({"action": "ModifySubnetAttribute", "SubnetId": a1}),
            "MapPublicIpOnLaunch",
        ),
        (
            json!({"action": "CreateSecurityGroup", "VpcId": f.vpc}),
            "GroupName",
        ),
        (json!({"action": "AuthorizeSecurityGroupEgress"}), "GroupId"),
        (json!({"action": "RevokeSecurityGroupIngress"}), "GroupId"),
        (
            json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": sg}),
            "IpPermissions",
        ),
        (perms(json!({"FromPort": 1})), "IpPermissions.1.IpProtocol"),
        (
            perms(json!({"IpProtocol": "tcp"})),
            "IpPermissions.1.FromPort",
        ),
        (
            perms(json!({"IpProtocol": "tcp", "FromPort": 22})),
            "IpPermissions.1.ToPort",
        ),
        (
            perms(json!({"IpProtocol": "-1", "IpRanges": [{}]})),
            "IpPermissions.1.IpRanges.CidrIp",
        ),
        (
            perms(json!({"IpProtocol": "-1", "Ipv6Ranges": [{}]})),
            "IpPermissions.1.Ipv6Ranges.CidrIpv6",
        ),
        (
            perms(json!({"IpProtocol": "-1", "UserIdGroupPairs": [{}]})),
            "IpPermissions.1.UserIdGroupPairs.GroupId",
        ),
        (
            json!({"action": "RunInstances", "SubnetId": a1}),
            "InstanceType",
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [{"SubnetId": a1}]}),
            "NetworkInterfaces.1.DeviceIndex",
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [{"DeviceIndex": 0}]}),
            "NetworkInterfaces.1.SubnetId or NetworkInterfaces.1.NetworkInterfaceId",
        ),
        (json!({"action": "StartInstances"}), "InstanceIds"),
        (json!({"action": "StopInstances"}), "InstanceIds"),
        (json!({"action": "TerminateInstances"}), "InstanceIds"),
        (
            json!({"action": "ModifyInstanceAttribute", "SourceDestCheck": false}),
            "InstanceId",
        ),
        (
            json!({"action": "ModifyInstanceAttribute", "InstanceId": i}),
            "SourceDestCheck or Groups",
        ),
        (json!({"action": "CreateNetworkInterface"}), "SubnetId"),
        (
            json!({"action": "DeleteNetworkInterface"}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "AttachNetworkInterface", "InstanceId": i, "DeviceIndex": 1}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eth0, "DeviceIndex": 1}),
            "InstanceId",
        ),
        (
            json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": eth0, "InstanceId": i}),
            "DeviceIndex",
        ),
        (json!({"action": "DetachNetworkInterface"}), "AttachmentId"),
        (
            json!({"action": "AssignPrivateIpAddresses", "SecondaryPrivateIpAddressCount": 1}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "UnassignPrivateIpAddresses", "PrivateIpAddresses": ["10.0.1.9"]}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": eth0}),
            "PrivateIpAddresses",
        ),
        (
            json!({"action": "AssignIpv6Addresses", "Ipv6AddressCount": 1}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "UnassignIpv6Addresses", "Ipv6Addresses": ["2600::1"]}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "UnassignIpv6Addresses", "NetworkInterfaceId": eth0}),
            "Ipv6Addresses",
        ),
        (
            json!({"action": "ModifyNetworkInterfaceAttribute", "SourceDestCheck": false}),
            "NetworkInterfaceId",
        ),
        (
            json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eth0}),
            "Groups, SourceDestCheck, Description or Attachment",
        ),
        (
            json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eth0, "Attachment": {"DeleteOnTermination": true}}),
            "Attachment.AttachmentId",
        ),
        (
            json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eth0, "Attachment": {"AttachmentId": "eni-attach-0"}}),
            "Attachment.DeleteOnTermination",
        ),
        (
            json!({"action": "AssociateAddress", "NetworkInterfaceId": eth0}),
            "AllocationId",
        ),
        (
            json!({"action": "AssociateAddress", "AllocationId": alloc}),
            "InstanceId or NetworkInterfaceId",
        ),
        (json!({"action": "DisassociateAddress"}), "AssociationId"),
        (json!({"action": "ReleaseAddress"}), "AllocationId"),
    ] {
        let e = fails(&mut f.ec2, v.clone());
        assert_eq!(e.code, "MissingParameter", "{v}");
        assert_eq!(
            e.message,
            format!("The request must contain the parameter {param}"),
            "{v}"
        );
    }
}

#[test]
fn malformed_values_and_excluding_parameters_are_refused() {
    let mut f = fx();
    let (i, eth0) = f.launch("m5.large", &f.a1.clone());
    let (alloc, public) = f.eip();
    let eni = f.eni(
        &f.a1.clone(),
        json!({"SecondaryPrivateIpAddressCount": 1, "Ipv6AddressCount": 1}),
    );
    let secondary = f.get(&eni).secondary_ips[0].to_string();
    let v6 = f.get(&eni).ipv6[0].to_string();
    let a1_net = f.ec2.subnet(&SubnetId(f.a1.clone())).unwrap().ipv6_cidr;
    let a1_v6 = a1_net.unwrap().to_string();
    let free6 = a1_net.unwrap().nth(100).unwrap().to_string();
    let (sg, a1, a2, vpc) = (f.sg.clone(), f.a1.clone(), f.a2.clone(), f.vpc.clone());
    let perms = |p: Value| json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": sg, "IpPermissions": [p]});
    let combination = "InvalidParameterCombination";
    let value = "InvalidParameterValue";
    for (v, code) in [
        // VPCs and subnets.
        (
            json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16", "AmazonProvidedIpv6CidrBlock": true, "Ipv6CidrBlock": "2600:1f18:1:100::/56"}),
            combination,
        ),
        (json!({"action": "CreateVpc", "CidrBlock": "ten/16"}), value),
        (
            json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16", "Ipv6CidrBlock": "2600::/x"}),
            value,
        ),
        (
            json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16", "Ipv6CidrBlock": "2600:1f18:1::/48"}),
            value,
        ),
        (
            json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16", "Region": "mars-1"}),
            value,
        ),
        (
            json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.9.0/24", "Ipv6CidrBlock": "x"}),
            value,
        ),
        (
            json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.9.0/24", "Ipv6CidrBlock": "2600::/64"}),
            "InvalidSubnet.Range",
        ),
        (
            json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.9.0/24", "Ipv6CidrBlock": a1_v6}),
            "InvalidSubnet.Conflict",
        ),
        // Security groups.
        (
            json!({"action": "CreateSecurityGroup", "GroupName": "", "VpcId": vpc}),
            value,
        ),
        (
            json!({"action": "CreateSecurityGroup", "GroupName": "Default", "VpcId": vpc}),
            "InvalidGroup.Reserved",
        ),
        (
            json!({"action": "CreateSecurityGroup", "GroupName": "no-vpc"}),
            "VPCIdNotSpecified",
        ),
        (
            perms(json!({"IpProtocol": "gre", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})),
            value,
        ),
        (
            perms(
                json!({"IpProtocol": "icmp", "FromPort": 300, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
            ),
            value,
        ),
        (
            perms(json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/99"}]})),
            value,
        ),
        (
            perms(json!({"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/999"}]})),
            value,
        ),
        (
            perms(json!({"IpProtocol": "-1"})),
            "InvalidPermission.Malformed",
        ),
        (
            perms(json!({"IpProtocol": "-1", "IpRanges": (0..61)
                .map(|k| json!({"CidrIp": format!("10.9.{k}.0/24")}))
                .collect::<Vec<_>>()})),
            "RulesPerSecurityGroupLimitExceeded",
        ),
        // RunInstances.
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": a1, "MaxCount": 2}),
            value,
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": a1,
                   "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": a1}]}),
            combination,
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large",
                   "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": a1, "NetworkCardIndex": 1}]}),
            value,
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large",
                   "NetworkInterfaces": [{"DeviceIndex": 0, "NetworkInterfaceId": eni, "SubnetId": a1}]}),
            combination,
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
                {"DeviceIndex": 0, "SubnetId": a1}, {"DeviceIndex": 0, "SubnetId": a1}]}),
            value,
        ),
        (
            json!({"action": "RunInstances", "InstanceType": "m5.large",
                   "NetworkInterfaces": [{"DeviceIndex": 1, "SubnetId": a1}]}),
            value,
        ),
        (
            json!({"action": "ModifyInstanceAttribute", "InstanceId": i, "SourceDestCheck": false, "Groups": [sg]}),
            combination,
        ),
        // ENIs and their addresses.
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": a1, "PrivateIpAddresses": [
                {"PrivateIpAddress": "10.0.1.50", "Primary": true},
                {"PrivateIpAddress": "10.0.1.51", "Primary": true}]}),
            value,
        ),
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": a1, "PrivateIpAddress": "10.0.1.52",
                   "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.50", "Primary": true}]}),
            value,
        ),
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": a1, "PrivateIpAddress": "10.0.1"}),
            value,
        ),
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": a1, "Ipv6AddressCount": 1, "Ipv6Addresses": [v6]}),
            combination,
        ),
        (
            json!({"action": "CreateNetworkInterface", "SubnetId": a2, "Ipv6AddressCount": 1}),
            value,
        ),
        (
            json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eth0,
                   "PrivateIpAddresses": ["10.0.1.60", "10.0.1.60"]}),
            value,
        ),
        (
            json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": eni,
                   "PrivateIpAddresses": [secondary, secondary]}),
            value,
        ),
        (
            json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": eth0, "Ipv6Addresses": ["2600:::1"]}),
            value,
        ),
        (
            json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": eth0, "Ipv6Addresses": [free6, free6]}),
            value,
        ),
        (
            json!({"action": "UnassignIpv6Addresses", "NetworkInterfaceId": eni, "Ipv6Addresses": [v6, v6]}),
            value,
        ),
        (
            json!({"action": "UnassignIpv6Addresses", "NetworkInterfaceId": eni, "Ipv6Addresses": [free6]}),
            value,
        ),
        // Elastic IPs.
        (
            json!({"action": "AllocateAddress", "Domain": "standard"}),
            value,
        ),
        (
            json!({"action": "AssociateAddress", "AllocationId": alloc, "PublicIp": public, "NetworkInterfaceId": eth0}),
            combination,
        ),
        (
            json!({"action": "AssociateAddress", "AllocationId": alloc, "InstanceId": i, "NetworkInterfaceId": eth0}),
            combination,
        ),
        (
            json!({"action": "AssociateAddress", "AllocationId": alloc, "NetworkInterfaceId": eth0, "PrivateIpAddress": "10.0.1.200"}),
            value,
        ),
        (
            json!({"action": "AssociateAddress", "PublicIp": "not-an-address", "NetworkInterfaceId": eth0}),
            "InvalidAddress.NotFound",
        ),
        (
            json!({"action": "DisassociateAddress", "AssociationId": "eipassoc-0", "PublicIp": public}),
            combination,
        ),
    ] {
        let e = fails(&mut f.ec2, v.clone());
        assert_eq!(e.code, code, "{v}: {e}");
    }
    // A subnet's IPv6 block needs one on its VPC.
    let r = run(
        &mut f.ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16"}),
    );
    let v4_only = s(&rv(&r)["Vpc"]["VpcId"]);
    let e = fails(
        &mut f.ec2,
        json!({"action": "CreateSubnet", "VpcId": v4_only, "CidrBlock": "10.1.1.0/24", "Ipv6CidrBlock": a1_v6}),
    );
    assert_eq!(e.code, "InvalidSubnet.Range");
    assert!(e.message.contains("the VPC has no IPv6 block"), "{e}");
}

#[test]
fn v1_i2_i4_ipv6_rules_hold_when_the_eni_is_created_and_attached() {
    let mut f = fx();
    let a = f.eni(&f.a1.clone(), json!({"Ipv6AddressCount": 3}));
    let held = f.get(&a).ipv6[0].to_string();
    let a1 = f.a1.clone();
    let net = f.ec2.subnet(&SubnetId(a1.clone())).unwrap().ipv6_cidr;
    let free = net.unwrap().nth(100).unwrap().to_string();
    for (extra, words) in [
        // V1: on one ENI only.
        (json!({"Ipv6Addresses": [held]}), "cannot be reassigned"),
        // V1: the catalog's largest per-ENI limit for an unattached ENI.
        (
            json!({"Ipv6AddressCount": 51}),
            "would have 51 IPv6 addresses",
        ),
        // I2: inside the subnet's /64.
        (
            json!({"Ipv6Addresses": ["2600::5"]}),
            "does not fall within the subnet's address range",
        ),
        // I4: once per request.
        (json!({"Ipv6Addresses": [free, free]}), "more than once"),
    ] {
        let mut p = json!({"action": "CreateNetworkInterface", "SubnetId": a1});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        let e = fails(&mut f.ec2, p);
        assert_eq!(e.code, "InvalidParameterValue");
        assert!(e.message.contains(words), "{e}");
    }
    // V1 with the type's limit, at launch (t3.nano: 2 per ENI)…
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "t3.nano", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": a1, "Ipv6AddressCount": 3}]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(
        e.message
            .ends_with("the limit is 2 per network interface for t3.nano."),
        "{e}"
    );
    // …and at attach: an ENI with 3 does not fit a t3.nano.
    let (i, _) = f.launch("t3.nano", &a1);
    let e = fails(
        &mut f.ec2,
        json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": a, "InstanceId": i, "DeviceIndex": 1}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(e.message.contains("would have 3 IPv6 addresses"), "{e}");
}

#[test]
fn a2_start_stop_associate_and_modify_refuse_instances_in_the_wrong_state() {
    let mut f = fx();
    let (alloc, _) = f.eip();
    let (gone, _) = f.launch("m5.large", &f.a1.clone());
    run(
        &mut f.ec2,
        json!({"action": "TerminateInstances", "InstanceIds": [gone]}),
    );
    let r = f
        .ec2
        .apply(&act(
            json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": f.a1}),
        ))
        .unwrap();
    let pending = s(&rv(&r.response)["Instances"][0]["InstanceId"]);
    for v in [
        json!({"action": "StartInstances", "InstanceIds": [gone]}),
        json!({"action": "StopInstances", "InstanceIds": [gone]}),
        json!({"action": "StopInstances", "InstanceIds": [pending]}),
        json!({"action": "AssociateAddress", "AllocationId": alloc, "InstanceId": gone}),
        json!({"action": "ModifyInstanceAttribute", "InstanceId": gone, "SourceDestCheck": false}),
    ] {
        let e = fails(&mut f.ec2, v.clone());
        assert_eq!(e.code, "IncorrectInstanceState", "{v}");
    }
}

#[test]
fn p2_l1_u1_launch_checks_every_listed_eni() {
    let mut f = fx();
    let a1 = f.a1.clone();
    // P2 at launch: an existing ENI of another VPC, same AZ.
    let r = run(
        &mut f.ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16"}),
    );
    let other = s(&rv(&r)["Vpc"]["VpcId"]);
    let r = run(
        &mut f.ec2,
        json!({"action": "CreateSubnet", "VpcId": other, "CidrBlock": "10.1.1.0/24", "AvailabilityZone": "us-east-1a"}),
    );
    let far = f.eni(&s(&rv(&r)["Subnet"]["SubnetId"]), json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": a1}, {"DeviceIndex": 1, "NetworkInterfaceId": far}]}),
    );
    assert_eq!(e.code, "InvalidParameterValue");
    assert!(e.message.contains("must be in the same VPC"), "{e}");
    // L1 per card at launch (p5.48xlarge: 2 per card).
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "p5.48xlarge", "NetworkInterfaces": [
            {"DeviceIndex": 0, "SubnetId": a1}, {"DeviceIndex": 1, "SubnetId": a1},
            {"DeviceIndex": 2, "SubnetId": a1}]}),
    );
    assert_eq!(e.code, "AttachmentLimitExceeded");
    assert_eq!(
        e.message,
        "Interface count 3 exceeds the limit for p5.48xlarge"
    );
    // U1: AssociatePublicIpAddress only for a new eth0.
    let mine = f.eni(&a1, json!({}));
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "m5.large", "NetworkInterfaces": [
            {"DeviceIndex": 0, "NetworkInterfaceId": mine, "AssociatePublicIpAddress": true}]}),
    );
    assert_eq!(e.code, "InvalidParameterCombination");
    assert!(
        e.message.contains("DeviceIndex 0 that the launch creates"),
        "{e}"
    );
}

#[test]
fn s2_assigning_an_address_the_eni_holds_needs_allow_reassignment() {
    let mut f = fx();
    let eni = f.eni(&f.a1.clone(), json!({"SecondaryPrivateIpAddressCount": 1}));
    let mine = f.get(&eni).secondary_ips[0].to_string();
    let assign = json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": eni, "PrivateIpAddresses": [mine]});
    let e = fails(&mut f.ec2, assign.clone());
    assert_eq!(e.code, "InvalidIPAddress.InUse");
    let mut again = assign;
    again["AllowReassignment"] = json!(true);
    run(&mut f.ec2, again);
    assert_eq!(f.get(&eni).secondary_ips, vec![ip(&mine)]);
}

#[test]
fn g2_a_rule_names_only_groups_of_its_own_vpc() {
    let mut f = fx();
    let r = run(
        &mut f.ec2,
        json!({"action": "CreateVpc", "CidrBlock": "10.1.0.0/16"}),
    );
    let other = s(&rv(&r)["Vpc"]["VpcId"]);
    let foreign = s(&rv(&run(
        &mut f.ec2,
        json!({"action": "CreateSecurityGroup", "GroupName": "far", "VpcId": other}),
    ))["GroupId"]);
    let e = fails(
        &mut f.ec2,
        json!({"action": "AuthorizeSecurityGroupIngress", "GroupId": f.sg, "IpPermissions": [
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": foreign}]}]}),
    );
    assert_eq!(e.code, "InvalidGroup.NotFound");
    assert!(
        e.message
            .contains(&format!("does not exist in VPC '{}'", f.vpc)),
        "{e}"
    );
}

#[test]
fn elastic_ips_are_regional_and_public_pools_run_out() {
    let mut f = fx();
    let (_, eth0) = f.launch("m5.large", &f.a1.clone());
    // An allocation of another region is not found from this one.
    let r = rv(&run(
        &mut f.ec2,
        json!({"action": "AllocateAddress", "Region": "eu-west-1"}),
    ));
    let e = fails(
        &mut f.ec2,
        json!({"action": "AssociateAddress", "AllocationId": r["AllocationId"], "NetworkInterfaceId": eth0}),
    );
    assert_eq!(e.code, "InvalidAllocationID.NotFound");
    // eu-west-1's auto-assigned pool is a /25: 126 usable addresses.
    let r = run(
        &mut f.ec2,
        json!({"action": "CreateDefaultVpc", "Region": "eu-west-1"}),
    );
    let vpc = VpcId(s(&rv(&r)["Vpc"]["VpcId"]));
    let subnet = f.ec2.subnets().find(|s| s.vpc == vpc).unwrap().id.0.clone();
    for _ in 0..126 {
        f.launch("t3.nano", &subnet);
    }
    let e = fails(
        &mut f.ec2,
        json!({"action": "RunInstances", "InstanceType": "t3.nano", "SubnetId": subnet}),
    );
    assert_eq!(e.code, "InsufficientAddressCapacity");
}
