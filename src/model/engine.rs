//! The event loop: moves every packet of every flow through its route.
//!
//! Events are a closed `Copy` enum ([`Ev`]) dispatched by `match`.
//! A packet costs at most one event per resource it visits (links, CPU pools,
//! rings), none when the visit is the next thing due (it moves on at once):
//! delays and IOMMU translations are folded into the step before, and a
//! resource visit computes start and end at once (see [`crate::sim::resource`]).
//! Packets live in a slab allocated when the host is built; the per-packet path
//! allocates nothing.
//!
//! ## Rings, interrupts and polling (NAPI)
//! A packet that reaches a ring waits in it. If the ring's consumer is idle,
//! the ring schedules a notification at `max(arrival + delay, last
//! notification + interval)` (interrupt moderation: a fixed interval, or
//! ixgbe's adaptive one). The notification's work (exits, injection,
//! handler) runs on its pool; then the consumer polls: it takes up to
//! `napi_budget` packets back to back, does each one's work, and goes on
//! while the ring is not empty — packets arriving meanwhile need no new notification
//! (NAPI; virtio's notification suppression is the same rule). When the ring
//! is empty the consumer does its batch-end work (an e1000's tail write) and
//! goes idle.
//!
//! ## Books
//! Every packet is generated, then delivered, dropped (with a reason) or still
//! in flight when the run stops; [`run`] checks generated = delivered +
//! dropped + in flight for every flow and for the slab, and panics if not (a
//! broken invariant, STYLE.md point 9). Debug builds also check that each
//! delivered packet's per-stage times add up to its latency exactly.
//!
//! ## A packet cap's window
//! With `run.packets = n` the window ends 1 ps after the n-th open-loop
//! birth, T (so throughput is over the span traffic was offered). The run
//! does not know T until it gets there, and finding it first by replaying
//! the arrival streams cost as much again as drawing them (1.21× on the
//! wire-only bench). So until T is known the window's end is the duration
//! cap, tentatively ([`Tentative`]); when T is known, at the n-th birth at
//! the latest ([`Engine::end_window`]), everything the run did that
//! depends on where the window ends is set to what it would have been with
//! T + 1 ps from the start (the plain run, which tests still make:
//! [`nth_birth`]). That is exact because, until then, the clock is at most
//! T (the window ends after now + 1 ps), so a comparison of
//! the present with the window or the horizon comes out the same; an event
//! no later than T is always pending (the n-th birth), so carrying on never
//! looks past T; and what concerns a later time is noted, to be corrected:
//! - pushes the plain run makes only before the window's end (births,
//!   requests, a stream's start) or up to the horizon (TCP timers): those
//!   past it are taken out of the queue, never run and never counted;
//! - deliveries at a route's end: booked at once when certainly within
//!   the horizon (no later than the floor below + drain), else held until
//!   they are, or until T says whether they are (if not, they wait as
//!   events past the horizon, as in the plain run);
//! - the most events pending at once: followed from push to push of the
//!   above, with the difference each makes to the plain run's queue;
//! - the in-window parts of deliveries and of CPU work ending after the
//!   floor, recomputed; busy time on links and pools, which needs no record
//!   ([`crate::sim::FcfsPool::shrink_window`]).
//!
//! Noting all that for every packet would cost about what the replay did,
//! so the open-loop flows draw their births up to [`AHEAD`] ahead (each
//! from its own stream: drawing sooner changes no draw; at most
//! [`ahead_max`] a flow). Every birth up to the earliest of the flows' last
//! drawn births, h, is then known: T is found among them once the births
//! still to come are (about a millisecond before T), and the window ends
//! there and then; until then T is after h, a floor below which nothing
//! is noted ([`Engine::floor`]). What is noted is what reaches past it —
//! work queued for longer than the look-ahead, timers, long think times —
//! and the corrections above do the rest (a test draws two births ahead, to
//! make them do it all).

use super::config::{
    Client, FlowConfig, FlowKind, HostConfig, IoPath, Stages, MAX_VPC_DEVICES, MAX_VPC_VMS,
};
use super::error::{too_many_devices, BuildError};
use super::host::{nic_count, serve_step, HostBuilder, VmDev};
use super::hw::iommu::DmaRegion;
use super::hw::{Iotlb, Link};
use super::pipeline::{
    CpuClass, NotifyKind, Part, Per, RingSpec, Step, StepKind, Units, Work, ONCE,
};
use super::rss;
use super::tcp::{AckPlan, Burst, Receiver, Sacks, Sender, TcpParams, ACK_BYTES, FRAME_OVERHEAD};
use super::traffic::{ArrivalGen, SizeGen};
use super::virt;
use super::virt::Device;
use super::vpc_rt::{Follow, Segments, Then, VpcRt};
use crate::metrics::record::{flow_latency_histogram, latency_histogram, summarize, BacklogCounts};
use crate::metrics::{
    CpuUse, DeliverySeries, DropReason, FlowResult, IotlbUse, PathResult, Recorder, ResourceUse,
    RingUse, SimSpeed, Stage, StageMean, TcpResult,
};
use crate::sim::{
    Admission, BitsPerSec, EventQueue, FcfsPool, FixedRing, Rng, SimDuration, SimTime,
};
use hdrhistogram::Histogram;
use std::collections::{BTreeMap, VecDeque};

/// The flows' routes, each kept once: flows whose packets take the same
/// steps share one route (in a rack, the fifteen halves of an all-to-all
/// flow that leave one VM, or that arrive at one, are the same steps). A
/// step is 216 B (it carries its work inline), and loading the step a
/// packet takes next was the most missed load of the 16-host rack under
/// cachegrind: sharing cut that rack's routes from 76 to 16 a host and its
/// L2 misses from 4.0 to 2.5 million, though not its wall time (README.md,
/// "A rack in parallel"). A flow's own routes (its streams', its main one, its reverse)
/// stay distinct from one another, since a packet's route says which of
/// them it took ([`Engine::hand_off`]). Only the flows' routes are shared:
/// the VPC's are its own (it tells its exits by route).
#[derive(Default)]
struct Interned {
    ids: std::collections::HashMap<Box<[Step]>, u32>,
}

impl Interned {
    /// The id of a route with `steps`, pushing it onto `routes` unless an
    /// equal one is there and is none of `own` (the flow's routes so far).
    fn add(&mut self, routes: &mut Vec<Box<[Step]>>, steps: Vec<Step>, own: &[u32]) -> u32 {
        let steps = steps.into_boxed_slice();
        if let Some(&id) = self.ids.get(&steps) {
            if !own.contains(&id) {
                return id;
            }
            routes.push(steps);
            return (routes.len() - 1) as u32;
        }
        routes.push(steps.clone());
        let id = (routes.len() - 1) as u32;
        self.ids.insert(steps, id);
        id
    }
}

/// An event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    /// An open-loop flow's next packet is born.
    Gen(u32),
    /// A request/response flow's client sends a request from a slot.
    RrSend(u32, u16),
    /// A request/response slot's timer expires (stale if the response came).
    RrTimeout(u32, u16),
    /// A packet arrives at its current step (a resource).
    Arrive(u32),
    /// The head of a resource's FIFO of departed packets arrives at its
    /// next step (see [`Engine::fifos`]).
    Head(u32),
    /// A ring's notification fires.
    Notify(u16),
    /// A ring's consumer takes the next packet.
    Poll(u16),
    /// A packet reaches the end of its route (used when something follows).
    Deliver(u32),
    /// A timeline action of the VPC runs.
    Control(u16),
    /// A control-plane transition completes.
    Complete(u32),
    /// An address's move between ENIs completes.
    TransitDone(u32),
    /// A TCP stream's sender starts.
    TcpStart(u32),
    /// A TCP stream's retransmission timer (stale unless it is the armed
    /// time).
    TcpRto(u32),
    /// A TCP stream's delayed-ACK timer (stale unless it is the armed time).
    TcpDelack(u32),
    /// Bytes of a TCP stream's burst left its sending host (TCP small
    /// queues).
    TcpLeft(u32, u32),
}

/// What a packet is to its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Role {
    #[default]
    Data,
    Request,
    Response,
    /// A burst of TCP segments (its `seq` is its first byte).
    Segment,
    /// A TCP ACK (its `seq` is the cumulative ACK).
    Ack,
}

impl Role {
    /// Whether it goes back to its flow's sender (a response, an ACK), on
    /// the flow's reverse route.
    fn answers(self) -> bool {
        matches!(self, Role::Response | Role::Ack)
    }
}

/// A packet in flight.
#[derive(Clone, Copy, Debug, Default)]
struct Packet {
    /// When it was created.
    born: SimTime,
    /// When its request was created (request/response).
    rr_born: SimTime,
    /// When it arrived at its current step (rings).
    arrived: SimTime,
    flow: u32,
    route: u32,
    step: u32,
    /// Its frames, calls and bytes, which its steps' costs count.
    units: Units,
    role: Role,
    /// It holds a descriptor of the ring its next step fills (see
    /// [`Step::fills`]).
    holds_slot: bool,
    /// TCP: a segment burst's first byte, an ACK's cumulative ACK.
    seq: u64,
    /// TCP: an ACK's SACK blocks.
    sacks: Sacks,
    /// TCP: a burst a VM sent that has not left its host (counted in its
    /// stream's small-queue bytes).
    local: bool,
    /// Request/response: the client slot and its request number.
    rr_slot: u16,
    rr_seq: u32,
    /// Time spent per stage \[ps\].
    stage_ps: [u64; Stage::COUNT],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RingState {
    Idle,
    Notifying,
    Polling,
}

#[derive(Debug)]
struct RingRt {
    pending: FixedRing<u32>,
    /// Descriptors taken by packets on their way into the ring (a DMA in
    /// flight, a backend copying), one per frame.
    reserved: u32,
    /// Descriptors the pending packets hold, one per frame:
    /// `queued + reserved ≤ slots`.
    queued: u32,
    state: RingState,
    last_notify: Option<SimTime>,
    /// Packets consumed since the last notification.
    batch: u32,
    /// The last poll ran deferred (as ksoftirqd), not as a softirq.
    deferred: bool,
    /// When the last notification's work ran.
    notified: Admission,
    /// Adaptive moderation (H8): the latency class (0 lowest, 1 low,
    /// 2 bulk) and the frame bytes that reached the ring since the last
    /// interrupt.
    itr_class: u8,
    itr_bytes: u64,
    /// Packets taken, notifications raised and polls run in all.
    packets: u64,
    notifications: u64,
    polls: u64,
}

#[derive(Debug)]
struct FlowRt {
    cfg: FlowConfig,
    route: u32,
    /// Open-loop flows over several 5-tuples: the routes of streams 1...
    stream_routes: Vec<u32>,
    /// A flow that leaves its host in a rack: each of `stream_routes` with
    /// its stream number (from 1), sorted by route, to tell a packet's
    /// stream when it is handed to the switch; empty otherwise.
    stream_of: Vec<(u32, u32)>,
    reverse: Option<u32>,
    arrivals: ArrivalGen,
    sizes: SizeGen,
    generated: u64,
    delivered: u64,
    dropped: u64,
    /// Drops by reason, indexed like [`DropReason::ALL`].
    dropped_by: [u64; DropReason::ALL.len()],
    live: u64,
    rtt: Option<Histogram<u64>>,
    rtt_sum_ps: u128,
    /// Open-loop flows: one-way latency of the flow's delivered packets.
    latency: Option<Histogram<u32>>,
    latency_sum_ps: u128,
    /// Request/response: round trips completed.
    completed: u64,
    /// Request/response: round trips completed within the traffic window.
    completed_in_window: u64,
    /// Request/response: requests whose response did not come in time.
    timeouts: u64,
    /// Request/response: one per request in flight at once.
    slots: Vec<RrSlot>,
    /// Packets the VPC data plane dropped at birth.
    lost: u64,
    /// Addressed flows: their deliveries are booked in time order (through
    /// [`Ev::Deliver`]) so that the gaps between them can be measured.
    tracks_gaps: bool,
    /// Birth of the flow's first packet.
    first_birth: Option<SimTime>,
    /// Addressed flows: time of the last delivery (open-loop) or completed
    /// round trip (request/response), and birth of the last packet the VPC
    /// dropped.
    last_delivery: Option<SimTime>,
    last_lost: Option<SimTime>,
    /// Addressed flows: the longest time between two consecutive deliveries
    /// (the first measured from the flow's first birth).
    longest_gap: SimDuration,
    /// In a rack, an addressed flow's runs of deliveries on this host.
    rack_gaps: Option<RackGaps>,
    /// In a rack, once merged: each host's `series` (empty otherwise).
    host_series: Vec<Vec<u32>>,
    /// In a rack: packets of this addressed flow another host handed over
    /// to this one (counted in `generated` here, and in `handed` there).
    injected: u64,
    /// Addressed flows: deliveries per bucket of `SERIES_BUCKET` (by
    /// delivery time), allocated at build; empty for other flows.
    series: Vec<u32>,
    /// TCP streams: the connection.
    tcp: Option<Box<TcpRt>>,
    /// Open-loop flows under a packet cap: its births drawn ahead, in
    /// order, from `ahead[ahead_at]`, the next (pending) one (see
    /// [`Engine::next_birth`]).
    ahead: Vec<SimTime>,
    ahead_at: usize,
    /// Its part in a rack: whether it leaves this host for another's, or
    /// comes from another's (see [`crate::model::rack`]).
    turn: Turn,
    /// Packets it handed to the switch for another host (a flow that
    /// leaves): an outcome of its books here, like a delivery.
    handed: u64,
    /// An open-loop flow: its packets count in the backlog that says
    /// whether the path is saturated ([`crate::metrics::Backlog`]; a closed
    /// loop's in flight is bounded by its window or its slots, and a TCP
    /// stream drops by design).
    open_loop: bool,
}

/// A flow's part in a rack, for the host running it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Turn {
    /// Both its ends are on this host (or beyond the switch).
    #[default]
    Local,
    /// It leaves: its route ends at the switch (its `tx` route without the
    /// hops beyond the rack), which forwards its packets to flow `flow` of
    /// host (logical process) `lp`. A request/response client's or TCP
    /// sender's half: its requests or bursts leave; the answers (responses,
    /// ACKs) come back from the switch on its reverse route, and end here.
    Leaves {
        /// The receiving host.
        lp: u32,
        /// The flow's index on the receiving host.
        flow: u32,
    },
    /// It arrives: packets come from the switch (its `rx` route from the
    /// switch's port on); it generates none itself.
    Arrives,
    /// The far half of a closed-loop flow between hosts (a request/response
    /// flow's server, a TCP stream's receiver): requests or bursts come
    /// from the switch on its route, and its answers (responses, ACKs), on
    /// its reverse route, end at the switch, which forwards them to flow
    /// `flow` of host `lp` (the client's or sender's half, which
    /// [`Turn::Leaves`]). It sends nothing of its own accord.
    Answers {
        /// The client's host.
        lp: u32,
        /// The flow's index on the client's host.
        flow: u32,
    },
    /// A copy of an addressed flow on a host other than the flow's own.
    /// Open-loop: every host generates its packets and runs the same VPC,
    /// so each decides each packet alike; a host keeps those the VPC sends
    /// to its own instances and forgets the rest (the flow's own host,
    /// [`Turn::Local`], books the VPC's drops). Request/response (from an
    /// instance): the client runs on the flow's own host alone; a copy
    /// sends nothing of its own accord, answers the requests the switch
    /// brings to its instances, and books the VPC's drops of its answers.
    Mirror,
}

/// A packet crossing the top-of-rack switch, from a flow that
/// [`Turn::Leaves`] to the one that [`Turn::Arrives`] (or
/// [`Turn::Answers`]) on another host, or back.
#[derive(Clone, Copy, Debug)]
pub(super) struct Crossing {
    /// The flow's index on the receiving host.
    pub flow: u32,
    /// Which of its streams' routes it takes (0: the flow's own).
    pub stream: u32,
    /// When it was born.
    pub born: SimTime,
    /// Its frames and bytes.
    pub units: Units,
    /// Time spent per stage so far \[ps\] (the switch's included).
    pub stage_ps: [u64; Stage::COUNT],
    /// An addressed flow's packet: the (VM, device index) it goes to on
    /// the receiving host, its birth number ([`RackGaps`]), and the hops
    /// after that device (an appliance there forwards it).
    pub to: Option<(u32, u32, u64, Then)>,
    /// What it is to its flow: an answer (a response) takes its flow's
    /// reverse route on the receiving host.
    role: Role,
    /// Request/response: when its request was created, its client slot
    /// and request number.
    rr_born: SimTime,
    rr_slot: u16,
    rr_seq: u32,
    /// TCP: a burst's first byte, an ACK's cumulative ACK and SACK blocks.
    seq: u64,
    sacks: Sacks,
}

/// A crossing received from another host, held until its time comes: in
/// (arrival, sending host, the sender's count) order, which does not depend
/// on when it was received.
#[derive(Clone, Copy, Debug)]
pub(super) struct Held {
    at: SimTime,
    from: u32,
    seq: u64,
    c: Crossing,
}

impl Held {
    fn key(&self) -> (SimTime, u32, u64) {
        (self.at, self.from, self.seq)
    }
}

impl PartialEq for Held {
    fn eq(&self, o: &Held) -> bool {
        self.key() == o.key()
    }
}

impl Eq for Held {}

impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Held) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Held {
    fn cmp(&self, o: &Held) -> std::cmp::Ordering {
        self.key().cmp(&o.key())
    }
}

/// Packets of one kind counted through a run: generated = delivered +
/// dropped + in flight (+ handed to the switch, on a rack's host).
#[derive(Clone, Copy, Debug, Default)]
struct Books {
    generated: u64,
    delivered: u64,
    dropped: u64,
    live: u64,
    /// Handed to the switch for another host (an outcome here).
    handed: u64,
    /// Taken in from the switch: counted as generated here too.
    injected: u64,
}

impl Books {
    fn born(&mut self, n: u64) {
        self.generated += n;
        self.live += n;
    }
    fn delivered(&mut self, n: u64) {
        self.delivered += n;
        self.live -= n;
    }
    fn dropped(&mut self, n: u64) {
        self.dropped += n;
        self.live -= n;
    }
    fn handed(&mut self, n: u64) {
        self.handed += n;
        self.live -= n;
    }
    fn taken_in(&mut self, n: u64) {
        self.injected += n;
        self.born(n);
    }
    fn balance(&self) -> bool {
        self.generated == self.delivered + self.dropped + self.live + self.handed
    }
    /// Adds the books of a flow's other half on another host: what either
    /// handed to the other and the other has not taken in is in flight
    /// between them; what was taken in was generated once.
    fn merge(&mut self, o: &Books) {
        let between = (self.handed - o.injected) + (o.handed - self.injected);
        self.generated = self.generated - self.injected + o.generated - o.injected;
        self.delivered += o.delivered;
        self.dropped += o.dropped;
        self.live += o.live + between;
        self.handed = 0;
        self.injected = 0;
    }
}

/// A TCP stream's connection state and counters.
#[derive(Debug)]
struct TcpRt {
    params: TcpParams,
    sender: Sender,
    receiver: Receiver,
    /// Frames of segment bursts (one per segment).
    frames: Books,
    /// ACK packets.
    acks: Books,
    /// Payload bytes delivered in order to the receiving application within
    /// the traffic window.
    goodput_bytes: u64,
    /// Payload bytes delivered in order, in all.
    delivered_bytes: u64,
    /// Highest byte the sending application has written (send calls are
    /// counted for bytes above it, `message_bytes` at a time).
    written: u64,
    /// The RTO and delayed-ACK times an event is pending for.
    rto_event: Option<SimTime>,
    delack_event: Option<SimTime>,
    /// TCP small queues: payload bytes sent by a VM and not yet on the wire
    /// (or delivered, between VMs), and the most there may be (`u64::MAX`
    /// for a sender beyond the wire).
    local_bytes: u64,
    tsq_limit: u64,
}

impl FlowRt {
    /// Notes a delivery (open-loop) or a completed round trip
    /// (request/response) at `t`, for the longest gap between them. Called
    /// in time order.
    fn note_delivery(&mut self, t: SimTime, seq: u64) {
        let since = self.last_delivery.or(self.first_birth).unwrap_or(t);
        self.longest_gap = self.longest_gap.max(t.since(since));
        if let Some(g) = self.rack_gaps.as_mut() {
            g.note(t, since, seq);
        }
        self.last_delivery = Some(t);
    }
}

