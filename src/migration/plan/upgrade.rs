//! The upgrade plan: build what is missing, rebuild what is INVALID, skip what the parent has.

use super::statements::{adapt, drop_statement, lookup, move_version, statement_map};
use super::{
    Plan, PlanOptions, Refusal, Step, StepKind, owned, schema_of, unknown, version_schema,
};
use crate::catalog::BackendKind;
use crate::migration::{
    IndexState, IndexStatus, MigrationStatus, Owner, PARENT_REVISION, REVISION, Script,
};

pub(super) fn plan(
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
            "different definition: {} exist{} with another definition than the migration's; upgrade touches nothing: drop or rename {} first",
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
    let version_statements = move_version(version_schema(status), from.as_deref(), REVISION);
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
        IndexState::Covered if index.found_under_own_name() => {
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
    Step::for_index(index, backend, kind, statements, reason)
}
