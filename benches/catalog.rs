//! Catalog refresh at scale, against baselines measured in the same run:
//!   cargo bench --bench catalog
//! needs PostgreSQL (HOTIDX_BENCH_PG, default postgres://postgres@127.0.0.1:5432/hotidx_bench) and
//! psql on PATH; the database is created and filled from benches/wide_schema.sql if missing.
//! Figures: hotidx's one-statement snapshot vs psql running the same statement (the floor: one
//! round trip) vs reading the catalog table by table (what hotidx must never do); the counters
//! refresh vs psql reading pg_stat_user_indexes; statements per refresh, counted by the server;
//! and the full read against the table-by-table loop again over a link with a real round trip.

mod common;
#[path = "common/delay_proxy.rs"]
mod delay_proxy;

use std::time::{Duration, Instant};

use common::{ensure_wide_database, median, psql};
use hotidx::config::{self, Source};
use hotidx::db::{Access, Database, ReadKind, Refresher, postgres};
use sqlx::{Connection, PgConnection};

const RUNS: usize = 7;
/// Added each way by the proxy: about a 1 ms round trip, a server in the same data centre.
const ONE_WAY: Duration = Duration::from_micros(500);

#[tokio::main]
async fn main() {
    let url = common::wide_database_url();
    ensure_wide_database(&url);
    let (admin, name) = common::admin_url_and_name(&url);

    let mut db = common::open_read_only(&url).await;
    assert!(matches!(db, Database::Postgres(_)), "a PostgreSQL URL");
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
    let version = common::server_version_num(&url);
    let floor = psql_timed(&url, &postgres::catalog_query(version));

    // Counters-only refresh (what the TUI's timer sends while no definition changes) against
    // psql reading the statistics view the issue names.
    let mut refresher = Refresher::new();
    refresher.refresh(&mut db, true).await.expect("first read");
    let (mut counters_only, mut with_sizes) = (Vec::new(), Vec::new());
    // Nine, well within the minute after which a full read comes anyway.
    for _ in 0..9 {
        let started = Instant::now();
        let (_, kind) = refresher.refresh(&mut db, false).await.expect("refresh");
        match kind {
            ReadKind::Counters { sizes: false } => counters_only.push(started.elapsed()),
            ReadKind::Counters { sizes: true } => with_sizes.push(started.elapsed()),
            other => panic!("nothing was redefined, yet {other:?}"),
        }
    }
    let (counters, counters_sized) = (median(counters_only), median(with_sizes));
    let stat_view = psql_timed(&url, "SELECT * FROM pg_stat_user_indexes");

    // The same count on a one-table database: it must not grow with the schema.
    let small = format!("{}_small", url);
    let small_name = format!("{name}_small");
    psql(
        &admin,
        &["-c", &format!("DROP DATABASE IF EXISTS \"{small_name}\"")],
    );
    psql(
        &admin,
        &["-c", &format!("CREATE DATABASE \"{small_name}\"")],
    );
    psql(
        &small,
        &[
            "-c",
            "CREATE TABLE t (id int PRIMARY KEY, a int); CREATE INDEX ON t (a)",
        ],
    );
    let statements = statements_per_refresh(&url, version).await;
    let statements_small = statements_per_refresh(&small, version).await;
    psql(&admin, &["-c", &format!("DROP DATABASE \"{small_name}\"")]);

    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname !~ '^pg_(toast|temp_)'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let per_table = table_by_table(&mut conn, &tables).await;
    let _ = conn.close().await;
    let far = over_a_link(&url, &tables).await;

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "catalog refresh, {} tables, {indexes} indexes, median of {RUNS}",
        tables.len()
    );
    println!(
        "  hotidx full read (one statement, decoded): {:>9.1} ms",
        ms(hotidx)
    );
    println!(
        "  psql, same statement (the floor):          {:>9.1} ms",
        ms(floor)
    );
    println!(
        "  table by table (3 queries per table):      {:>9.1} ms",
        ms(per_table)
    );
    println!(
        "  hotidx counters refresh (one statement):   {:>9.1} ms",
        ms(counters)
    );
    println!(
        "  psql, SELECT * FROM pg_stat_user_indexes: {:>9.1} ms",
        ms(stat_view)
    );
    for (what, counted) in [
        ("10,000 indexes", statements),
        ("1 table", statements_small),
    ] {
        match counted {
            Ok((full, counters)) => println!(
                "  statements per refresh at {what} (server log): {full} (full read), \
                 {counters} (counters)"
            ),
            Err(why) => println!("  statements per refresh at {what}: not counted: {why}"),
        }
    }
    println!(
        "  through a proxy adding {} µs each way (SELECT 1 round trip {:.2} ms): full read \
         {:.1} ms, table by table {:.1} ms",
        ONE_WAY.as_micros(),
        ms(far.round_trip),
        ms(far.full),
        ms(far.per_table)
    );
    println!(
        "  ratios: full / psql = {:.2}x (target ≤ 1.3x); table-by-table / full = {:.1}x \
         (target ≥ 20x), over the link {:.1}x; counters / pg_stat_user_indexes = {:.2}x \
         (target ≈ 1x), with sizes {:.2}x",
        ms(hotidx) / ms(floor),
        ms(per_table) / ms(hotidx),
        ms(far.per_table) / ms(far.full),
        ms(counters) / ms(stat_view),
        ms(counters_sized) / ms(stat_view)
    );
}

