//! `hotidx explain`: the plan of a probe or of any SQL, with whether the expected index is used.

use serde::Serialize;

use super::{Format, emit, open_for_reading, to_json};
use crate::config::Target;
use crate::db::{Database, DbError};
use crate::explain::compare::{Comparison, compare};
use crate::explain::run::{Explained, explain};
use crate::explain::why::{Expectation, Reason, why_not};
use crate::migration::{IndexState, migration_status};
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
    /// Why the expected index is not used, each read from the database.
    reasons: Vec<Reason>,
    /// With --compare: the plan without and with the migration's indexes.
    comparison: Option<Comparison>,
}

pub struct ExplainArgs<'a> {
    pub sql: Option<&'a str>,
    pub probe: Option<&'a str>,
    pub expect: Option<&'a str>,
    pub analyze: bool,
    pub compare: bool,
    pub read_only: bool,
    pub format: Format,
}

pub async fn run(target: &Target, args: ExplainArgs<'_>) -> Result<i32, DbError> {
    let ExplainArgs {
        sql,
        probe,
        expect,
        analyze,
        compare: compare_plans,
        read_only,
        format,
    } = args;
    let mut db = open_for_reading(target).await?;
    let result = match (sql, probe) {
        (Some(sql), None) => explain_sql(&mut db, sql, expect, analyze, format).await,
        (None, Some(id)) => {
            let options = ProbeOptions {
                analyze,
                compare: compare_plans,
                read_only,
            };
            explain_probes(target, &mut db, id, options, format).await
        }
        _ => Err(DbError::Usage(
            "give either SQL to explain or --probe ID (one of: dedup, user-conversions, \
             user-jobs, user-email, anonymous, status-conversions, status-jobs, time)"
                .into(),
        )),
    };
    db.close().await;
    result
}

#[derive(Serialize)]
struct SqlReport {
    #[serde(flatten)]
    explained: Explained,
    expected_index: Option<String>,
    uses_expected: Option<bool>,
    reasons: Vec<Reason>,
}

async fn explain_sql(
    db: &mut Database,
    sql: &str,
    expect: Option<&str>,
    analyze: bool,
    format: Format,
) -> Result<i32, DbError> {
    let explained = explain(db, sql, analyze).await?;
    let mut report = SqlReport {
        expected_index: expect.map(String::from),
        uses_expected: None,
        reasons: Vec::new(),
        explained,
    };
    if let Some(name) = expect {
        let snapshot = db.snapshot().await?;
        let used = report.explained.plan.indexes_used().contains(&name);
        report.uses_expected = Some(used);
        if !used {
            let table = snapshot
                .indexes
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.table.clone())
                .or_else(|| {
                    crate::migration::INDEXES
                        .iter()
                        .find(|i| i.name == name)
                        .map(|i| i.table.to_string())
                })
                .unwrap_or_default();
            let columns = expected_columns(&snapshot, name);
            let state = index_state(db, &snapshot, name).await?;
            let expectation = Expectation {
                index: name,
                table: &table,
                columns: &columns,
                state: Some(state),
                sql: &report.explained.sql,
            };
            report.reasons = reasons(db, &expectation, &report.explained).await?;
        }
    }
    emit(&match format {
        Format::Json => to_json(&report),
        Format::Text => {
            let mut out = plan_text(&report.explained);
            if let (Some(name), Some(used)) = (expect, report.uses_expected) {
                let verdict = if used {
                    format!("uses {name}")
                } else {
                    format!("does not use {name}")
                };
                out += &format!("{:<11}{verdict}\n", "verdict");
            }
            out += &reasons_text(&report.reasons);
            out
        }
    });
    Ok(0)
}

#[derive(Clone, Copy)]
struct ProbeOptions {
    analyze: bool,
    compare: bool,
    read_only: bool,
}

