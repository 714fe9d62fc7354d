//! Templates, and what they include, come only from the inventory's folder, as regular
//! UTF-8 files of bounded size: a template must not read keys elsewhere on this machine,
//! nor hang on a FIFO or fill memory from a device.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use minijinja::{Error, ErrorKind};

/// The largest template file read, included ones too.
pub const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// Loads templates by their path relative to `base_dir`; a missing file is `None`, one that
/// cannot be used is an error saying why.
pub fn file_loader(
    base_dir: &Path,
) -> impl Fn(&str) -> Result<Option<String>, Error> + Send + Sync + 'static {
    let base_dir: PathBuf = base_dir.to_path_buf();
    move |name| load(&base_dir, name)
}

fn load(base_dir: &Path, name: &str) -> Result<Option<String>, Error> {
    let path = base_dir.join(inside(name)?);
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(refused(name, &format!("cannot be read: {err}"))),
    };
    let base = base_dir
        .canonicalize()
        .map_err(|err| refused(name, &format!("cannot be read: its folder: {err}")))?;
    if !real.starts_with(&base) {
        return Err(refused(
            name,
            "leads outside the inventory's folder through a symlink",
        ));
    }
    let unreadable = |err: std::io::Error| refused(name, &format!("cannot be read: {err}"));
    let metadata = std::fs::metadata(&real).map_err(unreadable)?;
    if metadata.is_dir() {
        return Err(refused(name, "is a directory, not a file"));
    }
    if !metadata.is_file() {
        return Err(refused(
            name,
            "is not a regular file (a FIFO, socket or device)",
        ));
    }
    let too_large = || refused(name, &format!("is larger than {MAX_TEMPLATE_BYTES} bytes"));
    if metadata.len() > MAX_TEMPLATE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|file| file.take(MAX_TEMPLATE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| refused(name, "is not UTF-8 text"))
}

/// `name` as a relative path that stays inside the folder, `..` resolved.
fn inside(name: &str) -> Result<PathBuf, Error> {
    let mut path = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !path.pop() {
                    return Err(refused(name, "leads outside the inventory's folder"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(refused(
                    name,
                    "is an absolute path; templates are read from the inventory's folder only",
                ))
            }
        }
    }
    Ok(path)
}

fn refused(name: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("template `{name}` {why}"),
    )
}
