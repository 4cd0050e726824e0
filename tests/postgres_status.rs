//! Migration status on a real PostgreSQL, each state built for real.

mod common;

use common::{PgTestDb, hotidx, index_detail, index_state, pg_demo, run, status_json};
use hotidx::catalog::BackendKind;
use hotidx::migration::{self, Script};

const PARENT_FOUR: [&str; 4] = [
    "ix_conversions_sha256",
    "ix_conversions_user_id",
    "ix_conversions_visitor_session_id",
    "ix_users_email",
];
const ADDED_FIVE: [&str; 5] = [
    "ix_conversions_status",
    "ix_conversions_sha256_status",
    "ix_jobs_user_id",
    "ix_jobs_status",
    "ix_jobs_created_at",
];

/// The migration's own upgrade SQL, statement by statement, then the version row.
async fn apply(db: &PgTestDb) {
    for statement in migration::statements(BackendKind::Postgres, Script::Upgrade) {
        db.exec(statement).await;
    }
    db.exec("UPDATE alembic_version SET version_num = '2a301fa09a8a'")
        .await;
}

#[tokio::test]
async fn fresh_parent_is_pending_with_the_parents_four_indexes() {
    let Some((db, home)) = pg_demo("pending", 2000).await else {
        return;
    };
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "pending");
    assert_eq!(
        status["versions"],
        serde_json::json!(["add_visitor_session_to_jobs"])
    );
    assert_eq!(
        status["target"],
        format!("postgres@127.0.0.1:5432/{}", db.name)
    );
    for name in &PARENT_FOUR[..3] {
        assert_eq!(index_state(&status, name), "present", "{name}");
    }
    // The parent's unique email index gives the same access path as the non-unique one named.
    assert_eq!(index_state(&status, "ix_users_email"), "covered");
    for name in ADDED_FIVE {
        assert_eq!(index_state(&status, name), "missing", "{name}");
    }
    assert_eq!(status["missing_tables"], serde_json::json!([]));
}

#[tokio::test]
async fn applied_then_each_kind_of_drift() {
    let Some((db, home)) = pg_demo("drift", 2000).await else {
        return;
    };
    apply(&db).await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "applied", "{status}");
    for name in ADDED_FIVE {
        assert_eq!(index_state(&status, name), "present", "{name}");
    }

    // An index the migration made is gone.
    db.exec("DROP INDEX ix_jobs_created_at").await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "drift");
    assert_eq!(index_state(&status, "ix_jobs_created_at"), "missing");
    assert!(
        status["summary"]
            .as_str()
            .unwrap()
            .contains("ix_jobs_created_at missing")
    );

    // Same name, another column: the status says what differs.
    db.exec("CREATE INDEX ix_jobs_created_at ON jobs (updated_at)")
        .await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "drift");
    assert_eq!(
        index_state(&status, "ix_jobs_created_at"),
        "different_definition"
    );
    assert_eq!(
        index_detail(&status, "ix_jobs_created_at"),
        "columns (updated_at) instead of (created_at)"
    );

    // A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index behind.
    db.exec("DROP INDEX ix_jobs_status").await;
    let mut conn = db.connect().await;
    let failed = sqlx::query("CREATE UNIQUE INDEX CONCURRENTLY ix_jobs_status ON jobs (status)")
        .execute(&mut conn)
        .await;
    assert!(
        failed.is_err(),
        "statuses repeat, so a unique build must fail"
    );
    let status = status_json(home.path(), &db.url);
    assert_eq!(index_state(&status, "ix_jobs_status"), "invalid");
    assert!(index_detail(&status, "ix_jobs_status").contains("INVALID"));
    let out =
        run(hotidx(home.path()).args(["indexes", "--table", "jobs", "--database-url", &db.url]));
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("ix_jobs_status") && l.contains("INVALID")),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn an_index_of_another_name_covers_a_missing_one() {
    let Some((db, home)) = pg_demo("covered", 2000).await else {
        return;
    };
    apply(&db).await;
    db.exec("DROP INDEX ix_conversions_sha256").await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(index_state(&status, "ix_conversions_sha256"), "covered");
    assert!(
        index_detail(&status, "ix_conversions_sha256").contains("ix_conversions_sha256_status")
    );
    assert_eq!(status["overall"], "applied");
}

#[tokio::test]
async fn a_non_unique_email_index_is_present_but_flagged() {
    let Some((db, home)) = pg_demo("email", 2000).await else {
        return;
    };
    db.exec("DROP INDEX ix_users_email").await;
    db.exec("CREATE INDEX ix_users_email ON users (email)")
        .await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(index_state(&status, "ix_users_email"), "present");
    assert!(index_detail(&status, "ix_users_email").contains("not unique"));
    assert_eq!(status["overall"], "pending");
}

