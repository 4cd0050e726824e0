//! What an upgrade or downgrade will do, decided before any DDL: a pure function of the status,
//! so `--sql`, the confirmation prompt and the runner all show and run the same statements.

use super::{
    INDEXES, IndexState, IndexStatus, MigrationStatus, Owner, PARENT_REVISION, REVISION, Script,
    statements,
};
use crate::catalog::BackendKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub direction: Direction,
    /// PostgreSQL: CREATE/DROP INDEX CONCURRENTLY (the default) or plain, for a maintenance window.
    pub concurrently: bool,
    /// Downgrade exactly as the published migration does.
    pub like_alembic: bool,
    /// Go ahead from a revision that is neither the parent nor 2a301fa09a8a.
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Build,
    /// An INVALID leftover of a failed concurrent build: dropped, then built again.
    Rebuild,
    Drop,
    Skip,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub index: String,
    /// `schema.name` on PostgreSQL, the bare name on SQLite: what `to_regclass` and DROP take.
    pub qualified: String,
    pub table: String,
    pub kind: StepKind,
    /// Run one at a time, in order, outside a transaction on PostgreSQL.
    pub statements: Vec<String>,
    /// Why: `present`, `covered by …`, `INVALID: rebuilt`, …
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub backend: BackendKind,
    pub options: PlanOptions,
    pub steps: Vec<Step>,
    /// Statements that move `alembic_version`, run only after every step succeeded.
    pub version_statements: Vec<String>,
    pub version_from: Option<String>,
    pub version_to: Option<String>,
    /// How this downgrade differs from the published one (empty when it does not).
    pub differs_from_published: Vec<String>,
}

impl Plan {
    pub fn is_noop(&self) -> bool {
        self.version_statements.is_empty() && self.steps.iter().all(|s| s.kind == StepKind::Skip)
    }

    pub fn ddl_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.kind != StepKind::Skip)
    }

    /// Every statement, DDL then the version row, in the order they run.
    pub fn all_statements(&self) -> Vec<&str> {
        self.steps
            .iter()
            .flat_map(|s| s.statements.iter())
            .chain(&self.version_statements)
            .map(String::as_str)
            .collect()
    }
}

/// Why a plan cannot be made: nothing is run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    DifferentDefinition(String),
    #[error("{0}")]
    UnknownRevision(String),
    #[error("{0}")]
    MissingTables(String),
    #[error("{0}")]
    WrongRevision(String),
}

pub fn plan(
    status: &MigrationStatus,
    backend: BackendKind,
    options: PlanOptions,
) -> Result<Plan, Refusal> {
    if !status.missing_tables.is_empty() {
        return Err(Refusal::MissingTables(format!(
            "cannot migrate: table{} {} missing",
            if status.missing_tables.len() == 1 {
                " is"
            } else {
                "s are"
            },
            status.missing_tables.join(", ")
        )));
    }
    let current = single_version(status);
    match options.direction {
        Direction::Upgrade => plan_upgrade(status, backend, options, current),
        Direction::Downgrade => plan_downgrade(status, backend, options, current),
    }
}

/// `Ok(None)` when unversioned; `Err(rows)` for several rows.
fn single_version(status: &MigrationStatus) -> Result<Option<String>, String> {
    match status.versions.as_deref() {
        None | Some([]) => Ok(None),
        Some([one]) => Ok(Some(one.clone())),
        Some(many) => Err(many.join(", ")),
    }
}

fn plan_upgrade(
    status: &MigrationStatus,
    backend: BackendKind,
    options: PlanOptions,
    current: Result<Option<String>, String>,
) -> Result<Plan, Refusal> {
    let drifted: Vec<String> = status
        .indexes
        .iter()
        .filter(|i| i.state == IndexState::DifferentDefinition)
        .map(|i| {
            format!(
                "{} ({})",
                i.name,
                i.detail.as_deref().unwrap_or("defined otherwise")
            )
        })
        .collect();
    if !drifted.is_empty() {
        return Err(Refusal::DifferentDefinition(format!(
            "drift: {} exist{} with another definition; upgrade touches nothing: drop or rename {} first",
            drifted.join("; "),
            if drifted.len() == 1 { "s" } else { "" },
            if drifted.len() == 1 { "it" } else { "them" }
        )));
    }
    let from = match current {
        Ok(v) => v,
        Err(rows) => return Err(unknown(&rows, "upgrade")),
    };
    if let Some(v) = &from
        && v != PARENT_REVISION
        && v != REVISION
        && !options.force
    {
        return Err(unknown(v, "upgrade"));
    }
    let creates = statement_map(backend, Script::Upgrade);
    let steps = status
        .indexes
        .iter()
        .map(|index| upgrade_step(index, backend, options, &creates))
        .collect();
    let version_statements = move_version(from.as_deref(), REVISION);
    Ok(Plan {
        backend,
        options,
        steps,
        version_to: (!version_statements.is_empty()).then(|| REVISION.to_string()),
        version_from: from,
        version_statements,
        differs_from_published: Vec::new(),
    })
}

