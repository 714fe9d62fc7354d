//! Every kind of bad input, each with the exact message an operator sees. All exit 2.

mod common;

use common::Test;

const UNIT: &str = "units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n";

/// Validates `yaml`, with `files` (name, contents) written beside it, and expects exit
/// status 2 with exactly `stderr`.
fn rejected(yaml: &str, files: &[(&str, &str)], stderr: &str) {
    let mut test = Test::new().groups(yaml);
    for (name, contents) in files {
        test = test.file(name, contents);
    }
    test.args(["validate"]).status(2).stderr(stderr).run();
}

/// A test of its own per case, so that one failing case does not hide the others.
macro_rules! bad_inventory {
    ($name:ident, $yaml:expr, $stderr:expr $(,)?) => {
        bad_inventory!($name, $yaml, &[], $stderr);
    };
    ($name:ident, $yaml:expr, $files:expr, $stderr:expr $(,)?) => {
        #[test]
        fn $name() {
            rejected($yaml, $files, $stderr);
        }
    };
}

bad_inventory!(
    yaml_syntax,
    "units: [\n  - host: a\n",
    "error: groups.yaml:2:3: invalid YAML: did not find expected node content, while parsing a flow node\n",
);

bad_inventory!(
    empty_file,
    "\n",
    "error: groups.yaml: the file is empty\n  help: list at least `units:`; see the README for the format\n",
);

bad_inventory!(
    unknown_top_level_key,
    "imagse:\n  product: x\nunits: []\n",
    "error: groups.yaml:1:1: unknown key `imagse`\n  help: did you mean `images`?\n",
);

bad_inventory!(
    unknown_unit_key,
    "units:\n  - hots: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:2:5: units[0]: unknown key `hots`\n  help: did you mean `host`?\n",
);

bad_inventory!(
    unknown_group_setting,
    "groups:\n  product:\n    prots: ['80:80']\nunits: []\n",
    "error: groups.yaml:3:5: groups.product: unknown key `prots`\n  help: did you mean `ports`?\n",
);

bad_inventory!(
    wrong_type,
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n    core: yes please\n",
    "error: groups.yaml:5:11: units[0].core: invalid type: string \"yes please\", expected a boolean\n",
);

bad_inventory!(
    missing_field,
    "units:\n  - host: 127.0.0.2\n    group: [product]\n",
    "error: groups.yaml:2:5: units[0]: missing key `dockers`\n",
);

bad_inventory!(
    container_defined_twice,
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1, web_2]\n    group: [product]\n  - host: tcp://127.0.0.2:2375\n    dockers: [web_2]\n    group: [test]\n",
    "error: groups.yaml:6:15: units[1].dockers[0]: container `web_2` on tcp://127.0.0.2:2375 is already defined at line 3\n",
);

bad_inventory!(
    container_name_docker_refuses,
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1, 'web 2']\n    group: [product]\n",
    "error: groups.yaml:3:22: units[0].dockers[1]: container name `web 2` is refused by Docker: use two or more of a-z A-Z 0-9 _ . - starting with a letter or digit\n",
);

bad_inventory!(
    unusable_endpoint,
    "units:\n  - host: ssh://root@127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:2:11: units[0].host: unsupported scheme `ssh://`; use a bare address, tcp://, https:// or unix://\n",
);

bad_inventory!(
    https_without_tls_material,
    "units:\n  - host: https://127.0.0.2:2376\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:2:11: units[0].host: 127.0.0.2:2376 needs TLS material: set `hosts.<host>.tls` or DOCKER_CERT_PATH\n",
);

bad_inventory!(
    tls_material_missing,
    "hosts:\n  https://127.0.0.2:2376:\n    tls:\n      cert_path: certs\nunits:\n  - host: https://127.0.0.2:2376\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:3:5: hosts.https://127.0.0.2:2376.tls: CA certificate for https://127.0.0.2:2376 not found at certs/ca.pem\nerror: groups.yaml:3:5: hosts.https://127.0.0.2:2376.tls: client certificate for https://127.0.0.2:2376 not found at certs/cert.pem\nerror: groups.yaml:3:5: hosts.https://127.0.0.2:2376.tls: client key for https://127.0.0.2:2376 not found at certs/key.pem\nerror: 3 errors; nothing was changed\n",
);

