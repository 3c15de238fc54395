//! A TCP bulk transfer (netperf TCP_STREAM, iperf3): the sender's congestion
//! control and loss recovery, the receiver's reassembly and ACK policy —
//! pure state machines the event loop drives, so they are tested alone.
//!
//! ## What is kept (STYLE.md point 14: the parts that change CPU and packet
//! counts)
//! - **Windows.** The sender keeps `snd_una ≤ snd_nxt` and sends while the
//!   bytes in flight are below `min(cwnd, rwnd)`. Its application always has
//!   data (a bulk sender), written `message_bytes` at a time.
//! - **Bursts.** With segmentation offload (TSO or GSO) the stack hands the
//!   driver bursts of up to `gso_max_bytes` (64 KiB, T2.1) of whole segments,
//!   at most a third of the congestion window (`tcp_tso_win_divisor` = 3,
//!   T2.9) and at least one segment; without, one segment at a time. A burst
//!   travels as one packet of several frames.
//! - **Slow start and congestion avoidance** as Linux counts them: in slow
//!   start `cwnd` grows by the bytes each ACK acknowledges (up to
//!   `ssthresh`), in congestion avoidance by one MSS per window acknowledged
//!   (Reno). Initial window 10 segments (T3.1).
//! - **Loss recovery with SACK** (RFC 2018, RFC 6675; Linux's default): the
//!   receiver's ACKs carry up to three SACK blocks (the range of its latest
//!   out-of-order segment first); the sender keeps a scoreboard, enters
//!   recovery on the third duplicate ACK (T3.11) or once three segments'
//!   worth is SACKed above a hole, sets `cwnd = ssthresh = max(flight ÷ 2,
//!   2 MSS)`, and while its pipe (bytes sent above the highest SACK plus the
//!   holes already resent) leaves room, resends the next hole, else sends new
//!   data; the ACK of everything sent before recovery ends it.
//! - **NewReno** (RFC 6582) when `sack` is off: fast retransmit on the third
//!   duplicate, a partial ACK retransmits the next hole, a full ACK ends
//!   recovery with `cwnd = ssthresh`. How much goes out in between is
//!   Proportional Rate Reduction's (RFC 6937, which Linux uses for all its
//!   recoveries), in place of RFC 6582's window inflation and deflation:
//!   each duplicate counts as a segment delivered, and the flight falls
//!   towards `ssthresh` in proportion (see `Sender::prr_sndcnt`). (The SACK
//!   recovery above is RFC 6675's, not PRR.)
//! - **Retransmission timeout** (RFC 6298): SRTT/RTTVAR from one timed
//!   segment at a time (Karn: never a retransmitted one), RTO ≥ `rto_min`
//!   (200 ms, T3.6), doubled on each expiry up to 120 s; an expiry sets
//!   `cwnd` to one MSS and resends from `snd_una` (go-back-N), and until
//!   what had been sent is acknowledged, duplicate ACKs start no fast
//!   recovery (RFC 6582 section 4; Linux's loss state).
//! - **Receiver.** Reassembly: in-order bytes advance `rcv_nxt`; a segment
//!   beyond it is kept in a set of out-of-order ranges (64) and answered
//!   at once by a duplicate ACK. Delayed ACKs (T3.2–T3.4): an ACK once two
//!   full segments are unacknowledged, else after the delayed-ACK timeout;
//!   the first 16 ACKs (quick-ACK mode, T3.3) and every out-of-order or
//!   hole-filling segment are acknowledged at once. With GRO the receiving
//!   stack sees a burst as one packet: one ACK answers it once two or more
//!   full segments are unacknowledged (T3.4, counted in bytes by Linux), and
//!   covers them all; a lone segment waits for the next or the timer.
//!   Without GRO, one ACK per two segments.
//!
//! ## What is left out
//! RACK-TLP except its rule for a lost retransmission (a hole resent before
//! data the receiver has since SACKed is resent again): a lost tail with
//! nothing SACKed above it waits for the RTO here, 200 ms at least. D-SACK, more than 64 out-of-order ranges at the
//! receiver or in the sender's scoreboard, timestamps (RTT is timed per
//! segment), window
//! scaling and receive-buffer autotuning (`rwnd` is the tuned maximum, fixed),
//! TSO autosizing by pacing rate and pacing itself, ECN,
//! the connection's handshake and teardown, Nagle (a bulk sender always has
//! full segments), and congestion controls other than Reno (Linux's default
//! is CUBIC: its growth after a loss is faster on long, fat paths).

use crate::sim::{SimDuration, SimTime};

/// Bytes of headers per frame: Ethernet 14, IPv4 20, TCP 20 + 12 of
/// timestamp option (T3.9), and the 4 B FCS — a 1448 B MSS makes a 1518 B
/// frame.
pub const FRAME_OVERHEAD: u32 = 70;

/// Bytes of a pure ACK frame (no payload).
pub const ACK_BYTES: u32 = FRAME_OVERHEAD;

/// Most out-of-order ranges a receiver keeps; a segment beyond them is
/// dropped by the receiver (and retransmitted later).
const OOO_RANGES: usize = 64;

/// SACK blocks an ACK carries (RFC 2018: three fit beside the timestamp
/// option).
pub const SACK_BLOCKS: usize = 3;

/// An ACK's SACK blocks: byte ranges `[start, end)` received above the
/// cumulative ACK, most recent first; `(0, 0)` is an empty block.
pub type Sacks = [(u64, u64); SACK_BLOCKS];

/// Ranges the sender's scoreboard keeps (more are merged into the last).
const SCOREBOARD: usize = 64;

/// Most ACKs sent at once before quick-ACK mode ends (T3.3).
const QUICKACKS: u32 = 16;

/// Largest RTO (T3.6: 120 s).
const RTO_MAX: SimDuration = SimDuration::from_ms(120_000);

