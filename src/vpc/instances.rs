//! Instance actions: RunInstances (cold attach, U1, U2, D1, D2, L1, L2, P1,
//! P2, A6), Start/Stop/TerminateInstances (A2, U3, D4) and
//! ModifyInstanceAttribute (G3).

use super::actions::*;
use super::catalog::catalog;
use super::describe::{InstanceStateChange, Response};
use super::error::{required, Ec2Error};
use super::exec::Effects;
use super::ids::*;
use super::interfaces::NewEni;
use super::state::*;

/// Where a launch's ENI comes from.
enum Source {
    Existing(EniId),
    New(SubnetId),
}

impl Ec2 {
    pub(crate) fn run_instances(
        &mut self,
        p: &RunInstances,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let ty = required(p.instance_type.as_deref(), "InstanceType")?;
        let spec = catalog().get(ty).ok_or_else(|| {
            Ec2Error::invalid_value(
                "InstanceType",
                ty,
                "It is not in the catalog (data/instance_types.csv).",
            )
        })?;
        for (name, v) in [("MinCount", p.min_count), ("MaxCount", p.max_count)] {
            if v.unwrap_or(1) != 1 {
                return Err(Ec2Error::invalid_value(
                    name,
                    v.unwrap_or(1),
                    "The model launches one instance per call: MinCount = MaxCount = 1.",
                ));
            }
        }
        let specs: Vec<InstanceNetworkInterface> = if p.network_interfaces.is_empty() {
            let subnet = match &p.subnet_id {
                Some(s) => s.clone(),
                None => self.default_subnet(DEFAULT_REGION)?,
            };
            vec![InstanceNetworkInterface {
                device_index: Some(0),
                subnet_id: Some(subnet),
                groups: Some(p.security_group_ids.clone()),
                private_ip_address: p.private_ip_address.clone(),
                ..Default::default()
            }]
        } else {
            if p.subnet_id.is_some()
                || !p.security_group_ids.is_empty()
                || p.private_ip_address.is_some()
            {
                return Err(Ec2Error::parameter_combination(
                    "Network interfaces and an instance-level subnet ID, security groups or private IP address may not be specified on the same request.",
                ));
            }
            p.network_interfaces.clone()
        };

        // Shape of the request: device indexes, sources, flags.
        let mut slots: Vec<(u32, u32)> = Vec::new();
        let mut sources: Vec<Source> = Vec::new();
        for (n, s) in specs.iter().enumerate() {
            let n = n + 1;
            let dev = s.device_index.ok_or_else(|| {
                Ec2Error::missing_parameter(&format!("NetworkInterfaces.{n}.DeviceIndex"))
            })?;
            let card = s.network_card_index.unwrap_or(0);
            if card >= spec.network_cards {
                return Err(Ec2Error::invalid_value(
                    "NetworkCardIndex",
                    card,
                    &format!("{} has {} network card(s).", spec.name, spec.network_cards),
                ));
            }
            if slots.contains(&(card, dev)) {
                return Err(Ec2Error::invalid_value(
                    "DeviceIndex",
                    dev,
                    "Each network interface requires a unique device index.",
                ));
            }
            slots.push((card, dev));
            // U2 before the other public-address checks: it is the rule a
            // multi-ENI launch breaks.
            if specs.len() > 1 && s.associate_public_ip_address == Some(true) {
                return Err(Ec2Error::public_ip_with_multiple_interfaces());
            }
            if s.associate_public_ip_address == Some(true)
                && (s.network_interface_id.is_some() || (card, dev) != (0, 0))
            {
                return Err(Ec2Error::public_ip_only_for_new_primary());
            }
            match &s.network_interface_id {
                Some(eni) => {
                    let creation_params = s.subnet_id.is_some()
                        || s.groups.is_some()
                        || s.private_ip_address.is_some()
                        || !s.private_ip_addresses.is_empty()
                        || s.secondary_private_ip_address_count.is_some()
                        || s.ipv6_address_count.is_some()
                        || !s.ipv6_addresses.is_empty()
                        || s.description.is_some();
                    if creation_params {
                        return Err(Ec2Error::parameter_combination(format!(
                            "NetworkInterfaces.{n}: NetworkInterfaceId excludes the parameters of a new network interface (SubnetId, Groups, addresses, Description)."
                        )));
                    }
                    // D1.
                    if s.delete_on_termination == Some(true) {
                        return Err(Ec2Error::delete_on_termination_existing(eni.as_str()));
                    }
                    sources.push(Source::Existing(eni.clone()));
                }
                None => match &s.subnet_id {
                    Some(sub) => sources.push(Source::New(sub.clone())),
                    None => {
                        return Err(Ec2Error::missing_parameter(&format!(
                            "NetworkInterfaces.{n}.SubnetId or NetworkInterfaces.{n}.NetworkInterfaceId"
                        )))
                    }
                },
            }
        }
        if !slots.contains(&(0, 0)) {
            return Err(Ec2Error::invalid_value(
                "NetworkInterfaces",
                "no DeviceIndex 0",
                "When specifying network interfaces, you must include a device at index 0 on network card 0.",
            ));
        }
        // L1.
        let count = specs.len() as u32;
        if count > spec.max_enis {
            return Err(Ec2Error::interface_limit(count, &spec.name));
        }
        if spec.network_cards > 1 {
            for card in 0..spec.network_cards {
                let on = slots.iter().filter(|(c, _)| *c == card).count() as u32;
                if on > spec.max_enis_per_card() {
                    return Err(Ec2Error::interface_limit(on, &spec.name));
                }
            }
        }

        // Placement: the primary ENI's AZ and VPC; all others must match
        // (P1, P2).
        let place = |me: &Ec2, src: &Source| -> Result<(String, VpcId, SubnetId), Ec2Error> {
            match src {
                Source::Existing(e) => {
                    let e = me.get_eni(e)?;
                    Ok((e.az.clone(), e.vpc.clone(), e.subnet.clone()))
                }
                Source::New(s) => {
                    let s = me.get_subnet(s)?;
                    Ok((s.az.clone(), s.vpc.clone(), s.id.clone()))
                }
            }
        };
        let primary_pos = slots.iter().position(|s| *s == (0, 0)).expect("checked");
        let (az, vpc, subnet) = place(self, &sources[primary_pos])?;
        let id = self.new_instance_id();
        for src in &sources {
            let (eaz, evpc, _) = place(self, src)?;
            let what = match src {
                Source::Existing(e) => e.as_str().to_owned(),
                Source::New(s) => format!("(new, in {s})"),
            };
            if eaz != az {
                return Err(Ec2Error::az_mismatch(&what, &eaz, id.as_str(), &az));
            }
            if evpc != vpc {
                return Err(Ec2Error::vpc_mismatch(
                    &what,
                    evpc.as_str(),
                    id.as_str(),
                    vpc.as_str(),
                ));
            }
            if let Source::Existing(e) = src {
                let e = self.get_eni(e)?;
                // A6 (also an ENI listed twice: the second sees the first's
                // attachment, below).
                if e.attachment.is_some() {
                    return Err(Ec2Error::eni_in_use(e.id.as_str()));
                }
                // L2, V1.
                Self::check_eni_fits(e, spec)?;
            }
        }
        let region = self.get_vpc(&vpc)?.region.clone();
        let reservation = self.new_reservation_id();
        self.instances.insert(
            id.clone(),
            Instance {
                id: id.clone(),
                reservation: reservation.clone(),
                instance_type: spec.name.clone(),
                region: region.clone(),
                az,
                vpc,
                subnet: subnet.clone(),
                state: InstanceState::Pending,
            },
        );
        // Create and attach in request order (cold attach: attached at once).
        for (k, (s, src)) in specs.iter().zip(&sources).enumerate() {
            let (card, dev) = slots[k];
            let (eni_id, dot) = match src {
                Source::Existing(e) => {
                    if self.get_eni(e)?.attachment.is_some() {
                        return Err(Ec2Error::eni_in_use(e.as_str()));
                    }
                    (e.clone(), false)
                }
                Source::New(sub) => {
                    let no_groups: Vec<GroupId> = Vec::new();
                    let e = self.create_eni(NewEni {
                        subnet: sub,
                        groups: s.groups.as_deref().unwrap_or(&no_groups),
                        description: s.description.as_deref(),
                        private_ip_address: s.private_ip_address.as_deref(),
                        private_ip_addresses: &s.private_ip_addresses,
                        secondary_count: s.secondary_private_ip_address_count,
                        ipv6_count: s.ipv6_address_count,
                        ipv6_addresses: &s.ipv6_addresses,
                        limits_of: Some(spec),
                    })?;
                    // D2: ENIs the launch creates default to true.
                    (e, s.delete_on_termination.unwrap_or(true))
                }
            };
            let att = self.new_attachment_id();
            self.eni_mut(&eni_id).attachment = Some(Attachment {
                id: att,
                instance: id.clone(),
                device_index: dev,
                network_card_index: card,
                delete_on_termination: dot,
                status: AttachmentStatus::Attached,
            });
            // U1, U2: a public IPv4 for a new eth0 when the subnet (or the
            // request) says so and it is the only ENI.
            if (card, dev) == (0, 0) {
                if let Source::New(sub) = src {
                    let map = self.get_subnet(sub)?.map_public_ip_on_launch;
                    if specs.len() == 1 && s.associate_public_ip_address.unwrap_or(map) {
                        let ip = self.alloc_auto_ip(&region)?;
                        let e = self.eni_mut(&eni_id);
                        e.auto_public_ip_wanted = true;
                        e.auto_public_ip = Some(ip);
                    }
                }
            }
        }
        fx.started.push(Transition::Running(id.clone()));
        let inst = self.instances.get(&id).expect("just launched");
        Ok(Response::Reservation {
            reservation_id: reservation,
            instances: vec![self.describe_instance(inst)],
        })
    }

