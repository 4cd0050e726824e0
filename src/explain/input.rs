//! SQL as a DBA pastes it: from an argument, a file or standard input, with a byte-order mark,
//! leading comments, several lines; and the server's error position shown back on its line.

use std::io::Read;
use std::path::Path;

use crate::db::DbError;

/// The statement from `--file PATH`, `-` (standard input) or the argument itself.
pub fn read_sql(argument: Option<&str>, file: Option<&Path>) -> Result<Option<String>, DbError> {
    let raw = match (argument, file) {
        (Some(_), Some(_)) => {
            return Err(DbError::Usage(
                "give the SQL either as an argument or with --file, not both".into(),
            ));
        }
        (Some("-"), None) => Some(read_stdin()?),
        (Some(sql), None) => Some(sql.to_string()),
        (None, Some(path)) if path == Path::new("-") => Some(read_stdin()?),
        (None, Some(path)) => Some(std::fs::read_to_string(path).map_err(|e| {
            DbError::Usage(format!("cannot read the SQL file {}: {e}", path.display()))
        })?),
        (None, None) => None,
    };
    raw.map(|sql| normalize(&sql)).transpose()
}

fn read_stdin() -> Result<String, DbError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| DbError::Usage(format!("cannot read the SQL from standard input: {e}")))?;
    Ok(text)
}

/// Without a byte-order mark, trailing semicolons and surrounding blanks; refuses nothing.
pub fn normalize(sql: &str) -> Result<String, DbError> {
    let sql = sql.trim_start_matches('\u{feff}').trim();
    let sql = sql.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    if sql.is_empty() {
        return Err(DbError::Usage(
            "no statement to explain: give one (as an argument, --file or - for standard input), \
             or --probe ID"
                .into(),
        ));
    }
    Ok(sql.to_string())
}

/// `line 2, column 7` and the line with a caret under that column, for an error at the
/// `offset`th character (0-based) of `sql`.
pub fn excerpt(sql: &str, offset: usize) -> String {
    let before: String = sql.chars().take(offset).collect();
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count();
    let line = sql.lines().nth(line_no - 1).unwrap_or_default();
    // A huge line is cut around the error, so the caret stays on screen.
    let (shown, caret_at) = window(line, column, 70);
    format!(
        "line {line_no}, column {}:\n  {shown}\n  {}^",
        column + 1,
        " ".repeat(caret_at)
    )
}

/// At most `width` characters of `line` around `column`, and where the column falls in them.
fn window(line: &str, column: usize, width: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= width {
        return (line.replace('\t', " "), column);
    }
    let start = column.saturating_sub(width / 2).min(chars.len() - width);
    let mut shown: String = chars[start..start + width].iter().collect();
    let mut caret = column - start;
    if start > 0 {
        shown = format!(
            "…{}",
            &shown[shown.char_indices().nth(1).map_or(0, |(i, _)| i)..]
        );
    }
    if start + width < chars.len() {
        shown.pop();
        shown.push('…');
    }
    caret = caret.min(width - 1);
    (shown.replace('\t', " "), caret)
}

/// The SQL for a text report: whole when short, its start and its size when long.
pub fn shown(sql: &str, limit: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = flat.chars().count();
    if count <= limit {
        return flat;
    }
    let start: String = flat.chars().take(limit).collect();
    format!(
        "{start}… ({} characters in all; --format json has it whole)",
        crate::units::grouped(sql.chars().count() as i64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_statement_keeps_its_comments_and_loses_its_mark() {
        let sql = normalize("\u{feff}-- from the slow log\nSELECT 1;\n\n").unwrap();
        assert_eq!(sql, "-- from the slow log\nSELECT 1");
        assert!(normalize(" ;\n").is_err());
    }

    #[test]
    fn the_caret_points_at_the_error_on_its_line() {
        let text = excerpt("SELECT *\n  FORM t", 11);
        assert_eq!(text, "line 2, column 3:\n    FORM t\n    ^");
    }

    #[test]
    fn a_long_line_is_cut_around_the_error() {
        let line = format!("SELECT {} FROM t WHERE x = 1 AND y", "a, ".repeat(500));
        let at = line.find("y").unwrap();
        let text = excerpt(&line, at);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].chars().count() <= 72, "{}", lines[1]);
        let caret = lines[2].chars().count() - 1;
        assert_eq!(lines[1].chars().nth(caret), Some('y'), "{text}");
    }
}
