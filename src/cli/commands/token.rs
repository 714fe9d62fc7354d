//! `jdeploy token create`, `token ls` and `token revoke`.

use super::{app, written};
use crate::access::{GroupScope, Role};
use crate::app::{TokenCreateRequest, TokenRevokeRequest};
use crate::cli::args::{TokenCreateArgs, TokenRevokeArgs};
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::history::{operator, TokenSelector};
use crate::report::{count, token_table};

/// Prints the token on stdout, this once, and says so on stderr.
pub async fn token_create(
    args: &TokenCreateArgs,
    settings: &Settings,
) -> anyhow::Result<ExitStatus> {
    let groups = if args.all_groups || (args.groups.is_empty() && args.role == Role::Admin) {
        GroupScope::All
    } else {
        GroupScope::Only(args.groups.clone())
    };
    let request = TokenCreateRequest {
        user: args.user.clone(),
        role: args.role,
        groups,
        created_by: operator(),
    };
    let created = app(settings).token_create(&request).await?;
    let printer = settings.printer();
    let row = &created.row;
    printer.warning(&format!(
        "token {} for {} ({} of {}) is shown only once: keep it now, it cannot be read back",
        row.id, row.user, row.role, row.groups
    ));
    let shown = if settings.json {
        let mut json = serde_json::to_value(&created)?;
        json["ok"] = true.into();
        printer.json(&json)
    } else {
        printer.out(&created.secret)
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}

pub async fn token_ls(settings: &Settings) -> anyhow::Result<ExitStatus> {
    let report = app(settings).token_list().await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&serde_json::json!({ "ok": true, "tokens": report.tokens }))
    } else if report.tokens.is_empty() {
        printer.out(&format!("no tokens in {}", report.state.display()))
    } else {
        printer.out(&token_table(&report.tokens))
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}

/// 0 also when the tokens named were revoked already; 2 when none is named.
pub async fn token_revoke(
    args: &TokenRevokeArgs,
    settings: &Settings,
) -> anyhow::Result<ExitStatus> {
    let which = match (&args.user, args.id) {
        (Some(user), _) => TokenSelector::User(user.clone()),
        (None, Some(id)) => TokenSelector::Id(id),
        (None, None) => unreachable!("clap requires an id or --user"),
    };
    let request = TokenRevokeRequest {
        which,
        by: operator(),
    };
    let report = app(settings).token_revoke(&request).await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&serde_json::json!({ "ok": true, "revoked": report.revoked }))
    } else {
        let text = match (&report.which, report.revoked) {
            (TokenSelector::Id(id), 0) => format!("token {id} was already revoked"),
            (TokenSelector::Id(id), _) => format!("revoked token {id}"),
            (TokenSelector::User(user), 0) => format!("{user} has no token left to revoke"),
            (TokenSelector::User(user), n) => {
                format!("revoked {} of {user}", count(n, "token"))
            }
        };
        printer.out(&text)
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}