bad_inventory!(
    copy_source_missing,
    "defaults:\n  copy:\n    - src: code\n      dest: /workspace\nunits:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:3:12: defaults.copy[0].src: copy source code does not exist\n",
);

bad_inventory!(
    run_template_missing,
    "groups:\n  product:\n    run_template: missing.j2\nunits:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:3:19: groups.product.run_template: template `missing.j2` not found at missing.j2\n",
);

bad_inventory!(
    undefined_template_variable,
    UNIT,
    &[("run.sh.j2", "#!/bin/sh\necho {{ vars.nme }}\n")],
    "error: run.sh.j2:2: undefined variable `vars.nme`\n  help: while rendering web_1 on 127.0.0.2\n",
);

bad_inventory!(
    template_syntax_error,
    UNIT,
    &[("run.sh.j2", "#!/bin/sh\n{% if core %}\necho core\n")],
    "error: run.sh.j2:3: syntax error: unexpected end of input, expected end of block\n",
);

bad_inventory!(
    bad_group_name,
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [prod/uct]\n",
    "error: groups.yaml:4:13: units[0].group[0]: group name `prod/uct` may use only a-z A-Z 0-9 _ - .\n",
);

bad_inventory!(
    restart_policy_typo,
    "defaults:\n  restart: unles-stopped\nunits: []\n",
    "error: groups.yaml:2:12: defaults.restart: unknown restart policy `unles-stopped`\n  help: did you mean `unless-stopped`?\n",
);

bad_inventory!(
    bad_port_and_volume,
    "defaults:\n  ports: ['8080']\n  volumes: ['/data:data']\nunits: []\n",
    "error: groups.yaml:2:11: defaults.ports[0]: `8080` is not a port mapping; write [IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp|sctp], as in 8080:80\nerror: groups.yaml:3:13: defaults.volumes[0]: volume target `data` must be an absolute path inside the container\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    env_name_a_shell_cannot_export,
    "defaults:\n  env:\n    APP-ENV: x\nunits: []\n",
    "error: groups.yaml:3:14: defaults.env.APP-ENV: `APP-ENV` is not a variable name a shell can export\n",
);

bad_inventory!(
    label_in_jdeploys_namespace,
    "defaults:\n  labels:\n    io.jdeploy.group: x\nunits: []\n",
    "error: groups.yaml:3:23: defaults.labels.io.jdeploy.group: labels under `io.jdeploy.` are jdeploy's own\n",
);

bad_inventory!(
    destination_in_jdeploys_own_directory,
    "defaults:\n  copy:\n    - { src: code, dest: /.jdeploy/releases }\nunits: []\n",
    &[("code/app.sh", "echo\n")],
    "error: groups.yaml:3:26: defaults.copy[0].dest: `/.jdeploy/releases` is under /.jdeploy, where jdeploy keeps its releases\n",
);

bad_inventory!(
    tls_without_checking_the_engine,
    "hosts:\n  h1:\n    tls: { cert_path: certs, verify: false }\nunits:\n  - { host: h1, dockers: [a1], group: g }\n",
    "error: groups.yaml:3:5: hosts.h1.tls: `verify: false` is not supported: jdeploy always checks the engine's certificate against `ca`\n",
);

bad_inventory!(
    template_rendered_into_a_volume,
    "defaults:\n  volumes: [/srv/data:/data]\n  templates:\n    - { src: app.conf.j2, dest: /data/app.conf }\nunits:\n  - { host: h1, dockers: [a1], group: g }\n",
    &[("app.conf.j2", "x\n")],
    "error: groups.yaml:4:33: defaults.templates[0].dest: `/data/app.conf` is inside the volume mounted at `/data`: group `g` cannot render into a volume\n  help: render to the container's own file system and link or copy it from your service\n",
);

