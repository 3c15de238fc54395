//! The conservative parallel kernel (`sim::parallel`) on its toy model:
//! the same results at 1, 2, 3 and 8 threads and as one global event queue,
//! every message accounted for, and each broken rule an error, not a hang.

use enisim::sim::parallel::testing::{run_sequential, Packet, Toy, ToyLp};
use enisim::sim::parallel::{run, LogicalProcess, Outbox, ParallelConfig, ParallelError};
use enisim::sim::time::{SimDuration, SimTime};

fn toy(lps: usize, seed: u64) -> Toy {
    Toy {
        lps,
        mean_gap_ps: 700_000.0,
        delay: SimDuration::from_ps(1_000_000),
        jitter_ps: 400_000,
        hops: 3,
        births: 2_000,
        seed,
    }
}

fn cfg(toy: &Toy, threads: usize, horizon: SimTime) -> ParallelConfig {
    ParallelConfig {
        threads,
        lookahead: toy.delay,
        horizon,
        queue_capacity: 4096,
    }
}

/// What an LP's run left, for comparing runs.
fn fingerprint(lps: &[ToyLp]) -> Vec<(u64, u64, u64, u64)> {
    lps.iter()
        .map(|l| (l.arrived, l.sent, l.finished, l.hash))
        .collect()
}

#[test]
fn any_thread_count_gives_the_sequential_results() {
    for (lps, seed) in [(2, 1), (5, 2), (16, 3)] {
        let t = toy(lps, seed);
        for horizon in [SimTime::from_ps(300_000_000), SimTime::MAX] {
            let oracle = fingerprint(&run_sequential(t, horizon));
            assert!(oracle.iter().all(|f| f.0 > 100), "{lps} LPs: {oracle:?}");
            let mut epochs = None;
            for threads in [1, 2, 3, 8] {
                let mut parts = ToyLp::all(t);
                let st = run(&mut parts, &cfg(&t, threads, horizon)).unwrap();
                assert_eq!(
                    fingerprint(&parts),
                    oracle,
                    "{lps} LPs, seed {seed}, {threads} threads, horizon {horizon}"
                );
                // The epochs are the same at any thread count.
                assert_eq!(*epochs.get_or_insert(st.epochs), st.epochs);
                assert!(st.messages > 0);
            }
        }
    }
}

#[test]
fn epochs_grow_while_traffic_is_dense_and_skip_idle_stretches() {
    // Dense: a packet every 0.7 lookaheads per LP. Epochs double up to
    // MAX_SPAN lookaheads, so the barriers are far fewer than the
    // lookaheads the run spans (a barrier per lookahead was the old
    // kernel's), and results stay the oracle's.
    let dense = toy(4, 5);
    let horizon = SimTime::from_ps(1_000_000_000);
    let oracle = fingerprint(&run_sequential(dense, horizon));
    for threads in [1, 2] {
        let mut parts = ToyLp::all(dense);
        let st = run(&mut parts, &cfg(&dense, threads, horizon)).unwrap();
        assert_eq!(fingerprint(&parts), oracle);
        let lookaheads = horizon.as_ps() / dense.delay.as_ps();
        assert!(
            st.epochs * 20 < lookaheads,
            "{} epochs for {lookaheads} lookaheads",
            st.epochs
        );
    }
    // Sparse: a packet every 10,000 lookaheads per LP, one hop. Each epoch
    // starts at the earliest pending event, so the run costs barriers per
    // packet, not per lookahead of idle time.
    let sparse = Toy {
        mean_gap_ps: 1e10,
        hops: 0,
        births: 20,
        ..toy(3, 6)
    };
    let oracle = fingerprint(&run_sequential(sparse, SimTime::MAX));
    for threads in [1, 3] {
        let mut parts = ToyLp::all(sparse);
        let st = run(&mut parts, &cfg(&sparse, threads, SimTime::MAX)).unwrap();
        assert_eq!(fingerprint(&parts), oracle);
        let packets = 3 * 20;
        assert!(
            st.epochs <= 4 * packets,
            "{} epochs for {packets} packets",
            st.epochs
        );
    }
}

