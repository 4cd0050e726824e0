//! hotidx's plan tree against PostgreSQL's own text EXPLAIN, node for node, on a real server:
//! the 22 TPC-H queries and the other shapes a DBA meets (tests/fixtures/tpch). For each
//! statement the server gives EXPLAIN (FORMAT JSON) and (FORMAT TEXT); hotidx parses the JSON,
//! and every node's name and target must be the text's node line, its conditions and keys the
//! JSON's, and the details it shows the lines the text prints. The figures are printed at the end.

mod common;
mod plan_fidelity {
    pub mod oracle;
}

use std::path::{Path, PathBuf};

use common::PgTestDb;
use hotidx::explain::{PlanNode, postgres};
use plan_fidelity::oracle::{self, TextNode};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection, Row};

/// Detail lines whose text must be PostgreSQL's, both ways (timings vary between runs).
const COMPARED: &[&str] = &[
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "Index Cond",
    "Recheck Cond",
    "One-Time Filter",
    "Order By",
    "Filter",
    "Cache Key",
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Hash Key",
    "Workers Planned",
    "Workers Launched",
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
    "Heap Fetches",
    "Sort Method",
    "Buckets",
    "Buffers",
];

/// Figures of a parallel part that differ between two runs of the same plan.
const RUN_DEPENDENT: &[&str] = &[
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
    "Heap Fetches",
    "Sort Method",
    "Buckets",
    "Buffers",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Planned,
    Analyzed,
    /// Under a Gather, with ANALYZE.
    AnalyzedInParallel,
}

/// JSON fields and what hotidx keeps of them.
const TEXT_FIELDS: &[(&str, fn(&PlanNode) -> Option<&str>)] = &[
    ("Hash Cond", |n| n.hash_cond.as_deref()),
    ("Merge Cond", |n| n.merge_cond.as_deref()),
    ("Join Filter", |n| n.join_filter.as_deref()),
    ("Index Cond", |n| n.index_cond.as_deref()),
    ("Recheck Cond", |n| n.recheck_cond.as_deref()),
    ("One-Time Filter", |n| n.one_time_filter.as_deref()),
    ("Order By", |n| n.order_by.as_deref()),
    ("Filter", |n| n.filter.as_deref()),
    ("Cache Key", |n| n.cache_key.as_deref()),
    ("Index Name", |n| n.index.as_deref()),
    ("Alias", |n| n.alias.as_deref()),
    ("Subplan Name", |n| n.subplan_name.as_deref()),
    ("CTE Name", |n| n.cte_name.as_deref()),
    ("Function Name", |n| n.function_name.as_deref()),
    ("Node Type", |n| Some(n.node_type.as_str())),
];
const LIST_FIELDS: &[(&str, fn(&PlanNode) -> &[String])] = &[
    ("Sort Key", |n| &n.sort_key),
    ("Presorted Key", |n| &n.presorted_key),
    ("Group Key", |n| &n.group_key),
];

#[derive(Default)]
struct Tally {
    statements: usize,
    analyzed: usize,
    nodes: usize,
    node_lines_matched: usize,
    fields: usize,
    fields_matched: usize,
    details: usize,
    details_matched: usize,
    mismatches: Vec<String>,
    /// Every node name seen, to show what the statements cover.
    names: std::collections::BTreeSet<String>,
}

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

/// The raw JSON nodes in the order the text prints them (depth first), without recursion.
fn json_nodes(document: &str) -> Vec<Value> {
    let mut deserializer = serde_json::Deserializer::from_str(document);
    deserializer.disable_recursion_limit();
    let value: Value = serde::Deserialize::deserialize(&mut deserializer).expect("JSON");
    let mut out = Vec::new();
    let mut stack = vec![value[0]["Plan"].clone()];
    while let Some(mut node) = stack.pop() {
        let children = node
            .as_object_mut()
            .and_then(|o| o.remove("Plans"))
            .and_then(|p| p.as_array().cloned())
            .unwrap_or_default();
        out.push(node);
        stack.extend(children.into_iter().rev());
    }
    out
}

