//! `hotidx explain`: the plan of a probe or of any SQL, with whether the expected index is used.

use serde::Serialize;

use super::{Format, emit, open_for_reading, to_json};
use crate::config::Target;
use crate::db::{Database, DbError};
use crate::explain::run::{Explained, explain};
use crate::probes::{self, BoundProbe, Verdict};

#[derive(Serialize)]
struct ProbeReport {
    probe: &'static str,
    expected_index: &'static str,
    /// Why the probe could not run (an empty or missing table); then nothing else is set.
    skipped: Option<String>,
    parameter: Option<String>,
    explained: Option<Explained>,
    verdict: Option<Verdict>,
}

pub async fn run(
    target: &Target,
    sql: Option<&str>,
    probe: Option<&str>,
    analyze: bool,
    format: Format,
) -> Result<i32, DbError> {
    let mut db = open_for_reading(target).await?;
    let result = match (sql, probe) {
        (Some(sql), None) => explain_sql(&mut db, sql, analyze, format).await,
        (None, Some(id)) => explain_probes(&mut db, id, analyze, format).await,
        _ => Err(DbError::Usage(
            "give either SQL to explain or --probe ID (one of: dedup, user-conversions, \
             user-jobs, user-email, anonymous, status-conversions, status-jobs, time)"
                .into(),
        )),
    };
    db.close().await;
    result
}

async fn explain_sql(
    db: &mut Database,
    sql: &str,
    analyze: bool,
    format: Format,
) -> Result<i32, DbError> {
    let explained = explain(db, sql, analyze).await?;
    emit(&match format {
        Format::Json => to_json(&explained),
        Format::Text => plan_text(&explained),
    });
    Ok(0)
}

async fn explain_probes(
    db: &mut Database,
    id: &str,
    analyze: bool,
    format: Format,
) -> Result<i32, DbError> {
    let selected = probes::select(id);
    if selected.is_empty() {
        let known: Vec<&str> = probes::PROBES.iter().map(|p| p.id).collect();
        return Err(DbError::Usage(format!(
            "no probe named {id:?}: use one of {}",
            known.join(", ")
        )));
    }
    let snapshot = db.snapshot().await?;
    let mut reports = Vec::new();
    for probe in selected {
        reports.push(report(db, &snapshot, probe, analyze).await?);
    }
    emit(&match format {
        Format::Json => to_json(&reports),
        Format::Text => reports
            .iter()
            .map(report_text)
            .collect::<Vec<_>>()
            .join("\n"),
    });
    Ok(0)
}

async fn report(
    db: &mut Database,
    snapshot: &crate::catalog::CatalogSnapshot,
    probe: &'static probes::Probe,
    analyze: bool,
) -> Result<ProbeReport, DbError> {
    let mut report = ProbeReport {
        probe: probe.id,
        expected_index: probe.expected_index,
        skipped: None,
        parameter: None,
        explained: None,
        verdict: None,
    };
    let bound: BoundProbe = match probes::bind(db, snapshot.backend, probe).await? {
        Ok(bound) => bound,
        Err(reason) => {
            report.skipped = Some(reason);
            return Ok(report);
        }
    };
    let explained = explain(db, &bound.sql, analyze).await?;
    report.verdict = Some(probes::verdict(&explained.plan, probe, snapshot));
    report.parameter = Some(bound.parameter);
    report.explained = Some(explained);
    Ok(report)
}

fn plan_text(explained: &Explained) -> String {
    let mut out = format!("{:<11}{}\n", "sql", explained.sql);
    if let Some(ms) = explained.execution_ms {
        out += &format!("{:<11}{ms:.3} ms (ANALYZE, rolled back)\n", "time");
    }
    out += "plan\n";
    for line in explained.plan.render_text() {
        out += &format!("  {line}\n");
    }
    out
}

fn report_text(report: &ProbeReport) -> String {
    let mut out = format!(
        "{:<11}{} (expects {})\n",
        "probe", report.probe, report.expected_index
    );
    if let Some(reason) = &report.skipped {
        out += &format!("{:<11}skipped: {reason}\n", "");
        return out;
    }
    if let Some(explained) = &report.explained {
        out += &plan_text(explained);
    }
    if let Some(verdict) = &report.verdict {
        out += &format!(
            "{:<11}{}\n",
            "verdict",
            verdict_text(report.expected_index, verdict)
        );
    }
    out
}

pub fn verdict_text(expected: &str, verdict: &Verdict) -> String {
    match (&verdict.covering_index, verdict.through_expected) {
        (None, true) => format!("uses {expected}"),
        (Some(other), true) => format!("uses {other}, which covers {expected}"),
        (_, false) => match (&verdict.full_scan_of, verdict.indexes_used.as_slice()) {
            (Some(table), _) => format!("does not use {expected}: full scan of {table}"),
            (None, []) => format!("does not use {expected}: no index in the plan"),
            (None, used) => format!("does not use {expected}: uses {}", used.join(", ")),
        },
    }
}
