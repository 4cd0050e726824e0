//! PostgreSQL's side of an explain: one READ ONLY transaction, rolled back, and in it the
//! statement as its author may run it — hotidx's probe with its value bound, the operator's SQL
//! on a login that qualifies, or through `hotidx.explain()` — and the server's error, when it
//! fails, turned into what the operator typed wrong or what the database refused.

use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition};
use sqlx::{Executor, Row, SqlSafeStr};

use super::guard::UserSqlRole;
use super::input::excerpt;
use super::run::{Author, Query};
use crate::db::DbError;

/// EXPLAIN's options, as PostgreSQL spells them.
fn options(analyze: bool, generic: bool) -> String {
    let mut options = vec!["FORMAT JSON"];
    if analyze {
        options.extend(["ANALYZE", "BUFFERS"]);
    }
    if generic {
        options.push("GENERIC_PLAN");
    }
    options.join(", ")
}

/// The plan document, and whether it was planned generically. `$n` without values is planned
/// generically on 16+; before, PostgreSQL cannot plan it, and the error says how to give values.
pub(super) async fn document(
    conn: &mut PgConnection,
    version: i32,
    query: Query<'_>,
    author: Author<'_>,
    analyze: bool,
    settings: &[(&'static str, &'static str)],
    timeout: std::time::Duration,
) -> Result<(String, bool), DbError> {
    let fail = |error: Failure| error.into_db_error(query.sql, author, timeout);
    match in_transaction(conn, query, author, &options(analyze, false), settings).await {
        Err(failure) if failure.is_undefined_parameter() && query.params.is_empty() => {
            if analyze {
                return Err(DbError::Usage(
                    "EXPLAIN ANALYZE runs the statement: give each $n placeholder a value with \
                     --param VALUE (in order)"
                        .into(),
                ));
            }
            if version < 160_000 {
                return Err(DbError::Usage(format!(
                    "the statement has $n placeholders, and PostgreSQL {} cannot plan them \
                     without values (16 and later can): give each a value with --param VALUE \
                     (in order)",
                    version / 10_000
                )));
            }
            let generic = options(false, true);
            let document = in_transaction(conn, query, author, &generic, settings).await;
            Ok((document.map_err(fail)?, true))
        }
        answer => Ok((answer.map_err(fail)?, false)),
    }
}

/// A failed statement and the text that was sent, to place the server's error position.
struct Failure {
    error: sqlx::Error,
    sent: String,
}

async fn in_transaction(
    conn: &mut PgConnection,
    query: Query<'_>,
    author: Author<'_>,
    options: &str,
    settings: &[(&'static str, &'static str)],
) -> Result<String, Failure> {
    let begin = async {
        conn.execute("BEGIN READ ONLY").await?;
        for (name, value) in settings {
            conn.execute(sqlx::AssertSqlSafe(format!("SET LOCAL {name} = {value}")))
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    };
    if let Err(error) = begin.await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(Failure {
            error,
            sent: String::new(),
        });
    }
    let prepared =
        matches!(author, Author::User(UserSqlRole::Login { .. })) && !query.params.is_empty();
    let answer = match author {
        Author::User(UserSqlRole::Helper { .. }) => through_helper(conn, query, options).await,
        Author::User(UserSqlRole::Login { .. }) if prepared => {
            prepared_statement(conn, query, options).await
        }
        _ => bound(conn, query, options).await,
    };
    // Whatever happened, nothing the statement did may stay.
    let _ = conn.execute("ROLLBACK").await;
    if prepared {
        let _ = conn.execute("DEALLOCATE hotidx_statement").await;
    }
    answer
}

