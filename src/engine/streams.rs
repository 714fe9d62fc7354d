//! Output that arrives over time: a command run in a container, and its log.

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::LogsOptions;
use futures::StreamExt;

use super::docker::DockerEngine;
use super::error::EngineError;
use super::facts::{LogQuery, OutputSink, OutputStream};

impl DockerEngine {
    pub(super) async fn create_exec(
        &self,
        name: &str,
        command: &[String],
    ) -> Result<String, EngineError> {
        let options = CreateExecOptions {
            cmd: Some(command.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        self.client
            .create_exec(name, options)
            .await
            .map(|created| created.id)
            .map_err(|err| self.fail(err, name))
    }

    pub(super) async fn run_exec(
        &self,
        name: &str,
        exec_id: &str,
        sink: OutputSink<'_>,
    ) -> Result<Option<i64>, EngineError> {
        let options = StartExecOptions {
            detach: false,
            tty: false,
            output_capacity: None,
        };
        let started = self
            .client
            .start_exec(exec_id, Some(options))
            .await
            .map_err(|err| self.fail(err, name))?;
        if let StartExecResults::Attached { mut output, .. } = started {
            while let Some(chunk) = output.next().await {
                pass_on(chunk.map_err(|err| self.fail(err, name))?, sink);
            }
        }
        let inspected = self
            .client
            .inspect_exec(exec_id)
            .await
            .map_err(|err| self.fail(err, name))?;
        Ok(inspected.exit_code)
    }

    pub(super) async fn stream_logs(
        &self,
        name: &str,
        query: LogQuery,
        sink: OutputSink<'_>,
    ) -> Result<(), EngineError> {
        let options = LogsOptions {
            follow: query.follow,
            stdout: true,
            stderr: true,
            since: query
                .since
                .map_or(0, |since| since.clamp(0, i32::MAX.into()) as i32),
            until: 0,
            timestamps: true,
            tail: query
                .tail
                .map_or_else(|| "all".to_string(), |tail| tail.to_string()),
        };
        let mut stream = self.client.logs(name, Some(options));
        while let Some(chunk) = stream.next().await {
            pass_on(chunk.map_err(|err| self.fail(err, name))?, sink);
        }
        Ok(())
    }
}

fn pass_on(chunk: LogOutput, sink: OutputSink<'_>) {
    match chunk {
        LogOutput::StdOut { message } | LogOutput::Console { message } => {
            sink(OutputStream::Stdout, message)
        }
        LogOutput::StdErr { message } => sink(OutputStream::Stderr, message),
        LogOutput::StdIn { .. } => {}
    }
}
