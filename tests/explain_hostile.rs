//! Hostile SQL given to `hotidx explain`, tried for real. PostgreSQL runs user code while
//! planning (IMMUTABLE functions, estimates) and under ANALYZE; a read-only, rolled-back
//! transaction stops neither signals, statistics resets, sequences' neighbours, dblink nor server
//! files. So the statement must run as a role the database stops: `hotidx_explain`, set up by
//! `hotidx explain --setup-role --yes`. Each case (common/hostile/cases.rs) is run plain and with
//! --analyze, and everything it aims at is read before and after (common/hostile/cycle.rs).

mod common;

use std::time::Instant;

use common::hostile::cases::{CASES, SQLITE_CASES};
use common::hostile::cycle::{Action, observe, run_bounded};
use common::hostile::fixture::Fixture;
use common::hostile::verdict::{Line, Phase, answered, explain_command, report, run_cases, shape};
use common::hostile::{one_phase_at_a_time, runtime};
use common::{PgTestDb, hotidx_on, sqlite_demo};

/// The harness must see each kind of damage when it is really done (as the superuser, not
/// through hotidx), or its "unchanged" would mean nothing; and see nothing for a harmless one.
#[test]
fn harness_sees_each_kind_of_damage_done_directly() {
    let _serial = one_phase_at_a_time();
    runtime().block_on(async {
        let Some(mut fixture) = Fixture::create("hostile_self").await else {
            return;
        };
        let victims = "FROM pg_stat_activity WHERE application_name LIKE 'victim%' \
                       AND datname = current_database()";
        let checks: Vec<(Action, &str)> = vec![
            (sql("SELECT 1"), ""),
            (
                sql("INSERT INTO marker (v) VALUES ('selfcheck')"),
                "marker rows",
            ),
            (
                sql("SELECT pg_stat_reset_single_table_counters('marker'::regclass)"),
                "n_tup_ins",
            ),
            (sql("SELECT nextval('counter')"), "sequence counter"),
            (
                sql("SELECT pg_stat_reset()"),
                "pg_stat_database.stats_reset",
            ),
            (
                sql("SELECT pg_stat_reset_shared('archiver')"),
                "pg_stat_archiver.stats_reset",
            ),
            (
                sql(&format!("SELECT pg_terminate_backend(pid) {victims}")),
                "victim_admin:",
            ),
            (
                sql(&format!("SELECT pg_cancel_backend(pid) {victims}")),
                "canceling statement",
            ),
            (
                linger("SELECT pg_advisory_lock(4242)"),
                "advisory lock 4242 left",
            ),
            (linger("SELECT 1"), "session left over"),
            (
                sql(&fixture.sql("SELECT lo_export(424242, '/tmp/hotidx_hostile_{db}')")),
                "server file",
            ),
            (sql("SELECT lo_from_bytea(0, 'x')"), "large objects"),
            (sql("SELECT pg_reload_conf()"), "pg_conf_load_time"),
            (sql("CREATE TABLE pwned ()"), "relations"),
            (
                sql(&fixture.sql("SELECT dblink_exec('{url}', 'DELETE FROM marker')")),
                "marker rows",
            ),
            (sql("SELECT 1"), ""),
        ];
        let mut lines = Vec::new();
        for (action, must_see) in checks {
            let label = match &action {
                Action::Sql(s) | Action::Linger(s) => s.clone(),
                Action::Hotidx(..) => unreachable!(),
            };
            let seen = observe(&mut fixture, action).await;
            let outcome = seen.changes.join("; ");
            let failure = match must_see {
                "" if !seen.changes.is_empty() => Some(format!("{label}: false alarm: {outcome}")),
                "" => None,
                _ if !outcome.contains(must_see) => Some(format!(
                    "{label}: did not see {must_see:?}, saw {outcome:?}"
                )),
                _ => None,
            };
            let shown = if outcome.is_empty() {
                "unchanged"
            } else {
                &outcome
            };
            let text = format!(
                "direct  {:<59}{shown}",
                label.chars().take(58).collect::<String>()
            );
            lines.push(Line { text, failure });
        }
        // Repaired: the fixture is back where it started.
        let seen = observe(&mut fixture, sql("SELECT count(*) FROM marker")).await;
        assert!(seen.changes.is_empty(), "{:?}", seen.changes);
        fixture.close().await;
        report("harness self-check", &lines);
    });
}

fn sql(statement: &str) -> Action {
    Action::Sql(statement.to_string())
}

fn linger(statement: &str) -> Action {
    Action::Linger(statement.to_string())
}

/// No `--setup-role` in this database: every statement is refused before anything is planned,
/// so even the IMMUTABLE function that signals while planning never runs.
#[test]
fn without_setup_role_every_hostile_statement_is_refused_up_front() {
    let _serial = one_phase_at_a_time();
    runtime().block_on(async {
        let Some(mut fixture) = Fixture::create("hostile_nosetup").await else {
            return;
        };
        let started = Instant::now();
        let lines = run_cases(&mut fixture, Phase::WithoutSetup, CASES).await;
        eprintln!("{} runs in {:?}", lines.len(), started.elapsed());
        fixture.close().await;
        report("without --setup-role", &lines);
    });
}

/// After `--setup-role --yes`: planned and run as hotidx_explain, which the database stops.
#[test]
fn with_setup_role_no_hostile_statement_takes_effect() {
    let _serial = one_phase_at_a_time();
    runtime().block_on(async {
        let Some(mut fixture) = Fixture::create("hostile_setup").await else {
            return;
        };
        let Some(other) = PgTestDb::create("hostile_setup_other").await else {
            return;
        };
        set_up_role(&mut fixture, &other).await;
        let started = Instant::now();
        let lines = run_cases(&mut fixture, Phase::WithSetup, CASES).await;
        eprintln!("{} runs in {:?}", lines.len(), started.elapsed());
        fixture.close().await;
        report("with --setup-role", &lines);
    });
}