fn unknown(version: &str, action: &str) -> Refusal {
    Refusal::UnknownRevision(format!(
        "alembic_version holds {version}, neither {PARENT_REVISION} nor {REVISION}: refusing to \
         {action} (pass --force to {action} anyway)"
    ))
}

fn upgrade_step(
    index: &IndexStatus,
    backend: BackendKind,
    options: PlanOptions,
    creates: &[(String, String)],
) -> Step {
    let create = adapt(
        lookup(creates, &index.name),
        backend,
        options,
        schema_of(index),
    );
    let (kind, statements, reason) = match index.state {
        IndexState::Present => (StepKind::Skip, vec![], owned("present", index)),
        // The parent's own index, or this very name made unique: the access path is there.
        IndexState::Covered if same_name(index) => {
            (StepKind::Skip, vec![], owned("present as UNIQUE", index))
        }
        IndexState::Covered if index.owner == Owner::Parent => {
            let by = index.actual_index.as_deref().unwrap_or("another index");
            (StepKind::Skip, vec![], format!("covered by {by}"))
        }
        IndexState::Invalid => {
            let drop = drop_statement(backend, options, schema_of(index), &index.name);
            let reason = "INVALID (a failed concurrent build): dropped and built again".to_string();
            (StepKind::Rebuild, vec![drop, create], reason)
        }
        // Missing, or covered only by an index of another name: Alembic would create it.
        _ => (StepKind::Build, vec![create], "missing".to_string()),
    };
    Step {
        index: index.name.clone(),
        qualified: qualified_name(backend, schema_of(index), &index.name),
        table: index.table.clone(),
        kind,
        statements,
        reason,
    }
}

fn owned(state: &str, index: &IndexStatus) -> String {
    match index.owner {
        Owner::Parent => format!("{state} (from the parent)"),
        Owner::Migration => state.to_string(),
    }
}

fn same_name(index: &IndexStatus) -> bool {
    index.actual_index.as_deref().map(|a| a.rsplit('.').next()) == Some(Some(index.name.as_str()))
}

/// The schema the index lives in, from `schema.name` display names; the default otherwise.
fn schema_of(index: &IndexStatus) -> Option<&str> {
    index
        .actual_index
        .as_deref()
        .and_then(|a| a.split_once('.'))
        .map(|(schema, _)| schema)
}

fn plan_downgrade(
    status: &MigrationStatus,
    backend: BackendKind,
    options: PlanOptions,
    current: Result<Option<String>, String>,
) -> Result<Plan, Refusal> {
    let from = match current {
        Ok(Some(v)) => v,
        Ok(None) if options.force => String::new(),
        Ok(None) => {
            return Err(Refusal::WrongRevision(
                "the database is unversioned: refusing to downgrade (pass --force to drop the \
                 migration's indexes anyway)"
                    .into(),
            ));
        }
        Err(rows) => return Err(unknown(&rows, "downgrade")),
    };
    if from != REVISION && from != PARENT_REVISION && !options.force {
        return Err(unknown(&from, "downgrade"));
    }
    let steps = if options.like_alembic {
        published_downgrade(status, backend)
    } else {
        status
            .indexes
            .iter()
            .rev()
            .map(|index| downgrade_step(index, backend, options))
            .collect()
    };
    let version_statements = if from.is_empty() {
        Vec::new()
    } else {
        move_version(Some(&from), PARENT_REVISION)
    };
    Ok(Plan {
        backend,
        options,
        steps,
        version_to: (!version_statements.is_empty()).then(|| PARENT_REVISION.to_string()),
        version_from: (!from.is_empty()).then_some(from),
        version_statements,
        differs_from_published: differences_from_published(backend, options.like_alembic),
    })
}

/// Restores the parent's index set: drops only what the migration added, if it is there.
fn downgrade_step(index: &IndexStatus, backend: BackendKind, options: PlanOptions) -> Step {
    // Only an index of this very name; another index that covers it is not ours to drop.
    let exists_by_name = same_name(index);
    let (kind, statements, reason) = match index.owner {
        Owner::Parent => (
            StepKind::Skip,
            vec![],
            "kept: the parent has it".to_string(),
        ),
        Owner::Migration if exists_by_name => {
            let drop = drop_statement(backend, options, schema_of(index), &index.name);
            (
                StepKind::Drop,
                vec![drop],
                "added by the migration".to_string(),
            )
        }
        Owner::Migration => (StepKind::Skip, vec![], "not there".to_string()),
    };
    Step {
        index: index.name.clone(),
        qualified: qualified_name(backend, schema_of(index), &index.name),
        table: index.table.clone(),
        kind,
        statements,
        reason,
    }
}