/// A stream's TCP parameters (validated: all positive, `mss ≥ 88`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TcpParams {
    /// Payload bytes per segment \[B\] (T3.9: 1448 at a 1500 B MTU with
    /// timestamps).
    pub mss: u32,
    /// Bytes the sending application writes per call (netperf `-m`) \[B\].
    pub message_bytes: u32,
    /// The receiver's window \[B\]: its receive buffer, fully tuned.
    pub rwnd_bytes: u64,
    /// Largest congestion window the sender may use \[B\] (its send
    /// buffer).
    pub max_cwnd_bytes: u64,
    /// Initial congestion window \[segments\] (T3.1: 10).
    pub init_cwnd: u32,
    /// Smallest retransmission timeout (T3.6: 200 ms).
    pub rto_min: SimDuration,
    /// RTO before any RTT sample (T3.6: 1 s).
    pub rto_init: SimDuration,
    /// Delayed-ACK timeout (T3.2: 40 ms).
    pub delack: SimDuration,
    /// Largest burst the stack hands the driver with TSO or GSO \[B\] (T2.1).
    pub gso_max_bytes: u32,
    /// Selective acknowledgements (Linux's default, `tcp_sack` = 1): the
    /// receiver reports what it holds above a hole, and the sender
    /// retransmits every hole within its window (RFC 6675) instead of one per
    /// round trip (NewReno).
    pub sack: bool,
    /// TCP small queues: bytes a sending VM's socket may have in its host
    /// (stack, device queues, NIC) not yet on the wire before it waits
    /// (`tcp_limit_output_bytes`, T2.10: 1 MiB). Linux's qdisc holds back
    /// what the NIC cannot take; it does not drop a socket's data.
    pub tsq_bytes: u64,
}

impl TcpParams {
    /// Linux defaults: MSS 1448 (T3.9), 16 KiB writes (netperf's default send
    /// size is the send buffer's default, T3.8), a 6 MiB receive window and 4
    /// MiB send buffer (the autotuning maxima, T3.7, T3.8), 10 initial
    /// segments (T3.1), RTO ≥ 200 ms and 1 s initially (T3.6), delayed ACK
    /// 40 ms (T3.2), 64 KiB GSO bursts (T2.1).
    pub fn linux() -> TcpParams {
        TcpParams {
            mss: 1448,
            message_bytes: 16 * 1024,
            rwnd_bytes: 6 << 20,
            max_cwnd_bytes: 4 << 20,
            init_cwnd: 10,
            rto_min: SimDuration::from_ms(200),
            rto_init: SimDuration::from_ms(1000),
            delack: SimDuration::from_ms(40),
            gso_max_bytes: 65_536,
            sack: true,
            tsq_bytes: 1 << 20,
        }
    }
}

/// A burst the sender emits: bytes `[seq, seq + len)`, of which the first
/// `retransmitted` were sent before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Burst {
    /// First byte.
    pub seq: u64,
    /// Payload bytes.
    pub len: u32,
    /// Segments (frames) it is cut into.
    pub segs: u32,
    /// True if these bytes were sent before (a retransmission).
    pub retransmit: bool,
}

/// The sender: congestion window, loss recovery and the RTO.
#[derive(Clone, Debug)]
pub struct Sender {
    p: TcpParams,
    /// Segments per burst at most (offloads).
    burst_segs: u32,
    /// First unacknowledged byte.
    pub snd_una: u64,
    /// Next byte to send.
    pub snd_nxt: u64,
    /// Highest byte ever sent + 1: bytes below it are retransmissions.
    snd_max: u64,
    /// Congestion window \[B\].
    pub cwnd: u64,
    ssthresh: u64,
    dupacks: u32,
    /// Congestion avoidance: bytes acknowledged towards the next MSS of
    /// window.
    ca_acked: u64,
    /// In fast recovery until `snd_una ≥ recover`.
    recover: Option<u64>,
    /// After a timeout, the highest byte sent then: until `snd_una` passes
    /// it, duplicate ACKs start no fast recovery (RFC 6582 section 4, and
    /// Linux's loss state until `high_seq`): they answer the go-back-N
    /// resends of data the receiver holds already.
    loss_until: u64,
    /// NewReno recovery: duplicate ACKs counted as segments the receiver
    /// holds (Linux's `sacked_out` without SACK), less those a partial ACK
    /// has since covered.
    reno_dups: u64,
    /// PRR (RFC 6937): bytes delivered to the receiver since recovery began.
    prr_delivered: u64,
    /// PRR: bytes sent (new or retransmitted) since recovery began.
    prr_out: u64,
    /// PRR: the flight when recovery began (`RecoverFS`).
    recover_fs: u64,
    /// SACK scoreboard: disjoint ranges above `snd_una` the receiver holds,
    /// sorted.
    sacked: [(u64, u64); SCOREBOARD],
    n_sacked: usize,
    /// SACK recovery: holes below it have been retransmitted.
    rexmit_next: u64,
    /// SACK recovery: `snd_nxt` when a hole was last resent. Data sent after
    /// that resend travels behind it, so once the receiver SACKs data above
    /// this mark, an older resend still missing was lost.
    rexmit_mark: u64,
    srtt_ps: Option<u64>,
    rttvar_ps: u64,
    rto: SimDuration,
    /// The timed segment: (its end byte, when it was sent).
    timed: Option<(u64, SimTime)>,
    /// When the RTO fires, if armed.
    pub rto_at: Option<SimTime>,
    /// Segments retransmitted.
    pub retransmitted_segs: u64,
    /// Times the RTO fired.
    pub timeouts: u64,
    /// Fast retransmits.
    pub fast_retransmits: u64,
}

impl Sender {
    /// A sender with `p`; bursts of up to `gso_max_bytes` when `offload`
    /// (TSO or GSO), else one segment.
    pub fn new(p: TcpParams, offload: bool) -> Sender {
        let burst_segs = if offload {
            (p.gso_max_bytes / p.mss).max(1)
        } else {
            1
        };
        let iw = p.init_cwnd as u64 * p.mss as u64;
        Sender {
            p,
            burst_segs,
            snd_una: 0,
            snd_nxt: 0,
            snd_max: 0,
            cwnd: iw.min(p.max_cwnd_bytes.max(p.mss as u64)),
            ssthresh: u64::MAX,
            dupacks: 0,
            ca_acked: 0,
            recover: None,
            loss_until: 0,
            reno_dups: 0,
            prr_delivered: 0,
            prr_out: 0,
            recover_fs: 0,
            sacked: [(0, 0); SCOREBOARD],
            n_sacked: 0,
            rexmit_next: 0,
            rexmit_mark: 0,
            srtt_ps: None,
            rttvar_ps: 0,
            rto: p.rto_init,
            timed: None,
            rto_at: None,
            retransmitted_segs: 0,
            timeouts: 0,
            fast_retransmits: 0,
        }
    }

    fn mss(&self) -> u64 {
        self.p.mss as u64
    }

