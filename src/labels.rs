//! The labels jdeploy puts on the containers it creates, all under one namespace, so the
//! cluster itself says what jdeploy made and from what.

/// Every jdeploy label starts with this; operators' own labels may not.
pub const LABEL_PREFIX: &str = "io.jdeploy.";
/// The group a container was created for.
pub const GROUP: &str = "io.jdeploy.group";
/// `true` on the group's core (master) containers.
pub const CORE: &str = "io.jdeploy.core";
/// A hash of the container's configuration, to tell when it must be recreated.
pub const CONFIG_HASH: &str = "io.jdeploy.config-hash";
/// The configuration itself, as JSON, so a changed container can say what changed.
pub const CONFIG: &str = "io.jdeploy.config";
/// On the container holding the engine's key for sealing environment values.
pub const ENV_KEY: &str = "io.jdeploy.env-key";
/// On a group's lock: the group it locks.
pub const LOCK: &str = "io.jdeploy.lock";
/// On a group's lock: `user@machine` holding it.
pub const LOCK_BY: &str = "io.jdeploy.lock.by";
/// On a group's lock: the command that holds it, as typed.
pub const LOCK_COMMAND: &str = "io.jdeploy.lock.command";
/// On a group's lock: how long after it was taken (the container's creation time, the
/// engine's clock) it lapses unless renewed first.
pub const LOCK_TTL: &str = "io.jdeploy.lock.ttl";
/// On a group's lock: which taking of the lock it is.
pub const LOCK_ID: &str = "io.jdeploy.lock.id";
