//! One case, observed: victims queue on the gate, the state is read, the action runs, then the
//! harness checks what is left (backends, advisory locks), releases the gate, hears from each
//! victim, reads the state again and repairs it.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::fixture::{Fixture, GATE, Victim, connect_as};
use super::state::{State, repair};
use crate::common::Run;

/// What one case does to the database.
pub enum Action {
    /// The real binary with these arguments, stopped by the harness after the deadline.
    Hotidx(Command, Duration),
    /// Statements run directly as the superuser (the harness's self-check).
    Sql(String),
    /// As `Sql`, on a session that stays open, named `hotidx_selfcheck`, until the checks end.
    Linger(String),
}

pub struct Observation {
    pub run: Option<Run>,
    pub elapsed: Duration,
    /// `thing: before → after`, and every victim hurt or session left over.
    pub changes: Vec<String>,
}

type VictimWait = tokio::task::JoinHandle<(PgConnection, Result<(), String>)>;

pub async fn observe(fixture: &mut Fixture, action: Action) -> Observation {
    fixture
        .exec(&format!("SELECT pg_advisory_lock({GATE})"))
        .await;
    let waits: Vec<VictimWait> = fixture.victims.iter_mut().map(queue_on_gate).collect();
    wait_until_queued(fixture).await;
    let before = State::read(&mut fixture.observer).await;
    let started = Instant::now();
    let mut lingering = None;
    let run = match action {
        Action::Hotidx(command, deadline) => Some(
            tokio::task::spawn_blocking(move || run_bounded(command, deadline))
                .await
                .expect("hotidx runner"),
        ),
        Action::Sql(sql) => {
            let mut conn = connect_as(&fixture.db.url, None, "selfcheck_attacker").await;
            attack(&mut conn, &sql).await;
            let _ = conn.close().await;
            None
        }
        Action::Linger(sql) => {
            let mut conn = connect_as(&fixture.db.url, None, "hotidx_selfcheck").await;
            attack(&mut conn, &sql).await;
            lingering = Some(conn);
            None
        }
    };
    let elapsed = started.elapsed();
    let mut changes = leftovers(fixture).await;
    changes.extend(missing_victims(fixture).await);
    fixture
        .exec(&format!("SELECT pg_advisory_unlock({GATE})"))
        .await;
    for (victim, wait) in fixture.victims.iter_mut().zip(waits) {
        if let Some(hurt) = hear_from(victim, wait, &fixture.db.url).await {
            changes.push(hurt);
        }
    }
    drop(lingering);
    // Statistics reach the shared counters when a backend ends or a little after.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let after = State::read(&mut fixture.observer).await;
    let state_changes = before.changes(&after);
    if !state_changes.is_empty() {
        repair(fixture, &before, &after).await;
    }
    changes.extend(state_changes);
    Observation {
        run,
        elapsed,
        changes,
    }
}

async fn attack(conn: &mut PgConnection, sql: &str) {
    let _ = conn.execute("SELECT pg_stat_force_next_flush()").await;
    conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
        .await
        .unwrap_or_else(|e| panic!("self-check statement {sql}: {e}"));
}

fn queue_on_gate(victim: &mut Victim) -> VictimWait {
    let mut conn = victim.conn.take().expect("victim connected");
    tokio::spawn(async move {
        let sql = format!("SELECT pg_advisory_lock_shared({GATE})");
        let result = match conn.execute(sqlx::AssertSqlSafe(sql)).await {
            Ok(_) => {
                let sql = format!("SELECT pg_advisory_unlock_shared({GATE})");
                conn.execute(sqlx::AssertSqlSafe(sql)).await.map(|_| ())
            }
            Err(e) => Err(e),
        };
        (conn, result.map_err(|e| e.to_string()))
    })
}

