//! Jobs: every request that changes containers runs as one, in the background. A job is
//! at once what the caller polls, the steps it streams and, once done, the record kept
//! in the database beside the history run it made.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use utoipa::ToSchema;

use super::job_store::JobStore;
use crate::history::now;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    /// Every container reached what was asked.
    Succeeded,
    /// Something failed after the job started acting.
    Failed,
    /// Nothing was changed: the request could not be carried out (a lock held, bad input).
    Refused,
    /// The server stopped before the job ended.
    Interrupted,
}

impl JobState {
    pub fn is_done(self) -> bool {
        self != JobState::Running
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Refused => "refused",
            JobState::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> JobState {
        match text {
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            "failed" => JobState::Failed,
            "refused" => JobState::Refused,
            _ => JobState::Interrupted,
        }
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    pub id: i64,
    /// deploy, rollback or restart.
    pub kind: String,
    pub group: String,
    /// Who asked for it.
    pub user: String,
    /// Who approved the deploy request it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The command line it is the equivalent of.
    pub command: String,
    pub state: JobState,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// The history run it recorded.
    pub run_id: Option<i64>,
    /// Why it was refused or could not finish.
    pub error: Option<String>,
    /// What the command reported: each container's outcome.
    #[schema(value_type = Object)]
    pub report: Option<serde_json::Value>,
}

/// One step, as the command line's CI output shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobEvent {
    /// From 0, in order.
    pub seq: usize,
    pub line: String,
}

/// A job in progress: its view, its steps so far, and a signal for those following it.
pub struct LiveJob {
    view: Mutex<JobView>,
    events: Mutex<Vec<JobEvent>>,
    /// Ticks on each new event and at the end, for streams to wait on; what changed
    /// is read from `events` and `view`.
    changed: watch::Sender<()>,
}

impl LiveJob {
    fn new(view: JobView) -> Self {
        Self {
            view: Mutex::new(view),
            events: Mutex::new(Vec::new()),
            changed: watch::channel(()).0,
        }
    }

    pub fn view(&self) -> JobView {
        self.view.lock().expect("job view").clone()
    }

    pub fn push(&self, line: String) {
        let mut events = self.events.lock().expect("job events");
        let seq = events.len();
        events.push(JobEvent { seq, line });
        self.changed.send_replace(());
    }

    /// The events from `from` on.
    pub fn events_from(&self, from: usize) -> Vec<JobEvent> {
        let events = self.events.lock().expect("job events");
        events.get(from..).map(<[_]>::to_vec).unwrap_or_default()
    }

    pub fn subscribe(&self) -> watch::Receiver<()> {
        self.changed.subscribe()
    }

    pub fn record_run(&self, run_id: i64) {
        self.view.lock().expect("job view").run_id = Some(run_id);
    }

    fn finish(&self, state: JobState, error: Option<String>, report: Option<serde_json::Value>) {
        {
            let mut view = self.view.lock().expect("job view");
            view.state = state;
            view.error = error;
            view.report = report;
            view.finished_at = Some(now());
        }
        self.changed.send_replace(());
    }
}

/// Every job this server runs, and those the database remembers.
pub struct Jobs {
    pub store: JobStore,
    live: Mutex<HashMap<i64, Arc<LiveJob>>>,
}

/// What a new job is.
pub struct NewJob {
    pub kind: String,
    pub group: String,
    pub user: String,
    pub approved_by: Option<String>,
    pub command: String,
}

impl Jobs {
    pub fn new(store: JobStore) -> Self {
        Self {
            store,
            live: Mutex::new(HashMap::new()),
        }
    }

    /// Records a job as running and returns it.
    pub fn start(&self, job: NewJob) -> Result<Arc<LiveJob>, String> {
        let mut view = JobView {
            id: 0,
            kind: job.kind,
            group: job.group,
            user: job.user,
            approved_by: job.approved_by,
            command: job.command,
            state: JobState::Running,
            created_at: now(),
            finished_at: None,
            run_id: None,
            error: None,
            report: None,
        };
        view.id = self.store.insert(&view).map_err(|err| err.to_string())?;
        let live = Arc::new(LiveJob::new(view.clone()));
        self.live
            .lock()
            .expect("jobs")
            .insert(view.id, Arc::clone(&live));
        Ok(live)
    }

    /// Ends a job and keeps it, its steps included.
    pub fn finish(
        &self,
        job: &LiveJob,
        state: JobState,
        error: Option<String>,
        report: Option<serde_json::Value>,
    ) {
        job.finish(state, error, report);
        let view = job.view();
        let events = job.events_from(0);
        if let Err(err) = self.store.finish(&view, &events) {
            job.push(format!("warning: the job was not recorded: {err}"));
        }
    }

    pub fn live(&self, id: i64) -> Option<Arc<LiveJob>> {
        self.live.lock().expect("jobs").get(&id).cloned()
    }

    pub fn get(&self, id: i64) -> Result<Option<(JobView, Vec<JobEvent>)>, String> {
        if let Some(job) = self.live(id) {
            return Ok(Some((job.view(), job.events_from(0))));
        }
        self.store.get(id).map_err(|err| err.to_string())
    }

    /// Newest first.
    pub fn list(&self, group: Option<&str>, limit: usize) -> Result<Vec<JobView>, String> {
        let mut views = self
            .store
            .list(group, limit)
            .map_err(|err| err.to_string())?;
        // Those running hold fresher views than the database's.
        for view in &mut views {
            if let Some(job) = self.live(view.id) {
                *view = job.view();
            }
        }
        Ok(views)
    }
}
