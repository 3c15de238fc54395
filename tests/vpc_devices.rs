//! A device per ENI (issue 10, point 2): every attached ENI is its own device
//! in the guest (a VF under SR-IOV, a NIC under passthrough, its own virtio
//! or emulated device), packets for its addresses land on its queues, and
//! the VF limit counts ENIs, not VMs. The ENI rules the runs exercise are M1
//! (traffic follows a moved ENI), A4 (device indexes) and L1 (ENIs per
//! instance).

use crate::common::*;
use crate::vpc_failover::{failover, run_vpc, timing_us, to_eip, vpc, SETUP, SETUP_STEPS};
use enisim::model::{BuildError, HostConfig, IoPath, Profile};

/// The guest receive ring of device `dev` of VM `vm` under `path`, and of
/// the same VM's primary device.
fn guest_ring(path: IoPath, vm: u32, dev: u32, slot: u32) -> String {
    let prefix = if dev == 0 {
        format!("vm{vm}")
    } else {
        format!("vm{vm}.eth{dev}")
    };
    match path {
        IoPath::Sriov => format!("vf{slot}.rx_ring"),
        IoPath::Virtio => format!("{prefix}.virtio_rx"),
        IoPath::Emulated => format!("{prefix}.e1000_rx"),
        IoPath::Baremetal | IoPath::Passthrough => format!("{prefix}.nic_rx_ring"),
    }
}

#[test]
fn m1_packets_for_a_moved_eni_land_on_its_own_device_on_every_path() {
    // The service ENI (device index 1) moves from VM 0 to VM 1 at 20 ms.
    // The host has a device for each VM's primary ENI (slots 0 and 1) and
    // one for device index 1 on each VM (slots 2 and 3): the service's
    // packets reach VM 0's second device, then VM 1's, and never a primary.
    for path in IoPath::ALL {
        let r = failover(path, timing_us(1000, 1000, 0), 20_000.0);
        let f = &r.flows[0];
        let before = guest_ring(path, 0, 1, 2);
        let after = guest_ring(path, 1, 1, 3);
        let (b, a) = (ring_packets(&r, &before), ring_packets(&r, &after));
        assert!(
            b > 0 && a > 0,
            "{path}: {before} {b}, {after} {a}: {:?}",
            r.rings
        );
        assert_eq!(
            b + a,
            f.delivered,
            "{path}: every delivered packet went through the ENI's device"
        );
        for vm in 0..2 {
            let primary = guest_ring(path, vm, 0, vm);
            assert_eq!(ring_packets(&r, &primary), 0, "{path}: {primary}");
        }
        let nics = if path == IoPath::Passthrough { 4 } else { 1 };
        assert_eq!(r.nics, nics, "{path}: a NIC per ENI under passthrough");
    }
}

#[test]
fn l1_the_vf_limit_counts_enis_not_vms() {
    // Two VMs, each with a second ENI during the run: four VFs. Three are
    // not enough though there are only two VMs.
    let mut p = Profile::kvm_modern_25g();
    p.max_vfs = 3;
    let timeline = vec![
        enisim::model::TimedStep {
            step: SETUP_STEPS,
            at: Some(enisim::sim::SimDuration::from_ms(5)),
        },
        enisim::model::TimedStep {
            step: SETUP_STEPS + 1,
            at: None,
        },
    ];
    let text = format!("{SETUP}{}", crate::vpc_failover::FAILOVER);
    let cfg = |p: Profile| HostConfig {
        vpc: Some(vpc(
            &text,
            SETUP_STEPS,
            timeline.clone(),
            timing_us(100, 100, 0),
        )),
        ..host(
            IoPath::Sriov,
            p,
            2,
            vec![to_eip("clients", 10_000.0, 512, 40000)],
            10_000,
        )
    };
    let e = enisim::model::run(&cfg(p.clone())).unwrap_err();
    assert_eq!(
        e,
        BuildError::TooManyVfs {
            needed: 4,
            vms: 2,
            max_vfs: 3
        }
    );
    let msg = e.to_string();
    assert!(
        msg.contains("each attached ENI its own virtual function")
            && msg.contains("2 further ENIs"),
        "{msg}"
    );
    // Four suffice; the other paths need no VF.
    p.max_vfs = 4;
    let r = enisim::model::run(&cfg(p.clone())).unwrap();
    assert_books(&r);
    p.max_vfs = 1;
    for path in [IoPath::Virtio, IoPath::Emulated, IoPath::Baremetal] {
        let c = HostConfig {
            path,
            ..cfg(p.clone())
        };
        assert_books(&enisim::model::run(&c).unwrap());
    }
}

