//! Every PostgreSQL major the README claims, on a real server of that major: what a user runs
//! on a fresh database, `demo` through `upgrade`, `check` and `downgrade`, with what they would
//! look at after each step. Each major gets a throwaway cluster of its own, from Debian's
//! binaries (15) or those `.ci/postgres-servers.sh` unpacks (13, 14, 16, 17, 18); without them
//! the test fails under CI and says SKIPPED elsewhere.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::cluster::TempCluster;
use common::{hotidx_on, run, status_json};
use hotidx::catalog::{CatalogSnapshot, IndexInfo};
use hotidx::config::{self, Source};
use hotidx::db::{Access, Database, ReadKind, Refresher};
use serde_json::Value;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

/// `pg_stat_get_lastscan`, behind `usage.last_idx_scan`, arrived in PostgreSQL 16.
const LAST_SCAN_SINCE: u32 = 16;
/// Conversions in the demo. At 2,000 the users table (100 rows) fits one page and every major
/// rightly reads it whole, so `check` fails its user-email probe; 20,000 is what
/// tests/probes_check.rs uses, and still builds in about a second.
const DEMO_ROWS: &str = "20000";

#[tokio::test]
async fn postgres_13_demo_upgrade_check_downgrade() {
    demo_upgrade_check_downgrade(13).await;
}

#[tokio::test]
async fn postgres_14_demo_upgrade_check_downgrade() {
    demo_upgrade_check_downgrade(14).await;
}

#[tokio::test]
async fn postgres_15_demo_upgrade_check_downgrade() {
    demo_upgrade_check_downgrade(15).await;
}

#[tokio::test]
async fn postgres_16_demo_upgrade_check_downgrade() {
    demo_upgrade_check_downgrade(16).await;
}

#[tokio::test]
async fn postgres_17_demo_upgrade_check_downgrade() {
    demo_upgrade_check_downgrade(17).await;
}

#[tokio::test]
async fn postgres_18_demo_upgrade_check_downgrade() {
    demo_upgrade_check_downgrade(18).await;
}

async fn demo_upgrade_check_downgrade(major: u32) {
    let Some(cluster) = TempCluster::start_major(major) else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path();
    let url = cluster.url("postgres", "mdraft");
    let step = |args: &[&str]| {
        let out = hotidx_on(home, &url, args);
        assert_eq!(
            out.code,
            0,
            "PostgreSQL {major}: hotidx {args:?}: {}",
            out.all()
        );
        out
    };

    step(&["demo", "--rows", DEMO_ROWS]);
    let status = step(&["status"]);
    assert!(
        status.stdout.contains(&format!("PostgreSQL {major}.")),
        "the target line names the server: {}",
        status.stdout
    );
    assert_overall(home, &url, major, "pending");

    let parents_indexes = server_index_names(&url).await;
    scan_users_by_primary_key(&url, major).await;
    assert_indexes_listing(home, &url, major).await;
    assert_counters_refresh(&url, major).await;
    assert_row_estimates(&cluster, home, major).await;

    step(&["upgrade", "--yes"]);
    assert_overall(home, &url, major, "applied");
    // Exit 0: applied, every index present and valid, every probe planned through its index.
    step(&["check"]);

    step(&["downgrade", "--yes"]);
    assert_overall(home, &url, major, "pending");
    assert_eq!(
        server_index_names(&url).await,
        parents_indexes,
        "PostgreSQL {major}: the downgrade restores the parent's index set"
    );
}

fn assert_overall(home: &Path, url: &str, major: u32, expected: &str) {
    let status = status_json(home, url);
    assert_eq!(
        status["overall"], expected,
        "PostgreSQL {major}: {status:#}"
    );
}

/// `indexes --format json` names the server's major, lists exactly the tables and indexes the
/// server has, and gives a last scan time where the server keeps one (16+) and only there.
async fn assert_indexes_listing(home: &Path, url: &str, major: u32) {
    let listing = indexes_json(home, url, major);
    let version_num = listing["server_version_num"]
        .as_u64()
        .expect("server_version_num");
    assert_eq!(
        version_num / 10_000,
        u64::from(major),
        "{}",
        listing["server_version"]
    );
    assert_eq!(names(&listing["tables"]), server_table_names(url).await);
    assert_eq!(names(&listing["indexes"]), server_index_names(url).await);

    let indexes = listing["indexes"].as_array().expect("indexes");
    let usage = |name: &str| {
        let index = indexes.iter().find(|i| i["name"] == name);
        index.unwrap_or_else(|| panic!("{name} listed"))["usage"].clone()
    };
    let users_pkey = usage("users_pkey");
    if major >= 15 {
        // Before 15 the statistics collector reports a moment later; nothing to wait on.
        assert!(users_pkey["idx_scan"].as_i64() >= Some(1), "{users_pkey}");
    }
    if major >= LAST_SCAN_SINCE {
        let last = users_pkey["last_idx_scan"].as_str().unwrap_or_default();
        assert!(last.starts_with("20"), "a timestamp: {users_pkey}");
    } else {
        let scan_times: Vec<&Value> = indexes
            .iter()
            .map(|i| &i["usage"]["last_idx_scan"])
            .filter(|t| !t.is_null())
            .collect();
        assert!(
            scan_times.is_empty(),
            "PostgreSQL {major} keeps none: {scan_times:?}"
        );
    }
}

