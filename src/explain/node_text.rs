//! One node as text: the node line PostgreSQL's text EXPLAIN prints, its figures, and the detail
//! lines beneath it, in the order `explain.c` prints them.

use super::PlanNode;
use super::keywords::quote_identifier;

impl PlanNode {
    /// The node line up to its costs, as PostgreSQL's text format prints it:
    /// `Parallel Index Scan Backward using ix on lineitem l`, `Hash Semi Join`,
    /// `CTE Scan on totals t`, `Insert on orders`, `Bitmap Index Scan on ix`.
    pub fn node_line(&self) -> String {
        if let Some(detail) = &self.detail {
            // SQLite: its own line says it all.
            return detail.clone();
        }
        let mut line = if self.display_name.is_empty() {
            self.node_type.clone()
        } else {
            self.display_name.clone()
        };
        if let Some(index) = &self.index {
            let word = if self.node_type == "Bitmap Index Scan" {
                "on"
            } else {
                "using"
            };
            line.push_str(&format!(" {word} {}", quote_identifier(index)));
        }
        if let Some(target) = self.target() {
            line.push_str(" on ");
            line.push_str(&target);
        }
        line
    }

    /// What follows "on": `lineitem l`, `public.lineitem`, `generate_series g`, `"*VALUES*"`.
    /// PostgreSQL prints the alias after the name only where they differ.
    fn target(&self) -> Option<String> {
        let name = match (&self.relation, &self.schema) {
            (Some(relation), Some(schema)) => {
                let bare = relation
                    .strip_prefix(&format!("{schema}."))
                    .unwrap_or(relation);
                Some((
                    format!("{}.{}", quote_identifier(schema), quote_identifier(bare)),
                    bare.to_string(),
                ))
            }
            (Some(relation), None) => Some((quote_identifier(relation), relation.clone())),
            _ => [
                &self.function_name,
                &self.cte_name,
                &self.tuplestore_name,
                &self.table_function_name,
            ]
            .into_iter()
            .find_map(|n| n.as_ref())
            .map(|n| (quote_identifier(n), n.clone())),
        };
        match (name, &self.alias) {
            (Some((shown, bare)), Some(alias)) if *alias != bare => {
                Some(format!("{shown} {}", quote_identifier(alias)))
            }
            (Some((shown, _)), _) => Some(shown),
            (None, Some(alias)) => Some(quote_identifier(alias)),
            (None, None) => None,
        }
    }

    /// `cost=0.00..14.50 rows≈120`, then with ANALYZE `actual rows=3 loops=1 time=0.020 ms` or
    /// `never executed`.
    pub fn figures(&self) -> String {
        let mut parts = Vec::new();
        match (self.startup_cost, self.estimated_cost) {
            (Some(start), Some(total)) => parts.push(format!("cost={start:.2}..{total:.2}")),
            (None, Some(total)) => parts.push(format!("cost={total:.2}")),
            _ => {}
        }
        if let Some(rows) = self.estimated_rows {
            parts.push(format!("rows≈{rows:.0}"));
        }
        if self.never_executed() {
            parts.push("never executed".into());
        } else if let Some(rows) = self.actual_rows {
            let loops = self.loops.unwrap_or(1.0);
            // Rows per loop are averages: 0.5 is not 1.
            let rows = if rows.fract() == 0.0 {
                format!("{rows:.0}")
            } else {
                format!("{rows:.2}")
            };
            let mut actual = format!("actual rows={rows} loops={loops:.0}");
            if let Some(ms) = self.actual_ms {
                actual.push_str(&format!(" time={ms:.3} ms"));
            }
            parts.push(actual);
        }
        if self.misestimated() {
            parts.push("[estimate off >10x]".into());
        }
        parts.join("  ")
    }

