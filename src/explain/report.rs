//! A probe explained end to end, for both front ends: its parameter drawn, its plan, whether it
//! goes through the expected index, and if not why, and optionally before/after.

use serde::Serialize;

use super::compare::{Comparison, compare};
use super::run::{Author, Explained, Query, explain, explain_with};
use super::session::ExplainSession;
use super::why::{Expectation, Reason, why_not};

use crate::config::Target;
use crate::db::{Database, DbError};
use crate::migration::{IndexState, migration_status};
use crate::probes::{self, BoundProbe, Verdict};

/// A probe explained, with its verdict and, when it misses its index, the reasons.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub probe: &'static str,
    pub expected_index: &'static str,
    /// Why the probe could not run (an empty or missing table); then nothing else is set.
    pub skipped: Option<String>,
    pub parameter: Option<String>,
    pub explained: Option<Explained>,
    pub verdict: Option<Verdict>,
    /// Why the expected index is not used, each read from the database.
    pub reasons: Vec<Reason>,
    /// With --compare: the plan without and with the migration's indexes.
    pub comparison: Option<Comparison>,
}

/// What to do besides the plain plan.
#[derive(Debug, Clone, Copy)]
pub struct ProbeOptions {
    pub analyze: bool,
    pub compare: bool,
    pub read_only: bool,
}

pub async fn report(
    target: &Target,
    session: &mut ExplainSession,
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
    let bound: BoundProbe = match probes::bind(&mut session.db, snapshot, probe).await? {
        Ok(bound) => bound,
        Err(reason) => {
            report.skipped = Some(reason);
            return Ok(report);
        }
    };
    let query = bound.query();
    let explained = explain(session, query, Author::Hotidx, analyze).await?;
    let verdict = probes::verdict(&explained.plan, probe, snapshot);
    if !verdict.through_expected {
        let state = index_state(snapshot, probe.expected_index);
        let columns = expected_columns(snapshot, probe.expected_index);
        let expectation = Expectation {
            index: probe.expected_index,
            table: probe.table,
            columns: &columns,
            state: Some(state),
            sql: &bound.sql,
        };
        report.reasons = reasons(session, &expectation, &explained, query, Author::Hotidx).await?;
    }
    report.verdict = Some(verdict);
    if options.compare {
        // The indexes' states do not depend on the version row: no need to read it.
        let status = migration_status(snapshot, None);
        let comparison = compare(
            target,
            session,
            &status,
            query,
            Author::Hotidx,
            options.read_only,
        )
        .await?;
        report.comparison = Some(comparison);
    }
    report.parameter = Some(bound.parameter);
    report.explained = Some(explained);
    Ok(report)
}

/// The migration's state for one of its nine, or for any other index what the catalog says.
/// A pure function of the snapshot: an index's state does not depend on the version row.
pub fn index_state(snapshot: &crate::catalog::CatalogSnapshot, name: &str) -> IndexState {
    let status = migration_status(snapshot, None);
    if let Some(known) = status.indexes.iter().find(|i| i.name == name) {
        return known.state;
    }
    match snapshot.indexes.iter().find(|i| i.name == name) {
        None => IndexState::Missing,
        Some(i) if !i.valid => IndexState::Invalid,
        Some(_) => IndexState::Present,
    }
}

pub fn expected_columns(snapshot: &crate::catalog::CatalogSnapshot, name: &str) -> Vec<String> {
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

/// PostgreSQL reasons come from its catalog and statistics, and from the planner's own costs
/// with sequential scans off (the same statement, run as the same role); SQLite has no
/// statistics to read, so only a missing or invalid index is said.
pub async fn reasons(
    session: &mut ExplainSession,
    expectation: &Expectation<'_>,
    explained: &Explained,
    query: Query<'_>,
    author: Author<'_>,
) -> Result<Vec<Reason>, DbError> {
    if let Database::Sqlite(_) = session.db {
        return Ok(match expectation.state {
            Some(IndexState::Missing) => vec![Reason {
                kind: "missing",
                text: format!("{} does not exist", expectation.index),
            }],
            _ => Vec::new(),
        });
    }
    let usable = !matches!(
        expectation.state,
        Some(IndexState::Missing | IndexState::Invalid)
    );
    let forced = if usable {
        let settings = [("enable_seqscan", "off")];
        explain_with(session, query, author, false, &settings)
            .await
            .ok()
            .map(|e| e.plan)
    } else {
        None
    };
    match &mut session.db {
        Database::Postgres(conn) => {
            why_not(conn, expectation, &explained.plan, forced.as_ref()).await
        }
        Database::Sqlite(_) => Ok(Vec::new()),
    }
}
