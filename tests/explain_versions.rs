//! The explain role on every PostgreSQL major the README claims: set up as each version allows
//! (pg_read_all_data from 14, SELECT schema by schema on 13), the guard's catalog check, `$n`
//! planned generically from 16 and refused with the fix before, and what the role may not do.

mod common;

use common::cluster::TempCluster;
use common::hotidx_on;
use sqlx::{Connection, Executor};

/// PostgreSQL 16 brought EXPLAIN (GENERIC_PLAN).
const GENERIC_PLAN_SINCE: u32 = 16;

#[tokio::test]
async fn postgres_13_explain_role() {
    explain_role(13).await;
}

#[tokio::test]
async fn postgres_14_explain_role() {
    explain_role(14).await;
}

#[tokio::test]
async fn postgres_15_explain_role() {
    explain_role(15).await;
}

#[tokio::test]
async fn postgres_16_explain_role() {
    explain_role(16).await;
}

#[tokio::test]
async fn postgres_17_explain_role() {
    explain_role(17).await;
}

#[tokio::test]
async fn postgres_18_explain_role() {
    explain_role(18).await;
}

async fn explain_role(major: u32) {
    let Some(cluster) = TempCluster::start_major(major) else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let home = home.path();
    let url = cluster.url("postgres", "postgres");
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    conn.execute(
        "CREATE SCHEMA app;
         CREATE TABLE app.orders (id serial PRIMARY KEY, customer int, note text);
         INSERT INTO app.orders (customer, note) SELECT n % 500, 'x' FROM generate_series(1, 20000) n;
         CREATE INDEX orders_customer ON app.orders (customer);
         ANALYZE app.orders;
         CREATE TABLE fresh (id serial PRIMARY KEY, v int);
         CREATE INDEX fresh_v ON fresh (v);
         INSERT INTO fresh (v) SELECT n FROM generate_series(1, 20000) n;",
    )
    .await
    .expect("fixture");
    let sql = "SELECT * FROM app.orders WHERE customer = 7";
    let explain = |args: &[&str]| hotidx_on(home, &url, args);

    let refused = explain(&["explain", sql]);
    assert_eq!(refused.code, 2, "PostgreSQL {major}: {}", refused.all());
    assert!(
        refused.stderr.contains("--setup-role"),
        "{}",
        refused.stderr
    );

    let script = explain(&["explain", "--setup-role"]);
    let read_all = script.stdout.contains("pg_read_all_data");
    assert_eq!(
        read_all,
        major >= 14,
        "PostgreSQL {major}: {}",
        script.stdout
    );
    if major < 14 {
        assert!(
            script
                .stdout
                .contains("GRANT SELECT ON ALL TABLES IN SCHEMA app")
        );
    }
    let setup = explain(&["explain", "--setup-role", "--yes"]);
    assert_eq!(setup.code, 0, "PostgreSQL {major}: {}", setup.all());

    let planned = explain(&["explain", "--analyze", sql, "--expect", "orders_customer"]);
    assert_eq!(planned.code, 0, "PostgreSQL {major}: {}", planned.all());
    assert!(
        planned.stdout.contains("hotidx_explain"),
        "{}",
        planned.stdout
    );
    assert!(
        planned.stdout.contains("uses orders_customer"),
        "{}",
        planned.stdout
    );

    // Never analysed (nor sized by an index build): on 13 its pg_class says 0 rows in 0 pages,
    // which is not "a small table".
    let fresh = explain(&[
        "explain",
        "SELECT * FROM fresh WHERE v + 0 = 5",
        "--expect",
        "fresh_v",
        "--format",
        "json",
    ]);
    assert_eq!(fresh.code, 1, "PostgreSQL {major}: {}", fresh.all());
    assert!(
        !fresh.stdout.contains("small_table"),
        "PostgreSQL {major}: {}",
        fresh.stdout
    );

    let placeholder = "SELECT * FROM app.orders WHERE customer = $1";
    let generic = explain(&["explain", placeholder]);
    if major >= GENERIC_PLAN_SINCE {
        assert_eq!(generic.code, 0, "PostgreSQL {major}: {}", generic.all());
        assert!(
            generic.stdout.contains("GENERIC_PLAN"),
            "{}",
            generic.stdout
        );
    } else {
        assert_eq!(generic.code, 2, "PostgreSQL {major}: {}", generic.all());
        assert!(generic.stderr.contains("--param"), "{}", generic.stderr);
    }
    let valued = explain(&["explain", placeholder, "--param", "7"]);
    assert_eq!(valued.code, 0, "PostgreSQL {major}: {}", valued.all());

    // The escapes a role check must close, on each major's own rules.
    for hostile in [
        "SELECT pg_stat_reset()",
        "SELECT set_config('role', 'postgres', false), pg_stat_reset()",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
    ] {
        let out = explain(&["explain", "--analyze", hostile]);
        assert_eq!(out.code, 1, "PostgreSQL {major}: {hostile}: {}", out.all());
        assert!(out.stderr.contains("refused"), "{}", out.stderr);
    }
    let alive: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .expect("the fixture's own session lives");
    assert_eq!(alive, 1);
    let _ = conn.close().await;
}
