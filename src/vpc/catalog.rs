//! The instance-type catalog: per-type ENI, address and bandwidth limits.
//!
//! Loaded from `data/instance_types.csv`, compiled into the binary with
//! `include_str!` (never read at run time). The numbers come from EC2's
//! `DescribeInstanceTypes` and match the EC2 User Guide's "IP addresses per
//! network interface per instance type" table (ENI_RULES.md, introduction).
//! They drive L1 (ENIs per instance), L2 (IPv4 per ENI), V1 (IPv6 per ENI)
//! and M3 (one bandwidth allowance shared by all of an instance's ENIs).

use serde::Serialize;
use std::sync::OnceLock;

/// The CSV shipped with the crate.
pub const INSTANCE_TYPES_CSV: &str = include_str!("../../data/instance_types.csv");

/// The hypervisor a type runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hypervisor {
    /// Xen (older generations: T2, M4, C4, R3, I3, X1e…).
    Xen,
    /// The Nitro system.
    Nitro,
}

/// Whether a type has the Elastic Network Adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnaSupport {
    /// No ENA.
    Unsupported,
    /// ENA available, not required (Xen types with ENA).
    Supported,
    /// ENA required (Nitro).
    Required,
}

/// One row of the catalog.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstanceTypeSpec {
    /// EC2's name, e.g. `m5.large`.
    pub name: String,
    /// The hypervisor.
    pub hypervisor: Hypervisor,
    /// ENIs per instance, the primary included, over all network cards (L1).
    pub max_enis: u32,
    /// Private IPv4 addresses per ENI, the primary included (L2).
    pub ipv4_per_eni: u32,
    /// IPv6 addresses per ENI (V1).
    pub ipv6_per_eni: u32,
    /// Network cards (1 for all but the largest accelerated types).
    pub network_cards: u32,
    /// EC2's bandwidth label, e.g. `Up to 10 Gigabit`.
    pub network_performance: String,
    /// Baseline bandwidth [Gbit/s], shared by all the instance's ENIs (M3).
    pub baseline_gbps: f64,
    /// Burst (peak) bandwidth [Gbit/s], shared likewise.
    pub peak_gbps: f64,
    /// ENA support.
    pub ena_support: EnaSupport,
    /// Whether the Intel 82599 virtual function is available.
    pub intel_82599_vf: bool,
}

impl InstanceTypeSpec {
    /// ENIs per network card: the limit is shared evenly among the cards
    /// (`p4d.24xlarge`: 60 over 4 cards, 15 each).
    pub fn max_enis_per_card(&self) -> u32 {
        self.max_enis / self.network_cards.max(1)
    }

    /// Whether the type has an SR-IOV path (ENA or the 82599 VF); types with
    /// neither (T2) get the emulated or paravirtual path only.
    pub fn sriov(&self) -> bool {
        self.ena_support != EnaSupport::Unsupported || self.intel_82599_vf
    }
}

/// All instance types, in the CSV's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    types: Vec<InstanceTypeSpec>,
}

const HEADER: &str = "instance_type,hypervisor,max_enis,ipv4_per_eni,ipv6_per_eni,network_cards,network_performance,baseline_gbps,peak_gbps,ena_support,intel_82599_vf";

