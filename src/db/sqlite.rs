//! SQLite: opening a file without ever creating one, and the catalog from `sqlite_schema`, the
//! `pragma_index_list` / `pragma_index_xinfo` table functions and `dbstat`.

use std::collections::HashMap;
use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};

use super::DbError;
use crate::catalog::{BackendKind, CatalogSnapshot, IndexInfo, TableInfo};

/// SQLite's primary result code for "file is not a database".
const SQLITE_NOTADB: &str = "26";

pub async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, DbError> {
    if !path.exists() {
        return Err(DbError::NoSqliteFile(path.to_path_buf()));
    }
    if path.is_dir() {
        return Err(DbError::NotSqlite(path.to_path_buf()));
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        // foreign_keys is a per-connection setting; leave the file's behaviour as it is.
        .foreign_keys(false);
    let mut conn = options.connect().await.map_err(|e| DbError::SqliteOpen {
        path: path.to_path_buf(),
        reason: super::server_message(&e),
    })?;
    // SQLite opens anything lazily; the first read of the schema tells a database from a text file.
    let probe = sqlx::query("SELECT count(*) FROM sqlite_schema")
        .fetch_one(&mut conn)
        .await;
    match probe {
        Ok(_) => Ok(conn),
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(SQLITE_NOTADB) => {
            Err(DbError::NotSqlite(path.to_path_buf()))
        }
        Err(e) => Err(DbError::SqliteOpen {
            path: path.to_path_buf(),
            reason: super::server_message(&e),
        }),
    }
}

const TABLES: &str = "SELECT name, sql FROM sqlite_schema \
     WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

/// One row per index column, every table at once.
const INDEX_COLUMNS: &str = "\
SELECT m.name AS table_name, il.name AS index_name, il.\"unique\" AS is_unique, il.origin,
       il.partial, x.seqno, x.cid, x.name AS column_name, x.\"desc\" AS is_desc, x.key AS is_key,
       x.coll AS collation, s.sql AS index_sql
FROM sqlite_schema AS m
JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_xinfo(il.name) AS x
LEFT JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = il.name
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name, il.name, x.seqno";

/// Bytes and leaf cells per b-tree; leaf cells of a rowid table are exactly its rows.
const SIZES: &str = "\
SELECT name, SUM(pgsize) AS bytes,
       SUM(CASE WHEN pagetype = 'leaf' THEN ncell ELSE 0 END) AS leaf_cells
FROM dbstat GROUP BY name";

pub async fn snapshot(conn: &mut SqliteConnection) -> Result<CatalogSnapshot, DbError> {
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::query("reading the SQLite version", e))?;
    let sizes = read_sizes(conn).await?;
    let tables = read_tables(conn, sizes.as_ref()).await?;
    let indexes = read_indexes(conn, sizes.as_ref()).await?;
    Ok(CatalogSnapshot {
        backend: BackendKind::Sqlite,
        server_version_num: version_number(&version),
        server_version: format!("SQLite {version}"),
        usage_tracked: false,
        sizes_known: sizes.is_some(),
        stats_reset: None,
        tables,
        indexes,
    })
}

/// `3.46.0` → 3046000, SQLite's own `SQLITE_VERSION_NUMBER` scheme.
fn version_number(version: &str) -> u32 {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    let patch = parts.next().unwrap_or(0);
    major * 1_000_000 + minor * 1_000 + patch
}

struct BtreeSize {
    bytes: i64,
    leaf_cells: i64,
}

/// `None` when this SQLite was built without the `dbstat` virtual table: sizes are then unknown.
async fn read_sizes(
    conn: &mut SqliteConnection,
) -> Result<Option<HashMap<String, BtreeSize>>, DbError> {
    match sqlx::query(SIZES).fetch_all(&mut *conn).await {
        Ok(rows) => Ok(Some(
            rows.iter()
                .map(|r| {
                    let size = BtreeSize {
                        bytes: r.get("bytes"),
                        leaf_cells: r.get("leaf_cells"),
                    };
                    (r.get::<String, _>("name"), size)
                })
                .collect(),
        )),
        Err(sqlx::Error::Database(db)) if db.message().contains("no such table: dbstat") => {
            Ok(None)
        }
        Err(e) => Err(DbError::query("measuring SQLite objects with dbstat", e)),
    }
}

async fn read_tables(
    conn: &mut SqliteConnection,
    sizes: Option<&HashMap<String, BtreeSize>>,
) -> Result<Vec<TableInfo>, DbError> {
    let rows = sqlx::query(TABLES)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| DbError::query("listing SQLite tables", e))?;
    Ok(rows
        .iter()
        .map(|row| {
            let name: String = row.get("name");
            let size = sizes.and_then(|s| s.get(&name));
            TableInfo {
                schema: "main".into(),
                estimated_rows: size.map(|s| s.leaf_cells),
                size_bytes: size.map(|s| s.bytes),
                name,
            }
        })
        .collect())
}

