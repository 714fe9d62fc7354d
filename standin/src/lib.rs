//! A stand-in Docker engine: real HTTP servers on loopback answering the Engine API calls
//! jdeploy makes, each engine with its own containers, files, images and execs in memory,
//! a latency per request and faults to inject, and counters of what it was asked.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use jdeploy_standin::{EngineConfig, StandIn, StandInConfig};
//! let engine = EngineConfig::default().image("app:1");
//! let standin = StandIn::start(StandInConfig::uniform(3, engine)).await?;
//! let hosts = standin.addresses(); // 127.0.0.1:PORT each
//! standin.stop().await;
//! # Ok(()) }
//! ```

mod api;
mod body;
mod config;
mod counters;
mod files;
mod images;
mod route;
mod server;
mod state;
mod views;

pub use config::{EngineConfig, ExecRule, Fault, FaultKind, StandInConfig, When};
pub use counters::CounterSnapshot;
pub use server::{ContainerView, EngineHandle, StandIn};
