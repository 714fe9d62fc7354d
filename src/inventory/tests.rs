//! The model built from groups.yaml: layering, defaults and shorthands.

use std::path::Path;

use super::container::RestartPolicy;
use super::endpoint::Endpoint;
use super::*;

fn parse(yaml: &str) -> Inventory {
    parse_inventory(
        yaml,
        Path::new("groups.yaml"),
        Path::new("fleet"),
        &LoadOptions::default(),
    )
    .unwrap_or_else(|err| panic!("{err}"))
}

const UNITS: &str = "
units:
  - host: 127.0.0.2
    dockers: [core_1]
    group: [product, test]
    core: true
  - host: 127.0.0.3
    dockers: [web_1]
    group: product
";

#[test]
fn groups_come_in_the_order_units_name_them() {
    let inventory = parse(UNITS);
    assert_eq!(
        inventory.group_names().collect::<Vec<_>>(),
        ["product", "test"]
    );
    let members: Vec<_> = inventory
        .members("product")
        .map(|m| (m.container, m.is_core()))
        .collect();
    assert_eq!(members, [("core_1", true), ("web_1", false)]);
    assert_eq!(inventory.hosts().len(), 2);
}

#[test]
fn jdeploy_defaults_fill_what_no_section_sets() {
    let inventory = parse(UNITS);
    let group = inventory.group("product").unwrap();
    assert_eq!(group.image, None);
    assert_eq!(group.core_cmd, "");
    assert_eq!(group.container.command[..2], ["sh", "-c"]);
    assert!(group.container.command[2].ends_with("exec sh /run.sh"));
    assert_eq!(group.container.restart, RestartPolicy::UnlessStopped);
    assert_eq!(group.container.stop_timeout, 10);
    assert_eq!(group.run_template.path, Path::new("fleet/run.sh.j2"));
    assert_eq!(
        (group.run_template.dest.as_str(), group.run_template.mode),
        ("/run.sh", 0o755)
    );
    assert_eq!(inventory.connection, Connection::default());
}

#[test]
fn groups_override_defaults_key_by_key_and_merge_maps() {
    let inventory = parse(&format!(
        "
core_cmd: start-master
vars: {{ a: 1, b: 2 }}
defaults:
  image: base:1
  command: [/bin/app, --serve]
  env: {{ TZ: UTC, LEVEL: info }}
  ports: ['8080:80']
  labels: {{ team: infra }}
groups:
  test:
    core_cmd: start-test-master
    command: app --test 'two words'
    env: {{ LEVEL: debug }}
    ports: []
    vars: {{ b: 3 }}
{UNITS}"
    ));
    let product = inventory.group("product").unwrap();
    let test = inventory.group("test").unwrap();
    assert_eq!(product.image.as_deref(), Some("base:1"));
    assert_eq!(product.core_cmd, "start-master");
    assert_eq!(product.container.command, ["/bin/app", "--serve"]);
    assert_eq!(product.container.ports.len(), 1);
    assert_eq!(test.core_cmd, "start-test-master");
    assert_eq!(test.container.command, ["app", "--test", "two words"]);
    assert_eq!(test.container.env["TZ"], "UTC");
    assert_eq!(test.container.env["LEVEL"], "debug");
    assert!(
        test.container.ports.is_empty(),
        "lists replace, so [] clears"
    );
    assert_eq!(test.container.labels["team"], "infra");
    assert_eq!(test.vars["a"], serde_yaml::Value::from(1));
    assert_eq!(test.vars["b"], serde_yaml::Value::from(3));
}

#[test]
fn images_shorthand_sits_between_group_and_defaults() {
    let inventory = parse(&format!(
        "images: {{ product: legacy:1 }}\ndefaults: {{ image: base:1 }}\n{UNITS}"
    ));
    assert_eq!(
        inventory.group("product").unwrap().image.as_deref(),
        Some("legacy:1")
    );
    assert_eq!(
        inventory.group("test").unwrap().image.as_deref(),
        Some("base:1")
    );
}

#[test]
fn create_requires_an_image_and_says_where_to_set_it() {
    let inventory = parse(UNITS);
    let err = inventory
        .require_image(inventory.group("test").unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "groups.yaml:5:5: group `test` has no image to create its containers from\n  \
         help: set `images.test` or `groups.test.image` (or `defaults.image`)"
    );
}

