//! The reference event loop that `benches/engine.rs` and `examples/speed.rs
//! ratio` time enisim against does the work it claims: three events per
//! packet, every packet accounted for, and a 25 Gb/s wire at 1 Mpps of
//! 64 B frames (about 3% busy) drops nothing.

#[allow(dead_code)]
#[path = "../benches/common/reference.rs"]
mod reference;

#[test]
fn the_reference_loop_moves_every_packet_with_three_events() {
    let r = reference::run(100_000, 1);
    assert_eq!(r.generated, 100_000);
    assert_eq!(r.dropped, 0);
    assert_eq!(r.delivered, r.generated);
    assert_eq!(r.events, 3 * r.generated);
    assert_eq!(reference::run(100_000, 1), r, "same seed, same run");
}

/// `reference::WIRE_ONLY` makes experiments/bench.toml this loop's own
/// scenario in enisim, as the speed ratio claims: the same packets cross
/// one 25 Gb/s wire (26.88 ns per 64 B frame with Ethernet framing, the
/// loop's `TX_PS`) and 1 µs of propagation, and nothing else — no drop,
/// one event per packet, a latency of the two plus a little queueing at
/// 3% load.
#[test]
fn the_wire_only_bench_is_the_reference_loops_scenario() {
    use enisim::experiment::{Experiment, Override};
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/bench.toml");
    let mut sets: Vec<Override> = reference::WIRE_ONLY
        .iter()
        .map(|s| Override::parse(s).unwrap())
        .collect();
    sets.push(Override::parse("run.packets=100000").unwrap());
    let exp = Experiment::from_file(&file, &sets).unwrap_or_else(|e| panic!("{e}"));
    let r = enisim::model::run(&exp.host_config(enisim::model::IoPath::Sriov)).unwrap();
    assert_eq!(
        (r.generated, r.delivered, r.in_flight),
        (100_000, 100_000, 0)
    );
    assert_eq!(r.sim.events, r.generated);
    let mean = r.latency_ns.mean;
    assert!((1026.88..1030.0).contains(&mean), "{mean} ns");
}
