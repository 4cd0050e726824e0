//! Who user SQL is planned and run as. PostgreSQL runs code while planning (IMMUTABLE functions
//! are folded) and ANALYZE runs the statement: what keeps it from writing, signalling other
//! sessions or resetting statistics is the role it runs as, checked in the catalog before anything
//! is sent. Never a reading of the SQL: LIMIT, VALUES, views, operators, casts and domains call
//! code no plan names.
//!
//! Two roles qualify: the login itself, when neither it nor any role it can SET ROLE to can act
//! outside a rolled-back READ ONLY transaction; or the owner of `hotidx.explain()`, a
//! security-definer function (inside it no statement can change its role) that `--setup-role`
//! creates for a NOLOGIN role with read access only.

use serde::Serialize;
use sqlx::Row;
use sqlx::postgres::PgConnection;
use sqlx::postgres::PgRow;

use crate::db::{Database, DbError};

/// The helper's body, exactly as `--setup-role` installs it: a different body is not trusted.
pub const HELPER_BODY: &str = include_str!("helper_body.sql");
/// The NOLOGIN role `--setup-role` creates.
pub const HELPER_ROLE: &str = "hotidx_explain";
pub const HELPER_FUNCTION: &str = "hotidx.explain(text, text, text[])";
/// No login, no powers; BYPASSRLS so its plans match a superuser's, not a policy-filtered view.
const ATTRIBUTES: &str = "NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS";

/// How user SQL may run on this session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UserSqlRole {
    /// The login cannot write, signal or reset statistics: the statement runs as it.
    Login { role: String },
    /// Through `hotidx.explain()`, as its owner.
    Helper { role: String },
    /// SQLite: the read-only open is the guard.
    ReadOnlyFile,
}

impl UserSqlRole {
    /// `planned as hotidx_explain (hotidx.explain(): cannot write, signal or reset statistics)`.
    pub fn describe(&self) -> String {
        match self {
            UserSqlRole::Login { role } => {
                format!("{role}, the login (cannot write, signal others or reset statistics)")
            }
            UserSqlRole::Helper { role } => format!(
                "{role}, through hotidx.explain() (cannot write, signal others or reset statistics)"
            ),
            UserSqlRole::ReadOnlyFile => "a read-only open of the file".into(),
        }
    }
}

/// One row of guard_check.sql: what the catalog says one role could do.
#[derive(Debug)]
struct Powers {
    kind: String,
    role: String,
    superusers: Vec<String>,
    powerful_roles: Vec<String>,
    writable: Vec<String>,
    granted_functions: Vec<String>,
    definer_functions: Vec<String>,
    helper_definer: Option<bool>,
    helper_settings: Option<bool>,
    helper_current: Option<bool>,
    helper_callable: Option<bool>,
}

impl Powers {
    fn from_row(row: &PgRow) -> Result<Powers, sqlx::Error> {
        Ok(Powers {
            kind: row.try_get("kind")?,
            role: row.try_get("role")?,
            superusers: row.try_get("superusers")?,
            powerful_roles: row.try_get("powerful_roles")?,
            writable: row.try_get("writable")?,
            granted_functions: row.try_get("granted_functions")?,
            definer_functions: row.try_get("definer_functions")?,
            helper_definer: row.try_get("helper_definer")?,
            helper_settings: row.try_get("helper_settings")?,
            helper_current: row.try_get("helper_current")?,
            helper_callable: row.try_get("helper_callable")?,
        })
    }

    /// Why this role may not run user SQL, in words; empty when it may.
    fn problems(&self) -> Vec<String> {
        let role = &self.role;
        let mut out = Vec::new();
        if self.superusers.iter().any(|r| r == role) {
            out.push(format!("{role} is a superuser"));
        } else if let Some(other) = self.superusers.first() {
            out.push(format!("{role} can SET ROLE to the superuser {other}"));
        }
        if out.is_empty() {
            if !self.powerful_roles.is_empty() {
                out.push(format!(
                    "{role} has the powers of {}",
                    self.powerful_roles.join(", ")
                ));
            }
            if !self.writable.is_empty() {
                out.push(format!("{role} may write to {}", listed(&self.writable)));
            }
            if !self.granted_functions.is_empty() {
                out.push(format!(
                    "{role} may run {}, which PUBLIC may not",
                    listed(&self.granted_functions)
                ));
            }
            if !self.definer_functions.is_empty() {
                out.push(format!(
                    "{role} may run {}, which act as a superuser or signalling role",
                    listed(&self.definer_functions)
                ));
            }
        }
        out
    }

