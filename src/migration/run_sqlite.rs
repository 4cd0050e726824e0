//! Running a plan on SQLite: every statement and the version row in ONE transaction, so either
//! all of it happens or nothing does. A database another writer holds gets a clear message after
//! the busy timeout, not a hang.

use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor};
use tokio::sync::{mpsc::UnboundedSender, watch};

use super::plan::Plan;
use super::progress::{RunEvent, RunFailure, RunOutcome};
use crate::db::server_message;

/// How long to wait for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const SQLITE_BUSY: &str = "5";

pub async fn run(
    path: &std::path::Path,
    plan: &Plan,
    events: UnboundedSender<RunEvent>,
    cancel: watch::Receiver<bool>,
) -> Result<RunOutcome, RunFailure> {
    let started = Instant::now();
    let steps: Vec<_> = plan.ddl_steps().collect();
    let mut outcome = RunOutcome {
        not_done: steps.iter().map(|s| s.index.clone()).collect(),
        ..Default::default()
    };
    let fail = |message: String, cancelled: bool, outcome: &RunOutcome| RunFailure {
        message,
        cancelled,
        outcome: RunOutcome {
            // Rolled back: nothing of it stays.
            done: Vec::new(),
            not_done: steps.iter().map(|s| s.index.clone()).collect(),
            version_moved: false,
            elapsed: outcome.elapsed,
        },
    };
    let mut conn = match open(path).await {
        Ok(conn) => conn,
        Err(message) => return Err(fail(message, false, &outcome)),
    };
    // IMMEDIATE takes the write lock now: a busy database is reported before any DDL.
    if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
        return Err(fail(busy_or(&e), false, &outcome));
    }
    for (position, step) in steps.iter().enumerate() {
        let step_started = Instant::now();
        for statement in &step.statements {
            if *cancel.borrow() {
                let _ = conn.execute("ROLLBACK").await;
                return Err(fail(
                    "cancelled: rolled back, nothing changed".into(),
                    true,
                    &outcome,
                ));
            }
            let _ = events.send(RunEvent::StepStarted {
                index: step.index.clone(),
                statement: statement.clone(),
                position: position + 1,
                total: steps.len(),
            });
            if let Err(e) = conn.execute(sqlx::AssertSqlSafe(statement.clone())).await {
                let _ = conn.execute("ROLLBACK").await;
                let message = format!(
                    "{} failed: {}; rolled back, nothing changed",
                    step.index,
                    busy_or(&e)
                );
                return Err(fail(message, false, &outcome));
            }
        }
        outcome
            .done
            .push((step.index.clone(), step_started.elapsed()));
        let _ = events.send(RunEvent::StepFinished {
            index: step.index.clone(),
            elapsed: step_started.elapsed(),
        });
    }
    for statement in &plan.version_statements {
        if let Err(e) = conn.execute(sqlx::AssertSqlSafe(statement.clone())).await {
            let _ = conn.execute("ROLLBACK").await;
            let message = format!(
                "moving alembic_version failed: {}; rolled back",
                busy_or(&e)
            );
            return Err(fail(message, false, &outcome));
        }
    }
    if let Err(e) = conn.execute("COMMIT").await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(fail(
            format!("commit failed: {}", busy_or(&e)),
            false,
            &outcome,
        ));
    }
    let _ = conn.close().await;
    outcome.not_done.clear();
    outcome.version_moved = !plan.version_statements.is_empty();
    outcome.elapsed = started.elapsed();
    if let Some(to) = &plan.version_to {
        let _ = events.send(RunEvent::VersionMoved {
            from: plan.version_from.clone(),
            to: to.clone(),
        });
    }
    Ok(outcome)
}

async fn open(path: &std::path::Path) -> Result<SqliteConnection, String> {
    // Validate the file as every other command does (never creates one), then reopen for writing.
    let probe = crate::db::sqlite::connect(path, false)
        .await
        .map_err(|e| e.to_string())?;
    let _ = probe.close().await;
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(false)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await
        .map_err(|e| server_message(&e))
}

fn busy_or(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(SQLITE_BUSY) => format!(
            "the database is locked by another writer (waited {} s): try again once it is done",
            BUSY_TIMEOUT.as_secs()
        ),
        other => server_message(other),
    }
}
