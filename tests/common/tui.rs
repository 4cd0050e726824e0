//! Driving the TUI's pure state in tests: keys as the terminal would send them, and an app
//! that has received one refresh.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hotidx::catalog::CatalogSnapshot;
use hotidx::migration::PARENT_REVISION;
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::App;

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| app.handle_key(key(KeyCode::Char(c))))
        .collect()
}

/// An app that has asked for and received one refresh of `snapshot`.
pub fn loaded(snapshot: CatalogSnapshot) -> App {
    let mut app = App::new("postgres@db:5432/mdraft".into(), false);
    let seq = match app.refresh_due(Instant::now()).as_slice() {
        [Effect::Refresh { seq, .. }] => *seq,
        other => panic!("{other:?}"),
    };
    app.on_db(DbEvent::Refreshed {
        seq,
        snapshot: Box::new(snapshot),
        versions: Some(vec![PARENT_REVISION.into()]),
        at: "12:00:00".into(),
    });
    app
}
