//! Catalog snapshots built by hand, for the pure status and plan rules.

use hotidx::catalog::{BackendKind, CatalogSnapshot, IndexInfo, TableInfo};

pub fn table(name: &str) -> TableInfo {
    TableInfo {
        schema: "public".into(),
        name: name.into(),
        estimated_rows: Some(1000),
        size_bytes: Some(8192),
    }
}

pub fn index(name: &str, table: &str, columns: &[&str]) -> IndexInfo {
    IndexInfo {
        schema: "public".into(),
        name: name.into(),
        table: table.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        include: vec![],
        unique: false,
        primary: false,
        predicate: None,
        method: "btree".into(),
        valid: true,
        ready: true,
        size_bytes: Some(8192),
        usage: None,
    }
}

/// The parent: three mdraft tables with the baseline's four indexes.
pub fn parent() -> CatalogSnapshot {
    CatalogSnapshot {
        backend: BackendKind::Postgres,
        server_version: "PostgreSQL 15.20".into(),
        server_version_num: 150_020,
        usage_tracked: true,
        sizes_known: true,
        stats_reset: None,
        tables: vec![table("conversions"), table("jobs"), table("users")],
        indexes: vec![
            index("ix_conversions_sha256", "conversions", &["sha256"]),
            index("ix_conversions_user_id", "conversions", &["user_id"]),
            index(
                "ix_conversions_visitor_session_id",
                "conversions",
                &["visitor_session_id"],
            ),
            IndexInfo {
                unique: true,
                ..index("ix_users_email", "users", &["email"])
            },
        ],
    }
}
