//! Conservative parallel simulation: logical processes (LPs) — a host, or a
//! group of hosts — each with its own event loop, run side by side on worker
//! threads, exchanging messages (packets on a cable) through crossbeam's
//! lock-free queues, with results identical at any thread count.
//!
//! **Synchronization** is window based and conservative, as in ns-3's
//! distributed simulator (`DistributedSimulatorImpl`, a barrier per window
//! with a lookahead of the smallest link delay) and UNISON (ns-3 on many
//! cores, EuroSys 2024). The *lookahead* `L` is a lower bound on the delay
//! of every message: a message sent at time `t` arrives no earlier than
//! `t + L` (for hosts, the cable's propagation plus the switch's latency).
//! Every window starts at the earliest pending event of all LPs, `s`, and
//! ends at `s + L`; no message sent inside it can arrive inside it, so each
//! LP runs its events before the window's end without waiting for anyone.
//! Starting each window at the earliest pending event, not where the last
//! one ended, skips idle stretches in one step (ns-3 advances by a fixed
//! lookahead; a sparse rack would otherwise pay a barrier per empty window).
//!
//! **Determinism.** Messages for an LP are delivered between windows, sorted
//! by (arrival time, sending LP, the sender's own count of messages), never
//! in the order threads happened to push them; which thread runs which LP
//! cannot change what an LP sees. The window boundaries are the same at any
//! thread count (each is a minimum over all LPs). So 1, 2, 3 or 8 threads
//! give byte-identical results, and so does a single global event queue
//! when the LPs order same-time events by the same keys (tested against one,
//! [`testing::run_sequential`]).
//!
//! **Queues.** Each LP has one bounded [`crossbeam_queue::ArrayQueue`] of
//! incoming messages, allocated before the run: many threads push into it
//! during a window without a lock, and its owner drains it after the
//! window's barrier (while the others may already push the next window's:
//! see [`worker`]). Nothing allocates per message (the drain buffer keeps
//! its capacity). A bound is safe to choose because a window is no longer
//! than the lookahead: at most `link rate × L ÷ smallest frame` messages per
//! port fit in one. A full queue ends the run with [`ParallelError::Overflow`]
//! rather than blocking (a blocked sender would deadlock the barrier).
//!
//! **Barriers.** One per window: before it, each thread votes the earliest
//! of its LPs' pending events and of the messages they just sent (the
//! next window's start is the least vote), after it each delivers its LPs'
//! messages (ns-3's distributed simulator and the first version of this
//! kernel used two: one to agree on the start, one after the messages;
//! folding the first into the second halves the waits, and a window of a
//! host is short: README.md, "A rack in parallel", gives the figures). The
//! barrier is the only place threads wait, and it is not on the packet
//! path. It spins, then backs off towards yielding to the operating system
//! (crossbeam's `Backoff`), rather than sleeping on a futex as
//! `std::sync::Barrier` does: a window of a host is a few microseconds of
//! work, about what a futex wake-up costs. LPs go to threads round robin
//! (`i mod threads`).

use super::time::{SimDuration, SimTime};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::Backoff;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Checks of the barrier's flag before backing off (see
/// [`SpinBarrier::wait`]).
const SPINS: u32 = 1 << 14;

/// A sense-reversing barrier that spins, then yields (see the module's
/// docs for why not `std::sync::Barrier`).
struct SpinBarrier {
    threads: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    fn new(threads: usize) -> SpinBarrier {
        SpinBarrier {
            threads,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }

    /// Returns once all `threads` have called it; everything each did
    /// before happens before what any does after.
    fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.threads {
            // The last to arrive: reset for the next use, then release all.
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::AcqRel);
            return;
        }
        // Spin on the flag for about a window's work (a few µs) before
        // backing off towards yielding as crossbeam's `Backoff` does (after
        // ~100 spins): the other thread is most often a window's work away.
        for _ in 0..SPINS {
            if self.generation.load(Ordering::Acquire) != generation {
                return;
            }
            std::hint::spin_loop();
        }
        let backoff = Backoff::new();
        while self.generation.load(Ordering::Acquire) == generation {
            backoff.snooze();
        }
    }
}

