//! Public IPv4: auto-assigned addresses (U1, U3, E5) and Elastic IPs
//! (E1–E5, E7): AllocateAddress, AssociateAddress, DisassociateAddress,
//! ReleaseAddress.

use super::actions::*;
use super::describe::Response;
use super::error::Ec2Error;
use super::ids::*;
use super::interfaces::parse_v4;
use super::state::*;
use std::net::Ipv4Addr;

impl Ec2 {
    /// The next free address of a pool, from its cursor on (so a released
    /// address is not handed out again until the pool wraps round); the
    /// pool's first and last addresses are not used.
    fn alloc_from_pool(&mut self, region: &str, elastic: bool) -> Result<Ipv4Addr, Ec2Error> {
        let r = self
            .find_region(region)
            .ok_or_else(|| Ec2Error::insufficient_address_capacity(region))?
            .clone();
        let (pool, cursor) = if elastic {
            (r.eip_pool, r.eip_cursor)
        } else {
            (r.auto_pool, r.auto_cursor)
        };
        let usable = pool.size() - 2;
        for k in 0..usable {
            let off = 1 + (cursor - 1 + k) % usable;
            let ip = pool.nth(off).expect("inside the pool");
            if !self.public_ip_taken(ip) {
                let next = 1 + off % usable;
                let rm = self.region_mut(region);
                if elastic {
                    rm.eip_cursor = next;
                } else {
                    rm.auto_cursor = next;
                }
                return Ok(ip);
            }
        }
        Err(Ec2Error::insufficient_address_capacity(region))
    }

    /// A new auto-assigned public IPv4 of `region` (U1, U3, E5).
    pub(crate) fn alloc_auto_ip(&mut self, region: &str) -> Result<Ipv4Addr, Ec2Error> {
        self.alloc_from_pool(region, false)
    }

    /// U3, E5: gives ENI `eni` a new auto-assigned public IPv4 if it was
    /// launched with one, is its instance's primary ENI and only ENI, the
    /// instance is pending or running, and no Elastic IP is on its primary
    /// private IPv4.
    pub(crate) fn maybe_grant_auto_ip(&mut self, eni: &EniId) -> Result<(), Ec2Error> {
        let Some(e) = self.enis.get(eni) else {
            return Ok(());
        };
        if !e.auto_public_ip_wanted || e.auto_public_ip.is_some() {
            return Ok(());
        }
        let Some(a) = e.attachment.as_ref().filter(|a| a.is_primary()) else {
            return Ok(());
        };
        let Some(inst) = self.instances.get(&a.instance) else {
            return Ok(());
        };
        if !matches!(inst.state, InstanceState::Pending | InstanceState::Running) {
            return Ok(());
        }
        if self.attached_enis(&inst.id).len() != 1 || self.eip_on(eni, e.primary_ip).is_some() {
            return Ok(());
        }
        let region = e.region.clone();
        let ip = self.alloc_auto_ip(&region)?;
        self.eni_mut(eni).auto_public_ip = Some(ip);
        Ok(())
    }

    /// The Elastic IP whose address is `text`.
    pub(crate) fn eip_by_public_text(&self, text: &str) -> Result<&ElasticIp, Ec2Error> {
        let ip: Ipv4Addr = text
            .trim()
            .parse()
            .map_err(|_| Ec2Error::address_not_found(text))?;
        self.addresses
            .values()
            .find(|a| a.public_ip == ip)
            .ok_or_else(|| Ec2Error::address_not_found(text))
    }

    /// The allocation named by `AllocationId` or `PublicIp` (one of them).
    fn eip_from(
        &self,
        alloc: Option<&AllocationId>,
        public: Option<&str>,
    ) -> Result<AllocationId, Ec2Error> {
        match (alloc, public) {
            (Some(_), Some(_)) => Err(Ec2Error::parameter_combination(
                "AllocationId and PublicIp exclude each other.",
            )),
            (Some(a), None) => Ok(self.get_eip(a)?.allocation_id.clone()),
            (None, Some(p)) => Ok(self.eip_by_public_text(p)?.allocation_id.clone()),
            (None, None) => Err(Ec2Error::missing_parameter("AllocationId")),
        }
    }

    /// Removes the association of `alloc`; the address stays allocated and
    /// the ENI it left may get an auto-assigned address back (E5).
    fn disassociate(&mut self, alloc: &AllocationId) -> Result<(), Ec2Error> {
        let old = self
            .addresses
            .get_mut(alloc)
            .and_then(|a| a.association.take());
        if let Some(s) = old {
            self.elastic_ip_left(&s)?;
        }
        Ok(())
    }

    /// E5: an Elastic IP left `s.private_ip` of `s.eni`; if that is the
    /// ENI's primary address, the ENI may get an auto-assigned one back.
    fn elastic_ip_left(&mut self, s: &EipAssociation) -> Result<(), Ec2Error> {
        let primary = self.enis.get(&s.eni).map(|e| e.primary_ip);
        if primary == Some(s.private_ip) {
            self.maybe_grant_auto_ip(&s.eni)?;
        }
        Ok(())
    }

    pub(crate) fn allocate_address(&mut self, p: &AllocateAddress) -> Result<Response, Ec2Error> {
        if let Some(d) = p.domain.as_deref() {
            if d != "vpc" {
                return Err(Ec2Error::invalid_value(
                    "Domain",
                    d,
                    "The model has the domain 'vpc' only.",
                ));
            }
        }
        let region = self.resolve_region(p.region.as_deref())?;
        // E1.
        let held = self
            .addresses
            .values()
            .filter(|a| a.region == region)
            .count();
        if held >= EIP_QUOTA_PER_REGION {
            return Err(Ec2Error::address_limit(&region, EIP_QUOTA_PER_REGION));
        }
        let ip = self.alloc_from_pool(&region, true)?;
        let id = self.new_allocation_id();
        self.addresses.insert(
            id.clone(),
            ElasticIp {
                allocation_id: id.clone(),
                public_ip: ip,
                region: region.clone(),
                association: None,
            },
        );
        Ok(Response::Allocated {
            public_ip: ip,
            allocation_id: id,
            domain: "vpc",
            network_border_group: region,
        })
    }

