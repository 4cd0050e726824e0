//! What the TUI draws, at 80x24 and 160x48, compared with reviewed snapshots (tests/snapshots).

mod common;

use std::time::{Duration, Instant};

use common::snapshots::{index, parent, upgrade_plan, with_all_nine};
use hotidx::catalog::{CatalogSnapshot, IndexUsage};
use hotidx::migration::plan::Direction;
use hotidx::migration::progress::{BuildProgress, RunEvent, Session};
use hotidx::migration::{PARENT_REVISION, REVISION};
use hotidx::tui::action::{DbEvent, Effect};
use hotidx::tui::app::{App, Focus, Popup};
use hotidx::tui::panes::migration::BuildView;
use hotidx::tui::render;
use hotidx::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

const COLOR: Theme = Theme { color: true };

/// A PostgreSQL-like parent with usage counters, as a DBA would see it.
fn pg_parent() -> CatalogSnapshot {
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

fn app(snapshot: CatalogSnapshot, version: Option<&str>) -> App {
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

fn draw(app: &App, width: u16, height: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| render::draw(frame, app, &theme, Instant::now()))
        .expect("draw");
    terminal
}

fn screen(app: &App, width: u16, height: u16) -> String {
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
fn the_explain_view_shows_the_plan_verdict_and_reasons() {
    use hotidx::explain::PlanNode;
    use hotidx::explain::report::ProbeReport;
    use hotidx::explain::run::Explained;
    use hotidx::explain::why::Reason;
    use hotidx::probes::Verdict;
    let mut app = app(pg_parent(), Some(PARENT_REVISION));
    app.focus = Focus::Explain;
    app.explain.selected = 6; // status-jobs
    let scan = PlanNode {
        node_type: "Seq Scan".into(),
        relation: Some("jobs".into()),
        filter: Some("((status)::text = 'pending'::text)".into()),
        estimated_rows: Some(12.0),
        estimated_cost: Some(14499.8),
        ..Default::default()
    };
    let gather = PlanNode {
        node_type: "Gather".into(),
        estimated_rows: Some(12.0),
        estimated_cost: Some(15749.8),
        children: vec![scan],
        ..Default::default()
    };
    app.explain.report = Some(ProbeReport {
        probe: "status-jobs",
        expected_index: "ix_jobs_status",
        skipped: None,
        parameter: Some("pending".into()),
        explained: Some(Explained {
            sql: "SELECT * FROM jobs WHERE status = $1::character varying".into(),
            parameters: vec!["pending".into()],
            analyzed: false,
            generic_plan: false,
            planned_as: None,
            plan: gather,
            execution_ms: None,
            postgres_plan: None,
        }),
        verdict: Some(Verdict {
            indexes_used: vec![],
            through_expected: false,
            covering_index: None,
            full_scan_of: Some("jobs".into()),
        }),
        reasons: vec![Reason {
            kind: "missing",
            text: "ix_jobs_status does not exist".into(),
        }],
        comparison: None,
    });
    both_sizes("explain", &app);
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

/// A real EXPLAIN ANALYZE of TPC-H Q21 (tests/fixtures/plans), as the server gave it.
fn tpch_q21() -> hotidx::explain::run::Explained {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/plans/tpch_q21_analyze.json"
    );
    let document = std::fs::read_to_string(path).expect("the fixture");
    let (plan, execution_ms) = hotidx::explain::postgres::parse_text(&document).expect("a plan");
    let sql = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tpch/queries/q21.sql"
    ))
    .expect("the query");
    hotidx::explain::run::Explained {
        sql: sql
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n"),
        parameters: Vec::new(),
        analyzed: true,
        generic_plan: false,
        planned_as: None,
        plan,
        execution_ms,
        postgres_plan: None,
    }
}