#[test]
fn a_second_eni_under_passthrough_needs_its_own_nic() {
    // One VM whose instance has the service ENI at device index 1.
    let mut v = vpc(SETUP, SETUP_STEPS, vec![], timing_us(0, 0, 0));
    v.vms = vec![("active".into(), 0)];
    let flows = vec![to_eip("clients", 10_000.0, 512, 40000)];
    let mut cfg = HostConfig {
        vpc: Some(v),
        ..host(
            IoPath::Passthrough,
            Profile::kvm_modern_25g(),
            1,
            flows,
            5_000,
        )
    };
    cfg.passthrough_nic_per_vm = false;
    let e = enisim::model::run(&cfg).unwrap_err();
    assert_eq!(e, BuildError::PassthroughShared { vms: 1, devices: 2 });
    assert!(e.to_string().contains("one NIC per ENI"), "{e}");
    cfg.passthrough_nic_per_vm = true;
    let r = enisim::model::run(&cfg).unwrap();
    assert_books(&r);
    assert_eq!(r.nics, 2);
    assert_eq!(
        ring_packets(&r, "vm0.eth1.nic_rx_ring"),
        r.flows[0].delivered
    );
    assert!(r.flows[0].delivered > 0);
}

#[test]
fn an_unmoved_flow_by_vm_index_keeps_the_primary_device() {
    // Flows that name a VM (not addresses) use its primary device, whatever
    // ENIs its instance has: VM 0's second device carries nothing of them.
    let v = vpc(SETUP, SETUP_STEPS, vec![], timing_us(0, 0, 0));
    let flows = rx_all(2, 25.0, 0.01, enisim::model::SizeDist::Fixed(512));
    let r = run_vpc(IoPath::Sriov, v, flows, 2_000);
    let (vf0, vf1) = (
        ring_packets(&r, "vf0.rx_ring"),
        ring_packets(&r, "vf1.rx_ring"),
    );
    assert!(vf0 > 0 && vf1 > 0, "{:?}", r.rings);
    assert_eq!(vf0 + vf1, r.delivered, "{:?}", r.rings);
    assert_eq!(ring_packets(&r, "vf2.rx_ring"), 0);
}

#[test]
fn validate_refuses_more_enis_than_vfs_naming_the_actions() {
    let (code, _, err) = output(enisim().args([
        "validate",
        "experiments/ha-eni-failover.toml",
        "--set",
        "costs.max_vfs=1",
    ]));
    // Each of its two hosts has one VM whose instance has two ENIs (the
    // active's, then the standby's host once the service ENI moves).
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("vpc.actions")
            && err.contains("host 0 of the rack")
            && err.contains("virtual function")
            && err.contains("need 2"),
        "{err}"
    );
}

