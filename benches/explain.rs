//! What the explain guard costs, and what ANALYZE holds in memory, each against a baseline from
//! the same run:
//!   cargo bench --bench explain
//! - SQLite: peak RSS of `hotidx explain --analyze` of a 200,000-row SELECT against the sqlite3
//!   shell running the same SELECT (needs sqlite3 and GNU time, /usr/bin/time);
//! - PostgreSQL: the wall time of `hotidx explain` of the operator's SQL (a session of its own,
//!   the role check, the statement through hotidx.explain()) against psql running the same
//!   EXPLAIN, on the demo and on the 2,000-table, 10,000-index database of the catalog bench.
//!
//! HOTIDX_BENCH_BIN runs another build (an older commit's) for a "before" column.

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::{BUILD_LIMIT, median};

const RUNS: usize = 7;
const CONVERSIONS: &str = "200000";

fn bin() -> String {
    std::env::var("HOTIDX_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hotidx").into())
}

/// Peak RSS in kB of a command run to completion, as GNU time reports it.
fn peak_rss_kb(program: &str, args: &[&str], home: &std::path::Path) -> u64 {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(program)
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("GNU time (/usr/bin/time, Debian's package `time`)");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} {args:?}: {report}");
    report
        .lines()
        .find(|l| l.contains("Maximum resident set size"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in:\n{report}"))
}

/// Median wall time in ms of a command, over RUNS runs after one warm-up.
fn wall_ms(program: &str, args: &[&str]) -> f64 {
    let once = || {
        let started = Instant::now();
        let out = Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .output()
            .expect("spawn");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{program} {args:?}: {stderr}");
        started.elapsed().as_secs_f64() * 1000.0
    };
    once();
    median((0..RUNS).map(|_| once()).collect())
}

fn sqlite_memory() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("demo.sqlite3");
    let file = file.to_str().expect("utf-8 path");
    common::run(
        Command::new(env!("CARGO_BIN_EXE_hotidx")).args([
            "demo",
            "--rows",
            CONVERSIONS,
            "--database-url",
            file,
        ]),
        BUILD_LIMIT,
    );
    let select = "SELECT * FROM conversions";
    let ours = peak_rss_kb(
        &bin(),
        &["explain", "--analyze", select, "--database-url", file],
        home.path(),
    );
    let shell = peak_rss_kb("sqlite3", &[file, select], home.path());
    println!("SQLite, ANALYZE of `{select}` ({CONVERSIONS} rows), peak RSS");
    println!(
        "  sqlite3 shell (baseline) {:>8.1} MB",
        shell as f64 / 1024.0
    );
    println!(
        "  hotidx explain --analyze {:>8.1} MB  {:.1}x",
        ours as f64 / 1024.0,
        ours as f64 / shell as f64
    );
}

fn postgres_overhead(label: &str, url: &str, sql: &str) {
    let setup = Command::new(env!("CARGO_BIN_EXE_hotidx"))
        .args(["explain", "--setup-role", "--yes", "--database-url", url])
        .output()
        .expect("setup");
    assert!(
        setup.status.success(),
        "{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let explain = format!("EXPLAIN (FORMAT JSON) {sql}");
    let psql = wall_ms("psql", &[url, "-XAtqc", &explain]);
    let ours = wall_ms(&bin(), &["explain", sql, "--database-url", url]);
    // sqlx's TLS connect costs about 0.1 s (no TCP_NODELAY): without TLS the rest shows.
    let plain = |u: &str| {
        format!(
            "{u}{}sslmode=disable",
            if u.contains('?') { '&' } else { '?' }
        )
    };
    let psql_plain = wall_ms("psql", &[&plain(url), "-XAtqc", &explain]);
    let ours_plain = wall_ms(&bin(), &["explain", sql, "--database-url", &plain(url)]);
    println!("PostgreSQL, {label}: `{sql}`, median wall time of {RUNS}");
    println!("  psql, the same EXPLAIN (baseline)          {psql:>8.1} ms");
    println!(
        "  hotidx explain (role check, own session)   {ours:>8.1} ms  {:.2}x",
        ours / psql
    );
    println!("  psql, sslmode=disable (baseline)           {psql_plain:>8.1} ms");
    println!(
        "  hotidx explain, sslmode=disable            {ours_plain:>8.1} ms  {:.2}x",
        ours_plain / psql_plain
    );
}

fn main() {
    sqlite_memory();
    let demo = common::demo_database_url();
    common::ensure_demo(&demo);
    postgres_overhead(
        "1M-row demo",
        &demo,
        "SELECT * FROM jobs WHERE user_id = 42",
    );
    let wide = common::wide_database_url();
    common::ensure_wide_database(&wide);
    postgres_overhead("2,000 tables, 10,000 indexes", &wide, "SELECT 1");
}