struct OverALink {
    round_trip: Duration,
    full: Duration,
    per_table: Duration,
}

/// The full read (median of 3) and the table-by-table loop through the delaying proxy. On
/// localhost a round trip costs a tenth of a millisecond, which flatters the loop's thousands.
async fn over_a_link(url: &str, tables: &[(String, String)]) -> OverALink {
    let mut far = url::Url::parse(url).expect("a URL");
    let upstream = format!(
        "{}:{}",
        far.host_str().expect("a host"),
        far.port().unwrap_or(5432)
    );
    let port = delay_proxy::start(&upstream, ONE_WAY);
    far.set_host(Some("127.0.0.1")).expect("a host");
    far.set_port(Some(port)).expect("a port");
    let far = far.to_string();
    let mut conn = PgConnection::connect(&far)
        .await
        .expect("connect through the proxy");
    let mut trips = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        sqlx::query("SELECT 1")
            .execute(&mut conn)
            .await
            .expect("SELECT 1");
        trips.push(started.elapsed());
    }
    let per_table = table_by_table(&mut conn, tables).await;
    let _ = conn.close().await;
    let mut db = common::open_read_only(&far).await;
    let mut full = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        db.snapshot().await.expect("snapshot through the proxy");
        full.push(started.elapsed());
    }
    db.close().await;
    OverALink {
        round_trip: median(trips),
        full: median(full),
        per_table,
    }
}

/// psql's own median timing of `statement` run RUNS times in one session (no connect).
fn psql_timed(url: &str, statement: &str) -> Duration {
    let script = std::env::temp_dir().join(format!("hotidx_bench_{}.sql", std::process::id()));
    let body = format!("{statement};\n").repeat(RUNS);
    std::fs::write(&script, format!("\\timing on\n\\o /dev/null\n{body}"))
        .expect("write the psql script");
    let timings = psql(url, &["-f", script.to_str().expect("a path")]);
    let _ = std::fs::remove_file(&script);
    median(
        timings
            .lines()
            .filter_map(|l| l.strip_prefix("Time: "))
            .filter_map(|t| t.split_whitespace().next()?.parse::<f64>().ok())
            .map(|ms| Duration::from_secs_f64(ms / 1000.0))
            .collect(),
    )
}

/// How a tool that reads one table at a time would do it, with prepared statements: the
/// definitions, the usage counters and the sizes of each table's indexes.
async fn table_by_table(conn: &mut PgConnection, tables: &[(String, String)]) -> Duration {
    let started = Instant::now();
    for (schema, table) in tables {
        sqlx::query(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .expect("definitions");
        sqlx::query(
            "SELECT indexrelname, idx_scan, idx_tup_read, idx_tup_fetch FROM pg_stat_user_indexes \
             WHERE schemaname = $1 AND relname = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .expect("usage");
        sqlx::query(
            "SELECT c.reltuples, pg_table_size(c.oid), \
                    (SELECT sum(pg_relation_size(i.indexrelid)) FROM pg_index i \
                     WHERE i.indrelid = c.oid) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2",
        )
        .bind(schema)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .expect("sizes");
    }
    started.elapsed()
}

/// Statements one refresh sends, counted from the server's own log: hotidx's session alone
/// runs with `log_statement = all` (set through the URL's `options`), so every statement it sends
/// is one `statement:` or `execute` line there. A full read, then the counters refreshes.
async fn statements_per_refresh(url: &str, version: u32) -> Result<(usize, f64), String> {
    let log = std::env::var("HOTIDX_BENCH_PG_LOG").unwrap_or_else(|_| {
        format!(
            "/var/log/postgresql/postgresql-{}-main.log",
            version / 10_000
        )
    });
    let logged = || -> Result<usize, String> {
        let text =
            std::fs::read(&log).map_err(|e| format!("{log}: {e} (set HOTIDX_BENCH_PG_LOG)"))?;
        let text = String::from_utf8_lossy(&text);
        Ok(text
            .lines()
            .filter(|l| l.contains("LOG:  statement: ") || l.contains("LOG:  execute "))
            .count())
    };
    let counted_url = format!("{url}?options=-c%20log_statement%3Dall");
    let target = config::parse_target(&counted_url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT)
        .map_err(|e| e.to_string())?;
    let mut db = Database::connect(&target, Access::ReadOnly)
        .await
        .map_err(|e| e.to_string())?;
    let mut refresher = Refresher::new();
    let mut refresh = async |full: bool| {
        let (snapshot, _) = refresher.refresh(&mut db, full).await.expect("refresh");
        db.alembic_versions(&snapshot).await.expect("versions");
    };
    let before = logged()?;
    refresh(true).await;
    let after_full = logged()?;
    for _ in 0..10 {
        refresh(false).await;
    }
    let after_counters = logged()?;
    db.close().await;
    Ok((
        after_full - before,
        (after_counters - after_full) as f64 / 10.0,
    ))
}
