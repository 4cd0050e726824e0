//! Drawing one frame must cost the same whatever the number of indexes: only visible rows are
//! built. Run with `cargo bench --bench render`; no database needed.
//! Figures: one frame of the main screen with the indexes pane focused and sorted by size, at
//! 100, 1,000 and 10,000 indexes (ratio against 100), on ratatui's TestBackend at 160x48; and
//! what a refresh costs the UI thread once (deriving the panes' data and sorting the rows).

mod common;

use std::time::{Duration, Instant};

use common::median;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hotidx::catalog::{BackendKind, CatalogSnapshot, IndexInfo, IndexUsage, TableInfo};
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::App;
use hotidx::tui::render;
use hotidx::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const FRAMES: usize = 200;

/// `indexes` indexes over a fifth as many tables, with usage and sizes that differ.
fn snapshot(indexes: usize) -> CatalogSnapshot {
    let tables = indexes / 5;
    CatalogSnapshot {
        backend: BackendKind::Postgres,
        server_version: "PostgreSQL 15.20".into(),
        server_version_num: 150_020,
        usage_tracked: true,
        sizes_known: true,
        stats_reset: None,
        tables: (0..tables)
            .map(|t| TableInfo {
                schema: "public".into(),
                name: format!("bench_{t}"),
                estimated_rows: Some(1000 + t as i64),
                size_bytes: Some(8192 * (1 + t as i64)),
            })
            .collect(),
        indexes: (0..indexes)
            .map(|n| IndexInfo {
                schema: "public".into(),
                name: format!("bench_{}_ix_{}", n / 5, n % 5),
                table: format!("bench_{}", n / 5),
                columns: vec![format!("column_{}", n % 5)],
                include: vec![],
                unique: n % 5 == 0,
                primary: n % 5 == 0,
                predicate: None,
                method: "btree".into(),
                valid: true,
                ready: true,
                size_bytes: Some(8192 * ((n * 7919) % 1000) as i64),
                usage: Some(IndexUsage {
                    idx_scan: ((n * 104_729) % 100_000) as i64,
                    idx_tup_read: n as i64,
                    idx_tup_fetch: n as i64,
                    last_idx_scan: None,
                }),
            })
            .collect(),
    }
}

/// An app that received `snapshot`, with the indexes pane focused and sorted by size.
fn loaded(snapshot: CatalogSnapshot) -> (App, Duration) {
    let mut app = App::new("postgres@db:5432/bench".into(), false);
    let Some(Effect::Refresh { seq, .. }) = app.refresh_due(Instant::now()).pop() else {
        panic!("the first refresh");
    };
    let started = Instant::now();
    app.on_db(DbEvent::Refreshed {
        seq,
        snapshot: Box::new(snapshot),
        versions: None,
        at: "12:00:00".into(),
    });
    let refresh = started.elapsed();
    for code in [KeyCode::Tab, KeyCode::Char('s'), KeyCode::Char('s')] {
        app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    (app, refresh)
}

fn main() {
    let theme = Theme::from_env();
    let mut results = Vec::new();
    for size in SIZES {
        let (app, refresh) = loaded(snapshot(size));
        assert_eq!(app.rows.len(), size, "all indexes listed");
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("a test terminal");
        let mut frames = Vec::with_capacity(FRAMES);
        for _ in 0..FRAMES {
            // A fresh buffer each time, as after a resize: every cell is drawn and compared.
            terminal.clear().expect("clear");
            let started = Instant::now();
            terminal
                .draw(|frame| render::draw(frame, &app, &theme, Instant::now()))
                .expect("draw");
            frames.push(started.elapsed());
        }
        results.push((size, median(frames), refresh));
    }
    let base = results[0].1.as_secs_f64();
    println!("render: one frame at 160x48 (TestBackend), median of {FRAMES}");
    for (size, frame, refresh) in &results {
        println!(
            "  {size:>6} indexes: frame {:>7.3} ms ({:.2}x the 100-index frame); \
             new data once per refresh {:>7.3} ms",
            frame.as_secs_f64() * 1000.0,
            frame.as_secs_f64() / base,
            refresh.as_secs_f64() * 1000.0
        );
    }
}
