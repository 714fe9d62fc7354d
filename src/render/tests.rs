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
    Renderer::new(move |name| templates.get(name).cloned())
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
        "core_1:True:start-master"
    );
    assert_eq!(render(template, "web_1", &flags).unwrap(), "web_1:False:");
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
        "export MONITOR_ENABLED=1\nexport RUNTIME_MODE=dev_new\nTrue dev_new"
    );
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
    let renderer = Renderer::new(|_| None);
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