impl FlowRt {
    /// Adds the copies other hosts of the rack ran of this addressed flow
    /// ([`Turn::Mirror`]): each took the packets the VPC sent to its own
    /// instances, this one (the flow's own host) those to its instances and
    /// the VPC's drops (of a request/response flow, each host books the
    /// drops of the answers it made, and this one those of the requests and
    /// the round trips). The gap between deliveries is taken over all hosts;
    /// the deliveries over time are kept per host as well. `host` is this
    /// copy's host, each copy comes with its own.
    fn absorb_mirrors(&mut self, host: usize, copies: Vec<(usize, FlowRt)>) {
        // Deliveries per host over time, kept when two hosts or more took
        // some (an ENI or an address moved between them).
        let took = |s: &[u32]| s.iter().any(|&n| n > 0);
        let hosts_took =
            copies.iter().filter(|c| took(&c.1.series)).count() + took(&self.series) as usize;
        if hosts_took >= 2 {
            let hosts = copies.iter().map(|c| c.0).chain([host]).max().unwrap_or(0) + 1;
            self.host_series = vec![Vec::new(); hosts];
            self.host_series[host] = self.series.clone();
            for (h, d) in &copies {
                self.host_series[*h] = d.series.clone();
            }
        }
        let copies: Vec<FlowRt> = copies.into_iter().map(|c| c.1).collect();
        // A packet handed from one host to another was counted as generated
        // on both, and is in flight between them until it is taken in.
        let handed = self.handed + copies.iter().map(|d| d.handed).sum::<u64>();
        let injected = self.injected + copies.iter().map(|d| d.injected).sum::<u64>();
        self.generated -= self.injected;
        self.live += handed - injected;
        self.handed = 0;
        self.injected = 0;
        for d in &copies {
            self.generated += d.generated - d.injected;
            self.delivered += d.delivered;
            self.dropped += d.dropped;
            for (a, b) in self.dropped_by.iter_mut().zip(&d.dropped_by) {
                *a += b;
            }
            self.live += d.live;
            if let (Some(a), Some(b)) = (self.latency.as_mut(), d.latency.as_ref()) {
                a.add(b).expect("flow histograms share their bounds");
            }
            self.latency_sum_ps += d.latency_sum_ps;
            self.lost += d.lost;
            self.last_lost = self.last_lost.max(d.last_lost);
            self.last_delivery = self.last_delivery.max(d.last_delivery);
            for (a, b) in self.series.iter_mut().zip(&d.series) {
                *a += b;
            }
        }
        let mut all: Vec<&RackGaps> = self.rack_gaps.iter().collect();
        all.extend(copies.iter().filter_map(|d| d.rack_gaps.as_ref()));
        self.longest_gap = RackGaps::longest_gap(&all, self.first_birth);
    }
}

/// The deliveries of an addressed flow that several hosts of a rack take
/// part of, in runs a rack can merge ([`RackGaps::longest_gap`]): a run is
/// a stretch of deliveries on one host of packets born one after the other
/// (every copy of an open-loop flow numbers its births alike, a
/// request/response flow's client numbers its requests and an answer keeps
/// its request's number, and a packet handed to another host keeps its
/// number), so none born in between went to
/// another host or was dropped. Within a run, only packets born before it
/// can be delivered elsewhere, so the longest gap of the whole flow is the
/// longest gap inside a run or between the runs of all hosts laid out in
/// time — an upper bound: a gap inside a run that another host's delivery
/// of an older packet (born before the run, on a slower path) falls into is
/// counted whole. Gaps between runs, the outage of a move, are exact.
#[derive(Clone, Debug, Default)]
pub(super) struct RackGaps {
    /// (first delivery, last delivery, longest gap between them), in time
    /// order; at most [`RackGaps::MAX_RUNS`] (then the last run grows: its
    /// gap may then include deliveries of other hosts, an overestimate).
    runs: Vec<(SimTime, SimTime, SimDuration)>,
    /// Births of the flow so far (every copy of an open-loop flow counts
    /// every birth; a request/response flow's client counts its requests).
    births: u64,
    /// The birth number of the last packet delivered here.
    last: u64,
}

impl RackGaps {
    /// Runs kept per flow and host.
    const MAX_RUNS: usize = 4096;

    fn note(&mut self, t: SimTime, since: SimTime, seq: u64) {
        let full = self.runs.len() >= Self::MAX_RUNS;
        let next = seq == self.last + 1;
        match self.runs.last_mut() {
            Some(run) if next || full => {
                run.2 = run.2.max(t.since(since));
                run.1 = t;
            }
            _ => self.runs.push((t, t, SimDuration::ZERO)),
        }
        self.last = seq;
    }

    /// The longest time without a delivery over all hosts' runs, from
    /// `first_birth` on.
    fn longest_gap(hosts: &[&RackGaps], first_birth: Option<SimTime>) -> SimDuration {
        let mut runs: Vec<(SimTime, SimTime, SimDuration)> =
            hosts.iter().flat_map(|g| g.runs.iter().copied()).collect();
        runs.sort_by_key(|r| (r.0, r.1));
        let mut gap = SimDuration::ZERO;
        let mut covered = first_birth;
        for (start, end, inside) in runs {
            gap = gap.max(inside);
            if let Some(c) = covered {
                gap = gap.max(start.checked_since(c).unwrap_or(SimDuration::ZERO));
            }
            covered = Some(covered.map_or(end, |c| c.max(end)));
        }
        gap
    }
}

/// The engine's shortcuts, each equivalent to the plain way by design:
/// tests turn them off ([`carry_tests`]) to check that doing so changes
/// nothing but the event count or the size of the pending set (carrying on,
/// FIFOs) or nothing at all (ending a packet cap's window without a
/// replay).
#[derive(Clone, Copy)]
enum Shortcut {
    /// Packets and polls move on without an event when nothing is due
    /// before them.
    Carry,
    /// Packets a resource has served wait for their next step in its FIFO
    /// ([`Engine::fifos`]).
    Fifo,
    /// A packet cap's window ends at the cap's last birth when the run
    /// reaches it ([`Tentative`]), not at a time found before the run by
    /// replaying the arrivals ([`nth_birth`]).
    NoReplay,
}

#[cfg(test)]
thread_local! {
    /// The shortcuts a test turned off, by [`Shortcut`].
    static OFF: std::cell::Cell<[bool; 3]> = const { std::cell::Cell::new([false; 3]) };
}

/// True unless a test turned `s` off.
#[inline(always)]
fn shortcut(s: Shortcut) -> bool {
    #[cfg(test)]
    {
        !OFF.with(|c| c.get()[s as usize])
    }
    #[cfg(not(test))]
    {
        let _ = s;
        true
    }
}

/// Packets one softirq's receive processing takes before the rest is
/// deferred to ksoftirqd: `netdev_budget` (T4.2).
const NETDEV_BUDGET: u32 = 300;

/// Adaptive moderation's interrupt intervals by class (H8: 100,000, 20,000
/// and 8,000 interrupts a second).
const ITR_INTERVALS: [SimDuration; 3] = [
    SimDuration::from_us(10),
    SimDuration::from_us(50),
    SimDuration::from_us(125),
];

/// Width of a delivery time-series bucket: 1 ms.
const SERIES_BUCKET: SimDuration = SimDuration::from_ms(1);
/// Most buckets a series keeps (100 s of simulated time at 1 ms); later
/// deliveries are not in the series (the flow's totals still count them).
const SERIES_MAX_BUCKETS: u64 = 100_000;

/// The buckets of a delivery series up to `horizon`.
fn series_buckets(horizon: SimTime) -> u64 {
    horizon
        .as_ps()
        .div_ceil(SERIES_BUCKET.as_ps())
        .min(SERIES_MAX_BUCKETS)
}

/// One picosecond.
const ONE_PS: SimDuration = SimDuration::from_ps(1);

/// How far past now open-loop births are drawn ahead while a packet cap's
/// window is tentative ([`Engine::next_birth`]).
const AHEAD: SimDuration = SimDuration::from_ms(1);
/// Half of [`AHEAD`]: a flow draws more once less than this is left.
const AHEAD_HALF: SimDuration = SimDuration::from_us(500);

#[cfg(test)]
thread_local! {
    /// [`ahead_max`], which a test lowers.
    static AHEAD_MAX: std::cell::Cell<usize> = const { std::cell::Cell::new(1024) };
}

/// The most births a flow draws ahead: 1024 (a test may lower it).
#[inline]
fn ahead_max() -> usize {
    #[cfg(test)]
    {
        AHEAD_MAX.with(|c| c.get())
    }
    #[cfg(not(test))]
    {
        1024
    }
}

/// The part of a piece of work of `t` \[ps\] done inside the window, when
/// `inside` of its admission's `span` \[ps\] is (rounded down).
#[inline]
fn part_in_window(t: u128, inside: u128, span: u128) -> u128 {
    if inside == span {
        t
    } else {
        t * inside / span.max(1)
    }
}

/// The part of `a` before `window_end` \[ps\].
#[inline]
fn inside(a: Admission, window_end: SimTime) -> u128 {
    a.end
        .min(window_end)
        .as_ps()
        .saturating_sub(a.start.min(window_end).as_ps()) as u128
}

/// Where a piece of work is, to recompute its parts.
#[derive(Clone, Copy, Debug)]
enum WorkAt {
    /// Step `.1` of route `.0`.
    Step(u32, u32),
    /// A ring's notification.
    Notify(u16),
    /// A ring's batch end.
    BatchEnd(u16),
}

/// CPU work admitted while the window's end was tentative, whose
/// in-window part may depend on it.
#[derive(Clone, Copy, Debug)]
struct Split {
    a: Admission,
    work: WorkAt,
    units: Units,
}

/// What a mark stands for (see [`Tentative::marks`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MarkKind {
    /// A push the plain run makes only if its time is before the window's
    /// end.
    BeforeEnd,
    /// A push the plain run makes only if its time is within the horizon.
    UpToHorizon,
    /// A delivery held back: the plain run pushes an event for it if its
    /// time is past the horizon.
    Held,
}

/// A push or held delivery whose effect on the queue's length depends on
/// where the window ends.
#[derive(Clone, Copy, Debug)]
struct Mark {
    /// The event's (or delivery's) time.
    t: SimTime,
    kind: MarkKind,
    /// Most events pending at once from this mark to the next.
    peak: usize,
}

impl Mark {
    /// Events the plain run, with window end `w` and horizon `h`, has
    /// pending for this mark beyond this run: −1, 0 or 1.
    fn plain_minus_this(&self, w: SimTime, h: SimTime) -> i64 {
        match self.kind {
            MarkKind::BeforeEnd => -i64::from(self.t >= w),
            MarkKind::UpToHorizon => -i64::from(self.t > h),
            MarkKind::Held => i64::from(self.t > h),
        }
    }

    /// True when the mark makes no difference wherever the window ends:
    /// it ends at `floor` or later, and the horizon `drain` after it.
    fn settled(&self, floor: SimTime, drain: SimDuration) -> bool {
        match self.kind {
            MarkKind::BeforeEnd => self.t < floor,
            _ => self.t <= floor + drain,
        }
    }
}

/// While a packet cap's last birth is still to come, the window's end is
/// the duration cap, tentatively; this notes what the run does that
/// depends on where the window ends, to set it right when it ends
/// ([`Engine::end_window`]; see the module docs). Its records drop what
/// has become certain as they fill, so they hold about what is in
/// progress, not the run's history.
#[derive(Debug)]
struct Tentative {
    /// Pushes of events the plain run might not have, and deliveries held
    /// back, in order: the most events pending at once is followed over the
    /// stretches between them (each mark's `peak`; before the first,
    /// `head_peak`), and the queue's own peak is the current stretch's.
    marks: Vec<Mark>,
    head_peak: usize,
    /// Deliveries at a route's end at a time that may be past the horizon
    /// (time, packet), in the order they came.
    held: VecDeque<(SimTime, u32)>,
    /// Deliveries counted in the window at a time after now + 1 ps: (time,
    /// bits).
    late: Vec<(SimTime, u64)>,
    /// CPU work split at the tentative window's end, ending after now + 1
    /// ps.
    splits: Vec<Split>,
}

impl Tentative {
    fn new() -> Tentative {
        Tentative {
            // Small in tests, so that they drop settled marks often.
            marks: Vec::with_capacity(if cfg!(test) { 4 } else { 256 }),
            head_peak: 0,
            held: VecDeque::with_capacity(256),
            late: Vec::with_capacity(1024),
            splits: Vec::with_capacity(1024),
        }
    }

    /// Ends the current stretch, whose peak is `peak`.
    fn fold_peak(&mut self, peak: usize) {
        match self.marks.last_mut() {
            Some(m) => m.peak = m.peak.max(peak),
            None => self.head_peak = self.head_peak.max(peak),
        }
    }

    /// Drops the settled marks, each stretch joining the one before.
    fn compact(&mut self, floor: SimTime, drain: SimDuration) {
        let mut kept = 0;
        for i in 0..self.marks.len() {
            let m = self.marks[i];
            if m.settled(floor, drain) {
                match kept {
                    0 => self.head_peak = self.head_peak.max(m.peak),
                    k => self.marks[k - 1].peak = self.marks[k - 1].peak.max(m.peak),
                }
            } else {
                self.marks[kept] = m;
                kept += 1;
            }
        }
        self.marks.truncate(kept);
    }
}

/// Pushes `x` onto a record whose `settled` entries may go: when it is
/// full they go first, and it grows only if more than half stays
/// (amortized: no allocation once it has the size the run needs).
#[inline]
fn push_unsettled<T>(v: &mut Vec<T>, x: T, settled: impl Fn(&T) -> bool) {
    if v.len() == v.capacity() {
        v.retain(|e| !settled(e));
        v.reserve(v.len().max(1));
    }
    v.push(x);
}

/// A request/response client's slot: one request in flight at a time.
#[derive(Clone, Copy, Debug)]
struct RrSlot {
    /// Number of the current request.
    seq: u32,
    /// When the current request times out; `SimTime::MAX` while thinking.
    deadline: SimTime,
}

/// One host, one path, ready to run.
pub(super) struct Engine {
    q: EventQueue<Ev>,
    /// NICs of the host.
    nics: u32,
    now: SimTime,
    events: u64,
    /// A packet's arrival at its next resource may run at once, without an
    /// event, when nothing is due before it (see [`Engine::advance`]) and
    /// it is earlier than this: `SimTime::MAX` while an arrival event's own
    /// handler runs (nothing of it follows its packet's steps), the next
    /// birth while a generator's handler runs (it schedules that birth after
    /// its packet's steps), else `ZERO` (never).
    inline_until: SimTime,
    /// The next birth of the generator whose handler is running, not yet
    /// scheduled (see [`Engine::on_gen`]).
    next_gen: Option<(SimTime, u32)>,
    pools: Vec<FcfsPool>,
    pool_names: Vec<String>,
    links: Vec<Link>,
    /// Per resource (the links, then the pools from index `links.len()`),
    /// the packets it has admitted whose arrival at their next resource is
    /// still to come: (time \[ps\], the event queue's reserved sequence
    /// number, packet), in (time, sequence) order. Only the head has an
    /// event ([`Ev::Head`]), so packets queued behind a busy link or CPU
    /// wait in their resource, not in the event queue, whose size then
    /// grows with resources and generators rather than with packets in
    /// flight (issue 9). Sequence numbers are reserved when the packet
    /// leaves, so events run in the order separate events would: results
    /// do not change. An arrival earlier than the FIFO's tail (a pool of
    /// several servers finishes out of order) gets an event of its own.
    fifos: Vec<VecDeque<(u64, u64, u32)>>,
    rings: Vec<RingRt>,
    ring_specs: Vec<RingSpec>,
    /// Rings whose interrupt, and the first poll after it, preempt their
    /// consumer's task work (an interrupt into an operating system's CPU).
    urgent: Vec<bool>,
    /// Per pool, the task (not urgent) work admitted: host and guest \[ps\];
    /// kept only for an operating system's CPU (a vCPU, a bare-metal core),
    /// the only pools whose work interrupts push (`None` for the others).
    task_ps: Vec<Option<[u128; 2]>>,
    dma: Vec<DmaRegion>,
    /// Each in-order worker's last release.
    order_last: Vec<SimTime>,
    /// Links that take packets out of the host (the NICs' outgoing wires).
    egress: Vec<bool>,
    /// Packets a ring's consumer takes per poll.
    napi_budget: u32,
    /// A poll's packets and their service \[ps\] (reused: no allocation per
    /// poll).
    poll_batch: Vec<(u32, u64)>,
    iotlb: Iotlb,
    routes: Vec<Box<[Step]>>,
    flows: Vec<FlowRt>,
    packets: Vec<Packet>,
    free: Vec<u32>,
    rec: Recorder,
    /// The window's end: tentative while `tentative` is `Some`.
    window_end: SimTime,
    horizon: SimTime,
    drain: SimDuration,
    /// `Some` while a packet cap's last birth is to come (see the module
    /// docs).
    tentative: Option<Tentative>,
    /// Open-loop births are drawn ahead ([`FlowRt::ahead`]): a packet cap
    /// without the replay.
    lookahead: bool,
    /// Births drawn ahead, all flows.
    ahead_len: usize,
    /// While the window is tentative, a time its end is not before, from
    /// the look-ahead (else `SimTime::MAX`: nothing to note), and when to
    /// look again (`SimTime::MAX`: never).
    w_floor: SimTime,
    look_at: SimTime,
    /// Room to find the cap's last birth among those drawn ahead.
    scratch: Vec<SimTime>,
    gen_cap: u64,
    gen_count: u64,
    vpc: Option<VpcRt>,
    /// In a rack: the switch's forwarding of the packets of flows that
    /// leave, and what they became (see [`crate::model::rack`]).
    switch: Option<SwitchRt>,
    /// Crossings handed to the switch since they were last taken, with
    /// their arrival at the receiving host's port and that host.
    outbox: Vec<(SimTime, u32, Crossing)>,
    /// Crossings from other hosts not yet due, earliest first (see
    /// [`Engine::hold_crossing`]).
    held: std::collections::BinaryHeap<std::cmp::Reverse<Held>>,
    /// Cores of the hypervisor's I/O pools (all hosts, once others are
    /// absorbed).
    hv_cores: u32,
    /// Links of this host itself: those after it were absorbed from other
    /// hosts of a rack ([`Engine::absorb`]), already filtered.
    own_links: usize,
    /// Stages other hosts' routes use ([`Engine::absorb`]).
    absorbed_stages: [bool; Stage::COUNT],
    /// The most events other hosts had pending at once, summed.
    absorbed_peak: usize,
    /// The end of the events [`Engine::run_until`] is running.
    run_end: SimTime,
}

/// Where a rack's flow ran: the host (and index there) of its sending half
/// and, if it crossed the switch, of its receiving half, or the copies of
/// an addressed flow from beyond the rack on the other hosts.
#[derive(Clone, Debug)]
pub(super) struct FlowHome {
    /// The host its packets are born on.
    pub host: usize,
    /// Its index there.
    pub local: u32,
    /// The host and index of its receiving half, if it crosses the switch.
    pub arrives: Option<(usize, u32)>,
    /// Its [`Turn::Mirror`] copies: (host, index there).
    pub mirrors: Vec<(usize, u32)>,
}

/// The top-of-rack switch as a sending host sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct SwitchRt {
    /// Port-to-port latency.
    pub latency: SimDuration,
    /// Cut-through: forwarding starts once the first
    /// [`CUT_THROUGH_BYTES`] of a frame are in.
    pub cut_through: bool,
    /// The rate of the link into it.
    pub rate: BitsPerSec,
}

/// Bytes a cut-through switch takes in before it forwards a frame (the
/// headers that pick its port; assumption: the Ethernet and IP headers fit
/// in the smallest frame).
pub(super) const CUT_THROUGH_BYTES: u32 = 64;

/// Accounts the CPU time and exits of `work` for a packet of `u`, done
/// during `a`: all of it in the run's totals, the part of `a` before
/// `window_end` in the window's (for utilization).
#[inline]
fn account(
    rec: &mut Recorder,
    work: &Work,
    u: &Units,
    a: Admission,
    window_end: SimTime,
    mut task: Option<&mut [u128; 2]>,
) {
    let span = a.end.since(a.start).as_ps() as u128;
    let inside = inside(a, window_end);
    for p in work.parts() {
        let t = p.time_ps(u) as u128;
        let t_in = part_in_window(t, inside, span);
        match p.class {
            CpuClass::Host => {
                rec.host_cpu_ps += t;
                rec.host_cpu_in_window_ps += t_in;
            }
            CpuClass::Guest => {
                rec.guest_cpu_ps += t;
                rec.guest_cpu_in_window_ps += t_in;
            }
            CpuClass::Hardware => {}
        }
        if let Some(split) = task.as_deref_mut() {
            match p.class {
                CpuClass::Host => split[0] += t,
                CpuClass::Guest => split[1] += t,
                CpuClass::Hardware => {}
            }
        }
        rec.exits += p.exits_for(u);
    }
}

