//! PostgreSQL's `EXPLAIN (FORMAT JSON)` into the shared tree, with the node names and details
//! its text format prints (the rules of `ExplainNode` in PostgreSQL's `explain.c`).

use serde_json::{Map, Value};

use super::{Buffers, PlanNode, Property, estimate, node_names};

/// The document EXPLAIN returns: `[{"Plan": {...}, "Execution Time": ...}]`.
pub fn parse(document: &Value) -> Option<(PlanNode, Option<f64>)> {
    let top = match document {
        Value::Array(items) => items.first()?,
        object => object,
    };
    let mut plan = tree(top.get("Plan")?);
    let number = |key: &str| top.get(key).and_then(Value::as_f64);
    plan.planning_ms = number("Planning Time");
    plan.execution_ms = number("Execution Time");
    if let Some(planning) = top.get("Planning") {
        // BUFFERS: what planning itself read, as the text's "Planning: Buffers: …" says.
        let buffers = node(planning).buffers_text();
        if !buffers.is_empty() {
            plan.other.push(Property {
                label: "Planning Buffers".into(),
                text: buffers,
            });
        }
    }
    for key in ["Triggers", "JIT"] {
        let empty = |v: &Value| v.as_array().is_some_and(Vec::is_empty);
        if let Some(value) = top.get(key).filter(|v| !empty(v)) {
            plan.other.push(property(key, value));
        }
    }
    estimate::mark_stopped_early(&mut plan);
    let execution_ms = plan.execution_ms;
    Some((plan, execution_ms))
}

/// [`parse`] from the document's text, however deep it nests: serde_json's default limit of
/// 128 levels stops at a plan about 60 nodes deep, so the limit is lifted and a deep document is
/// read on a thread with the stack it needs.
pub fn parse_text(text: &str) -> Result<(PlanNode, Option<f64>), String> {
    let read = || -> Result<(PlanNode, Option<f64>), String> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        deserializer.disable_recursion_limit();
        let document: Value = serde::Deserialize::deserialize(&mut deserializer)
            .map_err(|e| format!("the plan is not JSON: {e}"))?;
        deserializer
            .end()
            .map_err(|e| format!("the plan is not JSON: {e}"))?;
        parse(&document).ok_or_else(|| "EXPLAIN returned no plan".to_string())
    };
    let depth = nesting_depth(text);
    if depth < 256 {
        return read();
    }
    // A few hundred bytes of stack per level of nesting, generously.
    let stack = (depth * 4096).max(8 << 20);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("plan-parse".into())
            .stack_size(stack)
            .spawn_scoped(scope, read)
            .map_err(|e| format!("cannot start the plan reader: {e}"))?
            .join()
            .map_err(|_| "reading the plan failed".to_string())?
    })
}

