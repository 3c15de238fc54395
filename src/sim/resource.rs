//! A first-come first-served pool of `k` identical servers with a bounded
//! waiting room: a host's hypervisor I/O cores, a guest vCPU, a PCIe link
//! direction, a wire.
//!
//! A job's start and end are computed when it is admitted (Lindley's recursion,
//! generalised to `k` servers by giving each job the server that frees first).
//! That is exact FCFS provided jobs are admitted in non-decreasing arrival
//! time, which the event loop guarantees; [`FcfsPool::admit`] asserts it.
//!
//! The waiting room holds jobs admitted but not yet started. Under FCFS start
//! times never decrease, so the room is a ring of start times: the jobs that
//! have started by `now` are at its front. The room's size bounds what a real
//! host bounds (a tap queue, a socket buffer, a backlog) and a full room is a
//! drop, counted by the caller with its own reason. A job may weigh more
//! than one place ([`FcfsPool::admit_weighted`]): a burst of frames on a
//! link takes a place per frame in the queue before it.
//!
//! A single-server pool can also take **urgent** jobs
//! ([`FcfsPool::admit_preempting`]): an interrupt handler or a softirq on a
//! vCPU runs when it is raised, ahead of the task work queued there, and the
//! time it takes is taken from that work. Lindley's recursion fixes a job's
//! end when it is admitted, so the work already admitted keeps its times
//! and the work admitted afterwards starts later by the urgent job's
//! service: the server's busy time, and the work it has completed by any
//! instant once its queue has drained, are those of preemptive-resume; what
//! is approximate is which queued job absorbs the delay (under true
//! preemption the one in service and those behind it each end later).

use super::ring::FixedRing;
use super::time::{SimDuration, SimTime};

/// Where and when an admitted job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// When service starts (≥ arrival).
    pub start: SimTime,
    /// When service ends: `start + service`.
    pub end: SimTime,
}

/// `k` FCFS servers with a waiting room of fixed size.
#[derive(Clone, Debug)]
pub struct FcfsPool {
    free_at: Box<[SimTime]>,
    /// Jobs waiting: (start, weight), and the places they take in all.
    waiting: Option<FixedRing<(SimTime, u32)>>,
    queued: usize,
    room: usize,
    last_arrival: SimTime,
    busy: SimDuration,
    window_end: SimTime,
    busy_in_window: SimDuration,
    /// When the last urgent job ends (single-server pools).
    urgent_free_at: SimTime,
    /// Task work that urgent jobs pushed from inside the window to after it.
    pushed_out: SimDuration,
    /// While the window's end is tentative ([`FcfsPool::set_tentative_window`]):
    /// the urgent jobs that pushed task work and whose share of
    /// `pushed_out` may still depend on where the window ends — (start,
    /// task work's end before the push, service).
    pushes: Option<Vec<(SimTime, SimTime, SimDuration)>>,
}

impl FcfsPool {
    /// A pool of `servers` servers (at least one) whose waiting room holds at
    /// most `room` jobs; `None` for an unbounded room (oracle tests only: a
    /// real host bounds every queue).
    pub fn new(servers: usize, room: Option<usize>) -> Self {
        assert!(servers > 0, "a pool needs at least one server");
        FcfsPool {
            free_at: vec![SimTime::ZERO; servers].into_boxed_slice(),
            waiting: room.map(FixedRing::new),
            queued: 0,
            room: room.unwrap_or(usize::MAX),
            last_arrival: SimTime::ZERO,
            busy: SimDuration::ZERO,
            window_end: SimTime::MAX,
            busy_in_window: SimDuration::ZERO,
            urgent_free_at: SimTime::ZERO,
            pushed_out: SimDuration::ZERO,
            pushes: None,
        }
    }

    /// Sets the end of the measurement window: [`FcfsPool::busy_in_window`]
    /// counts only service inside `[0, end]`.
    pub fn set_window(&mut self, end: SimTime) {
        self.window_end = end;
    }

