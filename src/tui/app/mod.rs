//! The app's state and its pure update: keys and database events in, state and effects out.
//! Nothing here awaits anything, so the whole app can be driven headless in tests.

mod dialogs;
mod explain;

pub use explain::ExplainState;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};

use super::action::{Action, DbEvent, Effect};
use super::data::{Loaded, SortKey, index_rows};
use super::keymap;
use super::panes::migration::BuildView;
use crate::migration::plan::{Direction, Plan};
use crate::migration::progress::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tables,
    Indexes,
    Migration,
    /// The Explain view, over the whole body (`e` opens and leaves it), keys on its probes.
    Explain,
    /// The Explain view with keys on its plan pane, which they scroll (Tab from the probes).
    Plan,
}

impl Focus {
    /// Either focus of the Explain view.
    pub fn in_explain(self) -> bool {
        matches!(self, Focus::Explain | Focus::Plan)
    }

    const ORDER: [Focus; 3] = [Focus::Tables, Focus::Indexes, Focus::Migration];

    fn step(self, by: isize) -> Focus {
        let at = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Self::ORDER[(at + by).rem_euclid(3) as usize]
    }
}

/// At most one pop-up at a time.
#[derive(Debug, Clone)]
pub enum Popup {
    Help,
    /// Waiting for the worker to make the plan.
    Planning(Direction),
    Confirm {
        direction: Direction,
        plan: Box<Plan>,
        sessions: Vec<Session>,
        sql: String,
    },
    Sql(String),
    Message {
        title: String,
        text: String,
    },
    QuitWhileBuilding,
}