bad_inventory!(
    code_copied_into_a_volume,
    "defaults:\n  volumes: [/srv/data:/data]\n  copy:\n    - { src: code, dest: /data/app }\nunits:\n  - { host: h1, dockers: [a1], group: g }\n",
    &[("code/app.sh", "echo\n")],
    "error: groups.yaml:4:26: defaults.copy[0].dest: `/data/app` is inside the volume mounted at `/data`: group `g` cannot copy into a volume\n  help: copy code to the container's own file system; volumes are for data that outlives releases\n",
);

bad_inventory!(
    no_release_kept,
    "releases:\n  keep: 0\nunits:\n  - { host: h1, dockers: [a1], group: g }\n",
    "error: groups.yaml:2:9: releases.keep: must be at least 1: a container keeps the release it runs\n",
);

bad_inventory!(
    core_cmd_set_twice,
    "core_cmd: a\ndefaults:\n  core_cmd: b\nunits: []\n",
    "error: groups.yaml:3:13: defaults.core_cmd: `core_cmd` is already set at line 1\n  help: keep one of them\n",
);

bad_inventory!(
    image_set_twice,
    "images:\n  product: a\ngroups:\n  product:\n    image: b\nunits: []\n",
    "error: groups.yaml:5:12: groups.product.image: the image of `product` is already set at line 2\n",
);

bad_inventory!(
    zero_timeout,
    "connection:\n  timeout: 0\nunits: []\n",
    "error: groups.yaml:2:12: connection.timeout: must be greater than 0\n",
);

bad_inventory!(
    bad_file_mode_and_relative_dest,
    "defaults:\n  templates:\n    - src: a.j2\n      dest: etc/a.conf\n    - src: b.j2\n      dest: /etc/b.conf\n      mode: '0999'\nunits: []\n",
    "error: groups.yaml:4:13: defaults.templates[0].dest: `etc/a.conf` must be an absolute path inside the container\nerror: groups.yaml:7:13: defaults.templates[1].mode: `0999` is not an octal file mode\n  help: write it like \"0644\"\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    emptying_the_root,
    "defaults:\n  copy:\n    - src: .\n      dest: /\n      clean: true\nunits: []\n",
    "error: groups.yaml:4:13: defaults.copy[0].dest: refusing to empty `/` before copying\n",
);

bad_inventory!(
    one_engine_spelled_two_ways,
    "units:\n  - host: 10.0.0.5\n    dockers: [web_1]\n    group: [product]\n  - host: TCP://10.0.0.5:2375\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:6:15: units[1].dockers[0]: container `web_1` on TCP://10.0.0.5:2375 is already defined at line 3\n",
);

bad_inventory!(
    host_settings_for_one_engine_twice,
    "hosts:\n  node1: {}\n  tcp://NODE1:2375: {}\nunits:\n  - host: node1\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:3:3: hosts.tcp://NODE1:2375: `tcp://NODE1:2375` is the same engine as `node1` at line 2\n",
);

bad_inventory!(
    one_ipv6_engine_spelled_two_ways,
    "units:\n  - host: \"::1\"\n    dockers: [web_1]\n    group: [product]\n  - host: \"[0:0:0:0:0:0:0:1]:2375\"\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:6:15: units[1].dockers[0]: container `web_1` on [0:0:0:0:0:0:0:1]:2375 is already defined at line 3\n",
);

bad_inventory!(
    tls_settings_found_under_another_ipv6_spelling,
    "hosts:\n  \"fd00::5\":\n    tls:\n      cert_path: certs\nunits:\n  - host: \"FD00:0:0:0:0:0:0:5\"\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:3:5: hosts.fd00::5.tls: CA certificate for FD00:0:0:0:0:0:0:5 not found at certs/ca.pem\nerror: groups.yaml:3:5: hosts.fd00::5.tls: client certificate for FD00:0:0:0:0:0:0:5 not found at certs/cert.pem\nerror: groups.yaml:3:5: hosts.fd00::5.tls: client key for FD00:0:0:0:0:0:0:5 not found at certs/key.pem\nerror: 3 errors; nothing was changed\n",
);