/// Adds the parts of `work` to a packet's per-stage times.
#[inline]
fn charge_parts(pkt: &mut Packet, work: &Work) {
    for p in work.parts() {
        pkt.stage_ps[p.stage.index()] += p.time_ps(&pkt.units);
    }
}

/// The birth time of the `n`-th open-loop packet, if it is before
/// `window_end`. Arrivals do not depend on the simulation, so replaying the
/// flows' arrival streams (clones, in the order the event queue would pop them)
/// gives the times the run will see.
fn nth_birth(flows: &[FlowRt], n: u64, window_end: SimTime) -> Option<SimTime> {
    let gens: Vec<ArrivalGen> = flows
        .iter()
        .filter(|f| f.cfg.kind.is_open_loop())
        .map(|f| f.arrivals.clone())
        .collect();
    nth_of(gens, n, window_end)
}

/// A flow's first random stream: keyed by its name, not its position, so
/// adding a flow or a VM never changes another flow's draws (the halves of
/// a flow on two hosts of a rack share it).
fn flow_stream(f: &FlowConfig) -> u64 {
    Rng::stream_id(&f.name) & !1
}

/// Flow `f`'s arrival process as a run of master seed `seed` draws it
/// from the start.
pub(super) fn arrivals_of(seed: u64, f: &FlowConfig) -> ArrivalGen {
    ArrivalGen::new(
        f.arrival,
        f.mean_interval_ps,
        Rng::stream(seed, flow_stream(f)),
    )
}

/// The `n`-th birth of the arrival streams `gens` together, if it is
/// before `window_end` (see [`nth_birth`]).
pub(super) fn nth_of(mut gens: Vec<ArrivalGen>, n: u64, window_end: SimTime) -> Option<SimTime> {
    // The earliest next birth of all flows, from a heap: with many flows a
    // scan per birth would cost as much as the draws.
    let mut next: std::collections::BinaryHeap<std::cmp::Reverse<(SimTime, usize)>> = gens
        .iter_mut()
        .enumerate()
        .map(|(i, g)| std::cmp::Reverse((g.first(), i)))
        .collect();
    let mut last = None;
    for _ in 0..n {
        let mut head = next.peek_mut()?;
        let (t, i) = head.0;
        if t >= window_end {
            return None;
        }
        last = Some(t);
        head.0 = (gens[i].next(t), i);
    }
    last
}

/// Checks the rule [`Step::fills`] relies on: a step that reserves a
/// descriptor of ring `r` holds a resource (so it runs at its own event) and
/// is followed at once by `Ring(r)`, which takes the reservation; nothing in
/// between could drop the packet and leak the descriptor.
///
/// # Panics
/// If a path built a route that breaks it: a model-building bug.
fn check_route(route: &[Step], rings: &[RingSpec]) {
    for (i, s) in route.iter().enumerate() {
        if let Some(r) = s.fills {
            assert!(
                s.is_resource() && route.get(i + 1).map(|n| n.kind) == Some(StepKind::Ring(r)),
                "step {i} fills ring {} but is not followed by it: {route:?}",
                rings[r as usize].name
            );
        }
    }
}

/// Charges to a packet that waited in a ring from `pkt.arrived` until
/// `start` the part of the ring's last notification (`notified`, doing
/// `work`) that ran while it waited, part by part, and returns the time
/// charged. The rest of its wait is queueing.
#[inline]
fn charge_notification(pkt: &mut Packet, work: &Work, notified: Admission, start: SimTime) -> u64 {
    let from = pkt.arrived.max(notified.start).as_ps();
    let to = start.min(notified.end).as_ps();
    if from >= to {
        return 0;
    }
    let mut t = notified.start.as_ps();
    let mut charged = 0;
    for p in work.parts() {
        let end = t + p.time_ps(&ONCE);
        let overlap = end.min(to).saturating_sub(t.max(from));
        pkt.stage_ps[p.stage.index()] += overlap;
        charged += overlap;
        t = end;
    }
    charged
}

impl Engine {
    fn build(cfg: &HostConfig) -> Result<Engine, BuildError> {
        Engine::build_turned(cfg, &[], None)
    }

    /// A host of a rack: flow `i` takes `turns[i]` (missing: local), and
    /// `switch` forwards what leaves.
    pub(super) fn build_turned(
        cfg: &HostConfig,
        turns: &[Turn],
        switch: Option<SwitchRt>,
    ) -> Result<Engine, BuildError> {
        let model = virt::model(cfg.path);
        let mut caps = model.capabilities();
        let wire_only = cfg.stages == Stages::Wire;
        if wire_only {
            // No devices: no VFs to run out of, no NIC to share.
            caps.vms_per_nic = None;
            caps.needs_vf = false;
        }
        if wire_only && cfg.vpc.is_some() {
            return Err(BuildError::Vpc {
                key: "host.stages".into(),
                message: "a wire-only host (stages = \"wire\") has no instances for a [vpc]".into(),
            });
        }
        // The VPC first: the ENIs its instances have decide the devices.
        let mut vpc = match &cfg.vpc {
            None => {
                if let Some(f) = cfg.flows.iter().find(|f| f.addr.is_some()) {
                    return Err(BuildError::Vpc {
                        key: format!("flows ({})", f.name),
                        message: "addresses need a [vpc] section".into(),
                    });
                }
                None
            }
            Some(v) => {
                if cfg.vms > MAX_VPC_VMS {
                    return Err(BuildError::Vpc {
                        key: "host.vms".into(),
                        message: format!("at most {MAX_VPC_VMS} VMs on a host with a [vpc]"),
                    });
                }
                let addrs: Vec<_> = cfg.flows.iter().map(|f| f.addr.as_ref()).collect();
                Some(VpcRt::build(v, &addrs)?)
            }
        };
        // Each VM's primary device (slot = VM), then one per further ENI.
        let devices: Vec<(u32, u32)> = match &vpc {
            Some(rt) => rt.devices(cfg.vms),
            None => (0..cfg.vms).map(|v| (v, 0)).collect(),
        };
        if vpc.is_some() && devices.len() as u32 > MAX_VPC_DEVICES {
            return Err(BuildError::Vpc {
                key: "vpc.actions".into(),
                message: too_many_devices(devices.len() as u32, cfg.vms),
            });
        }
        let n_devices = if wire_only { 0 } else { devices.len() as u32 };
        if let Some(per_nic) = caps.vms_per_nic {
            if nic_count(cfg, n_devices) as u32 * per_nic < n_devices {
                return Err(BuildError::PassthroughShared {
                    vms: cfg.vms,
                    devices: n_devices,
                });
            }
        }
        // Checked for the whole host here, so the error counts every device
        // that needs a VF, not the first one that found none.
        if caps.needs_vf && n_devices > cfg.profile.max_vfs {
            return Err(BuildError::TooManyVfs {
                needed: n_devices,
                vms: cfg.vms,
                max_vfs: cfg.profile.max_vfs,
            });
        }
        let nics = nic_count(cfg, n_devices);
        let mut h = HostBuilder::new(cfg, nics)?;
        let mut devs: Vec<Vec<VmDev>> = Vec::with_capacity(n_devices as usize);
        // A wire-only host has no devices, vCPUs or rings.
        for (slot, &(vm, index)) in devices.iter().enumerate().filter(|_| !wire_only) {
            let nic = if nics > 1 { slot } else { 0 };
            let dev = Device {
                vm,
                index,
                slot: slot as u32,
            };
            devs.push(model.attach(&mut h, dev, nic, cfg.vcpus)?);
        }
        let mut routes: Vec<Box<[Step]>> = Vec::new();
        let mut interned = Interned::default();
        let mut flows = Vec::with_capacity(cfg.flows.len());
        for (fi, f) in cfg.flows.iter().enumerate() {
            let turn = turns.get(fi).copied().unwrap_or_default();
            // A flow that crosses the switch to or from another host of the
            // rack turns there: no hops beyond it.
            h.within_rack = matches!(
                turn,
                Turn::Leaves { .. } | Turn::Arrives | Turn::Answers { .. }
            );
            // The queue of VM `vm` (and of the host, if it owns the NIC) a
            // packet with tuple `t` lands on (RSS).
            let at = |h: &mut HostBuilder, vm: u32, t: rss::Tuple| -> Result<VmDev, BuildError> {
                let qs = devs.get(vm as usize).ok_or(BuildError::NoSuchVm {
                    flow: f.name.clone(),
                    vm,
                    vms: cfg.vms,
                })?;
                let hash = rss::hash(&t);
                let mut d = qs[rss::queue(hash, qs.len())];
                if d.host_rx_ring.is_some() {
                    let q = rss::queue(hash, h.host_queues());
                    d.host_rx_ring = Some(h.host_rx_ring(d.nic, q));
                }
                Ok(d)
            };
            let addr = |c: Client| match c {
                Client::External => rss::EXTERNAL,
                Client::Vm(v) => rss::vm_addr(v),
            };
            let tuple_s = |src: Client, dst: Client, s: u32| rss::Tuple {
                src: addr(src),
                dst: addr(dst),
                src_port: rss::port_of(&f.name).wrapping_add(s as u16),
                dst_port: 5001,
            };
            let tuple = |src: Client, dst: Client| tuple_s(src, dst, 0);
            // A flow's two directions: (sender, receiver) with the tuple of
            // each direction; a VM end takes the queue its incoming
            // direction hashes to, and sends from that queue's vCPU.
            let pair = |src: Client, dst: Client| (tuple(src, dst), tuple(src, dst).reversed());
            let nic_of = |vm: u32| if nics > 1 { vm as usize } else { 0 };
            let (fwd, rev) = match f.kind {
                _ if wire_only => match f.kind {
                    FlowKind::Rx { vm } if f.addr.is_none() => (h.wire_in(nic_of(vm)), None),
                    FlowKind::Tx { vm } if f.addr.is_none() => (h.wire_out(nic_of(vm)), None),
                    _ => {
                        return Err(BuildError::WireOnly {
                            flow: f.name.clone(),
                        })
                    }
                },
                _ if f.addr.is_some() => (Vec::new(), Some(Vec::new())),
                FlowKind::Addressed => {
                    return Err(BuildError::Vpc {
                        key: format!("flows ({})", f.name),
                        message: "an addressed flow needs addresses and a [vpc]".into(),
                    })
                }
                FlowKind::Rx { vm } => {
                    let (t, _) = pair(Client::External, Client::Vm(vm));
                    let d = at(&mut h, vm, t)?;
                    (model.rx(&mut h, &d), None)
                }
                FlowKind::Tx { vm } => {
                    let (_, back) = pair(Client::Vm(vm), Client::External);
                    let d = at(&mut h, vm, back)?;
                    (model.tx(&mut h, &d), None)
                }
                FlowKind::VmToVm { src, dst } => {
                    let (t, back) = pair(Client::Vm(src), Client::Vm(dst));
                    let (a, b) = (at(&mut h, src, back)?, at(&mut h, dst, t)?);
                    (model.vm_to_vm(&mut h, &a, &b), None)
                }
                FlowKind::TcpStream { src, dst, .. } => {
                    let (t, back) = pair(src, dst);
                    match (src, dst) {
                        (Client::External, Client::Vm(v)) => {
                            let d = at(&mut h, v, t)?;
                            (model.rx(&mut h, &d), Some(model.tx(&mut h, &d)))
                        }
                        (Client::Vm(v), Client::External) => {
                            let d = at(&mut h, v, back)?;
                            (model.tx(&mut h, &d), Some(model.rx(&mut h, &d)))
                        }
                        // Between two hosts of a rack: the sender's half
                        // sends bursts out and takes ACKs in, the
                        // receiver's takes bursts in and sends ACKs out.
                        (Client::Vm(a), Client::Vm(_)) if matches!(turn, Turn::Leaves { .. }) => {
                            let a = at(&mut h, a, back)?;
                            (model.tx(&mut h, &a), Some(model.rx(&mut h, &a)))
                        }
                        (Client::Vm(_), Client::Vm(b)) if matches!(turn, Turn::Answers { .. }) => {
                            let b = at(&mut h, b, t)?;
                            (model.rx(&mut h, &b), Some(model.tx(&mut h, &b)))
                        }
                        (Client::Vm(a), Client::Vm(b)) => {
                            let (a, b) = (at(&mut h, a, back)?, at(&mut h, b, t)?);
                            (
                                model.vm_to_vm(&mut h, &a, &b),
                                Some(model.vm_to_vm(&mut h, &b, &a)),
                            )
                        }
                        (Client::External, Client::External) => {
                            return Err(BuildError::Vpc {
                                key: format!("flows ({})", f.name),
                                message: "a TCP stream needs a VM at one end at least".into(),
                            })
                        }
                    }
                }
                FlowKind::RequestResponse {
                    client,
                    server,
                    server_cycles,
                    server_millicycles_per_byte,
                    ..
                } => {
                    let (t, back) = pair(client, Client::Vm(server));
                    // Between two hosts of a rack, each half has one VM:
                    // the client's sends out of its host and takes the
                    // answers in; the server's takes the requests in and
                    // answers out (both keep the flow's 5-tuple).
                    if let (Client::Vm(c), Turn::Leaves { .. }) = (client, turn) {
                        let c = at(&mut h, c, back)?;
                        (model.tx(&mut h, &c), Some(model.rx(&mut h, &c)))
                    } else {
                        let s = at(&mut h, server, t)?;
                        let (fwd, mut rev) = match (client, turn) {
                            (Client::External, _) | (_, Turn::Answers { .. }) => {
                                (model.rx(&mut h, &s), model.tx(&mut h, &s))
                            }
                            (Client::Vm(c), _) => {
                                let c = at(&mut h, c, back)?;
                                (
                                    model.vm_to_vm(&mut h, &c, &s),
                                    model.vm_to_vm(&mut h, &s, &c),
                                )
                            }
                        };
                        // A server that computes: its application's work per
                        // request, on the vCPU that took it, before it answers.
                        if server_cycles > 0 || server_millicycles_per_byte > 0 {
                            let p = &cfg.profile;
                            let per_byte = server_millicycles_per_byte as u64 * 1_000_000
                                / p.cpu_mhz.max(1) as u64;
                            rev.insert(
                                0,
                                serve_step(
                                    s.vcpu,
                                    Stage::VcpuWait,
                                    DropReason::SocketBacklogFull,
                                    &[
                                        Part::fixed(
                                            Stage::App,
                                            p.cycles_ps(server_cycles as u64),
                                            CpuClass::Guest,
                                        ),
                                        Part::fixed(Stage::App, per_byte, CpuClass::Guest)
                                            .each(Per::PayloadByte),
                                    ],
                                ),
                            );
                        }
                        (fwd, Some(rev))
                    }
                }
            };
            // The network's per-flow limit on each direction that crosses
            // the wire: before the wire for what comes in, after it for what
            // goes out (`fwd_in`: the flow's own direction comes in).
            let fwd_in = match f.kind {
                _ if f.addr.is_some() => None,
                // Within the rack: EC2's per-flow limit is on flows that
                // leave it (assumption: as for flows within a host).
                _ if turn != Turn::Local => None,
                FlowKind::Rx { .. } => Some(true),
                FlowKind::Tx { .. } => Some(false),
                FlowKind::TcpStream {
                    src: Client::External,
                    ..
                }
                | FlowKind::RequestResponse {
                    client: Client::External,
                    ..
                } => Some(true),
                FlowKind::TcpStream {
                    dst: Client::External,
                    ..
                } => Some(false),
                _ => None,
            };
            let limit = |h: &mut HostBuilder, mut r: Vec<Step>, inbound: bool, name: String| {
                if let Some(step) = h.flow_limit(name) {
                    if inbound {
                        r.insert(0, step);
                    } else {
                        r.push(step);
                    }
                }
                r
            };
            let (fwd, rev) = match fwd_in {
                Some(inbound) => (
                    limit(&mut h, fwd, inbound, format!("flow.{}.limit", f.name)),
                    rev.map(|r| limit(&mut h, r, !inbound, format!("flow.{}.limit_back", f.name))),
                ),
                None => (fwd, rev),
            };
            // An open-loop flow over several 5-tuples: a route per stream
            // after the first.
            let mut stream_routes = Vec::new();
            for s in 1..f.streams {
                let r = match f.kind {
                    // One wire whatever the 5-tuple.
                    _ if f.addr.is_some() || wire_only => break,
                    FlowKind::Rx { vm } => {
                        let d = at(&mut h, vm, tuple_s(Client::External, Client::Vm(vm), s))?;
                        model.rx(&mut h, &d)
                    }
                    FlowKind::Tx { vm } => {
                        let t = tuple_s(Client::Vm(vm), Client::External, s);
                        let d = at(&mut h, vm, t.reversed())?;
                        model.tx(&mut h, &d)
                    }
                    FlowKind::VmToVm { src, dst } => {
                        let t = tuple_s(Client::Vm(src), Client::Vm(dst), s);
                        let (a, b) = (at(&mut h, src, t.reversed())?, at(&mut h, dst, t)?);
                        model.vm_to_vm(&mut h, &a, &b)
                    }
                    _ => break,
                };
                let r = match fwd_in {
                    Some(inbound) => {
                        limit(&mut h, r, inbound, format!("flow.{}.s{s}.limit", f.name))
                    }
                    None => r,
                };
                let id = interned.add(&mut routes, r, &stream_routes);
                stream_routes.push(id);
            }
            let route = interned.add(&mut routes, fwd, &stream_routes);
            let reverse = rev.map(|r| {
                let mut own = stream_routes.clone();
                own.push(route);
                interned.add(&mut routes, r, &own)
            });
            let rr = matches!(f.kind, FlowKind::RequestResponse { .. });
            // Where a packet handed to the switch says which stream it took
            // (the routes are not in order: [`Interned`]).
            let mut stream_of: Vec<(u32, u32)> = match turn {
                Turn::Leaves { .. } => (1..).zip(&stream_routes).map(|(k, &r)| (r, k)).collect(),
                _ => Vec::new(),
            };
            stream_of.sort_unstable();
            flows.push(FlowRt {
                cfg: f.clone(),
                route,
                stream_routes,
                stream_of,
                reverse,
                arrivals: arrivals_of(cfg.seed, f),
                sizes: SizeGen::new(f.sizes, Rng::stream(cfg.seed, flow_stream(f) + 1)),
                generated: 0,
                delivered: 0,
                dropped: 0,
                dropped_by: [0; DropReason::ALL.len()],
                live: 0,
                rtt: rr.then(latency_histogram),
                rtt_sum_ps: 0,
                // A half that leaves its host delivers no packet of its own
                // here: no histogram (its other half's is the flow's).
                latency: (!rr && !matches!(turn, Turn::Leaves { .. })).then(flow_latency_histogram),
                latency_sum_ps: 0,
                completed: 0,
                completed_in_window: 0,
                timeouts: 0,
                slots: match f.kind {
                    FlowKind::RequestResponse { outstanding, .. } => vec![
                        RrSlot {
                            seq: 0,
                            deadline: SimTime::MAX
                        };
                        outstanding as usize
                    ],
                    _ => Vec::new(),
                },
                lost: 0,
                tracks_gaps: f.addr.is_some(),
                first_birth: None,
                last_delivery: None,
                last_lost: None,
                longest_gap: SimDuration::ZERO,
                rack_gaps: (switch.is_some() && f.addr.is_some()).then(RackGaps::default),
                host_series: Vec::new(),
                injected: 0,
                series: Vec::new(),
                tcp: match f.kind {
                    FlowKind::TcpStream { src, dst, tcp } => {
                        // The receiver's stack sees a burst as one packet
                        // with GRO; a host beyond the wire has it on.
                        let gro = cfg.offloads.gro || dst == Client::External;
                        Some(Box::new(TcpRt {
                            params: tcp,
                            sender: Sender::new(tcp, cfg.offloads.bursts()),
                            receiver: Receiver::new(gro),
                            frames: Books::default(),
                            acks: Books::default(),
                            goodput_bytes: 0,
                            delivered_bytes: 0,
                            written: 0,
                            rto_event: None,
                            delack_event: None,
                            local_bytes: 0,
                            tsq_limit: match src {
                                Client::Vm(_) => tcp.tsq_bytes,
                                Client::External => u64::MAX,
                            },
                        }))
                    }
                    _ => None,
                },
                ahead: Vec::new(),
                ahead_at: 0,
                turn,
                handed: 0,
                open_loop: f.kind.is_open_loop(),
            });
        }
        h.within_rack = false;

        for r in &routes {
            check_route(r, &h.rings);
        }

        // The most packets that can be in flight: every ring slot, waiting
        // room and server, plus one per flow being born and per request.
        let mut bound: usize = 1024;
        bound += h.rings.iter().map(|r| r.slots as usize + 1).sum::<usize>();
        bound += h
            .pools
            .iter()
            .map(|p| p.room + p.servers as usize)
            .sum::<usize>();
        bound += h.links.len()
            * (cfg.profile.nic_ring.max(cfg.profile.switch_buffer_frames) as usize + 1);
        for f in &cfg.flows {
            if let FlowKind::RequestResponse { outstanding, .. } = f.kind {
                bound += outstanding as usize * 2;
            }
        }
        let bound = bound * 2;

        // A packet cap ends the window at the birth of the cap's last
        // open-loop packet (so throughput is over the span that traffic was
        // offered), and caps generation exactly.
        if let Some(rt) = vpc.as_mut() {
            // Addressed flows use each device's first queue.
            let mut seg = Segments::default();
            let firsts: Vec<VmDev> = devs.iter().map(|q| q[0]).collect();
            for d in &firsts {
                seg.rx.push(model.rx(&mut h, d));
                seg.tx.push(model.tx(&mut h, d));
            }
            for r in seg.rx.iter().chain(&seg.tx) {
                check_route(r, &h.rings);
            }
            for a in &firsts {
                let row: Vec<Vec<Step>> = firsts
                    .iter()
                    .map(|b| {
                        if a.vm == b.vm {
                            Vec::new()
                        } else {
                            model.vm_to_vm(&mut h, a, b)
                        }
                    })
                    .collect();
                for r in &row {
                    check_route(r, &h.rings);
                }
                seg.v2v.push(row);
            }
            if switch.is_some() {
                // To and from the switch: no hops beyond the rack.
                h.within_rack = true;
                for d in &firsts {
                    seg.rx_rack.push(model.rx(&mut h, d));
                    seg.tx_rack.push(model.tx(&mut h, d));
                }
                h.within_rack = false;
                for r in seg.rx_rack.iter().chain(&seg.tx_rack) {
                    check_route(r, &h.rings);
                }
            }
            rt.set_segments(seg, &devices);
        }
        let window_end = SimTime::ZERO + cfg.window;
        let no_replay = shortcut(Shortcut::NoReplay);
        let window_end = match cfg.max_packets {
            Some(n) if !no_replay => {
                nth_birth(&flows, n, window_end).map_or(window_end, |t| t + ONE_PS)
            }
            _ => window_end,
        };
        let tentative = (cfg.max_packets.is_some() && no_replay).then(Tentative::new);
        let open_loop = flows.iter().filter(|f| f.cfg.kind.is_open_loop()).count();
        if tentative.is_some() {
            for f in flows.iter_mut() {
                f.ahead = Vec::with_capacity(ahead_max() + 1);
            }
        }
        let horizon = window_end.saturating_add(cfg.drain);
        let buckets = series_buckets(horizon);
        for f in flows.iter_mut().filter(|f| f.cfg.addr.is_some()) {
            f.series = vec![0; buckets as usize];
        }

        let urgent = h
            .rings
            .iter()
            .map(|r| {
                r.notify == NotifyKind::Interrupt
                    && r.notify_pool == r.consumer
                    && h.pools[r.consumer as usize].preemptible
            })
            .collect();
        let rings = h
            .rings
            .iter()
            .map(|r| RingRt {
                pending: FixedRing::new(r.slots as usize),
                reserved: 0,
                queued: 0,
                itr_class: 0,
                itr_bytes: 0,
                packets: 0,
                notifications: 0,
                polls: 0,
                state: RingState::Idle,
                last_notify: None,
                batch: 0,
                deferred: false,
                notified: Admission {
                    start: SimTime::ZERO,
                    end: SimTime::ZERO,
                },
            })
            .collect();
        let pools = h
            .pools
            .iter()
            .map(|p| {
                let mut pool = FcfsPool::new(p.servers as usize, Some(p.room));
                if tentative.is_some() {
                    pool.set_tentative_window(window_end);
                } else {
                    pool.set_window(window_end);
                }
                pool
            })
            .collect();
        let mut links = h.links;
        for l in &mut links {
            if tentative.is_some() {
                l.set_tentative_window(window_end);
            } else {
                l.set_window(window_end);
            }
        }
        let fifos = (0..links.len() + h.pools.len())
            .map(|_| VecDeque::with_capacity(16))
            .collect();
        let own_links = links.len();
        let hv_cores = h
            .pools
            .iter()
            .filter(|p| p.name == "hv_io_cores")
            .map(|p| p.servers)
            .sum();
        let mut egress = vec![false; links.len()];
        for n in &h.nics {
            egress[n.wire_out as usize] = true;
        }
        Ok(Engine {
            q: EventQueue::with_capacity(bound),
            nics: nics as u32,
            now: SimTime::ZERO,
            events: 0,
            inline_until: SimTime::ZERO,
            next_gen: None,
            pools,
            pool_names: h.pools.iter().map(|p| p.name.clone()).collect(),
            links,
            fifos,
            rings,
            task_ps: h
                .pools
                .iter()
                .map(|p| p.preemptible.then_some([0; 2]))
                .collect(),
            ring_specs: h.rings,
            urgent,
            dma: h.dma,
            order_last: vec![SimTime::ZERO; h.workers as usize],
            egress,
            napi_budget: cfg.profile.napi_budget.max(1),
            poll_batch: Vec::with_capacity(cfg.profile.napi_budget.clamp(1, 4096) as usize),
            iotlb: h.iotlb,
            routes,
            flows,
            packets: Vec::with_capacity(bound),
            free: Vec::with_capacity(bound),
            rec: Recorder {
                backlog: BacklogCounts::new(window_end.as_ps()),
                ..Recorder::default()
            },
            window_end,
            horizon,
            drain: cfg.drain,
            lookahead: tentative.is_some(),
            ahead_len: 0,
            w_floor: if tentative.is_some() {
                SimTime::ZERO
            } else {
                SimTime::MAX
            },
            look_at: if tentative.is_some() {
                SimTime::ZERO
            } else {
                SimTime::MAX
            },
            scratch: Vec::with_capacity(if tentative.is_some() {
                open_loop * ahead_max()
            } else {
                0
            }),
            tentative,
            gen_cap: cfg.max_packets.unwrap_or(u64::MAX),
            gen_count: 0,
            vpc,
            switch,
            outbox: Vec::with_capacity(64),
            held: std::collections::BinaryHeap::with_capacity(if switch.is_some() {
                1024
            } else {
                0
            }),
            hv_cores,
            own_links,
            absorbed_stages: [false; Stage::COUNT],
            absorbed_peak: 0,
            run_end: SimTime::MAX,
        })
    }

