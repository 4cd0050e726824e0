//! Database work for the UI, on tasks that report over a channel: the UI loop never awaits the
//! database, so a slow or hung server cannot freeze a key press.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Mutex, mpsc, watch};

use super::action::{DbEvent, Effect};
use crate::catalog::CatalogSnapshot;
use crate::config::Target;
use crate::db::{Access, Database, DbError, Refresher};
use crate::explain::report::{ProbeOptions, report};
use crate::explain::run::{Author, Query, explain};
use crate::explain::session::ExplainSession;
use crate::migration::migration_status;
use crate::migration::plan::{self, Direction, Plan, PlanOptions};
use crate::migration::progress::Session;
use crate::migration::run_postgres;

/// A refresh with no answer after this long is reported, and its connection dropped.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(15);
const LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one explain statement may run, planning included.
const EXPLAIN_TIMEOUT: Duration = crate::explain::session::DEFAULT_TIMEOUT;

pub struct Worker {
    target: Target,
    events: UnboundedSender<DbEvent>,
    /// The inspection session, kept between refreshes and reopened after a failure.
    session: Inspection,
    cancel: Option<watch::Sender<bool>>,
    /// Cancels the explain in flight (a newer one, or leaving the view, stops it).
    explain_cancel: Option<watch::Sender<bool>>,
}

impl Worker {
    pub fn new(target: Target, events: UnboundedSender<DbEvent>) -> Worker {
        Worker {
            target,
            events,
            session: Arc::new(Mutex::new(None)),
            cancel: None,
            explain_cancel: None,
        }
    }

    /// Starts what an effect asks for and returns at once.
    pub fn handle(&mut self, effect: Effect) {
        match effect {
            Effect::Refresh { seq, full } => self.refresh(seq, full),
            Effect::Plan { direction } => self.plan(direction),
            Effect::Run(plan) => self.run(*plan),
            Effect::CancelRun => {
                if let Some(cancel) = &self.cancel {
                    let _ = cancel.send(true);
                }
            }
            Effect::Explain { id, probe, options } => self.explain(id, probe, options),
            Effect::ExplainSql { id, sql, analyze } => self.explain_sql(id, sql, analyze),
            Effect::CancelExplain => self.cancel_explain(),
            Effect::Quit => {}
        }
    }

    fn refresh(&self, seq: u64, full: bool) {
        let (target, session, events) = (
            self.target.clone(),
            self.session.clone(),
            self.events.clone(),
        );
        tokio::spawn(async move {
            let event = match read_on_session(&target, &session, full).await {
                Ok((snapshot, versions)) => DbEvent::Refreshed {
                    seq,
                    snapshot: Box::new(snapshot),
                    versions,
                    at: chrono::Local::now().format("%H:%M:%S").to_string(),
                },
                Err(error) => DbEvent::RefreshFailed {
                    seq,
                    error: error.to_string(),
                },
            };
            let _ = events.send(event);
        });
    }

    fn plan(&self, direction: Direction) {
        let (target, events) = (self.target.clone(), self.events.clone());
        tokio::spawn(async move {
            let event = match make_plan(&target, direction).await {
                Ok((plan, sessions, sql)) => DbEvent::Planned {
                    direction,
                    result: Ok(Box::new(plan)),
                    sessions,
                    sql,
                },
                Err(reason) => DbEvent::Planned {
                    direction,
                    result: Err(reason.clone()),
                    sessions: Vec::new(),
                    sql: format!("-- {reason}"),
                },
            };
            let _ = events.send(event);
        });
    }

    fn run(&mut self, plan: Plan) {
        let (cancel_tx, cancel_rx) = watch::channel(false);
        self.cancel = Some(cancel_tx);
        let (target, events) = (self.target.clone(), self.events.clone());
        tokio::spawn(async move {
            let (run_tx, mut run_rx) = mpsc::unbounded_channel();
            let forward = {
                let events = events.clone();
                tokio::spawn(async move {
                    while let Some(event) = run_rx.recv().await {
                        let _ = events.send(DbEvent::Run(event));
                    }
                })
            };
            let result =
                crate::migration::run(&target, &plan, LOCK_TIMEOUT, run_tx, cancel_rx).await;
            let _ = forward.await;
            let _ = events.send(DbEvent::RunFinished(result));
        });
    }
}

impl Worker {
    fn cancel_explain(&mut self) {
        if let Some(cancel) = self.explain_cancel.take() {
            let _ = cancel.send(true);
        }
    }

    /// A new explain replaces the one in flight, which is cancelled on the server.
    fn explain_cancel_receiver(&mut self) -> watch::Receiver<bool> {
        self.cancel_explain();
        let (cancel, cancelled) = watch::channel(false);
        self.explain_cancel = Some(cancel);
        cancelled
    }