    /// `rows≈120 cost=14.50`, `rows≈120 actual=3`, `never executed`: what fits half a screen.
    pub fn brief_figures(&self) -> String {
        let mut parts = Vec::new();
        if let Some(rows) = self.estimated_rows {
            parts.push(format!("rows≈{rows:.0}"));
        }
        if self.never_executed() {
            parts.push("never executed".into());
        } else if let Some(rows) = self.actual_rows {
            parts.push(format!("actual={rows:.0}"));
        } else if let Some(cost) = self.estimated_cost {
            parts.push(format!("cost={cost:.0}"));
        }
        if self.misestimated() {
            parts.push("[off >10x]".into());
        }
        parts.join(" ")
    }

    /// One line: `Index Scan using ix on conversions [sha256 = …] cost=8.44 rows≈1`.
    pub fn describe(&self) -> String {
        let mut text = self.node_line();
        if self.detail.is_none() {
            if let Some(cond) = &self.index_cond {
                text.push_str(&format!(" [{cond}]"));
            }
            if let Some(filter) = &self.filter {
                text.push_str(&format!(" filter [{filter}]"));
            }
        }
        let figures = self.figures();
        if !figures.is_empty() {
            text.push_str("  ");
            text.push_str(&figures);
        }
        if let (Some(hit), Some(read)) = (self.shared_hit_blocks, self.shared_read_blocks) {
            text.push_str(&format!("  buffers hit={hit} read={read}"));
        }
        text
    }

    /// What a DBA reads beneath the node line, labelled as PostgreSQL labels it.
    pub fn detail_lines(&self) -> Vec<String> {
        if self.detail.is_some() {
            // SQLite's line already holds its index and condition.
            return Vec::new();
        }
        let mut lines = Vec::new();
        let mut text = |label: &str, value: &Option<String>| {
            if let Some(value) = value {
                lines.push(format!("{label}: {value}"));
            }
        };
        text("Hash Cond", &self.hash_cond);
        text("Merge Cond", &self.merge_cond);
        text("Join Filter", &self.join_filter);
        text("Index Cond", &self.index_cond);
        text("Recheck Cond", &self.recheck_cond);
        text("One-Time Filter", &self.one_time_filter);
        text("Order By", &self.order_by);
        text("Filter", &self.filter);
        text("Cache Key", &self.cache_key);
        let mut list = |label: &str, keys: &[String]| {
            if !keys.is_empty() {
                lines.push(format!("{label}: {}", keys.join(", ")));
            }
        };
        list("Sort Key", &self.sort_key);
        list("Presorted Key", &self.presorted_key);
        list("Group Key", &self.group_key);
        lines.extend(self.grouping_sets.iter().cloned());
        let mut count = |label: &str, value: Option<f64>| {
            // PostgreSQL's text leaves zero counts out: they are not interesting.
            if let Some(n) = value.filter(|n| *n > 0.0) {
                lines.push(format!("{label}: {n:.0}"));
            }
        };
        count(
            "Rows Removed by Join Filter",
            self.rows_removed_by_join_filter,
        );
        count(
            "Rows Removed by Index Recheck",
            self.rows_removed_by_index_recheck,
        );
        count("Rows Removed by Filter", self.rows_removed_by_filter);
        if let Some(n) = self.heap_fetches {
            lines.push(format!("Heap Fetches: {n:.0}"));
        }
        if let Some(n) = self.workers_planned {
            lines.push(format!("Workers Planned: {n}"));
        }
        if let Some(n) = self.workers_launched {
            lines.push(format!("Workers Launched: {n}"));
        }
        if let Some(method) = &self.sort_method {
            let space = match (&self.sort_space_type, self.sort_space_used_kb) {
                (Some(kind), Some(kb)) => format!("  {kind}: {kb}kB"),
                _ => String::new(),
            };
            lines.push(format!("Sort Method: {method}{space}"));
        }
        if let Some(line) = self.hash_line() {
            lines.push(line);
        } else if let Some(kb) = self.peak_memory_kb {
            lines.push(format!("Memory Usage: {kb}kB"));
        }
        // What PostgreSQL's text leaves out when it is nothing (`Single Copy: false`,
        // `Subplans Removed: 0`) is left out here too; the JSON still has it.
        for property in self
            .other
            .iter()
            .filter(|p| !["false", "0"].contains(&&*p.text))
        {
            lines.push(format!("{}: {}", property.label, property.text));
        }
        lines.extend(self.buffers_lines());
        lines
    }

