//! Every reason hotidx gives for an unused index is set up for real here, and must appear when
//! true and stay away when false.

mod common;

use common::{PgTestDb, hotidx, hotidx_on, pg_demo, run, setup_explain_role};

/// The reason kinds `explain` gives, for a probe or for SQL with --expect (planned as the
/// explain role, set up first).
fn kinds(home: &std::path::Path, db: &PgTestDb, args: &[&str]) -> Vec<String> {
    if !args.contains(&"--probe") {
        setup_explain_role(home, &db.url);
    }
    let out = run(hotidx(home)
        .args(["explain", "--format", "json", "--database-url", &db.url])
        .args(args));
    // With --expect the exit code says whether the index is used: 0 yes, 1 no.
    assert!(out.code == 0 || out.code == 1, "{}", out.all());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    if doc.get("uses_expected").is_some_and(|u| !u.is_null()) {
        assert_eq!(
            out.code == 0,
            doc["uses_expected"] == true,
            "exit code and verdict agree"
        );
    }
    let report = if doc.is_array() { doc[0].clone() } else { doc };
    report["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect()
}

fn has(kinds: &[String], kind: &str) -> bool {
    kinds.iter().any(|k| k == kind)
}

async fn applied(label: &str, rows: u64) -> Option<(PgTestDb, tempfile::TempDir)> {
    let (db, home) = pg_demo(label, rows).await?;
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    Some((db, home))
}

#[tokio::test]
async fn missing_and_invalid() {
    let Some((db, home)) = pg_demo("why_missing", 2000).await else {
        return;
    };
    assert_eq!(
        kinds(home.path(), &db, &["--probe", "status-jobs"]),
        ["missing"]
    );
    let mut conn = db.connect().await;
    let failed = sqlx::query("CREATE UNIQUE INDEX CONCURRENTLY ix_jobs_status ON jobs (status)")
        .execute(&mut conn)
        .await;
    assert!(failed.is_err());
    assert_eq!(
        kinds(home.path(), &db, &["--probe", "status-jobs"]),
        ["invalid"]
    );
    db.exec("DROP INDEX ix_jobs_status; CREATE INDEX ix_jobs_status ON jobs (status)")
        .await;
    assert!(
        kinds(home.path(), &db, &["--probe", "status-jobs"]).is_empty(),
        "used now: no reasons"
    );
}

#[tokio::test]
async fn a_common_value_is_not_selective_and_a_rare_one_is() {
    let Some((db, home)) = applied("why_mcv", 20_000).await else {
        return;
    };
    let common = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM conversions WHERE status = 'COMPLETED'",
            "--expect",
            "ix_conversions_status",
        ],
    );
    assert!(has(&common, "not_selective"), "{common:?}");
    assert!(
        !has(&common, "small_table") && !has(&common, "cast_or_function"),
        "{common:?}"
    );
    let rare = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM conversions WHERE status = 'QUEUED'",
            "--expect",
            "ix_conversions_status",
        ],
    );
    assert!(rare.is_empty(), "the rare value uses the index: {rare:?}");
}

#[tokio::test]
async fn a_small_table_is_read_whole() {
    let Some((db, home)) = applied("why_small", 60).await else {
        return;
    };
    let small = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM jobs WHERE user_id = 3",
            "--expect",
            "ix_jobs_user_id",
        ],
    );
    assert!(has(&small, "small_table"), "{small:?}");
    let Some((big, big_home)) = applied("why_big", 20_000).await else {
        return;
    };
    let not_small = kinds(
        big_home.path(),
        &big,
        &[
            "SELECT * FROM jobs WHERE status = 'completed'",
            "--expect",
            "ix_jobs_status",
        ],
    );
    assert!(!has(&not_small, "small_table"), "{not_small:?}");
}

#[tokio::test]
async fn missing_then_stale_statistics() {
    let Some((db, home)) = applied("why_stats", 5000).await else {
        return;
    };
    // A query that cannot use the index anyway, so the statistics are judged on their own.
    let sql = [
        "SELECT * FROM jobs WHERE user_id::text = '5'",
        "--expect",
        "ix_jobs_user_id",
    ];
    let fresh = kinds(home.path(), &db, &sql);
    assert!(
        !has(&fresh, "no_statistics") && !has(&fresh, "stale_statistics"),
        "{fresh:?}"
    );
    db.exec("DELETE FROM pg_statistic WHERE starelid = 'jobs'::regclass")
        .await;
    assert!(has(&kinds(home.path(), &db, &sql), "no_statistics"));
    db.exec("ANALYZE jobs; ALTER TABLE jobs SET (autovacuum_enabled = false);")
        .await;
    db.exec("INSERT INTO jobs (user_id, filename, status, created_at, updated_at) SELECT 1, 'f', 'completed', now(), now() FROM generate_series(1, 5000)").await;
    // Statistics counters reach the view once the inserting session has reported them.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(has(&kinds(home.path(), &db, &sql), "stale_statistics"));
    db.exec("ANALYZE jobs").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(!has(&kinds(home.path(), &db, &sql), "stale_statistics"));
}