pub struct App {
    pub target: String,
    pub read_only: bool,
    pub focus: Focus,
    pub data: Option<Loaded>,
    /// When a refresh last brought different data, `HH:MM:SS`: the header shows it, so a
    /// refresh that finds nothing new redraws nothing.
    pub changed_at: Option<String>,
    pub refresh_error: Option<String>,
    pub refresh_in_flight: Option<(u64, Instant)>,
    /// `R` came while a counters refresh was out: a full read follows its answer.
    full_refresh_waiting: bool,
    seq: u64,
    pub table_selected: usize,
    pub index_selected: usize,
    pub migration_selected: usize,
    pub sort: SortKey,
    pub reverse: bool,
    pub filter: String,
    pub editing_filter: bool,
    /// Cached order of the indexes pane: recomputed on new data, filter, sort or table.
    pub rows: Vec<usize>,
    pub popup: Option<Popup>,
    /// First line shown of a long pop-up.
    pub popup_scroll: u16,
    pub build: Option<BuildView>,
    pub quit_after_build: bool,
    pub explain: ExplainState,
    /// The pane to return to when the Explain view closes.
    focus_before_explain: Focus,
    pub should_quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl App {
    pub fn new(target: String, read_only: bool) -> App {
        App {
            target,
            read_only,
            focus: Focus::Tables,
            data: None,
            changed_at: None,
            refresh_error: None,
            refresh_in_flight: None,
            full_refresh_waiting: false,
            seq: 0,
            table_selected: 0,
            index_selected: 0,
            migration_selected: 0,
            sort: SortKey::Table,
            reverse: false,
            filter: String::new(),
            editing_filter: false,
            rows: Vec::new(),
            popup: None,
            popup_scroll: 0,
            build: None,
            quit_after_build: false,
            explain: ExplainState::default(),
            focus_before_explain: Focus::Tables,
            should_quit: false,
            dirty: true,
        }
    }

    /// The refresh timer fired: ask for the counters unless a request is already out.
    pub fn refresh_due(&mut self, now: Instant) -> Vec<Effect> {
        self.request_refresh(now, false)
    }

    /// `R`, or a build ended: read everything again, definitions included.
    pub fn refresh_now(&mut self, now: Instant) -> Vec<Effect> {
        self.request_refresh(now, true)
    }

    fn request_refresh(&mut self, now: Instant, full: bool) -> Vec<Effect> {
        if self.refresh_in_flight.is_some() {
            // A full read asked for while a counters refresh is out goes next, not nowhere.
            self.full_refresh_waiting |= full;
            return Vec::new();
        }
        let full = std::mem::take(&mut self.full_refresh_waiting) || full;
        self.seq += 1;
        self.refresh_in_flight = Some((self.seq, now));
        vec![Effect::Refresh {
            seq: self.seq,
            full,
        }]
    }

    /// The table the tables pane selects; row 0 is "all tables".
    pub fn selected_table(&self) -> Option<(&str, &str)> {
        let data = self.data.as_ref()?;
        let table = data
            .snapshot
            .tables
            .get(self.table_selected.checked_sub(1)?)?;
        Some((table.schema.as_str(), table.name.as_str()))
    }

    fn recompute_rows(&mut self) {
        self.rows = match &self.data {
            Some(data) => {
                let table = self.selected_table();
                index_rows(data, table, &self.filter, self.sort, self.reverse)
            }
            None => Vec::new(),
        };
        self.index_selected = self.index_selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        if self.editing_filter {
            self.edit_filter(key);
            return Vec::new();
        }
        if self.focus.in_explain() && self.explain.editing && self.popup.is_none() {
            return self.editor_key(key);
        }
        if let Some(popup) = self.popup.clone() {
            return self.popup_key(popup, key);
        }
        match keymap::action_for(key, self.focus) {
            Some(action) => self.update(action),
            None => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    fn edit_filter(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Esc => {
                self.filter.clear();
                self.editing_filter = false;
            }
            KeyCode::Enter => self.editing_filter = false,
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Char(c) => self.filter.push(c),
            _ => return,
        }
        self.index_selected = 0;
        self.recompute_rows();
    }

    /// One action on the state; database work is only asked for, as effects.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-10),
            Action::PageDown => self.move_by(10),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            // In the Explain view, Tab goes between the probes and the plan.
            Action::NextPane | Action::PrevPane if self.focus.in_explain() => {
                self.focus = match self.focus {
                    Focus::Plan => Focus::Explain,
                    _ => Focus::Plan,
                }
            }
            Action::NextPane => self.focus = self.focus.step(1),
            Action::PrevPane => self.focus = self.focus.step(-1),
            Action::ExplainView => return self.toggle_explain(),
            Action::RunExplain => return self.run_explain(false, false),
            Action::RunExplainAnalyze => return self.run_explain(true, false),
            Action::RunExplainCompare => return self.run_explain(false, true),
            Action::SortNext => {
                self.sort = self.sort.next();
                self.recompute_rows();
            }
            Action::SortReverse => {
                self.reverse = !self.reverse;
                self.recompute_rows();
            }
            // A new filter each time: `/` again does not append to the old one.
            Action::StartFilter => {
                self.filter.clear();
                self.editing_filter = true;
                self.recompute_rows();
            }
            Action::Back if self.focus.in_explain() => return self.toggle_explain(),
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.recompute_rows();
            }
            Action::Back | Action::Resize => {}
            Action::Help => self.open(Popup::Help),
            Action::Refresh => return self.refresh_now(Instant::now()),
            Action::Quit if self.build_running() => self.open(Popup::QuitWhileBuilding),
            Action::Quit => {
                self.should_quit = true;
                return vec![Effect::Quit];
            }
            Action::Apply => return self.ask_plan(Direction::Upgrade),
            Action::Rollback => return self.ask_plan(Direction::Downgrade),
            Action::ShowSql => return self.ask_plan_sql(),
            // In the Explain view, `c` stops the running explain first.
            Action::CancelBuild if self.focus.in_explain() && self.explain.running => {
                return self.cancel_explain();
            }
            Action::CancelBuild => return self.build_cancel(),
        }
        Vec::new()
    }

    fn move_by(&mut self, by: isize) {
        if self.focus == Focus::Plan {
            return self.explain.scroll_plan(by);
        }
        let (selected, len) = match self.focus {
            Focus::Tables => (
                &mut self.table_selected,
                1 + self.data.as_ref().map_or(0, |d| d.snapshot.tables.len()),
            ),
            Focus::Indexes => (&mut self.index_selected, self.rows.len()),
            Focus::Migration => (&mut self.migration_selected, 9),
            // The probes, then the SQL editor.
            Focus::Explain | Focus::Plan => {
                (&mut self.explain.selected, crate::probes::PROBES.len() + 1)
            }
        };
        let before = *selected;
        let last = len.saturating_sub(1) as isize;
        *selected = (*selected as isize).saturating_add(by).clamp(0, last) as usize;
        if self.focus == Focus::Tables {
            self.index_selected = 0;
            self.recompute_rows();
        }
        if self.focus == Focus::Explain && self.explain.selected != before {
            // Another probe's plan starts at its top.
            self.explain.plan_scroll = 0;
        }
    }

    pub fn build_running(&self) -> bool {
        self.build.as_ref().is_some_and(|b| b.finished.is_none())
    }

    pub fn on_db(&mut self, event: DbEvent) -> Vec<Effect> {
        self.dirty = true;
        match event {
            DbEvent::Refreshed {
                seq,
                snapshot,
                versions,
                at,
            } => {
                self.refreshed(seq, *snapshot, versions, at);
                if self.full_refresh_waiting && self.refresh_in_flight.is_none() {
                    return self.refresh_now(Instant::now());
                }
            }
            DbEvent::RefreshFailed { seq, error } => {
                if seq == self.seq {
                    self.refresh_in_flight = None;
                    self.refresh_error = Some(error);
                }
            }
            DbEvent::Planned {
                direction,
                result,
                sessions,
                sql,
            } => self.planned(direction, result, sessions, sql),
            DbEvent::Explained { id, answer } => self.explained(id, *answer),
            DbEvent::ExplainedSql { id, answer } => self.explained_sql(id, *answer),
            DbEvent::Run(event) => {
                if let Some(build) = &mut self.build {
                    build.apply(event);
                }
            }
            DbEvent::RunFinished(result) => {
                // A stopped run gets its whole reason in a dialog: the pane line would cut it.
                if let Err(failure) = &result
                    && !self.quit_after_build
                {
                    self.open(Popup::Message {
                        title: "stopped".into(),
                        text: failure.message.clone(),
                    });
                }
                if let Some(build) = &mut self.build {
                    build.finish(result);
                }
                if self.quit_after_build {
                    self.should_quit = true;
                    return vec![Effect::Quit];
                }
                return self.refresh_now(Instant::now());
            }
        }
        Vec::new()
    }

    fn refreshed(
        &mut self,
        seq: u64,
        snapshot: crate::catalog::CatalogSnapshot,
        versions: Option<Vec<String>>,
        at: String,
    ) {
        // Requests never stack, so only the latest one can answer; a late older one is dropped.
        if seq != self.seq {
            self.dirty = false;
            return;
        }
        let now = Instant::now();
        // The header said "refreshing…" while the answer was late: that must go.
        let waited = self
            .refresh_in_flight
            .take()
            .is_some_and(|(_, since)| now.duration_since(since) >= Duration::from_millis(900));
        let recovered = self.refresh_error.take().is_some();
        if let Some(data) = self.data.as_mut()
            && data.same_as(&snapshot, &versions)
            && data.scan_rates.iter().all(|r| r.is_none_or(|r| r == 0.0))
        {
            // Definitions and counters as before: nothing on screen moves, nothing is drawn.
            // The data is confirmed as of now, which is also where the next rates start.
            data.taken = now;
            self.dirty = recovered || waited;
            return;
        }
        self.changed_at = Some(at);
        let previous = self.data.take();
        self.data = Some(Loaded::new(snapshot, versions, now, previous.as_ref()));
        self.recompute_rows();
    }
}
