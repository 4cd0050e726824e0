//! Parity with Alembic, the real peer: the same database moved by either tool reads the same to
//! the other, on PostgreSQL and on SQLite.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hotidx_on, pg_demo, pg_index_set, sqlite_demo, status_json};
use sqlx::Connection;

/// The venv `tests/alembic/setup-venv.sh` makes (`.ci/run` runs it).
fn alembic() -> Option<PathBuf> {
    let venv = std::env::var("HOTIDX_VENV").unwrap_or_else(|_| "/var/tmp/hotidx-venv".into());
    let exe = Path::new(&venv).join("bin/alembic");
    if exe.exists() {
        return Some(exe);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "Alembic is required under CI: run tests/alembic/setup-venv.sh ({} missing)",
            exe.display()
        );
    }
    eprintln!(
        "SKIPPED: no Alembic at {}; run tests/alembic/setup-venv.sh",
        exe.display()
    );
    None
}

/// A copy of the Alembic project, so its __pycache__ stays out of the repository.
fn project(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alembic/project");
    let target = dir.join("alembic");
    std::fs::create_dir_all(target.join("versions")).unwrap();
    for entry in ["alembic.ini", "env.py", "script.py.mako"] {
        std::fs::copy(source.join(entry), target.join(entry)).unwrap();
    }
    for entry in std::fs::read_dir(source.join("versions")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            target.join("versions").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    target.join("alembic.ini")
}

fn alembic_run(exe: &Path, ini: &Path, url: &str, args: &[&str]) -> common::Run {
    Command::new(exe)
        .arg("-c")
        .arg(ini)
        .args(args)
        .env("HOTIDX_ALEMBIC_URL", url)
        .output()
        .expect("alembic runs")
        .into()
}

fn yes(home: &Path, url: &str, args: &[&str]) {
    let out = hotidx_on(home, url, &[args, &["--yes"]].concat());
    assert_eq!(out.code, 0, "hotidx {args:?}: {}", out.all());
}

#[tokio::test]
async fn postgres_either_tool_reads_the_others_work() {
    let Some(exe) = alembic() else { return };
    let Some((db, home)) = pg_demo("alembic", 2000).await else {
        return;
    };
    let ini = project(home.path());
    let sa_url = db.url.replacen("postgres://", "postgresql+psycopg2://", 1);

    yes(home.path(), &db.url, &["upgrade"]);
    let current = alembic_run(&exe, &ini, &sa_url, &["current"]);
    assert_eq!(current.code, 0, "{}", current.all());
    assert!(
        current.stdout.contains("2a301fa09a8a (head)"),
        "{}",
        current.all()
    );

    let down = alembic_run(
        &exe,
        &ini,
        &sa_url,
        &["downgrade", "add_visitor_session_to_jobs"],
    );
    assert_eq!(down.code, 0, "{}", down.all());
    let after_alembic_downgrade = pg_index_set(&db).await;

    let up = alembic_run(&exe, &ini, &sa_url, &["upgrade", "head"]);
    assert_eq!(up.code, 0, "{}", up.all());
    assert_eq!(status_json(home.path(), &db.url)["overall"], "applied");

    yes(home.path(), &db.url, &["downgrade", "--like-alembic"]);
    assert_eq!(pg_index_set(&db).await, after_alembic_downgrade);
    let current = alembic_run(&exe, &ini, &sa_url, &["current"]);
    assert!(
        current.stdout.contains("add_visitor_session_to_jobs"),
        "{}",
        current.all()
    );
}

async fn sqlite_index_set(path: &Path) -> Vec<(String, String, Option<String>)> {
    let mut conn = common::sqlite_connect(&path).await;
    let set = sqlx::query_as(
        "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    set
}

#[tokio::test]
async fn sqlite_either_tool_reads_the_others_work() {
    let Some(exe) = alembic() else { return };
    let home = tempfile::tempdir().unwrap();
    let ini = project(home.path());
    let path = sqlite_demo(home.path(), &home.path().join("mdraft.db"), 1000);
    let url = path.display().to_string();
    let sa_url = format!("sqlite:///{}", path.display());

    // The published SQLite upgrade fails on a real parent, and changes nothing.
    let parent = sqlite_index_set(&path).await;
    let up = alembic_run(&exe, &ini, &sa_url, &["upgrade", "head"]);
    assert_ne!(
        up.code,
        0,
        "the published upgrade should fail here: {}",
        up.all()
    );
    assert!(
        up.all()
            .contains("index ix_conversions_sha256 already exists"),
        "{}",
        up.all()
    );
    assert_eq!(sqlite_index_set(&path).await, parent);
    assert_eq!(status_json(home.path(), &url)["overall"], "pending");

    yes(home.path(), &url, &["upgrade"]);
    let current = alembic_run(&exe, &ini, &sa_url, &["current"]);
    assert!(
        current.stdout.contains("2a301fa09a8a (head)"),
        "{}",
        current.all()
    );
    let down = alembic_run(
        &exe,
        &ini,
        &sa_url,
        &["downgrade", "add_visitor_session_to_jobs"],
    );
    assert_eq!(down.code, 0, "{}", down.all());
    let after_alembic_downgrade = sqlite_index_set(&path).await;

    let up = alembic_run(&exe, &ini, &sa_url, &["upgrade", "head"]);
    assert_eq!(up.code, 0, "{}", up.all());
    assert_eq!(status_json(home.path(), &url)["overall"], "applied");

    yes(home.path(), &url, &["downgrade", "--like-alembic"]);
    assert_eq!(sqlite_index_set(&path).await, after_alembic_downgrade);
}
