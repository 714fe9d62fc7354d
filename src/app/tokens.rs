//! `token create`, `token ls` and `token revoke`: the API tokens of the server, kept in
//! the history database as hashes. Creating and revoking are recorded in the audit log.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{App, AppError, Backend};
use crate::access::{GroupScope, Role};
use crate::history::{AuditResult, History, NewAudit, TokenRow, TokenSelector};
use crate::inventory::Sources;

/// `token create`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenCreateRequest {
    /// Whom the token speaks for.
    pub user: String,
    pub role: Role,
    /// The groups the role is on; an admin's are every group.
    pub groups: GroupScope,
    /// Who makes it: `user@machine` on the command line, the admin's user on the server.
    pub created_by: String,
}

/// A new token, shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct TokenCreated {
    #[serde(flatten)]
    pub row: TokenRow,
    /// The token itself; only its hash is kept.
    #[serde(rename = "token")]
    pub secret: String,
}

/// `token ls`: every token, revoked ones too, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct TokenListReport {
    pub state: PathBuf,
    pub tokens: Vec<TokenRow>,
}

/// `token revoke`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRevokeRequest {
    pub which: TokenSelector,
    /// Who revokes, as in [`TokenCreateRequest::created_by`].
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenRevokeReport {
    pub which: TokenSelector,
    /// Tokens revoked now; 0 when every one it names was revoked already.
    pub revoked: usize,
}

impl<B: Backend> App<B> {
    pub async fn token_create(
        &self,
        request: &TokenCreateRequest,
    ) -> Result<TokenCreated, AppError> {
        check_user(&request.user)?;
        let groups = self.token_groups(request.role, &request.groups)?;
        let history = History::open(&self.context.state)?;
        let (row, secret) =
            history.create_token(&request.user, request.role, &groups, &request.created_by)?;
        history.record_audit(&NewAudit {
            user: request.created_by.clone(),
            action: "token create".into(),
            group: None,
            detail: serde_json::json!({
                "token_id": row.id,
                "user": row.user,
                "role": row.role,
                "groups": row.groups,
            }),
            result: AuditResult::Ok,
            job_id: None,
        })?;
        Ok(TokenCreated { row, secret })
    }

    pub async fn token_list(&self) -> Result<TokenListReport, AppError> {
        let state = &self.context.state;
        let tokens = match History::open_existing(state)? {
            Some(history) => history.list_tokens()?,
            None => Vec::new(),
        };
        Ok(TokenListReport {
            state: state.clone(),
            tokens,
        })
    }

    /// Revokes what `which` names; refused when it names no token at all.
    pub async fn token_revoke(
        &self,
        request: &TokenRevokeRequest,
    ) -> Result<TokenRevokeReport, AppError> {
        let state = &self.context.state;
        let which = &request.which;
        let no_such = || {
            let what = match which {
                TokenSelector::Id(id) => format!("no token {id}"),
                TokenSelector::User(user) => format!("no token of user {user}"),
            };
            AppError::Refused(format!(
                "{what} in {}; `jdeploy token ls` lists them",
                state.display()
            ))
        };
        let history = History::open_existing(state)?.ok_or_else(no_such)?;
        let revoked = history.revoke_tokens(which)?;
        if revoked == 0 {
            let named = history.list_tokens()?.into_iter().any(|row| match which {
                TokenSelector::Id(id) => row.id == *id,
                TokenSelector::User(user) => row.user == *user,
            });
            if !named {
                return Err(no_such());
            }
        } else {
            history.record_audit(&NewAudit {
                user: request.by.clone(),
                action: "token revoke".into(),
                group: None,
                detail: serde_json::json!({ "which": which, "revoked": revoked }),
                result: AuditResult::Ok,
                job_id: None,
            })?;
        }
        Ok(TokenRevokeReport {
            which: which.clone(),
            revoked,
        })
    }

    /// The groups a new token is for: each one groups.yaml has, none left out unless the
    /// token is for every group, and an admin's for every group.
    fn token_groups(&self, role: Role, groups: &GroupScope) -> Result<GroupScope, AppError> {
        let names = match (role, groups) {
            (_, GroupScope::All) => return Ok(GroupScope::All),
            (Role::Admin, GroupScope::Only(names)) if names.is_empty() => {
                return Ok(GroupScope::All)
            }
            (Role::Admin, GroupScope::Only(_)) => {
                return Err(AppError::Refused(
                    "an admin has every group; leave out --group".into(),
                ))
            }
            (role, GroupScope::Only(names)) if names.is_empty() => {
                return Err(AppError::Refused(format!(
                    "a {role} needs the groups it is for: --group G (repeatable), or --all-groups"
                )))
            }
            (_, GroupScope::Only(names)) => names,
        };
        let inventory = self.load_quietly(Sources::Unused)?;
        let mut checked: Vec<String> = Vec::new();
        for name in names {
            inventory.select_group(name)?;
            if !checked.contains(name) {
                checked.push(name.clone());
            }
        }
        Ok(GroupScope::Only(checked))
    }
}

/// A name shown in tables and logs: something, without blanks or control characters.
fn check_user(user: &str) -> Result<(), AppError> {
    if user.is_empty() || user.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::Refused(format!(
            "{user:?} is not a user name: write one word, such as alice or ci-bot"
        )));
    }
    Ok(())
}