    /// Why the helper function itself cannot be trusted or used; empty when it can.
    fn helper_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.helper_definer == Some(false) {
            out.push(format!("{HELPER_FUNCTION} is not SECURITY DEFINER"));
        }
        if self.helper_settings == Some(true) {
            out.push(format!("{HELPER_FUNCTION} carries SET options"));
        }
        if self.helper_current == Some(false) {
            out.push(format!(
                "{HELPER_FUNCTION} is not the one this hotidx installs"
            ));
        }
        if self.helper_callable == Some(false) {
            out.push(format!("the login may not EXECUTE {HELPER_FUNCTION}"));
        }
        out
    }
}

/// `a, b, c` and, past three, `and more`.
fn listed(items: &[String]) -> String {
    let mut text = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 3 {
        text.push_str(" and more");
    }
    text
}

/// Decides who user SQL runs as on this session, or refuses with why and how to fix it.
pub async fn user_sql_role(db: &mut Database) -> Result<UserSqlRole, DbError> {
    match db {
        Database::Sqlite(_) => Ok(UserSqlRole::ReadOnlyFile),
        Database::Postgres(conn) => postgres_role(conn).await,
    }
}

async fn postgres_role(conn: &mut PgConnection) -> Result<UserSqlRole, DbError> {
    let failed = |e| DbError::query("checking which role may run your SQL", e);
    let rows = sqlx::query(include_str!("guard_check.sql"))
        .bind(HELPER_BODY)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    let rows = rows
        .iter()
        .map(Powers::from_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)?;
    let login = rows.iter().find(|r| r.kind == "login");
    let helper = rows.iter().find(|r| r.kind == "helper");
    if let Some(helper) = helper {
        let mut problems = helper.helper_problems();
        problems.extend(helper.problems());
        if problems.is_empty() {
            return Ok(UserSqlRole::Helper {
                role: helper.role.clone(),
            });
        }
        // A helper that is there but cannot be trusted says why, even if the login would do:
        // the operator meant it to be used.
        return Err(refusal(login, Some(&problems)));
    }
    match login {
        Some(login) if login.problems().is_empty() => Ok(UserSqlRole::Login {
            role: login.role.clone(),
        }),
        _ => Err(refusal(login, None)),
    }
}

fn refusal(login: Option<&Powers>, helper_problems: Option<&[String]>) -> DbError {
    let login_problem = login
        .map(|l| l.problems())
        .and_then(|p| p.into_iter().next())
        .unwrap_or_else(|| "the login's role could not be read".into());
    let helper = match helper_problems {
        None => format!("this database has no {HELPER_FUNCTION}"),
        Some(problems) => problems.join("; "),
    };
    DbError::Usage(format!(
        "refusing to plan your SQL: {login_problem}, so a function the statement calls could \
         write, signal other sessions or reset statistics outside the rolled-back transaction, \
         and {helper}; `hotidx explain --setup-role` prints the statements that create a role \
         that cannot (--setup-role --yes runs them), or connect as a role that cannot write"
    ))
}

/// The statements that create the explain role and its helper in this database, for `login`.
/// The role is the cluster's; the schema and function are this database's.
pub async fn setup_statements(db: &mut Database) -> Result<Vec<String>, DbError> {
    let Database::Postgres(conn) = db else {
        return Err(DbError::Usage(
            "--setup-role is for PostgreSQL: on SQLite the read-only open is the guard".into(),
        ));
    };
    let row = sqlx::query(
        "SELECT session_user::text AS login, current_setting('server_version_num')::int AS version, \
                ARRAY(SELECT quote_ident(nspname) FROM pg_namespace \
                      WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'hotidx') \
                      ORDER BY 1) AS schemas",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| DbError::query("reading the login and the schemas", e))?;
    let login: String = row.get("login");
    let version: i32 = row.get("version");
    let schemas: Vec<String> = row.get("schemas");
    Ok(statements(&login, version, &schemas))
}

