//! Where to connect: `--database-url`, `DATABASE_URL`, libpq's `PG*` variables, else the demo.
//!
//! Nothing here ever formats a password: a [`Target`] displays as `user@host:port/db` or a path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;

use crate::db::DbError;

/// libpq variables that name a server; `PGCONNECT_TIMEOUT` or `PGPASSFILE` alone do not.
const LIBPQ_TARGET_VARS: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGSSLMODE",
];

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// URL parameters that libpq (and sqlx) understand.
const KNOWN_PARAMETERS: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "options",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "connect_timeout",
];

/// How the target was chosen, so messages can say where a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    DatabaseUrlEnv,
    LibpqEnv,
    DemoDefault,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per process; boxing would only add noise
pub enum Target {
    Postgres(PostgresTarget),
    Sqlite(SqliteTarget),
}

#[derive(Clone)]
pub struct PostgresTarget {
    pub options: PgConnectOptions,
    pub connect_timeout: Duration,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub struct SqliteTarget {
    pub path: PathBuf,
    pub source: Source,
}

// Hand-written so that a stray `{:?}` can never print the password inside the options.
impl std::fmt::Debug for PostgresTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresTarget({})", self.display())
    }
}

impl PostgresTarget {
    pub fn user(&self) -> &str {
        self.options.get_username()
    }

    /// libpq's default database is the user name.
    pub fn database(&self) -> &str {
        self.options.get_database().unwrap_or(self.user())
    }

    pub fn host_port(&self) -> String {
        match self.options.get_socket() {
            Some(dir) => format!("{}:{}", dir.display(), self.options.get_port()),
            None => format!("{}:{}", self.options.get_host(), self.options.get_port()),
        }
    }

    /// `user@host:port/db`, never the password.
    pub fn display(&self) -> String {
        format!("{}@{}/{}", self.user(), self.host_port(), self.database())
    }

    /// The same server and credentials, another database (for `demo` creating its database).
    pub fn with_database(&self, database: &str) -> PostgresTarget {
        PostgresTarget {
            options: self.options.clone().database(database),
            ..self.clone()
        }
    }
}

impl Target {
    pub fn display(&self) -> String {
        match self {
            Target::Postgres(pg) => pg.display(),
            Target::Sqlite(sqlite) => sqlite.path.display().to_string(),
        }
    }

    pub fn source(&self) -> Source {
        match self {
            Target::Postgres(pg) => pg.source,
            Target::Sqlite(sqlite) => sqlite.source,
        }
    }
}

/// An environment variable, with libpq's rule that an empty value counts as unset.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// First match wins: the flag, `DATABASE_URL`, libpq variables, the demo database.
pub fn resolve(flag: Option<&str>) -> Result<Target, DbError> {
    let timeout = connect_timeout()?;
    if let Some(url) = flag {
        if url.trim().is_empty() {
            // An unset variable in `--database-url "$URL"` must not quietly mean the demo.
            return Err(DbError::Usage(
                "--database-url is empty: give a URL or a SQLite path, or leave the flag out for \
                 the demo database"
                    .into(),
            ));
        }
        return parse_target(url, Source::Flag, timeout);
    }
    if let Some(url) = env_var("DATABASE_URL") {
        return parse_target(&url, Source::DatabaseUrlEnv, timeout);
    }
    if LIBPQ_TARGET_VARS.iter().any(|v| env_var(v).is_some()) {
        // sqlx reads the PG* variables and `.pgpass` / `PGPASSFILE` itself, as libpq does.
        return Ok(Target::Postgres(PostgresTarget {
            options: with_os_user(PgConnectOptions::new(), false),
            connect_timeout: timeout,
            source: Source::LibpqEnv,
        }));
    }
    Ok(Target::Sqlite(SqliteTarget {
        path: demo_path()?,
        source: Source::DemoDefault,
    }))
}

/// The demo database lives in the user's data directory (`$XDG_DATA_HOME/hotidx` on Linux).
pub fn demo_path() -> Result<PathBuf, DbError> {
    let base = dirs::data_dir().ok_or_else(|| {
        DbError::Usage("cannot find the user's data directory: set HOME or XDG_DATA_HOME".into())
    })?;
    Ok(base.join("hotidx").join("demo.sqlite3"))
}

fn connect_timeout() -> Result<Duration, DbError> {
    match env_var("PGCONNECT_TIMEOUT") {
        None => Ok(DEFAULT_CONNECT_TIMEOUT),
        Some(raw) => parse_timeout(&raw).ok_or_else(|| {
            DbError::Usage(format!(
                "PGCONNECT_TIMEOUT={raw:?} is not a number of seconds: set it to e.g. 5"
            ))
        }),
    }
}

