//! Why an expected index is not used: concrete reasons, each read from the database (catalog,
//! pg_stats, pg_stat_user_tables, settings, the planner's own costs), never guessed.

use serde::Serialize;
use sqlx::Row;
use sqlx::postgres::PgConnection;

use super::PlanNode;
use crate::db::DbError;
use crate::migration::IndexState;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// `missing`, `invalid`, `small_table`, `not_selective`, `no_statistics`, `stale_statistics`,
    /// `cast_or_function`, `planner_setting`, `leading_column`.
    pub kind: &'static str,
    pub text: String,
}

/// What is being explained: the index that should have been used, and how the query uses it.
pub struct Expectation<'a> {
    pub index: &'a str,
    pub table: &'a str,
    pub columns: &'a [String],
    pub state: Option<IndexState>,
    pub sql: &'a str,
}

fn reason(kind: &'static str, text: String) -> Reason {
    Reason { kind, text }
}

/// `forced`: the same statement planned with sequential scans off, when it could be.
pub async fn why_not(
    conn: &mut PgConnection,
    expected: &Expectation<'_>,
    plan: &PlanNode,
    forced: Option<&PlanNode>,
) -> Result<Vec<Reason>, DbError> {
    let mut reasons = Vec::new();
    match expected.state {
        Some(IndexState::Missing) => {
            reasons.push(reason(
                "missing",
                format!("{} does not exist", expected.index),
            ));
            return Ok(reasons);
        }
        Some(IndexState::Invalid) => {
            reasons.push(reason(
                "invalid",
                format!(
                    "{} is INVALID (a failed concurrent build): the planner ignores it",
                    expected.index
                ),
            ));
            return Ok(reasons);
        }
        _ => {}
    }
    let db = |e| DbError::query("checking why the index is not used", e);
    let reads_table = plan.walk().into_iter().any(|n| {
        n.relation
            .as_deref()
            .is_some_and(|r| r == expected.table || r.ends_with(&format!(".{}", expected.table)))
    });
    if !reads_table && !expected.sql.contains(expected.table) {
        reasons.push(reason(
            "other_table",
            format!(
                "{} is on {}, which the query does not read",
                expected.index, expected.table
            ),
        ));
        return Ok(reasons);
    }
    let Some(leading) = expected.columns.first() else {
        return Ok(reasons);
    };

    let settings: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, setting FROM pg_settings \
         WHERE name IN ('enable_indexscan', 'enable_bitmapscan', 'enable_indexonlyscan') AND setting = 'off'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    if !settings.is_empty() {
        let off: Vec<String> = settings.iter().map(|(n, _)| format!("{n} = off")).collect();
        reasons.push(reason(
            "planner_setting",
            format!("{} in this session", off.join(", ")),
        ));
    }

    let filters: Vec<&str> = plan
        .walk()
        .into_iter()
        .filter_map(|n| n.filter.as_deref())
        .collect();
    let column_type: Option<String> = sqlx::query_scalar(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
         WHERE attrelid = to_regclass($1) AND attname = $2",
    )
    .bind(expected.table)
    .bind(leading)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let text_type = column_type.is_some_and(|t| t.starts_with("character") || t == "text");
    // EXPLAIN does not print an explicit COLLATE in the filter: look in the statement as well.
    let collated = expected.sql.to_ascii_uppercase().contains("COLLATE")
        && expected.sql.contains(leading.as_str());
    let hidden = filters
        .iter()
        .find(|f| hides_column(f, leading, text_type))
        .map(|f| f.to_string())
        .or_else(|| collated.then(|| expected.sql.to_string()));
    if let Some(hidden) = hidden {
        reasons.push(reason(
            "cast_or_function",
            format!("a cast, function or collation on {leading} hides it from the index: {hidden}"),
        ));
    }
    let constrained = plan
        .walk()
        .into_iter()
        .flat_map(|n| [n.filter.as_deref(), n.index_cond.as_deref()])
        .flatten()
        .any(|text| mentions(text, leading));
    if !constrained && !expected.sql.contains(leading.as_str()) {
        reasons.push(reason(
            "leading_column",
            format!(
                "the query does not constrain {leading}, the leading column of {}",
                expected.index
            ),
        ));
    }

    let row = sqlx::query(
        "SELECT c.reltuples::bigint AS rows, c.relpages::bigint AS pages, \
                to_char(greatest(s.last_analyze, s.last_autoanalyze), 'YYYY-MM-DD HH24:MI:SS') AS analyzed, \
                s.n_mod_since_analyze AS modified \
         FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
         WHERE c.oid = to_regclass($1)",
    )
    .bind(expected.table)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    if let Some(row) = row {
        let rows: i64 = row.try_get("rows").unwrap_or(-1);
        let pages: i64 = row.try_get("pages").unwrap_or(0);
        let analyzed: Option<String> = row.try_get("analyzed").unwrap_or(None);
        // PostgreSQL 13 says 0 rows, not -1, for a table never analysed or vacuumed: that is
        // not a small table, it is an unknown one.
        let known = rows > 0 || analyzed.is_some();
        let modified: Option<i64> = row.try_get("modified").unwrap_or(None);
        // One read of the leading column's statistics: whether there are any, and its most
        // common values for the selectivity check below.
        let stats = sqlx::query(
            "SELECT most_common_vals::text::text[] AS vals, most_common_freqs AS freqs \
             FROM pg_stats WHERE tablename = $1 AND attname = $2",
        )
        .bind(expected.table)
        .bind(leading)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let common = stats.as_ref().and_then(|row| {
            let vals: Option<Vec<String>> = row.try_get("vals").unwrap_or(None);
            let freqs: Option<Vec<f32>> = row.try_get("freqs").unwrap_or(None);
            vals.zip(freqs)
        });
        if stats.is_none() {
            reasons.push(reason(
                "no_statistics",
                format!(
                    "no planner statistics for {}.{leading}: ANALYZE {} has not run",
                    expected.table, expected.table
                ),
            ));
        } else if let Some(modified) =
            modified.filter(|m| *m > 1000 && (*m as f64) > 0.2 * rows.max(1) as f64)
        {
            reasons.push(reason(
                "stale_statistics",
                format!(
                    "{modified} rows changed in {} since its last analyze ({}), against ~{rows} it was analysed with",
                    expected.table,
                    analyzed.unwrap_or_else(|| "never".into())
                ),
            ));
        }
        if (0..=64).contains(&pages) && rows >= 0 && known {
            reasons.push(reason(
                "small_table",
                format!(
                    "{} is small: ~{rows} rows in {pages} pages, cheaper to read whole",
                    expected.table
                ),
            ));
        }
        if let Some(text) = frequent_value(common, expected.table, leading, &filters, plan) {
            reasons.push(reason("not_selective", text));
        }
    }
    let chosen: Vec<&str> = plan.indexes_used();
    if !chosen.is_empty() {
        reasons.push(reason(
            "another_index",
            format!(
                "the planner chose {} instead, cheaper by its estimate for this query",
                chosen.join(", ")
            ),
        ));
    }
    // The planner's own numbers back the reasons above; with none found, they are the reason.
    match forced_costs(plan, forced, expected.index) {
        Forced::Costs(costs) => reasons.push(reason("planner_costs", costs)),
        Forced::CannotServe => reasons.push(reason(
            "cannot_serve",
            format!(
                "even with sequential scans off the planner does not use {}: it cannot serve this \
                 predicate (an expression, operator, pattern or collation the index does not match)",
                expected.index
            ),
        )),
        Forced::Unknown => {}
    }
    Ok(reasons)
}

