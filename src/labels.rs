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
