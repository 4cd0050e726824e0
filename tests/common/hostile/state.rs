//! What a hostile statement could change, read in one query on the observer session, and how
//! the harness puts it back so the next case starts from the fixture.

use sqlx::Row;
use sqlx::postgres::PgConnection;

use super::fixture::Fixture;

/// Each watched thing, with the SQL that reads it as text.
const WATCHED: &[(&str, &str)] = &[
    (
        "marker rows",
        "(SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(id || ':' || v, ',' \
         ORDER BY id)), '-') FROM marker)",
    ),
    (
        "sequence counter",
        "(SELECT last_value || ' called ' || is_called FROM counter)",
    ),
    (
        "sequence marker_id_seq",
        "(SELECT last_value || ' called ' || is_called FROM marker_id_seq)",
    ),
    (
        "relations",
        "(SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relpersistence <> 't' AND n.nspname NOT IN ('pg_catalog', 'information_schema', \
         'pg_toast'))",
    ),
    (
        "large objects",
        "(SELECT count(*)::text FROM pg_largeobject_metadata)",
    ),
    (
        "pg_stat_database.stats_reset",
        "(SELECT coalesce(stats_reset::text, 'never') FROM pg_stat_database \
         WHERE datname = current_database())",
    ),
    (
        "pg_stat_bgwriter.stats_reset",
        "(SELECT coalesce(stats_reset::text, 'never') FROM pg_stat_bgwriter)",
    ),
    (
        "pg_stat_archiver.stats_reset",
        "(SELECT coalesce(stats_reset::text, 'never') FROM pg_stat_archiver)",
    ),
    (
        "pg_stat_slru.stats_reset",
        "(SELECT coalesce(max(stats_reset)::text, 'never') FROM pg_stat_slru)",
    ),
    (
        "marker n_tup_ins/upd/del",
        "(SELECT n_tup_ins || '/' || n_tup_upd || '/' || n_tup_del FROM pg_stat_user_tables \
         WHERE relid = 'marker'::regclass)",
    ),
    ("pg_conf_load_time", "pg_conf_load_time()::text"),
    (
        "server file /tmp/hotidx_hostile_<db>",
        "((SELECT size FROM pg_stat_file('/tmp/hotidx_hostile_' || current_database(), true)) \
         IS NOT NULL)::text",
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct State(Vec<Option<String>>);

impl State {
    pub async fn read(observer: &mut PgConnection) -> State {
        let columns: Vec<&str> = WATCHED.iter().map(|(_, sql)| *sql).collect();
        let sql = format!("SELECT {}", columns.join(",\n"));
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *observer)
            .await
            .unwrap_or_else(|e| panic!("reading the watched state: {e}"));
        State((0..WATCHED.len()).map(|i| row.get(i)).collect())
    }

    /// `thing: before → after` for everything that differs.
    pub fn changes(&self, after: &State) -> Vec<String> {
        WATCHED
            .iter()
            .zip(self.0.iter().zip(&after.0))
            .filter(|(_, (before, after))| before != after)
            .map(|((name, _), (before, after))| {
                format!("{name}: {} → {}", shown(before), shown(after))
            })
            .collect()
    }

    fn get(&self, name: &str) -> Option<&str> {
        let at = WATCHED.iter().position(|(n, _)| *n == name)?;
        self.0[at].as_deref()
    }
}

fn shown(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("NULL")
}

/// Puts back what a case changed that later cases depend on. Statistics resets cannot be
/// undone: each case compares against its own `before`.
pub async fn repair(fixture: &mut Fixture, before: &State, after: &State) {
    // The repair's own inserts must reach the counters now, not in the next case's window.
    fixture.exec("SELECT pg_stat_force_next_flush()").await;
    if before.get("marker rows") != after.get("marker rows") {
        fixture
            .exec(
                "TRUNCATE marker; \
                 INSERT INTO marker (id, v) SELECT g, 'k' || g FROM generate_series(1, 2000) g; \
                 ANALYZE marker",
            )
            .await;
    }
    for sequence in ["counter", "marker_id_seq"] {
        let label = format!("sequence {sequence}");
        if let Some(value) = before.get(&label)
            && before.get(&label) != after.get(&label)
        {
            let (last, called) = value.split_once(" called ").expect("sequence text");
            fixture
                .exec(&format!("SELECT setval('{sequence}', {last}, {called})"))
                .await;
        }
    }
    if before.get("relations") != after.get("relations") {
        fixture.exec("DROP TABLE IF EXISTS pwned").await;
    }
    if before.get("large objects") != after.get("large objects") {
        fixture
            .exec("SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid <> 424242")
            .await;
    }
    if after.get("server file /tmp/hotidx_hostile_<db>") == Some("true") {
        let sql = format!(
            "COPY (SELECT 1) TO PROGRAM 'rm -f /tmp/hotidx_hostile_{}'",
            fixture.db.name
        );
        fixture.exec(&sql).await;
    }
}
