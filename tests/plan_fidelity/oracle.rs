//! PostgreSQL's own text EXPLAIN, read back into nodes: the oracle hotidx's tree is held to.

/// One node as the text format printed it.
#[derive(Debug, Default)]
pub struct TextNode {
    /// The node line up to its costs: `Hash Semi Join`, `Seq Scan on lineitem l`.
    pub head: String,
    /// The line just above the node line when it is a subplan's name (`InitPlan 1 (returns $0)`).
    pub label: Option<String>,
    /// The lines beneath it, trimmed, up to the next node.
    pub details: Vec<String>,
    pub never_executed: bool,
    /// With ANALYZE: `rows=` and `loops=` of `(actual time=… rows=… loops=…)`.
    pub actual: Option<(f64, f64)>,
}

/// Splits EXPLAIN's text (COSTS on) into its nodes, in the order printed.
pub fn nodes(text: &str) -> Vec<TextNode> {
    let mut nodes: Vec<TextNode> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // The tree ends where the statement's own lines begin (Planning:, Execution Time:, …).
        if n > 0 && !line.starts_with(' ') {
            break;
        }
        let trimmed = line.trim_start();
        let node_line = if n == 0 {
            Some(trimmed)
        } else {
            trimmed.strip_prefix("->  ")
        };
        match node_line {
            Some(node_line) => {
                // The parent's last detail line was this node's name, when it is a subplan.
                let label = nodes
                    .last_mut()
                    .filter(|_| pending.is_empty())
                    .and_then(|parent| {
                        let last = parent.details.last()?;
                        is_subplan_label(last).then(|| parent.details.pop())?
                    });
                nodes.push(parse_node_line(node_line, label));
            }
            None => match nodes.last_mut() {
                Some(node) => node.details.push(trimmed.to_string()),
                None => pending.push(trimmed.to_string()),
            },
        }
    }
    nodes
}

fn is_subplan_label(line: &str) -> bool {
    ["InitPlan ", "SubPlan ", "CTE "]
        .iter()
        .any(|p| line.starts_with(p))
        && !line.contains(": ")
}

fn parse_node_line(line: &str, label: Option<String>) -> TextNode {
    let (head, rest) = line.split_once("  (cost=").unwrap_or((line, ""));
    let actual = rest.split_once("(actual ").map(|(_, a)| {
        let value = |key: &str| -> f64 {
            a.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .map(|v| v.trim_end_matches(')'))
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        };
        (value("rows="), value("loops="))
    });
    TextNode {
        head: head.to_string(),
        label,
        details: Vec::new(),
        never_executed: rest.contains("(never executed)"),
        actual,
    }
}

/// The label of a detail line: `Hash Cond` of `Hash Cond: (a = b)`.
pub fn label(line: &str) -> &str {
    line.split_once(": ").map_or(line, |(label, _)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_lines_labels_and_details() {
        let text = "Limit  (cost=1.00..2.00 rows=1 width=4)\n  InitPlan 1 (returns $0)\n    ->  Result  (cost=0.00..0.01 rows=1 width=4)\n  ->  Seq Scan on t x  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..0.2 rows=3 loops=2)\n        Filter: (a > $0)";
        let nodes = nodes(text);
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[1].label.as_deref(), Some("InitPlan 1 (returns $0)"));
        assert!(nodes[0].details.is_empty());
        assert_eq!(nodes[2].head, "Seq Scan on t x");
        assert_eq!(nodes[2].details, ["Filter: (a > $0)"]);
        assert_eq!(nodes[2].actual, Some((3.0, 2.0)));
    }
}
