//! `docker save` archives on this machine: which images one holds, checked whole before
//! any of it is sent, and read as a stream.

use std::fs::File;
use std::io;
use std::path::Path;

use bytes::Bytes;
use futures::stream::{self, BoxStream};
use serde::Deserialize;
use tokio::io::AsyncReadExt;

/// Bytes read from a source at a time.
pub const CHUNK: usize = 256 * 1024;

/// An image as an archive describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedImage {
    /// `sha256:...`, as engines name it.
    pub id: String,
    pub tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

/// Why an archive cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("{path} is not a `docker save` archive: {why}")]
    NotAnArchive { path: String, why: String },
    #[error("{path} is cut short: {why}")]
    Truncated { path: String, why: String },
}

/// The images a `docker save` archive holds, after checking that every entry is whole
/// and every file its manifest names is there. Reads the headers only.
pub fn archived_images(path: &Path) -> Result<Vec<ArchivedImage>, ArchiveError> {
    let shown = path.display().to_string();
    let read = |source| ArchiveError::Read {
        path: shown.clone(),
        source,
    };
    let not = |why: String| ArchiveError::NotAnArchive {
        path: shown.clone(),
        why,
    };
    let file = File::open(path).map_err(read)?;
    let length = file.metadata().map_err(read)?.len();
    let mut archive = tar::Archive::new(file);
    let mut names = Vec::new();
    let mut manifest: Option<Vec<u8>> = None;
    let entries = archive
        .entries_with_seek()
        .map_err(|err| not(err.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| not(err.to_string()))?;
        let end = entry.raw_file_position() + entry.size();
        if end > length {
            return Err(ArchiveError::Truncated {
                path: shown.clone(),
                why: format!("{} ends past the end of the file", entry_name(&entry)),
            });
        }
        let name = entry_name(&entry);
        if name == "manifest.json" {
            let mut text = Vec::new();
            io::Read::read_to_end(&mut entry, &mut text).map_err(read)?;
            manifest = Some(text);
        }
        names.push(name);
    }
    let manifest = manifest.ok_or_else(|| not("it has no manifest.json".into()))?;
    let entries: Vec<ManifestEntry> =
        serde_json::from_slice(&manifest).map_err(|err| not(format!("manifest.json: {err}")))?;
    if entries.is_empty() {
        return Err(not("its manifest.json lists no image".into()));
    }
    let mut images = Vec::new();
    for entry in entries {
        for needed in std::iter::once(&entry.config).chain(&entry.layers) {
            if !names.iter().any(|name| name == needed) {
                return Err(ArchiveError::Truncated {
                    path: shown.clone(),
                    why: format!("{needed}, which its manifest names, is missing"),
                });
            }
        }
        let digest = entry
            .config
            .rsplit('/')
            .next()
            .unwrap_or(&entry.config)
            .trim_end_matches(".json");
        images.push(ArchivedImage {
            id: format!("sha256:{digest}"),
            tags: entry.repo_tags.unwrap_or_default(),
        });
    }
    Ok(images)
}

fn entry_name<R: io::Read>(entry: &tar::Entry<'_, R>) -> String {
    entry
        .path()
        .map(|path| path.display().to_string())
        .unwrap_or_default()
        .trim_start_matches("./")
        .to_string()
}

/// The file as a stream of chunks, read as they are asked for.
pub fn file_stream(path: &Path) -> BoxStream<'static, io::Result<Bytes>> {
    let path = path.to_path_buf();
    let opened = async move { tokio::fs::File::open(path).await };
    Box::pin(stream::unfold(
        (Some(opened), None),
        |(opening, file)| async move {
            let mut file = match (opening, file) {
                (Some(opening), _) => match opening.await {
                    Ok(file) => file,
                    Err(err) => return Some((Err(err), (None, None))),
                },
                (None, Some(file)) => file,
                (None, None) => return None,
            };
            let mut buffer = vec![0; CHUNK];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(read) => {
                    buffer.truncate(read);
                    Some((Ok(Bytes::from(buffer)), (None, Some(file))))
                }
                Err(err) => Some((Err(err), (None, None))),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])], cut: usize) -> tempfile::NamedTempFile {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        let mut bytes = builder.into_inner().unwrap();
        bytes.truncate(bytes.len() - cut);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        file
    }

    const MANIFEST: &[u8] =
        br#"[{"Config":"blobs/sha256/abc","RepoTags":["app:1"],"Layers":["blobs/sha256/l1"]}]"#;

    #[test]
    fn an_archive_names_its_images_by_config_digest() {
        let file = archive(
            &[
                ("blobs/sha256/abc", b"{}"),
                ("blobs/sha256/l1", &[0; 3000]),
                ("manifest.json", MANIFEST),
            ],
            0,
        );
        let images = archived_images(file.path()).unwrap();
        assert_eq!(
            images,
            [ArchivedImage {
                id: "sha256:abc".into(),
                tags: vec!["app:1".into()],
            }]
        );
    }

    #[test]
    fn cut_short_or_foreign_archives_are_refused() {
        let missing = archive(
            &[("blobs/sha256/abc", b"{}"), ("manifest.json", MANIFEST)],
            0,
        );
        let err = archived_images(missing.path()).unwrap_err().to_string();
        assert!(
            err.contains("blobs/sha256/l1, which its manifest names, is missing"),
            "{err}"
        );
        let cut = archive(
            &[
                ("manifest.json", MANIFEST),
                ("blobs/sha256/abc", b"{}"),
                ("blobs/sha256/l1", &[0; 3000]),
            ],
            2500,
        );
        let err = archived_images(cut.path()).unwrap_err().to_string();
        assert!(err.contains("cut short"), "{err}");
        let plain = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(plain.path(), b"not a tar at all").unwrap();
        let err = archived_images(plain.path()).unwrap_err().to_string();
        assert!(err.contains("is not a `docker save` archive"), "{err}");
    }
}
