//! Times one path of `experiments/bench.toml` with a given packet count:
//! `cargo run --release --example speed -- sriov 4000000`; or of
//! `experiments/bench-tcp.toml` (TCP streams, whose cost is per frame):
//! `cargo run --release --example speed -- sriov tcp`; or the ratio to the
//! minimal reference event loop of `benches/common/reference.rs` of the
//! `sriov` path and of a wire-only host on the reference's own scenario
//! (bench.toml with only the wire, a 1,000-frame queue and 1 µs of
//! propagation), run in turn five times each:
//! `cargo run --release --example speed -- ratio [packets]`.

use enisim::experiment::{Experiment, Override};
use enisim::model::IoPath;
use std::path::Path;
use std::process::ExitCode;

#[path = "../benches/common/reference.rs"]
mod reference;

/// The `sriov` path, and the wire alone (the reference's own scenario),
/// against the reference loop, in turn, five triples; medians.
fn ratio(packets: u64) -> ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let load = |extra: &[&str]| {
        let mut sets = vec![format!("run.packets={packets}")];
        sets.extend(extra.iter().map(|s| s.to_string()));
        let sets: Result<Vec<Override>, _> = sets.iter().map(|s| Override::parse(s)).collect();
        sets.and_then(|o| Experiment::from_file(&dir.join("bench.toml"), &o))
    };
    let (sriov, wire) = match (load(&[]), load(&reference::WIRE_ONLY)) {
        (Ok(a), Ok(b)) => (a.host_config(IoPath::Sriov), b.host_config(IoPath::Sriov)),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let timed = |cfg: &enisim::model::HostConfig| {
        let t = std::time::Instant::now();
        let r = enisim::model::run(cfg).expect("the bench experiment is a valid configuration");
        r.generated as f64 / t.elapsed().as_secs_f64()
    };
    let (mut ours, mut wires, mut refs, mut ratios, mut wire_ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let a = timed(&sriov);
        let w = timed(&wire);
        let t = std::time::Instant::now();
        let q = reference::run(packets, 1);
        let b = q.generated as f64 / t.elapsed().as_secs_f64();
        ours.push(a);
        wires.push(w);
        refs.push(b);
        ratios.push(a / b);
        wire_ratios.push(w / b);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "sriov: {:.2} M packets/s; wire only: {:.2} M packets/s; reference loop: {:.2} M packets/s; \
         ratio sriov {:.3}, wire only {:.3} (medians of 5 triples run in turn, {packets} packets each)",
        median(&mut ours) / 1e6,
        median(&mut wires) / 1e6,
        median(&mut refs) / 1e6,
        median(&mut ratios),
        median(&mut wire_ratios)
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "sriov".into());
    if path == "ratio" {
        let packets = match args.next().map(|p| p.parse::<u64>()) {
            None => 2_000_000,
            Some(Ok(n)) if n > 0 => n,
            Some(_) => {
                eprintln!("error: ratio [packets]: packets is a whole number ≥ 1");
                return ExitCode::from(2);
            }
        };
        return ratio(packets);
    }
    let Some(path) = IoPath::parse(&path) else {
        eprintln!(
            "error: unknown path {path:?}; one of baremetal, emulated, virtio, passthrough, sriov, or ratio"
        );
        return ExitCode::from(2);
    };
    let packets = args.next().unwrap_or_else(|| "2000000".into());
    let tcp = packets == "tcp";
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let exp = if tcp {
        Experiment::from_file(&dir.join("bench-tcp.toml"), &[])
    } else {
        Override::parse(&format!("run.packets={packets}"))
            .and_then(|o| Experiment::from_file(&dir.join("bench.toml"), &[o]))
    };
    let exp = match exp {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cfg = exp.host_config(path);
    let t = std::time::Instant::now();
    let r = enisim::model::run(&cfg).expect("the bench experiments are valid configurations");
    let s = t.elapsed().as_secs_f64();
    if tcp {
        // Wire frames: segments (each burst counted by its frames) and ACKs.
        let frames: u64 = r
            .flows
            .iter()
            .filter_map(|f| f.tcp.as_ref())
            .map(|t| t.segments + t.acks)
            .sum();
        println!(
            "{}: {} frames (segments and ACKs), {} events in {:.3} s: {:.2} M frames/s",
            path,
            frames,
            r.sim.events,
            s,
            frames as f64 / s / 1e6
        );
        return ExitCode::SUCCESS;
    }
    println!(
        "{}: {} packets, {} events ({:.2} per packet) in {:.3} s: {:.2} M packets/s, {:.2} M events/s",
        path,
        r.generated,
        r.sim.events,
        r.sim.events_per_packet,
        s,
        r.generated as f64 / s / 1e6,
        r.sim.events as f64 / s / 1e6
    );
    ExitCode::SUCCESS
}
