//! What jdeploy records in place of a secret's value.

use std::num::NonZeroU32;

use ring::pbkdf2;

/// PBKDF2 rounds: slow enough that guessing values from a fingerprint seen in a label is
/// costly, fast enough to do once per group per command.
pub const FINGERPRINT_ROUNDS: u32 = 100_000;

/// PBKDF2-HMAC-SHA256 of `value`, salted with the group and name, in hex. The salt is
/// fixed rather than random so every operator's machine computes the same fingerprint
/// and `create` run from two of them agrees on what changed; the group and name in it
/// keep one value from fingerprinting alike under two names. ring does the rounds: it is
/// already here for TLS.
pub fn fingerprint(group: &str, name: &str, value: &str) -> String {
    let salt = format!("jdeploy-secret:{group}:{name}");
    let rounds = NonZeroU32::new(FINGERPRINT_ROUNDS).expect("rounds are not zero");
    let mut key = [0u8; 32];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt.as_bytes(),
        value.as_bytes(),
        &mut key,
    );
    key.iter().map(|byte| format!("{byte:02x}")).collect()
}