async fn explain_probes(
    target: &Target,
    db: &mut Database,
    id: &str,
    options: ProbeOptions,
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
        reports.push(report(target, db, &snapshot, probe, options).await?);
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
    target: &Target,
    db: &mut Database,
    snapshot: &crate::catalog::CatalogSnapshot,
    probe: &'static probes::Probe,
    options: ProbeOptions,
) -> Result<ProbeReport, DbError> {
    let analyze = options.analyze;
    let mut report = ProbeReport {
        probe: probe.id,
        expected_index: probe.expected_index,
        skipped: None,
        parameter: None,
        explained: None,
        verdict: None,
        reasons: Vec::new(),
        comparison: None,
    };
    let bound: BoundProbe = match probes::bind(db, snapshot.backend, probe).await? {
        Ok(bound) => bound,
        Err(reason) => {
            report.skipped = Some(reason);
            return Ok(report);
        }
    };
    let explained = explain(db, &bound.sql, analyze).await?;
    let verdict = probes::verdict(&explained.plan, probe, snapshot);
    if !verdict.through_expected {
        let state = index_state(db, snapshot, probe.expected_index).await?;
        let columns = expected_columns(snapshot, probe.expected_index);
        let expectation = Expectation {
            index: probe.expected_index,
            table: probe.table,
            columns: &columns,
            state: Some(state),
            sql: &bound.sql,
        };
        report.reasons = reasons(db, &expectation, &explained).await?;
    }
    report.verdict = Some(verdict);
    if options.compare {
        let versions = db.alembic_versions(snapshot).await?;
        let status = migration_status(snapshot, versions);
        let comparison = compare(target, db, &status, &bound.sql, options.read_only).await?;
        report.comparison = Some(comparison);
    }
    report.parameter = Some(bound.parameter);
    report.explained = Some(explained);
    Ok(report)
}

/// The migration's state for one of its nine, or for any other index what the catalog says.
async fn index_state(
    db: &mut Database,
    snapshot: &crate::catalog::CatalogSnapshot,
    name: &str,
) -> Result<IndexState, DbError> {
    let versions = db.alembic_versions(snapshot).await?;
    let status = migration_status(snapshot, versions);
    if let Some(known) = status.indexes.iter().find(|i| i.name == name) {
        return Ok(known.state);
    }
    Ok(match snapshot.indexes.iter().find(|i| i.name == name) {
        None => IndexState::Missing,
        Some(i) if !i.valid => IndexState::Invalid,
        Some(_) => IndexState::Present,
    })
}

fn expected_columns(snapshot: &crate::catalog::CatalogSnapshot, name: &str) -> Vec<String> {
    crate::migration::INDEXES
        .iter()
        .find(|i| i.name == name)
        .map(|i| i.columns.iter().map(|c| c.to_string()).collect())
        .or_else(|| {
            snapshot
                .indexes
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.columns.clone())
        })
        .unwrap_or_default()
}

/// PostgreSQL reasons come from its catalog and statistics; SQLite has no statistics to read,
/// so only a missing or invalid index is said.
async fn reasons(
    db: &mut Database,
    expectation: &Expectation<'_>,
    explained: &Explained,
) -> Result<Vec<Reason>, DbError> {
    match db {
        Database::Postgres(conn) => why_not(conn, expectation, &explained.plan).await,
        Database::Sqlite(_) => Ok(match expectation.state {
            Some(IndexState::Missing) => vec![Reason {
                kind: "missing",
                text: format!("{} does not exist", expectation.index),
            }],
            _ => Vec::new(),
        }),
    }
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
    out += &reasons_text(&report.reasons);
    if let Some(comparison) = &report.comparison {
        out += &format!("{:<11}{}\n", "compare", comparison.method);
        for (label, side) in [("before", &comparison.before), ("after", &comparison.after)] {
            let text = match side {
                Some(explained) => explained.plan.summary(),
                None => "not shown".to_string(),
            };
            out += &format!("{label:<11}{text}\n");
        }
        if let Some(note) = &comparison.note {
            out += &format!("{:<11}{note}\n", "note");
        }
    }
    out
}

fn reasons_text(reasons: &[Reason]) -> String {
    let mut out = String::new();
    for (n, reason) in reasons.iter().enumerate() {
        let label = if n == 0 { "why" } else { "" };
        out += &format!("{label:<11}- {}\n", reason.text);
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
