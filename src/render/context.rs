//! What a template sees for one container.

use minijinja::value::Serde;
use minijinja::Value;
use serde::Serialize;

use crate::inventory::{Group, Inventory, Member};

use super::Flags;

#[derive(Debug, Serialize)]
pub struct Context<'a> {
    pub host: &'a str,
    pub container: &'a str,
    pub group: &'a str,
    pub core: bool,
    pub monitor: bool,
    pub mode: Option<&'a str>,
    pub image: Option<&'a str>,
    /// `export` lines for MONITOR_ENABLED and RUNTIME_MODE, values quoted.
    pub env_set: String,
    /// The group's core block for core units, empty for the others.
    pub core_cmd: &'a str,
    /// The group's first core container, or none when the group has no core unit.
    pub master: Value,
    pub masters: Value,
    pub units: Value,
    /// The group's user variables.
    pub vars: Value,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct ContainerRef<'a> {
    pub host: &'a str,
    pub container: &'a str,
}

#[derive(Debug, Serialize)]
pub struct UnitRef<'a> {
    pub host: &'a str,
    pub dockers: &'a [String],
    pub core: bool,
}

/// What every container of a group sees alike, converted once: template values share it
/// by reference count, where copying the unit list or the variables into each container's
/// context made rendering a group quadratic in its size.
#[derive(Debug, Clone)]
pub struct GroupContext<'a> {
    pub inventory: &'a Inventory,
    pub group: &'a Group,
    master: Value,
    masters: Value,
    units: Value,
    vars: Value,
}

impl<'a> GroupContext<'a> {
    pub fn new(inventory: &'a Inventory, group: &'a Group) -> Self {
        let masters: Vec<ContainerRef> = inventory
            .members(&group.name)
            .filter(|member| member.is_core())
            .map(|member| ContainerRef {
                host: &member.unit.host.name,
                container: member.container,
            })
            .collect();
        let units: Vec<UnitRef> = inventory
            .units_of(&group.name)
            .map(|unit| UnitRef {
                host: &unit.host.name,
                dockers: &unit.containers,
                core: unit.core,
            })
            .collect();
        Self {
            inventory,
            group,
            master: Value::from(Serde(masters.first())),
            masters: Value::from(Serde(&masters)),
            units: Value::from(Serde(&units)),
            vars: Value::from(Serde(&group.vars)),
        }
    }
}

pub fn context<'a>(
    shared: &'a GroupContext<'a>,
    member: Member<'a>,
    flags: &'a Flags,
    env_set: String,
) -> Context<'a> {
    let group = shared.group;
    Context {
        host: &member.unit.host.name,
        container: member.container,
        group: &group.name,
        core: member.is_core(),
        monitor: flags.monitor,
        mode: flags.mode.as_deref(),
        image: group.image.as_deref(),
        env_set,
        core_cmd: if member.is_core() {
            &group.core_cmd
        } else {
            ""
        },
        master: shared.master.clone(),
        masters: shared.masters.clone(),
        units: shared.units.clone(),
        vars: shared.vars.clone(),
    }
}
