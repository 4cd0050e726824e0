//! SQL as a DBA pastes it: comments first, a byte-order mark, several lines, a file or standard
//! input of a megabyte; errors placed on their line; `$n` placeholders; index names as
//! PostgreSQL reads them; the plan document as PostgreSQL wrote it.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{PgTestDb, hotidx, hotidx_on, pg_demo, setup_explain_role, words};

async fn demo(label: &str) -> Option<(PgTestDb, tempfile::TempDir)> {
    let (db, home) = pg_demo(label, 2000).await?;
    setup_explain_role(home.path(), &db.url);
    Some((db, home))
}

#[tokio::test]
async fn comments_marks_lines_files_and_standard_input_are_all_one_statement() {
    let Some((db, home)) = demo("explain_pasted").await else {
        return;
    };
    for sql in [
        "-- from the slow log\nSELECT * FROM jobs WHERE user_id = 3",
        "/* app=mdraft,route=/jobs */ SELECT * FROM jobs WHERE user_id = 3;",
        "\u{feff}SELECT *\n  FROM jobs\n WHERE user_id = 3\n;\n",
    ] {
        let out = hotidx_on(home.path(), &db.url, &["explain", sql]);
        assert_eq!(out.code, 0, "{sql:?}: {}", out.all());
        assert!(out.stdout.contains("Seq Scan on jobs"), "{}", out.stdout);
    }
    // A megabyte from a file and from standard input: an IN list of 60,000 ids.
    let ids: Vec<String> = (0..60_000).map(|n| (n * 7).to_string()).collect();
    let big = format!(
        "-- generated\nSELECT * FROM jobs WHERE id IN ({})",
        ids.join(", ")
    );
    assert!(big.len() > 400_000);
    let big = format!("{big} OR user_id IN ({})", ids.join(", "));
    assert!(big.len() > 800_000);
    let file = home.path().join("big.sql");
    std::fs::write(&file, &big).unwrap();
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", "--file", file.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", &out.all()[..out.all().len().min(2000)]);
    let sql_line = out.stdout.split("\nas ").next().unwrap();
    assert!(
        words(sql_line).contains("characters in all"),
        "the SQL line is cut"
    );
    assert!(sql_line.len() < 1000, "{sql_line}");
    let mut child = hotidx(home.path())
        .args([
            "explain",
            "-",
            "--format",
            "json",
            "--database-url",
            &db.url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(big.as_bytes())
        .unwrap();
    let out: common::Run = child.wait_with_output().unwrap().into();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["sql"].as_str().unwrap().len(),
        big.len(),
        "JSON has it whole"
    );
}

