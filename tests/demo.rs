//! `hotidx demo`: realistic, deterministic, and careful with what is already there.

mod common;

use std::path::Path;

use common::{PgTestDb, hotidx, run, sqlite_demo};
use sqlx::{Connection, Executor, Row, SqliteConnection};

async fn rows(conn: &mut SqliteConnection, sql: &str) -> Vec<String> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

#[tokio::test]
async fn same_seed_same_rows() {
    let home = tempfile::tempdir().unwrap();
    let a = sqlite_demo(home.path(), &home.path().join("a.db"), 700);
    let b = sqlite_demo(home.path(), &home.path().join("b.db"), 700);
    let dump = "SELECT json_array(id, sha256, status, user_id, visitor_session_id, created_at) \
                FROM conversions ORDER BY created_at, id";
    let (mut a, mut b) = (
        common::sqlite_connect(&a).await,
        common::sqlite_connect(&b).await,
    );
    let (rows_a, rows_b) = (rows(&mut a, dump).await, rows(&mut b, dump).await);
    assert_eq!(rows_a.len(), 700);
    assert_eq!(rows_a, rows_b);
    let other = run(hotidx(home.path())
        .args(["demo", "--rows", "700", "--seed", "1", "--database-url"])
        .arg(home.path().join("c.db")));
    assert_eq!(other.code, 0);
    let mut c = common::sqlite_connect(&home.path().join("c.db")).await;
    assert_ne!(rows(&mut c, dump).await, rows_a, "another seed, other rows");
}

#[tokio::test]
async fn rows_look_like_production() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("p.db"), 20_000);
    let mut conn = common::sqlite_connect(&path).await;
    let mut scalar = async |sql: &str| -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut conn)
            .await
            .unwrap()
    };
    let completed = scalar("SELECT count(*) FROM conversions WHERE status = 'COMPLETED'").await;
    let failed = scalar("SELECT count(*) FROM conversions WHERE status = 'FAILED'").await;
    let in_flight =
        scalar("SELECT count(*) FROM conversions WHERE status IN ('QUEUED', 'PROCESSING')").await;
    assert!(completed > 17_000, "most COMPLETED: {completed}");
    assert!(
        (400..1600).contains(&failed),
        "a few percent FAILED: {failed}"
    );
    assert!(
        (1..=12).contains(&in_flight),
        "a handful in flight: {in_flight}"
    );
    let reuploads = scalar("SELECT count(*) - count(DISTINCT sha256) FROM conversions").await;
    assert!(reuploads > 1000, "duplicate sha256 values: {reuploads}");
    let anonymous = scalar(
        "SELECT count(*) FROM conversions WHERE user_id IS NULL AND visitor_session_id IS NOT NULL",
    )
    .await;
    let orphans = scalar(
        "SELECT count(*) FROM conversions WHERE user_id IS NULL AND visitor_session_id IS NULL",
    )
    .await;
    assert!(
        anonymous > 5000 && orphans == 0,
        "{anonymous} anonymous, {orphans} with no owner"
    );
    let span = scalar(
        "SELECT CAST(julianday(max(created_at)) - julianday(min(created_at)) AS INTEGER) FROM jobs",
    )
    .await;
    assert!(
        (85..=90).contains(&span),
        "jobs over the last 90 days: {span}"
    );
    let lowercase = scalar("SELECT count(*) FROM jobs WHERE status <> lower(status)").await;
    assert_eq!(
        lowercase, 0,
        "the application writes job statuses in lowercase"
    );
    let version: String = sqlx::query_scalar("SELECT version_num FROM alembic_version")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(version, "add_visitor_session_to_jobs");
}