    /// Bytes in flight.
    pub fn flight(&self) -> u64 {
        self.snd_nxt - self.snd_una
    }

    fn window(&self) -> u64 {
        self.cwnd.min(self.p.rwnd_bytes)
    }

    /// The next burst to send at `now`, if the window allows a whole
    /// segment; the caller sends it and asks again.
    pub fn next_burst(&mut self, now: SimTime) -> Option<Burst> {
        if self.p.sack && self.recover.is_some() {
            return self.next_in_sack_recovery(now);
        }
        let room = self.window().saturating_sub(self.flight());
        let mss = self.mss();
        if room < mss {
            return None;
        }
        // A burst: whole segments, within the room, at most a third of the
        // window (T2.9) but at least one segment, at most the offload's.
        let third = (self.cwnd / 3 / mss).max(1);
        let mut segs = (room / mss).min(third).min(self.burst_segs as u64);
        // Retransmissions after an RTO stop at the highest byte sent, so a
        // burst is all new or all retransmitted.
        let retransmit = self.snd_nxt < self.snd_max;
        if retransmit {
            segs = segs.min((self.snd_max - self.snd_nxt).div_ceil(mss));
        }
        let seq = self.snd_nxt;
        let len = segs * mss;
        self.snd_nxt += len;
        self.snd_max = self.snd_max.max(self.snd_nxt);
        if self.recover.is_some() {
            self.prr_out += len;
        }
        if retransmit {
            self.retransmitted_segs += segs;
        } else if self.timed.is_none() {
            self.timed = Some((self.snd_nxt, now));
        }
        if self.rto_at.is_none() {
            self.rto_at = Some(now + self.rto);
        }
        Some(Burst {
            seq,
            len: len as u32,
            segs: segs as u32,
            retransmit,
        })
    }

    /// The highest byte the receiver has SACKed (or `snd_una`).
    fn high_sacked(&self) -> u64 {
        match self.n_sacked {
            0 => self.snd_una,
            n => self.sacked[n - 1].1,
        }
    }

    /// Bytes of `[a, b)` the scoreboard does not hold.
    fn unsacked(&self, a: u64, b: u64) -> u64 {
        if a >= b {
            return 0;
        }
        let held: u64 = self.sacked[..self.n_sacked]
            .iter()
            .map(|&(x, y)| y.min(b).saturating_sub(x.max(a)))
            .sum();
        (b - a) - held
    }

    /// Bytes SACKed in all.
    fn sacked_bytes(&self) -> u64 {
        self.sacked[..self.n_sacked]
            .iter()
            .map(|&(a, b)| b - a)
            .sum()
    }

    /// RFC 6675 recovery: the pipe (bytes thought in the network) is what
    /// was sent above the highest SACKed byte plus the holes already
    /// retransmitted; while it leaves room in `cwnd`, retransmit the next
    /// hole, else send new data.
    fn next_in_sack_recovery(&mut self, now: SimTime) -> Option<Burst> {
        let mss = self.mss();
        let high = self.high_sacked();
        self.rexmit_next = self.rexmit_next.max(self.snd_una);
        let pipe = (self.snd_nxt - high) + self.unsacked(self.snd_una, self.rexmit_next.min(high));
        if pipe + mss > self.cwnd {
            return None;
        }
        // The next hole at or after rexmit_next, below the highest SACK.
        let mut at = self.rexmit_next;
        for &(a, b) in &self.sacked[..self.n_sacked] {
            if at >= a && at < b {
                at = b;
            }
        }
        if at < high {
            let hole_end = self.sacked[..self.n_sacked]
                .iter()
                .map(|&(a, _)| a)
                .find(|&a| a > at)
                .unwrap_or(high);
            let room = self.cwnd - pipe;
            let segs = ((hole_end - at).div_ceil(mss))
                .min(room / mss)
                .min(self.burst_segs as u64)
                .max(1);
            let len = segs * mss;
            self.rexmit_next = at + len;
            self.rexmit_mark = self.snd_nxt;
            self.retransmitted_segs += segs;
            if self.timed.is_some_and(|(end, _)| end > at) {
                self.timed = None; // Karn
            }
            return Some(Burst {
                seq: at,
                len: len as u32,
                segs: segs as u32,
                retransmit: true,
            });
        }
        // No hole left to resend: new data within the pipe and rwnd.
        let room = (self.cwnd - pipe).min(self.p.rwnd_bytes.saturating_sub(self.flight()));
        let segs = (room / mss).min(self.burst_segs as u64);
        if segs == 0 {
            return None;
        }
        let seq = self.snd_nxt;
        let len = segs * mss;
        self.snd_nxt += len;
        self.snd_max = self.snd_max.max(self.snd_nxt);
        if self.rto_at.is_none() {
            self.rto_at = Some(now + self.rto);
        }
        Some(Burst {
            seq,
            len: len as u32,
            segs: segs as u32,
            retransmit: false,
        })
    }

    /// Adds `blocks` to the scoreboard and drops what `snd_una` passed.
    fn take_sacks(&mut self, blocks: &Sacks) {
        for &(a, b) in blocks.iter().filter(|&&(a, b)| b > a) {
            let (a, b) = (a.max(self.snd_una), b.min(self.snd_max));
            if a >= b {
                continue;
            }
            // Merge with every overlapping or touching range.
            let (mut lo, mut hi) = (a, b);
            let mut kept = 0;
            for i in 0..self.n_sacked {
                let (x, y) = self.sacked[i];
                if y < lo || x > hi {
                    self.sacked[kept] = (x, y);
                    kept += 1;
                } else {
                    lo = lo.min(x);
                    hi = hi.max(y);
                }
            }
            self.n_sacked = kept;
            if self.n_sacked == SCOREBOARD {
                let last = &mut self.sacked[SCOREBOARD - 1];
                *last = (last.0.min(lo), last.1.max(hi));
            } else {
                self.sacked[self.n_sacked] = (lo, hi);
                self.n_sacked += 1;
            }
            self.sacked[..self.n_sacked].sort_unstable();
        }
        let una = self.snd_una;
        let mut kept = 0;
        for i in 0..self.n_sacked {
            let (x, y) = self.sacked[i];
            if y > una {
                self.sacked[kept] = (x.max(una), y);
                kept += 1;
            }
        }
        self.n_sacked = kept;
    }