    pub(crate) fn associate_address(&mut self, p: &AssociateAddress) -> Result<Response, Ec2Error> {
        let alloc = self.eip_from(p.allocation_id.as_ref(), p.public_ip.as_deref())?;
        let eni_id = match (&p.instance_id, &p.network_interface_id) {
            (Some(_), Some(_)) => {
                return Err(Ec2Error::parameter_combination(
                    "InstanceId and NetworkInterfaceId exclude each other.",
                ))
            }
            (None, None) => {
                return Err(Ec2Error::missing_parameter(
                    "InstanceId or NetworkInterfaceId",
                ))
            }
            (Some(i), None) => {
                let inst = self.get_instance(i)?;
                if matches!(
                    inst.state,
                    InstanceState::ShuttingDown | InstanceState::Terminated
                ) {
                    return Err(Ec2Error::incorrect_instance_state(
                        i.as_str(),
                        inst.state.name(),
                        "an instance that is not terminated",
                    ));
                }
                // E2.
                if self.attached_enis(i).len() > 1 {
                    return Err(Ec2Error::multiple_interfaces(i.as_str()));
                }
                self.primary_eni(i)
                    .map(|e| e.id.clone())
                    .ok_or_else(|| Ec2Error::instance_not_found(i.as_str()))?
            }
            (None, Some(e)) => self.get_eni(e)?.id.clone(),
        };
        let eni = self.get_eni(&eni_id)?.clone();
        let private_ip = match &p.private_ip_address {
            Some(t) => {
                let ip = parse_v4("PrivateIpAddress", t)?;
                if !eni.holds(ip) {
                    return Err(Ec2Error::private_ip_not_on_eni(t, eni_id.as_str()));
                }
                ip
            }
            None => eni.primary_ip,
        };
        let eip = self.get_eip(&alloc)?.clone();
        if eip.region != eni.region {
            // Regions are separate endpoints: the allocation is not there.
            return Err(Ec2Error::allocation_not_found(alloc.as_str()));
        }
        if let Some(s) = &eip.association {
            if s.eni == eni_id && s.private_ip == private_ip {
                return Ok(Response::Associated {
                    association_id: s.id.clone(),
                });
            }
            // E4: reassociation is automatic unless AllowReassociation=false.
            if p.allow_reassociation == Some(false) {
                return Err(Ec2Error::already_associated(alloc.as_str(), s.id.as_str()));
            }
        }
        // E3: one Elastic IP per private address: the one there now leaves
        // (and stays allocated).
        if let Some(other) = self
            .eip_on(&eni_id, private_ip)
            .map(|a| a.allocation_id.clone())
        {
            if let Some(a) = self.addresses.get_mut(&other) {
                a.association = None;
            }
        }
        let association_id = self.new_association_id();
        self.addresses.get_mut(&alloc).expect("checked").association = Some(EipAssociation {
            id: association_id.clone(),
            eni: eni_id.clone(),
            private_ip,
        });
        // E5: the auto-assigned public IPv4 is released for good.
        if private_ip == eni.primary_ip {
            self.eni_mut(&eni_id).auto_public_ip = None;
        }
        // The address it left (E4) may get an auto-assigned one back (E5).
        if let Some(s) = &eip.association {
            self.elastic_ip_left(s)?;
        }
        Ok(Response::Associated { association_id })
    }

    pub(crate) fn disassociate_address(
        &mut self,
        p: &DisassociateAddress,
    ) -> Result<Response, Ec2Error> {
        let alloc = match (&p.association_id, &p.public_ip) {
            (Some(_), Some(_)) => {
                return Err(Ec2Error::parameter_combination(
                    "AssociationId and PublicIp exclude each other.",
                ))
            }
            (Some(id), None) => self
                .addresses
                .values()
                .find(|a| a.association.as_ref().is_some_and(|s| &s.id == id))
                .map(|a| a.allocation_id.clone())
                .ok_or_else(|| Ec2Error::association_not_found(id.as_str()))?,
            (None, Some(t)) => self.eip_by_public_text(t)?.allocation_id.clone(),
            (None, None) => return Err(Ec2Error::missing_parameter("AssociationId")),
        };
        self.disassociate(&alloc)?;
        Ok(Response::Return { ok: true })
    }

    pub(crate) fn release_address(&mut self, p: &ReleaseAddress) -> Result<Response, Ec2Error> {
        let alloc = self.eip_from(p.allocation_id.as_ref(), p.public_ip.as_deref())?;
        let eip = self.get_eip(&alloc)?.clone();
        if let Some(s) = &eip.association {
            let in_default_vpc = self
                .enis
                .get(&s.eni)
                .and_then(|e| self.vpcs.get(&e.vpc))
                .is_some_and(|v| v.is_default);
            // E7: in a non-default VPC an associated address must be
            // disassociated first; in the default VPC releasing disassociates.
            if !in_default_vpc {
                return Err(Ec2Error::release_associated(alloc.as_str(), s.id.as_str()));
            }
            self.disassociate(&alloc)?;
        }
        self.addresses.remove(&alloc);
        Ok(Response::Return { ok: true })
    }
}
