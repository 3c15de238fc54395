//! Shared helpers for the integration tests: hand-built host configurations.
#![allow(dead_code)]

use enisim::metrics::PathResult;
use enisim::model::{Arrival, Client, FlowConfig, FlowKind, HostConfig, IoPath, Profile, SizeDist};
use enisim::sim::SimDuration;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `enisim` binary, as a command to give arguments.
pub fn enisim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_enisim"))
}

/// Runs `cmd`: its exit code, stdout and stderr.
pub fn output(cmd: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the binary runs");
    (
        status.code(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A path under the system temp dir that nothing else uses (not created).
pub fn unique_path(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "enisim-{tag}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Mean interval \[ps\] for `load` (fraction of `link_gbps` on the wire) at `bytes`.
pub fn interval_for_load(link_gbps: f64, load: f64, bytes: f64) -> f64 {
    (bytes + 20.0) * 8.0 / (link_gbps * 1e9 * load) * 1e12
}

/// An open-loop flow.
pub fn flow(
    name: &str,
    kind: FlowKind,
    arrival: Arrival,
    sizes: SizeDist,
    mean_interval_ps: f64,
) -> FlowConfig {
    FlowConfig {
        name: name.into(),
        kind,
        arrival,
        sizes,
        mean_interval_ps,
        streams: 1,
        addr: None,
    }
}

/// A ping-pong flow from outside to `server`.
pub fn rr(name: &str, server: u32, think_us: u64) -> FlowConfig {
    FlowConfig {
        name: name.into(),
        kind: FlowKind::RequestResponse {
            client: Client::External,
            server,
            request_bytes: 128,
            response_bytes: 1024,
            outstanding: 1,
            think: SimDuration::from_us(think_us),
            timeout: SimDuration::from_us(1000),
            server_cycles: 0,
            server_millicycles_per_byte: 0,
        },
        arrival: Arrival::Poisson,
        sizes: SizeDist::Fixed(128),
        mean_interval_ps: 1.0,
        streams: 1,
        addr: None,
    }
}

/// A host with `vms` VMs on `path` under `profile`.
pub fn host(
    path: IoPath,
    profile: Profile,
    vms: u32,
    flows: Vec<FlowConfig>,
    window_us: u64,
) -> HostConfig {
    HostConfig {
        profile,
        path,
        vms,
        vcpus: 1,
        background: false,
        passthrough_nic_per_vm: true,
        flows,
        window: SimDuration::from_us(window_us),
        max_packets: None,
        drain: SimDuration::from_ms(20),
        seed: 7,
        vpc: None,
        offloads: Default::default(),
        stages: Default::default(),
        rack: None,
    }
}

/// Poisson receive flows at `load` of line rate per VM, fixed `bytes`.
pub fn rx_all(vms: u32, link_gbps: f64, load: f64, sizes: SizeDist) -> Vec<FlowConfig> {
    (0..vms)
        .map(|vm| {
            flow(
                &format!("rx{vm}"),
                FlowKind::Rx { vm },
                Arrival::Poisson,
                sizes,
                interval_for_load(link_gbps, load, sizes.mean_bytes()),
            )
        })
        .collect()
}

/// The 2010 profile with a fixed interrupt interval instead of its
/// adaptive moderation, for tests of what separates the paths (adaptive
/// moderation moves every path's latency with its own traffic).
pub fn static_2010() -> Profile {
    let mut p = Profile::kvm_2010_82599();
    p.irq_moderation = enisim::model::IrqModeration::Static;
    p
}

/// Asserts generated = delivered + dropped + in flight, for the path and for
/// every flow.
pub fn assert_books(r: &PathResult) {
    let dropped: u64 = r.dropped.values().sum();
    assert_eq!(
        r.generated,
        r.delivered + dropped + r.in_flight,
        "{}",
        r.path
    );
    for f in &r.flows {
        assert_eq!(
            f.generated,
            f.delivered + f.dropped + f.in_flight,
            "{} {}",
            r.path,
            f.name
        );
    }
    assert_eq!(
        r.generated,
        r.flows.iter().map(|f| f.generated).sum::<u64>()
    );
}

/// A pretty-printed report's JSON without the lines of its wall-clock
/// fields ([`enisim::experiment::WALL_CLOCK_FIELDS`]), for comparing two
/// runs of one seed as text.
pub fn without_wall_clock(json: &str) -> Vec<&str> {
    json.lines()
        .filter(|l| {
            !enisim::experiment::WALL_CLOCK_FIELDS
                .iter()
                .any(|k| l.trim_start().starts_with(&format!("\"{k}\"")))
        })
        .collect()
}

/// Packets the consumer of ring `name` took in `r` (a run lists the rings
/// that took packets: 0 for any other).
pub fn ring_packets(r: &PathResult, name: &str) -> u64 {
    r.rings
        .iter()
        .find(|x| x.name == name)
        .map_or(0, |x| x.packets)
}

/// A small sweep named `name`: `rx` into VM 0 of virtio and SR-IOV at two
/// loads, two replications each (8 runs of 2 ms).
pub fn small_sweep(name: &str) -> String {
    format!(
        r#"
name = "{name}"
profile = "kvm-modern-25g"
paths = ["virtio", "sriov"]
[run]
duration_us = 2000
[[flows]]
name = "rx"
kind = "rx"
vm = 0
size = 512
load = 0.2
[sweep]
replications = 2
[[sweep.axes]]
key = "flows.0.load"
values = [0.1, 0.4]
"#
    )
}
