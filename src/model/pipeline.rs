//! The vocabulary every I/O path is built from: a packet's route is a short
//! sequence of [`Step`]s, each a visit to one piece of hardware or software.
//!
//! A step either
//! - occupies a **link** (a wire or a PCIe direction: one FCFS server whose
//!   service time is the packet's bits at the link's rate),
//! - occupies a **CPU pool** (a guest vCPU, the hypervisor's I/O cores) for
//!   the step's [`Work`],
//! - waits in a **ring** for a notification (an interrupt or a kick, with
//!   moderation) and then for the ring's consumer to process it,
//! - is translated by the **IOMMU** (IOTLB hit or page walk), or
//! - is a pure **delay** (a pipeline latency).
//!
//! Work is a list of [`Part`]s, each labelled with the [`Stage`] it belongs to
//! and whether host or guest CPU pays for it, so one event can carry several
//! stages of the breakdown (driver, stack and application are one vCPU visit).
//! Routes are built once per flow when the model is assembled; the event loop
//! only reads them, so the per-packet path has no dynamic dispatch.

use crate::metrics::{DropReason, Stage};

/// Who pays for a part of the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CpuClass {
    /// Hardware time: no CPU is charged.
    Hardware,
    /// Hypervisor or host time (exits, device models, backends, host drivers).
    Host,
    /// Guest time (bare metal: the OS the application runs on).
    Guest,
}

/// What one unit of a part's amount is counted in. A packet may carry
/// several frames travelling together (a TSO burst the NIC splits, a GRO
/// super-packet the driver merged, a TCP burst of several segments): a
/// driver's work per descriptor is per frame, a stack's per packet it sees,
/// an application's per call it makes, a copy's per byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Per {
    /// Once per packet \[ps\].
    Packet,
    /// Per Ethernet frame of the packet \[ps\].
    Frame,
    /// Per application send call the packet carries (a TCP burst of B bytes
    /// written `message_bytes` at a time: ⌈B ÷ message_bytes⌉; none for an
    /// ACK or a retransmission) \[ps\].
    SendCall,
    /// Per application receive call (one per packet of data the
    /// application reads; none for an ACK) \[ps\].
    RecvCall,
    /// Per byte of the frames, headers and FCS included (a copy of whole
    /// frames) \[fs/B\].
    FrameByte,
    /// Per byte of payload (the application's data: a copy to or from user
    /// space, a checksum) \[fs/B\].
    PayloadByte,
}

/// How many of each unit of [`Per`] one packet is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Units {
    /// Ethernet frames (≥ 1).
    pub frames: u32,
    /// Application send calls.
    pub send_calls: u32,
    /// Application receive calls.
    pub recv_calls: u32,
    /// Bytes of all its frames, FCS included \[B\].
    pub bytes: u32,
    /// Bytes of application payload \[B\].
    pub payload: u32,
}

impl Units {
    /// One frame of `bytes` the application sends or receives once: an
    /// open-loop packet or a request/response message. Its payload is the
    /// frame less Ethernet, IPv4 and UDP headers and the FCS (46 B).
    pub fn frame(bytes: u32) -> Units {
        Units {
            frames: 1,
            send_calls: 1,
            recv_calls: 1,
            bytes,
            payload: bytes.saturating_sub(46),
        }
    }

    /// The count of `per` units in this packet.
    #[inline]
    pub fn count(&self, per: Per) -> u64 {
        match per {
            Per::Packet => 1,
            Per::Frame => self.frames as u64,
            Per::SendCall => self.send_calls as u64,
            Per::RecvCall => self.recv_calls as u64,
            Per::FrameByte => self.bytes as u64,
            Per::PayloadByte => self.payload as u64,
        }
    }
}

/// One costed piece of a step: `amount` per unit of `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Part {
    /// Breakdown label.
    pub stage: Stage,
    /// Time per unit: \[ps\], or \[fs/B\] for the per-byte units.
    pub amount: u64,
    /// What a unit is.
    pub per: Per,
    /// Who pays.
    pub class: CpuClass,
    /// VM exits per unit.
    pub exits: u32,
}

