//! Times one path of `experiments/bench.toml` with a given packet count:
//! `cargo run --release --example speed -- sriov 4000000`; or of
//! `experiments/bench-tcp.toml` (TCP streams, whose cost is per frame):
//! `cargo run --release --example speed -- sriov tcp`; or the ratio of the
//! `sriov` path to the minimal reference event loop of
//! `benches/common/reference.rs`, the two run in turn five times each:
//! `cargo run --release --example speed -- ratio [packets]`.

use enisim::experiment::{Experiment, Override};
use enisim::model::IoPath;
use std::path::Path;
use std::process::ExitCode;

#[path = "../benches/common/reference.rs"]
mod reference;

/// The `sriov` path against the reference loop, in turn, five pairs; medians.
fn ratio(packets: u64) -> ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let exp = Override::parse(&format!("run.packets={packets}"))
        .and_then(|o| Experiment::from_file(&dir.join("bench.toml"), &[o]));
    let cfg = match exp {
        Ok(e) => e.host_config(IoPath::Sriov),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut ours, mut refs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let r = enisim::model::run(&cfg).expect("the bench experiment is a valid configuration");
        let a = r.generated as f64 / t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let q = reference::run(packets, 1);
        let b = q.generated as f64 / t.elapsed().as_secs_f64();
        ours.push(a);
        refs.push(b);
        ratios.push(a / b);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "sriov: {:.2} M packets/s; reference loop: {:.2} M packets/s; ratio {:.3} (medians of 5 pairs run in turn, {packets} packets each)",
        median(&mut ours) / 1e6,
        median(&mut refs) / 1e6,
        median(&mut ratios)
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
