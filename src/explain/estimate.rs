//! Where a node's actual rows say nothing about its estimate: the parent may stop reading it
//! before it is done. PostgreSQL estimates a node's rows as if it ran to the end; a Limit, a
//! semi join's inner side, a merge join or an EXISTS test stop early by design, and marking
//! those "off by 10x" would send a DBA after a statistics problem that does not exist.

use super::PlanNode;

/// Sets [`PlanNode::stopped_early`] on every node of the tree its parent may stop reading.
/// Iterative: plans nest hundreds of levels deep.
pub(crate) fn mark_stopped_early(root: &mut PlanNode) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let inherited = node.stopped_early && !reads_input_whole(node);
        let texts = expression_texts(node);
        let (node_type, join_type, inner_unique) = (
            node.node_type.clone(),
            node.join_type.clone(),
            node.inner_unique,
        );
        for child in &mut node.children {
            let relationship = child.parent_relationship.as_deref().unwrap_or("");
            child.stopped_early |= match relationship {
                // A subplan runs on its own terms: only a yes/no test of it stops early.
                "InitPlan" | "SubPlan" => tested_for_a_row(child, &texts),
                _ => {
                    inherited
                        || node_type == "Limit"
                        || node_type == "Merge Join"
                        || (relationship == "Inner"
                            && inner_stops_at_first_match(
                                &node_type,
                                join_type.as_deref(),
                                inner_unique,
                            ))
                }
            };
            stack.push(child);
        }
    }
}

/// Nodes that read all of their input before giving a row: cutting their output short leaves
/// what they read below them whole.
fn reads_input_whole(node: &PlanNode) -> bool {
    match node.node_type.as_str() {
        "Sort" | "Hash" => true,
        "Aggregate" => node.strategy.as_deref() != Some("Sorted"),
        "SetOp" => node.strategy.as_deref() == Some("Hashed"),
        _ => false,
    }
}

/// A nested loop or merge semi/anti join stops its inner side at the first match, and so does a
/// nested loop whose inner side is unique. A hash join's inner side is a Hash: built whole.
fn inner_stops_at_first_match(
    node_type: &str,
    join_type: Option<&str>,
    inner_unique: Option<bool>,
) -> bool {
    if node_type == "Hash Join" {
        return false;
    }
    matches!(join_type, Some("Semi" | "Anti"))
        || (node_type == "Nested Loop" && inner_unique == Some(true))
}

