//! How a plan reads on the confirmation screen.

use super::text_table::{self, labelled};
use crate::catalog::BackendKind;
use crate::migration::plan::{Direction, Plan, StepKind};

/// A statement wrapped at word boundaries to fit 80 columns; joined back, it is the exact SQL
/// (`--sql` prints each on one line, for copying).
fn statement_lines(label: &str, statement: &str) -> String {
    text_table::wrapped(&format!("  {label:<9}"), statement, super::TEXT_WIDTH)
}

/// The plan as an operator reads it before saying yes.
pub fn render(plan: &Plan, lock_timeout_ms: u128) -> String {
    let mut out = String::new();
    let ddl = plan.ddl_steps().count();
    let skipped = plan.steps.len() - ddl;
    let verb = match plan.options.direction {
        Direction::Upgrade => "to build",
        Direction::Downgrade => "to drop",
    };
    let how = match (plan.backend, plan.options.concurrently) {
        (BackendKind::Postgres, true) => {
            format!(" CONCURRENTLY (lock_timeout {lock_timeout_ms} ms)")
        }
        (BackendKind::Postgres, false) => " WITHOUT CONCURRENTLY: writes to each table wait".into(),
        (BackendKind::Sqlite, _) => " in one transaction".into(),
    };
    let version = match (&plan.version_from, &plan.version_to) {
        (_, None) => "alembic_version stays as it is".to_string(),
        (Some(from), Some(to)) => format!("then alembic_version {from} → {to}"),
        (None, Some(to)) => format!("then alembic_version created at {to}"),
    };
    let name = match plan.options.direction {
        Direction::Upgrade => "upgrade",
        Direction::Downgrade => "downgrade",
    };
    out += &labelled(
        name,
        &format!("{ddl} indexes {verb}{how}, {skipped} skipped; {version}"),
    );
    for step in &plan.steps {
        let action = match step.kind {
            StepKind::Build => "build",
            StepKind::Rebuild => "rebuild",
            StepKind::Drop => "drop",
            StepKind::Skip => "skip",
        };
        out += &format!("  {action:<9}{}: {}\n", step.index, step.reason);
        for statement in &step.statements {
            out += &statement_lines("", statement);
        }
    }
    for statement in &plan.version_statements {
        out += &statement_lines("version", statement);
    }
    for difference in &plan.differs_from_published {
        out += &labelled("note", difference);
    }
    out
}
