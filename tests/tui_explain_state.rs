//! The TUI's Explain view as pure state: probes asked for, answers shown, the SQL editor.

mod common;

use common::snapshots::parent;
use common::tui::{key, loaded, press};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::Focus;

#[test]
fn the_explain_view_asks_for_the_selected_probe_and_shows_the_answer() {
    let mut app = loaded(parent());
    app.focus = Focus::Indexes;
    press(&mut app, "e");
    assert_eq!(app.focus, Focus::Explain);
    press(&mut app, "jj");
    assert_eq!(app.explain.selected, 2);
    let effects = app.handle_key(key(KeyCode::Enter));
    match effects.as_slice() {
        [Effect::Explain { probe, options, .. }] => {
            assert_eq!(probe.id, "user-jobs");
            assert!(!options.analyze && !options.compare);
        }
        other => panic!("{other:?}"),
    }
    assert!(app.explain.running);
    assert!(press(&mut app, "A").is_empty(), "one request at a time");
    let id = app.explain.request;
    app.on_db(DbEvent::Explained {
        id,
        answer: Box::new(Err("jobs has no rows".into())),
    });
    assert!(!app.explain.running);
    assert_eq!(app.explain.error.as_deref(), Some("jobs has no rows"));
    match press(&mut app, "A").as_slice() {
        [Effect::Explain { options, .. }] => assert!(options.analyze),
        other => panic!("{other:?}"),
    }
    app.handle_key(key(KeyCode::Esc));
    assert_eq!(app.focus, Focus::Indexes, "back where it was");
}

#[test]
fn the_sql_editor_takes_keys_plans_on_f5_and_keeps_a_history() {
    let mut app = loaded(parent());
    press(&mut app, "e");
    press(&mut app, "G");
    assert!(app.explain.on_editor());
    app.handle_key(key(KeyCode::Enter));
    assert!(
        app.explain.editing,
        "Enter on the editor row starts editing"
    );
    press(&mut app, "SELECT 1 q"); // q is text here, not quit
    assert!(!app.should_quit);
    assert_eq!(app.explain.editor.lines(), ["SELECT 1 q"]);
    let effects = app.handle_key(key(KeyCode::F(5)));
    match effects.as_slice() {
        [Effect::ExplainSql { sql, analyze, .. }] => {
            assert_eq!(sql, "SELECT 1 q");
            assert!(!analyze);
        }
        other => panic!("{other:?}"),
    }
    sql_answer(&mut app, "syntax error");
    app.explain.editor = ratatui_textarea::TextArea::default();
    press(&mut app, "SELECT 2");
    assert!(matches!(
        app.handle_key(key(KeyCode::F(6))).as_slice(),
        [Effect::ExplainSql { analyze: true, .. }]
    ));
    sql_answer(&mut app, "x");
    // Alt-Up walks back through what was explained.
    app.handle_key(KeyEvent::new(KeyCode::Up, KeyModifiers::ALT));
    assert_eq!(app.explain.editor.lines(), ["SELECT 2"]);
    app.handle_key(KeyEvent::new(KeyCode::Up, KeyModifiers::ALT));
    assert_eq!(app.explain.editor.lines(), ["SELECT 1 q"]);
    assert_eq!(app.explain.history, ["SELECT 1 q", "SELECT 2"]);
    // Typing after a recall continues the statement, it is not put in front of it.
    press(&mut app, " x");
    assert_eq!(app.explain.editor.lines(), ["SELECT 1 q x"]);
    app.handle_key(key(KeyCode::Esc));
    assert!(!app.explain.editing);
    assert_eq!(
        app.focus,
        Focus::Explain,
        "Esc leaves the editor first, then the view"
    );
}

fn sql_answer(app: &mut hotidx::tui::app::App, error: &str) {
    let id = app.explain.request;
    app.on_db(DbEvent::ExplainedSql {
        id,
        answer: Box::new(Err(error.into())),
    });
}

