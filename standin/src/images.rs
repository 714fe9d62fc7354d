//! The images an engine has: named at start, imported (the marker image) or loaded
//! from a `docker save` archive, and saved back as one.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub(crate) struct Image {
    /// `sha256:<64 hex digits>`.
    pub id: String,
    pub tags: Vec<String>,
    pub created: SystemTime,
    pub labels: Value,
}

#[derive(Debug, Default)]
pub(crate) struct Images {
    images: Vec<Image>,
}

impl Images {
    /// Tags `name` (a new image unless one of that id exists); returns the id.
    pub fn add(&mut self, name: &str, created: SystemTime) -> String {
        let id = format!("sha256:{}", digest(name.as_bytes()));
        self.add_with_id(&id, name, created, json!({}))
    }

    pub fn add_with_id(
        &mut self,
        id: &str,
        name: &str,
        created: SystemTime,
        labels: Value,
    ) -> String {
        let tag = normalize(name);
        // A tag names one image: it moves to the new one.
        for image in &mut self.images {
            image.tags.retain(|known| *known != tag);
        }
        match self.images.iter_mut().find(|image| image.id == id) {
            Some(image) => image.tags.push(tag),
            None => self.images.push(Image {
                id: id.to_string(),
                tags: vec![tag],
                created,
                labels,
            }),
        }
        id.to_string()
    }

    /// The image a reference names: a tag, `name` for `name:latest`, or an id or a
    /// prefix of one.
    pub fn find(&self, reference: &str) -> Option<&Image> {
        let tag = normalize(reference);
        if let Some(image) = self.images.iter().find(|image| image.tags.contains(&tag)) {
            return Some(image);
        }
        let hex = reference.trim_start_matches("sha256:");
        if hex.len() < 4 || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        self.images
            .iter()
            .find(|image| image.id.trim_start_matches("sha256:").starts_with(hex))
    }

    pub fn all(&self) -> &[Image] {
        &self.images
    }

    /// Loads a `docker save` archive: every tag its `manifest.json` lists.
    pub fn load(&mut self, archive: &[u8]) -> Result<Vec<String>, String> {
        let failed = |err: std::io::Error| format!("invalid image archive: {err}");
        let mut reader = tar::Archive::new(archive);
        for entry in reader.entries().map_err(failed)? {
            let mut entry = entry.map_err(failed)?;
            if entry.path().map_err(failed)?.to_string_lossy() != "manifest.json" {
                continue;
            }
            let mut text = Vec::new();
            entry.read_to_end(&mut text).map_err(failed)?;
            let manifest: Value = serde_json::from_slice(&text)
                .map_err(|err| format!("invalid image archive: manifest.json: {err}"))?;
            let mut loaded = Vec::new();
            for image in manifest.as_array().into_iter().flatten() {
                let config = image["Config"].as_str().unwrap_or_default();
                let hex = config
                    .trim_start_matches("blobs/sha256/")
                    .trim_end_matches(".json");
                let id = format!("sha256:{hex}");
                for tag in image["RepoTags"].as_array().into_iter().flatten() {
                    let tag = tag.as_str().unwrap_or_default();
                    self.add_with_id(&id, tag, SystemTime::now(), json!({}));
                    loaded.push(normalize(tag));
                }
            }
            return Ok(loaded);
        }
        Err("invalid image archive: no manifest.json".into())
    }

    /// The image as `docker save` writes it: a manifest and its config, no layers.
    pub fn save(&self, reference: &str) -> Option<Vec<u8>> {
        let image = self.find(reference)?;
        let hex = image.id.trim_start_matches("sha256:");
        let config = serde_json::to_vec(&json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": image.labels},
            "rootfs": {"type": "layers", "diff_ids": []},
        }))
        .expect("plain JSON");
        let manifest = serde_json::to_vec(&json!([{
            "Config": format!("{hex}.json"),
            "RepoTags": image.tags,
            "Layers": [],
        }]))
        .expect("plain JSON");
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in [
            (format!("{hex}.json"), config),
            ("manifest.json".into(), manifest),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            builder
                .append_data(&mut header, path, data.as_slice())
                .ok()?;
        }
        builder.into_inner().ok()
    }
}

impl Image {
    pub fn summary(&self) -> Value {
        json!({
            "Id": self.id,
            "ParentId": "",
            "RepoTags": self.tags,
            "RepoDigests": [],
            "Created": seconds(self.created),
            "Size": 0,
            "SharedSize": -1,
            "Labels": self.labels,
            "Containers": -1,
        })
    }

    pub fn inspect(&self) -> Value {
        json!({
            "Id": self.id,
            "RepoTags": self.tags,
            "RepoDigests": [],
            "Created": humantime::format_rfc3339_nanos(self.created).to_string(),
            "Size": 0,
            "Os": "linux",
            "Architecture": "amd64",
            "Config": {"Labels": self.labels},
            "RootFS": {"Type": "layers", "Layers": []},
        })
    }
}

/// `name` as Docker keys it: with `:latest` when no tag is given.
pub(crate) fn normalize(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || name.contains('@') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

pub(crate) fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// 64 hex digits from `data`: stable, not cryptographic.
pub(crate) fn digest(data: &[u8]) -> String {
    let mut parts = [0xcbf2_9ce4_8422_2325u64; 4];
    for (lane, part) in parts.iter_mut().enumerate() {
        *part ^= lane as u64;
        for byte in data {
            *part ^= u64::from(*byte);
            *part = part.wrapping_mul(0x0100_0000_01b3);
        }
        *part = part.rotate_left(lane as u32 * 13) ^ (*part >> 29);
    }
    parts.iter().map(|part| format!("{part:016x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_default_to_latest_and_ids_are_found_by_prefix() {
        let mut images = Images::default();
        let id = images.add("busybox", SystemTime::now());
        assert_eq!(images.find("busybox:latest").unwrap().id, id);
        assert_eq!(images.find(&id[..15]).unwrap().id, id);
        assert!(images.find("busybox:1").is_none());
        assert_eq!(normalize("localhost:5000/app"), "localhost:5000/app:latest");
    }

    #[test]
    fn a_saved_image_loads_back() {
        let mut images = Images::default();
        images.add("app:1", SystemTime::now());
        let archive = images.save("app:1").unwrap();
        let mut other = Images::default();
        assert_eq!(other.load(&archive).unwrap(), ["app:1"]);
        assert_eq!(
            other.find("app:1").unwrap().id,
            images.find("app:1").unwrap().id
        );
    }
}
