//! `hotidx upgrade` / `downgrade` on real SQLite files: one transaction, all or nothing.

mod common;

use std::path::Path;

use common::{hotidx, index_state, run, sqlite_demo, status_json};
use hotidx::config::{self, Source};
use hotidx::db::{Access, Database};
use sqlx::{Connection, Executor};

fn migrate(home: &Path, path: &Path, args: &[&str]) -> common::Run {
    run(hotidx(home).args(args).arg("--database-url").arg(path))
}

#[tokio::test]
async fn upgrade_downgrade_round_trip_and_the_published_downgrade() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("m.db"), 2000);
    let before = common::sqlite_index_names(&path).await;
    let out = migrate(home.path(), &path, &["upgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("5 indexes to build in one transaction, 4 skipped")
    );
    let url = path.display().to_string();
    assert_eq!(status_json(home.path(), &url)["overall"], "applied");
    assert_eq!(migrate(home.path(), &path, &["upgrade", "--yes"]).code, 0);

    let out = migrate(home.path(), &path, &["downgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(common::sqlite_index_names(&path).await, before);
    assert_eq!(status_json(home.path(), &url)["overall"], "pending");

    assert_eq!(migrate(home.path(), &path, &["upgrade", "--yes"]).code, 0);
    let out = migrate(
        home.path(),
        &path,
        &["downgrade", "--yes", "--like-alembic"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let left = common::sqlite_index_names(&path).await;
    for gone in [
        "ix_users_email",
        "ix_conversions_sha256",
        "ix_conversions_user_id",
        "ix_jobs_status",
    ] {
        assert!(
            !left.contains(&gone.to_string()),
            "{gone} should be dropped like Alembic does"
        );
    }
    assert!(
        left.contains(&"sqlite_autoindex_users_1".to_string()),
        "the table's own UNIQUE stays"
    );
}

#[tokio::test]
async fn a_failing_statement_rolls_back_everything() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("f.db"), 500);
    let before = common::sqlite_index_names(&path).await;
    // A table holding the name of the last index makes its CREATE INDEX fail.
    let mut conn = common::sqlite_connect(&path).await;
    conn.execute("CREATE TABLE ix_jobs_created_at (x)")
        .await
        .unwrap();
    conn.close().await.unwrap();
    let out = migrate(home.path(), &path, &["upgrade", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("ix_jobs_created_at failed") && out.stderr.contains("rolled back"),
        "{}",
        out.stderr
    );
    assert_eq!(
        common::sqlite_index_names(&path).await,
        before,
        "none of the earlier indexes stayed"
    );
    let status = status_json(home.path(), &path.display().to_string());
    assert_eq!(
        status["versions"],
        serde_json::json!(["add_visitor_session_to_jobs"])
    );
    assert_eq!(index_state(&status, "ix_conversions_status"), "missing");
}

#[tokio::test]
async fn a_locked_database_is_reported_after_the_busy_timeout() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("busy.db"), 200);
    let mut holder = common::sqlite_connect(&path).await;
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let started = std::time::Instant::now();
    let out = migrate(home.path(), &path, &["upgrade", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("locked by another writer"),
        "{}",
        out.stderr
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "a clear message, not a hang"
    );
    holder.execute("ROLLBACK").await.unwrap();
    holder.close().await.unwrap();
    assert_eq!(migrate(home.path(), &path, &["upgrade", "--yes"]).code, 0);
}

#[tokio::test]
async fn the_read_only_session_cannot_write_even_by_mistake() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("ro.db"), 100);
    let target = config::parse_target(
        &path.display().to_string(),
        Source::Flag,
        config::DEFAULT_CONNECT_TIMEOUT,
    )
    .unwrap();
    let Database::Sqlite(mut conn) = Database::connect(&target, Access::ReadOnly).await.unwrap()
    else {
        panic!("sqlite expected");
    };
    let err = conn
        .execute("CREATE INDEX ix_x ON jobs (filename)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
}
