//! `groups`: what the inventory says, group by group.

use serde::{Deserialize, Serialize};

use super::{App, AppError, Backend, Frontend};
use crate::inventory::{Group, Inventory};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupsRequest {
    /// One group; all when none.
    pub group: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub name: String,
    pub image: Option<String>,
    pub containers: usize,
    pub units: Vec<UnitView>,
    /// When the server lets deployers deploy it, as groups.yaml writes them; none:
    /// always.
    pub windows: Vec<String>,
    /// The server's fleet watch restarts its exited or unhealthy containers.
    pub heal: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub host: String,
    pub endpoint: String,
    pub core: bool,
    pub containers: Vec<String>,
}

impl<B: Backend> App<B> {
    pub async fn groups(
        &self,
        request: &GroupsRequest,
        frontend: &dyn Frontend,
    ) -> Result<Vec<GroupView>, AppError> {
        let inventory = self.inventory(frontend)?;
        let selected: Vec<&Group> = match &request.group {
            Some(name) => vec![inventory.select_group(name)?],
            None => inventory.groups.iter().collect(),
        };
        Ok(selected
            .iter()
            .map(|group| view(&inventory, group))
            .collect())
    }
}

fn view(inventory: &Inventory, group: &Group) -> GroupView {
    GroupView {
        name: group.name.clone(),
        image: group.image.clone(),
        containers: inventory.members(&group.name).count(),
        units: inventory
            .units_of(&group.name)
            .map(|unit| UnitView {
                host: unit.host.name.clone(),
                endpoint: unit.host.endpoint.to_string(),
                core: unit.core,
                containers: unit.containers.clone(),
            })
            .collect(),
        windows: group.windows.0.iter().map(ToString::to_string).collect(),
        heal: group.heal,
    }
}
