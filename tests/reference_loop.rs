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
