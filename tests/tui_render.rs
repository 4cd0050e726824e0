//! What the TUI draws, at 80x24 and 160x48, compared with reviewed snapshots (tests/snapshots).

mod common;

use std::time::{Duration, Instant};

use common::render::{COLOR, app, draw, pg_parent, screen};
use common::snapshots::{index, parent, upgrade_plan, with_all_nine};
use hotidx::migration::plan::Direction;
use hotidx::migration::progress::{BuildProgress, RunEvent, Session};
use hotidx::migration::{PARENT_REVISION, REVISION};
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::{App, Focus, Popup};
use hotidx::tui::panes::migration::BuildView;
use hotidx::tui::theme::Theme;
use ratatui::style::Color;

fn both_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(app, 160, 48));
}

#[test]
fn main_screen_at_the_parent() {
    both_sizes("main_pending", &app(pg_parent(), Some(PARENT_REVISION)));
}

#[test]
fn migration_pane_in_each_status() {
    both_sizes("applied", &app(with_all_nine(pg_parent()), Some(REVISION)));
    let mut drift = with_all_nine(pg_parent());
    drift.indexes.retain(|i| i.name != "ix_jobs_created_at");
    if let Some(i) = drift
        .indexes
        .iter_mut()
        .find(|i| i.name == "ix_jobs_status")
    {
        i.valid = false;
    }
    both_sizes("drift", &app(drift, Some(REVISION)));
    let mut partial = pg_parent();
    partial
        .indexes
        .push(index("ix_jobs_status", "jobs", &["status"]));
    insta::assert_snapshot!(
        "partial_80x24",
        screen(&app(partial, Some(PARENT_REVISION)), 80, 24)
    );
    insta::assert_snapshot!(
        "unknown_80x24",
        screen(&app(pg_parent(), Some("eea987b32a73")), 80, 24)
    );
    insta::assert_snapshot!("unversioned_80x24", screen(&app(pg_parent(), None), 80, 24));
}

#[test]
fn confirmation_dialog_shows_target_sql_and_waiting_sessions() {
    let snapshot = pg_parent();
    let mut app = app(snapshot.clone(), Some(PARENT_REVISION));
    app.popup = Some(Popup::Confirm {
        direction: Direction::Upgrade,
        plan: Box::new(upgrade_plan(&snapshot)),
        sessions: vec![Session {
            pid: 4242,
            user: Some("report".into()),
            state: Some("idle in transaction".into()),
            age_seconds: Some(63.0),
            query_start: Some("2026-11-26 11:59:00".into()),
            query: Some("SELECT count(*) FROM conversions".into()),
        }],
        sql: String::new(),
    });
    both_sizes("confirm", &app);
}

#[test]
fn a_build_in_progress() {
    let snapshot = pg_parent();
    let mut app = app(snapshot.clone(), Some(PARENT_REVISION));
    app.focus = Focus::Migration;
    let mut build = BuildView::new(&upgrade_plan(&snapshot));
    build.apply(RunEvent::StepStarted {
        index: "ix_conversions_status".into(),
        statement: String::new(),
        position: 1,
        total: 5,
    });
    build.apply(RunEvent::StepFinished {
        index: "ix_conversions_status".into(),
        elapsed: Duration::from_millis(850),
    });
    build.apply(RunEvent::Progress(BuildProgress {
        index: "ix_conversions_sha256_status".into(),
        phase: "building index: scanning table".into(),
        blocks_done: 21_000,
        blocks_total: 52_560,
        tuples_done: 0,
        tuples_total: 0,
        elapsed: Duration::from_millis(700),
    }));
    app.build = Some(build);
    both_sizes("building", &app);
}

#[test]
fn help_overlay_and_an_error_state() {
    let mut app = app(pg_parent(), Some(PARENT_REVISION));
    app.popup = Some(Popup::Help);
    both_sizes("help", &app);
    let mut app = self::app(pg_parent(), Some(PARENT_REVISION));
    let Some(Effect::Refresh { seq, .. }) = app.refresh_due(Instant::now()).pop() else {
        panic!()
    };
    app.on_db(DbEvent::RefreshFailed {
        seq,
        error: "cannot reach db.internal:5432: connection refused".into(),
    });
    insta::assert_snapshot!("refresh_failed_80x24", screen(&app, 80, 24));
}

#[test]
fn sqlite_says_usage_is_not_tracked() {
    let mut snapshot = parent();
    snapshot.backend = hotidx::catalog::BackendKind::Sqlite;
    snapshot.usage_tracked = false;
    snapshot.server_version = "SQLite 3.51.3".into();
    insta::assert_snapshot!(
        "sqlite_80x24",
        screen(&app(snapshot, Some(PARENT_REVISION)), 80, 24)
    );
}

#[test]
fn no_color_draws_the_same_text_without_any_colour() {
    let app = app(pg_parent(), Some(PARENT_REVISION));
    let plain = draw(&app, 80, 24, Theme { color: false });
    let colored = draw(&app, 80, 24, COLOR);
    let (plain, colored) = (plain.backend().buffer(), colored.backend().buffer());
    let mut saw_color = false;
    for y in 0..24 {
        for x in 0..80 {
            let (p, c) = (&plain[(x, y)], &colored[(x, y)]);
            assert_eq!(p.symbol(), c.symbol(), "same text at {x},{y}");
            assert_eq!(
                (p.fg, p.bg),
                (Color::Reset, Color::Reset),
                "colour at {x},{y} under NO_COLOR"
            );
            saw_color |= c.fg != Color::Reset;
        }
    }
    assert!(saw_color, "the coloured theme does colour something");
    // The status is spelled out, so it reads without colour.
    assert!(screen(&app, 80, 24).contains("PENDING"));
}

#[test]
fn ten_thousand_indexes_count_in_a_narrow_column() {
    let mut snapshot = parent();
    for t in 0..2_000 {
        let table = format!("wide_{t:04}");
        snapshot.tables.push(common::snapshots::table(&table));
        for c in ["a", "b", "c", "d", "e"] {
            let name = format!("{table}_{c}");
            snapshot.indexes.push(index(&name, &table, &[c]));
        }
    }
    let total = snapshot.indexes.len();
    let app = app(snapshot, Some(PARENT_REVISION));
    let screen = screen(&app, 80, 24);
    let all = screen.lines().find(|l| l.contains("(all)")).unwrap();
    // The tables pane's part of the line: 10,004 indexes, not cut to "100" by a narrow column.
    let tables_pane: String = all
        .chars()
        .skip(1)
        .take_while(|c| !"┃│".contains(*c))
        .collect();
    assert!(tables_pane.ends_with(" 10k"), "{all}");
    assert!(screen.contains(&format!("· {total} ·")), "{screen}");
}
