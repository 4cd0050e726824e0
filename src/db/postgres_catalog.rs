//! The PostgreSQL catalog in one statement, and the cheaper counters statement that a refreshing
//! screen sends while the definitions have not changed.

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::postgres::PgConnection;

use super::DbError;
use super::postgres::INSPECTION_LOCK_TIMEOUT_MS;
use crate::catalog::{BackendKind, CatalogSnapshot, IndexInfo, IndexUsage, TableInfo};

const CATALOG: &str = include_str!("catalog_postgres.sql");
const COUNTERS: &str = include_str!("catalog_counters_postgres.sql");
const SHARED: &str = include_str!("catalog_shared_postgres.sql");

/// `pg_stat_get_lastscan` (and the `last_idx_scan` column) arrived in PostgreSQL 16.
const LAST_SCAN_SINCE: u32 = 160_000;
/// `reltuples = -1` for "never vacuumed or analysed" arrived in PostgreSQL 14.
const UNKNOWN_ROWS_MARKED_SINCE: u32 = 140_000;

/// The full catalog statement for a server version.
pub fn catalog_query(server_version_num: u32) -> String {
    expand(CATALOG, server_version_num)
}

/// The counters statement for a server version.
fn counters_query(server_version_num: u32) -> String {
    expand(COUNTERS, server_version_num)
}

/// Fills in the shared fragments; what varies by version is `last_idx_scan` and how a table
/// never analysed is told from an empty one.
fn expand(statement: &str, server_version_num: u32) -> String {
    let last_scan = if server_version_num >= LAST_SCAN_SINCE {
        "pg_stat_get_lastscan(i.indexrelid)"
    } else {
        "NULL"
    };
    let estimated_rows = if server_version_num >= UNKNOWN_ROWS_MARKED_SINCE {
        fragment("ESTIMATED_ROWS")
    } else {
        fragment("ESTIMATED_ROWS_BEFORE_14")
    };
    statement
        .replace("{ESTIMATED_ROWS}", estimated_rows)
        .replace("{LOCKED}", fragment("LOCKED"))
        .replace("{FINGERPRINT}", fragment("FINGERPRINT"))
        .replace("{USER_TABLES}", fragment("USER_TABLES"))
        // Last: the fragments above use it too.
        .replace("{USER_SCHEMA}", fragment("USER_SCHEMA"))
        .replace("{LAST_SCAN}", last_scan)
}

/// The part of the shared file after its `-- {NAME}` line, up to the next such line.
fn fragment(name: &str) -> &'static str {
    let marker = format!("-- {{{name}}}\n");
    let start = SHARED.find(&marker).map_or(0, |at| at + marker.len());
    let rest = &SHARED[start..];
    let end = rest.find("-- {").unwrap_or(rest.len());
    rest[..end].trim_end()
}

#[derive(Deserialize)]
struct RawTable {
    oid: u32,
    #[serde(flatten)]
    info: TableInfo,
}

#[derive(Deserialize)]
struct RawIndex {
    oid: u32,
    #[serde(flatten)]
    info: IndexInfo,
}

#[derive(Deserialize)]
struct RawCatalog {
    fingerprint: String,
    server_version: String,
    stats_reset: Option<String>,
    tables: Vec<RawTable>,
    indexes: Vec<RawIndex>,
}

/// A snapshot and what it takes to bring its counters up to date in place.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub snapshot: CatalogSnapshot,
    fingerprint: String,
    table_at: HashMap<u32, usize>,
    index_at: HashMap<u32, usize>,
}

/// Every user table and index, in one statement.
pub async fn snapshot(conn: &mut PgConnection) -> Result<CatalogSnapshot, DbError> {
    Ok(read_catalog(conn).await?.snapshot)
}