#[tokio::test]
async fn interrupted_upgrade_reads_as_partial() {
    let Some((db, home)) = pg_demo("partial", 2000).await else {
        return;
    };
    db.exec("CREATE INDEX CONCURRENTLY ix_conversions_status ON conversions (status)")
        .await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "partial");
    assert!(
        status["summary"]
            .as_str()
            .unwrap()
            .contains("ix_conversions_status")
    );
}

#[tokio::test]
async fn unknown_revision_and_unversioned() {
    let Some((db, home)) = pg_demo("versions", 2000).await else {
        return;
    };
    db.exec("UPDATE alembic_version SET version_num = 'eea987b32a73'")
        .await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "unknown_revision");
    assert!(status["summary"].as_str().unwrap().contains("eea987b32a73"));
    let out = run(hotidx(home.path()).args(["status", "--database-url", &db.url]));
    assert!(
        out.stdout.contains("status     unknown revision"),
        "{}",
        out.stdout
    );

    db.exec("DELETE FROM alembic_version").await;
    assert_eq!(status_json(home.path(), &db.url)["overall"], "unversioned");
    db.exec("DROP TABLE alembic_version").await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(status["overall"], "unversioned");
    assert_eq!(status["versions"], serde_json::Value::Null);
}

#[tokio::test]
async fn text_output_fits_80_columns() {
    let Some((db, home)) = pg_demo("text", 2000).await else {
        return;
    };
    db.exec("CREATE SCHEMA reporting").await;
    db.exec("CREATE TABLE reporting.a_rather_long_table_name_for_reports (id int, payload_column_with_long_name text)").await;
    db.exec("CREATE INDEX an_index_whose_name_goes_on_and_on_and_on ON reporting.a_rather_long_table_name_for_reports (payload_column_with_long_name, id)").await;
    let [_, out] = ["status", "indexes"].map(|command| {
        let out = run(hotidx(home.path()).args([command, "--database-url", &db.url]));
        assert_eq!(out.code, 0, "{}", out.all());
        for line in out.stdout.lines() {
            assert!(
                line.chars().count() <= 80,
                "{command}: {line:?} is {} wide",
                line.chars().count()
            );
        }
        out
    });
    assert!(
        out.stdout
            .contains("reporting.a_rather_long_table_name_for_reports"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn another_collation_or_operator_class_is_a_different_definition() {
    let Some((db, home)) = pg_demo("collation", 2000).await else {
        return;
    };
    db.exec("CREATE INDEX ix_jobs_status ON jobs (status COLLATE \"C\")")
        .await;
    db.exec("CREATE INDEX ix_jobs_user_id ON jobs (user_id DESC)")
        .await;
    db.exec("CREATE INDEX ix_conversions_status ON conversions (status varchar_pattern_ops)")
        .await;
    let status = status_json(home.path(), &db.url);
    assert_eq!(
        index_state(&status, "ix_jobs_status"),
        "different_definition"
    );
    assert_eq!(
        index_detail(&status, "ix_jobs_status"),
        "columns (status COLLATE \"C\") instead of (status)"
    );
    assert_eq!(
        index_state(&status, "ix_jobs_user_id"),
        "different_definition"
    );
    assert!(index_detail(&status, "ix_conversions_status").contains("status varchar_pattern_ops"));
}

#[tokio::test]
async fn indexes_lists_findings_with_what_each_costs() {
    let Some((db, home)) = pg_demo("findings", 2000).await else {
        return;
    };
    let up = run(hotidx(home.path()).args(["upgrade", "--yes", "--database-url", &db.url]));
    assert_eq!(up.code, 0, "{}", up.all());
    let mut conn = db.connect().await;
    let failed = sqlx::query("CREATE UNIQUE INDEX CONCURRENTLY ix_broken ON jobs (status)")
        .execute(&mut conn)
        .await;
    assert!(failed.is_err());
    let out =
        run(hotidx(home.path()).args(["indexes", "--format", "json", "--database-url", &db.url]));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let of = |index: &str, kind: &str| {
        findings
            .iter()
            .find(|f| f["index"] == index && f["kind"] == kind)
            .cloned()
    };
    let prefix = of("ix_conversions_sha256", "prefix").expect("the sha256 index is a prefix");
    assert_eq!(
        prefix["text"],
        "prefix of ix_conversions_sha256_status (the migration expects it: dropping it reads as drift)"
    );
    assert!(prefix["size_bytes"].as_i64().unwrap() > 0);
    assert!(of("ix_broken", "invalid").is_some());
    let unused = of("ix_conversions_proposal_id", "unused").expect("never scanned");
    assert!(
        unused["text"]
            .as_str()
            .unwrap()
            .contains("replicas keep their own counts")
    );
    assert!(
        of("users_pkey", "unused").is_none(),
        "a primary key is never called unused"
    );
    let text = run(hotidx(home.path()).args(["indexes", "--database-url", &db.url]));
    assert!(
        text.stdout.contains("findings (biggest first)"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.lines().all(|l| l.chars().count() <= 80));
}
