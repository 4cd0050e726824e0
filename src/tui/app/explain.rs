//! The Explain view's state: which probe is selected, and the last answer for it.

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use super::{App, Focus};
use crate::explain::report::{ProbeOptions, ProbeReport};
use crate::explain::run::Explained;
use crate::probes::PROBES;
use crate::tui::action::Effect;

#[derive(Debug, Clone, Default)]
pub struct ExplainState {
    /// A probe, or `PROBES.len()`: the SQL editor.
    pub selected: usize,
    /// A request is out; the view says so.
    pub running: bool,
    /// The newest request's id: an answer to any other is dropped.
    pub request: u64,
    pub report: Option<ProbeReport>,
    pub error: Option<String>,
    /// The SQL editor and whether keys go to it.
    pub editor: TextArea<'static>,
    pub editing: bool,
    /// Statements explained from the editor, oldest first; Alt-Up/Alt-Down walk it.
    pub history: Vec<String>,
    history_at: Option<usize>,
    pub sql_result: Option<Explained>,
    /// First line of the plan pane shown.
    pub plan_scroll: usize,
    /// The most the plan pane can scroll, as its last draw measured it (lines beyond what fits):
    /// only drawing knows the pane's width, so drawing tells the state.
    pub plan_scroll_max: Cell<usize>,
}

impl ExplainState {
    pub fn on_editor(&self) -> bool {
        self.selected == PROBES.len()
    }

    /// Moves the plan pane by `by` lines, within what the last draw could show.
    pub fn scroll_plan(&mut self, by: isize) {
        let max = self.plan_scroll_max.get();
        self.plan_scroll = self.plan_scroll.saturating_add_signed(by).min(max);
    }
}

impl App {
    /// Leaving the view cancels what it was running: nobody is left to read the answer.
    pub(super) fn toggle_explain(&mut self) -> Vec<Effect> {
        if self.focus.in_explain() {
            self.focus = self.focus_before_explain;
            if self.explain.running {
                return self.cancel_explain();
            }
        } else {
            self.focus_before_explain = self.focus;
            self.focus = Focus::Explain;
        }
        Vec::new()
    }

    /// Stops the running explain on the server; its answer, if one still comes, is dropped.
    pub(super) fn cancel_explain(&mut self) -> Vec<Effect> {
        self.explain.running = false;
        self.explain.request += 1;
        self.explain.error = Some("cancelled: the statement was cancelled on the server".into());
        vec![Effect::CancelExplain]
    }

    pub(super) fn run_explain(&mut self, analyze: bool, compare: bool) -> Vec<Effect> {
        if self.explain.running {
            return Vec::new();
        }
        if self.explain.on_editor() {
            if !analyze && !compare {
                self.explain.editing = true;
                return Vec::new();
            }
            return self.run_sql(analyze);
        }
        let Some(probe) = PROBES.get(self.explain.selected) else {
            return Vec::new();
        };
        self.explain.running = true;
        self.explain.error = None;
        self.explain.request += 1;
        let options = ProbeOptions {
            analyze,
            compare,
            read_only: self.read_only,
        };
        vec![Effect::Explain {
            id: self.explain.request,
            probe,
            options,
        }]
    }

    /// Keys while the editor has them: F5 or Ctrl-R plans, F6 analyzes, Alt-Up/Down walk the
    /// history, Esc hands the keys back; everything else edits.
    pub(super) fn editor_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => self.explain.editing = false,
            KeyCode::F(5) => return self.run_sql(false),
            KeyCode::Char('r') if ctrl => return self.run_sql(false),
            KeyCode::F(6) => return self.run_sql(true),
            KeyCode::Up if alt => self.walk_history(-1),
            KeyCode::Down if alt => self.walk_history(1),
            _ => {
                self.explain.editor.input(key);
            }
        }
        Vec::new()
    }

    fn run_sql(&mut self, analyze: bool) -> Vec<Effect> {
        let sql = self.explain.editor.lines().join("\n").trim().to_string();
        if sql.is_empty() || self.explain.running {
            return Vec::new();
        }
        if self.explain.history.last() != Some(&sql) {
            self.explain.history.push(sql.clone());
        }
        self.explain.history_at = None;
        self.explain.running = true;
        self.explain.error = None;
        self.explain.request += 1;
        vec![Effect::ExplainSql {
            id: self.explain.request,
            sql,
            analyze,
        }]
    }

    fn walk_history(&mut self, by: isize) {
        let len = self.explain.history.len();
        if len == 0 {
            return;
        }
        let at = match self.explain.history_at {
            None if by < 0 => len - 1,
            None => return,
            Some(at) => (at as isize + by).clamp(0, len as isize - 1) as usize,
        };
        self.explain.history_at = Some(at);
        let lines: Vec<String> = self.explain.history[at].lines().map(String::from).collect();
        self.explain.editor = TextArea::new(lines);
        // Typing goes on after the recalled statement, not before it.
        self.explain.editor.move_cursor(CursorMove::Bottom);
        self.explain.editor.move_cursor(CursorMove::End);
    }

    pub(super) fn explained_sql(&mut self, id: u64, answer: Result<Explained, String>) {
        if id != self.explain.request {
            self.dirty = false;
            return;
        }
        self.explain.running = false;
        match answer {
            Ok(explained) => {
                self.explain.sql_result = Some(explained);
                self.explain.error = None;
                self.explain.plan_scroll = 0;
            }
            Err(error) => self.explain.error = Some(error),
        }
    }

    pub(super) fn explained(&mut self, id: u64, answer: Result<ProbeReport, String>) {
        if id != self.explain.request {
            self.dirty = false;
            return;
        }
        self.explain.running = false;
        match answer {
            Ok(report) => {
                self.explain.report = Some(report);
                self.explain.error = None;
                self.explain.plan_scroll = 0;
            }
            Err(error) => self.explain.error = Some(error),
        }
    }
}