#[tokio::test]
async fn a_cast_or_function_hides_the_column() {
    let Some((db, home)) = applied("why_cast", 5000).await else {
        return;
    };
    let cast = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM jobs WHERE user_id::text = '5'",
            "--expect",
            "ix_jobs_user_id",
        ],
    );
    assert!(has(&cast, "cast_or_function"), "{cast:?}");
    let function = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM users WHERE lower(email) = 'x'",
            "--expect",
            "ix_users_email",
        ],
    );
    assert!(has(&function, "cast_or_function"), "{function:?}");
    let collation = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM users WHERE email COLLATE \"C\" = 'x'",
            "--expect",
            "ix_users_email",
        ],
    );
    assert!(has(&collation, "cast_or_function"), "{collation:?}");
    let plain = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM jobs WHERE user_id = 5",
            "--expect",
            "ix_jobs_user_id",
        ],
    );
    assert!(plain.is_empty(), "{plain:?}");
}

#[tokio::test]
async fn a_planner_setting_that_disables_indexes() {
    let Some((db, home)) = applied("why_setting", 5000).await else {
        return;
    };
    assert!(!has(
        &kinds(home.path(), &db, &["--probe", "user-jobs"]),
        "planner_setting"
    ));
    db.exec(&format!(
        "ALTER DATABASE \"{}\" SET enable_indexscan = off; ALTER DATABASE \"{}\" SET enable_bitmapscan = off",
        db.name, db.name
    ))
    .await;
    let off = kinds(home.path(), &db, &["--probe", "user-jobs"]);
    assert!(has(&off, "planner_setting"), "{off:?}");
}

#[tokio::test]
async fn the_leading_column_is_not_constrained() {
    let Some((db, home)) = applied("why_leading", 5000).await else {
        return;
    };
    let status_only = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM conversions WHERE status = 'COMPLETED'",
            "--expect",
            "ix_conversions_sha256_status",
        ],
    );
    assert!(has(&status_only, "leading_column"), "{status_only:?}");
    let dedup = kinds(home.path(), &db, &["--probe", "dedup"]);
    assert!(dedup.is_empty(), "{dedup:?}");
}

#[tokio::test]
async fn expressions_patterns_other_tables_and_other_indexes() {
    let Some((db, home)) = applied("why_more", 5000).await else {
        return;
    };
    let expression = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM jobs WHERE user_id + 0 = 12",
            "--expect",
            "ix_jobs_user_id",
        ],
    );
    assert!(has(&expression, "cannot_serve"), "{expression:?}");
    let other_table = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM conversions WHERE user_id = 12",
            "--expect",
            "ix_users_email",
        ],
    );
    assert_eq!(other_table, ["other_table"]);
    let covered = kinds(
        home.path(),
        &db,
        &[
            "SELECT * FROM conversions WHERE sha256 = 'x'",
            "--expect",
            "public.ix_conversions_sha256",
        ],
    );
    assert!(
        has(&covered, "another_index") && !has(&covered, "cannot_serve"),
        "{covered:?}"
    );
}

#[tokio::test]
async fn analyze_of_a_signal_is_refused_and_the_victim_lives() {
    let Some(db) = PgTestDb::create("why_volatile").await else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let mut victim = db.connect().await;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut victim)
        .await
        .unwrap();
    let statements = [
        format!("SELECT pg_terminate_backend({pid})"),
        format!("SELECT pg_cancel_backend({pid})"),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            .to_string(),
    ];
    // Without the explain role, nothing is even planned; with it, the database refuses.
    for (setup, code, said) in [(false, 2, "refusing"), (true, 1, "the database refused it")] {
        if setup {
            setup_explain_role(home.path(), &db.url);
        }
        for statement in &statements {
            let out = hotidx_on(home.path(), &db.url, &["explain", "--analyze", statement]);
            assert_eq!(out.code, code, "{}", out.all());
            assert!(out.stderr.contains(said), "{}", out.stderr);
        }
    }
    let alive: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut victim)
        .await
        .expect("the victim session lives");
    assert_eq!(alive, 1);
}
