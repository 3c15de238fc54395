//! Errors in building a host model from a configuration.

use std::fmt;

/// A host configuration that cannot be built, with what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// Passthrough gives a whole NIC to one VM; several VMs were put on one.
    PassthroughShared {
        /// VMs on the host.
        vms: u32,
        /// Devices they have (one per VM, and one per further ENI).
        devices: u32,
    },
    /// More devices than the NIC has virtual functions: under SR-IOV each
    /// attached ENI is its own VF.
    TooManyVfs {
        /// Devices that need a VF (every VM's primary ENI, and each further
        /// ENI an instance has during the run).
        needed: u32,
        /// VMs on the host.
        vms: u32,
        /// The NIC's VF limit.
        max_vfs: u32,
    },
    /// A flow of a kind a wire-only host cannot carry (`[host] stages =
    /// "wire"` carries open-loop rx and tx flows only).
    WireOnly {
        /// Flow name.
        flow: String,
    },
    /// A flow names a VM the host does not have.
    NoSuchVm {
        /// Flow name.
        flow: String,
        /// The VM index given.
        vm: u32,
        /// VMs on the host.
        vms: u32,
    },
    /// The experiment's VPC cannot be set up (a setup action failed, a name
    /// is not defined, an address cannot be resolved).
    Vpc {
        /// The experiment key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A rack that cannot be run as configured (`[rack]`).
    Rack {
        /// The experiment key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A profile value the model cannot use.
    BadProfile {
        /// The `costs.*` key.
        key: &'static str,
        /// What is allowed.
        allowed: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::PassthroughShared { vms, devices } if devices == vms => write!(
                f,
                "passthrough assigns a whole NIC to one VM, but {vms} VMs would share one NIC; \
                 set host.passthrough_nic_per_vm = true (one NIC per VM) or use host.vms = 1"
            ),
            BuildError::PassthroughShared { vms, devices } => write!(
                f,
                "passthrough assigns a whole NIC to each device, but {vms} VM(s) with {devices} \
                 attached ENIs (each its own device) would share one NIC; set \
                 host.passthrough_nic_per_vm = true (one NIC per ENI)"
            ),
            BuildError::TooManyVfs {
                needed,
                vms,
                max_vfs,
            } if needed == vms => write!(
                f,
                "sriov needs {needed} virtual functions but the NIC has {max_vfs} (costs.max_vfs); \
                 use at most {max_vfs} VMs or raise costs.max_vfs"
            ),
            BuildError::TooManyVfs {
                needed,
                vms,
                max_vfs,
            } => write!(
                f,
                "sriov gives each attached ENI its own virtual function: {vms} VMs' primary ENIs \
                 and {} further ENIs (attached in the setup or the timeline) need {needed}, but the NIC has {max_vfs} \
                 (costs.max_vfs); attach fewer ENIs, use fewer VMs or raise costs.max_vfs",
                needed - vms
            ),
            BuildError::WireOnly { flow } => {
                write!(f, "flow '{flow}': {}", super::config::WIRE_ONLY_FLOWS)
            }
            BuildError::NoSuchVm { flow, vm, vms } => write!(
                f,
                "flow '{flow}' names VM {vm}, but the host has {vms} VMs (0..={})",
                vms.saturating_sub(1)
            ),
            BuildError::Vpc { key, message } | BuildError::Rack { key, message } => {
                write!(f, "{key}: {message}")
            }
            BuildError::BadProfile { key, allowed } => {
                write!(f, "costs.{key}: allowed {allowed}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// Why a host with a `[vpc]` and `devices` devices for its `vms` VMs is
/// refused (beyond [`super::config::MAX_VPC_DEVICES`]).
pub fn too_many_devices(devices: u32, vms: u32) -> String {
    format!(
        "at most {} devices on a host with a [vpc] (each VM's primary ENI and each further ENI \
         its instance has during the run is its own device); the {vms} VMs' instances have \
         {devices}: attach fewer ENIs or use fewer VMs",
        super::config::MAX_VPC_DEVICES
    )
}
