//! EXPLAIN ANALYZE executes the statement: nothing it does may take effect. Each kind of write is
//! tried for real, and the rows checked afterwards; the database, not a keyword filter, refuses.

mod common;

use common::{PgTestDb, hotidx, run, sqlite_demo};
use sqlx::Connection;

const WRITES: &[&str] = &[
    "INSERT INTO t (v) VALUES ('new')",
    "UPDATE t SET v = 'changed'",
    "DELETE FROM t",
    "WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone",
    "WITH added AS (INSERT INTO t (v) VALUES ('cte') RETURNING *) SELECT * FROM added",
    "SELECT * FROM t FOR UPDATE",
    "SELECT nextval('t_id_seq')",
    "SELECT scribble()",
    "SELECT 1; DELETE FROM t",
];

#[tokio::test]
async fn postgres_explain_analyze_never_lets_a_write_take_effect() {
    let Some(db) = PgTestDb::create("explain").await else {
        return;
    };
    db.exec(
        "CREATE TABLE t (id serial PRIMARY KEY, v text);
         INSERT INTO t (v) VALUES ('a'), ('b');
         CREATE FUNCTION scribble() RETURNS int LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO t (v) VALUES ('from a function'); RETURN 1; END $$;",
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    let before = snapshot(&db).await;
    for statement in WRITES {
        let out = run(hotidx(home.path()).args([
            "explain",
            "--analyze",
            statement,
            "--database-url",
            &db.url,
        ]));
        assert_ne!(out.code, 0, "{statement} should be refused: {}", out.all());
        assert!(
            out.stderr.starts_with("hotidx: error: "),
            "{statement}: {}",
            out.stderr
        );
        assert_eq!(snapshot(&db).await, before, "{statement} changed the table");
    }
    // A plain SELECT is run and timed, and reports actual rows.
    let out = run(hotidx(home.path()).args([
        "explain",
        "--analyze",
        "SELECT * FROM t",
        "--database-url",
        &db.url,
    ]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("actual rows=2"), "{}", out.stdout);
    assert!(
        out.stdout.contains("(ANALYZE, rolled back)"),
        "{}",
        out.stdout
    );
    // Without ANALYZE, a write is only planned, never run.
    let out =
        run(hotidx(home.path()).args(["explain", "DELETE FROM t", "--database-url", &db.url]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("Delete on t") || out.stdout.contains("ModifyTable"),
        "{}",
        out.stdout
    );
    assert_eq!(snapshot(&db).await, before);
}

async fn snapshot(db: &PgTestDb) -> (Vec<(i32, String)>, i64) {
    let mut conn = db.connect().await;
    let rows = sqlx::query_as("SELECT id, v FROM t ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let seq: i64 = sqlx::query_scalar("SELECT last_value FROM t_id_seq")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    (rows, seq)
}

#[tokio::test]
async fn sqlite_explain_analyze_never_lets_a_write_take_effect() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("e.db"), 200);
    let url = path.display().to_string();
    // Rows of both tables the statements write to.
    let count = || async {
        let mut conn = common::sqlite_connect(&url).await;
        let mut rows = Vec::new();
        for table in ["users", "allowlist"] {
            let sql = format!("SELECT count(*) FROM {table}");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut conn)
                .await
                .unwrap();
            rows.push(n);
        }
        conn.close().await.unwrap();
        rows
    };
    let before = count().await;
    for statement in [
        "DELETE FROM users",
        "UPDATE users SET plan = 'x'",
        "INSERT INTO allowlist (email, status, created_at) VALUES ('x@y', 'a', '2026-01-01')",
        "WITH x AS (SELECT 1) DELETE FROM users",
        "SELECT 1; DELETE FROM users",
    ] {
        for analyze in [true, false] {
            let mut command = hotidx(home.path());
            command.arg("explain");
            if analyze {
                command.arg("--analyze");
            }
            let out = run(command.args([statement, "--database-url", &url]));
            if out.code != 0 {
                assert!(
                    out.stderr.contains("nothing was changed")
                        || out.stderr.starts_with("hotidx: error: "),
                    "{}",
                    out.stderr
                );
            }
            assert_eq!(
                count().await,
                before,
                "{statement} (analyze {analyze}) changed users or allowlist"
            );
        }
    }
}
