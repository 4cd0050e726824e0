//! What an upgrade or downgrade will do, decided before any DDL: a pure function of the status,
//! so `--sql`, the confirmation prompt and the runner all show and run the same statements.

mod downgrade;
mod statements;

pub(crate) use statements::postgres_drop;
pub use statements::sql_script;
mod upgrade;

use super::{IndexStatus, MigrationStatus, Owner, PARENT_REVISION, REVISION};
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

impl Step {
    /// A step on one of the nine, named in its table's schema.
    pub(super) fn for_index(
        index: &IndexStatus,
        backend: BackendKind,
        kind: StepKind,
        statements: Vec<String>,
        reason: String,
    ) -> Step {
        Step {
            index: index.name.clone(),
            qualified: statements::qualified_name(backend, schema_of(index), &index.name),
            table: index.table.clone(),
            kind,
            statements,
            reason,
        }
    }
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
        Direction::Upgrade => upgrade::plan(status, backend, options, current),
        Direction::Downgrade => downgrade::plan(status, backend, options, current),
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

/// What is still not as the plan meant, judged on a fresh status after the DDL ran.
pub fn unmet(status: &MigrationStatus, plan: &Plan) -> Vec<String> {
    let by_name = |name: &str| status.indexes.iter().find(|i| i.name == name);
    match plan.options.direction {
        Direction::Upgrade => status
            .indexes
            .iter()
            .filter(|i| !i.state.is_satisfied())
            .map(|i| format!("{} is {}", i.name, i.state))
            .collect(),
        Direction::Downgrade => plan
            .ddl_steps()
            .filter_map(|step| by_name(&step.index))
            .filter(|i| i.found_under_own_name())
            .map(|i| format!("{} is still there", i.name))
            .collect(),
    }
}

pub(super) fn owned(state: &str, index: &IndexStatus) -> String {
    match index.owner {
        Owner::Parent => format!("{state} (from the parent)"),
        Owner::Migration => state.to_string(),
    }
}

/// Where `alembic_version` lives: beside the mdraft tables (`None`: the default schema).
pub(super) fn version_schema(status: &MigrationStatus) -> Option<&str> {
    status
        .indexes
        .iter()
        .find_map(|i| i.schema.as_deref())
        .filter(|s| !crate::catalog::is_default_schema(s))
}

/// The schema the index lives (or will live) in: its table's.
pub(super) fn schema_of(index: &IndexStatus) -> Option<&str> {
    index.schema.as_deref()
}

pub(super) fn unknown(version: &str, action: &str) -> Refusal {
    Refusal::UnknownRevision(format!(
        "alembic_version holds {version}, neither {PARENT_REVISION} nor {REVISION}: refusing to \
         {action} (pass --force to {action} anyway)"
    ))
}
