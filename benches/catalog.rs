//! Catalog refresh at scale, against baselines measured in the same run:
//!   cargo bench --bench catalog
//! needs PostgreSQL (HOTIDX_BENCH_PG, default postgres://postgres@127.0.0.1:5432/hotidx_bench) and
//! psql on PATH; the database is created and filled from benches/wide_schema.sql if missing.
//! Figures: hotidx's one-statement snapshot vs psql running the same statement (the floor: one
//! round trip) vs reading the catalog table by table (what hotidx must never do).

use std::process::Command;
use std::time::{Duration, Instant};

use hotidx::config::{self, Source, Target};
use hotidx::db::{Access, Database, postgres};
use sqlx::{Connection, Executor, PgConnection};

const RUNS: usize = 7;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn url() -> String {
    std::env::var("HOTIDX_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/hotidx_bench".into())
}

fn psql(url: &str, args: &[&str]) -> String {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .args(args)
        .arg(url)
        .output()
        .expect("psql on PATH");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::main]
async fn main() {
    let url = url();
    let admin = format!(
        "{}/postgres",
        &url[..url.rfind('/').expect("a database in the URL")]
    );
    let name = &url[url.rfind('/').map_or(0, |i| i + 1)..];
    let exists = psql(
        &admin,
        &[
            "-Atc",
            &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        ],
    );
    if exists.trim() != "1" {
        eprintln!("creating {name} with 2,000 tables and 10,000 indexes (a few minutes)…");
        psql(&admin, &["-c", &format!("CREATE DATABASE \"{name}\"")]);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/wide_schema.sql");
        psql(&url, &["-f", script]);
    }

    let target = config::parse_target(&url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT)
        .expect("a PostgreSQL URL");
    assert!(matches!(target, Target::Postgres(_)));
    let mut db = Database::connect(&target, Access::ReadOnly)
        .await
        .expect("connect");
    let mut snapshot_times = Vec::new();
    let mut indexes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let snapshot = db.snapshot().await.expect("snapshot");
        snapshot_times.push(started.elapsed());
        indexes = snapshot.indexes.len();
    }
    let hotidx = median(snapshot_times);

    // psql running the very statement hotidx sends, timed by psql itself (no connect).
    let version: u32 = psql(&url, &["-Atc", "SHOW server_version_num"])
        .trim()
        .parse()
        .unwrap_or(150_000);
    let statement = postgres::catalog_query(version);
    let script = std::env::temp_dir().join("hotidx_catalog_bench.sql");
    std::fs::write(
        &script,
        format!(
            "\\timing on\n\\o /dev/null\n{}",
            format!("{statement};\n").repeat(RUNS)
        ),
    )
    .expect("write the psql script");
    let timings = psql(&url, &["-f", script.to_str().expect("a path")]);
    let psql_times: Vec<Duration> = timings
        .lines()
        .filter_map(|l| l.strip_prefix("Time: "))
        .filter_map(|t| t.split_whitespace().next()?.parse::<f64>().ok())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .collect();
    let floor = median(psql_times);

    // The naive way: one query per table.
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname = 'public'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let started = Instant::now();
    for table in &tables {
        conn.execute(sqlx::AssertSqlSafe(format!(
            "SELECT indexname, indexdef, pg_relation_size(indexname::regclass) FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename = '{table}'"
        )))
        .await
        .expect("per-table query");
    }
    let per_table = started.elapsed();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "catalog refresh, {} tables, {indexes} indexes, median of {RUNS}",
        tables.len()
    );
    println!(
        "  hotidx snapshot (one statement, decoded): {:>9.1} ms",
        ms(hotidx)
    );
    println!(
        "  psql, same statement (the floor):         {:>9.1} ms",
        ms(floor)
    );
    println!(
        "  table by table (one query each):          {:>9.1} ms",
        ms(per_table)
    );
    println!(
        "  ratios: hotidx / psql = {:.2}x (target ≤ 1.3x); table-by-table / hotidx = {:.1}x (target ≥ 20x)",
        ms(hotidx) / ms(floor),
        ms(per_table) / ms(hotidx)
    );
}