#[tokio::test]
async fn a_syntax_error_says_where_with_a_caret_and_exits_2() {
    let Some((db, home)) = demo("explain_syntax").await else {
        return;
    };
    let out = hotidx_on(home.path(), &db.url, &["explain", "SELECT *\n  FORM jobs"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .starts_with("hotidx: error: syntax error at or near \"FORM\"")
    );
    assert!(
        out.stderr
            .contains("line 2, column 3:\n    FORM jobs\n    ^"),
        "{}",
        out.stderr
    );
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", "CREATE INDEX x ON jobs (id)"],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("CREATE cannot be explained"),
        "{}",
        out.stderr
    );
    // A wrong table is the SQL's fault too; a refused write is the database's answer (1).
    let out = hotidx_on(home.path(), &db.url, &["explain", "SELECT * FROM nope"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("relation \"nope\" does not exist"),
        "{}",
        out.stderr
    );
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", "--analyze", "DELETE FROM jobs"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    for empty in ["", "  ;\n"] {
        let out = hotidx_on(home.path(), &db.url, &["explain", empty]);
        assert_eq!(out.code, 2, "{}", out.all());
        assert!(
            out.stderr.contains("no statement to explain"),
            "{}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn placeholders_take_param_values_and_never_show_an_internal_name() {
    let Some((db, home)) = demo("explain_params").await else {
        return;
    };
    let sql = "SELECT * FROM jobs WHERE user_id = $1 AND status = $2";
    let out = hotidx_on(home.path(), &db.url, &["explain", sql]);
    let version = server_version(&db).await;
    if version >= 160_000 {
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(out.stdout.contains("GENERIC_PLAN"), "{}", out.stdout);
    } else {
        assert_eq!(out.code, 2, "{}", out.all());
        assert!(out.stderr.contains("--param VALUE"), "{}", out.stderr);
        assert!(out.stderr.contains("16 and later"), "{}", out.stderr);
    }
    let out = hotidx_on(
        home.path(),
        &db.url,
        &[
            "explain",
            "--analyze",
            sql,
            "--param",
            "3",
            "--param",
            "COMPLETED",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        words(&out.stdout).contains("(user_id = 3)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("$2         COMPLETED"),
        "{}",
        out.stdout
    );
    let out = hotidx_on(home.path(), &db.url, &["explain", sql, "--param", "3"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(!out.stderr.contains("hotidx_statement"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Expected 2 parameters but got 1"),
        "{}",
        out.stderr
    );
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", sql, "--param", "x", "--param", "y"],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("invalid input syntax for type integer"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn expected_index_names_resolve_as_postgresql_resolves_them() {
    let Some((db, home)) = demo("explain_expect").await else {
        return;
    };
    db.exec("CREATE INDEX \"Ix Jobs CreatedAt\" ON jobs (created_at)")
        .await;
    db.exec("ANALYZE jobs").await;
    let point = "SELECT * FROM jobs WHERE id = 4";
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", point, "--expect", "JOBS_PKEY"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("uses jobs_pkey"), "{}", out.stdout);
    let recent = "SELECT * FROM jobs ORDER BY created_at DESC LIMIT 5";
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", recent, "--expect", "\"Ix Jobs CreatedAt\""],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("uses Ix Jobs CreatedAt"),
        "{}",
        out.stdout
    );
    // Unquoted, it folds to a name that does not exist: not used, and exit 1 says so.
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["explain", recent, "--expect", "Ix_Jobs_CreatedAt"],
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("does not use ix_jobs_createdat"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn json_carries_postgresql_s_own_plan_document_untouched() {
    let Some((db, home)) = demo("explain_document").await else {
        return;
    };
    let sql = "SELECT status, count(*) FROM jobs GROUP BY status ORDER BY 2 DESC";
    let out = hotidx_on(home.path(), &db.url, &["explain", sql, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let ours: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut conn = db.connect().await;
    let theirs: sqlx::types::Json<serde_json::Value> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN (FORMAT JSON) {sql}")))
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(ours["postgres_plan"], theirs.0);
    assert_eq!(ours["planned_as"]["role"], "hotidx_explain");
    // The text as it came: key order kept (pev2 shows nodes in that order).
    let text = &out.stdout;
    let node = text.find("\"Node Type\"").unwrap();
    let startup = text[node..].find("\"Startup Cost\"").unwrap();
    let total = text[node..].find("\"Total Cost\"").unwrap();
    assert!(startup < total);
}

#[tokio::test]
async fn compare_plans_any_sql_without_and_with_the_migration_s_indexes() {
    let Some((db, home)) = demo("explain_compare_sql").await else {
        return;
    };
    let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS hypopg")
        .execute(&mut db.connect().await)
        .await;
    let sql = "SELECT * FROM jobs WHERE status = 'QUEUED' ORDER BY created_at";
    let out = hotidx_on(home.path(), &db.url, &["explain", sql, "--compare"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("before     "), "{}", out.stdout);
    if out.stdout.contains("HypoPG is not installed") {
        assert!(
            out.stdout.contains("after      not shown"),
            "{}",
            out.stdout
        );
    } else {
        assert!(
            words(&out.stdout).contains("HypoPG; nothing built"),
            "{}",
            out.stdout
        );
        assert!(
            !out.stdout.contains("after      not shown"),
            "{}",
            out.stdout
        );
    }
}

async fn server_version(db: &PgTestDb) -> i32 {
    let mut conn = db.connect().await;
    sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}
