//! `token ls`: who holds a token, with which role on which groups; never the token.

use comfy_table::Cell;

use super::{plain_table, table_text, visible};
use crate::access::GroupScope;
use crate::history::TokenRow;

pub fn token_table(tokens: &[TokenRow]) -> String {
    let mut table = plain_table([
        "ID",
        "USER",
        "ROLE",
        "GROUPS",
        "CREATED",
        "BY",
        "LAST USED",
        "REVOKED",
    ]);
    for token in tokens {
        let groups = match &token.groups {
            GroupScope::All => "*".to_string(),
            GroupScope::Only(names) => names.join(","),
        };
        table.add_row([
            Cell::new(token.id),
            Cell::new(visible(&token.user)),
            Cell::new(token.role),
            Cell::new(groups),
            Cell::new(&token.created_at),
            Cell::new(visible(&token.created_by)),
            Cell::new(token.last_used_at.as_deref().unwrap_or("-")),
            Cell::new(token.revoked_at.as_deref().unwrap_or("-")),
        ]);
    }
    table_text(&mut table)
}