fn compare(tally: &mut Tally, name: &str, document: &str, text: &str, analyzed: bool) {
    let (plan, _) = postgres::parse_text(document).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ours = plan.walk();
    let theirs = oracle::nodes(text);
    let raw = json_nodes(document);
    tally.statements += 1;
    tally.analyzed += usize::from(analyzed);
    tally.nodes += theirs.len();
    if ours.len() != theirs.len() || raw.len() != theirs.len() {
        tally.mismatches.push(format!(
            "{name}: {} nodes parsed, {} in JSON, {} in text",
            ours.len(),
            raw.len(),
            theirs.len()
        ));
        return;
    }
    // Below a Gather, which worker did what differs from run to run: the two ANALYZE runs
    // (JSON, text) agree on the plan there, not on its figures.
    let mut gather_at = None;
    let in_parallel: Vec<bool> = plan
        .walk_with_depth()
        .into_iter()
        .map(|(depth, node)| {
            if gather_at.is_some_and(|g| depth <= g) {
                gather_at = None;
            }
            let inside = gather_at.is_some();
            if !inside && node.node_type.starts_with("Gather") {
                gather_at = Some(depth);
            }
            inside
        })
        .collect();
    for (((node, text_node), json), parallel) in ours.iter().zip(&theirs).zip(&raw).zip(in_parallel)
    {
        let run = match (analyzed, parallel) {
            (false, _) => Run::Planned,
            (true, false) => Run::Analyzed,
            (true, true) => Run::AnalyzedInParallel,
        };
        compare_node(tally, name, node, text_node, json, run);
    }
    for width in [80, 40] {
        for line in plan.render_wrapped(width) {
            if line.chars().count() > width {
                tally
                    .mismatches
                    .push(format!("{name}: wider than {width}: {line}"));
            }
        }
    }
}

fn compare_node(
    tally: &mut Tally,
    name: &str,
    node: &PlanNode,
    text: &TextNode,
    json: &Value,
    run: Run,
) {
    tally.names.insert(node.display_name.clone());
    if node.node_line() == text.head {
        tally.node_lines_matched += 1;
    } else {
        tally.mismatches.push(format!(
            "{name}: node line {:?} ≠ text {:?}",
            node.node_line(),
            text.head
        ));
    }
    let mut check = |what: &str, ok: bool, detail: String| {
        tally.fields += 1;
        if ok {
            tally.fields_matched += 1;
        } else {
            tally.mismatches.push(format!("{name}: {what}: {detail}"));
        }
    };
    check(
        "subplan label",
        node.subplan_name == text.label,
        format!("{:?} ≠ {:?}", node.subplan_name, text.label),
    );
    for (key, field) in TEXT_FIELDS {
        let expected = json.get(*key).and_then(Value::as_str);
        check(
            key,
            field(node) == expected,
            format!("{:?} ≠ {expected:?}", field(node)),
        );
    }
    for (key, field) in LIST_FIELDS {
        let expected: Vec<String> = json
            .get(*key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        check(
            key,
            field(node) == expected.as_slice(),
            format!("{:?} ≠ {expected:?}", field(node)),
        );
    }
    if run != Run::Planned {
        check(
            "never executed",
            node.never_executed() == text.never_executed,
            format!("{} ≠ {}", node.never_executed(), text.never_executed),
        );
        if let Some((rows, loops)) = text.actual.filter(|_| run == Run::Analyzed) {
            let ours = (
                node.actual_rows.unwrap_or(f64::NAN),
                node.loops.unwrap_or(f64::NAN),
            );
            check(
                "actual rows/loops",
                ours == (rows, loops),
                format!("{ours:?} ≠ {rows}/{loops}"),
            );
        }
    }
    let shown = |lines: &[String]| -> Vec<String> {
        let mut kept: Vec<String> = lines
            .iter()
            .filter(|l| COMPARED.contains(&oracle::label(l)))
            // The JSON rounds rows removed per loop: 0 is "none" or "under half a row a loop",
            // and only the second is printed. Not a thing a parser of the JSON can know.
            .filter(|l| !(l.starts_with("Rows Removed") && l.ends_with(": 0")))
            .filter(|l| {
                run != Run::AnalyzedInParallel || !RUN_DEPENDENT.contains(&oracle::label(l))
            })
            .cloned()
            .collect();
        kept.sort();
        kept
    };
    let (mine, printed) = (shown(&node.detail_lines()), shown(&text.details));
    tally.details += printed.len().max(mine.len());
    tally.details_matched += mine.iter().filter(|l| printed.contains(l)).count();
    if mine != printed {
        tally.mismatches.push(format!(
            "{name}: {}: details {mine:?} ≠ text {printed:?}",
            text.head
        ));
    }
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
    for statement in all {
        if statement.needs.is_some() && fdw.is_none() {
            skipped.push(statement.name);
            continue;
        }
        run_statement(&mut conn, &mut tally, &statement).await;
    }
    let _ = conn.close().await;
    println!(
        "plan fidelity: {} statements ({} with ANALYZE), {} nodes, node lines {}/{}, \
         fields {}/{}, detail lines {}/{}{}",
        tally.statements,
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
    assert!(
        tally.statements >= 22 + 30,
        "{} statements",
        tally.statements
    );
}
