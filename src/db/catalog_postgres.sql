-- The whole catalog in ONE statement and one round trip, whatever the number of tables.
-- Lean on purpose: pg_index/pg_attribute directly instead of pg_get_indexdef per index (it is
-- called only for expression columns), pg_stat_get_* instead of the statistics views.
-- {LAST_SCAN} is the per-index last-scan time on PostgreSQL 16+, NULL before.
-- pg_relation_size takes ACCESS SHARE: a relation someone holds or awaits ACCESS EXCLUSIVE on
-- (ALTER TABLE, a plain DROP INDEX) is not sized, so the read never queues behind that lock.
WITH locked AS (
  SELECT DISTINCT l.relation AS oid
  FROM pg_locks l
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT json_build_object(
  'server_version', current_setting('server_version'),
  'stats_reset', pg_stat_get_db_stat_reset_time(d.oid),
  'tables', COALESCE((
    SELECT json_agg(json_build_object(
             'schema', n.nspname,
             'name', c.relname,
             'estimated_rows', CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END,
             'size_bytes', CASE WHEN c.oid IN (SELECT oid FROM locked) THEN NULL
                                ELSE pg_table_size(c.oid) END)
           ORDER BY n.nspname, c.relname)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'), '[]'),
  'indexes', COALESCE((
    SELECT json_agg(json_build_object(
             'schema', n.nspname,
             'name', ic.relname,
             'table', c.relname,
             'columns', COALESCE((
               SELECT json_agg(
                        CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true)
                             ELSE quote_ident(a.attname) END
                        -- A collation or operator class other than the column's default changes
                        -- which comparisons the index serves: part of its definition.
                        || CASE WHEN k.attnum <> 0 AND coll.oid IS NOT NULL
                                     AND coll.oid <> a.attcollation
                                THEN ' COLLATE ' || quote_ident(coll.collname) ELSE '' END
                        || CASE WHEN opc.oid IS NOT NULL AND NOT opc.opcdefault
                                THEN ' ' || quote_ident(opc.opcname) ELSE '' END
                        || CASE (i.indoption[(k.ord - 1)::int] & 3)
                             WHEN 1 THEN ' DESC NULLS LAST'
                             WHEN 2 THEN ' NULLS FIRST'
                             WHEN 3 THEN ' DESC'
                             ELSE '' END
                        ORDER BY k.ord)
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
               LEFT JOIN pg_collation coll ON coll.oid = i.indcollation[(k.ord - 1)::int]
               LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[(k.ord - 1)::int]
               WHERE k.ord <= i.indnkeyatts), '[]'),
             'include', COALESCE((
               SELECT json_agg(quote_ident(a.attname) ORDER BY k.ord)
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
               WHERE k.ord > i.indnkeyatts), '[]'),
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
               'last_idx_scan', {LAST_SCAN}))
           ORDER BY n.nspname, c.relname, ic.relname)
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'), '[]')
)::text
FROM pg_database d
WHERE d.datname = current_database()
