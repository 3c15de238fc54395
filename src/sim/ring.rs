//! A fixed-capacity FIFO ring, allocated once (smoltcp's `RingBuffer`).
//!
//! Used for descriptor rings and for the start times an [`super::FcfsPool`]
//! remembers; pushing into a full ring is refused, never grown.

/// A FIFO of at most `capacity` `Copy` items.
#[derive(Clone, Debug)]
pub struct FixedRing<T> {
    buf: Box<[T]>,
    head: usize,
    len: usize,
}

impl<T: Copy + Default> FixedRing<T> {
    /// An empty ring holding at most `capacity` items (at least one slot is
    /// always allocated so that a zero-capacity ring refuses every push).
    pub fn new(capacity: usize) -> Self {
        FixedRing {
            buf: vec![T::default(); capacity].into_boxed_slice(),
            head: 0,
            len: 0,
        }
    }

    /// Appends `item`, or gives it back if the ring is full.
    #[inline]
    pub fn push_back(&mut self, item: T) -> Result<(), T> {
        let cap = self.buf.len();
        if self.len == cap {
            return Err(item);
        }
        let mut i = self.head + self.len;
        if i >= cap {
            i -= cap;
        }
        self.buf[i] = item;
        self.len += 1;
        Ok(())
    }

    /// Removes and returns the oldest item.
    #[inline]
    pub fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.buf[self.head];
        self.head += 1;
        if self.head == self.buf.len() {
            self.head = 0;
        }
        self.len -= 1;
        Some(item)
    }

    /// The oldest item, if any.
    #[inline]
    pub fn front(&self) -> Option<T> {
        (self.len > 0).then(|| self.buf[self.head])
    }

    /// Number of items held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the ring holds nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when a push would be refused.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    /// The most items the ring holds.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_wraps_and_refuses_when_full() {
        let mut r = FixedRing::<u32>::new(3);
        for round in 0..5 {
            assert!(r.push_back(round * 10).is_ok());
            assert!(r.push_back(round * 10 + 1).is_ok());
            assert!(r.push_back(round * 10 + 2).is_ok());
            assert!(r.is_full());
            assert_eq!(r.push_back(99), Err(99));
            assert_eq!(r.pop_front(), Some(round * 10));
            assert_eq!(r.front(), Some(round * 10 + 1));
            assert_eq!(r.pop_front(), Some(round * 10 + 1));
            assert_eq!(r.pop_front(), Some(round * 10 + 2));
            assert_eq!(r.pop_front(), None);
        }
        let mut z = FixedRing::<u8>::new(0);
        assert_eq!(z.push_back(1), Err(1));
    }
}
