//! Before and after: a probe's plan without and with the migration's indexes, never by building
//! them for real. PostgreSQL uses HypoPG's hypothetical indexes when the extension is installed;
//! SQLite tries the DDL inside a transaction that is always rolled back.

use serde::Serialize;
use sqlx::{ConnectOptions, Connection, Executor};

use super::run::{Author, Explained, Query, explain};
use super::session::ExplainSession;
use crate::config::Target;
use crate::db::{Database, DbError};
use crate::migration::{INDEXES, MigrationStatus, Owner};

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub before: Option<Explained>,
    pub after: Option<Explained>,
    /// How each side was obtained, in words.
    pub method: String,
    /// What could not be shown and why.
    pub note: Option<String>,
}

/// The migration's indexes that the database does not have (or has INVALID).
fn missing(status: &MigrationStatus) -> Vec<&'static crate::migration::ExpectedIndex> {
    INDEXES
        .iter()
        .filter(|e| {
            status
                .indexes
                .iter()
                .any(|i| i.name == e.name && !i.state.is_satisfied())
        })
        .collect()
}

fn create(expected: &crate::migration::ExpectedIndex, schema: Option<&str>) -> String {
    let table = match schema {
        Some(s) => crate::catalog::sql_table(s, expected.table),
        None => expected.table.to_string(),
    };
    format!(
        "CREATE INDEX {} ON {table} ({})",
        expected.name,
        expected.columns.join(", ")
    )
}

/// `query` is planned as `author` on both sides: a probe as the login, the operator's SQL as
/// the role the guard chose.
pub async fn compare(
    target: &Target,
    session: &mut ExplainSession,
    status: &MigrationStatus,
    query: Query<'_>,
    author: Author<'_>,
    read_only: bool,
) -> Result<Comparison, DbError> {
    let current = explain(session, query, author, false).await?;
    let missing = missing(status);
    let schema = status.indexes.iter().find_map(|i| i.schema.clone());
    match &mut session.db {
        Database::Postgres(conn) => {
            if missing.is_empty() {
                return Ok(Comparison {
                    before: None,
                    after: Some(current),
                    method: "after: the real current state".into(),
                    note: Some(
                        "the migration's indexes are built: PostgreSQL cannot plan as if they \
                         were not without building or dropping something (HypoPG 1.4's \
                         hypopg_hide_index could)"
                            .into(),
                    ),
                });
            }
            let hypopg: bool = sqlx::query_scalar(
                "SELECT count(*) > 0 FROM pg_extension WHERE extname = 'hypopg'",
            )
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| DbError::query("looking for HypoPG", e))?;
            let names: Vec<&str> = missing.iter().map(|e| e.name).collect();
            if !hypopg {
                return Ok(Comparison {
                    before: Some(current),
                    after: None,
                    method: "before: the real current state".into(),
                    note: Some(format!(
                        "HypoPG is not installed in this database (CREATE EXTENSION hypopg), so \
                         there is no plan with the missing {} without building them",
                        names.join(", ")
                    )),
                });
            }
            // HypoPG names its indexes `<13557>btree_jobs_status`: map them back to the migration's.
            let mut names_of = Vec::new();
            for expected in &missing {
                // Hypothetical indexes live in this backend only: the same session plans next.
                let hypothetical: String =
                    sqlx::query_scalar("SELECT indexname::text FROM hypopg_create_index($1)")
                        .bind(create(expected, schema.as_deref()))
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(|e| DbError::query("creating a hypothetical index", e))?;
                names_of.push((hypothetical, format!("{} (hypothetical)", expected.name)));
            }
            let after = explain(session, query, author, false)
                .await
                .map(|mut explained| {
                    rename(&mut explained.plan, &names_of);
                    explained
                });
            if let Database::Postgres(conn) = &mut session.db {
                let _ = conn.execute("SELECT hypopg_reset()").await;
            }
            Ok(Comparison {
                before: Some(current),
                after: Some(after?),
                method: format!(
                    "after: hypothetical ({}, HypoPG; nothing built)",
                    names.join(", ")
                ),
                note: None,
            })
        }
        Database::Sqlite(_) => {
            let Target::Sqlite(file) = target else {
                return Err(DbError::Failed(
                    "a SQLite session on a PostgreSQL target".into(),
                ));
            };
            if read_only {
                return Ok(Comparison {
                    before: Some(current),
                    after: None,
                    method: "the real current state".into(),
                    note: Some(
                        "read-only: the trial needs a writable session, even though it is \
                         rolled back"
                            .into(),
                    ),
                });
            }
            let built: Vec<&str> = status
                .indexes
                .iter()
                .filter(|i| {
                    i.owner == Owner::Migration
                        && i.actual_index.as_deref() == Some(i.name.as_str())
                })
                .map(|i| i.name.as_str())
                .collect();
            // Without the migration (when it is built), or with it (when something is missing).
            let trial: Vec<String> = if missing.is_empty() {
                built
                    .iter()
                    .map(|n| format!("DROP INDEX \"{n}\""))
                    .collect()
            } else {
                missing.iter().map(|e| create(e, None)).collect()
            };
            let trial_plan = sqlite_trial(&file.path, &trial, query, session.timeout).await?;
            Ok(if missing.is_empty() {
                Comparison {
                    before: Some(trial_plan),
                    after: Some(current),
                    method: "before: the migration's indexes dropped in a transaction that was \
                             rolled back"
                        .into(),
                    note: None,
                }
            } else {
                Comparison {
                    before: Some(current),
                    after: Some(trial_plan),
                    method: "after: the missing indexes built in a transaction that was rolled \
                             back"
                        .into(),
                    note: None,
                }
            })
        }
    }
}

fn rename(node: &mut super::PlanNode, names: &[(String, String)]) {
    if let Some(index) = &node.index
        && let Some((_, name)) = names.iter().find(|(h, _)| h == index)
    {
        node.index = Some(name.clone());
    }
    for child in &mut node.children {
        rename(child, names);
    }
}

/// DDL, EXPLAIN QUERY PLAN, ROLLBACK: SQLite's DDL is transactional, nothing stays. The
/// statement is read as everywhere else: one only, never run.
async fn sqlite_trial(
    path: &std::path::Path,
    ddl: &[String],
    query: Query<'_>,
    timeout: std::time::Duration,
) -> Result<Explained, DbError> {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .foreign_keys(false)
        .connect()
        .await
        .map_err(|e| DbError::query("opening the trial session", e))?;
    conn.execute("BEGIN IMMEDIATE")
        .await
        .map_err(|e| DbError::query("starting the trial", e))?;
    let mut result = Ok(());
    for statement in ddl {
        if let Err(e) = conn.execute(sqlx::AssertSqlSafe(statement.clone())).await {
            result = Err(DbError::query("the trial DDL", e));
            break;
        }
    }
    let explained = match result {
        Ok(()) => {
            super::sqlite_run::explain(&mut conn, None, timeout, query.sql, query.params, false)
                .await
        }
        Err(e) => Err(e),
    };
    let _ = conn.execute("ROLLBACK").await;
    let _ = conn.close().await;
    let (plan, _) = explained?;
    Ok(Explained::planned(query, plan))
}
