//! The mdraft query patterns, each with the index it is expected to use. Parameters are drawn
//! from the database itself, so a plan is the plan the application gets.

use serde::Serialize;
use sqlx::Row;

use crate::catalog::BackendKind;
use crate::db::{Database, DbError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub id: &'static str,
    pub table: &'static str,
    /// The query, with `{value}` where the drawn parameter goes (bound: `$1`, `?`).
    pub query: &'static str,
    pub expected_index: &'static str,
    /// The column the parameter is compared with.
    pub column: &'static str,
    /// Draws the parameter; on PostgreSQL `{type}` also reads its column's type, which the
    /// bound text is cast to, so the statement compares as the application's does. The time
    /// probe differs per dialect.
    param_postgres: &'static str,
    param_sqlite: &'static str,
}

const fn probe(
    id: &'static str,
    table: &'static str,
    query: &'static str,
    expected_index: &'static str,
    column: &'static str,
    param: &'static str,
) -> Probe {
    Probe {
        id,
        table,
        query,
        expected_index,
        column,
        param_postgres: param,
        param_sqlite: param,
    }
}

pub const PROBES: [Probe; 8] = [
    probe(
        "dedup",
        "conversions",
        "SELECT * FROM conversions WHERE sha256 = {value} AND status = 'COMPLETED'",
        "ix_conversions_sha256_status",
        "sha256",
        "SELECT sha256{type} FROM conversions WHERE status = 'COMPLETED' AND sha256 IS NOT NULL \
         LIMIT 1",
    ),
    probe(
        "user-conversions",
        "conversions",
        "SELECT * FROM conversions WHERE user_id = {value}",
        "ix_conversions_user_id",
        "user_id",
        "SELECT CAST(user_id AS TEXT){type} FROM conversions WHERE user_id IS NOT NULL LIMIT 1",
    ),
    probe(
        "user-jobs",
        "jobs",
        "SELECT * FROM jobs WHERE user_id = {value}",
        "ix_jobs_user_id",
        "user_id",
        "SELECT CAST(user_id AS TEXT){type} FROM jobs WHERE user_id IS NOT NULL LIMIT 1",
    ),
    probe(
        "user-email",
        "users",
        "SELECT * FROM users WHERE email = {value}",
        "ix_users_email",
        "email",
        "SELECT email{type} FROM users LIMIT 1",
    ),
    probe(
        "anonymous",
        "conversions",
        "SELECT * FROM conversions WHERE visitor_session_id = {value}",
        "ix_conversions_visitor_session_id",
        "visitor_session_id",
        "SELECT visitor_session_id{type} FROM conversions WHERE visitor_session_id IS NOT NULL \
         LIMIT 1",
    ),
    // The rarest status: the one an index helps with (workers polling for QUEUED work).
    probe(
        "status-conversions",
        "conversions",
        "SELECT * FROM conversions WHERE status = {value}",
        "ix_conversions_status",
        "status",
        "SELECT status{type} FROM conversions GROUP BY status ORDER BY count(*), status LIMIT 1",
    ),
    probe(
        "status-jobs",
        "jobs",
        "SELECT * FROM jobs WHERE status = {value}",
        "ix_jobs_status",
        "status",
        "SELECT status{type} FROM jobs GROUP BY status ORDER BY count(*), status LIMIT 1",
    ),
    Probe {
        param_sqlite: "SELECT datetime(max(created_at), '-1 day') FROM jobs",
        ..probe(
            "time",
            "jobs",
            "SELECT * FROM jobs WHERE created_at >= {value} ORDER BY created_at DESC LIMIT 50",
            "ix_jobs_created_at",
            "created_at",
            "SELECT CAST(max(created_at) - interval '1 day' AS TEXT), \
             pg_typeof(max(created_at))::text FROM jobs",
        )
    },
];

/// The probes an id names: exactly, or all that start with it (`user` → the three user probes).
pub fn select(id: &str) -> Vec<&'static Probe> {
    match PROBES.iter().find(|p| p.id == id) {
        Some(one) => vec![one],
        None => PROBES.iter().filter(|p| p.id.starts_with(id)).collect(),
    }
}

/// A probe with its parameter drawn, ready to explain: `sql` has `$1` (`?` on SQLite) where the
/// value goes, and the value is bound, never spliced.
#[derive(Debug, Clone, Serialize)]
pub struct BoundProbe {
    pub probe: &'static Probe,
    pub parameter: String,
    pub sql: String,
}

impl BoundProbe {
    /// The statement with its one bound value, as the explain runs it.
    pub fn query(&self) -> crate::explain::run::Query<'_> {
        crate::explain::run::Query {
            sql: &self.sql,
            params: std::slice::from_ref(&self.parameter),
        }
    }
}

/// A drawn value (`None`: NULL) and, on PostgreSQL, its column's type.
type Drawn = (Option<String>, Option<String>);