#[test]
fn enis_at_one_device_index_on_two_network_cards_are_two_devices() {
    // p4d.24xlarge has 4 network cards, each numbering its ENIs from 0: an
    // ENI at index 1 on card 0 and one at index 1 on card 1 are two devices
    // (two VFs under sriov), each taking the packets for its own address.
    let text = r#"
name = "cards"
profile = "kvm-modern-25g"
paths = ["sriov", "virtio"]
[run]
duration_us = 2000
[host]
vms = 1
[vpc]
vms = { gpu = 0 }
[[vpc.actions]]
action = "CreateVpc"
CidrBlock = "10.0.0.0/16"
name = "vpc"
[[vpc.actions]]
action = "CreateSubnet"
VpcId = "$vpc"
CidrBlock = "10.0.1.0/24"
AvailabilityZone = "us-east-1a"
name = "s"
[[vpc.actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$vpc.sg"
IpPermissions = [{ IpProtocol = "-1", IpRanges = [{ CidrIp = "0.0.0.0/0" }] }]
[[vpc.actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "p4d.24xlarge"
SubnetId = "$s"
name = "gpu"
[[vpc.actions]]
action = "CreateNetworkInterface"
SubnetId = "$s"
PrivateIpAddress = "10.0.1.101"
name = "e1"
[[vpc.actions]]
action = "CreateNetworkInterface"
SubnetId = "$s"
PrivateIpAddress = "10.0.1.102"
name = "e2"
[[vpc.actions]]
action = "AttachNetworkInterface"
NetworkInterfaceId = "$e1"
InstanceId = "$gpu"
DeviceIndex = 1
[[vpc.actions]]
action = "AttachNetworkInterface"
NetworkInterfaceId = "$e2"
InstanceId = "$gpu"
DeviceIndex = 1
NetworkCardIndex = 1
[[vpc.actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "ip1"
[[vpc.actions]]
action = "AssociateAddress"
AllocationId = "$ip1"
NetworkInterfaceId = "$e1"
[[vpc.actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "ip2"
[[vpc.actions]]
action = "AssociateAddress"
AllocationId = "$ip2"
NetworkInterfaceId = "$e2"
[[flows]]
name = "to-e1"
kind = "rx"
dst = "$ip1.ip"
rate_pps = 100000
[[flows]]
name = "to-e2"
kind = "rx"
dst = "$ip2.ip"
rate_pps = 100000
"#;
    let exp = enisim::experiment::Experiment::from_toml("cards.toml", text, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let report = enisim::experiment::run_experiment(&exp, Some(1)).unwrap();
    for r in report.paths() {
        let (a, b) = match r.path.as_str() {
            "sriov" => ("vf1.rx_ring", "vf2.rx_ring"),
            _ => ("vm0.eth1.virtio_rx", "vm0.card1.eth1.virtio_rx"),
        };
        let (na, nb) = (ring_packets(r, a), ring_packets(r, b));
        assert_eq!(
            (na, nb),
            (r.flows[0].delivered, r.flows[1].delivered),
            "{}: {:?}",
            r.path,
            r.rings
        );
        assert!(na > 0 && nb > 0, "{}", r.path);
    }
}

#[test]
fn a_host_with_more_devices_than_the_vpc_holds_is_refused_naming_the_actions() {
    // 64 m5.large instances with 3 ENIs each: 192 devices, beyond 128.
    let mut text = String::from(
        "name = \"many\"\nprofile = \"kvm-modern-25g\"\npaths = [\"virtio\"]\n[host]\nvms = 64\n[vpc]\nvms = { ",
    );
    let vms: Vec<String> = (0..64).map(|i| format!("i{i} = {i}")).collect();
    text.push_str(&vms.join(", "));
    text.push_str(
        " }\n[[vpc.actions]]\naction = \"CreateVpc\"\nCidrBlock = \"10.0.0.0/16\"\nname = \"vpc\"\n\
         [[vpc.actions]]\naction = \"CreateSubnet\"\nVpcId = \"$vpc\"\nCidrBlock = \"10.0.0.0/20\"\n\
         AvailabilityZone = \"us-east-1a\"\nname = \"s\"\n",
    );
    for i in 0..64 {
        text.push_str(&format!(
            "[[vpc.actions]]\naction = \"RunInstances\"\nImageId = \"ami-12345678\"\n\
             InstanceType = \"m5.large\"\nSubnetId = \"$s\"\nname = \"i{i}\"\n"
        ));
        for d in 1..3 {
            text.push_str(&format!(
                "[[vpc.actions]]\naction = \"CreateNetworkInterface\"\nSubnetId = \"$s\"\n\
                 name = \"e{i}-{d}\"\n[[vpc.actions]]\naction = \"AttachNetworkInterface\"\n\
                 NetworkInterfaceId = \"$e{i}-{d}\"\nInstanceId = \"$i{i}\"\nDeviceIndex = {d}\n"
            ));
        }
    }
    text.push_str("[[flows]]\nname = \"f\"\nkind = \"rx\"\nvm = 0\nrate_pps = 1000\n");
    let e = enisim::experiment::Experiment::from_toml("many.toml", &text, &[])
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("vpc.actions") && e.contains("at most 128 devices") && e.contains("have 192"),
        "{e}"
    );
}
