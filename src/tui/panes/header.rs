//! The header: target, server, read-only, migration status spelled out, data age, errors.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::theme::Theme;

/// Two lines when there is an error to show, one otherwise.
pub fn height(app: &App) -> u16 {
    if app.refresh_error.is_some() { 2 } else { 1 }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, now: Instant) {
    let mut left = vec![Span::styled(" hotidx ", theme.title())];
    if let Some(data) = &app.data {
        let overall = data.status.overall;
        left.push(Span::styled(
            overall.to_string().to_uppercase(),
            theme.overall(overall),
        ));
        left.push(Span::raw(" "));
    }
    if app.read_only {
        left.push(Span::styled(
            " READ-ONLY ",
            Style::new().add_modifier(Modifier::REVERSED),
        ));
        left.push(Span::raw(" "));
    }
    let server = app
        .data
        .as_ref()
        .map(|d| format!(" · {}", d.snapshot.server_version))
        .unwrap_or_default();
    let fresh = freshness(app, now);
    let used: usize = left
        .iter()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        + server.chars().count()
        + fresh.chars().count();
    let room = (area.width as usize).saturating_sub(used);
    left.push(Span::raw(elide_left(&app.target, room)));
    left.push(Span::styled(server, theme.dim()));
    left.push(Span::styled(fresh, theme.dim()));
    let mut lines = vec![Line::from(left)];
    if let Some(error) = &app.refresh_error {
        let text = format!(" refresh failed: {error} (retrying)");
        lines.push(Line::styled(text, theme.bad()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Keeps the end of a long target (the database or file name matters most): `…/hotidx/demo.db`.
fn elide_left(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let keep: String = text.chars().skip(count + 1 - width.max(1)).collect();
    format!("…{keep}")
}

/// `unchanged since 12:01:02` (the last refresh that brought anything new: a refresh that finds
/// nothing new draws nothing), or `refreshing… (data 7 s old)` while a slow answer is awaited.
fn freshness(app: &App, now: Instant) -> String {
    match (&app.refresh_in_flight, &app.changed_at) {
        (Some((_, since)), _) if now.duration_since(*since).as_secs() >= 1 => {
            let age = app
                .data
                .as_ref()
                .map(|d| format!("data {} s old", now.duration_since(d.taken).as_secs()))
                .unwrap_or_else(|| "no data yet".into());
            format!(" · refreshing… ({age})")
        }
        (_, Some(at)) => format!(" · unchanged since {at}"),
        (_, None) => " · connecting…".into(),
    }
}
