//! A `jdeploy serve` of its own for a test: started on a free loopback port, asked over
//! HTTP, stopped with SIGTERM (the only process it stops is the one it started).

use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use super::Test;

pub struct Served {
    child: Option<Child>,
    pub base: String,
    stderr: Arc<Mutex<String>>,
    client: reqwest::blocking::Client,
    pub dir: TempDir,
}

impl Served {
    /// Serves `test`'s groups.yaml with its history in `history.db`.
    pub fn start(test: Test) -> Self {
        Self::start_with(test, &[])
    }

    pub fn start_with(test: Test, extra: &[&str]) -> Self {
        let mut args = vec!["--state", "history.db", "serve", "--listen", "127.0.0.1:0"];
        args.extend(extra);
        let (mut child, dir) = test.args(args).spawn_piped();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (found, address) = std::sync::mpsc::channel();
        let mut reader = BufReader::new(child.stderr.take().expect("stderr"));
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                // `serving groups.yaml on http://127.0.0.1:PORT/ ...`
                if let Some(rest) = line.split(" on http").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    let _ = found.send(format!("http{}", url.trim_end_matches('/')));
                }
                collected.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let origin = address
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "the server never said where it listens:\n{}",
                    stderr.lock().unwrap()
                )
            });
        Self {
            child: Some(child),
            base: format!("{origin}/api/v1"),
            stderr,
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("a client"),
            dir,
        }
    }

    /// Trusts `pem` (a CA certificate) for HTTPS, beside nothing else.
    pub fn trusting(mut self, pem: &[u8]) -> Self {
        let certificate = reqwest::Certificate::from_pem(pem).expect("a PEM certificate");
        self.client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .tls_built_in_root_certs(false)
            .add_root_certificate(certificate)
            .build()
            .expect("a client");
        self
    }

    /// A new token for `user` as `role` on `groups` (every group for an admin), made by
    /// `jdeploy token create` in the server's own database.
    pub fn token(&self, user: &str, role: &str, groups: &[&str]) -> String {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_jdeploy"));
        command
            .current_dir(self.dir.path())
            .env_remove("JDEPLOY_FILE")
            .args([
                "--state",
                "history.db",
                "token",
                "create",
                "--json",
                "--user",
                user,
                "--role",
                role,
            ]);
        for group in groups {
            command.args(["--group", group]);
        }
        let output = command.output().expect("jdeploy runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let created: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        created["token"].as_str().expect("a token").to_string()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `GET path` with `token`: the status and the JSON answer.
    pub fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .expect("the server answers");
        answer(response)
    }

    /// `POST path` with a JSON `body`.
    pub fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .expect("the server answers");
        answer(response)
    }

    /// A request without any token.
    pub fn get_anonymous(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .expect("the server answers");
        answer(response)
    }

    /// Polls job `id` until it ends; its final view.
    pub fn wait_job(&self, token: &str, id: i64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (status, job) = self.get(token, &format!("/jobs/{id}"));
            assert_eq!(status, 200, "{job}");
            if job["state"] != "running" {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} never ended: {job}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The server-sent events of `path`, read to the end: (event, data) pairs.
    pub fn events(&self, token: &str, path: &str) -> Vec<(String, String)> {
        let mut response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 200);
        let mut text = String::new();
        response.read_to_string(&mut text).expect("the stream ends");
        let mut events = Vec::new();
        for block in text.split("\n\n") {
            let mut kind = String::from("message");
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    kind = value.trim().to_string();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push(value.strip_prefix(' ').unwrap_or(value).to_string());
                }
            }
            if !data.is_empty() {
                events.push((kind, data.join("\n")));
            }
        }
        events
    }

    /// SIGTERM, then its exit status and everything it printed on stderr.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn stop(&mut self) -> (Option<i32>, String) {
        let mut child = self.child.take().expect("running");
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let status = child.wait().expect("the server ends");
        // The reader thread sees the end of stderr once the process is gone.
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), self.stderr())
    }
}

/// A throwaway CA (`ca.pem`) and a server certificate for 127.0.0.1 signed by it
/// (`server-cert.pem`, `server-key.pem`), made by the project's own script.
pub fn loopback_certificates() -> TempDir {
    let certs = tempfile::tempdir().unwrap();
    let made =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/gen-certs.sh"))
            .arg(certs.path())
            .env("JDEPLOY_TLS_SAN", "IP:127.0.0.1")
            .output()
            .expect("gen-certs.sh runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    certs
}

fn answer(response: reqwest::blocking::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
