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
        let dest_ok = check_dest(&template.dest, &dest_key, checker);
        if template.dest == RUN_SH {
            let help = Some("set `run_template` to change the /run.sh template".into());
            checker.error(&dest_key, "/run.sh is rendered from `run_template`", help);
        } else if files.iter().any(|file| file.dest == template.dest) {
            checker.error(
                &dest_key,
                format!("`{}` is rendered twice", template.dest),
                None,
            );
        } else if let (Some(mode), true) = (mode, dest_ok) {
            files.push(TemplateFile {
                path: resolve(base_dir, &template.src),
                name: template.src,
                dest: template.dest,
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
        if !check_dest(&copy.dest, &format!("{at}.dest"), checker) {
            continue;
        }
        if copy.clean && copy.dest.trim_end_matches('/').is_empty() {
            checker.error(
                &format!("{at}.dest"),
                "refusing to empty `/` before copying",
                None,
            );
            continue;
        }
        parsed.push(Copy {
            src: resolve(base_dir, &copy.src),
            dest: copy.dest,
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
/// emptying before it, somewhere else than it reads.
fn check_dest(dest: &str, key: &str, checker: &mut Checker) -> bool {
    let problem = if !dest.starts_with('/') {
        Some(format!(
            "`{dest}` must be an absolute path inside the container"
        ))
    } else if dest.split('/').any(|part| part == "." || part == "..") {
        Some(format!("`{dest}` must not contain `.` or `..`"))
    } else if is_reserved(dest) {
        Some(format!(
            "`{dest}` is under {JDEPLOY_DIR}, where jdeploy keeps its releases"
        ))
    } else {
        None
    };
    if let Some(message) = &problem {
        checker.error(key, message.clone(), None);
    }
    problem.is_none()
}