fn expression_texts(node: &PlanNode) -> Vec<String> {
    [
        &node.filter,
        &node.join_filter,
        &node.one_time_filter,
        &node.index_cond,
        &node.recheck_cond,
        &node.hash_cond,
        &node.merge_cond,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .chain(node.other.iter().map(|p| p.text.clone()))
    .collect()
}

/// Whether the parent uses this subplan as a yes/no test (EXISTS, IN, ANY: the executor stops
/// at the first row that answers) rather than as a value or a hashed set read whole. PostgreSQL
/// 16 and older print such a use as `(SubPlan 2)` or `$0` standing alone in a condition; 17 and
/// newer as `EXISTS(SubPlan 2)`, `ANY (…)` or `(InitPlan 1).col1` standing alone.
fn tested_for_a_row(subplan: &PlanNode, texts: &[String]) -> bool {
    let Some(name) = subplan.subplan_name.as_deref() else {
        return false;
    };
    let mut tokens = Vec::new();
    if let Some(number) = name.strip_prefix("SubPlan ") {
        tokens.push(format!("(SubPlan {number})"));
        tokens.push(format!("EXISTS(SubPlan {number})"));
    } else if let Some(rest) = name.strip_prefix("InitPlan ") {
        let number = rest.split_whitespace().next().unwrap_or_default();
        tokens.push(format!("(InitPlan {number}).col1"));
        // `InitPlan 1 (returns $0,$1)`: the parameters it sets.
        if let Some(params) = rest.split("returns ").nth(1) {
            tokens.extend(
                params
                    .trim_end_matches(')')
                    .split(',')
                    .map(|p| p.trim().to_string()),
            );
        }
    } else {
        return false;
    }
    if name.starts_with("SubPlan")
        && texts
            .iter()
            .any(|t| t.contains(&format!("hashed {}", name)))
    {
        return false;
    }
    texts.iter().any(|text| {
        tokens
            .iter()
            .any(|token| text.contains(&format!("ANY ({token}")) || stands_alone(text, token))
    })
}

/// `token` occurs in `text` as a whole condition: nothing but `(`, `NOT`, `AND`, `OR` beside it.
fn stands_alone(text: &str, token: &str) -> bool {
    text.match_indices(token).any(|(at, _)| {
        let before = text[..at].trim_end();
        let after = text[at + token.len()..].trim_start();
        // `$1` is not `$10`.
        let whole = !after.starts_with(|c: char| c.is_ascii_digit());
        let open = before.is_empty()
            || before.ends_with('(')
            || ["NOT", "AND", "OR"]
                .iter()
                .any(|w| ends_with_word(before, w));
        let close = after.is_empty()
            || after.starts_with(')')
            || ["AND", "OR"]
                .iter()
                .any(|w| after.starts_with(&format!("{w} ")));
        whole && open && close
    })
}

fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with([' ', '(']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(node_type: &str, rows: f64, actual: f64) -> PlanNode {
        PlanNode {
            node_type: node_type.into(),
            estimated_rows: Some(rows),
            actual_rows: Some(actual),
            loops: Some(1.0),
            ..Default::default()
        }
    }

    fn child(mut node: PlanNode, relationship: &str) -> PlanNode {
        node.parent_relationship = Some(relationship.into());
        node
    }

    #[test]
    fn a_node_under_a_limit_is_not_marked_but_what_a_sort_read_whole_is() {
        let scan = child(node("Seq Scan", 100_000.0, 5.0), "Outer");
        let mut plan = node("Limit", 5.0, 5.0);
        plan.children = vec![scan.clone()];
        mark_stopped_early(&mut plan);
        assert!(plan.children[0].stopped_early);
        assert!(!plan.children[0].misestimated());

        let mut sort = child(node("Sort", 100_000.0, 5.0), "Outer");
        sort.children = vec![child(node("Seq Scan", 100.0, 100_000.0), "Outer")];
        let mut plan = node("Limit", 5.0, 5.0);
        plan.children = vec![sort];
        mark_stopped_early(&mut plan);
        assert!(
            !plan.children[0].misestimated(),
            "the sort's output was cut"
        );
        let below = &plan.children[0].children[0];
        assert!(
            !below.stopped_early && below.misestimated(),
            "its input was read whole"
        );
    }

    #[test]
    fn inner_sides_that_stop_at_the_first_match() {
        for (join, join_type, unique, stops) in [
            ("Nested Loop", "Semi", None, true),
            ("Nested Loop", "Anti", None, true),
            ("Nested Loop", "Inner", Some(true), true),
            ("Nested Loop", "Inner", Some(false), false),
            ("Hash Join", "Semi", None, false),
            ("Merge Join", "Inner", Some(false), true),
        ] {
            let mut plan = node(join, 10.0, 10.0);
            plan.join_type = Some(join_type.into());
            plan.inner_unique = unique;
            plan.children = vec![
                child(node("Seq Scan", 10.0, 10.0), "Outer"),
                child(node("Index Scan", 1000.0, 1.0), "Inner"),
            ];
            mark_stopped_early(&mut plan);
            assert_eq!(plan.children[1].stopped_early, stops, "{join} {join_type}");
            assert_eq!(
                plan.children[1].misestimated(),
                !stops,
                "{join} {join_type}"
            );
        }
    }

    #[test]
    fn exists_subplans_stop_early_scalar_and_hashed_ones_do_not() {
        for (filter, stops) in [
            ("(SubPlan 1)", true),
            ("((x > 1) AND (NOT (SubPlan 1)))", true),
            ("(l_quantity < (SubPlan 1))", false),
            ("(NOT (hashed SubPlan 1))", false),
            ("EXISTS(SubPlan 1)", true),
        ] {
            let mut plan = node("Seq Scan", 10.0, 10.0);
            plan.filter = Some(filter.into());
            let mut sub = child(node("Index Scan", 50.0, 1.0), "SubPlan");
            sub.subplan_name = Some("SubPlan 1".into());
            plan.children = vec![sub];
            mark_stopped_early(&mut plan);
            assert_eq!(plan.children[0].stopped_early, stops, "{filter}");
        }
        let mut plan = node("Result", 1.0, 1.0);
        plan.one_time_filter = Some("$1".into());
        let mut init = child(node("Seq Scan", 500.0, 1.0), "InitPlan");
        init.subplan_name = Some("InitPlan 1 (returns $1)".into());
        plan.children = vec![init];
        mark_stopped_early(&mut plan);
        assert!(plan.children[0].stopped_early);
    }

    #[test]
    fn never_executed_nodes_are_not_marked() {
        let mut scan = node("Seq Scan", 1000.0, 0.0);
        scan.loops = Some(0.0);
        assert!(!scan.misestimated());
        assert!(node("Seq Scan", 1000.0, 1.0).misestimated());
        assert!(!node("Seq Scan", 1000.0, 200.0).misestimated());
    }
}