/// How deep `[` and `{` nest in JSON text, strings skipped.
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for byte in text.bytes() {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The tree under a "Plan", built without recursion: plans nest hundreds of levels deep.
fn tree(root: &Value) -> PlanNode {
    let children = |v: &Value| -> Vec<Value> {
        v.get("Plans")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut stack = vec![(node(root), children(root).into_iter())];
    loop {
        let (_, pending) = stack.last_mut().expect("the root stays until the end");
        match pending.next() {
            Some(child) => {
                let next = (node(&child), children(&child).into_iter());
                stack.push(next);
            }
            None => {
                let (done, _) = stack.pop().expect("just seen");
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(done),
                    None => return done,
                }
            }
        }
    }
}

/// The fields PostgreSQL has names for here; everything else is kept in `other`.
#[rustfmt::skip]
const KNOWN: &[&str] = &[
    "Node Type", "Strategy", "Partial Mode", "Operation", "Parent Relationship", "Subplan Name",
    "Custom Plan Provider", "Parallel Aware", "Async Capable", "Scan Direction", "Index Name",
    "Relation Name", "Schema", "Alias", "Function Name", "CTE Name", "Tuplestore Name",
    "Table Function Name", "Join Type", "Inner Unique", "Command", "Startup Cost", "Total Cost",
    "Plan Rows", "Plan Width", "Actual Startup Time", "Actual Total Time", "Actual Rows",
    "Actual Loops", "Index Cond", "Recheck Cond", "Filter", "Hash Cond", "Merge Cond",
    "Join Filter", "One-Time Filter", "Order By", "Sort Key", "Presorted Key", "Group Key",
    "Cache Key", "Workers Planned", "Workers Launched", "Rows Removed by Filter",
    "Rows Removed by Join Filter", "Rows Removed by Index Recheck", "Heap Fetches", "Sort Method",
    "Sort Space Used", "Sort Space Type", "Hash Buckets", "Original Hash Buckets", "Hash Batches",
    "Original Hash Batches", "Peak Memory Usage", "Shared Hit Blocks", "Shared Read Blocks",
    "Shared Dirtied Blocks", "Shared Written Blocks", "Local Hit Blocks", "Local Read Blocks",
    "Local Dirtied Blocks", "Local Written Blocks", "Temp Read Blocks", "Temp Written Blocks",
    "I/O Read Time", "I/O Write Time", "Shared I/O Read Time", "Shared I/O Write Time",
    "Local I/O Read Time", "Local I/O Write Time", "Temp I/O Read Time", "Temp I/O Write Time",
    "Plans",
];

/// One node's own fields, its children not yet attached.
fn node(value: &Value) -> PlanNode {
    let empty = Map::new();
    let fields = value.as_object().unwrap_or(&empty);
    let text = |key: &str| fields.get(key).and_then(Value::as_str).map(String::from);
    let number = |key: &str| fields.get(key).and_then(Value::as_f64);
    let integer = |key: &str| fields.get(key).and_then(Value::as_i64);
    let flag = |key: &str| fields.get(key).and_then(Value::as_bool);
    let list = |key: &str| -> Vec<String> {
        match fields.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        }
    };
    let schema = text("Schema");
    let relation = match (&schema, text("Relation Name")) {
        (Some(schema), Some(name)) if schema != "public" => Some(format!("{schema}.{name}")),
        (_, name) => name,
    };
    let mut node = PlanNode {
        node_type: text("Node Type").unwrap_or_default(),
        relation,
        index: text("Index Name"),
        index_cond: text("Index Cond"),
        filter: text("Filter"),
        estimated_rows: number("Plan Rows"),
        estimated_cost: number("Total Cost"),
        actual_rows: number("Actual Rows"),
        loops: number("Actual Loops"),
        actual_ms: number("Actual Total Time"),
        shared_hit_blocks: integer("Shared Hit Blocks"),
        shared_read_blocks: integer("Shared Read Blocks"),
        schema,
        alias: text("Alias"),
        function_name: text("Function Name"),
        cte_name: text("CTE Name"),
        tuplestore_name: text("Tuplestore Name"),
        table_function_name: text("Table Function Name"),
        parallel_aware: flag("Parallel Aware").unwrap_or(false),
        async_capable: flag("Async Capable").unwrap_or(false),
        strategy: text("Strategy"),
        partial_mode: text("Partial Mode"),
        operation: text("Operation"),
        join_type: text("Join Type"),
        inner_unique: flag("Inner Unique"),
        command: text("Command"),
        scan_direction: text("Scan Direction"),
        custom_plan_provider: text("Custom Plan Provider"),
        parent_relationship: text("Parent Relationship"),
        subplan_name: text("Subplan Name"),
        hash_cond: text("Hash Cond"),
        merge_cond: text("Merge Cond"),
        join_filter: text("Join Filter"),
        recheck_cond: text("Recheck Cond"),
        one_time_filter: text("One-Time Filter"),
        order_by: text("Order By"),
        sort_key: list("Sort Key"),
        presorted_key: list("Presorted Key"),
        group_key: list("Group Key"),
        grouping_sets: fields
            .get("Grouping Sets")
            .map(grouping_sets)
            .unwrap_or_default(),
        cache_key: text("Cache Key"),
        workers_planned: integer("Workers Planned"),
        startup_cost: number("Startup Cost"),
        plan_width: integer("Plan Width"),
        actual_startup_ms: number("Actual Startup Time"),
        workers_launched: integer("Workers Launched"),
        rows_removed_by_filter: number("Rows Removed by Filter"),
        rows_removed_by_join_filter: number("Rows Removed by Join Filter"),
        rows_removed_by_index_recheck: number("Rows Removed by Index Recheck"),
        heap_fetches: number("Heap Fetches"),
        sort_method: text("Sort Method"),
        sort_space_used_kb: integer("Sort Space Used"),
        sort_space_type: text("Sort Space Type"),
        hash_buckets: integer("Hash Buckets"),
        original_hash_buckets: integer("Original Hash Buckets"),
        hash_batches: integer("Hash Batches"),
        original_hash_batches: integer("Original Hash Batches"),
        peak_memory_kb: integer("Peak Memory Usage"),
        buffers: Buffers {
            shared_dirtied_blocks: integer("Shared Dirtied Blocks"),
            shared_written_blocks: integer("Shared Written Blocks"),
            local_hit_blocks: integer("Local Hit Blocks"),
            local_read_blocks: integer("Local Read Blocks"),
            local_dirtied_blocks: integer("Local Dirtied Blocks"),
            local_written_blocks: integer("Local Written Blocks"),
            temp_read_blocks: integer("Temp Read Blocks"),
            temp_written_blocks: integer("Temp Written Blocks"),
            io_read_ms: number("I/O Read Time"),
            io_write_ms: number("I/O Write Time"),
            shared_io_read_ms: number("Shared I/O Read Time"),
            shared_io_write_ms: number("Shared I/O Write Time"),
            local_io_read_ms: number("Local I/O Read Time"),
            local_io_write_ms: number("Local I/O Write Time"),
            temp_io_read_ms: number("Temp I/O Read Time"),
            temp_io_write_ms: number("Temp I/O Write Time"),
        },
        other: fields
            .iter()
            .filter(|(key, _)| !KNOWN.contains(&key.as_str()))
            .map(|(key, value)| property(key, value))
            .collect(),
        ..Default::default()
    };
    node.display_name = node_names::display_name(&node);
    node
}