    /// Allocates a packet from the slab.
    #[inline]
    fn alloc(&mut self, pkt: Packet) -> u32 {
        let f = &mut self.flows[pkt.flow as usize];
        f.generated += 1;
        f.live += 1;
        f.first_birth.get_or_insert(pkt.born);
        let open = f.open_loop;
        let id = match self.free.pop() {
            Some(id) => {
                self.packets[id as usize] = pkt;
                id
            }
            None => {
                self.packets.push(pkt);
                (self.packets.len() - 1) as u32
            }
        };
        if open {
            self.rec.backlog.enter(self.now.as_ps());
        }
        id
    }

    /// Takes back packet `id`, just born, as if it never was: another host
    /// of the rack takes its copy (a [`Turn::Mirror`] flow, or an addressed
    /// flow whose instance runs elsewhere).
    fn forget(&mut self, id: u32) {
        let f = &mut self.flows[self.packets[id as usize].flow as usize];
        if f.open_loop {
            self.rec.backlog.unenter(self.now.as_ps());
        }
        f.generated -= 1;
        self.release(id);
    }

    #[inline]
    fn release(&mut self, id: u32) {
        let flow = self.packets[id as usize].flow as usize;
        self.flows[flow].live -= 1;
        self.free.push(id);
    }

    #[inline]
    fn drop_packet(&mut self, id: u32, reason: DropReason) {
        let flow = self.packets[id as usize].flow as usize;
        if self.flows[flow].open_loop {
            self.rec.backlog.leave(self.now.as_ps());
        }
        // A lost request or response is noticed by the client's timer.
        let f = &mut self.flows[flow];
        f.dropped += 1;
        f.dropped_by[reason as usize] += 1;
        // A lost segment or ACK is noticed by the sender (duplicate ACKs,
        // its RTO).
        if let Some(t) = f.tcp.as_mut() {
            let p = &self.packets[id as usize];
            match p.role {
                Role::Ack => t.acks.dropped(1),
                _ => t.frames.dropped(p.units.frames as u64),
            }
            if p.local {
                t.local_bytes -= p.units.payload as u64;
                // Room in the sender's small queue: it may send again.
                self.q.push(self.now, Ev::TcpStart(p.flow));
            }
        }
        self.rec.drop(reason);
        self.release(id);
    }

    /// Makes packet `id` fit in `room` places (frames) of a queue or ring:
    /// true if it goes on. A burst of TCP segments larger than the room
    /// keeps its first `room` frames and loses the rest, as a tail-drop
    /// queue takes frames one by one: the lost tail counts as one more
    /// packet of the flow, dropped with `reason`, and as its frames in the
    /// stream's books. Anything else that does not fit is dropped whole.
    #[inline]
    fn fit(&mut self, id: u32, room: u32, reason: DropReason) -> bool {
        let pkt = &self.packets[id as usize];
        let frames = pkt.units.frames;
        if room >= frames {
            return true;
        }
        if room == 0 || pkt.role != Role::Segment {
            self.drop_packet(id, reason);
            return false;
        }
        let pkt = &mut self.packets[id as usize];
        let seg = pkt.units.payload / frames;
        let lost = seg * (frames - room);
        pkt.units.frames = room;
        pkt.units.payload = seg * room;
        pkt.units.bytes = (seg + FRAME_OVERHEAD) * room;
        let f = &mut self.flows[pkt.flow as usize];
        f.generated += 1;
        f.dropped += 1;
        f.dropped_by[reason as usize] += 1;
        if let Some(t) = f.tcp.as_mut() {
            t.frames.dropped((frames - room) as u64);
            if pkt.local {
                t.local_bytes -= lost as u64;
            }
        }
        self.rec.drop(reason);
        true
    }

    /// Moves packet `id`, which is at its current step at time `t`, as far as
    /// it can go now: through delays, and through a resource if `t` is now;
    /// otherwise schedules its arrival.
    fn advance(&mut self, id: u32, t: SimTime) {
        self.advance_from(id, t, None);
    }

    /// [`Engine::advance`] for a packet that `from` (a FIFO of
    /// [`Engine::fifos`]) has just served, if any.
    fn advance_from(&mut self, id: u32, mut t: SimTime, mut from: Option<u32>) {
        loop {
            let pkt = &self.packets[id as usize];
            let (ri, si) = (pkt.route as usize, pkt.step as usize);
            let Some(step) = self.routes[ri].get(si) else {
                self.inline_until = SimTime::ZERO;
                self.reach_end(id, t);
                return;
            };
            let (kind, fills) = (step.kind, step.fills);
            if step.is_resource() && t != self.now {
                // The arrival is the next event to run when it is earlier
                // than every pending one (a tie runs after them): run it now
                // instead of scheduling it, with the clock at its time. Only
                // a handler with nothing left to do but what is due after
                // `inline_until` may.
                if t < self.inline_until
                    && shortcut(Shortcut::Carry)
                    && t <= self.horizon
                    && t < self.run_end
                    && self.q.peek_time().is_none_or(|next| t < next)
                {
                    if let Some((at, f)) = self.next_gen.take() {
                        // A generator's handler ends here when its packet
                        // waits for an event: its next birth is scheduled
                        // now, before anything the packet does from here.
                        self.push_before_end(at, Ev::Gen(f));
                        self.inline_until = SimTime::MAX;
                    }
                    self.now = t;
                } else {
                    self.defer_arrival(id, t, from);
                    return;
                }
            }
            if let Some(r) = fills {
                // A producer takes a free descriptor per frame before it
                // starts.
                let ring = &self.rings[r as usize];
                let room = ring.pending.capacity() as u32 - ring.queued - ring.reserved;
                let reason = self.ring_specs[r as usize].drop;
                if !self.fit(id, room, reason) {
                    return;
                }
            }
            let pkt = &mut self.packets[id as usize];
            let work = &self.routes[ri][si].work;
            match kind {
                StepKind::Delay => {
                    charge_parts(pkt, work);
                    t += SimDuration::from_ps(work.time_ps(&pkt.units));
                }
                StepKind::Dma { link, region } => {
                    // The link's queue is asked first: a refused transfer
                    // neither translates its address nor uses a buffer.
                    let room = self.links[link as usize].room_for(t);
                    if !self.fit(id, room, DropReason::PcieQueueFull) {
                        return;
                    }
                    let pkt = &mut self.packets[id as usize];
                    // One buffer, so one translation, per frame.
                    let mut stall = SimDuration::ZERO;
                    if let Some(r) = region {
                        for _ in 0..pkt.units.frames {
                            stall += self.iotlb.translate(self.dma[r as usize].next_addr());
                        }
                    }
                    let a = self.links[link as usize]
                        .send_with_stall(t, &pkt.units, stall)
                        .expect("a link with room admits");
                    pkt.stage_ps[Stage::Iommu.index()] += stall.as_ps();
                    pkt.stage_ps[Stage::Pcie.index()] += a.end.since(t).as_ps() - stall.as_ps();
                    t = a.end;
                    from = Some(link as u32);
                }
                StepKind::Link { link, stage, drop } => {
                    let room = self.links[link as usize].room_for(t);
                    if room < self.packets[id as usize].units.frames {
                        // Each link counts its own (a rack's switch ports
                        // report theirs).
                        self.links[link as usize].refuse(drop);
                    }
                    if !self.fit(id, room, drop) {
                        return;
                    }
                    let pkt = &mut self.packets[id as usize];
                    let a = self.links[link as usize]
                        .send(t, &pkt.units)
                        .expect("a link with room admits");
                    pkt.stage_ps[stage.index()] += a.end.since(t).as_ps();
                    t = a.end;
                    from = Some(link as u32);
                    if pkt.local && self.egress[link as usize] {
                        // A burst's last frame leaves its sending host.
                        pkt.local = false;
                        let ev = Ev::TcpLeft(pkt.flow, pkt.units.payload);
                        self.q.push(t, ev);
                    }
                }
                StepKind::Serve {
                    pool,
                    wait,
                    drop,
                    order,
                } => {
                    let svc = SimDuration::from_ps(work.time_ps(&pkt.units));
                    match self.pools[pool as usize].admit(t, svc) {
                        Some(a) => {
                            // An in-order worker releases a job no sooner
                            // than the one before it.
                            let end = match order {
                                Some(o) => {
                                    let e = a.end.max(self.order_last[o as usize]);
                                    self.order_last[o as usize] = e;
                                    e
                                }
                                None => a.end,
                            };
                            pkt.stage_ps[wait.index()] +=
                                a.start.since(t).as_ps() + end.since(a.end).as_ps();
                            charge_parts(pkt, work);
                            let units = pkt.units;
                            account(
                                &mut self.rec,
                                work,
                                &units,
                                a,
                                self.window_end,
                                self.task_ps[pool as usize].as_mut(),
                            );
                            self.note_split(a, WorkAt::Step(ri as u32, si as u32), units);
                            t = end;
                            from = Some(self.links.len() as u32 + pool as u32);
                        }
                        None => {
                            self.drop_packet(id, drop);
                            return;
                        }
                    }
                }
                StepKind::Ring(r) => {
                    pkt.arrived = t;
                    let held = std::mem::take(&mut pkt.holds_slot);
                    let ring = &mut self.rings[r as usize];
                    if held {
                        ring.reserved -= pkt.units.frames;
                    } else {
                        let room = ring.pending.capacity() as u32 - ring.queued - ring.reserved;
                        let reason = self.ring_specs[r as usize].drop;
                        if !self.fit(id, room, reason) {
                            return;
                        }
                    }
                    let frames = self.packets[id as usize].units.frames;
                    let ring = &mut self.rings[r as usize];
                    ring.pending
                        .push_back(id)
                        .expect("a ring has a place for every descriptor");
                    ring.queued += frames;
                    ring.itr_bytes += self.packets[id as usize].units.bytes as u64;
                    self.request_notify(r, t);
                    return;
                }
                StepKind::Signal(r) => self.request_notify(r, t),
            }
            if let Some(r) = fills {
                let frames = self.packets[id as usize].units.frames;
                self.rings[r as usize].reserved += frames;
                self.packets[id as usize].holds_slot = true;
            }
            self.packets[id as usize].step += 1;
        }
    }

    /// Packet `id` arrives now at its current step (its event's whole
    /// handler: nothing follows its steps, so it may carry on at once).
    fn on_arrive(&mut self, id: u32) {
        self.inline_until = SimTime::MAX;
        self.advance(id, self.now);
        self.inline_until = SimTime::ZERO;
    }

    /// Schedules packet `id`'s arrival at its current step at `t`: in the
    /// FIFO of the resource that served it last (`from`) when `t` is not
    /// earlier than that FIFO's tail, else as an event of its own.
    #[inline]
    fn defer_arrival(&mut self, id: u32, t: SimTime, from: Option<u32>) {
        if let Some(r) = from.filter(|_| shortcut(Shortcut::Fifo)) {
            let fifo = &mut self.fifos[r as usize];
            let t_ps = t.as_ps();
            if fifo.back().is_none_or(|&(tail, _, _)| tail <= t_ps) {
                let seq = self.q.reserve();
                if fifo.is_empty() {
                    self.q.push_reserved(t, seq, Ev::Head(r));
                }
                fifo.push_back((t_ps, seq, id));
                return;
            }
        }
        self.q.push(t, Ev::Arrive(id));
    }

    /// Asks ring `r` to notify its consumer, if it is idle: at `t` plus the
    /// ring's delay, but no sooner than the minimum interval after the last
    /// notification (interrupt moderation).
    #[inline]
    fn request_notify(&mut self, r: u16, t: SimTime) {
        let ring = &mut self.rings[r as usize];
        if ring.state != RingState::Idle {
            return;
        }
        let spec = &self.ring_specs[r as usize];
        let mut at = t + SimDuration::from_ps(spec.delay_ps);
        let interval = if spec.adaptive {
            ITR_INTERVALS[ring.itr_class as usize]
        } else {
            SimDuration::from_ps(spec.min_interval_ps)
        };
        if let Some(last) = ring.last_notify {
            at = at.max(last + interval);
        }
        ring.state = RingState::Notifying;
        self.q.push(at, Ev::Notify(r));
    }

    /// A packet has finished its route at `t`.
    #[inline]
    fn reach_end(&mut self, id: u32, t: SimTime) {
        let pkt = &self.packets[id as usize];
        match self.flows[pkt.flow as usize].turn {
            // What goes out leaves; an answer coming back ends here.
            Turn::Leaves { lp, flow } if !pkt.role.answers() => {
                self.hand_off(id, t, lp, flow, None);
                return;
            }
            // An answer goes back; a request ends here.
            Turn::Answers { lp, flow } if pkt.role.answers() => {
                self.hand_off(id, t, lp, flow, None);
                return;
            }
            _ => {}
        }
        if let Some(x) = self.vpc.as_ref().and_then(|v| v.exit(pkt.route)) {
            // An addressed flow's packet to an instance on another host: its
            // copy there has this flow's index (a rack puts addressed flows
            // first, in one order, on every host).
            let to = Some((x.vm, x.dev, pkt.seq, x.then));
            self.hand_off(id, t, x.host, pkt.flow, to);
            return;
        }
        if pkt.role == Role::Data && t <= self.horizon && !self.flows[pkt.flow as usize].tracks_gaps
        {
            if self.tentative.is_some() && t > self.floor() + self.drain {
                // Maybe past the horizon the window's end will set.
                self.hold(id, t);
                return;
            }
            // Nothing follows a data packet: book it now, at its time. (An
            // addressed flow's deliveries go through the event queue, in
            // time order, to measure the gaps between them.)
            self.book_delivery(id, t);
            self.release(id);
        } else {
            self.q.push(t, Ev::Deliver(id));
        }
    }