    fn explain_sql(&mut self, id: u64, sql: String, analyze: bool) {
        let (target, events) = (self.target.clone(), self.events.clone());
        let cancelled = self.explain_cancel_receiver();
        tokio::spawn(async move {
            let answer = on_explain_session(&target, cancelled, async |session| {
                let sql = crate::explain::input::normalize(&sql)?;
                let role = session.user_role().await?;
                let query = Query {
                    sql: &sql,
                    params: &[],
                };
                explain(session, query, Author::User(&role), analyze).await
            })
            .await;
            let answer = Box::new(answer.map_err(|e| e.to_string()));
            let _ = events.send(DbEvent::ExplainedSql { id, answer });
        });
    }

    fn explain(&mut self, id: u64, probe: &'static crate::probes::Probe, options: ProbeOptions) {
        let (target, session, events) = (
            self.target.clone(),
            self.session.clone(),
            self.events.clone(),
        );
        let cancelled = self.explain_cancel_receiver();
        tokio::spawn(async move {
            let answer = async {
                // Current, at the cost of a counters refresh on the inspection session (the whole
                // catalog only if something was redefined): a plan must be judged against the
                // indexes as they are now, and reading 10,000 of them per key press would load
                // the server for nothing.
                let (snapshot, _) = read_on_session(&target, &session, false).await?;
                on_explain_session(&target, cancelled, async |explain_session| {
                    report(&target, explain_session, &snapshot, probe, options).await
                })
                .await
            }
            .await;
            let answer = Box::new(answer.map_err(|e| e.to_string()));
            let _ = events.send(DbEvent::Explained { id, answer });
        });
    }
}

/// Runs `work` on an explain session of its own, closed afterwards; a cancel stops the statement
/// on the server, not only here.
async fn on_explain_session<T>(
    target: &Target,
    mut cancelled: watch::Receiver<bool>,
    work: impl AsyncFnOnce(&mut ExplainSession) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let mut session = ExplainSession::open(target, EXPLAIN_TIMEOUT).await?;
    let answer = session
        .run_until(work, cancelled.changed(), "cancelled")
        .await;
    session.close().await;
    answer
}

/// The inspection session and what its refreshes have read so far.
type Inspection = Arc<Mutex<Option<(Database, Refresher)>>>;

/// A refresh on the inspection session (the timer's, or an explain's), reopened after a
/// failure or a timeout.
async fn read_on_session(
    target: &Target,
    session: &Inspection,
    full: bool,
) -> Result<(CatalogSnapshot, Option<Vec<String>>), DbError> {
    let mut guard = session.lock().await;
    let answer = tokio::time::timeout(REFRESH_TIMEOUT, read(target, &mut guard, full))
        .await
        .unwrap_or_else(|_| {
            let secs = REFRESH_TIMEOUT.as_secs();
            Err(DbError::Failed(format!("no answer in {secs} s")))
        });
    if answer.is_err() {
        *guard = None;
    }
    answer
}

async fn read(
    target: &Target,
    session: &mut Option<(Database, Refresher)>,
    full: bool,
) -> Result<(CatalogSnapshot, Option<Vec<String>>), DbError> {
    if session.is_none() {
        let db = Database::connect(target, Access::ReadOnly).await?;
        *session = Some((db, Refresher::new()));
    }
    let Some((db, refresher)) = session.as_mut() else {
        return Err(DbError::Failed("no session".into()));
    };
    let (snapshot, _) = refresher.refresh(db, full).await?;
    let versions = db.alembic_versions(&snapshot).await?;
    Ok((snapshot, versions))
}

/// The plan on a fresh read of the state, with the sessions a concurrent build would wait for.
async fn make_plan(
    target: &Target,
    direction: Direction,
) -> Result<(Plan, Vec<Session>, String), String> {
    let mut db = Database::connect(target, Access::ReadOnly)
        .await
        .map_err(|e| e.to_string())?;
    let snapshot = db.snapshot().await.map_err(|e| e.to_string())?;
    let versions = db
        .alembic_versions(&snapshot)
        .await
        .map_err(|e| e.to_string())?;
    let sessions = match &mut db {
        Database::Postgres(conn) => run_postgres::long_transactions(conn, 0)
            .await
            .unwrap_or_default(),
        Database::Sqlite(_) => Vec::new(),
    };
    db.close().await;
    let status = migration_status(&snapshot, versions);
    let options = PlanOptions {
        direction,
        concurrently: true,
        like_alembic: false,
        force: false,
    };
    let plan = plan::plan(&status, snapshot.backend, options)
        .map_err(|refusal| format!("{refusal}; nothing was changed"))?;
    let sql = plan::sql_script(
        &plan,
        &target.display(),
        &status.summary,
        LOCK_TIMEOUT.as_millis(),
    );
    Ok((plan, sessions, sql))
}