bad_inventory!(
    addresses_that_name_no_engine,
    "units:\n  - { host: 0.0.0.0, dockers: [a1], group: g }\n  - { host: \"::\", dockers: [b1], group: g }\n  - { host: 255.255.255.255, dockers: [c1], group: g }\n  - { host: 239.1.2.3, dockers: [d1], group: g }\n",
    "error: groups.yaml:2:13: units[0].host: `0.0.0.0` is the unspecified address (\"any interface\"), not an engine's address; use an address the engine listens on\nerror: groups.yaml:3:13: units[1].host: `::` is the unspecified address (\"any interface\"), not an engine's address; use an address the engine listens on\nerror: groups.yaml:4:13: units[2].host: `255.255.255.255` is the broadcast address, not an engine's address; use an address the engine listens on\nerror: groups.yaml:5:13: units[3].host: `239.1.2.3` is a multicast address, not an engine's address; use an address the engine listens on\nerror: 4 errors; nothing was changed\n",
);

bad_inventory!(
    ipv6_zone_id,
    "units:\n  - host: \"fe80::1%eth0\"\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:2:11: units[0].host: `fe80::1%eth0`: zone ids (%eth0) are not supported; use the address without it\n",
);

bad_inventory!(
    loose_host_values,
    "units:\n  - host: 999.1.1.1\n    dockers: [web_1]\n    group: [product]\n  - host: tcp://h:2375#x\n    dockers: [web_1]\n    group: [product]\n  - host: \"unix:///x\\ntouch /tmp/x #\"\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:2:11: units[0].host: `999.1.1.1` is not a valid IP address\nerror: groups.yaml:5:11: units[1].host: `tcp://h:2375#x` must be only a host and a port\nerror: groups.yaml:8:11: units[2].host: host \"unix:///x\\ntouch /tmp/x #\" contains spaces or control characters\nerror: 3 errors; nothing was changed\n",
);

bad_inventory!(
    destinations_leaving_their_path,
    "defaults:\n  copy:\n    - src: .\n      dest: /.\n      clean: true\n    - src: .\n      dest: /usr/..\nunits: []\n",
    "error: groups.yaml:4:13: defaults.copy[0].dest: `/.` must not contain `.` or `..`\nerror: groups.yaml:7:13: defaults.copy[1].dest: `/usr/..` must not contain `.` or `..`\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    null_env_value,
    "defaults:\n  env:\n    PY: ~\nunits: []\n",
    "error: groups.yaml:3:5: defaults.env: the value is null; write '' for an empty string\n",
);

bad_inventory!(
    file_mode_that_is_not_octal,
    "defaults:\n  templates:\n    - src: a.j2\n      dest: /etc/a\n      mode: 0o644x\nunits: []\n",
    "error: groups.yaml:5:13: defaults.templates[0].mode: `0o644x` is not an octal file mode\n  help: write it like \"0644\"\n",
);

bad_inventory!(
    empty_image,
    "images:\n  product: ''\nunits: []\n",
    "error: groups.yaml:2:12: images.product: \"\" is not an image reference\n",
);

bad_inventory!(
    port_zero,
    "connection:\n  port: 0\nunits: []\n",
    "error: groups.yaml:2:9: connection.port: must be greater than 0\n",
);

bad_inventory!(
    undefined_value_through_a_filter,
    UNIT,
    &[("run.sh.j2", "export A={{ vars.nme | quote }}\n")],
    "error: run.sh.j2:1: undefined variable `vars.nme`\n  help: while rendering web_1 on 127.0.0.2\n",
);

bad_inventory!(
    missing_include,
    UNIT,
    &[("run.sh.j2", "{% include 'parts/missing.j2' %}\n")],
    "error: run.sh.j2:1: template not found: tried to include non-existing template 'parts/missing.j2'\n  help: while rendering web_1 on 127.0.0.2\n",
);

bad_inventory!(
    include_outside_the_folder,
    UNIT,
    &[("run.sh.j2", "#!/bin/sh\n{% include '/dev/zero' %}\n")],
    "error: run.sh.j2:2: invalid operation: template `/dev/zero` is an absolute path; templates are read from the inventory's folder only\n  help: while rendering web_1 on 127.0.0.2\n",
);

