//! A serial link: an Ethernet wire direction or a PCIe link direction.
//!
//! A link is one FCFS server whose service time is the bits a packet puts on
//! it divided by the rate, computed in integer picoseconds with the remainder
//! carried to the next packet, so N back-to-back frames take exactly N frame
//! times (CALIBRATION.md "Line rate"). Its waiting room bounds what waits to go
//! out (a TX ring, an upstream switch buffer).
//!
//! - A wire: a frame of L bytes (FCS included) occupies L + F bytes of wire
//!   time, F the profile's `wire_framing_bytes`: 20 on Ethernet (preamble 7,
//!   start delimiter 1, inter-frame gap 12), 0 on a point-to-point link that
//!   frames nothing beyond the frame (ns-3's `PointToPointNetDevice`).
//! - PCIe (H7): a DMA of L bytes is split into ⌈L / MPS⌉ TLPs, each carrying
//!   a fixed header/framing overhead, plus one descriptor transfer. Left out:
//!   DLLP flow-control and ACK traffic, read-request TLPs on the other
//!   direction, and completion splitting by the read completion boundary.

use crate::metrics::DropReason;
use crate::model::pipeline::Units;
use crate::sim::{Admission, BitsPerSec, FcfsPool, SimDuration, SimTime};

/// How a link turns a frame's bytes into bits on the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overhead {
    /// A wire: `framing` bytes beyond each frame (Ethernet: 20 of preamble,
    /// delimiter and gap).
    Wire {
        /// Bytes of wire time per frame beyond the frame \[B\].
        framing: u32,
    },
    /// IP packets: a frame less its 18 bytes of Ethernet header and FCS (a
    /// rate a layer-3 network counts, such as a per-flow limit).
    Ip,
    /// PCIe DMA with TLP and descriptor overheads.
    Pcie {
        /// Maximum payload per TLP \[B\].
        mps: u32,
        /// Header and framing per TLP \[B\].
        tlp_overhead: u32,
        /// Descriptor bytes per packet \[B\].
        desc: u32,
    },
}

impl Overhead {
    /// Ethernet's framing: 20 bytes per frame.
    pub const ETHERNET: Overhead = Overhead::Wire { framing: 20 };

    /// Bytes on the link for `frames` frames of `bytes` in all (a burst's
    /// frames are as equal as whole bytes allow).
    #[inline]
    pub fn link_bytes(self, bytes: u32, frames: u32) -> u64 {
        let (bytes, frames) = (bytes as u64, frames.max(1) as u64);
        match self {
            Overhead::Wire { framing } => bytes + framing as u64 * frames,
            Overhead::Ip => bytes.saturating_sub(18 * frames),
            Overhead::Pcie {
                mps,
                tlp_overhead,
                desc,
            } => {
                // Each frame: its data TLPs and one descriptor TLP.
                let per_frame = bytes.div_ceil(frames);
                let tlps = frames * (per_frame.div_ceil(mps as u64) + 1);
                bytes + frames * desc as u64 + tlps * tlp_overhead as u64
            }
        }
    }
}

/// A link direction with its queue.
#[derive(Clone, Debug)]
pub struct Link {
    /// Name in resource reports (`nic0.wire_in`).
    pub name: String,
    rate: BitsPerSec,
    overhead: Overhead,
    carry: u64,
    pool: FcfsPool,
    /// Frames admitted so far.
    frames: u64,
    /// Packets its queue had no room for, by the reason their owner dropped
    /// them with (see [`Link::refuse`]); empty until the first.
    refused: Vec<(DropReason, u64)>,
}

impl Link {
    /// A link of `rate` whose queue holds `room` frames waiting (a burst
    /// takes a place per frame).
    pub fn new(name: String, rate: BitsPerSec, overhead: Overhead, room: usize) -> Self {
        Link {
            name,
            rate,
            overhead,
            carry: 0,
            pool: FcfsPool::new(1, Some(room)),
            frames: 0,
            refused: Vec::new(),
        }
    }

    /// Time to put a packet of `u` on the link, carrying the remainder.
    #[inline]
    fn service(&mut self, u: &Units) -> SimDuration {
        let bits = self.overhead.link_bytes(u.bytes, u.frames) * 8;
        let (d, carry) = self.rate.time_for_bits(bits, self.carry);
        self.carry = carry;
        d
    }

    /// Queues a packet of `u` (its frames back to back) arriving at `now`;
    /// `None` if the queue is full.
    #[inline]
    pub fn send(&mut self, now: SimTime, u: &Units) -> Option<Admission> {
        self.send_with_stall(now, u, SimDuration::ZERO)
    }

    /// As [`Link::send`], with the transfer first holding the link for
    /// `stall` (a DMA engine waiting for its address translation).
    #[inline]
    pub fn send_with_stall(
        &mut self,
        now: SimTime,
        u: &Units,
        stall: SimDuration,
    ) -> Option<Admission> {
        // Compute the service only for admitted frames, so a refused frame
        // does not disturb the carried remainder.
        let carry = self.carry;
        let d = self.service(u) + stall;
        let a = self.pool.admit_weighted(now, d, u.frames.max(1));
        if a.is_none() {
            self.carry = carry;
        } else {
            self.frames += u64::from(u.frames.max(1));
        }
        a
    }

