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
//! are the ones it has on one host. A request/response flow between two
//! hosts runs in two halves too: on the client's host the flow itself,
//! whose requests leave as a `tx` flow's packets do and whose answers come
//! back from the switch as an `rx` flow's do ([`Turn::Leaves`]); on the
//! server's host its answering half ([`Turn::Answers`]: requests from the
//! switch, answers out through the NIC, the server's work between); so
//! does a TCP stream between VMs of two hosts (bursts out and ACKs in on
//! the sender's host, bursts in and ACKs out on the receiver's, each
//! half's books of segments and ACKs merged like the flow's). Each
//! half books what it takes in from the switch as taken in, not born, so
//! the flow's books, merged, count each request and answer once.
//!
//! An addressed flow (routed by the VPC, which every host runs alike) has
//! a copy on every host, at the same index ([`Turn::Mirror`] on all but its
//! own). Open-loop, each copy generates every packet and keeps those the
//! VPC sends to its host's instances. A request/response flow from an
//! instance runs its client on that instance's host alone: a request for
//! an ENI on another host crosses the switch to it, the copy there answers,
//! and the answer crosses back to the client.
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
//! lookahead: a host runs up to the least clock of the others plus it
//! ([`crate::sim::parallel`]). A host holds the crossings it is handed and
//! takes each in at its time, before the events pending for the same time,
//! in (time, sender, sender's count) order ([`Engine::hold_crossing`]), so
//! the result is the same on any number of threads (tested at 1, 2, 3 and
//! 8). A packet handed over and not yet taken in is in flight, never lost
//! from the books (the kernel hands over every crossing before it stops,
//! even those due after the horizon: they stay in flight on the receiving
//! host). Each host's engine has cache lines of its own: side by side,
//! the second of two hosts ran 25% slower on two threads.
//!
//! **What the rack reports**, besides what one host reports (its
//! resources named `host<k>.…`): each flow's hosts and [`Scope`]; each
//! host's deliveries, drops, CPU and NIC use ([`HostUse`], from the host's
//! own result before the hosts are merged); each switch port's use, frames
//! and drops by reason ([`PortUse`], from the link that is the port); and
//! the one-way latency of each scope ([`ScopeLatency`]), from the histograms
//! of its flows added together, never from their percentiles.

use super::config::{Client, FlowConfig, FlowKind, HostConfig, Place, RackConfig};
use super::engine::{arrivals_of, nth_of, Crossing, Engine, FlowHome, SwitchRt, Turn};
use super::error::BuildError;
use super::host::nic_count;
use super::hw::Link;
use crate::metrics::record::{add_flow_histogram, scope_latency_histogram, summarize};
use crate::metrics::{HostUse, PathResult, PortUse, RackUse, Scope, ScopeLatency};
use crate::sim::parallel::{self, LogicalProcess, Outbox, ParallelConfig};
use crate::sim::{BitsPerSec, SimDuration, SimTime};

// ---- Hosts ----

/// Why an addressed flow of another kind is refused in a rack: the rack
/// plan's words, the same as validation's.
pub(crate) const ADDRESSED_IN_A_RACK: &str =
    "in a rack, an addressed flow is open-loop (rx from beyond the rack, or tx and vm_to_vm from \
     an instance) or request/response from an instance (`from`); request/response from beyond \
     the rack to an address is not modelled in a rack: its client would keep its state on one \
     host while its requests enter the host of the address, so each request would reach it a \
     switch crossing (cable and switch latency) late. Without an address, a client beyond the \
     rack can ping-pong a VM by index (client = \"external\", vm, host)";

