//! groups.yaml: parse it, check it, and model it for the other layers.

mod checker;
pub mod container;
mod deploy_files;
mod depth;
mod diagnostic;
pub mod endpoint;
mod files;
pub mod gates;
pub mod hooks;
mod hosts;
mod model;
pub mod notify;
mod order;
mod raw;
mod secret_names;
mod selection;
mod settings;
mod source_map;
pub mod suggest;
mod targets;
mod validate;
pub mod windows;

use std::path::Path;

pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};
pub use files::{check_files, Sources};
pub use model::{resolve, Connection, Copy, Group, Host, Inventory, Member, TemplateFile, Unit};
pub use secret_names::SecretName;
pub use settings::{is_env_name, DEFAULT_RUN_TEMPLATE, RUN_SH};
pub use targets::{Selection, Target};
pub use validate::{parse_inventory, LoadOptions};
pub use windows::{DeployWindow, DeployWindows};

/// Reads `file` and checks it, including that the files it names exist: the templates
/// and copy sources too unless `sources` says they are not used.
pub fn load(
    file: &Path,
    options: &LoadOptions,
    sources: Sources,
) -> Result<Inventory, Diagnostics> {
    let text = std::fs::read_to_string(file).map_err(|err| {
        Diagnostics(vec![Diagnostic::error(
            file,
            format!("cannot read the file: {err}"),
        )
        .help("pass the inventory with -f FILE; it defaults to ./groups.yaml")])
    })?;
    load_text(&text, file, options, sources)
}

/// As [`load`], with the text of `file` already read: parsed and checked as if read from
/// `file`, whose folder holds the files it names.
pub fn load_text(
    text: &str,
    file: &Path,
    options: &LoadOptions,
    sources: Sources,
) -> Result<Inventory, Diagnostics> {
    let base_dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let inventory = parse_inventory(text, file, base_dir, options)?;
    check_files(&inventory, sources)?;
    Ok(inventory)
}

#[cfg(test)]
mod tests;