    /// Books a delivery at `t`. One-way statistics (latency, breakdown,
    /// throughput) count open-loop packets only: request/response packets
    /// are measured by their round trips.
    fn book_delivery(&mut self, id: u32, t: SimTime) {
        let pkt = &self.packets[id as usize];
        let lat = t.since(pkt.born).as_ps();
        debug_assert_eq!(
            pkt.stage_ps.iter().sum::<u64>(),
            lat,
            "stage times must add up to the latency"
        );
        let f = &mut self.flows[pkt.flow as usize];
        if f.open_loop {
            self.rec.backlog.leave(t.as_ps());
        }
        f.delivered += 1;
        if f.tracks_gaps && pkt.role == Role::Data {
            f.note_delivery(t, pkt.seq);
        }
        if let Some(n) = f
            .series
            .get_mut((t.as_ps() / SERIES_BUCKET.as_ps()) as usize)
        {
            *n += 1;
        }
        self.rec.delivered += 1;
        if pkt.role != Role::Data {
            return;
        }
        if let Some(h) = f.latency.as_mut() {
            Recorder::record_ps(h, lat);
            f.latency_sum_ps += lat as u128;
        }
        let rec = &mut self.rec;
        Recorder::record_ps(&mut rec.latency, lat);
        rec.latency_sum_ps += lat as u128;
        for (sum, v) in rec.stage_sum_ps.iter_mut().zip(pkt.stage_ps.iter()) {
            *sum += *v as u128;
        }
        if t <= self.window_end {
            let bits = pkt.units.bytes as u64 * 8;
            rec.delivered_in_window += 1;
            rec.delivered_bits_in_window += bits;
            if self.tentative.is_some() {
                let floor = self.floor();
                if let Some(tv) = self.tentative.as_mut().filter(|_| t > floor) {
                    push_unsettled(&mut tv.late, (t, bits), |&(t, _)| t <= floor);
                }
            }
        }
    }

    /// Delivers packet `id` now, and starts what follows it.
    fn deliver(&mut self, id: u32) {
        let now = self.now;
        self.book_delivery(id, now);
        let pkt = self.packets[id as usize];
        self.release(id);
        let flow = pkt.flow as usize;
        match pkt.role {
            Role::Data => {}
            Role::Segment => self.on_tcp_segment(&pkt),
            Role::Ack => self.on_tcp_ack(&pkt),
            Role::Request => {
                let FlowKind::RequestResponse { response_bytes, .. } = self.flows[flow].cfg.kind
                else {
                    unreachable!("requests belong to request/response flows")
                };
                let route = self.flows[flow]
                    .reverse
                    .expect("request/response has a reverse route");
                let id = self.alloc(Packet {
                    born: now,
                    rr_born: pkt.rr_born,
                    flow: pkt.flow,
                    route,
                    units: Units::frame(response_bytes),
                    role: Role::Response,
                    rr_slot: pkt.rr_slot,
                    rr_seq: pkt.rr_seq,
                    // The request's birth number (a rack's `RackGaps`).
                    seq: pkt.seq,
                    ..Packet::default()
                });
                if self.steer(id) {
                    self.advance(id, now);
                }
            }
            Role::Response => {
                let f = &mut self.flows[flow];
                let slot = &mut f.slots[pkt.rr_slot as usize];
                if slot.seq != pkt.rr_seq || slot.deadline == SimTime::MAX {
                    // Late: the client timed out and moved on.
                    return;
                }
                slot.deadline = SimTime::MAX;
                let rtt = now.since(pkt.rr_born).as_ps();
                if let Some(h) = f.rtt.as_mut() {
                    Recorder::record_ps(h, rtt);
                }
                f.rtt_sum_ps += rtt as u128;
                f.completed += 1;
                if f.tracks_gaps {
                    f.note_delivery(now, pkt.seq);
                }
                if now <= self.window_end {
                    f.completed_in_window += 1;
                }
                let FlowKind::RequestResponse { think, .. } = f.cfg.kind else {
                    unreachable!("responses belong to request/response flows")
                };
                let next = now + think;
                if next < self.window_end {
                    self.push_before_end(next, Ev::RrSend(pkt.flow, pkt.rr_slot));
                }
            }
        }
    }

    // ---- TCP streams ----

    /// Sends every burst the sender's windows allow now (none once the
    /// traffic window has ended), and keeps its RTO armed.
    fn tcp_send(&mut self, flow: u32) {
        let now = self.now;
        if now < self.window_end {
            while let Some(b) = self.flows[flow as usize]
                .tcp
                .as_mut()
                .filter(|t| t.local_bytes < t.tsq_limit)
                .and_then(|t| t.sender.next_burst(now))
            {
                self.send_burst(flow, b);
            }
        }
        self.arm_tcp_timers(flow);
    }

    /// Creates and starts a packet for burst `b` of `flow`.
    fn send_burst(&mut self, flow: u32, b: Burst) {
        let now = self.now;
        let f = &mut self.flows[flow as usize];
        let route = f.route;
        let t = f.tcp.as_mut().expect("a TCP stream");
        // The application wrote these bytes `message_bytes` at a time: count
        // the writes whose last byte falls in a burst's new bytes.
        let end = b.seq + b.len as u64;
        let m = t.params.message_bytes.max(1) as u64;
        let send_calls = if end > t.written {
            let calls = end.div_ceil(m) - t.written.div_ceil(m);
            t.written = end;
            calls as u32
        } else {
            0
        };
        t.frames.born(b.segs as u64);
        let tsq = t.tsq_limit != u64::MAX;
        if tsq {
            t.local_bytes += b.len as u64;
        }
        let id = self.alloc(Packet {
            born: now,
            rr_born: now,
            flow,
            route,
            units: Units {
                frames: b.segs,
                send_calls,
                recv_calls: 1,
                bytes: b.len + b.segs * FRAME_OVERHEAD,
                payload: b.len,
            },
            role: Role::Segment,
            seq: b.seq,
            local: tsq,
            ..Packet::default()
        });
        self.advance(id, now);
    }

    /// Sends `n` ACKs from `flow`'s receiver (its SACK blocks now; its
    /// cumulative ACK now, or as `plan` numbers them for the packet of
    /// `len` bytes at `seq` that drew them).
    fn send_acks(&mut self, flow: u32, n: u32, plan: Option<(AckPlan, u64, u32)>) {
        let now = self.now;
        for k in 0..n {
            let f = &mut self.flows[flow as usize];
            let route = f.reverse.expect("a TCP stream has an ACK route");
            let t = f.tcp.as_mut().expect("a TCP stream");
            t.acks.born(1);
            let rcv_nxt = t.receiver.ack();
            let ack = plan.map_or(rcv_nxt, |(p, seq, len)| p.ack(k, seq, len, rcv_nxt));
            let sacks = t.receiver.sacks();
            let id = self.alloc(Packet {
                born: now,
                rr_born: now,
                flow,
                route,
                units: Units {
                    frames: 1,
                    send_calls: 0,
                    recv_calls: 0,
                    bytes: ACK_BYTES,
                    payload: 0,
                },
                role: Role::Ack,
                seq: ack,
                sacks,
                ..Packet::default()
            });
            self.advance(id, now);
        }
    }

    /// A burst reached the receiving application (or the host beyond the
    /// wire): reassembly, goodput, ACKs.
    fn on_tcp_segment(&mut self, pkt: &Packet) {
        let now = self.now;
        let in_window = now <= self.window_end;
        let t = self.flows[pkt.flow as usize]
            .tcp
            .as_mut()
            .expect("segments belong to TCP streams");
        t.frames.delivered(pkt.units.frames as u64);
        if pkt.local {
            // Between VMs a burst never takes the wire: it leaves the
            // sender's queues when it is delivered.
            t.local_bytes -= pkt.units.payload as u64;
        }
        let plan = t
            .receiver
            .on_segment(pkt.seq, pkt.units.payload, pkt.units.frames);
        t.delivered_bytes += plan.delivered;
        if in_window {
            t.goodput_bytes += plan.delivered;
        }
        if plan.arm_delack {
            t.receiver.delack_at = Some(now + t.params.delack);
        }
        self.send_acks(pkt.flow, plan.now, Some((plan, pkt.seq, pkt.units.payload)));
        self.arm_tcp_timers(pkt.flow);
    }

    /// An ACK reached the sender.
    fn on_tcp_ack(&mut self, pkt: &Packet) {
        let now = self.now;
        let t = self.flows[pkt.flow as usize]
            .tcp
            .as_mut()
            .expect("ACKs belong to TCP streams");
        t.acks.delivered(1);
        if let Some(b) = t.sender.on_ack(pkt.seq, &pkt.sacks, now) {
            self.send_burst(pkt.flow, b);
        }
        self.tcp_send(pkt.flow);
    }

    /// The RTO event: stale unless the sender's timer is due now.
    fn on_tcp_rto(&mut self, flow: u32) {
        let now = self.now;
        let t = self.flows[flow as usize]
            .tcp
            .as_mut()
            .expect("a TCP stream");
        t.rto_event = None;
        if t.sender.rto_at == Some(now) {
            t.sender.on_rto(now);
            self.tcp_send(flow);
        } else {
            self.arm_tcp_timers(flow);
        }
    }

    /// The delayed-ACK event: stale unless the receiver's timer is due now.
    fn on_tcp_delack(&mut self, flow: u32) {
        let now = self.now;
        let t = self.flows[flow as usize]
            .tcp
            .as_mut()
            .expect("a TCP stream");
        t.delack_event = None;
        if t.receiver.delack_at == Some(now) {
            if t.receiver.on_delack() {
                self.send_acks(flow, 1, None);
            }
        } else {
            self.arm_tcp_timers(flow);
        }
    }

    /// Makes sure an event is pending no later than each armed TCP timer
    /// (a pending earlier event re-arms at its firing, so one is enough).
    fn arm_tcp_timers(&mut self, flow: u32) {
        let horizon = self.horizon;
        let t = self.flows[flow as usize]
            .tcp
            .as_mut()
            .expect("a TCP stream");
        let due = |armed: Option<SimTime>, pending: &mut Option<SimTime>| {
            let at = armed.filter(|&at| at <= horizon && pending.is_none_or(|e| at < e))?;
            *pending = Some(at);
            Some(at)
        };
        let rto = due(t.sender.rto_at, &mut t.rto_event);
        let delack = due(t.receiver.delack_at, &mut t.delack_event);
        if let Some(at) = rto {
            self.push_up_to_horizon(at, Ev::TcpRto(flow));
        }
        if let Some(at) = delack {
            self.push_up_to_horizon(at, Ev::TcpDelack(flow));
        }
    }

    fn on_gen(&mut self, flow: u32) {
        if self.gen_count >= self.gen_cap {
            return;
        }
        self.gen_count += 1;
        let now = self.now;
        if self.gen_count == self.gen_cap {
            // The cap's last packet: the window ends 1 ps after its birth
            // (if the look-ahead has not ended it there already).
            self.end_window(now + ONE_PS);
            assert_eq!(self.window_end, now + ONE_PS, "the cap's window end");
        }
        let next = if self.lookahead {
            let next = self.next_birth(flow, now);
            if now >= self.look_at {
                self.look_ahead();
            }
            next
        } else {
            self.flows[flow as usize].arrivals.next(now)
        };
        let f = &mut self.flows[flow as usize];
        let bytes = f.sizes.draw();
        // Streams in turn.
        let route = match f.generated % (f.stream_routes.len() as u64 + 1) {
            0 => f.route,
            k => f.stream_routes[k as usize - 1],
        };
        let id = self.alloc(Packet {
            born: now,
            rr_born: now,
            flow,
            route,
            units: Units::frame(bytes),
            role: Role::Data,
            ..Packet::default()
        });
        let steered = self.steer(id);
        if next < self.window_end {
            self.next_gen = Some((next, flow));
        }
        if steered {
            // The packet may move on at once, without an event, up to the
            // next birth. Where it first does, the next birth is scheduled
            // (see `advance`): where this handler would have ended, so the
            // birth keeps its place among events due at the same time.
            self.inline_until = if next < self.window_end {
                next
            } else {
                SimTime::MAX
            };
            self.advance(id, now);
            self.inline_until = SimTime::ZERO;
        }
        if let Some((at, f)) = self.next_gen.take() {
            self.push_before_end(at, Ev::Gen(f));
        }
    }

    fn on_rr_send(&mut self, flow: u32, slot: u16) {
        if self.now >= self.window_end {
            return;
        }
        let now = self.now;
        let f = &mut self.flows[flow as usize];
        let FlowKind::RequestResponse {
            request_bytes,
            timeout,
            ..
        } = f.cfg.kind
        else {
            unreachable!("RrSend for a request/response flow")
        };
        let s = &mut f.slots[slot as usize];
        s.seq = s.seq.wrapping_add(1);
        s.deadline = now + timeout;
        let (route, seq, deadline) = (f.route, s.seq, s.deadline);
        let id = self.alloc(Packet {
            born: now,
            rr_born: now,
            flow,
            route,
            units: Units::frame(request_bytes),
            role: Role::Request,
            rr_slot: slot,
            rr_seq: seq,
            ..Packet::default()
        });
        self.q.push(deadline, Ev::RrTimeout(flow, slot));
        if self.steer(id) {
            self.advance(id, now);
        }
    }

    /// A slot's timer: if its request is still unanswered, count a timeout
    /// and send the next request.
    fn on_rr_timeout(&mut self, flow: u32, slot: u16) {
        let f = &mut self.flows[flow as usize];
        if f.slots[slot as usize].deadline != self.now {
            return; // answered in time: a stale timer
        }
        f.timeouts += 1;
        f.slots[slot as usize].deadline = SimTime::MAX;
        self.on_rr_send(flow, slot);
    }

    /// A ring's notification fires: its work runs on the notifying pool,
    /// and the consumer starts polling.
    ///
    /// - An **interrupt**'s work (exits, injection, handler) runs on the
    ///   consumer's own CPU, which polls when the handler is done. Into an
    ///   operating system's CPU (a vCPU, a bare-metal core) it preempts the
    ///   task work queued there ([`FcfsPool::admit_preempting`]): a
    ///   saturated guest still takes its interrupts, and their time is taken
    ///   from its application.
    /// - A **kick** is the producer's doorbell write trapping (X8, N4): KVM
    ///   signals the backend's ioeventfd inside that exit, and vhost runs on
    ///   its own core, so the consumer starts polling once its thread is
    ///   awake (`wake_ps`, the profile's `kick_wakeup_ns`; the packet's wait
    ///   meanwhile is its ring's wait stage), while the exit's cycles are
    ///   charged to the producer's vCPU. The vCPU pool is
    ///   FCFS with service computed at admission, so those cycles queue
    ///   behind work the vCPU has already been given (the vCPU's busy time is
    ///   right; the order of its work is approximate) — they never hold the
    ///   backend back.
    fn on_notify(&mut self, r: u16) {
        let now = self.now;
        let spec = &self.ring_specs[r as usize];
        let svc = SimDuration::from_ps(spec.notify_work.time_ps(&ONCE));
        let pool = &mut self.pools[spec.notify_pool as usize];
        let urgent = self.urgent[r as usize];
        let a = if urgent {
            pool.admit_preempting(now, svc)
        } else {
            pool.admit_uncounted(now, svc)
        };
        let task = self.task_ps[spec.notify_pool as usize]
            .as_mut()
            .filter(|_| !urgent);
        account(
            &mut self.rec,
            &spec.notify_work,
            &ONCE,
            a,
            self.window_end,
            task,
        );
        self.note_split(a, WorkAt::Notify(r), ONCE);
        let spec = &self.ring_specs[r as usize];
        let poll_at = match spec.notify {
            NotifyKind::Interrupt => {
                self.rec.interrupts += 1;
                a
            }
            NotifyKind::Kick => Admission {
                start: now,
                end: now + SimDuration::from_ps(spec.wake_ps),
            },
        };
        let ring = &mut self.rings[r as usize];
        ring.notifications += 1;
        if spec.adaptive {
            // ixgbe_update_itr: bytes per µs of the current interval move the
            // class one step (H8).
            let us = ITR_INTERVALS[ring.itr_class as usize].as_ps() / 1_000_000;
            let per_us = ring.itr_bytes / us.max(1);
            ring.itr_class = match (ring.itr_class, per_us) {
                (0, b) if b > 10 => 1,
                (1, b) if b > 20 => 2,
                (1, b) if b <= 10 => 0,
                (2, b) if b <= 20 => 1,
                (c, _) => c,
            };
            ring.itr_bytes = 0;
        }
        ring.last_notify = Some(now);
        ring.state = RingState::Polling;
        ring.batch = 0;
        ring.deferred = false;
        ring.notified = poll_at;
        self.poll_at(r, poll_at.end);
    }

    /// Schedules ring `r`'s next poll at `t`, or runs it now, with the clock
    /// at `t`, when it is the next thing due: earlier than every pending
    /// event (a tie queues behind them) and within the horizon. Called last
    /// by the handlers that schedule a poll, so nothing of theirs follows.
    #[inline]
    fn poll_at(&mut self, r: u16, mut t: SimTime) {
        while shortcut(Shortcut::Carry)
            && t <= self.horizon
            && t < self.run_end
            && self.q.peek_time().is_none_or(|next| t < next)
        {
            self.now = t;
            match self.poll_once(r) {
                Some(next) => t = next,
                None => return,
            }
        }
        self.q.push(t, Ev::Poll(r));
    }

    /// A ring's consumer polls (NAPI): it takes the packets waiting, up to
    /// its budget (`napi_budget`, T4.1), back to back; if more wait it polls
    /// again at once (rescheduled behind what its CPU was already given),
    /// else it does its batch-end work and re-enables its notification.
    fn on_poll(&mut self, r: u16) {
        if let Some(t) = self.poll_once(r) {
            self.poll_at(r, t);
        }
    }

    /// One poll of ring `r` now; the time of the next, or `None` when the
    /// ring was empty and its consumer has gone back to waiting.
    fn poll_once(&mut self, r: u16) -> Option<SimTime> {
        let now = self.now;
        if self.rings[r as usize].pending.is_empty() {
            let spec = &self.ring_specs[r as usize];
            if !spec.batch_end_work.is_empty() && self.rings[r as usize].batch > 0 {
                let svc = SimDuration::from_ps(spec.batch_end_work.time_ps(&ONCE));
                let pool = &mut self.pools[spec.consumer as usize];
                // The end of a poll's batch is in that poll's context.
                let urgent = self.urgent[r as usize] && !self.rings[r as usize].deferred;
                let a = if urgent {
                    pool.admit_preempting(now, svc)
                } else {
                    pool.admit_uncounted(now, svc)
                };
                let task = self.task_ps[spec.consumer as usize]
                    .as_mut()
                    .filter(|_| !urgent);
                account(
                    &mut self.rec,
                    &spec.batch_end_work,
                    &ONCE,
                    a,
                    self.window_end,
                    task,
                );
                self.note_split(a, WorkAt::BatchEnd(r), ONCE);
            }
            self.rings[r as usize].state = RingState::Idle;
            return None;
        }
        self.rings[r as usize].polls += 1;
        // The poll runs on one CPU: its packets one after another, admitted
        // as one job so a pool of several cores cannot run two of them at
        // once (and reorder them).
        let mut batch = std::mem::take(&mut self.poll_batch);
        batch.clear();
        let mut total = 0u64;
        while batch.len() < self.napi_budget as usize {
            let Some(id) = self.rings[r as usize].pending.pop_front() else {
                break;
            };
            let pkt = &self.packets[id as usize];
            let step = &self.routes[pkt.route as usize][pkt.step as usize];
            debug_assert_eq!(step.kind, StepKind::Ring(r));
            let svc = step.work.time_ps(&pkt.units);
            total += svc;
            batch.push((id, svc));
        }
        // The polls an interrupt raised run as a softirq, ahead of the task
        // work queued on their CPU, until they have taken a softirq's
        // budget of packets (`netdev_budget`, 300, T4.2); the rest waits its
        // turn, as Linux hands it to ksoftirqd, so a flood cannot starve the
        // CPU's tasks. Simplified: the budget is per ring (Linux shares it
        // among the queues one CPU polls), and `__do_softirq`'s restarts
        // (up to 10, or 2 ms, before it wakes ksoftirqd) are not modelled,
        // so a sustained flood is deferred sooner than on Linux.
        let consumer = self.ring_specs[r as usize].consumer;
        let pool = &mut self.pools[consumer as usize];
        let svc = SimDuration::from_ps(total);
        let ring = &mut self.rings[r as usize];
        // `batch`: the packets the polls before this one took since the
        // interrupt.
        let urgent = self.urgent[r as usize] && ring.batch < NETDEV_BUDGET;
        ring.deferred = !urgent;
        let job = if urgent {
            pool.admit_preempting(now, svc)
        } else {
            pool.admit_uncounted(now, svc)
        };
        let mut cursor = job.start;
        for &(id, svc) in &batch {
            let a = Admission {
                start: cursor,
                end: cursor + SimDuration::from_ps(svc),
            };
            cursor = a.end;
            let ring = &mut self.rings[r as usize];
            ring.batch += 1;
            ring.packets += 1;
            ring.queued -= self.packets[id as usize].units.frames;
            let pkt = &mut self.packets[id as usize];
            let step = &self.routes[pkt.route as usize][pkt.step as usize];
            let spec = &self.ring_specs[r as usize];
            // An interrupt's work ran on the consumer's CPU while the packet
            // waited: that part of its wait is the interrupt's stages. A
            // kick's exit ran on the producer's vCPU, not in the packet's
            // way.
            let waited = match spec.notify {
                NotifyKind::Interrupt => charge_notification(
                    pkt,
                    &spec.notify_work,
                    self.rings[r as usize].notified,
                    a.start,
                ),
                NotifyKind::Kick => 0,
            };
            pkt.stage_ps[spec.wait.index()] += a.start.since(pkt.arrived).as_ps() - waited;
            charge_parts(pkt, &step.work);
            let task = self.task_ps[consumer as usize].as_mut().filter(|_| !urgent);
            account(
                &mut self.rec,
                &step.work,
                &pkt.units,
                a,
                self.window_end,
                task,
            );
            let (route, si, units) = (pkt.route, pkt.step, pkt.units);
            pkt.step += 1;
            self.note_split(a, WorkAt::Step(route, si), units);
            let from = self.links.len() as u32 + consumer as u32;
            self.advance_from(id, a.end, Some(from));
        }
        self.poll_batch = batch;
        Some(cursor)
    }

