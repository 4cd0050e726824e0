//! The downgrade plan: back to the parent's exact index set, or the published one verbatim.

use super::statements::{drop_statement, move_version, qualified_name};
use super::{Plan, PlanOptions, Refusal, Step, StepKind, schema_of, unknown, version_schema};
use crate::catalog::BackendKind;
use crate::migration::{
    INDEXES, IndexStatus, MigrationStatus, Owner, PARENT_REVISION, REVISION, Script, statements,
};

pub(super) fn plan(
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
    // Alembic runs the published downgrade only from its revision; at the parent it does nothing.
    let published_has_nothing_to_do = options.like_alembic && from == PARENT_REVISION;
    let steps = if published_has_nothing_to_do {
        Vec::new()
    } else if options.like_alembic {
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
        move_version(version_schema(status), Some(&from), PARENT_REVISION)
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
    let exists_by_name = index.found_under_own_name();
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
    Step::for_index(index, backend, kind, statements, reason)
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
