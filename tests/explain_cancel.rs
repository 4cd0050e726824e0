//! Every statement of an explain is bounded, planning included, and stopping hotidx stops the
//! statement on the server: the backend is idle within a second, not running on unseen.

mod common;

use std::time::{Duration, Instant};

use common::{PgTestDb, hotidx, hotidx_on, setup_explain_role};

async fn fixture(label: &str) -> Option<(PgTestDb, tempfile::TempDir)> {
    let db = PgTestDb::create(label).await?;
    // IMMUTABLE, so the planner folds it: planning alone takes three seconds.
    db.exec(
        "CREATE FUNCTION slow_to_plan() RETURNS int IMMUTABLE LANGUAGE plpgsql AS
           $$ BEGIN PERFORM pg_sleep(3); RETURN 1; END $$;",
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    setup_explain_role(home.path(), &db.url);
    Some((db, home))
}

/// hotidx's backends of this database running a statement (the operator's SQL is a parameter of
/// `hotidx.explain()`, so it is not in pg_stat_activity's text).
async fn running(db: &PgTestDb) -> i64 {
    let mut conn = db.connect().await;
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = 'hotidx' AND state = 'active' AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_timeout_bounds_planning_too() {
    let Some((db, home)) = fixture("explain_slow_plan").await else {
        return;
    };
    let started = Instant::now();
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", "SELECT slow_to_plan()", "--timeout", "1s"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("timed out after 1 s"), "{}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_millis(2800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(running(&db).await, 0);
}

#[tokio::test]
async fn ctrl_c_cancels_the_statement_on_the_server() {
    let Some((db, home)) = fixture("explain_ctrl_c").await else {
        return;
    };
    let marker = "pg_sleep(60.5)";
    let mut child = hotidx(home.path())
        .args([
            "explain",
            "--analyze",
            &format!("SELECT {marker}"),
            "--database-url",
            &db.url,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while running(&db).await == 0 {
        assert!(Instant::now() < deadline, "the statement never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let interrupted = Instant::now();
    let out: common::Run = tokio::task::spawn_blocking(move || {
        let _ = &mut child;
        child.wait_with_output().unwrap().into()
    })
    .await
    .unwrap();
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("cancelled (Ctrl-C)"), "{}", out.stderr);
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "{:?}",
        interrupted.elapsed()
    );
    // Within a second of Ctrl-C, nothing runs it any more.
    let deadline = interrupted + Duration::from_secs(1);
    while running(&db).await > 0 {
        assert!(Instant::now() < deadline, "the backend still runs it");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