bad_inventory!(
    include_above_the_folder,
    UNIT,
    &[("run.sh.j2", "{% include 'parts/../../key.pem' %}\n")],
    "error: run.sh.j2:1: invalid operation: template `parts/../../key.pem` leads outside the inventory's folder\n  help: while rendering web_1 on 127.0.0.2\n",
);

bad_inventory!(
    a_render_that_never_ends,
    UNIT,
    &[("run.sh.j2", "{% for i in range(100000) %}\n{% for j in range(100000) %}{% endfor %}\n{% endfor %}\n")],
    "error: run.sh.j2:2: rendering took more than 1000000 steps\n  help: while rendering web_1 on 127.0.0.2\n",
);

bad_inventory!(
    two_broken_templates,
    "defaults:\n  templates:\n    - src: b.j2\n      dest: /etc/b\nunits:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
    &[("run.sh.j2", "{% if %}\n"), ("b.j2", "{{ }}\n")],
    "error: run.sh.j2:1: syntax error: unexpected end of block\nerror: b.j2:1: syntax error: unexpected end of variable block\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    tls_material_missing_for_a_host_spelled_another_way,
    "hosts:\n  10.0.0.9:\n    tls:\n      cert_path: certs\nunits:\n  - host: tcp://10.0.0.9:2375\n    dockers: [web_1]\n    group: [product]\n",
    "error: groups.yaml:3:5: hosts.10.0.0.9.tls: CA certificate for tcp://10.0.0.9:2375 not found at certs/ca.pem\nerror: groups.yaml:3:5: hosts.10.0.0.9.tls: client certificate for tcp://10.0.0.9:2375 not found at certs/cert.pem\nerror: groups.yaml:3:5: hosts.10.0.0.9.tls: client key for tcp://10.0.0.9:2375 not found at certs/key.pem\nerror: 3 errors; nothing was changed\n",
);

#[test]
fn a_deeply_nested_inventory_is_refused_where_it_crosses_the_limit() {
    let depth = 100_000;
    for (yaml, expected) in [
        (
            format!("units: {}{}\n", "[".repeat(depth), "]".repeat(depth)),
            "error: groups.yaml:1:71: units[0][0]...: nested deeper than 64 levels\n",
        ),
        (
            format!("units:\n  {}x\n", "- ".repeat(depth)),
            "error: groups.yaml:2:129: units[0][0]...: nested deeper than 64 levels\n",
        ),
    ] {
        Test::new()
            .groups(&yaml)
            .args(["validate"])
            .status(2)
            .stderr(expected)
            .run();
    }
}

const ROLLOUT_UNIT: &str =
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n";

