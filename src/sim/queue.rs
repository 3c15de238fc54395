//! The pending-event set: a priority queue keyed by (time, sequence).
//!
//! Ties in time are broken by the sequence number the queue assigns at
//! insertion, so events scheduled for the same instant run first-in first-out
//! (ns-3's `Scheduler::EventKey`), compared as one (time, sequence) pair.
//!
//! | operation | complexity | allocation |
//! |---|---|---|
//! | [`EventQueue::push`] | O(log₄ n) | none while `len < capacity` |
//! | [`EventQueue::pop`]  | O(4 log₄ n) | none |
//! | [`EventQueue::peek_time`] | O(1) | none |
//!
//! It is an implicit 4-ary min-heap in one `Vec`. ns-3 offers a binary heap,
//! a calendar queue and a map; at the queue sizes this model produces (one
//! pending event per in-flight packet and generator, typically 10¹–10⁴) a
//! contiguous d-ary heap beats pointer-based structures, and d = 4 halves the
//! levels of a binary heap while a node's four children share a cache line or
//! two: `benches/event_queue.rs` measures it (it replaced `std`'s binary heap
//! after a profile of the `sriov` path found the heap the largest cost).
//! Cancellation is not offered: no model here needs it (ns-3 cancels by flag
//! and skips on pop, which a model can do with a generation counter in its
//! event payload).
//!
//! In front of the heap sits a **lane** of one event, kept earlier than every
//! event in the heap. A discrete-event model often schedules the event it
//! will run next: a packet leaving one resource for the next while nothing
//! else is due sooner. Such an event goes to the lane and comes back out of
//! it without a sift up or down; an event pushed earlier than the lane's
//! takes its place and the lane's goes to the heap. The order popped is the
//! heap's own (time, sequence), so a run is the same with or without it.

use super::time::SimTime;

/// Children per node.
const D: usize = 4;

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn before(&self, o: &Self) -> bool {
        (self.time, self.seq) < (o.time, o.seq)
    }
}