impl Part {
    /// A part of `ps` once per packet.
    pub const fn fixed(stage: Stage, ps: u64, class: CpuClass) -> Part {
        Part {
            stage,
            amount: ps,
            per: Per::Packet,
            class,
            exits: 0,
        }
    }
    /// A part of `fs` per byte of the frames (a copy) \[fs/B\].
    pub const fn per_byte(stage: Stage, fs: u64, class: CpuClass) -> Part {
        Part {
            stage,
            amount: fs,
            per: Per::FrameByte,
            class,
            exits: 0,
        }
    }
    /// A part that is `exits` VM exits costing `ps` in all, paid by the
    /// host, once per packet.
    pub const fn exits(ps: u64, exits: u32) -> Part {
        Part {
            stage: Stage::VmExit,
            amount: ps,
            per: Per::Packet,
            class: CpuClass::Host,
            exits,
        }
    }
    /// The same part counted per unit of `per` (its amount in \[fs/B\] for
    /// the per-byte units).
    pub const fn each(mut self, per: Per) -> Part {
        self.per = per;
        self
    }
    /// Time for a packet of `u` \[ps\].
    #[inline]
    pub fn time_ps(&self, u: &Units) -> u64 {
        let n = u.count(self.per);
        match self.per {
            Per::FrameByte | Per::PayloadByte => n * self.amount / 1000,
            _ => n * self.amount,
        }
    }
    /// Exits for a packet of `u`.
    #[inline]
    pub fn exits_for(&self, u: &Units) -> u64 {
        match self.per {
            Per::FrameByte | Per::PayloadByte => self.exits as u64,
            per => self.exits as u64 * u.count(per),
        }
    }
}

/// The most parts one step carries.
pub const MAX_PARTS: usize = 12;

/// The work of one step: up to [`MAX_PARTS`] parts, done back to back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Work {
    parts: [Part; MAX_PARTS],
    len: u8,
}

impl Default for Work {
    fn default() -> Self {
        Work::none()
    }
}

/// The units of a notification, a batch's end or anything else done once,
/// whatever packet caused it: only [`Per::Packet`] parts cost anything.
pub const ONCE: Units = Units {
    frames: 0,
    send_calls: 0,
    recv_calls: 0,
    bytes: 0,
    payload: 0,
};

impl Work {
    /// No work at all.
    pub const fn none() -> Work {
        Work {
            parts: [Part::fixed(Stage::Wire, 0, CpuClass::Hardware); MAX_PARTS],
            len: 0,
        }
    }
    /// Work made of `parts` (zero-time, exit-free parts are dropped).
    ///
    /// # Panics
    /// With more than [`MAX_PARTS`] non-empty parts: a model-building bug.
    pub fn of(parts: &[Part]) -> Work {
        let mut w = Work::none();
        for p in parts {
            if p.amount == 0 && p.exits == 0 {
                continue;
            }
            assert!((w.len as usize) < MAX_PARTS, "too many parts in one step");
            w.parts[w.len as usize] = *p;
            w.len += 1;
        }
        w
    }
    /// The parts.
    #[inline]
    pub fn parts(&self) -> &[Part] {
        &self.parts[..self.len as usize]
    }
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Total time for a packet of `u` \[ps\].
    #[inline]
    pub fn time_ps(&self, u: &Units) -> u64 {
        self.parts().iter().map(|p| p.time_ps(u)).sum()
    }
}

/// Index of a link in the host.
pub type LinkId = u16;
/// Index of a CPU pool in the host.
pub type PoolId = u16;
/// Index of a ring in the host.
pub type RingId = u16;
/// Index of an in-order worker (see [`StepKind::Serve`]).
pub type OrderId = u16;
/// Index of a DMA-capable device behind the IOMMU.
pub type DmaDevId = u16;

