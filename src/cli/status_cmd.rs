//! `hotidx status`: where the database stands against the hot-indexes migration.

use serde::Serialize;

use super::text_table::{self, labelled, left};
use super::{Format, TEXT_WIDTH, emit, open_for_reading, target_line, to_json};
use crate::catalog::BackendKind;
use crate::config::Target;
use crate::db::DbError;
use crate::migration::{self, MigrationStatus, Owner};

#[derive(Serialize)]
struct StatusDocument<'a> {
    target: String,
    backend: BackendKind,
    server_version: &'a str,
    #[serde(flatten)]
    migration: &'a MigrationStatus,
}

pub async fn run(target: &Target, format: Format) -> Result<i32, DbError> {
    let mut db = open_for_reading(target).await?;
    let snapshot = db.snapshot().await?;
    let versions = db.alembic_versions(&snapshot).await?;
    db.close().await;
    let status = migration::migration_status(&snapshot, versions);
    let text = match format {
        Format::Json => to_json(&StatusDocument {
            target: target.display(),
            backend: snapshot.backend,
            server_version: &snapshot.server_version,
            migration: &status,
        }),
        Format::Text => render_text(&target_line(target, &snapshot.server_version), &status),
    };
    emit(&text);
    if status.missing_tables.is_empty() {
        Ok(0)
    } else {
        Err(DbError::MissingTables {
            target: target.display(),
            missing: status.missing_tables.clone(),
        })
    }
}

pub fn render_text(target: &str, status: &MigrationStatus) -> String {
    let mut out = String::new();
    out += &labelled("target", target);
    out += &labelled(
        "migration",
        &format!(
            "{} {}, parent {}",
            status.revision,
            migration::TITLE,
            status.parent_revision
        ),
    );
    let version = match &status.versions {
        None => "none (no alembic_version table)".to_string(),
        Some(rows) if rows.is_empty() => "none (alembic_version is empty)".to_string(),
        Some(rows) => rows.join(", "),
    };
    out += &labelled("version", &version);
    out += &labelled("status", &status.summary);
    if !status.missing_tables.is_empty() {
        out += &labelled(
            "missing",
            &format!("tables {}", status.missing_tables.join(", ")),
        );
    }
    out.push('\n');

    let columns = [
        left("INDEX", Some(20)),
        left("TABLE", Some(8)),
        left("COLUMNS", Some(10)),
        left("OWNER", None),
        left("STATE", None),
    ];
    let rows: Vec<Vec<String>> = status
        .indexes
        .iter()
        .map(|i| {
            vec![
                i.name.clone(),
                i.table.clone(),
                i.expected_columns.join(", "),
                match i.owner {
                    Owner::Parent => "parent".into(),
                    Owner::Migration => "migration".into(),
                },
                i.state.to_string(),
            ]
        })
        .collect();
    for line in text_table::render(&columns, &rows, TEXT_WIDTH, 0) {
        out += &line;
        out.push('\n');
    }
    let notes: Vec<_> = status
        .indexes
        .iter()
        .filter(|i| i.detail.is_some())
        .collect();
    if !notes.is_empty() {
        out += "\nnotes\n";
        for index in notes {
            let note = format!(
                "{}: {}",
                index.name,
                index.detail.as_deref().unwrap_or_default()
            );
            out += &text_table::wrapped("  ", &note, TEXT_WIDTH);
        }
    }
    out
}
