//! What jdeploy records in place of an environment value: an HMAC of it under a key kept
//! on each engine. Labels are read by monitoring tools and manifests by whoever can read
//! the container's files; with the key out of their reach, neither lets a value be
//! guessed offline, while every machine running jdeploy computes the same seal.

use std::fmt;

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Marks a sealed value where a value was.
pub const SEAL_PREFIX: &str = "hmac:";

/// An engine's key for sealing environment values.
#[derive(Clone)]
pub struct EnvKey(hmac::Key);

impl EnvKey {
    /// A new random key, as hex: what the engine keeps.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system's random source works");
        hex(&bytes)
    }

    /// The key from the hex the engine keeps; none if it is not 32 bytes of hex.
    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let bytes: Vec<u8> = (0..64)
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("checked hex"))
            .collect();
        Some(Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes)))
    }

    /// `hmac:<hex>` of `value` under `name` in `group`: one value seals differently
    /// under two names, so equal seals say nothing across variables.
    pub fn seal(&self, group: &str, name: &str, value: &str) -> String {
        let mut context = hmac::Context::with_key(&self.0);
        for part in [group, name, value] {
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part.as_bytes());
        }
        format!("{SEAL_PREFIX}{}", hex(context.sign().as_ref()))
    }

    /// `NAME=value` lines with each value sealed; a line without `=` is kept as it is,
    /// and so is a value already masked (a secret's fingerprint).
    pub fn seal_lines(&self, group: &str, lines: &[String], masked: &str) -> Vec<String> {
        lines
            .iter()
            .map(|line| match line.split_once('=') {
                Some((_, value)) if value.starts_with(masked) => line.clone(),
                Some((name, value)) => format!("{name}={}", self.seal(group, name, value)),
                None => line.clone(),
            })
            .collect()
    }
}

impl fmt::Debug for EnvKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvKey(***)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_hide_values_and_depend_on_key_group_and_name() {
        let key = EnvKey::from_hex(&EnvKey::generate()).unwrap();
        let other = EnvKey::from_hex(&EnvKey::generate()).unwrap();
        let sealed = key.seal("web", "DB_URL", "postgres://hunter2");
        assert!(sealed.starts_with(SEAL_PREFIX) && !sealed.contains("hunter2"));
        assert_eq!(sealed, key.seal("web", "DB_URL", "postgres://hunter2"));
        assert_ne!(sealed, other.seal("web", "DB_URL", "postgres://hunter2"));
        assert_ne!(sealed, key.seal("api", "DB_URL", "postgres://hunter2"));
        assert_ne!(sealed, key.seal("web", "DB_URI", "postgres://hunter2"));
        assert_ne!(sealed, key.seal("web", "DB_URL", "postgres://other"));
        // Lengths are part of what is signed: no two splits of one text seal alike.
        assert_ne!(key.seal("ab", "c", "d"), key.seal("a", "bc", "d"));
    }

    #[test]
    fn lines_keep_names_and_masked_values() {
        let key = EnvKey::from_hex(&"ab".repeat(32)).unwrap();
        let lines = ["A=1".to_string(), "S=secret:f00".into(), "BARE".into()];
        let sealed = key.seal_lines("g", &lines, "secret:");
        assert!(sealed[0].starts_with("A=hmac:"));
        assert_eq!(sealed[1..], lines[1..]);
    }

    #[test]
    fn only_32_bytes_of_hex_make_a_key() {
        assert!(EnvKey::from_hex("abc").is_none());
        assert!(EnvKey::from_hex(&"zz".repeat(32)).is_none());
        assert!(EnvKey::from_hex(&format!("{}\n", "0a".repeat(32))).is_some());
    }
}