fn statements(login: &str, version: i32, schemas: &[String]) -> Vec<String> {
    let login = crate::ident::quote(login);
    // The role is the cluster's: create it, or put its attributes and membership right, only
    // where they are not, so setups of two databases at once do not update the same rows.
    let read_all = if version >= 140_000 {
        format!(
            "\n  IF NOT pg_has_role('{HELPER_ROLE}', 'pg_read_all_data', 'MEMBER') THEN\n    \
             BEGIN GRANT pg_read_all_data TO {HELPER_ROLE};\n    \
             EXCEPTION WHEN unique_violation THEN NULL; END;\n  END IF;"
        )
    } else {
        String::new()
    };
    let mut out = vec![format!(
        "DO $$ BEGIN\n  \
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{HELPER_ROLE}') THEN\n    \
         BEGIN CREATE ROLE {HELPER_ROLE} {ATTRIBUTES};\n    \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;\n  \
         END IF;\n  \
         IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{HELPER_ROLE}' AND (rolcanlogin OR \
         rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR NOT rolbypassrls)) THEN\n    \
         ALTER ROLE {HELPER_ROLE} {ATTRIBUTES};\n  \
         END IF;{read_all}\nEND $$"
    )];
    if version < 140_000 {
        // PostgreSQL 13 has no pg_read_all_data: read access schema by schema (tables created
        // later need these again).
        for schema in schemas {
            out.push(format!("GRANT USAGE ON SCHEMA {schema} TO {HELPER_ROLE}"));
            out.push(format!(
                "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {HELPER_ROLE}"
            ));
            out.push(format!(
                "GRANT SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {HELPER_ROLE}"
            ));
        }
    }
    out.extend([
        "CREATE SCHEMA IF NOT EXISTS hotidx".to_string(),
        "REVOKE ALL ON SCHEMA hotidx FROM PUBLIC".to_string(),
        format!(
            "CREATE OR REPLACE FUNCTION hotidx.explain(statement text, options text, \
             params text[] DEFAULT '{{}}')\nRETURNS text LANGUAGE plpgsql VOLATILE SECURITY DEFINER\n\
             AS $hotidx${HELPER_BODY}$hotidx$"
        ),
        format!("ALTER FUNCTION {HELPER_FUNCTION} OWNER TO {HELPER_ROLE}"),
        format!("ALTER FUNCTION {HELPER_FUNCTION} RESET ALL"),
        format!("REVOKE ALL ON FUNCTION {HELPER_FUNCTION} FROM PUBLIC"),
        format!("GRANT USAGE ON SCHEMA hotidx TO {login}"),
        format!("GRANT EXECUTE ON FUNCTION {HELPER_FUNCTION} TO {login}"),
    ]);
    out
}

/// Runs the setup statements in one transaction: all of them, or none.
pub async fn run_setup(conn: &mut PgConnection, statements: &[String]) -> Result<(), DbError> {
    use sqlx::Connection;
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| DbError::query("starting the setup", e))?;
    for statement in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                let first = statement.lines().next().unwrap_or_default();
                DbError::Failed(format!(
                    "setting up the explain role failed at `{first}`: {}; nothing was changed \
                     (run it as a superuser)",
                    crate::db::server_message(&e)
                ))
            })?;
    }
    tx.commit()
        .await
        .map_err(|e| DbError::query("committing the setup", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_13_gets_grants_schema_by_schema() {
        let thirteen = statements("dba", 130_000, &["app".into(), "public".into()]);
        assert!(
            thirteen
                .iter()
                .any(|s| s == "GRANT SELECT ON ALL TABLES IN SCHEMA app TO hotidx_explain")
        );
        assert!(!thirteen.iter().any(|s| s.contains("pg_read_all_data")));
        let fourteen = statements("dba", 140_000, &["app".into()]);
        assert!(fourteen[0].contains("GRANT pg_read_all_data"));
        assert!(fourteen.last().unwrap().ends_with("TO dba"));
    }
}
