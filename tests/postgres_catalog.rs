//! The catalog snapshot read from a real PostgreSQL: what a DBA would check in it.

mod common;

use common::PgTestDb;
use hotidx::catalog::CatalogSnapshot;
use hotidx::config::{self, Source, Target};
use hotidx::db::{Access, Database, postgres};

async fn snapshot(db: &PgTestDb) -> CatalogSnapshot {
    let target =
        config::parse_target(&db.url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT).expect("url");
    assert!(matches!(target, Target::Postgres(_)));
    let mut conn = Database::connect(&target, Access::ReadOnly)
        .await
        .expect("connect");
    let snapshot = conn.snapshot().await.expect("snapshot");
    conn.close().await;
    snapshot
}

#[tokio::test]
async fn snapshot_has_every_user_index_with_its_definition_and_usage() {
    let Some(db) = PgTestDb::create("catalog").await else {
        return;
    };
    db.exec(
        "CREATE TABLE public.orders (id bigint PRIMARY KEY, customer int NOT NULL, \
           placed_at timestamp, note text, state text);
         INSERT INTO public.orders SELECT g, g % 100, now(), 'n' || g, 'new' FROM generate_series(1, 5000) g;
         CREATE INDEX orders_customer_placed ON public.orders (customer, placed_at DESC) INCLUDE (state);
         CREATE INDEX orders_lower_note ON public.orders (lower(note)) WHERE state = 'new';
         CREATE INDEX orders_state_hash ON public.orders USING hash (state);
         CREATE SCHEMA billing;
         CREATE TABLE billing.invoices (id int PRIMARY KEY, amount numeric);
         ANALYZE;
         SELECT count(*) FROM public.orders WHERE id = 42;",
    )
    .await;
    let snapshot = snapshot(&db).await;
    assert!(snapshot.usage_tracked && snapshot.sizes_known);
    assert!(snapshot.server_version.starts_with("PostgreSQL "));
    assert!(snapshot.server_version_num >= 130_000);

    let names: Vec<String> = snapshot.tables.iter().map(|t| t.display_name()).collect();
    assert_eq!(
        names,
        vec!["billing.invoices", "orders"],
        "system schemas excluded"
    );
    let orders = snapshot.find_table("orders").expect("orders");
    assert_eq!(orders.estimated_rows, Some(5000));
    assert!(orders.size_bytes.unwrap() > 100_000);

    let index = |name: &str| {
        snapshot
            .indexes
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let pkey = index("orders_pkey");
    assert!(pkey.primary && pkey.unique && pkey.valid && pkey.ready);
    assert!(pkey.size_bytes.unwrap() >= 8192);
    let usage = pkey.usage.expect("usage tracked");
    assert!(
        usage.idx_scan >= 1,
        "the lookup by id used the primary key: {usage:?}"
    );
    assert_eq!(
        usage.last_idx_scan, None,
        "PostgreSQL 15 keeps no last scan time"
    );

    let composite = index("orders_customer_placed");
    assert_eq!(composite.columns, vec!["customer", "placed_at DESC"]);
    assert_eq!(composite.include, vec!["state"]);
    assert!(!composite.unique && composite.predicate.is_none());

    let partial = index("orders_lower_note");
    assert_eq!(partial.columns, vec!["lower(note)"]);
    assert_eq!(partial.predicate.as_deref(), Some("state = 'new'::text"));
    assert_eq!(index("orders_state_hash").method, "hash");

    let invoices = index("invoices_pkey");
    assert_eq!(invoices.display_name(), "billing.invoices_pkey");
    assert_eq!(invoices.table_display_name(), "billing.invoices");
}

/// PostgreSQL 16 and 17 add `pg_stat_get_lastscan`; the server here is 15. Give it a stand-in
/// with the same signature, so the 16+ statement text itself runs and is decoded.
#[tokio::test]
async fn the_postgres_16_catalog_statement_runs_and_reads_last_scan() {
    let Some(db) = PgTestDb::create("pg16").await else {
        return;
    };
    db.exec(
        "CREATE TABLE t (id int PRIMARY KEY);
         CREATE FUNCTION public.pg_stat_get_lastscan(oid) RETURNS timestamptz
           LANGUAGE sql AS $$ SELECT '2026-11-01 12:00:00+00'::timestamptz $$;",
    )
    .await;
    let sql_15 = postgres::catalog_query(150_000);
    let sql_16 = postgres::catalog_query(160_000);
    let sql_17 = postgres::catalog_query(170_004);
    assert!(!sql_15.contains("pg_stat_get_lastscan"));
    assert!(sql_16.contains("pg_stat_get_lastscan(i.indexrelid)"));
    assert_eq!(sql_16, sql_17);
    assert_eq!(
        postgres::catalog_query(140_000),
        sql_15,
        "14 shares the 15 statement"
    );
    // 13 marks a table never analysed as it marks an empty one: the analyze times tell them
    // apart (tests/server_versions.rs runs it on a real 13).
    assert!(postgres::catalog_query(130_000).contains("pg_stat_get_last_analyze_time(c.oid)"));
    assert!(!sql_15.contains("pg_stat_get_last_analyze_time"));

    let mut conn = db.connect().await;
    let json: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql_16))
        .fetch_one(&mut conn)
        .await
        .expect("the 16+ statement runs");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let last = &doc["indexes"][0]["usage"]["last_idx_scan"];
    assert!(
        last.as_str().unwrap().starts_with("2026-11-01T12:00:00"),
        "{last}"
    );
}

#[tokio::test]
async fn a_read_only_session_cannot_write() {
    let Some(db) = PgTestDb::create("readonly").await else {
        return;
    };
    db.exec("CREATE TABLE t (id int)").await;
    let target =
        config::parse_target(&db.url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT).expect("url");
    let Database::Postgres(mut conn) = Database::connect(&target, Access::ReadOnly).await.unwrap()
    else {
        panic!("postgres expected");
    };
    let err = sqlx::query("INSERT INTO t VALUES (1)")
        .execute(&mut conn)
        .await
        .expect_err("the server refuses writes in a read-only session");
    assert!(err.to_string().contains("read-only transaction"), "{err}");
}

/// A DBA opens hotidx while an ALTER TABLE holds ACCESS EXCLUSIVE: the catalog still answers,
/// with that table's sizes unknown rather than waiting behind the lock.
#[tokio::test]
async fn the_catalog_read_never_queues_behind_an_access_exclusive_lock() {
    let Some(db) = PgTestDb::create("locked").await else {
        return;
    };
    db.exec("CREATE TABLE busy (id int PRIMARY KEY); CREATE TABLE calm (id int PRIMARY KEY);")
        .await;
    let mut holder = db.connect().await;
    sqlx::Executor::execute(
        &mut holder,
        "BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;",
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let snapshot = snapshot(&db).await;
    assert!(
        started.elapsed().as_secs() < 2,
        "the read waited for the lock"
    );
    let busy = snapshot.find_table("busy").unwrap();
    assert_eq!(
        busy.size_bytes, None,
        "not sized while locked, never a fake 0"
    );
    let busy_pkey = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "busy_pkey")
        .unwrap();
    assert_eq!(busy_pkey.size_bytes, None);
    assert!(snapshot.find_table("calm").unwrap().size_bytes.is_some());
}
