//! groups.yaml text built from parts, laid out the way a person writes it (flow lists,
//! two-space indents), so that the line and column of each key stay predictable.

/// A groups.yaml: images, other top-level sections, defaults, group settings and units,
/// written in that order.
#[derive(Default)]
pub struct Fleet {
    images: String,
    sections: String,
    defaults: String,
    groups: Vec<(String, String)>,
    units: Vec<Unit>,
}

struct Unit {
    host: String,
    dockers: Vec<String>,
    group: String,
    core: bool,
}

/// A unit's `group:` as it is written: `"g"` for `group: g`, `&["g", "h"]` for
/// `group: [g, h]`. jdeploy reads both; they differ only in how errors name the key.
pub trait Group {
    fn yaml(&self) -> String;
}

impl Group for &str {
    fn yaml(&self) -> String {
        self.to_string()
    }
}

impl<const N: usize> Group for &[&str; N] {
    fn yaml(&self) -> String {
        format!("[{}]", self.join(", "))
    }
}

/// `yaml` with every line indented by `by` spaces and ending in a newline.
fn indent(yaml: &str, by: usize) -> String {
    yaml.lines()
        .map(|line| format!("{:by$}{line}\n", ""))
        .collect()
}

impl Fleet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn image(mut self, group: &str, image: &str) -> Self {
        self.images += &format!("  {group}: {image}\n");
        self
    }

    /// Any other top-level key, as written: `"releases:\n  keep: 3"`. Empty adds nothing.
    pub fn section(mut self, yaml: &str) -> Self {
        self.sections += &indent(yaml, 0);
        self
    }

    /// Keys under `defaults:`, written unindented: `"stop_timeout: 1\nenv:\n  STAGE: one"`.
    pub fn defaults(mut self, yaml: &str) -> Self {
        self.defaults += &indent(yaml, 2);
        self
    }

    /// Keys under `groups.<group>:`, written unindented.
    pub fn group_setting(mut self, group: &str, yaml: &str) -> Self {
        match self.groups.iter_mut().find(|(name, _)| name == group) {
            Some((_, settings)) => *settings += &indent(yaml, 4),
            None => self.groups.push((group.to_string(), indent(yaml, 4))),
        }
        self
    }

    pub fn unit(mut self, host: &str, dockers: &[&str], group: impl Group) -> Self {
        self.units.push(Unit {
            host: host.to_string(),
            dockers: dockers.iter().map(|name| name.to_string()).collect(),
            group: group.yaml(),
            core: false,
        });
        self
    }

    /// Makes the unit added last the core one.
    pub fn core(mut self) -> Self {
        self.units.last_mut().expect("a unit to make core").core = true;
        self
    }

    pub fn to_yaml(&self) -> String {
        let mut yaml = String::new();
        if !self.images.is_empty() {
            yaml += &format!("images:\n{}", self.images);
        }
        yaml += &self.sections;
        if !self.defaults.is_empty() {
            yaml += &format!("defaults:\n{}", self.defaults);
        }
        if !self.groups.is_empty() {
            yaml += "groups:\n";
            for (group, settings) in &self.groups {
                yaml += &format!("  {group}:\n{settings}");
            }
        }
        if self.units.is_empty() {
            yaml += "units: []\n";
        } else {
            yaml += "units:\n";
        }
        for unit in &self.units {
            yaml += &format!(
                "  - host: {}\n    dockers: [{}]\n    group: {}\n",
                unit.host,
                unit.dockers.join(", "),
                unit.group
            );
            if unit.core {
                yaml += "    core: true\n";
            }
        }
        yaml
    }
}
