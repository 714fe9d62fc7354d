//! jdeploy: deploys long-lived Docker containers to groups of hosts from one groups.yaml.
//!
//! Layers, from the file to the engines and the terminal: `inventory` (parse, check,
//! model), `render` (templates), `copies` (code read from this machine), `release` and
//! `layout` (what a container keeps of its releases, and where), `bundle` (what deploy
//! uploads), `plan` (desired against observed, pure), `engine` (the only code that talks
//! to Docker), `rollout` (one executor: order, concurrency, outcomes), `history` (what
//! ran, and the server's tokens, audit log and deploy requests), `access` (who may do
//! what: roles and grants, pure), `app` (one async function per command, typed request
//! in, typed report out), then the front ends over it: `report` (what the operator sees)
//! and `cli` (arguments, settings, printing, exit statuses).

pub mod access;
pub mod app;
pub mod bundle;
pub mod cli;
pub mod copies;
pub mod engine;
pub mod history;
pub mod images;
pub mod inventory;
pub mod labels;
pub mod layout;
pub mod lock;
pub mod notify;
pub mod plan;
pub mod release;
pub mod render;
pub mod report;
pub mod rollout;
pub mod secrets;
pub mod server;
pub mod watch;
