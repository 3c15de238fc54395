//! Conservative parallel simulation: logical processes (LPs) — a host, or a
//! group of hosts — each with its own event loop, run side by side on worker
//! threads, exchanging messages (packets on a cable) through crossbeam's
//! lock-free queues, with results identical at any thread count.
//!
//! **Synchronization** is conservative, as in ns-3's distributed simulator
//! (`DistributedSimulatorImpl`, a barrier per window with a lookahead of the
//! smallest link delay) and UNISON (ns-3 on many cores, EuroSys 2024). The
//! *lookahead* `L` is a lower bound on the delay of every message: a
//! message sent at time `t` arrives no earlier than `t + L` (for hosts, the
//! cable's propagation plus the switch's latency). Each LP has a *clock*:
//! it has run every event before it and sent what they sent. An LP may run
//! every event before the least clock of the others plus `L`, since no
//! message can reach it earlier; it runs a lookahead at a time and
//! publishes its clock after each. A barrier per window of `L` (ns-3's
//! scheme, and this kernel's first) makes every thread wait for the slowest
//! at every window, and a host's work varies about as much as its mean from
//! one window to the next; with clocks a thread may run up to a lookahead
//! ahead of another and the differences even out (README.md, "A rack in
//! parallel", gives the figures). Barriers remain between *epochs*: each
//! starts at the earliest pending event or message of all LPs (skipping an
//! idle stretch in one step, where clocks alone would crawl through it a
//! lookahead at a time) and lasts one lookahead, doubling while traffic is
//! dense ([`MAX_SPAN`]).
//!
//! **Determinism.** An LP is handed its messages whenever its thread
//! drains its queue, which depends on the threads; it holds them and takes
//! each in when its clock reaches the arrival, ordered against its own
//! events by (arrival time, sending LP, the sender's own count of
//! messages) alone ([`LogicalProcess::receive`]). An LP's runs stop on the
//! same grid of lookaheads from the epoch's start whatever the others'
//! clocks allow, and epochs start and end at the same times at any thread
//! count (each start is a minimum over all LPs). So 1, 2, 3 or 8 threads
//! give byte-identical results, and so does a single global event queue
//! when the LPs order same-time events by the same keys (tested against
//! one, [`testing::run_sequential`]). A broken rule (a message inside the
//! lookahead, to no LP, or more to one LP in a lookahead than its queue's
//! share) stops the run with the earliest (by the clock of the run that
//! broke it, then [`ParallelError`]'s order): every LP still runs that
//! lookahead, so each thread count finds the same. A panicking LP stops it
//! the same way (it is not run again), and the earliest panic, by (clock,
//! LP), is passed on.
//!
//! **Queues.** Each LP has one bounded [`crossbeam_queue::ArrayQueue`] of
//! incoming messages, allocated before the run: many threads push into it
//! without a lock, and its owner drains it before each of its runs. Nothing
//! allocates per message. A bound is safe to choose because no LP runs more
//! than a lookahead past the least clock of the others: a queue holds at
//! most about two lookaheads' sending of each other LP (three are allowed
//! for), and at most `link rate × L ÷ smallest frame` messages per port fit
//! in one. The bound is checked where it does not depend on the threads
//! (how full a queue gets does: it depends on when its receiver drains it):
//! an LP sending another more than a third of its share of the queue in
//! one lookahead ends the run with [`ParallelError::Overflow`], at any
//! thread count, rather than blocking (a blocked sender could deadlock).
//!
//! **Waiting.** A thread whose LPs cannot move (the others' clocks are not
//! far enough) spins, then yields to the operating system; at an epoch's
//! barrier it spins, then backs off towards yielding (crossbeam's
//! `Backoff`), rather than sleeping on a futex as `std::sync::Barrier`
//! does: a host's lookahead is about a microsecond of work, less than a
//! futex wake-up. Each clock and each thread's vote has a cache line of its
//! own, and so does each LP given to the kernel by a rack (two hosts'
//! engines side by side in memory made the second 25% slower on two
//! threads: false sharing). LPs go to threads round robin (`i mod
//! threads`).

use super::time::{SimDuration, SimTime};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::Backoff;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Checks of another thread's vote before backing off (see
/// [`Board::wait`]).
const SPINS: u32 = 1 << 14;

/// One thread's vote for a window: its cache line alone, written only by
/// its thread.
#[derive(Default)]
struct Vote {
    /// Windows this thread has voted for (its vote for window `k` is in
    /// once this is above `k`).
    epoch: AtomicU64,
    /// The earliest of its LPs' pending events and sent messages \[ps\],
    /// by the window's parity.
    min: [AtomicU64; 2],
    /// Whether it saw a failure, by the window's parity.
    stop: [AtomicBool; 2],
}

