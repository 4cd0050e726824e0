//! Running EXPLAIN on an [`ExplainSession`]. Every explain is a READ ONLY transaction that is
//! rolled back, under the session's statement timeout. hotidx's own probes run as the login with
//! their values bound; the operator's SQL runs as the role the guard chose (see `guard`), one
//! statement only — the extended protocol and a cursor refuse a second, the database refuses
//! writes, signals and resets for that role.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::guard::UserSqlRole;
use super::session::{Canceller, ExplainSession};
use super::{PlanNode, postgres, postgres_run};
use crate::db::{Database, DbError};

/// The statement and the values of its `$1`… (`?` on SQLite), bound, never spliced.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub sql: &'a str,
    pub params: &'a [String],
}

/// Whose SQL it is: hotidx's own probe, or the operator's, and then as which role it runs.
#[derive(Debug, Clone, Copy)]
pub enum Author<'a> {
    Hotidx,
    User(&'a UserSqlRole),
}

#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    pub sql: String,
    pub parameters: Vec<String>,
    pub analyzed: bool,
    /// Planned without values for `$n` (PostgreSQL 16's GENERIC_PLAN).
    pub generic_plan: bool,
    /// Who the operator's SQL ran as; `None` for hotidx's own probes (the login).
    pub planned_as: Option<UserSqlRole>,
    pub plan: PlanNode,
    /// Whole statement time with ANALYZE (PostgreSQL's Execution Time; SQLite: measured).
    pub execution_ms: Option<f64>,
    /// PostgreSQL's own plan document, untouched (pev2 and explain.dalibo.com read it).
    pub postgres_plan: Option<Box<RawValue>>,
}

impl Explained {
    /// A plan of `query`, planned only, by hotidx as the login; the rest is set where known.
    pub fn planned(query: Query<'_>, plan: PlanNode) -> Explained {
        Explained {
            sql: query.sql.to_string(),
            parameters: query.params.to_vec(),
            analyzed: false,
            generic_plan: false,
            planned_as: None,
            plan,
            execution_ms: None,
            postgres_plan: None,
        }
    }
}

pub async fn explain(
    session: &mut ExplainSession,
    query: Query<'_>,
    author: Author<'_>,
    analyze: bool,
) -> Result<Explained, DbError> {
    explain_with(session, query, author, analyze, &[]).await
}

/// As [`explain`], with planner settings (hotidx's own constants) for this transaction only.
pub async fn explain_with(
    session: &mut ExplainSession,
    query: Query<'_>,
    author: Author<'_>,
    analyze: bool,
    settings: &[(&'static str, &'static str)],
) -> Result<Explained, DbError> {
    let planned_as = match author {
        Author::User(role) => Some(role.clone()),
        Author::Hotidx => None,
    };
    let timeout = session.timeout;
    let canceller = session.canceller();
    let (plan, execution_ms, document, generic_plan) = match &mut session.db {
        Database::Postgres(conn) => {
            let version = session.server_version;
            // The server's timeout is the guard; this catches a statement that swallows it (or a
            // server that stops answering): its backend is terminated.
            let backstop = timeout + std::time::Duration::from_secs(1);
            let work =
                postgres_run::document(conn, version, query, author, analyze, settings, timeout);
            let (document, generic) = match tokio::time::timeout(backstop, work).await {
                Ok(answer) => answer?,
                Err(_) => {
                    // It already outlived the server's own cancel at the timeout.
                    canceller.terminate().await;
                    return Err(DbError::Failed(format!(
                        "timed out after {}: the statement ran on past the server's timeout, and \
                         hotidx stopped it; nothing was changed",
                        crate::units::duration(timeout)
                    )));
                }
            };
            let (plan, execution_ms) = parse_document(&document)?;
            (plan, execution_ms, Some(raw(document)?), generic)
        }
        Database::Sqlite(conn) => {
            let interrupt = match &canceller {
                Canceller::Sqlite(interrupt) => Some(interrupt.as_ref()),
                Canceller::Postgres { .. } => None,
            };
            let (plan, ms) = super::sqlite_run::explain(
                conn,
                interrupt,
                timeout,
                query.sql,
                query.params,
                analyze,
            )
            .await?;
            (plan, ms, None, false)
        }
    };
    Ok(Explained {
        analyzed: analyze,
        generic_plan,
        planned_as,
        execution_ms,
        postgres_plan: document,
        ..Explained::planned(query, plan)
    })
}

/// Plans nest deeper than serde_json's default limit (200 levels is two of its 400): both the
/// tree and the untouched document are read without it.
fn parse_document(text: &str) -> Result<(PlanNode, Option<f64>), DbError> {
    postgres::parse_text(text).map_err(|reason| DbError::Query {
        context: "reading the plan".into(),
        reason,
    })
}

fn raw(text: String) -> Result<Box<RawValue>, DbError> {
    let mut reader = serde_json::Deserializer::from_str(&text);
    reader.disable_recursion_limit();
    Box::<RawValue>::deserialize(&mut reader).map_err(|e| DbError::Query {
        context: "reading the plan".into(),
        reason: e.to_string(),
    })
}
