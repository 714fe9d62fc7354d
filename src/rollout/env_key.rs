//! Each engine's key for sealing environment values: a file in a never-started container
//! that only Engine API clients can read, made by the first command that changes the
//! host. Everyone reading that engine gets the same key, so seals agree across machines.

use std::collections::HashMap;

use bytes::Bytes;
use futures::future::join_all;

use super::fleet::{distinct_hosts, Fleet};
use crate::engine::{Engine, EngineError};
use crate::inventory::Host;
use crate::labels;
use crate::secrets::EnvKey;

/// The container holding the engine's key.
pub const KEY_CONTAINER: &str = "jdeploy-env-key";
const KEY_FILE: &str = "/key";

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
    // Filled under a name of its own, then renamed: no one ever reads an empty holder.
    // Two machines making one at once: the first rename wins, and both use its key.
    let staging = format!("{KEY_CONTAINER}.{}", &EnvKey::generate()[..12]);
    let marker = [(labels::ENV_KEY.to_string(), "true".to_string())].into();
    engine.create_marker(&staging, &marker).await?;
    let filled = async {
        engine
            .upload(&staging, key_archive(&EnvKey::generate())?)
            .await?;
        engine.rename(&staging, KEY_CONTAINER).await
    };
    match filled.await {
        Ok(()) => {}
        Err(err) => {
            let _ = engine.remove(&staging, 0).await;
            if !matches!(err, EngineError::NameConflict { .. }) {
                return Err(err);
            }
        }
    }
    match read_key(engine).await? {
        Some(key) => Ok(Some(key)),
        None => Err(EngineError::Other(format!(
            "{KEY_CONTAINER} has no key at {KEY_FILE} right after it was made"
        ))),
    }
}

async fn read_key<E: Engine>(engine: &E) -> Result<Option<EnvKey>, EngineError> {
    let text = match engine.read_file(KEY_CONTAINER, KEY_FILE).await {
        Ok(Some(text)) => text,
        Ok(None) | Err(EngineError::NoSuchContainer { .. }) => return Ok(None),
        Err(err) => return Err(err),
    };
    std::str::from_utf8(&text)
        .ok()
        .and_then(EnvKey::from_hex)
        .map(Some)
        .ok_or_else(|| {
            EngineError::Other(format!(
                "{KEY_CONTAINER} holds no valid key at {KEY_FILE}; remove that container and re-run `jdeploy create`"
            ))
        })
}

fn key_archive(key: &str) -> Result<Bytes, EngineError> {
    let mut archive = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(key.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    archive
        .append_data(&mut header, &KEY_FILE[1..], key.as_bytes())
        .and_then(|()| archive.into_inner())
        .map(Bytes::from)
        .map_err(|err| EngineError::Other(format!("cannot pack the engine key: {err}")))
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
        engine
            .create_marker(KEY_CONTAINER, &Default::default())
            .await
            .unwrap();
        engine
            .upload(KEY_CONTAINER, key_archive(&theirs).unwrap())
            .await
            .unwrap();
        let used = engine_key(&engine, true).await.unwrap().unwrap();
        let expected = EnvKey::from_hex(&theirs).unwrap();
        assert_eq!(used.seal("g", "A", "1"), expected.seal("g", "A", "1"));
    }
}