#[test]
fn hosts_resolve_with_the_configured_port_and_tls() {
    let inventory = parse(
        "
connection: { port: 4243, timeout: 3, parallel: 2 }
hosts:
  https://10.0.0.5:
    tls: { cert_path: certs/h5 }
units:
  - { host: 127.0.0.2, dockers: [a1], group: g }
  - { host: 'https://10.0.0.5', dockers: [a1], group: g }
  - { host: 'unix:///var/run/docker.sock', dockers: [a1], group: g }
",
    );
    let endpoints: Vec<String> = inventory
        .units
        .iter()
        .map(|u| u.host.endpoint.to_string())
        .collect();
    assert_eq!(
        endpoints,
        [
            "tcp://127.0.0.2:4243",
            "https://10.0.0.5:2376",
            "unix:///var/run/docker.sock"
        ]
    );
    let Endpoint::Tcp { tls: Some(tls), .. } = &inventory.units[1].host.endpoint else {
        panic!("tls expected")
    };
    assert_eq!(tls.ca, Path::new("fleet/certs/h5/ca.pem"));
    assert!(tls.verify);
    assert_eq!(inventory.connection.timeout_secs, 3);
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
}

#[test]
fn docker_tls_verify_upgrades_tcp_hosts() {
    let options = LoadOptions {
        docker_cert_path: Some("/certs".into()),
        docker_tls_verify: true,
    };
    let inventory = parse_inventory(UNITS, Path::new("g.yaml"), Path::new("."), &options).unwrap();
    assert_eq!(
        inventory.units[0].host.endpoint.to_string(),
        "https://127.0.0.2:2375"
    );
}

#[test]
fn the_same_container_name_on_different_hosts_is_fine() {
    let inventory = parse(
        "units:\n  - { host: 127.0.0.2, dockers: [web], group: g }\n  - { host: 127.0.0.3, dockers: [web], group: g }\n",
    );
    assert_eq!(inventory.container_count(), 2);
}

#[test]
fn all_errors_are_reported_at_once() {
    let err = parse_inventory(
        "units:\n  - { host: 'ssh://x', dockers: [a], group: g }\n  - { host: 127.0.0.2, dockers: [ok, '-bad'], group: g }\n",
        Path::new("groups.yaml"),
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.0.len(), 3, "{err}");
}

#[test]
fn env_values_keep_the_text_written() {
    let inventory = parse(&format!(
        "defaults:\n  env: {{ PY: 3.10, OCT: 010, ON: true, BIG: 1e3, EMPTY: '' }}\n{UNITS}"
    ));
    let env = &inventory.group("product").unwrap().container.env;
    let values: Vec<&str> = ["PY", "OCT", "ON", "BIG", "EMPTY"]
        .iter()
        .map(|k| env[*k].as_str())
        .collect();
    assert_eq!(values, ["3.10", "010", "true", "1e3", ""]);
}

#[test]
fn a_null_env_value_is_refused() {
    let err = parse_inventory(
        &format!("defaults:\n  env:\n    X: ~\n{UNITS}"),
        Path::new("groups.yaml"),
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "groups.yaml:3:5: defaults.env: the value is null; write '' for an empty string"
    );
}

mod selection {
    use super::*;

    const FLEET: &str = "
units:
  - host: 127.0.0.2
    dockers: [core_1]
    group: [product, test]
    core: true
  - host: 127.0.0.3
    dockers: [web_1, web_2]
    group: product
  - host: 127.0.0.4
    dockers: [batch_1]
    group: test
";