pub async fn read_catalog(conn: &mut PgConnection) -> Result<Catalog, DbError> {
    let version_num = conn.server_version_num().unwrap_or(0);
    let json = fetch_json(conn, catalog_query(version_num)).await?;
    let mut raw: RawCatalog = decode(&json)?;
    raw.tables
        .sort_by(|a, b| (&a.info.schema, &a.info.name).cmp(&(&b.info.schema, &b.info.name)));
    raw.indexes.sort_by(|a, b| {
        let (a, b) = (&a.info, &b.info);
        (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name))
    });
    let table_at = raw.tables.iter().enumerate().map(|(n, t)| (t.oid, n));
    let index_at = raw.indexes.iter().enumerate().map(|(n, i)| (i.oid, n));
    Ok(Catalog {
        fingerprint: raw.fingerprint,
        table_at: table_at.collect(),
        index_at: index_at.collect(),
        snapshot: CatalogSnapshot {
            backend: BackendKind::Postgres,
            server_version: format!("PostgreSQL {}", short_version(&raw.server_version)),
            server_version_num: version_num,
            usage_tracked: true,
            sizes_known: true,
            stats_reset: raw.stats_reset,
            tables: raw.tables.into_iter().map(|t| t.info).collect(),
            indexes: raw.indexes.into_iter().map(|i| i.info).collect(),
        },
    })
}

/// oid, estimated rows, size.
type TableCounters = (u32, Option<i64>, Option<i64>);
/// oid, size, scans, tuples read, tuples fetched, last scan, valid, ready, unique, primary.
type IndexCounters = (
    u32,
    Option<i64>,
    i64,
    i64,
    i64,
    Option<String>,
    bool,
    bool,
    bool,
    bool,
);

#[derive(Deserialize)]
struct RawCounters {
    fingerprint: String,
    stats_reset: Option<String>,
    tables: Vec<TableCounters>,
    indexes: Vec<IndexCounters>,
}

/// Brings `catalog` up to date with one counters statement, sizes too when `with_sizes` (they
/// cost more than the rest: every relation's files are looked at). `Ok(false)`: the definitions
/// changed since it was read (nothing was touched), so the whole catalog must be read again.
pub async fn update_counters(
    conn: &mut PgConnection,
    catalog: &mut Catalog,
    with_sizes: bool,
) -> Result<bool, DbError> {
    let version_num = conn.server_version_num().unwrap_or(0);
    let json: String = sqlx::query_scalar(sqlx::AssertSqlSafe(counters_query(version_num)))
        .bind(with_sizes)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::query(catalog_context(&e), e))?;
    let raw: RawCounters = decode(&json)?;
    let snapshot = &catalog.snapshot;
    let same_shape = raw.fingerprint == catalog.fingerprint
        && raw.tables.len() == snapshot.tables.len()
        && raw.indexes.len() == snapshot.indexes.len()
        && raw
            .tables
            .iter()
            .all(|t| catalog.table_at.contains_key(&t.0))
        && raw
            .indexes
            .iter()
            .all(|i| catalog.index_at.contains_key(&i.0));
    if !same_shape {
        return Ok(false);
    }
    let snapshot = &mut catalog.snapshot;
    snapshot.stats_reset = raw.stats_reset;
    for (oid, rows, size) in raw.tables {
        let table = &mut snapshot.tables[catalog.table_at[&oid]];
        table.estimated_rows = rows;
        if with_sizes {
            table.size_bytes = size;
        }
    }
    for (oid, size, scans, read, fetched, last, valid, ready, unique, primary) in raw.indexes {
        let index = &mut snapshot.indexes[catalog.index_at[&oid]];
        if with_sizes {
            index.size_bytes = size;
        }
        index.valid = valid;
        index.ready = ready;
        index.unique = unique;
        index.primary = primary;
        index.usage = Some(IndexUsage {
            idx_scan: scans,
            idx_tup_read: read,
            idx_tup_fetch: fetched,
            last_idx_scan: last,
        });
    }
    Ok(true)
}

async fn fetch_json(conn: &mut PgConnection, statement: String) -> Result<String, DbError> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(statement))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::query(catalog_context(&e), e))
}

fn decode<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, DbError> {
    serde_json::from_str(json).map_err(|e| DbError::Query {
        context: "decoding the PostgreSQL catalog".into(),
        reason: e.to_string(),
    })
}

fn catalog_context(error: &sqlx::Error) -> String {
    let locked =
        matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03"));
    if locked {
        format!(
            "reading the PostgreSQL catalog waited more than {INSPECTION_LOCK_TIMEOUT_MS} ms for a \
             lock (DDL running?); try again"
        )
    } else {
        "reading the PostgreSQL catalog".to_string()
    }
}

/// `15.20 (Debian 15.20-0+deb12u1)` → `15.20`.
fn short_version(full: &str) -> &str {
    full.split_whitespace().next().unwrap_or(full)
}
