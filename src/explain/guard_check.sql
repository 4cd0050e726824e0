-- For the login, and for the owner of hotidx.explain(text, text, text[]) when the database has
-- it: each way the role could act outside a rolled-back READ ONLY transaction, as the catalog
-- grants it. The roles a role can reach (pg_has_role MEMBER) count, since SET ROLE reaches them.
-- $1: the helper's source as this hotidx installs it.
WITH helper AS (
    SELECT p.proowner, p.prosecdef, p.proconfig IS NOT NULL AS has_settings,
           p.prosrc = $1 AS current_source, has_function_privilege(p.oid, 'EXECUTE') AS callable
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'hotidx' AND p.proname = 'explain'
      AND p.proargtypes = '25 25 1009'::oidvector
), candidate AS (
    SELECT 'login'::text AS kind, r.oid, r.rolname::text AS role
    FROM pg_roles r WHERE r.rolname = session_user
    UNION ALL
    SELECT 'helper', r.oid, r.rolname::text FROM helper h JOIN pg_roles r ON r.oid = h.proowner
), reach AS (
    SELECT c.kind, m.oid, m.rolname::text AS role, m.rolsuper, m.rolreplication
    FROM candidate c JOIN pg_roles m ON pg_has_role(c.oid, m.oid, 'MEMBER')
)
SELECT c.kind, c.role,
    ARRAY(SELECT r.role FROM reach r WHERE r.kind = c.kind AND r.rolsuper ORDER BY 1)
        AS superusers,
    ARRAY(SELECT r.role FROM reach r
          WHERE r.kind = c.kind AND (r.rolreplication OR r.role IN ('pg_signal_backend',
              'pg_signal_autovacuum_worker', 'pg_write_all_data', 'pg_write_server_files',
              'pg_execute_server_program', 'pg_read_server_files'))
          ORDER BY 1) AS powerful_roles,
    -- A role that reaches a superuser is refused for that alone: the finer checks are skipped.
    ARRAY(SELECT x.oid::regclass::text FROM pg_class x
          WHERE NOT c.super AND x.relnamespace NOT IN ('pg_catalog'::regnamespace,
                                       'information_schema'::regnamespace)
            AND x.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
            -- a NULL acl is the owner's rights only: no need to ask the function
            AND (x.relacl IS NOT NULL
                 OR x.relowner IN (SELECT r.oid FROM reach r WHERE r.kind = c.kind))
            AND EXISTS (SELECT FROM reach r WHERE r.kind = c.kind AND NOT r.rolsuper
                AND CASE WHEN x.relkind = 'S'
                         THEN has_sequence_privilege(r.oid, x.oid, 'USAGE, UPDATE')
                         ELSE has_table_privilege(r.oid, x.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
                    END)
          ORDER BY 1 LIMIT 4) AS writable,
    ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
          -- a NULL acl lets PUBLIC execute
          WHERE NOT c.super AND p.proacl IS NOT NULL AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
            AND p.proowner NOT IN (SELECT r.oid FROM reach r WHERE r.kind = c.kind)
            AND EXISTS (SELECT FROM reach r WHERE r.kind = c.kind AND NOT r.rolsuper
                        AND has_function_privilege(r.oid, p.oid, 'EXECUTE'))
            -- what the read-only predefined roles may run (pg_ls_waldir, …) reads, no more
            AND NOT EXISTS (SELECT FROM reach r WHERE r.kind = c.kind
                            AND r.role IN ('pg_monitor', 'pg_read_all_stats',
                                'pg_read_all_settings', 'pg_stat_scan_tables', 'pg_read_all_data')
                            AND has_function_privilege(r.oid, p.oid, 'EXECUTE'))
          ORDER BY 1 LIMIT 4) AS granted_functions,
    ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_roles o ON o.oid = p.proowner
          WHERE NOT c.super AND p.prosecdef
            AND (o.rolsuper OR pg_has_role(o.oid, 'pg_signal_backend', 'USAGE'))
            AND EXISTS (SELECT FROM reach r WHERE r.kind = c.kind AND NOT r.rolsuper
                        AND has_function_privilege(r.oid, p.oid, 'EXECUTE'))
          ORDER BY 1 LIMIT 4) AS definer_functions,
    (SELECT h.prosecdef FROM helper h) AS helper_definer,
    (SELECT h.has_settings FROM helper h) AS helper_settings,
    (SELECT h.current_source FROM helper h) AS helper_current,
    (SELECT h.callable FROM helper h) AS helper_callable
FROM (SELECT c.*, EXISTS (SELECT FROM reach r WHERE r.kind = c.kind AND r.rolsuper) AS super
      FROM candidate c) c