    /// Counts a packet its queue had no room for (all its frames, or the
    /// part of a burst cut off), dropped with `reason`: the owner of the
    /// packet, which asked [`Link::room_for`], decides and drops it.
    #[cold]
    pub fn refuse(&mut self, reason: DropReason) {
        match self.refused.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.refused.push((reason, 1)),
        }
    }

    /// Frames admitted so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Packets refused so far ([`Link::refuse`]), by reason, in the order
    /// each reason first happened.
    pub fn refused(&self) -> &[(DropReason, u64)] {
        &self.refused
    }

    /// The frames a packet arriving at `now` may bring into the queue
    /// (`u32::MAX` when the link is idle); see [`FcfsPool::room_for`].
    #[inline]
    pub fn room_for(&mut self, now: SimTime) -> u32 {
        self.pool.room_for(now).min(u32::MAX as usize) as u32
    }

    /// Busy time so far.
    pub fn busy(&self) -> SimDuration {
        self.pool.busy()
    }

    /// Sets the end of the measurement window (see [`FcfsPool::set_window`]).
    pub fn set_window(&mut self, end: SimTime) {
        self.pool.set_window(end);
    }

    /// Sets a tentative end of the measurement window (see
    /// [`FcfsPool::set_tentative_window`]).
    pub fn set_tentative_window(&mut self, end: SimTime) {
        self.pool.set_tentative_window(end);
    }

    /// Moves a tentative window's end earlier (see
    /// [`FcfsPool::shrink_window`]).
    pub fn shrink_window(&mut self, end: SimTime) {
        self.pool.shrink_window(end);
    }

    /// Busy time inside the measurement window.
    pub fn busy_in_window(&self) -> SimDuration {
        self.pool.busy_in_window()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_back_to_back_frames_take_exactly_n_frame_times() {
        // CALIBRATION.md "Line rate": 64 B at 10 GbE is 67.2 ns; at 1518 B,
        // 10 GbE carries 812,744 frames/s (1,230.4 ns each).
        for (bytes, frame_ps) in [(64u32, 67_200u64), (1518, 1_230_400)] {
            let rate = BitsPerSec::from_gbps(10.0).unwrap();
            let mut l = Link::new("w".into(), rate, Overhead::ETHERNET, 100_000);
            let n = 10_000u64;
            let mut last = SimTime::ZERO;
            for _ in 0..n {
                last = l.send(SimTime::ZERO, &Units::frame(bytes)).unwrap().end;
            }
            assert_eq!(last.as_ps(), n * frame_ps);
        }
    }

    #[test]
    fn pcie_overhead_counts_tlps_and_descriptor() {
        let o = Overhead::Pcie {
            mps: 256,
            tlp_overhead: 24,
            desc: 16,
        };
        // 64 B: one data TLP + one descriptor TLP.
        assert_eq!(o.link_bytes(64, 1), 64 + 16 + 2 * 24);
        // 1500 B: six data TLPs + one descriptor TLP.
        assert_eq!(o.link_bytes(1500, 1), 1500 + 16 + 7 * 24);
        // A burst of three 1500 B frames: three times one.
        assert_eq!(o.link_bytes(4500, 3), 3 * (1500 + 16 + 7 * 24));
        assert_eq!(Overhead::ETHERNET.link_bytes(4500, 3), 4500 + 60);
    }

    #[test]
    fn a_link_counts_the_frames_it_admits_and_the_packets_refused() {
        let rate = BitsPerSec::new(3_000_000_000).unwrap();
        let mut l = Link::new("w".into(), rate, Overhead::ETHERNET, 4);
        l.send(SimTime::ZERO, &Units::frame(64)).unwrap();
        let burst = Units {
            frames: 3,
            ..Units::frame(192)
        };
        l.send(SimTime::ZERO, &burst).unwrap();
        assert!(l.send(SimTime::ZERO, &burst).is_none());
        assert_eq!(l.frames(), 4);
        assert!(l.refused().is_empty(), "the owner counts refusals");
        l.refuse(DropReason::WireQueueFull);
        l.refuse(DropReason::TxRingFull);
        l.refuse(DropReason::WireQueueFull);
        assert_eq!(
            l.refused(),
            [(DropReason::WireQueueFull, 2), (DropReason::TxRingFull, 1)]
        );
    }

    #[test]
    fn a_refused_frame_leaves_the_link_unchanged() {
        let rate = BitsPerSec::new(3_000_000_000).unwrap();
        let mut l = Link::new("w".into(), rate, Overhead::ETHERNET, 1);
        l.send(SimTime::ZERO, &Units::frame(64)).unwrap();
        l.send(SimTime::ZERO, &Units::frame(64)).unwrap();
        let before = (l.carry, l.busy());
        assert!(l.send(SimTime::ZERO, &Units::frame(64)).is_none());
        assert_eq!((l.carry, l.busy()), before);
    }
}
