//! `hotidx upgrade` / `downgrade` on a real PostgreSQL: round trips, idempotency, refusals,
//! `--sql` through psql, read-only sessions.

mod common;

use common::{hotidx, hotidx_on, index_state, pg_demo, pg_index_set, run, status_json};

#[tokio::test]
async fn upgrade_then_downgrade_restores_the_parents_index_set_and_both_are_idempotent() {
    let Some((db, home)) = pg_demo("roundtrip", 3000).await else {
        return;
    };
    let before = pg_index_set(&db).await;

    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains("[5/5] ix_jobs_created_at: done in"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("alembic_version add_visitor_session_to_jobs → 2a301fa09a8a")
    );
    // The plan wraps long statements at 80 columns; joined back they are the exact SQL.
    assert!(common::words(&out.stdout).contains(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_jobs_status ON public.jobs (status);"
    ));
    assert!(
        out.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        out.stdout
    );
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
    let applied = pg_index_set(&db).await;
    assert_eq!(applied.len(), before.len() + 5);

    let again = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    assert_eq!(pg_index_set(&db).await, applied);

    let out = hotidx_on(home.path(), &db.url, &["downgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let words = common::words(&out.stdout);
    assert!(
        words.contains("note the published downgrade would also drop ix_conversions_user_id, ix_conversions_visitor_session_id, which the parent had"),
        "{}",
        out.stdout
    );
    assert_eq!(
        pg_index_set(&db).await,
        before,
        "an upgrade then a downgrade leaves the parent's set"
    );
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "pending");

    let again = hotidx_on(home.path(), &db.url, &["downgrade", "--yes"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[tokio::test]
async fn like_alembic_downgrade_drops_what_the_published_one_drops() {
    let Some((db, home)) = pg_demo("likealembic", 1000).await else {
        return;
    };
    assert_eq!(
        hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]).code,
        0
    );
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["downgrade", "--yes", "--like-alembic"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let names: Vec<String> = pg_index_set(&db)
        .await
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert!(!names.contains(&"ix_conversions_user_id".to_string()));
    assert!(!names.contains(&"ix_conversions_visitor_session_id".to_string()));
    assert!(names.contains(&"ix_conversions_sha256".to_string()));
    assert!(names.contains(&"ix_users_email".to_string()));
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "pending");
    assert_eq!(index_state(&status, "ix_conversions_user_id"), "missing");
}

#[tokio::test]
async fn upgrade_resumes_from_partial_and_rebuilds_an_invalid_index() {
    let Some((db, home)) = pg_demo("resume", 2000).await else {
        return;
    };
    db.exec("CREATE INDEX ix_jobs_status ON jobs (status)")
        .await;
    let mut conn = db.connect().await;
    let failed =
        sqlx::query("CREATE UNIQUE INDEX CONCURRENTLY ix_jobs_created_at ON jobs (status)")
            .execute(&mut conn)
            .await;
    assert!(failed.is_err());
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "partial");
    assert_eq!(index_state(&status, "ix_jobs_created_at"), "invalid");

    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("rebuild  ix_jobs_created_at: INVALID"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("skip     ix_jobs_status: present"),
        "{}",
        out.stdout
    );
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "applied");
    let invalid = common::pg_invalid_index_count(&db.url).await;
    assert_eq!(invalid, 0);
}

#[tokio::test]
async fn refusals_touch_nothing() {
    let Some((db, home)) = pg_demo("refuse", 1000).await else {
        return;
    };
    let before = pg_index_set(&db).await;

    // Same name, other definition: upgrade stops before any DDL.
    db.exec("CREATE INDEX ix_jobs_status ON jobs (status, id)")
        .await;
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr
            .contains("ix_jobs_status (columns (status, id) instead of (status))"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was changed"));
    assert_eq!(pg_index_set(&db).await.len(), before.len() + 1);
    db.exec("DROP INDEX ix_jobs_status").await;

    // An unknown revision is never overwritten silently.
    db.exec("UPDATE alembic_version SET version_num = 'eea987b32a73'")
        .await;
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("alembic_version holds eea987b32a73") && out.stderr.contains("--force"),
        "{}",
        out.stderr
    );
    assert_eq!(pg_index_set(&db).await, before);
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes", "--force"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}

#[tokio::test]
async fn unversioned_database_gets_alembics_own_version_table() {
    let Some((db, home)) = pg_demo("unversioned", 500).await else {
        return;
    };
    db.exec("DROP TABLE alembic_version").await;
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let mut conn = db.connect().await;
    let (pk, column): (String, String) = sqlx::query_as(
        "SELECT c.conname::text, format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'version_num' \
         WHERE c.conrelid = 'alembic_version'::regclass AND c.contype = 'p'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(pk, "alembic_version_pkc");
    assert_eq!(column, "character varying(32) NOT NULL");
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}

#[tokio::test]
async fn sql_output_runs_in_psql_and_changes_nothing_itself() {
    let Some((db, home)) = pg_demo("psql", 1000).await else {
        return;
    };
    let before = pg_index_set(&db).await;
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--sql"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(pg_index_set(&db).await, before, "--sql touches nothing");
    let script = home.path().join("upgrade.sql");
    std::fs::write(&script, &out.stdout).unwrap();
    let psql = std::process::Command::new("psql")
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-f"])
        .arg(&script)
        .arg(&db.url)
        .output()
        .expect("psql");
    assert!(
        psql.status.success(),
        "{}",
        String::from_utf8_lossy(&psql.stderr)
    );
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}

#[tokio::test]
async fn read_only_refuses_every_write() {
    let Some((db, home)) = pg_demo("ro", 500).await else {
        return;
    };
    let before = pg_index_set(&db).await;
    let out = hotidx_on(home.path(), &db.url, &["--read-only", "upgrade", "--yes"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("refusing to write"), "{}", out.stderr);
    let out = run(hotidx(home.path()).env("HOTIDX_READ_ONLY", "1").args([
        "upgrade",
        "--yes",
        "--database-url",
        &db.url,
    ]));
    assert_eq!(out.code, 2, "{}", out.all());
    let out = run(hotidx(home.path()).env("HOTIDX_READ_ONLY", "1").args([
        "upgrade",
        "--sql",
        "--database-url",
        &db.url,
    ]));
    assert_eq!(out.code, 0, "--sql is allowed read-only: {}", out.all());
    assert_eq!(pg_index_set(&db).await, before);
}

#[tokio::test]
async fn without_a_terminal_and_without_yes_nothing_runs() {
    let Some((db, home)) = pg_demo("noyes", 500).await else {
        return;
    };
    let before = pg_index_set(&db).await;
    let out = hotidx_on(home.path(), &db.url, &["upgrade"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("no terminal to ask for confirmation on"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .contains(&format!("target     postgres@127.0.0.1:5432/{}", db.name))
    );
    assert_eq!(pg_index_set(&db).await, before);
}

#[tokio::test]
async fn no_concurrently_builds_plainly_for_a_maintenance_window() {
    let Some((db, home)) = pg_demo("plain", 1000).await else {
        return;
    };
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["upgrade", "--sql", "--no-concurrently"],
    );
    assert!(
        out.stdout
            .contains("\nCREATE INDEX IF NOT EXISTS ix_jobs_status ON public.jobs (status);")
    );
    assert!(!out.stdout.contains("CONCURRENTLY IF"), "{}", out.stdout);
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["upgrade", "--yes", "--no-concurrently"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("WITHOUT CONCURRENTLY"),
        "{}",
        out.stdout
    );
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}
