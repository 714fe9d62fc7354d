use std::collections::HashMap;
use std::path::Path;

use super::*;
use crate::inventory::{parse_inventory, LoadOptions};

const INVENTORY: &str = "\
core_cmd: start-master
vars:
  app: shop
units:
  - host: 127.0.0.2
    dockers: [core_1]
    group: [product]
    core: true
  - host: 127.0.0.3
    dockers: [web_1, web_2]
    group: product
";

fn inventory() -> Inventory {
    parse_inventory(
        INVENTORY,
        Path::new("groups.yaml"),
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn renderer(run_sh: &str) -> Renderer {
    let templates: HashMap<String, String> =
        HashMap::from([("run.sh.j2".to_string(), run_sh.to_string())]);
    Renderer::new(move |name| Ok(templates.get(name).cloned()))
}

fn render(run_sh: &str, container: &str, flags: &Flags) -> Result<String, RenderError> {
    let inventory = inventory();
    let group = inventory.group("product").unwrap();
    let member = inventory
        .members("product")
        .find(|m| m.container == container)
        .unwrap();
    let rendered = renderer(run_sh).render(&inventory, group, member, flags)?;
    Ok(rendered.files[0].content.clone())
}

#[test]
fn core_units_get_the_core_block_and_others_do_not() {
    let template = "{{ container }}:{{ core }}:{{ core_cmd }}";
    let flags = Flags::default();
    assert_eq!(
        render(template, "core_1", &flags).unwrap(),
        "core_1:true:start-master"
    );
    assert_eq!(render(template, "web_1", &flags).unwrap(), "web_1:false:");
}

#[test]
fn booleans_print_lowercase_and_none_prints_nothing() {
    let template = "[{{ core }}] [{{ monitor }}] [{{ mode }}] [{{ image }}] [{{ none }}] \
                    [{{ vars.x if vars.x is defined }}] [{{ 0 }}] [{{ '' }}]";
    assert_eq!(
        render(template, "core_1", &Flags::default()).unwrap(),
        "[true] [false] [] [] [] [] [0] []"
    );
}

#[test]
fn every_container_sees_its_groups_master_and_units() {
    let template = "{{ master.host }}/{{ master.container }} {{ masters | length }} \
                    {% for unit in units %}{{ unit.host }}={{ unit.dockers | join(',') }} {% endfor %}{{ vars.app }}";
    assert_eq!(
        render(template, "web_2", &Flags::default()).unwrap(),
        "127.0.0.2/core_1 1 127.0.0.2=core_1 127.0.0.3=web_1,web_2 shop"
    );
}

#[test]
fn env_set_carries_the_flags() {
    let flags = Flags {
        monitor: true,
        mode: Some("dev_new".into()),
    };
    assert_eq!(
        render("{{ env_set }}\n{{ monitor }} {{ mode }}", "web_1", &flags).unwrap(),
        "export MONITOR_ENABLED=1\nexport RUNTIME_MODE=dev_new\ntrue dev_new"
    );
}

/// The group's variables and units are converted for templates once per group and shared
/// by its containers' contexts: converted again for each container, a groups.yaml of a few
/// thousand variables and containers took minutes to validate.
#[test]
fn containers_of_a_group_share_its_variables_and_units() {
    let inventory = inventory();
    let group = inventory.group("product").unwrap();
    let shared = GroupContext::new(&inventory, group);
    let flags = Flags::default();
    let seen: Vec<Value> = inventory
        .members("product")
        .map(|member| Value::from(Serde(context(&shared, member, &flags, String::new()))))
        .collect();
    assert_eq!(seen.len(), 3);
    for key in ["vars", "units", "masters"] {
        let first = seen[0].get_attr(key).unwrap();
        for other in &seen[1..] {
            let value = other.get_attr(key).unwrap();
            assert!(minijinja::tests::is_sameas(&first, &value), "{key}");
        }
    }
}

#[test]
fn an_undefined_variable_names_the_template_line_and_expression() {
    let err = render(
        "#!/bin/sh\necho {{ vars.nme }}\n",
        "web_1",
        &Flags::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "run.sh.j2:2: undefined variable `vars.nme` (rendering web_1 on 127.0.0.3)"
    );
}

#[test]
fn optional_variables_can_be_tested_and_defaulted() {
    let template = "{% if vars.extra is defined %}x{% endif %}{{ vars.port | default(8080) }}";
    assert_eq!(
        render(template, "web_1", &Flags::default()).unwrap(),
        "8080"
    );
}

#[test]
fn a_syntax_error_names_the_template_and_line() {
    let inventory = inventory();
    let err = renderer("line one\n{% if core %}\n")
        .check_group(inventory.group("product").unwrap())
        .unwrap_err()
        .remove(0);
    assert_eq!(err.template, "run.sh.j2");
    assert!(err.message.starts_with("syntax error"), "{}", err.message);
    assert_eq!(err.line, Some(2));
}

#[test]
fn a_missing_template_is_named() {
    let inventory = inventory();
    let renderer = Renderer::new(|_| Ok(None));
    let err = renderer
        .check_group(inventory.group("product").unwrap())
        .unwrap_err();
    assert_eq!(
        err[0].to_string(),
        "run.sh.j2: template not found: template \"run.sh.j2\" does not exist"
    );
}

#[test]
fn block_tags_leave_no_blank_lines() {
    let template = "a\n{% if core %}\nb\n{% endif %}\nc\n";
    assert_eq!(
        render(template, "web_1", &Flags::default()).unwrap(),
        "a\nc\n"
    );
}

#[test]
fn quote_gives_shell_words_for_every_scalar() {
    let template = "{{ mode | quote }} {{ core | quote }} {{ 3 | quote }} {{ 'a b' | quote }}";
    assert_eq!(
        render(template, "core_1", &Flags::default()).unwrap(),
        "'' true 3 'a b'"
    );
    let err = render("{{ units | quote }}", "core_1", &Flags::default()).unwrap_err();
    assert_eq!(
        err.message,
        "invalid operation: quote takes a string, number or boolean, not a sequence"
    );
}

#[test]
fn an_exponential_macro_runs_out_of_steps_at_its_line() {
    let template =
        "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}\n\
                    {{ f(40) }}\n";
    let err = render(template, "web_1", &Flags::default()).unwrap_err();
    assert_eq!(err.template, "run.sh.j2");
    assert!(err.line.is_some(), "{err}");
    assert_eq!(
        err.message,
        format!("rendering took more than {MAX_STEPS} steps")
    );
}

#[test]
fn nested_ranges_run_out_of_steps() {
    let template =
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
    let err = render(template, "web_1", &Flags::default()).unwrap_err();
    assert!(err.message.contains("steps"), "{err}");
}

#[test]
fn output_past_the_limit_is_refused() {
    let template = "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}";
    let err = render(template, "web_1", &Flags::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "run.sh.j2: renders more than 16 MiB (rendering web_1 on 127.0.0.3)"
    );
}

/// A folder holding `run.sh.j2` and the files around it that templates try to reach.
struct Folder {
    root: tempfile::TempDir,
}

impl Folder {
    fn new(run_sh: &str) -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("inventory")).unwrap();
        std::fs::write(root.path().join("secret.pem"), "KEY").unwrap();
        let folder = Self { root };
        folder.write("run.sh.j2", run_sh.as_bytes());
        folder
    }

    fn base(&self) -> std::path::PathBuf {
        self.root.path().join("inventory")
    }

    fn write(&self, name: &str, contents: &[u8]) {
        std::fs::write(self.base().join(name), contents).unwrap();
    }

    fn render(&self) -> Result<String, RenderError> {
        let inventory = inventory();
        let group = inventory.group("product").unwrap();
        let member = inventory.members("product").next().unwrap();
        let renderer = Renderer::new(file_loader(&self.base()));
        let rendered = renderer.render(&inventory, group, member, &Flags::default())?;
        Ok(rendered.files[0].content.clone())
    }

    fn load_error(&self, name: &str) -> String {
        file_loader(&self.base())(name).unwrap_err().to_string()
    }
}

