//! `validate`: everything checked, every template rendered, nothing touched.

use serde::{Deserialize, Serialize};

use std::collections::HashSet;

use super::load::{read_copies, render_members, renderer};
use super::{App, AppError, Backend, Frontend};
use crate::inventory::{Diagnostic, Diagnostics, Inventory, Severity, Sources};
use crate::render::Flags;
use crate::secrets::check_all;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ValidateRequest {
    /// Warnings are errors.
    pub strict: bool,
    pub flags: Flags,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    pub ok: bool,
    pub file: String,
    pub groups: usize,
    pub units: usize,
    pub containers: usize,
    pub hosts: usize,
    pub rendered_files: usize,
    pub warnings: Vec<Diagnostic>,
}

impl<B: Backend> App<B> {
    pub async fn validate(
        &self,
        request: &ValidateRequest,
        frontend: &dyn Frontend,
    ) -> Result<ValidateReport, AppError> {
        // Under strict, warnings are errors, reported with the rest rather than twice.
        let inventory = if request.strict {
            self.load_quietly(Sources::Checked)?
        } else {
            self.inventory(frontend)?
        };
        self.validate_loaded(&inventory, request)
    }

    /// `validate` of an inventory already loaded with its templates and copy sources
    /// checked ([`crate::inventory::load_text`]), its warnings left to the caller: every
    /// template rendered, every copy source read, every secret looked up.
    pub fn validate_loaded(
        &self,
        inventory: &Inventory,
        request: &ValidateRequest,
    ) -> Result<ValidateReport, AppError> {
        let mut errors: Vec<Diagnostic> = Vec::new();
        if request.strict {
            errors.extend(inventory.warnings.iter().cloned().map(|mut warning| {
                warning.severity = Severity::Error;
                warning
            }));
        }
        let renderer = renderer(inventory);
        let mut rendered_files = 0;
        for group in &inventory.groups {
            let members: Vec<_> = inventory.members(&group.name).collect();
            match render_members(inventory, &renderer, group, &members, &request.flags) {
                Ok(rendered) => {
                    rendered_files += rendered.iter().map(|c| c.files.len()).sum::<usize>()
                }
                Err(Diagnostics(found)) => {
                    for diagnostic in found {
                        if !errors.contains(&diagnostic) {
                            errors.push(diagnostic);
                        }
                    }
                }
            }
        }
        // Each copy read once, though groups share those in `defaults`; read as deploy reads
        // them, so that what deploy cannot send fails here.
        let mut read = HashSet::new();
        let copies = inventory
            .groups
            .iter()
            .flat_map(|group| &group.copies)
            .filter(|copy| read.insert(&copy.key));
        if let Err(Diagnostics(found)) = read_copies(inventory, copies) {
            errors.extend(found);
        }
        // What `create` will need: CI runs validate where create will run.
        errors.extend(check_all(inventory, &self.secret_store(inventory)));
        if !errors.is_empty() {
            return Err(Diagnostics(errors).into());
        }
        Ok(ValidateReport {
            ok: true,
            file: inventory.file.display().to_string(),
            groups: inventory.groups.len(),
            units: inventory.units.len(),
            containers: inventory.container_count(),
            hosts: inventory.hosts().len(),
            rendered_files,
            warnings: inventory.warnings.clone(),
        })
    }
}
