//! A rack: hosts behind one top-of-rack switch, each host a logical process
//! of the parallel kernel ([`crate::sim::parallel`]) with its own event loop.
//!
//! The file reads top-down: the hosts (what each runs), the switch (what a
//! packet crossing it becomes), the logical process, and the
//! synchronization (the window and the queues).
//!
//! **Hosts.** Every host is the experiment's host (`[host]`, the profile,
//! the path), with its own VMs, NICs, cores and rings. A flow whose ends
//! are on one host (or beyond the switch: north-south `rx` and `tx`) runs
//! there as it would on a host alone. A `vm_to_vm` flow between two hosts
//! (east-west) runs in two halves: on the sending host a `tx` flow whose
//! route ends where its frames leave the NIC's wire
//! ([`Turn::Leaves`]: no hops beyond the rack, no per-flow limit), on the
//! receiving host an `rx` flow whose packets come from the switch
//! ([`Turn::Arrives`]: it generates none). Both halves keep the flow's name,
//! so its 5-tuple, and with it the queues RSS picks, and its random streams
//! are the ones it has on one host.
//!
//! **The switch** is output-queued: a frame waits only at the port toward
//! its receiving host, and that port is the receiving host's `wire_in` (at
//! link rate, `switch_buffer_frames` of buffer, drops counted as
//! `wire_queue_full`), which north-south traffic into that host shares. So
//! the whole switch is in its hosts: the sender hands the frame over when
//! its last bit is in (its `wire_out` and cable crossed), plus the switch's
//! latency; with cut-through, counted from when its first
//! [`CUT_THROUGH_BYTES`] were in instead. The time between is charged to
//! the wire stage.
//!
//! **Logical processes and synchronization.** A frame handed over at `t`
//! reaches the other host no sooner than the cable's propagation plus the
//! switch's latency after the sender's event that sent it (its
//! serialization started no sooner than that event). That is the
//! lookahead: the kernel's windows are that long, each host runs a window
//! without waiting for any other, and crossings are delivered between
//! windows in (time, sender, sender's count) order, so the result is the
//! same on any number of threads (tested at 1, 2, 3 and 8). A packet handed
//! over and not yet taken in is in flight, never lost from the books (the
//! kernel delivers a window's crossings before it stops, even those due
//! after the horizon: they stay in flight on the receiving host).

use super::config::{FlowConfig, FlowKind, HostConfig, RackConfig};
use super::engine::{Crossing, Engine, FlowHome, SwitchRt, Turn};
use super::error::BuildError;
use super::host::nic_count;
use crate::metrics::PathResult;
use crate::sim::parallel::{self, LogicalProcess, Outbox, ParallelConfig};
use crate::sim::{BitsPerSec, SimDuration, SimTime};

// ---- Hosts ----

/// What each host of the rack runs: its configuration, and each of its
/// flows' part in the rack.
struct HostPlan {
    cfg: HostConfig,
    /// `turns[i]` is `cfg.flows[i]`'s.
    turns: Vec<Turn>,
}

impl HostPlan {
    /// Adds flow `f` with its part in the rack; returns its index here.
    fn add(&mut self, f: FlowConfig, turn: Turn) -> u32 {
        self.cfg.flows.push(f);
        self.turns.push(turn);
        (self.cfg.flows.len() - 1) as u32
    }
}

