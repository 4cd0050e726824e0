//! The TUI's pure state update: keys and database events in, state and effects out.

mod common;

use std::time::Duration;

use common::snapshots::{index, parent, upgrade_plan};
use common::tui::{key, loaded, press};
use crossterm::event::KeyCode;
use hotidx::catalog::CatalogSnapshot;
use hotidx::migration::plan::Direction;
use hotidx::migration::progress::{BuildProgress, RunEvent, RunFailure, RunOutcome};
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::{App, Focus, Popup};
use hotidx::tui::panes::migration::StepState;

#[test]
fn navigation_moves_between_panes_and_rows_and_a_table_narrows_the_indexes() {
    let mut app = loaded(parent());
    assert_eq!(app.focus, Focus::Tables);
    assert_eq!(app.rows.len(), 4, "all tables: the parent's four indexes");
    press(&mut app, "jj"); // (all) → conversions → jobs
    assert_eq!(app.selected_table(), Some(("public", "jobs")));
    assert_eq!(app.rows.len(), 0);
    press(&mut app, "k");
    assert_eq!(app.rows.len(), 3, "conversions has three");
    press(&mut app, "G");
    assert_eq!(app.selected_table(), Some(("public", "users")));
    app.handle_key(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Indexes);
    app.handle_key(key(KeyCode::BackTab));
    assert_eq!(app.focus, Focus::Tables);
    press(&mut app, "g");
    assert_eq!(app.selected_table(), None);
}

#[test]
fn sort_cycles_reverses_and_filter_narrows_until_esc() {
    let mut app = loaded(parent());
    app.handle_key(key(KeyCode::Tab));
    let names = |app: &App| -> Vec<String> {
        let data = app.data.as_ref().unwrap();
        app.rows
            .iter()
            .map(|&n| data.snapshot.indexes[n].name.clone())
            .collect()
    };
    press(&mut app, "s");
    assert_eq!(app.sort.label(), "name");
    assert_eq!(names(&app)[0], "ix_conversions_sha256");
    press(&mut app, "S");
    assert_eq!(names(&app)[0], "ix_users_email");
    press(&mut app, "/user");
    assert!(app.editing_filter);
    app.handle_key(key(KeyCode::Enter));
    assert!(!app.editing_filter);
    assert_eq!(names(&app), ["ix_users_email", "ix_conversions_user_id"]);
    app.handle_key(key(KeyCode::Esc));
    assert!(app.filter.is_empty());
    assert_eq!(app.rows.len(), 4);
    // `/` again starts a new filter rather than appending to the last one.
    press(&mut app, "/sha");
    app.handle_key(key(KeyCode::Enter));
    press(&mut app, "/email");
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(app.filter, "email");
    assert_eq!(names(&app), ["ix_users_email"]);
}

#[test]
fn apply_works_from_any_pane() {
    let mut app = loaded(parent());
    assert_eq!(app.focus, Focus::Tables);
    let effects = press(&mut app, "a");
    assert!(matches!(
        effects.as_slice(),
        [Effect::Plan {
            direction: Direction::Upgrade
        }]
    ));
}

#[test]
fn apply_asks_shows_the_plan_and_only_y_runs_it() {
    let snapshot = parent();
    let mut app = loaded(snapshot.clone());
    app.focus = Focus::Migration;
    let effects = press(&mut app, "a");
    assert!(matches!(
        effects.as_slice(),
        [Effect::Plan {
            direction: Direction::Upgrade
        }]
    ));
    assert!(matches!(
        app.popup,
        Some(Popup::Planning(Direction::Upgrade))
    ));
    let plan = upgrade_plan(&snapshot);
    app.on_db(DbEvent::Planned {
        direction: Direction::Upgrade,
        result: Ok(Box::new(plan)),
        sessions: vec![],
        sql: "-- sql".into(),
    });
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    assert!(
        press(&mut app, "x").is_empty(),
        "any other key does nothing"
    );
    assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
    app.handle_key(key(KeyCode::Esc));
    assert!(app.popup.is_none(), "Esc cancels");

    upgrade_planned(&mut app, &snapshot);
    let effects = press(&mut app, "y");
    assert!(matches!(effects.as_slice(), [Effect::Run(_)]));
    assert!(app.build_running());
}

/// `a`, and the upgrade's plan for `snapshot` arrives: the confirmation dialog is open.
fn upgrade_planned(app: &mut App, snapshot: &CatalogSnapshot) {
    press(app, "a");
    app.on_db(DbEvent::Planned {
        direction: Direction::Upgrade,
        result: Ok(Box::new(upgrade_plan(snapshot))),
        sessions: vec![],
        sql: String::new(),
    });
}