#[test]
fn a_long_plan_scrolls_in_its_pane_with_its_position_in_the_title() {
    let mut app = app(pg_parent(), Some(PARENT_REVISION));
    app.focus = Focus::Plan;
    app.explain.selected = hotidx::probes::PROBES.len(); // the SQL editor
    let explained = tpch_q21();
    app.explain.editor =
        ratatui_textarea::TextArea::new(explained.sql.lines().map(String::from).collect());
    app.explain.sql_result = Some(explained);
    app.explain.plan_scroll = 14;
    both_sizes("plan_scrolled", &app);
    for (width, height) in [(80, 24), (160, 48)] {
        // G goes to the end the last draw measured: the plan's last line is on screen.
        screen(&app, width, height);
        app.update(hotidx::tui::action::Action::Bottom);
        assert!(app.explain.plan_scroll > 14);
        let shown = screen(&app, width, height);
        assert!(shown.contains("Execution Time"), "{shown}");
        assert!(
            !shown.contains("Limit  cost"),
            "scrolled past the top: {shown}"
        );
        app.update(hotidx::tui::action::Action::Top);
        assert!(screen(&app, width, height).contains("Limit  cost"));
    }
}

#[test]
fn before_and_after_stay_readable_side_by_side() {
    use hotidx::explain::compare::Comparison;
    use hotidx::explain::report::ProbeReport;
    use hotidx::explain::run::Explained;
    let plan = |json: &str| Explained {
        sql: "SELECT * FROM jobs WHERE status = 'pending' ORDER BY created_at LIMIT 50".into(),
        parameters: Vec::new(),
        analyzed: false,
        generic_plan: false,
        planned_as: None,
        plan: hotidx::explain::postgres::parse_text(json)
            .expect("a plan")
            .0,
        execution_ms: None,
        postgres_plan: None,
    };
    let before = plan(
        r#"[{"Plan": {"Node Type": "Limit", "Startup Cost": 16250.2, "Total Cost": 16256.03,
            "Plan Rows": 50, "Plans": [{"Node Type": "Gather Merge", "Parent Relationship": "Outer",
            "Startup Cost": 16250.2, "Total Cost": 16262.4, "Plan Rows": 104, "Workers Planned": 2,
            "Plans": [{"Node Type": "Sort", "Parent Relationship": "Outer", "Startup Cost": 15250.17,
            "Total Cost": 15250.3, "Plan Rows": 52, "Sort Key": ["created_at"],
            "Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer",
            "Parallel Aware": true, "Relation Name": "jobs", "Alias": "jobs",
            "Startup Cost": 0.0, "Total Cost": 14499.8, "Plan Rows": 52,
            "Filter": "((status)::text = 'pending'::text)"}]}]}]}}]"#,
    );
    let after = plan(
        r#"[{"Plan": {"Node Type": "Limit", "Startup Cost": 0.42, "Total Cost": 190.1,
            "Plan Rows": 50, "Plans": [{"Node Type": "Index Scan", "Parent Relationship": "Outer",
            "Scan Direction": "Forward", "Index Name": "ix_jobs_status", "Relation Name": "jobs",
            "Alias": "jobs", "Startup Cost": 0.42, "Total Cost": 474.3, "Plan Rows": 125,
            "Index Cond": "((status)::text = 'pending'::text)"}]}}]"#,
    );
    let mut app = app(pg_parent(), Some(PARENT_REVISION));
    app.focus = Focus::Explain;
    app.explain.selected = 6; // status-jobs
    app.explain.report = Some(ProbeReport {
        probe: "status-jobs",
        expected_index: "ix_jobs_status",
        skipped: None,
        parameter: Some("pending".into()),
        explained: Some(before.clone()),
        verdict: None,
        reasons: vec![],
        comparison: Some(Comparison {
            before: Some(before),
            after: Some(after),
            method: "after: hypothetical (ix_jobs_status, HypoPG; nothing built)".into(),
            note: None,
        }),
    });
    both_sizes("compare", &app);
    let shown = screen(&app, 80, 24);
    assert!(
        shown.contains("ix_jobs_status"),
        "the after side names its index: {shown}"
    );
    assert!(
        shown.contains("Parallel Seq Scan"),
        "the before side its scan: {shown}"
    );
}