/// The barrier between windows, with the votes folded into it: each thread
/// writes its vote to its own cache line and raises its epoch, then reads
/// every other thread's once that one's epoch has caught up. A counting
/// barrier with shared minimum and stop words (the first version of this
/// kernel) moves four or five contended lines between cores per window;
/// this one moves each thread's line to each other thread once, which on
/// two threads is a round trip, and nothing has to be reset. Votes
/// alternate between two cells: a thread can be one window ahead of
/// another (it cannot pass the next barrier without the other's vote), so
/// the cell it writes is one the other has read.
struct Board {
    votes: Vec<crossbeam_utils::CachePadded<Vote>>,
}

impl Board {
    fn new(threads: usize) -> Board {
        Board {
            votes: (0..threads).map(|_| Default::default()).collect(),
        }
    }

    /// Thread `me` votes `(min, stop)` for window `k` and returns the least
    /// minimum and whether any voted to stop, once every thread has voted;
    /// everything each did before its vote happens before what any does
    /// after this returns.
    fn wait(&self, me: usize, k: u64, min: u64, stop: bool) -> (u64, bool) {
        let cell = (k % 2) as usize;
        let mine = &self.votes[me];
        mine.min[cell].store(min, Ordering::Relaxed);
        mine.stop[cell].store(stop, Ordering::Relaxed);
        mine.epoch.store(k + 1, Ordering::Release);
        let (mut least, mut any) = (min, stop);
        for (u, v) in self.votes.iter().enumerate() {
            if u == me {
                continue;
            }
            // Spin for about a window's work (a few µs) before backing off
            // towards yielding as crossbeam's `Backoff` does: the other
            // thread is most often a window's work away.
            let mut spins = 0;
            let backoff = Backoff::new();
            while v.epoch.load(Ordering::Acquire) <= k {
                if spins < SPINS {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    backoff.snooze();
                }
            }
            least = least.min(v.min[cell].load(Ordering::Relaxed));
            any |= v.stop[cell].load(Ordering::Relaxed);
        }
        (least, any)
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

    /// Takes a message, the `seq`-th that LP `from` sent, arriving at `at`.
    /// It comes before the LP runs to `at`, at a moment that depends on the
    /// threads (possibly long before `at`, and not in arrival order): the
    /// LP holds it and takes it in when its clock reaches `at`, ordered
    /// against its own events and other messages by (time, sender, `seq`)
    /// alone, so that the result does not depend on when it came.
    fn receive(&mut self, at: SimTime, from: usize, seq: u64, msg: Self::Msg);
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
    /// Messages an LP's queue holds \[messages\]; positive. A receiver
    /// takes its queue in every time it runs, and no LP runs more than a
    /// lookahead past the least clock of the others, so three lookaheads'
    /// sending is enough: one LP may send another at most
    /// `queue_capacity ÷ (3 × (LPs − 1))` in one lookahead.
    pub queue_capacity: usize,
}

/// What a parallel run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParallelStats {
    /// Epochs run (each ended by one barrier; see the module's docs).
    pub epochs: u64,
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
        /// The sender's promise plus the lookahead: the earliest allowed.
        window_end: SimTime,
    },
    /// More messages from one LP to another in one lookahead than the
    /// queue capacity allows (a third of its share per sender: see the
    /// module's docs).
    Overflow {
        /// The receiver.
        to: usize,
        /// The most one LP may send it in one lookahead.
        capacity: usize,
        /// The sender's clock: the lookahead's start.
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
                "logical process {from} sent a message to {to} arriving at {at}, before \
                 {window_end} (its clock plus the lookahead): a delay shorter than the lookahead"
            ),
            ParallelError::Overflow {
                to,
                capacity,
                window_start,
            } => write!(
                f,
                "more than {capacity} messages from one logical process to {to} in the \
                 lookahead from {window_start}: raise the queue capacity"
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
    msg: M,
}

/// Where an LP's [`LogicalProcess::run_until`] sends messages.
pub struct Outbox<'a, M> {
    from: usize,
    /// The sender's clock when the run began: every message arrives at
    /// least the lookahead after it.
    clock: SimTime,
    /// `clock` plus the lookahead.
    least: SimTime,
    /// The end of the epoch: messages due before it are taken in within it.
    epoch_end: SimTime,
    seq: &'a mut u64,
    queues: &'a [ArrayQueue<Envelope<M>>],
    error: &'a Mutex<Option<(u64, ParallelError)>>,
    fail_at: &'a AtomicU64,
    failed: &'a AtomicBool,
    /// The earliest arrival sent through it at or after the epoch's end
    /// \[ps\].
    earliest: u64,
    /// The most messages to one LP in this lookahead.
    per_step: usize,
    /// Messages sent in this lookahead, per receiver.
    counts: &'a mut Vec<(usize, usize)>,
}

