//! The Explain view's state: which probe is selected, and the last answer for it.

use super::{App, Focus};
use crate::explain::report::{ProbeOptions, ProbeReport};
use crate::probes::PROBES;
use crate::tui::action::Effect;

#[derive(Debug, Clone, Default)]
pub struct ExplainState {
    pub selected: usize,
    /// A request is out; the view says so.
    pub running: bool,
    pub report: Option<ProbeReport>,
    pub error: Option<String>,
}

impl App {
    pub(super) fn toggle_explain(&mut self) {
        if self.focus == Focus::Explain {
            self.focus = self.focus_before_explain;
        } else {
            self.focus_before_explain = self.focus;
            self.focus = Focus::Explain;
        }
    }

    pub(super) fn run_explain(&mut self, analyze: bool, compare: bool) -> Vec<Effect> {
        if self.explain.running {
            return Vec::new();
        }
        let Some(probe) = PROBES.get(self.explain.selected) else {
            return Vec::new();
        };
        self.explain.running = true;
        self.explain.error = None;
        let options = ProbeOptions {
            analyze,
            compare,
            read_only: self.read_only,
        };
        vec![Effect::Explain { probe, options }]
    }

    pub(super) fn explained(&mut self, answer: Result<ProbeReport, String>) {
        self.explain.running = false;
        match answer {
            Ok(report) => {
                self.explain.report = Some(report);
                self.explain.error = None;
            }
            Err(error) => self.explain.error = Some(error),
        }
    }
}