/// `EXPLAIN (…) statement` with its values bound: hotidx's own probes, or the operator's SQL
/// without values on a login that qualifies. The extended protocol takes one statement only.
async fn bound(
    conn: &mut PgConnection,
    query: Query<'_>,
    options: &str,
) -> Result<String, Failure> {
    let sent = format!("EXPLAIN ({options}) {}", query.sql);
    let mut statement = sqlx::query(sqlx::AssertSqlSafe(sent.clone())).persistent(false);
    for value in query.params {
        statement = statement.bind(value);
    }
    let row = statement.fetch_one(&mut *conn).await;
    plan_text(row).map_err(|error| Failure { error, sent })
}

/// The operator's SQL with `--param` values, as the application would prepare it: PREPARE
/// infers the parameters' types, EXECUTE takes the values as literals the server quotes.
async fn prepared_statement(
    conn: &mut PgConnection,
    query: Query<'_>,
    options: &str,
) -> Result<String, Failure> {
    let prepare = format!("PREPARE hotidx_statement AS {}", query.sql);
    if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(prepare.clone()))
        .persistent(false)
        .execute(&mut *conn)
        .await
    {
        return Err(Failure {
            error,
            sent: prepare,
        });
    }
    let literals: Result<String, _> = sqlx::query_scalar(
        "SELECT string_agg(quote_nullable(p), ', ' ORDER BY n) \
         FROM unnest($1::text[]) WITH ORDINALITY AS u(p, n)",
    )
    .bind(query.params)
    .fetch_one(&mut *conn)
    .await;
    let literals = literals.map_err(|error| Failure {
        error,
        sent: String::new(),
    })?;
    let sent = format!("EXPLAIN ({options}) EXECUTE hotidx_statement({literals})");
    let row = sqlx::query(sqlx::AssertSqlSafe(sent.clone()))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await;
    plan_text(row).map_err(|error| Failure { error, sent })
}

/// Through `hotidx.explain()`, as its owner, on the login's search path (`$user` resolved for
/// the login, not for the helper's role).
async fn through_helper(
    conn: &mut PgConnection,
    query: Query<'_>,
    options: &str,
) -> Result<String, Failure> {
    let failure = |error| Failure {
        error,
        sent: String::new(),
    };
    sqlx::query(
        "SELECT set_config('search_path', \
             coalesce(string_agg(quote_ident(s), ', ' ORDER BY n), ''), true) \
         FROM unnest(current_schemas(false)) WITH ORDINALITY AS u(s, n)",
    )
    .execute(&mut *conn)
    .await
    .map_err(failure)?;
    if !query.params.is_empty() {
        // PREPARE inside the helper cannot tell one statement from two: the protocol's Parse,
        // which plans and runs nothing, refuses a second.
        if let Err(error) = conn
            .prepare(sqlx::AssertSqlSafe(query.sql.to_string()).into_sql_str())
            .await
        {
            return Err(Failure {
                error,
                sent: query.sql.to_string(),
            });
        }
    }
    let row = sqlx::query("SELECT hotidx.explain($1, $2, $3::text[])")
        .bind(query.sql)
        .bind(options)
        .bind(query.params)
        .fetch_one(&mut *conn)
        .await;
    plan_text(row).map_err(failure)
}

fn plan_text(row: Result<sqlx::postgres::PgRow, sqlx::Error>) -> Result<String, sqlx::Error> {
    // json or text: the document's own text, untouched.
    row?.try_get_unchecked::<String, _>(0)
}

impl Failure {
    fn postgres(&self) -> Option<&PgDatabaseError> {
        self.error
            .as_database_error()
            .and_then(|e| e.try_downcast_ref::<PgDatabaseError>())
    }

    fn is_undefined_parameter(&self) -> bool {
        self.postgres().is_some_and(|e| e.code() == "42P02")
    }

    /// The character of `sql` the server's position points at, if it points into it.
    fn offset_in(&self, sql: &str) -> Option<usize> {
        let e = self.postgres()?;
        let (position, text) = match e.position()? {
            PgErrorPosition::Original(p) => (p, self.sent.as_str()),
            PgErrorPosition::Internal { position, query } => (position, query),
        };
        let prefix = text.strip_suffix(sql)?.chars().count();
        position.checked_sub(1 + prefix)
    }

