//! How the application's questions, warnings and progress reach a job or a request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::app::{Frontend, Question};
use crate::inventory::Diagnostic;
use crate::report::{visible, LineReporter};
use crate::rollout::Reporter;

use super::jobs::LiveJob;

/// A job's: every step and warning becomes one of its events, as CI lines.
pub struct JobFrontend {
    pub job: Arc<LiveJob>,
    /// The user the job runs for, as history and locks name them.
    pub operator: String,
    pub command_line: String,
    /// Set when the server is asked to stop: start nothing more.
    pub stopping: Arc<AtomicBool>,
}

impl Frontend for JobFrontend {
    fn reporter(&self, action: &str) -> Box<dyn Reporter> {
        let job = Arc::clone(&self.job);
        Box::new(LineReporter::to_sink(
            action,
            false,
            Box::new(move |line| job.push(line)),
        ))
    }

    fn diagnostic(&self, diagnostic: &Diagnostic) {
        self.job
            .push(format!("warning: {}", visible(&diagnostic.to_string())));
    }

    fn warning(&self, message: &str) {
        self.job.push(format!("warning: {}", visible(message)));
    }

    fn output(&self, source: &str, line: &str) {
        self.job.push(format!("{source}: {}", visible(line)));
    }

    fn can_answer(&self) -> bool {
        false
    }

    /// The request was the decision: jobs are only started asked for.
    fn confirm(&self, _: &Question<'_>) -> Result<bool, String> {
        Ok(true)
    }

    fn interrupted(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    fn operator(&self) -> String {
        self.operator.clone()
    }

    fn command_line(&self) -> String {
        self.command_line.clone()
    }

    fn recorded(&self, run_id: i64) {
        self.job.record_run(run_id);
    }
}

/// A read-only request's: warnings are kept to go with the answer.
#[derive(Default)]
pub struct RequestFrontend {
    pub warnings: Mutex<Vec<String>>,
}

impl Frontend for RequestFrontend {
    fn reporter(&self, _: &str) -> Box<dyn Reporter> {
        Box::new(crate::rollout::SilentReporter)
    }

    fn diagnostic(&self, diagnostic: &Diagnostic) {
        self.warning(&diagnostic.to_string());
    }

    fn warning(&self, message: &str) {
        self.warnings
            .lock()
            .expect("warnings")
            .push(message.to_string());
    }

    fn can_answer(&self) -> bool {
        false
    }

    fn confirm(&self, _: &Question<'_>) -> Result<bool, String> {
        Err("a read-only request changes nothing".into())
    }
}