/// Splits the rack's flows among its hosts (see the module docs), and says
/// where each of the rack's flows ran.
fn plan(cfg: &HostConfig, rack: &RackConfig) -> Result<(Vec<HostPlan>, Vec<FlowHome>), BuildError> {
    let bad = |key: &str, message: String| BuildError::Rack {
        key: key.to_string(),
        message,
    };
    if rack.hosts < 2 {
        return Err(bad("rack.hosts", "a rack has 2 hosts or more".into()));
    }
    if rack.places.len() != cfg.flows.len() {
        return Err(bad(
            "flows",
            format!(
                "{} flows but {} placements (a bug in validation)",
                cfg.flows.len(),
                rack.places.len()
            ),
        ));
    }
    if cfg.max_packets.is_some() {
        return Err(bad(
            "run.packets",
            "a packet cap is not supported in a rack; bound the run by its duration".into(),
        ));
    }
    if let Some(v) = &cfg.vpc {
        if !v.routes.is_empty() {
            return Err(bad(
                "vpc.routes",
                "routes to appliances are not modelled in a rack yet (an appliance on another \
                 host than its traffic); run them on one host"
                    .into(),
            ));
        }
        if let Some(&h) = v.places.iter().find(|&&h| h >= rack.hosts) {
            return Err(bad(
                "vpc.vms",
                format!(
                    "host {h}, but the rack has {} (0..={})",
                    rack.hosts,
                    rack.hosts - 1
                ),
            ));
        }
    }
    let mut plans: Vec<HostPlan> = (0..rack.hosts)
        .map(|h| HostPlan {
            cfg: HostConfig {
                flows: Vec::new(),
                rack: None,
                vpc: cfg.vpc.as_ref().map(|v| super::config::VpcConfig {
                    host: h,
                    ..v.clone()
                }),
                ..cfg.clone()
            },
            turns: Vec::new(),
        })
        .collect();
    let mut homes = Vec::with_capacity(cfg.flows.len());
    for (f, place) in cfg.flows.iter().zip(&rack.places) {
        for h in [place.host, place.dst_host] {
            if h >= rack.hosts {
                return Err(bad(
                    &format!("flows ({})", f.name),
                    format!(
                        "host {h}, but the rack has {} (0..={})",
                        rack.hosts,
                        rack.hosts - 1
                    ),
                ));
            }
        }
        let (s, d) = (place.host as usize, place.dst_host as usize);
        if let Some(a) = &f.addr {
            // From beyond the rack, to whichever host runs its instance:
            // every host runs a copy (the VPC decides each packet alike on
            // each), the flow's own host books the VPC's drops.
            if a.from.is_some() || f.kind != FlowKind::Addressed {
                return Err(bad(
                    &format!("flows ({})", f.name),
                    "in a rack, addressed flows come from beyond it (no `from`) and are \
                     open-loop; flows from an instance and request/response across hosts are \
                     not modelled yet"
                        .into(),
                ));
            }
            let local = plans[s].add(f.clone(), Turn::Local);
            let mirrors = (0..plans.len())
                .filter(|&h| h != s)
                .map(|h| (h, plans[h].add(f.clone(), Turn::Mirror)))
                .collect();
            homes.push(FlowHome {
                host: s,
                local,
                arrives: None,
                mirrors,
            });
            continue;
        }
        match f.kind {
            FlowKind::VmToVm { src, dst } if s != d => {
                let half = |kind| FlowConfig { kind, ..f.clone() };
                let at_dst = plans[d].add(half(FlowKind::Rx { vm: dst }), Turn::Arrives);
                let leaves = Turn::Leaves {
                    lp: d as u32,
                    flow: at_dst,
                };
                let at_src = plans[s].add(half(FlowKind::Tx { vm: src }), leaves);
                homes.push(FlowHome {
                    host: s,
                    local: at_src,
                    arrives: Some((d, at_dst)),
                    mirrors: Vec::new(),
                });
            }
            _ if s != d => {
                return Err(bad(
                    &format!("flows ({})", f.name),
                    "only vm_to_vm flows cross between hosts".into(),
                ))
            }
            _ => homes.push(FlowHome {
                host: s,
                local: plans[s].add(f.clone(), Turn::Local),
                arrives: None,
                mirrors: Vec::new(),
            }),
        }
    }
    Ok((plans, homes))
}

// ---- The switch ----

/// The switch as the hosts see it, and the lookahead it gives.
fn switch(cfg: &HostConfig, rack: &RackConfig) -> Result<(SwitchRt, SimDuration), BuildError> {
    let p = &cfg.profile;
    let rate = BitsPerSec::from_gbps(p.link_gbps).ok_or_else(|| BuildError::BadProfile {
        key: "link_gbps",
        allowed: "a positive rate in whole bit/s".into(),
    })?;
    let lookahead = SimDuration::from_ns(u64::from(p.wire_propagation_ns)) + rack.switch.latency;
    if lookahead == SimDuration::ZERO {
        return Err(BuildError::Rack {
            key: "rack.switch.latency_ns".into(),
            message: "the hosts' window (cable propagation + switch latency) must be > 0: \
                      give the switch a latency of 1 ns or more, or set \
                      costs.wire_propagation_ns"
                .into(),
        });
    }
    Ok((
        SwitchRt {
            latency: rack.switch.latency,
            cut_through: rack.switch.forwarding == super::config::Forwarding::CutThrough,
            rate,
        },
        lookahead,
    ))
}

// ---- The logical process ----

/// A host of the rack as a logical process.
struct HostLp {
    engine: Engine,
}

impl LogicalProcess for HostLp {
    type Msg = Crossing;

    fn next_time(&self) -> Option<SimTime> {
        self.engine.next_time()
    }