impl<M> Outbox<'_, M> {
    /// Sends `msg` to LP `to`, arriving at `at`, which must be at least the
    /// lookahead after the sender's clock (the lookahead guarantees it). A
    /// broken rule stops the run with an error at the next barrier; the
    /// message is dropped.
    pub fn send(&mut self, to: usize, at: SimTime, msg: M) {
        let clock = self.clock.as_ps();
        let fail = |e: ParallelError| {
            if let Ok(mut slot) = self.error.lock() {
                // Keep the earliest error (by the time of the run that
                // broke the rule, then this type's order), not the first
                // recorded: see [`worker`].
                let e = (clock, e);
                if slot.as_ref().is_none_or(|old| e < *old) {
                    *slot = Some(e);
                }
            }
            self.fail_at.fetch_min(clock, Ordering::AcqRel);
            self.failed.store(true, Ordering::Release);
        };
        let Some(q) = self.queues.get(to) else {
            return fail(ParallelError::NoSuchLp {
                from: self.from,
                to,
                lps: self.queues.len(),
            });
        };
        if at < self.least {
            return fail(ParallelError::Causality {
                from: self.from,
                to,
                at,
                window_end: self.least,
            });
        }
        // The bound is on what one LP sends another in one lookahead, which
        // does not depend on the threads (how full a queue gets depends on
        // when its receiver drains it); it keeps the queue from filling.
        let sent = match self.counts.iter_mut().find(|(t, _)| *t == to) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                self.counts.push((to, 1));
                1
            }
        };
        if sent > self.per_step {
            return fail(ParallelError::Overflow {
                to,
                capacity: self.per_step,
                window_start: self.clock,
            });
        }
        let seq = *self.seq;
        *self.seq += 1;
        if at >= self.epoch_end {
            self.earliest = self.earliest.min(at.as_ps());
        }
        let env = Envelope {
            at,
            from: self.from,
            seq,
            msg,
        };
        if q.push(env).is_err() {
            fail(ParallelError::Overflow {
                to,
                capacity: q.capacity(),
                window_start: self.clock,
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
    /// How far it has run: every event before this time \[ps\] (a copy of
    /// its shared clock).
    clock: u64,
    /// The earliest arrival of the messages it sent in this epoch that
    /// are due after it \[ps\].
    earliest: u64,
    /// Messages it sent in the current lookahead, per receiver (see
    /// [`Outbox::send`]; capacity kept).
    counts: Vec<(usize, usize)>,
    /// It panicked: it is not run again.
    dead: bool,
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
            clock: 0,
            earliest: u64::MAX,
            counts: Vec::with_capacity(n.min(64)),
            dead: false,
        });
    }
    let shared = Shared {
        cfg: *cfg,
        queues: &queues,
        board: Board::new(threads),
        // A queue holds at most about three lookaheads' sending of every
        // other LP (see the module's docs).
        per_step: (cfg.queue_capacity / (3 * n.saturating_sub(1).max(1))).max(1),
        clocks: (0..n).map(|_| Default::default()).collect(),
        error: Mutex::new(None),
        failed: AtomicBool::new(false),
        fail_at: AtomicU64::new(u64::MAX),
        panic: Mutex::new(None),
    };
    let mut stats: Vec<ParallelStats> = Vec::with_capacity(threads);
    if threads == 1 {
        stats.push(worker(&shared, 0, &mut groups[0]));
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = groups
                .iter_mut()
                .enumerate()
                .map(|(me, g)| {
                    let shared = &shared;
                    s.spawn(move || worker(shared, me, g))
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
    if let Some((_, p)) = shared.panic.lock().ok().and_then(|mut p| p.take()) {
        std::panic::resume_unwind(p);
    }
    if let Some((_, e)) = shared.error.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(ParallelStats {
        epochs: stats.first().map_or(0, |s| s.epochs),
        messages: stats.iter().map(|s| s.messages).sum(),
    })
}

/// What the workers share.
struct Shared<'q, M> {
    cfg: ParallelConfig,
    /// Each LP's incoming queue.
    queues: &'q [ArrayQueue<Envelope<M>>],
    /// The barrier and its votes.
    board: Board,
    /// The most messages one LP may send one other in one lookahead (see
    /// [`Outbox::send`]).
    per_step: usize,
    /// Each LP's clock: it has run every event before this time \[ps\],
    /// and sent every message those events sent.
    clocks: Vec<crossbeam_utils::CachePadded<AtomicU64>>,
    /// The earliest broken rule, with the clock of the run that broke it.
    error: Mutex<Option<(u64, ParallelError)>>,
    /// Whether a rule was broken or an LP panicked.
    failed: AtomicBool,
    /// The earliest clock of a run that broke a rule \[ps\]: every LP still
    /// runs up to it, so the earliest error is found at any thread count.
    fail_at: AtomicU64,
    /// The earliest panic of an LP, by (the clock of its run, the LP), so
    /// the same one at any thread count: a panic stops the run as a broken
    /// rule does, and the LP is not run again.
    #[allow(clippy::type_complexity)]
    panic: Mutex<Option<((u64, usize), Box<dyn std::any::Any + Send>)>>,
}

impl<M> Shared<'_, M> {
    /// Runs `f` for LP `lp` at `clock` \[ps\], recording a panic (and
    /// stopping the run at that clock's lookahead, as a broken rule does)
    /// instead of unwinding past the barriers; true if it panicked.
    fn guard(&self, clock: u64, lp: usize, f: impl FnOnce()) -> bool {
        let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) else {
            return false;
        };
        if let Ok(mut slot) = self.panic.lock() {
            if slot.as_ref().is_none_or(|(key, _)| (clock, lp) < *key) {
                *slot = Some(((clock, lp), p));
            }
        }
        self.fail_at.fetch_min(clock, Ordering::AcqRel);
        self.failed.store(true, Ordering::Release);
        true
    }
}

