//! The status rules as a pure function of a catalog snapshot and the version rows.

mod common;

use common::snapshots::{index, parent, with_all_nine};
use hotidx::catalog::{CatalogSnapshot, IndexInfo};
use hotidx::migration::{IndexState, OverallStatus, PARENT_REVISION, migration_status};

fn state(snapshot: &CatalogSnapshot, versions: &[&str], name: &str) -> IndexState {
    let versions = Some(versions.iter().map(|v| v.to_string()).collect());
    let status = migration_status(snapshot, versions);
    status
        .indexes
        .iter()
        .find(|i| i.name == name)
        .expect(name)
        .state
}

fn overall(snapshot: &CatalogSnapshot, versions: Option<&[&str]>) -> OverallStatus {
    let versions = versions.map(|v| v.iter().map(|s| s.to_string()).collect());
    migration_status(snapshot, versions).overall
}

#[test]
fn parent_is_pending_never_partial_or_drift() {
    assert_eq!(
        overall(&parent(), Some(&[PARENT_REVISION])),
        OverallStatus::Pending
    );
}

#[test]
fn a_partial_or_hash_index_does_not_cover() {
    let mut snapshot = parent();
    snapshot.indexes.push(IndexInfo {
        predicate: Some("status = 'QUEUED'".into()),
        ..index("ix_status_queued", "conversions", &["status"])
    });
    snapshot.indexes.push(IndexInfo {
        method: "hash".into(),
        ..index("ix_status_hash", "conversions", &["status"])
    });
    assert_eq!(
        state(&snapshot, &[PARENT_REVISION], "ix_conversions_status"),
        IndexState::Missing
    );
}

#[test]
fn an_invalid_index_does_not_cover_but_a_wider_valid_one_does() {
    let mut snapshot = parent();
    snapshot.indexes.push(IndexInfo {
        valid: false,
        ..index("ix_jobs_status_old", "jobs", &["status"])
    });
    assert_eq!(
        state(&snapshot, &[PARENT_REVISION], "ix_jobs_status"),
        IndexState::Missing
    );
    snapshot.indexes.push(index(
        "ix_jobs_status_created_at",
        "jobs",
        &["status", "created_at DESC"],
    ));
    assert_eq!(
        state(&snapshot, &[PARENT_REVISION], "ix_jobs_status"),
        IndexState::Covered
    );
    // Covered by another name is not "built by the migration": still pending, not partial.
    assert_eq!(
        overall(&snapshot, Some(&[PARENT_REVISION])),
        OverallStatus::Pending
    );
}

#[test]
fn a_descending_column_is_a_different_definition() {
    let mut snapshot = parent();
    snapshot
        .indexes
        .push(index("ix_jobs_created_at", "jobs", &["created_at DESC"]));
    assert_eq!(
        state(&snapshot, &["2a301fa09a8a"], "ix_jobs_created_at"),
        IndexState::DifferentDefinition
    );
}

#[test]
fn applied_needs_all_nine_and_two_version_rows_are_unknown() {
    let mut snapshot = with_all_nine(parent());
    // ix_conversions_sha256 is there from the parent; the composite also covers it.
    assert_eq!(
        overall(&snapshot, Some(&["2a301fa09a8a"])),
        OverallStatus::Applied
    );
    snapshot.indexes.retain(|i| i.name != "ix_jobs_user_id");
    assert_eq!(
        overall(&snapshot, Some(&["2a301fa09a8a"])),
        OverallStatus::Drift
    );
    assert_eq!(
        overall(&snapshot, Some(&["2a301fa09a8a", "other_head"])),
        OverallStatus::UnknownRevision
    );
    assert_eq!(overall(&snapshot, None), OverallStatus::Unversioned);
}

#[test]
fn tables_in_another_schema_are_found_when_unambiguous() {
    let mut snapshot = parent();
    for t in &mut snapshot.tables {
        t.schema = "app".into();
    }
    for i in &mut snapshot.indexes {
        i.schema = "app".into();
    }
    let status = migration_status(&snapshot, Some(vec![PARENT_REVISION.into()]));
    assert!(status.missing_tables.is_empty());
    let sha = status
        .indexes
        .iter()
        .find(|i| i.name == "ix_conversions_sha256")
        .unwrap();
    assert_eq!(sha.state, IndexState::Present);
    assert_eq!(
        sha.actual_index.as_deref(),
        Some("app.ix_conversions_sha256")
    );
}

#[test]
fn an_interrupted_upgrade_outside_the_public_schema_is_partial() {
    // The same parent, in schema `app`, with one of the migration's indexes already built.
    let mut snapshot = parent();
    for table in &mut snapshot.tables {
        table.schema = "app".into();
    }
    for index in &mut snapshot.indexes {
        index.schema = "app".into();
    }
    snapshot.indexes.push(IndexInfo {
        schema: "app".into(),
        ..index("ix_jobs_status", "jobs", &["status"])
    });
    assert_eq!(
        overall(&snapshot, Some(&[PARENT_REVISION])),
        OverallStatus::Partial,
        "app.ix_jobs_status is the migration's own index, built"
    );
}
