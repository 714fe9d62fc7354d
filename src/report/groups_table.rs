//! The `groups` table: every group with its units, hosts and core.

use comfy_table::Cell;

use super::{plain_table, table_text};

use crate::inventory::{Group, Inventory};

/// The table as text, one row a unit, without trailing blanks.
pub fn groups_table<'a>(
    inventory: &Inventory,
    groups: impl IntoIterator<Item = &'a Group>,
) -> String {
    let mut table = plain_table(["GROUP", "IMAGE", "HOST", "ENDPOINT", "CORE", "CONTAINERS"]);
    for group in groups {
        for (index, unit) in inventory.units_of(&group.name).enumerate() {
            let (name, image) = if index == 0 {
                (group.name.as_str(), group.image.as_deref().unwrap_or("-"))
            } else {
                ("", "")
            };
            table.add_row([
                Cell::new(name),
                Cell::new(image),
                Cell::new(&unit.host.name),
                Cell::new(unit.host.endpoint.to_string()),
                Cell::new(if unit.core { "yes" } else { "no" }),
                Cell::new(unit.containers.join(", ")),
            ]);
        }
    }
    table_text(&mut table)
}