/// One worker thread's loop over its LPs; returns its counts.
///
/// Epochs: at a barrier ([`Board`]) every thread votes the earliest of its
/// LPs' pending events and of the messages they sent that are due after
/// the epoch, and whether it saw a failure; the next epoch starts at the
/// least vote (skipping any idle stretch at once) and lasts
/// `span` lookaheads. Inside it the LPs run without a barrier: each runs to
/// the least clock of the others plus the lookahead (no message can reach
/// it earlier), publishes its clock, and goes on as the others' clocks
/// move. A host's work varies a great deal from one lookahead to the next
/// (its standard deviation is about its mean in experiments/bench-rack.toml),
/// and a barrier per lookahead makes every thread wait for the slowest
/// each time; clocks let a thread run up to a lookahead ahead of another,
/// which evens the work out over many. The span doubles while traffic is
/// dense (the epoch after starts within a lookahead of this one's end), up
/// to [`MAX_SPAN`], and falls back to one lookahead after an idle stretch,
/// so a sparse run pays a barrier per burst, not a crawl through its idle
/// time at a lookahead per step.
fn worker<P: LogicalProcess>(
    sh: &Shared<'_, P::Msg>,
    me: usize,
    group: &mut [Slot<'_, P>],
) -> ParallelStats {
    let mut st = ParallelStats::default();
    let lookahead = sh.cfg.lookahead.as_ps();
    let horizon = sh.cfg.horizon.as_ps();
    let mut local = next_times(sh, group);
    let (mut span, mut last_end) = (1u64, None::<u64>);
    for k in 0u64.. {
        // A failure (a broken rule, an LP's panic) can be recorded while
        // another thread is already past any given point, so the decision to
        // stop is a reduction like the minimum.
        let failed = sh.failed.load(Ordering::Acquire);
        let (start, stop) = sh.board.wait(me, k, local, failed);
        // Every message sent before the votes is in its queue.
        for s in group.iter_mut() {
            drain(sh, s, &mut st);
        }
        if stop || start >= horizon {
            break;
        }
        span = match last_end {
            Some(e) if start < e.saturating_add(lookahead) => (span * 2).min(MAX_SPAN),
            _ => 1,
        };
        let end = start
            .saturating_add(span.saturating_mul(lookahead))
            .min(horizon);
        last_end = Some(end);
        for s in group.iter_mut() {
            // Nothing is pending before the epoch's start.
            s.clock = start;
            sh.clocks[s.index].store(start, Ordering::Release);
        }
        run_epoch(sh, group, start, end, &mut st);
        local = u64::MAX;
        for s in group.iter_mut() {
            local = local.min(std::mem::replace(&mut s.earliest, u64::MAX));
        }
        local = local.min(next_times(sh, group));
        st.epochs += 1;
    }
    st
}

/// The longest epoch, in lookaheads: an epoch doubles while traffic is
/// dense, so a dense run pays a barrier per this many lookaheads at most.
pub const MAX_SPAN: u64 = 1024;

/// The earliest pending event of a thread's LPs \[ps\].
fn next_times<P: LogicalProcess>(sh: &Shared<'_, P::Msg>, group: &mut [Slot<'_, P>]) -> u64 {
    let mut least = u64::MAX;
    for s in group.iter_mut().filter(|s| !s.dead) {
        let (lp, mut t) = (&mut s.lp, None);
        s.dead = sh.guard(s.clock, s.index, || t = lp.next_time());
        least = least.min(t.map_or(u64::MAX, SimTime::as_ps));
    }
    least
}

