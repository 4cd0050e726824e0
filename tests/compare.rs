//! Before and after a probe's plan, without building anything: HypoPG on PostgreSQL, a rolled
//! back trial on SQLite. The database must be exactly as it was afterwards.

mod common;

use common::{hotidx, pg_demo, pg_index_set, run, sqlite_demo};

fn compare(home: &std::path::Path, url: &str, probe: &str) -> serde_json::Value {
    let out = run(hotidx(home).args([
        "explain",
        "--probe",
        probe,
        "--compare",
        "--format",
        "json",
        "--database-url",
        url,
    ]));
    assert_eq!(out.code, 0, "{}", out.all());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    doc[0]["comparison"].clone()
}

fn indexes_used(side: &serde_json::Value) -> String {
    fn walk(node: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(index) = node["index"].as_str() {
            out.push(index.to_string());
        }
        for child in node["children"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut used = Vec::new();
    walk(&side["plan"], &mut used);
    used.join(",")
}

#[tokio::test]
async fn sqlite_trial_is_rolled_back_both_ways() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("c.db"), 2000);
    let url = path.display().to_string();
    let before_set = common::sqlite_index_names(&path).await;
    let pending = compare(home.path(), &url, "status-jobs");
    assert_eq!(indexes_used(&pending["before"]), "");
    assert_eq!(indexes_used(&pending["after"]), "ix_jobs_status");
    assert_eq!(
        common::sqlite_index_names(&path).await,
        before_set,
        "the trial left nothing behind"
    );

    assert_eq!(
        run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &url])).code,
        0
    );
    let applied_set = common::sqlite_index_names(&path).await;
    let applied = compare(home.path(), &url, "status-jobs");
    assert_eq!(
        indexes_used(&applied["before"]),
        "",
        "planned as if the migration were not there"
    );
    assert_eq!(indexes_used(&applied["after"]), "ix_jobs_status");
    assert_eq!(
        common::sqlite_index_names(&path).await,
        applied_set,
        "nothing dropped for real"
    );

    let out = run(hotidx(home.path()).args([
        "--read-only",
        "explain",
        "--probe",
        "status-jobs",
        "--compare",
        "--database-url",
        &url,
    ]));
    assert!(
        out.stdout
            .contains("read-only: the trial needs a writable session"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn postgres_uses_hypothetical_indexes_or_says_it_cannot() {
    let Some((db, home)) = pg_demo("compare", 20_000).await else {
        return;
    };
    let before_set = pg_index_set(&db).await;
    let without = compare(home.path(), &db.url, "status-jobs");
    assert!(without["after"].is_null());
    assert!(
        without["note"]
            .as_str()
            .unwrap()
            .contains("HypoPG is not installed"),
        "{without}"
    );

    let mut conn = db.connect().await;
    if let Err(e) = sqlx::query("CREATE EXTENSION hypopg")
        .execute(&mut conn)
        .await
    {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("HypoPG is required under CI (.ci/run installs it): {e}");
        }
        eprintln!("SKIPPED the HypoPG half: {e}");
        return;
    }
    let with = compare(home.path(), &db.url, "status-jobs");
    assert_eq!(
        indexes_used(&with["before"]),
        "",
        "a full scan at the parent"
    );
    assert!(
        indexes_used(&with["after"]) == "ix_jobs_status (hypothetical)",
        "{with}"
    );
    assert!(with["method"].as_str().unwrap().contains("hypothetical"));
    assert_eq!(pg_index_set(&db).await, before_set, "nothing built");
}
