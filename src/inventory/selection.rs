//! Picking groups and containers by name from the command line, with helpful refusals.

use super::diagnostic::{Diagnostic, Diagnostics};
use super::model::{Group, Inventory, Member};
use super::suggest::did_you_mean;

impl Inventory {
    /// The group named `name`, or an error listing the known ones.
    pub fn select_group(&self, name: &str) -> Result<&Group, Diagnostics> {
        self.group(name).ok_or_else(|| {
            let known = self.group_names().collect::<Vec<_>>().join(", ");
            let help = match did_you_mean(name, self.group_names()) {
                Some(suggestion) => format!("{suggestion} (known groups: {known})"),
                None => format!("known groups: {known}"),
            };
            Diagnostics(vec![Diagnostic::error(
                &self.file,
                format!("no unit is in group `{name}`"),
            )
            .help(help)])
        })
    }

    /// The members of `group`, narrowed to `containers` when any are named; every name must
    /// be one of the group's containers.
    pub fn select_members<'a>(
        &'a self,
        group: &'a Group,
        containers: &[String],
    ) -> Result<Vec<Member<'a>>, Diagnostics> {
        let members: Vec<Member> = self.members(&group.name).collect();
        let unknown: Vec<Diagnostic> = containers
            .iter()
            .filter(|name| {
                !members
                    .iter()
                    .any(|member| member.container == name.as_str())
            })
            .map(|name| {
                let names = members.iter().map(|member| member.container);
                let help = did_you_mean(name, names.clone()).unwrap_or_else(|| {
                    format!("its containers: {}", names.collect::<Vec<_>>().join(", "))
                });
                Diagnostic::error(
                    &self.file,
                    format!("group `{}` has no container `{name}`", group.name),
                )
                .help(help)
            })
            .collect();
        if !unknown.is_empty() {
            return Err(Diagnostics(unknown));
        }
        Ok(members
            .into_iter()
            .filter(|member| {
                containers.is_empty() || containers.iter().any(|name| name == member.container)
            })
            .collect())
    }
}
