//! The command line: clap definitions and the subcommands' text and JSON output.

mod check_cmd;
mod demo_cmd;
mod explain_cmd;
mod explain_out;
mod explain_role_cmd;

mod indexes_cmd;
mod migrate_cmd;
mod plan_out;
mod progress_out;
mod status_cmd;
pub mod text_table;

use std::io::{IsTerminal, Write};

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{self, Target};
use crate::db::{Access, Database, DbError};
use crate::migration::plan::Direction;
use migrate_cmd::MigrateArgs;

/// Text output fits this many columns.
pub const TEXT_WIDTH: usize = 80;

#[derive(Debug, Parser)]
#[command(
    name = "hotidx",
    version,
    about = "Inspect, prove and change the indexes of a PostgreSQL or SQLite database",
    long_about = "Inspect, prove and change the indexes of a PostgreSQL or SQLite database, \
                  around mdraft's hot-indexes migration (2a301fa09a8a).\n\n\
                  The database is, first match wins: --database-url, DATABASE_URL, the libpq \
                  variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE, \
                  PGCONNECT_TIMEOUT, ~/.pgpass), else the demo SQLite database in the user's \
                  data directory. With no command, hotidx opens its terminal UI; when not on a terminal it prints `status` then `indexes`."
)]
pub struct Cli {
    /// postgres://user@host:port/db, postgresql://…, sqlite://path, or a path to a SQLite file
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Refuse every write; the database session itself is read-only (also HOTIDX_READ_ONLY=1)
    #[arg(
        long,
        global = true,
        env = "HOTIDX_READ_ONLY",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub read_only: bool,

