//! `hotidx check`: pre-deploy verification. Exit 0 only if the migration is applied, every
//! expected index present and valid, and every probe plans through its expected index (or one
//! that covers it); otherwise exit 1 with one line per failure.

use serde::Serialize;

use super::{Format, emit, open_explain_session, to_json};
use crate::config::Target;
use crate::db::DbError;
use crate::explain::run::{Author, explain};
use crate::explain::session::DEFAULT_TIMEOUT;
use crate::migration::{OverallStatus, migration_status};
use crate::probes::{self, PROBES, verdict_text};

#[derive(Serialize)]
struct Check {
    name: String,
    ok: bool,
    evidence: String,
}

#[derive(Serialize)]
struct CheckDocument {
    target: String,
    ok: bool,
    checks: Vec<Check>,
}

pub async fn run(target: &Target, format: Format) -> Result<i32, DbError> {
    let mut session = open_explain_session(target, DEFAULT_TIMEOUT).await?;
    let snapshot = session.db.snapshot().await?;
    let versions = session.db.alembic_versions(&snapshot).await?;
    let status = migration_status(&snapshot, versions);
    let mut checks = vec![Check {
        name: "migration 2a301fa09a8a applied".into(),
        ok: status.overall == OverallStatus::Applied,
        evidence: status.summary.clone(),
    }];
    for index in &status.indexes {
        let ok = index.state.is_satisfied();
        let evidence = match &index.detail {
            Some(detail) => format!("{}: {detail}", index.state),
            None => index.state.to_string(),
        };
        checks.push(Check {
            name: format!("index {} present and valid", index.name),
            ok,
            evidence,
        });
    }
    for probe in &PROBES {
        let name = format!("probe {} plans through {}", probe.id, probe.expected_index);
        let check = match probes::bind(&mut session.db, &snapshot, probe).await? {
            Err(reason) => Check {
                name,
                ok: false,
                evidence: format!("cannot check: {reason}"),
            },
            Ok(bound) => {
                let query = bound.query();
                let explained = explain(&mut session, query, Author::Hotidx, false).await?;
                let verdict = probes::verdict(&explained.plan, probe, &snapshot);
                let top = explained.plan.summary();
                Check {
                    name,
                    ok: verdict.through_expected,
                    evidence: format!(
                        "{}; plan: {top}",
                        verdict_text(probe.expected_index, &verdict)
                    ),
                }
            }
        };
        checks.push(check);
    }
    session.close().await;
    let ok = checks.iter().all(|c| c.ok);
    emit(&match format {
        Format::Json => to_json(&CheckDocument {
            target: target.display(),
            ok,
            checks,
        }),
        Format::Text => text(&checks, ok),
    });
    Ok(if ok { 0 } else { 1 })
}

fn text(checks: &[Check], ok: bool) -> String {
    if ok {
        return format!("ok: {} checks passed\n", checks.len());
    }
    let mut out = String::new();
    // One line per failure, as scripts expect; the plan itself is in --format json.
    for check in checks.iter().filter(|c| !c.ok) {
        let evidence = check
            .evidence
            .split("; plan: ")
            .next()
            .unwrap_or(&check.evidence);
        out += &format!("FAIL {}: {evidence}\n", check.name);
    }
    out
}
