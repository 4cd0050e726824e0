-- The whole catalog in ONE statement and one round trip, whatever the number of tables.
-- Lean on purpose: pg_index/pg_attribute directly instead of pg_get_indexdef per index (it is
-- called only for expression columns), the index columns joined once as a set rather than
-- looked up index by index, pg_stat_get_* instead of the statistics views, and no ORDER BY
-- (the client sorts: names are of type `name`, whose C collation is Rust's byte order).
-- The braced names are filled in by postgres_catalog.rs: the per-index last-scan time on
-- PostgreSQL 16+ (NULL before), and fragments shared with the counters statement.
WITH {LOCKED},
user_index AS (
  SELECT i.indexrelid, i.indrelid, i.indkey, i.indnkeyatts, i.indoption, i.indcollation, i.indclass,
         i.indisunique, i.indisprimary, i.indpred, i.indisvalid, i.indisready,
         n.nspname, c.relname AS table_name
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE {USER_SCHEMA}
),
index_column AS (
  SELECT k.indexrelid,
         json_agg(
           CASE WHEN k.attnum = 0 THEN pg_get_indexdef(k.indexrelid, k.ord::int, true)
                ELSE quote_ident(a.attname) END
           || CASE WHEN k.attnum <> 0 AND coll.oid IS NOT NULL AND coll.oid <> a.attcollation
                   THEN ' COLLATE ' || quote_ident(coll.collname) ELSE '' END
           || CASE WHEN opc.oid IS NOT NULL AND NOT opc.opcdefault
                   THEN ' ' || quote_ident(opc.opcname) ELSE '' END
           || CASE (k.indoption[(k.ord - 1)::int] & 3)
                WHEN 1 THEN ' DESC NULLS LAST'
                WHEN 2 THEN ' NULLS FIRST'
                WHEN 3 THEN ' DESC'
                ELSE '' END
           ORDER BY k.ord) FILTER (WHERE k.ord <= k.indnkeyatts) AS key_columns,
         json_agg(quote_ident(a.attname) ORDER BY k.ord) FILTER (WHERE k.ord > k.indnkeyatts)
           AS include_columns
  FROM (SELECT u.indexrelid, u.indrelid, u.indnkeyatts, u.indoption, u.indcollation, u.indclass,
               key.attnum, key.ord
        FROM user_index u, unnest(u.indkey::int2[]) WITH ORDINALITY AS key(attnum, ord)) k
  LEFT JOIN pg_attribute a ON a.attrelid = k.indrelid AND a.attnum = k.attnum
  LEFT JOIN pg_collation coll ON coll.oid = k.indcollation[(k.ord - 1)::int]
  LEFT JOIN pg_opclass opc ON opc.oid = k.indclass[(k.ord - 1)::int]
  GROUP BY k.indexrelid
)
SELECT json_build_object(
  'fingerprint', {FINGERPRINT},
  'server_version', current_setting('server_version'),
  'stats_reset', pg_stat_get_db_stat_reset_time(d.oid),
  'tables', COALESCE((
    SELECT json_agg(json_build_object(
             'oid', c.oid::bigint,
             'schema', n.nspname,
             'name', c.relname,
             'estimated_rows', {ESTIMATED_ROWS},
             'size_bytes', CASE WHEN c.oid IN (SELECT oid FROM locked) THEN NULL
                                ELSE pg_table_size(c.oid) END))
    FROM {USER_TABLES}), '[]'),
  'indexes', COALESCE((
    SELECT json_agg(json_build_object(
             'oid', i.indexrelid::bigint,
             'schema', i.nspname,
             'name', ic.relname,
             'table', i.table_name,
             'columns', COALESCE(col.key_columns, '[]'),
             'include', COALESCE(col.include_columns, '[]'),
             'unique', i.indisunique,
             'primary', i.indisprimary,
             'predicate', CASE WHEN i.indpred IS NOT NULL
                               THEN pg_get_expr(i.indpred, i.indrelid, true) END,
             'method', am.amname,
             'valid', i.indisvalid,
             'ready', i.indisready,
             'size_bytes', CASE WHEN i.indexrelid IN (SELECT oid FROM locked)
                                  OR i.indrelid IN (SELECT oid FROM locked) THEN NULL
                                ELSE pg_relation_size(i.indexrelid) END,
             'usage', json_build_object(
               'idx_scan', pg_stat_get_numscans(i.indexrelid),
               'idx_tup_read', pg_stat_get_tuples_returned(i.indexrelid),
               'idx_tup_fetch', pg_stat_get_tuples_fetched(i.indexrelid),
               'last_idx_scan', {LAST_SCAN})))
    FROM user_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    LEFT JOIN index_column col ON col.indexrelid = i.indexrelid), '[]')
)::text
FROM pg_database d
WHERE d.datname = current_database()