    /// How often the TUI refreshes (e.g. 2s, 500ms)
    #[arg(long, global = true, default_value = "5s", value_parser = parse_duration, value_name = "EVERY")]
    pub refresh: std::time::Duration,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the demo mdraft database at the parent revision and print where it is
    Demo {
        /// Conversions to generate (jobs are half as many, users a twentieth)
        #[arg(long, value_name = "N")]
        rows: Option<u64>,
        /// Replace the mdraft tables if the database already has them
        #[arg(long)]
        force: bool,
        /// Seed of the deterministic data generator
        #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// The hot-indexes migration's status: version row and each of the nine indexes
    Status {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Apply the hot-indexes migration (CONCURRENTLY on PostgreSQL)
    Upgrade {
        #[command(flatten)]
        flags: MigrateFlags,
    },
    /// Roll the migration back to the parent's exact index set
    Downgrade {
        #[command(flatten)]
        flags: MigrateFlags,
        /// Run the published downgrade exactly (it drops indexes the parent had)
        #[arg(long)]
        like_alembic: bool,
    },
    /// The plan of a probe (--probe dedup) or of any SQL, and whether the expected index is used
    Explain {
        /// The statement to explain, or - to read it from standard input (or use --file, --probe)
        // A statement pasted from a log often starts with `-- comment`: a value, not a flag.
        #[arg(allow_hyphen_values = true)]
        sql: Option<String>,
        /// Read the statement from this file (- for standard input)
        #[arg(long, value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        /// A value for the statement's next $n placeholder, in order (repeatable)
        #[arg(long = "param", value_name = "VALUE")]
        params: Vec<String>,
        /// A built-in mdraft probe: dedup, user-conversions, user-jobs, user-email, anonymous,
        /// status-conversions, status-jobs, time (a prefix selects several: user)
        #[arg(long, value_name = "ID")]
        probe: Option<String>,
        /// With SQL: the index the statement should use; says why it is not, if it is not
        #[arg(long, value_name = "INDEX")]
        expect: Option<String>,
        /// Run it (EXPLAIN ANALYZE) inside a read-only transaction that is rolled back
        #[arg(long)]
        analyze: bool,
        /// The plan without and with the migration's indexes (HypoPG on PostgreSQL when
        /// installed; a rolled-back trial on SQLite), nothing built
        #[arg(long)]
        compare: bool,
        /// How long each statement may run, planning included (a stricter statement_timeout of
        /// the role or database stays)
        #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
        timeout: std::time::Duration,
        /// Print the statements that create the role your SQL is planned as (--yes runs them)
        #[arg(long)]
        setup_role: bool,
        /// With --setup-role: run the statements instead of printing them
        #[arg(long, requires = "setup_role")]
        yes: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Pre-deploy verification: exit 0 only if applied, every index valid, every probe on its index
    Check {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every index with its columns, flags, size and usage
    Indexes {
        /// Only this table (`name` or `schema.name`)
        #[arg(long, value_name = "NAME")]
        table: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Flags shared by `upgrade` and `downgrade`.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateFlags {
    /// Print the statements (for PostgreSQL valid for `psql -f`) and touch nothing
    #[arg(long)]
    pub sql: bool,
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
    /// Plain CREATE/DROP INDEX (blocks writes to the table), for a maintenance window
    #[arg(long)]
    pub no_concurrently: bool,
    /// How long one DDL statement may wait for a lock before it is retried (e.g. 5s, 500ms)
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Go ahead although alembic_version is not where this direction starts from
    #[arg(long)]
    pub force: bool,
}

impl MigrateFlags {
    fn to_args(&self, direction: Direction, like_alembic: bool, read_only: bool) -> MigrateArgs {
        MigrateArgs {
            direction,
            sql: self.sql,
            yes: self.yes,
            concurrently: !self.no_concurrently,
            like_alembic,
            force: self.force,
            lock_timeout: self.lock_timeout,
            read_only,
        }
    }
}

/// `5s`, `500ms`, `2m`, or a bare number of seconds.
fn parse_duration(raw: &str) -> Result<std::time::Duration, String> {
    let raw = raw.trim();
    let (number, unit) = raw
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|at| raw.split_at(at))
        .unwrap_or((raw, "s"));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration: use e.g. 5s, 500ms or 2m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("{raw:?} has an unknown unit: use ms, s or m")),
    };
    if seconds <= 0.0 {
        return Err(format!("{raw:?} must be more than zero"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Runs one invocation; the exit code on success (status may still report a failure).
pub async fn run(cli: Cli) -> Result<i32, DbError> {
    let target = config::resolve(cli.database_url.as_deref())?;
    match cli.command {
        Some(Command::Upgrade { flags }) => {
            let args = flags.to_args(Direction::Upgrade, false, cli.read_only);
            migrate_cmd::run(&target, args).await
        }
        Some(Command::Downgrade {
            flags,
            like_alembic,
        }) => {
            let args = flags.to_args(Direction::Downgrade, like_alembic, cli.read_only);
            migrate_cmd::run(&target, args).await
        }
        Some(Command::Demo { .. }) if cli.read_only => Err(DbError::Usage(
            "refusing to build a demo: hotidx is read-only here (--read-only or HOTIDX_READ_ONLY)"
                .into(),
        )),
        Some(Command::Demo { rows, force, seed }) => {
            let report = crate::demo::build(&target, rows, force, seed).await?;
            emit(&demo_cmd::render(&report));
            Ok(0)
        }
        Some(Command::Status { format }) => status_cmd::run(&target, format).await,
        Some(Command::Explain {
            setup_role: true,
            yes,
            ..
        }) => explain_role_cmd::run(&target, yes, cli.read_only).await,
        Some(Command::Explain {
            sql,
            file,
            params,
            probe,
            expect,
            analyze,
            compare,
            timeout,
            format,
            ..
        }) => {
            let sql = crate::explain::input::read_sql(sql.as_deref(), file.as_deref())?;
            let args = explain_cmd::ExplainArgs {
                sql: sql.as_deref(),
                params: &params,
                probe: probe.as_deref(),
                expect: expect.as_deref(),
                analyze,
                compare,
                read_only: cli.read_only,
                timeout,
                format,
            };
            explain_cmd::run(&target, args).await
        }
        Some(Command::Check { format }) => check_cmd::run(&target, format).await,
        Some(Command::Indexes { table, format }) => {
            indexes_cmd::run(&target, table.as_deref(), format).await
        }
        // On a terminal, the TUI; piped or redirected, the same answer as text.
        None if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() => {
            // Quietly: the line would be drawn over by the TUI.
            build_default_demo(&target, false).await?;
            crate::tui::run(target, cli.read_only, cli.refresh).await
        }
        None => {
            let status = status_cmd::run(&target, Format::Text).await?;
            emit("\n");
            indexes_cmd::run(&target, None, Format::Text).await?;
            Ok(status)
        }
    }
}

/// Opens the target for reading, creating the demo database first if it is the default.
pub(crate) async fn open_for_reading(target: &Target) -> Result<Database, DbError> {
    build_default_demo(target, true).await?;
    Database::connect(target, Access::ReadOnly).await
}

/// An explain session on the target, creating the demo database first if it is the default.
pub(crate) async fn open_explain_session(
    target: &Target,
    timeout: std::time::Duration,
) -> Result<crate::explain::session::ExplainSession, DbError> {
    build_default_demo(target, true).await?;
    crate::explain::session::ExplainSession::open(target, timeout).await
}

/// Builds the demo database when `target` is the default one and it does not exist yet.
async fn build_default_demo(target: &Target, announce: bool) -> Result<(), DbError> {
    if let Target::Sqlite(file) = target
        && file.source == config::Source::DemoDefault
        && !file.path.exists()
    {
        if announce {
            eprintln!(
                "hotidx: creating the demo database at {} …",
                file.path.display()
            );
        }
        crate::demo::build(target, None, false, crate::demo::DEFAULT_SEED).await?;
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`hotidx indexes | head`) is not an error worth a panic.
pub(crate) fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

/// The path shown for a SQLite target, or `user@host:port/db`.
pub(crate) fn target_line(target: &Target, server_version: &str) -> String {
    format!("{} ({server_version})", target.display())
}
