//! Every connection error a user can hit: one clear line on stderr, exit code 2, no backtrace,
//! and never the password.

mod common;

use std::net::TcpListener;

use common::{PgTestDb, cluster::TempCluster, hotidx, run};

/// A string that appears nowhere unless hotidx leaks it.
const SECRET: &str = "Zq8-unique-s3cret-4711";

fn assert_one_line_error(out: &common::Run, expected: &str) {
    assert_eq!(out.code, 2, "exit code; output: {}", out.all());
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {}", out.stderr);
    assert!(lines[0].starts_with("hotidx: error: "), "{}", lines[0]);
    assert!(
        lines[0].contains(expected),
        "expected {expected:?} in {:?}",
        lines[0]
    );
    assert!(!out.all().contains("panicked") && !out.all().contains("backtrace"));
    assert!(
        !out.all().contains(SECRET),
        "password leaked: {}",
        out.all()
    );
}

#[test]
fn malformed_url_is_named_without_quoting_the_password() {
    let home = tempfile::tempdir().unwrap();
    let url = format!("postgres://alice:{SECRET}@db.example:notaport/mdraft");
    let out = run(hotidx(home.path()).args(["status", "--database-url", &url]));
    assert_one_line_error(&out, "malformed database URL: invalid port number");
    let out = run(hotidx(home.path()).args(["status", "--database-url", "mysql://x@h/db"]));
    assert_one_line_error(&out, "unsupported scheme \"mysql\"");
}

#[test]
fn refused_port_says_connection_refused() {
    let home = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://alice:{SECRET}@127.0.0.1:{port}/mdraft");
    let out = run(hotidx(home.path()).args(["status", "--database-url", &url]));
    assert_one_line_error(
        &out,
        &format!("cannot reach 127.0.0.1:{port}: connection refused"),
    );
}

#[test]
fn silent_server_times_out_after_pgconnect_timeout() {
    let home = tempfile::tempdir().unwrap();
    // Accepts TCP connections (the kernel completes the handshake) and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("postgres://alice:{SECRET}@127.0.0.1:{port}/mdraft");
    let started = std::time::Instant::now();
    let out = run(hotidx(home.path()).env("PGCONNECT_TIMEOUT", "1").args([
        "indexes",
        "--database-url",
        &url,
    ]));
    assert_one_line_error(&out, "timed out after 1 s connecting to alice@127.0.0.1");
    assert!(
        started.elapsed().as_secs() < 5,
        "PGCONNECT_TIMEOUT=1 was not honoured"
    );
    let out = run(hotidx(home.path()).args([
        "indexes",
        "--database-url",
        &format!("{url}?connect_timeout=1"),
    ]));
    assert_one_line_error(&out, "timed out after 1 s");
    drop(listener);
}

#[test]
fn missing_database_is_named() {
    let home = tempfile::tempdir().unwrap();
    let url = "postgres://postgres@127.0.0.1:5432/hotidx_no_such_database";
    if common::skip_if_no_server() {
        return;
    }
    let out = run(hotidx(home.path()).args(["status", "--database-url", url]));
    assert_one_line_error(
        &out,
        "database \"hotidx_no_such_database\" does not exist on postgres@127.0.0.1:5432",
    );
}

#[test]
fn missing_sqlite_file_is_never_created() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("nowhere.db");
    for url in [
        path.display().to_string(),
        format!("sqlite://{}", path.display()),
    ] {
        let out = run(hotidx(home.path()).args(["status", "--database-url", &url]));
        assert_one_line_error(
            &out,
            &format!("SQLite file {} does not exist", path.display()),
        );
        assert!(!path.exists(), "hotidx created {}", path.display());
    }
}

#[test]
fn a_text_file_is_not_a_sqlite_database() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("notes.txt");
    std::fs::write(
        &path,
        "these are not the pages you are looking for\n".repeat(200),
    )
    .unwrap();
    let out = run(hotidx(home.path())
        .args(["indexes", "--database-url"])
        .arg(&path));
    assert_one_line_error(&out, "is not a SQLite database");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "these are not the pages you are looking for\n".repeat(200),
        "the file must be left as it was"
    );
}

#[tokio::test]
async fn database_without_mdraft_tables_lists_what_is_missing_but_indexes_still_work() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("other.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE INDEX ix_u ON users (email);")
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let out = run(hotidx(home.path())
        .args(["status", "--database-url"])
        .arg(&path));
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stdout.contains("missing    tables conversions, jobs"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("has no mdraft tables conversions, jobs"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1);
    let out = run(hotidx(home.path())
        .args(["indexes", "--database-url"])
        .arg(&path));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("ix_u"), "{}", out.stdout);
}