#[test]
fn every_message_is_delivered_and_every_packet_finishes() {
    let t = toy(7, 9);
    let mut parts = ToyLp::all(t);
    let st = run(&mut parts, &cfg(&t, 3, SimTime::MAX)).unwrap();
    let sent: u64 = parts.iter().map(|l| l.sent).sum();
    let arrived: u64 = parts.iter().map(|l| l.arrived).sum();
    let finished: u64 = parts.iter().map(|l| l.finished).sum();
    assert_eq!(sent, arrived, "a message was lost between LPs");
    assert_eq!(st.messages, sent);
    assert_eq!(finished, t.lps as u64 * t.births, "a packet did not finish");
    // Each packet crossed hops + 1 links.
    assert_eq!(sent, finished * u64::from(t.hops + 1));
}

#[test]
fn a_different_seed_gives_different_results() {
    // The fingerprint can tell runs apart: a test that could fail.
    let a = fingerprint(&run_sequential(toy(4, 1), SimTime::MAX));
    let b = fingerprint(&run_sequential(toy(4, 2), SimTime::MAX));
    assert_ne!(a, b);
}

/// An LP that breaks one rule of the kernel once, at its first event.
struct Rogue {
    next: Option<SimTime>,
    to: usize,
    delay: SimDuration,
    burst: usize,
    panics: bool,
}

impl LogicalProcess for Rogue {
    type Msg = Packet;
    fn next_time(&self) -> Option<SimTime> {
        self.next
    }
    fn run_until(&mut self, end: SimTime, out: &mut Outbox<'_, Packet>) {
        if let Some(t) = self.next.filter(|&t| t < end) {
            assert!(!self.panics, "a rogue LP panics");
            for i in 0..self.burst {
                out.send(
                    self.to,
                    t + self.delay,
                    Packet {
                        id: (0, i as u64),
                        hops: 0,
                    },
                );
            }
            self.next = None;
        }
    }
    fn receive(&mut self, _: SimTime, _: usize, _: u64, _: Packet) {}
}

fn rogue_run(to: usize, delay_ps: u64, burst: usize) -> Result<(), ParallelError> {
    rogue_run_on(2, to, delay_ps, burst, false)
}

fn rogue_run_on(
    threads: usize,
    to: usize,
    delay_ps: u64,
    burst: usize,
    panics: bool,
) -> Result<(), ParallelError> {
    let mut lps: Vec<Rogue> = (0..3)
        .map(|i| Rogue {
            next: (i == 0).then_some(SimTime::from_ps(5)),
            to,
            delay: SimDuration::from_ps(delay_ps),
            burst,
            panics,
        })
        .collect();
    let cfg = ParallelConfig {
        threads,
        lookahead: SimDuration::from_ps(100),
        horizon: SimTime::MAX,
        // 48 ÷ (3 × 2 other LPs): at most 8 messages to one LP a lookahead.
        queue_capacity: 48,
    };
    run(&mut lps, &cfg).map(drop)
}