#[test]
fn includes_inside_the_folder_render() {
    let folder = Folder::new("a\n{% include 'parts/../part.j2' %}");
    folder.write("part.j2", b"{{ container }}\n");
    assert_eq!(folder.render().unwrap(), "a\ncore_1\n");
}

#[test]
fn includes_outside_the_folder_are_refused_at_their_line() {
    let secret = Folder::new("").root.path().join("secret.pem");
    let folder = Folder::new(&format!("a\n{{% include '{}' %}}\n", secret.display()));
    let err = folder.render().unwrap_err();
    assert_eq!((err.template.as_str(), err.line), ("run.sh.j2", Some(2)));
    assert!(err.message.contains("is an absolute path"), "{err}");

    let folder = Folder::new("{% include '../secret.pem' %}");
    let err = folder.render().unwrap_err();
    assert_eq!(
        err.to_string(),
        "run.sh.j2:1: invalid operation: template `../secret.pem` leads outside the inventory's \
         folder (rendering core_1 on 127.0.0.2)"
    );
}

#[test]
fn symlinks_leading_outside_the_folder_are_refused() {
    let folder = Folder::new("");
    let secret = folder.root.path().join("secret.pem");
    std::os::unix::fs::symlink(&secret, folder.base().join("key.j2")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", folder.base().join("zero.j2")).unwrap();
    for name in ["key.j2", "zero.j2"] {
        assert_eq!(
            folder.load_error(name),
            format!("invalid operation: template `{name}` leads outside the inventory's folder through a symlink")
        );
    }
}

#[test]
fn unreadable_templates_say_why() {
    let folder = Folder::new("");
    folder.write("latin1.j2", b"caf\xe9");
    folder.write("big.j2", &vec![b'x'; MAX_TEMPLATE_BYTES as usize + 1]);
    std::fs::create_dir(folder.base().join("dir.j2")).unwrap();
    let fifo = folder.base().join("fifo.j2");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (name, why) in [
        ("latin1.j2", "is not UTF-8 text".to_string()),
        (
            "big.j2",
            format!("is larger than {MAX_TEMPLATE_BYTES} bytes"),
        ),
        ("dir.j2", "is a directory, not a file".to_string()),
        (
            "fifo.j2",
            "is not a regular file (a FIFO, socket or device)".to_string(),
        ),
    ] {
        assert_eq!(
            folder.load_error(name),
            format!("invalid operation: template `{name}` {why}")
        );
    }
    assert!(file_loader(&folder.base())("missing.j2").unwrap().is_none());
}

#[test]
fn line_refuses_values_that_would_start_lines_of_their_own() {
    let template = "a\nmode={{ mode | line }}|{{ core | line }}|{{ image | line }}\n";
    let plain = Flags {
        monitor: false,
        mode: Some("dev new".into()),
    };
    assert_eq!(
        render(template, "core_1", &plain).unwrap(),
        "a\nmode=dev new|true|\n"
    );
    let hostile = Flags {
        monitor: false,
        mode: Some("x\nport=1".into()),
    };
    assert_eq!(
        render(template, "core_1", &hostile)
            .unwrap_err()
            .to_string(),
        "run.sh.j2:2: invalid operation: \"x\\nport=1\" holds a control character, so it would \
         not stay on one line (rendering core_1 on 127.0.0.2)"
    );
}