    fn vpc_mut(&mut self) -> &mut VpcRt {
        self.vpc
            .as_mut()
            .expect("control events exist only with a VPC")
    }

    /// Schedules what a control-plane step asks for.
    fn follow(&mut self, f: Follow) {
        match f {
            Follow::Complete(i, d) => self.q.push(self.now + d, Ev::Complete(i)),
            Follow::Transit(i, d) => self.q.push(self.now + d, Ev::TransitDone(i)),
            Follow::Run(k) => self.q.push(self.now, Ev::Control(k)),
        }
    }

    /// Lets the data plane decide the route of packet `id`, born now, if its
    /// flow is addressed (a response: the answer of a request/response), or
    /// drop it. True if the packet goes on.
    #[inline]
    fn steer(&mut self, id: u32) -> bool {
        let Some(vpc) = self.vpc.as_mut() else {
            return true;
        };
        let pkt = &mut self.packets[id as usize];
        let flow = pkt.flow as usize;
        if !vpc.is_addressed(flow) {
            return true;
        }
        let now = self.now;
        let reply = pkt.role == Role::Response;
        let f = &mut self.flows[flow];
        if let Some(g) = f.rack_gaps.as_mut().filter(|_| !reply) {
            // Every copy of an open-loop flow numbers the births alike (see
            // `RackGaps`); an answer keeps its request's number.
            g.births += 1;
            pkt.seq = g.births;
        }
        let drop = match vpc.steer(flow, reply, pkt.units.bytes, now, &mut self.routes) {
            Ok(Some(route)) => {
                pkt.route = route;
                return true;
            }
            // The VPC drops it: the flow's own host books it, or the host
            // that answered a request (no other host makes its answer).
            Err(reason) if f.turn != Turn::Mirror || reply => Some(reason),
            // An answer whose source address is on another host by now (its
            // ENI, or the address, moved while the request was on its way):
            // booked as no_attachment, this instance having no interface
            // that holds the address. (On one host the answer leaves from
            // the address's new holder, which never had the request.)
            Ok(None) if reply => Some(DropReason::NoAttachment),
            // Another host of the rack takes it, or books its drop.
            Ok(None) | Err(_) => None,
        };
        match drop {
            Some(reason) => {
                f.lost += 1;
                f.last_lost = Some(now);
                self.drop_packet(id, reason);
            }
            None => self.forget(id),
        }
        false
    }

    // ---- A packet cap's window (see the module docs) ----

    /// A time the window's end is certainly not before, while it is
    /// tentative: after now (the n-th birth is still to come), and after
    /// what the look-ahead of births has found ([`Engine::look_ahead`]).
    #[inline]
    fn floor(&self) -> SimTime {
        self.w_floor.max(self.now + ONE_PS)
    }

    /// The birth after `now`, flow `flow`'s, which is born now: from its
    /// births drawn ahead ([`FlowRt::ahead`]), drawing more while the window
    /// is tentative — up to [`AHEAD`] past now, at most [`ahead_max`] of
    /// them. A flow's arrivals are its own stream's: drawing them sooner
    /// changes no draw.
    #[inline]
    fn next_birth(&mut self, flow: u32, now: SimTime) -> SimTime {
        let max = if self.tentative.is_some() {
            ahead_max()
        } else {
            1
        };
        let f = &mut self.flows[flow as usize];
        debug_assert_eq!(f.ahead[f.ahead_at], now, "births are drawn ahead in order");
        f.ahead_at += 1;
        let left = f.ahead.len() - f.ahead_at;
        let mut last = f.ahead.last().copied().unwrap_or(now);
        // Drawn in bursts, once less than half the look-ahead is left.
        if left == 0 || (left < max / 2 && last < now + AHEAD_HALF) {
            f.ahead.drain(..f.ahead_at);
            f.ahead_at = 0;
            while f.ahead.is_empty() || (f.ahead.len() < max && last < now + AHEAD) {
                last = f.arrivals.next(last);
                f.ahead.push(last);
            }
            self.ahead_len += f.ahead.len() - left;
        }
        self.ahead_len -= 1;
        f.ahead[f.ahead_at]
    }

    /// While the window is tentative, after births are drawn ahead: every
    /// birth up to `h`, the earliest of the flows' last drawn births, is
    /// known. If the births still to come up to the cap's last (`gen_cap`
    /// less those born) are among them, the last one's time T is known and
    /// the window ends now at T + 1 ps ([`Engine::end_window`]), or at the
    /// duration cap if T is not before it (nor if `h` is past the cap with
    /// too few births before it); else T is after `h`, which raises the
    /// floor ([`Engine::floor`]), so that less is noted.
    ///
    /// It looks again only once the clock is halfway to the floor it found
    /// (a look costs a pass over the flows, or over the births drawn ahead).
    fn look_ahead(&mut self) {
        if self.tentative.is_none() || self.gen_count >= self.gen_cap {
            return;
        }
        let left = self.gen_cap - self.gen_count;
        let cap = self.window_end;
        let h = self
            .flows
            .iter()
            .filter_map(|f| f.ahead.last().filter(|_| f.ahead.len() > f.ahead_at))
            .min()
            .copied()
            .unwrap_or(SimTime::MAX);
        let mut nth = None;
        if (self.ahead_len as u64) >= left {
            let mut known = std::mem::take(&mut self.scratch);
            known.clear();
            for f in &self.flows {
                known.extend(f.ahead[f.ahead_at..].iter().copied().filter(|&t| t <= h));
            }
            if known.len() as u64 >= left {
                nth = Some(*known.select_nth_unstable(left as usize - 1).1);
            }
            self.scratch = known;
        }
        match nth {
            Some(t) if t < cap => self.end_window(t + ONE_PS),
            Some(_) => self.end_window(cap),
            None if h >= cap => self.end_window(cap),
            None => {
                self.w_floor = self.w_floor.max(h + ONE_PS);
                let now = self.now.as_ps();
                self.look_at = SimTime::from_ps(now + (self.w_floor.as_ps() - now) / 2);
            }
        }
    }

    /// Pushes an event that the caller pushes only if `t` is before the
    /// window's end (noted while that end is tentative).
    #[inline]
    fn push_before_end(&mut self, t: SimTime, ev: Ev) {
        if t >= self.w_floor && self.tentative.is_some() && t >= self.floor() {
            self.mark(t, MarkKind::BeforeEnd);
        }
        self.q.push(t, ev);
    }

    /// Pushes an event that the caller pushes only if `t` is within the
    /// horizon (noted while that may depend on the window's end).
    #[inline]
    fn push_up_to_horizon(&mut self, t: SimTime, ev: Ev) {
        if self.tentative.is_some() && t > self.floor() + self.drain {
            self.mark(t, MarkKind::UpToHorizon);
        }
        self.q.push(t, ev);
    }

    /// Notes a push or a held delivery at `t` (called just before the push)
    /// in [`Tentative::marks`]: the queue's peak so far is its stretch's,
    /// and a new stretch starts.
    fn mark(&mut self, t: SimTime, kind: MarkKind) {
        let (floor, drain) = (self.floor(), self.drain);
        let tv = self
            .tentative
            .as_mut()
            .expect("marks only while the window's end is tentative");
        tv.fold_peak(self.q.peak_len());
        if tv.marks.len() == tv.marks.capacity() {
            tv.compact(floor, drain);
            tv.marks.reserve(tv.marks.len().max(1));
        }
        tv.marks.push(Mark { t, kind, peak: 0 });
        // A push's stretch starts with the push; a held delivery's with
        // the queue as it is, to which the plain run may add its event.
        let from = if kind == MarkKind::Held {
            self.q.len()
        } else {
            0
        };
        self.q.set_peak(from);
    }

    /// Notes CPU work `work` for a packet of `units`, done during `a` and
    /// split at the window's end, if that may change.
    #[inline]
    fn note_split(&mut self, a: Admission, work: WorkAt, units: Units) {
        if a.end <= self.w_floor {
            return;
        }
        let floor = self.floor();
        if let Some(tv) = self.tentative.as_mut().filter(|_| a.end > floor) {
            let s = Split { a, work, units };
            push_unsettled(&mut tv.splits, s, |s| s.a.end <= floor);
        }
    }

    /// Holds back the delivery of packet `id` at `t`, which may be past the
    /// horizon, and books those held that are certainly within it (the
    /// order of bookings changes nothing: they add up).
    fn hold(&mut self, id: u32, t: SimTime) {
        let sure = self.floor() + self.drain;
        while let Some(tv) = self.tentative.as_mut() {
            match tv.held.front() {
                Some(&(at, held)) if at <= sure => {
                    tv.held.pop_front();
                    self.book_delivery(held, at);
                    self.release(held);
                }
                _ => break,
            }
        }
        self.mark(t, MarkKind::Held);
        if let Some(tv) = self.tentative.as_mut() {
            tv.held.push_back((t, id));
        }
    }

    /// Ends a tentative window at `w` (no later than its tentative end;
    /// at the n-th birth, 1 ps after it, or at the run's end, where it was):
    /// from here on the run is the plain run's, and what it did that
    /// depends on the window's end is made what the plain run's did.
    fn end_window(&mut self, w: SimTime) {
        let Some(mut tv) = self.tentative.take() else {
            return;
        };
        self.w_floor = SimTime::MAX;
        self.look_at = SimTime::MAX;
        let was = self.window_end;
        let h = w.saturating_add(self.drain);
        // The most events pending at once, as the plain run counts them:
        // each stretch's peak, less the events of marks so far it lacks.
        tv.fold_peak(self.q.peak_len());
        let mut plain_minus_this = 0i64;
        let mut peak = tv.head_peak as i64;
        for m in &tv.marks {
            plain_minus_this += m.plain_minus_this(w, h);
            peak = peak.max(m.peak as i64 + plain_minus_this);
        }
        self.q.set_peak(peak as usize);
        // Events the plain run did not push: none has run (their times are
        // after now).
        self.q.retain(|t, ev| match ev {
            Ev::Gen(_) | Ev::RrSend(..) | Ev::TcpStart(_) => t < w,
            Ev::TcpRto(_) | Ev::TcpDelack(_) => t <= h,
            _ => true,
        });
        // (A timer pending past the horizon changes nothing a later arming
        // does, but the state is then the plain run's.)
        for t in self.flows.iter_mut().filter_map(|f| f.tcp.as_mut()) {
            for e in [&mut t.rto_event, &mut t.delack_event] {
                if e.is_some_and(|e| e > h) {
                    *e = None;
                }
            }
        }
        self.window_end = w;
        self.horizon = h;
        if w < was {
            for p in &mut self.pools {
                p.shrink_window(w);
            }
            for l in &mut self.links {
                l.shrink_window(w);
            }
        }
        // Deliveries counted in the window after its end.
        for &(_, bits) in tv.late.iter().filter(|&&(t, _)| t > w) {
            self.rec.delivered_in_window -= 1;
            self.rec.delivered_bits_in_window -= bits;
        }
        // CPU work split at the tentative end that ends after the real one.
        let rec = &mut self.rec;
        for s in tv.splits.iter().filter(|s| s.a.end > w) {
            let work = match s.work {
                WorkAt::Step(r, i) => &self.routes[r as usize][i as usize].work,
                WorkAt::Notify(r) => &self.ring_specs[r as usize].notify_work,
                WorkAt::BatchEnd(r) => &self.ring_specs[r as usize].batch_end_work,
            };
            let span = s.a.end.since(s.a.start).as_ps() as u128;
            let (before, after) = (inside(s.a, was), inside(s.a, w));
            for p in work.parts() {
                let t = p.time_ps(&s.units) as u128;
                let excess = part_in_window(t, before, span) - part_in_window(t, after, span);
                match p.class {
                    CpuClass::Host => rec.host_cpu_in_window_ps -= excess,
                    CpuClass::Guest => rec.guest_cpu_in_window_ps -= excess,
                    CpuClass::Hardware => {}
                }
            }
        }
        // Deliveries held back: booked, or waiting past the horizon as in
        // the plain run.
        for (t, id) in tv.held.drain(..) {
            if t <= h {
                self.book_delivery(id, t);
                self.release(id);
            } else {
                self.q.push(t, Ev::Deliver(id));
            }
        }
        let buckets = series_buckets(h);
        for f in &mut self.flows {
            f.series.truncate(buckets as usize);
        }
    }

    fn run(&mut self) {
        self.start();
        self.run_until(SimTime::MAX);
        // Fewer packets than the cap: the window ends where it was.
        self.end_window(self.window_end);
    }

    /// Schedules what starts the run: the control plane's first actions,
    /// every flow's first packet, stream or request.
    pub(super) fn start(&mut self) {
        if let Some(v) = &self.vpc {
            for (k, at) in v.initial() {
                self.q.push(SimTime::ZERO + at, Ev::Control(k));
            }
        }
        for i in 0..self.flows.len() {
            match self.flows[i].cfg.kind {
                // Its bursts or requests come from another host.
                FlowKind::TcpStream { .. } | FlowKind::RequestResponse { .. }
                    if matches!(self.flows[i].turn, Turn::Answers { .. } | Turn::Mirror) => {}
                FlowKind::TcpStream { .. } => {
                    // The connection opens within 1 µs (a random phase).
                    let at = SimTime::ZERO + self.flows[i].arrivals.jitter(SimDuration::from_us(1));
                    if at < self.window_end {
                        self.push_before_end(at, Ev::TcpStart(i as u32));
                    }
                }
                FlowKind::RequestResponse {
                    outstanding, think, ..
                } => {
                    // Each slot starts within one think time, or within
                    // 1 µs without one (see `traffic`'s module doc on start
                    // phases): no two clients start in lockstep.
                    let span = if think > SimDuration::ZERO {
                        think
                    } else {
                        SimDuration::from_us(1)
                    };
                    for slot in 0..outstanding {
                        let at = SimTime::ZERO + self.flows[i].arrivals.jitter(span);
                        if at < self.window_end {
                            self.push_before_end(at, Ev::RrSend(i as u32, slot as u16));
                        }
                    }
                }
                // Its packets come from another host.
                _ if self.flows[i].turn == Turn::Arrives => {}
                _ => {
                    let f = &mut self.flows[i];
                    let t = f.arrivals.first();
                    if self.lookahead {
                        f.ahead.push(t);
                        let mut last = t;
                        while f.ahead.len() < ahead_max() && last < SimTime::ZERO + AHEAD {
                            last = f.arrivals.next(last);
                            f.ahead.push(last);
                        }
                        self.ahead_len += f.ahead.len();
                    }
                    if t < self.window_end {
                        self.push_before_end(t, Ev::Gen(i as u32));
                    }
                }
            }
        }
        if self.lookahead {
            self.look_ahead();
        }
    }

    /// Runs every event before `end` (and not past the horizon). Nothing
    /// moves on inline past `end` either (a packet's next step, a ring's
    /// next poll): a rack's host may yet receive a packet from another
    /// before it.
    ///
    /// A crossing from another host ([`Engine::hold_crossing`]) runs at its time,
    /// before the events pending for the same time: where it falls among
    /// them depends only on the times, never on when the kernel handed it
    /// over, so the result does not depend on how the run was cut into
    /// windows.
    pub(super) fn run_until(&mut self, end: SimTime) {
        loop {
            let held = self.held.peek().map_or(SimTime::MAX, |h| h.0.at);
            // Nothing moves on inline to a held crossing's time either.
            self.run_end = end.min(held);
            let next = self.q.peek_time();
            if next.is_none_or(|t| held <= t) {
                if held > self.horizon || held >= end {
                    break;
                }
                let std::cmp::Reverse(h) = self.held.pop().expect("peeked");
                // Its packet may carry on up to the next one.
                self.run_end = end.min(self.held.peek().map_or(SimTime::MAX, |n| n.0.at));
                debug_assert!(
                    h.at >= self.now,
                    "a crossing due before the receiver's clock"
                );
                self.now = h.at;
                self.events += 1;
                let id = self.take_in(h.c);
                self.on_arrive(id);
                continue;
            }
            let t = next.expect("an event is pending");
            if t > self.horizon || t >= end {
                break;
            }
            let (t, ev) = self.q.pop().expect("peeked");
            debug_assert!(t >= self.now, "event queue went backwards");
            self.now = t;
            self.events += 1;
            match ev {
                Ev::Gen(f) => self.on_gen(f),
                Ev::RrSend(f, slot) => self.on_rr_send(f, slot),
                Ev::RrTimeout(f, slot) => self.on_rr_timeout(f, slot),
                Ev::Arrive(id) => self.on_arrive(id),
                Ev::Head(r) => {
                    let fifo = &mut self.fifos[r as usize];
                    let (at, _, id) = fifo.pop_front().expect("a FIFO's event has its head");
                    debug_assert_eq!(at, t.as_ps());
                    if let Some(&(next, seq, _)) = fifo.front() {
                        self.q
                            .push_reserved(SimTime::from_ps(next), seq, Ev::Head(r));
                    }
                    self.on_arrive(id);
                }
                Ev::Notify(r) => self.on_notify(r),
                Ev::Poll(r) => self.on_poll(r),
                Ev::Deliver(id) => self.deliver(id),
                Ev::Control(k) => {
                    let follows = self.vpc_mut().run_entry(k, t);
                    for f in follows {
                        self.follow(f);
                    }
                }
                Ev::Complete(i) => {
                    if let Some(f) = self.vpc_mut().complete(i, t) {
                        self.follow(f);
                    }
                }
                Ev::TransitDone(i) => {
                    if let Some(f) = self.vpc_mut().transit_done(i, t) {
                        self.follow(f);
                    }
                }
                Ev::TcpStart(f) => self.tcp_send(f),
                Ev::TcpRto(f) => self.on_tcp_rto(f),
                Ev::TcpDelack(f) => self.on_tcp_delack(f),
                Ev::TcpLeft(f, bytes) => {
                    let t = self.flows[f as usize].tcp.as_mut().expect("a TCP stream");
                    t.local_bytes = t.local_bytes.saturating_sub(bytes as u64);
                    self.tcp_send(f);
                }
            }
        }
    }

    /// The time of the next event to run, if any is due by the horizon.
    pub(super) fn next_time(&self) -> Option<SimTime> {
        let held = self.held.peek().map(|h| h.0.at);
        [self.q.peek_time(), held]
            .into_iter()
            .flatten()
            .min()
            .filter(|&t| t <= self.horizon)
    }

    // ---- A rack's hosts (see `crate::model::rack`) ----

    /// Hands packet `id`, at the end of its route at `t` (its last bit
    /// into the switch), to the switch for flow `flow` of host `lp`: it
    /// arrives at that host's port after the switch's latency (cut-through:
    /// counted from its first bytes). Booked here as handed.
    fn hand_off(
        &mut self,
        id: u32,
        t: SimTime,
        lp: u32,
        flow: u32,
        to: Option<(u32, u32, u64, Then)>,
    ) {
        let sw = self.switch.expect("a flow leaves only in a rack");
        let pkt = &self.packets[id as usize];
        let f = &self.flows[pkt.flow as usize];
        // A flow's routes are distinct ([`Interned`]), not in order. (An
        // answer takes its flow's reverse route there, by its role.)
        let stream = if pkt.route == f.route || pkt.role.answers() {
            0
        } else {
            f.stream_of
                .binary_search_by_key(&pkt.route, |&(r, _)| r)
                .map_or(0, |i| f.stream_of[i].1)
        };
        let mut stage_ps = pkt.stage_ps;
        let wire = &mut stage_ps[Stage::Wire.index()];
        // Cut-through overlaps the way out with the last frame's way in
        // after its headers.
        let overlap = if sw.cut_through {
            let last = pkt.units.bytes / pkt.units.frames.max(1);
            let bits = u64::from(last.saturating_sub(CUT_THROUGH_BYTES)) * 8;
            let (d, _) = sw.rate.time_for_bits(bits, 0);
            // Never more than the wire it overlaps.
            d.as_ps().min(*wire)
        } else {
            0
        };
        *wire = *wire - overlap + sw.latency.as_ps();
        let at = SimTime::from_ps(t.as_ps() - overlap) + sw.latency;
        self.outbox.push((
            at,
            lp,
            Crossing {
                flow,
                stream,
                born: pkt.born,
                units: pkt.units,
                stage_ps,
                to,
                role: pkt.role,
                rr_born: pkt.rr_born,
                rr_slot: pkt.rr_slot,
                rr_seq: pkt.rr_seq,
                seq: pkt.seq,
                sacks: pkt.sacks,
            },
        ));
        let (role, frames) = (pkt.role, pkt.units.frames as u64);
        let f = &mut self.flows[pkt.flow as usize];
        if f.open_loop {
            self.rec.backlog.leave(t.as_ps());
        }
        f.handed += 1;
        if let Some(t) = f.tcp.as_mut() {
            match role {
                Role::Ack => t.acks.handed(1),
                _ => t.frames.handed(frames),
            }
        }
        self.release(id);
    }

