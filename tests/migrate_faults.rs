//! Faults during a migration, made for real: a lock held by another session, Ctrl-C mid-build,
//! the server stopped mid-build, writers busy on the table throughout.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{
    cluster_demo, hotidx, index_state, pg_demo, pg_invalid_index_count, run, status_json,
};
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

async fn pg(url: &str) -> PgConnection {
    PgConnection::connect(url).await.expect("connect")
}

/// Waits until a CREATE INDEX from hotidx is waiting on a lock (e.g. for an old snapshot).
async fn wait_until_build_waits(url: &str) {
    let mut conn = pg(url).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hotidx' \
             AND query LIKE 'CREATE INDEX%' AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the build never started waiting");
}

fn spawn_upgrade(home: &std::path::Path, url: &str, lock_timeout: &str) -> Child {
    hotidx(home)
        .args([
            "upgrade",
            "--yes",
            "--lock-timeout",
            lock_timeout,
            "--database-url",
            url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hotidx")
}

fn finish(child: Child) -> common::Run {
    child.wait_with_output().expect("hotidx ends").into()
}

/// A transaction that keeps an old snapshot: every concurrent build waits for it at the end.
async fn snapshot_holder(url: &str) -> PgConnection {
    let mut holder = pg(url).await;
    holder
        .execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM users;")
        .await
        .unwrap();
    holder
}

#[tokio::test]
async fn a_held_lock_fires_lock_timeout_names_the_blocker_and_a_rerun_completes() {
    let Some((db, home)) = pg_demo("lock", 2000).await else {
        return;
    };
    let mut blocker = db.connect().await;
    blocker
        .execute("BEGIN; LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE;")
        .await
        .unwrap();
    let blocker_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut blocker)
        .await
        .unwrap();
    let out = run(hotidx(home.path()).args([
        "upgrade",
        "--yes",
        "--lock-timeout",
        "1s",
        "--database-url",
        &db.url,
    ]));
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("lock_timeout fired (try 1 of 3)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("ix_jobs_user_id gave up after 3 tries: lock_timeout (1000 ms) fired each time, blocked by pid {blocker_pid}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("not built: ix_jobs_user_id, ix_jobs_status, ix_jobs_created_at")
    );
    assert!(
        out.stderr
            .contains("alembic_version not moved: still add_visitor_session_to_jobs")
    );
    assert_eq!(pg_invalid_index_count(&db.url).await, 0);

    blocker.execute("ROLLBACK").await.unwrap();
    let out = run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &db.url]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("skip     ix_conversions_status: present"),
        "{}",
        out.stdout
    );
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}

#[tokio::test]
async fn ctrl_c_cancels_the_build_drops_the_invalid_index_and_keeps_the_version() {
    let Some((db, home)) = pg_demo("sigint", 2000).await else {
        return;
    };
    let mut holder = snapshot_holder(&db.url).await;
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .unwrap();
    // Older than a statement in flight, so it is listed as a transaction the build will wait for.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let child = spawn_upgrade(home.path(), &db.url, "60s");
    wait_until_build_waits(&db.url).await;
    // Let the progress watcher see the wait at least once.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = finish(child);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr
            .contains("cancelled while building ix_conversions_status"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("dropped the INVALID index"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("a concurrent build waits for each:")
            && out.stderr.contains(&format!(
                "pid {holder_pid} (postgres, idle in transaction for"
            )),
        "the waiting session is named: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("waiting for old snapshots"),
        "progress shows the phase: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("not built: ix_conversions_status,"),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains("panicked"));
    assert_eq!(
        pg_invalid_index_count(&db.url).await,
        0,
        "no invalid index left behind"
    );
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "pending");
    assert_eq!(
        status["versions"],
        serde_json::json!(["add_visitor_session_to_jobs"])
    );

    holder.execute("COMMIT").await.unwrap();
    let out = run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &db.url]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}

#[tokio::test]
async fn the_server_stopped_mid_build_then_restarted_and_resumed() {
    let Some((cluster, home, url)) = cluster_demo(5000) else {
        return;
    };

    let _holder = snapshot_holder(&url).await;
    let child = spawn_upgrade(home.path(), &url, "60s");
    wait_until_build_waits(&url).await;
    cluster.stop_fast();
    let out = finish(child);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("the server ended the connection"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`hotidx status`"), "{}", out.stderr);
    assert!(!out.all().contains("panicked"));

    cluster.restart();
    let status = status_json(home.path(), &url);
    // The interrupted concurrent build left its catalog entry behind, INVALID: shown as it is.
    assert_eq!(
        index_state(&status, "ix_conversions_status"),
        "invalid",
        "{status}"
    );
    assert_eq!(status["overall"], "partial");
    let out = run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &url]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("rebuild  ix_conversions_status"),
        "{}",
        out.stdout
    );
    assert_eq!(status_json(home.path(), &url)["overall"], "applied");
}

#[tokio::test]
async fn writers_keep_writing_through_a_concurrent_build_and_lose_nothing() {
    let Some((db, home)) = pg_demo("writers", 100_000).await else {
        return;
    };
    let mut conn = db.connect().await;
    let (rows_before, size_before): (i64, i64) =
        sqlx::query_as("SELECT count(*), sum(original_size)::bigint FROM conversions")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let hot_id: String = sqlx::query_scalar("SELECT id FROM conversions ORDER BY id LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, stop, hot_id) = (db.url.clone(), stop.clone(), hot_id.clone());
        tokio::spawn(async move {
            let mut conn = pg(&url).await;
            let (mut inserts, mut updates, mut errors) = (0i64, 0i64, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let insert = sqlx::query(
                    "INSERT INTO conversions (id, filename, status, created_at, updated_at, sha256, original_size) \
                     VALUES ($1, 'w.pdf', 'QUEUED', now(), now(), md5($1) || md5($1), 10)",
                )
                .bind(format!("writer-{inserts}"))
                .execute(&mut conn)
                .await;
                match insert {
                    Ok(_) => inserts += 1,
                    Err(e) => errors.push(e.to_string()),
                }
                let update = sqlx::query("UPDATE conversions SET original_size = original_size + 1, status = 'COMPLETED' WHERE id = $1")
                    .bind(&hot_id)
                    .execute(&mut conn)
                    .await;
                match update {
                    Ok(_) => updates += 1,
                    Err(e) => errors.push(e.to_string()),
                }
            }
            (inserts, updates, errors)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let upgrade = {
        let (home, url) = (home.path().to_path_buf(), db.url.clone());
        tokio::task::spawn_blocking(move || {
            run(hotidx(&home).args(["upgrade", "--yes", "--database-url", &url]))
        })
    };
    let out = upgrade.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (inserts, updates, errors) = writer.await.unwrap();

    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        errors.is_empty(),
        "writes failed during the build: {errors:?}"
    );
    assert!(
        inserts > 50 && updates > 50,
        "the writer kept going: {inserts} inserts, {updates} updates"
    );
    let (rows_after, size_after): (i64, i64) =
        sqlx::query_as("SELECT count(*), sum(original_size)::bigint FROM conversions")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(rows_after, rows_before + inserts, "no row lost");
    assert_eq!(
        size_after,
        size_before + 10 * inserts + updates,
        "checksum of original_size"
    );
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
    // Every row written during the build is in the new index: look it up through it.
    conn.execute("SET enable_seqscan = off").await.unwrap();
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversions WHERE status = 'QUEUED' AND filename = 'w.pdf'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(queued, inserts);
}
