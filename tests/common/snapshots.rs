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

/// The parent with all nine of the migration's indexes added: applied.
pub fn with_all_nine(mut snapshot: CatalogSnapshot) -> CatalogSnapshot {
    for expected in hotidx::migration::INDEXES {
        if snapshot.find_index("public", expected.name).is_none() {
            snapshot
                .indexes
                .push(index(expected.name, expected.table, expected.columns));
        }
    }
    snapshot
}

/// The upgrade plan for `snapshot` at the parent revision.
pub fn upgrade_plan(snapshot: &CatalogSnapshot) -> hotidx::migration::plan::Plan {
    use hotidx::migration::plan::{Direction, PlanOptions, plan};
    let versions = Some(vec![hotidx::migration::PARENT_REVISION.to_string()]);
    let status = hotidx::migration::migration_status(snapshot, versions);
    let options = PlanOptions {
        direction: Direction::Upgrade,
        concurrently: true,
        like_alembic: false,
        force: false,
    };
    plan(&status, snapshot.backend, options).expect("a plan")
}
