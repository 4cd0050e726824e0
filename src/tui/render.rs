//! Drawing is a pure function of the app state (and the clock, for the data's age).

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::app::App;
use super::panes::{explain, footer, header, indexes, migration, popup, tables};
use super::theme::Theme;

/// The migration pane: nine index rows, an info line and its borders.
const MIGRATION_HEIGHT: u16 = 12;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, now: Instant) {
    let area = frame.area();
    if app.focus.in_explain() {
        let [head, body, foot] = Layout::vertical([
            Constraint::Length(header::height(app)),
            Constraint::Min(5),
            Constraint::Length(1),
        ])
        .areas(area);
        header::render(frame, head, app, theme, now);
        explain::render(frame, body, app, theme);
        footer::render(frame, foot, app, theme);
        popup::render(frame, area, app, theme);
        return;
    }
    let [head, body, bottom, foot] = Layout::vertical([
        Constraint::Length(header::height(app)),
        Constraint::Min(5),
        Constraint::Length(MIGRATION_HEIGHT),
        Constraint::Length(1),
    ])
    .areas(area);
    let tables_width = (area.width / 3).clamp(32, 44);
    let [left, right] =
        Layout::horizontal([Constraint::Length(tables_width), Constraint::Min(20)]).areas(body);
    header::render(frame, head, app, theme, now);
    tables::render(frame, left, app, theme);
    indexes::render(frame, right, app, theme);
    migration::render(frame, bottom, app, theme);
    footer::render(frame, foot, app, theme);
    popup::render(frame, area, app, theme);
}
