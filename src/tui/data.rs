//! What the panes show, derived once per refresh (not per frame): the snapshot, the migration
//! status, scans per second between two refreshes, and which tables have a finding.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::catalog::{CatalogSnapshot, IndexInfo};
use crate::migration::{MigrationStatus, migration_status};

pub struct Loaded {
    pub snapshot: CatalogSnapshot,
    pub status: MigrationStatus,
    /// Scans per second since the previous refresh, by index position in the snapshot.
    pub scan_rates: Vec<Option<f64>>,
    /// Tables (schema, name) with something to look at: an expected index missing or not right,
    /// or an INVALID index.
    pub flagged_tables: HashSet<(String, String)>,
    /// What deserves a look on each index, by position in the snapshot.
    pub findings: Vec<Vec<String>>,
    /// How many indexes each table has, by position in the snapshot: counted once, not per frame.
    pub index_counts: Vec<usize>,
    pub taken: Instant,
}

impl Loaded {
    pub fn new(
        snapshot: CatalogSnapshot,
        versions: Option<Vec<String>>,
        taken: Instant,
        previous: Option<&Loaded>,
    ) -> Loaded {
        let status = migration_status(&snapshot, versions);
        let scan_rates = rates(&snapshot, taken, previous);
        let mut flagged_tables: HashSet<(String, String)> = snapshot
            .indexes
            .iter()
            .filter(|i| !i.valid)
            .map(|i| (i.schema.clone(), i.table.clone()))
            .collect();
        for index in &status.indexes {
            let wrong = !index.state.is_satisfied();
            if let (true, Some(schema)) = (wrong, &index.schema) {
                flagged_tables.insert((schema.clone(), index.table.clone()));
            }
        }
        let findings = crate::findings::by_index(&snapshot)
            .into_iter()
            .map(|found| {
                found
                    .into_iter()
                    .map(|f| match f.kind {
                        // Short in a pane: the full sentence is in `hotidx indexes`.
                        "unused" => "unused since stats reset".to_string(),
                        "invalid" => "INVALID".to_string(),
                        _ => f.text,
                    })
                    .collect()
            })
            .collect();
        let mut per_table: HashMap<(&str, &str), usize> = HashMap::new();
        for index in &snapshot.indexes {
            *per_table.entry((&index.schema, &index.table)).or_default() += 1;
        }
        let index_counts = snapshot
            .tables
            .iter()
            .map(|t| {
                per_table
                    .get(&(t.schema.as_str(), t.name.as_str()))
                    .copied()
            })
            .map(Option::unwrap_or_default)
            .collect();
        Loaded {
            snapshot,
            index_counts,
            status,
            scan_rates,
            flagged_tables,
            findings,
            taken,
        }
    }

    /// Same data as another answer: then nothing needs drawing again.
    pub fn same_as(&self, snapshot: &CatalogSnapshot, versions: &Option<Vec<String>>) -> bool {
        &self.snapshot == snapshot && &self.status.versions == versions
    }
}

fn rates(
    snapshot: &CatalogSnapshot,
    taken: Instant,
    previous: Option<&Loaded>,
) -> Vec<Option<f64>> {
    let Some(previous) = previous else {
        return vec![None; snapshot.indexes.len()];
    };
    let seconds = taken.duration_since(previous.taken).as_secs_f64();
    let before: HashMap<(&str, &str), i64> = previous
        .snapshot
        .indexes
        .iter()
        .filter_map(|i| {
            Some((
                (i.schema.as_str(), i.name.as_str()),
                i.usage.as_ref()?.idx_scan,
            ))
        })
        .collect();
    snapshot
        .indexes
        .iter()
        .map(|i| {
            let now = i.usage.as_ref()?.idx_scan;
            let then = before.get(&(i.schema.as_str(), i.name.as_str()))?;
            (seconds > 0.0).then(|| (now - then).max(0) as f64 / seconds)
        })
        .collect()
}

/// The columns the indexes pane sorts by; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Table,
    Name,
    Size,
    Scans,
    ScanRate,
    TuplesRead,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Table,
        SortKey::Name,
        SortKey::Size,
        SortKey::Scans,
        SortKey::ScanRate,
        SortKey::TuplesRead,
    ];

    pub fn next(self) -> SortKey {
        let at = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(at + 1) % Self::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Table => "table",
            SortKey::Name => "name",
            SortKey::Size => "size",
            SortKey::Scans => "scans",
            SortKey::ScanRate => "scans/s",
            SortKey::TuplesRead => "tuples read",
        }
    }
}

/// Positions in `snapshot.indexes` to show: one table or all, filtered, sorted.
pub fn index_rows(
    loaded: &Loaded,
    table: Option<(&str, &str)>,
    filter: &str,
    sort: SortKey,
    reverse: bool,
) -> Vec<usize> {
    let filter = filter.to_lowercase();
    let matches = |i: &IndexInfo| {
        filter.is_empty()
            || i.name.to_lowercase().contains(&filter)
            || i.table.to_lowercase().contains(&filter)
            || i.columns.iter().any(|c| c.to_lowercase().contains(&filter))
    };
    let mut rows: Vec<usize> = loaded
        .snapshot
        .indexes
        .iter()
        .enumerate()
        .filter(|(_, i)| table.is_none_or(|(s, t)| i.schema == s && i.table == t))
        .filter(|(_, i)| matches(i))
        .map(|(n, _)| n)
        .collect();
    let indexes = &loaded.snapshot.indexes;
    let scans = |n: usize| indexes[n].usage.as_ref().map(|u| u.idx_scan);
    rows.sort_by(|&a, &b| {
        let (x, y) = (&indexes[a], &indexes[b]);
        let by_name = (&x.schema, &x.table, &x.name).cmp(&(&y.schema, &y.table, &y.name));
        let primary = match sort {
            SortKey::Table => std::cmp::Ordering::Equal,
            SortKey::Name => x.name.cmp(&y.name),
            // Big first is what a DBA looks for; S reverses.
            SortKey::Size => y.size_bytes.cmp(&x.size_bytes),
            SortKey::Scans => scans(b).cmp(&scans(a)),
            SortKey::ScanRate => loaded.scan_rates[b]
                .unwrap_or(0.0)
                .total_cmp(&loaded.scan_rates[a].unwrap_or(0.0)),
            SortKey::TuplesRead => {
                let read = |n: usize| indexes[n].usage.as_ref().map(|u| u.idx_tup_read);
                read(b).cmp(&read(a))
            }
        };
        primary.then(by_name)
    });
    if reverse {
        rows.reverse();
    }
    rows
}
