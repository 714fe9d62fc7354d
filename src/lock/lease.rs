//! The lease a holder writes into its lock container each time it renews the lock.

use std::time::SystemTime;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{parse_time, rfc3339};

/// Where the lease is, inside the lock container.
pub const LEASE_FILE: &str = "/jdeploy-lease.json";
/// A lease is a few dozen bytes; anything larger is not one.
const MAX_LEASE_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The lock it renews.
    pub id: String,
    /// RFC 3339, the engine's clock.
    pub expires_at: String,
}

impl Lease {
    pub fn new(id: &str, expires_at: SystemTime) -> Self {
        Self {
            id: id.to_string(),
            expires_at: rfc3339(expires_at),
        }
    }

    /// The archive that puts the lease in place.
    pub fn archive(&self) -> std::io::Result<Bytes> {
        let content = serde_json::to_vec(self).expect("a lease is plain data");
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        let mut builder = tar::Builder::new(Vec::new());
        builder.append_data(&mut header, &LEASE_FILE[1..], content.as_slice())?;
        builder.into_inner().map(Bytes::from)
    }

    /// When the lease of lock `id` lapses, if `content` is one.
    pub fn expiry(content: &[u8], id: &str) -> Option<SystemTime> {
        if content.len() > MAX_LEASE_BYTES {
            return None;
        }
        let lease: Lease = serde_json::from_slice(content).ok()?;
        (lease.id == id)
            .then(|| parse_time(&lease.expires_at))
            .flatten()
    }
}