#[test]
fn progress_events_feed_the_gauges_and_c_cancels() {
    let snapshot = parent();
    let mut app = loaded(snapshot.clone());
    app.focus = Focus::Migration;
    upgrade_planned(&mut app, &snapshot);
    press(&mut app, "y");
    app.on_db(DbEvent::Run(RunEvent::StepStarted {
        index: "ix_conversions_status".into(),
        statement: "CREATE …".into(),
        position: 1,
        total: 5,
    }));
    let progress = BuildProgress {
        index: "ix_conversions_status".into(),
        phase: "building index: scanning table".into(),
        blocks_done: 50,
        blocks_total: 100,
        tuples_done: 0,
        tuples_total: 0,
        elapsed: Duration::from_millis(1500),
    };
    app.on_db(DbEvent::Run(RunEvent::Progress(progress.clone())));
    let build = app.build.as_ref().unwrap();
    assert_eq!(
        build.steps[0],
        (
            "ix_conversions_status".into(),
            StepState::Running(Some(progress))
        )
    );
    assert_eq!(build.steps[1].1, StepState::Waiting);

    // q during a build asks first; c cancels.
    press(&mut app, "q");
    assert!(matches!(app.popup, Some(Popup::QuitWhileBuilding)));
    app.handle_key(key(KeyCode::Esc));
    let effects = press(&mut app, "c");
    assert!(matches!(effects.as_slice(), [Effect::CancelRun]));
    let failure = RunFailure {
        message: "cancelled while building ix_conversions_status".into(),
        cancelled: true,
        outcome: RunOutcome::default(),
    };
    let effects = app.on_db(DbEvent::RunFinished(Err(failure)));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh { .. }]),
        "refresh to show the truth"
    );
    let build = app.build.as_ref().unwrap();
    assert_eq!(build.steps[0].1, StepState::NotDone);
    assert!(!app.build_running());
    // The whole reason in a dialog, which scrolls and closes on Esc.
    match &app.popup {
        Some(Popup::Message { title, text }) => {
            assert_eq!(title, "stopped");
            assert_eq!(text, "cancelled while building ix_conversions_status");
        }
        other => panic!("{other:?}"),
    }
    press(&mut app, "jj");
    assert_eq!(app.popup_scroll, 2);
    app.handle_key(key(KeyCode::Esc));
    assert!(app.popup.is_none());
    assert!(matches!(press(&mut app, "q").as_slice(), [Effect::Quit]));
}

#[test]
fn read_only_disables_the_actions_and_says_why() {
    let mut app = App::new("t".into(), true);
    app.focus = Focus::Migration;
    assert!(press(&mut app, "a").is_empty());
    match &app.popup {
        Some(Popup::Message { title, text }) => {
            assert_eq!(title, "read-only");
            assert!(text.contains("session itself refuses writes"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn findings_mark_prefixes_duplicates_invalid_and_unused_indexes() {
    let mut snapshot = parent();
    snapshot.indexes.push(index(
        "ix_conversions_sha256_status",
        "conversions",
        &["sha256", "status"],
    ));
    snapshot
        .indexes
        .push(index("ix_user_again", "conversions", &["user_id"]));
    snapshot.indexes.push(hotidx::catalog::IndexInfo {
        valid: false,
        ..index("ix_jobs_status", "jobs", &["status"])
    });
    for i in &mut snapshot.indexes {
        i.usage = Some(hotidx::catalog::IndexUsage {
            idx_scan: 5,
            ..Default::default()
        });
    }
    snapshot.indexes[1].usage = Some(Default::default()); // ix_conversions_user_id: never scanned
    let app = loaded(snapshot);
    let data = app.data.as_ref().unwrap();
    let of = |name: &str| {
        let at = data
            .snapshot
            .indexes
            .iter()
            .position(|i| i.name == name)
            .unwrap();
        data.findings[at].clone()
    };
    assert_eq!(
        of("ix_conversions_sha256"),
        [
            "prefix of ix_conversions_sha256_status (the migration expects it: dropping it reads as drift)"
        ]
    );
    // Of two identical indexes only the one that is not the migration's is called redundant.
    assert_eq!(of("ix_conversions_user_id"), ["unused since stats reset"]);
    assert_eq!(of("ix_user_again"), ["duplicate of ix_conversions_user_id"]);
    assert_eq!(of("ix_jobs_status"), ["INVALID"]);
    assert!(
        of("ix_users_email").is_empty(),
        "a unique index is no prefix finding"
    );
    assert!(
        data.flagged_tables
            .contains(&("public".to_string(), "jobs".to_string()))
    );
}

#[test]
fn the_help_lists_the_scope_of_every_binding() {
    use hotidx::tui::keymap::{KEYMAP, Scope};
    for binding in KEYMAP {
        assert!(
            Scope::ALL.contains(&binding.scope),
            "{} ({:?}) would be missing from the help",
            binding.label,
            binding.scope
        );
    }
}
