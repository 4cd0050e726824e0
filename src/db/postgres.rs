//! PostgreSQL: connecting with libpq's conventions; the catalog reads are in `postgres_catalog`.

use std::io::ErrorKind;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use super::DbError;
pub use super::postgres_catalog::{catalog_query, snapshot};
use crate::config::PostgresTarget;

/// How long an inspection statement may wait for a lock: reading must never hang behind DDL.
pub const INSPECTION_LOCK_TIMEOUT_MS: u32 = 2000;

/// Options every hotidx session carries: a name DBAs can see in `pg_stat_activity`, and, for
/// inspection, a session the server itself keeps read-only and that gives up on held locks.
fn session_options(target: &PostgresTarget, read_only: bool) -> PgConnectOptions {
    let options = target.options.clone().application_name("hotidx");
    if read_only {
        options.options([
            ("default_transaction_read_only", "on".to_string()),
            ("lock_timeout", INSPECTION_LOCK_TIMEOUT_MS.to_string()),
        ])
    } else {
        options
    }
}

pub async fn connect(target: &PostgresTarget, read_only: bool) -> Result<PgConnection, DbError> {
    let options = session_options(target, read_only);
    let attempt = tokio::time::timeout(target.connect_timeout, options.connect()).await;
    match attempt {
        Err(_) => Err(DbError::Timeout {
            target: target.display(),
            secs: target.connect_timeout.as_secs(),
        }),
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(error)) => Err(classify_connect_error(target, error)),
    }
}

fn classify_connect_error(target: &PostgresTarget, error: sqlx::Error) -> DbError {
    let display = target.display();
    match error {
        sqlx::Error::Io(io) => DbError::Unreachable {
            target: target.host_port(),
            reason: match io.kind() {
                ErrorKind::ConnectionRefused => {
                    "connection refused: is PostgreSQL running and listening on that port?".into()
                }
                ErrorKind::NotFound => "no such socket: is PostgreSQL running there?".into(),
                _ if io.to_string().contains("lookup address") => {
                    "unknown host name: check the host in the URL or PGHOST".into()
                }
                _ => io.to_string(),
            },
        },
        sqlx::Error::Tls(tls) => DbError::Tls {
            target: display,
            reason: tls.to_string(),
        },
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password / invalid_authorization_specification (no such role, pg_hba)
            Some("28P01" | "28000") => DbError::AuthFailed {
                target: display,
                detail: db.message().to_string(),
            },
            Some("3D000") => DbError::NoDatabase {
                server: format!("{}@{}", target.user(), target.host_port()),
                database: target.database().to_string(),
            },
            _ => DbError::Connect {
                target: display,
                reason: db.message().to_string(),
            },
        },
        other => DbError::Connect {
            target: display,
            reason: without_source_location(&other.to_string()),
        },
    }
}

/// `unexpected response from SSLRequest: 0x48 (sqlx_postgres::connection::tls:95)`: the
/// library's file and line mean nothing to an operator; is it a PostgreSQL server at all?
fn without_source_location(text: &str) -> String {
    let text = match text.find(" (sqlx_") {
        Some(at) => text[..at].to_string(),
        None => text.to_string(),
    };
    if text.contains("SSLRequest") || text.contains("unexpected response") {
        format!("{text}: is a PostgreSQL server listening there?")
    } else {
        text
    }
}

/// The rows of `alembic_version` (usually one), or `None` when there is no such table. Looked
/// for beside the mdraft tables first (`schema`), then on the search path, then anywhere if only
/// one schema has one.
pub async fn alembic_versions(
    conn: &mut PgConnection,
    schema: Option<&str>,
) -> Result<Option<Vec<String>>, DbError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = 'alembic_version' AND c.relkind IN ('r', 'p') \
         ORDER BY n.nspname = $1 DESC, COALESCE(c.oid = to_regclass('alembic_version'), false) DESC, \
                  n.nspname \
         LIMIT 1",
    )
    .bind(schema.unwrap_or("public"))
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| DbError::query("looking for alembic_version", e))?;
    let Some(found) = found else {
        return Ok(None);
    };
    let table = format!("\"{}\".alembic_version", found.replace('"', "\"\""));
    let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version_num::text FROM {table} ORDER BY 1"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| DbError::query("reading alembic_version", e))?;
    Ok(Some(rows))
}

pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}
