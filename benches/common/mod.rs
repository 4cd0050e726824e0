//! Shared bench helpers: processes run within a time limit, psql, and the benches' databases.
#![allow(dead_code)] // each bench uses its own share of these

use std::process::Command;
use std::time::{Duration, Instant};

use hotidx::config::{self, Source};
use hotidx::db::{Access, Database};
use hotidx::migration::{INDEXES, Owner, PARENT_REVISION};

/// Building a bench database takes minutes; any other single run well under ten.
pub const BUILD_LIMIT: Duration = Duration::from_secs(1200);
pub const RUN_LIMIT: Duration = Duration::from_secs(600);

/// The middle sample, for Durations and f64s alike.
pub fn median<T: PartialOrd + Copy>(mut samples: Vec<T>) -> T {
    samples.sort_by(|a, b| a.partial_cmp(b).expect("samples that compare (no NaN)"));
    samples[samples.len() / 2]
}

/// A read-only hotidx session on `url`, opened as the TUI and the commands open theirs.
pub async fn open_read_only(url: &str) -> Database {
    let target = config::parse_target(url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    Database::connect(&target, Access::ReadOnly)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

/// An explain session (read-only, statement timeout `RUN_LIMIT`), as `hotidx explain` opens.
pub async fn open_explain_session(url: &str) -> hotidx::explain::session::ExplainSession {
    let target = config::parse_target(url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT)
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    hotidx::explain::session::ExplainSession::open(&target, RUN_LIMIT)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

/// `server_version_num`, which picks the catalog statement's version-dependent part.
pub fn server_version_num(url: &str) -> u32 {
    let version = psql(url, &["-Atc", "SHOW server_version_num"]);
    version.trim().parse().expect("a server_version_num")
}

/// The database of 2,000 tables and 10,000 indexes (catalog and tui benches).
pub fn wide_database_url() -> String {
    std::env::var("HOTIDX_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/hotidx_bench".into())
}

/// The 1M-row demo (migration and probes benches).
pub fn demo_database_url() -> String {
    std::env::var("HOTIDX_BENCH_DEMO_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/hotidx_demo_1m".into())
}

/// Runs a command to the end within `limit` (killed past it) and returns its stdout; output goes
/// to files, not pipes, so a chatty child can never block on a full pipe while we wait.
pub fn run(cmd: &mut Command, limit: Duration) -> String {
    let what = format!("{cmd:?}");
    let (out, err) = (tempfile::tempfile(), tempfile::tempfile());
    let (mut out, mut err) = (out.expect("a temp file"), err.expect("a temp file"));
    let mut child = cmd
        .stdout(out.try_clone().expect("a file handle"))
        .stderr(err.try_clone().expect("a file handle"))
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}; killed");
        }
        // Short: the migration bench times whole runs through this wait.
        std::thread::sleep(Duration::from_millis(2));
    };
    let read = |f: &mut std::fs::File| {
        use std::io::{Read, Seek};
        let mut text = String::new();
        let _ = f.rewind().and_then(|_| f.read_to_string(&mut text));
        text
    };
    assert!(status.success(), "{what}: {status}\n{}", read(&mut err));
    read(&mut out)
}

fn psql_command(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .args(args)
        .arg(url);
    cmd
}

pub fn psql(url: &str, args: &[&str]) -> String {
    run(&mut psql_command(url, args), RUN_LIMIT)
}

/// One value (or lines) from a query, unaligned.
pub fn query(url: &str, sql: &str) -> String {
    psql(url, &["-Atc", sql]).trim().to_string()
}

/// The server's maintenance database (where CREATE DATABASE runs) and the database's name.
pub fn admin_url_and_name(url: &str) -> (String, &str) {
    let (server, name) = url.rsplit_once('/').expect("a database in the URL");
    (format!("{server}/postgres"), name)
}

fn database_exists(url: &str) -> bool {
    let (admin, name) = admin_url_and_name(url);
    query(
        &admin,
        &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
    ) == "1"
}

/// Creates the wide database from benches/wide_schema.sql if it is missing.
pub fn ensure_wide_database(url: &str) {
    if !database_exists(url) {
        let (admin, name) = admin_url_and_name(url);
        eprintln!("creating {name} with 2,000 tables and 10,000 indexes (a few minutes)…");
        psql(&admin, &["-c", &format!("CREATE DATABASE \"{name}\"")]);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/wide_schema.sql");
        run(&mut psql_command(url, &["-f", script]), BUILD_LIMIT);
    }
}

pub fn hotidx(url: &str, args: &[&str], limit: Duration) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotidx"));
    cmd.args(["--database-url", url]).args(args);
    run(&mut cmd, limit)
}

/// Builds the 1M-row demo when the database or its rows are missing (callers then downgrade).
pub fn ensure_demo(url: &str) {
    let rows = if database_exists(url) {
        let sql = "SELECT COALESCE((SELECT reltuples::bigint FROM pg_class \
                   WHERE oid = to_regclass('public.conversions')), -1)";
        query(url, sql).parse::<i64>().unwrap_or(-1)
    } else {
        -1
    };
    if rows < 900_000 {
        let (_, name) = admin_url_and_name(url);
        eprintln!("building the 1M-row demo in {name} (a minute or two)…");
        // --force: a bench database with too few rows is replaced, not kept.
        let force: &[&str] = if rows >= 0 { &["--force"] } else { &[] };
        let args = [&["demo", "--rows", "1000000"], force].concat();
        hotidx(url, &args, BUILD_LIMIT);
    }
}

/// Back to the parent (not timed), checked rather than trusted.
pub fn downgrade(url: &str) {
    hotidx(url, &["downgrade", "--yes"], RUN_LIMIT);
    assert_eq!(
        version(url),
        PARENT_REVISION,
        "downgrade: not at the parent"
    );
    let (left, _) = indexes(url, |owner| owner == Owner::Migration);
    assert_eq!(left, 0, "downgrade left indexes of the migration behind");
}

pub fn version(url: &str) -> String {
    query(url, "SELECT version_num FROM alembic_version")
}

/// How many of the migration's indexes (owned as `which` says) are present, and how many valid.
pub fn indexes(url: &str, which: impl Fn(Owner) -> bool) -> (usize, usize) {
    let names: Vec<String> = INDEXES
        .iter()
        .filter(|i| which(i.owner))
        .map(|i| format!("'{}'", i.name))
        .collect();
    let sql = format!(
        "SELECT count(*), count(*) FILTER (WHERE i.indisvalid) FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname IN ({})",
        names.join(", ")
    );
    let counts = query(url, &sql);
    let (present, valid) = counts.split_once('|').expect("two counts");
    let count = |n: &str| n.parse().expect("a count");
    (count(present), count(valid))
}