    /// The segment at `snd_una`, sent again (fast retransmit or a partial
    /// ACK in recovery).
    fn retransmit_head(&mut self, now: SimTime) -> Burst {
        self.retransmitted_segs += 1;
        if self.timed.is_some_and(|(end, _)| end > self.snd_una) {
            self.timed = None; // Karn: no sample across a retransmission
        }
        self.rto_at = Some(now + self.rto);
        Burst {
            seq: self.snd_una,
            len: self.p.mss,
            segs: 1,
            retransmit: true,
        }
    }

    /// Takes an ACK of everything below `ack`, with SACK blocks `sacks`, at
    /// `now`; returns a segment to retransmit at once (NewReno's fast
    /// retransmit or partial ACK), if any. Then the caller asks
    /// [`Sender::next_burst`] for what else to send, as after any ACK (with
    /// SACK, holes are resent there).
    pub fn on_ack(&mut self, ack: u64, sacks: &Sacks, now: SimTime) -> Option<Burst> {
        let mss = self.mss();
        let advanced = ack > self.snd_una;
        let acked = ack.saturating_sub(self.snd_una);
        if advanced {
            self.snd_una = ack;
            if self.snd_nxt < ack {
                self.snd_nxt = ack; // after an RTO, data acked beyond the resend point
            }
            self.dupacks = 0;
            if let Some((end, sent)) = self.timed {
                if ack >= end {
                    self.sample_rtt(now.since(sent));
                    self.timed = None;
                }
            }
        }
        if self.p.sack {
            self.take_sacks(sacks);
        }
        if advanced {
            let mut resend = None;
            match self.recover {
                Some(recover) if ack < recover => {
                    if !self.p.sack {
                        // NewReno's partial ACK: the next hole is lost too,
                        // and is resent at once (RFC 6582; Linux waits for
                        // room in cwnd). Of the segments it covers, one
                        // filled the hole and the rest were counted as
                        // duplicates already (Linux's tcp_remove_reno_sacks).
                        let covered = (acked / mss).saturating_sub(1).min(self.reno_dups);
                        self.reno_dups -= covered;
                        let sndcnt = self.prr_sndcnt(acked - covered * mss);
                        resend = Some(self.retransmit_head(now));
                        self.prr_out += mss;
                        self.allow(sndcnt.saturating_sub(mss));
                    }
                }
                Some(_) => {
                    self.recover = None;
                    self.cwnd = self.ssthresh.max(mss);
                }
                None if self.cwnd < self.ssthresh => {
                    self.cwnd = (self.cwnd + acked).min(self.ssthresh);
                }
                None => {
                    // Reno: one MSS per window of bytes acknowledged,
                    // counted exactly (Linux's snd_cwnd_cnt).
                    self.ca_acked += acked;
                    if self.ca_acked >= self.cwnd {
                        self.ca_acked -= self.cwnd;
                        self.cwnd += mss;
                    }
                }
            }
            self.cwnd = self.cwnd.min(self.p.max_cwnd_bytes.max(mss));
            self.rto_at = (self.flight() > 0).then_some(now + self.rto);
            if resend.is_some() {
                return resend;
            }
        } else if ack == self.snd_una && self.flight() > 0 {
            self.dupacks += 1;
            if self.recover.is_some() {
                if !self.p.sack {
                    // NewReno: a segment has left the network — unless
                    // every segment in flight but one is counted already
                    // (Linux's tcp_add_reno_sack bound), when nothing new
                    // was delivered.
                    let before = self.reno_dups;
                    self.reno_dups = (before + 1).min((self.flight() / mss).saturating_sub(1));
                    let sndcnt = self.prr_sndcnt((self.reno_dups - before) * mss);
                    self.allow(sndcnt);
                }
            } else if !self.p.sack && self.dupacks == 3 && self.snd_una >= self.loss_until {
                self.enter_recovery();
                self.reno_dups = 3.min((self.flight() / mss).saturating_sub(1));
                // PRR counts what this ACK delivered (Linux's
                // tcp_cwnd_reduction after tcp_init_cwnd_reduction zeroed
                // the counts); the fast retransmit goes out whatever that
                // allows (RFC 6937: one segment at least when nothing was
                // sent yet).
                let sndcnt = self.prr_sndcnt(mss).max(mss);
                let resend = self.retransmit_head(now);
                self.prr_out += mss;
                self.allow(sndcnt - mss);
                return Some(resend);
            }
        }
        // RACK's rule for a lost retransmission: data sent after the last
        // resend has been SACKed, yet holes already resent are still open —
        // those resends were lost too (a flow's packets stay in order), so
        // start a new pass over the holes (without it they would wait for
        // the RTO).
        if self.p.sack
            && self.recover.is_some()
            && self.high_sacked() > self.rexmit_mark
            && self.unsacked(self.snd_una, self.rexmit_next.min(self.rexmit_mark)) > 0
        {
            self.rexmit_next = self.snd_una;
            self.rexmit_mark = self.snd_nxt;
        }
        // SACK: a hole with three duplicates, or three segments' worth held
        // above it (RFC 6675's DupThresh), starts recovery.
        if self.p.sack
            && self.recover.is_none()
            && self.snd_una >= self.loss_until
            && self.n_sacked > 0
            && (self.dupacks >= 3 || self.sacked_bytes() >= 3 * mss)
        {
            self.enter_recovery();
            self.rto_at = Some(now + self.rto);
        }
        None
    }

    /// Fast recovery begins: halve the window (`ssthresh` = half the flight,
    /// at least two segments); NewReno then sends as PRR allows.
    fn enter_recovery(&mut self) {
        let mss = self.mss();
        self.fast_retransmits += 1;
        self.ssthresh = (self.flight() / 2).max(2 * mss);
        self.cwnd = self.ssthresh;
        self.recover = Some(self.snd_nxt);
        self.rexmit_next = self.snd_una;
        self.rexmit_mark = self.snd_nxt;
        self.recover_fs = self.flight();
        self.prr_delivered = 0;
        self.prr_out = 0;
        self.reno_dups = 0;
    }

    /// Lets `bytes` more go out now: the window becomes the flight plus
    /// them, within `max_cwnd_bytes`.
    fn allow(&mut self, bytes: u64) {
        self.cwnd = (self.flight() + bytes).min(self.p.max_cwnd_bytes.max(self.mss()));
    }