/// Why an addressed request/response flow in a rack must be the only
/// addressed flow, without packet-rate or connection allowances: each
/// host's copy of the VPC charges the per-instance allowances for the
/// packets it decides, every copy decides every open-loop packet alike, but
/// a closed loop's requests are decided on the client's host and its
/// answers on the server's, so other addressed traffic to the same
/// instances would find different allowances on different hosts.
pub(crate) const RR_ALONE_IN_A_RACK: &str =
    "in a rack, an addressed request/response flow must be the only addressed flow, without \
     vpc.pps_allowance or vpc.conntrack_allowance: its requests are decided (and charged to the \
     instances' allowances) on the client's host and its answers on the server's, so the other \
     hosts' copies of the VPC, which decide every other addressed packet alike, would not see \
     them";

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
            "a rack's packet cap sets its window before the hosts are planned (a bug in \
             rack::run)"
                .into(),
        ));
    }
    if let Some(v) = &cfg.vpc {
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
    let no_host = |f: &FlowConfig, h: u32| {
        bad(
            &format!("flows ({})", f.name),
            format!(
                "host {h}, but the rack has {} (0..={})",
                rack.hosts,
                rack.hosts - 1
            ),
        )
    };
    // Addressed flows first, in one order, on every host: a flow's copy has
    // the same index on each (a packet handed between hosts names it).
    let mut homes: Vec<Option<FlowHome>> = vec![None; cfg.flows.len()];
    for (g, (f, place)) in cfg.flows.iter().zip(&rack.places).enumerate() {
        let Some(a) = &f.addr else { continue };
        let rr = matches!(f.kind, FlowKind::RequestResponse { .. });
        if !(f.kind == FlowKind::Addressed || rr && a.from.is_some()) {
            return Err(bad(
                &format!("flows ({})", f.name),
                ADDRESSED_IN_A_RACK.into(),
            ));
        }
        let limits = cfg
            .vpc
            .as_ref()
            .is_some_and(|v| v.pps_allowance.is_some() || v.conntrack_allowance.is_some());
        let addressed = cfg.flows.iter().filter(|f| f.addr.is_some()).count();
        if rr && (limits || addressed > 1) {
            return Err(bad(
                &format!("flows ({})", f.name),
                RR_ALONE_IN_A_RACK.into(),
            ));
        }
        // From an instance: its host sends it (a request/response flow's
        // client runs there alone, and the hosts its requests reach
        // answer them). From beyond the rack: the flow's own host books
        // the VPC's drops. Every host runs a copy (the VPC decides each
        // packet alike on each) and takes the packets that are its own.
        let s = match &a.from {
            None => place.host as usize,
            Some(from) => {
                let v = cfg.vpc.as_ref().expect("addressed flows have a VPC");
                let name = from.strip_prefix('$').unwrap_or(from);
                let i = v.vms.iter().position(|(n, _)| n == name).ok_or_else(|| {
                    bad(
                        &format!("flows ({})", f.name),
                        format!(
                            "from {from}: in a rack, the sending instance must be placed on a \
                             host (vpc.vms)"
                        ),
                    )
                })?;
                v.places.get(i).copied().unwrap_or(0) as usize
            }
        };
        if s >= plans.len() {
            return Err(no_host(f, s as u32));
        }
        let mut local = 0;
        let mut mirrors = Vec::new();
        for (h, plan) in plans.iter_mut().enumerate() {
            if h == s {
                local = plan.add(f.clone(), Turn::Local);
            } else {
                mirrors.push((h, plan.add(f.clone(), Turn::Mirror)));
            }
        }
        homes[g] = Some(FlowHome {
            host: s,
            local,
            arrives: None,
            mirrors,
        });
    }
    for (g, (f, place)) in cfg.flows.iter().zip(&rack.places).enumerate() {
        if f.addr.is_some() {
            continue;
        }
        for h in [place.host, place.dst_host] {
            if h >= rack.hosts {
                return Err(no_host(f, h));
            }
        }
        let (s, d) = (place.host as usize, place.dst_host as usize);
        homes[g] = Some(match f.kind {
            FlowKind::VmToVm { src, dst } if s != d => {
                let half = |kind| FlowConfig { kind, ..f.clone() };
                let at_dst = plans[d].add(half(FlowKind::Rx { vm: dst }), Turn::Arrives);
                let leaves = Turn::Leaves {
                    lp: d as u32,
                    flow: at_dst,
                };
                let at_src = plans[s].add(half(FlowKind::Tx { vm: src }), leaves);
                FlowHome {
                    host: s,
                    local: at_src,
                    arrives: Some((d, at_dst)),
                    mirrors: Vec::new(),
                }
            }
            // A request/response flow or TCP stream between two hosts: the
            // client's (sender's) half sends requests (bursts) out and
            // takes the answers in, the other half answers (see
            // [`Turn::Answers`]).
            ref k if between_vms(k) && s != d => {
                let client = plans[s].cfg.flows.len() as u32;
                let at_dst = plans[d].add(
                    f.clone(),
                    Turn::Answers {
                        lp: s as u32,
                        flow: client,
                    },
                );
                let leaves = Turn::Leaves {
                    lp: d as u32,
                    flow: at_dst,
                };
                let at_src = plans[s].add(f.clone(), leaves);
                debug_assert_eq!(at_src, client);
                FlowHome {
                    host: s,
                    local: at_src,
                    arrives: Some((d, at_dst)),
                    mirrors: Vec::new(),
                }
            }
            _ if s != d => {
                return Err(bad(
                    &format!("flows ({})", f.name),
                    "only vm_to_vm flows, request/response flows from a VM and TCP streams \
                     between VMs cross between hosts"
                        .into(),
                ))
            }
            _ => FlowHome {
                host: s,
                local: plans[s].add(f.clone(), Turn::Local),
                arrives: None,
                mirrors: Vec::new(),
            },
        });
    }
    let homes = homes
        .into_iter()
        .map(|h| h.expect("every flow placed"))
        .collect();
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
    engine: crossbeam_utils::CachePadded<Engine>,
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

    fn receive(&mut self, at: SimTime, from: usize, seq: u64, msg: Crossing) {
        self.engine.hold_crossing(at, from as u32, seq, msg);
    }
}