/// What is still not as the plan meant, judged on a fresh status after the DDL ran.
pub fn unmet(status: &MigrationStatus, plan: &Plan) -> Vec<String> {
    let by_name = |name: &str| status.indexes.iter().find(|i| i.name == name);
    match plan.options.direction {
        Direction::Upgrade => status
            .indexes
            .iter()
            .filter(|i| !matches!(i.state, IndexState::Present | IndexState::Covered))
            .map(|i| format!("{} is {}", i.name, i.state))
            .collect(),
        Direction::Downgrade => plan
            .ddl_steps()
            .filter_map(|step| by_name(&step.index))
            .filter(|i| same_name(i))
            .map(|i| format!("{} is still there", i.name))
            .collect(),
    }
}

/// `--like-alembic`: the published statements verbatim, whatever exists.
fn published_downgrade(status: &MigrationStatus, backend: BackendKind) -> Vec<Step> {
    statements(backend, Script::DowngradeLikeAlembic)
        .into_iter()
        .map(|statement| {
            let name = statement
                .trim_end_matches(';')
                .rsplit(' ')
                .next()
                .unwrap_or_default()
                .to_string();
            let table = status
                .indexes
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.table.clone())
                .unwrap_or_default();
            Step {
                qualified: qualified_name(backend, None, &name),
                index: name,
                table,
                kind: StepKind::Drop,
                statements: vec![statement.to_string()],
                reason: "as the published downgrade does".into(),
            }
        })
        .collect()
}

fn differences_from_published(backend: BackendKind, like_alembic: bool) -> Vec<String> {
    let parent_dropped: Vec<&str> = {
        let published = statements(backend, Script::DowngradeLikeAlembic).join("\n");
        INDEXES
            .iter()
            .filter(|i| i.owner == Owner::Parent)
            .filter(|i| published.contains(&format!(" {};", i.name)))
            .map(|i| i.name)
            .collect()
    };
    if parent_dropped.is_empty() {
        return Vec::new();
    }
    let names = parent_dropped.join(", ");
    vec![if like_alembic {
        format!(
            "--like-alembic: also drops {names}, which the parent had; an upgrade then this downgrade leaves the parent without them"
        )
    } else {
        format!(
            "the published downgrade would also drop {names}, which the parent had; hotidx keeps them (--like-alembic to drop them as Alembic does)"
        )
    }]
}

/// What Alembic runs to move the version row (`alembic_version_pkc` as Alembic names it).
fn move_version(from: Option<&str>, to: &str) -> Vec<String> {
    match from {
        Some(v) if v == to => Vec::new(),
        Some(v) => vec![format!(
            "UPDATE alembic_version SET version_num = '{to}' WHERE alembic_version.version_num = '{}';",
            v.replace('\'', "''")
        )],
        None => vec![
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, \
             CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
                .to_string(),
            format!("INSERT INTO alembic_version (version_num) VALUES ('{to}');"),
        ],
    }
}

/// (index name, statement) from a shipped script.
fn statement_map(backend: BackendKind, script: Script) -> Vec<(String, String)> {
    statements(backend, script)
        .into_iter()
        .filter_map(|s| {
            let words: Vec<&str> = s.split_whitespace().collect();
            let on = words.iter().position(|w| *w == "ON")?;
            Some((words[on - 1].to_string(), s.to_string()))
        })
        .collect()
}

fn lookup<'a>(map: &'a [(String, String)], name: &str) -> &'a str {
    map.iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.as_str())
        .unwrap_or_default()
}

/// The shipped statement for this run: plain instead of CONCURRENTLY, another schema.
fn adapt(
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

fn drop_statement(
    backend: BackendKind,
    options: PlanOptions,
    schema: Option<&str>,
    name: &str,
) -> String {
    match backend {
        BackendKind::Postgres => format!(
            "DROP INDEX {}IF EXISTS {};",
            if options.concurrently {
                "CONCURRENTLY "
            } else {
                ""
            },
            qualified_name(backend, schema, name)
        ),
        BackendKind::Sqlite => format!("DROP INDEX IF EXISTS {name};"),
    }
}

fn qualified_name(backend: BackendKind, schema: Option<&str>, name: &str) -> String {
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
