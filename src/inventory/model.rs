//! The validated inventory: what every command works from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::container::ContainerSpec;
use super::diagnostic::{Diagnostic, Diagnostics, Location};
use super::endpoint::Endpoint;
use super::source_map::SourceMap;

#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// The groups.yaml read, as named on the command line.
    pub file: PathBuf,
    /// Relative paths in the file (templates, copy sources, TLS material) start here.
    pub base_dir: PathBuf,
    pub units: Vec<Unit>,
    /// In the order units first name them.
    pub groups: Vec<Group>,
    pub connection: Connection,
    /// Releases each container keeps for rollback, the one in place included.
    pub keep_releases: u32,
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
    /// Where each key stands in the file, to place diagnostics found after loading.
    #[serde(skip)]
    pub source_map: SourceMap,
    /// Lookups by group name, so commands stay linear with thousands of groups.
    #[serde(skip)]
    pub(super) index: GroupIndex,
}

/// Each group's position in `groups` and its units' positions in `units`, in file order.
#[derive(Debug, Clone, Default)]
pub(super) struct GroupIndex {
    groups: HashMap<String, usize>,
    units: HashMap<String, Vec<usize>>,
}

impl GroupIndex {
    pub(super) fn new(groups: &[Group], units: &[Unit]) -> Self {
        let mut index = Self::default();
        for (at, group) in groups.iter().enumerate() {
            index.groups.entry(group.name.clone()).or_insert(at);
        }
        for (at, unit) in units.iter().enumerate() {
            for name in &unit.groups {
                let members = index.units.entry(name.clone()).or_default();
                // A unit naming a group twice is still one member of it.
                if members.last() != Some(&at) {
                    members.push(at);
                }
            }
        }
        index
    }
}

pub const DEFAULT_KEEP_RELEASES: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Host {
    /// The `host` value as written in the file.
    pub name: String,
    pub endpoint: Endpoint,
    /// The same for every spelling of one engine; one client serves each identity.
    #[serde(skip)]
    pub identity: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub host: Host,
    pub containers: Vec<String>,
    pub groups: Vec<String>,
    pub core: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub image: Option<String>,
    /// Shell block rendered into core units' `/run.sh`.
    pub core_cmd: String,
    pub container: ContainerSpec,
    /// Variables whose values come from this machine at `create`; names only here.
    pub secrets: Vec<super::secret_names::SecretName>,
    pub run_template: TemplateFile,
    /// Extra files rendered into every container of the group.
    pub templates: Vec<TemplateFile>,
    pub copies: Vec<Copy>,
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// How deploy, restart and rollback move through the group.
    pub rollout: super::gates::RolloutPolicy,
    /// Groups put in place before this one when commands act on several.
    pub depends_on: Vec<String>,
    /// Commands run here around a deploy, and in each container around its restart.
    pub hooks: super::hooks::Hooks,
    /// Webhooks told when a command on the group starts, succeeds, fails or rolls back.
    pub notify: Vec<super::notify::NotifyTarget>,
    /// When deploys may start; always, when there are none. Admins deploy outside them.
    pub windows: super::windows::DeployWindows,
    /// Whether the server's fleet watch restarts containers it finds exited or unhealthy.
    pub heal: bool,
    /// Where the group is first named, for messages about the group as a whole.
    #[serde(skip)]
    pub defined_at: Option<Location>,
}

/// A template rendered into each container at `dest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateFile {
    /// The path as written in the file; templates are named by it in messages.
    pub name: String,
    pub path: PathBuf,
    pub dest: String,
    pub mode: u32,
    /// The key that configured it, when it was not jdeploy's default.
    #[serde(skip)]
    pub key: Option<String>,
}

/// A local directory copied into each container on deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Copy {
    pub src: PathBuf,
    pub dest: String,
    /// Empty `dest` before copying, so files removed from `src` do not linger.
    pub clean: bool,
    #[serde(skip)]
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// Port for bare `host` addresses.
    pub port: u16,
    /// Seconds to wait for a host to answer before its units fail.
    pub timeout_secs: u32,
    /// Docker API calls in flight at once per host.
    pub parallel: u32,
    /// Connections open at once across the whole fleet, in use or kept for a host's next
    /// call: with many hosts, the open-file limit of the machine running jdeploy is the
    /// bound that matters.
    pub max_open: u32,
    /// Seconds any one API call may take once connected (a restart gets the stop
    /// timeout on top): past it, an engine that stopped answering fails its units.
    pub request_timeout_secs: u32,
}

impl Default for Connection {
    fn default() -> Self {
        Self {
            port: 2375,
            timeout_secs: 10,
            parallel: 8,
            max_open: 256,
            request_timeout_secs: 120,
        }
    }
}

/// One container of a group, with the unit it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    pub unit: &'a Unit,
    pub container: &'a str,
}

impl Member<'_> {
    pub fn host(&self) -> &Host {
        &self.unit.host
    }

    pub fn is_core(&self) -> bool {
        self.unit.core
    }
}

impl Inventory {
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.index.groups.get(name).map(|&at| &self.groups[at])
    }

    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|group| group.name.as_str())
    }

    /// The units that belong to `group`, in file order.
    pub fn units_of<'a>(&'a self, group: &str) -> impl Iterator<Item = &'a Unit> + 'a {
        let at = self.index.units.get(group).map_or(&[][..], Vec::as_slice);
        at.iter().map(|&at| &self.units[at])
    }

    /// Every container of `group`, in file order.
    pub fn members<'a>(&'a self, group: &'a str) -> impl Iterator<Item = Member<'a>> + 'a {
        self.units_of(group).flat_map(|unit| {
            unit.containers
                .iter()
                .map(move |container| Member { unit, container })
        })
    }

    /// Distinct engines in file order, however their `host` values are spelled.
    pub fn hosts(&self) -> Vec<&Host> {
        let mut seen: HashSet<&str> = HashSet::new();
        self.units
            .iter()
            .map(|unit| &unit.host)
            .filter(|host| seen.insert(&host.identity))
            .collect()
    }

    pub fn container_count(&self) -> usize {
        self.units.iter().map(|unit| unit.containers.len()).sum()
    }

    /// An error at `key` of the file (`key` empty: the file as a whole).
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        self.source_map
            .locate(Diagnostic::error(&self.file, message), key)
    }

    /// `create` needs an image; this says, in the file's terms, when a group has none.
    pub fn require_image<'a>(&self, group: &'a Group) -> Result<&'a str, Diagnostics> {
        group.image.as_deref().ok_or_else(|| {
            Diagnostics(vec![Diagnostic::error(
                &self.file,
                format!(
                    "group `{}` has no image to create its containers from",
                    group.name
                ),
            )
            .at(group.defined_at)
            .help(format!(
                "set `images.{0}` or `groups.{0}.image` (or `defaults.image`)",
                group.name
            ))])
        })
    }
}

impl Group {
    /// Every template the group renders, `/run.sh` first.
    pub fn all_templates(&self) -> impl Iterator<Item = &TemplateFile> {
        std::iter::once(&self.run_template).chain(&self.templates)
    }
}

/// `base` joined with `path` unless `path` is absolute; relative to the working directory
/// it stays as written, which reads better in messages.
pub fn resolve(base: &Path, path: &str) -> PathBuf {
    if base == Path::new(".") {
        PathBuf::from(path)
    } else {
        base.join(path)
    }
}