/// `lower(email)`, `(user_id)::text`, `email COLLATE "C"`: the column wrapped, so no index on the
/// bare column serves the comparison. A varchar column's own `::text` is how PostgreSQL prints
/// every varchar comparison, and hides nothing.
fn hides_column(filter: &str, column: &str, text_type: bool) -> bool {
    let marker = format!("({column})::");
    let bad_cast = filter.match_indices(&marker).any(|(at, _)| {
        let after = &filter[at + marker.len()..];
        !(text_type && after.starts_with("text") && !after.starts_with("text)::"))
    });
    let function = ["lower(", "upper(", "date(", "trim(", "coalesce(", "md5("]
        .iter()
        .any(|f| {
            filter.contains(&format!("{f}{column}")) || filter.contains(&format!("{f}({column}"))
        });
    let collate = filter.contains("COLLATE") && filter.contains(column);
    bad_cast || function || collate
}

fn mentions(text: &str, column: &str) -> bool {
    text.contains(&format!("({column} "))
        || text.contains(&format!("({column})"))
        || text.contains(&format!(" {column} "))
}

/// The value the query compares the column with, if pg_stats lists it (`common`: values and
/// their frequencies) as one that matches much of the table.
fn frequent_value(
    common: Option<(Vec<String>, Vec<f32>)>,
    table: &str,
    column: &str,
    filters: &[&str],
    plan: &PlanNode,
) -> Option<String> {
    let conds: Vec<&str> = plan
        .walk()
        .into_iter()
        .filter_map(|n| n.index_cond.as_deref())
        .collect();
    let value = filters
        .iter()
        .chain(&conds)
        .find_map(|f| literal_for(f, column))?;
    let (vals, freqs) = common?;
    vals.iter().zip(freqs).find(|(v, _)| **v == value).and_then(|(v, f)| {
        (f >= 0.2).then(|| {
            format!(
                "{column} = '{v}' matches {:.0}% of {table} (pg_stats.most_common_freqs): the index would read most of the table",
                f * 100.0
            )
        })
    })
}

/// `((status)::text = 'COMPLETED'::text)` → `COMPLETED`.
fn literal_for(text: &str, column: &str) -> Option<String> {
    let at = text
        .find(&format!("{column})"))
        .or_else(|| text.find(&format!("{column} =")))?;
    let rest = &text[at..];
    let open = rest.find("= '")? + 3;
    let close = rest[open..].find('\'')?;
    Some(rest[open..open + close].to_string())
}

/// What the planner does with sequential scans off: its own arithmetic for the expected index,
/// or proof that the index cannot serve the predicate at all.
enum Forced {
    Costs(String),
    CannotServe,
    Unknown,
}

fn forced_costs(plan: &PlanNode, forced: Option<&PlanNode>, index: &str) -> Forced {
    let (Some(chosen), Some(forced_plan)) = (plan.estimated_cost, forced) else {
        return Forced::Unknown;
    };
    let used = forced_plan.indexes_used();
    if !used.contains(&index) {
        // Only when no index at all could serve it is the predicate itself the reason.
        return if used.is_empty() {
            Forced::CannotServe
        } else {
            Forced::Unknown
        };
    }
    let Some(cost) = forced_plan.estimated_cost else {
        return Forced::Unknown;
    };
    // disable_cost (1e10) is added to paths a setting turned off: say so, not a huge number.
    let shown = if cost >= 1.0e9 {
        "more than the chosen plan (a planner setting that disables index scans inflates it)"
            .to_string()
    } else {
        format!("{cost:.1}")
    };
    if cost > chosen {
        Forced::Costs(format!(
            "the planner's estimate: {shown} through {index} against {chosen:.1} for the plan it chose"
        ))
    } else {
        Forced::Unknown
    }
}
