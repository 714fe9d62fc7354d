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
    // Only groups of one component can be on a cycle together: searching from each group
    // through every group it reaches made a long chain of depends_on quadratic.
    let position: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(at, group)| (group.name.as_str(), at))
        .collect();
    let edges: Vec<Vec<usize>> = groups
        .iter()
        .map(|group| {
            let known = group.depends_on.iter();
            known
                .filter_map(|name| position.get(name.as_str()).copied())
                .collect()
        })
        .collect();
    let component_of = components(&edges);
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for &component in &component_of {
        *sizes.entry(component).or_default() += 1;
    }
    let mut reported: HashSet<&str> = HashSet::new();
    for (at, group) in groups.iter().enumerate() {
        let component = component_of[at];
        if reported.contains(group.name.as_str()) || sizes[&component] < 2 {
            continue;
        }
        let same = |name: &str| position.get(name).map(|&at| component_of[at]) == Some(component);
        if let Some(cycle) = cycle_from(&group.name, &by_name, &same) {
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

/// A path of dependencies from `start` back to itself, if there is one, through groups
/// for which `same` holds: those of `start`'s component.
fn cycle_from<'a>(
    start: &'a str,
    by_name: &HashMap<&str, &'a Group>,
    same: &dyn Fn(&str) -> bool,
) -> Option<Vec<&'a str>> {
    let mut path = vec![start];
    let mut seen = HashSet::new();
    fn walk<'a>(
        path: &mut Vec<&'a str>,
        seen: &mut HashSet<&'a str>,
        by_name: &HashMap<&str, &'a Group>,
        same: &dyn Fn(&str) -> bool,
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
            if same(next) && seen.insert(next) && by_name.contains_key(next) {
                path.push(next);
                if walk(path, seen, by_name, same) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(&mut path, &mut seen, by_name, same).then_some(path)
}

/// The strongly connected component of each node of `edges` (Tarjan's algorithm, with a
/// stack of its own rather than recursion): nodes share one when each reaches the other.
fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let count = edges.len();
    let mut order = vec![UNSEEN; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; count];
    let mut next_order = 0;
    let mut found = 0;
    for root in 0..count {
        if order[root] != UNSEEN {
            continue;
        }
        // Each node being visited, with the next of its edges to follow.
        let mut visiting = vec![(root, 0)];
        order[root] = next_order;
        low[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(node, edge)) = visiting.last() {
            if let Some(&next) = edges[node].get(edge) {
                let top = visiting.len() - 1;
                visiting[top].1 += 1;
                if order[next] == UNSEEN {
                    order[next] = next_order;
                    low[next] = next_order;
                    next_order += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    visiting.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            visiting.pop();
            if let Some(&(parent, _)) = visiting.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = found;
                    if member == node {
                        break;
                    }
                }
                found += 1;
            }
        }
    }
    component
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

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn nodes_share_a_component_only_when_each_reaches_the_other() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 0 and 4 -> 4 stand alone.
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![4]];
        let found = components(&edges);
        assert_eq!(found[0], found[1]);
        assert_eq!(found[1], found[2]);
        assert_ne!(found[3], found[0]);
        assert_ne!(found[4], found[0]);
        assert_ne!(found[4], found[3]);
    }

    /// A chain as long as a groups.yaml can hold: each group alone, without recursion.
    #[test]
    fn a_long_chain_is_a_component_per_node() {
        let count = 200_000;
        let edges: Vec<Vec<usize>> = (0..count)
            .map(|at| if at + 1 < count { vec![at + 1] } else { vec![] })
            .collect();
        let found = components(&edges);
        let distinct: std::collections::HashSet<_> = found.iter().collect();
        assert_eq!(distinct.len(), count);
    }
}