impl Catalog {
    /// Parses catalog CSV text with the header of `data/instance_types.csv`.
    /// The error names the line and the column.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h)) if h.trim() == HEADER => {}
            _ => return Err(format!("line 1: expected the header `{HEADER}`")),
        }
        let mut types: Vec<InstanceTypeSpec> = Vec::new();
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != 11 {
                return Err(format!(
                    "line {line_no}: expected 11 columns, found {}",
                    f.len()
                ));
            }
            let int = |col: usize, name: &str| -> Result<u32, String> {
                f[col]
                    .parse::<u32>()
                    .ok()
                    .filter(|v| *v > 0)
                    .ok_or_else(|| {
                        format!(
                            "line {line_no}: {name} = '{}' is not a positive integer",
                            f[col]
                        )
                    })
            };
            let gbps = |col: usize, name: &str| -> Result<f64, String> {
                f[col]
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .ok_or_else(|| {
                        format!(
                            "line {line_no}: {name} = '{}' is not a positive number",
                            f[col]
                        )
                    })
            };
            let spec = InstanceTypeSpec {
                name: f[0].to_owned(),
                hypervisor: match f[1] {
                    "xen" => Hypervisor::Xen,
                    "nitro" => Hypervisor::Nitro,
                    other => {
                        return Err(format!(
                            "line {line_no}: hypervisor = '{other}' (xen | nitro)"
                        ))
                    }
                },
                max_enis: int(2, "max_enis")?,
                ipv4_per_eni: int(3, "ipv4_per_eni")?,
                ipv6_per_eni: int(4, "ipv6_per_eni")?,
                network_cards: int(5, "network_cards")?,
                network_performance: f[6].to_owned(),
                baseline_gbps: gbps(7, "baseline_gbps")?,
                peak_gbps: gbps(8, "peak_gbps")?,
                ena_support: match f[9] {
                    "unsupported" => EnaSupport::Unsupported,
                    "supported" => EnaSupport::Supported,
                    "required" => EnaSupport::Required,
                    other => {
                        return Err(format!(
                            "line {line_no}: ena_support = '{other}' (unsupported | supported | required)"
                        ))
                    }
                },
                intel_82599_vf: match f[10] {
                    "yes" => true,
                    "no" => false,
                    other => {
                        return Err(format!("line {line_no}: intel_82599_vf = '{other}' (yes | no)"))
                    }
                },
            };
            if spec.peak_gbps < spec.baseline_gbps {
                return Err(format!(
                    "line {line_no}: peak_gbps {} is below baseline_gbps {}",
                    spec.peak_gbps, spec.baseline_gbps
                ));
            }
            if types.iter().any(|t| t.name == spec.name) {
                return Err(format!("line {line_no}: {} appears twice", spec.name));
            }
            types.push(spec);
        }
        if types.is_empty() {
            return Err("the catalog lists no instance type".into());
        }
        Ok(Catalog { types })
    }

    /// The type called `name`.
    pub fn get(&self, name: &str) -> Option<&InstanceTypeSpec> {
        self.types.iter().find(|t| t.name == name)
    }

    /// All types in the file's order.
    pub fn iter(&self) -> impl Iterator<Item = &InstanceTypeSpec> {
        self.types.iter()
    }

    /// The largest IPv4-per-ENI limit of any type: the limit for an ENI that
    /// is not attached (its instance type is not known yet; the type's own
    /// limit is checked when it is attached — L2).
    pub fn max_ipv4_per_eni(&self) -> u32 {
        self.types.iter().map(|t| t.ipv4_per_eni).max().unwrap_or(1)
    }

    /// The largest IPv6-per-ENI limit of any type (see
    /// [`Catalog::max_ipv4_per_eni`]).
    pub fn max_ipv6_per_eni(&self) -> u32 {
        self.types.iter().map(|t| t.ipv6_per_eni).max().unwrap_or(0)
    }
}

/// The catalog shipped in `data/instance_types.csv`, parsed once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::parse(INSTANCE_TYPES_CSV)
            .unwrap_or_else(|e| panic!("data/instance_types.csv is malformed: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses_and_has_the_documented_rows() {
        let c = catalog();
        let m5 = c.get("m5.large").unwrap();
        assert_eq!((m5.max_enis, m5.ipv4_per_eni, m5.ipv6_per_eni), (3, 10, 10));
        assert_eq!((m5.baseline_gbps, m5.peak_gbps), (0.75, 10.0));
        assert!(m5.sriov());
        let t2 = c.get("t2.micro").unwrap();
        assert!(!t2.sriov());
        let p4d = c.get("p4d.24xlarge").unwrap();
        assert_eq!(p4d.max_enis_per_card(), 15);
        assert_eq!(c.max_ipv4_per_eni(), 50);
        assert!(c.get("m1.small").is_none());
    }

    #[test]
    fn malformed_rows_are_reported_with_their_line() {
        let bad = format!("{HEADER}\nx.large,kvm,2,2,2,1,Low,0.1,1.0,required,no\n");
        let e = Catalog::parse(&bad).unwrap_err();
        assert!(e.contains("line 2") && e.contains("hypervisor"), "{e}");
        let bad = format!("{HEADER}\nx.large,nitro,0,2,2,1,Low,0.1,1.0,required,no\n");
        assert!(Catalog::parse(&bad).unwrap_err().contains("max_enis"));
        assert!(Catalog::parse("nope\n").is_err());
    }
}