    /// Sets a tentative end of the measurement window: it may be moved
    /// earlier, once, by [`FcfsPool::shrink_window`], to any time later than
    /// every arrival admitted until then.
    pub fn set_tentative_window(&mut self, end: SimTime) {
        self.window_end = end;
        self.pushes = Some(Vec::with_capacity(64));
    }

    /// Moves the end of a tentative window ([`FcfsPool::set_tentative_window`])
    /// to `end`, as if it had been set there from the start: busy time and
    /// pushed-out work in the window come out as [`FcfsPool::set_window`]
    /// with `end` would have counted them.
    ///
    /// Why the busy time needs no record of the jobs: every interval a
    /// server's busy time was counted for starts at an arrival (earlier
    /// than `end`) or where the server's previous interval ended
    /// ([`FcfsPool::admit_preempting`] counts the end of the queue it
    /// pushes back). So on each server the intervals after `end` are one
    /// block, from `end` to when the server frees: that is what the
    /// tentative window counted in excess.
    ///
    /// # Panics
    /// If `end` is later than the tentative end, or not later than an
    /// arrival already admitted.
    pub fn shrink_window(&mut self, end: SimTime) {
        let old = self.window_end;
        assert!(
            end <= old && end > self.last_arrival,
            "a window shrinks to after the last arrival"
        );
        for &free in self.free_at.iter() {
            let excess = free
                .min(old)
                .checked_since(end)
                .unwrap_or(SimDuration::ZERO);
            self.busy_in_window =
                SimDuration::from_ps(self.busy_in_window.as_ps() - excess.as_ps());
        }
        let pushed = |w: SimTime, (start, free, service): (SimTime, SimTime, SimDuration)| {
            let clip = |a: SimTime, b: SimTime| b.min(w).since(a.min(w)).as_ps();
            clip(start, free) - clip(start + service, free + service)
        };
        for &p in self.pushes.take().iter().flatten() {
            self.pushed_out =
                SimDuration::from_ps(self.pushed_out.as_ps() + pushed(end, p) - pushed(old, p));
        }
        self.window_end = end;
    }

    #[inline]
    fn account(&mut self, start: SimTime, end: SimTime, service: SimDuration) {
        self.busy += service;
        let (s, e) = (start.min(self.window_end), end.min(self.window_end));
        self.busy_in_window += e.since(s);
    }

    /// Admits a job arriving at `now` that needs `service`, or returns `None`
    /// if the waiting room is full (the job is dropped by the caller).
    ///
    /// # Panics
    /// If `now` is earlier than a previous arrival (the caller broke time order).
    #[inline]
    pub fn admit(&mut self, now: SimTime, service: SimDuration) -> Option<Admission> {
        self.admit_weighted(now, service, 1)
    }

    /// Records an arrival at `now`.
    ///
    /// # Panics
    /// If `now` is earlier than a previous arrival (the caller broke time order).
    #[inline]
    fn arrive(&mut self, now: SimTime) {
        assert!(
            now >= self.last_arrival,
            "FCFS admission out of time order: {now} < {}",
            self.last_arrival
        );
        self.last_arrival = now;
    }

    /// The server that frees first, and when.
    #[inline]
    fn first_free(&self) -> (usize, SimTime) {
        if self.free_at.len() == 1 {
            return (0, self.free_at[0]);
        }
        let mut best = 0;
        for i in 1..self.free_at.len() {
            if self.free_at[i] < self.free_at[best] {
                best = i;
            }
        }
        (best, self.free_at[best])
    }

    /// Forgets the waiting jobs that have started by `now`.
    #[inline]
    fn forget_started(&mut self, now: SimTime) {
        if let Some(room) = self.waiting.as_mut() {
            while let Some((s, w)) = room.front() {
                if s > now {
                    break;
                }
                room.pop_front();
                self.queued -= w as usize;
            }
        }
    }

