//! A host's VPC during a run: the EC2 control plane, its timeline, the data
//! plane's tables, the instances' allowances, and the routes packets take
//! between the host's VMs and its wire.
//!
//! Each addressed packet's journey is decided at its birth
//! ([`VpcRt::steer`]): from the data plane's tables, cached per flow until the
//! control plane next changes (an epoch counter), then the allowances of every
//! instance it crosses (token buckets, charged per packet, all or none: a
//! packet one of them drops takes nothing from the others and records no
//! connection), then the route:
//! the I/O path's segments (wire → VM, VM → wire, VM → VM) concatenated for
//! its hops, built once per combination of hops — never per packet.
//!
//! Timeline actions run at their times; what they begin (an attachment, a
//! detachment, an instance state change) completes after the configured
//! duration for this host's I/O path, and an address that moves between ENIs
//! is in transit (its packets dropped) for the reassignment's duration. A
//! decision made at a packet's birth holds for that packet: a change while it
//! is in flight does not reach it.

use super::config::{ControlTiming, FlowAddr, TimedStep, VpcConfig};
use super::error::BuildError;
use super::pipeline::Step;
use crate::dataplane::{device_key, ApplianceRoute, Hop, Journey, Key, Tables};
use crate::metrics::{ControlRecord, DropReason, EniSummary};
use crate::sim::{SimDuration, SimTime, TokenBucket};
use crate::vpc::state::Transition;
use crate::vpc::{Ec2, EniId, InstanceId, Script};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// Default source of traffic from the internet: in 198.18.0.0/15 (RFC 2544's
/// benchmarking range), outside the model's public address pools.
pub const INTERNET_HOST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 7);

/// One direction's bandwidth allowance: a cap at the peak rate in series
/// with burst credits refilled at the baseline rate (CALIBRATION "AWS
/// enhanced networking": instances burst to the peak on credits for 5–60
/// minutes, then fall to the baseline). A packet passes only if both hold
/// its bits.
#[derive(Clone, Debug)]
struct Bandwidth {
    peak: TokenBucket,
    credits: TokenBucket,
}

impl Bandwidth {
    /// Assumption: the peak is policed with a burst tolerance of 1 ms of
    /// traffic; credits last `burst_s` seconds of peak-rate traffic above the
    /// baseline.
    fn new(baseline_gbps: f64, peak_gbps: f64, burst_s: f64) -> Bandwidth {
        let peak = (peak_gbps * 1e9).round().max(1.0) as u64;
        let base = (baseline_gbps * 1e9).round().clamp(1.0, peak as f64) as u64;
        let depth = (peak / 1000).max(9216 * 8);
        let credit = ((peak - base) as f64 * burst_s) as u64 + depth;
        Bandwidth {
            peak: TokenBucket::new(depth, peak),
            credits: TokenBucket::new(credit, base),
        }
    }

    /// True if both buckets hold `bits` at `now` (taking none).
    #[inline]
    fn holds(&mut self, now: SimTime, bits: u64) -> bool {
        self.peak.holds(now, bits) && self.credits.holds(now, bits)
    }

    /// Takes `bits` from both buckets if both hold them; otherwise takes
    /// nothing and returns false.
    #[inline]
    fn take(&mut self, now: SimTime, bits: u64) -> bool {
        if self.holds(now, bits) {
            self.peak.take(now, bits);
            self.credits.take(now, bits);
            true
        } else {
            false
        }
    }
}

/// The allowances of one instance, shared by all its ENIs (M3).
#[derive(Clone, Debug)]
struct Allowance {
    bw_in: Bandwidth,
    bw_out: Bandwidth,
    pps: Option<TokenBucket>,
}

fn allowance(baseline_gbps: f64, peak_gbps: f64, burst_s: f64, pps: Option<u64>) -> Allowance {
    Allowance {
        bw_in: Bandwidth::new(baseline_gbps, peak_gbps, burst_s),
        bw_out: Bandwidth::new(baseline_gbps, peak_gbps, burst_s),
        pps: pps.map(|r| TokenBucket::new((r / 1000).max(1), r)),
    }
}

/// A flow's endpoints, resolved.
#[derive(Clone, Debug)]
struct FlowSteer {
    from: Option<InstanceId>,
    key: Key,
    via_source_eni: bool,
    /// (epoch, decision) for the forward direction and the reply.
    cache: [(u64, Option<Result<Journey, DropReason>>); 2],
    /// (epoch, route index) for each direction, so that a packet whose
    /// decision is cached needs no route lookup either.
    route: [(u64, u32); 2],
}

/// The I/O path's route segments between the host's wire and its VMs'
/// devices, indexed by device slot (the position of `(VM, device index)` in
/// [`VpcRt::devices`]).
#[derive(Clone, Debug, Default)]
pub struct Segments {
    /// Wire → device d.
    pub rx: Vec<Vec<Step>>,
    /// Device d → wire.
    pub tx: Vec<Vec<Step>>,
    /// Device a → device b (`v2v[a][b]`; unused when both belong to one VM,
    /// whose own stack routes between its interfaces).
    pub v2v: Vec<Vec<Vec<Step>>>,
    /// In a rack: the switch's port → device d (no hops beyond the rack).
    pub rx_rack: Vec<Vec<Step>>,
    /// In a rack: device d → the NIC's wire, where the switch takes it.
    pub tx_rack: Vec<Vec<Step>>,
}

/// Where a route that leaves a host through the rack's switch goes: the
/// device it enters on another host, and the hops after that one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    /// The host.
    pub host: u32,
    /// The VM there.
    pub vm: u32,
    /// The device (ENI's device key) it enters.
    pub dev: u32,
    /// The hops after it.
    pub then: Then,
}

