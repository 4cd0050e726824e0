//! Refreshing a screen: counters re-read alone while the definitions stand still, and the whole
//! catalog again as soon as anything is redefined, on a real PostgreSQL and a real SQLite file.

mod common;

use std::time::{Duration, Instant};

use common::PgTestDb;
use hotidx::catalog::{CatalogSnapshot, IndexInfo};
use hotidx::config::{self, Source};
use hotidx::db::{Access, Database, ReadKind, Refresher};
use sqlx::Connection;

async fn open(url: &str) -> Database {
    let target = config::parse_target(url, Source::Flag, config::DEFAULT_CONNECT_TIMEOUT).unwrap();
    Database::connect(&target, Access::ReadOnly)
        .await
        .expect("connect")
}

/// `public.jobs_pkey`, not `archive.jobs_pkey`: the same name in two schemas.
fn pkey(snapshot: &CatalogSnapshot) -> &IndexInfo {
    snapshot.find_index("public", "jobs_pkey").unwrap()
}

fn scans(snapshot: &CatalogSnapshot) -> i64 {
    pkey(snapshot).usage.as_ref().unwrap().idx_scan
}

#[tokio::test]
async fn postgres_counters_refresh_matches_a_full_read_until_a_definition_changes() {
    let Some(db) = PgTestDb::create("refresh").await else {
        return;
    };
    db.exec(
        "CREATE TABLE jobs (id bigint PRIMARY KEY, status text, created_at timestamptz)
           WITH (autovacuum_enabled = off);
         INSERT INTO jobs SELECT g, 'queued', now() FROM generate_series(1, 2000) g;
         CREATE INDEX ix_jobs_status ON jobs (status);
         CREATE SCHEMA archive;
         CREATE TABLE archive.jobs (id int PRIMARY KEY);
         ANALYZE;",
    )
    .await;
    let mut session = open(&db.url).await;
    let mut refresher = Refresher::new();
    let (first, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!(kind, ReadKind::Full, "nothing to update yet");

    // Another session uses the primary key and grows the table.
    db.exec(
        "SET enable_seqscan = off; SELECT * FROM jobs WHERE id = 7; SELECT * FROM jobs WHERE id = 8;
         INSERT INTO jobs SELECT g, 'done', now() FROM generate_series(2001, 30000) g;",
    )
    .await;
    // The other session's counts reach the shared statistics within a second of its exit.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    // Counters at every refresh, sizes at every few: wait for both to show the other session.
    let light = loop {
        let (snapshot, kind) = refresher.refresh(&mut session, false).await.unwrap();
        let ReadKind::Counters { sizes } = kind else {
            panic!("no definition changed, yet {kind:?}");
        };
        if sizes
            && scans(&snapshot) >= scans(&first) + 2
            && pkey(&snapshot).size_bytes > pkey(&first).size_bytes
        {
            break snapshot;
        }
        assert!(Instant::now() < deadline, "the scans never showed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The updated snapshot is exactly what a whole read says now.
    let full = session.snapshot().await.unwrap();
    assert_eq!(light, full);

    // Any redefinition (a new index, a rename) is seen at the next refresh.
    db.exec("CREATE INDEX ix_jobs_created_at ON jobs (created_at)")
        .await;
    let (snapshot, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!(kind, ReadKind::Full);
    assert!(
        snapshot
            .find_index("public", "ix_jobs_created_at")
            .is_some()
    );
    db.exec("ALTER INDEX ix_jobs_status RENAME TO ix_jobs_state")
        .await;
    let (snapshot, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!(kind, ReadKind::Full);
    assert!(snapshot.find_index("public", "ix_jobs_state").is_some());
    assert!(snapshot.find_index("public", "ix_jobs_status").is_none());
    // And `R` reads everything whatever the fingerprint says.
    let (_, kind) = refresher.refresh(&mut session, true).await.unwrap();
    assert_eq!(kind, ReadKind::Full);
    session.close().await;
}

#[tokio::test]
async fn postgres_counters_refresh_sees_an_index_turn_invalid_in_place() {
    let Some(db) = PgTestDb::create("refresh_invalid").await else {
        return;
    };
    db.exec(
        "CREATE TABLE t (id int PRIMARY KEY, v int);
         INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;
         CREATE INDEX ix_t_v ON t (v);",
    )
    .await;
    let mut session = open(&db.url).await;
    let mut refresher = Refresher::new();
    refresher.refresh(&mut session, false).await.unwrap();
    // What a failed CREATE INDEX CONCURRENTLY leaves, made directly (as superuser).
    let mut admin = db.connect().await;
    sqlx::query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_t_v'::regclass")
        .execute(&mut admin)
        .await
        .unwrap();
    let _ = admin.close().await;
    let (snapshot, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert!(matches!(kind, ReadKind::Counters { .. }), "{kind:?}");
    let index = snapshot.find_index("public", "ix_t_v").unwrap();
    assert!(!index.valid, "INVALID shows at the next refresh");
    session.close().await;
}

#[tokio::test]
async fn postgres_counters_refresh_sees_flags_and_is_not_fooled_by_maintenance() {
    let Some(db) = PgTestDb::create("refresh_flags").await else {
        return;
    };
    db.exec(
        "CREATE TABLE t (id int NOT NULL, v int);
         INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
         CREATE UNIQUE INDEX t_id ON t (id);
         CREATE INDEX t_v ON t (v);",
    )
    .await;
    let mut session = open(&db.url).await;
    // The safety-net full read comes a moment after the first read, not a minute.
    let mut refresher = Refresher::with_full_read_after(Duration::from_millis(1500));
    refresher.refresh(&mut session, false).await.unwrap();

    // ADD PRIMARY KEY USING INDEX turns an index primary without a new pg_class row.
    db.exec("ALTER TABLE t ADD CONSTRAINT t_id PRIMARY KEY USING INDEX t_id")
        .await;
    let (snapshot, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert!(matches!(kind, ReadKind::Counters { .. }), "{kind:?}");
    assert!(snapshot.find_index("public", "t_id").unwrap().primary);

    // Maintenance rewrites pg_class rows but redefines nothing: still the cheap refresh.
    // (One by one: VACUUM refuses to run inside the implicit transaction of a multi-statement.)
    for maintenance in [
        "TRUNCATE t",
        "VACUUM FULL t",
        "REINDEX TABLE t",
        "GRANT SELECT ON t TO PUBLIC",
    ] {
        db.exec(maintenance).await;
    }
    let (_, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert!(matches!(kind, ReadKind::Counters { .. }), "{kind:?}");

    // A renamed column touches neither: it shows at the next full read, by age.
    db.exec("ALTER TABLE t RENAME COLUMN v TO value").await;
    let (stale, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert!(matches!(kind, ReadKind::Counters { .. }), "{kind:?}");
    assert_eq!(stale.find_index("public", "t_v").unwrap().columns, ["v"]);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (current, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!(kind, ReadKind::Full);
    assert_eq!(
        current.find_index("public", "t_v").unwrap().columns,
        ["value"]
    );
    session.close().await;
}

#[tokio::test]
async fn sqlite_refresh_reads_nothing_until_another_connection_commits() {
    let home = tempfile::tempdir().unwrap();
    let path = common::sqlite_demo(home.path(), &home.path().join("r.db"), 300);
    let url = path.display().to_string();
    let mut session = open(&url).await;
    let mut refresher = Refresher::new();
    let (first, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!(kind, ReadKind::Full);
    let (again, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!((kind, &again), (ReadKind::Unchanged, &first));

    let mut writer = common::sqlite_connect(&url).await;
    sqlx::query("CREATE INDEX ix_jobs_filename ON jobs (filename)")
        .execute(&mut writer)
        .await
        .unwrap();
    let _ = writer.close().await;
    let (snapshot, kind) = refresher.refresh(&mut session, false).await.unwrap();
    assert_eq!(kind, ReadKind::Full, "a commit elsewhere means a new read");
    assert!(snapshot.find_index("main", "ix_jobs_filename").is_some());
    assert!(matches!(
        refresher.refresh(&mut session, true).await.unwrap().1,
        ReadKind::Full
    ));
    session.close().await;
}