/// A queue of events of type `E`, popped in (time, insertion order).
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// An event earlier than every event in `heap`, kept out of it (see the
    /// module docs).
    lane: Option<Entry<E>>,
    heap: Vec<Entry<E>>,
    seq: u64,
    /// Most events pending at once so far.
    peak: usize,
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue with room for `capacity` events before it allocates.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            lane: None,
            heap: Vec::with_capacity(capacity),
            seq: 0,
            peak: 0,
        }
    }

    /// Schedules `event` at `time`. Among events at the same time, it runs after
    /// every event already scheduled for that time.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.reserve();
        self.push_reserved(time, seq, event);
    }

    /// Takes the sequence number the next [`EventQueue::push`] would have
    /// used, for an event to be pushed later with
    /// [`EventQueue::push_reserved`]: it runs as if pushed now. A resource
    /// that keeps its packets' next events in a FIFO of its own (in time
    /// order) pushes only the FIFO's head and reserves the others' places
    /// among ties, so the order of events is the one plain pushes give.
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        self.seq += 1;
        self.seq - 1
    }

    /// Schedules `event` at `time` with a sequence number from
    /// [`EventQueue::reserve`]. The caller keeps the order the queue relies
    /// on: `(time, seq)` must not be earlier than the last event popped.
    #[inline]
    pub fn push_reserved(&mut self, time: SimTime, seq: u64, event: E) {
        let e = Entry {
            time: time.as_ps(),
            seq,
            event,
        };
        self.peak = self.peak.max(self.len() + 1);
        let e = match self.lane {
            Some(l) if e.before(&l) => {
                self.lane = Some(e);
                l
            }
            Some(_) => e,
            None if self.heap.first().is_none_or(|h| e.before(h)) => {
                self.lane = Some(e);
                return;
            }
            None => e,
        };
        self.heap_push(e);
    }

    #[inline]
    fn heap_push(&mut self, e: Entry<E>) {
        // Sift up with a hole.
        let mut i = self.heap.len();
        self.heap.push(e);
        while i > 0 {
            let parent = (i - 1) / D;
            if !e.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = e;
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if let Some(l) = self.lane.take() {
            return Some((SimTime::from_ps(l.time), l.event));
        }
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n == 0 {
            return Some((SimTime::from_ps(last.time), last.event));
        }
        let top = self.heap[0];
        // Sift `last` down from the root with a hole.
        let mut i = 0;
        loop {
            let first = D * i + 1;
            if first >= n {
                break;
            }
            let end = (first + D).min(n);
            let mut best = first;
            for c in first + 1..end {
                if self.heap[c].before(&self.heap[best]) {
                    best = c;
                }
            }
            if !self.heap[best].before(&last) {
                break;
            }
            self.heap[i] = self.heap[best];
            i = best;
        }
        self.heap[i] = last;
        Some((SimTime::from_ps(top.time), top.event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.lane
            .as_ref()
            .or(self.heap.first())
            .map(|e| SimTime::from_ps(e.time))
    }

    /// Most events that were pending at once.
    pub fn peak_len(&self) -> usize {
        self.peak
    }

    /// Restarts the record of [`EventQueue::peak_len`] from `peak`: a caller
    /// that follows the most events pending over stretches of a run (and
    /// may correct it) reads it at a stretch's end and sets it for the next.
    pub fn set_peak(&mut self, peak: usize) {
        self.peak = peak;
    }

    /// Removes the pending events for which `keep` (given each event's time)
    /// is false. The others keep their times and sequence numbers, so they
    /// run in the order they would have; O(n log n), for a rare clean-up
    /// (cancellation is not offered, see the module docs).
    pub fn retain(&mut self, mut keep: impl FnMut(SimTime, &E) -> bool) {
        if let Some(l) = self.lane.take() {
            self.heap.push(l);
        }
        self.heap
            .retain(|e| keep(SimTime::from_ps(e.time), &e.event));
        // An array sorted by (time, sequence) is a valid heap.
        self.heap.sort_unstable_by_key(|e| (e.time, e.seq));
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + usize::from(self.lane.is_some())
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.lane.is_none() && self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_with_fifo_ties() {
        let mut q = EventQueue::with_capacity(8);
        q.push(SimTime::from_ps(30), 'c');
        q.push(SimTime::from_ps(10), 'a');
        q.push(SimTime::from_ps(20), 'x');
        q.push(SimTime::from_ps(20), 'y');
        q.push(SimTime::from_ps(20), 'z');
        q.push(SimTime::from_ps(10), 'b');
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "abxyzc");
    }

    /// An event pushed late with a reserved number runs where a push at the
    /// time of reserving would have put it among ties.
    #[test]
    fn a_reserved_push_keeps_its_place_among_ties() {
        let mut q = EventQueue::with_capacity(8);
        let t = SimTime::from_ps(20);
        let early = q.reserve();
        q.push(t, 'b');
        let late = q.reserve();
        q.push(t, 'd');
        q.push(SimTime::from_ps(10), 'x');
        q.push_reserved(t, late, 'c');
        q.push_reserved(t, early, 'a');
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "xabcd");
    }

    #[test]
    fn matches_a_sorted_reference_on_random_workloads() {
        use crate::sim::Rng;
        let mut r = Rng::stream(5, 5);
        let mut q = EventQueue::with_capacity(16);
        let mut reference: Vec<(u64, u64)> = Vec::new(); // (time, seq)
        let mut seq = 0u64;
        let mut now = 0u64;
        for _ in 0..20_000 {
            if r.below(3) < 2 || reference.is_empty() {
                let t = now + r.below(50); // many ties
                q.push(SimTime::from_ps(t), seq);
                reference.push((t, seq));
                seq += 1;
            } else {
                reference.sort_unstable();
                let (t, s) = reference.remove(0);
                assert_eq!(q.pop(), Some((SimTime::from_ps(t), s)));
                now = t;
            }
        }
        reference.sort_unstable();
        for (t, s) in reference {
            assert_eq!(q.pop(), Some((SimTime::from_ps(t), s)));
        }
        assert!(q.is_empty());
    }

    /// Events kept by `retain` run in the order they would have, ties
    /// included, whether one was in the lane or not.
    #[test]
    fn retain_keeps_the_order_of_what_remains() {
        let mut q = EventQueue::with_capacity(8);
        q.push(SimTime::from_ps(5), 'a'); // in the lane
        for (t, e) in [(20, 'x'), (10, 'b'), (20, 'c'), (30, 'y'), (20, 'd')] {
            q.push(SimTime::from_ps(t), e);
        }
        q.retain(|t, &e| e != 'x' && t.as_ps() < 30);
        assert_eq!(q.len(), 4);
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "abcd");
    }

    #[test]
    fn times_round_trip_at_the_top_of_the_range() {
        let mut q = EventQueue::with_capacity(2);
        q.push(SimTime::MAX, 1u8);
        q.push(SimTime::from_ps(u64::MAX - 1), 0u8);
        assert_eq!(q.peek_time(), Some(SimTime::from_ps(u64::MAX - 1)));
        assert_eq!(q.pop(), Some((SimTime::from_ps(u64::MAX - 1), 0)));
        assert_eq!(q.pop(), Some((SimTime::MAX, 1)));
        assert!(q.is_empty());
    }
}
