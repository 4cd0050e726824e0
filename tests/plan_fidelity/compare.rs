//! One statement's plan compared node for node: hotidx's parse of the JSON against the JSON
//! itself and against PostgreSQL's text.

use hotidx::explain::{PlanNode, postgres};
use serde_json::Value;

use super::oracle::{self, TextNode};

/// Detail lines whose text must be PostgreSQL's, both ways (timings vary between runs).
const COMPARED: &[&str] = &[
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "Index Cond",
    "Recheck Cond",
    "One-Time Filter",
    "Order By",
    "Filter",
    "Cache Key",
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Hash Key",
    "Workers Planned",
    "Workers Launched",
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
    "Heap Fetches",
    "Sort Method",
    "Buckets",
    "Buffers",
];

/// Figures of a parallel part that differ between two runs of the same plan.
const RUN_DEPENDENT: &[&str] = &[
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
    "Heap Fetches",
    "Sort Method",
    "Buckets",
    "Buffers",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    Planned,
    Analyzed,
    /// Under a Gather, with ANALYZE.
    AnalyzedInParallel,
}

/// JSON fields and what hotidx keeps of them.
type TextField = fn(&PlanNode) -> Option<&str>;
type ListField = fn(&PlanNode) -> &[String];

const TEXT_FIELDS: &[(&str, TextField)] = &[
    ("Hash Cond", |n| n.hash_cond.as_deref()),
    ("Merge Cond", |n| n.merge_cond.as_deref()),
    ("Join Filter", |n| n.join_filter.as_deref()),
    ("Index Cond", |n| n.index_cond.as_deref()),
    ("Recheck Cond", |n| n.recheck_cond.as_deref()),
    ("One-Time Filter", |n| n.one_time_filter.as_deref()),
    ("Order By", |n| n.order_by.as_deref()),
    ("Filter", |n| n.filter.as_deref()),
    ("Cache Key", |n| n.cache_key.as_deref()),
    ("Index Name", |n| n.index.as_deref()),
    ("Alias", |n| n.alias.as_deref()),
    ("Subplan Name", |n| n.subplan_name.as_deref()),
    ("CTE Name", |n| n.cte_name.as_deref()),
    ("Function Name", |n| n.function_name.as_deref()),
    ("Node Type", |n| Some(n.node_type.as_str())),
];
const LIST_FIELDS: &[(&str, ListField)] = &[
    ("Sort Key", |n| &n.sort_key),
    ("Presorted Key", |n| &n.presorted_key),
    ("Group Key", |n| &n.group_key),
];

#[derive(Default)]
pub struct Tally {
    /// Plans compared: one per statement, and one more for each run with ANALYZE.
    pub plans: usize,
    pub analyzed: usize,
    pub nodes: usize,
    pub node_lines_matched: usize,
    pub fields: usize,
    pub fields_matched: usize,
    pub details: usize,
    pub details_matched: usize,
    pub mismatches: Vec<String>,
    /// Every node name seen, to show what the statements cover.
    pub names: std::collections::BTreeSet<String>,
}

/// The raw JSON nodes in the order the text prints them (depth first), without recursion.
fn json_nodes(document: &str) -> Vec<Value> {
    let mut deserializer = serde_json::Deserializer::from_str(document);
    deserializer.disable_recursion_limit();
    let value: Value = serde::Deserialize::deserialize(&mut deserializer).expect("JSON");
    let mut out = Vec::new();
    let mut stack = vec![value[0]["Plan"].clone()];
    while let Some(mut node) = stack.pop() {
        let children = node
            .as_object_mut()
            .and_then(|o| o.remove("Plans"))
            .and_then(|p| p.as_array().cloned())
            .unwrap_or_default();
        out.push(node);
        stack.extend(children.into_iter().rev());
    }
    out
}

