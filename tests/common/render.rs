//! Drawing the TUI headless for render tests: an app after one refresh, drawn into ratatui's
//! TestBackend and read back as text. (Each test file keeps its own `both_sizes`: insta names a
//! snapshot after the module that asserts it.)

use std::time::Instant;

use hotidx::catalog::{CatalogSnapshot, IndexUsage};
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::App;
use hotidx::tui::render;
use hotidx::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::snapshots::{index, parent};

pub const COLOR: Theme = Theme { color: true };

/// A PostgreSQL-like parent with usage counters, as a DBA would see it.
pub fn pg_parent() -> CatalogSnapshot {
    let mut snapshot = parent();
    snapshot.indexes.push(index("users_pkey", "users", &["id"]));
    snapshot.indexes.push(index("jobs_pkey", "jobs", &["id"]));
    snapshot
        .indexes
        .push(index("conversions_pkey", "conversions", &["id"]));
    for (n, i) in snapshot.indexes.iter_mut().enumerate() {
        i.size_bytes = Some(8192 * (n as i64 + 1) * 37);
        i.usage = Some(IndexUsage {
            idx_scan: 1200 * n as i64,
            idx_tup_read: 5000 * n as i64,
            idx_tup_fetch: 4000 * n as i64,
            last_idx_scan: None,
        });
    }
    snapshot
}

pub fn app(snapshot: CatalogSnapshot, version: Option<&str>) -> App {
    let mut app = App::new("postgres@db.internal:5432/mdraft".into(), false);
    let Some(Effect::Refresh { seq, .. }) = app.refresh_due(Instant::now()).pop() else {
        panic!("a refresh");
    };
    app.on_db(DbEvent::Refreshed {
        seq,
        snapshot: Box::new(snapshot),
        versions: version.map(|v| vec![v.to_string()]),
        at: "12:00:00".into(),
    });
    app
}

pub fn draw(app: &App, width: u16, height: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| render::draw(frame, app, &theme, Instant::now()))
        .expect("draw");
    terminal
}

pub fn screen(app: &App, width: u16, height: u16) -> String {
    let terminal = draw(app, width, height, COLOR);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            let line: String = (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
