//! The pending-event set: a priority queue keyed by (time, sequence).
//!
//! Ties in time are broken by the sequence number the queue assigns at
//! insertion, so events scheduled for the same instant run first-in first-out
//! (ns-3's `Scheduler::EventKey`). The key is packed into one `u128`
//! (time in the high half, sequence in the low half) so each comparison is a
//! single integer compare.
//!
//! | operation | complexity | allocation |
//! |---|---|---|
//! | [`EventQueue::push`] | O(log n) | none while `len < capacity` |
//! | [`EventQueue::pop`]  | O(log n) | none |
//! | [`EventQueue::peek_time`] | O(1) | none |
//!
//! It is `std`'s binary heap. ns-3 also offers a calendar queue and a map; at
//! the queue sizes this model produces (one pending event per in-flight packet
//! and per generator, typically 10²–10⁴) the binary heap's contiguous storage
//! beats pointer-based structures. `benches/event_queue.rs` measures it.
//! Cancellation is not offered: no model here needs it (ns-3 cancels by flag
//! and skips on pop, which a model can do with a generation counter in its
//! event payload).

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest key.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        o.key.cmp(&self.key)
    }
}

/// A queue of events of type `E`, popped in (time, insertion order).
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue with room for `capacity` events before it allocates.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            seq: 0,
        }
    }

    /// Schedules `event` at `time`. Among events at the same time, it runs after
    /// every event already scheduled for that time.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let key = ((time.as_ps() as u128) << 64) | self.seq as u128;
        self.seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap
            .pop()
            .map(|e| (SimTime::from_ps((e.key >> 64) as u64), e.event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap
            .peek()
            .map(|e| SimTime::from_ps((e.key >> 64) as u64))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Events scheduled since the queue was made (the next sequence number).
    pub fn scheduled(&self) -> u64 {
        self.seq
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