/// `Ok(Err(reason))` when the table is empty or missing: no value is invented.
pub async fn bind(
    db: &mut Database,
    snapshot: &crate::catalog::CatalogSnapshot,
    probe: &'static Probe,
) -> Result<Result<BoundProbe, String>, DbError> {
    let query = match snapshot.backend {
        BackendKind::Postgres => probe
            .param_postgres
            .replace("{type}", &format!(", pg_typeof({})::text", probe.column)),
        BackendKind::Sqlite => probe.param_sqlite.replace("{type}", ""),
    };
    // Tables outside the default schema are named with it, as the catalog found them.
    let table = match snapshot.find_table(probe.table) {
        Some(t) => crate::catalog::sql_table(&t.schema, probe.table),
        None => probe.table.to_string(),
    };
    let qualify =
        |sql: &str| sql.replace(&format!("FROM {} ", probe.table), &format!("FROM {table} "));
    let query = qualify(&query);
    let context = format!("drawing a parameter for probe {}", probe.id);
    // The value as text, and on PostgreSQL the column's type (the server's own spelling).
    let drawn: Result<Option<Drawn>, sqlx::Error> = match db {
        Database::Postgres(conn) => sqlx::query(sqlx::AssertSqlSafe(query.clone()))
            .fetch_optional(&mut *conn)
            .await
            .and_then(|row| row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()),
        Database::Sqlite(conn) => sqlx::query(sqlx::AssertSqlSafe(query))
            .fetch_optional(&mut *conn)
            .await
            .and_then(|row| row.map(|r| Ok((r.try_get(0)?, None))).transpose()),
    };
    let (value, column_type) = match drawn {
        Ok(Some((Some(value), column_type))) => (value, column_type),
        Ok(_) => {
            return Ok(Err(format!(
                "{} has no rows to draw a value from",
                probe.table
            )));
        }
        Err(sqlx::Error::Database(e))
            if e.message().contains("does not exist") || e.message().contains("no such table") =>
        {
            return Ok(Err(format!("table {} does not exist", probe.table)));
        }
        Err(e) => return Err(DbError::query(context, e)),
    };
    // The bound text is cast to the column's type, as a typed parameter of the application's
    // would be; the planner sees the value itself (a one-shot statement is planned with it).
    let placeholder = match column_type {
        Some(column_type) => format!("$1::{column_type}"),
        None => "?".to_string(),
    };
    Ok(Ok(BoundProbe {
        probe,
        sql: qualify(probe.query).replace("{value}", &placeholder),
        parameter: value,
    }))
}

/// Whether a plan goes through the probe's expected index, or one that covers it (same leading
/// columns, valid, full b-tree) — the access path is what matters, not the name.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub indexes_used: Vec<String>,
    pub through_expected: bool,
    /// The index that did the job, when it was not the expected one by name.
    pub covering_index: Option<String>,
    pub full_scan_of: Option<String>,
}

pub fn verdict(
    plan: &crate::explain::PlanNode,
    probe: &Probe,
    snapshot: &crate::catalog::CatalogSnapshot,
) -> Verdict {
    let used: Vec<String> = plan.indexes_used().into_iter().map(String::from).collect();
    let expected_columns = crate::migration::INDEXES
        .iter()
        .find(|i| i.name == probe.expected_index)
        .map(|i| i.columns)
        .unwrap_or_default();
    let covers = |name: &str| {
        snapshot.indexes.iter().any(|i| {
            i.name == name
                && i.table == probe.table
                && i.valid
                && i.predicate.is_none()
                && i.columns.len() >= expected_columns.len()
                && i.columns.iter().zip(expected_columns).all(|(a, b)| a == b)
        })
    };
    let by_name = used.iter().any(|u| u == probe.expected_index);
    let covering = (!by_name)
        .then(|| used.iter().find(|u| covers(u)).cloned())
        .flatten();
    let full_scan_of = plan
        .walk()
        .into_iter()
        .find(|n| n.is_full_scan() && n.relation.as_deref() == Some(probe.table))
        .and_then(|n| n.relation.clone());
    Verdict {
        through_expected: by_name || covering.is_some(),
        indexes_used: used,
        covering_index: covering,
        full_scan_of,
    }
}

/// `uses ix`, `uses other, which covers ix`, `does not use ix: full scan of jobs`.
pub fn verdict_text(expected: &str, verdict: &Verdict) -> String {
    match (&verdict.covering_index, verdict.through_expected) {
        (None, true) => format!("uses {expected}"),
        (Some(other), true) => format!("uses {other}, which covers {expected}"),
        (_, false) => match (&verdict.full_scan_of, verdict.indexes_used.as_slice()) {
            (Some(table), _) => format!("does not use {expected}: full scan of {table}"),
            (None, []) => format!("does not use {expected}: no index in the plan"),
            (None, used) => format!("does not use {expected}: uses {}", used.join(", ")),
        },
    }
}
