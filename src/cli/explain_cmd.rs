//! `hotidx explain`: the plan of a probe or of any SQL, with whether the expected index is used.
//! The operator's SQL runs as the role the guard chose; Ctrl-C cancels it on the server.

use std::time::Duration;

use serde::Serialize;

use super::explain_out::{plan_text, reasons_text, report_text};
use super::{Format, emit, open_explain_session, to_json};
use crate::config::Target;
use crate::db::DbError;
use crate::explain::compare::{Comparison, compare};
use crate::explain::report::{ProbeOptions, expected_columns, index_state, reasons, report};
use crate::explain::run::{Author, Explained, Query, explain};
use crate::explain::session::ExplainSession;
use crate::explain::why::{Expectation, Reason};
use crate::migration::migration_status;
use crate::probes;

pub struct ExplainArgs<'a> {
    /// The operator's SQL, already read from the argument, a file or standard input.
    pub sql: Option<&'a str>,
    pub params: &'a [String],
    pub probe: Option<&'a str>,
    pub expect: Option<&'a str>,
    pub analyze: bool,
    pub compare: bool,
    pub read_only: bool,
    pub timeout: Duration,
    pub format: Format,
}

pub async fn run(target: &Target, args: ExplainArgs<'_>) -> Result<i32, DbError> {
    if args.expect.is_some() && args.probe.is_some() {
        return Err(DbError::Usage(
            "--expect goes with SQL; a probe already knows the index it expects".into(),
        ));
    }
    if !args.params.is_empty() && args.sql.is_none() {
        return Err(DbError::Usage(
            "--param gives values to your SQL's $1, $2, …; a probe draws its own".into(),
        ));
    }
    let mut session = open_explain_session(target, args.timeout).await?;
    let result = session
        .run_until(
            async |session| explain_what(target, session, &args).await,
            tokio::signal::ctrl_c(),
            "cancelled (Ctrl-C): the statement was cancelled on the server; nothing was changed",
        )
        .await;
    session.close().await;
    result
}

async fn explain_what(
    target: &Target,
    session: &mut ExplainSession,
    args: &ExplainArgs<'_>,
) -> Result<i32, DbError> {
    match (args.sql, args.probe) {
        (Some(sql), None) => explain_sql(target, session, sql, args).await,
        (None, Some(id)) => {
            let options = ProbeOptions {
                analyze: args.analyze,
                compare: args.compare,
                read_only: args.read_only,
            };
            explain_probes(target, session, id, options, args.format).await
        }
        _ => Err(DbError::Usage(
            "give either SQL to explain (an argument, --file FILE, or - for standard input) or \
             --probe ID (one of: dedup, user-conversions, user-jobs, user-email, anonymous, \
             status-conversions, status-jobs, time)"
                .into(),
        )),
    }
}

#[derive(Serialize)]
struct SqlReport {
    #[serde(flatten)]
    explained: Explained,
    expected_index: Option<String>,
    uses_expected: Option<bool>,
    reasons: Vec<Reason>,
    comparison: Option<Comparison>,
}

async fn explain_sql(
    target: &Target,
    session: &mut ExplainSession,
    sql: &str,
    args: &ExplainArgs<'_>,
) -> Result<i32, DbError> {
    // The index as PostgreSQL would resolve the name: `USERS_PKEY` is users_pkey.
    let expect = args.expect.map(crate::ident::parse).transpose()?;
    let role = session.user_role().await?;
    let author = Author::User(&role);
    let query = Query {
        sql,
        params: args.params,
    };
    let explained = explain(session, query, author, args.analyze).await?;
    let mut report = SqlReport {
        expected_index: expect.as_ref().map(|e| e.name.clone()),
        uses_expected: None,
        reasons: Vec::new(),
        comparison: None,
        explained,
    };
    let needs_snapshot = expect.is_some() || args.compare;
    let snapshot = match needs_snapshot {
        true => Some(session.db.snapshot().await?),
        false => None,
    };
    if let (Some(expect), Some(snapshot)) = (&expect, &snapshot) {
        let name = expect.name.as_str();
        let used = report.explained.plan.indexes_used().contains(&name);
        report.uses_expected = Some(used);
        if !used {
            let table = snapshot
                .indexes
                .iter()
                .find(|i| i.name == name && expect.schema.as_ref().is_none_or(|s| *s == i.schema))
                .map(|i| i.table.clone())
                .or_else(|| {
                    crate::migration::INDEXES
                        .iter()
                        .find(|i| i.name == name)
                        .map(|i| i.table.to_string())
                })
                .unwrap_or_default();
            let columns = expected_columns(snapshot, name);
            let state = index_state(snapshot, name);
            let expectation = Expectation {
                index: name,
                table: &table,
                columns: &columns,
                state: Some(state),
                sql,
            };
            report.reasons =
                reasons(session, &expectation, &report.explained, query, author).await?;
        }
    }
    if let (true, Some(snapshot)) = (args.compare, &snapshot) {
        let status = migration_status(snapshot, None);
        let comparison = compare(target, session, &status, query, author, args.read_only).await?;
        report.comparison = Some(comparison);
    }
    emit(&match args.format {
        Format::Json => to_json(&report),
        Format::Text => {
            let mut out = plan_text(&report.explained);
            if let (Some(expect), Some(used)) = (&expect, report.uses_expected) {
                let name = &expect.name;
                let others: Vec<&str> = report.explained.plan.indexes_used();
                let verdict = match (used, others.as_slice()) {
                    (true, _) => format!("uses {name}"),
                    (false, []) => format!("does not use {name}: no index in the plan"),
                    (false, others) => format!("does not use {name}: uses {}", others.join(", ")),
                };
                out += &format!("{:<11}{verdict}\n", "verdict");
            }
            out += &reasons_text(&report.reasons);
            if let Some(comparison) = &report.comparison {
                out += &super::explain_out::comparison_text(comparison);
            }
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
    session: &mut ExplainSession,
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
    let snapshot = session.db.snapshot().await?;
    let mut reports = Vec::new();
    for probe in selected {
        reports.push(report(target, session, &snapshot, probe, options).await?);
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
