//! Catalog and migration status on real SQLite files made by `hotidx demo`.

mod common;

use std::path::Path;

use common::{hotidx, index_detail, index_state, run, sqlite_demo, status_json};
use hotidx::catalog::BackendKind;
use hotidx::config::{self, Source};
use hotidx::db::{Access, Database};
use hotidx::migration::{self, Script};
use sqlx::{Connection, Executor};

async fn exec(path: &Path, sql: &str) {
    let mut conn = common::sqlite_connect(&path).await;
    conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.unwrap();
}

async fn apply(path: &Path) {
    let upgrade = migration::sql(BackendKind::Sqlite, Script::Upgrade);
    exec(path, upgrade).await;
    exec(
        path,
        "UPDATE alembic_version SET version_num = '2a301fa09a8a'",
    )
    .await;
}

fn url(path: &Path) -> String {
    path.display().to_string()
}

#[tokio::test]
async fn snapshot_counts_rows_sizes_with_dbstat_and_tracks_no_usage() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("m.db"), 3000);
    let target =
        config::parse_target(&url(&path), Source::Flag, config::DEFAULT_CONNECT_TIMEOUT).unwrap();
    let mut db = Database::connect(&target, Access::ReadOnly).await.unwrap();
    let snapshot = db.snapshot().await.unwrap();
    db.close().await;
    assert!(!snapshot.usage_tracked && snapshot.sizes_known);
    assert!(snapshot.server_version.starts_with("SQLite 3."));
    let conversions = snapshot.find_table("conversions").unwrap();
    assert_eq!(
        conversions.estimated_rows,
        Some(3000),
        "dbstat leaf cells are the row count"
    );
    assert!(conversions.size_bytes.unwrap() > 100_000);
    let sha = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "ix_conversions_sha256")
        .unwrap();
    assert_eq!(sha.columns, vec!["sha256"]);
    assert!(sha.usage.is_none(), "not tracked, never a fake zero");
    assert!(sha.size_bytes.unwrap() >= 4096);
    let auto = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "sqlite_autoindex_users_1")
        .unwrap();
    assert!(auto.unique && !auto.primary);
    let pk = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "sqlite_autoindex_conversions_1")
        .unwrap();
    assert!(pk.primary);

    let out = run(hotidx(home.path())
        .args(["indexes", "--format", "json", "--database-url"])
        .arg(&path));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["usage_tracked"], false);
    assert!(doc["indexes"][0]["usage"].is_null());
    assert!(
        doc["indexes"][0]["size_bytes"].is_i64(),
        "raw numbers in JSON"
    );
    let text = run(hotidx(home.path())
        .args(["indexes", "--database-url"])
        .arg(&path));
    assert!(text.stdout.contains("not tracked"), "{}", text.stdout);
    assert!(
        !text.stdout.contains("SCANS"),
        "no usage columns to fill with zeros"
    );
}

#[tokio::test]
async fn partial_index_predicate_and_descending_columns() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("p.db"), 200);
    exec(
        &path,
        "CREATE INDEX ix_queued ON conversions (created_at DESC) WHERE status = 'QUEUED'",
    )
    .await;
    let out = run(hotidx(home.path())
        .args([
            "indexes",
            "--table",
            "conversions",
            "--format",
            "json",
            "--database-url",
        ])
        .arg(&path));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let queued = doc["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "ix_queued")
        .unwrap();
    assert_eq!(queued["columns"], serde_json::json!(["created_at DESC"]));
    assert_eq!(queued["predicate"], "status = 'QUEUED'");
    assert_eq!(doc["tables"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_state_on_sqlite() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("s.db"), 500);
    let u = url(&path);

    let status = status_json(home.path(), &u);
    assert_eq!(status["overall"], "pending");
    assert_eq!(status["backend"], "sqlite");
    assert_eq!(index_state(&status, "ix_users_email"), "covered");
    assert_eq!(index_state(&status, "ix_conversions_user_id"), "present");
    assert_eq!(index_state(&status, "ix_jobs_status"), "missing");

    exec(&path, "CREATE INDEX ix_jobs_status ON jobs (status)").await;
    assert_eq!(status_json(home.path(), &u)["overall"], "partial");

    apply(&path).await;
    assert_eq!(status_json(home.path(), &u)["overall"], "applied");

    exec(&path, "DROP INDEX ix_jobs_user_id").await;
    let status = status_json(home.path(), &u);
    assert_eq!(status["overall"], "drift");
    assert_eq!(index_state(&status, "ix_jobs_user_id"), "missing");

    exec(
        &path,
        "CREATE INDEX ix_jobs_user_id ON jobs (user_id, status)",
    )
    .await;
    let status = status_json(home.path(), &u);
    assert_eq!(
        index_state(&status, "ix_jobs_user_id"),
        "different_definition"
    );
    assert_eq!(
        index_detail(&status, "ix_jobs_user_id"),
        "columns (user_id, status) instead of (user_id)"
    );

    exec(
        &path,
        "UPDATE alembic_version SET version_num = 'someone_elses'",
    )
    .await;
    assert_eq!(status_json(home.path(), &u)["overall"], "unknown_revision");
    exec(&path, "DROP TABLE alembic_version").await;
    assert_eq!(status_json(home.path(), &u)["overall"], "unversioned");
}

#[tokio::test]
async fn the_published_sqlite_upgrade_fails_on_the_parent_and_ours_does_not() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("u.db"), 100);
    let mut conn = common::sqlite_connect(&path).await;
    let published = conn
        .execute("CREATE INDEX ix_conversions_sha256 ON conversions (sha256)")
        .await;
    assert!(
        published
            .unwrap_err()
            .to_string()
            .contains("already exists")
    );
    conn.execute(migration::sql(BackendKind::Sqlite, Script::Upgrade))
        .await
        .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_collations_and_expressions_are_shown_as_written() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("x.db"), 100);
    exec(
        &path,
        "CREATE INDEX ix_conversions_status ON conversions (status COLLATE NOCASE)",
    )
    .await;
    exec(
        &path,
        r#"CREATE INDEX "ix weird" ON users (lower(email) DESC, plan) WHERE revoked = 0"#,
    )
    .await;
    let status = status_json(home.path(), &url(&path));
    assert_eq!(
        index_state(&status, "ix_conversions_status"),
        "different_definition"
    );
    let out = run(hotidx(home.path())
        .args([
            "indexes",
            "--table",
            "users",
            "--format",
            "json",
            "--database-url",
        ])
        .arg(&path));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let weird = doc["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "ix weird")
        .unwrap();
    assert_eq!(
        weird["columns"],
        serde_json::json!(["lower(email) DESC", "plan"])
    );
    assert_eq!(weird["predicate"], "revoked = 0");
}