#[tokio::test]
async fn password_authentication_the_libpq_ways_and_never_shown() {
    let Some(cluster) = TempCluster::start("hotidx_admin", SECRET) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let port = cluster.port;
    let target = format!("hotidx_admin@127.0.0.1:{port}/postgres");

    // Wrong password.
    let wrong = format!("postgres://hotidx_admin:not-{SECRET}@127.0.0.1:{port}/postgres");
    let out = run(hotidx(home.path()).args(["indexes", "--database-url", &wrong]));
    assert_one_line_error(&out, &format!("authentication failed for {target}"));
    assert!(!out.all().contains(&format!("not-{SECRET}")));

    // No password at all.
    let none = format!("postgres://hotidx_admin@127.0.0.1:{port}/postgres");
    let out = run(hotidx(home.path()).args(["indexes", "--database-url", &none]));
    assert_one_line_error(&out, "authentication failed");

    // Right password in the URL, in PGPASSWORD, and in a pgpass file: target shown, secret not.
    let right = format!("postgres://hotidx_admin:{SECRET}@127.0.0.1:{port}/postgres");
    let by_url =
        run(hotidx(home.path()).args(["indexes", "--format", "json", "--database-url", &right]));
    let by_env = run(hotidx(home.path())
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", port.to_string())
        .env("PGUSER", "hotidx_admin")
        .env("PGDATABASE", "postgres")
        .env("PGPASSWORD", SECRET)
        .args(["indexes", "--format", "json"]));
    let pgpass = home.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{port}:*:hotidx_admin:{SECRET}\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let by_pgpass = run(hotidx(home.path()).env("PGPASSFILE", &pgpass).args([
        "indexes",
        "--format",
        "json",
        "--database-url",
        &none,
    ]));
    for out in [&by_url, &by_env, &by_pgpass] {
        assert_eq!(out.code, 0, "{}", out.all());
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(doc["target"], target.as_str());
        assert!(
            !out.all().contains(SECRET),
            "password leaked: {}",
            out.all()
        );
    }
    // status in text form on this empty cluster: missing tables, still no secret.
    let out = run(hotidx(home.path()).args(["status", "--database-url", &right]));
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains(&target) && !out.all().contains(SECRET));
}

#[tokio::test]
async fn libpq_variables_are_used_and_flag_beats_database_url() {
    let Some(db) = PgTestDb::create("env").await else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let by_env = run(hotidx(home.path())
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", "5432")
        .env("PGUSER", "postgres")
        .env("PGDATABASE", &db.name)
        .args(["indexes", "--format", "json"]));
    assert_eq!(by_env.code, 0, "{}", by_env.all());
    let doc: serde_json::Value = serde_json::from_str(&by_env.stdout).unwrap();
    assert_eq!(
        doc["target"],
        format!("postgres@127.0.0.1:5432/{}", db.name)
    );
    assert_eq!(doc["backend"], "postgres");

    // DATABASE_URL beats PG*; the flag beats DATABASE_URL.
    let sqlite = home.path().join("x.db");
    let out = run(hotidx(home.path())
        .env("PGDATABASE", "nope")
        .env("DATABASE_URL", &db.url)
        .args(["indexes", "--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["target"],
        format!("postgres@127.0.0.1:5432/{}", db.name)
    );
    let out = run(hotidx(home.path())
        .env("DATABASE_URL", &db.url)
        .args(["indexes", "--database-url"])
        .arg(&sqlite));
    assert!(out.stderr.contains("x.db does not exist"), "{}", out.all());
}

#[test]
fn with_nothing_configured_the_demo_is_created_on_first_use() {
    let home = tempfile::tempdir().unwrap();
    let demo = home.path().join("data/hotidx/demo.sqlite3");
    assert!(!demo.exists());
    let out = run(&mut hotidx(home.path()));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(demo.exists());
    assert!(
        out.stdout
            .contains(&format!("target     {}", demo.display()))
    );
    assert!(out.stdout.contains("status     pending"), "{}", out.stdout);
    assert!(
        out.stdout.contains("ix_conversions_sha256"),
        "indexes follow status"
    );
    assert!(
        out.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        out.stdout
    );
}

#[test]
fn an_empty_database_url_is_an_error_not_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let out = run(hotidx(home.path()).args(["status", "--database-url", ""]));
    assert_one_line_error(&out, "--database-url is empty");
    assert!(!home.path().join("data/hotidx/demo.sqlite3").exists());
}
