//! `hotidx explain`: the plan of a probe or of any SQL, with whether the expected index is used.

use serde::Serialize;

use super::text_table::labelled;
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
    if let Some(sql) = sql {
        check_explainable(sql)?;
    }
    if expect.is_some() && probe.is_some() {
        return Err(DbError::Usage(
            "--expect goes with SQL; a probe already knows the index it expects".into(),
        ));
    }
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

/// EXPLAIN takes one SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, TABLE or WITH statement; say
/// so before the server answers "syntax error" about DDL or transaction control. (A message, not
/// a guard: the read-only, rolled-back session is the guard.)
fn check_explainable(sql: &str) -> Result<(), DbError> {
    let first = sql
        .trim_start()
        .trim_start_matches('(')
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    const EXPLAINABLE: &[&str] = &[
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "WITH", "EXECUTE",
    ];
    if first.is_empty() {
        return Err(DbError::Usage(
            "no statement to explain: give one, or --probe ID".into(),
        ));
    }
    if !EXPLAINABLE.contains(&first.as_str()) {
        return Err(DbError::Usage(format!(
            "{first} cannot be explained: give one SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, \
             TABLE or WITH statement"
        )));
    }
    Ok(())
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
    // `app.ix_…` or `ix_…`: plans name indexes without their schema.
    let expect = expect.map(|e| e.rsplit('.').next().unwrap_or(e));
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
            let state = index_state(&snapshot, name);
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
                let others: Vec<&str> = report.explained.plan.indexes_used();
                let verdict = match (used, others.as_slice()) {
                    (true, _) => format!("uses {name}"),
                    (false, []) => format!("does not use {name}: no index in the plan"),
                    (false, others) => format!("does not use {name}: uses {}", others.join(", ")),
                };
                out += &format!("{:<11}{verdict}\n", "verdict");
            }
            out += &reasons_text(&report.reasons);
            out
        }
    });
    // With --expect, the exit code answers the question, for scripts: 1 when it is not used.
    Ok(if report.uses_expected == Some(false) {
        1
    } else {
        0
    })
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

/// Label, then text wrapped to 80 columns under it.
fn plan_text(explained: &Explained) -> String {
    let mut out = labelled(
        "sql",
        &explained
            .sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if let Some(ms) = explained.execution_ms {
        out += &format!("{:<11}{ms:.3} ms (ANALYZE, rolled back)\n", "time");
    }
    out += "plan\n";
    for line in explained.plan.render_wrapped(super::TEXT_WIDTH - 2) {
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
