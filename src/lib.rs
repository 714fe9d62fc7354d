//! jdeploy: deploys long-lived Docker containers to groups of hosts from one groups.yaml.
//!
//! Layers, from the file to the engines and the terminal: `inventory` (parse, check,
//! model), `render` (templates), `bundle` (what deploy uploads), `plan` (desired against
//! observed, pure), `engine` (the only code that talks to Docker), `rollout` (ordering and
//! concurrency), `report` (what the operator sees) and `cli` (arguments, settings, commands).

pub mod bundle;
pub mod cli;
pub mod engine;
pub mod history;
pub mod inventory;
pub mod labels;
pub mod plan;
pub mod release;
pub mod render;
pub mod report;
pub mod rollout;
