//! Shared test fixtures: a fresh PostgreSQL database per test, the real binary, demo files.
#![allow(dead_code)] // each test binary uses its own share of these

pub mod cluster;
pub mod hostile;
pub mod pty;
pub mod render;
pub mod snapshots;
pub mod tui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

/// The server tests run against; override with HOTIDX_TEST_PG.
pub fn admin_url() -> String {
    std::env::var("HOTIDX_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `CI=true`: what a test needs must be there, so a missing server fails instead of skipping.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Under CI a missing server fails the test; on a laptop without one the test says so and skips.
pub fn skip_without_postgres(error: &str) -> Option<()> {
    if under_ci() {
        panic!(
            "PostgreSQL is required under CI but unreachable at {}: {error}",
            admin_url()
        );
    }
    eprintln!(
        "SKIPPED: no PostgreSQL at {} ({error}); set HOTIDX_TEST_PG",
        admin_url()
    );
    None
}

/// For tests that only need the shared server to answer: true means "skip" (never under CI).
pub fn skip_if_no_server() -> bool {
    let reachable = std::net::TcpStream::connect("127.0.0.1:5432").is_ok();
    !reachable && skip_without_postgres("nothing listens on 127.0.0.1:5432").is_none()
}

/// A database of its own for one test, dropped when the test ends (pass or fail).
pub struct PgTestDb {
    pub name: String,
    pub url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl PgTestDb {
    pub async fn create(label: &str) -> Option<PgTestDb> {
        let mut admin = match PgConnection::connect(&admin_url()).await {
            Ok(conn) => conn,
            Err(e) => return skip_without_postgres(&e.to_string()).map(|_| unreachable!()),
        };
        let name = format!(
            "hotidx_t_{label}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let base = admin_url();
        let url = format!(
            "{}/{name}",
            &base[..base.rfind('/').expect("a /db in the URL")]
        );
        Some(PgTestDb { name, url })
    }

    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .expect("connect to test database")
    }

    /// Runs statements one by one outside a transaction (CONCURRENTLY needs that).
    pub async fn exec(&self, sql: &str) {
        let mut conn = self.connect().await;
        conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = conn.close().await;
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        admin_exec_blocking(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

/// One statement as the admin, from a `Drop`: it runs inside the test's runtime, where only a
/// thread of its own may block. Failures are ignored (a cleanup must not panic).
pub fn admin_exec_blocking(sql: String) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                let _ = admin.execute(sqlx::AssertSqlSafe(sql)).await;
                let _ = admin.close().await;
            }
        });
    })
    .join();
}

/// The real binary with a clean environment: no PG*, no DATABASE_URL, a private data directory.
pub fn hotidx(data_home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotidx"));
    command.env_clear();
    command.env("PATH", std::env::var("PATH").unwrap_or_default());
    command.env("HOME", data_home);
    command.env("XDG_DATA_HOME", data_home.join("data"));
    command
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Any finished process read the same way; killed by a signal (no exit code) reads as -1.
impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub fn run(command: &mut Command) -> Run {
    command.output().expect("run hotidx").into()
}

/// `hotidx ARGS --database-url URL`: how the tests run a subcommand against one database.
pub fn hotidx_on(home: &Path, url: &str, args: &[&str]) -> Run {
    run(hotidx(home).args(args).args(["--database-url", url]))
}

/// A read-write connection to the SQLite file at `path`, as another program would hold one.
pub async fn sqlite_connect(path: impl AsRef<Path>) -> sqlx::SqliteConnection {
    let url = format!("sqlite://{}", path.as_ref().display());
    <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Builds a small demo SQLite file at `path` with the real `hotidx demo`.
pub fn sqlite_demo(home: &Path, path: &Path, rows: u64) -> PathBuf {
    let out = run(hotidx(home)
        .args(["demo", "--rows", &rows.to_string(), "--database-url"])
        .arg(path));
    assert_eq!(out.code, 0, "demo failed: {}", out.all());
    path.to_path_buf()
}

/// `hotidx status --format json` on `url`, parsed.
pub fn status_json(home: &Path, url: &str) -> serde_json::Value {
    let out = run(hotidx(home).args(["status", "--format", "json", "--database-url", url]));
    assert!(
        out.code == 0 || out.code == 2,
        "status failed: {}",
        out.all()
    );
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()))
}

/// The per-index state the status document gives `name`.
pub fn index_state(status: &serde_json::Value, name: &str) -> String {
    status["indexes"]
        .as_array()
        .expect("indexes")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in status"))["state"]
        .as_str()
        .expect("state")
        .to_string()
}

pub fn index_detail(status: &serde_json::Value, name: &str) -> String {
    status["indexes"]
        .as_array()
        .expect("indexes")
        .iter()
        .find(|i| i["name"] == name)
        .map(|i| i["detail"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

/// (name, table, definition) of every index in `public`: what "the same index set" means.
pub async fn pg_index_set(db: &PgTestDb) -> Vec<(String, String, String)> {
    let mut conn = db.connect().await;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT indexname::text, tablename::text, indexdef FROM pg_indexes \
         WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("pg_indexes");
    let _ = conn.close().await;
    rows
}

/// A small demo at the parent in a fresh PostgreSQL database.
pub async fn pg_demo(label: &str, rows: u64) -> Option<(PgTestDb, tempfile::TempDir)> {
    let db = PgTestDb::create(label).await?;
    let home = tempfile::tempdir().expect("tempdir");
    let out = run(hotidx(home.path()).args([
        "demo",
        "--rows",
        &rows.to_string(),
        "--database-url",
        &db.url,
    ]));
    assert_eq!(out.code, 0, "{}", out.all());
    Some((db, home))
}

/// A throwaway cluster of its own (for tests that stop it or its backends) holding a small demo.
pub fn cluster_demo(rows: u64) -> Option<(cluster::TempCluster, tempfile::TempDir, String)> {
    let cluster = cluster::TempCluster::start_trusting("postgres")?;
    let home = tempfile::tempdir().expect("tempdir");
    let url = cluster.url("postgres", "mdraft");
    let out = run(hotidx(home.path()).args([
        "demo",
        "--rows",
        &rows.to_string(),
        "--database-url",
        &url,
    ]));
    assert_eq!(out.code, 0, "{}", out.all());
    Some((cluster, home, url))
}

/// How many indexes in the database at `url` are INVALID: what a failed concurrent build leaves.
pub async fn pg_invalid_index_count(url: &str) -> i64 {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    let count = sqlx::query_scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
        .fetch_one(&mut conn)
        .await
        .expect("count invalid indexes");
    let _ = conn.close().await;
    count
}

/// Text with every run of white space folded to one space: wrapped output compared as written.
pub fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The names of every index in a SQLite file.
pub async fn sqlite_index_names(path: &Path) -> Vec<String> {
    let mut conn = sqlite_connect(&path).await;
    let names =
        sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .expect("list indexes");
    let _ = conn.close().await;
    names
}

/// `hotidx explain --setup-role --yes`: the role the operator's SQL is planned as, in `url`'s
/// database (the role is the cluster's, so tests in parallel set it up side by side).
pub fn setup_explain_role(home: &Path, url: &str) {
    let out = hotidx_on(home, url, &["explain", "--setup-role", "--yes"]);
    assert_eq!(out.code, 0, "setting up the explain role: {}", out.all());
}
