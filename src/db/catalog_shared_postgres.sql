-- Fragments both catalog statements share; each part starts with a line
-- naming it in braces.
-- {USER_SCHEMA}
-- The schemas whose tables and indexes are the user's: not the system's, not TOAST's, not
-- another session's temporary ones.
n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
-- {USER_TABLES}
-- The user's tables, partitioned tables and materialized views, `c` in schema `n`. One list for
-- both statements: if they disagreed, every refresh would fall back to the full read.
pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND {USER_SCHEMA}
-- {LOCKED}
-- Relations someone holds or awaits ACCESS EXCLUSIVE on (ALTER TABLE, a plain DROP INDEX):
-- pg_relation_size takes ACCESS SHARE, so these are not sized and the read never queues.
locked AS (
  SELECT DISTINCT l.relation AS oid
  FROM pg_locks l
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
-- {FINGERPRINT}
-- Changes when a user table or index is created, dropped or renamed, or moves schema, or its
-- schema is renamed: the oids and names the definitions hang on. Not on TRUNCATE, VACUUM FULL,
-- REINDEX or GRANT, which rewrite pg_class rows without redefining anything (sizes and flags
-- are read with the counters). A count and a sum of hashes: cheaper than an ordered digest, and
-- the periodic full read backs up an improbable collision.
(SELECT count(*) || ':' || COALESCE(sum(hashtext(
          concat_ws(':', c.oid, c.relname, c.relkind, n.oid, n.nspname))::bigint), 0)
 FROM pg_class c
 JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I')
   AND {USER_SCHEMA})
-- {ESTIMATED_ROWS}
-- The planner's row estimate of table `c`; NULL, not 0, before its first VACUUM or ANALYZE,
-- which PostgreSQL 14+ marks with reltuples = -1.
CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END
-- {ESTIMATED_ROWS_BEFORE_14}
-- PostgreSQL 13 leaves reltuples = 0 (and relpages = 0) until then, as for an empty table that
-- was analysed: only the statistics' vacuum and analyze times tell the two apart.
CASE WHEN c.reltuples = 0 AND c.relpages = 0
          AND pg_stat_get_last_analyze_time(c.oid) IS NULL
          AND pg_stat_get_last_autoanalyze_time(c.oid) IS NULL
          AND pg_stat_get_last_vacuum_time(c.oid) IS NULL
          AND pg_stat_get_last_autovacuum_time(c.oid) IS NULL
     THEN NULL ELSE c.reltuples::bigint END