async fn wait_until_queued(fixture: &mut Fixture) {
    let pids: Vec<i32> = fixture.victims.iter().map(|v| v.pid).collect();
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1) AND wait_event_type = 'Lock'",
        )
        .bind(&pids)
        .fetch_one(&mut fixture.observer)
        .await
        .expect("victims waiting");
        if waiting == pids.len() as i64 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the victims never queued on the gate");
}

/// Sessions of this database other than the harness's once hotidx is gone, and advisory locks
/// anyone else holds: each is a finding. Leftover sessions are then ended, so the next case
/// starts clean.
async fn leftovers(fixture: &mut Fixture) -> Vec<String> {
    let own = fixture.own_pids();
    let deadline = Instant::now() + Duration::from_millis(1500);
    let sessions = loop {
        let rows: Vec<(i32, String, String, String)> = sqlx::query_as(
            "SELECT pid, application_name, coalesce(state, ''), left(query, 60) \
             FROM pg_stat_activity WHERE datname = current_database() \
             AND backend_type = 'client backend' AND NOT pid = ANY($1)",
        )
        .bind(&own)
        .fetch_all(&mut fixture.observer)
        .await
        .expect("pg_stat_activity");
        if rows.is_empty() || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let locks: Vec<(i32, String)> = sqlx::query_as(
        "SELECT pid, objid::text FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND NOT pid = ANY($1)",
    )
    .bind(&own)
    .fetch_all(&mut fixture.observer)
    .await
    .expect("pg_locks");
    let mut found: Vec<String> = locks
        .into_iter()
        .map(|(pid, key)| format!("advisory lock {key} left, held by pid {pid}"))
        .collect();
    for (pid, application, state, query) in sessions {
        found.push(format!(
            "session left over: pid {pid} {application:?} {state} {query:?}"
        ));
        let sql = format!("SELECT pg_terminate_backend({pid}, 2000)");
        let _ = fixture.observer.execute(sqlx::AssertSqlSafe(sql)).await;
    }
    found
}

async fn missing_victims(fixture: &mut Fixture) -> Vec<String> {
    let mut missing = Vec::new();
    for victim in &fixture.victims {
        let alive: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1)")
                .bind(victim.pid)
                .fetch_one(&mut fixture.observer)
                .await
                .expect("victim in pg_stat_activity");
        if !alive {
            missing.push(format!(
                "{}: pid {} gone from pg_stat_activity",
                victim.name, victim.pid
            ));
        }
    }
    missing
}

/// The victim's gated query must have finished normally and its session still answer.
async fn hear_from(victim: &mut Victim, wait: VictimWait, url: &str) -> Option<String> {
    let hurt = match tokio::time::timeout(Duration::from_secs(5), wait).await {
        Err(_) => Some("its query never returned".to_string()),
        Ok(Err(e)) => Some(format!("its task failed: {e}")),
        Ok(Ok((mut conn, result))) => {
            let answer = match result {
                Err(e) => Err(e),
                Ok(()) => conn
                    .execute("SELECT 1")
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            };
            match answer {
                Ok(()) => {
                    victim.conn = Some(conn);
                    None
                }
                Err(e) => Some(e),
            }
        }
    };
    if hurt.is_some() {
        victim.connect(url).await;
    }
    hurt.map(|why| format!("{}: {why}", victim.name))
}

/// Runs the binary; a run past `deadline` is killed and reads as exit -1.
pub fn run_bounded(mut command: Command, deadline: Duration) -> Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hotidx");
    let readers = [
        reader(
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ),
        reader(
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ),
    ];
    let started = Instant::now();
    let (code, killed) = loop {
        if let Some(status) = child.try_wait().expect("wait for hotidx") {
            break (status.code().unwrap_or(-1), false);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break (-1, true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let [stdout, stderr] = readers.map(|r| r.join().expect("pipe reader"));
    let mut run = Run {
        code,
        stdout,
        stderr,
    };
    if killed {
        run.stderr += &format!("(harness: killed after {deadline:?})");
    }
    run
}

fn reader(pipe: Option<Box<dyn Read + Send>>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}
