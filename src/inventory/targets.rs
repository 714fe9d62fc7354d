//! Which containers a fleet command acts on: a group or all of them, narrowed by host and
//! container globs. Every pattern must match something, so a typo never quietly acts on
//! fewer containers than meant.

use std::collections::HashSet;

use globset::{Glob, GlobMatcher};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::model::{Group, Inventory, Member};
use super::suggest::did_you_mean;

/// The selection as the command line gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    /// One group; every group when none.
    pub group: Option<String>,
    /// Globs on `host` values, as groups.yaml spells them; any may match.
    pub hosts: Vec<String>,
    /// Globs on container names; any may match.
    pub containers: Vec<String>,
}

/// One selected container.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub member: Member<'a>,
    /// The group selected, or every group of the unit when all are.
    pub group: String,
    /// The group whose container settings (stop timeout) apply; across groups, the one
    /// with the longest stop timeout.
    pub settings: &'a Group,
}

struct Pattern {
    text: String,
    matcher: GlobMatcher,
}

impl Inventory {
    /// The selected containers in file order, each once.
    pub fn select(&self, selection: &Selection) -> Result<Vec<Target<'_>>, Diagnostics> {
        let scope: Vec<Target> = match &selection.group {
            Some(name) => {
                let group = self.select_group(name)?;
                self.members(&group.name)
                    .map(|member| Target {
                        member,
                        group: group.name.clone(),
                        settings: group,
                    })
                    .collect()
            }
            None => self.every_target(),
        };
        let hosts = self.patterns("--host", &selection.hosts)?;
        let containers = self.patterns("--container", &selection.containers)?;
        let within = match &selection.group {
            Some(name) => format!("group `{name}`"),
            None => "groups.yaml".to_string(),
        };
        let mut unmatched = Vec::new();
        unmatched.extend(self.unmatched(&hosts, &scope, &within, "host", |target| {
            vec![
                target.member.host().name.clone(),
                target.member.host().identity.clone(),
            ]
        }));
        unmatched.extend(
            self.unmatched(&containers, &scope, &within, "container", |target| {
                vec![target.member.container.to_string()]
            }),
        );
        if !unmatched.is_empty() {
            return Err(Diagnostics(unmatched));
        }
        let selected: Vec<Target> = scope
            .into_iter()
            .filter(|target| {
                let host = target.member.host();
                any_or_none(&hosts, &[&host.name, &host.identity])
                    && any_or_none(&containers, &[target.member.container])
            })
            .collect();
        if selected.is_empty() {
            return Err(Diagnostics(vec![Diagnostic::error(
                &self.file,
                format!(
                    "no container of {within} matches both {} and {}",
                    listed("--host", &selection.hosts),
                    listed("--container", &selection.containers)
                ),
            )
            .help("`jdeploy groups` lists every group's containers and hosts")]));
        }
        Ok(selected)
    }

    /// Every container in the file once, with all the groups of its unit.
    fn every_target(&self) -> Vec<Target<'_>> {
        self.units
            .iter()
            .flat_map(|unit| {
                // The most patient of its groups' stop timeouts.
                let settings = unit
                    .groups
                    .iter()
                    .filter_map(|name| self.group(name))
                    .max_by_key(|group| group.container.stop_timeout)
                    .expect("every unit's groups are defined");
                unit.containers.iter().map(move |container| Target {
                    member: Member { unit, container },
                    group: unit.groups.join(","),
                    settings,
                })
            })
            .collect()
    }

    fn patterns(&self, flag: &str, texts: &[String]) -> Result<Vec<Pattern>, Diagnostics> {
        let mut patterns = Vec::new();
        let mut errors = Vec::new();
        for text in texts {
            match Glob::new(text) {
                Ok(glob) => patterns.push(Pattern {
                    text: text.clone(),
                    matcher: glob.compile_matcher(),
                }),
                Err(err) => errors.push(
                    Diagnostic::error(
                        &self.file,
                        format!("`{flag} {text}` is not a valid pattern: {}", err.kind()),
                    )
                    .help("patterns take * ? [abc] and {a,b}; quote them from the shell"),
                ),
            }
        }
        if errors.is_empty() {
            Ok(patterns)
        } else {
            Err(Diagnostics(errors))
        }
    }

    /// A diagnostic for each pattern that matches no name in `scope`.
    fn unmatched(
        &self,
        patterns: &[Pattern],
        scope: &[Target],
        within: &str,
        noun: &str,
        names: impl Fn(&Target) -> Vec<String>,
    ) -> Vec<Diagnostic> {
        let unmatched: Vec<&Pattern> = patterns
            .iter()
            .filter(|pattern| {
                !scope.iter().any(|target| {
                    names(target)
                        .iter()
                        .any(|name| pattern.matcher.is_match(name))
                })
            })
            .collect();
        if unmatched.is_empty() {
            return Vec::new();
        }
        // Only for the message: ten thousand containers are listed once each.
        let mut seen = HashSet::new();
        let known: Vec<String> = scope
            .iter()
            .map(|target| names(target).remove(0))
            .filter(|name| seen.insert(name.clone()))
            .collect();
        unmatched
            .into_iter()
            .map(|pattern| {
                let listed = format!("its {noun}s: {}", known.join(", "));
                let help = match did_you_mean(&pattern.text, known.iter().map(String::as_str)) {
                    Some(suggestion) => format!("{suggestion} ({listed})"),
                    None => listed,
                };
                Diagnostic::error(
                    &self.file,
                    format!("no {noun} of {within} matches `{}`", pattern.text),
                )
                .help(help)
            })
            .collect()
    }
}

fn any_or_none(patterns: &[Pattern], names: &[&str]) -> bool {
    patterns.is_empty()
        || patterns
            .iter()
            .any(|pattern| names.iter().any(|name| pattern.matcher.is_match(name)))
}

fn listed(flag: &str, texts: &[String]) -> String {
    if texts.is_empty() {
        format!("any {}", flag.trim_start_matches('-'))
    } else {
        texts
            .iter()
            .map(|text| format!("`{flag} {text}`"))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}
