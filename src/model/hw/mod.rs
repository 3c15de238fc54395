//! Hardware: wires and PCIe links, the IOMMU's IOTLB, and the physical NIC's
//! layout on a host.

pub mod iommu;
pub mod link;

pub use iommu::Iotlb;
pub use link::{Link, Overhead};
