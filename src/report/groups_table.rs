//! The `groups` table: every group with its units, hosts and core.

use comfy_table::Cell;

use super::{plain_table, table_text};
use crate::app::GroupView;

/// The table as text, one row a unit, without trailing blanks.
pub fn groups_table(groups: &[GroupView]) -> String {
    let mut table = plain_table(["GROUP", "IMAGE", "HOST", "ENDPOINT", "CORE", "CONTAINERS"]);
    for group in groups {
        for (index, unit) in group.units.iter().enumerate() {
            let (name, image) = if index == 0 {
                (group.name.as_str(), group.image.as_deref().unwrap_or("-"))
            } else {
                ("", "")
            };
            table.add_row([
                Cell::new(name),
                Cell::new(image),
                Cell::new(&unit.host),
                Cell::new(&unit.endpoint),
                Cell::new(if unit.core { "yes" } else { "no" }),
                Cell::new(unit.containers.join(", ")),
            ]);
        }
    }
    table_text(&mut table)
}
