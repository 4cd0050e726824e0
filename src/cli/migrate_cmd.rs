//! `hotidx upgrade` / `hotidx downgrade`: show the target, the status and the exact statements,
//! ask, then run them with live progress; Ctrl-C cancels and cleans up.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::plan_out;
use super::progress_out::ProgressPrinter;
use super::{emit, open_for_reading, target_line};
use crate::config::Target;
use crate::db::DbError;
use crate::migration::plan::{self, Direction, PlanOptions};
use crate::migration::progress::{RunFailure, RunOutcome};
use crate::migration::{MigrationStatus, migration_status};

#[derive(Debug, Clone, Copy)]
pub struct MigrateArgs {
    pub direction: Direction,
    pub sql: bool,
    pub yes: bool,
    pub concurrently: bool,
    pub like_alembic: bool,
    pub force: bool,
    pub lock_timeout: Duration,
    pub read_only: bool,
}

pub async fn run(target: &Target, args: MigrateArgs) -> Result<i32, DbError> {
    if args.read_only && !args.sql {
        return Err(DbError::Usage(
            "refusing to write: hotidx is read-only here (--read-only or HOTIDX_READ_ONLY); \
             --sql prints the statements without running them"
                .into(),
        ));
    }
    let mut db = open_for_reading(target).await?;
    let snapshot = db.snapshot().await?;
    let versions = db.alembic_versions(&snapshot).await?;
    db.close().await;
    let status = migration_status(&snapshot, versions);
    let options = PlanOptions {
        direction: args.direction,
        concurrently: args.concurrently,
        like_alembic: args.like_alembic,
        force: args.force,
    };
    let lock_ms = args.lock_timeout.as_millis();
    let header = header(&target_line(target, &snapshot.server_version), &status);
    let plan = match plan::plan(&status, snapshot.backend, options) {
        Ok(plan) => plan,
        Err(refusal) => {
            if !args.sql {
                emit(&header);
            }
            return Err(DbError::Failed(format!("{refusal}; nothing was changed")));
        }
    };
    if args.sql {
        emit(&plan::sql_script(
            &plan,
            &target.display(),
            &status.summary,
            lock_ms,
        ));
        return Ok(0);
    }
    emit(&header);
    emit(&plan_out::render(&plan, lock_ms));
    if plan.is_noop() {
        emit("nothing to do\n");
        return Ok(0);
    }
    if !args.yes {
        confirm(target, &plan).await?;
    }
    execute(target, &plan, args).await
}

fn header(target: &str, status: &MigrationStatus) -> String {
    let labelled = super::text_table::labelled;
    labelled("target", target) + &labelled("status", &status.summary)
}

/// Only an explicit yes on a terminal goes on; no terminal and no --yes is a refusal.
async fn confirm(target: &Target, plan: &plan::Plan) -> Result<(), DbError> {
    if !std::io::stdin().is_terminal() {
        return Err(DbError::Usage(
            "no terminal to ask for confirmation on: review with --sql, then pass --yes".into(),
        ));
    }
    let question = format!(
        "Run these {} statements on {}? Type yes to go on: ",
        plan.all_statements().len(),
        target.display()
    );
    let answer = tokio::task::spawn_blocking(move || {
        let mut err = std::io::stderr();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(DbError::Failed("not confirmed; nothing was changed".into()))
    }
}

async fn execute(target: &Target, plan: &plan::Plan, args: MigrateArgs) -> Result<i32, DbError> {
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    // Ctrl-C asks the runner to cancel; the runner cleans up and reports.
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = cancel_tx.send(true);
        }
    });
    let runner = {
        let target = target.clone();
        let plan = plan.clone();
        tokio::spawn(async move {
            crate::migration::run(&target, &plan, args.lock_timeout, events_tx, cancel_rx).await
        })
    };
    let mut printer = ProgressPrinter::new();
    while let Some(event) = events_rx.recv().await {
        printer.event(&event);
    }
    let result = runner
        .await
        .map_err(|e| DbError::Failed(format!("the migration task stopped: {e}")))?;
    let done_word = match args.direction {
        Direction::Upgrade => "built",
        Direction::Downgrade => "dropped",
    };
    finish(&mut printer, plan, result, done_word)
}

fn finish(
    printer: &mut ProgressPrinter,
    plan: &plan::Plan,
    result: Result<RunOutcome, RunFailure>,
    done_word: &str,
) -> Result<i32, DbError> {
    match result {
        Ok(outcome) => {
            printer.summary(&outcome, done_word);
            printer.line(&format!("done in {:.1} s", outcome.elapsed.as_secs_f64()));
            Ok(0)
        }
        Err(failure) => {
            printer.summary(&failure.outcome, done_word);
            let version = plan.version_from.as_deref().unwrap_or("no version row");
            printer.line(&format!("alembic_version not moved: still {version}"));
            Err(DbError::Failed(failure.message))
        }
    }
}
