//! The upgrade and downgrade plans as a pure function of the status: what runs, in what order.

mod common;

use common::snapshots::{index, parent, with_all_nine};
use hotidx::catalog::{BackendKind, CatalogSnapshot, IndexInfo};
use hotidx::migration::plan::{Direction, Plan, PlanOptions, Refusal, StepKind, plan};
use hotidx::migration::{PARENT_REVISION, REVISION, migration_status};

const UPGRADE: PlanOptions = PlanOptions {
    direction: Direction::Upgrade,
    concurrently: true,
    like_alembic: false,
    force: false,
};
const DOWNGRADE: PlanOptions = PlanOptions {
    direction: Direction::Downgrade,
    ..UPGRADE
};

fn make(
    snapshot: &CatalogSnapshot,
    version: Option<&str>,
    options: PlanOptions,
) -> Result<Plan, Refusal> {
    let versions = version.map(|v| vec![v.to_string()]);
    plan(
        &migration_status(snapshot, versions),
        snapshot.backend,
        options,
    )
}

fn applied() -> CatalogSnapshot {
    with_all_nine(parent())
}

fn built(plan: &Plan) -> Vec<&str> {
    plan.ddl_steps().map(|s| s.index.as_str()).collect()
}

#[test]
fn upgrade_at_the_parent_builds_the_five_concurrently_then_moves_the_version() {
    let plan = make(&parent(), Some(PARENT_REVISION), UPGRADE).unwrap();
    assert_eq!(
        built(&plan),
        [
            "ix_conversions_status",
            "ix_conversions_sha256_status",
            "ix_jobs_user_id",
            "ix_jobs_status",
            "ix_jobs_created_at"
        ]
    );
    assert_eq!(
        plan.steps[1].statements,
        [
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_conversions_status ON public.conversions (status);"
        ]
    );
    let email = plan
        .steps
        .iter()
        .find(|s| s.index == "ix_users_email")
        .unwrap();
    assert_eq!(
        (email.kind, email.reason.as_str()),
        (StepKind::Skip, "present as UNIQUE (from the parent)")
    );
    assert_eq!(
        plan.version_statements,
        [
            "UPDATE alembic_version SET version_num = '2a301fa09a8a' WHERE alembic_version.version_num = 'add_visitor_session_to_jobs';"
        ]
    );
    assert_eq!(
        plan.all_statements().last().copied(),
        plan.version_statements.last().map(String::as_str),
        "version last"
    );
}

#[test]
fn an_invalid_index_is_dropped_and_rebuilt_not_kept_by_if_not_exists() {
    let mut snapshot = parent();
    snapshot.indexes.push(IndexInfo {
        valid: false,
        ..index("ix_jobs_status", "jobs", &["status"])
    });
    let plan = make(&snapshot, Some(PARENT_REVISION), UPGRADE).unwrap();
    let step = plan
        .steps
        .iter()
        .find(|s| s.index == "ix_jobs_status")
        .unwrap();
    assert_eq!(step.kind, StepKind::Rebuild);
    assert_eq!(
        step.statements,
        [
            "DROP INDEX CONCURRENTLY IF EXISTS public.ix_jobs_status;",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_jobs_status ON public.jobs (status);"
        ]
    );
}

#[test]
fn a_different_definition_or_unknown_revision_is_refused() {
    let mut snapshot = parent();
    snapshot
        .indexes
        .push(index("ix_jobs_status", "jobs", &["status", "id"]));
    let refusal = make(&snapshot, Some(PARENT_REVISION), UPGRADE).unwrap_err();
    assert!(
        matches!(&refusal, Refusal::DifferentDefinition(m) if m.contains("ix_jobs_status (columns (status, id) instead of (status))")),
        "{refusal}"
    );

    let refusal = make(&parent(), Some("eea987b32a73"), UPGRADE).unwrap_err();
    assert!(matches!(refusal, Refusal::UnknownRevision(_)));
    let forced = make(
        &parent(),
        Some("eea987b32a73"),
        PlanOptions {
            force: true,
            ..UPGRADE
        },
    )
    .unwrap();
    assert!(
        forced.version_statements[0]
            .ends_with("WHERE alembic_version.version_num = 'eea987b32a73';")
    );
}

#[test]
fn unversioned_creates_the_table_as_alembic_does() {
    let plan = make(&parent(), None, UPGRADE).unwrap();
    assert_eq!(
        plan.version_statements,
        [
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));",
            "INSERT INTO alembic_version (version_num) VALUES ('2a301fa09a8a');"
        ]
    );
}

#[test]
fn downgrade_drops_only_the_five_in_reverse_and_like_alembic_drops_the_published_seven() {
    let plan = make(&applied(), Some(REVISION), DOWNGRADE).unwrap();
    assert_eq!(
        built(&plan),
        [
            "ix_jobs_created_at",
            "ix_jobs_status",
            "ix_jobs_user_id",
            "ix_conversions_sha256_status",
            "ix_conversions_status"
        ]
    );
    assert!(plan.steps.iter().all(|s| {
        s.statements
            .iter()
            .all(|q| q.starts_with("DROP INDEX CONCURRENTLY IF EXISTS public."))
    }));
    assert!(
        plan.differs_from_published[0]
            .contains("ix_conversions_user_id, ix_conversions_visitor_session_id")
    );

    let like = make(
        &applied(),
        Some(REVISION),
        PlanOptions {
            like_alembic: true,
            ..DOWNGRADE
        },
    )
    .unwrap();
    assert_eq!(
        like.all_statements().len(),
        8,
        "seven drops and the version row"
    );
    assert_eq!(
        like.all_statements()[0],
        "DROP INDEX IF EXISTS ix_conversions_sha256_status;"
    );

    let mut sqlite = applied();
    sqlite.backend = BackendKind::Sqlite;
    let like = make(
        &sqlite,
        Some(REVISION),
        PlanOptions {
            like_alembic: true,
            ..DOWNGRADE
        },
    )
    .unwrap();
    assert_eq!(like.ddl_steps().count(), 9);
    assert!(
        like.all_statements()
            .contains(&"DROP INDEX ix_users_email;")
    );
}

#[test]
fn plain_builds_and_other_schemas() {
    let mut snapshot = parent();
    for t in &mut snapshot.tables {
        t.schema = "App".into();
    }
    for i in &mut snapshot.indexes {
        i.schema = "App".into();
    }
    let plan = make(
        &snapshot,
        Some(PARENT_REVISION),
        PlanOptions {
            concurrently: false,
            ..UPGRADE
        },
    )
    .unwrap();
    let all = plan.all_statements().join("\n");
    assert!(!all.contains("CONCURRENTLY"), "{all}");
    assert!(
        all.contains("CREATE INDEX IF NOT EXISTS ix_jobs_status ON \"App\".jobs (status);"),
        "{all}"
    );
}

#[test]
fn nothing_to_do_when_applied_and_a_downgrade_needs_the_migration_applied() {
    assert!(make(&applied(), Some(REVISION), UPGRADE).unwrap().is_noop());
    assert!(
        make(&parent(), Some(PARENT_REVISION), DOWNGRADE)
            .unwrap()
            .is_noop()
    );
    assert!(matches!(
        make(&parent(), None, DOWNGRADE),
        Err(Refusal::WrongRevision(_))
    ));
}