#[test]
fn broken_rules_stop_the_run_with_an_error() {
    assert_eq!(rogue_run(1, 100, 8), Ok(()));
    match rogue_run(1, 99, 1) {
        Err(e @ ParallelError::Causality { .. }) => {
            assert!(e.to_string().contains("shorter than the lookahead"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        rogue_run(1, 100, 9),
        Err(ParallelError::Overflow {
            to: 1,
            capacity: 8,
            ..
        })
    ));
    assert!(matches!(
        rogue_run(3, 100, 1),
        Err(ParallelError::NoSuchLp { to: 3, lps: 3, .. })
    ));
    let t = toy(2, 1);
    for bad in [
        ParallelConfig {
            lookahead: SimDuration::ZERO,
            ..cfg(&t, 1, SimTime::MAX)
        },
        ParallelConfig {
            threads: 0,
            ..cfg(&t, 1, SimTime::MAX)
        },
        ParallelConfig {
            queue_capacity: 0,
            ..cfg(&t, 1, SimTime::MAX)
        },
    ] {
        assert!(matches!(
            run(&mut ToyLp::all(t), &bad),
            Err(ParallelError::Config(_))
        ));
    }
}

#[test]
fn a_panicking_lp_ends_the_run_with_its_panic_at_any_thread_count() {
    // Many times over: a worker that stopped early would leave the others
    // waiting at a barrier for ever (this test would hang).
    for threads in [1, 2, 3] {
        for _ in 0..50 {
            let r = std::panic::catch_unwind(|| rogue_run_on(threads, 1, 100, 1, true));
            let p = r.expect_err("the LP's panic reaches the caller");
            let text = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            assert!(text.contains("a rogue LP panics"), "{text:?}");
        }
        for _ in 0..50 {
            assert!(matches!(
                rogue_run_on(threads, 1, 99, 1, false),
                Err(ParallelError::Causality { .. })
            ));
        }
    }
}

/// An LP that, at its one event at 5 ps, sends a message to LP `to` with
/// the given delay, after sleeping `sleep_ms` (so that which thread records
/// its error first depends on the thread count, not on luck).
struct Slow {
    next: Option<SimTime>,
    to: usize,
    delay_ps: u64,
    sleep_ms: u64,
}

impl LogicalProcess for Slow {
    type Msg = Packet;
    fn next_time(&self) -> Option<SimTime> {
        self.next
    }
    fn run_until(&mut self, end: SimTime, out: &mut Outbox<'_, Packet>) {
        if let Some(t) = self.next.filter(|&t| t < end) {
            std::thread::sleep(std::time::Duration::from_millis(self.sleep_ms));
            let p = Packet {
                id: (0, 0),
                hops: 0,
            };
            out.send(self.to, t + SimDuration::from_ps(self.delay_ps), p);
            self.next = None;
        }
    }
    fn receive(&mut self, _: SimTime, _: usize, _: u64, _: Packet) {}
}

#[test]
fn two_broken_rules_in_one_window_give_the_same_error_at_any_thread_count() {
    // LP 0 (slow) sends too early, LP 1 (fast) to an LP that does not exist,
    // in the same window: the error must not depend on which thread got
    // there first.
    let errors: Vec<ParallelError> = [1, 2, 3]
        .iter()
        .map(|&threads| {
            let mut lps = vec![
                Slow {
                    next: Some(SimTime::from_ps(5)),
                    to: 1,
                    delay_ps: 1,
                    sleep_ms: 50,
                },
                Slow {
                    next: Some(SimTime::from_ps(5)),
                    to: 9,
                    delay_ps: 100,
                    sleep_ms: 0,
                },
            ];
            let cfg = ParallelConfig {
                threads,
                lookahead: SimDuration::from_ps(100),
                horizon: SimTime::MAX,
                queue_capacity: 8,
            };
            run(&mut lps, &cfg).unwrap_err()
        })
        .collect();
    assert!(errors.iter().all(|e| *e == errors[0]), "{errors:?}");
    // The least of the two in the error's order: the unknown LP.
    assert_eq!(
        errors[0],
        ParallelError::NoSuchLp {
            from: 1,
            to: 9,
            lps: 2
        }
    );
}

/// An LP that sends its `k`-th lookahead `k` messages to `to` (or, if
/// `panic_at` is `k`, panics), for the failure paths below.
struct Flood {
    t: SimTime,
    k: usize,
    to: usize,
    panic_at: Option<usize>,
    sleep_us: u64,
    /// Runs after it panicked (must stay 0: it is not run again).
    runs_after_panic: usize,
    panicked: bool,
}

impl Flood {
    fn new(to: usize, panic_at: Option<usize>, sleep_us: u64) -> Flood {
        Flood {
            t: SimTime::from_ps(5),
            k: 0,
            to,
            panic_at,
            sleep_us,
            runs_after_panic: 0,
            panicked: false,
        }
    }
}

const FLOOD_L: u64 = 100;

impl LogicalProcess for Flood {
    type Msg = Packet;
    fn next_time(&self) -> Option<SimTime> {
        (self.k < 40).then_some(self.t)
    }
    fn run_until(&mut self, end: SimTime, out: &mut Outbox<'_, Packet>) {
        if self.panicked {
            self.runs_after_panic += 1;
        }
        if self.sleep_us > 0 {
            std::thread::sleep(std::time::Duration::from_micros(self.sleep_us));
        }
        while self.k < 40 && self.t < end {
            if self.panic_at == Some(self.k) {
                self.panicked = true;
                panic!("flood {} panics", self.to);
            }
            for i in 0..self.k {
                let p = Packet {
                    id: (self.to, i as u64),
                    hops: 0,
                };
                out.send(self.to, self.t + SimDuration::from_ps(FLOOD_L), p);
            }
            self.k += 1;
            self.t += SimDuration::from_ps(FLOOD_L);
        }
    }
    fn receive(&mut self, _: SimTime, _: usize, _: u64, _: Packet) {}
}

fn flood_cfg(threads: usize, capacity: usize) -> ParallelConfig {
    ParallelConfig {
        threads,
        lookahead: SimDuration::from_ps(FLOOD_L),
        horizon: SimTime::MAX,
        queue_capacity: capacity,
    }
}

#[test]
fn a_queue_overflow_is_the_same_at_any_thread_count() {
    // LPs 0 and 1 flood LP 2, which is slow to drain its queue (it sleeps
    // each run): how full the queue gets depends on the threads, the error
    // must not. 60 ÷ (3 × 2): 10 messages to one LP a lookahead, broken at
    // the 11th lookahead by both senders; the earliest is reported.
    let mut seen = Vec::new();
    for threads in [1, 2, 3, 8, 3, 8] {
        let mut lps = vec![
            Flood::new(2, None, 0),
            Flood::new(2, None, 0),
            Flood::new(0, None, 200),
        ];
        lps[2].k = 40; // LP 2 only receives.
        seen.push(run(&mut lps, &flood_cfg(threads, 60)).unwrap_err());
    }
    assert!(seen.iter().all(|e| *e == seen[0]), "{seen:?}");
    assert_eq!(
        seen[0],
        ParallelError::Overflow {
            to: 2,
            capacity: 10,
            // The senders' clock at the lookahead of their 11th burst.
            window_start: SimTime::from_ps(5 + 11 * FLOOD_L),
        }
    );
}

#[test]
fn a_panicking_lp_is_not_run_again_and_the_earliest_panic_is_reported() {
    // LPs 1 and 2 panic in the same lookahead (their 5th); LP 0 goes on.
    // The panic passed on is LP 1's (the lower index at the same clock) at
    // any thread count, and neither is run again after it panicked (the
    // kernel's first version failed both at 2 and 3 threads).
    for threads in [1, 2, 3, 8, 2, 3] {
        let mut lps = vec![
            Flood::new(1, None, 0),
            // The slow one: the others wait for it, so its runs span two
            // lookaheads and the faster LP 2 panics first in wall time.
            Flood::new(1, Some(5), 200),
            Flood::new(2, Some(5), 0),
        ];
        let cfg = flood_cfg(threads, 1 << 12);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut lps, &cfg)));
        let payload = r.expect_err("a panic is passed on");
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert_eq!(text, "flood 1 panics", "{threads} threads");
        assert_eq!(lps[1].runs_after_panic, 0, "{threads} threads");
        assert_eq!(lps[2].runs_after_panic, 0, "{threads} threads");
    }
}