    /// As [`FcfsPool::admit`] for a job that takes `weight` places in the
    /// waiting room while it waits (a burst of `weight` frames).
    ///
    /// # Panics
    /// If `now` is earlier than a previous arrival (the caller broke time order).
    #[inline]
    pub fn admit_weighted(
        &mut self,
        now: SimTime,
        service: SimDuration,
        weight: u32,
    ) -> Option<Admission> {
        self.arrive(now);
        let (idx, free) = self.first_free();
        let start = free.max(now);
        self.forget_started(now);
        if start > now {
            if let Some(room) = self.waiting.as_mut() {
                if self.queued + weight as usize > self.room
                    || room.push_back((start, weight)).is_err()
                {
                    return None;
                }
                self.queued += weight as usize;
            }
        }
        let end = start + service;
        self.free_at[idx] = end;
        self.account(start, end, service);
        Some(Admission { start, end })
    }

    /// True if a job of `weight` places arriving at `now` would be admitted:
    /// a server is free by `now`, or the waiting room has the places. Changes nothing a later
    /// [`FcfsPool::admit`] would see (it only forgets jobs that have started
    /// by `now`, which `admit` would forget too).
    #[inline]
    pub fn has_room(&mut self, now: SimTime, weight: u32) -> bool {
        self.room_for(now) >= weight as usize
    }

    /// The places a job arriving at `now` may take in the waiting room:
    /// `usize::MAX` if a server is free by `now` (it waits for nothing) or
    /// the room is unbounded. Changes nothing [`FcfsPool::admit`] would see.
    #[inline]
    pub fn room_for(&mut self, now: SimTime) -> usize {
        let free = self.first_free().1;
        if free <= now {
            return usize::MAX;
        }
        self.forget_started(now);
        match self.waiting.as_ref() {
            None => usize::MAX,
            Some(room) if room.is_full() => 0,
            Some(_) => self.room - self.queued,
        }
    }

    /// Admits a job that cannot be refused (interrupt handling, a driver's
    /// poll of a ring whose slots already bound it): it queues behind the
    /// others but does not count against the waiting room.
    ///
    /// # Panics
    /// If `now` is earlier than a previous arrival.
    #[inline]
    pub fn admit_uncounted(&mut self, now: SimTime, service: SimDuration) -> Admission {
        self.arrive(now);
        let (best, free) = self.first_free();
        let start = free.max(now);
        let end = start + service;
        self.free_at[best] = end;
        self.account(start, end, service);
        Admission { start, end }
    }

    /// Admits an urgent job (an interrupt handler, a softirq) on a
    /// single-server pool: it starts at `now`, or when the urgent job before
    /// it ends, whatever task work is queued, and pushes the start of work
    /// admitted afterwards back by its service (see the module docs for
    /// what that approximates). It takes no place in the waiting room.
    ///
    /// # Panics
    /// If `now` is earlier than a previous arrival, or the pool has more than
    /// one server (which of them an interrupt preempts is not defined).
    #[inline]
    pub fn admit_preempting(&mut self, now: SimTime, service: SimDuration) -> Admission {
        assert_eq!(self.free_at.len(), 1, "urgent work needs a single server");
        self.arrive(now);
        let start = self.urgent_free_at.max(now);
        let end = start + service;
        self.urgent_free_at = end;
        let free = self.free_at[0];
        if free > start {
            // The task work queued from `start` to `free` now runs from `end`
            // to `free + service`: the server is busy from `start` to
            // `free + service`, which is what the window sees.
            let pushed = free + service;
            self.free_at[0] = pushed;
            self.busy += service;
            let w = self.window_end;
            let clip = |a: SimTime, b: SimTime| b.min(w).since(a.min(w));
            self.busy_in_window +=
                SimDuration::from_ps(clip(start, pushed).as_ps() - clip(start, free).as_ps());
            self.pushed_out +=
                SimDuration::from_ps(clip(start, free).as_ps() - clip(end, pushed).as_ps());
            if let Some(log) = self.pushes.as_mut() {
                // Its share is the same for any window ending after
                // `pushed` (none), and the window ends after `now`.
                if pushed > now + SimDuration::from_ps(1) {
                    if log.len() == log.capacity() {
                        log.retain(|&(_, f, s)| f + s > now + SimDuration::from_ps(1));
                        log.reserve(log.len());
                    }
                    log.push((start, free, service));
                }
            }
        } else {
            self.free_at[0] = end;
            self.account(start, end, service);
        }
        Admission { start, end }
    }

