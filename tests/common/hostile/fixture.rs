//! One test database per phase with what the hostile statements aim at: a marker table with
//! rows, a sequence, a large object, the evil functions, operator, cast, domain and view, dblink;
//! an observer session and two victim sessions (a login role's and a superuser's).

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::common::{PgTestDb, admin_exec_blocking, admin_url, skip_without_postgres};

/// The objects every case may call. Payloads act where a rolled-back, read-only transaction
/// cannot reach: they terminate every `victim%` session of this database.
pub const FIXTURE_SQL: &str = r#"
CREATE EXTENSION dblink;
CREATE TABLE marker (id serial PRIMARY KEY, v text NOT NULL);
INSERT INTO marker (v) SELECT 'k' || g FROM generate_series(1, 2000) g;
CREATE INDEX marker_v ON marker (v);
ANALYZE marker;
CREATE SEQUENCE counter;
SELECT nextval('counter');
SELECT lo_from_bytea(424242, 'a large object to export');
CREATE FUNCTION kill_victim() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE application_name LIKE 'victim%' AND datname = current_database();
  RETURN 1;
END $$;
CREATE FUNCTION "KillVictim"() RETURNS int LANGUAGE plpgsql AS
  $$ BEGIN RETURN kill_victim(); END $$;
CREATE FUNCTION stable_liar() RETURNS text LANGUAGE plpgsql STABLE AS
  $$ BEGIN PERFORM kill_victim(); RETURN 'k1'; END $$;
CREATE FUNCTION plan_time_kill() RETURNS int LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN RETURN kill_victim(); END $$;
CREATE FUNCTION unless_guarded() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF current_user <> 'hotidx_explain' THEN PERFORM kill_victim(); END IF;
  RETURN 1;
END $$;
CREATE FUNCTION inlined_wrapper() RETURNS int LANGUAGE sql AS $$ SELECT plan_time_kill() $$;
CREATE FUNCTION sql_immutable_liar() RETURNS int LANGUAGE sql IMMUTABLE AS
  $$ SELECT kill_victim() $$;
CREATE FUNCTION slow_immutable() RETURNS int LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN PERFORM pg_sleep(30); RETURN 1; END $$;
CREATE FUNCTION stubborn() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  LOOP
    BEGIN PERFORM pg_sleep(0.1); EXCEPTION WHEN query_canceled THEN NULL; END;
  END LOOP;
END $$;
CREATE FUNCTION evil_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM kill_victim(); RETURN $1 = $2; END $$;
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = evil_eq);
CREATE TYPE mood AS ENUM ('calm');
CREATE FUNCTION evil_cast(int) RETURNS mood LANGUAGE plpgsql AS
  $$ BEGIN PERFORM kill_victim(); RETURN 'calm'; END $$;
CREATE CAST (int AS mood) WITH FUNCTION evil_cast(int);
CREATE FUNCTION evil_check(int) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN PERFORM kill_victim(); RETURN true; END $$;
CREATE DOMAIN guarded AS int CHECK (evil_check(VALUE));
CREATE VIEW recent_markers AS SELECT * FROM marker ORDER BY id DESC LIMIT kill_victim();
"#;

/// The advisory lock the victims queue on while a case runs, so a cancel shows as well as a kill.
pub const GATE: i64 = 7_770_001;

/// The advisory lock (in the server's `postgres` database) that serialises fixtures.
const SERIAL: i64 = 7_770_000;

/// A session a case may try to signal: it waits on the gate while the case runs.
pub struct Victim {
    pub name: &'static str,
    user: String,
    pub conn: Option<PgConnection>,
    pub pid: i32,
}

pub struct Fixture {
    /// Holds the cluster-wide lock that keeps another run of this suite from overlapping.
    serial: PgConnection,
    pub db: PgTestDb,
    pub home: tempfile::TempDir,
    pub observer: PgConnection,
    pub observer_pid: i32,
    pub victims: Vec<Victim>,
    /// After `db`: fields drop in order, and the role can go once its database has.
    _victim_role: RoleGuard,
}

