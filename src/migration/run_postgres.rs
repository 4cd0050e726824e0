//! Running a plan on PostgreSQL: one statement at a time outside a transaction, `lock_timeout`
//! with bounded retries, progress read on a second connection, cancel with `pg_cancel_backend`,
//! INVALID leftovers dropped, and the version row moved only once every index is right.

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use tokio::sync::{mpsc::UnboundedSender, watch};

use super::plan::{Direction, Plan, Step, postgres_drop};
use super::progress::{RunEvent, RunFailure, RunOutcome, Session};
pub use super::watch_postgres::long_transactions;
use super::watch_postgres::{read_progress, read_state};
use crate::config::PostgresTarget;
use crate::db::{postgres, server_message};

/// How often the second connection reads progress while a statement runs.
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy)]
pub struct RunSettings {
    pub lock_timeout: Duration,
    /// Tries per statement when `lock_timeout` fires.
    pub lock_attempts: u32,
}

struct Run<'a> {
    target: &'a PostgresTarget,
    conn: PgConnection,
    watcher: PgConnection,
    pid: i32,
    plan: &'a Plan,
    settings: RunSettings,
    events: UnboundedSender<RunEvent>,
    cancel: watch::Receiver<bool>,
    outcome: RunOutcome,
}

enum StatementError {
    Cancelled,
    LockTimeout(Vec<Session>),
    Failed(String),
}

pub async fn run(
    target: &PostgresTarget,
    plan: &Plan,
    settings: RunSettings,
    events: UnboundedSender<RunEvent>,
    cancel: watch::Receiver<bool>,
) -> Result<RunOutcome, RunFailure> {
    let started = Instant::now();
    let failure = |message: String| RunFailure {
        message,
        cancelled: false,
        outcome: RunOutcome {
            not_done: plan.ddl_steps().map(|s| s.index.clone()).collect(),
            ..Default::default()
        },
    };
    let conn = postgres::connect(target, false)
        .await
        .map_err(|e| failure(e.to_string()))?;
    let watcher = postgres::connect(target, true)
        .await
        .map_err(|e| failure(e.to_string()))?;
    let mut run = Run {
        target,
        conn,
        watcher,
        pid: 0,
        plan,
        settings,
        events,
        cancel,
        outcome: RunOutcome::default(),
    };
    let result = run.all().await;
    run.outcome.elapsed = started.elapsed();
    let outcome = run.outcome.clone();
    let _ = run.conn.close().await;
    let _ = run.watcher.close().await;
    match result {
        Ok(()) => Ok(outcome),
        Err((message, cancelled)) => Err(RunFailure {
            message,
            cancelled,
            outcome,
        }),
    }
}

