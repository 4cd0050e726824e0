//! SQLite: exactly one statement is ever prepared, ANALYZE streams the rows it counts, and the
//! progress handler interrupts a statement past its deadline or on cancel. The read-only open
//! refuses writes; these make sure nothing else runs, nothing piles up, nothing runs forever.

use std::ffi::c_int;
use std::time::Instant;

use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Executor, Row};

use super::input::excerpt;
use super::session::SqliteInterrupt;
use super::{PlanNode, sqlite};
use crate::db::DbError;

/// The first statement of `sql`, parsed by SQLite itself; anything but comments, blanks and
/// semicolons after it is refused, unprepared and unrun.
pub async fn first_statement(conn: &mut SqliteConnection, sql: &str) -> Result<String, DbError> {
    let parsed = {
        let mut handle = conn
            .lock_handle()
            .await
            .map_err(|e| DbError::query("reading the statement", e))?;
        prepare_first(handle.as_raw_handle().as_ptr(), sql)
    };
    let length = match parsed {
        Prepared::Statement { length } => length,
        Prepared::Nothing => {
            return Err(DbError::Usage(
                "no statement to explain: the SQL holds only comments".into(),
            ));
        }
        Prepared::Error { message, offset } => {
            let at = offset
                .map(|o| {
                    format!(
                        " at {}",
                        excerpt(sql, sql[..o.min(sql.len())].chars().count())
                    )
                })
                .unwrap_or_default();
            return Err(DbError::Usage(format!(
                "SQLite cannot read the statement: {message}{at}"
            )));
        }
    };
    let (first, rest) = sql.split_at(length);
    if let Some(at) = next_statement(rest) {
        let second: String = rest[at..].chars().take(40).collect();
        return Err(DbError::Usage(format!(
            "one statement at a time: after the first, the SQL goes on with `{}…`; nothing was \
             run",
            second.trim_end()
        )));
    }
    Ok(first
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace())
        .to_string())
}

enum Prepared {
    Statement {
        length: usize,
    },
    Nothing,
    Error {
        message: String,
        offset: Option<usize>,
    },
}

/// sqlite3_prepare_v2 on the first statement only, then finalized: preparing runs nothing.
fn prepare_first(db: *mut libsqlite3_sys::sqlite3, sql: &str) -> Prepared {
    use libsqlite3_sys as ffi;
    let Ok(length) = c_int::try_from(sql.len()) else {
        return Prepared::Error {
            message: "the statement is over 2 GB".into(),
            offset: None,
        };
    };
    let mut statement: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
    let mut tail: *const std::ffi::c_char = std::ptr::null();
    // SAFETY: `db` is the connection's open handle, held locked by the caller for the whole
    // call; `sql` outlives it and its length is given, so SQLite reads no further; the statement
    // is finalized before returning, and `tail` points into `sql`.
    unsafe {
        let code =
            ffi::sqlite3_prepare_v2(db, sql.as_ptr().cast(), length, &mut statement, &mut tail);
        if code != ffi::SQLITE_OK {
            let message = std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db))
                .to_string_lossy()
                .into_owned();
            let offset = usize::try_from(ffi::sqlite3_error_offset(db)).ok();
            ffi::sqlite3_finalize(statement);
            return Prepared::Error { message, offset };
        }
        if statement.is_null() {
            return Prepared::Nothing;
        }
        ffi::sqlite3_finalize(statement);
        let consumed = (tail as usize).saturating_sub(sql.as_ptr() as usize);
        Prepared::Statement {
            length: consumed.min(sql.len()),
        }
    }
}

/// Where a second statement starts in what follows the first: past blanks, semicolons and
/// SQLite's two comment forms; `None` when nothing else is there.
fn next_statement(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b';' => at += 1,
            b'-' if bytes.get(at + 1) == Some(&b'-') => {
                at = rest[at..].find('\n').map_or(bytes.len(), |n| at + n + 1);
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                // An unterminated comment runs to the end, as SQLite reads it.
                at = rest[at + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| at + 2 + n + 2);
            }
            _ => return Some(at),
        }
    }
    None
}

/// The EXPLAIN QUERY PLAN of one statement, and with `analyze` the statement run inside a
/// transaction that is rolled back, its rows counted as they stream, never held.
pub async fn explain(
    conn: &mut SqliteConnection,
    interrupt: Option<&SqliteInterrupt>,
    timeout: std::time::Duration,
    sql: &str,
    params: &[String],
    analyze: bool,
) -> Result<(PlanNode, Option<f64>), DbError> {
    let sql = first_statement(conn, sql).await?;
    if let Some(i) = interrupt {
        i.arm(Some(timeout));
    }
    let answer = plan_and_run(conn, &sql, params, analyze).await;
    if let Some(i) = interrupt {
        i.arm(None);
    }
    answer.map_err(|e| failed(e, interrupt, timeout))
}

async fn plan_and_run(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[String],
    analyze: bool,
) -> Result<(PlanNode, Option<f64>), sqlx::Error> {
    let statement = format!("EXPLAIN QUERY PLAN {sql}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement)).persistent(false);
    for value in params {
        query = bind(query, value);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        lines.push((row.try_get(0)?, row.try_get(1)?, row.try_get(3)?));
    }
    let mut plan = sqlite::parse(&lines);
    if !analyze {
        return Ok((plan, None));
    }
    conn.execute("BEGIN").await?;
    let started = Instant::now();
    let counted = async {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).persistent(false);
        for value in params {
            query = bind(query, value);
        }
        let mut stream = query.fetch(&mut *conn);
        let mut count = 0u64;
        while stream.try_next().await?.is_some() {
            count += 1;
        }
        Ok::<u64, sqlx::Error>(count)
    }
    .await;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    let _ = conn.execute("ROLLBACK").await;
    plan.actual_rows = Some(counted? as f64);
    plan.actual_ms = Some(elapsed);
    Ok((plan, Some(elapsed)))
}

/// Integers as integers, so a comparison with an INTEGER column reads as the application's.
fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    value: &str,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    match value.parse::<i64>() {
        Ok(number) => query.bind(number),
        Err(_) => query.bind(value.to_string()),
    }
}

fn failed(
    error: sqlx::Error,
    interrupt: Option<&SqliteInterrupt>,
    timeout: std::time::Duration,
) -> DbError {
    let message = crate::db::server_message(&error);
    if message.contains("interrupted") {
        return if interrupt.is_some_and(|i| i.was_cancelled()) {
            DbError::Failed("cancelled: SQLite stopped the statement; nothing was changed".into())
        } else {
            DbError::Failed(format!(
                "timed out after {}: SQLite stopped the statement (raise --timeout); nothing was \
                 changed",
                crate::units::duration(timeout)
            ))
        };
    }
    if message.contains("readonly database") {
        return DbError::Failed(format!(
            "the statement would write, and the database refused it ({message}); nothing was \
             changed"
        ));
    }
    DbError::Query {
        context: "EXPLAIN".into(),
        reason: message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_comments_and_blanks_may_follow() {
        assert_eq!(next_statement(" ; -- done\n /* really */ ;"), None);
        assert_eq!(next_statement("; DELETE FROM jobs"), Some(2));
        assert_eq!(next_statement("-- a\n/* b */ SELECT 2"), Some(13));
        assert_eq!(next_statement("/* never closed"), None);
    }
}
