//! The hot-indexes migration as data: its revisions, its nine indexes, its SQL per dialect.

pub mod plan;
pub mod progress;
pub mod run_postgres;
pub mod run_sqlite;
mod status;
mod watch_postgres;

pub use status::{IndexState, IndexStatus, MigrationStatus, OverallStatus, migration_status};

use std::time::Duration;

use tokio::sync::{mpsc::UnboundedSender, watch};

use self::plan::Plan;
use self::progress::{RunEvent, RunFailure, RunOutcome};
use crate::catalog::BackendKind;
use crate::config::Target;

/// Tries per DDL statement when `lock_timeout` fires, before giving up.
pub const LOCK_ATTEMPTS: u32 = 3;

/// Runs `plan` on `target`, for either front end: on PostgreSQL one statement at a time, each
/// waiting at most `lock_timeout` for its lock (retried); on SQLite in one transaction.
pub async fn run(
    target: &Target,
    plan: &Plan,
    lock_timeout: Duration,
    events: UnboundedSender<RunEvent>,
    cancel: watch::Receiver<bool>,
) -> Result<RunOutcome, RunFailure> {
    match target {
        Target::Postgres(pg) => {
            let settings = run_postgres::RunSettings {
                lock_timeout,
                lock_attempts: LOCK_ATTEMPTS,
            };
            run_postgres::run(pg, plan, settings, events, cancel).await
        }
        Target::Sqlite(file) => run_sqlite::run(&file.path, plan, events, cancel).await,
    }
}

pub const REVISION: &str = "2a301fa09a8a";
pub const PARENT_REVISION: &str = "add_visitor_session_to_jobs";
pub const TITLE: &str = "add_hot_indexes";

/// The tables the migration touches; without them there is nothing to migrate.
pub const TABLES: [&str; 3] = ["conversions", "jobs", "users"];

/// Who created an index: the parent revision's baseline already has four of the nine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Parent,
    Migration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedIndex {
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
    /// What the migration declares; all nine are declared non-unique.
    pub unique: bool,
    pub owner: Owner,
    /// The parent's own version of this index is unique (`ix_users_email`).
    pub unique_at_parent: bool,
}

const fn index(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    owner: Owner,
) -> ExpectedIndex {
    ExpectedIndex {
        name,
        table,
        columns,
        unique: false,
        owner,
        unique_at_parent: false,
    }
}

/// The nine indexes, in the order of the migration's table (see DESIGN.md).
pub const INDEXES: [ExpectedIndex; 9] = [
    index(
        "ix_conversions_sha256",
        "conversions",
        &["sha256"],
        Owner::Parent,
    ),
    index(
        "ix_conversions_status",
        "conversions",
        &["status"],
        Owner::Migration,
    ),
    index(
        "ix_conversions_user_id",
        "conversions",
        &["user_id"],
        Owner::Parent,
    ),
    index(
        "ix_conversions_visitor_session_id",
        "conversions",
        &["visitor_session_id"],
        Owner::Parent,
    ),
    index(
        "ix_conversions_sha256_status",
        "conversions",
        &["sha256", "status"],
        Owner::Migration,
    ),
    index("ix_jobs_user_id", "jobs", &["user_id"], Owner::Migration),
    index("ix_jobs_status", "jobs", &["status"], Owner::Migration),
    index(
        "ix_jobs_created_at",
        "jobs",
        &["created_at"],
        Owner::Migration,
    ),
    ExpectedIndex {
        unique_at_parent: true,
        ..index("ix_users_email", "users", &["email"], Owner::Parent)
    },
];

/// Which way a script goes, and whose semantics it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Upgrade,
    /// Back to the parent's index set exactly.
    Downgrade,
    /// The published downgrade, which also drops indexes the parent had.
    DowngradeLikeAlembic,
}

