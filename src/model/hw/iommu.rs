//! The IOMMU's IOTLB: translations of device DMA addresses, cached.
//!
//! Devices assigned to a guest (a VF, a passed-through NIC) DMA through the
//! IOMMU; every DMA needs its buffer's page translated. The IOTLB is modelled
//! as a 4-way set-associative cache of `entries` page translations with LRU
//! replacement in each set and a hashed set index (so devices whose regions are
//! aligned alike do not all fall into one set): a hit costs `hit`, a miss a
//! page walk, `miss` (M4: not published, an assumption; so are the
//! associativity and the hash — VT-d IOTLB organisation is not documented).
//! M1 reports that strict IOMMU protection can cost up to an order of
//! magnitude; this model has no map/unmap per DMA (the guest's memory is
//! mapped once, as VFIO does), so what remains is the IOTLB's reach: with
//! 4 KiB pages a ring of 2 KiB buffers spans more pages than the IOTLB holds,
//! with 2 MiB pages it fits in one entry.
//!
//! Each device's receive buffers are laid out contiguously from a base address
//! (one region per device), and a device uses them in ring order.

use crate::sim::SimDuration;

/// Ways per IOTLB set.
pub const WAYS: usize = 4;

/// A set-associative IOTLB.
#[derive(Clone, Debug)]
pub struct Iotlb {
    /// `sets × WAYS` tags; within a set, most recently used first.
    tags: Box<[u64]>,
    sets: u64,
    page_shift: u32,
    hit: SimDuration,
    miss: SimDuration,
    hits: u64,
    misses: u64,
}

impl Iotlb {
    /// An empty IOTLB of `entries` entries (rounded up to whole sets of
    /// [`WAYS`]) for pages of `page_bytes` (a power of two).
    pub fn new(entries: usize, page_bytes: u64, hit: SimDuration, miss: SimDuration) -> Self {
        assert!(entries > 0 && page_bytes.is_power_of_two());
        let sets = entries.div_ceil(WAYS);
        Iotlb {
            tags: vec![u64::MAX; sets * WAYS].into_boxed_slice(),
            sets: sets as u64,
            page_shift: page_bytes.trailing_zeros(),
            hit,
            miss,
            hits: 0,
            misses: 0,
        }
    }

    /// Translates the DMA address `addr`, returning the time it takes.
    #[inline]
    pub fn translate(&mut self, addr: u64) -> SimDuration {
        let page = addr >> self.page_shift;
        let set = ((page.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % self.sets) as usize;
        let ways = &mut self.tags[set * WAYS..(set + 1) * WAYS];
        match ways.iter().position(|&t| t == page) {
            Some(i) => {
                ways[..=i].rotate_right(1);
                self.hits += 1;
                self.hit
            }
            None => {
                ways.rotate_right(1);
                ways[0] = page;
                self.misses += 1;
                self.miss
            }
        }
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }

    /// Adds another IOTLB's hits and misses (another host of a rack) to
    /// this one's counts.
    pub fn add_counts(&mut self, (hits, misses): (u64, u64)) {
        self.hits += hits;
        self.misses += misses;
    }
}

/// A device's DMA buffer region: where its next buffer lies.
#[derive(Clone, Debug)]
pub struct DmaRegion {
    base: u64,
    buf_bytes: u64,
    slots: u64,
    next: u64,
}

impl DmaRegion {
    /// Region number `index` (regions are 1 GiB apart), of `slots` buffers of
    /// `buf_bytes` each.
    pub fn new(index: u64, buf_bytes: u64, slots: u64) -> Self {
        DmaRegion {
            base: (index + 1) << 30,
            buf_bytes,
            slots: slots.max(1),
            next: 0,
        }
    }

    /// The address of the next buffer in ring order.
    #[inline]
    pub fn next_addr(&mut self) -> u64 {
        let a = self.base + self.next * self.buf_bytes;
        self.next += 1;
        if self.next == self.slots {
            self.next = 0;
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_that_fits_in_one_huge_page_always_hits_after_warmup() {
        let mut t = Iotlb::new(
            64,
            2 << 20,
            SimDuration::from_ns(10),
            SimDuration::from_ns(300),
        );
        let mut r = DmaRegion::new(0, 2048, 512);
        for _ in 0..5000 {
            t.translate(r.next_addr());
        }
        assert_eq!(t.counts(), (4999, 1));
    }

    #[test]
    fn many_devices_with_huge_pages_share_the_iotlb_without_thrashing() {
        let mut t = Iotlb::new(
            64,
            2 << 20,
            SimDuration::from_ns(10),
            SimDuration::from_ns(300),
        );
        let mut regions: Vec<DmaRegion> = (0..8).map(|i| DmaRegion::new(i, 2048, 1024)).collect();
        for _ in 0..1000 {
            for r in regions.iter_mut() {
                t.translate(r.next_addr());
            }
        }
        // Eight pages in a 64-entry IOTLB: only the first touch of each misses
        // (unless more than WAYS land in one set; the hash spreads them).
        assert!(t.counts().1 <= 8 + 8 * 4, "{:?}", t.counts());
    }

    #[test]
    fn a_ring_larger_than_the_iotlb_reach_misses_on_every_new_page() {
        // 512 × 2 KiB = 256 pages of 4 KiB > 64 entries: every page change misses.
        let mut t = Iotlb::new(
            64,
            4096,
            SimDuration::from_ns(10),
            SimDuration::from_ns(300),
        );
        let mut r = DmaRegion::new(0, 2048, 512);
        for _ in 0..5120 {
            t.translate(r.next_addr());
        }
        let (hits, misses) = t.counts();
        assert_eq!(misses, 2560);
        assert_eq!(hits, 2560);
    }
}
