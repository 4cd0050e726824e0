-- A catalog the size of a big production database: 2,000 tables, 10,000 indexes (five each,
-- one of them the primary key). For benches/catalog.rs; run with
--   psql -v ON_ERROR_STOP=1 -f benches/wide_schema.sql postgres://…/hotidx_bench
-- \gexec runs each statement on its own, so no transaction holds 12,000 locks at once.
SELECT format('CREATE TABLE IF NOT EXISTS bench_%s (id bigint PRIMARY KEY, a int, b text, c timestamp, d int)', t)
FROM generate_series(1, 2000) AS t \gexec
SELECT format('CREATE INDEX IF NOT EXISTS bench_%s_a ON bench_%s (a)', t, t)
FROM generate_series(1, 2000) AS t \gexec
SELECT format('CREATE INDEX IF NOT EXISTS bench_%s_b ON bench_%s (b)', t, t)
FROM generate_series(1, 2000) AS t \gexec
SELECT format('CREATE INDEX IF NOT EXISTS bench_%s_cd ON bench_%s (c DESC, d)', t, t)
FROM generate_series(1, 2000) AS t \gexec
SELECT format('CREATE INDEX IF NOT EXISTS bench_%s_lower_b ON bench_%s (lower(b)) WHERE d > 0', t, t)
FROM generate_series(1, 2000) AS t \gexec
ANALYZE;
