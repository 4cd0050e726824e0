//! The text `hotidx explain` prints: labelled lines, the plan tree wrapped to 80 columns.

use super::text_table::labelled;
use crate::explain::compare::Comparison;
use crate::explain::input::shown;
use crate::explain::report::ProbeReport;
use crate::explain::run::Explained;
use crate::explain::why::Reason;
use crate::probes::verdict_text;

/// SQL longer than this is shown by its start and its size; JSON carries it whole.
const SQL_SHOWN: usize = 600;

/// Label, then text wrapped to 80 columns under it.
pub fn plan_text(explained: &Explained) -> String {
    let mut out = labelled("sql", &shown(&explained.sql, SQL_SHOWN));
    for (n, value) in explained.parameters.iter().enumerate() {
        out += &labelled(&format!("${}", n + 1), &shown(value, 200));
    }
    if let Some(role) = &explained.planned_as {
        out += &labelled("as", &role.describe());
    }
    if explained.generic_plan {
        out += &labelled(
            "generic",
            "planned without values for $n (GENERIC_PLAN): estimates assume typical values",
        );
    }
    if let Some(ms) = explained.execution_ms {
        out += &format!("{:<11}{ms:.3} ms (ANALYZE, rolled back)\n", "time");
    }
    out += "plan\n";
    for line in explained.plan.render_wrapped(super::TEXT_WIDTH - 2) {
        out += &format!("  {line}\n");
    }
    out
}

pub fn report_text(report: &ProbeReport) -> String {
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
        out += &comparison_text(comparison);
    }
    out
}

pub fn comparison_text(comparison: &Comparison) -> String {
    let mut out = labelled("compare", &comparison.method);
    for (label, side) in [("before", &comparison.before), ("after", &comparison.after)] {
        let text = match side {
            Some(explained) => explained.plan.summary(),
            None => "not shown".to_string(),
        };
        out += &labelled(label, &text);
    }
    if let Some(note) = &comparison.note {
        out += &labelled("note", note);
    }
    out
}

pub fn reasons_text(reasons: &[Reason]) -> String {
    let mut out = String::new();
    for (n, reason) in reasons.iter().enumerate() {
        let label = if n == 0 { "why" } else { "" };
        out += &format!("{label:<11}- {}\n", reason.text);
    }
    out
}
