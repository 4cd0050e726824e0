-- What changes between two refreshes of an unchanged schema: counters, row estimates, the
-- index flags (CREATE INDEX CONCURRENTLY flips validity in place; ADD PRIMARY KEY USING INDEX
-- makes an index primary) and, when $1 is true, sizes,
-- keyed by oid, plus the definitions' fingerprint. Without sizes about the cost of
-- `SELECT * FROM pg_stat_user_indexes`; sizing opens every relation's files, several times that.
WITH {LOCKED}
SELECT json_build_object(
  'fingerprint', {FINGERPRINT},
  'stats_reset', pg_stat_get_db_stat_reset_time(d.oid),
  'tables', COALESCE((
    SELECT json_agg(json_build_array(
             c.oid::bigint,
             {ESTIMATED_ROWS},
             CASE WHEN NOT $1 OR c.oid IN (SELECT oid FROM locked) THEN NULL
                  ELSE pg_table_size(c.oid) END))
    FROM {USER_TABLES}), '[]'),
  'indexes', COALESCE((
    SELECT json_agg(json_build_array(
             i.indexrelid::bigint,
             CASE WHEN NOT $1 OR i.indexrelid IN (SELECT oid FROM locked)
                    OR i.indrelid IN (SELECT oid FROM locked) THEN NULL
                  ELSE pg_relation_size(i.indexrelid) END,
             pg_stat_get_numscans(i.indexrelid),
             pg_stat_get_tuples_returned(i.indexrelid),
             pg_stat_get_tuples_fetched(i.indexrelid),
             {LAST_SCAN},
             i.indisvalid,
             i.indisready,
             i.indisunique,
             i.indisprimary))
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {USER_SCHEMA}), '[]')
)::text
FROM pg_database d
WHERE d.datname = current_database()
