//! Typed errors of the core, so callers can tell auth failures from unreachable hosts.
//!
//! Messages are one line, say what was wrong and what to do, and never contain a password:
//! they are built from the target's display form and the server's own message text only.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Usage(String),
    #[error("malformed database URL: {0}")]
    MalformedUrl(String),
    #[error("cannot reach {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error(
        "timed out after {secs} s connecting to {target}: check the host and port, or raise PGCONNECT_TIMEOUT"
    )]
    Timeout { target: String, secs: u64 },
    #[error(
        "authentication failed for {target}: {detail} (check the user and password in the URL, PGPASSWORD or ~/.pgpass)"
    )]
    AuthFailed { target: String, detail: String },
    #[error(
        "database \"{database}\" does not exist on {server}: check the database name in the URL or PGDATABASE"
    )]
    NoDatabase { server: String, database: String },
    #[error("TLS failed for {target}: {reason} (see sslmode in the URL or PGSSLMODE)")]
    Tls { target: String, reason: String },
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error(
        "SQLite file {} does not exist (hotidx never creates one; `hotidx demo --database-url {}` builds a demo there)",
        .0.display(), .0.display()
    )]
    NoSqliteFile(PathBuf),
    #[error("{} is not a SQLite database: point --database-url at a SQLite file or use postgres://", .0.display())]
    NotSqlite(PathBuf),
    #[error("cannot open SQLite file {}: {reason}", .path.display())]
    SqliteOpen { path: PathBuf, reason: String },
    #[error(
        "{target} has no mdraft table{} {}: is this the mdraft database? (`hotidx indexes` still lists what is there)",
        if .missing.len() == 1 { "" } else { "s" }, .missing.join(", ")
    )]
    MissingTables {
        target: String,
        missing: Vec<String>,
    },
    #[error("{context}: {reason}")]
    Query { context: String, reason: String },
    /// Connected fine, but the work could not be done (refused, cancelled, failed).
    #[error("{0}")]
    Failed(String),
}

impl DbError {
    /// 2 for usage and connection errors, 1 for anything that failed after connecting.
    pub fn exit_code(&self) -> i32 {
        match self {
            DbError::Query { .. } | DbError::Failed(_) => 1,
            _ => 2,
        }
    }

    pub fn query(context: impl Into<String>, error: sqlx::Error) -> DbError {
        DbError::Query {
            context: context.into(),
            reason: server_message(&error),
        }
    }
}

/// The server's message for a database error, the plain text otherwise.
pub fn server_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}