    /// The crossings handed to the switch since the last call, in the
    /// order they were handed.
    pub(super) fn take_outbox(&mut self) -> std::vec::Drain<'_, (SimTime, u32, Crossing)> {
        self.outbox.drain(..)
    }

    /// A packet from another host (LP `from`, its `seq`-th message) reaches
    /// this host's switch port at `at`: held until then, when it starts its
    /// flow's route there ([`Engine::run_until`]).
    pub(super) fn hold_crossing(&mut self, at: SimTime, from: u32, seq: u64, c: Crossing) {
        debug_assert!(at >= self.now, "a crossing due before the receiver's clock");
        self.held.push(std::cmp::Reverse(Held { at, from, seq, c }));
    }

    /// Once the run has stopped: the crossings still held (due after the
    /// horizon) become pending arrivals, in flight in the books as any
    /// packet whose next event never ran.
    pub(super) fn flush_held(&mut self) {
        while let Some(std::cmp::Reverse(h)) = self.held.pop() {
            let id = self.take_in(h.c);
            self.q.push(h.at, Ev::Arrive(id));
        }
    }

    /// A crossing's packet, on this host: on its flow's route (or, for an
    /// addressed flow, the route to its device), at the route's start.
    fn take_in(&mut self, c: Crossing) -> u32 {
        let f = &mut self.flows[c.flow as usize];
        f.injected += 1;
        let (route, seq) = match c.to {
            Some((vm, dev, seq, then)) => {
                let vpc = self.vpc.as_mut().expect("addressed flows have a VPC");
                let route = vpc
                    .arrival_route(vm, dev, then, &mut self.routes)
                    .expect("a crossing comes to a device of this host's instances, on hops its sender found");
                (route, seq)
            }
            None => {
                let route = match (f.turn, c.role, c.stream) {
                    (Turn::Leaves { .. }, Role::Response | Role::Ack, _) => {
                        f.reverse.expect("a closed-loop flow has a reverse route")
                    }
                    (
                        Turn::Arrives | Turn::Answers { .. },
                        Role::Data | Role::Request | Role::Segment,
                        0,
                    ) => f.route,
                    (Turn::Arrives, Role::Data, k) => f.stream_routes[k as usize - 1],
                    (turn, role, _) => {
                        unreachable!("a {role:?} crossing for a flow that {turn:?}")
                    }
                };
                (route, c.seq)
            }
        };
        if let Some(t) = f.tcp.as_mut() {
            match c.role {
                Role::Ack => t.acks.taken_in(1),
                _ => t.frames.taken_in(c.units.frames as u64),
            }
        }
        self.alloc(Packet {
            born: c.born,
            rr_born: c.rr_born,
            flow: c.flow,
            route,
            units: c.units,
            role: c.role,
            stage_ps: c.stage_ps,
            seq,
            rr_slot: c.rr_slot,
            rr_seq: c.rr_seq,
            sacks: c.sacks,
            ..Packet::default()
        })
    }

    /// The rack's hosts as one engine, for its result: every host's
    /// resources (named `host{k}.…`), counters and stages, and its flows in
    /// the rack's order, `homes[g]` saying where flow `g`'s halves ran
    /// (`cfg`: the rack's configuration). A
    /// flow that crossed the switch is whole again: born on one host,
    /// delivered or dropped on either, or in flight on either or between
    /// them (handed to the switch and not yet taken in: none, once the
    /// parallel run has delivered its last window's messages).
    pub(super) fn merge_rack(
        mut hosts: Vec<Engine>,
        homes: &[FlowHome],
        cfg: &HostConfig,
    ) -> Engine {
        let mut halves: Vec<Vec<Option<FlowRt>>> = hosts
            .iter_mut()
            .map(|e| std::mem::take(&mut e.flows).into_iter().map(Some).collect())
            .collect();
        let mut take = |host: usize, local: u32| {
            halves[host][local as usize]
                .take()
                .expect("each flow half is merged once")
        };
        let flows: Vec<FlowRt> = homes
            .iter()
            .map(|home| {
                let mut f = take(home.host, home.local);
                if let Some((host, local)) = home.arrives {
                    let mut d = take(host, local);
                    // Handed to the switch (either way: a request/response
                    // flow's answers come back) and not yet taken in: in
                    // flight between the hosts. A packet taken in was
                    // counted as generated on both.
                    let between = (f.handed - d.injected) + (d.handed - f.injected);
                    f.generated = f.generated - f.injected + d.generated - d.injected;
                    f.handed = 0;
                    f.injected = 0;
                    if let (Some(a), Some(b)) = (f.tcp.as_mut(), d.tcp.as_ref()) {
                        // The sender's half keeps its sender; the
                        // receiver's half counted what reached the
                        // application.
                        a.frames.merge(&b.frames);
                        a.acks.merge(&b.acks);
                        a.goodput_bytes += b.goodput_bytes;
                        a.delivered_bytes += b.delivered_bytes;
                    }
                    f.delivered += d.delivered;
                    f.dropped += d.dropped;
                    for (a, b) in f.dropped_by.iter_mut().zip(&d.dropped_by) {
                        *a += b;
                    }
                    f.live += d.live + between;
                    if f.latency.is_none() {
                        f.latency = d.latency.take();
                    } else if let (Some(a), Some(b)) = (f.latency.as_mut(), d.latency.as_ref()) {
                        a.add(b).expect("flow histograms share their bounds");
                    }
                    f.latency_sum_ps += d.latency_sum_ps;
                }
                if !home.mirrors.is_empty() {
                    let copies: Vec<(usize, FlowRt)> =
                        home.mirrors.iter().map(|&(h, l)| (h, take(h, l))).collect();
                    f.absorb_mirrors(home.host, copies);
                }
                f
            })
            .collect();
        let mut it = hosts.into_iter();
        let mut rack = it.next().expect("a rack has hosts");
        rack.prefix_names("host0");
        for (k, mut e) in it.enumerate() {
            e.prefix_names(&format!("host{}", k + 1));
            rack.absorb(e, cfg.stages == Stages::Wire);
        }
        rack.flows = flows;
        rack
    }

    /// NICs of the host.
    pub(super) fn nics(&self) -> u32 {
        self.nics
    }

    /// Every ENI as the run ends, as this host's copy of the VPC sees it
    /// (an instance on another host has no VM here).
    pub(super) fn enis(&self) -> Vec<crate::metrics::EniSummary> {
        self.vpc.as_ref().map(|v| v.enis()).unwrap_or_default()
    }

    /// Flow `i`'s one-way latency histogram \[ns\] and the exact sum of its
    /// latencies \[ps\], if it is an open-loop flow: what a rack's latency
    /// by scope is built from (`rack::run`).
    pub(super) fn flow_latency(&self, i: usize) -> Option<(&Histogram<u32>, u128)> {
        let f = &self.flows[i];
        f.latency.as_ref().map(|h| (h, f.latency_sum_ps))
    }

    /// The links, in resource order: what a rack's switch ports report
    /// (`rack::run`).
    pub(super) fn links(&self) -> &[Link] {
        &self.links
    }

    /// Puts `prefix.` before the names of this host's pools, links and
    /// rings.
    fn prefix_names(&mut self, prefix: &str) {
        for n in &mut self.pool_names {
            *n = format!("{prefix}.{n}");
        }
        for l in &mut self.links {
            l.name = format!("{prefix}.{}", l.name);
        }
        for r in &mut self.ring_specs {
            r.name = format!("{prefix}.{}", r.name);
        }
    }

    /// Adds another host's resources and counts to this one's (see
    /// [`Engine::merge_rack`]); not its flows.
    fn absorb(&mut self, other: Engine, wire_only: bool) {
        self.rec.absorb(&other.rec);
        let used = other.stages_used();
        for (a, b) in self.absorbed_stages.iter_mut().zip(used) {
            *a |= b;
        }
        // Every host of a rack is on the same path: all have DMA regions
        // behind the IOMMU, or none.
        self.iotlb.add_counts(other.iotlb.counts());
        let shown: Vec<bool> = (0..other.links.len())
            .map(|i| !wire_only || other.on_a_route(i))
            .collect();
        self.hv_cores += other.hv_cores;
        self.events += other.events;
        self.absorbed_peak += other.q.peak_len();
        self.pools.extend(other.pools);
        self.pool_names.extend(other.pool_names);
        self.task_ps.extend(other.task_ps);

        self.links.extend(
            other
                .links
                .into_iter()
                .zip(shown)
                .filter(|(_, s)| *s)
                .map(|(l, _)| l),
        );
        self.rings.extend(other.rings);
        self.ring_specs.extend(other.ring_specs);
    }

    /// Ends a rack host's run (after its last window): the window's
    /// accounts settled, the books checked.
    pub(super) fn finish(&mut self, cfg: &HostConfig) {
        self.end_window(self.window_end);
        self.charge_timers(cfg);
        self.settle_preemption();
        self.check_books();
    }

    /// Takes off the in-window CPU time of task work that interrupts pushed
    /// past the window's end ([`FcfsPool::pushed_out_of_window`]), split
    /// between host and guest as the pool's task work was (its stack and
    /// application are the guest's, the exits its doorbells trap the
    /// host's).
    fn settle_preemption(&mut self) {
        for (pool, split) in self.pools.iter().zip(&self.task_ps) {
            let Some([host, guest]) = split else {
                continue;
            };
            let out = pool.pushed_out_of_window().as_ps() as u128;
            if out == 0 || host + guest == 0 {
                continue;
            }
            let h = out * host / (host + guest);
            let rec = &mut self.rec;
            rec.host_cpu_in_window_ps = rec.host_cpu_in_window_ps.saturating_sub(h);
            rec.guest_cpu_in_window_ps = rec.guest_cpu_in_window_ps.saturating_sub(out - h);
        }
    }

    /// Charges what every vCPU costs its host whether or not it moves
    /// packets: while busy, `guest_hz` timer interrupts a second; while
    /// idle, `idle_wakeups_per_s` wake-ups; each an exit and an injection of
    /// `timer_tick_cycles` host cycles (T5.1, T5.2, T5.4). Counted from each
    /// vCPU's busy fraction over the window, as host CPU and exits; not as
    /// events (they would steal a few µs of vCPU time every 4 ms, which
    /// this model leaves out). Bare metal has no exits: its OS's tick is
    /// part of the application cores' own work, left out too.
    fn charge_timers(&mut self, cfg: &HostConfig) {
        if cfg.path == IoPath::Baremetal {
            return;
        }
        let p = &cfg.profile;
        let window_ps = self.window_end.as_ps() as f64;
        let window_s = window_ps / 1e12;
        let tick_ps = p.cycles_ps(p.timer_tick_cycles as u64) as u128;
        let mut ticks = 0u64;
        for (pool, split) in self.pools.iter().zip(&self.task_ps) {
            if split.is_none() {
                // Not a vCPU.
                continue;
            }
            // A vCPU with a background job never halts.
            let busy = if cfg.background {
                1.0
            } else {
                (pool.busy_in_window().as_ps() as f64 / window_ps).min(1.0)
            };
            let rate = p.guest_hz as f64 * busy + p.idle_wakeups_per_s as f64 * (1.0 - busy);
            ticks += (rate * window_s).round() as u64;
        }
        let rec = &mut self.rec;
        rec.exits += ticks;
        rec.timer_exits += ticks;
        rec.host_cpu_ps += ticks as u128 * tick_ps;
        rec.host_cpu_in_window_ps += ticks as u128 * tick_ps;
    }

    /// Checks the books: generated = delivered + dropped + in flight.
    fn check_books(&self) {
        let mut live_total = 0;
        for f in &self.flows {
            assert_eq!(
                f.generated,
                f.delivered + f.handed + f.dropped + f.live,
                "flow '{}' lost packets from the books",
                f.cfg.name
            );
            live_total += f.live;
        }
        let slab_live = (self.packets.len() - self.free.len()) as u64;
        assert_eq!(
            slab_live, live_total,
            "packet slab disagrees with the flows"
        );
        let b = &self.rec.backlog;
        let open_live: u64 = self
            .flows
            .iter()
            .filter(|f| f.open_loop)
            .map(|f| f.live)
            .sum();
        assert_eq!(
            b.entered - b.left,
            open_live,
            "the backlog's entries and exits disagree with the open-loop packets in flight"
        );
        // Every reserved descriptor is held by a live packet whose next step
        // is that ring.
        let mut free = vec![false; self.packets.len()];
        for &id in &self.free {
            free[id as usize] = true;
        }
        let mut held = vec![0u32; self.rings.len()];
        for (id, p) in self.packets.iter().enumerate() {
            if !free[id] && p.holds_slot {
                match self.routes[p.route as usize][p.step as usize].kind {
                    StepKind::Ring(r) => held[r as usize] += p.units.frames,
                    k => panic!("packet {id} holds a descriptor before {k:?}"),
                }
            }
        }
        for (r, ring) in self.rings.iter().enumerate() {
            assert_eq!(
                ring.reserved, held[r],
                "ring {} reserved descriptors disagree with the packets",
                self.ring_specs[r].name
            );
        }
        for f in &self.flows {
            if let Some(t) = &f.tcp {
                assert!(
                    t.frames.balance() && t.acks.balance(),
                    "flow '{}' lost segments or ACKs from the books: {:?} {:?}",
                    f.cfg.name,
                    t.frames,
                    t.acks
                );
            }
        }
        let delivered: u64 = self.flows.iter().map(|f| f.delivered).sum();
        let dropped: u64 = self.flows.iter().map(|f| f.dropped).sum();
        assert_eq!(delivered, self.rec.delivered, "delivery counters disagree");
        assert_eq!(dropped, self.rec.dropped_total(), "drop counters disagree");
    }

    /// Whether a route of this host crosses its link `id`.
    fn on_a_route(&self, id: usize) -> bool {
        self.routes.iter().flat_map(|r| r.iter()).any(|s| {
            matches!(s.kind, StepKind::Link { link, .. } | StepKind::Dma { link, .. }
                if link as usize == id)
        })
    }

    /// The stages any route of the run (and its rings' notifications) uses.
    fn stages_used(&self) -> [bool; Stage::COUNT] {
        let mut used = self.absorbed_stages;
        for r in &self.routes {
            for s in r.iter() {
                match s.kind {
                    StepKind::Link { stage, .. } => used[stage.index()] = true,
                    StepKind::Dma { region, .. } => {
                        used[Stage::Pcie.index()] = true;
                        if region.is_some() {
                            used[Stage::Iommu.index()] = true;
                        }
                    }
                    StepKind::Serve { wait, .. } => used[wait.index()] = true,
                    StepKind::Ring(r) => used[self.ring_specs[r as usize].wait.index()] = true,
                    StepKind::Signal(_) | StepKind::Delay => {}
                }
                let notify = match s.kind {
                    StepKind::Ring(r) => self.ring_specs[r as usize].notify_work.parts(),
                    _ => &[],
                };
                for p in s.work.parts().iter().chain(notify) {
                    used[p.stage.index()] = true;
                }
            }
        }
        used
    }

    pub(super) fn result(&self, cfg: &HostConfig, nics: u32) -> PathResult {
        let stages_used = self.stages_used();
        let addressed = |f: &FlowRt| f.cfg.addr.is_some();
        let rec = &self.rec;
        let window_s = self.window_end.as_ps() as f64 / 1e12;
        let one_way = rec.latency.len();
        let per_one_way = |x: f64| {
            if one_way == 0 {
                0.0
            } else {
                x / one_way as f64
            }
        };
        let per_pkt = |x: f64| {
            if rec.delivered == 0 {
                0.0
            } else {
                x / rec.delivered as f64
            }
        };
        let generated: u64 = self.flows.iter().map(|f| f.generated).sum();
        let in_flight: u64 = self.flows.iter().map(|f| f.live).sum();
        let dropped: BTreeMap<String, u64> = DropReason::ALL
            .iter()
            .map(|r| (r.name().to_string(), rec.dropped[*r as usize]))
            .collect();
        let stages = Stage::ALL
            .iter()
            .filter(|s| stages_used[s.index()])
            .map(|s| StageMean {
                name: s.name().to_string(),
                mean_ns: per_one_way(rec.stage_sum_ps[s.index()] as f64 / 1000.0),
            })
            .collect();
        let flows: Vec<FlowResult> = self
            .flows
            .iter()
            .map(|f| {
                let rtt = f.rtt.as_ref().map(|h| summarize(h, f.rtt_sum_ps));
                FlowResult {
                    name: f.cfg.name.clone(),
                    generated: f.generated,
                    delivered: f.delivered,
                    dropped: f.dropped,
                    dropped_by: DropReason::ALL
                        .iter()
                        .filter(|r| f.dropped_by[**r as usize] > 0)
                        .map(|r| (r.name().to_string(), f.dropped_by[*r as usize]))
                        .collect(),
                    in_flight: f.live,
                    lost: addressed(f).then_some(f.lost),
                    outage_us: (addressed(f) && f.lost > 0).then(|| {
                        // A flow still cut off when the window ends: the gap
                        // runs to the window's end.
                        let open = match (f.last_lost, f.last_delivery) {
                            (Some(d), Some(l)) if d > l => self.window_end.checked_since(l),
                            (Some(_), None) => {
                                f.first_birth.and_then(|b| self.window_end.checked_since(b))
                            }
                            _ => None,
                        };
                        let gap = f.longest_gap.max(open.unwrap_or(SimDuration::ZERO));
                        gap.as_ps() as f64 / 1e6
                    }),
                    latency_ns: f.latency.as_ref().map(|h| summarize(h, f.latency_sum_ps)),
                    tcp: f.tcp.as_ref().map(|t| TcpResult {
                        goodput_gbps: if window_s > 0.0 {
                            t.goodput_bytes as f64 * 8.0 / window_s / 1e9
                        } else {
                            0.0
                        },
                        delivered_bytes: t.delivered_bytes,
                        segments: t.frames.generated,
                        segments_delivered: t.frames.delivered,
                        segments_dropped: t.frames.dropped,
                        segments_in_flight: t.frames.live,
                        retransmitted_segments: t.sender.retransmitted_segs,
                        fast_retransmits: t.sender.fast_retransmits,
                        timeouts: t.sender.timeouts,
                        bursts: f.generated - t.acks.generated,
                        acks: t.acks.generated,
                        acks_delivered: t.acks.delivered,
                        acks_dropped: t.acks.dropped,
                        acks_in_flight: t.acks.live,
                        srtt_us: t.sender.srtt().map(|d| d.as_ps() as f64 / 1e6),
                        cwnd_bytes: t.sender.cwnd,
                    }),
                    completed: f.rtt.as_ref().map(|_| f.completed),
                    timeouts: f.rtt.as_ref().map(|_| f.timeouts),
                    rtt_ns: rtt,
                    delivered_series: (!f.series.is_empty()).then(|| DeliverySeries {
                        bucket_us: SERIES_BUCKET.as_ps() as f64 / 1e6,
                        delivered: f.series.clone(),
                        by_host: f.host_series.clone(),
                    }),
                    // A rack's (`rack::run` sets them).
                    host: None,
                    dst_host: None,
                    scope: None,
                }
            })
            .collect();
        let rtt_all = {
            let mut all: Option<Histogram<u64>> = None;
            for f in &self.flows {
                if let Some(h) = &f.rtt {
                    all.get_or_insert_with(latency_histogram)
                        .add(h)
                        .expect("histograms with equal bounds add");
                }
            }
            all
        };
        let rtt_sum: u128 = self.flows.iter().map(|f| f.rtt_sum_ps).sum();
        let rtt_ns = rtt_all.as_ref().map(|h| summarize(h, rtt_sum));
        let window_ps = self.window_end.as_ps().max(1) as f64;
        let mut resources: Vec<ResourceUse> = self
            .pools
            .iter()
            .zip(&self.pool_names)
            .map(|(p, name)| ResourceUse {
                name: name.clone(),
                servers: p.servers() as u32,
                utilization: p.busy_in_window().as_ps() as f64 / (p.servers() as f64 * window_ps),
            })
            .collect();
        // A wire-only host lists the wires its routes cross, not the PCIe
        // links and unused directions of a NIC it does not model.
        let on_a_route = |id: usize| self.on_a_route(id);
        let wire_only = cfg.stages == Stages::Wire;
        resources.extend(
            self.links
                .iter()
                .enumerate()
                .filter(|&(i, _)| !wire_only || i >= self.own_links || on_a_route(i))
                .map(|(_, l)| ResourceUse {
                    name: l.name.clone(),
                    servers: 1,
                    utilization: l.busy_in_window().as_ps() as f64 / window_ps,
                }),
        );
        // Whether the path was offered more than it served: its backlog,
        // open-loop packets lost to full queues, its busiest resource.
        let backlog = cfg.max_packets.is_none().then(|| rec.backlog.backlog());
        let open = self.flows.iter().filter(|f| f.open_loop);
        let overflow: u64 = open
            .clone()
            .flat_map(|f| {
                DropReason::ALL
                    .iter()
                    .filter(|r| !r.is_vpc())
                    .map(|&r| f.dropped_by[r as usize])
            })
            .sum();
        let open_generated: u64 = open.map(|f| f.generated).sum();
        let busiest = resources
            .iter()
            .max_by(|a, b| a.utilization.total_cmp(&b.utilization))
            .map(|u| (u.name.as_str(), u.utilization));
        let saturated =
            crate::metrics::saturation(backlog.as_ref(), open_generated, overflow, busiest);
        PathResult {
            path: cfg.path.name().to_string(),
            nics,
            vms: cfg.vms,
            window_us: self.window_end.as_ps() as f64 / 1e6,
            generated,
            delivered: rec.delivered,
            delivered_in_window: rec.delivered_in_window,
            dropped,
            in_flight,
            latency_ns: summarize(&rec.latency, rec.latency_sum_ps),
            rtt_ns,
            transactions_per_s: self.flows.iter().any(|f| f.rtt.is_some()).then(|| {
                let n: u64 = self.flows.iter().map(|f| f.completed_in_window).sum();
                if window_s > 0.0 {
                    n as f64 / window_s
                } else {
                    0.0
                }
            }),
            stream_goodput_gbps: self.flows.iter().any(|f| f.tcp.is_some()).then(|| {
                let bytes: u64 = self
                    .flows
                    .iter()
                    .filter_map(|f| f.tcp.as_ref())
                    .map(|t| t.goodput_bytes)
                    .sum();
                if window_s > 0.0 {
                    bytes as f64 * 8.0 / window_s / 1e9
                } else {
                    0.0
                }
            }),
            delivered_pps: if window_s > 0.0 {
                rec.delivered_in_window as f64 / window_s
            } else {
                0.0
            },
            delivered_gbps: if window_s > 0.0 {
                rec.delivered_bits_in_window as f64 / window_s / 1e9
            } else {
                0.0
            },
            host_cpu_ns_per_packet: per_pkt(rec.host_cpu_ps as f64 / 1000.0),
            guest_cpu_ns_per_packet: per_pkt(rec.guest_cpu_ps as f64 / 1000.0),
            exits_per_packet: per_pkt(rec.exits as f64),
            interrupts_per_packet: per_pkt(rec.interrupts as f64),
            stages,
            flows,
            resources,
            rings: self
                .rings
                .iter()
                .zip(&self.ring_specs)
                .filter(|(r, _)| r.packets > 0)
                .map(|(r, s)| RingUse {
                    name: s.name.clone(),
                    packets: r.packets,
                    notifications: r.notifications,
                    polls: r.polls,
                })
                .collect(),
            cpu: {
                let vcpus = cfg.vms * cfg.vcpus;
                let host_cores = vcpus + self.hv_cores;
                let pct =
                    |ps: u128, cores: u32| 100.0 * ps as f64 / (window_ps * cores.max(1) as f64);
                let tcp_bytes: u64 = self
                    .flows
                    .iter()
                    .filter_map(|f| f.tcp.as_ref())
                    .map(|t| t.goodput_bytes)
                    .sum();
                let kb = (rec.delivered_bits_in_window / 8 + tcp_bytes) as f64 / 1024.0;
                let cpu_us = (rec.host_cpu_in_window_ps + rec.guest_cpu_in_window_ps) as f64 / 1e6;
                CpuUse {
                    host_cores,
                    vcpus,
                    host_pct: pct(rec.host_cpu_in_window_ps, host_cores),
                    guest_pct: pct(rec.guest_cpu_in_window_ps, vcpus),
                    host_cores_busy: rec.host_cpu_in_window_ps as f64 / window_ps,
                    guest_cores_busy: rec.guest_cpu_in_window_ps as f64 / window_ps,
                    timer_exits: rec.timer_exits,
                    background_pct: cfg.background.then(|| {
                        let busy: Vec<f64> = self
                            .pools
                            .iter()
                            .zip(&self.task_ps)
                            .filter(|(_, split)| split.is_some())
                            .map(|(p, _)| (p.busy_in_window().as_ps() as f64 / window_ps).min(1.0))
                            .collect();
                        100.0 * (1.0 - busy.iter().sum::<f64>() / busy.len().max(1) as f64)
                    }),
                    service_demand_us_per_kb: (kb > 0.0).then(|| cpu_us / kb),
                }
            },
            iotlb: (!self.dma.is_empty()).then(|| {
                let (hits, misses) = self.iotlb.counts();
                IotlbUse { hits, misses }
            }),
            control: self.vpc.as_ref().map(|v| v.log.clone()).unwrap_or_default(),
            enis: self.enis(),
            warnings: self
                .vpc
                .as_ref()
                .map(|v| v.warnings.clone())
                .unwrap_or_default(),
            // A rack's (`rack::run` sets it).
            rack: None,
            // A packet cap's window ends as the run goes: no marks.
            backlog,
            saturated,
            sim: SimSpeed {
                events: self.events,
                events_per_packet: if generated > 0 {
                    self.events as f64 / generated as f64
                } else {
                    0.0
                },
                peak_events_pending: (self.q.peak_len() + self.absorbed_peak) as u64,
                ..SimSpeed::default()
            },
            latency_histogram: Some(rec.latency.clone()),
            rtt_histogram: rtt_all,
        }
    }
}

