//! Roles, actions and grants: whether a user may do something to a group.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// What a user may do, each role allowing what the one before it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the state of its groups, and may ask for a deploy.
    Viewer,
    /// Also plans, deploys, rolls back and restarts its groups, inside deploy windows.
    Deployer,
    /// Everything on every group, outside deploy windows too: approves deploy requests
    /// and manages tokens.
    Admin,
}

impl Role {
    pub const NAMES: [&'static str; 3] = ["viewer", "deployer", "admin"];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "viewer" => Some(Role::Viewer),
            "deployer" => Some(Role::Deployer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// `a viewer`, `an admin`.
    fn with_article(self) -> String {
        match self {
            Role::Admin => "an admin".to_string(),
            role => format!("a {role}"),
        }
    }

    /// The roles that allow what `self` allows: `deployer or admin`.
    fn or_above(self) -> &'static str {
        match self {
            Role::Viewer => "a role",
            Role::Deployer => "deployer or admin",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a user asks to do, on one group or on every group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Status, groups, history, logs, a plan already made, lock status, jobs.
    Read,
    /// Work out what a deploy would change (asks the engines, renders templates).
    Plan,
    Deploy,
    Rollback,
    Restart,
    /// Approve or reject someone's deploy request.
    Approve,
    /// Ask for a deploy someone else approves.
    RequestDeploy,
    /// Create, list and revoke tokens; not about any one group.
    ManageTokens,
}

impl Action {
    /// The least role that allows it.
    pub fn needs(self) -> Role {
        match self {
            Action::Read | Action::RequestDeploy => Role::Viewer,
            Action::Plan
            | Action::Deploy
            | Action::Rollback
            | Action::Restart
            | Action::Approve => Role::Deployer,
            Action::ManageTokens => Role::Admin,
        }
    }

    /// Actions on a group; the others concern jdeploy as a whole.
    pub fn is_on_groups(self) -> bool {
        self != Action::ManageTokens
    }

    /// As a sentence names it: `deploy needs ...`, `reading needs ...`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "reading",
            Action::Plan => "plan",
            Action::Deploy => "deploy",
            Action::Rollback => "rollback",
            Action::Restart => "restart",
            Action::Approve => "approving deploy requests",
            Action::RequestDeploy => "requesting a deploy",
            Action::ManageTokens => "managing tokens",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The groups a grant covers: some by name, or all (`*`), those added later included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupScope {
    All,
    Only(Vec<String>),
}

impl GroupScope {
    pub fn covers(&self, group: &str) -> bool {
        match self {
            GroupScope::All => true,
            GroupScope::Only(groups) => groups.iter().any(|name| name == group),
        }
    }

    /// `*`, or the names as a JSON array: how the database keeps it.
    pub fn to_text(&self) -> String {
        match self {
            GroupScope::All => "*".to_string(),
            GroupScope::Only(groups) => {
                serde_json::to_string(groups).expect("a list of strings serializes")
            }
        }
    }

    pub fn from_text(text: &str) -> Option<Self> {
        if text == "*" {
            Some(GroupScope::All)
        } else {
            serde_json::from_str(text).ok().map(GroupScope::Only)
        }
    }
}

impl fmt::Display for GroupScope {
    /// `every group`, `product, api`, `no group`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupScope::All => f.write_str("every group"),
            GroupScope::Only(groups) if groups.is_empty() => f.write_str("no group"),
            GroupScope::Only(groups) => f.write_str(&groups.join(", ")),
        }
    }
}

/// `"*"` or `["product", "api"]`.
impl Serialize for GroupScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            GroupScope::All => serializer.serialize_str("*"),
            GroupScope::Only(groups) => groups.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for GroupScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Star(String),
            Names(Vec<String>),
        }
        match Written::deserialize(deserializer)? {
            Written::Star(star) if star == "*" => Ok(GroupScope::All),
            Written::Star(other) => Err(de::Error::custom(format!(
                "`{other}`: write `*` for every group, or a list of group names"
            ))),
            Written::Names(names) => Ok(GroupScope::Only(names)),
        }
    }
}

/// What one user may do: a role on some groups. An admin's role covers every group,
/// whatever its scope says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub user: String,
    pub role: Role,
    pub groups: GroupScope,
}

impl Grant {
    /// Whether the grant allows `action` on `group`; `None` means on every group (or,
    /// for actions not on groups, on jdeploy as a whole).
    pub fn check(&self, action: Action, group: Option<&str>) -> Result<(), Denied> {
        let denied = |reason| {
            Err(Denied {
                user: self.user.clone(),
                action,
                group: group.map(str::to_string),
                reason,
            })
        };
        if self.role == Role::Admin {
            return Ok(());
        }
        if !action.is_on_groups() {
            return denied(Reason::Role(self.role));
        }
        let covered = match group {
            Some(group) => self.groups.covers(group),
            None => self.groups == GroupScope::All,
        };
        if !covered {
            return denied(Reason::Groups(self.role, self.groups.clone()));
        }
        if self.role < action.needs() {
            return denied(Reason::Role(self.role));
        }
        Ok(())
    }

    /// Whether `group` is one the user may at least read: lists are filtered with it.
    pub fn sees(&self, group: &str) -> bool {
        self.role == Role::Admin || self.groups.covers(group)
    }

    /// Deploy windows bind everyone but admins.
    pub fn bypasses_windows(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Why a grant does not allow an action; its message names what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub user: String,
    pub action: Action,
    /// None: the action on every group, or on jdeploy as a whole.
    pub group: Option<String>,
    reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Reason {
    /// The role is below what the action needs.
    Role(Role),
    /// The group, or every group, is beyond the grant's scope.
    Groups(Role, GroupScope),
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = &self.user;
        let action = self.action;
        let needed = action.needs().or_above();
        match (&self.reason, &self.group) {
            (Reason::Role(role), _) if !action.is_on_groups() => write!(
                f,
                "{user} is {}; {action} needs {needed}",
                role.with_article()
            ),
            (Reason::Role(role), Some(group)) => write!(
                f,
                "{user} is {} of {group}; {action} needs {needed} on {group}",
                role.with_article()
            ),
            (Reason::Role(role), None) => write!(
                f,
                "{user} is {} of every group; {action} needs {needed}",
                role.with_article()
            ),
            (Reason::Groups(_, _), Some(group)) => write!(f, "{user} has no role on {group}"),
            (Reason::Groups(role, scope), None) => write!(
                f,
                "{user} is {} of {scope} only; {action} of every group needs {needed} on every group",
                role.with_article()
            ),
        }
    }
}

impl std::error::Error for Denied {}