    /// Task work admitted with its time inside the window that urgent jobs
    /// pushed past the window's end: whoever counted that work when it was
    /// admitted (as [`FcfsPool::busy_in_window`] does itself) takes it off.
    pub fn pushed_out_of_window(&self) -> SimDuration {
        self.pushed_out
    }

    /// Total service time of all admitted jobs.
    pub fn busy(&self) -> SimDuration {
        self.busy
    }

    /// Service time that falls inside the measurement window (see
    /// [`FcfsPool::set_window`]): busy ÷ (servers × window) is at most 1.
    pub fn busy_in_window(&self) -> SimDuration {
        self.busy_in_window
    }

    /// Number of servers.
    pub fn servers(&self) -> usize {
        self.free_at.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: u64) -> SimTime {
        SimTime::from_ps(ns * 1000)
    }
    fn d(ns: u64) -> SimDuration {
        SimDuration::from_ns(ns)
    }

    #[test]
    fn single_server_queues_in_order() {
        let mut p = FcfsPool::new(1, Some(10));
        assert_eq!(
            p.admit(t(0), d(10)).unwrap(),
            Admission {
                start: t(0),
                end: t(10)
            }
        );
        assert_eq!(
            p.admit(t(2), d(10)).unwrap(),
            Admission {
                start: t(10),
                end: t(20)
            }
        );
        assert_eq!(
            p.admit(t(30), d(5)).unwrap(),
            Admission {
                start: t(30),
                end: t(35)
            }
        );
        assert_eq!(p.busy(), d(25));
    }

    #[test]
    fn urgent_work_runs_at_once_and_delays_later_task_work() {
        let mut p = FcfsPool::new(1, Some(10));
        // Task work queued until 30.
        p.admit(t(0), d(10)).unwrap();
        assert_eq!(p.admit(t(1), d(20)).unwrap().end, t(30));
        // An interrupt at 5 runs at 5, not at 30.
        let irq = p.admit_preempting(t(5), d(4));
        assert_eq!((irq.start, irq.end), (t(5), t(9)));
        // A second one raised during the first waits for it.
        let irq2 = p.admit_preempting(t(6), d(2));
        assert_eq!((irq2.start, irq2.end), (t(9), t(11)));
        // Task work admitted now starts after the queue plus both handlers.
        assert_eq!(p.admit(t(7), d(1)).unwrap().start, t(36));
        // On an idle server an urgent job is just a job.
        let mut q = FcfsPool::new(1, Some(10));
        assert_eq!(q.admit_preempting(t(3), d(2)).end, t(5));
        assert_eq!(q.admit(t(4), d(1)).unwrap().start, t(5));
        assert_eq!(q.busy(), d(3));
    }

    #[test]
    fn urgent_work_does_not_make_a_window_busier_than_its_length() {
        let mut p = FcfsPool::new(1, Some(100));
        p.set_window(t(100));
        // Task work fills the window to its end and beyond.
        for i in 0..12 {
            p.admit(t(i), d(10)).unwrap();
        }
        // Interrupts inside the window push that work out of it.
        for i in 0..5 {
            p.admit_preempting(t(20 + 10 * i), d(3));
        }
        assert_eq!(p.busy_in_window(), d(100));
        assert_eq!(p.busy(), d(135));
        // The handlers' 15 ns inside the window pushed 15 ns of task work
        // out of it.
        assert_eq!(p.pushed_out_of_window(), d(15));
    }