#[test]
fn only_the_newest_explain_is_answered_and_leaving_cancels_it() {
    let mut app = loaded(parent());
    press(&mut app, "e");
    let first = match app.handle_key(key(KeyCode::Enter)).as_slice() {
        [Effect::Explain { id, .. }] => *id,
        other => panic!("{other:?}"),
    };
    // `c` stops it on the server; a late answer to it is dropped, not shown.
    assert!(matches!(
        press(&mut app, "c").as_slice(),
        [Effect::CancelExplain]
    ));
    assert!(!app.explain.running);
    assert!(
        app.explain
            .error
            .as_deref()
            .unwrap()
            .starts_with("cancelled")
    );
    app.on_db(DbEvent::Explained {
        id: first,
        answer: Box::new(Err("late".into())),
    });
    assert!(
        app.explain
            .error
            .as_deref()
            .unwrap()
            .starts_with("cancelled")
    );
    // The next request has a new id, and leaving the view while it runs cancels it too.
    let second = match app.handle_key(key(KeyCode::Enter)).as_slice() {
        [Effect::Explain { id, .. }] => *id,
        other => panic!("{other:?}"),
    };
    assert_ne!(first, second);
    assert!(matches!(
        app.handle_key(key(KeyCode::Esc)).as_slice(),
        [Effect::CancelExplain]
    ));
    assert_ne!(app.focus, Focus::Explain);
}

#[test]
fn tab_gives_the_plan_the_keys_and_they_scroll_it_within_what_was_drawn() {
    let mut app = loaded(parent());
    press(&mut app, "e");
    press(&mut app, "jj");
    app.handle_key(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Plan);
    // The last draw measured 30 lines more than the pane shows.
    app.explain.plan_scroll_max.set(30);
    press(&mut app, "jjj");
    assert_eq!(app.explain.plan_scroll, 3);
    assert_eq!(
        app.explain.selected, 2,
        "j scrolls the plan, not the probes"
    );
    press(&mut app, "k");
    assert_eq!(app.explain.plan_scroll, 2);
    app.handle_key(key(KeyCode::PageDown));
    assert_eq!(app.explain.plan_scroll, 12);
    app.handle_key(key(KeyCode::PageDown));
    app.handle_key(key(KeyCode::PageDown));
    assert_eq!(app.explain.plan_scroll, 30, "never past the end");
    app.handle_key(key(KeyCode::PageUp));
    assert_eq!(app.explain.plan_scroll, 20);
    press(&mut app, "g");
    assert_eq!(app.explain.plan_scroll, 0);
    press(&mut app, "k");
    assert_eq!(app.explain.plan_scroll, 0, "never before the top");
    press(&mut app, "G");
    assert_eq!(app.explain.plan_scroll, 30);
    app.handle_key(key(KeyCode::Home));
    assert_eq!(app.explain.plan_scroll, 0);
    app.handle_key(key(KeyCode::End));
    assert_eq!(app.explain.plan_scroll, 30);
    // The footer says what j does here; Enter still asks for the plan.
    let hints = hotidx::tui::keymap::footer_hints(app.focus);
    assert!(hints.contains(&("↓/j", "scroll")), "{hints:?}");
    assert!(!hints.contains(&("↓/j", "move")), "{hints:?}");
    assert!(matches!(
        app.handle_key(key(KeyCode::Enter)).as_slice(),
        [Effect::Explain { .. }]
    ));
    // A new answer starts at the top; Tab gives the keys back to the probes.
    let id = app.explain.request;
    app.on_db(DbEvent::Explained {
        id,
        answer: Box::new(Err("gone".into())),
    });
    app.explain.plan_scroll = 5;
    app.handle_key(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Explain);
    press(&mut app, "j");
    assert_eq!(app.explain.selected, 3);
    assert_eq!(
        app.explain.plan_scroll, 0,
        "another probe's plan starts at its top"
    );
    app.handle_key(key(KeyCode::Esc));
    assert_ne!(
        app.focus,
        Focus::Plan,
        "Esc leaves the view from the plan too"
    );
}
