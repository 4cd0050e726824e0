//! PostgreSQL's `EXPLAIN (FORMAT JSON)` into the shared tree.

use serde_json::Value;

use super::PlanNode;

/// The document EXPLAIN returns: `[{"Plan": {...}, "Execution Time": ...}]`.
pub fn parse(document: &Value) -> Option<(PlanNode, Option<f64>)> {
    let top = document.as_array()?.first()?;
    let plan = node(top.get("Plan")?);
    let execution_ms = top.get("Execution Time").and_then(Value::as_f64);
    Some((plan, execution_ms))
}

fn node(value: &Value) -> PlanNode {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(String::from);
    let number = |key: &str| value.get(key).and_then(Value::as_f64);
    let relation = match (text("Schema"), text("Relation Name")) {
        (Some(schema), Some(name)) if schema != "public" => Some(format!("{schema}.{name}")),
        (_, name) => name,
    };
    PlanNode {
        node_type: text("Node Type").unwrap_or_default(),
        relation,
        index: text("Index Name"),
        index_cond: text("Index Cond").or_else(|| text("Recheck Cond")),
        filter: text("Filter"),
        detail: None,
        estimated_rows: number("Plan Rows"),
        estimated_cost: number("Total Cost"),
        actual_rows: number("Actual Rows"),
        loops: number("Actual Loops"),
        actual_ms: number("Actual Total Time"),
        shared_hit_blocks: value.get("Shared Hit Blocks").and_then(Value::as_i64),
        shared_read_blocks: value.get("Shared Read Blocks").and_then(Value::as_i64),
        children: value
            .get("Plans")
            .and_then(Value::as_array)
            .map(|plans| plans.iter().map(node).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bitmap_plan_keeps_its_index_and_conditions() {
        let doc: Value = serde_json::from_str(
            r#"[{"Plan": {"Node Type": "Bitmap Heap Scan", "Relation Name": "jobs", "Schema": "public",
                "Recheck Cond": "(user_id = 7)", "Plan Rows": 12, "Total Cost": 40.1,
                "Plans": [{"Node Type": "Bitmap Index Scan", "Index Name": "ix_jobs_user_id",
                           "Index Cond": "(user_id = 7)", "Plan Rows": 12, "Total Cost": 4.3}]}}]"#,
        )
        .unwrap();
        let (plan, execution) = parse(&doc).unwrap();
        assert_eq!(execution, None);
        assert_eq!(plan.relation.as_deref(), Some("jobs"));
        assert_eq!(plan.indexes_used(), ["ix_jobs_user_id"]);
        assert!(!plan.is_full_scan());
    }
}
