//! Plans rendered to a width, as the CLI prints them and the TUI draws them: deep plans keep
//! room for their text, huge conditions wrap with nothing lost, the JSON keeps everything.

use hotidx::explain::postgres::parse_text;
use hotidx::explain::{Detail, LinePart, PlanNode};

/// `depth` Result nodes, each the InitPlan of the one above, over a scan with `filter`: a plan
/// `depth` + 1 nodes deep.
fn deep_plan(depth: usize, filter: &str) -> PlanNode {
    let leaf = serde_json::json!({
        "Node Type": "Seq Scan", "Relation Name": "nation", "Alias": "nation",
        "Startup Cost": 0.0, "Total Cost": 1.31, "Plan Rows": 1, "Filter": filter,
    });
    let mut node = leaf.to_string();
    for n in 1..=depth {
        // The top node is nobody's InitPlan.
        let subplan = if n == depth {
            String::new()
        } else {
            format!(
                r#""Parent Relationship": "InitPlan", "Subplan Name": "InitPlan {n} (returns ${n})","#
            )
        };
        node = format!(
            r#"{{"Node Type": "Result", {subplan} "Startup Cost": 2.5, "Total Cost": 2.51,
                "Plan Rows": 1, "Plans": [{node}]}}"#
        );
    }
    parse_text(&format!(r#"[{{"Plan": {node}, "Planning Time": 1.25}}]"#))
        .expect("a plan")
        .0
}

/// Forty uuids in one array literal: an index condition of about 1,500 characters, no space.
fn forty_uuids() -> String {
    let ids: Vec<String> = (0..40)
        .map(|n| format!("{n:08x}-0000-4000-8000-{:012x}", n * 7919))
        .collect();
    format!("(id = ANY ('{{{}}}'::uuid[]))", ids.join(","))
}

fn assert_fits(lines: &[String], width: usize) {
    for line in lines {
        assert!(
            line.chars().count() <= width,
            "wider than {width}: {line:?}"
        );
    }
}

#[test]
fn a_plan_200_levels_deep_fits_80_and_40_columns_and_says_how_deep_it_is() {
    let plan = deep_plan(200, "(n_name = 'SAUDI ARABIA'::bpchar)");
    assert_eq!(plan.walk().len(), 201);
    for width in [80, 40] {
        let lines = plan.render_wrapped(width);
        assert_fits(&lines, width);
        // Indentation stops at two fifths of the width; the depth is written instead.
        let deepest = lines
            .iter()
            .find(|l| l.contains("Seq Scan on nation"))
            .expect("the scan");
        assert!(deepest.contains("200-> Seq Scan"), "{deepest}");
        let text_at = deepest.find("Seq Scan").unwrap();
        assert!(text_at <= width * 2 / 5 + 5, "{deepest}");
        assert!(
            lines
                .iter()
                .any(|l| l.trim() == "InitPlan 199 (returns $199)")
        );
        assert!(
            lines
                .iter()
                .any(|l| l.trim().starts_with("Filter: (n_name ="))
        );
        assert_eq!(lines.last().unwrap(), "Planning Time: 1.250 ms");
        // Every node has its line, in plan order.
        let node_lines = plan
            .render_lines(width, Detail::Full)
            .into_iter()
            .filter(|l| l.part == LinePart::Node && l.text.contains("cost="))
            .count();
        assert_eq!(node_lines, 201);
    }
}

#[test]
fn a_1500_character_condition_wraps_with_a_hanging_indent_and_nothing_lost() {
    let cond = forty_uuids();
    assert!(cond.len() > 1_500, "{}", cond.len());
    let filter = (0..50)
        .map(|n| format!("(title = 'document {n} of the long condition'::text)"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let document = format!(
        r#"[{{"Plan": {{"Node Type": "Gather", "Startup Cost": 0.0, "Total Cost": 900.0,
            "Plan Rows": 40, "Workers Planned": 2, "Plans": [{{"Node Type": "Index Scan",
            "Parent Relationship": "Outer", "Parallel Aware": true, "Scan Direction": "Forward",
            "Index Name": "documents_pkey", "Relation Name": "documents", "Alias": "d",
            "Startup Cost": 0.28, "Total Cost": 850.0, "Plan Rows": 40, "Index Cond": "{cond}",
            "Filter": "({filter})"}}]}}}}]"#
    );
    let plan = parse_text(&document).expect("a plan").0;
    let scan = &plan.children[0];
    assert_eq!(scan.index_cond.as_deref(), Some(cond.as_str()));
    assert_eq!(
        scan.node_line(),
        "Parallel Index Scan using documents_pkey on documents d"
    );
    for width in [80, 40] {
        let lines = plan.render_lines(width, Detail::Full);
        let texts: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
        assert_fits(&texts, width);
        let cond_lines: Vec<&str> = lines
            .iter()
            .filter(|l| l.part == LinePart::Detail && std::ptr::eq(l.node, scan))
            .map(|l| l.text.as_str())
            .skip_while(|l| !l.trim_start().starts_with("Index Cond"))
            .take_while(|l| !l.trim_start().starts_with("Filter"))
            .collect();
        assert!(cond_lines.len() > 1_500 / width, "{cond_lines:#?}");
        // The continuation lines hang two columns under the label.
        let label_at = cond_lines[0].find("Index Cond").unwrap();
        for line in &cond_lines[1..] {
            assert_eq!(line.find(|c| c != ' '), Some(label_at + 2), "{line:?}");
        }
        // Nothing lost or added but the spaces the lines broke at.
        let joined: String = cond_lines.iter().map(|l| l.replace(' ', "")).collect();
        assert_eq!(joined, format!("IndexCond:{}", cond.replace(' ', "")));
    }
    // The JSON keeps the whole text, whatever the width.
    let json = serde_json::to_string(&plan).unwrap();
    assert!(json.contains(&cond));
    assert!(json.contains(&filter));
}

#[test]
fn the_cli_and_the_unwrapped_text_keep_postgresqls_node_lines() {
    let plan = deep_plan(3, "(n_regionkey = 1)");
    let lines = plan.render_text();
    assert_eq!(lines[0], "Result  cost=2.50..2.51  rows≈1");
    assert_eq!(lines[1], "   InitPlan 2 (returns $2)");
    assert_eq!(lines[2], "   -> Result  cost=2.50..2.51  rows≈1");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("-> Seq Scan on nation  cost=0.00..1.31  rows≈1"))
    );
}
