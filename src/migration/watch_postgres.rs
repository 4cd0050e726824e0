//! What a build's second, read-only session reads on PostgreSQL: the running statement's
//! progress and who blocks it, the sessions a concurrent build would wait for, and the end state
//! checked before the version row moves.

use std::time::Instant;

use sqlx::Row;
use sqlx::postgres::PgConnection;

use super::progress::{BuildProgress, Session};
use crate::catalog::CatalogSnapshot;
use crate::db::postgres;

/// Any transaction holding a snapshot or an id makes a concurrent build wait, however young; only
/// a statement in flight right now (under a second) is left out of the list.
const LONG_TRANSACTION_SECONDS: i32 = 1;

/// The catalog and the version row, as `verify` needs them.
pub(super) async fn read_state(
    conn: &mut PgConnection,
) -> Result<(CatalogSnapshot, Option<Vec<String>>), String> {
    let snapshot = postgres::snapshot(conn).await.map_err(|e| e.to_string())?;
    let schema = snapshot.find_table("conversions").map(|t| t.schema.clone());
    let versions = postgres::alembic_versions(conn, schema.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    Ok((snapshot, versions))
}

/// Sessions of this database, other than `besides`, with a transaction open longer than a few
/// seconds: a concurrent build waits for each of them.
pub async fn long_transactions(
    conn: &mut PgConnection,
    besides: i32,
) -> Result<Vec<Session>, sqlx::Error> {
    let json: String = sqlx::query_scalar(SESSIONS_SQL)
        .bind(LONG_TRANSACTION_SECONDS)
        .bind(besides)
        .fetch_one(conn)
        .await?;
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

/// One session as `Session` reads it: what a DBA needs to decide whether to wait or to act.
macro_rules! session_json {
    () => {
        "json_build_object(
         'pid', a.pid, 'user', a.usename, 'state', a.state,
         'age_seconds', extract(epoch FROM now() - a.xact_start),
         'query_start', to_char(a.query_start, 'YYYY-MM-DD HH24:MI:SS'),
         'query', left(a.query, 200))"
    };
}

const SESSIONS_SQL: &str = concat!(
    "SELECT COALESCE(json_agg(",
    session_json!(),
    " ORDER BY a.xact_start), '[]')::text
FROM pg_stat_activity a
WHERE a.datname = current_database() AND a.pid <> $2 AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend'
  AND (a.backend_xid IS NOT NULL OR a.backend_xmin IS NOT NULL)
  AND a.xact_start < now() - make_interval(secs => $1)"
);

const PROGRESS_SQL: &str = concat!(
    "SELECT p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total,
       (SELECT COALESCE(json_agg(",
    session_json!(),
    "), '[]')::text
        FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids(me.pid))) AS blockers
FROM (SELECT $1::int AS pid) AS me
LEFT JOIN pg_stat_progress_create_index p ON p.pid = me.pid"
);

pub(super) async fn read_progress(
    watcher: &mut PgConnection,
    pid: i32,
    index: &str,
    started: Instant,
) -> Result<(Option<BuildProgress>, Vec<Session>), sqlx::Error> {
    let row = sqlx::query(PROGRESS_SQL)
        .bind(pid)
        .fetch_one(watcher)
        .await?;
    let blockers: String = row.try_get("blockers")?;
    let blockers = serde_json::from_str(&blockers).unwrap_or_default();
    let progress = row
        .try_get::<Option<String>, _>("phase")?
        .map(|phase| -> Result<BuildProgress, sqlx::Error> {
            Ok(BuildProgress {
                index: index.to_string(),
                phase,
                blocks_done: row.try_get("blocks_done")?,
                blocks_total: row.try_get("blocks_total")?,
                tuples_done: row.try_get("tuples_done")?,
                tuples_total: row.try_get("tuples_total")?,
                elapsed: started.elapsed(),
            })
        })
        .transpose()?;
    Ok((progress, blockers))
}
