//! What deploy writes into containers besides `/run.sh`: rendered templates and copied
//! directories, with destinations that mean what they say.

use std::path::Path;

use super::checker::Checker;
use super::model::{resolve, Copy, TemplateFile};
use super::raw::{RawCopy, RawTemplateFile};
use super::settings::RUN_SH;
use crate::layout::{is_reserved, JDEPLOY_DIR};

const DEFAULT_FILE_MODE: u32 = 0o644;

pub fn parse_templates(
    templates: Vec<RawTemplateFile>,
    key: &str,
    base_dir: &Path,
    checker: &mut Checker,
) -> Vec<TemplateFile> {
    let mut files: Vec<TemplateFile> = Vec::new();
    for (index, template) in templates.into_iter().enumerate() {
        let at = format!("{key}[{index}]");
        let dest_key = format!("{at}.dest");
        let mode = match &template.mode {
            None => Some(DEFAULT_FILE_MODE),
            Some(text) => parse_mode(text, &format!("{at}.mode"), checker),
        };
        let dest = check_dest(&template.dest, &dest_key, checker);
        if dest.as_deref() == Some("/") {
            let message = format!("`{}` is the root directory, not a file", template.dest);
            checker.error(&dest_key, message, None);
        } else if dest.as_deref() == Some(RUN_SH) {
            let help = Some("set `run_template` to change the /run.sh template".into());
            checker.error(&dest_key, "/run.sh is rendered from `run_template`", help);
        } else if let Some(dest) = dest
            .as_ref()
            .filter(|d| files.iter().any(|f| f.dest == **d))
        {
            checker.error(&dest_key, format!("`{dest}` is rendered twice"), None);
        } else if let (Some(mode), Some(dest)) = (mode, dest) {
            files.push(TemplateFile {
                path: resolve(base_dir, &template.src),
                name: template.src,
                dest,
                mode,
                key: Some(format!("{at}.src")),
            });
        }
    }
    files
}

pub fn parse_copies(
    copies: Vec<RawCopy>,
    key: &str,
    base_dir: &Path,
    checker: &mut Checker,
) -> Vec<Copy> {
    let mut parsed = Vec::new();
    for (index, copy) in copies.into_iter().enumerate() {
        let at = format!("{key}[{index}]");
        let dest_key = format!("{at}.dest");
        let Some(dest) = check_dest(&copy.dest, &dest_key, checker) else {
            continue;
        };
        if dest == "/" {
            // A copy's own `.jdeploy` would land in jdeploy's directory.
            let message = match copy.clean {
                true => "refusing to empty `/` before copying".into(),
                false => format!(
                    "`{}` is the root directory: copy into a directory under it",
                    copy.dest
                ),
            };
            checker.error(&dest_key, message, None);
            continue;
        }
        parsed.push(Copy {
            src: resolve(base_dir, &copy.src),
            dest,
            clean: copy.clean,
            key: format!("{at}.src"),
        });
    }
    parsed
}

/// File modes are quoted octal strings: YAML would read `0644` as a decimal number.
fn parse_mode(text: &str, key: &str, checker: &mut Checker) -> Option<u32> {
    match u32::from_str_radix(text.trim_start_matches("0o"), 8) {
        Ok(mode) if mode <= 0o7777 => Some(mode),
        _ => {
            checker.error(
                key,
                format!("`{text}` is not an octal file mode"),
                Some("write it like \"0644\"".into()),
            );
            None
        }
    }
}

/// Destinations are plain absolute paths: no `.` or `..` that could point a copy, or the
/// emptying before it, somewhere else than it reads. Returns the destination normalised,
/// the form every later check and comparison uses.
fn check_dest(dest: &str, key: &str, checker: &mut Checker) -> Option<String> {
    let normal = normalise(dest);
    let problem = if !dest.starts_with('/') {
        format!("`{dest}` must be an absolute path inside the container")
    } else if normal.split('/').any(|part| part == "." || part == "..") {
        format!("`{dest}` must not contain `.` or `..`")
    } else if is_reserved(&normal) {
        format!("`{dest}` is under {JDEPLOY_DIR}, where jdeploy keeps its releases")
    } else {
        return Some(normal);
    };
    checker.error(key, problem, None);
    None
}

/// `//etc///app/` is `/etc/app`: one spelling per path, so that checks and comparisons
/// cannot be passed by another.
fn normalise(dest: &str) -> String {
    let parts: Vec<&str> = dest.split('/').filter(|part| !part.is_empty()).collect();
    let joined = parts.join("/");
    if dest.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn destinations_are_normalised() {
        assert_eq!(
            normalise("//.jdeploy//releases.json"),
            "/.jdeploy/releases.json"
        );
        assert_eq!(normalise("/etc//passwd/"), "/etc/passwd");
        assert_eq!(normalise("//"), "/");
        assert_eq!(normalise("/"), "/");
        assert_eq!(normalise("/usr/./x"), "/usr/./x");
    }
}
