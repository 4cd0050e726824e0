//! What a running migration reports, as data on a channel: the CLI prints it, the TUI draws it.

use std::time::Duration;

use serde::Deserialize;

/// A session that holds a transaction open, and so can make a concurrent build wait.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Session {
    pub pid: i32,
    pub user: Option<String>,
    pub state: Option<String>,
    pub age_seconds: Option<f64>,
    pub query_start: Option<String>,
    pub query: Option<String>,
}

/// One reading of `pg_stat_progress_create_index` for the building backend.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildProgress {
    pub index: String,
    pub phase: String,
    pub blocks_done: i64,
    pub blocks_total: i64,
    pub tuples_done: i64,
    pub tuples_total: i64,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// Before the first concurrent build: transactions older than a few seconds.
    LongTransactions(Vec<Session>),
    StepStarted {
        index: String,
        statement: String,
        position: usize,
        total: usize,
    },
    Progress(BuildProgress),
    /// `lock_timeout` fired; the step is tried again after a pause.
    LockTimeout {
        index: String,
        attempt: u32,
        attempts: u32,
        blockers: Vec<Session>,
    },
    /// An INVALID index that a failed or cancelled build left behind was dropped.
    CleanedUp {
        index: String,
    },
    StepFinished {
        index: String,
        elapsed: Duration,
    },
    VersionMoved {
        from: Option<String>,
        to: String,
    },
}

/// What was done, for the summary whatever the ending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOutcome {
    pub done: Vec<(String, Duration)>,
    pub not_done: Vec<String>,
    pub version_moved: bool,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunFailure {
    pub message: String,
    pub cancelled: bool,
    pub outcome: RunOutcome,
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl BuildProgress {
    /// `(done, total)` in blocks while the phase counts blocks, else in tuples; `total` is not
    /// positive when neither is known yet.
    pub fn done_total(&self) -> (i64, i64) {
        if self.blocks_total > 0 {
            (self.blocks_done, self.blocks_total)
        } else {
            (self.tuples_done, self.tuples_total)
        }
    }
}

impl Session {
    /// `pid 4242 (alice, idle in transaction for 63 s, started 12:00:01)`.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.user.clone().unwrap_or_else(|| "?".into())];
        if let Some(state) = &self.state {
            match self.age_seconds {
                Some(age) => parts.push(format!("{state} for {age:.0} s")),
                None => parts.push(state.clone()),
            }
        }
        if let Some(start) = &self.query_start {
            parts.push(format!("query started {start}"));
        }
        let query = self
            .query
            .as_deref()
            .map(|q| format!(": {}", q.split_whitespace().collect::<Vec<_>>().join(" ")))
            .unwrap_or_default();
        format!("pid {} ({}){query}", self.pid, parts.join(", "))
    }
}
