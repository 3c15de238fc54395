//! The yardstick for enisim's engine: a minimal event loop written the
//! textbook way — `std`'s `BinaryHeap` of (time, sequence, event), a
//! `VecDeque` for the queue — with no model in it: Poisson arrivals of 64 B
//! frames at 1 Mpps (`experiments/bench.toml`'s offered load: four flows of
//! 250 kpps), one 25 Gb/s wire with a queue of 1,000 frames, and a sink.
//! Three events per packet (arrival, end of transmission, delivery). What it
//! costs per packet is what any discrete-event simulator pays at the least;
//! enisim's engine, which carries a whole host's path per packet, is timed
//! against it in one run (`benches/engine.rs`, `examples/speed.rs ratio`),
//! so the ratio holds on a noisy machine. Shared by both through `#[path]`.

use std::cmp::Reverse;

/// The `--set` values that make `experiments/bench.toml` this loop's own
/// scenario in enisim: only the wire (`host.stages = "wire"`), its queue of
/// 1,000 frames and 1 µs of propagation to the sink.
#[allow(dead_code)] // each includer uses what it needs
pub const WIRE_ONLY: [&str; 3] = [
    "host.stages=\"wire\"",
    "costs.switch_buffer_frames=1000",
    "costs.wire_propagation_ns=1000",
];
use std::collections::{BinaryHeap, VecDeque};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive,
    TxEnd,
    Deliver,
}

/// What a reference run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefRun {
    /// Frames generated.
    pub generated: u64,
    /// Frames the sink received.
    pub delivered: u64,
    /// Frames the full queue refused.
    pub dropped: u64,
    /// Events popped.
    pub events: u64,
}

/// Runs `packets` frames through the reference loop with seed `seed`.
pub fn run(packets: u64, seed: u64) -> RefRun {
    const MEAN_GAP_PS: f64 = 1e6; // 1 Mpps
    const TX_PS: u64 = 26_880; // (64 + 20) B × 8 at 25 Gb/s
    const PROP_PS: u64 = 1_000_000; // 1 µs to the sink
    const ROOM: usize = 1000;
    let mut rng = seed | 1;
    let mut uniform = move || {
        // xorshift64*: the cheapest decent generator.
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        (rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::with_capacity(1024);
    let mut queue: VecDeque<u64> = VecDeque::with_capacity(ROOM);
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<_>, t: u64, e: Ev| {
        heap.push(Reverse((t, seq, e)));
        seq += 1;
    };
    let mut run = RefRun {
        generated: 0,
        delivered: 0,
        dropped: 0,
        events: 0,
    };
    let mut busy = false;
    push(&mut heap, 0, Ev::Arrive);
    while let Some(Reverse((t, _, e))) = heap.pop() {
        run.events += 1;
        match e {
            Ev::Arrive => {
                run.generated += 1;
                if run.generated < packets {
                    let gap = -(1.0 - uniform()).ln() * MEAN_GAP_PS;
                    push(&mut heap, t + gap as u64, Ev::Arrive);
                }
                if !busy {
                    busy = true;
                    queue.push_back(t);
                    push(&mut heap, t + TX_PS, Ev::TxEnd);
                } else if queue.len() < ROOM {
                    queue.push_back(t);
                } else {
                    run.dropped += 1;
                }
            }
            Ev::TxEnd => {
                queue.pop_front();
                push(&mut heap, t + PROP_PS, Ev::Deliver);
                if queue.is_empty() {
                    busy = false;
                } else {
                    push(&mut heap, t + TX_PS, Ev::TxEnd);
                }
            }
            Ev::Deliver => run.delivered += 1,
        }
    }
    run
}
