//! `depends_on`: groups that must be in place before others, checked for unknown names
//! and cycles, and the order commands act on several groups in.

use std::collections::{HashMap, HashSet};

use super::checker::Checker;
use super::model::{Group, Inventory};
use super::suggest::did_you_mean;

/// Every `depends_on` names a known group, and no group depends on itself, even through
/// others.
pub fn check_dependencies(groups: &[Group], checker: &mut Checker) {
    let known: HashSet<&str> = groups.iter().map(|group| group.name.as_str()).collect();
    for group in groups {
        for (index, name) in group.depends_on.iter().enumerate() {
            let key = format!("groups.{}.depends_on[{index}]", group.name);
            if !known.contains(name.as_str()) {
                let help = did_you_mean(name, known.iter().copied());
                checker.error(&key, format!("no unit is in group `{name}`"), help);
            } else if *name == group.name {
                checker.error(
                    &key,
                    format!("group `{name}` cannot depend on itself"),
                    None,
                );
            }
        }
    }
    let by_name: HashMap<&str, &Group> = groups
        .iter()
        .map(|group| (group.name.as_str(), group))
        .collect();
    let mut reported: HashSet<&str> = HashSet::new();
    for group in groups {
        if reported.contains(group.name.as_str()) {
            continue;
        }
        if let Some(cycle) = cycle_from(&group.name, &by_name) {
            if cycle.len() > 2 {
                reported.extend(cycle.iter().copied());
                checker.error(
                    &format!("groups.{}.depends_on", group.name),
                    format!(
                        "groups depend on each other in a cycle: {}",
                        cycle.join(" -> ")
                    ),
                    Some("remove one of these depends_on entries".into()),
                );
            }
        }
    }
}

/// A path of dependencies from `start` back to itself, if there is one.
fn cycle_from<'a>(start: &'a str, by_name: &HashMap<&str, &'a Group>) -> Option<Vec<&'a str>> {
    let mut path = vec![start];
    let mut seen = HashSet::new();
    fn walk<'a>(
        path: &mut Vec<&'a str>,
        seen: &mut HashSet<&'a str>,
        by_name: &HashMap<&str, &'a Group>,
    ) -> bool {
        let at = *path.last().expect("the path starts somewhere");
        let Some(group) = by_name.get(at) else {
            return false;
        };
        for next in &group.depends_on {
            let next = next.as_str();
            if next == path[0] && next != at {
                path.push(next);
                return true;
            }
            if seen.insert(next) && by_name.contains_key(next) {
                path.push(next);
                if walk(path, seen, by_name) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(&mut path, &mut seen, by_name).then_some(path)
}

impl Inventory {
    /// `names` ordered so that each group comes after those of `names` it depends on,
    /// directly or through others; otherwise in file order.
    pub fn dependency_order<'a>(&'a self, names: &[&str]) -> Vec<&'a Group> {
        let chosen: HashSet<&str> = names.iter().copied().collect();
        let mut placed: HashSet<&str> = HashSet::new();
        let mut order = Vec::new();
        fn place<'a>(
            inventory: &'a Inventory,
            group: &'a Group,
            chosen: &HashSet<&str>,
            placed: &mut HashSet<&'a str>,
            order: &mut Vec<&'a Group>,
        ) {
            if !placed.insert(&group.name) {
                return;
            }
            for name in &group.depends_on {
                if let Some(dependency) = inventory.group(name) {
                    // Through groups not chosen too: their own dependencies still order.
                    place(inventory, dependency, chosen, placed, order);
                }
            }
            if chosen.contains(group.name.as_str()) {
                order.push(group);
            }
        }
        for group in self
            .groups
            .iter()
            .filter(|group| chosen.contains(group.name.as_str()))
        {
            place(self, group, &chosen, &mut placed, &mut order);
        }
        order
    }

    /// Whether `group` depends on `other`, directly or through other groups.
    pub fn depends_on(&self, group: &str, other: &str) -> bool {
        let mut stack = vec![group];
        let mut seen = HashSet::new();
        while let Some(name) = stack.pop() {
            let Some(current) = self.group(name) else {
                continue;
            };
            for next in &current.depends_on {
                if next == other {
                    return true;
                }
                if seen.insert(next.as_str()) {
                    stack.push(next);
                }
            }
        }
        false
    }
}
