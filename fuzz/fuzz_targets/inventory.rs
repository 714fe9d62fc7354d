//! Any bytes as groups.yaml: loaded, checked, validated and rendered as `jdeploy validate`
//! and `jdeploy render` do, beside the files in `fuzz/fixture`. Errors are expected; a
//! panic, a hang or runaway memory is a bug.

#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use jdeploy::app::{App, Context, Docker, RenderRequest, ValidateRequest};
use jdeploy::inventory::{load_text, Inventory, LoadOptions, Sources};
use jdeploy::render::Flags;
use jdeploy::secrets::{Environment, SecretSources, SecretValue};
use libfuzzer_sys::fuzz_target;

/// The inventory's folder: templates, a copy source, TLS material and a secrets file.
static FIXTURE: LazyLock<PathBuf> = LazyLock::new(|| {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixture")
        .canonicalize()
        .expect("fuzz/fixture exists")
});

static APP: LazyLock<App<Docker>> = LazyLock::new(|| {
    let environment = BTreeMap::from([("API_KEY".to_string(), SecretValue::new("fuzz"))]);
    let context = Context {
        file: FIXTURE.join("groups.yaml"),
        load: LoadOptions::default(),
        state: FIXTURE.join(".jdeploy/history.db"),
        lock: Default::default(),
        secrets: SecretSources {
            file: Some(FIXTURE.join("secrets.env")),
            environment: Environment::Fixed(environment),
        },
    };
    App::new(Docker, context)
});

/// Groups rendered as `jdeploy render --group G` renders them.
const RENDERED_GROUPS: usize = 4;

fuzz_target!(|data: &[u8]| {
    // The CLI reads groups.yaml as UTF-8 and stops at anything else.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let app = &*APP;
    let inventory = match load_text(text, &app.context.file, &app.context.load, Sources::Checked) {
        Ok(inventory) => inventory,
        Err(diagnostics) => {
            let _ = diagnostics.to_string();
            return;
        }
    };
    for warning in &inventory.warnings {
        let _ = warning.to_string();
    }
    // `render` as for a few groups: validate below renders every one, and each render
    // here compiles the templates again, as one `jdeploy render` does. What `render`
    // prints is the files themselves, so they are made, not printed again here.
    for group in inventory.groups.iter().take(RENDERED_GROUPS) {
        let request = RenderRequest {
            group: group.name.clone(),
            containers: Vec::new(),
            flags: Flags {
                monitor: true,
                mode: Some("ci".into()),
            },
        };
        if let Err(err) = app.render_loaded(&inventory, &request) {
            let _ = err.to_string();
        }
    }
    // Copy sources are read whole: one outside the fixture (`src: /`) would read this
    // machine's disk, which is what it asks for, not a bug.
    if !copies_inside_fixture(&inventory) {
        return;
    }
    // Strict: warnings are errors too; otherwise the same checks and renders as without.
    let request = ValidateRequest {
        strict: true,
        flags: Flags::default(),
    };
    match app.validate_loaded(&inventory, &request) {
        Ok(report) => {
            let _ = serde_json::to_string(&report);
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});

fn copies_inside_fixture(inventory: &Inventory) -> bool {
    inventory
        .groups
        .iter()
        .flat_map(|group| &group.copies)
        .all(|copy| {
            copy.src
                .canonicalize()
                .is_ok_and(|src| src.starts_with(&*FIXTURE))
        })
}
