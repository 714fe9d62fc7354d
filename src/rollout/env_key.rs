//! Each engine's key for sealing environment values: the environment of a never-started
//! container, in no label, so only Engine API clients (who can read any container's
//! environment anyway) see it; made by the first command that changes the host. Everyone
//! reading that engine gets the same key, so seals agree across machines, and reading it
//! is one inspect.

use std::collections::HashMap;

use futures::future::join_all;

use super::fleet::{distinct_hosts, Fleet};
use crate::engine::{Engine, EngineError};
use crate::inventory::Host;
use crate::labels;
use crate::secrets::EnvKey;

/// The container holding the engine's key.
pub const KEY_CONTAINER: &str = "jdeploy-env-key";
/// The variable of its environment holding the key, in hex.
const KEY_VARIABLE: &str = "JDEPLOY_ENV_KEY";

/// Each engine's key by host identity, or why it could not be had.
pub type EngineKeys = HashMap<String, Result<Option<EnvKey>, EngineError>>;

/// The keys of `hosts`' engines, all at once; with `create`, made where missing.
pub async fn engine_keys<E: Engine>(fleet: &Fleet<E>, hosts: &[&Host], create: bool) -> EngineKeys {
    let distinct = distinct_hosts(hosts);
    let keys = join_all(distinct.iter().map(|host| fleet.env_key(host, create))).await;
    distinct
        .iter()
        .map(|host| host.identity.clone())
        .zip(keys)
        .collect()
}

/// The engine's key; with `create`, made first if the engine has none. Without it, an
/// engine with no key answers none: nothing on it was sealed yet.
pub async fn engine_key<E: Engine>(
    engine: &E,
    create: bool,
) -> Result<Option<EnvKey>, EngineError> {
    if let Some(key) = read_key(engine).await? {
        return Ok(Some(key));
    }
    if !create {
        return Ok(None);
    }
    // Made whole in one call. The engine keeps names unique: when two machines make one
    // at once, one is refused, and both use the key that was made.
    let marker = [(labels::ENV_KEY.to_string(), "true".to_string())].into();
    let env = [format!("{KEY_VARIABLE}={}", EnvKey::generate())];
    match engine.create_marker(KEY_CONTAINER, &marker, &env).await {
        Ok(_) | Err(EngineError::NameConflict { .. }) => {}
        Err(err) => return Err(err),
    }
    // The engine holds the name from the start of a create that may still be under way.
    for _ in 0..READ_BACK_TRIES {
        if let Some(key) = read_key(engine).await? {
            return Ok(Some(key));
        }
        tokio::time::sleep(READ_BACK_PAUSE).await;
    }
    Err(EngineError::Other(format!(
        "{KEY_CONTAINER} was made but cannot be read back"
    )))
}

/// How long a key made elsewhere at the same moment is waited for: 5 s.
const READ_BACK_TRIES: u32 = 50;
const READ_BACK_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

async fn read_key<E: Engine>(engine: &E) -> Result<Option<EnvKey>, EngineError> {
    let Some(holder) = engine.inspect(KEY_CONTAINER).await? else {
        return Ok(None);
    };
    let prefix = format!("{KEY_VARIABLE}=");
    holder
        .env
        .iter()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(EnvKey::from_hex)
        .map(Some)
        .ok_or_else(|| {
            EngineError::Other(format!(
                "{KEY_CONTAINER} holds no valid key in its environment; remove that container and re-run `jdeploy create`"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::FakeFleet;
    use crate::engine::Connector;
    use crate::plan::tests::host;

    #[tokio::test]
    async fn one_key_per_engine_made_only_when_asked_and_then_reused() {
        let fleet = FakeFleet::default();
        let engine = fleet.connect(&host("h")).await.unwrap();
        assert!(engine_key(&engine, false).await.unwrap().is_none());
        assert!(fleet.container("h", KEY_CONTAINER).is_none());
        let made = engine_key(&engine, true).await.unwrap().unwrap();
        let again = engine_key(&engine, true).await.unwrap().unwrap();
        let read = engine_key(&engine, false).await.unwrap().unwrap();
        assert_eq!(made.seal("g", "A", "1"), again.seal("g", "A", "1"));
        assert_eq!(made.seal("g", "A", "1"), read.seal("g", "A", "1"));
        let holder = fleet.container("h", KEY_CONTAINER).unwrap();
        assert_eq!(holder.labels[labels::ENV_KEY], "true");
        // Made once: the second call read it.
        let made: Vec<String> = fleet
            .calls()
            .into_iter()
            .filter(|call| call.starts_with("create_marker"))
            .collect();
        assert_eq!(made.len(), 1, "{made:?}");
    }

    #[tokio::test]
    async fn a_key_made_elsewhere_first_is_the_one_used() {
        let fleet = FakeFleet::default();
        let engine = fleet.connect(&host("h")).await.unwrap();
        let theirs = EnvKey::generate();
        let env = [format!("{KEY_VARIABLE}={theirs}")];
        engine
            .create_marker(KEY_CONTAINER, &Default::default(), &env)
            .await
            .unwrap();
        let used = engine_key(&engine, true).await.unwrap().unwrap();
        let expected = EnvKey::from_hex(&theirs).unwrap();
        assert_eq!(used.seal("g", "A", "1"), expected.seal("g", "A", "1"));
    }
}
