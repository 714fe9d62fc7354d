//! Renders each container's `/run.sh` and the group's other templates with minijinja.

mod context;
mod error;
mod loader;
mod output;
pub mod shell;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::inventory::{Group, Inventory, Member};

pub use context::{context, Context, GroupContext};
pub use error::RenderError;
pub use loader::{file_loader, MAX_TEMPLATE_BYTES};
pub use output::{MAX_OUTPUT_BYTES, MAX_STEPS};

/// The deploy flags templates see.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flags {
    /// `--monitor`: MONITOR_ENABLED=1.
    pub monitor: bool,
    /// `--mode M`: RUNTIME_MODE=M.
    pub mode: Option<String>,
}

/// One file to write into a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFile {
    pub dest: String,
    pub mode: u32,
    pub template: String,
    pub content: String,
}

/// Every file rendered for one container of a group.
#[derive(Debug, Clone, Serialize)]
pub struct RenderedContainer {
    pub group: String,
    pub host: String,
    pub container: String,
    pub core: bool,
    pub files: Vec<RenderedFile>,
}

#[cfg(test)]
impl RenderedContainer {
    /// Container `c` of group `g` on `h` with only a `/run.sh`: enough for the layers
    /// that build on renders (bundles, manifests, plans) to be tested alone.
    pub(crate) fn with_run_sh(run_sh: &str) -> Self {
        Self {
            group: "g".into(),
            host: "h".into(),
            container: "c".into(),
            core: false,
            files: vec![RenderedFile {
                dest: "/run.sh".into(),
                mode: 0o755,
                template: "run.sh.j2".into(),
                content: run_sh.into(),
            }],
        }
    }
}

/// Templates by the name the inventory gives them; the source comes from a loader so that
/// the file system stays at the edge.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// `loader` gives a template's source, `None` when there is no such template.
    pub fn new(
        loader: impl Fn(&str) -> Result<Option<String>, minijinja::Error> + Send + Sync + 'static,
    ) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_debug(true);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let syntax = env
            .syntax()
            .to_builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("whitespace options never conflict");
        env.set_syntax(syntax);
        env.set_formatter(output::formatter);
        env.set_fuel(Some(MAX_STEPS));
        env.add_filter("quote", shell::quote_filter);
        env.add_filter("line", output::line_filter);
        env.set_loader(loader);
        Self { env }
    }

    /// Compiles every template of `group`, so syntax errors surface before any rendering;
    /// returns every broken template, not only the first.
    pub fn check_group(&self, group: &Group) -> Result<(), Vec<RenderError>> {
        let errors: Vec<RenderError> = group
            .all_templates()
            .filter_map(|template| {
                let compiled = self.env.get_template(&template.name);
                compiled
                    .err()
                    .map(|err| RenderError::from_template(&template.name, &err))
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Renders `/run.sh` and the group's other templates for one container.
    pub fn render(
        &self,
        inventory: &Inventory,
        group: &Group,
        member: Member<'_>,
        flags: &Flags,
    ) -> Result<RenderedContainer, RenderError> {
        self.render_in(&GroupContext::new(inventory, group), member, flags)
    }

    /// As `render`, with the group's shared context built once for all its containers.
    pub fn render_in(
        &self,
        shared: &GroupContext<'_>,
        member: Member<'_>,
        flags: &Flags,
    ) -> Result<RenderedContainer, RenderError> {
        let group = shared.group;
        let env_set =
            shell::env_set(flags).map_err(|err| RenderError::from_template("--mode", &err))?;
        let context = Value::from(Serde(context(shared, member, flags, env_set)));
        let mut files = Vec::new();
        for template in group.all_templates() {
            let content = self
                .env
                .get_template(&template.name)
                .map_err(|err| RenderError::from_template(&template.name, &err))
                .and_then(|compiled| output::render(&compiled, &context))
                .map_err(|err| err.for_member(member))?;
            files.push(RenderedFile {
                dest: template.dest.clone(),
                mode: template.mode,
                template: template.name.clone(),
                content,
            });
        }
        Ok(RenderedContainer {
            group: group.name.clone(),
            host: member.host().name.clone(),
            container: member.container.to_string(),
            core: member.is_core(),
            files,
        })
    }
}

#[cfg(test)]
mod tests;
