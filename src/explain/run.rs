//! Running EXPLAIN. Without ANALYZE nothing executes. With ANALYZE the statement runs inside a
//! READ ONLY transaction that is always rolled back, with a statement timeout, through the
//! extended protocol (one statement only): the database, not a keyword filter, refuses writes.

use std::time::Instant;

use sqlx::{Executor, Row};

use super::{PlanNode, postgres, sqlite};
use crate::db::{Database, DbError};

/// How long an EXPLAIN ANALYZE may run.
pub const ANALYZE_TIMEOUT_MS: u32 = 30_000;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Explained {
    pub sql: String,
    pub analyzed: bool,
    pub plan: PlanNode,
    /// Whole statement time with ANALYZE (PostgreSQL's Execution Time; SQLite: measured).
    pub execution_ms: Option<f64>,
}

pub async fn explain(db: &mut Database, sql: &str, analyze: bool) -> Result<Explained, DbError> {
    let sql = sql.trim().trim_end_matches(';').trim().to_string();
    let (plan, execution_ms) = match db {
        Database::Postgres(conn) => explain_postgres(conn, &sql, analyze).await?,
        Database::Sqlite(conn) => explain_sqlite(conn, &sql, analyze).await?,
    };
    Ok(Explained {
        sql,
        analyzed: analyze,
        plan,
        execution_ms,
    })
}

/// A write refused by the read-only session is the guard working: say so plainly.
fn failed(context: &str, error: sqlx::Error) -> DbError {
    let message = crate::db::server_message(&error);
    let refused_write =
        message.contains("read-only transaction") || message.contains("readonly database");
    if message.contains("cannot insert multiple commands") {
        return DbError::Usage(
            "one statement at a time: EXPLAIN takes a single statement, not a script".into(),
        );
    }
    if refused_write {
        DbError::Failed(format!(
            "{context}: the statement would write, and the database refused it ({message}); \
             nothing was changed"
        ))
    } else {
        DbError::query(context, error)
    }
}

async fn explain_postgres(
    conn: &mut sqlx::PgConnection,
    sql: &str,
    analyze: bool,
) -> Result<(PlanNode, Option<f64>), DbError> {
    let options = if analyze {
        "ANALYZE, BUFFERS, FORMAT JSON"
    } else {
        "FORMAT JSON"
    };
    let statement = format!("EXPLAIN ({options}) {sql}");
    if analyze {
        refuse_volatile_functions(conn, sql).await?;
        conn.execute("BEGIN READ ONLY")
            .await
            .map_err(|e| failed("starting the read-only transaction", e))?;
        let timeout = format!("SET LOCAL statement_timeout = {ANALYZE_TIMEOUT_MS}");
        let answer = match conn.execute(sqlx::AssertSqlSafe(timeout)).await {
            Ok(_) => fetch_plan(conn, &statement).await,
            Err(e) => Err(failed("setting the statement timeout", e)),
        };
        // Whatever happened, nothing the statement did may stay.
        let _ = conn.execute("ROLLBACK").await;
        answer
    } else {
        fetch_plan(conn, &statement).await
    }
}

/// A READ ONLY transaction stops writes to tables, not what a volatile function does on the side
/// (pg_terminate_backend, dblink_exec, pg_cancel_backend, …). So before ANALYZE runs anything,
/// the plan is read with VERBOSE and every function it calls is looked up in pg_proc: a volatile
/// one means the statement is not run. The catalog, not a list of names, decides.
async fn refuse_volatile_functions(
    conn: &mut sqlx::PgConnection,
    sql: &str,
) -> Result<(), DbError> {
    let document = plan_document(conn, &format!("EXPLAIN (VERBOSE, FORMAT JSON) {sql}")).await?;
    let mut names = Vec::new();
    called_functions(&document, &mut names);
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Ok(());
    }
    let volatile: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT proname::text FROM pg_proc WHERE proname = ANY($1) AND provolatile = 'v' \
         ORDER BY 1",
    )
    .bind(&names)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| failed("looking up the functions the statement calls", e))?;
    if volatile.is_empty() {
        Ok(())
    } else {
        Err(DbError::Failed(format!(
            "refusing to ANALYZE: the statement calls volatile function{} {}, which could act \
             outside the rolled-back transaction; EXPLAIN without --analyze plans it without \
             running it; nothing was run",
            if volatile.len() == 1 { "" } else { "s" },
            volatile
                .iter()
                .map(|f| format!("{f}()"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

/// Every `name(` in the plan's text fields (outputs, filters, conditions, function scans).
fn called_functions(value: &serde_json::Value, names: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            let bytes = text.as_bytes();
            for (at, _) in text.match_indices('(') {
                let start = text[..at]
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |p| p + 1);
                let name = &text[start..at];
                let quoted = start > 0 && bytes[start - 1] == b'"';
                if !name.is_empty()
                    && !quoted
                    && !name.chars().next().is_some_and(|c| c.is_ascii_digit())
                {
                    names.push(name.to_ascii_lowercase());
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| called_functions(v, names)),
        serde_json::Value::Object(map) => map.values().for_each(|v| called_functions(v, names)),
        _ => {}
    }
}

/// The JSON document an `EXPLAIN (FORMAT JSON …)` statement answers with.
async fn plan_document(
    conn: &mut sqlx::PgConnection,
    statement: &str,
) -> Result<serde_json::Value, DbError> {
    // sqlx::query is the extended protocol: a second statement smuggled in is an error.
    let row = sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| failed("EXPLAIN", e))?;
    row.try_get::<sqlx::types::Json<serde_json::Value>, _>(0)
        .map(|j| j.0)
        .map_err(|e| failed("reading the plan", e))
}

pub(super) async fn fetch_plan(
    conn: &mut sqlx::PgConnection,
    statement: &str,
) -> Result<(PlanNode, Option<f64>), DbError> {
    let document = plan_document(conn, statement).await?;
    postgres::parse(&document).ok_or_else(|| DbError::Query {
        context: "reading the plan".into(),
        reason: "EXPLAIN returned no plan".into(),
    })
}

async fn explain_sqlite(
    conn: &mut sqlx::SqliteConnection,
    sql: &str,
    analyze: bool,
) -> Result<(PlanNode, Option<f64>), DbError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| failed("EXPLAIN QUERY PLAN", e))?;
    let lines: Vec<(i64, i64, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>(0),
                r.get::<i64, _>(1),
                r.get::<String, _>(3),
            )
        })
        .collect();
    let mut plan = sqlite::parse(&lines);
    if !analyze {
        return Ok((plan, None));
    }
    // SQLite has no EXPLAIN ANALYZE: run it on the read-only session and time it.
    conn.execute("BEGIN")
        .await
        .map_err(|e| failed("starting a transaction", e))?;
    let started = Instant::now();
    let result = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    let _ = conn.execute("ROLLBACK").await;
    let rows = result.map_err(|e| failed("running the statement", e))?;
    plan.actual_rows = Some(rows.len() as f64);
    plan.actual_ms = Some(elapsed);
    Ok((plan, Some(elapsed)))
}