/// The hops a packet still has to take after the device it enters on
/// another host (an appliance forwarding it: to the wire, to another VM),
/// each VM hop as [`Hop::Rack`] with its host (at most two: a journey has
/// at most four hops, and the first two are behind it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Then {
    hops: [Hop; 2],
    len: u8,
}

impl Default for Then {
    fn default() -> Then {
        Then {
            hops: [Hop::Wire; 2],
            len: 0,
        }
    }
}

impl Then {
    /// The hops.
    pub fn hops(&self) -> &[Hop] {
        &self.hops[..self.len as usize]
    }
}

/// The VPC side of a run.
#[derive(Debug)]
pub struct VpcRt {
    ec2: Ec2,
    script: Script,
    timeline: Vec<TimedStep>,
    timing: ControlTiming,
    vm_of: BTreeMap<InstanceId, u32>,
    /// Instances on other hosts of the rack: (host, VM there).
    elsewhere: BTreeMap<InstanceId, (u32, u32)>,
    /// By route index: where a route that leaves through the rack's switch
    /// goes.
    exits: Vec<Option<Exit>>,
    /// Routes from the switch's port to each (VM, device index) here, and
    /// on through the hops after it.
    arrivals: BTreeMap<(u32, u32, Then), u32>,
    /// This host's index in the rack (0 on a host alone).
    host: u32,
    routes: Vec<ApplianceRoute>,
    tables: Tables,
    epoch: u64,
    in_transit: BTreeMap<IpAddr, u32>,
    allowances: Vec<Allowance>,
    pps_allowance: Option<u64>,
    conntrack_allowance: Option<u64>,
    burst_s: f64,
    /// Flows each instance tracks (by instance table index).
    tracked: Vec<BTreeSet<usize>>,
    flows: Vec<Option<FlowSteer>>,
    segments: Segments,
    /// Device slot of each (VM, device index) the host has a device for.
    slot_of: BTreeMap<(u32, u32), u32>,
    route_of: BTreeMap<Vec<Hop>, u32>,
    /// Started transitions: (timeline entry, transition).
    transitions: Vec<(usize, Transition)>,
    /// Transitions and transits of each timeline entry not yet complete.
    pending: Vec<u32>,
    /// Moves in transit: (timeline entry, address).
    transits: Vec<(usize, IpAddr)>,
    /// What the timeline did.
    pub log: Vec<ControlRecord>,
    /// Each timeline entry's record in `log`.
    log_of: Vec<Option<usize>>,
    /// Warnings of the control plane after setup (M2, M3, E9).
    pub warnings: Vec<String>,
}

/// What the event loop must schedule after a control-plane step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// Complete transition `i` after `after`.
    Complete(u32, SimDuration),
    /// End transit `i` after `after`.
    Transit(u32, SimDuration),
    /// Run timeline entry `k` now.
    Run(u16),
}

fn resolve_addr(ec2: &Ec2, script: &Script, text: &str, key: &str) -> Result<IpAddr, BuildError> {
    let bad = |why: String| BuildError::Vpc {
        key: key.to_owned(),
        message: why,
    };
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(ip);
    }
    let name = text
        .strip_prefix('$')
        .ok_or_else(|| bad(format!("{text:?} is neither an IP address nor a $name")))?;
    let id = script
        .id(name)
        .ok_or_else(|| bad(format!("${name} is not defined by the setup actions")))?;
    if let Ok(ip) = id.parse::<IpAddr>() {
        return Ok(ip);
    }
    let primary_of_eni = |eni: &str| {
        ec2.network_interface(&EniId(eni.to_owned()))
            .map(|e| IpAddr::V4(e.primary_ip))
    };
    if let Some(ip) = primary_of_eni(id) {
        return Ok(ip);
    }
    if let Some(i) = ec2
        .instance_views()
        .into_iter()
        .find(|i| i.id.as_str() == id)
    {
        if let Some(ip) = i.enis.first().and_then(|e| primary_of_eni(e.as_str())) {
            return Ok(ip);
        }
    }
    Err(bad(format!(
        "${name} ({id}) has no address: name an instance, an ENI or an Elastic IP's .ip"
    )))
}

fn instance_id(script: &Script, name: &str, key: &str) -> Result<InstanceId, BuildError> {
    let n = name.strip_prefix('$').unwrap_or(name);
    script
        .id(n)
        .filter(|id| id.starts_with("i-"))
        .map(|id| InstanceId(id.to_owned()))
        .ok_or_else(|| BuildError::Vpc {
            key: key.to_owned(),
            message: format!("{name:?} is not an instance the setup actions launched"),
        })
}

/// Refuses route `i` where EC2 refuses it against the subnet's VPC's local
/// route (see the data plane's "Route tables"): a destination equal to the
/// VPC's IPv4 block, which the local route already holds (EC2's
/// `CreateRoute`: `RouteAlreadyExists`), and a destination more specific
/// than the local route that is not the whole block of one of the VPC's
/// subnets (Amazon VPC User Guide, route table rules). A `subnet` that names
/// no subnet is left as before (its route matches nothing).
fn check_route(ec2: &Ec2, route: &ApplianceRoute, i: usize) -> Result<(), BuildError> {
    let Some(vpc) = ec2.subnet(&route.subnet).and_then(|s| ec2.vpc(&s.vpc)) else {
        return Ok(());
    };
    let (d, local) = (route.destination, vpc.cidr);
    let refuse = |why: String| {
        Err(BuildError::Vpc {
            key: format!("vpc.routes.{i}.destination"),
            message: format!("{d}: {why}"),
        })
    };
    if d == local {
        return refuse(
            "the route table's local route already has this destination \
             (the VPC's block; EC2: RouteAlreadyExists): traffic inside the VPC \
             is delivered directly, and a route to an appliance must be more \
             specific (a subnet's whole block) to take it"
                .to_owned(),
        );
    }
    let more_specific = local.contains_net(&d) && d.prefix_len() > local.prefix_len();
    if more_specific && !ec2.subnets().any(|s| s.vpc == vpc.id && s.cidr == d) {
        let subnets: Vec<String> = ec2
            .subnets()
            .filter(|s| s.vpc == vpc.id)
            .map(|s| s.cidr.to_string())
            .collect();
        return refuse(format!(
            "a route more specific than the local route ({local}) must match \
             the whole block of a subnet of the VPC (one of: {})",
            subnets.join(", ")
        ));
    }
    Ok(())
}

