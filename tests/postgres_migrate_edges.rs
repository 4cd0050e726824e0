//! Edge cases of upgrade, downgrade and demo a reviewer found: the published downgrade at the
//! parent, tables in another schema, missing parent indexes, objects depending on demo tables.

mod common;

use common::{hotidx, hotidx_on, pg_demo, pg_index_set, run, status_json};

#[tokio::test]
async fn the_published_downgrade_from_the_parent_does_nothing_as_alembic() {
    let Some((db, home)) = pg_demo("likeparent", 500).await else {
        return;
    };
    let before = pg_index_set(&db).await;
    let out = hotidx_on(
        home.path(),
        &db.url,
        &["downgrade", "--yes", "--like-alembic"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("nothing to do"), "{}", out.stdout);
    assert_eq!(
        pg_index_set(&db).await,
        before,
        "the parent's own indexes stay"
    );
}

#[tokio::test]
async fn tables_in_another_schema_keep_their_own_alembic_version() {
    let Some((db, home)) = pg_demo("schema", 500).await else {
        return;
    };
    let tables = hotidx::demo::TABLES
        .map(|t| format!("ALTER TABLE public.{t} SET SCHEMA app;"))
        .join("\n");
    db.exec(&format!("CREATE SCHEMA app;\n{tables}")).await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "pending", "{status}");
    assert_eq!(
        status["versions"],
        serde_json::json!(["add_visitor_session_to_jobs"])
    );
    let out = hotidx_on(home.path(), &db.url, &["upgrade", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        common::words(&out.stdout)
            .contains("UPDATE app.alembic_version SET version_num = '2a301fa09a8a'"),
        "{}",
        out.stdout
    );
    let mut conn = db.connect().await;
    let (app, public): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT version_num FROM app.alembic_version), to_regclass('public.alembic_version')::text",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(app.as_deref(), Some("2a301fa09a8a"));
    assert_eq!(public, None, "no stray alembic_version in public");
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");
}

#[tokio::test]
async fn a_missing_parent_index_is_counted_and_named() {
    let Some((db, home)) = pg_demo("parentgone", 500).await else {
        return;
    };
    db.exec("DROP INDEX ix_conversions_user_id").await;
    let status = status_json(home.path(), &db.url);
    let summary = status["summary"].as_str().unwrap();
    assert!(
        summary.contains("6 indexes to build, 3 already there from the parent"),
        "{summary}"
    );
    assert!(
        summary.contains("the parent's own ix_conversions_user_id missing"),
        "{summary}"
    );
    db.exec("INSERT INTO alembic_version VALUES ('ffff0000aaaa')")
        .await;
    let status = status_json(home.path(), &db.url);
    assert!(
        status["summary"]
            .as_str()
            .unwrap()
            .contains("alembic_version has 2 rows"),
        "{status}"
    );
}

#[tokio::test]
async fn demo_force_never_drops_what_depends_on_the_tables() {
    let Some((db, home)) = pg_demo("demoview", 300).await else {
        return;
    };
    db.exec("CREATE VIEW v_conv AS SELECT id FROM conversions")
        .await;
    let out = run(hotidx(home.path()).args([
        "demo",
        "--rows",
        "300",
        "--force",
        "--database-url",
        &db.url,
    ]));
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr
            .contains("view v_conv depends on table conversions"),
        "{}",
        out.stderr
    );
    let mut conn = db.connect().await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM v_conv")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 300);
}