/// A logical process: a part of the model with its own events, which
/// touches the others only through messages.
pub trait LogicalProcess: Send {
    /// What one LP sends another.
    type Msg: Send;

    /// The time of this LP's earliest pending event, if it has one.
    fn next_time(&self) -> Option<SimTime>;

    /// Runs every event before `end` (exclusive), sending messages through
    /// `out`, each to arrive at least the lookahead after the event sending
    /// it.
    fn run_until(&mut self, end: SimTime, out: &mut Outbox<'_, Self::Msg>);

    /// Takes a message sent by LP `from` that arrives at `at` (never before
    /// the end of the window it was sent in). Called between windows, in
    /// (time, sender, sender's sequence) order.
    fn receive(&mut self, at: SimTime, from: usize, msg: Self::Msg);
}

/// How to run a set of LPs.
#[derive(Clone, Copy, Debug)]
pub struct ParallelConfig {
    /// Worker threads (at most one per LP is used).
    pub threads: usize,
    /// The least delay of any message \[ps\]; positive.
    pub lookahead: SimDuration,
    /// Events at or after this time are not run.
    pub horizon: SimTime,
    /// Messages an LP can receive in one window \[messages\]; positive.
    pub queue_capacity: usize,
}

/// What a parallel run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParallelStats {
    /// Windows run (each: one barrier).
    pub windows: u64,
    /// Messages passed between LPs.
    pub messages: u64,
}

/// Why a parallel run stopped. When LPs break rules in the same window
/// (the run stops before the next one), the error is the least of theirs in
/// this type's order, not the first some thread recorded: the same at any
/// thread count.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParallelError {
    /// `lookahead`, `threads` or `queue_capacity` is zero.
    Config(&'static str),
    /// An LP sent a message to an LP that does not exist.
    NoSuchLp {
        /// The sender.
        from: usize,
        /// The address it used.
        to: usize,
        /// How many LPs there are.
        lps: usize,
    },
    /// A message would arrive inside the window it was sent in: its delay is
    /// shorter than the lookahead (a model bug).
    Causality {
        /// The sender.
        from: usize,
        /// The receiver.
        to: usize,
        /// When it would arrive.
        at: SimTime,
        /// The end of the window it was sent in.
        window_end: SimTime,
    },
    /// More messages for one LP in one window than its queue holds.
    Overflow {
        /// The receiver.
        to: usize,
        /// Its queue's capacity.
        capacity: usize,
        /// The window's start.
        window_start: SimTime,
    },
}

impl fmt::Display for ParallelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParallelError::Config(what) => write!(f, "{what} must be positive"),
            ParallelError::NoSuchLp { from, to, lps } => write!(
                f,
                "logical process {from} sent a message to {to}; there are {lps} (0 to {})",
                lps.saturating_sub(1)
            ),
            ParallelError::Causality {
                from,
                to,
                at,
                window_end,
            } => write!(
                f,
                "logical process {from} sent a message to {to} arriving at {at}, inside its \
                 window (which ends at {window_end}): a delay shorter than the lookahead"
            ),
            ParallelError::Overflow {
                to,
                capacity,
                window_start,
            } => write!(
                f,
                "more than {capacity} messages for logical process {to} in the window from \
                 {window_start}: raise the queue capacity"
            ),
        }
    }
}

impl std::error::Error for ParallelError {}

/// A message in flight: its arrival time, sender and the sender's count.
#[derive(Debug)]
struct Envelope<M> {
    at: SimTime,
    from: usize,
    seq: u64,
    /// The window it was sent in.
    window: u64,
    msg: M,
}

