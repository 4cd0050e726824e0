//! Building the demo in a SQLite file: a new file is built aside and renamed into place, so a
//! half-built demo is never seen; an existing file is changed in one transaction.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, Executor};

use super::{Built, Generator, TABLES, batches, refuse_existing, small_tables};
use crate::config::{self, Source, SqliteTarget};
use crate::db::{DbError, sqlite};
use crate::migration::PARENT_REVISION;

const SCHEMA: &str = include_str!("schema_sqlite.sql");
const INDEXES: &str = include_str!("indexes_sqlite.sql");

const USER_COLUMNS: &[&str] = &[
    "id",
    "email",
    "password_hash",
    "stripe_customer_id",
    "subscription_status",
    "plan",
    "last_login_at",
    "revoked",
    "created_at",
    "updated_at",
];
const CONVERSION_COLUMNS: &[&str] = &[
    "id",
    "filename",
    "status",
    "markdown",
    "error",
    "created_at",
    "updated_at",
    "sha256",
    "original_mime",
    "original_size",
    "stored_uri",
    "expires_at",
    "user_id",
    "visitor_session_id",
    "proposal_id",
];
const JOB_COLUMNS: &[&str] = &[
    "id",
    "user_id",
    "filename",
    "status",
    "gcs_uri",
    "output_uri",
    "error_message",
    "started_at",
    "completed_at",
    "created_at",
    "updated_at",
    "visitor_session_id",
];

pub async fn build(
    file: &SqliteTarget,
    generator: &Generator,
    force: bool,
) -> Result<Built, DbError> {
    let path = &file.path;
    let ours = file.source == Source::DemoDefault || config::is_demo_path(path);
    if path.exists() && !ours {
        build_in_place(path, generator, force).await?;
    } else {
        build_aside(path, generator).await?;
    }
    Ok(Built {
        target: path.display().to_string(),
        path: Some(path.clone()),
        size_bytes: std::fs::metadata(path).ok().map(|m| m.len() as i64),
        created_database: false,
    })
}

fn io_error(path: &Path, action: &str, e: std::io::Error) -> DbError {
    DbError::Usage(format!("cannot {action} {}: {e}", path.display()))
}

async fn build_aside(path: &Path, generator: &Generator) -> Result<(), DbError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "create directory", e))?;
    }
    let mut building = PathBuf::from(path);
    building.as_mut_os_string().push(".building");
    let _ = std::fs::remove_file(&building);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&building)
        .create_if_missing(true)
        .foreign_keys(false)
        // A file nobody sees yet: durability only matters once it is renamed into place.
        .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
    let mut conn = sqlx::ConnectOptions::connect(&options)
        .await
        .map_err(|e| DbError::query("creating the demo file", e))?;
    let loaded = load(&mut conn, generator).await;
    let _ = conn.close().await;
    if let Err(e) = loaded {
        let _ = std::fs::remove_file(&building);
        return Err(e);
    }
    std::fs::rename(&building, path).map_err(|e| io_error(path, "move the demo into", e))
}

async fn build_in_place(path: &Path, generator: &Generator, force: bool) -> Result<(), DbError> {
    let mut conn = sqlite::connect(path, false).await?;
    let present: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ({}) ORDER BY name",
        TABLES.map(|t| format!("'{t}'")).join(", ")
    )))
    .fetch_all(&mut conn)
    .await
    .map_err(|e| DbError::query("looking for mdraft tables", e))?;
    if !present.is_empty() && !force {
        return Err(refuse_existing(&path.display().to_string(), &present));
    }
    // Views and triggers of the user's on these tables would break or vanish with them.
    let mentions: Vec<String> = TABLES.iter().map(|t| format!("sql LIKE '%{t}%'")).collect();
    let dependents: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT type || ' ' || name FROM sqlite_schema \
         WHERE type IN ('view', 'trigger') AND ({}) ORDER BY name",
        mentions.join(" OR ")
    )))
    .fetch_all(&mut conn)
    .await
    .map_err(|e| DbError::query("looking for views and triggers", e))?;
    if !present.is_empty() && !dependents.is_empty() {
        return Err(DbError::Failed(format!(
            "refusing to replace the demo tables in {}: {} depend on them; drop those first, \
             nothing was changed",
            path.display(),
            dependents.join(", ")
        )));
    }
    conn.execute("PRAGMA foreign_keys = OFF")
        .await
        .map_err(|e| DbError::query("preparing the demo", e))?;
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| DbError::query("starting the demo transaction", e))?;
    for table in TABLES.iter().filter(|t| present.iter().any(|p| p == *t)) {
        tx.execute(sqlx::AssertSqlSafe(format!("DROP TABLE \"{table}\"")))
            .await
            .map_err(|e| DbError::query("dropping the old demo tables", e))?;
    }
    load_tables(&mut tx, generator).await?;
    tx.commit()
        .await
        .map_err(|e| DbError::query("committing the demo", e))?;
    let _ = conn.close().await;
    Ok(())
}

async fn load(conn: &mut SqliteConnection, generator: &Generator) -> Result<(), DbError> {
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| DbError::query("starting the demo transaction", e))?;
    load_tables(&mut tx, generator).await?;
    tx.commit()
        .await
        .map_err(|e| DbError::query("committing the demo", e))
}

async fn load_tables(conn: &mut SqliteConnection, generator: &Generator) -> Result<(), DbError> {
    let counts = generator.counts();
    conn.execute(SCHEMA)
        .await
        .map_err(|e| DbError::query("creating the mdraft tables", e))?;
    insert_json(
        conn,
        "users",
        USER_COLUMNS,
        batches(counts.users, 1, |i| generator.user(i)),
    )
    .await?;
    conn.execute(sqlx::AssertSqlSafe(small_tables::insert_sql(&counts)))
        .await
        .map_err(|e| DbError::query("filling the small tables", e))?;
    insert_json(
        conn,
        "jobs",
        JOB_COLUMNS,
        batches(counts.jobs, 1, |i| generator.job(i)),
    )
    .await?;
    let conversions = batches(counts.conversions, 0, |i| generator.conversion(i));
    insert_json(conn, "conversions", CONVERSION_COLUMNS, conversions).await?;
    conn.execute(INDEXES)
        .await
        .map_err(|e| DbError::query("building the parent's indexes", e))?;
    sqlx::query("INSERT INTO alembic_version (version_num) VALUES (?1)")
        .bind(PARENT_REVISION)
        .execute(&mut *conn)
        .await
        .map_err(|e| DbError::query("stamping alembic_version", e))?;
    Ok(())
}

async fn insert_json(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    batches: impl Iterator<Item = String>,
) -> Result<(), DbError> {
    let extracts: Vec<String> = columns
        .iter()
        .map(|c| format!("json_extract(value, '$.{c}')"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM json_each(?1)",
        columns.join(", "),
        extracts.join(", ")
    );
    for batch in batches {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(batch)
            .execute(&mut *conn)
            .await
            .map_err(|e| DbError::query(format!("filling {table}"), e))?;
    }
    Ok(())
}
