//! The plan pane of the Explain view, which scrolls, and the before/after panes under it: plans
//! as trees wrapped to the pane's width, full scans in red, the expected index in green,
//! misestimates in yellow.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::pane_block;
use crate::explain::compare::Comparison;
use crate::explain::run::Explained;
use crate::explain::{Detail, LinePart, PlanNode, wrap};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;

/// What the plan pane shows, already cut to its width.
pub struct PlanText<'a> {
    pub lines: Vec<Line<'a>>,
}

impl<'a> PlanText<'a> {
    pub fn new() -> Self {
        PlanText { lines: Vec::new() }
    }

    /// `text` wrapped to `width`, continuation lines indented two more than the first.
    pub fn push(&mut self, text: &str, style: Style, width: usize) {
        let lead = text.chars().take_while(|c| *c == ' ').count();
        let hang = " ".repeat(lead + 2);
        for (n, piece) in wrap(text.trim_start(), width, lead, lead + 2)
            .into_iter()
            .enumerate()
        {
            let indent = if n == 0 {
                " ".repeat(lead)
            } else {
                hang.clone()
            };
            self.lines
                .push(Line::styled(format!("{indent}{piece}"), style));
        }
    }

    /// The statement, its time, and the plan tree.
    pub fn plan(
        &mut self,
        explained: &Explained,
        expected: Option<&str>,
        with_sql: bool,
        width: usize,
        theme: &Theme,
    ) {
        if with_sql {
            // A statement typed over several lines keeps them.
            for line in explained.sql.lines() {
                self.push(&format!(" {line}"), theme.dim(), width);
            }
            // Bound values travel beside the statement: show them with it.
            for (n, value) in explained.parameters.iter().enumerate() {
                self.push(&format!(" ${} = {value}", n + 1), theme.dim(), width);
            }
        }
        if let Some(role) = &explained.planned_as
            && !matches!(role, crate::explain::guard::UserSqlRole::ReadOnlyFile)
        {
            self.push(&format!(" as {}", role.describe()), theme.dim(), width);
        }
        if let Some(ms) = explained.execution_ms {
            self.push(
                &format!(" {ms:.3} ms (ANALYZE, rolled back)"),
                Style::default(),
                width,
            );
        }
        self.tree(&explained.plan, expected, Detail::Full, width, theme);
    }

    /// The tree alone.
    pub fn tree(
        &mut self,
        plan: &PlanNode,
        expected: Option<&str>,
        detail: Detail,
        width: usize,
        theme: &Theme,
    ) {
        // One column of margin inside the border, as the other lines have.
        for line in plan.render_lines(width.saturating_sub(1), detail) {
            let style = match line.part {
                LinePart::Node => node_style(line.node, expected, theme),
                LinePart::Label | LinePart::Total => theme.dim(),
                LinePart::Detail => Style::default(),
            };
            self.lines
                .push(Line::styled(format!(" {}", line.text), style));
        }
    }
}

impl Default for PlanText<'_> {
    fn default() -> Self {
        Self::new()
    }
}

fn node_style(node: &PlanNode, expected: Option<&str>, theme: &Theme) -> Style {
    if node.is_full_scan() {
        theme.bad()
    } else if expected.is_some() && node.index.as_deref() == expected {
        theme.good()
    } else if node.misestimated() {
        theme.warn()
    } else {
        Style::default()
    }
}

/// The plan pane: `text` from the app's scroll position, the position in the title. Records how
/// far it can scroll, for the keys.
pub fn render_scrolled(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    title: &str,
    text: PlanText,
    theme: &Theme,
) {
    let height = usize::from(area.height.saturating_sub(2));
    let total = text.lines.len();
    let max = total.saturating_sub(height);
    app.explain.plan_scroll_max.set(max);
    let first = app.explain.plan_scroll.min(max);
    let title = if max > 0 {
        let last = (first + height).min(total);
        format!(" {title} · {}–{last} of {total} ", first + 1)
    } else {
        format!(" {title} ")
    };
    let shown: Vec<Line> = text.lines.into_iter().skip(first).take(height).collect();
    let block = pane_block(title, app.focus == Focus::Plan, theme);
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// Before and after side by side: node lines with rows and cost only, so each reads in half
/// the width.
pub fn render_comparison(
    frame: &mut Frame,
    area: Rect,
    comparison: &Comparison,
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
        let width = usize::from(rect.width.saturating_sub(2));
        let mut text = PlanText::new();
        // How this side was obtained (hypothetical, rolled back, the real state), where it applies.
        if let Some(how) = comparison.method.strip_prefix(prefix) {
            text.push(&format!(" {}", how.trim()), theme.dim(), width);
        }
        match side {
            Some(explained) => {
                text.tree(&explained.plan, Some(expected), Detail::Brief, width, theme)
            }
            None => text.push(" not shown", theme.dim(), width),
        }
        if side.is_none()
            && let Some(note) = &comparison.note
        {
            text.push(&format!(" {note}"), theme.dim(), width);
        }
        let paragraph =
            Paragraph::new(text.lines).block(pane_block(title.to_string(), false, theme));
        frame.render_widget(paragraph, rect);
    }
}
