//! Query plans as one tree shape for both backends: PostgreSQL's EXPLAIN (FORMAT JSON) and
//! SQLite's EXPLAIN QUERY PLAN parse into [`PlanNode`]s.

pub mod compare;
pub mod guard;
pub mod input;
pub mod postgres;
pub mod report;
pub mod run;
pub mod session;
pub mod sqlite;
mod sqlite_run;
pub mod why;

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanNode {
    /// `Index Scan`, `Seq Scan`, `SEARCH`, `SCAN`, `USE TEMP B-TREE`, …
    pub node_type: String,
    pub relation: Option<String>,
    pub index: Option<String>,
    pub index_cond: Option<String>,
    pub filter: Option<String>,
    /// SQLite's own line, kept whole.
    pub detail: Option<String>,
    pub estimated_rows: Option<f64>,
    pub estimated_cost: Option<f64>,
    /// With ANALYZE only.
    pub actual_rows: Option<f64>,
    pub loops: Option<f64>,
    pub actual_ms: Option<f64>,
    pub shared_hit_blocks: Option<i64>,
    pub shared_read_blocks: Option<i64>,
    pub children: Vec<PlanNode>,
}

impl PlanNode {
    /// This node and all below it, depth first.
    pub fn walk(&self) -> Vec<&PlanNode> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.walk());
        }
        out
    }

    /// This node and all below it with their depth, depth first.
    pub fn walk_with_depth(&self) -> Vec<(usize, &PlanNode)> {
        let mut out = vec![(0, self)];
        for child in &self.children {
            out.extend(child.walk_with_depth().into_iter().map(|(d, n)| (d + 1, n)));
        }
        out
    }

    /// Every index the plan reads, in plan order.
    pub fn indexes_used(&self) -> Vec<&str> {
        self.walk()
            .into_iter()
            .filter_map(|n| n.index.as_deref())
            .collect()
    }

    /// A full scan of a table (PostgreSQL Seq Scan, SQLite SCAN without an index).
    pub fn is_full_scan(&self) -> bool {
        (self.node_type == "Seq Scan" || self.node_type == "SCAN") && self.index.is_none()
    }

    /// Actual rows off the estimate by more than ten times, either way (ANALYZE only).
    pub fn misestimated(&self) -> bool {
        match (self.estimated_rows, self.actual_rows) {
            (Some(estimate), Some(actual)) => {
                let (e, a) = (estimate.max(1.0), actual.max(1.0));
                e / a > 10.0 || a / e > 10.0
            }
            _ => false,
        }
    }

    /// One line: `Index Scan using ix on conversions (sha256 = …) rows≈1 cost=8.44`.
    pub fn describe(&self) -> String {
        let mut text = self.node_type.clone();
        if let Some(index) = &self.index {
            text.push_str(&format!(" using {index}"));
        }
        if let Some(relation) = &self.relation {
            text.push_str(&format!(" on {relation}"));
        }
        if let Some(cond) = &self.index_cond {
            text.push_str(&format!(" [{cond}]"));
        }
        if let Some(filter) = &self.filter {
            text.push_str(&format!(" filter [{filter}]"));
        }
        if let Some(rows) = self.estimated_rows {
            text.push_str(&format!(" rows≈{rows:.0}"));
        }
        if let Some(cost) = self.estimated_cost {
            text.push_str(&format!(" cost={cost:.2}"));
        }
        if let (Some(rows), Some(ms)) = (self.actual_rows, self.actual_ms) {
            let loops = self.loops.unwrap_or(1.0);
            text.push_str(&format!(
                " actual rows={rows:.0} loops={loops:.0} time={ms:.3} ms"
            ));
        }
        if let (Some(hit), Some(read)) = (self.shared_hit_blocks, self.shared_read_blocks) {
            text.push_str(&format!(" buffers hit={hit} read={read}"));
        }
        if self.misestimated() {
            text.push_str(" [estimate off >10x]");
        }
        text
    }

    /// The plan in one line for evidence: the nodes that touch a table or index, in order.
    pub fn summary(&self) -> String {
        let nodes: Vec<String> = self
            .walk()
            .into_iter()
            .filter(|n| n.relation.is_some() || n.index.is_some())
            .map(|n| match &n.detail {
                Some(detail) => detail.clone(),
                None => n.describe(),
            })
            .collect();
        if nodes.is_empty() {
            self.describe()
        } else {
            nodes.join(" → ")
        }
    }

    /// The tree as indented lines.
    pub fn render_text(&self) -> Vec<String> {
        let mut lines = Vec::new();
        self.render_into(0, &mut lines);
        lines
    }

    fn render_into(&self, depth: usize, lines: &mut Vec<String>) {
        let marker = if depth == 0 { "" } else { "-> " };
        lines.push(format!(
            "{}{marker}{}",
            "   ".repeat(depth),
            self.describe()
        ));
        for child in &self.children {
            child.render_into(depth + 1, lines);
        }
    }
}