    fn run_until(&mut self, end: SimTime, out: &mut Outbox<'_, Crossing>) {
        self.engine.run_until(end);
        for (at, lp, c) in self.engine.take_outbox() {
            out.send(lp as usize, at, c);
        }
    }

    fn receive(&mut self, at: SimTime, _from: usize, msg: Crossing) {
        self.engine.inject(at, msg);
    }
}

// ---- Synchronization ----

/// Crossings one host can be sent in one window, at most: from every other
/// host, the frames its NICs can hand to the switch in a window. A frame is
/// handed over when it enters its NIC's wire (its time at the switch is then
/// known), and frames enter the wire no faster than the NIC's transmit DMA
/// brings them across PCIe, so a window of `L` sees at most `PCIe rate × L ÷
/// smallest frame`, plus one in each link at either edge, per NIC. (A
/// bound from the model's structure: were it broken, the run would stop
/// with the kernel's overflow error, not lose a packet.)
fn queue_capacity(cfg: &HostConfig, hosts: u32, lookahead: SimDuration) -> usize {
    let p = &cfg.profile;
    let pcie_gbps = p.pcie_lane_gbps().unwrap_or(32.0) * f64::from(p.pcie_lanes);
    let per_window = (pcie_gbps * 1e9 * lookahead.as_secs_f64() / (64.0 * 8.0)).ceil() as u64;
    let per_sender = nic_count(cfg, cfg.vms) as u64 * (per_window + 2);
    // A queue a host, within the budget (an envelope: the crossing, its
    // time, sender, count and window).
    let slot = std::mem::size_of::<Crossing>() as u64 + 40;
    let most = QUEUE_BUDGET_BYTES / (u64::from(hosts) * slot);
    (u64::from(hosts - 1) * per_sender).min(most).max(16) as usize
}

/// Memory for all hosts' queues of crossings \[B\]: a rack so large that
/// its bound does not fit gets smaller queues, and stops with the kernel's
/// overflow error, naming the host, if a window ever fills one.
const QUEUE_BUDGET_BYTES: u64 = 512 << 20;

/// Runs the rack `cfg.rack` on `threads` threads (the result does not
/// depend on how many).
pub(super) fn run(cfg: &HostConfig, threads: usize) -> Result<PathResult, BuildError> {
    let rack = cfg.rack.as_ref().expect("a rack's configuration");
    let (plans, homes) = plan(cfg, rack)?;
    let (sw, lookahead) = switch(cfg, rack)?;
    let mut lps = Vec::with_capacity(plans.len());
    for p in &plans {
        lps.push(HostLp {
            engine: Engine::build_turned(&p.cfg, &p.turns, Some(sw))?,
        });
    }
    for lp in &mut lps {
        lp.engine.start();
    }
    let horizon = SimTime::ZERO + cfg.window + cfg.drain;
    let pc = ParallelConfig {
        threads: threads.max(1),
        lookahead,
        // The engines run events at their horizon; the kernel's is
        // exclusive.
        horizon: horizon + SimDuration::from_ps(1),
        queue_capacity: queue_capacity(cfg, rack.hosts, lookahead),
    };
    let stats = parallel::run(&mut lps, &pc).map_err(|e| BuildError::Rack {
        key: "rack".into(),
        message: format!("the hosts' parallel run stopped: {e}"),
    })?;
    let mut engines = Vec::with_capacity(lps.len());
    for (lp, p) in lps.into_iter().zip(&plans) {
        let mut e = lp.engine;
        e.finish(&p.cfg);
        engines.push(e);
    }
    let nics = engines.iter().map(Engine::nics).sum();
    // Every host has the same ENIs; each knows the VMs of its own instances.
    let views: Vec<_> = engines.iter().map(Engine::enis).collect();
    let mut enis = views.first().cloned().unwrap_or_default();
    for (i, e) in enis.iter_mut().enumerate() {
        if let Some((h, v)) = (0..views.len()).find_map(|h| Some((h, views[h][i].vm?))) {
            e.vm = Some(v);
            e.host = Some(h as u32);
        }
    }
    let merged = Engine::merge_rack(engines, &homes, cfg);
    let whole = HostConfig {
        vms: cfg.vms * rack.hosts,
        ..cfg.clone()
    };
    let mut r = merged.result(&whole, nics);
    r.enis = enis;
    r.sim.windows = stats.windows;
    r.sim.crossings = stats.messages;
    // The rack's books: every flow whole again (each host's were checked
    // in `finish`).
    for f in &r.flows {
        assert_eq!(
            f.generated,
            f.delivered + f.dropped + f.in_flight,
            "flow '{}' lost packets from the rack's books",
            f.name
        );
    }
    Ok(r)
}
