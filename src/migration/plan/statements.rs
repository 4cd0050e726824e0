//! The SQL text of plan steps: the shipped statements adapted to this run, DROPs, the version row.

use super::{Direction, Plan, PlanOptions, StepKind};
use crate::catalog::BackendKind;
use crate::migration::REVISION;
use crate::migration::{Script, statements};

/// What Alembic runs to move the version row (`alembic_version_pkc` as Alembic names it), in the
/// schema of the mdraft tables.
pub(super) fn move_version(schema: Option<&str>, from: Option<&str>, to: &str) -> Vec<String> {
    let table = match schema {
        Some(schema) => format!("{}.alembic_version", quote_ident(schema)),
        None => "alembic_version".to_string(),
    };
    match from {
        Some(v) if v == to => Vec::new(),
        Some(v) => vec![format!(
            "UPDATE {table} SET version_num = '{to}' WHERE alembic_version.version_num = '{}';",
            v.replace('\'', "''")
        )],
        None => vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {table} (version_num VARCHAR(32) NOT NULL, \
                 CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
            ),
            format!("INSERT INTO {table} (version_num) VALUES ('{to}');"),
        ],
    }
}

/// (index name, statement) from a shipped script.
pub(super) fn statement_map(backend: BackendKind, script: Script) -> Vec<(String, String)> {
    statements(backend, script)
        .into_iter()
        .filter_map(|s| {
            let words: Vec<&str> = s.split_whitespace().collect();
            let on = words.iter().position(|w| *w == "ON")?;
            Some((words[on - 1].to_string(), s.to_string()))
        })
        .collect()
}

pub(super) fn lookup<'a>(map: &'a [(String, String)], name: &str) -> &'a str {
    map.iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.as_str())
        .unwrap_or_default()
}

/// The shipped statement for this run: plain instead of CONCURRENTLY, another schema.
pub(super) fn adapt(
    statement: &str,
    backend: BackendKind,
    options: PlanOptions,
    schema: Option<&str>,
) -> String {
    let mut statement = statement.to_string();
    if backend == BackendKind::Postgres {
        if !options.concurrently {
            statement = statement.replace(" CONCURRENTLY", "");
        }
        if let Some(schema) = schema {
            statement = statement.replace(" public.", &format!(" {}.", quote_ident(schema)));
        }
    }
    statement
}

pub(super) fn drop_statement(
    backend: BackendKind,
    options: PlanOptions,
    schema: Option<&str>,
    name: &str,
) -> String {
    match backend {
        BackendKind::Postgres => {
            let qualified = qualified_name(backend, schema, name);
            format!("{};", postgres_drop(options.concurrently, &qualified))
        }
        BackendKind::Sqlite => format!("DROP INDEX IF EXISTS {name};"),
    }
}

/// `DROP INDEX [CONCURRENTLY] IF EXISTS schema.name`: the plan's statement, and the clean-up of
/// an INVALID leftover when a build fails.
pub(crate) fn postgres_drop(concurrently: bool, qualified: &str) -> String {
    let concurrently = if concurrently { "CONCURRENTLY " } else { "" };
    format!("DROP INDEX {concurrently}IF EXISTS {qualified}")
}

pub(super) fn qualified_name(backend: BackendKind, schema: Option<&str>, name: &str) -> String {
    match backend {
        BackendKind::Postgres => format!("{}.{name}", quote_ident(schema.unwrap_or("public"))),
        BackendKind::Sqlite => name.to_string(),
    }
}

/// Schema names from the catalog, quoted only when they need it.
fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `--sql`: the statements and nothing else that could run; for PostgreSQL valid for `psql -f`.
pub fn sql_script(plan: &Plan, target: &str, summary: &str, lock_timeout_ms: u128) -> String {
    let direction = match plan.options.direction {
        Direction::Upgrade => "upgrade",
        Direction::Downgrade => "downgrade",
    };
    let mut out = format!(
        "-- hotidx {direction} plan for {target}, migration {REVISION}\n-- status: {summary}\n"
    );
    for note in &plan.differs_from_published {
        out += &format!("-- note: {note}\n");
    }
    let transactional = plan.backend == BackendKind::Sqlite;
    let concurrently = plan
        .all_statements()
        .iter()
        .any(|s| s.contains("CONCURRENTLY"));
    if plan.backend == BackendKind::Postgres {
        out += if concurrently {
            "-- Run outside a transaction (CONCURRENTLY), stopping at the first error:\n"
        } else {
            "-- Plain DDL: each statement locks its table against writes while it runs.\n"
        };
        out += "--   psql -v ON_ERROR_STOP=1 -f this.sql\n";
        out += &format!("SET lock_timeout = {lock_timeout_ms};\n");
    }
    if transactional {
        out += "BEGIN;\n";
    }
    for step in &plan.steps {
        if step.kind == StepKind::Skip {
            out += &format!("-- {}: skipped, {}\n", step.index, step.reason);
        }
        for statement in &step.statements {
            out += statement;
            out.push('\n');
        }
    }
    if !plan.version_statements.is_empty() && !transactional {
        out += match plan.options.direction {
            Direction::Upgrade => {
                "-- Move the version row only once every index above is present and valid.\n"
            }
            Direction::Downgrade => {
                "-- Move the version row only once every index above is dropped.\n"
            }
        };
    }
    for statement in &plan.version_statements {
        out += statement;
        out.push('\n');
    }
    if transactional {
        out += "COMMIT;\n";
    }
    out
}
