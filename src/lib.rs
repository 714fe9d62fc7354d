//! jdeploy: deploys long-lived Docker containers to groups of hosts from one groups.yaml.
//!
//! Layers, from the file to the terminal: `inventory` (parse, check, model), `render`
//! (templates), `report` (what the operator sees) and `cli` (arguments, settings, commands).

pub mod cli;
pub mod inventory;
pub mod labels;
pub mod render;
pub mod report;
