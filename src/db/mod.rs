//! The core's database layer: one interface, a PostgreSQL and a SQLite implementation beside it.

mod error;
pub mod postgres;
pub mod postgres_catalog;
mod refresh;
pub mod sqlite;

pub use error::{DbError, server_message};
pub use refresh::{ReadKind, Refresher};

use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use crate::catalog::CatalogSnapshot;
use crate::config::Target;

/// Whether the session may write. Read-only is enforced by the database itself
/// (`default_transaction_read_only` on PostgreSQL, a read-only open on SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// An open session on one database.
pub enum Database {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl Database {
    pub async fn connect(target: &Target, access: Access) -> Result<Database, DbError> {
        let read_only = access == Access::ReadOnly;
        match target {
            Target::Postgres(pg) => Ok(Database::Postgres(postgres::connect(pg, read_only).await?)),
            Target::Sqlite(file) => Ok(Database::Sqlite(
                sqlite::connect(&file.path, read_only).await?,
            )),
        }
    }

    /// Every user table and index, with sizes and usage where the server keeps them.
    pub async fn snapshot(&mut self) -> Result<CatalogSnapshot, DbError> {
        match self {
            Database::Postgres(conn) => postgres::snapshot(conn).await,
            Database::Sqlite(conn) => sqlite::snapshot(conn).await,
        }
    }

    /// The `alembic_version` rows, or `None` when the database has no such table; on
    /// PostgreSQL the one beside the mdraft tables of `snapshot` is preferred.
    pub async fn alembic_versions(
        &mut self,
        snapshot: &CatalogSnapshot,
    ) -> Result<Option<Vec<String>>, DbError> {
        match self {
            Database::Postgres(conn) => {
                let schema = snapshot
                    .find_table("conversions")
                    .map(|t| t.schema.as_str());
                postgres::alembic_versions(conn, schema).await
            }
            Database::Sqlite(conn) => sqlite::alembic_versions(conn).await,
        }
    }

    pub async fn close(self) {
        match self {
            Database::Postgres(conn) => postgres::close(conn).await,
            Database::Sqlite(conn) => sqlite::close(conn).await,
        }
    }
}
