//! The catalog snapshot: every user table and index of one database, read in one go.
//!
//! Both backends fill the same shape. Where a backend does not know a figure (SQLite keeps no usage
//! counts; a SQLite without `dbstat` cannot size objects) the field is `None`, never a fake zero.

use serde::{Deserialize, Serialize};

/// Which kind of server a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    Postgres,
    Sqlite,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogSnapshot {
    pub backend: BackendKind,
    /// Human version string, e.g. `PostgreSQL 15.19` or `SQLite 3.46.0`.
    pub server_version: String,
    /// `server_version_num` on PostgreSQL; SQLite's `sqlite_version_number` style integer.
    pub server_version_num: u32,
    /// False on SQLite: it keeps no index usage counts.
    pub usage_tracked: bool,
    /// False when the server cannot measure object sizes (SQLite built without `dbstat`).
    pub sizes_known: bool,
    /// When this database's statistics were last reset (PostgreSQL), ISO 8601.
    pub stats_reset: Option<String>,
    pub tables: Vec<TableInfo>,
    pub indexes: Vec<IndexInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableInfo {
    pub schema: String,
    pub name: String,
    /// Planner estimate (PostgreSQL `reltuples`) or counted leaf cells (SQLite `dbstat`);
    /// `None` when the table was never analysed or the figure is unavailable.
    pub estimated_rows: Option<i64>,
    /// Heap plus TOAST bytes, without indexes.
    pub size_bytes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexInfo {
    pub schema: String,
    pub name: String,
    pub table: String,
    /// Key columns or expressions in index order, with ` DESC` / ` NULLS …` where not default.
    pub columns: Vec<String>,
    /// Non-key `INCLUDE` columns (PostgreSQL 11+).
    pub include: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    /// The `WHERE` clause of a partial index.
    pub predicate: Option<String>,
    /// Access method: `btree`, `hash`, `gin`, …
    pub method: String,
    /// `pg_index.indisvalid`: false after a failed `CREATE INDEX CONCURRENTLY`.
    pub valid: bool,
    /// `pg_index.indisready`.
    pub ready: bool,
    pub size_bytes: Option<i64>,
    /// `None` where the server keeps no usage counts (SQLite).
    pub usage: Option<IndexUsage>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexUsage {
    pub idx_scan: i64,
    pub idx_tup_read: i64,
    pub idx_tup_fetch: i64,
    /// PostgreSQL 16 and later only.
    pub last_idx_scan: Option<String>,
}

/// The schema a bare name refers to: PostgreSQL's `public`, SQLite's `main`.
pub fn is_default_schema(schema: &str) -> bool {
    schema == "public" || schema == "main"
}

/// `name` in the default schema, `schema.name` elsewhere.
pub fn qualified(schema: &str, name: &str) -> String {
    if is_default_schema(schema) {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

/// How SQL names `table` of `schema`: bare in the default schema (the mdraft tables' own
/// names need no quoting), else after the quoted schema, `"app".jobs`.
pub fn sql_table(schema: &str, table: &str) -> String {
    if is_default_schema(schema) {
        table.to_string()
    } else {
        format!("\"{}\".{table}", schema.replace('"', "\"\""))
    }
}

impl TableInfo {
    pub fn display_name(&self) -> String {
        qualified(&self.schema, &self.name)
    }
}

impl IndexInfo {
    pub fn display_name(&self) -> String {
        qualified(&self.schema, &self.name)
    }

    pub fn table_display_name(&self) -> String {
        qualified(&self.schema, &self.table)
    }

    /// A valid, full b-tree: one whose leading columns serve any lookup those columns serve.
    pub fn is_plain_btree(&self) -> bool {
        self.valid && self.predicate.is_none() && self.method == "btree"
    }

    /// A plain b-tree whose leading columns are `leading`: it gives their access path.
    pub fn serves<S: AsRef<str>>(&self, leading: &[S]) -> bool {
        self.is_plain_btree()
            && self.columns.len() >= leading.len()
            && self
                .columns
                .iter()
                .zip(leading)
                .all(|(a, b)| a == b.as_ref())
    }
}

impl CatalogSnapshot {
    /// The table a bare name means: the one in the default schema, else the only one so named.
    pub fn find_table(&self, name: &str) -> Option<&TableInfo> {
        let mut matches = self.tables.iter().filter(|t| t.name == name);
        let first = matches.clone().find(|t| is_default_schema(&t.schema));
        first.or_else(|| {
            let only = matches.next()?;
            matches.next().is_none().then_some(only)
        })
    }

    pub fn indexes_of<'a>(&'a self, table: &'a TableInfo) -> impl Iterator<Item = &'a IndexInfo> {
        self.indexes
            .iter()
            .filter(move |i| i.schema == table.schema && i.table == table.name)
    }

    /// Index names are unique per schema on PostgreSQL and per database on SQLite.
    pub fn find_index(&self, schema: &str, name: &str) -> Option<&IndexInfo> {
        self.indexes
            .iter()
            .find(|i| i.schema == schema && i.name == name)
    }
}
