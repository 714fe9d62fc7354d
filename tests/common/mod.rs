//! A builder for end-to-end runs of the jdeploy binary in a scratch directory.

#![allow(dead_code)]

pub mod engines;
pub mod fleet;
pub mod inventory;
pub mod proxy;
pub mod recorder;
pub mod server;

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A minimal `/run.sh` template, so inventories under test need only their own keys.
pub const RUN_SH: &str = "#!/bin/sh\n{{ env_set }}\n";

pub struct Test {
    dir: TempDir,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    expected_status: i32,
    expected_stdout: Option<String>,
    expected_stderr: Option<String>,
}

/// Where stdout goes in [`Test::run_into`].
pub enum Stdout {
    /// A pipe whose reader went away before anything was written (`| head -0`).
    Closed,
    /// `/dev/full`: every write fails.
    Full,
}

pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub dir: TempDir,
}

impl Test {
    pub fn new() -> Self {
        let test = Self {
            dir: tempfile::tempdir().expect("a scratch directory"),
            args: Vec::new(),
            envs: Vec::new(),
            expected_status: 0,
            expected_stdout: None,
            expected_stderr: None,
        };
        test.file("run.sh.j2", RUN_SH)
    }

    /// The project's shipped groups.yaml, run.sh.j2, templates and demo code.
    pub fn shipped() -> Self {
        let test = Self::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in [
            "groups.yaml",
            "run.sh.j2",
            "templates/app.conf.j2",
            "demo/code/app.sh",
            "demo/code/index.html",
        ] {
            let text = std::fs::read_to_string(root.join(file)).expect("a shipped file");
            test.write(file, &text);
        }
        test
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn write(&self, name: &str, contents: &str) {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    pub fn file(self, name: &str, contents: &str) -> Self {
        self.write(name, contents);
        self
    }

    pub fn dir(self, name: &str) -> Self {
        std::fs::create_dir_all(self.dir.path().join(name)).unwrap();
        self
    }

    pub fn groups(self, yaml: &str) -> Self {
        self.file("groups.yaml", yaml)
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    pub fn status(mut self, status: i32) -> Self {
        self.expected_status = status;
        self
    }

    pub fn stdout(mut self, stdout: &str) -> Self {
        self.expected_stdout = Some(stdout.to_string());
        self
    }

    pub fn stderr(mut self, stderr: &str) -> Self {
        self.expected_stderr = Some(stderr.to_string());
        self
    }

    /// Runs with stdout going to `stdout` rather than captured: a pipe whose reader
    /// is gone, or a file that cannot be written. Checks the exit status; gives stderr.
    pub fn run_into(self, stdout: Stdout) -> String {
        let mut command = self.command();
        let stderr = match stdout {
            Stdout::Closed => {
                let mut child = command
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("jdeploy runs");
                drop(child.stdout.take());
                child.wait_with_output().expect("jdeploy ends")
            }
            Stdout::Full => command
                .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
                .output()
                .expect("jdeploy runs"),
        };
        let stderr_text = String::from_utf8(stderr.stderr).unwrap();
        assert_eq!(
            stderr.status.code(),
            Some(self.expected_status),
            "exit status of jdeploy {:?}\n--- stderr\n{stderr_text}",
            self.args
        );
        stderr_text
    }

    /// Starts jdeploy with both streams piped, for callers that read them as it runs;
    /// the scratch directory lives as long as the returned guard.
    pub fn spawn_piped(self) -> (std::process::Child, TempDir) {
        let child = self
            .command()
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("jdeploy runs");
        (child, self.dir)
    }

    fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_jdeploy"));
        command
            .current_dir(self.dir.path())
            .args(&self.args)
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("JDEPLOY_FILE")
            .env_remove("JDEPLOY_LOG")
            .env_remove("JDEPLOY_SECRETS")
            .env("NO_COLOR", "1");
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        command
    }

    /// Starts jdeploy and returns at once, its output captured.
    pub fn spawn(self) -> Running {
        let child = self
            .command()
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("jdeploy runs");
        Running {
            child,
            args: self.args,
            dir: self.dir,
        }
    }

    pub fn run(self) -> Output {
        let output = self.command().output().expect("jdeploy runs");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            output.status.code(),
            Some(self.expected_status),
            "exit status of jdeploy {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            self.args
        );
        if let Some(expected) = &self.expected_stdout {
            assert_eq!(&stdout, expected, "stdout of jdeploy {:?}", self.args);
        }
        if let Some(expected) = &self.expected_stderr {
            assert_eq!(&stderr, expected, "stderr of jdeploy {:?}", self.args);
        }
        Output {
            stdout,
            stderr,
            dir: self.dir,
        }
    }
}

/// A jdeploy still running, from [`Test::spawn`].
pub struct Running {
    child: std::process::Child,
    args: Vec<String>,
    dir: TempDir,
}

impl Running {
    /// Waits for it to end with `status`.
    pub fn wait(self, status: i32) -> Output {
        let output = self.child.wait_with_output().expect("jdeploy ends");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            output.status.code(),
            Some(status),
            "exit status of jdeploy {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            self.args
        );
        Output {
            stdout,
            stderr,
            dir: self.dir,
        }
    }

    /// SIGKILL, as a lost runner: it gets no chance to clean up.
    pub fn kill(mut self) {
        self.child.kill().expect("jdeploy is ours to kill");
        let _ = self.child.wait();
    }
}
