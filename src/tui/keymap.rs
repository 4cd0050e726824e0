//! The keymap is data: key handling, the footer and the help overlay all read this one table, so
//! help cannot lie.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::app::Focus;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Lists,
    Indexes,
    Explain,
    /// The Explain view's plan pane, once Tab gave it the keys.
    Plan,
}

pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
    /// The footer's one word for it; `None` keeps it out of the footer.
    pub hint: Option<&'static str>,
}

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    scope: Scope,
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        label,
        action,
        scope,
        help,
        hint,
    }
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, PageDown, PageUp, Tab, Up};

#[rustfmt::skip] // one binding per line reads as the table it is
pub const KEYMAP: &[Binding] = &[
    // Before the list keys: where the plan has the keys, the same keys scroll it.
    bind(&[Up, Char('k')], "↑/k", Action::Up, Scope::Plan, "scroll the plan up", None),
    bind(&[Down, Char('j')], "↓/j", Action::Down, Scope::Plan, "scroll the plan down", Some("scroll")),
    bind(&[PageUp], "PgUp", Action::PageUp, Scope::Plan, "plan a page up", None),
    bind(&[PageDown], "PgDn", Action::PageDown, Scope::Plan, "plan a page down", None),
    bind(&[Char('g'), Home], "g", Action::Top, Scope::Plan, "plan's first line", None),
    bind(&[Char('G'), End], "G", Action::Bottom, Scope::Plan, "plan's last line", None),
    bind(&[Up, Char('k')], "↑/k", Action::Up, Scope::Lists, "move up", None),
    bind(&[Down, Char('j')], "↓/j", Action::Down, Scope::Lists, "move down", Some("move")),
    bind(&[Char('g'), Home], "g", Action::Top, Scope::Lists, "first row", None),
    bind(&[Char('G'), End], "G", Action::Bottom, Scope::Lists, "last row", None),
    bind(&[PageUp], "PgUp", Action::PageUp, Scope::Lists, "page up", None),
    bind(&[PageDown], "PgDn", Action::PageDown, Scope::Lists, "page down", None),
    bind(&[Tab, Char('l')], "Tab", Action::NextPane, Scope::Everywhere, "next pane", Some("pane")),
    bind(&[BackTab, Char('h')], "S-Tab", Action::PrevPane, Scope::Everywhere, "previous pane", None),
    bind(&[Char('s')], "s", Action::SortNext, Scope::Indexes, "sort by the next column", Some("sort")),
    bind(&[Char('S')], "S", Action::SortReverse, Scope::Indexes, "reverse the sort", None),
    bind(&[Char('/')], "/", Action::StartFilter, Scope::Indexes, "filter by name/table/column", Some("filter")),
    bind(&[Char('a')], "a", Action::Apply, Scope::Everywhere, "apply the migration (asks)", Some("apply")),
    bind(&[Char('r')], "r", Action::Rollback, Scope::Everywhere, "roll it back (asks first)", Some("roll back")),
    bind(&[Char('v')], "v", Action::ShowSql, Scope::Everywhere, "show the upgrade SQL", Some("SQL")),
    bind(&[Char('c')], "c", Action::CancelBuild, Scope::Everywhere, "cancel build or explain", Some("cancel")),
    bind(&[Char('e')], "e", Action::ExplainView, Scope::Everywhere, "explain view: probes and plans", Some("explain")),
    bind(&[Tab, Char('l')], "Tab", Action::NextPane, Scope::Explain, "probes ⇄ plan (scroll it)", Some("probes/plan")),
    bind(&[Enter], "Enter", Action::RunExplain, Scope::Explain, "plan of the selected probe", Some("plan")),
    bind(&[Char('A')], "A", Action::RunExplainAnalyze, Scope::Explain, "EXPLAIN ANALYZE it (rolled back)", Some("analyze")),
    bind(&[Char('C')], "C", Action::RunExplainCompare, Scope::Explain, "before/after the migration", Some("compare")),
    bind(&[Char('R')], "R", Action::Refresh, Scope::Everywhere, "refresh now", Some("refresh")),
    bind(&[Char('?')], "?", Action::Help, Scope::Everywhere, "this help", Some("help")),
    bind(&[Esc], "Esc", Action::Back, Scope::Everywhere, "close dialog, clear filter", None),
    bind(&[Char('q')], "q", Action::Quit, Scope::Everywhere, "quit (asks during a build)", Some("quit")),
];

impl Scope {
    /// Every scope, in the order the help lists them.
    pub const ALL: [Scope; 5] = [
        Scope::Everywhere,
        Scope::Lists,
        Scope::Indexes,
        Scope::Explain,
        Scope::Plan,
    ];

    pub fn applies(self, focus: Focus) -> bool {
        match self {
            Scope::Everywhere => true,
            Scope::Lists => true,
            Scope::Indexes => focus == Focus::Indexes,
            Scope::Explain => focus.in_explain(),
            Scope::Plan => focus == Focus::Plan,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Everywhere => "everywhere",
            Scope::Lists => "in lists",
            Scope::Indexes => "indexes pane",
            Scope::Explain => "explain view",
            Scope::Plan => "plan pane",
        }
    }
}

/// The action a key means in the focused pane, if any. Ctrl-C quits like `q`.
pub fn action_for(key: KeyEvent, focus: Focus) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == Char('c') {
        return Some(Action::Quit);
    }
    KEYMAP
        .iter()
        .filter(|b| b.scope.applies(focus))
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// `key label` pairs for the footer of the focused pane.
pub fn footer_hints(focus: Focus) -> Vec<(&'static str, &'static str)> {
    let mut hints: Vec<(&Binding, &'static str)> = KEYMAP
        .iter()
        .filter(|b| b.scope.applies(focus))
        .filter_map(|b| Some((b, b.hint?)))
        .collect();
    // Help and quit first, then what only this pane does: on a narrow screen the rest is cut.
    hints.sort_by_key(|(b, _)| {
        let general = matches!(b.scope, Scope::Everywhere | Scope::Lists);
        (!matches!(b.action, Action::Help | Action::Quit), general)
    });
    // A key this pane gives its own meaning (j scrolls the plan) is shown with that one only.
    let mut seen = Vec::new();
    hints
        .into_iter()
        .filter(|(b, _)| {
            let first = !seen.contains(&b.label);
            seen.push(b.label);
            first
        })
        .map(|(b, hint)| (b.label, hint))
        .collect()
}