/// libpq semantics: whole seconds; 0 or negative means wait forever, which we cap at a day.
fn parse_timeout(raw: &str) -> Option<Duration> {
    let secs: i64 = raw.trim().parse().ok()?;
    Some(if secs <= 0 {
        Duration::from_secs(86_400)
    } else {
        Duration::from_secs(secs as u64)
    })
}

/// Parses `postgres://`, `postgresql://`, `sqlite://path`, `sqlite:path` or a bare path.
pub fn parse_target(raw: &str, source: Source, timeout: Duration) -> Result<Target, DbError> {
    let raw = raw.trim();
    let scheme = raw.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("postgres" | "postgresql") => parse_postgres(raw, source, timeout),
        Some("sqlite") => {
            let rest = &raw["sqlite:".len()..];
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::MalformedUrl(
                    "sqlite URL has no file path: use sqlite://path/to/file.db".into(),
                ));
            }
            Ok(Target::Sqlite(SqliteTarget {
                path: PathBuf::from(path),
                source,
            }))
        }
        Some(other) if raw.contains("://") => Err(DbError::MalformedUrl(format!(
            "unsupported scheme {other:?}: use postgres://, postgresql://, sqlite:// or a SQLite file path"
        ))),
        _ => Ok(Target::Sqlite(SqliteTarget {
            path: PathBuf::from(raw),
            source,
        })),
    }
}

fn parse_postgres(raw: &str, source: Source, timeout: Duration) -> Result<Target, DbError> {
    // url's messages never quote the input, so they are safe to show.
    let mut url = url::Url::parse(raw).map_err(|e| {
        DbError::MalformedUrl(format!(
            "{e}: expected postgres://user[:password]@host[:port]/database"
        ))
    })?;
    // libpq's connect_timeout is ours to apply; sqlx does not know it.
    let mut timeout = timeout;
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        if !KNOWN_PARAMETERS.contains(&key.as_ref()) {
            // psql refuses an unknown parameter too: a typo must not be silently ignored.
            return Err(DbError::MalformedUrl(format!(
                "unknown parameter {key:?}: use {}",
                known_parameters()
            )));
        }
        if key == "connect_timeout" {
            timeout = parse_timeout(&value).ok_or_else(|| {
                DbError::MalformedUrl(format!(
                    "connect_timeout={value:?} is not a number of seconds"
                ))
            })?;
        } else {
            kept.push((key.into_owned(), value.into_owned()));
        }
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let options = PgConnectOptions::from_url(&url)
        .map_err(|e| DbError::MalformedUrl(describe_config_error(&e)))?;
    let options = with_os_user(options, !url.username().is_empty());
    Ok(Target::Postgres(PostgresTarget {
        options,
        connect_timeout: timeout,
        source,
    }))
}

/// `a, b or c`: every name of [`KNOWN_PARAMETERS`].
fn known_parameters() -> String {
    match KNOWN_PARAMETERS.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// libpq's default user is the operating system user; sqlx's lookup can come back as
/// "anonymous", so it is taken from the environment or /etc/passwd when nothing named one.
fn with_os_user(options: PgConnectOptions, user_in_url: bool) -> PgConnectOptions {
    if user_in_url || env_var("PGUSER").is_some() {
        return options;
    }
    match os_user() {
        Some(user) => options.username(&user),
        None => options,
    }
}

fn os_user() -> Option<String> {
    if let Some(user) = env_var("USER").or_else(|| env_var("LOGNAME")) {
        return Some(user);
    }
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.get(2) == Some(&uid.as_str())).then(|| fields[0].to_string())
    })
}

/// sqlx configuration errors name the bad parameter, never the URL; keep only that part.
fn describe_config_error(e: &sqlx::Error) -> String {
    let text = e
        .to_string()
        .replace("`ssl_mode`", "sslmode")
        .replace("error with configuration: ", "");
    format!("{text}: expected postgres://user[:password]@host[:port]/database[?sslmode=…]")
}

/// True when `path` names the default demo database (which `demo` may rebuild without `--force`).
pub fn is_demo_path(path: &Path) -> bool {
    demo_path().map(|demo| demo == path).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_parameter_is_refused_naming_every_known_one() {
        let error = parse_target(
            "postgres://db.internal/app?sslmod=require",
            Source::Flag,
            DEFAULT_CONNECT_TIMEOUT,
        )
        .err()
        .map(|e| match e {
            DbError::MalformedUrl(message) => message,
            other => panic!("not a malformed URL: {other}"),
        });
        assert_eq!(
            error.as_deref(),
            Some(
                "unknown parameter \"sslmod\": use sslmode, sslrootcert, sslcert, sslkey, \
                 application_name, options, host, hostaddr, port, dbname, user, password or \
                 connect_timeout"
            )
        );
    }
}
