//! The plan as a tree of text lines fitted to a width: node line first, details beneath it,
//! long lines wrapped with a hanging indent. Indentation is capped so that a plan 200 levels
//! deep still leaves room for its text; past the cap the line says its depth instead.

use super::PlanNode;

/// Columns one level of depth indents.
const STEP: usize = 3;
/// The deepest level that still indents, however wide the screen.
const MAX_INDENTED_LEVELS: usize = 24;
/// Narrowest text column a line keeps after its indentation, so wrapping always progresses.
const MIN_TEXT: usize = 8;

/// How much of each node a rendering shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The node line with all its figures, and every detail line beneath it.
    Full,
    /// The node line with its rows and total cost only: for narrow side-by-side panes.
    Brief,
}

/// What a line of the rendered plan is, so a front end can colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinePart {
    /// `InitPlan 1 (returns $0)`, `SubPlan 2`, `CTE totals`: above the node it names.
    Label,
    /// The node line, or a continuation of it.
    Node,
    /// A detail beneath a node (`Hash Cond: …`), or a continuation of one.
    Detail,
    /// `Planning Time`, `Execution Time`: the whole statement's.
    Total,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanLine<'a> {
    pub text: String,
    pub node: &'a PlanNode,
    pub part: LinePart,
}

impl PlanNode {
    /// The tree as lines, nothing wrapped.
    pub fn render_text(&self) -> Vec<String> {
        self.render_wrapped(usize::MAX)
    }

    /// The tree fitted to `width` columns: what the CLI prints.
    pub fn render_wrapped(&self, width: usize) -> Vec<String> {
        self.render_lines(width, Detail::Full)
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    /// The tree fitted to `width` columns, each line with its node and part.
    pub fn render_lines(&self, width: usize, detail: Detail) -> Vec<PlanLine<'_>> {
        // SQLite's plans hang under a "QUERY PLAN" root that says nothing.
        let skip_root = self.node_type == "QUERY PLAN" && self.detail.is_none();
        let levels = indented_levels(width);
        let mut out = Vec::new();
        for (depth, node) in self.walk_with_depth() {
            if skip_root && depth == 0 {
                continue;
            }
            let depth = depth - usize::from(skip_root);
            // Past the cap the arrow stays in the last indented column and the depth, written
            // just left of it, says how deep the node is.
            let (indent, marker) = match depth {
                0 => (String::new(), String::new()),
                d if d <= levels => (" ".repeat(STEP * d), "-> ".to_string()),
                d => {
                    let number = d.to_string();
                    let room = (STEP * levels).saturating_sub(number.len());
                    (" ".repeat(room), format!("{number}-> "))
                }
            };
            if let Some(label) = &node.subplan_name {
                push(&mut out, node, LinePart::Label, &indent, 4, label, width);
            }
            let head = format!("{indent}{marker}");
            let figures = match detail {
                Detail::Full => node.figures(),
                Detail::Brief => node.brief_figures(),
            };
            let text = match figures {
                figures if figures.is_empty() => node.node_line(),
                figures => format!("{}  {figures}", node.node_line()),
            };
            // Continuations go past where the details start, so the two never look alike.
            let more = if detail == Detail::Full { 4 } else { 1 };
            push(&mut out, node, LinePart::Node, &head, more, &text, width);
            if detail == Detail::Full {
                let under = " ".repeat(head.chars().count() + 2);
                for detail in node.detail_lines() {
                    push(&mut out, node, LinePart::Detail, &under, 2, &detail, width);
                }
            }
        }
        for (label, ms) in [
            ("Planning Time", self.planning_ms),
            ("Execution Time", self.execution_ms),
        ] {
            if let Some(ms) = ms {
                let text = format!("{label}: {ms:.3} ms");
                push(&mut out, self, LinePart::Total, "", 2, &text, width);
            }
        }
        out
    }
}

/// How many levels indent at `width`: at most two fifths of the line goes to indentation.
fn indented_levels(width: usize) -> usize {
    (width / 5 * 2)
        .saturating_sub(STEP)
        .checked_div(STEP)
        .unwrap_or(1)
        .clamp(1, MAX_INDENTED_LEVELS)
}

/// `prefix` then `text` wrapped to `width`, continuation lines `more` columns past the prefix.
fn push<'a>(
    out: &mut Vec<PlanLine<'a>>,
    node: &'a PlanNode,
    part: LinePart,
    prefix: &str,
    more: usize,
    text: &str,
    width: usize,
) {
    let hang = " ".repeat(prefix.chars().count() + more);
    for (n, piece) in wrap(text, width, prefix.chars().count(), hang.len())
        .into_iter()
        .enumerate()
    {
        let lead = if n == 0 { prefix } else { &hang };
        out.push(PlanLine {
            text: format!("{lead}{piece}"),
            node,
            part,
        });
    }
}

/// `text` cut into pieces that fit `width` after `first` columns (first piece) or `rest`
/// columns (the others). Breaks at a space, or after a comma; a word longer than the room left
/// is cut where the line ends, so nothing is ever lost or wider than `width`.
pub fn wrap(text: &str, width: usize, first: usize, rest: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut lead = first;
    loop {
        let room = width.saturating_sub(lead).max(MIN_TEXT);
        if chars.len() - start <= room {
            pieces.push(chars[start..].iter().collect());
            break;
        }
        let window = &chars[start..=start + room];
        // Between figures (two spaces) if that fills a third of the room, else the last space (the
        // space itself goes), else after the last comma.
        let between = window
            .windows(2)
            .rposition(|pair| pair == [' ', ' '])
            .filter(|at| *at >= room / 3);
        let cut = match between.or_else(|| window.iter().rposition(|c| *c == ' ')) {
            Some(at) if at > 0 => (at, at + 1),
            _ => match window[..room].iter().rposition(|c| *c == ',') {
                Some(at) => (at + 1, at + 1),
                None => (room, room),
            },
        };
        let piece: String = chars[start..start + cut.0].iter().collect();
        pieces.push(piece.trim_end().to_string());
        start += cut.1;
        while chars.get(start) == Some(&' ') {
            start += 1;
        }
        lead = rest;
        if start >= chars.len() {
            break;
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width_of(line: &str) -> usize {
        line.chars().count()
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_commas_and_cuts_what_has_neither() {
        let words = wrap("aaaa bbbb cccc dddd", 12, 0, 2);
        assert_eq!(words, ["aaaa bbbb", "cccc dddd"].map(String::from));
        let list = "{a,b,c,d,e,f,g,h,i,j,k,l,m,n,o}";
        let pieces = wrap(list, 14, 0, 2);
        assert!(pieces.iter().all(|p| width_of(p) <= 12 || p == &pieces[0]));
        assert_eq!(pieces.concat(), list, "nothing is lost: {pieces:?}");
        let word = "x".repeat(40);
        assert_eq!(wrap(&word, 14, 0, 0).concat(), word);
    }
}