fn indexes_json(home: &Path, url: &str, major: u32) -> Value {
    let out =
        run(common::hotidx(home).args(["indexes", "--format", "json", "--database-url", url]));
    assert_eq!(out.code, 0, "PostgreSQL {major}: {}", out.all());
    serde_json::from_str(&out.stdout).expect("indexes JSON")
}

/// What the TUI sends between full reads: the counters statement, taken (one that no longer
/// matched the full read's shape would fall back to a full read), with sizes every third time.
async fn assert_counters_refresh(url: &str, major: u32) {
    let target = config::parse_target(url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT);
    let target = target.expect("url");
    let mut db = Database::connect(&target, Access::ReadOnly)
        .await
        .expect("connect");
    let mut refresher = Refresher::new();
    let (full, kind) = refresher.refresh(&mut db, false).await.expect("full read");
    assert_eq!(kind, ReadKind::Full);
    let mut kinds = Vec::new();
    let mut last = full.clone();
    for _ in 0..3 {
        let (snapshot, kind) = refresher
            .refresh(&mut db, false)
            .await
            .expect("counters read");
        kinds.push(kind);
        last = snapshot;
    }
    db.close().await;
    let counters = |sizes| ReadKind::Counters { sizes };
    assert_eq!(
        kinds,
        [counters(false), counters(false), counters(true)],
        "PostgreSQL {major}"
    );
    let index = |i: &IndexInfo| {
        (
            i.name.clone(),
            i.columns.clone(),
            i.size_bytes.is_some(),
            i.usage.is_some(),
        )
    };
    let shape = |s: &CatalogSnapshot| s.indexes.iter().map(index).collect::<Vec<_>>();
    assert_eq!(shape(&last), shape(&full), "PostgreSQL {major}");
}

/// A table never analysed has no row estimate, not "0 rows"; an empty one that was analysed
/// has 0. PostgreSQL 13 marks both alike in pg_class; 14+ marks the first with -1.
async fn assert_row_estimates(cluster: &TempCluster, home: &Path, major: u32) {
    exec(
        &cluster.url("postgres", "postgres"),
        "CREATE DATABASE estimates",
    )
    .await;
    let url = cluster.url("postgres", "estimates");
    exec(
        &url,
        "CREATE TABLE analysed_empty (id int); ANALYZE analysed_empty;
         CREATE TABLE never_analysed (id int) WITH (autovacuum_enabled = off);
         CREATE INDEX never_analysed_id ON never_analysed (id);
         INSERT INTO never_analysed SELECT generate_series(1, 5000);",
    )
    .await;
    let rows = |listing: &Value, name: &str| {
        let tables = listing["tables"].as_array().expect("tables");
        let table = tables.iter().find(|t| t["name"] == name);
        table.unwrap_or_else(|| panic!("{name} listed"))["estimated_rows"].clone()
    };
    // Before 15 a reader gets the statistics collector's file, which may be 500 ms old: ask
    // until it has the ANALYZE. From 15 on the first answer must have it.
    let deadline = Instant::now() + Duration::from_secs(5);
    let listing = loop {
        let listing = indexes_json(home, &url, major);
        if major >= 15 || !rows(&listing, "analysed_empty").is_null() || Instant::now() > deadline {
            break listing;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let never_analysed = rows(&listing, "never_analysed");
    assert_eq!(
        never_analysed,
        Value::Null,
        "PostgreSQL {major}: {listing:#}"
    );
    let analysed_empty = rows(&listing, "analysed_empty");
    assert_eq!(analysed_empty, 0, "PostgreSQL {major}: {listing:#}");
}

async fn exec(url: &str, sql: &'static str) {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    conn.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// What a user does before asking when an index was last used: use it. From 15 on the session
/// can be told to flush its counters before it answers, so the next reader sees them.
async fn scan_users_by_primary_key(url: &str, major: u32) {
    let flush = if major >= 15 {
        "; SELECT pg_stat_force_next_flush()"
    } else {
        ""
    };
    let scan = format!("SET enable_seqscan = off; SELECT id FROM public.users WHERE id = 1{flush}");
    let mut conn = PgConnection::connect(url).await.expect("connect");
    conn.execute(sqlx::AssertSqlSafe(scan))
        .await
        .expect("index scan on users_pkey");
    let _ = conn.close().await;
}

fn names(listed: &Value) -> BTreeSet<String> {
    let listed = listed.as_array().expect("a list");
    listed
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

async fn server_table_names(url: &str) -> BTreeSet<String> {
    let names = server_names(
        url,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
    );
    let names = names.await;
    assert!(
        names.contains("conversions") && names.len() >= 9,
        "the demo's tables: {names:?}"
    );
    names
}

async fn server_index_names(url: &str) -> BTreeSet<String> {
    server_names(
        url,
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'",
    )
    .await
}

/// The server's own answer, read without hotidx.
async fn server_names(url: &str, sql: &'static str) -> BTreeSet<String> {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    let names: Vec<String> = sqlx::query_scalar(sql)
        .fetch_all(&mut conn)
        .await
        .expect(sql);
    let _ = conn.close().await;
    names.into_iter().collect()
}
