//! What deserves a look on an index, and what it costs: INVALID, a duplicate or a prefix of
//! another index with the same uniqueness, never scanned since the statistics reset. Shared by
//! the `indexes` command and the TUI, computed once per snapshot.

use std::collections::HashMap;

use serde::Serialize;

use crate::catalog::{CatalogSnapshot, IndexInfo};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `invalid`, `duplicate`, `prefix`, `unused`.
    pub kind: &'static str,
    pub index: String,
    pub table: String,
    /// One phrase, e.g. `prefix of ix_conversions_sha256_status`.
    pub text: String,
    /// What keeping the index costs on disk (and in every write to its table).
    pub size_bytes: Option<i64>,
}

/// Findings of every index, by position in the snapshot. Each index is compared with the other
/// indexes of its own table only, so the cost grows with the indexes, not with their square.
pub fn by_index(snapshot: &CatalogSnapshot) -> Vec<Vec<Finding>> {
    let mut by_table: HashMap<(&str, &str), Vec<&IndexInfo>> = HashMap::new();
    for index in &snapshot.indexes {
        by_table
            .entry((&index.schema, &index.table))
            .or_default()
            .push(index);
    }
    snapshot
        .indexes
        .iter()
        .map(|index| {
            let siblings = &by_table[&(index.schema.as_str(), index.table.as_str())];
            for_index(snapshot, index, siblings)
        })
        .collect()
}

/// Findings for one index, in the order a DBA would act on them; `siblings` are the indexes of
/// its table (itself included).
fn for_index(
    snapshot: &CatalogSnapshot,
    index: &IndexInfo,
    siblings: &[&IndexInfo],
) -> Vec<Finding> {
    let finding = |kind, text: String| Finding {
        kind,
        index: index.display_name(),
        table: index.table_display_name(),
        text,
        size_bytes: index.size_bytes,
    };
    let mut found = Vec::new();
    if !index.valid {
        found.push(finding(
            "invalid",
            "INVALID: serves no query; drop and rebuild it".into(),
        ));
    }
    if index.is_plain_btree() && !index.unique {
        let wider = siblings
            .iter()
            .copied()
            .filter(|o| o.name != index.name)
            .find(|o| o.serves(&index.columns));
        // Of two identical indexes only one is redundant: the later name, unless the earlier
        // one is not the migration's and the later one is.
        let redundant = wider.filter(|other| {
            other.columns.len() > index.columns.len()
                || keep_rank(other) < keep_rank(index)
                || (keep_rank(other) == keep_rank(index) && other.name < index.name)
        });
        if let Some(other) = redundant {
            let (kind, what) = if other.columns.len() == index.columns.len() {
                ("duplicate", "duplicate of")
            } else {
                ("prefix", "prefix of")
            };
            found.push(finding(
                kind,
                format!("{what} {}{}", other.name, expected_note(index)),
            ));
        }
    }
    let unused = index.usage.as_ref().is_some_and(|u| u.idx_scan == 0);
    // Unique and primary indexes enforce something even when no query reads them.
    if unused && !index.unique && !index.primary {
        let since = snapshot
            .stats_reset
            .as_deref()
            .map(|t| format!("the statistics reset at {t}"))
            .unwrap_or_else(|| "the statistics began (never reset)".into());
        found.push(finding(
            "unused",
            format!(
                "never scanned since {since}; replicas keep their own counts, check them first"
            ),
        ));
    }
    found
}

/// The migration's own indexes are kept first when two are the same.
fn keep_rank(index: &IndexInfo) -> u8 {
    if crate::migration::INDEXES
        .iter()
        .any(|e| e.name == index.name)
    {
        0
    } else {
        1
    }
}

/// Dropping one of the migration's nine makes status say drift and check fail: say so.
fn expected_note(index: &IndexInfo) -> &'static str {
    if keep_rank(index) == 0 {
        " (the migration expects it: dropping it reads as drift)"
    } else {
        ""
    }
}

/// Every finding of a snapshot, biggest cost first.
pub fn all(snapshot: &CatalogSnapshot) -> Vec<Finding> {
    let mut found: Vec<Finding> = by_index(snapshot).into_iter().flatten().collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.size_bytes.unwrap_or(0)));
    found
}
