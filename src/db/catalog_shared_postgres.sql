-- Fragments both catalog statements share; each part starts with a line
-- naming it in braces.
-- {USER_SCHEMA}
-- The schemas whose tables and indexes are the user's: not the system's, not TOAST's, not
-- another session's temporary ones.
n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
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
-- Changes whenever a user table or index is created, dropped, renamed or altered: any
-- transactional update of its pg_class or pg_namespace row gives the row a new xmin. (Validity
-- flags, flipped in place, are read with the counters.) A count and a sum of hashes, not an
-- ordered digest: half the cost, and the periodic full read backs up an improbable collision.
(SELECT count(*) || ':' || COALESCE(sum(hashtext(concat_ws(':', c.oid, c.xmin, n.xmin))::bigint), 0)
 FROM pg_class c
 JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I')
   AND {USER_SCHEMA})
