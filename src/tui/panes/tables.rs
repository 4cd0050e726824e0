//! The tables pane: each table with estimated rows, size, index count, and `!` on a finding.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::{elide, pane_block, window};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;
use crate::units;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Tables;
    let block = pane_block(" Tables ".into(), focused, theme);
    let Some(data) = &app.data else {
        frame.render_widget(block, area);
        return;
    };
    let visible = area.height.saturating_sub(3) as usize;
    let total = data.snapshot.tables.len() + 1;
    // The "(all)" count is the largest: it sets the count column's width (3 up to 99k).
    let all = units::count_short(data.snapshot.indexes.len());
    let count_width = all.chars().count().max(3);
    // Borders, marker, rows, size, count and the four gaps between the five columns.
    let name_width = (area.width as usize)
        .saturating_sub(2 + 1 + 5 + 5 + count_width + 4)
        .max(6);
    let rows: Vec<Row> = window(app.table_selected, total, visible)
        .map(|n| {
            let style = if n == app.table_selected {
                theme.selected()
            } else {
                Default::default()
            };
            if n == 0 {
                return Row::new(vec![
                    Cell::from(" "),
                    Cell::from("(all)"),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(format!("{all:>count_width$}")),
                ])
                .style(style);
            }
            let table = &data.snapshot.tables[n - 1];
            let flagged = data
                .flagged_tables
                .contains(&(table.schema.clone(), table.name.clone()));
            let count = units::count_short(data.index_counts[n - 1]);
            Row::new(vec![
                Cell::from(if flagged {
                    Span::styled("!", theme.bad())
                } else {
                    Span::raw(" ")
                }),
                Cell::from(elide(&table.display_name(), name_width)),
                Cell::from(format!(
                    "{:>5}",
                    table
                        .estimated_rows
                        .map(units::count)
                        .unwrap_or_else(|| "?".into())
                )),
                Cell::from(format!("{:>5}", units::bytes_short(table.size_bytes))),
                Cell::from(format!("{count:>count_width$}")),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(name_width as u16),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(count_width as u16),
    ];
    let ix = format!("{:>count_width$}", "IX");
    let header = Row::new(vec!["", "TABLE", " ROWS", " SIZE", &ix]).style(theme.dim());
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
}
