//! The migration pane: the revision chain, where the database stands, each of the nine indexes,
//! and during a build a gauge per index fed by the core's progress events.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{elide, pane_block, window};
use crate::migration::plan::{Direction, Plan};
use crate::migration::progress::{BuildProgress, RunEvent, RunFailure, RunOutcome};
use crate::migration::{Owner, PARENT_REVISION, REVISION};
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    Waiting,
    Running(Option<BuildProgress>),
    Done(Duration),
    NotDone,
}

/// A running (or just finished) apply or roll back, as the pane draws it.
#[derive(Debug, Clone)]
pub struct BuildView {
    pub direction: Direction,
    pub steps: Vec<(String, StepState)>,
    /// The latest notice: a lock timeout, a blocking session, a cleanup.
    pub notice: Option<String>,
    pub cancelling: bool,
    /// `Ok(summary)` or `Err(reason)` once the run ended.
    pub finished: Option<Result<String, String>>,
}

impl BuildView {
    pub fn new(plan: &Plan) -> BuildView {
        BuildView {
            direction: plan.options.direction,
            steps: plan
                .ddl_steps()
                .map(|s| (s.index.clone(), StepState::Waiting))
                .collect(),
            notice: None,
            cancelling: false,
            finished: None,
        }
    }

    fn step(&mut self, index: &str) -> Option<&mut StepState> {
        self.steps
            .iter_mut()
            .find(|(name, _)| name == index)
            .map(|(_, s)| s)
    }

    pub fn apply(&mut self, event: RunEvent) {
        match event {
            RunEvent::LongTransactions(sessions) if !sessions.is_empty() => {
                let pids: Vec<String> = sessions.iter().map(|s| s.pid.to_string()).collect();
                self.notice = Some(format!(
                    "builds will wait for open transactions: pid {}",
                    pids.join(", ")
                ));
            }
            RunEvent::LongTransactions(_) => {}
            RunEvent::StepStarted { index, .. } => {
                if let Some(step) = self.step(&index)
                    && *step == StepState::Waiting
                {
                    *step = StepState::Running(None);
                }
            }
            RunEvent::Progress(progress) => {
                if let Some(step) = self.step(&progress.index.clone()) {
                    *step = StepState::Running(Some(progress));
                }
            }
            RunEvent::StepFinished { index, elapsed } => {
                if let Some(step) = self.step(&index) {
                    *step = StepState::Done(elapsed);
                }
            }
            RunEvent::LockTimeout {
                index,
                attempt,
                attempts,
                blockers,
            } => {
                let who: Vec<String> = blockers.iter().map(|b| format!("pid {}", b.pid)).collect();
                self.notice = Some(format!(
                    "{index}: lock_timeout, try {attempt} of {attempts}{}",
                    if who.is_empty() {
                        String::new()
                    } else {
                        format!(", blocked by {}", who.join(", "))
                    }
                ));
            }
            RunEvent::CleanedUp { index } => {
                self.notice = Some(format!("{index}: dropped the INVALID index the build left"));
            }
            RunEvent::VersionMoved { to, .. } => {
                self.notice = Some(format!("alembic_version → {to}"))
            }
        }
    }

    pub fn finish(&mut self, result: Result<RunOutcome, RunFailure>) {
        for (_, step) in &mut self.steps {
            if matches!(step, StepState::Waiting | StepState::Running(_)) {
                *step = StepState::NotDone;
            }
        }
        self.finished = Some(match result {
            Ok(outcome) => Ok(format!("done in {:.1} s", outcome.elapsed.as_secs_f64())),
            Err(failure) => Err(failure.message),
        });
    }

