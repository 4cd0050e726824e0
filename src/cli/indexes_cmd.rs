//! `hotidx indexes`: every index, grouped by table, with flags, size and usage.

use serde::Serialize;

use super::text_table::{self, left, right};
use super::{Format, TEXT_WIDTH, emit, open_for_reading, target_line, to_json};
use crate::catalog::{BackendKind, CatalogSnapshot, IndexInfo, TableInfo};
use crate::config::Target;
use crate::db::DbError;
use crate::units;

#[derive(Serialize)]
struct IndexesDocument<'a> {
    target: String,
    #[serde(flatten)]
    snapshot: &'a CatalogSnapshot,
    findings: Vec<crate::findings::Finding>,
}

pub async fn run(target: &Target, table: Option<&str>, format: Format) -> Result<i32, DbError> {
    let mut db = open_for_reading(target).await?;
    let mut snapshot = db.snapshot().await?;
    db.close().await;
    if let Some(name) = table {
        keep_only_table(&mut snapshot, name).map_err(|_| {
            DbError::Usage(format!(
                "no table named {name:?} in {}: run `hotidx indexes` to list them",
                target.display()
            ))
        })?;
    }
    let text = match format {
        Format::Json => to_json(&IndexesDocument {
            target: target.display(),
            findings: crate::findings::all(&snapshot),
            snapshot: &snapshot,
        }),
        Format::Text => render_text(&target_line(target, &snapshot.server_version), &snapshot),
    };
    emit(&text);
    Ok(0)
}

/// Narrows the snapshot to one table, named bare or schema-qualified.
fn keep_only_table(snapshot: &mut CatalogSnapshot, name: &str) -> Result<(), ()> {
    let table = snapshot
        .tables
        .iter()
        .find(|t| t.display_name() == name || format!("{}.{}", t.schema, t.name) == name)
        .or_else(|| snapshot.find_table(name))
        .cloned()
        .ok_or(())?;
    snapshot
        .tables
        .retain(|t| t.schema == table.schema && t.name == table.name);
    snapshot
        .indexes
        .retain(|i| i.schema == table.schema && i.table == table.name);
    Ok(())
}

pub fn render_text(target: &str, snapshot: &CatalogSnapshot) -> String {
    let mut out = format!("{:<11}{target}\n", "target");
    let usage = match (snapshot.backend, &snapshot.stats_reset) {
        (BackendKind::Sqlite, _) => "not tracked (SQLite keeps no index usage counts)".to_string(),
        (_, Some(reset)) => format!("counted since the statistics reset at {reset}"),
        (_, None) => "counted since the statistics were created (never reset)".to_string(),
    };
    out += &format!("{:<11}{usage}\n", "usage");
    if !snapshot.sizes_known {
        out += &format!("{:<11}unknown (this SQLite has no dbstat)\n", "sizes");
    }
    out.push('\n');

    let columns = columns(snapshot.usage_tracked);
    let mut groups: Vec<(&TableInfo, Vec<&IndexInfo>)> = snapshot
        .tables
        .iter()
        .map(|t| (t, snapshot.indexes_of(t).collect()))
        .collect();
    groups.sort_by_key(|(t, _)| t.display_name());
    let rows: Vec<Vec<String>> = groups
        .iter()
        .flat_map(|(_, indexes)| indexes.iter().map(|i| row(i, snapshot.usage_tracked)))
        .collect();
    let mut lines = text_table::render(&columns, &rows, TEXT_WIDTH, 2).into_iter();
    out += &lines.next().unwrap_or_default();
    out.push('\n');
    for (table, indexes) in &groups {
        out += &text_table::elide(
            &table_line(table, indexes.len(), snapshot.backend),
            TEXT_WIDTH,
        );
        out.push('\n');
        for line in lines.by_ref().take(indexes.len()) {
            out += &line;
            out.push('\n');
        }
    }
    if groups.is_empty() {
        out += "  (no user tables)\n";
    }
    let findings = crate::findings::all(snapshot);
    if !findings.is_empty() {
        out += "\nfindings (biggest first)\n";
        for finding in findings {
            let text = format!(
                "{} ({}): {}",
                finding.index,
                units::bytes(finding.size_bytes),
                finding.text
            );
            out += &text_table::wrapped("  ", &text, TEXT_WIDTH);
        }
    }
    out
}

fn columns(usage_tracked: bool) -> Vec<text_table::Column> {
    let mut columns = vec![
        left("INDEX", Some(18)),
        left("COLUMNS", Some(10)),
        left("FLAGS", Some(7)),
        right("SIZE"),
    ];
    if usage_tracked {
        columns.push(right("SCANS"));
        columns.push(right("TUP READ"));
    }
    columns
}

fn row(index: &IndexInfo, usage_tracked: bool) -> Vec<String> {
    let mut columns = index.columns.join(", ");
    if !index.include.is_empty() {
        columns += &format!(" INCLUDE ({})", index.include.join(", "));
    }
    let mut row = vec![
        index.name.clone(),
        columns,
        flags(index),
        units::bytes(index.size_bytes),
    ];
    if usage_tracked {
        let usage = index.usage.clone().unwrap_or_default();
        row.push(units::count(usage.idx_scan));
        row.push(units::count(usage.idx_tup_read));
    }
    row
}

fn flags(index: &IndexInfo) -> String {
    let mut flags = Vec::new();
    if !index.valid {
        flags.push("INVALID".to_string());
    }
    if !index.ready {
        flags.push("not ready".to_string());
    }
    if index.primary {
        flags.push("pk".to_string());
    } else if index.unique {
        flags.push("unique".to_string());
    }
    if index.predicate.is_some() {
        flags.push("partial".to_string());
    }
    if index.method != "btree" {
        flags.push(index.method.clone());
    }
    if flags.is_empty() {
        "-".to_string()
    } else {
        flags.join(",")
    }
}

fn table_line(table: &TableInfo, index_count: usize, backend: BackendKind) -> String {
    // PostgreSQL's figure is the planner's estimate; SQLite's is counted by dbstat.
    let about = if backend == BackendKind::Postgres {
        "~"
    } else {
        ""
    };
    let rows = match table.estimated_rows {
        Some(1) => format!("{about}1 row"),
        Some(n) => format!("{about}{} rows", units::grouped(n)),
        None => "rows unknown (not analysed)".to_string(),
    };
    let size = match table.size_bytes {
        Some(_) => units::bytes(table.size_bytes),
        None => "size unknown".to_string(),
    };
    let indexes = match index_count {
        0 => "no indexes".to_string(),
        1 => "1 index".to_string(),
        n => format!("{n} indexes"),
    };
    format!("{} · {rows} · {size} · {indexes}", table.display_name())
}
