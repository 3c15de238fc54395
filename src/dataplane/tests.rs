//! The data plane against control-plane states built with EC2's actions.

use super::*;
use crate::vpc::apply_file;
use std::net::Ipv4Addr;

const BASE: &str = r#"
[[actions]]
action = "CreateVpc"
CidrBlock = "10.0.0.0/16"
name = "vpc"

[[actions]]
action = "CreateSubnet"
VpcId = "$vpc"
CidrBlock = "10.0.1.0/24"
AvailabilityZone = "us-east-1a"
name = "app"

[[actions]]
action = "CreateSecurityGroup"
GroupName = "web"
Description = "https"
VpcId = "$vpc"
name = "web"

[[actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$web"
IpPermissions = [{ IpProtocol = "tcp", FromPort = 443, ToPort = 443, IpRanges = [{ CidrIp = "0.0.0.0/0" }] }]

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$app"
SecurityGroupIds = ["$web"]
PrivateIpAddress = "10.0.1.10"
name = "a"

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$app"
SecurityGroupIds = ["$web"]
PrivateIpAddress = "10.0.1.20"
name = "b"

[[actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "eip"

[[actions]]
action = "AssociateAddress"
AllocationId = "$eip"
InstanceId = "$a"
"#;

/// Tables for BASE plus `more` actions; instance `a` is VM 0, `b` VM 1.
fn tables(more: &str, routes: impl Fn(&Ec2) -> Vec<ApplianceRoute>) -> (Tables, Ec2) {
    let text = format!("{BASE}{more}");
    let out = apply_file("t.toml", &text, 1).unwrap_or_else(|e| panic!("{e}"));
    let failed: Vec<_> = out
        .results
        .iter()
        .filter(|r| r.result.is_err())
        .map(|r| format!("{}: {:?}", r.action, r.result))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let ec2 = out.state;
    let ids: Vec<InstanceId> = ec2.instance_views().into_iter().map(|i| i.id).collect();
    let vm_of = ids.iter().cloned().zip(0..).collect();
    let t = Tables::compile(
        &ec2,
        &vm_of,
        &BTreeMap::new(),
        &BTreeSet::new(),
        &routes(&ec2),
    );
    (t, ec2)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn key(src: &str, dst: &str, port: u16) -> Key {
    Key {
        src: ip(src),
        dst: ip(dst),
        proto: 6,
        src_port: 40000,
        dst_port: port,
    }
}

fn eip(ec2: &Ec2) -> IpAddr {
    let v = &ec2.eni_views()[0];
    IpAddr::V4(v.private_ipv4[0].public.as_ref().unwrap().address)
}

#[test]
fn g4_public_address_is_translated_and_groups_allow_a_union() {
    let (t, ec2) = tables("", |_| vec![]);
    let j = t
        .journey(
            None,
            &key("198.51.100.7", &eip(&ec2).to_string(), 443),
            false,
            false,
        )
        .unwrap();
    assert_eq!(j.hops(), &[Hop::Wire, Hop::Vm(0, 0)]);
    assert_eq!(j.inbound[1], Some(0));
    // The guest sees its private address, not the Elastic IP.
    assert_eq!(j.dst, ip("10.0.1.10"));
    // Port 22 is allowed by no group.
    assert_eq!(
        t.journey(
            None,
            &key("198.51.100.7", &eip(&ec2).to_string(), 22),
            false,
            false
        ),
        Err(DropReason::SgDenied)
    );
    // ...unless it is the reply of an allowed exchange (stateful).
    assert!(t
        .journey(
            None,
            &key("198.51.100.7", &eip(&ec2).to_string(), 22),
            true,
            false
        )
        .is_ok());
}

#[test]
fn private_addresses_are_not_reachable_from_the_internet() {
    let (t, _) = tables("", |_| vec![]);
    assert_eq!(
        t.journey(None, &key("198.51.100.7", "10.0.1.10", 443), false, false),
        Err(DropReason::NoRoute)
    );
    assert_eq!(
        t.journey(
            None,
            &key("198.51.100.7", "203.0.113.99", 443),
            false,
            false
        ),
        Err(DropReason::NoRoute)
    );
}

#[test]
fn m1_an_eni_without_a_completed_attachment_receives_nothing() {
    let (t, _) = tables(
        r#"
[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$app"
Groups = ["$web"]
PrivateIpAddress = "10.0.1.100"
name = "spare"
"#,
        |_| vec![],
    );
    assert_eq!(
        t.journey(Some(1), &key("10.0.1.20", "10.0.1.100", 443), false, false),
        Err(DropReason::NoAttachment)
    );
    // Instance to instance inside the VPC: allowed by the web group.
    let j = t
        .journey(Some(1), &key("10.0.1.20", "10.0.1.10", 443), false, false)
        .unwrap();
    assert_eq!(j.hops(), &[Hop::Vm(1, 0), Hop::Vm(0, 0)]);
}

#[test]
fn g5_source_dest_check_drops_foreign_sources_until_turned_off() {
    let (t, _) = tables("", |_| vec![]);
    // b sends with a's address as its source.
    assert_eq!(
        t.journey(
            Some(1),
            &key("10.0.1.10", "198.51.100.7", 443),
            false,
            false
        ),
        Err(DropReason::SrcDstCheck)
    );
    let (t, _) = tables(
        r#"
[[actions]]
action = "ModifyNetworkInterfaceAttribute"
NetworkInterfaceId = "$b.eni0"
SourceDestCheck = false
"#,
        |_| vec![],
    );
    let j = t
        .journey(
            Some(1),
            &key("10.0.1.10", "198.51.100.7", 443),
            false,
            false,
        )
        .unwrap();
    assert_eq!(j.hops(), &[Hop::Vm(1, 0), Hop::Wire]);
}

#[test]
fn g5_an_appliance_forwards_only_with_the_check_off() {
    let routes = |ec2: &Ec2| {
        let v = ec2.eni_views();
        vec![ApplianceRoute {
            subnet: v[0].subnet.clone(),
            destination: Ipv4Net::new(Ipv4Addr::new(0, 0, 0, 0), 0).unwrap(),
            target: v[1].id.clone(),
        }]
    };
    let (t, _) = tables("", routes);
    assert_eq!(
        t.journey(
            Some(0),
            &key("10.0.1.10", "198.51.100.7", 443),
            false,
            false
        ),
        Err(DropReason::SrcDstCheck)
    );
    let (t, ec2) = tables(
        r#"
[[actions]]
action = "ModifyNetworkInterfaceAttribute"
NetworkInterfaceId = "$b.eni0"
SourceDestCheck = false

[[actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "nat-ip"

[[actions]]
action = "AssociateAddress"
AllocationId = "$nat-ip"
InstanceId = "$b"

[[actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$web"
IpPermissions = [{ IpProtocol = "-1", IpRanges = [{ CidrIp = "10.0.0.0/16" }] }]
"#,
        routes,
    );
    let j = t
        .journey(
            Some(0),
            &key("10.0.1.10", "198.51.100.7", 443),
            false,
            false,
        )
        .unwrap();
    assert_eq!(j.hops(), &[Hop::Vm(0, 0), Hop::Vm(1, 0), Hop::Wire]);
    assert_eq!((j.out, j.inbound[0]), ([Some(0), Some(1)], Some(1)));
    // The NAT masquerades: the internet sees the NAT's public address.
    let nat_public = ec2.eni_views()[1].private_ipv4[0]
        .public
        .as_ref()
        .unwrap()
        .address;
    assert_eq!(j.src_public, Some(IpAddr::V4(nat_public)));
}

#[test]
fn m2_two_enis_in_one_subnet_send_replies_by_the_primary_unless_policy_routed() {
    let (t, _) = tables(
        r#"
[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$app"
Groups = ["$web"]
PrivateIpAddress = "10.0.1.11"
name = "second"

[[actions]]
action = "AttachNetworkInterface"
NetworkInterfaceId = "$second"
InstanceId = "$a"
DeviceIndex = 1
"#,
        |_| vec![],
    );
    // A request to the second ENI arrives...
    assert!(t
        .journey(Some(1), &key("10.0.1.20", "10.0.1.11", 443), false, false)
        .is_ok());
    // ...its reply, from 10.0.1.11, leaves by eth0 (same subnet, lowest
    // device index): eth0's source/destination check drops it.
    let reply = key("10.0.1.20", "10.0.1.11", 443).reversed();
    assert_eq!(
        t.journey(Some(0), &reply, true, false),
        Err(DropReason::SrcDstCheck)
    );
    assert!(t.journey(Some(0), &reply, true, true).is_ok());
}

#[test]
fn s2_an_address_in_transit_receives_nothing() {
    let (t, ec2) = tables("", |_| vec![]);
    let ids: Vec<InstanceId> = ec2.instance_views().into_iter().map(|i| i.id).collect();
    let vm_of = ids.iter().cloned().zip(0..).collect();
    let moving: BTreeSet<IpAddr> = [ip("10.0.1.10")].into();
    let t2 = Tables::compile(&ec2, &vm_of, &BTreeMap::new(), &moving, &[]);
    let k = key("10.0.1.20", "10.0.1.10", 443);
    assert!(t.journey(Some(1), &k, false, false).is_ok());
    assert_eq!(
        t2.journey(Some(1), &k, false, false),
        Err(DropReason::AddressInTransit)
    );
}

#[test]
fn u1_an_instance_without_a_public_ipv4_cannot_reach_the_internet() {
    let (t, ec2) = tables("", |_| vec![]);
    // b has neither an auto-assigned public IPv4 nor an Elastic IP.
    assert_eq!(
        t.journey(
            Some(1),
            &key("10.0.1.20", "198.51.100.7", 443),
            false,
            false
        ),
        Err(DropReason::NoRoute)
    );
    // a has an Elastic IP: the edge translates its source to it.
    let j = t
        .journey(
            Some(0),
            &key("10.0.1.10", "198.51.100.7", 443),
            false,
            false,
        )
        .unwrap();
    assert_eq!(j.src_public, Some(eip(&ec2)));
}

#[test]
fn private_addresses_are_scoped_to_their_vpc() {
    let (t, _) = tables(
        r#"
[[actions]]
action = "CreateVpc"
CidrBlock = "10.0.0.0/16"
name = "other"

[[actions]]
action = "CreateSubnet"
VpcId = "$other"
CidrBlock = "10.0.1.0/24"
AvailabilityZone = "us-east-1a"
name = "other-app"

[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$other-app"
PrivateIpAddress = "10.0.1.50"
"#,
        |_| vec![],
    );
    // 10.0.1.50 exists only in the other VPC: a's packets to it do not
    // reach it. a's VPC's local route holds 10.0.1.50, and no ENI of a's VPC
    // has it: dropped there (not sent to the internet).
    let j = t.journey(Some(0), &key("10.0.1.10", "10.0.1.50", 443), false, false);
    assert_eq!(j, Err(DropReason::NoRoute));
}

#[test]
fn v1_ipv6_addresses_are_reachable_from_the_internet() {
    // The VPC's IPv6 block is Amazon's choice: learn it, then use it.
    let vpc = "[[actions]]\naction = \"CreateVpc\"\nCidrBlock = \"10.1.0.0/16\"\nAmazonProvidedIpv6CidrBlock = true\nname = \"v6\"\n";
    let probe = apply_file("p.toml", &format!("{BASE}{vpc}"), 1).unwrap();
    let block = probe.state.vpcs().last().unwrap().ipv6_cidr.unwrap();
    let sub = Ipv6Net::new(block.nth(1u128 << 64).unwrap(), 64).unwrap();
    let (t, ec2) = tables(
        &format!(
            r#"{vpc}
[[actions]]
action = "CreateSubnet"
VpcId = "$v6"
CidrBlock = "10.1.1.0/24"
Ipv6CidrBlock = "{sub}"
AvailabilityZone = "us-east-1a"
name = "v6sub"

[[actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$v6.sg"
IpPermissions = [{{ IpProtocol = "tcp", FromPort = 443, ToPort = 443, Ipv6Ranges = [{{ CidrIpv6 = "::/0" }}] }}]

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$v6sub"
name = "six"

[[actions]]
action = "AssignIpv6Addresses"
NetworkInterfaceId = "$six.eni0"
Ipv6AddressCount = 1
"#
        ),
        |_| vec![],
    );
    let six = ec2
        .eni_views()
        .into_iter()
        .find(|e| !e.ipv6.is_empty())
        .unwrap();
    let addr = IpAddr::V6(six.ipv6[0]);
    let k = Key {
        src: ip("2001:db8::1"),
        dst: addr,
        proto: 6,
        src_port: 40000,
        dst_port: 443,
    };
    let j = t.journey(None, &k, false, false).unwrap();
    assert_eq!(j.hops(), &[Hop::Wire, Hop::Vm(2, 0)]);
    assert_eq!(j.dst, addr);
    // The VPC's IPv6 block has a local route too: an address of it that no
    // ENI holds goes nowhere, while one outside it goes to the internet.
    let from_six = |dst: IpAddr| {
        t.journey(
            Some(2),
            &Key {
                src: addr,
                dst,
                ..k
            },
            true,
            false,
        )
        .map(|j| j.hops().to_vec())
    };
    let unheld = IpAddr::V6(block.nth((1u128 << 64) + 0x99).unwrap());
    assert!(six.ipv6.iter().all(|a| IpAddr::V6(*a) != unheld));
    assert_eq!(from_six(unheld), Err(DropReason::NoRoute));
    assert_eq!(
        from_six(ip("2001:db8::1")),
        Ok(vec![Hop::Vm(2, 0), Hop::Wire])
    );
}

/// BASE plus a second subnet holding `c` (10.0.2.30, VM 2), and `b` made an
/// appliance: its check off, every group letting the VPC in.
const TWO_SUBNETS: &str = r#"
[[actions]]
action = "CreateSubnet"
VpcId = "$vpc"
CidrBlock = "10.0.2.0/24"
AvailabilityZone = "us-east-1a"
name = "db"

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$db"
SecurityGroupIds = ["$web"]
PrivateIpAddress = "10.0.2.30"
name = "c"

[[actions]]
action = "ModifyNetworkInterfaceAttribute"
NetworkInterfaceId = "$b.eni0"
SourceDestCheck = false

[[actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$web"
IpPermissions = [{ IpProtocol = "-1", IpRanges = [{ CidrIp = "10.0.0.0/16" }] }]
"#;

/// Routes in `a`'s subnet's table to `b`'s ENI, one per destination.
fn routes_to_b(destinations: &'static [&'static str]) -> impl Fn(&Ec2) -> Vec<ApplianceRoute> {
    move |ec2: &Ec2| {
        let v = ec2.eni_views();
        let holding = |addr: &str| {
            v.iter()
                .find(|e| IpAddr::V4(e.private_ipv4[0].address) == ip(addr))
                .unwrap()
        };
        destinations
            .iter()
            .map(|d| ApplianceRoute {
                subnet: holding("10.0.1.10").subnet.clone(),
                destination: d.parse().unwrap(),
                target: holding("10.0.1.20").id.clone(),
            })
            .collect()
    }
}

#[test]
fn route_priority_local_route_wins_ties_and_a_more_specific_route_wins_over_it() {
    let a_to_c = key("10.0.1.10", "10.0.2.30", 443);
    let hops = |destinations: &'static [&'static str], k: &Key| {
        let (t, _) = tables(TWO_SUBNETS, routes_to_b(destinations));
        t.journey(Some(0), k, false, false)
            .map(|j| (j.hops().to_vec(), j.out, j.inbound))
    };
    let direct = Ok((
        vec![Hop::Vm(0, 0), Hop::Vm(2, 0)],
        [Some(0), None],
        [None, Some(2)],
    ));
    let through_b = Ok((
        vec![Hop::Vm(0, 0), Hop::Vm(1, 0), Hop::Vm(2, 0)],
        [Some(0), Some(1)],
        [Some(1), Some(2)],
    ));
    // The local route (10.0.0.0/16) is longer than 0.0.0.0/0 and 10.0.0.0/8,
    // and wins the tie with 10.0.0.0/16: a reaches c directly.
    assert_eq!(hops(&[], &a_to_c), direct);
    assert_eq!(hops(&["0.0.0.0/0"], &a_to_c), direct);
    assert_eq!(hops(&["10.0.0.0/8"], &a_to_c), direct);
    assert_eq!(hops(&["10.0.0.0/16"], &a_to_c), direct);
    // A route more specific than the local one (c's subnet, middlebox
    // routing) wins over it...
    assert_eq!(hops(&["10.0.2.0/24"], &a_to_c), through_b);
    assert_eq!(hops(&["0.0.0.0/0", "10.0.2.0/24"], &a_to_c), through_b);
    // ...for that subnet only: another address of the VPC stays local.
    assert_eq!(
        hops(
            &["0.0.0.0/0", "10.0.2.0/24"],
            &key("10.0.1.10", "10.0.1.20", 443)
        ),
        Ok((
            vec![Hop::Vm(0, 0), Hop::Vm(1, 0)],
            [Some(0), None],
            [None, Some(1)]
        ))
    );
    // Outside the VPC's block 0.0.0.0/0 is the longest match: without it,
    // a's Elastic IP takes a packet out; with it, the packet goes to b,
    // which has no public IPv4 to leave by.
    let out = key("10.0.1.10", "198.51.100.7", 443);
    assert_eq!(
        hops(&[], &out).map(|h| h.0),
        Ok(vec![Hop::Vm(0, 0), Hop::Wire])
    );
    assert_eq!(hops(&["0.0.0.0/0"], &out), Err(DropReason::NoRoute));
}

#[test]
fn route_priority_an_unheld_address_in_the_vpc_is_routed_locally_to_nothing() {
    // 10.0.3.5 is in the VPC's block, on no ENI: the local route holds it,
    // so it goes neither to the internet nor to the 0.0.0.0/0 appliance.
    let k = key("10.0.1.10", "10.0.3.5", 443);
    for destinations in [&[][..], &["0.0.0.0/0"][..]] {
        let d: &'static [&'static str] = destinations;
        let (t, _) = tables(TWO_SUBNETS, routes_to_b(d));
        assert_eq!(
            t.journey(Some(0), &k, false, false),
            Err(DropReason::NoRoute),
            "{d:?}"
        );
    }
    // In transit, it says so.
    let (_, ec2) = tables(TWO_SUBNETS, |_| vec![]);
    let ids: Vec<InstanceId> = ec2.instance_views().into_iter().map(|i| i.id).collect();
    let vm_of = ids.iter().cloned().zip(0..).collect();
    let moving: BTreeSet<IpAddr> = [ip("10.0.3.5")].into();
    let t = Tables::compile(&ec2, &vm_of, &BTreeMap::new(), &moving, &[]);
    assert_eq!(
        t.journey(Some(0), &k, false, false),
        Err(DropReason::AddressInTransit)
    );
}

/// A NAT with two ENIs: `b`'s primary in the public subnet holds the
/// Elastic IP, its second ENI `b-in` sits in a private subnet whose default
/// route points at it; `c` in the private subnet sends to the internet.
/// With `checks_off`, both of b's ENIs have the source/destination check off.
fn two_eni_nat(checks_off: &[&str]) -> (Tables, Ec2) {
    let mut more = String::from(
        r#"
[[actions]]
action = "CreateSubnet"
VpcId = "$vpc"
CidrBlock = "10.0.3.0/24"
AvailabilityZone = "us-east-1a"
name = "private"

[[actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$web"
IpPermissions = [{ IpProtocol = "-1", IpRanges = [{ CidrIp = "10.0.0.0/16" }] }]

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$private"
SecurityGroupIds = ["$web"]
PrivateIpAddress = "10.0.3.10"
name = "c"

[[actions]]
action = "CreateNetworkInterface"
SubnetId = "$private"
Groups = ["$web"]
PrivateIpAddress = "10.0.3.5"
name = "b-in"

[[actions]]
action = "AttachNetworkInterface"
NetworkInterfaceId = "$b-in"
InstanceId = "$b"
DeviceIndex = 1

[[actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "nat-ip"

[[actions]]
action = "AssociateAddress"
AllocationId = "$nat-ip"
NetworkInterfaceId = "$b.eni0"
"#,
    );
    for eni in checks_off {
        more.push_str(&format!(
            "\n[[actions]]\naction = \"ModifyNetworkInterfaceAttribute\"\nNetworkInterfaceId = \"{eni}\"\nSourceDestCheck = false\n"
        ));
    }
    let routes = |ec2: &Ec2| {
        let v = ec2.eni_views();
        let by_ip = |a: &str| {
            v.iter()
                .find(|e| IpAddr::V4(e.private_ipv4[0].address) == ip(a))
                .unwrap()
        };
        vec![ApplianceRoute {
            subnet: by_ip("10.0.3.10").subnet.clone(),
            destination: Ipv4Net::new(Ipv4Addr::new(0, 0, 0, 0), 0).unwrap(),
            target: by_ip("10.0.3.5").id.clone(),
        }]
    };
    tables(&more, routes)
}

#[test]
fn g5_an_appliance_with_two_enis_receives_on_the_routes_eni_and_sends_from_its_primary() {
    let to_internet = key("10.0.3.10", "198.51.100.7", 443);
    let (t, ec2) = two_eni_nat(&["$b.eni0", "$b-in"]);
    let j = t.journey(Some(2), &to_internet, false, false).unwrap();
    // In on b's second device, out of its primary, then the wire.
    assert_eq!(
        j.hops(),
        &[Hop::Vm(2, 0), Hop::Vm(1, 1), Hop::Vm(1, 0), Hop::Wire]
    );
    // Masqueraded behind the Elastic IP of the ENI it sends from (b's
    // primary, the second ENI created).
    let primary = &ec2.eni_views()[1];
    assert_eq!(primary.private_ipv4[0].address, Ipv4Addr::new(10, 0, 1, 20));
    let public = primary.private_ipv4[0].public.as_ref().unwrap().address;
    assert_eq!(j.src_public, Some(IpAddr::V4(public)));
    // Each ENI applies its own check: with the outside one's on, the
    // packet (from c, to the internet) is foreign to it and dropped.
    let (t, _) = two_eni_nat(&["$b-in"]);
    assert_eq!(
        t.journey(Some(2), &to_internet, false, false),
        Err(DropReason::SrcDstCheck)
    );
    let (t, _) = two_eni_nat(&["$b.eni0"]);
    assert_eq!(
        t.journey(Some(2), &to_internet, false, false),
        Err(DropReason::SrcDstCheck)
    );
}
