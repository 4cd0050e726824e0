//! The hostile statements, one row each: the SQL, what it tries, and what `hotidx explain` must
//! answer once the `hotidx_explain` role is set up, without and with `--analyze`.
//!
//! `{url}` in a statement is the test database's superuser URL, `{db}` its name. The fixture
//! (fixture.rs) builds what they call: `kill_victim()` and the other payloads terminate every
//! session whose application_name starts with `victim`; that is what a read-only, rolled-back
//! transaction cannot undo, so it is what the bypasses carry.

/// What `hotidx explain` must answer for one statement in one mode, with the role set up.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// Exit 0: planned (with --analyze: run, rolled back).
    Plans,
    /// Exit 1, one stderr line `hotidx: error: …` that names one of these refusals.
    Refused(&'static [&'static str]),
    /// Exit 0, or refused as above: the database may refuse it or let it run harmlessly.
    Either(&'static [&'static str]),
    /// Exit 2: more than one statement, and the message says one statement.
    OneStatement,
    /// Exit 2: a syntax error, reported with its line.
    Syntax(u32),
    /// Exit 2: not a statement EXPLAIN takes.
    NotExplainable,
    /// Exit 1, the message says it timed out; hotidx returns soon after the timeout.
    TimedOut,
    /// Exit 1 under --expect: the plan does not use the index.
    NotUsing,
}

/// How the database says no to each kind of attack (PostgreSQL 15's own words). Precise on
/// purpose: "permission denied for table marker" would mean the payload never ran.
pub const SIGNAL: &[&str] = &[
    "must be a member of the role",
    "must be a superuser",
    "permission denied for function pg_terminate_backend",
    "permission denied for function pg_cancel_backend",
];
pub const PRIVILEGE: &[&str] = &["permission denied for function", "must be superuser"];
pub const WRITE: &[&str] = &[
    "read-only transaction",
    "permission denied for table",
    "permission denied for sequence",
    "permission denied for schema",
];
pub const DBLINK: &[&str] = &["password", "permission denied for function dblink"];
pub const ROLE: &[&str] = &[
    "security-definer",
    "permission denied to set role",
    "permission denied to set session authorization",
    "must be a member of the role",
    "must be a superuser",
];
pub const ANY: &[&str] = &[];

const PLANS: Want = Want::Plans;
const KILL: Want = Want::Refused(SIGNAL);
const PRIV: Want = Want::Refused(PRIVILEGE);
/// EXECUTE privilege is checked when the executor starts, which plain EXPLAIN does too.
const MAY_PRIV: Want = Want::Either(PRIVILEGE);
const RO: Want = Want::Refused(WRITE);
const MAY_WRITE: Want = Want::Either(WRITE);
const DBL: Want = Want::Refused(DBLINK);
const SETROLE: Want = Want::Refused(ROLE);
const MAY: Want = Want::Either(ANY);
const ONE: Want = Want::OneStatement;
const TIMED_OUT: Want = Want::TimedOut;

#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub sql: &'static str,
    pub attack: &'static str,
    pub plain: Want,
    pub analyze: Want,
    pub expect: Option<&'static str>,
    pub timeout: Option<&'static str>,
    /// Text of a server file the statement tries to smuggle out: must appear nowhere.
    pub leak: Option<&'static str>,
}

const fn c(sql: &'static str, attack: &'static str, plain: Want, analyze: Want) -> Case {
    Case {
        sql,
        attack,
        plain,
        analyze,
        expect: None,
        timeout: None,
        leak: None,
    }
}

impl Case {
    const fn expect(self, index: &'static str) -> Case {
        Case {
            expect: Some(index),
            ..self
        }
    }
    const fn timeout(self, timeout: &'static str) -> Case {
        Case {
            timeout: Some(timeout),
            ..self
        }
    }
    const fn leak(self, text: &'static str) -> Case {
        Case {
            leak: Some(text),
            ..self
        }
    }
}

/// The payload's filter: every victim session of this database.
macro_rules! victims {
    () => {
        "FROM pg_stat_activity WHERE application_name LIKE 'victim%' AND datname = current_database()"
    };
}