impl VpcRt {
    /// Runs the setup actions and resolves names. `flows` are the flows'
    /// addresses (by flow position). The routes come later
    /// ([`VpcRt::set_segments`]), once the host has made the
    /// [`VpcRt::devices`] this one needs.
    pub fn build(cfg: &VpcConfig, flows: &[Option<&FlowAddr>]) -> Result<VpcRt, BuildError> {
        let mut ec2 = Ec2::new(cfg.seed);
        let mut script = cfg.script.clone();
        for i in 0..cfg.setup {
            let result = script.run(i, &mut ec2, true).map_err(|e| BuildError::Vpc {
                key: "vpc.actions".into(),
                message: e.to_string(),
            })?;
            if let Err(e) = result {
                return Err(BuildError::Vpc {
                    key: format!("vpc.actions.{i}"),
                    message: format!(
                        "setup action {} ({}) failed: {e}",
                        i + 1,
                        script.action_name(i)
                    ),
                });
            }
        }
        if !cfg.places.is_empty() && cfg.places.len() != cfg.vms.len() {
            return Err(BuildError::Vpc {
                key: "vpc.vms".into(),
                message: format!(
                    "{} instances but {} hosts for them: give a host for each instance, or \
                     none (all on host 0)",
                    cfg.vms.len(),
                    cfg.places.len()
                ),
            });
        }
        let mut vm_of = BTreeMap::new();
        let mut elsewhere = BTreeMap::new();
        for (i, (name, vm)) in cfg.vms.iter().enumerate() {
            let id = instance_id(&script, name, "vpc.vms")?;
            let host = cfg.places.get(i).copied().unwrap_or(0);
            if host == cfg.host {
                vm_of.insert(id, *vm);
            } else {
                elsewhere.insert(id, (host, *vm));
            }
        }
        let mut routes = Vec::new();
        for r in &cfg.routes {
            let id = |n: &str| {
                script
                    .id(n.strip_prefix('$').unwrap_or(n))
                    .map(str::to_owned)
                    .ok_or_else(|| BuildError::Vpc {
                        key: "vpc.routes".into(),
                        message: format!("{n:?} is not defined by the setup actions"),
                    })
            };
            let route = ApplianceRoute {
                subnet: crate::vpc::SubnetId(id(&r.subnet)?),
                destination: r.destination,
                target: crate::vpc::EniId(id(&r.target)?),
            };
            check_route(&ec2, &route, routes.len())?;
            routes.push(route);
        }
        let mut steer = Vec::with_capacity(flows.len());
        for (i, f) in flows.iter().enumerate() {
            let Some(a) = f else {
                steer.push(None);
                continue;
            };
            let key = format!("flows.{i}");
            let from = a
                .from
                .as_deref()
                .map(|n| instance_id(&script, n, &format!("{key}.from")))
                .transpose()?;
            let src = match (&a.src, &a.from) {
                (Some(s), _) => resolve_addr(&ec2, &script, s, &format!("{key}.src"))?,
                (None, Some(n)) => resolve_addr(&ec2, &script, n, &format!("{key}.from"))?,
                (None, None) => IpAddr::V4(INTERNET_HOST),
            };
            let dst = resolve_addr(&ec2, &script, &a.dst, &format!("{key}.dst"))?;
            steer.push(Some(FlowSteer {
                from,
                key: Key {
                    src,
                    dst,
                    proto: a.proto,
                    src_port: a.src_port,
                    dst_port: a.dst_port,
                },
                via_source_eni: a.via_source_eni,
                cache: [(u64::MAX, None), (u64::MAX, None)],
                route: [(u64::MAX, 0); 2],
            }));
        }
        let warnings = ec2.warnings().into_iter().map(|w| w.message).collect();
        let mut rt = VpcRt {
            tables: Tables::default(),
            ec2,
            script,
            timeline: cfg.timeline.clone(),
            timing: cfg.timing,
            vm_of,
            elsewhere,
            exits: Vec::new(),
            arrivals: BTreeMap::new(),
            host: cfg.host,
            routes,
            epoch: 0,
            in_transit: BTreeMap::new(),
            allowances: Vec::new(),
            pps_allowance: cfg.pps_allowance,
            conntrack_allowance: cfg.conntrack_allowance,
            burst_s: cfg.burst_s,
            tracked: Vec::new(),
            flows: steer,
            segments: Segments::default(),
            slot_of: BTreeMap::new(),
            route_of: BTreeMap::new(),
            transitions: Vec::new(),
            pending: vec![0; cfg.timeline.len()],
            transits: Vec::new(),
            log: Vec::new(),
            log_of: vec![None; cfg.timeline.len()],
            warnings,
        };
        rt.recompile();
        Ok(rt)
    }

