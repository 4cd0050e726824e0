
-- hotidx explain helper, version 1. Plans (and with ANALYZE runs) one statement as this
-- function's owner, a role that cannot write, signal other sessions or reset statistics. A
-- security-definer function cannot change its role (SET ROLE and set_config('role') are refused
-- inside it), and a cursor takes exactly one statement.
DECLARE
  plan_cursor refcursor;
  plan text;
BEGIN
  IF NOT current_setting('transaction_read_only')::boolean THEN
    RAISE EXCEPTION 'hotidx.explain runs only inside a READ ONLY transaction';
  END IF;
  IF options !~ '^[A-Z_, ]*$' THEN
    RAISE EXCEPTION 'hotidx.explain: unexpected EXPLAIN options %', options;
  END IF;
  IF cardinality(params) = 0 THEN
    OPEN plan_cursor FOR EXECUTE 'EXPLAIN (' || options || ') ' || statement;
  ELSE
    -- Parameter types are inferred as for the application's own prepared statement; the values
    -- are quoted by quote_nullable, whatever standard_conforming_strings says.
    IF EXISTS (SELECT FROM pg_prepared_statements WHERE name = 'hotidx_statement') THEN
      EXECUTE 'DEALLOCATE hotidx_statement';
    END IF;
    EXECUTE 'PREPARE hotidx_statement AS ' || statement;
    OPEN plan_cursor FOR EXECUTE 'EXPLAIN (' || options || ') EXECUTE hotidx_statement('
      || (SELECT string_agg(quote_nullable(p), ', ' ORDER BY n)
          FROM unnest(params) WITH ORDINALITY AS u(p, n)) || ')';
  END IF;
  FETCH plan_cursor INTO plan;
  CLOSE plan_cursor;
  RETURN plan;
END