    fn select(
        group: Option<&str>,
        hosts: &[&str],
        containers: &[&str],
    ) -> Result<Vec<String>, String> {
        let inventory = parse(FLEET);
        let selection = Selection {
            group: group.map(String::from),
            hosts: hosts.iter().map(|host| host.to_string()).collect(),
            containers: containers.iter().map(|name| name.to_string()).collect(),
        };
        inventory
            .select(&selection)
            .map(|targets| {
                targets
                    .iter()
                    .map(|target| format!("{}:{}", target.group, target.member.container))
                    .collect()
            })
            .map_err(|err| {
                err.0
                    .iter()
                    .map(|diagnostic| {
                        format!(
                            "{} ({})",
                            diagnostic.message,
                            diagnostic.help.clone().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    #[test]
    fn a_group_narrowed_by_host_and_container_globs() {
        assert_eq!(
            select(Some("product"), &[], &[]).unwrap(),
            ["product:core_1", "product:web_1", "product:web_2"]
        );
        assert_eq!(
            select(Some("product"), &["127.0.0.3"], &["*_2"]).unwrap(),
            ["product:web_2"]
        );
        assert_eq!(
            select(Some("product"), &["127.0.0.[23]"], &["core_*", "web_1"]).unwrap(),
            ["product:core_1", "product:web_1"]
        );
    }

    #[test]
    fn every_group_lists_each_container_once_with_all_its_groups() {
        assert_eq!(
            select(None, &[], &[]).unwrap(),
            [
                "product,test:core_1",
                "product:web_1",
                "product:web_2",
                "test:batch_1"
            ]
        );
        assert_eq!(select(None, &["*.4"], &[]).unwrap(), ["test:batch_1"]);
    }

    #[test]
    fn patterns_that_match_nothing_are_refused_with_a_suggestion() {
        assert_eq!(
            select(Some("product"), &["127.0.0.4"], &[]).unwrap_err(),
            "no host of group `product` matches `127.0.0.4` (did you mean `127.0.0.3`? (its hosts: 127.0.0.2, 127.0.0.3))"
        );
        assert_eq!(
            select(Some("product"), &[], &["web_3"]).unwrap_err(),
            "no container of group `product` matches `web_3` (did you mean `web_2`? (its containers: core_1, web_1, web_2))"
        );
        assert!(select(Some("product"), &["127.0.0.2"], &["web_*"])
            .unwrap_err()
            .starts_with("no container of group `product` matches both `--host 127.0.0.2` and `--container web_*`"));
        assert!(select(Some("product"), &["[oops"], &[])
            .unwrap_err()
            .starts_with("`--host [oops` is not a valid pattern"));
        assert!(select(Some("prodcut"), &[], &[])
            .unwrap_err()
            .contains("did you mean `product`?"));
    }
}

#[test]
fn notify_targets_default_and_a_groups_list_replaces_defaults() {
    use super::notify::{EventKind, NotifyFormat};
    let inventory = parse(&format!(
        "
defaults:
  notify:
    - url: https://oapi.dingtalk.com/robot/send?access_token=secret
      format: dingtalk
    - url: http://127.0.0.1:9000/hook
      on: [start, success, start]
groups:
  test:
    notify: []
{UNITS}"
    ));
    let product = inventory.group("product").unwrap();
    assert_eq!(product.notify.len(), 2);
    assert_eq!(product.notify[0].format, NotifyFormat::Dingtalk);
    assert_eq!(product.notify[0].on, EventKind::DEFAULT_ON);
    assert_eq!(product.notify[1].format, NotifyFormat::Json);
    assert_eq!(product.notify[1].on, [EventKind::Start, EventKind::Success]);
    assert!(inventory.group("test").unwrap().notify.is_empty());
}

#[test]
fn a_notify_target_is_named_and_serialized_without_its_secrets() {
    let inventory = parse(&format!(
        "
defaults:
  notify:
    - url: https://oapi.dingtalk.com/robot/send?access_token=tok9c1#frag
    - url: https://user:pass@hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX
    - url: http://[::1]:8080/
{UNITS}"
    ));
    let names: Vec<String> = inventory.groups[0]
        .notify
        .iter()
        .map(|target| target.name())
        .collect();
    assert_eq!(
        names,
        [
            "https://oapi.dingtalk.com/robot/send?…",
            "https://hooks.slack.com/services/T0000/B0000/…",
            "http://[::1]:8080/",
        ]
    );
    let json = serde_json::to_string(&inventory.groups[0]).unwrap();
    assert!(!json.contains("tok9c1") && !json.contains("pass") && !json.contains("XXXX"));
    assert!(
        json.contains(r#""format":"json","on":["failure","rollback","watch","heal"]"#),
        "{json}"
    );
}

#[test]
fn a_groups_secrets_add_to_those_of_defaults() {
    let inventory = parse(&format!(
        "defaults:\n  secrets: [API_KEY]\ngroups:\n  product:\n    secrets: [DB_PASSWORD, API_KEY]\n{UNITS}"
    ));
    let names = |group: &str| -> Vec<(String, String)> {
        let group = inventory.group(group).unwrap();
        group
            .secrets
            .iter()
            .map(|secret| (secret.name.clone(), secret.key.clone()))
            .collect()
    };
    let api_key = ("API_KEY".to_string(), "defaults.secrets[0]".to_string());
    let db_password = (
        "DB_PASSWORD".to_string(),
        "groups.product.secrets[0]".to_string(),
    );
    assert_eq!(names("product"), [api_key.clone(), db_password]);
    assert_eq!(names("test"), [api_key]);
}

/// Cycles are looked for only among groups that depend on each other: a long chain of
/// `depends_on` is checked in linear time, and the one cycle at its end is still found.
#[test]
fn a_long_chain_of_depends_on_ending_in_a_cycle() {
    let count = 2_000;
    let mut yaml = String::from("groups:\n");
    for at in 0..count - 1 {
        yaml += &format!("  g{at}: {{depends_on: [g{}]}}\n", at + 1);
    }
    yaml += &format!("  g{}: {{depends_on: [g{}]}}\n", count - 1, count - 2);
    let names: Vec<String> = (0..count).map(|at| format!("g{at}")).collect();
    yaml += &format!(
        "units:\n  - {{host: h, dockers: [a1], group: [{}]}}\n",
        names.join(", ")
    );
    let errors = parse_inventory(
        &yaml,
        Path::new("groups.yaml"),
        Path::new("fleet"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let last = count - 1;
    let before = count - 2;
    assert_eq!(
        errors.to_string(),
        format!(
            "groups.yaml:{}:11: groups.g{before}.depends_on: groups depend on each other in a \
             cycle: g{before} -> g{last} -> g{before}\n  help: remove one of these depends_on entries",
            before + 2
        )
    );
}

/// Duplicates in a long `secrets` list are found by name, not by comparing every pair.
#[test]
fn a_long_secrets_list_is_checked_in_linear_time() {
    let count = 200_000;
    let mut names: Vec<String> = (0..count).map(|at| format!("S{at}")).collect();
    names.push("S7".into());
    let began = std::time::Instant::now();
    let mut checker = checker::Checker::new(Path::new("groups.yaml"), Default::default());
    let parsed = secret_names::parse_secrets(names, "defaults.secrets", &mut checker);
    assert!(began.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(parsed.len(), count);
    let (diagnostics, _) = checker.into_parts();
    let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [format!(
            "groups.yaml: defaults.secrets[{count}]: `S7` is already listed at defaults.secrets[7]"
        )]
    );
    let layered = secret_names::layer_secrets(&parsed, &parsed);
    assert_eq!(layered, parsed);
}

/// A file inside a volume names the first volume, in the group's order, that holds it,
/// however deep it lies.
#[test]
fn templates_and_copies_name_the_volume_they_would_land_in() {
    let yaml = "defaults:
  volumes: ['/srv/a:/data/sub', '/srv/b:/data', 'other:/other/']
  templates:
    - {src: a.j2, dest: /data/sub/deep/app.conf}
    - {src: b.j2, dest: /data/b.conf}
    - {src: c.j2, dest: /other}
    - {src: d.j2, dest: /otherwise/d.conf}
    - {src: e.j2, dest: /dat/e.conf}
  copy:
    - {src: code, dest: /data/sub}
units:
  - {host: h, dockers: [a1], group: g}
";
    let errors = parse_inventory(
        yaml,
        Path::new("groups.yaml"),
        Path::new("fleet"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let found: Vec<(String, String)> = errors
        .0
        .iter()
        .map(|error| {
            let key = error.key.clone().unwrap_or_default();
            let volume = error.message.split('`').nth(3).unwrap_or_default();
            (key, volume.to_string())
        })
        .collect();
    let expected = [
        ("defaults.templates[0].dest", "/data/sub"),
        ("defaults.templates[1].dest", "/data"),
        ("defaults.templates[2].dest", "/other/"),
        ("defaults.copy[0].dest", "/data/sub"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(key, volume)| (key.to_string(), volume.to_string()))
        .collect();
    assert_eq!(found, expected);
}

mod windows;
