//! What deserves a look on an index, and what it costs: INVALID, a duplicate or a prefix of
//! another index with the same uniqueness, never scanned since the statistics reset. Shared by
//! the `indexes` command and the TUI, computed once per snapshot.

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

/// Findings for one index, in the order a DBA would act on them.
pub fn for_index(snapshot: &CatalogSnapshot, index: &IndexInfo) -> Vec<Finding> {
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
    let plain = |i: &IndexInfo| i.valid && i.method == "btree" && i.predicate.is_none();
    if plain(index) && !index.unique {
        let wider = snapshot
            .indexes
            .iter()
            .filter(|o| o.name != index.name && o.schema == index.schema && o.table == index.table)
            .filter(|o| plain(o) && o.columns.len() >= index.columns.len())
            .find(|o| o.columns.iter().zip(&index.columns).all(|(a, b)| a == b));
        if let Some(other) = wider {
            let (kind, what) = if other.columns.len() == index.columns.len() {
                ("duplicate", "duplicate of")
            } else {
                ("prefix", "prefix of")
            };
            found.push(finding(kind, format!("{what} {}", other.name)));
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

/// Every finding of a snapshot, biggest cost first.
pub fn all(snapshot: &CatalogSnapshot) -> Vec<Finding> {
    let mut found: Vec<Finding> = snapshot
        .indexes
        .iter()
        .flat_map(|i| for_index(snapshot, i))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.size_bytes.unwrap_or(0)));
    found
}
