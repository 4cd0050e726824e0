//! Migration status from BOTH the `alembic_version` row and the real indexes, never one alone.

use std::fmt;

use serde::Serialize;

use super::{ExpectedIndex, INDEXES, Owner, PARENT_REVISION, REVISION, TABLES};
use crate::catalog::{CatalogSnapshot, IndexInfo, TableInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverallStatus {
    /// Version row at 2a301fa09a8a and all nine indexes present (or covered) and valid.
    Applied,
    /// Version row at the parent; none of the five indexes the migration adds exists yet.
    Pending,
    /// Version row at the parent, yet some of the five exist: an interrupted upgrade.
    Partial,
    /// Version row at 2a301fa09a8a, but an index is missing, invalid or defined otherwise.
    Drift,
    /// Version row neither the parent nor 2a301fa09a8a.
    UnknownRevision,
    /// No `alembic_version` table, or an empty one.
    Unversioned,
}

impl fmt::Display for OverallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OverallStatus::Applied => "applied",
            OverallStatus::Pending => "pending",
            OverallStatus::Partial => "partial",
            OverallStatus::Drift => "drift",
            OverallStatus::UnknownRevision => "unknown revision",
            OverallStatus::Unversioned => "unversioned",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexState {
    Present,
    Missing,
    /// Exists but `indisvalid` is false (a failed concurrent build).
    Invalid,
    /// Exists under this name with other columns, method or predicate.
    DifferentDefinition,
    /// Another index, or a unique one of this name, gives the same access path.
    Covered,
}

impl IndexState {
    /// What the migration needs of this index is there: the index itself or one that serves.
    pub fn is_satisfied(self) -> bool {
        matches!(self, IndexState::Present | IndexState::Covered)
    }
}

impl fmt::Display for IndexState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IndexState::Present => "present",
            IndexState::Missing => "missing",
            IndexState::Invalid => "invalid",
            IndexState::DifferentDefinition => "different definition",
            IndexState::Covered => "covered",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexStatus {
    pub name: String,
    /// The schema of the table it belongs on; `None` when the table does not exist.
    pub schema: Option<String>,
    pub table: String,
    pub expected_columns: Vec<String>,
    pub owner: Owner,
    pub state: IndexState,
    /// The index actually found: this name, or the other index that covers it.
    pub actual_index: Option<String>,
    pub actual_columns: Option<Vec<String>>,
    /// What differs, what covers it, or what to know about it; one sentence.
    pub detail: Option<String>,
}

impl IndexStatus {
    /// The index found is this one, under its own name (`actual_index` is schema-qualified
    /// outside the default schema), not another that covers it.
    pub fn found_under_own_name(&self) -> bool {
        let found = self.actual_index.as_deref();
        found.map(|a| a.rsplit('.').next()) == Some(Some(self.name.as_str()))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub revision: &'static str,
    pub parent_revision: &'static str,
    /// The `alembic_version` rows; `None` when the table does not exist.
    pub versions: Option<Vec<String>>,
    pub overall: OverallStatus,
    pub summary: String,
    pub missing_tables: Vec<String>,
    pub indexes: Vec<IndexStatus>,
}

/// Pure: the same snapshot and version rows always give the same status.
pub fn migration_status(
    snapshot: &CatalogSnapshot,
    versions: Option<Vec<String>>,
) -> MigrationStatus {
    let indexes: Vec<IndexStatus> = INDEXES.iter().map(|e| index_status(snapshot, e)).collect();
    let missing_tables = TABLES
        .iter()
        .filter(|t| snapshot.find_table(t).is_none())
        .map(|t| t.to_string())
        .collect();
    let (overall, summary) = overall(versions.as_deref(), &indexes);
    MigrationStatus {
        revision: REVISION,
        parent_revision: PARENT_REVISION,
        versions,
        overall,
        summary,
        missing_tables,
        indexes,
    }
}

fn overall(versions: Option<&[String]>, indexes: &[IndexStatus]) -> (OverallStatus, String) {
    let satisfied = |i: &&IndexStatus| i.state.is_satisfied();
    // Without a known version the indexes alone say how far the database is.
    let tally = format!(
        "{} of the nine indexes present or covered",
        indexes.iter().filter(satisfied).count()
    );
    match versions {
        None => (
            OverallStatus::Unversioned,
            format!("unversioned: there is no alembic_version table; {tally}"),
        ),
        Some([]) => (
            OverallStatus::Unversioned,
            format!("unversioned: alembic_version is empty; {tally}"),
        ),
        Some([v]) if v == REVISION => {
            let problems: Vec<String> = indexes
                .iter()
                .filter(|i| !satisfied(i))
                .map(|i| format!("{} {}", i.name, i.state))
                .collect();
            if problems.is_empty() {
                (
                    OverallStatus::Applied,
                    format!("applied: at {REVISION}, all nine indexes present and valid"),
                )
            } else {
                (
                    OverallStatus::Drift,
                    format!("drift: at {REVISION}, but {}", problems.join(", ")),
                )
            }
        }
        Some([v]) if v == PARENT_REVISION => {
            let built: Vec<&str> = indexes
                .iter()
                .filter(|i| i.owner == Owner::Migration)
                .filter(|i| i.state != IndexState::Missing && i.found_under_own_name())
                .map(|i| i.name.as_str())
                .collect();
            let to_build = indexes.iter().filter(|i| !satisfied(i)).count();
            let parent_missing: Vec<&str> = indexes
                .iter()
                .filter(|i| i.owner == Owner::Parent && !satisfied(i))
                .map(|i| i.name.as_str())
                .collect();
            let parent_note = if parent_missing.is_empty() {
                String::new()
            } else {
                format!("; the parent's own {} missing", parent_missing.join(", "))
            };
            if built.is_empty() {
                let from_parent = indexes
                    .iter()
                    .filter(|i| i.owner == Owner::Parent && satisfied(i))
                    .count();
                (
                    OverallStatus::Pending,
                    format!(
                        "pending: at the parent {PARENT_REVISION}; {to_build} indexes to build, \
                         {from_parent} already there from the parent{parent_note}"
                    ),
                )
            } else {
                let verb = if built.len() == 1 { "exists" } else { "exist" };
                (
                    OverallStatus::Partial,
                    format!(
                        "partial: at the parent, yet {} {verb} (an interrupted upgrade?); \
                         {to_build} still to build{parent_note}",
                        built.join(", ")
                    ),
                )
            }
        }
        Some(rows) if rows.len() > 1 => (
            OverallStatus::UnknownRevision,
            format!(
                "unknown revision: alembic_version has {} rows ({}), several heads; hotidx \
                 expects one; {tally}",
                rows.len(),
                rows.join(", ")
            ),
        ),
        Some(other) => (
            OverallStatus::UnknownRevision,
            format!(
                "unknown revision: alembic_version holds {}, neither {PARENT_REVISION} nor \
                 {REVISION}; {tally}",
                other.join(", ")
            ),
        ),
    }
}

fn index_status(snapshot: &CatalogSnapshot, expected: &ExpectedIndex) -> IndexStatus {
    let mut status = IndexStatus {
        name: expected.name.into(),
        schema: None,
        table: expected.table.into(),
        expected_columns: expected.columns.iter().map(|c| c.to_string()).collect(),
        owner: expected.owner,
        state: IndexState::Missing,
        actual_index: None,
        actual_columns: None,
        detail: None,
    };
    let Some(table) = snapshot.find_table(expected.table) else {
        status.detail = Some(format!("table {} does not exist", expected.table));
        return status;
    };
    status.schema = Some(table.schema.clone());
    let (state, found, detail) = match snapshot.find_index(&table.schema, expected.name) {
        Some(index) => judge_named(snapshot, table, index, expected),
        None => match covering_index(snapshot, table, expected) {
            Some(other) => (
                IndexState::Covered,
                Some(other),
                Some(format!(
                    "not under this name: {} ({}) serves the same lookups",
                    other.name,
                    other.columns.join(", ")
                )),
            ),
            None => (IndexState::Missing, None, None),
        },
    };
    status.state = state;
    status.actual_index = found.map(|i| i.display_name());
    status.actual_columns = found.map(|i| i.columns.clone());
    status.detail = detail;
    status
}

type Judgement<'a> = (IndexState, Option<&'a IndexInfo>, Option<String>);

/// An index with the expected name exists: is it the one the migration means?
fn judge_named<'a>(
    snapshot: &'a CatalogSnapshot,
    table: &TableInfo,
    index: &'a IndexInfo,
    expected: &ExpectedIndex,
) -> Judgement<'a> {
    if index.table != table.name {
        let detail = format!("on table {}, not {}", index.table, table.name);
        return (IndexState::DifferentDefinition, Some(index), Some(detail));
    }
    if !index.valid {
        let detail = "INVALID (indisvalid = false), as a failed CREATE INDEX CONCURRENTLY leaves it: \
                      it serves no query and must be dropped and rebuilt";
        return (IndexState::Invalid, Some(index), Some(detail.into()));
    }
    let mut differences = Vec::new();
    if index.columns != expected.columns {
        differences.push(format!(
            "columns ({}) instead of ({})",
            index.columns.join(", "),
            expected.columns.join(", ")
        ));
    }
    if index.method != "btree" {
        differences.push(format!("method {} instead of btree", index.method));
    }
    if let Some(predicate) = &index.predicate {
        differences.push(format!(
            "partial (WHERE {predicate}) instead of a full index"
        ));
    }
    if !differences.is_empty() {
        let detail = differences.join("; ");
        return (IndexState::DifferentDefinition, Some(index), Some(detail));
    }
    if index.unique && !expected.unique {
        let detail = "unique, which serves the same lookups as the non-unique index the migration \
                      names (the parent's own definition)";
        return (IndexState::Covered, Some(index), Some(detail.into()));
    }
    let detail =
        (expected.unique_at_parent && !enforced_unique(snapshot, table, expected)).then(|| {
            format!(
                "not unique: the parent's {} is UNIQUE, and no other index enforces unique {}",
                expected.name,
                expected.columns.join(", ")
            )
        });
    (IndexState::Present, Some(index), detail)
}

fn enforced_unique(
    snapshot: &CatalogSnapshot,
    table: &TableInfo,
    expected: &ExpectedIndex,
) -> bool {
    snapshot
        .indexes_of(table)
        .any(|i| i.unique && i.valid && i.predicate.is_none() && i.columns == expected.columns)
}

/// A valid, full b-tree index whose leading columns are the expected ones: same access path.
/// Exact column lists first, then unique ones, then the narrowest.
fn covering_index<'a>(
    snapshot: &'a CatalogSnapshot,
    table: &'a TableInfo,
    expected: &ExpectedIndex,
) -> Option<&'a IndexInfo> {
    snapshot
        .indexes_of(table)
        .filter(|i| i.serves(expected.columns))
        .min_by_key(|i| (i.columns.len(), !i.unique, i.name.clone()))
}
