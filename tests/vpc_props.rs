//! Property tests of the VPC/ENI control plane over random action sequences
//! (deterministic seeds, `enisim::sim::rng::Rng`): 200 sequences of 60
//! actions, biased towards conflicts — reused addresses, double attaches,
//! detaching primaries, exceeding per-type limits, reassigning and
//! reassociating, acting on instances in every state, half-finished
//! transitions. After every action:
//! - no address is held twice in a subnet (IPv6: anywhere);
//! - an ENI is attached to at most one instance, and an instance's slots are
//!   distinct;
//! - no primary ENI is ever detached (its instance not terminated);
//! - per-type limits hold (ENIs per instance and per card, IPv4 and IPv6 per
//!   ENI);
//! - an Elastic IP maps to at most one private address and vice versa;
//! - a failed action leaves the serialized state byte-identical;
//! - and the model's own `check_invariants`.
//!
//! The checks here are written against the public read API independently of
//! `check_invariants`, and the run asserts that the conflicts were actually
//! produced (every targeted error code seen), so a generator that drifted
//! into harmless actions would fail the test.

use enisim::sim::rng::Rng;
use enisim::vpc::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

const SEQUENCES: u64 = 200;
const ACTIONS: usize = 60;
const TYPES: [&str; 5] = [
    "t3.nano",
    "t2.micro",
    "m5.large",
    "t3a.small",
    "p5.48xlarge",
];

struct World {
    ec2: Ec2,
    rng: Rng,
    subnets: Vec<String>,
    groups: Vec<String>,
    instances: Vec<String>,
    enis: Vec<String>,
    allocs: Vec<String>,
    assocs: Vec<String>,
    /// Instance → its primary ENI at launch (A1 must keep it there).
    primary: BTreeMap<String, String>,
}

fn ok(ec2: &mut Ec2, v: Value) -> Value {
    let a: Action = serde_json::from_value(v).unwrap();
    serde_json::to_value(ec2.apply_and_complete(&a).unwrap().response).unwrap()
}

