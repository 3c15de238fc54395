//! Every integration test, built as one test binary: one link of the
//! library and its dependencies instead of one per file, which is most of
//! what a cold `cargo test --release` spends on them (issue 11, point 8;
//! the README's Tests section gives the times before and after). Each file
//! of tests/ stays a module of its own, named as the file; run one with
//! `cargo test --release --test all <module>::`.

mod common;

mod cli;
mod determinism;
mod docs;
mod explain;
mod hgrm;
mod hlog;
mod layers;
mod model;
mod oracles;
mod parallel;
mod peers;
mod preemption;
mod rack;
mod rack_vpc;
mod reference_loop;
mod regressions;
mod report;
mod saturation;
mod scenarios;
mod shard;
mod tcp;
mod validation;
mod vpc;
mod vpc_devices;
mod vpc_failover;
mod vpc_local_route;
mod vpc_props;
