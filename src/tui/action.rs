//! Everything that can happen to the UI: keys become actions, database answers arrive as events.

use crate::catalog::CatalogSnapshot;
use crate::explain::report::{ProbeOptions, ProbeReport};
use crate::explain::run::Explained;
use crate::migration::plan::{Direction, Plan};
use crate::migration::progress::{RunEvent, RunFailure, RunOutcome, Session};
use crate::probes::Probe;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    PrevPane,
    SortNext,
    SortReverse,
    StartFilter,
    Refresh,
    Help,
    Quit,
    Apply,
    Rollback,
    ShowSql,
    CancelBuild,
    /// `Esc`: closes a dialog, clears a filter.
    Back,
    /// The terminal changed size: draw again.
    Resize,
    /// Opens or leaves the Explain view.
    ExplainView,
    /// In the Explain view: the selected probe's plan, with ANALYZE, or before/after.
    RunExplain,
    RunExplainAnalyze,
    RunExplainCompare,
}

#[derive(Debug, Clone)]
pub enum DbEvent {
    /// A refresh answered; `seq` lets the newest answer win.
    Refreshed {
        seq: u64,
        snapshot: Box<CatalogSnapshot>,
        versions: Option<Vec<String>>,
        /// Wall-clock time of the answer, `HH:MM:SS`.
        at: String,
    },
    RefreshFailed {
        seq: u64,
        error: String,
    },
    Planned {
        direction: Direction,
        result: Result<Box<Plan>, String>,
        sessions: Vec<Session>,
        sql: String,
    },
    Run(RunEvent),
    RunFinished(Result<RunOutcome, RunFailure>),
    /// The answer to explain request `id`: only the newest request's is shown.
    Explained {
        id: u64,
        answer: Box<Result<ProbeReport, String>>,
    },
    ExplainedSql {
        id: u64,
        answer: Box<Result<Explained, String>>,
    },
}

/// What `update` asks the runtime to do; the state update itself never touches the database.
#[derive(Debug, Clone)]
pub enum Effect {
    /// `full`: definitions too, not only the counters (`R`, after a build).
    Refresh {
        seq: u64,
        full: bool,
    },
    Plan {
        direction: Direction,
    },
    Run(Box<Plan>),
    CancelRun,
    Explain {
        id: u64,
        probe: &'static Probe,
        options: ProbeOptions,
    },
    ExplainSql {
        id: u64,
        sql: String,
        analyze: bool,
    },
    /// Stop the running explain on the server (leaving the view, or `c`).
    CancelExplain,
    Quit,
}
