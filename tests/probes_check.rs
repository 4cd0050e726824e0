//! Probes and `hotidx check` on real databases, before and after the migration.

mod common;

use common::{hotidx, pg_demo, run, sqlite_demo};

fn check(home: &std::path::Path, url: &str) -> (common::Run, serde_json::Value) {
    let text = run(hotidx(home).args(["check", "--database-url", url]));
    let json = run(hotidx(home).args(["check", "--format", "json", "--database-url", url]));
    assert_eq!(text.code, json.code, "{}", json.all());
    (
        text,
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.all())),
    )
}

fn failed(doc: &serde_json::Value) -> Vec<String> {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn postgres_check_fails_at_the_parent_and_passes_once_applied() {
    let Some((db, home)) = pg_demo("check", 20_000).await else {
        return;
    };
    let (out, doc) = check(home.path(), &db.url);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(doc["ok"], false);
    let failed = failed(&doc);
    assert!(
        failed.contains(&"migration 2a301fa09a8a applied".to_string()),
        "{failed:?}"
    );
    assert!(failed.contains(&"index ix_jobs_status present and valid".to_string()));
    assert!(failed.contains(&"probe dedup plans through ix_conversions_sha256_status".to_string()));
    assert_eq!(
        out.stdout.lines().count(),
        failed.len(),
        "one line per failure"
    );
    assert!(out.stdout.lines().all(|l| l.starts_with("FAIL ")));

    let up = run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &db.url]));
    assert_eq!(up.code, 0, "{}", up.all());
    let (out, doc) = check(home.path(), &db.url);
    assert_eq!(out.code, 0, "{}\n{doc:#}", out.all());
    assert_eq!(
        out.stdout,
        format!(
            "ok: {} checks passed\n",
            doc["checks"].as_array().unwrap().len()
        )
    );
    let evidence: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["evidence"].as_str().unwrap())
        .collect();
    assert!(
        evidence
            .iter()
            .any(|e| e.contains("uses ix_conversions_sha256_status")),
        "{evidence:?}"
    );
}

#[tokio::test]
async fn probe_parameters_come_from_the_data_and_empty_tables_say_so() {
    let Some((db, home)) = pg_demo("probes", 0).await else {
        return;
    };
    let out =
        run(hotidx(home.path()).args(["explain", "--probe", "dedup", "--database-url", &db.url]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("skipped: conversions has no rows to draw a value from"),
        "{}",
        out.stdout
    );
    let (out, _) = check(home.path(), &db.url);
    assert!(out.stdout.contains("FAIL probe dedup plans through ix_conversions_sha256_status: cannot check: conversions has no rows"), "{}", out.stdout);
    // users has rows even in an empty demo: a real email is drawn.
    let out = run(hotidx(home.path()).args([
        "explain",
        "--probe",
        "user-email",
        "--format",
        "json",
        "--database-url",
        &db.url,
    ]));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let email = doc[0]["parameter"].as_str().unwrap();
    assert!(email.contains('@'), "{email}");
    // Bound, never spliced: the statement has a placeholder, the value travels beside it.
    let explained = &doc[0]["explained"];
    assert!(
        explained["sql"]
            .as_str()
            .unwrap()
            .ends_with("email = $1::character varying"),
        "{explained}"
    );
    assert_eq!(explained["parameters"][0], email);
}

#[test]
fn sqlite_probes_plan_through_their_indexes_once_applied() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("c.db"), 3000);
    let url = path.display().to_string();
    let out = run(hotidx(home.path()).args(["explain", "--probe", "time", "--database-url", &url]));
    // SQLite's own line, as EXPLAIN QUERY PLAN prints it.
    assert!(out.stdout.contains("SCAN jobs"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("does not use ix_jobs_created_at: full scan of jobs"),
        "{}",
        out.stdout
    );
    let (before, _) = check(home.path(), &url);
    assert_eq!(before.code, 1);
    assert_eq!(
        run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &url])).code,
        0
    );
    let out = run(hotidx(home.path()).args(["explain", "--probe", "time", "--database-url", &url]));
    assert!(
        out.stdout.contains("verdict    uses ix_jobs_created_at"),
        "{}",
        out.stdout
    );
    let (after, doc) = check(home.path(), &url);
    assert_eq!(after.code, 0, "{}\n{doc:#}", after.all());
    let unknown =
        run(hotidx(home.path()).args(["explain", "--probe", "nope", "--database-url", &url]));
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("no probe named \"nope\": use one of dedup"),
        "{}",
        unknown.stderr
    );
}