    /// `Buckets: 1024  Batches: 1  Memory Usage: 9kB`, with the originals when they changed.
    fn hash_line(&self) -> Option<String> {
        let (buckets, batches) = (self.hash_buckets?, self.hash_batches?);
        let memory = self.peak_memory_kb.unwrap_or(0);
        let (first_buckets, first_batches) = (
            self.original_hash_buckets.unwrap_or(buckets),
            self.original_hash_batches.unwrap_or(batches),
        );
        Some(if first_buckets != buckets || first_batches != batches {
            format!(
                "Buckets: {buckets} (originally {first_buckets})  Batches: {batches} \
                 (originally {first_batches})  Memory Usage: {memory}kB"
            )
        } else {
            format!("Buckets: {buckets}  Batches: {batches}  Memory Usage: {memory}kB")
        })
    }

    /// `shared hit=3 read=1, temp written=4`: the counts of a `Buffers:` line.
    pub(crate) fn buffers_text(&self) -> String {
        self.buffers_lines()
            .first()
            .and_then(|l| l.strip_prefix("Buffers: "))
            .unwrap_or_default()
            .to_string()
    }

    /// `Buffers: shared hit=3 read=1, temp written=4` and `I/O Timings: shared read=0.120`,
    /// positive counts only, as PostgreSQL's text prints them.
    fn buffers_lines(&self) -> Vec<String> {
        let b = &self.buffers;
        let groups = [
            (
                "shared",
                vec![
                    ("hit", self.shared_hit_blocks),
                    ("read", self.shared_read_blocks),
                    ("dirtied", b.shared_dirtied_blocks),
                    ("written", b.shared_written_blocks),
                ],
            ),
            (
                "local",
                vec![
                    ("hit", b.local_hit_blocks),
                    ("read", b.local_read_blocks),
                    ("dirtied", b.local_dirtied_blocks),
                    ("written", b.local_written_blocks),
                ],
            ),
            (
                "temp",
                vec![
                    ("read", b.temp_read_blocks),
                    ("written", b.temp_written_blocks),
                ],
            ),
        ];
        let mut lines = Vec::new();
        let counts = positive_groups(groups.iter().map(|(name, counts)| {
            let shown: Vec<String> = counts
                .iter()
                .filter_map(|(what, n)| n.filter(|n| *n > 0).map(|n| format!("{what}={n}")))
                .collect();
            (*name, shown)
        }));
        if !counts.is_empty() {
            lines.push(format!("Buffers: {counts}"));
        }
        let time = |label: &str, ms: Option<f64>| {
            ms.filter(|ms| *ms > 0.0)
                .map(|ms| format!("{label}={ms:.3}"))
        };
        let timing_groups = [
            (
                "shared/local",
                [time("read", b.io_read_ms), time("write", b.io_write_ms)],
            ),
            (
                "shared",
                [
                    time("read", b.shared_io_read_ms),
                    time("write", b.shared_io_write_ms),
                ],
            ),
            (
                "local",
                [
                    time("read", b.local_io_read_ms),
                    time("write", b.local_io_write_ms),
                ],
            ),
            (
                "temp",
                [
                    time("read", b.temp_io_read_ms),
                    time("write", b.temp_io_write_ms),
                ],
            ),
        ];
        let timings = positive_groups(
            timing_groups
                .into_iter()
                .map(|(name, times)| (name, times.into_iter().flatten().collect())),
        );
        if !timings.is_empty() {
            lines.push(format!("I/O Timings: {timings}"));
        }
        lines
    }
}

/// `shared hit=3 read=1, temp written=4`: the groups that have something, comma-separated.
fn positive_groups<'a>(groups: impl Iterator<Item = (&'a str, Vec<String>)>) -> String {
    groups
        .filter(|(_, shown)| !shown.is_empty())
        .map(|(name, shown)| format!("{name} {}", shown.join(" ")))
        .collect::<Vec<_>>()
        .join(", ")
}
