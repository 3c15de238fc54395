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
//! drop, counted by the caller with its own reason.

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
    waiting: Option<FixedRing<SimTime>>,
    last_arrival: SimTime,
    busy: SimDuration,
    window_end: SimTime,
    busy_in_window: SimDuration,
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
            last_arrival: SimTime::ZERO,
            busy: SimDuration::ZERO,
            window_end: SimTime::MAX,
            busy_in_window: SimDuration::ZERO,
        }
    }

    /// Sets the end of the measurement window: [`FcfsPool::busy_in_window`]
    /// counts only service inside `[0, end]`.
    pub fn set_window(&mut self, end: SimTime) {
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
        assert!(
            now >= self.last_arrival,
            "FCFS admission out of time order: {now} < {}",
            self.last_arrival
        );
        self.last_arrival = now;
        // The server that frees first.
        let (idx, free) = if self.free_at.len() == 1 {
            (0, self.free_at[0])
        } else {
            let mut best = 0;
            for i in 1..self.free_at.len() {
                if self.free_at[i] < self.free_at[best] {
                    best = i;
                }
            }
            (best, self.free_at[best])
        };
        let start = free.max(now);
        if let Some(room) = self.waiting.as_mut() {
            while room.front().is_some_and(|s| s <= now) {
                room.pop_front();
            }
            if start > now && room.push_back(start).is_err() {
                return None;
            }
        }
        let end = start + service;
        self.free_at[idx] = end;
        self.account(start, end, service);
        Some(Admission { start, end })
    }

    /// True if a job arriving at `now` would be admitted: a server is free
    /// by `now`, or the waiting room has a place. Changes nothing a later
    /// [`FcfsPool::admit`] would see (it only forgets jobs that have started
    /// by `now`, which `admit` would forget too).
    #[inline]
    pub fn has_room(&mut self, now: SimTime) -> bool {
        let free = self.free_at.iter().copied().min().unwrap_or(now);
        if free <= now {
            return true;
        }
        match self.waiting.as_mut() {
            None => true,
            Some(room) => {
                while room.front().is_some_and(|s| s <= now) {
                    room.pop_front();
                }
                !room.is_full()
            }
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
        assert!(
            now >= self.last_arrival,
            "FCFS admission out of time order: {now} < {}",
            self.last_arrival
        );
        self.last_arrival = now;
        let mut best = 0;
        for i in 1..self.free_at.len() {
            if self.free_at[i] < self.free_at[best] {
                best = i;
            }
        }
        let start = self.free_at[best].max(now);
        let end = start + service;
        self.free_at[best] = end;
        self.account(start, end, service);
        Admission { start, end }
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
        assert!(p.has_room(t(0)));
        p.admit(t(0), d(100)).unwrap(); // in service
        assert!(p.has_room(t(1))); // the room is empty
        p.admit(t(1), d(100)).unwrap(); // waits
        assert!(!p.has_room(t(2)));
        assert!(p.admit(t(2), d(1)).is_none());
        // at t = 100 the waiter starts: room again
        assert!(p.has_room(t(100)));
        assert!(p.admit(t(100), d(1)).is_some());
    }

    #[test]
    #[should_panic(expected = "out of time order")]
    fn out_of_order_admission_panics() {
        let mut p = FcfsPool::new(1, None);
        p.admit(t(5), d(1));
        p.admit(t(4), d(1));
    }
}
