//! The real binary in a pseudo-terminal on real databases: start, navigate, filter, apply with
//! confirmation, see it applied, roll back, quit; the terminal restored on every way out.

mod common;

use std::time::Duration;

use common::pty::Tui;
use common::{
    cluster_demo, pg_demo, pg_invalid_index_count, setup_explain_role, sqlite_demo, status_json,
};

const WAIT: Duration = Duration::from_secs(20);

/// The whole operator's round: returns once hotidx has exited.
fn apply_and_roll_back(tui: &mut Tui) {
    tui.wait_for("PENDING", WAIT);
    tui.send("\t"); // tables → indexes
    tui.send("/sha");
    let screen = tui.wait_for("filter \"sha\"", WAIT);
    assert!(screen.contains("ix_conversions_sha256"), "{screen}");
    tui.send("\r");
    tui.send("\x1b"); // Esc clears the filter
    tui.wait_gone("filter \"sha\"", WAIT);
    tui.send("\t"); // indexes → migration
    tui.send("a");
    tui.wait_for("Apply the migration?", WAIT);
    tui.wait_for("CREATE INDEX", WAIT);
    tui.send("y");
    tui.wait_for("apply: done", WAIT);
    let screen = tui.wait_for("APPLIED", WAIT);
    assert!(screen.contains("(at head)"), "{screen}");
    tui.send("r");
    tui.wait_for("Roll the migration back?", WAIT);
    tui.send("y");
    tui.wait_for("roll back: done", WAIT);
    tui.wait_for("PENDING", WAIT);
    tui.send("q");
    assert_eq!(tui.wait_exit(WAIT), Some(0), "quits cleanly");
    tui.assert_terminal_restored();
}

#[test]
fn sqlite_demo_round_trip_in_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("m.db"), 2000);
    let url = path.display().to_string();
    let mut tui = Tui::on(home.path(), &url, "60s", 80, 24);
    apply_and_roll_back(&mut tui);
    assert_eq!(status_json(home.path(), &url)["overall"], "pending");
}

#[tokio::test]
async fn postgres_round_trip_in_a_terminal() {
    let Some((db, home)) = pg_demo("tui", 3000).await else {
        return;
    };
    let url = db.url.clone();
    let home_path = home.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut tui = Tui::on(&home_path, &url, "60s", 100, 30);
        apply_and_roll_back(&mut tui);
    })
    .await
    .unwrap();
    assert_eq!(status_json(home.path(), &db.url)["overall"], "pending");
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("s.db"), 200);
    for signal in ["-TERM", "-HUP"] {
        let mut tui = Tui::spawn(
            home.path(),
            &["--database-url", &path.display().to_string()],
            80,
            24,
        );
        tui.wait_for("PENDING", WAIT);
        let status = std::process::Command::new("kill")
            .args([signal, &tui.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(tui.wait_exit(WAIT).is_some(), "{signal} ends hotidx");
        tui.assert_terminal_restored();
    }
}

#[test]
fn an_idle_screen_sends_no_bytes() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("i.db"), 200);
    // Three refreshes happen in the window below: each finds nothing new.
    let tui = Tui::on(home.path(), &path.display().to_string(), "1s", 80, 24);
    tui.wait_for("unchanged since", WAIT);
    std::thread::sleep(Duration::from_millis(500));
    let before = tui.bytes_received();
    std::thread::sleep(Duration::from_secs(3));
    let raw = tui.raw_output();
    assert_eq!(
        raw.len(),
        before,
        "nothing changed, so nothing was written; written: {:?}",
        String::from_utf8_lossy(&raw[before..])
    );
}