async fn read_indexes(
    conn: &mut SqliteConnection,
    sizes: Option<&HashMap<String, BtreeSize>>,
) -> Result<Vec<IndexInfo>, DbError> {
    let rows = sqlx::query(INDEX_COLUMNS)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| DbError::query("listing SQLite indexes", e))?;
    let mut indexes: Vec<IndexInfo> = Vec::new();
    for row in &rows {
        let index_name: String = row.get("index_name");
        if indexes.last().map(|i| &i.name) != Some(&index_name) {
            let partial: bool = row.get("partial");
            let sql: Option<String> = row.get("index_sql");
            indexes.push(IndexInfo {
                schema: "main".into(),
                table: row.get("table_name"),
                columns: Vec::new(),
                include: Vec::new(),
                unique: row.get("is_unique"),
                primary: row.get::<String, _>("origin") == "pk",
                predicate: if partial {
                    sql.as_deref().and_then(where_clause)
                } else {
                    None
                },
                method: "btree".into(),
                valid: true,
                ready: true,
                size_bytes: sizes.and_then(|s| s.get(&index_name)).map(|s| s.bytes),
                usage: None,
                name: index_name,
            });
        }
        // Only key columns; xinfo also lists the trailing rowid that every index entry carries.
        if !row.get::<bool, _>("is_key") {
            continue;
        }
        let cid: i64 = row.get("cid");
        let seqno: i64 = row.get("seqno");
        let column = match (cid, row.get::<Option<String>, _>("column_name")) {
            (-2, _) | (_, None) => {
                let sql: Option<String> = row.get("index_sql");
                expression_text(sql.as_deref(), seqno as usize)
                    .unwrap_or_else(|| "(expression)".to_string())
            }
            (-1, _) => "rowid".to_string(),
            (_, Some(name)) => name,
        };
        let collation: Option<String> = row.get("collation");
        // BINARY is SQLite's default; any other collation changes what the index serves.
        let column = match collation {
            Some(c) if cid != -2 && !c.eq_ignore_ascii_case("BINARY") => {
                format!("{column} COLLATE {c}")
            }
            _ => column,
        };
        let desc: bool = row.get("is_desc");
        let entry = if desc {
            format!("{column} DESC")
        } else {
            column
        };
        if let Some(index) = indexes.last_mut() {
            index.columns.push(entry);
        }
    }
    Ok(indexes)
}

/// The text of the `n`th item of `CREATE INDEX … ON t (a, lower(b) DESC, …)`, without its
/// ASC/DESC (added back from the catalog), for expression columns SQLite names no column for.
fn expression_text(sql: Option<&str>, n: usize) -> Option<String> {
    let sql = sql?;
    let on = sql.to_ascii_uppercase().find(" ON ")?;
    let open = on + sql[on..].find('(')?;
    let mut items = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None::<char>, open + 1);
    for (at, c) in sql[open..].char_indices().map(|(i, c)| (open + i, c)) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`' | '[') => quote = Some(if c == '[' { ']' } else { c }),
            (None, '(') => depth += 1,
            (None, ')') if depth == 1 => {
                items.push(sql[start..at].trim().to_string());
                break;
            }
            (None, ')') => depth -= 1,
            (None, ',') if depth == 1 => {
                items.push(sql[start..at].trim().to_string());
                start = at + 1;
            }
            _ => {}
        }
    }
    let item = items.get(n)?;
    let upper = item.to_ascii_uppercase();
    let trimmed = ["DESC", "ASC"]
        .iter()
        .find_map(|k| {
            upper
                .ends_with(&format!(" {k}"))
                .then(|| item[..item.len() - k.len() - 1].trim())
        })
        .unwrap_or(item);
    Some(trimmed.to_string())
}

/// The predicate of a partial index, from its `CREATE INDEX … WHERE …` text.
fn where_clause(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.rfind(" WHERE ")?;
    Some(sql[at + " WHERE ".len()..].trim().to_string())
}

/// The rows of `alembic_version`, or `None` when the table does not exist.
pub async fn alembic_versions(conn: &mut SqliteConnection) -> Result<Option<Vec<String>>, DbError> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'alembic_version'",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| DbError::query("looking for alembic_version", e))?;
    if exists == 0 {
        return Ok(None);
    }
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT CAST(version_num AS TEXT) FROM alembic_version ORDER BY 1")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| DbError::query("reading alembic_version", e))?;
    Ok(Some(rows))
}

/// Changes whenever another connection commits to the file (`PRAGMA data_version`).
pub async fn data_version(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::query("reading SQLite's data_version", e))
}

pub async fn close(conn: SqliteConnection) {
    let _ = conn.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_number_follows_sqlite_scheme() {
        assert_eq!(version_number("3.46.1"), 3_046_001);
    }

    #[test]
    fn expression_items_come_from_the_index_sql() {
        let sql = r#"CREATE INDEX "ix weird" ON "Has Space"(lower("A Col") DESC, b, substr(c, 1, 2)) WHERE b>0"#;
        assert_eq!(
            expression_text(Some(sql), 0).as_deref(),
            Some(r#"lower("A Col")"#)
        );
        assert_eq!(
            expression_text(Some(sql), 2).as_deref(),
            Some("substr(c, 1, 2)")
        );
        assert_eq!(expression_text(None, 0), None);
    }

    #[test]
    fn where_clause_is_the_text_after_where() {
        assert_eq!(
            where_clause("CREATE INDEX ix ON t (a) WHERE status = 'QUEUED'").as_deref(),
            Some("status = 'QUEUED'")
        );
        assert_eq!(where_clause("CREATE INDEX ix ON t (a)"), None);
    }
}
