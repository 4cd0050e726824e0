//! `hotidx explain --setup-role`: the statements that create the role hotidx plans the operator's
//! SQL as, printed as a psql script, or with `--yes` run in one transaction and then checked.

use super::{emit, open_for_reading};
use crate::config::Target;
use crate::db::{Access, Database, DbError};
use crate::explain::guard::{self, HELPER_FUNCTION, HELPER_ROLE, UserSqlRole};

pub async fn run(target: &Target, yes: bool, read_only: bool) -> Result<i32, DbError> {
    if let Target::Sqlite(_) = target {
        return Err(DbError::Usage(
            "--setup-role is for PostgreSQL: on SQLite the read-only open is the guard".into(),
        ));
    }
    if yes && read_only {
        return Err(DbError::Usage(
            "refusing to set up the explain role: hotidx is read-only here (--read-only or \
             HOTIDX_READ_ONLY); without --yes it prints the statements"
                .into(),
        ));
    }
    if !yes {
        let mut db = open_for_reading(target).await?;
        let statements = guard::setup_statements(&mut db).await;
        db.close().await;
        emit(&script(target, &statements?));
        return Ok(0);
    }
    // One session: the statements for its login, run, then proven the way every explain will
    // see them, by the guard's own check.
    let mut db = Database::connect(target, Access::ReadWrite).await?;
    let done = set_up(&mut db).await;
    db.close().await;
    match done? {
        UserSqlRole::Helper { role } => {
            emit(&format!(
                "set up {HELPER_FUNCTION} on {}: hotidx now plans and runs your SQL as {role}, \
                 which cannot write, signal other sessions or reset statistics\n",
                target.display()
            ));
            Ok(0)
        }
        other => Err(DbError::Failed(format!(
            "the setup ran, but hotidx would plan as {} instead of {HELPER_ROLE}",
            other.describe()
        ))),
    }
}

async fn set_up(db: &mut Database) -> Result<UserSqlRole, DbError> {
    let statements = guard::setup_statements(db).await?;
    let Database::Postgres(conn) = db else {
        return Err(DbError::Failed(
            "a SQLite session on a PostgreSQL target".into(),
        ));
    };
    guard::run_setup(conn, &statements).await?;
    guard::user_sql_role(db).await
}

fn script(target: &Target, statements: &[String]) -> String {
    let mut out = format!(
        "-- The role hotidx plans and runs your SQL as, for {}.\n\
         -- Run as a superuser: `psql -v ON_ERROR_STOP=1 -f FILE`, or `hotidx explain \
         --setup-role --yes`.\n\
         -- {HELPER_ROLE} is the cluster's (NOLOGIN, read access only, no row-level security, so \
         plans match a superuser's);\n\
         -- the schema hotidx and {HELPER_FUNCTION} are this database's: repeat for each \
         database.\n\
         -- Whoever may EXECUTE the function may read every table through it.\n\
         BEGIN;\n\n",
        target.display()
    );
    for statement in statements {
        out.push_str(statement);
        out.push_str(";\n\n");
    }
    out.push_str("COMMIT;\n");
    out
}
