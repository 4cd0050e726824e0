//! Pop-ups over the panes: help (generated from the keymap), the confirmation dialog with the
//! target, the exact SQL and the sessions a build would wait for, SQL, messages.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::migration::plan::Direction;
use crate::tui::app::{App, Popup};
use crate::tui::keymap::{KEYMAP, Scope};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(popup) = &app.popup else { return };
    let (title, lines, keys) = match popup {
        Popup::Help => (" Help ".to_string(), help_lines(theme), "Esc close"),
        Popup::Planning(direction) => (
            format!(" {} ", verb(*direction)),
            vec![Line::raw("reading the current state and making the plan…")],
            "Esc close",
        ),
        Popup::Confirm {
            direction,
            plan,
            sessions,
            sql: _,
        } => {
            let mut lines = vec![Line::from(vec![
                Span::styled("target  ", theme.dim()),
                Span::raw(app.target.clone()),
            ])];
            // The sessions first: they are why a concurrent build would wait.
            if sessions.is_empty() {
                lines.push(Line::styled(
                    "no open transaction to wait for right now",
                    theme.dim(),
                ));
            } else {
                lines.push(Line::styled(
                    "the builds will wait for these open transactions:",
                    theme.warn(),
                ));
                for session in sessions {
                    lines.push(Line::raw(format!("  {}", session.describe())));
                }
            }
            lines.push(Line::raw(""));
            for statement in plan.all_statements() {
                lines.push(Line::raw(statement.to_string()));
            }
            for note in &plan.differs_from_published {
                lines.push(Line::raw(""));
                lines.push(Line::styled(format!("note: {note}"), theme.dim()));
            }
            (
                format!(" {}? ", verb(*direction)),
                lines,
                "y run it · j/k scroll · Esc cancel",
            )
        }
        Popup::Sql(sql) => (
            " SQL (j/k scroll) ".into(),
            sql.lines().map(|l| Line::raw(l.to_string())).collect(),
            "Esc close",
        ),
        Popup::Message { title, text } => (
            format!(" {title} "),
            vec![Line::raw(text.clone())],
            "Esc close",
        ),
        Popup::QuitWhileBuilding => (
            " Quit? ".into(),
            vec![Line::raw(
                "A build is running. Quitting cancels it (the INVALID index it leaves is dropped) and then exits.",
            )],
            "y cancel and quit · Esc keep going",
        ),
    };
    if matches!(popup, Popup::Help) {
        return render_help(frame, area, lines, theme);
    }
    let width = (area.width.saturating_sub(4)).min(100);
    // Long statements wrap: count the rows they take, so nothing is cut off at the bottom.
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = (rows as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    let block = dialog_block(title, keys, theme);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

/// Help in one column when it fits, else in two side by side: every binding stays visible.
fn render_help(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, theme: &Theme) {
    let rows = area.height.saturating_sub(4) as usize;
    let columns = if lines.len() <= rows { 1 } else { 2 };
    let per_column = lines.len().div_ceil(columns);
    let width = area
        .width
        .saturating_sub(4)
        .min(if columns == 1 { 64 } else { 120 });
    let height = (per_column as u16 + 2).min(area.height.saturating_sub(2));
    let rect = centered(area, width, height);
    let block = dialog_block(" Help ".into(), "Esc close", theme);
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let halves =
        Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (n, chunk) in lines.chunks(per_column).enumerate() {
        frame.render_widget(Paragraph::new(chunk.to_vec()), halves[n]);
    }
}

/// The double border every pop-up wears, its title on top and its keys at the bottom.
fn dialog_block(title: String, keys: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.focused_border())
        .title(Span::styled(title, theme.title()))
        .title_bottom(Line::styled(format!(" {keys} "), theme.title()))
}

fn verb(direction: Direction) -> &'static str {
    match direction {
        Direction::Upgrade => "Apply the migration",
        Direction::Downgrade => "Roll the migration back",
    }
}

/// Every binding, grouped by where it works: read from the same table that handles the keys.
fn help_lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for scope in Scope::ALL {
        // A scope whose keys all work everywhere now has nothing of its own to list.
        if !KEYMAP.iter().any(|b| b.scope == scope) {
            continue;
        }
        lines.push(Line::styled(scope.title(), theme.title()));
        for binding in KEYMAP.iter().filter(|b| b.scope == scope) {
            lines.push(Line::from(vec![
                Span::raw(format!("  {:<7}", binding.label)),
                Span::raw(binding.help),
            ]));
        }
    }
    lines.push(Line::styled(
        "  in the SQL editor: F5/Ctrl-R plan, F6 analyze,",
        theme.dim(),
    ));
    lines.push(Line::styled(
        "  Alt-↑/↓ history, Esc stop editing",
        theme.dim(),
    ));
    lines.push(Line::styled("flags: P primary · U unique", theme.dim()));
    lines.push(Line::styled("       W partial · INV invalid", theme.dim()));
    lines.push(Line::styled(
        "       ! a finding (wide screens list it)",
        theme.dim(),
    ));
    lines
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    rect
}
