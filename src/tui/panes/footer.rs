//! The footer: the keys that work in the focused pane (from the keymap), or the filter prompt.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::keymap;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let line = if app.focus.in_explain() && app.explain.editing {
        Line::styled(
            " editing SQL: F5/Ctrl-R plan · F6 analyze · Alt-↑↓ history · Esc done",
            theme.title(),
        )
    } else if app.editing_filter {
        Line::from(vec![
            Span::styled(" filter: ", theme.title()),
            Span::raw(format!("{}▏", app.filter)),
            Span::styled("  Enter keep · Esc clear", theme.dim()),
        ])
    } else {
        let mut spans = Vec::new();
        for (key, help) in keymap::footer_hints(app.focus) {
            spans.push(Span::styled(format!(" {key}"), theme.title()));
            spans.push(Span::styled(format!(" {help} "), theme.dim()));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}
