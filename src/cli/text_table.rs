//! Aligned text tables that fit a width: columns shrink (eliding with `…`) in a set order, rows
//! never wrap.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Column {
    pub header: &'static str,
    pub align: Align,
    /// Narrowest this column may be elided to; `None` keeps it whole.
    pub min_width: Option<usize>,
}

pub const fn left(header: &'static str, min_width: Option<usize>) -> Column {
    Column {
        header,
        align: Align::Left,
        min_width,
    }
}

pub const fn right(header: &'static str) -> Column {
    Column {
        header,
        align: Align::Right,
        min_width: None,
    }
}

/// Renders header and rows in at most `width` characters per line, `indent` included.
pub fn render(
    columns: &[Column],
    rows: &[Vec<String>],
    width: usize,
    indent: usize,
) -> Vec<String> {
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| display_width(&r[i]))
                .chain([display_width(c.header)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    shrink_to_fit(columns, &mut widths, width.saturating_sub(indent));
    let header: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    std::iter::once(&header)
        .chain(rows)
        .map(|row| format_row(columns, &widths, row, indent))
        .collect()
}

/// Shrinks the rightmost column that may still give until the line fits: names on the left
/// are the last to be elided.
fn shrink_to_fit(columns: &[Column], widths: &mut [usize], width: usize) {
    let gaps = columns.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > width {
        let candidate = columns
            .iter()
            .enumerate()
            .rposition(|(i, c)| c.min_width.is_some_and(|min| widths[i] > min));
        match candidate {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
}

fn format_row(columns: &[Column], widths: &[usize], row: &[String], indent: usize) -> String {
    let mut line = " ".repeat(indent);
    for (i, (column, width)) in columns.iter().zip(widths).enumerate() {
        let cell = elide(&row[i], *width);
        let pad = width - display_width(&cell);
        let last = i + 1 == columns.len();
        match column.align {
            Align::Left if last => line.push_str(&cell),
            Align::Left => {
                line.push_str(&cell);
                line.push_str(&" ".repeat(pad));
            }
            Align::Right => {
                line.push_str(&" ".repeat(pad));
                line.push_str(&cell);
            }
        }
        if !last {
            line.push(' ');
        }
    }
    line.trim_end().to_string()
}

pub fn display_width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `width` characters, its last one replaced by `…` when cut.
pub fn elide(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `prefix` then `text` word-wrapped to `width`; continuation lines are indented to line up
/// with the text after the prefix.
pub fn wrap(prefix: &str, text: &str, width: usize) -> Vec<String> {
    let hang = display_width(prefix);
    let mut lines = Vec::new();
    let mut line = prefix.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && display_width(&line) + 1 + display_width(word) > width {
            lines.push(std::mem::replace(&mut line, " ".repeat(hang)));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line);
    lines
}

/// [`wrap`] joined back into text, each line (there is always at least one) ending in `\n`.
pub(crate) fn wrapped(prefix: &str, text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in wrap(prefix, text, width) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// How wide the label column of the text reports is.
pub(crate) const LABEL_WIDTH: usize = 11;

/// `label` padded to [`LABEL_WIDTH`], then `text` wrapped to [`super::TEXT_WIDTH`] under it.
pub(crate) fn labelled(label: &str, text: &str) -> String {
    wrapped(&format!("{label:<LABEL_WIDTH$}"), text, super::TEXT_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_rows_are_elided_to_fit_and_never_wrapped() {
        let columns = [left("NAME", Some(6)), right("N")];
        let rows = vec![vec!["a_very_long_index_name".to_string(), "12".to_string()]];
        let lines = render(&columns, &rows, 12, 0);
        assert_eq!(lines, vec!["NAME       N", "a_very_l… 12"]);
        assert!(lines.iter().all(|l| display_width(l) <= 12));
    }

    #[test]
    fn wrap_hangs_continuation_lines() {
        assert_eq!(wrap("- ", "aa bb cc dd", 7), vec!["- aa bb", "  cc dd"]);
    }

    #[test]
    fn wrapped_ends_every_line_even_for_empty_text() {
        assert_eq!(wrapped("- ", "aa bb cc dd", 7), "- aa bb\n  cc dd\n");
        assert_eq!(wrapped("- ", "", 7), "- \n");
        assert_eq!(labelled("status", "ok"), "status     ok\n");
    }
}