    /// The devices a host of `vms` VMs needs for this VPC, as (VM, device
    /// index), sorted: every VM's primary device (index 0, also the device of
    /// flows that name a VM rather than addresses), then a device for each
    /// ENI the setup attached at another index, and for each index a
    /// timeline attachment names (a device is made for the whole run: a
    /// hot-plug reuses its slot, and a detached ENI's VF is not handed to
    /// another instance during the run).
    pub fn devices(&self, vms: u32) -> Vec<(u32, u32)> {
        let mut out: BTreeSet<(u32, u32)> = BTreeSet::new();
        for e in self.ec2.eni_views() {
            let at = e.attachment.as_ref();
            if let Some(&vm) = at.and_then(|a| self.vm_of.get(&a.instance)) {
                let key = at.map_or(0, |a| device_key(a.network_card_index, a.device_index));
                out.insert((vm, key));
            }
        }
        for t in &self.timeline {
            if let Ok(crate::vpc::Action::AttachNetworkInterface(a)) = self.script.action(t.step) {
                let vm = a.instance_id.as_ref().and_then(|i| self.vm_of.get(i));
                if let (Some(&vm), Some(d)) = (vm, a.device_index) {
                    out.insert((vm, device_key(a.network_card_index.unwrap_or(0), d)));
                }
            }
        }
        let primaries = (0..vms).map(|v| (v, 0));
        let others = out.into_iter().filter(|&(v, d)| v < vms && d > 0);
        primaries.chain(others).collect()
    }

    /// Gives the routes between the wire and the host's `devices` (in the
    /// order of [`VpcRt::devices`]).
    pub fn set_segments(&mut self, segments: Segments, devices: &[(u32, u32)]) {
        self.slot_of = devices
            .iter()
            .enumerate()
            .map(|(i, &d)| (d, i as u32))
            .collect();
        self.segments = segments;
        self.route_of.clear();
    }

    /// Puts `ip` in transit for timeline entry `k`; what ends the transit
    /// after the reassignment time.
    fn start_transit(&mut self, k: usize, ip: IpAddr) -> Follow {
        *self.in_transit.entry(ip).or_default() += 1;
        self.transits.push((k, ip));
        self.pending[k] += 1;
        Follow::Transit((self.transits.len() - 1) as u32, self.timing.reassign)
    }

    /// Rebuilds the tables after a control-plane change.
    fn recompile(&mut self) {
        let moving: BTreeSet<IpAddr> = self.in_transit.keys().copied().collect();
        self.tables = Tables::compile(
            &self.ec2,
            &self.vm_of,
            &self.elsewhere,
            &moving,
            &self.routes,
        );
        let views = self.ec2.instance_views();
        while self.allowances.len() < views.len() {
            let v = &views[self.allowances.len()];
            self.allowances.push(allowance(
                v.baseline_gbps,
                v.peak_gbps,
                self.burst_s,
                self.pps_allowance,
            ));
            self.tracked.push(BTreeSet::new());
        }
        self.epoch += 1;
    }

    /// The timeline entries to schedule at the start: `(entry, at)`.
    pub fn initial(&self) -> Vec<(u16, SimDuration)> {
        let mut out = Vec::new();
        for (k, t) in self.timeline.iter().enumerate() {
            if let Some(at) = t.at {
                out.push((k as u16, at));
            }
        }
        out
    }