bad_inventory!(
    rollout_batch_of_no_containers,
    &format!("groups:\n  product:\n    rollout:\n      batch: 0\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:4:14: groups.product.rollout.batch: a batch of no containers would never finish\n  help: leave `batch` out to deploy every container at once\n",
);

bad_inventory!(
    rollout_unknown_failure_policy,
    &format!("defaults:\n  rollout:\n    on_failure: rollbak\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:3:17: defaults.rollout.on_failure: `rollbak` is not a failure policy\n  help: did you mean `rollback`?\n",
);

bad_inventory!(
    rollout_duration_without_a_unit,
    &format!("defaults:\n  rollout:\n    min_healthy: 3\n    max_failures: 120%\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:4:19: defaults.rollout.max_failures: `120%` is more than 100%\nerror: groups.yaml:3:18: defaults.rollout.min_healthy: `3` is not a duration; write it with a unit, such as 3s, 500ms or 2m\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    rollout_gate_longer_than_its_deadline,
    &format!("defaults:\n  rollout:\n    min_healthy: 2m\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:3:18: defaults.rollout.min_healthy: group product: min_healthy (2m) is longer than deadline (1m): no container could pass\n",
);

bad_inventory!(
    health_without_a_command,
    &format!("defaults:\n  health:\n    cmd: ''\n    retries: 0\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:3:10: defaults.health.cmd: the health check command is empty\n  help: a shell command whose exit status 0 means healthy, such as `test -f /tmp/ready`\nerror: groups.yaml:4:14: defaults.health.retries: retries must be at least 1\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    template_rendered_at_the_root,
    "defaults:\n  templates:\n    - src: a.j2\n      dest: /\nunits: []\n",
    "error: groups.yaml:4:13: defaults.templates[0].dest: `/` is the root directory, not a file\n",
);

bad_inventory!(
    code_copied_onto_the_root,
    "defaults:\n  copy:\n    - src: code\n      dest: //\nunits: []\n",
    "error: groups.yaml:4:13: defaults.copy[0].dest: `//` is the root directory: copy into a directory under it\n",
);

bad_inventory!(
    reserved_destination_with_repeated_slashes,
    "defaults:\n  templates:\n    - src: a.j2\n      dest: //.jdeploy/releases.json\nunits: []\n",
    "error: groups.yaml:4:13: defaults.templates[0].dest: `//.jdeploy/releases.json` is under /.jdeploy, where jdeploy keeps its releases\n",
);

bad_inventory!(
    one_destination_spelled_two_ways,
    "defaults:\n  templates:\n    - src: a.j2\n      dest: /etc/passwd\n    - src: b.j2\n      dest: /etc//passwd/\n    - src: c.j2\n      dest: //run.sh\nunits: []\n",
    "error: groups.yaml:6:13: defaults.templates[1].dest: `/etc/passwd` is rendered twice\nerror: groups.yaml:8:13: defaults.templates[2].dest: /run.sh is rendered from `run_template`\n  help: set `run_template` to change the /run.sh template\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    copy_source_that_is_a_file,
    "defaults:\n  copy:\n    - { src: app.sh, dest: /workspace, clean: true }\nunits:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
    &[("app.sh", "echo\n")],
    "error: groups.yaml:3:14: defaults.copy[0].src: copy source app.sh is not a directory\n",
);

const COPY_CODE: &str = "defaults:\n  copy:\n    - { src: code, dest: /workspace }\nunits:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n";

#[test]
fn fifo_in_a_copy_source() {
    let test = Test::new().groups(COPY_CODE).dir("code");
    let status = std::process::Command::new("mkfifo")
        .arg(test.path().join("code/pipe"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    test.args(["validate"])
        .status(2)
        .stderr("error: groups.yaml:3:14: defaults.copy[0].src: cannot read code/pipe: only files, directories and symlinks can be copied\n")
        .run();
}

#[test]
fn copy_source_name_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let test = Test::new().groups(COPY_CODE).dir("code");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(test.path().join("code").join(name), "x").unwrap();
    test.args(["validate"])
        .status(2)
        .stderr("error: groups.yaml:3:14: defaults.copy[0].src: cannot read code/caf\u{fffd}.txt: the name is not valid UTF-8\n")
        .run();
}

bad_inventory!(
    top_level_key_twice,
    "units: []\nunits: []\n",
    "error: groups.yaml:2:1: units: duplicate key `units` (first at line 1)\n",
);

bad_inventory!(
    group_defined_twice,
    "groups:\n  g: {}\n  g: {}\nunits: []\n",
    "error: groups.yaml:3:3: groups.g: duplicate key `g` (first at line 2)\n",
);

bad_inventory!(
    env_variable_twice,
    "defaults:\n  env:\n    A: x\n    A: y\nunits: []\n",
    "error: groups.yaml:4:5: defaults.env.A: duplicate key `A` (first at line 3)\n",
);

bad_inventory!(
    variable_twice_and_unit_key_twice,
    "vars:\n  a: 1\n  a: 2\nunits:\n  - host: h\n    host: i\n    dockers: [a]\n    group: g\n",
    "error: groups.yaml:3:3: vars.a: duplicate key `a` (first at line 2)\nerror: groups.yaml:6:5: units[0].host: duplicate key `host` (first at line 5)\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    empty_hook,
    "defaults:\n  hooks:\n    pre_stop: ' '\nunits: []\n",
    "error: groups.yaml:3:15: defaults.hooks.pre_stop: the hook is empty\n  help: leave `pre_stop` out to run nothing\n",
);

bad_inventory!(
    hook_timeout_without_unit,
    "groups:\n  product:\n    hooks:\n      timeout: 30\nunits: []\n",
    "error: groups.yaml:4:16: groups.product.hooks.timeout: `30` is not a duration; write it with a unit, such as 3s, 500ms or 2m\n",
);

bad_inventory!(
    unknown_hook,
    "defaults:\n  hooks:\n    pre_start: ./x.sh\nunits: []\n",
    "error: groups.yaml:3:5: defaults.hooks: unknown key `pre_start`\n  help: did you mean `pre_stop`?\n",
);

bad_inventory!(
    notify_format_typo,
    &format!("groups:\n  product:\n    notify:\n      - url: https://hooks.example.com/x\n        format: dingtlak\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:5:17: groups.product.notify[0].format: `dingtlak` is not a notification format\n  help: did you mean `dingtalk`?\n",
);

bad_inventory!(
    notify_url_that_cannot_be_posted_to,
    "defaults:\n  notify:\n    - url: ftp://files.example.com/drop?token=secret\n    - url: hooks.example.com/x?token=secret\nunits: []\n",
    "error: groups.yaml:3:12: defaults.notify[0].url: `ftp:` URLs cannot be posted to; use http or https\nerror: groups.yaml:4:12: defaults.notify[1].url: not a URL: relative URL without a base\n  help: write it like https://hooks.example.com/path?token=...\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    notify_unknown_and_no_events,
    "defaults:\n  notify:\n    - url: https://hooks.example.com/a\n      on: [failure, rolback]\n    - url: https://hooks.example.com/b\n      on: []\nunits: []\n",
    "error: groups.yaml:4:21: defaults.notify[0].on[1]: `rolback` is not an event\n  help: did you mean `rollback`?\nerror: groups.yaml:6:7: defaults.notify[1].on: no event to be told of\n  help: leave `on` out to be told of failure, rollback, watch and heal\nerror: 2 errors; nothing was changed\n",
);

bad_inventory!(
    notify_unknown_key,
    "defaults:\n  notify:\n    - url: https://hooks.example.com/a\n      events: [failure]\nunits: []\n",
    "error: groups.yaml:4:7: defaults.notify[0]: unknown key `events`\n  help: expected one of: url, format, on\n",
);

bad_inventory!(
    secret_name_a_shell_cannot_export,
    &format!("defaults:\n  secrets: [DB-PASSWORD]\n{UNIT}"),
    "error: groups.yaml:2:13: defaults.secrets[0]: `DB-PASSWORD` is not a variable name a shell can export\n",
);

bad_inventory!(
    secret_listed_twice,
    &format!("groups:\n  product:\n    secrets: [API_KEY, API_KEY]\n{UNIT}"),
    "error: groups.yaml:3:24: groups.product.secrets[1]: `API_KEY` is already listed at line 3\n",
);

bad_inventory!(
    secret_also_in_env,
    &format!("defaults:\n  env:\n    DB_PASSWORD: hunter2\ngroups:\n  product:\n    secrets: [DB_PASSWORD]\n{UNIT}"),
    "error: groups.yaml:6:15: groups.product.secrets[0]: group `product`: `DB_PASSWORD` is a secret and also set in `env` at line 3\n  help: remove it from `env`, or from `secrets` if its value may be written in clear\n",
);

bad_inventory!(
    secret_without_a_value,
    &format!("groups:\n  product:\n    secrets: [JDEPLOY_TEST_UNSET_7F1C]\n{UNIT}"),
    "error: groups.yaml:3:15: groups.product.secrets[0]: group `product` needs secret `JDEPLOY_TEST_UNSET_7F1C`: it is neither in the environment nor in .jdeploy/secrets (no such file)\n  help: export JDEPLOY_TEST_UNSET_7F1C, or add `JDEPLOY_TEST_UNSET_7F1C=...` to .jdeploy/secrets, or name another file with --secrets FILE (or JDEPLOY_SECRETS)\n",
);

/// A secrets file that is not dotenv is named by line, and its text (values) not shown.
#[test]
fn secrets_file_that_cannot_be_parsed() {
    Test::new()
        .groups(&format!("groups:\n  product:\n    secrets: [DB_PASSWORD]\n{UNIT}"))
        .file("prod.env", "API_KEY=x\nDB_PASSWORD=\"s3cr3t-Value-7f1c\n")
        .args(["--secrets", "prod.env", "validate"])
        .status(2)
        .stderr("error: groups.yaml:3:15: groups.product.secrets[0]: group `product` needs secret `DB_PASSWORD`: the secrets file prod.env: line 2 is not NAME=value (an unclosed quote?)\n  help: fix prod.env: one NAME=value a line; quote values with spaces, `#` or `$` in '...'\n")
        .run();
}

const TWO_GROUPS: &str =
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [common, api, web]\n";

bad_inventory!(
    depends_on_unknown_group,
    &format!("groups:\n  api:\n    depends_on: [comon]\n{TWO_GROUPS}"),
    "error: groups.yaml:3:18: groups.api.depends_on[0]: no unit is in group `comon`\n  help: did you mean `common`?\n",
);

bad_inventory!(
    depends_on_cycle,
    &format!("groups:\n  api:\n    depends_on: [web]\n  web:\n    depends_on: [common]\n  common:\n    depends_on: [api]\n{TWO_GROUPS}"),
    "error: groups.yaml:7:5: groups.common.depends_on: groups depend on each other in a cycle: common -> api -> web -> common\n  help: remove one of these depends_on entries\n",
);

bad_inventory!(
    depends_on_itself,
    &format!("groups:\n  api:\n    depends_on: [api]\n{TWO_GROUPS}"),
    "error: groups.yaml:3:18: groups.api.depends_on[0]: group `api` cannot depend on itself\n",
);

bad_inventory!(
    depends_on_in_defaults,
    &format!("defaults:\n  depends_on: [common]\n{TWO_GROUPS}"),
    "error: groups.yaml:2:3: defaults.depends_on: `depends_on` names what one group needs first; set it under groups.<name>\n",
);

bad_inventory!(
    deploy_window_in_an_unknown_time_zone,
    &format!("groups:\n  product:\n    windows: ['mon-fri 10:00-16:00 Asia/Shangai']\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:3:15: groups.product.windows[0]: `Asia/Shangai` is not a time zone name\n  help: did you mean `Asia/Shanghai`?\n",
);

bad_inventory!(
    deploy_windows_empty_or_on_no_day,
    &format!("defaults:\n  windows:\n    - 'mon-fri 10:00-10:00'\n    - 'weekdays 10:00-16:00'\n    - 'sat 10:00'\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:3:7: defaults.windows[0]: `10:00-10:00` is empty: its end must differ from its start\n  help: 00:00-24:00 is the whole day\nerror: groups.yaml:4:7: defaults.windows[1]: `weekdays` is not a day: use mon, tue, wed, thu, fri, sat or sun, a range such as mon-fri, or daily\n  help: write mon-fri\nerror: groups.yaml:5:7: defaults.windows[2]: `10:00` is not a time range: write HH:MM-HH:MM, as in 10:00-16:00\nerror: 3 errors; nothing was changed\n",
);

bad_inventory!(
    deploy_window_hour_out_of_range,
    &format!("groups:\n  product:\n    windows:\n      - daily 22:00-25:00 UTC\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:4:9: groups.product.windows[0]: `22:00-25:00` is not a time range: write HH:MM-HH:MM with times from 00:00 to 23:59 (24:00 may end one), as in 10:00-16:00\n",
);

bad_inventory!(
    heal_that_is_not_a_boolean,
    &format!("groups:\n  product:\n    heal: sometimes\n{ROLLOUT_UNIT}"),
    "error: groups.yaml:3:11: groups.product.heal: invalid type: string \"sometimes\", expected a boolean\n",
);