/// Drops a cluster-wide role however the test ends.
struct RoleGuard(String);

impl Drop for RoleGuard {
    fn drop(&mut self) {
        admin_exec_blocking(format!("DROP ROLE IF EXISTS \"{}\"", self.0));
    }
}

/// The options of `url` with another user and application_name.
pub fn options(url: &str, user: Option<&str>, application: &str) -> PgConnectOptions {
    let options = PgConnectOptions::from_str(url)
        .expect("a PostgreSQL URL")
        .application_name(application);
    match user {
        Some(user) => options.username(user),
        None => options,
    }
}

pub async fn connect_as(url: &str, user: Option<&str>, application: &str) -> PgConnection {
    options(url, user, application)
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect as {user:?} ({application}): {e}"))
}

impl Fixture {
    pub async fn create(label: &str) -> Option<Fixture> {
        let mut serial = match PgConnection::connect(&admin_url()).await {
            Ok(conn) => conn,
            Err(e) => return skip_without_postgres(&e.to_string()).map(|_| unreachable!()),
        };
        // Cases reset cluster-wide statistics: another process running this suite at the same
        // time would see them. One fixture at a time on the whole cluster.
        serial
            .execute(sqlx::AssertSqlSafe(format!(
                "SELECT pg_advisory_lock({SERIAL})"
            )))
            .await
            .expect("the suite's cluster-wide lock");
        let db = PgTestDb::create(label).await?;
        db.exec(FIXTURE_SQL).await;
        // A victim that is nobody special: only a member of its role or of pg_signal_backend
        // may signal it.
        let victim_role = format!("{}_victim", db.name);
        db.exec(&format!("CREATE ROLE \"{victim_role}\" LOGIN"))
            .await;
        let admin_user = options(&db.url, None, "x").get_username().to_string();
        let mut observer = connect_as(&db.url, None, "observer").await;
        let observer_pid = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut observer)
            .await
            .expect("observer pid");
        let mut fixture = Fixture {
            serial,
            victims: vec![
                Victim::new("victim", victim_role.clone()),
                Victim::new("victim_admin", admin_user),
            ],
            home: tempfile::tempdir().expect("tempdir"),
            observer,
            observer_pid,
            db,
            _victim_role: RoleGuard(victim_role),
        };
        for victim in &mut fixture.victims {
            victim.connect(&fixture.db.url).await;
        }
        Some(fixture)
    }

    /// The statement as run against this database: `{url}` and `{db}` filled in.
    pub fn sql(&self, statement: &str) -> String {
        statement
            .replace("{url}", &self.db.url)
            .replace("{db}", &self.db.name)
    }

    /// Every pid the harness itself holds: not a leftover.
    pub fn own_pids(&self) -> Vec<i32> {
        let mut pids: Vec<i32> = self.victims.iter().map(|v| v.pid).collect();
        pids.push(self.observer_pid);
        pids
    }

    pub async fn exec(&mut self, sql: &str) {
        self.observer
            .execute(sqlx::AssertSqlSafe(sql.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Closes the harness's sessions politely; the database, then the role, go on drop.
    pub async fn close(self) {
        let Fixture {
            serial,
            observer,
            victims,
            ..
        } = self;
        for conn in victims.into_iter().filter_map(|v| v.conn) {
            let _ = conn.close().await;
        }
        let _ = observer.close().await;
        let _ = serial.close().await;
    }
}

impl Victim {
    fn new(name: &'static str, user: String) -> Victim {
        Victim {
            name,
            user,
            conn: None,
            pid: 0,
        }
    }

    pub async fn connect(&mut self, url: &str) {
        let mut conn = connect_as(url, Some(&self.user), self.name).await;
        self.pid = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .expect("victim pid");
        self.conn = Some(conn);
    }
}