    /// NewReno recovery's sending allowance after an ACK that delivered
    /// `delivered` bytes: Proportional Rate Reduction (RFC 6937, Linux's
    /// `tcp_cwnd_reduction`, used with and without SACK). While the pipe
    /// (the flight less the segments duplicate ACKs say arrived) exceeds
    /// `ssthresh`, send in proportion to what was delivered, so the flight
    /// falls to `ssthresh` over one round trip; below it, grow back towards
    /// `ssthresh` as slow start would (PRR-SSRB). RFC 6582's window
    /// inflation and deflation are left out for this: after a lost tail a
    /// deflated window lets out only the retransmission, which a receiver
    /// with nothing out of order ACKs after its delayed-ACK timeout.
    fn prr_sndcnt(&mut self, delivered: u64) -> u64 {
        let mss = self.mss();
        self.prr_delivered += delivered;
        let pipe = self.flight().saturating_sub(self.reno_dups * mss);
        if pipe > self.ssthresh {
            let target = (self.prr_delivered as u128 * self.ssthresh as u128)
                .div_ceil(self.recover_fs.max(1) as u128) as u64;
            target.saturating_sub(self.prr_out)
        } else {
            let limit = self
                .prr_delivered
                .saturating_sub(self.prr_out)
                .max(delivered)
                + mss;
            (self.ssthresh - pipe).min(limit)
        }
    }

    fn sample_rtt(&mut self, r: SimDuration) {
        let r = r.as_ps();
        match self.srtt_ps {
            None => {
                self.srtt_ps = Some(r);
                self.rttvar_ps = r / 2;
            }
            Some(s) => {
                let d = s.abs_diff(r);
                self.rttvar_ps = (3 * self.rttvar_ps + d) / 4;
                self.srtt_ps = Some((7 * s + r) / 8);
            }
        }
        let srtt = self.srtt_ps.unwrap_or(r);
        let rto = SimDuration::from_ps(srtt.saturating_add(4 * self.rttvar_ps));
        self.rto = rto.max(self.p.rto_min).min(RTO_MAX);
    }

    /// The RTO fired at `now`: collapse the window and resend from
    /// `snd_una` (the caller then sends [`Sender::next_burst`]).
    pub fn on_rto(&mut self, now: SimTime) {
        let mss = self.mss();
        self.timeouts += 1;
        self.ssthresh = (self.flight() / 2).max(2 * mss);
        self.cwnd = mss;
        self.loss_until = self.snd_max;
        self.snd_nxt = self.snd_una;
        self.recover = None;
        self.dupacks = 0;
        self.timed = None;
        // RFC 6675: after a timeout the scoreboard is not trusted.
        self.n_sacked = 0;
        self.rexmit_next = self.snd_una;
        self.rto = SimDuration::from_ps(self.rto.as_ps().saturating_mul(2)).min(RTO_MAX);
        self.rto_at = Some(now + self.rto);
    }

    /// The smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<SimDuration> {
        self.srtt_ps.map(SimDuration::from_ps)
    }
}

/// What the receiver does after a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckPlan {
    /// ACKs to send now (each acknowledges `ack`).
    pub now: u32,
    /// Arm the delayed-ACK timer (if not armed).
    pub arm_delack: bool,
    /// Bytes newly delivered in order to the application.
    pub delivered: u64,
    /// Without GRO, the segments of this packet the first ACK covers (the
    /// stack acknowledges as it goes, every second segment); 0: every ACK
    /// acknowledges all received (GRO, or an ACK sent at once).
    pub first: u32,
    /// Segments in this packet.
    pub segs: u32,
}

impl AckPlan {
    /// The cumulative ACK the `k`-th of the plan's ACKs carries (from 0),
    /// for a packet of `len` bytes starting at `seq`, the receiver now
    /// expecting `rcv_nxt`. A stack without GRO sees a burst's segments one
    /// by one and acknowledges every second, so the ACKs a burst draws carry
    /// increasing numbers (the same number twice would be a duplicate ACK to
    /// the sender); otherwise every ACK carries `rcv_nxt`.
    pub fn ack(&self, k: u32, seq: u64, len: u32, rcv_nxt: u64) -> u64 {
        if self.first == 0 {
            return rcv_nxt;
        }
        let segs = self.segs.max(1) as u64;
        let covered = (self.first as u64 + 2 * k as u64).min(segs);
        (seq + covered * len as u64 / segs).min(rcv_nxt)
    }
}

/// The receiver: reassembly and ACK policy.
#[derive(Clone, Debug)]
pub struct Receiver {
    /// Next byte expected.
    pub rcv_nxt: u64,
    ooo: [(u64, u64); OOO_RANGES],
    n_ooo: usize,
    /// Full segments received since the last ACK.
    unacked_segs: u32,
    /// ACKs sent so far (quick-ACK mode lasts the first [`QUICKACKS`]).
    acks_sent: u32,
    /// GRO: one ACK covers a merged packet (of two or more segments);
    /// without it, one ACK per two segments.
    gro: bool,
    /// When the delayed-ACK timer fires, if armed.
    pub delack_at: Option<SimTime>,
    /// Segments dropped for want of an out-of-order slot.
    pub ooo_overflow: u64,
    /// First byte of the latest out-of-order segment (its range is the
    /// first SACK block).
    latest: Option<u64>,
}

impl Receiver {
    /// A receiver; `gro`: its stack sees a burst as one packet.
    pub fn new(gro: bool) -> Receiver {
        Receiver {
            rcv_nxt: 0,
            ooo: [(0, 0); OOO_RANGES],
            n_ooo: 0,
            unacked_segs: 0,
            acks_sent: 0,
            gro,
            delack_at: None,
            ooo_overflow: 0,
            latest: None,
        }
    }

    /// The SACK blocks of an ACK sent now: the range holding the latest
    /// out-of-order segment first, then the highest others (RFC 2018).
    pub fn sacks(&self) -> Sacks {
        let mut out: Sacks = [(0, 0); SACK_BLOCKS];
        if self.n_ooo == 0 {
            // In order (every ACK of a loss-free stream): nothing to report,
            // no copy and sort of the ranges.
            return out;
        }
        let ranges = &self.ooo[..self.n_ooo];
        let first = self
            .latest
            .and_then(|l| ranges.iter().copied().find(|&(a, b)| a <= l && l < b));
        let mut n = 0;
        if let Some(r) = first {
            out[0] = r;
            n = 1;
        }
        let mut rest: [(u64, u64); OOO_RANGES] = self.ooo;
        let rest = &mut rest[..self.n_ooo];
        rest.sort_unstable_by(|x, y| y.cmp(x));
        for &r in rest.iter() {
            if n == SACK_BLOCKS {
                break;
            }
            if Some(r) != first {
                out[n] = r;
                n += 1;
            }
        }
        out
    }

