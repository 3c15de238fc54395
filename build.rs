//! Names the build: `ENISIM_BUILD` is the package version and, when built
//! from a git checkout, the commit (`-dirty` with uncommitted changes), so a
//! shard written by one build is not merged with another's
//! (src/experiment/shard.rs) and `enisim --version` says which build ran.
//! Without git (a source archive, a container build without `.git`) it is
//! the version alone.

use std::path::Path;
use std::process::Command;

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = Command::new("git")
        // --no-optional-locks: describe --dirty would otherwise refresh and
        // rewrite .git/index, and a build would then trigger the next.
        .args([
            "--no-optional-locks",
            "describe",
            "--always",
            "--dirty",
            "--abbrev=12",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let build = match commit {
        Some(c) => format!("{version}+{c}"),
        None => version,
    };
    println!("cargo:rustc-env=ENISIM_BUILD={build}");
    // Run again when the commit or the tracked files change (only paths
    // that exist: a missing one would run this on every build).
    for p in [
        ".git/HEAD",
        ".git/logs/HEAD",
        "src",
        "experiments",
        "data",
        "Cargo.toml",
    ] {
        if Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
}