    /// A tentative window shrunk to `w` after the last arrival before `w`
    /// counts what a window set at `w` from the start counts, busy time and
    /// pushed-out work, on one server with urgent jobs and on three, before
    /// and after further admissions.
    #[test]
    fn a_shrunk_window_counts_as_one_set_there() {
        use crate::sim::Rng;
        for (servers, seed) in [(1, 1), (1, 2), (3, 3), (1, 4), (3, 5)] {
            let mut r = Rng::stream(seed, 9);
            let mut plain = FcfsPool::new(servers, Some(50));
            let mut shrunk = FcfsPool::new(servers, Some(50));
            let w = t(5_000);
            plain.set_window(w);
            shrunk.set_tentative_window(t(1_000_000));
            let mut now = 0;
            let mut done = false;
            for _ in 0..3_000 {
                now += r.below(8);
                if !done && t(now) >= w {
                    shrunk.shrink_window(w);
                    done = true;
                    assert_eq!(shrunk.busy_in_window(), plain.busy_in_window());
                    assert_eq!(shrunk.pushed_out_of_window(), plain.pushed_out_of_window());
                }
                let svc = d(1 + r.below(30));
                if servers == 1 && r.below(4) == 0 {
                    assert_eq!(
                        plain.admit_preempting(t(now), svc),
                        shrunk.admit_preempting(t(now), svc)
                    );
                } else {
                    assert_eq!(plain.admit(t(now), svc), shrunk.admit(t(now), svc));
                }
            }
            assert!(done);
            assert_eq!(shrunk.busy_in_window(), plain.busy_in_window());
            assert_eq!(shrunk.pushed_out_of_window(), plain.pushed_out_of_window());
            assert!(plain.pushed_out_of_window() > d(0) || servers > 1);
        }
    }

    #[test]
    fn two_servers_take_the_one_that_frees_first() {
        let mut p = FcfsPool::new(2, None);
        p.admit(t(0), d(10)).unwrap();
        p.admit(t(0), d(4)).unwrap();
        let a = p.admit(t(1), d(1)).unwrap();
        assert_eq!(a.start, t(4));
        let b = p.admit(t(1), d(1)).unwrap();
        assert_eq!(b.start, t(5));
    }

    #[test]
    fn a_full_waiting_room_refuses() {
        let mut p = FcfsPool::new(1, Some(2));
        p.admit(t(0), d(100)).unwrap(); // in service
        p.admit(t(1), d(100)).unwrap(); // waits
        p.admit(t(2), d(100)).unwrap(); // waits
        assert!(p.admit(t(3), d(100)).is_none());
        // once the first waiter starts (t = 100) there is room again
        assert!(p.admit(t(100), d(1)).is_some());
    }

    #[test]
    fn busy_time_in_the_window_stops_at_its_end() {
        let mut p = FcfsPool::new(1, None);
        p.set_window(t(15));
        p.admit(t(0), d(10)).unwrap(); // 0..10: inside
        p.admit(t(0), d(10)).unwrap(); // 10..20: half inside
        p.admit(t(30), d(10)).unwrap(); // 30..40: outside
        assert_eq!(p.busy(), d(30));
        assert_eq!(p.busy_in_window(), d(15));
    }

    #[test]
    fn has_room_agrees_with_admit() {
        let mut p = FcfsPool::new(1, Some(1));
        assert!(p.has_room(t(0), 1));
        p.admit(t(0), d(100)).unwrap(); // in service
        assert!(p.has_room(t(1), 1)); // the room is empty
        p.admit(t(1), d(100)).unwrap(); // waits
        assert!(!p.has_room(t(2), 1));
        assert!(p.admit(t(2), d(1)).is_none());
        // at t = 100 the waiter starts: room again
        assert!(p.has_room(t(100), 1));
        assert!(p.admit(t(100), d(1)).is_some());
    }

    #[test]
    fn a_heavy_job_takes_its_weight_in_places() {
        let mut p = FcfsPool::new(1, Some(10));
        p.admit(t(0), d(100)).unwrap(); // in service
        assert!(p.admit_weighted(t(1), d(10), 8).is_some()); // 8 of 10 places
        assert!(!p.has_room(t(2), 3));
        assert!(p.admit_weighted(t(2), d(10), 3).is_none());
        assert!(p.admit_weighted(t(2), d(10), 2).is_some()); // 10 of 10
        assert!(p.admit(t(3), d(1)).is_none());
        // The heavy job starts at 100: its 8 places are free again.
        assert!(p.admit_weighted(t(100), d(1), 8).is_some());
    }

    #[test]
    #[should_panic(expected = "out of time order")]
    fn out_of_order_admission_panics() {
        let mut p = FcfsPool::new(1, None);
        p.admit(t(5), d(1));
        p.admit(t(4), d(1));
    }
}
