//! Query plans as one tree shape for both backends: PostgreSQL's EXPLAIN (FORMAT JSON) and
//! SQLite's EXPLAIN QUERY PLAN parse into [`PlanNode`]s.
//!
//! A node keeps what PostgreSQL's text format shows, whole: [`PlanNode::node_line`] is the node
//! line as `EXPLAIN` prints it, [`PlanNode::detail_lines`] the lines beneath it, and
//! [`PlanNode::render_wrapped`] the tree fitted to a width. The JSON form of a node keeps every
//! field untruncated; fields PostgreSQL did not give are left out of it.

pub mod compare;
mod estimate;
pub mod guard;
pub mod input;
pub(crate) mod keywords;
mod node_names;
mod node_text;
pub mod postgres;
mod postgres_run;
mod render;
pub mod report;
pub mod run;
pub mod session;
pub mod sqlite;
mod sqlite_run;
pub mod why;

pub use render::{Detail, LinePart, PlanLine, wrap};

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanNode {
    /// PostgreSQL's JSON "Node Type" (`Seq Scan`, `Hash Join`, `Aggregate`, `ModifyTable`), or
    /// SQLite's `SEARCH`, `SCAN`, `USE TEMP B-TREE`, …: what code compares against.
    pub node_type: String,
    /// The name PostgreSQL's text format prints: `Parallel Seq Scan`, `Hash Semi Join`,
    /// `Finalize GroupAggregate`, `Index Scan Backward`, `Insert`, `HashSetOp Intersect`.
    pub display_name: String,
    /// `name`, or `schema.name` outside `public` (the schema is only known with VERBOSE).
    pub relation: Option<String>,
    pub index: Option<String>,
    pub index_cond: Option<String>,
    pub filter: Option<String>,
    /// SQLite's own line, kept whole.
    pub detail: Option<String>,
    pub estimated_rows: Option<f64>,
    /// Total cost.
    pub estimated_cost: Option<f64>,
    /// With ANALYZE only: rows per loop, as PostgreSQL reports them.
    pub actual_rows: Option<f64>,
    pub loops: Option<f64>,
    /// Total time per loop.
    pub actual_ms: Option<f64>,
    pub shared_hit_blocks: Option<i64>,
    pub shared_read_blocks: Option<i64>,
    pub children: Vec<PlanNode>,

    // What the node is and where it sits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The query's name for what the node reads, when PostgreSQL gives one (`l` in `lineitem l`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cte_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuplestore_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_function_name: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub parallel_aware: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub async_capable: bool,
    /// `Plain`, `Sorted`, `Hashed`, `Mixed` (Aggregate, SetOp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// `Simple`, `Partial`, `Finalize` (Aggregate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_mode: Option<String>,
    /// `Insert`, `Update`, `Delete`, `Merge` (ModifyTable, Foreign Scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `Inner`, `Left`, `Full`, `Right`, `Semi`, `Anti`, `Right Semi`, `Right Anti`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_unique: Option<bool>,
    /// `Intersect`, `Except All`, … (SetOp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `Forward` or `Backward` (index scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_plan_provider: Option<String>,
    /// `Outer`, `Inner`, `InitPlan`, `SubPlan`, `Member`, `Subquery`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_relationship: Option<String>,
    /// `InitPlan 1 (returns $0)`, `SubPlan 2`, `CTE totals`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subplan_name: Option<String>,

    // Conditions and keys, as PostgreSQL deparsed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_cond: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_cond: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recheck_cond: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_time_filter: Option<String>,
    /// An index scan's ORDER BY (nearest-neighbour searches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort_key: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub presorted_key: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_key: Vec<String>,
    /// One line per grouping set as PostgreSQL prints it: `Group Key: a, b`, `Hash Key: a`,
    /// `Group Key: ()`, each sorted set after its `Sort Key: …`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grouping_sets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers_planned: Option<i64>,

    // Costs and, with ANALYZE, what happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_width: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_startup_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers_launched: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_removed_by_filter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_removed_by_join_filter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_removed_by_index_recheck: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_fetches: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_space_used_kb: Option<i64>,
    /// `Memory` or `Disk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_space_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_buckets: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_hash_buckets: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_batches: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_hash_batches: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_memory_kb: Option<i64>,
    #[serde(flatten)]
    pub buffers: Buffers,
    /// The whole statement's, on the root node only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_ms: Option<f64>,
    /// The parent may stop reading this node before it is done (under a Limit, the inner side
    /// of a semi join, …): its actual rows say nothing about the estimate. See `estimate.rs`.
    #[serde(skip_serializing_if = "is_false")]
    pub stopped_early: bool,
    /// Every other field PostgreSQL gave, in its order: nothing it said is lost.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<Property>,
}

/// Block counts and I/O time beyond the shared hits and reads (BUFFERS, `track_io_timing`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Buffers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_dirtied_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_written_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_hit_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_read_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_dirtied_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_written_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temp_read_blocks: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temp_written_blocks: Option<i64>,
    /// PostgreSQL 16 and older: shared and local together ("I/O Read Time").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub io_read_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub io_write_ms: Option<f64>,
    /// PostgreSQL 17 and newer ("Shared I/O Read Time", …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_io_read_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_io_write_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_io_read_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_io_write_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temp_io_read_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temp_io_write_ms: Option<f64>,
}

/// A field of the plan hotidx has no name for, as label and text (`Subplans Removed: 2`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Property {
    pub label: String,
    pub text: String,
}

fn is_false(flag: &bool) -> bool {
    !flag
}

impl PlanNode {
    /// This node and all below it, depth first.
    pub fn walk(&self) -> Vec<&PlanNode> {
        self.walk_with_depth().into_iter().map(|(_, n)| n).collect()
    }

    /// This node and all below it with their depth, depth first. Iterative: plans nest hundreds
    /// of levels deep.
    pub fn walk_with_depth(&self) -> Vec<(usize, &PlanNode)> {
        let mut out = Vec::new();
        let mut stack = vec![(0, self)];
        while let Some((depth, node)) = stack.pop() {
            out.push((depth, node));
            stack.extend(node.children.iter().rev().map(|c| (depth + 1, c)));
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

    /// ANALYZE ran the statement and this node not once (PostgreSQL's "never executed").
    pub fn never_executed(&self) -> bool {
        self.loops == Some(0.0)
    }

    /// Actual rows per loop off the estimate by more than ten times, either way (ANALYZE only),
    /// where that says something: not on a node never run, nor one its parent may stop early.
    pub fn misestimated(&self) -> bool {
        if self.stopped_early || self.never_executed() {
            return false;
        }
        match (self.estimated_rows, self.actual_rows) {
            (Some(estimate), Some(actual)) => {
                let (e, a) = (estimate.max(1.0), actual.max(1.0));
                e / a > 10.0 || a / e > 10.0
            }
            _ => false,
        }
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
}