/// A backend that stops answering (SIGSTOP) must not freeze key handling.
#[tokio::test]
async fn a_hung_server_does_not_freeze_the_keys() {
    let Some((_cluster, home, url)) = cluster_demo(500) else {
        return;
    };
    let home_path = home.path().to_path_buf();
    let url_for_tui = url.clone();
    let tui = tokio::task::spawn_blocking(move || {
        let tui = Tui::on(&home_path, &url_for_tui, "1s", 80, 24);
        tui.wait_for("PENDING", WAIT);
        tui
    })
    .await
    .unwrap();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let backend: i32 = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'hotidx' LIMIT 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let stop = |signal: &str| {
        std::process::Command::new("kill")
            .args([signal, &backend.to_string()])
            .status()
            .unwrap()
    };
    assert!(stop("-STOP").success());
    let mut tui = tokio::task::spawn_blocking(move || {
        // The next refresh hangs on the stopped backend; the keys are still answered.
        let mut tui = tui;
        tui.wait_for("refreshing…", WAIT);
        tui.send("?");
        tui.wait_for("Help", Duration::from_secs(2));
        tui.send("\x1b");
        tui.send("\t");
        tui.wait_for("┏ Indexes", Duration::from_secs(2));
        tui
    })
    .await
    .unwrap();
    assert!(stop("-CONT").success());
    tui = tokio::task::spawn_blocking(move || {
        let mut tui = tui;
        tui.send("q");
        assert_eq!(tui.wait_exit(WAIT), Some(0));
        tui.assert_terminal_restored();
        tui
    })
    .await
    .unwrap();
    drop(tui);
}

/// The server goes away: the header says so and the app keeps retrying; it comes back: picked up
/// without restarting hotidx.
#[tokio::test]
async fn a_server_that_restarts_is_picked_up_again() {
    let Some((cluster, home, url)) = cluster_demo(300) else {
        return;
    };
    let home_path = home.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut tui = Tui::on(&home_path, &url, "1s", 100, 30);
        tui.wait_for("PENDING", WAIT);
        cluster.stop_fast();
        tui.wait_for("refresh failed", WAIT);
        tui.send("\t"); // still answering keys while the server is down
        tui.wait_for("┏ Indexes", Duration::from_secs(2));
        cluster.restart();
        tui.wait_gone("refresh failed", WAIT);
        tui.wait_for("PENDING", WAIT);
        tui.send("q");
        assert_eq!(tui.wait_exit(WAIT), Some(0));
        tui.assert_terminal_restored();
    })
    .await
    .unwrap();
}

/// SIGTERM mid-build: the build is cancelled and cleaned up, the terminal restored, and the exit
/// says what was not built.
#[tokio::test]
async fn sigterm_during_a_build_cancels_it_and_says_so() {
    let Some((db, home)) = pg_demo("tuiterm", 2000).await else {
        return;
    };
    let mut holder = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::Executor::execute(
        &mut holder,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM users;",
    )
    .await
    .unwrap();
    let (url, home_path) = (db.url.clone(), home.path().to_path_buf());
    let raw = tokio::task::spawn_blocking(move || {
        let mut tui = Tui::on(&home_path, &url, "60s", 100, 30);
        tui.wait_for("PENDING", WAIT);
        tui.send("a");
        tui.wait_for("Apply the migration?", WAIT);
        tui.send("y");
        tui.wait_for("ix_conversions_status              migration", WAIT);
        std::thread::sleep(Duration::from_millis(1500));
        let status = std::process::Command::new("kill")
            .args(["-TERM", &tui.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(
            tui.wait_exit(WAIT),
            Some(1),
            "a cancelled build is not a clean exit"
        );
        tui.assert_terminal_restored();
        String::from_utf8_lossy(&tui.raw_output()).into_owned()
    })
    .await
    .unwrap();
    assert!(
        raw.contains("the build was cancelled on SIGTERM; not built: ix_conversions_status"),
        "{raw}"
    );
    let invalid = pg_invalid_index_count(&db.url).await;
    assert_eq!(invalid, 0, "the cancelled build left no INVALID index");
    sqlx::Executor::execute(&mut holder, "COMMIT")
        .await
        .unwrap();
}

#[test]
fn the_explain_view_plans_a_probe_on_a_real_database() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("x.db"), 2000);
    let mut tui = Tui::on(home.path(), &path.display().to_string(), "60s", 100, 30);
    tui.wait_for("PENDING", WAIT);
    tui.send("e");
    tui.wait_for("Probes", WAIT);
    tui.send("G"); // the SQL editor row, last
    tui.send("k"); // the time probe, just above it
    tui.send("\r");
    let screen = tui.wait_for("verdict:", WAIT);
    assert!(
        screen.contains("does not use ix_jobs_created_at: full scan of jobs"),
        "{screen}"
    );
    assert!(
        screen.contains("ix_jobs_created_at does not exist"),
        "{screen}"
    );
    tui.send("C");
    let screen = tui.wait_for("rolled back", WAIT);
    assert!(
        screen.contains("with the migration")
            && screen.contains("SEARCH jobs USING INDEX")
            && screen.contains("ix_jobs_created_at (created_at>?)"),
        "{screen}"
    );
    tui.send("\x1b");
    tui.wait_for("Migration", WAIT);
    tui.send("q");
    assert_eq!(tui.wait_exit(WAIT), Some(0));
}

