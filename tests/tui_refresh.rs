//! The TUI's refreshes as pure state: one request at a time, the newest answer wins, an
//! unchanged answer draws nothing, and `R` asks for the definitions too.

mod common;

use std::time::{Duration, Instant};

use common::snapshots::{index, parent};
use common::tui::{loaded, press};
use hotidx::catalog::CatalogSnapshot;
use hotidx::migration::PARENT_REVISION;
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::{App, Focus};

#[test]
fn refreshes_never_stack_and_a_late_older_answer_is_dropped() {
    let mut app = App::new("t".into(), false);
    assert_eq!(app.refresh_due(Instant::now()).len(), 1);
    assert!(
        app.refresh_due(Instant::now()).is_empty(),
        "one request at a time"
    );
    app.on_db(DbEvent::RefreshFailed {
        seq: 1,
        error: "connection refused".into(),
    });
    assert_eq!(app.refresh_error.as_deref(), Some("connection refused"));
    assert_eq!(
        app.refresh_due(Instant::now()).len(),
        1,
        "retries after a failure"
    );
    // An answer to request 1 arriving after request 2 went out is not shown.
    app.on_db(DbEvent::Refreshed {
        seq: 1,
        snapshot: Box::new(parent()),
        versions: None,
        at: "12:00:00".into(),
    });
    assert!(app.data.is_none());
    app.on_db(DbEvent::Refreshed {
        seq: 2,
        snapshot: Box::new(parent()),
        versions: None,
        at: "12:00:05".into(),
    });
    assert!(
        app.data.is_some() && app.refresh_error.is_none(),
        "a server that comes back is picked up"
    );
}

#[test]
fn an_unchanged_refresh_keeps_rows_and_selection() {
    let mut snapshot = parent();
    snapshot
        .indexes
        .push(index("ix_extra", "jobs", &["filename"]));
    let mut app = loaded(snapshot.clone());
    app.focus = Focus::Indexes;
    press(&mut app, "jj");
    let (rows, selected) = (app.rows.clone(), app.index_selected);
    refresh_with(&mut app, snapshot, "12:00:05");
    assert_eq!((app.rows.clone(), app.index_selected), (rows, selected));
    // Nothing new: the header keeps the time of the last change and nothing is redrawn.
    assert_eq!(app.changed_at.as_deref(), Some("12:00:00"));
    assert!(!app.dirty, "an unchanged refresh draws nothing");
}

/// Answers the refresh the timer asks for with `snapshot`.
fn refresh_with(app: &mut App, snapshot: CatalogSnapshot, at: &str) {
    let seq = match app.refresh_due(Instant::now()).as_slice() {
        [Effect::Refresh { seq, full: false }] => *seq,
        other => panic!("the timer asks for counters only: {other:?}"),
    };
    app.dirty = false;
    app.on_db(DbEvent::Refreshed {
        seq,
        snapshot: Box::new(snapshot),
        versions: Some(vec![PARENT_REVISION.into()]),
        at: at.into(),
    });
}

#[test]
fn new_counters_redraw_and_scan_rates_fall_back_to_zero_when_scans_stop() {
    let mut snapshot = parent();
    for i in &mut snapshot.indexes {
        i.usage = Some(Default::default());
    }
    let mut app = loaded(snapshot.clone());
    snapshot.indexes[0].usage.as_mut().unwrap().idx_scan = 50;
    std::thread::sleep(Duration::from_millis(20));
    refresh_with(&mut app, snapshot.clone(), "12:00:05");
    assert!(app.dirty);
    assert_eq!(app.changed_at.as_deref(), Some("12:00:05"));
    let rate = app.data.as_ref().unwrap().scan_rates[0].unwrap();
    assert!(rate > 0.0, "{rate}");
    // Same counters again: the rate on screen must not stay at the old figure.
    refresh_with(&mut app, snapshot.clone(), "12:00:10");
    assert!(app.dirty);
    assert_eq!(app.data.as_ref().unwrap().scan_rates[0], Some(0.0));
    assert_eq!(app.changed_at.as_deref(), Some("12:00:10"));
    // And once more: now truly nothing moved.
    refresh_with(&mut app, snapshot, "12:00:15");
    assert!(!app.dirty);
    assert_eq!(app.changed_at.as_deref(), Some("12:00:10"));
}

#[test]
fn capital_r_reads_the_definitions_again_even_while_a_refresh_is_out() {
    let mut app = loaded(parent());
    assert!(matches!(
        press(&mut app, "R").as_slice(),
        [Effect::Refresh { full: true, .. }]
    ));

    let mut app = loaded(parent());
    let seq = match app.refresh_due(Instant::now()).as_slice() {
        [Effect::Refresh { seq, full: false }] => *seq,
        other => panic!("{other:?}"),
    };
    assert!(press(&mut app, "R").is_empty(), "one request at a time");
    let next = app.on_db(DbEvent::Refreshed {
        seq,
        snapshot: Box::new(parent()),
        versions: Some(vec![PARENT_REVISION.into()]),
        at: "12:00:05".into(),
    });
    assert!(
        matches!(next.as_slice(), [Effect::Refresh { full: true, .. }]),
        "the full read follows: {next:?}"
    );
    // And only once.
    let seq = app.refresh_in_flight.unwrap().0;
    let after = app.on_db(DbEvent::Refreshed {
        seq,
        snapshot: Box::new(parent()),
        versions: Some(vec![PARENT_REVISION.into()]),
        at: "12:00:06".into(),
    });
    assert!(after.is_empty(), "{after:?}");
}
