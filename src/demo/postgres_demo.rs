//! Building the demo in a PostgreSQL database (created if missing), in one transaction, then
//! ANALYZE so the planner sees the real distribution.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::{Built, Generator, TABLES, batches, refuse_existing, small_tables};
use crate::config::PostgresTarget;
use crate::db::{DbError, postgres};
use crate::migration::PARENT_REVISION;

const SCHEMA: &str = include_str!("schema_postgres.sql");
const CONSTRAINTS: &str = include_str!("constraints_postgres.sql");

pub async fn build(
    target: &PostgresTarget,
    generator: &Generator,
    force: bool,
) -> Result<Built, DbError> {
    let (mut conn, created_database) = match postgres::connect(target, false).await {
        Ok(conn) => (conn, false),
        Err(DbError::NoDatabase { .. }) => (create_database(target).await?, true),
        Err(e) => return Err(e),
    };
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables \
         WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY 1",
    )
    .bind(TABLES.map(String::from).to_vec())
    .fetch_all(&mut conn)
    .await
    .map_err(|e| DbError::query("looking for mdraft tables", e))?;
    if !present.is_empty() && !force {
        return Err(refuse_existing(&target.display(), &present));
    }
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| DbError::query("starting the demo transaction", e))?;
    if !present.is_empty() {
        // No CASCADE: a view or foreign key of the user's on these tables stops the replacement.
        let drop = format!(
            "DROP TABLE IF EXISTS {}",
            present
                .iter()
                .map(|t| format!("public.\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Err(e) = tx.execute(sqlx::AssertSqlSafe(drop)).await {
            return Err(dependents_refusal(&target.display(), e));
        }
    }
    load(&mut tx, generator).await?;
    tx.commit()
        .await
        .map_err(|e| DbError::query("committing the demo", e))?;
    // ANALYZE from a fresh session: the loading session's row counts reach the statistics only
    // when it ends, and counted after ANALYZE they would make every table look stale.
    let _ = conn.close().await;
    let mut conn = postgres::connect(target, false).await?;
    conn.execute("ANALYZE")
        .await
        .map_err(|e| DbError::query("analysing the demo", e))?;
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| DbError::query("measuring the demo", e))?;
    let _ = conn.close().await;
    Ok(Built {
        target: target.display(),
        path: None,
        size_bytes: Some(size),
        created_database,
    })
}

/// `demo` may create its database; it says so in its report.
async fn create_database(target: &PostgresTarget) -> Result<PgConnection, DbError> {
    let mut admin = postgres::connect(&target.with_database("postgres"), false).await?;
    let name = target.database().replace('"', "\"\"");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .map_err(|e| DbError::query(format!("creating database {}", target.database()), e))?;
    let _ = admin.close().await;
    postgres::connect(target, false).await
}

async fn load(conn: &mut PgConnection, generator: &Generator) -> Result<(), DbError> {
    let counts = generator.counts();
    conn.execute(SCHEMA)
        .await
        .map_err(|e| DbError::query("creating the mdraft tables", e))?;
    insert_json(
        conn,
        "users",
        batches(counts.users, 1, |i| generator.user(i)),
    )
    .await?;
    conn.execute(sqlx::AssertSqlSafe(small_tables::insert_sql(&counts)))
        .await
        .map_err(|e| DbError::query("filling the small tables", e))?;
    insert_json(conn, "jobs", batches(counts.jobs, 1, |i| generator.job(i))).await?;
    let conversions = batches(counts.conversions, 0, |i| generator.conversion(i));
    insert_json(conn, "conversions", conversions).await?;
    conn.execute(CONSTRAINTS)
        .await
        .map_err(|e| DbError::query("adding the parent's keys and indexes", e))?;
    sqlx::query("INSERT INTO public.alembic_version (version_num) VALUES ($1)")
        .bind(PARENT_REVISION)
        .execute(&mut *conn)
        .await
        .map_err(|e| DbError::query("stamping alembic_version", e))?;
    Ok(())
}

/// The table's own row type names the columns: JSON keys map to them by name.
async fn insert_json(
    conn: &mut PgConnection,
    table: &str,
    batches: impl Iterator<Item = String>,
) -> Result<(), DbError> {
    let sql = format!(
        "INSERT INTO public.{table} SELECT * FROM json_populate_recordset(NULL::public.{table}, $1::json)"
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

/// `--force` replaces only the demo's own tables; what depends on them is the user's.
fn dependents_refusal(target: &str, error: sqlx::Error) -> DbError {
    let detail = error
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
        .and_then(|d| d.detail().map(|t| t.replace('\n', "; ")));
    match detail {
        Some(detail) => DbError::Failed(format!(
            "refusing to replace the demo tables in {target}: other objects depend on them \
             ({detail}); drop those first, nothing was changed"
        )),
        None => DbError::query("dropping the old demo tables", error),
    }
}
