//! The operator's SQL is planned and run only as a role the database stops from writing,
//! signalling other sessions or resetting statistics. Each kind of write is tried for real and the
//! rows checked afterwards; tests/explain_hostile.rs tries the statements that hide code.

mod common;

use common::{PgTestDb, hotidx, hotidx_on, run, setup_explain_role, sqlite_demo};
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

async fn fixture(label: &str) -> Option<(PgTestDb, tempfile::TempDir)> {
    let db = PgTestDb::create(label).await?;
    db.exec(
        "CREATE TABLE t (id serial PRIMARY KEY, v text);
         INSERT INTO t (v) VALUES ('a'), ('b');
         CREATE FUNCTION scribble() RETURNS int LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO t (v) VALUES ('from a function'); RETURN 1; END $$;",
    )
    .await;
    Some((db, tempfile::tempdir().unwrap()))
}

#[tokio::test]
async fn a_superuser_login_without_the_explain_role_is_refused_before_anything_runs() {
    let Some((db, home)) = fixture("explain_refused").await else {
        return;
    };
    let before = snapshot(&db).await;
    for analyze in [false, true] {
        let mut args = vec!["explain", "SELECT * FROM t"];
        if analyze {
            args.push("--analyze");
        }
        let out = hotidx_on(home.path(), &db.url, &args);
        assert_eq!(out.code, 2, "{}", out.all());
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        let line = out.stderr.trim_end();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(line.starts_with("hotidx: error: refusing"), "{line}");
        assert!(line.contains("postgres is a superuser"), "{line}");
        assert!(line.contains("--setup-role"), "{line}");
    }
    // The probes are hotidx's own SQL, bound: they still work without the role.
    let out = hotidx_on(home.path(), &db.url, &["explain", "--setup-role"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("CREATE ROLE hotidx_explain NOLOGIN"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("SECURITY DEFINER"), "{}", out.stdout);
    assert!(out.stdout.trim_end().ends_with("COMMIT;"), "{}", out.stdout);
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn postgres_explain_analyze_never_lets_a_write_take_effect() {
    let Some((db, home)) = fixture("explain").await else {
        return;
    };
    setup_explain_role(home.path(), &db.url);
    // Twice is fine: the setup is idempotent.
    setup_explain_role(home.path(), &db.url);
    let before = snapshot(&db).await;
    for statement in WRITES {
        let out = hotidx_on(home.path(), &db.url, &["explain", "--analyze", statement]);
        assert_ne!(out.code, 0, "{statement} should be refused: {}", out.all());
        assert!(
            out.stderr.starts_with("hotidx: error: "),
            "{statement}: {}",
            out.stderr
        );
        assert_eq!(snapshot(&db).await, before, "{statement} changed the table");
    }
    // A plain SELECT is run and timed, as the explain role, and reports actual rows.
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", "--analyze", "SELECT * FROM t"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("actual rows=2"), "{}", out.stdout);
    assert!(
        out.stdout.contains("(ANALYZE, rolled back)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("hotidx_explain"), "{}", out.stdout);
    // Even unplanned, PostgreSQL checks a write's privileges: the read-only role may not.
    let out = hotidx_on(home.path(), &db.url, &["explain", "DELETE FROM t"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("permission denied for table t"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("explain the SELECT"), "{}", out.stderr);
    assert_eq!(snapshot(&db).await, before);
}

/// A login that itself cannot write is used as it is, and its own stricter statement_timeout
/// is kept, not loosened to hotidx's 30 s.
#[tokio::test]
async fn a_read_only_login_runs_its_sql_itself_under_its_own_stricter_timeout() {
    let Some((db, home)) = fixture("explain_reader").await else {
        return;
    };
    let reader = "hotidx_t_reader";
    db.exec(&format!(
        "DO $$ BEGIN CREATE ROLE {reader} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         GRANT SELECT ON t TO {reader};
         ALTER ROLE {reader} IN DATABASE \"{}\" SET statement_timeout = '300ms';",
        db.name
    ))
    .await;
    let url = db.url.replacen("postgres@", &format!("{reader}@"), 1);
    let out = hotidx_on(
        home.path(),
        &url,
        &["explain", "--analyze", "SELECT * FROM t"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains(&format!("{reader}, the login")),
        "{}",
        out.stdout
    );
    let started = std::time::Instant::now();
    let out = hotidx_on(
        home.path(),
        &url,
        &["explain", "--analyze", "SELECT pg_sleep(5)"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("timed out after 300 ms"),
        "{}",
        out.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    // A write is the database's to refuse: the reader has no privilege to.
    let out = hotidx_on(
        home.path(),
        &url,
        &["explain", "--analyze", "DELETE FROM t"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    db.exec(&format!(
        "REVOKE ALL ON t FROM {reader}; ALTER ROLE {reader} IN DATABASE \"{}\" RESET ALL;",
        db.name
    ))
    .await;
}

/// A login that can write is refused, and the reason names what it can write.
#[tokio::test]
async fn a_login_that_can_write_is_refused_with_what_it_can_write() {
    let Some((db, home)) = fixture("explain_writer").await else {
        return;
    };
    let writer = "hotidx_t_writer";
    db.exec(&format!(
        "DO $$ BEGIN CREATE ROLE {writer} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         GRANT SELECT, INSERT ON t TO {writer};"
    ))
    .await;
    let url = db.url.replacen("postgres@", &format!("{writer}@"), 1);
    let out = hotidx_on(home.path(), &url, &["explain", "SELECT * FROM t"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&format!("{writer} may write to t")),
        "{}",
        out.stderr
    );
    db.exec(&format!("REVOKE ALL ON t FROM {writer}")).await;
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
                        || out.stderr.contains("nothing was run"),
                    "{statement}: {}",
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
