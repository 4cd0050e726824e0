//! `hotidx demo`: the mdraft database at the parent revision, with deterministic realistic rows.

mod postgres_demo;
mod rng;
mod rows;
mod small_tables;
mod sqlite_demo;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

pub use rows::Counts;
use rows::Generator;

use crate::config::Target;
use crate::db::DbError;

pub const DEFAULT_SEED: u64 = 20_250_816;
/// Conversions in a default demo: a full scan is clearly slower than an index lookup, and the
/// whole database still builds in a few seconds.
pub const DEFAULT_ROWS: u64 = 100_000;
const BATCH_ROWS: u64 = 5_000;

/// Every table the demo creates; `--force` replaces exactly these, nothing else.
pub const TABLES: [&str; 9] = [
    "requirements",
    "proposal_documents",
    "conversions",
    "jobs",
    "proposals",
    "api_keys",
    "allowlist",
    "users",
    "alembic_version",
];

/// What a backend's builder reports back.
struct Built {
    target: String,
    path: Option<PathBuf>,
    size_bytes: Option<i64>,
    created_database: bool,
}

#[derive(Debug)]
pub struct DemoReport {
    pub target: String,
    /// The SQLite file, to print for the user.
    pub path: Option<PathBuf>,
    pub counts: Counts,
    pub size_bytes: Option<i64>,
    pub elapsed: Duration,
    /// The PostgreSQL database did not exist and was created.
    pub created_database: bool,
}

pub async fn build(
    target: &Target,
    rows: Option<u64>,
    force: bool,
    seed: u64,
) -> Result<DemoReport, DbError> {
    let counts = Counts::for_rows(rows.unwrap_or(DEFAULT_ROWS));
    let generator = Generator::new(seed, counts, anchor());
    let started = Instant::now();
    let built = match target {
        Target::Sqlite(file) => sqlite_demo::build(file, &generator, force).await?,
        Target::Postgres(pg) => postgres_demo::build(pg, &generator, force).await?,
    };
    Ok(DemoReport {
        target: built.target,
        path: built.path,
        counts,
        size_bytes: built.size_bytes,
        elapsed: started.elapsed(),
        created_database: built.created_database,
    })
}

/// Rows spread over the 90 days before today (UTC midnight): same seed, same day, same rows.
fn anchor() -> NaiveDateTime {
    chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
}

/// One JSON array per batch, for `json_each` / `json_populate_recordset` to insert in one go.
fn batches<T: serde::Serialize>(
    total: u64,
    first: u64,
    make: impl Fn(u64) -> T,
) -> impl Iterator<Item = String> {
    (0..total.div_ceil(BATCH_ROWS)).map(move |batch| {
        let start = batch * BATCH_ROWS;
        let end = (start + BATCH_ROWS).min(total);
        let rows: Vec<T> = (start..end).map(|i| make(first + i)).collect();
        serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
    })
}

/// Refusal when the database already holds demo tables and `--force` was not given.
fn refuse_existing(target: &str, present: &[String]) -> DbError {
    DbError::Usage(format!(
        "{target} already has mdraft tables ({}): rerun with --force to replace them",
        present.join(", ")
    ))
}
