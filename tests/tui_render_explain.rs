//! The Explain view rendered into ratatui's TestBackend at 80x24 and 160x48, against reviewed
//! snapshots: a probe's plan with its verdict and reasons, a long plan scrolled, before/after.

mod common;

use common::render::{app, pg_parent, screen};
use hotidx::migration::PARENT_REVISION;
use hotidx::tui::app::{App, Focus};

fn both_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(app, 160, 48));
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