impl Run<'_> {
    async fn all(&mut self) -> Result<(), (String, bool)> {
        let timeout_ms = self.settings.lock_timeout.as_millis();
        self.conn
            .execute(sqlx::AssertSqlSafe(format!(
                "SET lock_timeout = {timeout_ms}"
            )))
            .await
            .map_err(|e| (server_message(&e), false))?;
        self.pid = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| (server_message(&e), false))?;
        let steps: Vec<&Step> = self.plan.ddl_steps().collect();
        self.outcome.not_done = steps.iter().map(|s| s.index.clone()).collect();
        if self.plan.options.concurrently && !steps.is_empty() {
            let sessions = self.long_transactions().await.unwrap_or_default();
            let _ = self.events.send(RunEvent::LongTransactions(sessions));
        }
        for (position, step) in steps.iter().enumerate() {
            self.step(step, position + 1, steps.len()).await?;
        }
        self.verify().await.map_err(|m| (m, false))?;
        self.move_version().await.map_err(|m| (m, false))
    }

    async fn step(
        &mut self,
        step: &Step,
        position: usize,
        total: usize,
    ) -> Result<(), (String, bool)> {
        let started = Instant::now();
        for statement in &step.statements {
            let _ = self.events.send(RunEvent::StepStarted {
                index: step.index.clone(),
                statement: statement.clone(),
                position,
                total,
            });
            let mut attempt = 1;
            loop {
                match self.statement(statement, step).await {
                    Ok(()) => break,
                    Err(StatementError::Cancelled) => {
                        self.clean_up(step).await;
                        return Err((format!("cancelled while building {}", step.index), true));
                    }
                    Err(StatementError::LockTimeout(blockers))
                        if attempt < self.settings.lock_attempts =>
                    {
                        self.clean_up(step).await;
                        let _ = self.events.send(RunEvent::LockTimeout {
                            index: step.index.clone(),
                            attempt,
                            attempts: self.settings.lock_attempts,
                            blockers,
                        });
                        attempt += 1;
                        tokio::time::sleep(Duration::from_secs(attempt as u64)).await;
                    }
                    Err(StatementError::LockTimeout(blockers)) => {
                        self.clean_up(step).await;
                        return Err((lock_message(step, &self.settings, &blockers), false));
                    }
                    Err(StatementError::Failed(message)) => {
                        self.clean_up(step).await;
                        return Err((format!("{} failed: {message}", step.index), false));
                    }
                }
            }
        }
        let elapsed = started.elapsed();
        self.outcome.done.push((step.index.clone(), elapsed));
        self.outcome.not_done.retain(|n| n != &step.index);
        let _ = self.events.send(RunEvent::StepFinished {
            index: step.index.clone(),
            elapsed,
        });
        Ok(())
    }

    /// Runs one statement while the watcher reports progress and listens for a cancel.
    async fn statement(&mut self, statement: &str, step: &Step) -> Result<(), StatementError> {
        let started = Instant::now();
        let exec = self
            .conn
            .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string())));
        tokio::pin!(exec);
        let mut tick = tokio::time::interval(POLL);
        let mut blockers = Vec::new();
        let mut cancel_sent = false;
        loop {
            tokio::select! {
                result = &mut exec => {
                    return match result {
                        Ok(_) => Ok(()),
                        Err(e) if cancel_sent && is_code(&e, "57014") => Err(StatementError::Cancelled),
                        Err(e) if is_code(&e, "55P03") => Err(StatementError::LockTimeout(blockers)),
                        Err(e) => Err(StatementError::Failed(describe_failure(&e))),
                    };
                }
                _ = tick.tick() => {
                    if let Ok((progress, waiting_for)) =
                        read_progress(&mut self.watcher, self.pid, &step.index, started).await
                    {
                        if !waiting_for.is_empty() {
                            blockers = waiting_for;
                        }
                        if let Some(progress) = progress {
                            let _ = self.events.send(RunEvent::Progress(progress));
                        }
                    }
                }
                changed = self.cancel.changed(), if !cancel_sent => {
                    if changed.is_ok() && *self.cancel.borrow() {
                        cancel_sent = true;
                        let _ = sqlx::query("SELECT pg_cancel_backend($1)")
                            .bind(self.pid)
                            .execute(&mut self.watcher)
                            .await;
                    } else if changed.is_err() {
                        cancel_sent = true; // no one can cancel any more: just finish
                    }
                }
            }
        }
    }

    /// A failed or cancelled CONCURRENTLY build leaves an INVALID index: drop it.
    async fn clean_up(&mut self, step: &Step) {
        let invalid: Option<bool> = sqlx::query_scalar(
            "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)",
        )
        .bind(&step.qualified)
        .fetch_optional(&mut self.conn)
        .await
        .ok()
        .flatten();
        if invalid == Some(true) && self.plan.options.direction == Direction::Upgrade {
            let drop = postgres_drop(self.plan.options.concurrently, &step.qualified);
            if self.conn.execute(sqlx::AssertSqlSafe(drop)).await.is_ok() {
                let _ = self.events.send(RunEvent::CleanedUp {
                    index: step.index.clone(),
                });
            }
        }
    }

    async fn long_transactions(&mut self) -> Result<Vec<Session>, sqlx::Error> {
        long_transactions(&mut self.watcher, self.pid).await
    }

    /// Every index must be as the plan meant before the version row moves. Read on the
    /// watcher's read-only session (a new connection costs a TLS handshake), or on a new one if
    /// the watcher died during the build: its errors there were not fatal.
    async fn verify(&mut self) -> Result<(), String> {
        let read = match read_state(&mut self.watcher).await {
            Ok(read) => read,
            Err(_) => {
                let mut conn = postgres::connect(self.target, true)
                    .await
                    .map_err(|e| e.to_string())?;
                let read = read_state(&mut conn).await;
                postgres::close(conn).await;
                read?
            }
        };
        let (snapshot, versions) = read;
        let status = super::migration_status(&snapshot, versions);
        let wrong = super::plan::unmet(&status, self.plan);
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "after the DDL, {}: the version row was not moved",
                wrong.join(", ")
            ))
        }
    }

    async fn move_version(&mut self) -> Result<(), String> {
        if self.plan.version_statements.is_empty() {
            return Ok(());
        }
        let mut tx = self.conn.begin().await.map_err(|e| server_message(&e))?;
        for statement in &self.plan.version_statements {
            tx.execute(sqlx::AssertSqlSafe(statement.clone()))
                .await
                .map_err(|e| format!("moving alembic_version: {}", server_message(&e)))?;
        }
        tx.commit().await.map_err(|e| server_message(&e))?;
        self.outcome.version_moved = true;
        let _ = self.events.send(RunEvent::VersionMoved {
            from: self.plan.version_from.clone(),
            to: self.plan.version_to.clone().unwrap_or_default(),
        });
        Ok(())
    }
}

fn is_code(error: &sqlx::Error, code: &str) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some(code))
}

/// A server that went away gets a sentence on what to do next.
fn describe_failure(error: &sqlx::Error) -> String {
    let lost = matches!(error, sqlx::Error::Io(_))
        || is_code(error, "57P01")
        || is_code(error, "57P02")
        || is_code(error, "57P03");
    if lost {
        format!(
            "the server ended the connection ({}); once it is back, `hotidx status` shows what \
             is left and running the same command again resumes",
            server_message(error)
        )
    } else {
        server_message(error)
    }
}

fn lock_message(step: &Step, settings: &RunSettings, blockers: &[Session]) -> String {
    let waited = format!(
        "{} gave up after {} tries: lock_timeout ({} ms) fired each time",
        step.index,
        settings.lock_attempts,
        settings.lock_timeout.as_millis()
    );
    if blockers.is_empty() {
        waited
    } else {
        let who: Vec<String> = blockers.iter().map(Session::describe).collect();
        format!("{waited}, blocked by {}", who.join("; "))
    }
}