pub fn compare(tally: &mut Tally, name: &str, document: &str, text: &str, analyzed: bool) {
    let (plan, _) = postgres::parse_text(document).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ours = plan.walk();
    let theirs = oracle::nodes(text);
    let raw = json_nodes(document);
    tally.plans += 1;
    tally.analyzed += usize::from(analyzed);
    tally.nodes += theirs.len();
    if ours.len() != theirs.len() || raw.len() != theirs.len() {
        tally.mismatches.push(format!(
            "{name}: {} nodes parsed, {} in JSON, {} in text",
            ours.len(),
            raw.len(),
            theirs.len()
        ));
        return;
    }
    // Below a Gather, which worker did what differs from run to run: the two ANALYZE runs
    // (JSON, text) agree on the plan there, not on its figures.
    let mut gather_at = None;
    let in_parallel: Vec<bool> = plan
        .walk_with_depth()
        .into_iter()
        .map(|(depth, node)| {
            if gather_at.is_some_and(|g| depth <= g) {
                gather_at = None;
            }
            let inside = gather_at.is_some();
            if !inside && node.node_type.starts_with("Gather") {
                gather_at = Some(depth);
            }
            inside
        })
        .collect();
    for (((node, text_node), json), parallel) in ours.iter().zip(&theirs).zip(&raw).zip(in_parallel)
    {
        let run = match (analyzed, parallel) {
            (false, _) => Run::Planned,
            (true, false) => Run::Analyzed,
            (true, true) => Run::AnalyzedInParallel,
        };
        compare_node(tally, name, node, text_node, json, run);
    }
    for width in [80, 40] {
        for line in plan.render_wrapped(width) {
            if line.chars().count() > width {
                tally
                    .mismatches
                    .push(format!("{name}: wider than {width}: {line}"));
            }
        }
    }
}

fn compare_node(
    tally: &mut Tally,
    name: &str,
    node: &PlanNode,
    text: &TextNode,
    json: &Value,
    run: Run,
) {
    tally.names.insert(node.display_name.clone());
    if node.node_line() == text.head {
        tally.node_lines_matched += 1;
    } else {
        tally.mismatches.push(format!(
            "{name}: node line {:?} ≠ text {:?}",
            node.node_line(),
            text.head
        ));
    }
    let mut check = |what: &str, ok: bool, detail: String| {
        tally.fields += 1;
        if ok {
            tally.fields_matched += 1;
        } else {
            tally.mismatches.push(format!("{name}: {what}: {detail}"));
        }
    };
    check(
        "subplan label",
        node.subplan_name == text.label,
        format!("{:?} ≠ {:?}", node.subplan_name, text.label),
    );
    for (key, field) in TEXT_FIELDS {
        let expected = json.get(*key).and_then(Value::as_str);
        check(
            key,
            field(node) == expected,
            format!("{:?} ≠ {expected:?}", field(node)),
        );
    }
    for (key, field) in LIST_FIELDS {
        let expected: Vec<String> = json
            .get(*key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        check(
            key,
            field(node) == expected.as_slice(),
            format!("{:?} ≠ {expected:?}", field(node)),
        );
    }
    if run != Run::Planned {
        check(
            "never executed",
            node.never_executed() == text.never_executed,
            format!("{} ≠ {}", node.never_executed(), text.never_executed),
        );
        if let Some((rows, loops)) = text.actual.filter(|_| run == Run::Analyzed) {
            let ours = (
                node.actual_rows.unwrap_or(f64::NAN),
                node.loops.unwrap_or(f64::NAN),
            );
            check(
                "actual rows/loops",
                ours == (rows, loops),
                format!("{ours:?} ≠ {rows}/{loops}"),
            );
        }
    }
    let shown = |lines: &[String]| -> Vec<String> {
        let mut kept: Vec<String> = lines
            .iter()
            .filter(|l| COMPARED.contains(&oracle::label(l)))
            // The JSON rounds rows removed per loop: 0 is "none" or "under half a row a loop",
            // and only the second is printed. Not a thing a parser of the JSON can know.
            .filter(|l| !(l.starts_with("Rows Removed") && l.ends_with(": 0")))
            .filter(|l| {
                run != Run::AnalyzedInParallel || !RUN_DEPENDENT.contains(&oracle::label(l))
            })
            .cloned()
            .collect();
        kept.sort();
        kept
    };
    let (mine, printed) = (shown(&node.detail_lines()), shown(&text.details));
    tally.details += printed.len().max(mine.len());
    tally.details_matched += mine.iter().filter(|l| printed.contains(l)).count();
    if mine != printed {
        tally.mismatches.push(format!(
            "{name}: {}: details {mine:?} ≠ text {printed:?}",
            text.head
        ));
    }
}
