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
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    pub(super) fn ask_plan(&mut self, direction: Direction) -> Vec<Effect> {
        if self.read_only {
            self.popup = Some(Popup::Message {
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
        self.popup = Some(Popup::Planning(direction));
        vec![Effect::Plan { direction }]
    }

    pub(super) fn ask_plan_sql(&mut self) -> Vec<Effect> {
        self.popup = Some(Popup::Sql("preparing the plan…".into()));
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
            (Some(Popup::Sql(_)), _) => self.popup = Some(Popup::Sql(sql)),
            (Some(Popup::Planning(_)), Ok(plan)) if plan.is_noop() => {
                self.popup = Some(Popup::Message {
                    title: "nothing to do".into(),
                    text: "Every index is already as this direction leaves it.".into(),
                })
            }
            (Some(Popup::Planning(_)), Ok(plan)) => {
                self.popup = Some(Popup::Confirm {
                    direction,
                    plan,
                    sessions,
                    sql,
                })
            }
            (Some(Popup::Planning(_)), Err(reason)) => {
                self.popup = Some(Popup::Message {
                    title: "refused".into(),
                    text: reason,
                })
            }
            // The operator closed the dialog meanwhile: drop the answer.
            _ => self.dirty = false,
        }
    }
}