    /// The cumulative ACK it would send.
    pub fn ack(&self) -> u64 {
        self.rcv_nxt
    }

    /// Takes a packet of `segs` segments carrying `[seq, seq + len)`.
    pub fn on_segment(&mut self, seq: u64, len: u32, segs: u32) -> AckPlan {
        let end = seq + len as u64;
        let before = self.rcv_nxt;
        let immediate;
        if end <= self.rcv_nxt {
            immediate = true; // a duplicate: tell the sender where we are
        } else if seq <= self.rcv_nxt {
            self.rcv_nxt = end;
            // Pull in out-of-order ranges that are now contiguous.
            let had_holes = self.n_ooo > 0;
            loop {
                let mut grew = false;
                let mut i = 0;
                while i < self.n_ooo {
                    let (a, b) = self.ooo[i];
                    if a <= self.rcv_nxt {
                        self.rcv_nxt = self.rcv_nxt.max(b);
                        self.ooo[i] = self.ooo[self.n_ooo - 1];
                        self.n_ooo -= 1;
                        grew = true;
                    } else {
                        i += 1;
                    }
                }
                if !grew {
                    break;
                }
            }
            immediate = had_holes; // a hole filled (or still open): ACK at once
        } else {
            // Beyond a hole: keep it if there is room, answer at once.
            immediate = true;
            self.latest = Some(seq);
            let merged = (0..self.n_ooo).find(|&i| {
                let (a, b) = self.ooo[i];
                seq <= b && end >= a
            });
            match merged {
                Some(i) => {
                    let (a, b) = self.ooo[i];
                    self.ooo[i] = (a.min(seq), b.max(end));
                }
                None if self.n_ooo < OOO_RANGES => {
                    self.ooo[self.n_ooo] = (seq, end);
                    self.n_ooo += 1;
                }
                None => self.ooo_overflow += segs as u64,
            }
        }
        let delivered = self.rcv_nxt - before;
        // ACK units: with GRO one per merged packet once two or more segments
        // are unacknowledged, else one per two segments.
        let mut first = 0;
        let now = if immediate || self.acks_sent < QUICKACKS {
            self.unacked_segs = 0;
            if self.gro || immediate {
                1
            } else {
                first = 2;
                segs.div_ceil(2).max(1)
            }
        } else if self.gro {
            // Linux's __tcp_ack_snd_check: ACK once more than one full
            // segment is unacknowledged; the ACK covers all of it, so nothing
            // is left for the delayed-ACK timer. A lone segment waits.
            let total = self.unacked_segs + segs;
            if total >= 2 {
                self.unacked_segs = 0;
                1
            } else {
                self.unacked_segs = total;
                0
            }
        } else {
            // Segment by segment: every second one is acknowledged.
            first = 2 - self.unacked_segs.min(1);
            let total = self.unacked_segs + segs;
            self.unacked_segs = total % 2;
            total / 2
        };
        self.acks_sent = self.acks_sent.saturating_add(now);
        if now > 0 {
            self.delack_at = None;
        }
        AckPlan {
            now,
            arm_delack: self.unacked_segs > 0 && self.delack_at.is_none(),
            delivered,
            first,
            segs,
        }
    }