/// `[{"Sort Key": [..], "Group Keys": [[..], []]}, {"Hash Keys": [..]}]` as the text format's
/// lines: `Sort Key: a`, `Group Key: a, b`, `Group Key: ()`, `Hash Key: c`.
fn grouping_sets(value: &Value) -> Vec<String> {
    let joined = |keys: &Value| -> String {
        let keys: Vec<&str> = keys
            .as_array()
            .map(|k| k.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if keys.is_empty() {
            "()".into()
        } else {
            keys.join(", ")
        }
    };
    let mut lines = Vec::new();
    for set in value.as_array().into_iter().flatten() {
        if let Some(sort) = set.get("Sort Key") {
            lines.push(format!("Sort Key: {}", joined(sort)));
        }
        for (group, label) in [("Group Keys", "Group Key"), ("Hash Keys", "Hash Key")] {
            for keys in set
                .get(group)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                lines.push(format!("{label}: {}", joined(keys)));
            }
        }
    }
    lines
}

/// A field as the text format would show it: strings as they are, lists joined with ", ".
fn property(label: &str, value: &Value) -> Property {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    Property {
        label: label.to_string(),
        text,
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
        assert_eq!(plan.recheck_cond.as_deref(), Some("(user_id = 7)"));
        assert_eq!(plan.indexes_used(), ["ix_jobs_user_id"]);
        assert_eq!(
            plan.children[0].node_line(),
            "Bitmap Index Scan on ix_jobs_user_id"
        );
        assert!(!plan.is_full_scan());
    }

    #[test]
    fn a_plan_deeper_than_serde_jsons_limit_parses_from_text() {
        let mut text = String::from(r#"{"Node Type": "Seq Scan", "Relation Name": "t"}"#);
        for _ in 0..400 {
            text = format!(r#"{{"Node Type": "Result", "Plans": [{text}]}}"#);
        }
        let text = format!(r#"[{{"Plan": {text}, "Planning Time": 0.5}}]"#);
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "the default limit stops it"
        );
        let (plan, _) = parse_text(&text).unwrap();
        assert_eq!(plan.walk().len(), 401);
        assert_eq!(plan.planning_ms, Some(0.5));
        assert_eq!(plan.walk_with_depth().last().unwrap().0, 400);
        assert!(parse_text("[]").is_err());
        assert!(parse_text("{").is_err());
    }
}