/// Where an LP's [`LogicalProcess::run_until`] sends messages.
pub struct Outbox<'a, M> {
    from: usize,
    window_start: SimTime,
    window_end: SimTime,
    seq: &'a mut u64,
    queues: &'a [ArrayQueue<Envelope<M>>],
    /// The window being run.
    window: u64,
    error: &'a Mutex<Option<ParallelError>>,
    failed: &'a AtomicBool,
    /// The earliest arrival sent through it \[ps\].
    earliest: u64,
}

impl<M> Outbox<'_, M> {
    /// Sends `msg` to LP `to`, arriving at `at`, which must not be before
    /// the end of the current window (the lookahead guarantees it). A
    /// broken rule stops the run with an error at the next barrier; the
    /// message is dropped.
    pub fn send(&mut self, to: usize, at: SimTime, msg: M) {
        let fail = |e: ParallelError| {
            if let Ok(mut slot) = self.error.lock() {
                // Every error comes from one window (the run stops at the
                // next), whose set of errors does not depend on threads:
                // keep its least, not the first recorded.
                if slot.as_ref().is_none_or(|old| e < *old) {
                    *slot = Some(e);
                }
            }
            self.failed.store(true, Ordering::Relaxed);
        };
        let Some(q) = self.queues.get(to) else {
            return fail(ParallelError::NoSuchLp {
                from: self.from,
                to,
                lps: self.queues.len(),
            });
        };
        if at < self.window_end {
            return fail(ParallelError::Causality {
                from: self.from,
                to,
                at,
                window_end: self.window_end,
            });
        }
        let seq = *self.seq;
        *self.seq += 1;
        self.earliest = self.earliest.min(at.as_ps());
        let env = Envelope {
            at,
            from: self.from,
            seq,
            window: self.window,
            msg,
        };
        if q.push(env).is_err() {
            fail(ParallelError::Overflow {
                to,
                capacity: q.capacity(),
                window_start: self.window_start,
            });
        }
    }
}

/// The per-LP state a worker keeps besides the LP itself.
struct Slot<'p, P: LogicalProcess> {
    index: usize,
    lp: &'p mut P,
    /// Messages the LP has sent (its envelopes' sequence numbers).
    sent: u64,
    /// Drained envelopes, sorted before delivery (capacity kept).
    inbox: Vec<Envelope<P::Msg>>,
    /// A message of the window being run, drained with the last window's
    /// (see [`worker`]): delivered after this window.
    early: Option<Envelope<P::Msg>>,
}

/// Runs `lps` to `cfg.horizon` on `cfg.threads` worker threads (see the
/// module's docs). The result is the same at any thread count.
pub fn run<P: LogicalProcess>(
    lps: &mut [P],
    cfg: &ParallelConfig,
) -> Result<ParallelStats, ParallelError> {
    if cfg.lookahead == SimDuration::ZERO {
        return Err(ParallelError::Config("the lookahead"));
    }
    if cfg.threads == 0 {
        return Err(ParallelError::Config("the thread count"));
    }
    if cfg.queue_capacity == 0 {
        return Err(ParallelError::Config("the queue capacity"));
    }
    let n = lps.len();
    let threads = cfg.threads.min(n.max(1));
    let queues: Vec<ArrayQueue<Envelope<P::Msg>>> = (0..n)
        .map(|_| ArrayQueue::new(cfg.queue_capacity))
        .collect();
    let mut groups: Vec<Vec<Slot<'_, P>>> = (0..threads).map(|_| Vec::new()).collect();
    for (index, lp) in lps.iter_mut().enumerate() {
        groups[index % threads].push(Slot {
            index,
            lp,
            sent: 0,
            inbox: Vec::with_capacity(cfg.queue_capacity.min(1024)),
            early: None,
        });
    }
    let shared = Shared {
        cfg: *cfg,
        queues: &queues,
        barrier: SpinBarrier::new(threads),
        mins: [(); 3].map(|_| AtomicU64::new(u64::MAX)),
        stops: [(); 3].map(|_| AtomicBool::new(false)),
        error: Mutex::new(None),
        failed: AtomicBool::new(false),
        panic: Mutex::new(None),
    };
    let mut stats: Vec<ParallelStats> = Vec::with_capacity(threads);
    if threads == 1 {
        stats.push(worker(&shared, &mut groups[0]));
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = groups
                .iter_mut()
                .map(|g| {
                    let shared = &shared;
                    s.spawn(move || worker(shared, g))
                })
                .collect();
            for h in handles {
                // Workers catch their LPs' panics (below): a join error
                // would be the kernel's own bug.
                match h.join() {
                    Ok(st) => stats.push(st),
                    Err(p) => std::panic::resume_unwind(p),
                }
            }
        });
    }
    // A panicking LP is a model bug: pass it on as it was, on the caller's
    // thread, once every worker has stopped.
    if let Some(p) = shared.panic.lock().ok().and_then(|mut p| p.take()) {
        std::panic::resume_unwind(p);
    }
    if let Some(e) = shared.error.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(ParallelStats {
        windows: stats.first().map_or(0, |s| s.windows),
        messages: stats.iter().map(|s| s.messages).sum(),
    })
}

