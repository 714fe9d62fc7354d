//! What a container records about its releases, in one file read with one request: the
//! releases it keeps, the release in place, and the release whose files were put in place
//! last with the container's start time as the engine reported it then.
//!
//! No upload follows a restart: once the engine reports another start time, the container
//! has started on the pending files, and they are the release in place. Both times are
//! the engine's, so no clock is compared with another. Pending files can be held: while
//! the upload links them into place, and once the container failed its gate or its
//! `post_start` hook on them; no start puts held files in place.

use serde::{Deserialize, Serialize};

use super::kept::{Kept, KeptRelease};
use super::timeline::Timeline;

/// The layout this version writes. Kept lists of earlier versions have none (0): the
/// releases in place and pending are then in symlinks beside the list.
pub const LAYOUT: u32 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub layout: u32,
    /// The releases kept once `pending`, if any, is in place: the list earlier versions
    /// read, so they see what a deploy that went well left.
    pub releases: Vec<KeptRelease>,
    /// The release in place when `pending` was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
}

/// The release whose files were put in place last, before the container started on them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub release: String,
    /// The container's start time as the engine reported it just before the files were
    /// put in place; empty if it had never started.
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
    /// The releases kept while they are not in place.
    pub releases: Vec<KeptRelease>,
}

/// Why no start puts pending files in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Held {
    /// The upload was linking them into place: some files may still be another
    /// release's, even where the pending release is the one in place.
    Placing,
    /// The container did not pass its gate (or its `post_start` hook) on them, or was
    /// not restarted on them.
    Failed,
}

/// Why a container's state file cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("is not jdeploy's: {0}")]
    Malformed(String),
    #[error("names releases jdeploy did not write")]
    ForeignIds,
    #[error("was written by a later jdeploy (layout {0}); upgrade jdeploy to read it")]
    Newer(u32),
}

/// What a container runs by its state file and its start time now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    pub timeline: Timeline,
    /// Files put in place that the container did not start on, or failed on.
    pub pending: Option<String>,
}

impl State {
    /// Parses the file, checking every release id it names: they become paths to link
    /// from and to prune, so a stranger's are never trusted.
    pub fn parse(bytes: &[u8]) -> Result<State, StateError> {
        let mut state: State =
            serde_json::from_slice(bytes).map_err(|err| StateError::Malformed(err.to_string()))?;
        if state.layout > LAYOUT {
            return Err(StateError::Newer(state.layout));
        }
        if state.is_legacy() {
            // Earlier versions kept these in symlinks; a list that names them is forged.
            state.current = None;
            state.pending = None;
        }
        let well_formed = state.kept().is_well_formed()
            && state.current.as_deref().is_none_or(is_release_id)
            && state.pending.as_ref().is_none_or(|pending| {
                is_release_id(&pending.release)
                    && pending
                        .releases
                        .iter()
                        .all(|kept| is_release_id(&kept.release))
            });
        if !well_formed {
            return Err(StateError::ForeignIds);
        }
        Ok(state)
    }

    /// The releases kept once nothing is pending.
    pub fn kept(&self) -> Kept {
        Kept {
            releases: self.releases.clone(),
        }
    }

    /// A kept list as versions before the state file wrote it.
    pub fn is_legacy(&self) -> bool {
        self.layout == 0
    }

    /// `release`'s files put in place over `current` while the container had last started
    /// at `started_at`: it keeps `before` until it starts on them, `after` from then on.
    pub fn pending(
        current: Option<&str>,
        before: Kept,
        release: &str,
        started_at: Option<&str>,
        after: Kept,
    ) -> State {
        State {
            layout: LAYOUT,
            releases: after.releases,
            current: current.map(str::to_string),
            pending: Some(Pending {
                release: release.to_string(),
                started_at: started_at.unwrap_or_default().to_string(),
                held: None,
                releases: before.releases,
            }),
        }
    }

    /// `current` in place, keeping `kept`, nothing pending.
    pub fn settled(current: &str, kept: Kept) -> State {
        State {
            layout: LAYOUT,
            releases: kept.releases,
            current: Some(current.to_string()),
            pending: None,
        }
    }

    /// The same state, with the container recorded as having failed on the pending
    /// files: not in place whatever starts it.
    pub fn failed(&self) -> State {
        self.held(Held::Failed)
    }

    /// The same state while the upload links the pending files into place.
    pub fn placing(&self) -> State {
        self.held(Held::Placing)
    }

    fn held(&self, held: Held) -> State {
        let mut state = self.clone();
        if let Some(pending) = &mut state.pending {
            pending.held = Some(held);
        }
        state
    }

    /// The release whose directory holds this state's staged copy: the pending one, else
    /// the one in place.
    pub fn release(&self) -> Option<&str> {
        self.pending
            .as_ref()
            .map(|pending| pending.release.as_str())
            .or(self.current.as_deref())
    }

    /// What the container runs, given its start time now as the engine reports it.
    pub fn read(&self, started_at: Option<&str>) -> Reading {
        let kept = |releases: &[KeptRelease]| Kept {
            releases: releases.to_vec(),
        };
        let Some(pending) = &self.pending else {
            return Reading {
                timeline: Timeline {
                    current: self.current.clone(),
                    kept: kept(&self.releases),
                },
                pending: None,
            };
        };
        if pending.started_on(started_at) {
            return Reading {
                timeline: Timeline {
                    current: Some(pending.release.clone()),
                    kept: kept(&self.releases),
                },
                pending: None,
            };
        }
        // The release in place pending again moves no file, unless its links were cut.
        let moved =
            Some(&pending.release) != self.current.as_ref() || pending.held == Some(Held::Placing);
        Reading {
            timeline: Timeline {
                current: self.current.clone(),
                kept: kept(&pending.releases),
            },
            pending: moved.then(|| pending.release.clone()),
        }
    }
}

impl Pending {
    /// The container started since the files were put in place, and they are not held.
    fn started_on(&self, started_at: Option<&str>) -> bool {
        self.held.is_none() && started_at.unwrap_or_default() != self.started_at
    }
}

/// A release id as jdeploy writes them: a full SHA-256 in hex.
pub fn is_release_id(id: &str) -> bool {
    id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit())
}