    /// Runs timeline entry `k` at `now`.
    pub fn run_entry(&mut self, k: u16, now: SimTime) -> Vec<Follow> {
        let k = k as usize;
        let step = self.timeline[k].step;
        let action = self.script.action_name(step).to_owned();
        let at_us = now.as_ps() as f64 / 1e6;
        let mut follow = Vec::new();
        let public_before = self.tables.public_map().clone();
        let outcome = self.script.run(step, &mut self.ec2, false);
        self.log_of[k] = Some(self.log.len());
        let applied = match outcome {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                self.log.push(ControlRecord {
                    action,
                    at_us,
                    result: e.code.to_owned(),
                    message: Some(e.message),
                    completed_us: None,
                });
                follow.extend(self.next_after(k));
                return follow;
            }
            Err(e) => {
                self.log.push(ControlRecord {
                    action,
                    at_us,
                    result: "InvalidParameter".into(),
                    message: Some(e.to_string()),
                    completed_us: None,
                });
                follow.extend(self.next_after(k));
                return follow;
            }
        };
        for t in applied.started {
            let d = match t {
                Transition::Attached(_) => self.timing.attach,
                Transition::Detached(_) => self.timing.detach,
                Transition::Running(_) | Transition::Stopped(_) | Transition::Terminated(_) => {
                    self.timing.instance
                }
            };
            self.transitions.push((k, t));
            self.pending[k] += 1;
            follow.push(Follow::Complete((self.transitions.len() - 1) as u32, d));
        }
        for r in applied.reassigned {
            for ip in std::iter::once(IpAddr::V4(r.address)).chain(r.elastic_ip.map(IpAddr::V4)) {
                follow.push(self.start_transit(k, ip));
            }
        }
        // A public address whose translation changed (an Elastic IP
        // reassociated, or moved with its private address) is in transit.
        self.recompile();
        let moved: Vec<IpAddr> = public_before
            .iter()
            .filter(|(ip, target)| {
                self.tables
                    .public_map()
                    .get(ip)
                    .is_some_and(|now| now != *target)
                    && !self.in_transit.contains_key(ip)
            })
            .map(|(ip, _)| *ip)
            .collect();
        if !moved.is_empty() {
            for ip in moved {
                follow.push(self.start_transit(k, ip));
            }
            // Packets for those addresses are dropped from now on.
            self.recompile();
        }
        self.log.push(ControlRecord {
            action,
            at_us,
            result: "ok".into(),
            message: None,
            completed_us: (self.pending[k] == 0).then_some(at_us),
        });
        if self.pending[k] == 0 {
            follow.extend(self.next_after(k));
        }
        follow
    }

    /// The next entry, if it waits for entry `k`.
    fn next_after(&self, k: usize) -> Option<Follow> {
        self.timeline
            .get(k + 1)
            .filter(|t| t.at.is_none())
            .map(|_| Follow::Run((k + 1) as u16))
    }

    fn settle(&mut self, k: usize, now: SimTime) -> Option<Follow> {
        self.pending[k] -= 1;
        self.recompile();
        if self.pending[k] > 0 {
            return None;
        }
        let at_us = now.as_ps() as f64 / 1e6;
        if let Some(r) = self.log_of[k].and_then(|i| self.log.get_mut(i)) {
            r.completed_us = Some(at_us);
        }
        self.next_after(k)
    }

    /// Completes transition `i`.
    pub fn complete(&mut self, i: u32, now: SimTime) -> Option<Follow> {
        let (k, t) = self.transitions[i as usize].clone();
        self.ec2.complete(&t);
        self.settle(k, now)
    }

    /// Ends transit `i`.
    pub fn transit_done(&mut self, i: u32, now: SimTime) -> Option<Follow> {
        let (k, ip) = self.transits[i as usize];
        if let Some(n) = self.in_transit.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.in_transit.remove(&ip);
            }
        }
        self.settle(k, now)
    }

    /// True if flow `flow` is addressed.
    pub fn is_addressed(&self, flow: usize) -> bool {
        self.flows.get(flow).is_some_and(Option::is_some)
    }

    /// Decides a packet of `bytes` born at `now` on addressed flow `flow`:
    /// the forward direction, or (`reply`) the answer sent back by the
    /// instance that received the forward direction. Returns the route index
    /// into `routes` (extended with a new concatenation the first time a
    /// combination of hops is used), or `None` for a journey that starts on
    /// another host of the rack: a packet from beyond the rack to an
    /// instance there, whose copy of the VPC takes it (every host decides
    /// every such packet alike, so each is taken by one host), or an answer
    /// whose source address is there now (the engine drops it).
    pub fn steer(
        &mut self,
        flow: usize,
        reply: bool,
        bytes: u32,
        now: SimTime,
        routes: &mut Vec<Box<[Step]>>,
    ) -> Result<Option<u32>, DropReason> {
        let j = self.journey(flow, reply)?;
        self.admit(flow, &j, bytes, now)?;
        let hops = j.hops();
        // Another host sends it, or takes it from beyond the rack (every
        // host decides it alike).
        if let [Hop::Rack { .. }, ..] | [Hop::Wire, Hop::Rack { .. }, ..] = hops {
            return Ok(None);
        }
        let (epoch, idx) = (self.epoch, reply as usize);
        if let Some(f) = &self.flows[flow] {
            if f.route[idx].0 == epoch {
                return Ok(Some(f.route[idx].1));
            }
        }
        if let Some(&r) = self.route_of.get(hops) {
            self.remember_route(flow, idx, r);
            return Ok(Some(r));
        }
        let (steps, exit) = self.route_steps(hops, Vec::new())?;
        let r = self.add_route(routes, steps, exit);
        self.route_of.insert(hops.to_vec(), r);
        self.remember_route(flow, idx, r);
        Ok(Some(r))
    }

    /// The steps along `hops` after `start` (each hop here, or the wire,
    /// until one on another host of the rack: the route then ends where
    /// the switch takes the packet, and the [`Exit`] says where it goes on).
    fn route_steps(
        &self,
        hops: &[Hop],
        mut steps: Vec<Step>,
    ) -> Result<(Vec<Step>, Option<Exit>), DropReason> {
        // Every device an attachment can reach was made at the start
        // (`devices`); a hop without one finds no attachment.
        let slot = |h: Hop| match h {
            Hop::Vm(v, d) => self
                .slot_of
                .get(&(v, d))
                .map(|&s| s as usize)
                .ok_or(DropReason::NoAttachment),
            Hop::Wire | Hop::Rack { .. } => Ok(usize::MAX),
        };
        let seg = &self.segments;
        for (k, w) in hops.windows(2).enumerate() {
            match (w[0], w[1]) {
                (Hop::Wire, b @ Hop::Vm(..)) => steps.extend_from_slice(&seg.rx[slot(b)?]),
                (a @ Hop::Vm(..), Hop::Wire) => steps.extend_from_slice(&seg.tx[slot(a)?]),
                // One VM's stack routes between its own interfaces.
                (Hop::Vm(a, _), Hop::Vm(b, _)) if a == b => {}
                (a @ Hop::Vm(..), b @ Hop::Vm(..)) => {
                    steps.extend_from_slice(&seg.v2v[slot(a)?][slot(b)?])
                }
                // On to another host: through the NIC to the switch, which
                // hands it to that host with the hops still to go. After the
                // wire (an appliance outside the rack, which the packet left
                // through this host's NIC to reach: its steps are in the
                // route already), the switch hands it back to that host.
                // A journey that starts on another host, or at the wire to
                // another host's device, is that host's (`steer` returns
                // before; `arrival_route` starts at a device here).
                (Hop::Rack { .. }, _) => return Err(DropReason::NoRoute),
                (Hop::Wire, Hop::Rack { .. }) if k == 0 => return Err(DropReason::NoRoute),
                (a, Hop::Rack { host, vm, dev }) => {
                    if let Hop::Vm(..) = a {
                        steps.extend_from_slice(&seg.tx_rack[slot(a)?]);
                    }
                    let rest = &hops[k + 2..];
                    let mut then = Then::default();
                    for (t, &h) in then.hops.iter_mut().zip(rest) {
                        *t = self.global(h);
                    }
                    // A journey has at most four hops, two behind this one.
                    debug_assert!(rest.len() <= then.hops.len(), "{hops:?}");
                    then.len = rest.len().min(then.hops.len()) as u8;
                    return Ok((
                        steps,
                        Some(Exit {
                            host,
                            vm,
                            dev,
                            then,
                        }),
                    ));
                }
                (Hop::Wire, Hop::Wire) => return Err(DropReason::NoRoute),
            }
        }
        Ok((steps, None))
    }

    /// `hop` as every host names it: a device of this host as [`Hop::Rack`]
    /// with this host's index.
    fn global(&self, hop: Hop) -> Hop {
        match hop {
            Hop::Vm(vm, dev) => Hop::Rack {
                host: self.host,
                vm,
                dev,
            },
            h => h,
        }
    }

    /// `hop` as this host names it: a device of this host as [`Hop::Vm`].
    fn local(&self, hop: Hop) -> Hop {
        match hop {
            Hop::Rack { host, vm, dev } if host == self.host => Hop::Vm(vm, dev),
            h => h,
        }
    }

    /// Adds a route of `steps` that leaves through the switch at its end if
    /// `exit` says so; returns its index.
    fn add_route(
        &mut self,
        routes: &mut Vec<Box<[Step]>>,
        steps: Vec<Step>,
        exit: Option<Exit>,
    ) -> u32 {
        routes.push(steps.into_boxed_slice());
        let r = (routes.len() - 1) as u32;
        if let Some(x) = exit {
            self.exits.resize(routes.len(), None);
            self.exits[r as usize] = Some(x);
        }
        r
    }

    /// Where route `route` leaves through the rack's switch, if it does.
    #[inline]
    pub fn exit(&self, route: u32) -> Option<Exit> {
        self.exits.get(route as usize).copied().flatten()
    }

    /// The route from the switch's port to device `dev` of VM `vm` here (a
    /// packet another host of the rack sent to it), and on along `then` (an
    /// appliance here forwards it to the wire, to a VM here, or to another
    /// host), made on first use; `None` if this host has no such device or
    /// the hops cannot be taken.
    pub fn arrival_route(
        &mut self,
        vm: u32,
        dev: u32,
        then: Then,
        routes: &mut Vec<Box<[Step]>>,
    ) -> Option<u32> {
        if let Some(&r) = self.arrivals.get(&(vm, dev, then)) {
            return Some(r);
        }
        let slot = *self.slot_of.get(&(vm, dev))? as usize;
        let mut hops = vec![Hop::Vm(vm, dev)];
        hops.extend(then.hops().iter().map(|&h| self.local(h)));
        let start = self.segments.rx_rack.get(slot)?.clone();
        let (steps, exit) = self.route_steps(&hops, start).ok()?;
        let r = self.add_route(routes, steps, exit);
        self.arrivals.insert((vm, dev, then), r);
        Some(r)
    }

    /// The allowances of every instance journey `j` crosses, all or none: a
    /// packet of `bytes` on flow `flow` at `now` passes only if every check
    /// does — the connection allowance at each instance, then per outbound
    /// instance (sender, appliance) its outbound bandwidth and packet rate,
    /// then per inbound instance (appliance, receiver) its inbound bandwidth
    /// and packet rate — and only then takes its tokens and records its
    /// connection. Otherwise it takes nothing and is dropped with the reason
    /// of the first failing check. An instance the journey crosses twice (an
    /// appliance; a VM sending to itself) is charged twice: each check asks
    /// its bucket for everything the checks before it on the same bucket
    /// would have taken, plus its own.
    fn admit(
        &mut self,
        flow: usize,
        j: &Journey,
        bytes: u32,
        now: SimTime,
    ) -> Result<(), DropReason> {
        // In check order; the first two are outbound.
        let crossed = [j.out[0], j.out[1], j.inbound[0], j.inbound[1]];
        if let Some(limit) = self.conntrack_allowance {
            // The flow is one connection at every instance it crosses; a new
            // one beyond the allowance is refused.
            for &i in crossed.iter().flatten() {
                let t = &self.tracked[i as usize];
                if !t.contains(&flow) && t.len() as u64 >= limit {
                    return Err(DropReason::ConntrackAllowanceExceeded);
                }
            }
        }
        let bits = bytes as u64 * 8;
        let times = |among: &[Option<u32>], i: u32| {
            1 + among.iter().filter(|&&x| x == Some(i)).count() as u64
        };
        for (k, &i) in crossed.iter().enumerate() {
            let Some(i) = i else { continue };
            let outbound = k < 2;
            // Earlier charges on this instance's bandwidth bucket of this
            // direction, and on its packet-rate bucket (both directions).
            let same_direction = if outbound {
                &crossed[..k]
            } else {
                &crossed[2..k]
            };
            let bw_n = times(same_direction, i);
            let pps_n = times(&crossed[..k], i);
            let a = &mut self.allowances[i as usize];
            let (bw, reason) = if outbound {
                (&mut a.bw_out, DropReason::BwOutAllowanceExceeded)
            } else {
                (&mut a.bw_in, DropReason::BwInAllowanceExceeded)
            };
            if !bw.holds(now, bw_n * bits) {
                return Err(reason);
            }
            if a.pps.as_mut().is_some_and(|p| !p.holds(now, pps_n)) {
                return Err(DropReason::PpsAllowanceExceeded);
            }
        }
        // Every check passed: take.
        for (k, &i) in crossed.iter().enumerate() {
            let Some(i) = i else { continue };
            let a = &mut self.allowances[i as usize];
            let bw = if k < 2 { &mut a.bw_out } else { &mut a.bw_in };
            let taken = bw.take(now, bits) && a.pps.as_mut().is_none_or(|p| p.take(now, 1));
            debug_assert!(taken, "admitted, so every bucket holds its share");
        }
        if self.conntrack_allowance.is_some() {
            // Allocates only the first time a flow reaches an instance.
            for &i in crossed.iter().flatten() {
                self.tracked[i as usize].insert(flow);
            }
        }
        Ok(())
    }

    fn remember_route(&mut self, flow: usize, idx: usize, route: u32) {
        let epoch = self.epoch;
        if let Some(f) = self.flows[flow].as_mut() {
            f.route[idx] = (epoch, route);
        }
    }

    fn journey(&mut self, flow: usize, reply: bool) -> Result<Journey, DropReason> {
        let epoch = self.epoch;
        let idx = reply as usize;
        if let Some(f) = &self.flows[flow] {
            if let (e, Some(d)) = &f.cache[idx] {
                if *e == epoch {
                    return *d;
                }
            }
        }
        let decision = if reply {
            // The answer leaves the instance that received the request.
            let fwd = self.journey(flow, false)?;
            let f = self.flows[flow].as_ref().expect("addressed flow");
            // It leaves from the address the request reached inside the VPC
            // (an Elastic IP's private address); the edge maps it back.
            let key = Key {
                src: fwd.dst,
                ..f.key.reversed()
            };
            match fwd.inbound[1] {
                Some(server) => self
                    .tables
                    .journey(Some(server), &key, true, f.via_source_eni),
                None => {
                    // The server is on the internet: its answer comes back to
                    // the public address the edge gave the request.
                    let key = Key {
                        src: f.key.dst,
                        dst: fwd.src_public.ok_or(DropReason::NoRoute)?,
                        ..f.key.reversed()
                    };
                    let mut r = self.tables.journey(None, &key, true, false)?;
                    // Through a NAT appliance, which hands it on to the client.
                    if let (Some(nat), Some(client)) = (fwd.out[1], fwd.out[0]) {
                        let client_hop = fwd.hops[0];
                        if r.hops().last() != Some(&client_hop) && (r.len as usize) < r.hops.len() {
                            r.hops[r.len as usize] = client_hop;
                            r.len += 1;
                        }
                        r.out = [Some(nat), None];
                        r.inbound = [Some(nat), Some(client)];
                    }
                    Ok(r)
                }
            }
        } else {
            let f = self.flows[flow].as_ref().expect("addressed flow");
            let from = match &f.from {
                Some(id) => Some(
                    self.tables
                        .instance_index(id)
                        .ok_or(DropReason::NoAttachment)?,
                ),
                None => None,
            };
            self.tables.journey(from, &f.key, false, f.via_source_eni)
        };
        if let Some(f) = self.flows[flow].as_mut() {
            f.cache[idx] = (epoch, Some(decision));
        }
        decision
    }

    /// Every ENI as the run ends.
    pub fn enis(&self) -> Vec<EniSummary> {
        self.ec2
            .eni_views()
            .into_iter()
            .map(|e| {
                let instance = e.attachment.as_ref().map(|a| a.instance.clone());
                EniSummary {
                    id: e.id.as_str().to_owned(),
                    mac: e.mac.to_string(),
                    addresses: e
                        .private_ipv4
                        .iter()
                        .map(|p| p.address.to_string())
                        .chain(e.ipv6.iter().map(|a| a.to_string()))
                        .collect(),
                    public: e
                        .private_ipv4
                        .iter()
                        .filter_map(|p| p.public.as_ref().map(|x| x.address.to_string()))
                        .collect(),
                    vm: instance.as_ref().and_then(|i| self.vm_of.get(i).copied()),
                    host: None,
                    instance: instance.map(|i| i.as_str().to_owned()),
                    status: e.status.name().to_owned(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::RouteConfig;
    use crate::sim::PS_PER_SEC;

    /// A NAT in the public subnet (its check off, an Elastic IP) and an app
    /// in the private one (an Elastic IP of its own), each group letting the
    /// VPC in.
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
name = "public"

[[actions]]
action = "CreateSubnet"
VpcId = "$vpc"
CidrBlock = "10.0.2.0/24"
AvailabilityZone = "us-east-1a"
name = "private"

[[actions]]
action = "AuthorizeSecurityGroupIngress"
GroupId = "$vpc.sg"
IpPermissions = [{ IpProtocol = "-1", IpRanges = [{ CidrIp = "10.0.0.0/16" }] }]

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$public"
PrivateIpAddress = "10.0.1.10"
name = "nat"

[[actions]]
action = "ModifyNetworkInterfaceAttribute"
NetworkInterfaceId = "$nat.eni0"
SourceDestCheck = false

[[actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "nat-ip"

[[actions]]
action = "AssociateAddress"
AllocationId = "$nat-ip"
InstanceId = "$nat"

[[actions]]
action = "RunInstances"
ImageId = "ami-12345678"
InstanceType = "m5.large"
SubnetId = "$private"
PrivateIpAddress = "10.0.2.10"
name = "app"

[[actions]]
action = "AllocateAddress"
Domain = "vpc"
name = "app-ip"

[[actions]]
action = "AssociateAddress"
AllocationId = "$app-ip"
InstanceId = "$app"
"#;

    /// TCP from `app` to `dst`.
    fn from_app(dst: &str) -> FlowAddr {
        FlowAddr {
            from: Some("$app".into()),
            src: None,
            dst: dst.into(),
            proto: 6,
            src_port: 40000,
            dst_port: 443,
            via_source_eni: false,
        }
    }

    /// SETUP with `app` as VM 0, `nat` as VM 1; with `nat_route`, the
    /// private subnet's 0.0.0.0/0 goes to the NAT.
    fn build(
        nat_route: bool,
        pps: Option<u64>,
        conntrack: Option<u64>,
        burst_s: f64,
        flows: &[FlowAddr],
    ) -> VpcRt {
        let cfg = VpcConfig {
            script: Script::parse("t.toml", SETUP).unwrap(),
            setup: 11,
            timeline: vec![],
            seed: 1,
            vms: vec![("app".into(), 0), ("nat".into(), 1)],
            places: vec![],
            host: 0,
            routes: if nat_route {
                vec![RouteConfig {
                    subnet: "$private".into(),
                    destination: "0.0.0.0/0".parse().unwrap(),
                    target: "$nat.eni0".into(),
                }]
            } else {
                vec![]
            },
            timing: ControlTiming {
                attach: SimDuration::ZERO,
                detach: SimDuration::ZERO,
                reassign: SimDuration::ZERO,
                instance: SimDuration::ZERO,
            },
            pps_allowance: pps,
            conntrack_allowance: conntrack,
            burst_s,
        };
        let addrs: Vec<Option<&FlowAddr>> = flows.iter().map(Some).collect();
        let mut rt = VpcRt::build(&cfg, &addrs).unwrap_or_else(|e| panic!("{e}"));
        let devices = rt.devices(2);
        let n = devices.len();
        let segments = Segments {
            rx: vec![vec![]; n],
            tx: vec![vec![]; n],
            v2v: vec![vec![vec![]; n]; n],
            ..Segments::default()
        };
        rt.set_segments(segments, &devices);
        rt
    }

    fn index(rt: &VpcRt, name: &str) -> usize {
        let id = InstanceId(rt.script.id(name).unwrap().to_owned());
        rt.tables.instance_index(&id).unwrap() as usize
    }

    /// (pps tokens, outbound peak tokens, outbound credit tokens, inbound
    /// peak tokens) of instance `i`.
    fn tokens(rt: &VpcRt, i: usize) -> (u64, u64, u64, u64) {
        let a = &rt.allowances[i];
        (
            a.pps.as_ref().map_or(u64::MAX, TokenBucket::tokens),
            a.bw_out.peak.tokens(),
            a.bw_out.credits.tokens(),
            a.bw_in.peak.tokens(),
        )
    }

    #[test]
    fn a_packet_a_later_check_drops_takes_no_tokens_and_records_no_connection() {
        // 1,000 packets/s with a burst of 1 packet; one connection each.
        let flows = [from_app("198.18.0.50"), from_app("10.0.1.10")];
        let mut rt = build(true, Some(1000), Some(1), 300.0, &flows);
        let (app, nat) = (index(&rt, "app"), index(&rt, "nat"));
        let mut routes = Vec::new();
        let t0 = SimTime::ZERO;
        let full = (tokens(&rt, app), tokens(&rt, nat));
        assert_eq!((full.0 .0, full.1 .0), (1, 1));
        // To the internet through the NAT: the NAT's packet-rate bucket is
        // asked for 2 tokens (in, then out) and holds 1. Dropped at the
        // NAT's inbound check, after the app's and the NAT's outbound
        // checks passed: nothing is taken, no connection recorded.
        assert_eq!(
            rt.steer(0, false, 1500, t0, &mut routes),
            Err(DropReason::PpsAllowanceExceeded)
        );
        assert_eq!((tokens(&rt, app), tokens(&rt, nat)), full);
        assert!(rt.tracked.iter().all(BTreeSet::is_empty));
        // So the app's one connection and the tokens are there for a flow
        // that fits: to the NAT's own address, directly (the local route).
        assert!(rt.steer(1, false, 1500, t0, &mut routes).is_ok());
        assert_eq!(tokens(&rt, app).0, 0);
        assert_eq!(tokens(&rt, nat).0, 0);
        assert_eq!(tokens(&rt, app).1, full.0 .1 - 1500 * 8);
        assert_eq!(tokens(&rt, nat).3, full.1 .3 - 1500 * 8);
        assert!(rt.tracked[app].contains(&1) && rt.tracked[nat].contains(&1));
        // Its next packet finds no packet-rate token: its bandwidth stays.
        let before = (tokens(&rt, app), tokens(&rt, nat));
        assert_eq!(
            rt.steer(1, false, 1500, t0, &mut routes),
            Err(DropReason::PpsAllowanceExceeded)
        );
        assert_eq!((tokens(&rt, app), tokens(&rt, nat)), before);
        // A second connection at the app is refused first, whatever else.
        assert_eq!(
            rt.steer(0, false, 64, SimTime::from_ps(PS_PER_SEC), &mut routes),
            Err(DropReason::ConntrackAllowanceExceeded)
        );
    }

    #[test]
    fn a_packet_the_pps_check_drops_takes_no_bandwidth() {
        // The app sends 1500 B frames to the internet (through its Elastic
        // IP) at 100,000/s for 100 ms: 1.2 Gbit/s against a bandwidth of
        // 0.75 Gbit/s (m5.large's baseline, no burst credits, a 10 Mbit
        // bucket) and 40,000 packets/s (a bucket of 40). The packet rate
        // lets 40 + 40,000 × 0.1 s through, 0.48 Gbit/s: the bandwidth
        // never runs out, if the packets the rate drops take none of it.
        let mut rt = build(false, Some(40_000), None, 0.0, &[from_app("198.18.0.50")]);
        let mut routes = Vec::new();
        let mut passed = 0u64;
        let mut dropped: BTreeMap<DropReason, u64> = BTreeMap::new();
        for k in 0..10_000u64 {
            match rt.steer(
                0,
                false,
                1500,
                SimTime::from_ps(k * 10_000_000),
                &mut routes,
            ) {
                Ok(_) => passed += 1,
                Err(r) => *dropped.entry(r).or_default() += 1,
            }
        }
        // The last packet is born at 99.99 ms: 3,999.6 tokens refilled.
        assert_eq!(passed, 40 + 3_999, "{dropped:?}");
        assert_eq!(
            dropped.into_iter().collect::<Vec<_>>(),
            vec![(DropReason::PpsAllowanceExceeded, 10_000 - passed)]
        );
    }
}