/// Printing changes nothing; running it twice, and for two databases at once, succeeds; what
/// it leaves is a NOLOGIN role without the powers the cases try to use.
async fn set_up_role(fixture: &mut Fixture, other: &PgTestDb) {
    let home = fixture.home.path().to_path_buf();
    let printed = hotidx_on(&home, &fixture.db.url, &["explain", "--setup-role"]);
    assert_eq!(printed.code, 0, "--setup-role: {}", printed.all());
    for word in ["hotidx_explain", "hotidx.explain"] {
        assert!(
            printed.stdout.contains(word),
            "{word} not in: {}",
            printed.stdout
        );
    }
    let schemas: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'hotidx'")
            .fetch_one(&mut fixture.observer)
            .await
            .unwrap();
    assert_eq!(schemas, 0, "--setup-role without --yes created the schema");
    let yes = ["explain", "--setup-role", "--yes"];
    let once = hotidx_on(&home, &fixture.db.url, &yes);
    assert_eq!(once.code, 0, "--setup-role --yes: {}", once.all());
    let urls = [fixture.db.url.clone(), other.url.clone()];
    let runs: Vec<_> = urls
        .iter()
        .map(|url| {
            let (home, url) = (home.clone(), url.clone());
            std::thread::spawn(move || hotidx_on(&home, &url, &yes))
        })
        .collect();
    for run in runs {
        let run = run.join().unwrap();
        assert_eq!(
            run.code,
            0,
            "--setup-role --yes again, in parallel: {}",
            run.all()
        );
    }
    let role: (bool, bool, bool, bool, bool, bool, Option<String>) = sqlx::query_as(
        "SELECT r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, \
         r.rolbypassrls, (SELECT string_agg(g.rolname, ', ') FROM pg_roles g \
         WHERE g.rolname IN ('pg_signal_backend', 'pg_write_all_data', 'pg_read_server_files', \
         'pg_write_server_files', 'pg_execute_server_program', 'pg_checkpoint') \
         AND pg_has_role(r.oid, g.oid, 'MEMBER')) FROM pg_roles r WHERE r.rolname = 'hotidx_explain'",
    )
    .fetch_one(&mut fixture.observer)
    .await
    .expect("the hotidx_explain role");
    // BYPASSRLS on purpose: it reads, and its plans then match a superuser's, not a
    // policy-filtered view; it confers no write.
    assert_eq!(
        role,
        (false, false, false, false, false, true, None),
        "hotidx_explain"
    );
    let helpers: Vec<(bool, String)> = sqlx::query_as(
        "SELECT p.prosecdef, pg_get_userbyid(p.proowner)::text FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'hotidx' AND p.proname = 'explain'",
    )
    .fetch_all(&mut fixture.observer)
    .await
    .unwrap();
    assert!(!helpers.is_empty(), "no function hotidx.explain");
    for helper in helpers {
        assert_eq!(
            helper,
            (true, "hotidx_explain".to_string()),
            "hotidx.explain"
        );
    }
}

/// SQLite: a second statement is refused before anything runs (nor may it forge the plan
/// `--expect` reads), and `--timeout` stops a runaway query; the file's bytes never change.
#[test]
fn sqlite_scripts_forged_plans_and_runaways_are_stopped() {
    let home = tempfile::tempdir().unwrap();
    let path = sqlite_demo(home.path(), &home.path().join("e.db"), 200);
    let dir = home.path().display().to_string();
    let stolen = home.path().join("stolen.db");
    let bytes = std::fs::read(&path).unwrap();
    let mut lines = Vec::new();
    for case in SQLITE_CASES {
        for analyze in [false, true] {
            let sql = case.sql.replace("{dir}", &dir);
            let command = explain_command(home.path(), path.as_os_str(), case, &sql, analyze);
            let started = Instant::now();
            let run = run_bounded(command, std::time::Duration::from_secs(20));
            let elapsed = started.elapsed();
            let want = if analyze { case.analyze } else { case.plain };
            let mut wrong: Vec<String> = answered(want, case, analyze, &run, elapsed)
                .err()
                .into_iter()
                .collect();
            let mut changes = Vec::new();
            if std::fs::read(&path).unwrap() != bytes {
                changes.push("the database file changed".to_string());
                std::fs::write(&path, &bytes).unwrap();
            }
            if stolen.exists() {
                changes.push("stolen.db written".to_string());
                std::fs::remove_file(&stolen).unwrap();
            }
            if !changes.is_empty() {
                wrong.push(changes.join("; "));
            }
            let mode = if analyze { "analyze" } else { "plain" };
            let shape = shape(case);
            let outcome = if changes.is_empty() {
                "unchanged".into()
            } else {
                changes.join("; ")
            };
            let text = format!(
                "{mode:<8}{shape:<59}exit {:>2} {:>5.1}s  {outcome}",
                run.code,
                elapsed.as_secs_f64()
            );
            let failure = (!wrong.is_empty()).then(|| {
                format!(
                    "[{mode}] {:?} ({}): {}\n    stderr: {}",
                    case.sql,
                    case.attack,
                    wrong.join("; "),
                    run.stderr.trim()
                )
            });
            lines.push(Line { text, failure });
        }
    }
    report("sqlite", &lines);
}
