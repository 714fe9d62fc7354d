//! Reading groups.yaml and rendering its templates, before any engine is contacted.

use tracing::{debug, info};

use super::{App, Backend, Frontend};
use crate::copies::{read_tree, CopyTree};
use crate::inventory::{self, Copy, Diagnostic, Diagnostics, Group, Inventory, Member, Sources};
use crate::render::{file_loader, Flags, GroupContext, RenderedContainer, Renderer};

impl<B: Backend> App<B> {
    /// Loads and checks the inventory with its templates and copy sources, showing its
    /// warnings.
    pub(super) fn inventory(&self, frontend: &dyn Frontend) -> Result<Inventory, Diagnostics> {
        let inventory = self.load_quietly(Sources::Checked)?;
        show_warnings(frontend, &inventory);
        Ok(inventory)
    }

    /// For commands that act on containers as they are: templates and copy sources need
    /// not be on this machine.
    pub(super) fn fleet_inventory(
        &self,
        frontend: &dyn Frontend,
    ) -> Result<Inventory, Diagnostics> {
        let inventory = self.load_quietly(Sources::Unused)?;
        show_warnings(frontend, &inventory);
        Ok(inventory)
    }

    /// Loads and checks the inventory, leaving its warnings to the caller.
    pub(super) fn load_quietly(&self, sources: Sources) -> Result<Inventory, Diagnostics> {
        let file = &self.context.file;
        let inventory = inventory::load(file, &self.context.load, sources)?;
        info!(
            file = %file.display(),
            groups = inventory.groups.len(),
            units = inventory.units.len(),
            "inventory loaded"
        );
        Ok(inventory)
    }
}

fn show_warnings(frontend: &dyn Frontend, inventory: &Inventory) {
    for warning in &inventory.warnings {
        frontend.diagnostic(warning);
    }
}

pub(super) fn renderer(inventory: &Inventory) -> Renderer {
    Renderer::new(file_loader(&inventory.base_dir))
}

/// Renders `members` of `group`; every failure is a diagnostic on its template.
pub(super) fn render_members(
    inventory: &Inventory,
    renderer: &Renderer,
    group: &Group,
    members: &[Member<'_>],
    flags: &Flags,
) -> Result<Vec<RenderedContainer>, Diagnostics> {
    renderer.check_group(group).map_err(|errors| {
        let diagnostics = errors
            .iter()
            .map(|err| err.to_diagnostic(&inventory.base_dir));
        Diagnostics(diagnostics.collect())
    })?;
    let mut rendered = Vec::new();
    let mut errors = Vec::new();
    let shared = GroupContext::new(inventory, group);
    for member in members {
        match renderer.render_in(&shared, *member, flags) {
            Ok(container) => {
                for file in &container.files {
                    debug!(container = member.container, host = %member.host().name, dest = %file.dest, bytes = file.content.len(), "rendered");
                }
                rendered.push(container);
            }
            Err(err) => errors.push(err.to_diagnostic(&inventory.base_dir)),
        }
    }
    if errors.is_empty() {
        Ok(rendered)
    } else {
        Err(Diagnostics(dedupe(errors)))
    }
}

/// One diagnostic per template error, saying how many containers hit it.
fn dedupe(errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut unique: Vec<(Diagnostic, usize)> = Vec::new();
    for error in errors {
        let same = |(known, _): &&mut (Diagnostic, usize)| {
            known.file == error.file
                && known.location == error.location
                && known.message == error.message
        };
        match unique.iter_mut().find(same) {
            Some((_, count)) => *count += 1,
            None => unique.push((error, 1)),
        }
    }
    unique
        .into_iter()
        .map(|(mut error, count)| {
            if count > 1 {
                let help = error.help.take().unwrap_or_default();
                error.help = Some(format!("{help} and {} more container(s)", count - 1));
            }
            error
        })
        .collect()
}

/// Reads copy sources whole, as deploy sends them: a file that cannot be read or copied is
/// a diagnostic at the copy's `src`.
pub(super) fn read_copies<'a>(
    inventory: &Inventory,
    copies: impl IntoIterator<Item = &'a Copy>,
) -> Result<Vec<CopyTree>, Diagnostics> {
    let mut trees = Vec::new();
    let mut errors = Vec::new();
    for copy in copies {
        match read_tree(copy) {
            Ok(tree) => trees.push(tree),
            Err(err) => errors.push(inventory.error_at(&copy.key, err.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(trees)
    } else {
        Err(Diagnostics(errors))
    }
}