/// What the workers share.
struct Shared<'q, M> {
    cfg: ParallelConfig,
    /// Each LP's incoming queue.
    queues: &'q [ArrayQueue<Envelope<M>>],
    barrier: SpinBarrier,
    /// The earliest pending event or message of all LPs, voted before each
    /// window's barrier, in three rotating slots (see [`worker`]).
    mins: [AtomicU64; 3],
    /// Whether any thread saw a failure, in the same slots.
    stops: [AtomicBool; 3],
    error: Mutex<Option<ParallelError>>,
    failed: AtomicBool,
    /// The first panic of an LP. A worker whose LP panics keeps meeting the
    /// barriers until all stop at the next window, so no thread waits
    /// forever for it.
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

impl<M> Shared<'_, M> {
    /// Runs `f`, recording a panic (and stopping the run) instead of
    /// unwinding past the barriers.
    fn guard(&self, f: impl FnOnce()) {
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            if let Ok(mut slot) = self.panic.lock() {
                slot.get_or_insert(p);
            }
            self.failed.store(true, Ordering::Release);
        }
    }
}

/// One worker thread's loop over its LPs; returns its counts.
///
/// One barrier per window: before it, each thread votes the earliest of
/// its LPs' pending events and of the messages they sent in the window
/// just run (which are their receivers' next events at the latest), and
/// whether it saw a failure; after it, every message of that window is in
/// its queue and every vote is in, so each thread delivers its LPs'
/// messages and all read the same next window. Votes rotate over three
/// slots: the one voted into, the one read, and the one reset for the
/// window after next, so no thread resets a slot another is still using.
/// A thread past the barrier may run the next window and send its
/// messages before a slower thread has drained the last window's; those
/// must not be delivered with them (a message delivered a window early
/// would take its place among its receiver's events at the same time
/// differently). All of the last window's messages were queued before the
/// barrier, so in each queue they come first: draining stops at the first
/// message of the window being run, and keeps it for the next delivery.
fn worker<P: LogicalProcess>(sh: &Shared<'_, P::Msg>, group: &mut [Slot<'_, P>]) -> ParallelStats {
    let mut st = ParallelStats::default();
    let next_times = |group: &[Slot<'_, P>]| {
        group
            .iter()
            .filter_map(|s| s.lp.next_time())
            .min()
            .map_or(u64::MAX, SimTime::as_ps)
    };
    let mut local = u64::MAX;
    sh.guard(|| local = next_times(group));
    for k in 0u64.. {
        let (vote, reset) = ((k % 3) as usize, ((k + 2) % 3) as usize);
        sh.mins[vote].fetch_min(local, Ordering::AcqRel);
        // A failure (a broken rule, an LP's panic) can be recorded while
        // another thread is already past any given point, so the decision to
        // stop is a reduction like the minimum.
        if sh.failed.load(Ordering::Acquire) {
            sh.stops[vote].store(true, Ordering::Release);
        }
        sh.barrier.wait();
        let start = sh.mins[vote].load(Ordering::Acquire);
        let stop = sh.stops[vote].load(Ordering::Acquire);
        sh.mins[reset].store(u64::MAX, Ordering::Release);
        sh.stops[reset].store(false, Ordering::Release);
        for s in group.iter_mut() {
            let q = &sh.queues[s.index];
            s.inbox.extend(s.early.take());
            while let Some(e) = q.pop() {
                if e.window == k {
                    // A faster thread's: this window's, not the last's.
                    s.early = Some(e);
                    break;
                }
                s.inbox.push(e);
            }
            st.messages += s.inbox.len() as u64;
            // (at, from, seq) is unique: the order does not depend on pushes.
            s.inbox.sort_unstable_by_key(|e| (e.at, e.from, e.seq));
            let (lp, inbox) = (&mut s.lp, &mut s.inbox);
            sh.guard(|| {
                for e in inbox.drain(..) {
                    lp.receive(e.at, e.from, e.msg);
                }
            });
        }
        if stop || start >= sh.cfg.horizon.as_ps() {
            break;
        }
        let start = SimTime::from_ps(start);
        let end = start.saturating_add(sh.cfg.lookahead).min(sh.cfg.horizon);
        local = u64::MAX;
        for s in group.iter_mut() {
            let mut out = Outbox {
                from: s.index,
                window_start: start,
                window_end: end,
                seq: &mut s.sent,
                queues: sh.queues,
                window: k,
                error: &sh.error,
                failed: &sh.failed,
                earliest: u64::MAX,
            };
            sh.guard(|| s.lp.run_until(end, &mut out));
            local = local.min(out.earliest);
        }
        sh.guard(|| local = local.min(next_times(group)));
        st.windows += 1;
    }
    st
}

