//! The probe speedup table: each built-in probe before and after the migration, in one run:
//!   cargo bench --bench probes
//! needs PostgreSQL and psql on PATH; the 1M-row demo (HOTIDX_BENCH_DEMO_PG, default
//! postgres://postgres@127.0.0.1:5432/hotidx_demo_1m) is built if missing and left at the parent.
//! A SQLite demo of 100,000 conversions is built in a temporary directory. The baseline of each
//! speedup is the same bound statement at the parent revision.

mod common;

use common::{BUILD_LIMIT, RUN_LIMIT, downgrade, hotidx, median};
use hotidx::catalog::CatalogSnapshot;
use hotidx::db::Database;
use hotidx::explain::PlanNode;
use hotidx::explain::run::{Author, explain};
use hotidx::explain::session::ExplainSession;
use hotidx::probes::{self, BoundProbe, PROBES};

const RUNS: usize = 5;

/// A fresh read-only session (after a migration: no statement cached from before it).
async fn open(url: &str) -> (ExplainSession, CatalogSnapshot) {
    let mut session = common::open_explain_session(url).await;
    let snapshot = session.db.snapshot().await.expect("a catalog snapshot");
    (session, snapshot)
}

/// Each probe bound once, at the parent: before and after run the very same statement.
async fn bind_all(db: &mut Database, snapshot: &CatalogSnapshot) -> Vec<BoundProbe> {
    let mut bound = Vec::new();
    for probe in &PROBES {
        match probes::bind(db, snapshot, probe)
            .await
            .expect("drawing a parameter")
        {
            Ok(b) => bound.push(b),
            Err(reason) => panic!("probe {}: {reason}", probe.id),
        }
    }
    bound
}

/// Median execution time of RUNS EXPLAIN ANALYZE (PostgreSQL's Execution Time; on SQLite the
/// statement run with every row fetched), and the last plan.
async fn time(session: &mut ExplainSession, bound: &BoundProbe) -> (f64, PlanNode) {
    let mut samples = Vec::new();
    let mut plan = None;
    let sql = &bound.sql;
    for _ in 0..RUNS {
        let query = bound.query();
        let explained =
            tokio::time::timeout(RUN_LIMIT, explain(session, query, Author::Hotidx, true))
                .await
                .unwrap_or_else(|_| {
                    panic!("EXPLAIN ANALYZE still running after {RUN_LIMIT:?}: {sql}")
                })
                .unwrap_or_else(|e| panic!("EXPLAIN ANALYZE {sql}: {e}"));
        samples.push(
            explained
                .execution_ms
                .expect("an execution time with ANALYZE"),
        );
        plan = Some(explained.plan);
    }
    (median(samples), plan.expect("at least one run"))
}

async fn time_all(session: &mut ExplainSession, bound: &[BoundProbe]) -> Vec<(f64, PlanNode)> {
    let mut out = Vec::new();
    for b in bound {
        out.push(time(session, b).await);
    }
    out
}

/// The access path in a few words: the indexes read, or the full scan.
fn access(plan: &PlanNode) -> String {
    let used = plan.indexes_used();
    if used.is_empty() {
        match plan.walk().into_iter().find(|n| n.is_full_scan()) {
            Some(n) => format!("full scan of {}", n.relation.as_deref().unwrap_or("?")),
            None => "no index".into(),
        }
    } else {
        used.join(" + ")
    }
}

/// Before at the parent, `upgrade --yes`, after; prints the table and returns the speedups.
async fn speedups(label: &str, url: &str) -> Vec<f64> {
    let (mut session, snapshot) = open(url).await;
    let bound = bind_all(&mut session.db, &snapshot).await;
    let before = time_all(&mut session, &bound).await;
    session.close().await;
    hotidx(url, &["upgrade", "--yes"], RUN_LIMIT);
    let (mut session, snapshot) = open(url).await;
    let after = time_all(&mut session, &bound).await;
    session.close().await;

    println!("{label}: execution time, median of {RUNS}; before = at the parent");
    println!(
        "  {:<18} {:>10} {:>10} {:>9}  {:<34} after plan",
        "probe", "before ms", "after ms", "speedup", "before plan"
    );
    let mut ratios = Vec::new();
    for (b, ((before_ms, before_plan), (after_ms, after_plan))) in
        bound.iter().zip(before.iter().zip(&after))
    {
        let verdict = probes::verdict(after_plan, b.probe, &snapshot);
        // Same access path before and after: the ratio is noise around 1x, say so.
        let same = if access(before_plan) == access(after_plan) {
            " (same path)"
        } else {
            ""
        };
        let ratio = before_ms / after_ms.max(0.001);
        ratios.push(ratio);
        println!(
            "  {:<18} {before_ms:>10.3} {after_ms:>10.3} {ratio:>8.1}x  {:<34} {}{same}",
            b.probe.id,
            access(before_plan),
            probes::verdict_text(b.probe.expected_index, &verdict)
        );
    }
    ratios
}

fn geometric_mean(ratios: &[f64]) -> f64 {
    (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp()
}

#[tokio::main]
async fn main() {
    let pg = common::demo_database_url();
    common::ensure_demo(&pg);
    downgrade(&pg);
    let label = format!("PostgreSQL {pg}, 1M conversions, EXPLAIN ANALYZE");
    let ratios = speedups(&label, &pg).await;
    downgrade(&pg);
    println!(
        "  geometric mean of the {} speedups: {:.1}x\n",
        ratios.len(),
        geometric_mean(&ratios)
    );

    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("demo.sqlite3");
    let file = file.to_str().expect("a UTF-8 path");
    hotidx(file, &["demo", "--rows", "100000"], BUILD_LIMIT);
    let label = "SQLite, 100,000 conversions, the statement run with all rows fetched";
    let ratios = speedups(label, file).await;
    println!(
        "  geometric mean of the {} speedups: {:.1}x",
        ratios.len(),
        geometric_mean(&ratios)
    );
}
