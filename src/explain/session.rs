//! The session an explain runs on: its own connection, read-only, closed afterwards (so session
//! state a statement leaves, advisory locks and settings, dies with it), with every statement
//! bounded by a timeout that never loosens a stricter one the server already sets, and a handle
//! that cancels the running statement on the server, not only in the client.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{Executor, Row};

use super::guard::{UserSqlRole, user_sql_role};
use crate::config::{PostgresTarget, Target};
use crate::db::{Access, Database, DbError};

/// How long an explain's statements may run unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// SQLite work between two looks at the deadline (SQLite's progress handler counts VM steps).
const SQLITE_STEPS_BETWEEN_CHECKS: i32 = 1000;

pub struct ExplainSession {
    pub db: Database,
    /// The bound every statement runs under: ours, or the server's own if stricter.
    pub timeout: Duration,
    /// `server_version_num` on PostgreSQL; 0 on SQLite.
    pub server_version: i32,
    canceller: Canceller,
    user_role: Option<UserSqlRole>,
}

/// Stops the statement an [`ExplainSession`] is running, from any task.
#[derive(Clone)]
pub enum Canceller {
    /// `pg_cancel_backend` from a session of its own: the login may always cancel its own.
    Postgres {
        target: Box<PostgresTarget>,
        pid: i32,
    },
    Sqlite(Arc<SqliteInterrupt>),
}

/// What SQLite's progress handler looks at: a cancel, and the running statement's deadline.
#[derive(Default)]
pub struct SqliteInterrupt {
    cancelled: AtomicBool,
    deadline: Mutex<Option<Instant>>,
}

impl SqliteInterrupt {
    fn should_stop(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
            || self
                .deadline
                .lock()
                .map(|d| d.is_some_and(|d| Instant::now() >= d))
                .unwrap_or(true)
    }

    /// Starts the clock for one statement (`None`: no statement running).
    pub fn arm(&self, timeout: Option<Duration>) {
        if let Ok(mut deadline) = self.deadline.lock() {
            *deadline = timeout.map(|t| Instant::now() + t);
        }
    }

    pub fn was_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

impl Canceller {
    /// Cancels the running statement on the server (SQLite: at its next progress check).
    pub async fn cancel(&self) {
        self.signal("pg_cancel_backend").await;
    }

    /// Ends the session's backend: for a statement that already outlived a cancel (a PL/pgSQL
    /// loop with `EXCEPTION WHEN query_canceled` outlives both statement_timeout and
    /// pg_cancel_backend). The login may always signal its own backends.
    pub async fn terminate(&self) {
        self.signal("pg_terminate_backend").await;
    }

    /// `function` is one of hotidx's own two constants, sent from a session of its own.
    async fn signal(&self, function: &'static str) {
        match self {
            Canceller::Postgres { target, pid } => {
                let Ok(mut conn) = crate::db::postgres::connect(target, true).await else {
                    return;
                };
                let statement = format!("SELECT {function}($1)");
                let _ = sqlx::query(sqlx::AssertSqlSafe(statement))
                    .bind(*pid)
                    .execute(&mut conn)
                    .await;
                crate::db::postgres::close(conn).await;
            }
            Canceller::Sqlite(interrupt) => interrupt.cancelled.store(true, Ordering::Relaxed),
        }
    }

    /// Cancels, and waits for `work` (the explain in flight) to come back; if it does not (the
    /// cancel landed between two statements, or was swallowed), terminates its backend.
    async fn stop<F: std::future::Future>(&self, mut work: std::pin::Pin<&mut F>) {
        self.cancel().await;
        if tokio::time::timeout(CANCEL_GRACE, &mut work).await.is_ok() {
            return;
        }
        self.terminate().await;
        let _ = tokio::time::timeout(CANCEL_GRACE, work).await;
    }
}

/// How long a cancelled statement may take to stop before its backend is terminated.
const CANCEL_GRACE: Duration = Duration::from_secs(1);

impl ExplainSession {
    /// Opens a read-only session for explains; `timeout` bounds each statement on it.
    pub async fn open(target: &Target, timeout: Duration) -> Result<ExplainSession, DbError> {
        let mut db = Database::connect(target, Access::ReadOnly).await?;
        let (timeout, server_version, canceller) = match (&mut db, target) {
            (Database::Postgres(conn), Target::Postgres(pg)) => {
                let row = sqlx::query(
                    "SELECT pg_backend_pid() AS pid, \
                            current_setting('server_version_num')::int AS version, \
                            (SELECT setting::bigint FROM pg_settings \
                             WHERE name = 'statement_timeout') AS server_ms",
                )
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| DbError::query("opening the explain session", e))?;
                let server_ms: i64 = row.get("server_ms");
                let ours = timeout.as_millis() as i64;
                // The smaller of ours and what the role, database or URL already set (0: none).
                let bound = if server_ms > 0 {
                    server_ms.min(ours)
                } else {
                    ours
                };
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "SET statement_timeout = {bound}"
                )))
                .await
                .map_err(|e| DbError::query("setting the statement timeout", e))?;
                let canceller = Canceller::Postgres {
                    target: Box::new(pg.clone()),
                    pid: row.get("pid"),
                };
                let bound = Duration::from_millis(bound.max(1) as u64);
                (bound, row.get("version"), canceller)
            }
            (Database::Sqlite(conn), _) => {
                let interrupt = Arc::new(SqliteInterrupt::default());
                let watched = interrupt.clone();
                let mut handle = conn
                    .lock_handle()
                    .await
                    .map_err(|e| DbError::query("opening the explain session", e))?;
                // Returning false interrupts the statement: SQLite has no statement timeout.
                handle.set_progress_handler(SQLITE_STEPS_BETWEEN_CHECKS, move || {
                    !watched.should_stop()
                });
                drop(handle);
                (timeout, 0, Canceller::Sqlite(interrupt))
            }
            _ => return Err(DbError::Failed("a session of the other backend".into())),
        };
        Ok(ExplainSession {
            db,
            timeout,
            server_version,
            canceller,
            user_role: None,
        })
    }

    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    /// Runs `work` on this session until it answers or `cancelled` fires (Ctrl-C, the TUI
    /// leaving the view); then the statement is stopped on the server, not only here, and the
    /// answer is the error `why`.
    pub async fn run_until<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut ExplainSession) -> Result<T, DbError>,
        cancelled: impl std::future::Future,
        why: &str,
    ) -> Result<T, DbError> {
        let canceller = self.canceller();
        let running = work(self);
        tokio::pin!(running);
        tokio::select! {
            answer = &mut running => answer,
            _ = cancelled => {
                canceller.stop(running.as_mut()).await;
                Err(DbError::Failed(why.to_string()))
            }
        }
    }

    /// Who user SQL runs as here, decided from the catalog once per session; refuses with why
    /// and how to fix it when no role qualifies.
    pub async fn user_role(&mut self) -> Result<UserSqlRole, DbError> {
        if let Some(role) = &self.user_role {
            return Ok(role.clone());
        }
        let role = user_sql_role(&mut self.db).await?;
        self.user_role = Some(role.clone());
        Ok(role)
    }

    pub async fn close(self) {
        self.db.close().await;
    }
}