    fn state_of(&self, index: &str) -> Option<&StepState> {
        self.steps
            .iter()
            .find(|(name, _)| name == index)
            .map(|(_, s)| s)
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Focus::Migration;
    let Some(data) = &app.data else {
        frame.render_widget(pane_block(" Migration ".into(), focused, theme), area);
        return;
    };
    let status = &data.status;
    let at = match status.versions.as_deref() {
        None | Some([]) => "unversioned".to_string(),
        Some([v]) if v == PARENT_REVISION => "at parent".to_string(),
        Some([v]) if v == REVISION => "at head".to_string(),
        Some(v) => format!("at {}", v.join(", ")),
    };
    let title = format!(" Migration {PARENT_REVISION} → {REVISION} ({at}) ");
    let overall = Line::from(vec![
        Span::styled(
            status.overall.to_string().to_uppercase(),
            theme.overall(status.overall),
        ),
        Span::raw(" "),
    ]);
    let block = pane_block(title, focused, theme).title(overall.right_aligned());
    let width = area.width.saturating_sub(2) as usize;
    let name_width = 34.min(width.saturating_sub(20));
    let visible = area.height.saturating_sub(3) as usize;
    let mut lines: Vec<Line> = window(app.migration_selected, status.indexes.len(), visible)
        .map(|n| {
            let index = &status.indexes[n];
            let owner = match index.owner {
                Owner::Parent => "parent   ",
                Owner::Migration => "migration",
            };
            let mut spans = vec![
                Span::raw(format!(" {:<name_width$} ", elide(&index.name, name_width))),
                Span::styled(format!("{owner} "), theme.dim()),
                Span::styled(
                    format!("{:<9}", index.state.to_string()),
                    theme.index_state(index.state),
                ),
            ];
            if let Some(state) = app.build.as_ref().and_then(|b| b.state_of(&index.name)) {
                spans.push(Span::raw(" "));
                spans.push(gauge(state, width.saturating_sub(name_width + 22), theme));
            }
            let line = Line::from(spans);
            if n == app.migration_selected && focused {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    lines.push(info_line(app, theme));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `[#####.....] 42% building index: scanning table 3.1 s`, `done 0.85 s`, `waiting`.
fn gauge<'a>(state: &StepState, width: usize, theme: &Theme) -> Span<'a> {
    match state {
        StepState::Waiting => Span::styled("waiting", theme.dim()),
        StepState::Running(None) => Span::styled("starting…", theme.warn()),
        StepState::Running(Some(p)) => {
            let (done, total) = p.done_total();
            let percent = if total > 0 { done * 100 / total } else { 0 };
            let filled = (percent * 8 / 100) as usize;
            // Elapsed before the phase: on a narrow screen the phase is what gets elided.
            let text = format!(
                "[{}{}] {percent}% {:.1} s {}",
                "#".repeat(filled.min(8)),
                ".".repeat(8 - filled.min(8)),
                p.elapsed.as_secs_f64(),
                p.phase
            );
            Span::styled(elide(&text, width), theme.warn())
        }
        StepState::Done(t) => Span::styled(format!("done {:.2} s", t.as_secs_f64()), theme.good()),
        StepState::NotDone => Span::styled("not done", theme.bad()),
    }
}

fn info_line<'a>(app: &App, theme: &Theme) -> Line<'a> {
    if let Some(build) = &app.build {
        let verb = match build.direction {
            Direction::Upgrade => "apply",
            Direction::Downgrade => "roll back",
        };
        return match (&build.finished, build.cancelling, &build.notice) {
            (Some(Ok(summary)), _, _) => Line::styled(format!(" {verb}: {summary}"), theme.good()),
            (Some(Err(reason)), _, _) => {
                Line::styled(format!(" {verb} stopped: {reason}"), theme.bad())
            }
            (None, true, _) => {
                Line::styled(" cancelling: waiting for the build to stop…", theme.warn())
            }
            (None, false, Some(notice)) => Line::styled(format!(" {notice}"), theme.warn()),
            (None, false, None) => {
                Line::styled(format!(" {verb} running · c cancels"), theme.warn())
            }
        };
    }
    if app.read_only {
        return Line::styled(
            " a apply · r roll back: disabled, read-only session",
            theme.dim(),
        );
    }
    Line::styled(
        " a apply · r roll back · v show SQL (each asks first)",
        theme.dim(),
    )
}
