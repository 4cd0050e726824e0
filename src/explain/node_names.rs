//! Node names as PostgreSQL's text EXPLAIN prints them, from what its JSON says instead: the
//! rules of `ExplainNode` in PostgreSQL's `explain.c`.

use super::PlanNode;

/// The name `ExplainNode` prints in text format, from the fields it writes to JSON instead:
/// "Parallel "/"Async ", the strategy's name, the partial mode, the operation, the scan
/// direction, the join type and the set operation's command.
pub(super) fn display_name(node: &PlanNode) -> String {
    let strategy = node.strategy.as_deref();
    let base = match node.node_type.as_str() {
        "ModifyTable" => node.operation.clone().unwrap_or_else(|| "???".into()),
        "Aggregate" => {
            let name = match strategy {
                None | Some("Plain") => "Aggregate",
                Some("Sorted") => "GroupAggregate",
                Some("Hashed") => "HashAggregate",
                Some("Mixed") => "MixedAggregate",
                Some(_) => "Aggregate ???",
            };
            match node.partial_mode.as_deref() {
                Some(mode @ ("Partial" | "Finalize")) => format!("{mode} {name}"),
                _ => name.to_string(),
            }
        }
        "SetOp" if strategy == Some("Hashed") => "HashSetOp".into(),
        "Foreign Scan" => match node.operation.as_deref() {
            None | Some("Select") => "Foreign Scan".into(),
            Some(operation) => format!("Foreign {operation}"),
        },
        "Custom Scan" => match &node.custom_plan_provider {
            Some(provider) => format!("Custom Scan ({provider})"),
            None => "Custom Scan".into(),
        },
        "Merge Join" => "Merge".into(),
        "Hash Join" => "Hash".into(),
        other => other.to_string(),
    };
    let mut name = String::new();
    if node.parallel_aware {
        name.push_str("Parallel ");
    }
    if node.async_capable {
        name.push_str("Async ");
    }
    name.push_str(&base);
    match node.node_type.as_str() {
        "Index Scan" | "Index Only Scan" if node.scan_direction.as_deref() == Some("Backward") => {
            name.push_str(" Backward");
        }
        "Nested Loop" | "Merge Join" | "Hash Join" => match node.join_type.as_deref() {
            None | Some("Inner") if node.node_type != "Nested Loop" => name.push_str(" Join"),
            None | Some("Inner") => {}
            Some(join_type) => name.push_str(&format!(" {join_type} Join")),
        },
        "SetOp" => {
            if let Some(command) = &node.command {
                name.push_str(&format!(" {command}"));
            }
        }
        _ => {}
    }
    name
}

#[cfg(test)]
mod tests {
    use super::super::postgres::parse_text;

    #[test]
    fn names_follow_explain_c() {
        let name = |json: &str| {
            let document = format!(r#"[{{"Plan": {json}}}]"#);
            parse_text(&document).unwrap().0.node_line()
        };
        let cases = [
            (
                r#"{"Node Type": "Hash Join", "Join Type": "Semi"}"#,
                "Hash Semi Join",
            ),
            (
                r#"{"Node Type": "Nested Loop", "Join Type": "Anti"}"#,
                "Nested Loop Anti Join",
            ),
            (
                r#"{"Node Type": "Nested Loop", "Join Type": "Inner"}"#,
                "Nested Loop",
            ),
            (
                r#"{"Node Type": "Merge Join", "Join Type": "Left"}"#,
                "Merge Left Join",
            ),
            (
                r#"{"Node Type": "Seq Scan", "Parallel Aware": true, "Relation Name": "lineitem",
                    "Alias": "l"}"#,
                "Parallel Seq Scan on lineitem l",
            ),
            (
                r#"{"Node Type": "Index Scan", "Scan Direction": "Backward", "Index Name": "ix",
                    "Relation Name": "t", "Alias": "t"}"#,
                "Index Scan Backward using ix on t",
            ),
            (
                r#"{"Node Type": "Aggregate", "Strategy": "Sorted", "Partial Mode": "Finalize"}"#,
                "Finalize GroupAggregate",
            ),
            (
                r#"{"Node Type": "Aggregate", "Strategy": "Hashed", "Partial Mode": "Partial"}"#,
                "Partial HashAggregate",
            ),
            (
                r#"{"Node Type": "SetOp", "Strategy": "Hashed", "Command": "Intersect"}"#,
                "HashSetOp Intersect",
            ),
            (
                r#"{"Node Type": "ModifyTable", "Operation": "Insert", "Relation Name": "orders",
                    "Alias": "orders"}"#,
                "Insert on orders",
            ),
            (
                r#"{"Node Type": "Foreign Scan", "Operation": "Update", "Relation Name": "ft",
                    "Alias": "ft"}"#,
                "Foreign Update on ft",
            ),
            (
                r#"{"Node Type": "Custom Scan", "Custom Plan Provider": "Citus Adaptive"}"#,
                "Custom Scan (Citus Adaptive)",
            ),
            (
                r#"{"Node Type": "Append", "Async Capable": true}"#,
                "Async Append",
            ),
            (
                r#"{"Node Type": "CTE Scan", "CTE Name": "totals", "Alias": "t"}"#,
                "CTE Scan on totals t",
            ),
            (
                r#"{"Node Type": "Function Scan", "Function Name": "generate_series",
                    "Alias": "g"}"#,
                "Function Scan on generate_series g",
            ),
            (
                r#"{"Node Type": "Values Scan", "Alias": "*VALUES*"}"#,
                "Values Scan on \"*VALUES*\"",
            ),
            (
                r#"{"Node Type": "Seq Scan", "Relation Name": "t", "Schema": "app",
                    "Alias": "x"}"#,
                "Seq Scan on app.t x",
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(name(json), expected, "{json}");
        }
    }
}
