//! SQLite's `EXPLAIN QUERY PLAN` rows (id, parent, detail) into the shared tree.

use super::PlanNode;

/// Builds the tree from rows in the order SQLite returns them.
pub fn parse(rows: &[(i64, i64, String)]) -> PlanNode {
    let mut root = PlanNode {
        node_type: "QUERY PLAN".into(),
        ..Default::default()
    };
    // Children of `parent`, recursively; SQLite's ids are unique, parents come first.
    fn children(rows: &[(i64, i64, String)], parent: i64) -> Vec<PlanNode> {
        rows.iter()
            .filter(|(_, p, _)| *p == parent)
            .map(|(id, _, detail)| {
                let mut node = line(detail);
                node.children = children(rows, *id);
                node
            })
            .collect()
    }
    root.children = children(rows, 0);
    root
}

/// `SEARCH conversions USING INDEX ix_conversions_sha256 (sha256=?)`,
/// `SCAN jobs`, `SEARCH users USING COVERING INDEX ix (email=?)`, `USE TEMP B-TREE FOR ORDER BY`.
fn line(detail: &str) -> PlanNode {
    let words: Vec<&str> = detail.split_whitespace().collect();
    let mut node = PlanNode {
        detail: Some(detail.to_string()),
        ..Default::default()
    };
    match words.first().copied() {
        Some(kind @ ("SEARCH" | "SCAN")) => {
            node.node_type = kind.to_string();
            node.relation = words.get(1).map(|w| w.to_string());
            if let Some(at) = words.iter().position(|w| *w == "INDEX") {
                node.index = words.get(at + 1).map(|w| w.to_string());
            }
            if let (Some(open), Some(close)) = (detail.find('('), detail.rfind(')')) {
                node.index_cond = Some(detail[open + 1..close].to_string());
            }
        }
        _ => node.node_type = detail.to_string(),
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_scan_and_temp_btree() {
        let plan = parse(&[
            (
                3,
                0,
                "SEARCH conversions USING INDEX ix_conversions_sha256 (sha256=?)".into(),
            ),
            (7, 0, "SCAN jobs".into()),
            (9, 0, "USE TEMP B-TREE FOR ORDER BY".into()),
        ]);
        assert_eq!(plan.indexes_used(), ["ix_conversions_sha256"]);
        assert_eq!(plan.children[0].index_cond.as_deref(), Some("sha256=?"));
        assert!(plan.children[1].is_full_scan());
        assert_eq!(plan.children[2].node_type, "USE TEMP B-TREE FOR ORDER BY");
        // The tree shows SQLite's own lines, once, under no "QUERY PLAN" root.
        assert_eq!(
            plan.render_text(),
            [
                "SEARCH conversions USING INDEX ix_conversions_sha256 (sha256=?)",
                "SCAN jobs",
                "USE TEMP B-TREE FOR ORDER BY",
            ]
        );
    }
}