/// Hands LP `s` the messages in its queue (it holds them until due).
fn drain<P: LogicalProcess>(sh: &Shared<'_, P::Msg>, s: &mut Slot<'_, P>, st: &mut ParallelStats) {
    if s.dead {
        return;
    }
    let q = &sh.queues[s.index];
    let lp = &mut s.lp;
    s.dead = sh.guard(s.clock, s.index, || {
        while let Some(e) = q.pop() {
            st.messages += 1;
            lp.receive(e.at, e.from, e.seq, e.msg);
        }
    });
}

/// Runs a thread's LPs from `start` to `end` \[ps\], each as far as the others' clocks
/// allow, until all are there or a failure stops them (see [`worker`]).
fn run_epoch<P: LogicalProcess>(
    sh: &Shared<'_, P::Msg>,
    group: &mut [Slot<'_, P>],
    start: u64,
    end: u64,
    st: &mut ParallelStats,
) {
    let lookahead = sh.cfg.lookahead.as_ps();
    let mut idle = 0u32;
    loop {
        // The least clock of all LPs, whose it is, and the second least:
        // the least of the others' for each LP. (A clock read here may be
        // behind; a stale clock is an earlier one, so the bound stays safe.)
        let (mut least, mut who, mut second) = (u64::MAX, usize::MAX, u64::MAX);
        for (i, c) in sh.clocks.iter().enumerate() {
            let c = c.load(Ordering::Acquire);
            if c < least {
                (second, least, who) = (least, c, i);
            } else if c < second {
                second = c;
            }
        }
        // A broken rule or a panic: every LP runs the lookahead from the
        // clock of the earliest run that broke one or panicked (the same
        // step), no further; an LP that panicked does not run again.
        let limit = end.min(sh.fail_at.load(Ordering::Acquire).saturating_add(lookahead));
        let (mut done, mut moved) = (true, false);
        for s in group.iter_mut() {
            if s.clock >= limit || s.dead {
                continue;
            }
            done = false;
            let others = if who == s.index { second } else { least };
            // On the epoch's grid of lookaheads (a clock read from the last
            // epoch is off it, and earlier).
            let until = others.saturating_add(lookahead).min(limit);
            let until = if until < limit {
                start + (until.saturating_sub(start) / lookahead) * lookahead
            } else {
                until
            };
            if until <= s.clock {
                continue;
            }
            // Every message due before `until` was queued before the clocks
            // just read were published.
            drain(sh, s, st);
            // A lookahead at a time: an LP's run stops at the same times
            // however far the others' clocks let it go (an engine carries
            // a packet on without an event only within one run), so what
            // it counts does not depend on the threads either. Clocks are
            // whole lookaheads from the epoch's start, or its end.
            while s.clock < until && s.clock <= sh.fail_at.load(Ordering::Relaxed) && !s.dead {
                let step = s.clock.saturating_add(lookahead).min(until);
                let clock = SimTime::from_ps(s.clock);
                let mut out = Outbox {
                    from: s.index,
                    clock,
                    least: clock.saturating_add(sh.cfg.lookahead),
                    epoch_end: SimTime::from_ps(end),
                    seq: &mut s.sent,
                    queues: sh.queues,
                    error: &sh.error,
                    fail_at: &sh.fail_at,
                    failed: &sh.failed,
                    earliest: u64::MAX,
                    per_step: sh.per_step,
                    counts: &mut s.counts,
                };
                out.counts.clear();
                let lp = &mut s.lp;
                if sh.guard(s.clock, s.index, || {
                    lp.run_until(SimTime::from_ps(step), &mut out)
                }) {
                    s.dead = true;
                    break;
                }
                s.earliest = s.earliest.min(out.earliest);
                s.clock = step;
                sh.clocks[s.index].store(step, Ordering::Release);
            }
            moved = true;
        }
        if done {
            return;
        }
        if moved {
            idle = 0;
            continue;
        }
        // Waiting for another thread's LPs.
        idle = idle.saturating_add(1);
        if idle < SPINS {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
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

        fn receive(&mut self, at: SimTime, _from: usize, _seq: u64, msg: Packet) {
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
