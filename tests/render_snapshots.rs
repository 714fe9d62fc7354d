//! The shipped groups.yaml rendered for each group, as deploy would write it.

mod common;

use common::Test;

fn render(group: &str, flags: &[&str]) -> String {
    let args = [&["render", "--group", group, "--all-files"][..], flags].concat();
    Test::shipped().args(args).run().stdout
}

#[test]
fn shipped_groups_render_as_reviewed() {
    for group in ["product", "product_2", "test"] {
        insta::assert_snapshot!(
            format!("{group}_monitor_dev_new"),
            render(group, &["--monitor", "--mode", "dev_new"])
        );
    }
    insta::assert_snapshot!("product_defaults", render("product", &[]));
}

#[test]
fn the_shipped_inventory_validates_cleanly() {
    Test::shipped()
        .args(["validate", "--strict"])
        .stdout("groups.yaml is valid: 3 groups, 7 units, 10 containers on 3 hosts; 20 files rendered\n")
        .stderr("")
        .run();
}

#[test]
fn a_mode_with_a_newline_cannot_add_config_lines() {
    Test::shipped()
        .args(["render", "--group", "product", "--all-files", "--mode", "x\nport=1"])
        .status(2)
        .stderr("error: templates/app.conf.j2:5: invalid operation: \"x\\nport=1\" holds a control character, so it would not stay on one line\n  help: while rendering jl_core_2_1 on 127.0.0.2 and 4 more container(s)\n")
        .run();
}
