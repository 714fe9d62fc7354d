//! Whether a group's deploy windows are open now, and when the next opens.

use jiff::Timestamp;
use serde::Serialize;

use super::{App, AppError, Backend, Frontend};

/// A group's deploy windows at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct WindowCheck {
    pub group: String,
    pub open: bool,
    /// As groups.yaml writes them; none: always open.
    pub windows: Vec<String>,
    /// When the next window opens, in its zone (RFC 3339 with the zone's name).
    pub next_open: Option<String>,
}

impl<B: Backend> App<B> {
    pub fn deploy_window(
        &self,
        group: &str,
        at: Timestamp,
        frontend: &dyn Frontend,
    ) -> Result<WindowCheck, AppError> {
        let inventory = self.inventory(frontend)?;
        let windows = &inventory.select_group(group)?.windows;
        Ok(WindowCheck {
            group: group.to_string(),
            open: windows.is_open(at),
            windows: windows.0.iter().map(ToString::to_string).collect(),
            next_open: windows.next_open(at).map(|zoned| zoned.to_string()),
        })
    }
}
