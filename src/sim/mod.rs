//! The discrete-event kernel: integer simulated time, an event queue ordered by
//! (time, sequence), seeded random-number streams, FCFS resources and fixed-capacity
//! rings.
//!
//! This module knows nothing of networking (STYLE.md point 6): the host model in
//! [`crate::model`] is built on it, and so are the closed-form oracle tests.
//!
//! Design choices, and why they differ from the anchors:
//! - **Time** is a picosecond `u64` ([`SimTime`]), as ns-3 recommends for its
//!   integer time; picoseconds make the frame times of 10/25/40/100/400 GbE exact
//!   (CALIBRATION.md, "Line rate"), and `u64` picoseconds cover 213 days.
//! - **Events** are a closed `Copy` enum owned by the model; the kernel's
//!   [`EventQueue`] is generic over it, so dispatch is a `match`, never a boxed
//!   closure (STYLE.md point 3).
//! - **Resources** ([`FcfsPool`]) compute a job's start and end at admission
//!   (Lindley's recursion). Because the event loop admits jobs in time order, this
//!   is exact FCFS and needs at most one event per resource visit instead of the
//!   arrive/start/finish triple a textbook DES schedules (none when the visit is
//!   the next thing due: the model carries the packet on). Urgent jobs on a
//!   single-server pool (an interrupt into a vCPU) run ahead of the queued work
//!   and push it later ([`FcfsPool::admit_preempting`] says what that
//!   approximates).
//! - **The event queue** ([`EventQueue`]) is a 4-ary heap behind a one-event
//!   lane for an event earlier than all others, which a model schedules often.
//! - **Random draws** ([`Rng`]) are integer generators; exponential gaps use a
//!   ziggurat whose rare paths call [`portable_math`]'s `ln` and `exp` (fdlibm
//!   ports from basic IEEE-754 operations), never the platform's libm, so a
//!   seed gives the same bits on every platform.

pub mod bucket;
pub mod parallel;
pub mod portable_math;
pub mod queue;
pub mod resource;
pub mod ring;
pub mod rng;
pub mod time;

pub use bucket::TokenBucket;
pub use queue::EventQueue;
pub use resource::{Admission, FcfsPool};
pub use ring::FixedRing;
pub use rng::{Rng, SplitMix64};
pub use time::{BitsPerSec, SimDuration, SimTime, PS_PER_NS, PS_PER_SEC};