    fn into_db_error(self, sql: &str, author: Author<'_>, timeout: std::time::Duration) -> DbError {
        let Some(e) = self.postgres() else {
            return DbError::query("EXPLAIN", self.error);
        };
        let message = e.message().to_string();
        let code = e.code().to_string();
        // The operator never named hotidx's prepared statement: speak of theirs.
        if message.contains("\"hotidx_statement\"") {
            let detail = e
                .detail()
                .map(|d| format!(" ({})", d.trim_end_matches('.')));
            return DbError::Usage(format!(
                "{}{}: give one --param VALUE per $n placeholder, in order",
                message.replace("prepared statement \"hotidx_statement\"", "the statement"),
                detail.unwrap_or_default()
            ));
        }
        let at = self
            .offset_in(sql)
            .map(|o| format!(" at {}", excerpt(sql, o)))
            .unwrap_or_default();
        let role = match author {
            Author::User(UserSqlRole::Helper { role } | UserSqlRole::Login { role }) => {
                format!(" (it ran as {role}, which may only read)")
            }
            _ => String::new(),
        };
        match code.as_str() {
            "57014" if message.contains("statement timeout") => DbError::Failed(format!(
                "timed out after {}: the server cancelled the statement (raise --timeout; a \
                 stricter statement_timeout of the role or database stays); nothing was changed",
                crate::units::duration(timeout)
            )),
            "57014" => DbError::Failed("cancelled on the server; nothing was changed".into()),
            "55P03" => DbError::Failed(format!(
                "{message}: another session holds a lock the statement needs; nothing was changed"
            )),
            "25006" => DbError::Failed(format!(
                "the statement would write, and the database refused it ({message}); nothing \
                 was changed"
            )),
            // EXPLAIN checks a write's privileges even unplanned: the read-only role cannot plan one.
            "42501" if message.starts_with("permission denied for table") && !role.is_empty() => {
                DbError::Failed(format!(
                    "the database refused it: {message}{role}: an INSERT, UPDATE, DELETE or MERGE                      needs privileges it must not have, even to be planned (explain the SELECT that                      finds its rows instead); nothing was changed"
                ))
            }
            "42501" => DbError::Failed(format!(
                "the database refused it: {message}{role}; nothing was changed"
            )),
            "42P11" => DbError::Usage(
                "one statement at a time: EXPLAIN takes a single statement, not a script; \
                 nothing was run"
                    .into(),
            ),
            "42601" if message.contains("multiple commands") => DbError::Usage(
                "one statement at a time: EXPLAIN takes a single statement, not a script; \
                 nothing was run"
                    .into(),
            ),
            // The SQL itself is wrong: a usage error, with where.
            c if c.starts_with("42") || c.starts_with("22") || c.starts_with("0A") => {
                DbError::Usage(format!("{message}{at}{}", hint(sql, &code)))
            }
            _ => DbError::Failed(format!("EXPLAIN failed: {message}{at}")),
        }
    }
}

/// For a syntax error on a statement EXPLAIN does not take, which ones it does. A message only:
/// the guard is the role the statement runs as.
fn hint(sql: &str, code: &str) -> String {
    if code != "42601" {
        return String::new();
    }
    let first = sql
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or_default()
        .trim_start_matches('(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    const EXPLAINABLE: &[&str] = &[
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "WITH", "EXECUTE",
        "DECLARE", "",
    ];
    if EXPLAINABLE.contains(&first.as_str()) {
        String::new()
    } else {
        format!(
            "\n{first} cannot be explained: EXPLAIN takes one SELECT, INSERT, UPDATE, DELETE, \
             MERGE, VALUES, TABLE, WITH, EXECUTE or CREATE TABLE … AS statement"
        )
    }
}