/// Runs `cfg` to its end. See [`super::run`].
pub fn run(cfg: &HostConfig) -> Result<PathResult, BuildError> {
    let mut e = Engine::build(cfg)?;
    e.run();
    e.charge_timers(cfg);
    e.settle_preemption();
    e.check_books();
    let nics = e.nics;
    Ok(e.result(cfg, nics))
}

#[cfg(test)]
mod carry_tests {
    use super::*;

    /// bench.toml variants both comparisons run (with and without a
    /// shortcut; with and without the replay): several I/O cores, a
    /// three-hop wire at 80 M packets/s, three vCPUs sending.
    const BENCH_VARIANTS: [&[&str]; 3] = [
        &[
            "run.packets=5000",
            "host.vms=4",
            "flows.0.arrival=\"constant\"",
            "flows.0.rate_pps=12000000",
            "costs.hv_io_cores=3",
        ],
        &[
            "run.packets=5000",
            "host.vms=2",
            "flows.0.arrival=\"constant\"",
            "flows.0.rate_pps=80000000",
            "run.drain_us=0",
            "costs.wire_hops=3",
        ],
        &[
            "run.packets=5000",
            "host.vms=3",
            "host.vcpus=3",
            "flows.0.kind=\"tx\"",
            "flows.0.arrival=\"constant\"",
            "flows.0.rate_pps=3000000",
        ],
    ];
    use crate::experiment::{Experiment, Override};
    use std::path::Path;

    /// Turns shortcut `s` off (or back on) for this thread.
    fn set_off(s: Shortcut, off: bool) {
        OFF.with(|c| {
            let mut v = c.get();
            v[s as usize] = off;
            c.set(v)
        });
    }

    /// Runs `cfg` with shortcut `s` and without it: the results are
    /// identical but for the speed figures; returns the events with and
    /// without.
    fn with_and_without(s: Shortcut, cfg: &HostConfig) -> (u64, u64) {
        let with = run(cfg).unwrap();
        set_off(s, true);
        let without = run(cfg);
        set_off(s, false);
        let mut without = without.unwrap();
        let events = (with.sim.events, without.sim.events);
        without.sim = with.sim.clone();
        assert!(
            with == without,
            "{}: the shortcut changed the run",
            cfg.path
        );
        events
    }

    fn both(cfg: &HostConfig) {
        let (with, without) = with_and_without(Shortcut::Carry, cfg);
        assert!(with < without, "{}: carrying on saved no event", cfg.path);
    }

    fn experiment(name: &str, sets: &[&str]) -> Experiment {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        Experiment::from_file(&file, &o).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Packets and polls that move on without events run exactly what the
    /// events would have run, in the same order: the reference comparison,
    /// TCP streams and an application on every path.
    #[test]
    fn carrying_on_without_events_changes_nothing_but_their_count() {
        for name in [
            "experiments/compare.toml",
            "experiments/compare-stream.toml",
        ] {
            for cfg in experiment(name, &["run.duration_us=2000"]).host_configs() {
                both(&cfg);
            }
        }
    }

    /// Without FIFOs every arrival is an event of its own; with them, the
    /// same events run in the same order: identical results and event
    /// counts — on the reference comparison and streams, under overload
    /// with exact ties (constant arrivals on several VMs into a host of
    /// three I/O cores, whose jobs finish out of order), on a chain of
    /// hops, and ending with packets still waiting (no drain), with and
    /// without carrying on.
    #[test]
    fn resource_fifos_change_nothing() {
        let fifo_or_not = |cfg: &HostConfig| {
            let (with, without) = with_and_without(Shortcut::Fifo, cfg);
            assert_eq!(with, without, "{}: events", cfg.path);
        };
        let mut cfgs = Vec::new();
        for name in [
            "experiments/compare.toml",
            "experiments/compare-stream.toml",
        ] {
            cfgs.extend(experiment(name, &["run.duration_us=1000"]).host_configs());
        }
        for sets in BENCH_VARIANTS.iter().copied().chain([&[
            "run.packets=5000",
            "host.vms=4",
            "flows.0.kind=\"vm_to_vm\"",
            "flows.0.vm=0",
            "flows.0.dst_vm=1",
            "flows.0.arrival=\"constant\"",
            "flows.0.rate_pps=2000000",
            "costs.hv_io_cores=4",
        ][..]])
        {
            cfgs.extend(experiment("experiments/bench.toml", sets).host_configs());
        }
        for cfg in &cfgs {
            fifo_or_not(cfg);
        }
        set_off(Shortcut::Carry, true);
        for cfg in &cfgs {
            fifo_or_not(cfg);
        }
        set_off(Shortcut::Carry, false);
    }

    /// Runs `cfg` with a packet cap's window ended when the run meets its
    /// last birth and, as before, at a time found by replaying the
    /// arrivals: the results are identical, the simulator's own counts
    /// (events, most pending at once) included, all but wall time. Returns
    /// whether the cap ended the window (rather than the duration).
    fn replay_or_not(cfg: &HostConfig) -> bool {
        let with = run(cfg).unwrap();
        set_off(Shortcut::NoReplay, true);
        let plain = run(cfg);
        set_off(Shortcut::NoReplay, false);
        // `run` leaves the wall-clock fields at 0: nothing to clear.
        let plain = plain.unwrap();
        if with != plain {
            let (a, b) = (
                serde_json::to_string_pretty(&with).unwrap(),
                serde_json::to_string_pretty(&plain).unwrap(),
            );
            let diff: Vec<String> = a
                .lines()
                .zip(b.lines())
                .enumerate()
                .filter(|(_, (x, y))| x != y)
                .take(12)
                .map(|(i, (x, y))| format!("line {i}: {x} | replay: {y}"))
                .collect();
            panic!(
                "{} ({:?} packets): ending without a replay changed the run:\n{}",
                cfg.path,
                cfg.max_packets,
                diff.join("\n")
            );
        }
        with.window_us < cfg.window.as_ps() as f64 / 1e6
    }

    /// `text` (an experiment) with `sets`, for the packet-cap tests.
    fn experiment_text(text: &str, sets: &[&str]) -> Experiment {
        let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        Experiment::from_toml("test", text, &o).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Ending a packet cap's window at its last birth as the run meets it
    /// gives what the replay gave, byte for byte: on the reference
    /// comparison (eight Poisson IMIX flows and a request/response client
    /// with think time, on every path), with and without a drain (none:
    /// deliveries past the horizon stay in flight), with a cap the duration
    /// reaches first; TCP streams beside an open-loop flow (timers armed
    /// past the horizon); a background job with interrupts preempting it;
    /// adaptive moderation; addressed flows through a VPC (delivery
    /// series, control-plane events); caps of a few packets, where the most
    /// events pending at once comes near the end; the bench's wire-only and SR-IOV scenarios,
    /// overloaded, with three vCPUs, with constant flows born at the same
    /// picoseconds (ties with the last birth), and caps of one packet.
    #[test]
    fn a_packet_cap_ends_the_window_as_the_replay_did() {
        let mut cfgs: Vec<(HostConfig, bool)> = Vec::new();
        let mut add = |e: Experiment, reached: bool| {
            cfgs.extend(e.host_configs().into_iter().map(|c| (c, reached)));
        };
        for drain in ["run.drain_us=10000", "run.drain_us=0", "run.drain_us=3"] {
            add(
                experiment("experiments/compare.toml", &["run.packets=3000", drain]),
                true,
            );
        }
        add(
            experiment(
                "experiments/compare.toml",
                &["run.packets=100000", "run.duration_us=2000"],
            ),
            false,
        );
        // Small caps: the most events pending at once comes near the end,
        // where the pushes past the window are.
        for n in [
            "run.packets=1",
            "run.packets=2",
            "run.packets=5",
            "run.packets=20",
        ] {
            for drain in ["run.drain_us=10000", "run.drain_us=0"] {
                add(experiment("experiments/compare.toml", &[n, drain]), true);
            }
        }
        // An experiment with an open-loop flow added (the cap counts those).
        let with_udp = |name: &str| {
            let text =
                std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap();
            format!(
                "{text}\n[[flows]]\nname = \"udp\"\nkind = \"rx\"\nvm = 0\narrival = \"poisson\"\nsize = \"imix\"\nrate_pps = 200000\n"
            )
        };
        for name in [
            "experiments/compare-stream.toml",
            "experiments/app-interrupts.toml",
        ] {
            for drain in ["run.drain_us=5000", "run.drain_us=0"] {
                add(
                    experiment_text(&with_udp(name), &["run.packets=1500", drain]),
                    true,
                );
            }
            // A long duration: timers are armed within its horizon but
            // past the one the cap sets.
            add(
                experiment_text(
                    &with_udp(name),
                    &[
                        "run.packets=1500",
                        "run.duration_us=1000000",
                        "run.drain_us=0",
                    ],
                ),
                true,
            );
        }
        for name in [
            "experiments/posted-interrupts.toml",
            "experiments/irq-moderation.toml",
            "experiments/noisy-neighbour.toml",
        ] {
            add(experiment(name, &["run.packets=2000"]), true);
            add(
                experiment(name, &["run.packets=2000", "run.drain_us=0"]),
                true,
            );
        }
        // Addressed flows through a VPC (delivery series, control events).
        // The HA pair on one host (the shipped file is a rack).
        let ha = crate::experiment::tests::ha_one_host();
        add(experiment_text(&ha, &["run.packets=12000"]), true);
        add(
            experiment_text(&ha, &["run.packets=12000", "run.drain_us=0"]),
            true,
        );
        for (name, n) in [
            ("experiments/dual-homed.toml", "run.packets=4000"),
            ("experiments/nat-appliance.toml", "run.packets=3000"),
        ] {
            add(experiment(name, &[n]), true);
            add(experiment(name, &[n, "run.drain_us=0"]), true);
        }
        let wire: &[&str] = &[
            "host.stages=\"wire\"",
            "costs.switch_buffer_frames=1000",
            "costs.wire_propagation_ns=1000",
        ];
        for sets in [
            &["run.packets=20000"][..],
            &["run.packets=20000", "run.drain_us=0"][..],
            &["run.packets=1"][..],
            &["run.packets=1", "run.drain_us=0"][..],
            &[
                "run.packets=5001",
                "host.vms=4",
                "flows.0.arrival=\"constant\"",
                "flows.0.rate_pps=1e12",
            ][..],
            &[
                "run.packets=5001",
                "host.vms=4",
                "flows.0.arrival=\"constant\"",
                "flows.0.rate_pps=1e12",
                "run.drain_us=0",
            ][..],
            &[
                "run.packets=5000",
                "host.vms=4",
                "flows.0.kind=\"vm_to_vm\"",
                "flows.0.vm=0",
                "flows.0.dst_vm=1",
                "flows.0.size=\"imix\"",
                "flows.0.rate_pps=2000000",
            ][..],
        ]
        .into_iter()
        .chain(BENCH_VARIANTS.iter().copied())
        {
            add(experiment("experiments/bench.toml", sets), true);
            if sets.iter().any(|s| s.contains("vm_to_vm")) {
                continue;
            }
            let with_wire: Vec<&str> = sets.iter().chain(wire).copied().collect();
            add(experiment("experiments/bench.toml", &with_wire), true);
        }
        assert_eq!(cfgs.len(), 237, "configurations");
        // Drawing 1024 births ahead, the run mostly knows where the window
        // ends before it gets there; drawing 2, it seldom does, and the
        // corrections do the work.
        for ahead in [1024, 2] {
            AHEAD_MAX.with(|c| c.set(ahead));
            for (cfg, reached) in &cfgs {
                assert_eq!(
                    replay_or_not(cfg),
                    *reached,
                    "{} ({:?} packets, {ahead} ahead): the cap ended the window",
                    cfg.path,
                    cfg.max_packets
                );
            }
        }
        AHEAD_MAX.with(|c| c.set(1024));
    }

    /// The same comparison over seeds, caps, drains and look-aheads drawn
    /// at random (from a fixed seed), on the reference comparison and on
    /// the bench with four constant or Poisson flows on SR-IOV and on the
    /// wire alone: where the window ends falls on different packets, ties
    /// and queue states each time.
    #[test]
    fn a_packet_cap_ends_the_window_as_the_replay_did_at_random() {
        let mut r = Rng::stream(9, 4);
        for _ in 0..60 {
            let seed = format!("seed={}", r.below(1_000_000));
            let packets = format!("run.packets={}", 1 + r.below(6000));
            let drain = format!(
                "run.drain_us={}",
                [0, 1, 3, 50, 10_000][r.below(5) as usize]
            );
            let arrival = ["\"poisson\"", "\"constant\""][r.below(2) as usize];
            let (file, sets): (&str, Vec<String>) = match r.below(3) {
                0 => ("experiments/compare.toml", vec![seed, packets, drain]),
                k => {
                    let mut sets = vec![
                        seed,
                        packets,
                        drain,
                        format!("flows.0.arrival={arrival}"),
                        format!("flows.0.rate_pps={}", 200_000 + r.below(12_000_000)),
                        "flows.0.size=\"imix\"".into(),
                    ];
                    if k == 2 {
                        sets.extend(
                            [
                                "host.stages=\"wire\"",
                                "costs.switch_buffer_frames=1000",
                                "costs.wire_propagation_ns=1000",
                            ]
                            .map(String::from),
                        );
                    }
                    ("experiments/bench.toml", sets)
                }
            };
            let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
            let ahead = [1024, 2, 7][r.below(3) as usize];
            AHEAD_MAX.with(|c| c.set(ahead));
            for cfg in experiment(file, &sets).host_configs() {
                replay_or_not(&cfg);
            }
        }
        AHEAD_MAX.with(|c| c.set(1024));
    }

    /// The case a review found: a constant flow whose next birth falls
    /// exactly when its previous packet's interrupt is due. The birth is
    /// scheduled where the generator's handler would have ended, so it
    /// still runs before the interrupt, as it did with events.
    #[test]
    fn a_birth_tied_with_an_interrupt_keeps_its_place() {
        let exp = experiment(
            "experiments/bench.toml",
            &[
                "run.packets=2000",
                "host.vms=1",
                "flows.0.kind=\"tx\"",
                "flows.0.arrival=\"constant\"",
                "flows.0.rate_pps=210100.60772651288",
            ],
        );
        both(&exp.host_config(IoPath::Sriov));
    }
}