/// A small model for testing and measuring the kernel: LPs that draw
/// packets at exponential gaps and send each to a random other LP, which
/// forwards it on for a few hops; each LP keeps an ordered hash of what it
/// saw. [`run_sequential`] runs the same model on one global event queue,
/// the oracle the windowed runs must match.
pub mod testing {
    use super::{LogicalProcess, Outbox};
    use crate::sim::rng::Rng;
    use crate::sim::time::{SimDuration, SimTime};
    use crate::sim::EventQueue;

    /// A packet between toy LPs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Packet {
        /// Who made it and its number there.
        pub id: (usize, u64),
        /// Hops still to go after this one.
        pub hops: u32,
    }

    /// The toy's events.
    #[derive(Clone, Copy, Debug)]
    enum Ev {
        /// Make a packet.
        Birth,
        /// A packet arrives.
        Arrive(Packet),
    }

    /// The toy model's parameters.
    #[derive(Clone, Copy, Debug)]
    pub struct Toy {
        /// LPs.
        pub lps: usize,
        /// Mean gap between packets an LP makes \[ps\].
        pub mean_gap_ps: f64,
        /// The least delay of a message \[ps\] (the lookahead).
        pub delay: SimDuration,
        /// Extra random delay, uniform in `0..jitter_ps` \[ps\].
        pub jitter_ps: u64,
        /// Hops every packet makes.
        pub hops: u32,
        /// Packets an LP makes before it stops.
        pub births: u64,
        /// Master seed.
        pub seed: u64,
    }

    /// One toy LP.
    #[derive(Clone, Debug)]
    pub struct ToyLp {
        me: usize,
        toy: Toy,
        rng: Rng,
        queue: EventQueue<Ev>,
        born: u64,
        /// Packets that arrived here.
        pub arrived: u64,
        /// Packets sent from here (births and forwards).
        pub sent: u64,
        /// Packets whose last hop ended here.
        pub finished: u64,
        /// FNV-style hash of every arrival, in order: (time, packet).
        pub hash: u64,
    }

    impl ToyLp {
        /// LP `me` of `toy`.
        pub fn new(me: usize, toy: Toy) -> ToyLp {
            let mut lp = ToyLp {
                me,
                toy,
                rng: Rng::stream(toy.seed, me as u64),
                queue: EventQueue::with_capacity(64),
                born: 0,
                arrived: 0,
                sent: 0,
                finished: 0,
                hash: 0xCBF2_9CE4_8422_2325,
            };
            let first = lp.gap();
            lp.queue.push(SimTime::ZERO + first, Ev::Birth);
            lp
        }

        /// Every LP of `toy`.
        pub fn all(toy: Toy) -> Vec<ToyLp> {
            (0..toy.lps).map(|i| ToyLp::new(i, toy)).collect()
        }

        fn gap(&mut self) -> SimDuration {
            SimDuration::from_ps(self.rng.exp_rounded(self.toy.mean_gap_ps).max(1))
        }

        /// Handles the event at `now`; `send(to, at, packet)` sends.
        fn handle(&mut self, now: SimTime, ev: Ev, send: &mut impl FnMut(usize, SimTime, Packet)) {
            let packet = match ev {
                Ev::Birth => {
                    self.born += 1;
                    if self.born < self.toy.births {
                        let g = self.gap();
                        self.queue.push(now + g, Ev::Birth);
                    }
                    Packet {
                        id: (self.me, self.born),
                        hops: self.toy.hops,
                    }
                }
                Ev::Arrive(p) => {
                    self.arrived += 1;
                    for x in [now.as_ps(), p.id.0 as u64, p.id.1, u64::from(p.hops)] {
                        self.hash = (self.hash ^ x).wrapping_mul(0x0000_0100_0000_01B3);
                    }
                    if p.hops == 0 {
                        self.finished += 1;
                        return;
                    }
                    Packet {
                        hops: p.hops - 1,
                        ..p
                    }
                }
            };
            // Any LP but this one.
            let mut to = self.rng.below(self.toy.lps as u64 - 1) as usize;
            if to >= self.me {
                to += 1;
            }
            let jitter = self.rng.below(self.toy.jitter_ps.max(1));
            self.sent += 1;
            send(
                to,
                now + self.toy.delay + SimDuration::from_ps(jitter),
                packet,
            );
        }
    }

    impl LogicalProcess for ToyLp {
        type Msg = Packet;

        fn next_time(&self) -> Option<SimTime> {
            self.queue.peek_time()
        }

        fn run_until(&mut self, end: SimTime, out: &mut Outbox<'_, Packet>) {
            while self.queue.peek_time().is_some_and(|t| t < end) {
                let Some((now, ev)) = self.queue.pop() else {
                    break;
                };
                self.handle(now, ev, &mut |to, at, p| out.send(to, at, p));
            }
        }

        fn receive(&mut self, at: SimTime, _from: usize, msg: Packet) {
            self.queue.push(at, Ev::Arrive(msg));
        }
    }

    /// The toy on one global event queue, no windows: the oracle. Events
    /// run in time order; a message goes straight into the global queue.
    /// (With the toy's continuous random times, no two events of one LP
    /// fall at the same picosecond in the tested configurations, so the
    /// order of ties never matters; the tests would show it if it did.)
    pub fn run_sequential(toy: Toy, horizon: SimTime) -> Vec<ToyLp> {
        let mut lps = ToyLp::all(toy);
        let mut global: EventQueue<(usize, Ev)> = EventQueue::with_capacity(1024);
        for (i, lp) in lps.iter_mut().enumerate() {
            while let Some((t, ev)) = lp.queue.pop() {
                global.push(t, (i, ev));
            }
        }
        while let Some((now, (i, ev))) = global.pop() {
            if now >= horizon {
                break;
            }
            let mut sends = Vec::new();
            lps[i].handle(now, ev, &mut |to, at, p| sends.push((to, at, p)));
            // Births the LP scheduled in its own queue move to the global one.
            while let Some((t, e)) = lps[i].queue.pop() {
                global.push(t, (i, e));
            }
            for (to, at, p) in sends {
                global.push(at, (to, Ev::Arrive(p)));
            }
        }
        lps
    }
}
