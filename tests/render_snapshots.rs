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
