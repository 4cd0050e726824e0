//! The Explain view: the probes on the left, the selected one's plan on the right with whether
//! it uses its expected index, why not, and before/after side by side when asked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::pane_block;
use super::plan::{PlanText, render_comparison, render_scrolled};
use crate::explain::report::ProbeReport;
use crate::probes::PROBES;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let [list, plan] =
        Layout::horizontal([Constraint::Length(24), Constraint::Min(20)]).areas(area);
    let names = PROBES.iter().map(|p| p.id).chain(["SQL editor…"]);
    let probes: Vec<Line> = names
        .enumerate()
        .map(|(n, name)| {
            let line = Line::raw(format!(" {name}"));
            if n == app.explain.selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    let focused = app.focus == Focus::Explain;
    frame.render_widget(
        Paragraph::new(probes).block(pane_block(" Probes ".into(), focused, theme)),
        list,
    );

    if app.explain.on_editor() {
        return render_editor(frame, plan, app, theme);
    }
    let title = match PROBES.get(app.explain.selected) {
        Some(probe) => format!("{} · expects {}", probe.id, probe.expected_index),
        None => "Plan".into(),
    };
    // The answer shown is the selected probe's, not the last one asked for.
    let report = app.explain.report.as_ref().filter(|r| {
        PROBES
            .get(app.explain.selected)
            .is_some_and(|p| p.id == r.probe)
    });
    // Before/after, when asked: two panes side by side under the probe's own plan.
    let plan = match report.and_then(|r| r.comparison.as_ref().map(|c| (c, r.expected_index))) {
        Some((comparison, expected)) if !app.explain.running => {
            let [top, bottom] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Min(6)]).areas(plan);
            render_comparison(frame, bottom, comparison, expected, theme);
            top
        }
        _ => plan,
    };
    let width = usize::from(plan.width.saturating_sub(2));
    let mut text = PlanText::new();
    if app.explain.running {
        text.push(" explaining…", theme.warn(), width);
    } else if let Some(error) = &app.explain.error {
        text.push(&format!(" {error}"), theme.bad(), width);
    } else if let Some(report) = report {
        report_text(&mut text, report, width, theme);
    } else {
        text.push(
            " Enter: the plan · A: EXPLAIN ANALYZE (rolled back) · C: before/after · Tab: \
             scroll it",
            theme.dim(),
            width,
        );
    }
    render_scrolled(frame, plan, app, &title, text, theme);
}

/// The editor on top, its plan below.
fn render_editor(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let [edit, result] = Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(area);
    let mut editor = app.explain.editor.clone();
    let hint = if app.explain.editing {
        " SQL · F5/Ctrl-R plan · F6 analyze · Alt-↑↓ history · Esc done "
    } else {
        " SQL · Enter to edit · A analyze "
    };
    editor.set_block(pane_block(hint.into(), app.explain.editing, theme));
    frame.render_widget(&editor, edit);
    let width = usize::from(result.width.saturating_sub(2));
    let mut text = PlanText::new();
    if app.explain.running {
        text.push(" explaining…", theme.warn(), width);
    } else if let Some(error) = &app.explain.error {
        text.push(&format!(" {error}"), theme.bad(), width);
    } else if let Some(explained) = &app.explain.sql_result {
        // The statement is in the editor just above.
        text.plan(explained, None, false, width, theme);
    } else {
        text.push(" type a statement, then F5", theme.dim(), width);
    }
    render_scrolled(frame, result, app, "Plan", text, theme);
}

fn report_text(text: &mut PlanText, report: &ProbeReport, width: usize, theme: &Theme) {
    if let Some(reason) = &report.skipped {
        return text.push(&format!(" skipped: {reason}"), theme.warn(), width);
    }
    if let Some(explained) = &report.explained {
        text.plan(explained, Some(report.expected_index), true, width, theme);
    }
    if let Some(verdict) = &report.verdict {
        let verdict_text = crate::probes::verdict_text(report.expected_index, verdict);
        let style = if verdict.through_expected {
            theme.good()
        } else {
            theme.bad()
        };
        text.push(&format!(" verdict: {verdict_text}"), style, width);
    }
    for reason in &report.reasons {
        text.push(&format!(" - {}", reason.text), theme.warn(), width);
    }
}
