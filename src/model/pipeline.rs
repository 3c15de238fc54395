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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuClass {
    /// Hardware time: no CPU is charged.
    Hardware,
    /// Hypervisor or host time (exits, device models, backends, host drivers).
    Host,
    /// Guest time (bare metal: the OS the application runs on).
    Guest,
}

/// One costed piece of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// Breakdown label.
    pub stage: Stage,
    /// Fixed time \[ps\].
    pub fixed_ps: u64,
    /// Time per frame byte \[fs/B\] (copies).
    pub per_byte_fs: u64,
    /// Who pays.
    pub class: CpuClass,
    /// VM exits this part takes.
    pub exits: u32,
}

impl Part {
    /// A fixed-time part.
    pub const fn fixed(stage: Stage, ps: u64, class: CpuClass) -> Part {
        Part {
            stage,
            fixed_ps: ps,
            per_byte_fs: 0,
            class,
            exits: 0,
        }
    }
    /// A part that is `exits` VM exits costing `ps` in all, paid by the host.
    pub const fn exits(ps: u64, exits: u32) -> Part {
        Part {
            stage: Stage::VmExit,
            fixed_ps: ps,
            per_byte_fs: 0,
            class: CpuClass::Host,
            exits,
        }
    }
    /// Adds a per-byte cost \[fs/B\].
    pub const fn per_byte(mut self, fs: u64) -> Part {
        self.per_byte_fs = fs;
        self
    }
    /// Time for a frame of `bytes` \[ps\].
    #[inline]
    pub fn time_ps(&self, bytes: u32) -> u64 {
        self.fixed_ps + bytes as u64 * self.per_byte_fs / 1000
    }
}

/// The most parts one step carries.
pub const MAX_PARTS: usize = 6;

/// The work of one step: up to [`MAX_PARTS`] parts, done back to back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    parts: [Part; MAX_PARTS],
    len: u8,
}

impl Default for Work {
    fn default() -> Self {
        Work::none()
    }
}

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
            if p.fixed_ps == 0 && p.per_byte_fs == 0 && p.exits == 0 {
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
    /// Total time for a frame of `bytes` \[ps\].
    #[inline]
    pub fn time_ps(&self, bytes: u32) -> u64 {
        self.parts().iter().map(|p| p.time_ps(bytes)).sum()
    }
    /// VM exits in all parts.
    pub fn exits(&self) -> u32 {
        self.parts().iter().map(|p| p.exits).sum()
    }
}

/// Index of a link in the host.
pub type LinkId = u16;
/// Index of a CPU pool in the host.
pub type PoolId = u16;
/// Index of a ring in the host.
pub type RingId = u16;
/// Index of a DMA-capable device behind the IOMMU.
pub type DmaDevId = u16;

/// What a step visits. Each kind carries exactly what it needs: the stage
/// its waiting is charged to and the reason a full queue drops a packet exist
/// only for the kinds that wait or drop (a delay does neither; a ring's wait
/// stage and drop reason are the ring's own, in its [`RingSpec`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// From a kick to its consumer's first poll \[ps\]: the backend
    /// thread's wake-up (kicks only; an interrupt's consumer polls when its
    /// handler is done).
    pub wake_ps: u64,
}