#[tokio::test]
async fn an_existing_file_is_refused_without_force_and_other_tables_survive_force() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("mine.db"), 100);
    let mut conn = common::sqlite_connect(&path).await;
    conn.execute("CREATE TABLE my_notes (body TEXT); INSERT INTO my_notes VALUES ('keep me');")
        .await
        .unwrap();
    conn.close().await.unwrap();

    let out = run(hotidx(home.path())
        .args(["demo", "--rows", "100", "--database-url"])
        .arg(&path));
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("already has mdraft tables") && out.stderr.contains("--force"),
        "{}",
        out.stderr
    );

    let out = run(hotidx(home.path())
        .args(["demo", "--rows", "300", "--force", "--database-url"])
        .arg(&path));
    assert_eq!(out.code, 0, "{}", out.all());
    let mut conn = common::sqlite_connect(&path).await;
    assert_eq!(
        rows(&mut conn, "SELECT body FROM my_notes").await,
        vec!["keep me"]
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM conversions")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 300);
}

#[test]
fn the_default_demo_is_rebuilt_and_its_path_printed() {
    let home = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = run(hotidx(home.path()).args(["demo", "--rows", "100"]));
        assert_eq!(out.code, 0, "{}", out.all());
        let path = out.stdout.lines().last().unwrap().to_string();
        assert_eq!(
            Path::new(&path),
            home.path().join("data/hotidx/demo.sqlite3")
        );
        assert!(Path::new(&path).exists());
    }
}

#[tokio::test]
async fn postgres_demo_creates_its_database_refuses_a_second_time_and_analyses() {
    let Some(db) = PgTestDb::create("demo").await else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    // A database name that does not exist yet: demo creates it (and this test drops it).
    let fresh = PgTestDb {
        name: format!("{}_new", db.name),
        url: format!("{}_new", db.url),
    };
    let out =
        run(hotidx(home.path()).args(["demo", "--rows", "3000", "--database-url", &fresh.url]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.starts_with(&format!(
        "created database postgres@127.0.0.1:5432/{}",
        fresh.name
    )));

    let out =
        run(hotidx(home.path()).args(["demo", "--rows", "3000", "--database-url", &fresh.url]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("already has mdraft tables"),
        "{}",
        out.stderr
    );

    let mut conn = fresh.connect().await;
    let reltuples: f32 =
        sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE relname = 'conversions'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(reltuples, 3000.0, "ANALYZE ran");
    let owners: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_constraint WHERE conname IN ('fk_conversions_user_id', 'fk_conversions_user_id_users', 'ck_jobs_owner_present')")
        .fetch_one(&mut conn).await.unwrap();
    assert_eq!(
        owners, 3,
        "the parent's constraints, the double foreign key included"
    );
    let next_id: i32 = sqlx::query_scalar("INSERT INTO users (email, password_hash, subscription_status, plan, revoked, created_at, updated_at) VALUES ('new@x', 'h', 'free', 'free', false, now(), now()) RETURNING id")
        .fetch_one(&mut conn).await.unwrap();
    assert_eq!(next_id, 151, "sequences continue after the demo's ids");
    conn.close().await.unwrap();

    let out = run(hotidx(home.path()).args([
        "demo",
        "--rows",
        "1000",
        "--force",
        "--database-url",
        &fresh.url,
    ]));
    assert_eq!(out.code, 0, "{}", out.all());
}

#[tokio::test]
async fn sqlite_demo_force_refuses_when_a_view_depends_on_the_tables() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("v.db"), 100);
    let mut conn = common::sqlite_connect(&path).await;
    conn.execute("CREATE VIEW recent AS SELECT id FROM conversions")
        .await
        .unwrap();
    conn.close().await.unwrap();
    let out = run(hotidx(home.path())
        .args(["demo", "--rows", "100", "--force", "--database-url"])
        .arg(&path));
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("view recent depend on them"),
        "{}",
        out.stderr
    );
    let mut conn = common::sqlite_connect(&path).await;
    assert_eq!(
        rows(&mut conn, "SELECT CAST(count(*) AS TEXT) FROM recent").await,
        vec!["100"]
    );
}
