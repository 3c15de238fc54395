//! The shipped experiments, built into the binary: `enisim experiments`
//! lists them and `enisim run NAME` runs one from any directory, so an
//! installed enisim (`cargo install --path .`) needs no clone. A file of the
//! same name in the current directory always wins (`NAME`, `NAME.toml`, then
//! `experiments/NAME.toml`): the built-in copy is the fallback, and the CLI
//! says which it used.

/// One built-in experiment.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// Its name: the path under `experiments/` without `.toml`
    /// (`load-sweep`, `peers/ns3-p2p`).
    pub name: &'static str,
    /// The file's text, as shipped.
    pub text: &'static str,
}

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(Builtin {
            name: $name,
            text: include_str!(concat!("../../experiments/", $name, ".toml")),
        }),*]
    };
}

/// Every experiment under `experiments/` and `experiments/peers/` (a test
/// checks none is missing), in the order `enisim experiments` lists them.
/// The validation suite (`experiments/validation/`) is run by
/// `validate-model` from its directory.
pub const BUILTIN: &[Builtin] = builtin!(
    "compare",
    "compare-stream",
    "load-sweep",
    "frame-size",
    "vm-scaling",
    "noisy-neighbour",
    "irq-moderation",
    "posted-interrupts",
    "app-interrupts",
    "rack",
    "ping-pong-across-hosts",
    "stream-across-hosts",
    "bench",
    "bench-tcp",
    "bench-rack",
    "bench-rack-one-host",
    "ha-eni-failover",
    "ha-ip-reassign",
    "dual-homed",
    "two-enis-one-subnet",
    "nat-appliance",
    "mac-licence",
    "peers/ns3-p2p",
    "peers/ns3-p2p-chain",
);

impl Builtin {
    /// The name errors use for it: `<built-in experiments/NAME.toml>`.
    pub fn label(&self) -> String {
        format!("<built-in experiments/{}.toml>", self.name)
    }

    /// The file's `description`, if it has one.
    pub fn description(&self) -> Option<String> {
        let table: toml::Table = toml::from_str(self.text).ok()?;
        table.get("description")?.as_str().map(str::to_owned)
    }
}

/// The built-in experiment `name` names: `load-sweep`, `load-sweep.toml`,
/// `experiments/load-sweep.toml` and `./experiments/load-sweep.toml` all
/// name the same one.
pub fn find(name: &str) -> Option<&'static Builtin> {
    let n = name.trim_start_matches("./");
    let n = n.strip_prefix("experiments/").unwrap_or(n);
    let n = n.strip_suffix(".toml").unwrap_or(n);
    BUILTIN.iter().find(|b| b.name == n)
}

/// The names of every built-in experiment, comma separated (for messages).
pub fn names() -> String {
    BUILTIN
        .iter()
        .map(|b| b.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_experiment_is_built_in_and_valid() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
        let mut shipped = Vec::new();
        for dir in ["", "peers/"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".toml") {
                    shipped.push(format!("{dir}{stem}"));
                }
            }
        }
        shipped.sort();
        let mut built: Vec<String> = BUILTIN.iter().map(|b| b.name.to_owned()).collect();
        built.sort();
        assert_eq!(built, shipped, "experiments/ and BUILTIN differ");
        for b in BUILTIN {
            crate::experiment::Experiment::from_toml(&b.label(), b.text, &[])
                .unwrap_or_else(|e| panic!("{}: {e}", b.name));
        }
    }

    #[test]
    fn names_are_found_with_or_without_directory_and_extension() {
        for n in [
            "load-sweep",
            "load-sweep.toml",
            "experiments/load-sweep.toml",
            "./experiments/load-sweep.toml",
        ] {
            assert_eq!(find(n).map(|b| b.name), Some("load-sweep"), "{n}");
        }
        assert_eq!(find("peers/ns3-p2p").map(|b| b.name), Some("peers/ns3-p2p"));
        for n in ["", "load", "results/load-sweep.toml", "load-sweep.json"] {
            assert!(find(n).is_none(), "{n}");
        }
    }
}
