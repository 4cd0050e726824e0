//! `hotidx explain`: the plan of a probe or of any SQL, with whether the expected index is used.

use serde::Serialize;

use super::{Format, emit, open_for_reading, to_json};
use crate::config::Target;
use crate::db::{Database, DbError};
use crate::explain::report::{
    ProbeOptions, ProbeReport, expected_columns, index_state, reasons, report,
};
use crate::explain::run::{Explained, explain};
use crate::explain::why::{Expectation, Reason};
use crate::probes::{self, verdict_text};

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