    /// The listed instances, each once, checked to exist.
    fn instance_list(&self, ids: &[InstanceId]) -> Result<Vec<InstanceId>, Ec2Error> {
        if ids.is_empty() {
            return Err(Ec2Error::missing_parameter("InstanceIds"));
        }
        let mut out: Vec<InstanceId> = Vec::new();
        for id in ids {
            self.get_instance(id)?;
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        Ok(out)
    }

    /// Start/Stop/TerminateInstances: `step` moves each listed instance on
    /// from its state (or refuses) and returns the transition it began, if
    /// any; every instance's change is reported, in request order.
    fn change_states(
        &mut self,
        ids: &[InstanceId],
        fx: &mut Effects,
        mut step: impl FnMut(
            &mut Ec2,
            &InstanceId,
            InstanceState,
        ) -> Result<Option<Transition>, Ec2Error>,
    ) -> Result<Vec<InstanceStateChange>, Ec2Error> {
        let ids = self.instance_list(ids)?;
        let mut changes = Vec::new();
        for id in ids {
            let before = self.get_instance(&id)?.state;
            if let Some(t) = step(self, &id, before)? {
                fx.started.push(t);
            }
            changes.push(InstanceStateChange {
                current_state: self.get_instance(&id)?.state.into(),
                previous_state: before.into(),
                instance_id: id,
            });
        }
        Ok(changes)
    }

    fn set_state(&mut self, id: &InstanceId, state: InstanceState) {
        self.instances.get_mut(id).expect("checked").state = state;
    }

    pub(crate) fn start_instances(
        &mut self,
        p: &InstanceIds,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let changes = self.change_states(&p.instance_ids, fx, |ec2, id, before| match before {
            InstanceState::Stopped => {
                ec2.set_state(id, InstanceState::Pending);
                // U3: a new public IPv4 on start.
                if let Some(e) = ec2.primary_eni(id).map(|e| e.id.clone()) {
                    ec2.maybe_grant_auto_ip(&e)?;
                }
                Ok(Some(Transition::Running(id.clone())))
            }
            InstanceState::Pending | InstanceState::Running => Ok(None),
            other => Err(Ec2Error::incorrect_instance_state(
                id.as_str(),
                other.name(),
                "'stopped' (or 'pending'/'running', a no-op)",
            )),
        })?;
        Ok(Response::Starting {
            starting_instances: changes,
        })
    }

    pub(crate) fn stop_instances(
        &mut self,
        p: &StopInstances,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let changes = self.change_states(&p.instance_ids, fx, |ec2, id, before| match before {
            InstanceState::Running => {
                ec2.set_state(id, InstanceState::Stopping);
                Ok(Some(Transition::Stopped(id.clone())))
            }
            InstanceState::Stopping | InstanceState::Stopped => Ok(None),
            other => Err(Ec2Error::incorrect_instance_state(
                id.as_str(),
                other.name(),
                "'running' (or 'stopping'/'stopped', a no-op)",
            )),
        })?;
        Ok(Response::Stopping {
            stopping_instances: changes,
        })
    }

    pub(crate) fn terminate_instances(
        &mut self,
        p: &InstanceIds,
        fx: &mut Effects,
    ) -> Result<Response, Ec2Error> {
        let changes = self.change_states(&p.instance_ids, fx, |ec2, id, before| match before {
            InstanceState::ShuttingDown | InstanceState::Terminated => Ok(None),
            _ => {
                ec2.set_state(id, InstanceState::ShuttingDown);
                Ok(Some(Transition::Terminated(id.clone())))
            }
        })?;
        Ok(Response::Terminating {
            terminating_instances: changes,
        })
    }

    /// D4: the instance is terminated; its `DeleteOnTermination` ENIs are
    /// deleted (addresses freed, Elastic IPs disassociated but kept), the
    /// others detached and `available` with their addresses, Elastic IPs and
    /// MAC. Auto-assigned public IPv4s are released (U3).
    pub(crate) fn finish_termination(&mut self, id: &InstanceId) {
        if let Some(i) = self.instances.get_mut(id) {
            i.state = InstanceState::Terminated;
        }
        let mine: Vec<(EniId, bool)> = self
            .enis
            .values()
            .filter_map(|e| {
                e.attachment
                    .as_ref()
                    .filter(|a| &a.instance == id)
                    .map(|a| (e.id.clone(), a.delete_on_termination))
            })
            .collect();
        for (eni, dot) in mine {
            if dot {
                self.remove_eni(&eni);
            } else {
                let e = self.eni_mut(&eni);
                e.attachment = None;
                e.auto_public_ip = None;
            }
        }
    }

    pub(crate) fn modify_instance_attribute(
        &mut self,
        p: &ModifyInstanceAttribute,
    ) -> Result<Response, Ec2Error> {
        let id = required(p.instance_id.as_ref(), "InstanceId")?;
        let inst = self.get_instance(id)?.clone();
        match (p.source_dest_check.is_some(), p.groups.is_some()) {
            (false, false) => return Err(Ec2Error::missing_parameter("SourceDestCheck or Groups")),
            (true, true) => return Err(Ec2Error::parameter_combination(
                "Fields for multiple attribute types specified: give SourceDestCheck or Groups.",
            )),
            _ => {}
        }
        if matches!(
            inst.state,
            InstanceState::ShuttingDown | InstanceState::Terminated
        ) {
            return Err(Ec2Error::incorrect_instance_state(
                id.as_str(),
                inst.state.name(),
                "an instance that is not terminated",
            ));
        }
        // G3: with several ENIs, the caller must name one.
        if self.attached_enis(id).len() > 1 {
            return Err(Ec2Error::multiple_interfaces(id.as_str()));
        }
        let eni = self
            .primary_eni(id)
            .cloned()
            .ok_or_else(|| Ec2Error::instance_not_found(id.as_str()))?;
        if let Some(v) = p.source_dest_check {
            self.eni_mut(&eni.id).source_dest_check = v.value();
        }
        if let Some(groups) = &p.groups {
            let groups = self.set_groups_checked(&eni, groups)?;
            self.eni_mut(&eni.id).groups = groups;
        }
        Ok(Response::Return { ok: true })
    }
}