impl World {
    fn new(seed: u64) -> World {
        let mut ec2 = Ec2::new(seed);
        let vpc = ok(
            &mut ec2,
            json!({"action": "CreateVpc", "CidrBlock": "10.0.0.0/16", "AmazonProvidedIpv6CidrBlock": true}),
        )["Vpc"]["VpcId"]
            .clone();
        let vpc6 = ec2.vpcs().next().unwrap().ipv6_cidr.unwrap();
        let v6 = cidr::Ipv6Net::new(vpc6.nth(1u128 << 64).unwrap(), 64)
            .unwrap()
            .to_string();
        let mut subnets = Vec::new();
        for (cidr, az, extra) in [
            (
                "10.0.1.0/28",
                "us-east-1a",
                json!({"Ipv6CidrBlock": v6, "MapPublicIpOnLaunch": true}),
            ),
            ("10.0.2.0/28", "us-east-1a", json!({})),
            (
                "10.0.3.0/28",
                "us-east-1b",
                json!({"MapPublicIpOnLaunch": true}),
            ),
        ] {
            let mut p = json!({"action": "CreateSubnet", "VpcId": vpc, "CidrBlock": cidr, "AvailabilityZone": az});
            for (k, v) in extra.as_object().unwrap() {
                p[k] = v.clone();
            }
            subnets.push(
                ok(&mut ec2, p)["Subnet"]["SubnetId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        // A second VPC with the same addresses (P2; I4 is per subnet).
        let vpc2 = ok(
            &mut ec2,
            json!({"action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}),
        )["Vpc"]["VpcId"]
            .clone();
        subnets.push(
            ok(
                &mut ec2,
                json!({"action": "CreateSubnet", "VpcId": vpc2, "CidrBlock": "10.0.1.0/28", "AvailabilityZone": "us-east-1a"}),
            )["Subnet"]["SubnetId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let mut groups: Vec<String> = ec2.security_groups().map(|g| g.id.0.clone()).collect();
        for n in 0..5 {
            groups.push(
                ok(
                    &mut ec2,
                    json!({"action": "CreateSecurityGroup", "GroupName": format!("g{n}"), "Description": "", "VpcId": vpc}),
                )["GroupId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let mut w = World {
            ec2,
            rng: Rng::stream(seed, 99),
            subnets,
            groups,
            instances: Vec::new(),
            enis: Vec::new(),
            allocs: Vec::new(),
            assocs: Vec::new(),
            primary: BTreeMap::new(),
        };
        // Something to conflict with from the first step.
        let a = w.subnets[0].clone();
        for v in [
            json!({"action": "RunInstances", "InstanceType": "t3.nano", "SubnetId": a}),
            json!({"action": "RunInstances", "InstanceType": "m5.large", "SubnetId": a}),
            json!({"action": "CreateNetworkInterface", "SubnetId": a, "SecondaryPrivateIpAddressCount": 1}),
            json!({"action": "CreateNetworkInterface", "SubnetId": a}),
            json!({"action": "AllocateAddress"}),
        ] {
            let r = ok(&mut w.ec2, v);
            w.learn(&r);
        }
        w
    }

    fn below(&mut self, n: usize) -> usize {
        self.rng.below(n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.rng.below(100) < percent
    }
    fn pick(&mut self, v: &[String], fallback: &str) -> String {
        if v.is_empty() || self.chance(3) {
            return fallback.to_owned();
        }
        v[self.below(v.len())].clone()
    }
    fn subnet(&mut self) -> String {
        // Mostly the first two (same AZ, same VPC): conflicts, not P1/P2.
        let n = [0, 0, 0, 1, 1, 2, 3][self.below(7)];
        self.subnets[n].clone()
    }
    fn eni(&mut self) -> String {
        let v = self.enis.clone();
        self.pick(&v, "eni-0000000000000dead")
    }
    fn instance(&mut self) -> String {
        let v = self.instances.clone();
        self.pick(&v, "i-0000000000000dead")
    }
    fn attachment(&mut self) -> String {
        // Any attachment of the state, primaries included.
        let atts: Vec<String> = self
            .ec2
            .network_interfaces()
            .filter_map(|e| e.attachment.as_ref().map(|a| a.id.0.clone()))
            .collect();
        self.pick(&atts, "eni-attach-0000000000000dead")
    }
    /// An address of one of the /28s, reserved ones and taken ones included.
    fn address(&mut self) -> String {
        let net = [1, 1, 1, 2, 3][self.below(5)];
        format!("10.0.{net}.{}", self.below(16))
    }
    fn held_address(&mut self) -> String {
        let held: Vec<String> = self
            .ec2
            .network_interfaces()
            .flat_map(|e| e.private_ips().map(|i| i.to_string()).collect::<Vec<_>>())
            .collect();
        if held.is_empty() || self.chance(30) {
            return self.address();
        }
        held[self.below(held.len())].clone()
    }
    fn ipv6(&mut self) -> String {
        let held: Vec<String> = self
            .ec2
            .network_interfaces()
            .flat_map(|e| e.ipv6.iter().map(|i| i.to_string()).collect::<Vec<_>>())
            .collect();
        if !held.is_empty() && self.chance(60) {
            return held[self.below(held.len())].clone();
        }
        let net = self.ec2.subnets().next().unwrap().ipv6_cidr.unwrap();
        let x = self.below(8) as u128;
        let a: std::net::Ipv6Addr = (u128::from(net.network()) + x).into();
        a.to_string()
    }
    fn groups(&mut self) -> Vec<String> {
        let n = [0, 1, 1, 2, 5, 6][self.below(6)];
        (0..n)
            .map(|_| {
                let k = self.below(self.groups.len());
                self.groups[k].clone()
            })
            .collect()
    }

    /// A random action, biased towards conflicts.
    fn action(&mut self) -> Value {
        let k = self.below(100);
        match k {
            0..=9 => {
                let ty = TYPES[self.below(TYPES.len())];
                if self.chance(40) {
                    let mut p = json!({"action": "RunInstances", "InstanceType": ty, "SubnetId": self.subnet()});
                    if self.chance(30) {
                        p["PrivateIpAddress"] = json!(self.held_address());
                    }
                    p
                } else {
                    let n = 1 + self.below(4);
                    let mut nis = Vec::new();
                    for d in 0..n {
                        let dev = if self.chance(85) { d } else { self.below(3) };
                        let mut ni = json!({"DeviceIndex": dev});
                        if self.chance(35) {
                            ni["NetworkInterfaceId"] = json!(self.eni());
                            if self.chance(15) {
                                ni["DeleteOnTermination"] = json!(true);
                            }
                        } else {
                            ni["SubnetId"] = json!(self.subnet());
                            if self.chance(20) {
                                ni["SecondaryPrivateIpAddressCount"] = json!(self.below(4));
                            }
                            if self.chance(15) {
                                ni["PrivateIpAddress"] = json!(self.held_address());
                            }
                            if self.chance(20) {
                                ni["Groups"] = json!(self.groups());
                            }
                            if self.chance(15) {
                                ni["DeleteOnTermination"] = json!(false);
                            }
                        }
                        if self.chance(10) {
                            ni["AssociatePublicIpAddress"] = json!(self.chance(50));
                        }
                        nis.push(ni);
                    }
                    json!({"action": "RunInstances", "InstanceType": ty, "NetworkInterfaces": nis})
                }
            }
            10..=13 => json!({"action": "StopInstances", "InstanceIds": [self.instance()]}),
            14..=17 => json!({"action": "StartInstances", "InstanceIds": [self.instance()]}),
            18..=19 => json!({"action": "TerminateInstances", "InstanceIds": [self.instance()]}),
            20..=29 => {
                let mut p = json!({"action": "CreateNetworkInterface", "SubnetId": self.subnet()});
                if self.chance(30) {
                    p["PrivateIpAddress"] = json!(self.held_address());
                }
                if self.chance(40) {
                    p["SecondaryPrivateIpAddressCount"] = json!(self.below(5));
                }
                if self.chance(25) {
                    p["Ipv6AddressCount"] = json!(self.below(4));
                }
                if self.chance(30) {
                    p["Groups"] = json!(self.groups());
                }
                p
            }
            30..=32 => {
                json!({"action": "DeleteNetworkInterface", "NetworkInterfaceId": self.eni()})
            }
            33..=46 => {
                let mut p = json!({"action": "AttachNetworkInterface", "NetworkInterfaceId": self.eni(),
                    "InstanceId": self.instance(), "DeviceIndex": self.below(4)});
                if self.chance(10) {
                    p["NetworkCardIndex"] = json!(self.below(3));
                }
                p
            }
            47..=55 => {
                json!({"action": "DetachNetworkInterface", "AttachmentId": self.attachment()})
            }
            56..=64 => {
                let mut p =
                    json!({"action": "AssignPrivateIpAddresses", "NetworkInterfaceId": self.eni()});
                if self.chance(60) {
                    let n = 1 + self.below(3);
                    p["PrivateIpAddresses"] =
                        json!((0..n).map(|_| self.held_address()).collect::<Vec<_>>());
                } else {
                    p["SecondaryPrivateIpAddressCount"] = json!(1 + self.below(4));
                }
                if self.chance(50) {
                    p["AllowReassignment"] = json!(true);
                }
                p
            }
            65..=68 => {
                let n = 1 + self.below(2);
                json!({"action": "UnassignPrivateIpAddresses", "NetworkInterfaceId": self.eni(),
                    "PrivateIpAddresses": (0..n).map(|_| self.held_address()).collect::<Vec<_>>()})
            }
            69..=72 => {
                if self.chance(50) {
                    json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": self.eni(), "Ipv6AddressCount": 1 + self.below(3)})
                } else {
                    json!({"action": "AssignIpv6Addresses", "NetworkInterfaceId": self.eni(), "Ipv6Addresses": [self.ipv6()]})
                }
            }
            73..=74 => {
                json!({"action": "UnassignIpv6Addresses", "NetworkInterfaceId": self.eni(), "Ipv6Addresses": [self.ipv6()]})
            }
            75..=78 => json!({"action": "AllocateAddress"}),
            79..=86 => {
                let allocs = self.allocs.clone();
                let mut p = json!({"action": "AssociateAddress", "AllocationId": self.pick(&allocs, "eipalloc-0dead")});
                if self.chance(40) {
                    p["InstanceId"] = json!(self.instance());
                } else {
                    p["NetworkInterfaceId"] = json!(self.eni());
                    if self.chance(50) {
                        p["PrivateIpAddress"] = json!(self.held_address());
                    }
                }
                if self.chance(40) {
                    p["AllowReassociation"] = json!(self.chance(50));
                }
                p
            }
            87..=89 => {
                let assocs = self.assocs.clone();
                json!({"action": "DisassociateAddress", "AssociationId": self.pick(&assocs, "eipassoc-0dead")})
            }
            90..=91 => {
                let allocs = self.allocs.clone();
                json!({"action": "ReleaseAddress", "AllocationId": self.pick(&allocs, "eipalloc-0dead")})
            }
            92..=96 => {
                let eni = self.eni();
                match self.below(3) {
                    0 => {
                        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "Groups": self.groups()})
                    }
                    1 => {
                        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni, "SourceDestCheck": self.chance(50)})
                    }
                    _ => {
                        json!({"action": "ModifyNetworkInterfaceAttribute", "NetworkInterfaceId": eni,
                        "Attachment": {"AttachmentId": self.attachment(), "DeleteOnTermination": self.chance(50)}})
                    }
                }
            }
            _ => {
                json!({"action": "ModifyInstanceAttribute", "InstanceId": self.instance(), "SourceDestCheck": {"Value": self.chance(50)}})
            }
        }
    }

    /// Learns the ids a successful action created.
    fn learn(&mut self, r: &Value) {
        if let Some(i) = r.get("Instances").and_then(|v| v.get(0)) {
            let id = i["InstanceId"].as_str().unwrap().to_owned();
            for e in i["NetworkInterfaces"].as_array().unwrap() {
                let eni = e["NetworkInterfaceId"].as_str().unwrap().to_owned();
                if e["Attachment"]["DeviceIndex"] == 0 && e["Attachment"]["NetworkCardIndex"] == 0 {
                    self.primary.insert(id.clone(), eni.clone());
                }
                if !self.enis.contains(&eni) {
                    self.enis.push(eni);
                }
            }
            self.instances.push(id);
        }
        if let Some(e) = r.get("NetworkInterface") {
            self.enis
                .push(e["NetworkInterfaceId"].as_str().unwrap().to_owned());
        }
        if let (Some(a), Some(_)) = (r.get("AllocationId"), r.get("PublicIp")) {
            self.allocs.push(a.as_str().unwrap().to_owned());
        }
        if let Some(a) = r.get("AssociationId") {
            self.assocs.push(a.as_str().unwrap().to_owned());
        }
    }
}

/// The properties, checked against the public read API.
fn check(w: &World, context: &str) {
    let ec2 = &w.ec2;
    // No address twice in a subnet; IPv6 once anywhere.
    let mut v4: BTreeSet<(String, Ipv4Addr)> = BTreeSet::new();
    let mut v6 = BTreeSet::new();
    for e in ec2.network_interfaces() {
        for ip in e.private_ips() {
            assert!(
                v4.insert((e.subnet.0.clone(), ip)),
                "{context}: {ip} twice in {}",
                e.subnet
            );
            let s = ec2.subnet(&e.subnet).unwrap();
            assert!(
                s.cidr.contains(ip) && !s.is_reserved(ip),
                "{context}: {ip} in {}",
                s.cidr
            );
        }
        for ip in &e.ipv6 {
            assert!(v6.insert(*ip), "{context}: {ip} twice");
        }
    }
    // An ENI on at most one instance: across all instances' descriptions,
    // each ENI appears once; slots are distinct.
    let mut seen = BTreeSet::new();
    for r in ec2.describe_reservations(None) {
        for i in r.instances {
            let mut slots = BTreeSet::new();
            for e in &i.network_interfaces {
                assert!(
                    seen.insert(e.network_interface_id.clone()),
                    "{context}: {} on two instances",
                    e.network_interface_id
                );
                let a = e.attachment.as_ref().unwrap();
                assert_eq!(a.instance_id, i.instance_id);
                assert!(
                    slots.insert((a.network_card_index, a.device_index)),
                    "{context}: slot twice"
                );
            }
        }
    }
    // No primary ENI detached while its instance lives; per-type limits.
    for i in ec2.instances() {
        let enis = ec2.attached_enis(&i.id);
        if i.state == InstanceState::Terminated {
            assert!(enis.is_empty(), "{context}: ENIs on terminated {}", i.id);
            continue;
        }
        let p = ec2
            .primary_eni(&i.id)
            .unwrap_or_else(|| panic!("{context}: {} lost its primary", i.id));
        assert_eq!(
            &p.id.0, &w.primary[&i.id.0],
            "{context}: {}'s primary changed",
            i.id
        );
        let spec = catalog().get(&i.instance_type).unwrap();
        assert!(
            enis.len() <= spec.max_enis as usize,
            "{context}: L1 on {}",
            i.id
        );
        for card in 0..spec.network_cards {
            let on = enis
                .iter()
                .filter(|e| e.attachment.as_ref().unwrap().network_card_index == card)
                .count();
            assert!(
                on as u32 <= spec.max_enis_per_card(),
                "{context}: L1 per card on {}",
                i.id
            );
        }
        for e in enis {
            assert!(
                e.ipv4_count() <= spec.ipv4_per_eni as usize,
                "{context}: L2 on {}",
                e.id
            );
            assert!(
                e.ipv6.len() <= spec.ipv6_per_eni as usize,
                "{context}: V1 on {}",
                e.id
            );
        }
    }
    // Elastic IP ↔ private address, one to one; the address exists.
    let mut targets = BTreeSet::new();
    for a in ec2.addresses() {
        if let Some(s) = &a.association {
            assert!(
                targets.insert((s.eni.clone(), s.private_ip)),
                "{context}: two EIPs on one address"
            );
            assert!(
                ec2.network_interface(&s.eni)
                    .is_some_and(|e| e.holds(s.private_ip)),
                "{context}: dangling EIP"
            );
            assert_eq!(
                ec2.eni_by_public_ip(a.public_ip),
                Some((&s.eni, s.private_ip))
            );
        }
    }
    ec2.check_invariants()
        .unwrap_or_else(|e| panic!("{context}: {e}"));
}

#[test]
fn random_action_sequences_keep_every_invariant() {
    let mut codes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut succeeded, mut failed) = (0usize, 0usize);
    for seq in 0..SEQUENCES {
        let mut w = World::new(seq);
        check(&w, "setup");
        for step in 0..ACTIONS {
            // Sometimes finish a transition left half-done.
            if w.chance(25) {
                let pending = w.ec2.in_progress();
                if !pending.is_empty() {
                    let t = pending[w.below(pending.len())].clone();
                    w.ec2.complete(&t);
                    check(&w, &format!("sequence {seq} step {step} completing {t:?}"));
                }
            }
            let v = w.action();
            let action: Action = serde_json::from_value(v.clone()).unwrap();
            let before = w.ec2.snapshot();
            // A third of the actions leave their transitions for later.
            let result = if w.chance(33) {
                w.ec2.apply(&action)
            } else {
                w.ec2.apply_and_complete(&action)
            };
            let context = format!("sequence {seq} step {step} {v}");
            match result {
                Ok(applied) => {
                    succeeded += 1;
                    let r = serde_json::to_value(&applied.response).unwrap();
                    w.learn(&r);
                }
                Err(e) => {
                    failed += 1;
                    *codes.entry(e.code).or_default() += 1;
                    assert_eq!(
                        w.ec2.snapshot(),
                        before,
                        "{context}: failed ({e}) but changed the state"
                    );
                }
            }
            check(&w, &context);
        }
    }
    // The generator produced the conflicts it is meant to.
    for code in [
        "OperationNotPermitted",
        "IncorrectInstanceState",
        "InvalidNetworkInterface.InUse",
        "InvalidIPAddress.InUse",
        "InvalidParameterValue",
        "InvalidParameterCombination",
        "AttachmentLimitExceeded",
        "PrivateIpAddressLimitExceeded",
        "InsufficientFreeAddressesInSubnet",
        "AddressLimitExceeded",
        "InvalidInstanceID",
        "Resource.AlreadyAssociated",
        "SecurityGroupsPerInterfaceLimitExceeded",
        "InvalidNetworkInterfaceID.NotFound",
        "InvalidAttachmentID.NotFound",
    ] {
        assert!(
            codes.get(code).copied().unwrap_or(0) > 0,
            "never saw {code}: {codes:?}"
        );
    }
    let total = succeeded + failed;
    assert!(
        succeeded * 5 > total && failed * 5 > total,
        "{succeeded} ok, {failed} failed"
    );
}

#[test]
fn the_same_seed_gives_the_same_sequence_of_states() {
    let run = |seed: u64| -> Vec<String> {
        let mut w = World::new(seed);
        (0..ACTIONS)
            .map(|_| {
                let action: Action = serde_json::from_value(w.action()).unwrap();
                if let Ok(a) = w.ec2.apply_and_complete(&action) {
                    w.learn(&serde_json::to_value(&a.response).unwrap());
                }
                w.ec2.snapshot()
            })
            .collect()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}
