//! `render`: each container's files, as deploy would write them.

use serde::{Deserialize, Serialize};

use super::load::{render_members, renderer};
use super::{App, AppError, Backend, Frontend};
use crate::inventory::Inventory;
use crate::render::{Flags, RenderedContainer};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenderRequest {
    pub group: String,
    /// Container names; every container of the group when empty.
    pub containers: Vec<String>,
    pub flags: Flags,
}

impl<B: Backend> App<B> {
    pub async fn render(
        &self,
        request: &RenderRequest,
        frontend: &dyn Frontend,
    ) -> Result<Vec<RenderedContainer>, AppError> {
        let inventory = self.inventory(frontend)?;
        self.render_loaded(&inventory, request)
    }

    /// `render` of an inventory already loaded with its templates checked
    /// ([`crate::inventory::load_text`]), its warnings left to the caller.
    pub fn render_loaded(
        &self,
        inventory: &Inventory,
        request: &RenderRequest,
    ) -> Result<Vec<RenderedContainer>, AppError> {
        let group = inventory.select_group(&request.group)?;
        let members = inventory.select_members(group, &request.containers)?;
        Ok(render_members(
            inventory,
            &renderer(inventory),
            group,
            &members,
            &request.flags,
        )?)
    }
}
