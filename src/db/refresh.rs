//! Refreshing a screen cheaply. Definitions rarely change and counters always do, so after one
//! full read a refresh sends only the counters statement (PostgreSQL) or finds the file unchanged
//! (SQLite's `data_version`), and reads everything again only when something was redefined.

use std::time::{Duration, Instant};

use super::postgres_catalog::{self, Catalog};
use super::{Database, DbError, sqlite};
use crate::catalog::CatalogSnapshot;

/// How old a full read may get on PostgreSQL, whatever the refresh interval: a safety net for
/// changes the fingerprint cannot see (a renamed column leaves pg_class as it was).
pub const FULL_READ_AFTER: Duration = Duration::from_secs(60);

/// Sizes are re-read on every third counters refresh: they move slowly, and measuring them
/// opens every relation's files, which costs more than all the counters together.
const SIZES_EVERY: u32 = 3;

enum Cache {
    Postgres(Box<Catalog>),
    /// `data_version` changes whenever another connection commits; values are only comparable
    /// on the same connection, which is why the cache lives beside it.
    Sqlite {
        data_version: i64,
        snapshot: Box<CatalogSnapshot>,
    },
}

/// One per session: drop it with the connection.
pub struct Refresher {
    cache: Option<Cache>,
    /// Counters refreshes since the last full read.
    light_reads: u32,
    last_full: Option<Instant>,
    full_read_after: Duration,
}

impl Default for Refresher {
    fn default() -> Refresher {
        Refresher::with_full_read_after(FULL_READ_AFTER)
    }
}

/// How a refresh got its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// The whole catalog statement (or SQLite's catalog queries).
    Full,
    /// PostgreSQL's counters statement only; `sizes` when it measured sizes too.
    Counters { sizes: bool },
    /// SQLite: nothing committed since the last read.
    Unchanged,
}

impl Refresher {
    pub fn new() -> Refresher {
        Refresher::default()
    }

    /// A refresher whose safety-net full read comes after `age` instead of a minute.
    pub fn with_full_read_after(age: Duration) -> Refresher {
        Refresher {
            cache: None,
            light_reads: 0,
            last_full: None,
            full_read_after: age,
        }
    }

    /// The current snapshot; `full` forces a whole read (the operator's `R`).
    pub async fn refresh(
        &mut self,
        db: &mut Database,
        full: bool,
    ) -> Result<(CatalogSnapshot, ReadKind), DbError> {
        let stale = self
            .last_full
            .is_none_or(|at| at.elapsed() >= self.full_read_after);
        let due = full || stale;
        match (&mut *db, self.cache.as_mut()) {
            (Database::Postgres(conn), Some(Cache::Postgres(catalog))) if !due => {
                let with_sizes = (self.light_reads + 1).is_multiple_of(SIZES_EVERY);
                if postgres_catalog::update_counters(conn, catalog, with_sizes).await? {
                    self.light_reads += 1;
                    return Ok((
                        catalog.snapshot.clone(),
                        ReadKind::Counters { sizes: with_sizes },
                    ));
                }
            }
            (
                Database::Sqlite(conn),
                Some(Cache::Sqlite {
                    data_version,
                    snapshot,
                }),
            ) if !full => {
                let now = sqlite::data_version(conn).await?;
                if now == *data_version {
                    return Ok(((**snapshot).clone(), ReadKind::Unchanged));
                }
            }
            _ => {}
        }
        self.light_reads = 0;
        self.last_full = Some(Instant::now());
        self.cache = None;
        let snapshot = match db {
            Database::Postgres(conn) => {
                let catalog = postgres_catalog::read_catalog(conn).await?;
                let snapshot = catalog.snapshot.clone();
                self.cache = Some(Cache::Postgres(Box::new(catalog)));
                snapshot
            }
            Database::Sqlite(conn) => {
                // Read before the catalog: a commit in between shows as a change next time.
                let data_version = sqlite::data_version(conn).await?;
                let snapshot = sqlite::snapshot(conn).await?;
                self.cache = Some(Cache::Sqlite {
                    data_version,
                    snapshot: Box::new(snapshot.clone()),
                });
                snapshot
            }
        };
        Ok((snapshot, ReadKind::Full))
    }
}
