//! The app's dialogs: asking for a plan, confirming it, cancelling and quitting mid-build.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Popup};
use crate::migration::plan::{Direction, Plan};
use crate::migration::progress::Session;
use crate::tui::action::Effect;
use crate::tui::panes::migration::BuildView;

impl App {
    pub(super) fn popup_key(&mut self, popup: Popup, key: KeyEvent) -> Vec<Effect> {
        let yes = key.code == KeyCode::Char('y');
        let close = matches!(
            key.code,
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q')
        ) || (matches!(popup, Popup::Help | Popup::Sql(_) | Popup::Message { .. })
            && matches!(key.code, KeyCode::Enter | KeyCode::Char('?')));
        match popup {
            Popup::Confirm { plan, .. } if yes => {
                self.popup = None;
                self.build = Some(BuildView::new(&plan));
                vec![Effect::Run(plan)]
            }
            Popup::QuitWhileBuilding if yes => {
                self.popup = None;
                self.quit_after_build = true;
                self.build_cancel()
            }
            _ if close => {
                self.popup = None;
                Vec::new()
            }
            // Long dialogs scroll, so the last statement and the waiting sessions can be read.
            _ => {
                let by: i32 = match key.code {
                    KeyCode::Down | KeyCode::Char('j') => 1,
                    KeyCode::Up | KeyCode::Char('k') => -1,
                    KeyCode::PageDown | KeyCode::Char(' ') => 10,
                    KeyCode::PageUp => -10,
                    _ => 0,
                };
                if by == 0 {
                    self.dirty = false;
                } else {
                    self.popup_scroll = (self.popup_scroll as i32 + by).clamp(0, 500) as u16;
                }
                Vec::new()
            }
        }
    }

    /// Shows a pop-up from its first line.
    pub(super) fn open(&mut self, popup: Popup) {
        self.popup = Some(popup);
        self.popup_scroll = 0;
    }

    pub(super) fn ask_plan(&mut self, direction: Direction) -> Vec<Effect> {
        if self.read_only {
            self.open(Popup::Message {
                title: "read-only".into(),
                text: "Apply and roll back are disabled: hotidx runs read-only here \
                       (--read-only or HOTIDX_READ_ONLY), and the session itself refuses writes."
                    .into(),
            });
            return Vec::new();
        }
        if self.build_running() {
            return Vec::new();
        }
        self.open(Popup::Planning(direction));
        vec![Effect::Plan { direction }]
    }

    pub(super) fn ask_plan_sql(&mut self) -> Vec<Effect> {
        self.open(Popup::Sql("preparing the plan…".into()));
        vec![Effect::Plan {
            direction: Direction::Upgrade,
        }]
    }

    pub(super) fn build_cancel(&mut self) -> Vec<Effect> {
        match &mut self.build {
            Some(build) if build.finished.is_none() => {
                build.cancelling = true;
                vec![Effect::CancelRun]
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    pub(super) fn planned(
        &mut self,
        direction: Direction,
        result: Result<Box<Plan>, String>,
        sessions: Vec<Session>,
        sql: String,
    ) {
        match (&self.popup, result) {
            (Some(Popup::Sql(_)), _) => self.open(Popup::Sql(sql)),
            (Some(Popup::Planning(_)), Ok(plan)) if plan.is_noop() => self.open(Popup::Message {
                title: "nothing to do".into(),
                text: "Every index is already as this direction leaves it.".into(),
            }),
            (Some(Popup::Planning(_)), Ok(plan)) => self.open(Popup::Confirm {
                direction,
                plan,
                sessions,
                sql,
            }),
            (Some(Popup::Planning(_)), Err(reason)) => self.open(Popup::Message {
                title: "refused".into(),
                text: reason,
            }),
            // The operator closed the dialog meanwhile: drop the answer.
            _ => self.dirty = false,
        }
    }
}
