//! The indexes pane: the selected table's indexes (or all), sorted and filtered; only the visible
//! rows are built. SQLite keeps no usage counts, and the pane says so instead of showing zeros.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{elide, pane_block, window};
use crate::catalog::IndexInfo;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;
use crate::units;

/// A column shown when the pane is at least `min_width` wide.
struct Column {
    title: &'static str,
    width: u16,
    min_width: u16,
}

const COLUMNS: &[Column] = &[
    Column {
        title: "FLAGS",
        width: 7,
        min_width: 0,
    },
    Column {
        title: "SIZE",
        width: 9,
        min_width: 0,
    },
    Column {
        title: "SCANS",
        width: 7,
        min_width: 50,
    },
    Column {
        title: "SCANS/S",
        width: 7,
        min_width: 90,
    },
    Column {
        title: "TUP READ",
        width: 8,
        min_width: 70,
    },
    Column {
        title: "TUP FETCH",
        width: 9,
        min_width: 100,
    },
    Column {
        title: "LAST SCAN",
        width: 19,
        min_width: 160,
    },
    Column {
        title: "FINDINGS",
        width: 28,
        min_width: 140,
    },
];

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Indexes;
    let scope = app
        .selected_table()
        .map(|(schema, table)| crate::catalog::qualified(schema, table))
        .unwrap_or_else(|| "all".into());
    let mut title = format!(" Indexes · {scope} · {}", app.rows.len());
    // The filter before the sort: on a narrow pane the sort is what gets cut.
    if !app.filter.is_empty() {
        title.push_str(&format!(" · filter \"{}\"", app.filter));
    }
    title.push_str(&format!(" · sort {}", app.sort.label()));
    if app.reverse {
        title.push_str(" (reversed)");
    }
    title.push(' ');
    let block = pane_block(title, focused, theme);
    let Some(data) = &app.data else {
        frame.render_widget(
            Paragraph::new(" waiting for the first answer…").block(block),
            area,
        );
        return;
    };
    let tracked = data.snapshot.usage_tracked;
    let shown: Vec<&Column> = COLUMNS
        .iter()
        .filter(|c| area.width >= c.min_width)
        .filter(|c| {
            tracked
                || !matches!(
                    c.title,
                    "SCANS" | "SCANS/S" | "TUP READ" | "TUP FETCH" | "LAST SCAN"
                )
        })
        .collect();
    let fixed: u16 = shown.iter().map(|c| c.width + 1).sum();
    let free = area.width.saturating_sub(2 + fixed);
    let name_width = (free * 55 / 100).max(10);
    let columns_width = free.saturating_sub(name_width + 1).max(6);
    let visible = area.height.saturating_sub(3) as usize;
    let rows: Vec<Row> = window(app.index_selected, app.rows.len(), visible)
        .map(|n| {
            let at = app.rows[n];
            let index = &data.snapshot.indexes[at];
            let mut cells = vec![
                Cell::from(elide(&index.name, name_width as usize)),
                Cell::from(elide(&columns_text(index), columns_width as usize)),
            ];
            for column in &shown {
                if column.title == "FINDINGS" {
                    let text = elide(&data.findings[at].join("; "), column.width as usize);
                    cells.push(Cell::from(text).style(theme.warn()));
                    continue;
                }
                cells.push(cell(
                    column.title,
                    index,
                    data.scan_rates[at],
                    !data.findings[at].is_empty(),
                    theme,
                ));
            }
            let style = if n == app.index_selected {
                theme.selected()
            } else {
                Default::default()
            };
            Row::new(cells).style(style)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(name_width),
        Constraint::Length(columns_width),
    ];
    widths.extend(shown.iter().map(|c| Constraint::Length(c.width)));
    let mut titles = vec!["INDEX".to_string(), "COLUMNS".to_string()];
    // Numbers are right-aligned, so are their titles.
    titles.extend(shown.iter().map(|c| match c.title {
        "FLAGS" | "LAST SCAN" | "FINDINGS" => c.title.to_string(),
        _ => format!("{:>w$}", c.title, w = c.width as usize),
    }));
    let table = Table::new(rows, widths)
        .header(Row::new(titles).style(theme.dim()))
        .column_spacing(1);
    // The selected row's findings, which a narrow pane only marks with `!`.
    let findings = app
        .rows
        .get(app.index_selected)
        .map(|&at| data.findings[at].join("; "))
        .filter(|f| !f.is_empty() && focused);
    let block = match (findings, tracked) {
        (Some(text), _) => block.title_bottom(Line::styled(format!(" ! {text} "), theme.warn())),
        // Where the counts would be, say why they are not.
        (None, false) => {
            block.title_bottom(Line::styled(" usage not tracked by SQLite ", theme.dim()))
        }
        (None, true) => block,
    };
    if app.rows.is_empty() {
        let text = if app.filter.is_empty() {
            " no indexes here"
        } else {
            " no index matches the filter (Esc clears it)"
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
        return;
    }
    frame.render_widget(table.block(block), area);
}

fn columns_text(index: &IndexInfo) -> String {
    let mut text = index.columns.join(", ");
    if !index.include.is_empty() {
        text.push_str(&format!(" +({})", index.include.join(", ")));
    }
    if index.predicate.is_some() {
        text.push_str(" WHERE…");
    }
    text
}

fn cell<'a>(
    title: &str,
    index: &IndexInfo,
    rate: Option<f64>,
    has_finding: bool,
    theme: &Theme,
) -> Cell<'a> {
    let usage = index.usage.as_ref();
    match title {
        "FLAGS" => {
            let mut flags = String::new();
            flags.push(if index.primary {
                'P'
            } else if index.unique {
                'U'
            } else {
                '-'
            });
            flags.push(if index.predicate.is_some() { 'W' } else { '-' });
            if !index.valid {
                return Cell::from(format!("{flags} INV")).style(theme.bad());
            }
            // Narrow screens have no FINDINGS column: a mark says there is something to see.
            if has_finding {
                return Cell::from(format!("{flags} !")).style(theme.warn());
            }
            Cell::from(flags)
        }
        "SIZE" => Cell::from(format!("{:>9}", units::bytes(index.size_bytes))),
        "SCANS" => Cell::from(format!(
            "{:>7}",
            usage.map(|u| units::count(u.idx_scan)).unwrap_or_default()
        )),
        "SCANS/S" => Cell::from(format!(
            "{:>7}",
            rate.map(|r| format!("{r:.1}"))
                .unwrap_or_else(|| "-".into())
        )),
        "TUP READ" => Cell::from(format!(
            "{:>8}",
            usage
                .map(|u| units::count(u.idx_tup_read))
                .unwrap_or_default()
        )),
        "TUP FETCH" => Cell::from(format!(
            "{:>9}",
            usage
                .map(|u| units::count(u.idx_tup_fetch))
                .unwrap_or_default()
        )),
        "LAST SCAN" => Cell::from(
            usage
                .and_then(|u| u.last_idx_scan.clone())
                .map(|t| t.chars().take(19).collect::<String>().replace('T', " "))
                .unwrap_or_else(|| "-".into()),
        ),
        _ => Cell::from(""),
    }
}