#[rustfmt::skip]
pub const CASES: &[Case] = &[
    // Volatile calls the VERBOSE plan does not show (today's guard reads only the plan).
    c("SELECT * FROM marker LIMIT kill_victim()", "volatile call in LIMIT", PLANS, KILL),
    c("SELECT * FROM marker OFFSET kill_victim() - 1", "volatile call in OFFSET", PLANS, KILL),
    c("VALUES (1), (kill_victim())", "volatile call in a multi-row VALUES list", PLANS, KILL),
    c("SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN kill_victim() PRECEDING AND CURRENT ROW) \
       FROM marker", "volatile call as a window frame offset", PLANS, KILL),
    c("SELECT * FROM recent_markers", "volatile call hidden in a view", PLANS, KILL),
    c("SELECT count(*) FROM marker WHERE id === 1", "volatile function behind an operator",
      PLANS, KILL),
    c("SELECT 1::mood", "volatile cast function", PLANS, KILL),
    c("SELECT 7::guarded", "volatile function in a domain CHECK", PLANS, KILL),
    c("SELECT \"KillVictim\"()", "quoted mixed-case function name", PLANS, KILL),
    c("SELECT stable_liar()", "function declared STABLE that signals", PLANS, KILL),
    c(concat!("SELECT 1 LIMIT (SELECT count(pg_terminate_backend(pid)) ", victims!(), ")"),
      "built-in signal in a LIMIT subquery", PLANS, KILL),
    c("SELECT 1 OFFSET (SELECT 0 FROM pg_stat_reset())", "built-in stats reset in OFFSET",
      MAY_PRIV, PRIV),
    c("SELECT * FROM marker LIMIT length(dblink_exec('{url}', 'DELETE FROM marker'))",
      "dblink DELETE, committed on its own connection, in LIMIT", PLANS, DBL),
    // User code PostgreSQL runs while planning: plain EXPLAIN executes it too.
    c("SELECT * FROM marker WHERE id = plan_time_kill()",
      "IMMUTABLE function that signals, folded while planning", KILL, KILL),
    c("SELECT inlined_wrapper()", "SQL function inlined into a plan-time call", KILL, KILL),
    c("SELECT * FROM marker WHERE id = sql_immutable_liar()",
      "SQL function declared IMMUTABLE around a volatile body", KILL, KILL),
    c("SELECT * FROM marker WHERE v = stable_liar()",
      "STABLE function evaluated for the row estimate", KILL, KILL),
    c("SELECT * FROM marker WHERE id = unless_guarded()",
      "plan-time payload that fires unless planned as hotidx_explain", PLANS, PLANS),
    c("SELECT * FROM marker WHERE id = unless_guarded()",
      "the same, re-planned by --expect's why-not step", Want::NotUsing, Want::NotUsing)
      .expect("marker_v"),
    c("SELECT * FROM marker WHERE id = slow_immutable()",
      "IMMUTABLE sleep: planning outlasts --timeout", TIMED_OUT, TIMED_OUT).timeout("2s"),
    // Built-ins that act outside the transaction.
    c(concat!("SELECT pg_terminate_backend(pid) ", victims!()), "terminate the victims",
      PLANS, KILL),
    c(concat!("SELECT pg_cancel_backend(pid) ", victims!()), "cancel the victims' queries",
      PLANS, KILL),
    c("SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
       WHERE application_name = 'victim_admin' AND datname = current_database()",
      "terminate a superuser's session", PLANS, KILL),
    c("SELECT pg_stat_reset()", "reset the database's statistics", MAY_PRIV, PRIV),
    c("SELECT pg_stat_reset_shared('bgwriter')", "reset cluster-wide bgwriter statistics",
      MAY_PRIV, PRIV),
    c("SELECT pg_stat_reset_single_table_counters('marker'::regclass)",
      "reset one table's counters", MAY_PRIV, PRIV),
    c("SELECT pg_stat_reset_slru(NULL)", "reset SLRU statistics", MAY_PRIV, PRIV),
    c(concat!("SELECT set_config('role', 'postgres', false) IS NOT NULL \
       AND pg_terminate_backend(pid) ", victims!()), "become postgres, then signal",
      PLANS, SETROLE),
    c(concat!("SELECT set_config('session_authorization', 'postgres', false) IS NOT NULL \
       AND pg_cancel_backend(pid) ", victims!()), "become postgres by session_authorization",
      PLANS, SETROLE),
    c("SELECT pg_advisory_lock(4242)", "session advisory lock that outlives the run",
      PLANS, MAY),
    c("SELECT set_config('default_transaction_read_only', 'off', false), \
       set_config('search_path', 'pg_temp, public', false)", "session settings for later",
      PLANS, MAY),
    c("SELECT set_config('statement_timeout', '0', false), pg_sleep(30)",
      "switch the statement timeout off, then sleep", PLANS, TIMED_OUT).timeout("2s"),
    c("SELECT pg_sleep(30)", "sleep past --timeout", PLANS, TIMED_OUT).timeout("2s"),
    c("SELECT 1 LIMIT stubborn()", "loop that swallows every cancel", PLANS, TIMED_OUT)
      .timeout("2s"),
    c("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
      "runaway recursive CTE", PLANS, TIMED_OUT).timeout("2s"),
    c("SELECT nextval('counter')", "advance a sequence (never rolled back)", PLANS, RO),
    c("SELECT setval('counter', 1000)", "set a sequence", PLANS, RO),
    c("SELECT * FROM marker LIMIT nextval('counter')", "nextval hidden in LIMIT", PLANS, RO),
    c("SELECT * FROM marker FOR UPDATE", "row locks", MAY_WRITE, RO),
    c("WITH gone AS (DELETE FROM marker RETURNING *) SELECT count(*) FROM gone",
      "writing CTE: DELETE", MAY_WRITE, RO),
    c("WITH added AS (INSERT INTO marker (v) VALUES ('cte') RETURNING *) SELECT * FROM added",
      "writing CTE: INSERT and its nextval", MAY_WRITE, RO),
    c("UPDATE marker SET v = 'changed'", "plain UPDATE", MAY_WRITE, RO),
    c("MERGE INTO marker m USING (VALUES (1)) s(id) ON m.id = s.id WHEN MATCHED THEN DELETE",
      "MERGE that deletes", MAY_WRITE, RO),
    c("SELECT * INTO pwned FROM marker", "SELECT INTO: a table, even read-only",
      MAY_WRITE, MAY_WRITE),
    c("SELECT dblink_exec('{url}', 'INSERT INTO marker (v) VALUES (''dblink'')')",
      "dblink_exec with a superuser connection string", PLANS, DBL),
    c("SELECT * FROM dblink('{url}', 'SELECT pg_terminate_backend(pid) \
       FROM pg_stat_activity WHERE application_name LIKE ''victim%'' \
       AND datname = current_database()') AS t(ok boolean)",
      "dblink signals the victims as postgres", PLANS, DBL),
    c("SELECT dblink_connect('bg', '{url}'), dblink_send_query('bg', 'SELECT pg_sleep(60)')",
      "dblink leaves a backend running after the run", PLANS, DBL),
    c("SELECT lo_import('/etc/hostname')", "import a server file", MAY_PRIV, PRIV),
    c("SELECT 1 LIMIT lo_export(424242, '/tmp/hotidx_hostile_{db}')",
      "write a server file (not transactional)", MAY_PRIV, PRIV),
    c("SELECT 1 LIMIT pg_read_file('postgresql.auto.conf')::int",
      "read a server file back through the error", MAY_PRIV, PRIV).leak("Do not edit"),
    c("SELECT pg_reload_conf()", "reload the server configuration", MAY_PRIV, PRIV),
    c("COPY (SELECT 1) TO PROGRAM 'touch /tmp/hotidx_hostile_{db}'", "run a shell command",
      Want::NotExplainable, Want::NotExplainable),
    // Statement shapes: more than one statement, comments, quoting, syntax errors, --expect.
    c("SELECT 1; DELETE FROM marker", "a second statement that writes", ONE, ONE),
    c("SELECT * FROM marker; SELECT '[{\"Plan\": {\"Node Type\": \"Index Scan\", \"Index Name\": \
       \"ghost_ix\", \"Relation Name\": \"marker\"}}]'::json",
      "a second statement forges the plan --expect reads", ONE, ONE).expect("ghost_ix"),
    c("-- one statement, honest\nSELECT 1; DELETE FROM marker",
      "a leading comment hides a second statement", ONE, ONE),
    c(concat!("/* ; */ SELECT 1 /* ; */; SELECT pg_terminate_backend(pid) ", victims!()),
      "semicolons in comments around a second statement", ONE, ONE),
    c("SELECT *\nFROM marker\nWHERE (v =", "syntax error on line 3",
      Want::Syntax(3), Want::Syntax(3)),
    c("SELECT ';' AS semi, v FROM marker WHERE v = 'k7'", "control: semicolon in a literal",
      PLANS, PLANS),
    c("SELECT $x$; DELETE FROM marker$x$ AS text", "control: a statement in dollar quotes",
      PLANS, PLANS),
    c("SELECT * FROM marker", "control: --expect an index the plan does not use",
      Want::NotUsing, Want::NotUsing).expect("marker_v"),
    c("SELECT * FROM marker WHERE v = 'k42'", "control: --expect the index it uses",
      PLANS, PLANS).expect("marker_v"),
    c("/* ticket 42 */ SELECT * FROM marker WHERE v = 'k42'",
      "control: one statement after a comment", PLANS, PLANS).expect("marker_v"),
];

/// SQLite: `{dir}` is the test's own directory. The file's bytes must not change.
#[rustfmt::skip]
pub const SQLITE_CASES: &[Case] = &[
    c("SELECT 1; DELETE FROM jobs", "a second statement that writes", ONE, ONE),
    c("SELECT count(*) FROM jobs; SELECT 2", "a second statement of another shape", ONE, ONE),
    c("-- just one\nSELECT 1; DELETE FROM users", "a leading comment hides a second statement",
      ONE, ONE),
    c("SELECT 1; VACUUM INTO '{dir}/stolen.db'",
      "a second statement copies the database out (allowed read-only)", ONE, ONE),
    c("SELECT * FROM jobs WHERE id = 1; SELECT 2, 0, 0, 'SEARCH jobs USING INDEX ghost_ix (id=?)'",
      "a second statement forges the plan --expect reads", ONE, ONE).expect("ghost_ix"),
    c("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
      "runaway recursive CTE", PLANS, TIMED_OUT).timeout("1s"),
    c("DELETE FROM jobs", "a plain write", PLANS, Want::Refused(&["readonly", "read-only"])),
    c("SELECT ';' AS semi FROM jobs LIMIT 1", "control: semicolon in a literal", PLANS, PLANS),
];
