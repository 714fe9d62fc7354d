//! What every request handler shares: the application, the jobs, and whether the
//! server is stopping.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;

use super::auth::{Caller, TokenCache};
use super::error::{ApiError, ApiResult};
use super::frontend::JobFrontend;
use super::jobs::{JobState, JobView, Jobs, LiveJob, NewJob};
use crate::access::Action;
use crate::app::{App, AppError, RunReport};
use crate::history::{AuditResult, History, NewAudit};

pub struct Server {
    pub app: App,
    pub jobs: Jobs,
    /// Tokens, the audit log and deploy requests, in the history database.
    pub records: Mutex<History>,
    pub tokens: TokenCache,
    /// Status questions in flight, by their selection.
    pub statuses: super::coalesce::Coalesce<crate::app::StatusReport>,
    /// Served over TLS: the dashboard's cookie is sent over HTTPS only (`Secure`).
    pub secure_cookie: bool,
    /// Set by SIGTERM: no new job starts, and running ones start nothing more.
    pub stopping: Arc<AtomicBool>,
    /// True once the jobs ended and the server closes: endless streams end then.
    closing: tokio::sync::watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

pub type Shared = Arc<Server>;

impl Server {
    pub fn new(app: App, jobs: Jobs, records: History) -> Self {
        Self {
            app,
            jobs,
            records: Mutex::new(records),
            tokens: TokenCache::default(),
            statuses: Default::default(),
            secure_cookie: false,
            stopping: Arc::new(AtomicBool::new(false)),
            closing: tokio::sync::watch::channel(false).0,
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Starts `work` as a job and answers at once with its view; what the work returns
    /// becomes the job's state and report.
    pub fn spawn_job<F, Fut>(self: &Arc<Self>, job: NewJob, work: F) -> ApiResult<JobView>
    where
        F: FnOnce(Arc<Server>, JobFrontend) -> Fut + Send + 'static,
        Fut: Future<Output = Result<RunReport, AppError>> + 'static,
    {
        if self.stopping.load(Ordering::SeqCst) {
            return Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "the server is stopping and starts no new job",
            ));
        }
        let operator = match &job.approved_by {
            Some(approver) => format!("{} (approved by {approver})", job.user),
            None => job.user.clone(),
        };
        let command_line = job.command.clone();
        let live = self.jobs.start(job).map_err(ApiError::internal)?;
        let frontend = JobFrontend {
            job: Arc::clone(&live),
            operator,
            command_line,
            stopping: Arc::clone(&self.stopping),
        };
        let view = live.view();
        self.audit(NewAudit {
            user: view.user.clone(),
            action: view.kind.clone(),
            group: Some(view.group.clone()),
            detail: serde_json::json!({ "command": view.command, "approved_by": view.approved_by }),
            result: AuditResult::Ok,
            job_id: Some(view.id.to_string()),
        });
        let server = Arc::clone(self);
        let ended = Arc::clone(self);
        let running = Arc::clone(&live);
        let task = tokio::spawn(async move {
            let result = on_own_thread(move || work(Arc::clone(&server), frontend)).await;
            match result {
                Some(result) => ended.end_job(&running, result),
                None => ended.end_job(
                    &running,
                    Err(AppError::Aborted("the job stopped unexpectedly".into())),
                ),
            }
        });
        let mut tasks = self.tasks.lock().expect("tasks");
        tasks.retain(|task| !task.is_finished());
        tasks.push(task);
        Ok(view)
    }

    /// Checks that `caller` may `action` on `group`; a refusal of a change is audited.
    pub fn authorize(&self, caller: &Caller, action: Action, group: &str) -> ApiResult<()> {
        let checked = caller.check(action, group);
        if let Err(err) = &checked {
            if action != Action::Read {
                self.audit(NewAudit {
                    user: caller.user.clone(),
                    action: action.as_str().to_string(),
                    group: Some(group.to_string()),
                    detail: serde_json::json!({ "error": err.message }),
                    result: AuditResult::Denied,
                    job_id: None,
                });
            }
        }
        checked
    }

    /// 403 naming the next window when `group`'s deploy windows are closed and `caller`
    /// is bound by them.
    pub fn inside_window(&self, caller: &Caller, group: &str) -> ApiResult<()> {
        if caller.grant.bypasses_windows() {
            return Ok(());
        }
        let check = self.app.deploy_window(
            group,
            jiff::Timestamp::now(),
            &super::frontend::RequestFrontend::default(),
        )?;
        if check.open {
            return Ok(());
        }
        let message = format!(
            "{group} is outside its deploy windows ({}); the next opens {}; an admin may deploy now, or file a deploy request",
            check.windows.join(", "),
            check.next_open.as_deref().unwrap_or("never")
        );
        self.audit(NewAudit {
            user: caller.user.clone(),
            action: Action::Deploy.as_str().to_string(),
            group: Some(group.to_string()),
            detail: serde_json::json!({ "error": message }),
            result: AuditResult::Denied,
            job_id: None,
        });
        Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, message))
    }

    /// Keeps `entry` in the audit log; one that cannot be kept is logged.
    pub fn audit(&self, entry: NewAudit) {
        let recorded = self.records.lock().expect("records").record_audit(&entry);
        if let Err(err) = recorded {
            tracing::warn!("an audit entry was not kept: {err}");
        }
    }

    fn end_job(&self, job: &LiveJob, result: Result<RunReport, AppError>) {
        match result {
            Ok(report) => {
                let state = if report.ok() {
                    JobState::Succeeded
                } else if report.refused {
                    JobState::Refused
                } else if report.interrupted {
                    JobState::Interrupted
                } else {
                    JobState::Failed
                };
                let value = serde_json::to_value(&report).ok();
                self.jobs.finish(job, state, None, value);
            }
            Err(err) => {
                job.push(format!("error: {err}"));
                self.jobs
                    .finish(job, JobState::Refused, Some(err.to_string()), None);
            }
        }
        let view = job.view();
        self.audit(NewAudit {
            user: view.user.clone(),
            action: format!("{} ended", view.kind),
            group: Some(view.group.clone()),
            detail: serde_json::json!({ "state": view.state, "error": view.error, "run_id": view.run_id }),
            result: match view.state {
                JobState::Succeeded => AuditResult::Ok,
                JobState::Refused => AuditResult::Refused,
                _ => AuditResult::Failed,
            },
            job_id: Some(view.id.to_string()),
        });
    }

    /// Stops taking jobs, tells running ones to start nothing more, and waits for them.
    pub async fn drain(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("tasks"));
        for task in tasks {
            let _ = task.await;
        }
        self.closing.send_replace(true);
    }

    /// Resolves once the server closes.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }
}

impl Server {
    /// Runs a read-only application call for a request, on a thread of its own.
    pub async fn answer<F, Fut, T>(self: &Arc<Self>, call: F) -> ApiResult<T>
    where
        F: FnOnce(Arc<Server>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, AppError>>,
        T: Send + 'static,
    {
        let server = Arc::clone(self);
        on_own_thread(move || call(server))
            .await
            .ok_or_else(|| ApiError::internal("the request stopped unexpectedly"))?
            .map_err(ApiError::from)
    }
}

/// Runs the future `make` makes on a thread of its own, driven by the server's runtime.
/// The application's futures borrow across their awaits in ways the compiler cannot
/// prove `Send`; this way they need not be. None if it panicked.
pub async fn on_own_thread<F, Fut, T>(make: F) -> Option<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(make()))
        .await
        .ok()
}
