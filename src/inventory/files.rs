//! Checks that the files the inventory names exist: templates, copy sources, TLS material.
//! Kept apart from parsing because it is the only part that touches the file system.

use std::collections::HashSet;
use std::path::Path;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::endpoint::Endpoint;
use super::model::Inventory;

/// Whether the command reads templates and copy sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    Checked,
    /// Commands that act on containers as they are (status, rollback, ...) run where
    /// only groups.yaml is, such as a CI runner.
    Unused,
}

pub fn check_files(inventory: &Inventory, sources: Sources) -> Result<(), Diagnostics> {
    let mut errors = Vec::new();
    let mut checked: HashSet<&Path> = HashSet::new();
    let groups = match sources {
        Sources::Checked => &inventory.groups[..],
        Sources::Unused => &[],
    };
    for group in groups {
        for template in group.all_templates() {
            if checked.insert(&template.path) && !template.path.is_file() {
                let message = format!(
                    "template `{}` not found at {}",
                    template.name,
                    template.path.display()
                );
                errors.push(match &template.key {
                    Some(key) => inventory.error_at(key, message),
                    None => inventory
                        .error_at("", message)
                        .help("create it, or set `run_template` (in `defaults` or the group)"),
                });
            }
        }
        for copy in &group.copies {
            if !checked.insert(&copy.src) {
                continue;
            }
            let src = copy.src.display();
            // A file would copy nothing, and `clean` would still empty `dest`.
            let problem = if !copy.src.exists() {
                Some(format!("copy source {src} does not exist"))
            } else if !copy.src.is_dir() {
                Some(format!("copy source {src} is not a directory"))
            } else {
                None
            };
            if let Some(message) = problem {
                errors.push(inventory.error_at(&copy.key, message));
            }
        }
    }
    for host in inventory.hosts() {
        let Endpoint::Tcp { tls: Some(tls), .. } = &host.endpoint else {
            continue;
        };
        for (what, path) in [
            ("CA certificate", &tls.ca),
            ("client certificate", &tls.cert),
            ("client key", &tls.key),
        ] {
            if checked.insert(path) && !path.is_file() {
                let message = format!("{what} for {} not found at {}", host.name, path.display());
                errors.push(match &tls.configured_at {
                    Some(key) => inventory.error_at(key, message),
                    None => Diagnostic::error(&inventory.file, message)
                        .help("TLS material comes from DOCKER_CERT_PATH"),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(errors))
    }
}