/// What a step visits. Each kind carries exactly what it needs: the stage
/// its waiting is charged to and the reason a full queue drops a packet exist
/// only for the kinds that wait or drop (a delay does neither; a ring's wait
/// stage and drop reason are the ring's own, in its [`RingSpec`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// Serialization on a link; queueing and service go to `stage`, a full
    /// queue drops with `drop`.
    Link {
        /// The link.
        link: LinkId,
        /// Stage charged with queueing and serialization.
        stage: Stage,
        /// Why a packet the link's queue refuses is dropped.
        drop: DropReason,
    },
    /// A DMA over a PCIe link direction, queueing and transfer charged to
    /// [`Stage::Pcie`], a full link queue dropping with
    /// [`DropReason::PcieQueueFull`]. For a device behind the IOMMU
    /// (`region: Some`), the DMA engine first waits for the translation of
    /// its buffer's page (an IOTLB hit or a page walk), which holds the link:
    /// misses cost throughput, not only latency (M1). The translation goes to
    /// [`Stage::Iommu`].
    Dma {
        /// The PCIe link direction.
        link: LinkId,
        /// The device's buffers behind the IOMMU, if it sits behind one.
        region: Option<DmaDevId>,
    },
    /// Service on a CPU pool for the step's work; queueing goes to `wait`,
    /// each part to its own stage; a full waiting room drops with `drop`.
    Serve {
        /// The pool.
        pool: PoolId,
        /// Stage charged with waiting for the pool.
        wait: Stage,
        /// Why a packet the pool's waiting room refuses is dropped.
        drop: DropReason,
        /// A worker that finishes its jobs in the order it took them (one
        /// vhost or device-model thread per VM on a pool of several cores):
        /// a job done early waits for the one before it, and that wait goes
        /// to `wait` too. `None`: jobs leave as they finish.
        order: Option<OrderId>,
    },
    /// Enqueue in a ring; the ring's consumer later does the step's work on
    /// the ring's pool. Time in the ring goes to the ring's
    /// [`RingSpec::wait`]; a full ring drops with its [`RingSpec::drop`].
    Ring(RingId),
    /// Raise the ring's notification (if its consumer is idle) without
    /// queuing the packet in it: a transmit-completion interrupt that shares a
    /// device's vector. The packet goes on at once.
    Signal(RingId),
    /// The step's work as pure delay (no resource is held, nothing waits).
    Delay,
}

/// One step of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    /// What it visits.
    pub kind: StepKind,
    /// Work done at this step (Serve, Ring, Delay).
    pub work: Work,
    /// The ring this step writes the packet into (the next step is
    /// `Ring(fills)`): a producer needs a free descriptor before it starts,
    /// so the step reserves one first, and a full ring drops the packet here
    /// with the ring's reason — before the DMA crosses PCIe or the backend
    /// copies it. A NIC cannot DMA a frame without a descriptor; a vhost or
    /// device-model backend looks for a free guest buffer before it copies.
    pub fills: Option<RingId>,
}

impl Step {
    /// True if the step holds a shared resource (and so must run at an event
    /// whose time is its arrival time).
    #[inline]
    pub fn is_resource(&self) -> bool {
        !matches!(self.kind, StepKind::Delay)
    }

    /// The same step, reserving a descriptor of `ring` before it runs (see
    /// [`Step::fills`]).
    pub fn filling(mut self, ring: RingId) -> Step {
        self.fills = Some(ring);
        self
    }
}

/// How a ring's consumer is told there is work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyKind {
    /// An interrupt (physical, posted or injected virtual).
    Interrupt,
    /// A doorbell from the producer (virtio kick).
    Kick,
}

/// The static description of a ring.
#[derive(Clone, Debug)]
pub struct RingSpec {
    /// Name in resource reports.
    pub name: String,
    /// Descriptors.
    pub slots: u32,
    /// Minimum time between two notifications \[ps\] (interrupt throttling).
    pub min_interval_ps: u64,
    /// Delay from the first pending packet to its notification \[ps\].
    pub delay_ps: u64,
    /// Interrupt or kick.
    pub notify: NotifyKind,
    /// Pool that pays for a notification.
    pub notify_pool: PoolId,
    /// Work of one notification (exits, injection, handler).
    pub notify_work: Work,
    /// Pool that consumes the ring.
    pub consumer: PoolId,
    /// Work at the end of each batch that consumed packets (e.g. a
    /// tail-register write after refilling the ring).
    pub batch_end_work: Work,
    /// Drop reason when the ring is full.
    pub drop: DropReason,
    /// Stage charged with a packet's time in the ring (interrupt moderation,
    /// the consumer's backlog).
    pub wait: Stage,
    /// Moderate adaptively (ixgbe's rule, H8) instead of by
    /// `min_interval_ps`.
    pub adaptive: bool,
    /// From a kick to its consumer's first poll \[ps\]: the backend
    /// thread's wake-up (kicks only; an interrupt's consumer polls when its
    /// handler is done).
    pub wake_ps: u64,
}
