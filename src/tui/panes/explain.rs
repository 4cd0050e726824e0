//! The Explain view: the probes on the left, the selected one's plan on the right with whether
//! it uses its expected index, why not, and before/after side by side when asked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::pane_block;
use crate::explain::report::ProbeReport;
use crate::explain::run::Explained;
use crate::probes::PROBES;
use crate::tui::app::App;
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
    frame.render_widget(
        Paragraph::new(probes).block(pane_block(" Probes ".into(), true, theme)),
        list,
    );

    if app.explain.on_editor() {
        return render_editor(frame, plan, app, theme);
    }
    let title = match PROBES.get(app.explain.selected) {
        Some(probe) => format!(" {} · expects {} ", probe.id, probe.expected_index),
        None => " Plan ".into(),
    };
    let block = pane_block(title, false, theme);
    let lines = if app.explain.running {
        vec![Line::styled(" explaining…", theme.warn())]
    } else if let Some(error) = &app.explain.error {
        vec![Line::styled(format!(" {error}"), theme.bad())]
    } else {
        match &app.explain.report {
            Some(report)
                if PROBES
                    .get(app.explain.selected)
                    .is_some_and(|p| p.id == report.probe) =>
            {
                report_lines(report, theme)
            }
            _ => vec![Line::styled(
                " Enter: the plan · A: EXPLAIN ANALYZE (rolled back) · C: before/after",
                theme.dim(),
            )],
        }
    };
    // Before/after, when asked: two panes side by side under the probe's own plan.
    let comparison = app
        .explain
        .report
        .as_ref()
        .filter(|r| {
            PROBES
                .get(app.explain.selected)
                .is_some_and(|p| p.id == r.probe)
        })
        .and_then(|r| r.comparison.as_ref().map(|c| (c, r.expected_index)));
    let plan = match comparison {
        Some((comparison, expected)) if !app.explain.running => {
            let [top, bottom] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Min(6)]).areas(plan);
            render_comparison(frame, bottom, comparison, expected, theme);
            top
        }
        _ => plan,
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        plan,
    );
}

fn render_comparison(
    frame: &mut Frame,
    area: Rect,
    comparison: &crate::explain::compare::Comparison,
    expected: &str,
    theme: &Theme,
) {
    let [left, right] =
        Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(area);
    for (title, prefix, side, rect) in [
        (
            " without the migration ",
            "before:",
            &comparison.before,
            left,
        ),
        (" with the migration ", "after:", &comparison.after, right),
    ] {
        // How this side was obtained (hypothetical, rolled back, the real state), where it applies.
        let mut lines = Vec::new();
        if let Some(how) = comparison.method.strip_prefix(prefix) {
            lines.push(Line::styled(format!(" {}", how.trim()), theme.dim()));
        }
        match side {
            Some(explained) => lines.extend(plan_lines(explained, Some(expected), false, theme)),
            None => lines.push(Line::styled(" not shown", theme.dim())),
        }
        if side.is_none()
            && let Some(note) = &comparison.note
        {
            lines.push(Line::styled(format!(" {note}"), theme.dim()));
        }
        let paragraph = Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(pane_block(title.to_string(), false, theme));
        frame.render_widget(paragraph, rect);
    }
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
    let lines = if app.explain.running {
        vec![Line::styled(" explaining…", theme.warn())]
    } else if let Some(error) = &app.explain.error {
        vec![Line::styled(format!(" {error}"), theme.bad())]
    } else if let Some(explained) = &app.explain.sql_result {
        plan_lines(explained, None, true, theme)
    } else {
        vec![Line::styled(" type a statement, then F5", theme.dim())]
    };
    let block = pane_block(" Plan ".into(), false, theme);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        result,
    );
}

fn report_lines<'a>(report: &ProbeReport, theme: &Theme) -> Vec<Line<'a>> {
    if let Some(reason) = &report.skipped {
        return vec![Line::styled(format!(" skipped: {reason}"), theme.warn())];
    }
    let mut lines = Vec::new();
    if let Some(explained) = &report.explained {
        lines.extend(plan_lines(
            explained,
            Some(report.expected_index),
            true,
            theme,
        ));
    }
    if let Some(verdict) = &report.verdict {
        let text = crate::probes::verdict_text(report.expected_index, verdict);
        let style = if verdict.through_expected {
            theme.good()
        } else {
            theme.bad()
        };
        lines.push(Line::from(vec![
            Span::raw(" verdict: "),
            Span::styled(text, style),
        ]));
    }
    for reason in &report.reasons {
        lines.push(Line::styled(format!(" - {}", reason.text), theme.warn()));
    }
    lines
}

/// The plan as an indented tree: full scans in red, the expected index in green.
fn plan_lines<'a>(
    explained: &Explained,
    expected: Option<&str>,
    with_sql: bool,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if with_sql {
        // A statement typed over several lines keeps them.
        for line in explained.sql.lines() {
            lines.push(Line::styled(format!(" {line}"), theme.dim()));
        }
    }
    if let Some(ms) = explained.execution_ms {
        lines.push(Line::raw(format!(" {ms:.3} ms (ANALYZE, rolled back)")));
    }
    // SQLite's plans hang under a "QUERY PLAN" root that says nothing.
    let skip_root = explained.plan.node_type == "QUERY PLAN";
    for (depth, node) in explained.plan.walk_with_depth() {
        if skip_root && depth == 0 {
            continue;
        }
        let indent = "  ".repeat(depth.saturating_sub(usize::from(skip_root)));
        let style = if node.is_full_scan() {
            theme.bad()
        } else if expected.is_some() && node.index.as_deref() == expected {
            theme.good()
        } else if node.misestimated() {
            theme.warn()
        } else {
            Default::default()
        };
        let arrow = if indent.is_empty() { "" } else { "-> " };
        lines.push(Line::styled(
            format!(" {indent}{arrow}{}", node.describe()),
            style,
        ));
    }

    lines
}