    /// The delayed-ACK timer fired: one ACK if anything is unacknowledged.
    pub fn on_delack(&mut self) -> bool {
        self.delack_at = None;
        if self.unacked_segs > 0 {
            self.unacked_segs = 0;
            self.acks_sent = self.acks_sent.saturating_add(1);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(us: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_us(us)
    }

    /// NewReno (no SACK), 1000 B segments.
    fn params() -> TcpParams {
        TcpParams {
            mss: 1000,
            sack: false,
            ..TcpParams::linux()
        }
    }

    const NO_SACKS: Sacks = [(0, 0); SACK_BLOCKS];

    impl Sender {
        /// An ACK without SACK blocks.
        fn on_ack_nr(&mut self, ack: u64, now: SimTime) -> Option<Burst> {
            self.on_ack(ack, &NO_SACKS, now)
        }
    }

    #[test]
    fn with_sack_every_hole_is_resent_within_one_window() {
        let p = TcpParams {
            sack: true,
            ..params()
        };
        let mut s = Sender::new(p, false);
        let mut r = Receiver::new(true);
        s.cwnd = 20_000;
        let sent = fill(&mut s, t(0)); // 20 segments, one per burst
        assert_eq!(sent.len(), 20);
        // Segments 3, 7 and 12 are lost; the receiver ACKs each arrival.
        let mut acks = Vec::new();
        for b in &sent {
            if [3_000, 7_000, 12_000].contains(&b.seq) {
                continue;
            }
            r.on_segment(b.seq, b.len, b.segs);
            acks.push((r.ack(), r.sacks()));
        }
        let mut next = Vec::new();
        for (i, (ack, sacks)) in acks.iter().enumerate() {
            assert_eq!(s.on_ack(*ack, sacks, t(100 + i as u64)), None);
            next.extend(fill(&mut s, t(100 + i as u64)));
        }
        // All three holes resent in this round trip, each once.
        let seqs: Vec<u64> = next
            .iter()
            .filter(|b| b.retransmit)
            .map(|b| b.seq)
            .collect();
        assert_eq!(seqs, vec![3_000, 7_000, 12_000]);
        assert_eq!(s.fast_retransmits, 1);
        assert!(s.recover.is_some());
        // Everything sent since arrives: the full ACK ends recovery.
        for b in &next {
            r.on_segment(b.seq, b.len, b.segs);
        }
        assert_eq!(r.ack(), s.snd_nxt);
        s.on_ack(r.ack(), &r.sacks(), t(300));
        assert_eq!(s.flight(), 0);
        assert!(s.recover.is_none(), "recovery ends at the full ACK: {s:?}");
    }

    #[test]
    fn sack_blocks_put_the_latest_range_first() {
        let mut r = Receiver::new(true);
        r.on_segment(0, 1000, 1);
        r.on_segment(2000, 1000, 1);
        r.on_segment(5000, 1000, 1);
        r.on_segment(3000, 1000, 1);
        let sacks = r.sacks();
        assert_eq!(sacks[0], (2000, 4000), "the latest segment's range");
        assert_eq!(sacks[1], (5000, 6000));
        assert_eq!(sacks[2], (0, 0));
    }

    /// Sends every burst the window allows.
    fn fill(s: &mut Sender, now: SimTime) -> Vec<Burst> {
        std::iter::from_fn(|| s.next_burst(now)).collect()
    }

    #[test]
    fn the_initial_window_is_ten_segments_in_bursts_of_a_third() {
        let mut s = Sender::new(params(), true);
        let b = fill(&mut s, t(0));
        let total: u32 = b.iter().map(|b| b.segs).sum();
        assert_eq!(total, 10);
        // cwnd 10 segments: bursts of at most 3 (a third), whole segments.
        assert!(
            b.iter().all(|b| b.segs <= 3 && b.len == b.segs * 1000),
            "{b:?}"
        );
        assert_eq!(s.flight(), 10_000);
        // Without offload, one segment per burst.
        let mut s = Sender::new(params(), false);
        assert!(fill(&mut s, t(0)).iter().all(|b| b.segs == 1));
    }

    #[test]
    fn slow_start_doubles_the_window_each_round_trip() {
        let mut s = Sender::new(params(), true);
        fill(&mut s, t(0));
        // Everything acknowledged one RTT later: cwnd grows by what was acked.
        assert_eq!(s.on_ack_nr(10_000, t(100)), None);
        assert_eq!(s.cwnd, 20_000);
        fill(&mut s, t(100));
        s.on_ack_nr(30_000, t(200));
        assert_eq!(s.cwnd, 40_000);
    }

    #[test]
    fn congestion_avoidance_adds_one_segment_per_window() {
        let mut s = Sender::new(params(), true);
        s.ssthresh = 10_000; // already at ssthresh
        fill(&mut s, t(0));
        // ACKs of one segment each, a whole window of them: +1 MSS in all.
        for i in 1..=10 {
            s.on_ack_nr(i * 1000, t(100 + i));
        }
        assert_eq!(s.cwnd, 11_000);
    }

    #[test]
    fn three_duplicates_retransmit_and_halve_the_window() {
        let mut s = Sender::new(params(), true);
        fill(&mut s, t(0)); // 0..10,000 in flight
        s.on_ack_nr(1000, t(50)); // segment 1 arrived; segment 2 lost
        let cwnd = s.cwnd;
        fill(&mut s, t(50));
        let flight = s.flight();
        assert_eq!(s.on_ack_nr(1000, t(60)), None);
        assert_eq!(s.on_ack_nr(1000, t(61)), None);
        let r = s.on_ack_nr(1000, t(62)).expect("fast retransmit");
        assert_eq!((r.seq, r.segs, r.retransmit), (1000, 1, true));
        assert_eq!(s.ssthresh, flight / 2);
        // PRR: the pipe (the flight less three duplicates) is above
        // ssthresh, so what may go out is in proportion to what this ACK
        // delivered, ⌈1,000 × ssthresh ÷ flight⌉ = 500 B, raised to the one
        // segment the fast retransmit needs: no new segment.
        assert_eq!(s.cwnd, flight);
        assert!(s.cwnd < cwnd + 1000);
        assert!(s.next_burst(t(62)).is_none());
        assert_eq!(s.fast_retransmits, 1);
        // Each further duplicate is a segment delivered; ssthresh is half
        // the flight, so after four more, 2,500 B in all may have gone out:
        // the retransmission and one new segment.
        let sent: u32 = (0..4)
            .map(|i| {
                assert_eq!(s.on_ack_nr(1000, t(63 + i)), None);
                fill(&mut s, t(63 + i)).iter().map(|b| b.segs).sum::<u32>()
            })
            .sum();
        assert_eq!(sent, 1);
        // The full ACK ends recovery at ssthresh.
        let high = s.snd_nxt;
        assert_eq!(s.on_ack_nr(high, t(150)), None);
        assert_eq!(s.cwnd, flight / 2);
    }

    #[test]
    fn a_partial_ack_retransmits_the_next_hole() {
        let mut s = Sender::new(params(), true);
        fill(&mut s, t(0));
        for _ in 0..3 {
            s.on_ack_nr(0, t(10));
        }
        assert_eq!(s.retransmitted_segs, 1);
        // The retransmission filled hole 1; hole 2 at 4000 remains.
        let r = s.on_ack_nr(4000, t(60)).expect("partial ACK resends");
        assert_eq!(r.seq, 4000);
        assert_eq!(s.retransmitted_segs, 2);
    }

    /// Without SACK, when a partial ACK covers far more than the duplicates
    /// counted (with GRO a receiver sends one duplicate per merged packet),
    /// the pipe falls below ssthresh and PRR lets new data out beside the
    /// retransmission, growing back as slow start would (PRR-SSRB). That new
    /// data, arriving above the next hole, draws duplicate ACKs at once; RFC
    /// 6582's deflated window (here 1 MSS) would send the retransmission
    /// alone, which a receiver holding nothing out of order acknowledges only
    /// when its delayed-ACK timer fires (40 ms).
    #[test]
    fn below_ssthresh_a_partial_ack_sends_new_data_beside_the_resend() {
        let mut s = Sender::new(params(), true);
        s.cwnd = 20_000;
        fill(&mut s, t(0)); // 0..20,000
        for _ in 0..3 {
            s.on_ack_nr(0, t(50));
        }
        assert_eq!((s.fast_retransmits, s.ssthresh), (1, 10_000));
        assert!(fill(&mut s, t(50)).is_empty());
        // The resent segment 0 fills the hole: everything to 15,000 acked;
        // 15,000 is lost too. Pipe 5,000 B, ssthresh 10,000 B.
        let r = s.on_ack_nr(15_000, t(100)).expect("partial ACK resends");
        assert_eq!((r.seq, r.retransmit), (15_000, true));
        let new: Vec<Burst> = fill(&mut s, t(100));
        assert!(new.iter().all(|b| !b.retransmit));
        let new_bytes: u32 = new.iter().map(|b| b.len).sum();
        // min(ssthresh − pipe, delivered + MSS) = 5,000 B, less the resend.
        assert_eq!(new_bytes, 4000, "{s:?}");
        assert_eq!(s.flight(), 9000);
    }

    /// A sender whose RTO is 1 ms, its initial window sent at 0.
    fn sent_with_a_1ms_rto() -> Sender {
        let mut p = params();
        p.rto_init = SimDuration::from_ms(1);
        p.rto_min = SimDuration::from_ms(1);
        let mut s = Sender::new(p, true);
        fill(&mut s, t(0));
        s
    }

    #[test]
    fn the_rto_backs_off_and_resends_from_the_first_unacked_byte() {
        let mut s = sent_with_a_1ms_rto();
        assert_eq!(s.rto_at, Some(t(1000)));
        s.on_rto(t(1000));
        assert_eq!((s.cwnd, s.snd_nxt, s.timeouts), (1000, 0, 1));
        assert_eq!(s.rto_at, Some(t(3000)), "doubled");
        let b = s.next_burst(t(1000)).unwrap();
        assert!(b.retransmit && b.seq == 0 && b.segs == 1);
        assert!(s.next_burst(t(1000)).is_none(), "one segment of window");
    }

    /// After a timeout, duplicate ACKs for the go-back-N resends start no
    /// fast recovery until the cumulative ACK passes what had been sent
    /// (RFC 6582 section 4); after that, three duplicates do again.
    #[test]
    fn after_a_timeout_duplicates_wait_for_the_old_data_to_be_acked() {
        let mut s = sent_with_a_1ms_rto(); // 0..10,000
        s.on_rto(t(1000));
        fill(&mut s, t(1000));
        for i in 0..5 {
            assert_eq!(s.on_ack_nr(0, t(1100 + i)), None);
        }
        assert_eq!(s.fast_retransmits, 0, "{s:?}");
        // Everything sent before the timeout acknowledged: a new loss and
        // its three duplicates start fast recovery as usual.
        s.cwnd = 20_000;
        s.on_ack_nr(10_000, t(1200));
        fill(&mut s, t(1200));
        let dups: Vec<_> = (0..3).map(|i| s.on_ack_nr(10_000, t(1300 + i))).collect();
        assert!(dups[2].is_some(), "{s:?}");
        assert_eq!(s.fast_retransmits, 1);
    }

    #[test]
    fn rtt_samples_set_the_rto_above_its_floor() {
        let mut p = params();
        p.rto_min = SimDuration::from_us(1);
        let mut s = Sender::new(p, true);
        fill(&mut s, t(0));
        s.on_ack_nr(10_000, t(100));
        // First sample: SRTT 100 µs, RTTVAR 50 µs, RTO = 300 µs.
        assert_eq!(s.srtt(), Some(SimDuration::from_us(100)));
        assert_eq!(s.rto, SimDuration::from_us(300));
    }

    #[test]
    fn the_receiver_acks_every_second_segment_and_holes_at_once() {
        let mut r = Receiver::new(false);
        r.acks_sent = QUICKACKS; // past quick-ACK mode
        let a = r.on_segment(0, 1000, 1);
        assert_eq!((a.now, a.arm_delack, a.delivered), (0, true, 1000));
        let a = r.on_segment(1000, 1000, 1);
        assert_eq!((a.now, a.delivered), (1, 1000));
        // A hole: 3000 arrives before 2000.
        let a = r.on_segment(3000, 1000, 1);
        assert_eq!((a.now, a.delivered, r.ack()), (1, 0, 2000));
        // The hole fills: both delivered, ACK at once.
        let a = r.on_segment(2000, 1000, 1);
        assert_eq!((a.now, a.delivered, r.ack()), (1, 2000, 4000));
        // A duplicate: an ACK at once, nothing delivered.
        let a = r.on_segment(0, 1000, 1);
        assert_eq!((a.now, a.delivered), (1, 0));
    }

    #[test]
    fn with_gro_a_burst_is_acked_once_without_every_two_segments() {
        let mut gro = Receiver::new(true);
        let mut plain = Receiver::new(false);
        gro.acks_sent = QUICKACKS;
        plain.acks_sent = QUICKACKS;
        assert_eq!(gro.on_segment(0, 10_000, 10).now, 1);
        assert_eq!(plain.on_segment(0, 10_000, 10).now, 5);
        // The delayed-ACK timer sends the odd one out.
        let a = plain.on_segment(10_000, 1000, 1);
        assert!(a.arm_delack && a.now == 0);
        assert!(plain.on_delack());
        assert!(!plain.on_delack());
    }

    /// Without GRO a burst received in order draws an ACK per two of its
    /// segments, each with its own cumulative number: none of them is a
    /// duplicate to the sender (the same number on each would start a
    /// spurious fast retransmit). The odd segment left waits for the timer.
    #[test]
    fn without_gro_a_bursts_acks_carry_increasing_numbers() {
        let p = TcpParams {
            sack: false,
            gso_max_bytes: 64_000,
            ..params()
        };
        let mut s = Sender::new(p, true);
        s.cwnd = 64_000;
        let bursts = fill(&mut s, t(0));
        assert!(bursts.iter().any(|b| b.segs > 3), "{bursts:?}");
        let mut r = Receiver::new(false);
        r.acks_sent = QUICKACKS;
        let mut last = 0;
        for (i, b) in bursts.iter().enumerate() {
            let plan = r.on_segment(b.seq, b.len, b.segs);
            for k in 0..plan.now {
                let ack = plan.ack(k, b.seq, b.len, r.ack());
                assert!(ack > last, "burst {i}, ACK {k}: {ack} after {last}");
                last = ack;
                assert_eq!(s.on_ack_nr(ack, t(100 + i as u64)), None);
            }
        }
        assert_eq!(s.fast_retransmits, 0);
        // All but an odd last segment acknowledged; the timer sends the rest.
        assert!(r.ack() - last <= 1000);
        if r.ack() > last {
            assert!(r.on_delack());
        }
    }

    /// With GRO one ACK covers a whole merged packet: an odd number of
    /// segments leaves nothing for the delayed-ACK timer (a spurious ACK
    /// later), and a lone segment waits for the next one or the timer.
    #[test]
    fn with_gro_an_odd_burst_leaves_nothing_unacknowledged() {
        let mut r = Receiver::new(true);
        r.acks_sent = QUICKACKS;
        let a = r.on_segment(0, 3000, 3);
        assert_eq!((a.now, a.arm_delack), (1, false));
        assert!(!r.on_delack(), "nothing left for the timer");
        let a = r.on_segment(3000, 1000, 1);
        assert_eq!((a.now, a.arm_delack), (0, true));
        let a = r.on_segment(4000, 1000, 1);
        assert_eq!((a.now, a.arm_delack), (1, false));
        assert!(!r.on_delack());
    }
}