/// The migration's SQL for a dialect, as shipped in `migrations/`.
pub fn sql(backend: BackendKind, script: Script) -> &'static str {
    match (backend, script) {
        (BackendKind::Postgres, Script::Upgrade) => {
            include_str!("../../migrations/postgresql/upgrade.sql")
        }
        (BackendKind::Postgres, Script::Downgrade) => {
            include_str!("../../migrations/postgresql/downgrade.sql")
        }
        (BackendKind::Postgres, Script::DowngradeLikeAlembic) => {
            include_str!("../../migrations/postgresql/downgrade_like_alembic.sql")
        }
        (BackendKind::Sqlite, Script::Upgrade) => {
            include_str!("../../migrations/sqlite/upgrade.sql")
        }
        (BackendKind::Sqlite, Script::Downgrade) => {
            include_str!("../../migrations/sqlite/downgrade.sql")
        }
        (BackendKind::Sqlite, Script::DowngradeLikeAlembic) => {
            include_str!("../../migrations/sqlite/downgrade_like_alembic.sql")
        }
    }
}

/// The SQL statements of a script, comments stripped.
pub fn statements(backend: BackendKind, script: Script) -> Vec<&'static str> {
    sql(backend, script)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("--"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `… ix_name ON [public.]table (a, b);` → (name, table, [a, b]).
    fn parse_create(statement: &str) -> (String, String, Vec<String>) {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let on = words.iter().position(|w| *w == "ON").expect("ON");
        let table = words[on + 1].trim_start_matches("public.").to_string();
        let columns = statement
            [statement.find('(').expect("(") + 1..statement.rfind(')').expect(")")]
            .split(',')
            .map(|c| c.trim().to_string())
            .collect();
        (words[on - 1].to_string(), table, columns)
    }

    fn dropped(statement: &str) -> String {
        let last = statement.split_whitespace().last().expect("a name");
        last.trim_end_matches(';')
            .trim_start_matches("public.")
            .to_string()
    }

    #[test]
    fn upgrade_sql_creates_exactly_the_nine_indexes_in_the_data() {
        for backend in [BackendKind::Postgres, BackendKind::Sqlite] {
            let mut created: Vec<_> = statements(backend, Script::Upgrade)
                .into_iter()
                .map(parse_create)
                .collect();
            created.sort();
            let mut expected: Vec<_> = INDEXES
                .iter()
                .map(|i| {
                    let columns = i.columns.iter().map(|c| c.to_string()).collect();
                    (i.name.to_string(), i.table.to_string(), columns)
                })
                .collect();
            expected.sort();
            assert_eq!(created, expected, "{backend:?}");
        }
    }

    #[test]
    fn downgrade_drops_only_what_the_parent_did_not_have() {
        for backend in [BackendKind::Postgres, BackendKind::Sqlite] {
            let mut dropped: Vec<_> = statements(backend, Script::Downgrade)
                .into_iter()
                .map(dropped)
                .collect();
            dropped.sort();
            let mut added: Vec<_> = INDEXES
                .iter()
                .filter(|i| i.owner == Owner::Migration)
                .map(|i| i.name.to_string())
                .collect();
            added.sort();
            assert_eq!(dropped, added, "{backend:?}");
        }
    }

    #[test]
    fn published_downgrade_drops_parent_indexes_as_mdraft_md_says() {
        let pg: Vec<_> = statements(BackendKind::Postgres, Script::DowngradeLikeAlembic)
            .into_iter()
            .map(dropped)
            .collect();
        assert_eq!(pg.len(), 7);
        assert!(pg.contains(&"ix_conversions_user_id".to_string()));
        assert!(pg.contains(&"ix_conversions_visitor_session_id".to_string()));
        assert!(!pg.contains(&"ix_users_email".to_string()));
        assert!(!pg.contains(&"ix_conversions_sha256".to_string()));
        let sqlite = statements(BackendKind::Sqlite, Script::DowngradeLikeAlembic);
        assert_eq!(sqlite.len(), 9);
    }

    #[test]
    fn postgres_upgrade_builds_concurrently() {
        for statement in statements(BackendKind::Postgres, Script::Upgrade) {
            assert!(
                statement.starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS"),
                "{statement}"
            );
        }
    }
}
