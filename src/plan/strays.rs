//! Containers jdeploy created for a group that groups.yaml no longer lists.

use std::collections::HashSet;

use super::observed::ObservedContainer;
use crate::labels;

/// Of `found` on one host, the containers labelled as `group`'s whose names are not in
/// `listed` (the group's containers groups.yaml puts on that host). A replacement
/// half-way through `create` is not one: its name ends in `suffix_in_flight`.
pub fn strays<'a>(
    group: &str,
    found: &'a [ObservedContainer],
    listed: &HashSet<&str>,
    suffix_in_flight: &str,
) -> Vec<&'a ObservedContainer> {
    found
        .iter()
        .filter(|container| container.labels.get(labels::GROUP).map(String::as_str) == Some(group))
        .filter(|container| !listed.contains(container.name.as_str()))
        .filter(|container| !container.name.ends_with(suffix_in_flight))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::plan::ContainerState;

    fn container(name: &str, group: Option<&str>) -> ObservedContainer {
        let mut labels = BTreeMap::new();
        if let Some(group) = group {
            labels.insert(labels::GROUP.to_string(), group.to_string());
        }
        ObservedContainer {
            name: name.into(),
            state: ContainerState::Running,
            labels,
        }
    }

    #[test]
    fn only_the_groups_own_unlisted_containers_are_strays() {
        let found = [
            container("web_1", Some("web")),
            container("web_old", Some("web")),
            container("web_2-jdeploy-next", Some("web")),
            container("api_1", Some("api")),
            container("hand_made", None),
            container("jdeploy-lock.web", None),
        ];
        let listed = HashSet::from(["web_1"]);
        let names: Vec<&str> = strays("web", &found, &listed, "-jdeploy-next")
            .iter()
            .map(|container| container.name.as_str())
            .collect();
        assert_eq!(names, ["web_old"]);
    }
}
