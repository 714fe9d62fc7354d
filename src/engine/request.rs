//! The create request for a desired container, built without touching an engine.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, HealthConfig, HostConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};

use crate::inventory::gates::HealthCheck;
use crate::plan::DesiredContainer;

pub fn create_body(desired: &DesiredContainer) -> ContainerCreateBody {
    let spec = &desired.spec;
    let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for port in &spec.ports {
        let (published, container_port) = split_port(port);
        let (host_ip, host_port) = match published.rsplit_once(':') {
            Some((ip, port)) => (Some(ip.trim_matches(['[', ']']).to_string()), port),
            None => (None, published),
        };
        port_bindings
            .entry(container_port.to_string())
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip,
                host_port: Some(host_port.to_string()),
            });
    }
    let exposed: Vec<String> = port_bindings.keys().cloned().collect();
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: Some(spec.command.clone()),
        env: Some(desired.env_lines()),
        labels: Some(desired.all_labels().into_iter().collect()),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        stop_timeout: Some(i64::from(spec.stop_timeout)),
        healthcheck: spec.health.as_ref().map(health_config),
        host_config: Some(HostConfig {
            binds: (!spec.volumes.is_empty()).then(|| spec.volumes.clone()),
            port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
            restart_policy: Some(restart_policy(&spec.restart)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The check runs with the container's shell; Docker counts durations in nanoseconds.
fn health_config(health: &HealthCheck) -> HealthConfig {
    let nanos = |duration: std::time::Duration| i64::try_from(duration.as_nanos()).ok();
    HealthConfig {
        test: Some(vec!["CMD-SHELL".into(), health.cmd.clone()]),
        interval: nanos(health.interval),
        timeout: nanos(health.timeout),
        retries: Some(i64::from(health.retries)),
        start_period: nanos(health.start_period),
        ..Default::default()
    }
}

/// `[IP:]HOST:CONTAINER/PROTO` into (`[IP:]HOST`, `CONTAINER/PROTO`).
fn split_port(port: &str) -> (&str, &str) {
    port.rsplit_once(':')
        .expect("ports are validated as [IP:]HOST:CONTAINER/PROTO")
}

fn restart_policy(text: &str) -> RestartPolicy {
    let (name, retries) = match text.split_once(':') {
        Some((name, retries)) => (name, retries.parse().ok()),
        None => (text, None),
    };
    let name = match name {
        "no" => RestartPolicyNameEnum::NO,
        "always" => RestartPolicyNameEnum::ALWAYS,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        _ => RestartPolicyNameEnum::UNLESS_STOPPED,
    };
    RestartPolicy {
        name: Some(name),
        maximum_retry_count: retries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::desired;

    #[test]
    fn builds_ports_binds_restart_and_labels() {
        let mut container = desired("web", false);
        container.spec.ports = vec!["127.0.0.1:8080:80/tcp".into(), "9000:9000/udp".into()];
        container.spec.volumes = vec!["/srv:/data:ro".into()];
        container.spec.restart = "on-failure:3".into();
        let body = create_body(&container);
        let host = body.host_config.unwrap();
        let bindings = host.port_bindings.unwrap();
        let web = bindings["80/tcp"].as_ref().unwrap();
        assert_eq!(web[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(web[0].host_port.as_deref(), Some("8080"));
        assert_eq!(bindings["9000/udp"].as_ref().unwrap()[0].host_ip, None);
        assert_eq!(host.binds.unwrap(), vec!["/srv:/data:ro".to_string()]);
        let restart = host.restart_policy.unwrap();
        assert_eq!(restart.name, Some(RestartPolicyNameEnum::ON_FAILURE));
        assert_eq!(restart.maximum_retry_count, Some(3));
        let labels = body.labels.unwrap();
        assert_eq!(labels["io.jdeploy.group"], "g");
        assert_eq!(labels["io.jdeploy.core"], "false");
        assert_eq!(labels["io.jdeploy.config-hash"], container.config_hash);
        assert_eq!(body.exposed_ports.unwrap().len(), 2);
    }
}