// ---- Synchronization ----

/// Crossings one host can be sent in one window, at most: from every other
/// host, the frames its NICs can hand to the switch in a window. A frame is
/// handed over when it enters its NIC's wire (its time at the switch is then
/// known), and frames enter the wire no faster than the NIC's transmit DMA
/// brings them across PCIe, so a window of `L` sees at most `PCIe rate × L ÷
/// smallest frame`, plus one in each link at either edge, per NIC. A
/// receiver takes its queue in each time it runs, and no host runs more
/// than a lookahead past the least clock of the others (see
/// [`crate::sim::parallel`]), so what waits in a queue was sent within
/// three lookaheads at most. (A
/// bound from the model's structure: were it broken, the run would stop
/// with the kernel's overflow error, not lose a packet.)
fn queue_capacity(cfg: &HostConfig, hosts: u32, lookahead: SimDuration) -> usize {
    let p = &cfg.profile;
    let pcie_gbps = p.pcie_lane_gbps().unwrap_or(32.0) * f64::from(p.pcie_lanes);
    let per_window = (pcie_gbps * 1e9 * lookahead.as_secs_f64() / (64.0 * 8.0)).ceil() as u64;
    let per_sender = nic_count(cfg, cfg.vms) as u64 * (3 * per_window + 2);
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
///
/// A packet cap (`run.packets = n`) ends the window 1 ps after the rack's
/// n-th open-loop birth, T, as on one host. Each host draws its own births,
/// so no host alone can tell when the rack's n-th comes: T is found first,
/// by replaying every host's arrival streams together (arrivals do not
/// depend on the simulation), and the rack then runs with a window of T +
/// 1 ps, which is what a single host's cap gives as well. (Births at T's
/// very picosecond, on any host, are all counted, where a single host
/// stops at exactly n.)
pub(super) fn run(cfg: &HostConfig, threads: usize) -> Result<PathResult, BuildError> {
    let rack = cfg.rack.as_ref().expect("a rack's configuration");
    if let Some(n) = cfg.max_packets {
        let uncapped = HostConfig {
            max_packets: None,
            ..cfg.clone()
        };
        // The flows each host gives birth to: not the halves that take
        // packets in from the switch, nor the copies of an addressed flow
        // other hosts also run.
        let (plans, _) = plan(&uncapped, rack)?;
        let gens = plans
            .iter()
            .flat_map(|p| p.cfg.flows.iter().zip(&p.turns))
            .filter(|(f, t)| {
                f.kind.is_open_loop() && matches!(t, Turn::Local | Turn::Leaves { .. })
            })
            .map(|(f, _)| arrivals_of(cfg.seed, f))
            .collect();
        let window_end = SimTime::ZERO + cfg.window;
        let window = match nth_of(gens, n, window_end) {
            Some(t) => t.since(SimTime::ZERO) + SimDuration::from_ps(1),
            None => cfg.window,
        };
        return run(&HostConfig { window, ..uncapped }, threads);
    }
    let (plans, homes) = plan(cfg, rack)?;
    let (sw, lookahead) = switch(cfg, rack)?;
    let mut lps = Vec::with_capacity(plans.len());
    for p in &plans {
        lps.push(HostLp {
            engine: crossbeam_utils::CachePadded::new(Engine::build_turned(
                &p.cfg,
                &p.turns,
                Some(sw),
            )?),
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
    let mut hosts = Vec::with_capacity(lps.len());
    for (k, (lp, p)) in lps.into_iter().zip(&plans).enumerate() {
        let mut e = crossbeam_utils::CachePadded::into_inner(lp.engine);
        e.flush_held();
        e.finish(&p.cfg);
        hosts.push(host_use(k as u32, &e.result(&p.cfg, e.nics())));
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
    r.sim.epochs = stats.epochs;
    r.sim.crossings = stats.messages;
    let latency = scope_latency(&merged, &cfg.flows, &rack.places);
    for (((f, c), place), home) in r
        .flows
        .iter_mut()
        .zip(&cfg.flows)
        .zip(&rack.places)
        .zip(&homes)
    {
        debug_assert_eq!(f.name, c.name, "the rack's flows in its order");
        f.host = Some(home.host as u32);
        f.dst_host = between_vms(&c.kind).then_some(place.dst_host);
        f.scope = scope_of(c, *place);
    }
    let ports = ports(&r, merged.links());
    r.rack = Some(RackUse {
        hosts,
        ports,
        latency,
    });
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

// ---- What the rack reports ----

/// Where a flow placed at `place` runs: between two hosts, to or from
/// beyond the rack, or within its host. An addressed flow from beyond the
/// rack reaches whichever host runs its instance: north-south. `None` for
/// an addressed flow from an instance, whose packets cross the switch or
/// not as its destination's ENI moves.
fn scope_of(f: &FlowConfig, place: Place) -> Option<Scope> {
    match &f.addr {
        Some(a) if a.from.is_some() => return None,
        Some(_) => return Some(Scope::NorthSouth),
        None => {}
    }
    if between_vms(&f.kind) {
        return Some(match place.host != place.dst_host {
            true => Scope::EastWest,
            false => Scope::Local,
        });
    }
    // Rx, tx, and the closed loops with an end beyond the wire.
    Some(Scope::NorthSouth)
}

/// Whether a flow of this kind has a VM at both ends, which may sit on two
/// hosts (`Place::dst_host`): vm_to_vm, request/response from a VM client,
/// a TCP stream between VMs.
fn between_vms(kind: &FlowKind) -> bool {
    matches!(
        kind,
        FlowKind::VmToVm { .. }
            | FlowKind::RequestResponse {
                client: Client::Vm(_),
                ..
            }
            | FlowKind::TcpStream {
                src: Client::Vm(_),
                dst: Client::Vm(_),
                ..
            }
    )
}

/// Host `host`'s figures from its own result (its resources unprefixed).
fn host_use(host: u32, r: &PathResult) -> HostUse {
    let busiest = |suffixes: &[&str]| {
        r.resources
            .iter()
            .filter(|u| u.name.starts_with("nic") && suffixes.iter().any(|s| u.name.ends_with(s)))
            .map(|u| u.utilization)
            .max_by(f64::total_cmp)
    };
    HostUse {
        host,
        delivered: r.delivered,
        dropped: r.dropped.values().sum(),
        dropped_by: r
            .dropped
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        host_cpu_pct: r.cpu.host_pct,
        guest_cpu_pct: r.cpu.guest_pct,
        uplink_utilization: busiest(&[".wire_out"]).unwrap_or(0.0),
        pcie_utilization: busiest(&[".pcie_up", ".pcie_down"]),
    }
}

/// The host a switch port leads to, if `name` is one: `host<k>.nic<j>.wire_in`.
fn port_host(name: &str) -> Option<u32> {
    let (host, rest) = name.strip_prefix("host")?.split_once('.')?;
    let nic = rest.strip_prefix("nic")?.strip_suffix(".wire_in")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(host) && digits(nic)).then(|| host.parse().ok())?
}

/// Every switch port the rack's resources list, in their order, with the
/// frames and drops of the link that is the port.
fn ports(r: &PathResult, links: &[Link]) -> Vec<PortUse> {
    r.resources
        .iter()
        .filter_map(|u| {
            let host = port_host(&u.name)?;
            let link = links.iter().find(|l| l.name == u.name)?;
            let mut dropped_by = std::collections::BTreeMap::new();
            for (reason, n) in link.refused() {
                *dropped_by.entry(reason.name().to_string()).or_insert(0) += n;
            }
            Some(PortUse {
                name: u.name.clone(),
                host,
                utilization: u.utilization,
                frames: link.frames(),
                dropped: dropped_by.values().sum(),
                dropped_by,
            })
        })
        .collect()
}

/// The one-way latency of each scope with open-loop flows: their
/// histograms added (a percentile of percentiles would mean nothing).
fn scope_latency(merged: &Engine, flows: &[FlowConfig], places: &[Place]) -> Vec<ScopeLatency> {
    Scope::ALL
        .iter()
        .filter_map(|&scope| {
            let mut h = scope_latency_histogram();
            let (mut n, mut sum_ps) = (0u32, 0u128);
            for (i, (f, place)) in flows.iter().zip(places).enumerate() {
                if scope_of(f, *place) != Some(scope) {
                    continue;
                }
                if let Some((fh, s)) = merged.flow_latency(i) {
                    add_flow_histogram(&mut h, fh);
                    sum_ps += s;
                    n += 1;
                }
            }
            (n > 0).then(|| ScopeLatency {
                scope,
                flows: n,
                delivered: h.len(),
                latency_ns: summarize(&h, sum_ps),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_is_a_hosts_nic_wire_in() {
        assert_eq!(port_host("host3.nic0.wire_in"), Some(3));
        assert_eq!(port_host("host12.nic7.wire_in"), Some(12));
        for not in [
            "host3.nic0.wire_out",
            "host3.nic0.pcie_up",
            "host3.vm0.vcpu",
            "nic0.wire_in",
            "hostx.nic0.wire_in",
            "host3.nicx.wire_in",
            "host3.nic0.hop1_in",
            "host.nic0.wire_in",
        ] {
            assert_eq!(port_host(not), None, "{not}");
        }
    }
}
