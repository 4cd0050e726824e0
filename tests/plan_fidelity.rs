//! hotidx's plan tree against PostgreSQL's own text EXPLAIN, node for node, on a real server:
//! the 22 TPC-H queries and the other shapes a DBA meets (tests/fixtures/tpch). For each
//! statement the server gives EXPLAIN (FORMAT JSON) and (FORMAT TEXT); hotidx parses the JSON,
//! and every node's name and target must be the text's node line, its conditions and keys the
//! JSON's, and the details it shows the lines the text prints. The figures are printed at the end.

mod common;
mod plan_fidelity {
    pub mod compare;
    pub mod oracle;
}

use std::path::{Path, PathBuf};

use common::PgTestDb;
use hotidx::explain::postgres;
use plan_fidelity::compare::{Tally, compare};
use sqlx::{Connection, Executor, PgConnection, Row};

struct Statement {
    name: String,
    sql: String,
    settings: Vec<String>,
    analyze: bool,
    needs: Option<String>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tpch")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every .sql file of a folder, its `-- set:`, `-- analyze` and `-- needs:` lines applied.
fn statements(folder: &str) -> Vec<Statement> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join(folder))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = read(&path);
            let directive = |prefix: &str| -> Vec<String> {
                text.lines()
                    .filter_map(|l| l.strip_prefix(prefix))
                    .map(|v| v.trim().to_string())
                    .collect()
            };
            Statement {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                sql: text
                    .lines()
                    .filter(|l| !l.starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                settings: directive("-- set:"),
                analyze: text.lines().any(|l| l == "-- analyze"),
                needs: directive("-- needs:").into_iter().next(),
            }
        })
        .collect()
}

/// 200 scalar subqueries, each inside the last: a plan 201 nodes deep.
fn deep_statement() -> Statement {
    let mut sql = "(SELECT count(*) FROM nation)".to_string();
    for _ in 0..200 {
        sql = format!("(SELECT {sql} + 1)");
    }
    Statement {
        name: "deep_200_levels".into(),
        sql: format!("SELECT {sql}"),
        settings: Vec::new(),
        analyze: true,
        needs: None,
    }
}

async fn explain(conn: &mut PgConnection, options: &str, sql: &str) -> (String, String) {
    let json = format!("EXPLAIN ({options}FORMAT JSON) {sql}");
    let row = sqlx::query(sqlx::AssertSqlSafe(json.clone()))
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{json}: {e}"));
    // As text: decoding it as serde_json::Value would stop at 128 levels.
    let document: String = row.try_get_unchecked(0).expect("the plan's text");
    let text = format!("EXPLAIN ({options}FORMAT TEXT) {sql}");
    let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(text.clone()))
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    (document, lines.join("\n"))
}

fn same_workers(document: &str, text: &str) -> bool {
    let (plan, _) = postgres::parse_text(document).expect("a plan");
    let ours: Vec<i64> = plan
        .walk()
        .iter()
        .filter_map(|n| n.workers_launched)
        .collect();
    let theirs: Vec<i64> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Workers Launched: "))
        .map(|n| n.parse().expect("a count"))
        .collect();
    ours == theirs
}

async fn run_statement(conn: &mut PgConnection, tally: &mut Tally, statement: &Statement) {
    conn.execute("BEGIN").await.expect("begin");
    for setting in &statement.settings {
        let (name, value) = setting.split_once('=').expect("name = value");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "SET LOCAL {} = {}",
            name.trim(),
            value.trim()
        )))
        .await
        .expect("set");
    }
    let (document, text) = explain(conn, "", &statement.sql).await;
    compare(tally, &statement.name, &document, &text, false);
    if statement.analyze {
        conn.execute("SET LOCAL track_io_timing = on")
            .await
            .expect("set");
        // Once to warm the cache, so that both measured runs read the same buffers.
        explain(conn, "ANALYZE, BUFFERS, ", &statement.sql).await;
        let mut runs = 0;
        let (document, text) = loop {
            let (document, text) = explain(conn, "ANALYZE, BUFFERS, ", &statement.sql).await;
            runs += 1;
            // Two runs compare only if they got the same parallel workers (others may be busy).
            if same_workers(&document, &text) || runs == 5 {
                break (document, text);
            }
        };
        compare(
            tally,
            &format!("{} (analyze)", statement.name),
            &document,
            &text,
            true,
        );
    }
    conn.execute("ROLLBACK").await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_matches_postgresqls_own_text_explain() {
    let Some(db) = PgTestDb::create("fidelity").await else {
        return;
    };
    for file in ["schema.sql", "data.sql", "shapes_setup.sql"] {
        db.exec(&read(&fixtures().join(file))).await;
    }
    // Index-only scans need the visibility map: VACUUM runs outside any transaction.
    db.exec("VACUUM ANALYZE").await;
    let mut conn = db.connect().await;
    let fdw: Option<String> = sqlx::query_scalar(
        "SELECT name::text FROM pg_available_extensions WHERE name = 'postgres_fdw'",
    )
    .fetch_optional(&mut conn)
    .await
    .expect("extensions");
    if fdw.is_some() {
        db.exec(&read(&fixtures().join("fdw_setup.sql"))).await;
    }
    let mut tally = Tally::default();
    let mut skipped = Vec::new();
    let all = statements("queries")
        .into_iter()
        .chain(statements("shapes"))
        .chain([deep_statement()]);
    let mut statements_run = 0;
    for statement in all {
        if statement.needs.is_some() && fdw.is_none() {
            skipped.push(statement.name);
            continue;
        }
        run_statement(&mut conn, &mut tally, &statement).await;
        statements_run += 1;
    }
    let _ = conn.close().await;
    println!(
        "plan fidelity: {statements_run} statements, {} plans ({} with ANALYZE), {} nodes, \
         node lines {}/{}, fields {}/{}, detail lines {}/{}{}",
        tally.plans,
        tally.analyzed,
        tally.nodes,
        tally.node_lines_matched,
        tally.nodes,
        tally.fields_matched,
        tally.fields,
        tally.details_matched,
        tally.details,
        if skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped {skipped:?}")
        }
    );
    println!("node names seen ({}): {:?}", tally.names.len(), tally.names);
    assert!(
        tally.mismatches.is_empty(),
        "{}",
        tally.mismatches.join("\n")
    );
    // The 22 TPC-H queries, 34 other shapes (2 need postgres_fdw) and the deep plan.
    const AT_LEAST: usize = 22 + 32 + 1;
    assert!(statements_run >= AT_LEAST, "{statements_run} statements");
}