#[tokio::test]
async fn the_sql_editor_explains_what_is_typed() {
    let Some((db, home)) = pg_demo("tuisql", 2000).await else {
        return;
    };
    let (url, home_path) = (db.url.clone(), home.path().to_path_buf());
    tokio::task::spawn_blocking(move || {
        let mut tui = Tui::on(&home_path, &url, "60s", 100, 30);
        tui.wait_for("PENDING", WAIT);
        tui.send("e");
        tui.send("G");
        tui.send("\r");
        tui.wait_for("F5/Ctrl-R plan", WAIT);
        tui.send("SELECT * FROM conversions WHERE sha256 = 'x'");
        // A superuser login without the explain role: refused, and told how to fix it.
        tui.send("\x1b[15~"); // F5
        tui.wait_for("refusing to plan your SQL", WAIT);
        setup_explain_role(&home_path, &url);
        tui.send("\x1b[15~");
        let screen = tui.wait_for("using ix_conversions_sha256", WAIT);
        assert!(screen.contains("SELECT * FROM conversions"), "{screen}");
        tui.send("\x1b");
        tui.send("q");
        assert_eq!(tui.wait_exit(WAIT), Some(0));
    })
    .await
    .unwrap();
}

/// Leaving the view while a statement runs stops it on the server, not only on screen.
#[tokio::test]
async fn leaving_the_explain_view_cancels_the_statement_on_the_server() {
    let Some((db, home)) = pg_demo("tuicancel", 200).await else {
        return;
    };
    setup_explain_role(home.path(), &db.url);
    let (url, home_path) = (db.url.clone(), home.path().to_path_buf());
    let psql_url = db.url.clone();
    let running = move || {
        let out = std::process::Command::new("psql")
            .args([psql_url.as_str(), "-Atc"])
            .arg(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'hotidx' AND state = 'active'",
            )
            .output()
            .expect("psql");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    tokio::task::spawn_blocking(move || {
        let mut tui = Tui::on(&home_path, &url, "60s", 100, 30);
        tui.wait_for("PENDING", WAIT);
        tui.send("eG\r");
        tui.wait_for("F5/Ctrl-R plan", WAIT);
        tui.send("SELECT pg_sleep(60)");
        tui.send("\x1b[17~"); // F6: EXPLAIN ANALYZE
        tui.wait_for("explaining", WAIT);
        let deadline = std::time::Instant::now() + WAIT;
        while running() != "1" {
            assert!(
                std::time::Instant::now() < deadline,
                "the statement never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        tui.send("\x1b"); // leaves the editor
        tui.send("\x1b"); // leaves the view
        let left = std::time::Instant::now();
        while running() != "0" {
            assert!(
                left.elapsed() < Duration::from_secs(1),
                "still running on the server"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        tui.send("q");
        assert_eq!(tui.wait_exit(WAIT), Some(0));
    })
    .await
    .unwrap();
}
