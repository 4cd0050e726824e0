//! Prints the core's run events: a live line on a terminal, plain throttled lines otherwise.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::migration::progress::{BuildProgress, RunEvent, RunOutcome, Session};
use crate::units;

/// Without a terminal, one progress line per index at most this often.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct ProgressPrinter {
    live: bool,
    live_line_open: bool,
    last_plain: Option<Instant>,
    last_phase: String,
    position: String,
}

impl ProgressPrinter {
    pub fn new() -> ProgressPrinter {
        ProgressPrinter {
            live: std::io::stderr().is_terminal(),
            live_line_open: false,
            last_plain: None,
            last_phase: String::new(),
            position: String::new(),
        }
    }

    pub fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::LongTransactions(sessions) if sessions.is_empty() => {
                self.line("no other session holds a snapshot or transaction id right now")
            }
            RunEvent::LongTransactions(sessions) => {
                self.line(
                    "these sessions hold a snapshot or transaction id; a concurrent build waits for each:",
                );
                for session in sessions {
                    self.line(&format!("  {}", session.describe()));
                }
            }
            RunEvent::StepStarted {
                index,
                statement,
                position,
                total,
            } => {
                self.position = format!("[{position}/{total}]");
                self.last_plain = None;
                self.line(&format!("{} {index}: {statement}", self.position));
            }
            RunEvent::Progress(progress) => self.progress(progress),
            RunEvent::LockTimeout {
                index,
                attempt,
                attempts,
                blockers,
            } => self.line(&format!(
                "{} {index}: lock_timeout fired (try {attempt} of {attempts}){}; trying again",
                self.position,
                blocked_by(blockers)
            )),
            RunEvent::CleanedUp { index } => self.line(&format!(
                "{} {index}: dropped the INVALID index the interrupted build left",
                self.position
            )),
            RunEvent::StepFinished { index, elapsed } => self.line(&format!(
                "{} {index}: done in {:.2} s",
                self.position,
                elapsed.as_secs_f64()
            )),
            RunEvent::VersionMoved { from, to } => self.line(&format!(
                "alembic_version {} → {to}",
                from.as_deref().unwrap_or("(new)")
            )),
        }
    }

    fn progress(&mut self, p: &BuildProgress) {
        let percent = match p.done_total() {
            (done, total) if total > 0 => format!("{:>3}% ", done * 100 / total),
            _ => String::new(),
        };
        let text = format!(
            "{} {}: {}{} · blocks {}/{} · tuples {}/{} · {:.1} s",
            self.position,
            p.index,
            percent,
            p.phase,
            units::count(p.blocks_done),
            units::count(p.blocks_total),
            units::count(p.tuples_done),
            units::count(p.tuples_total),
            p.elapsed.as_secs_f64()
        );
        if self.live {
            let bar = bar(p);
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{bar} {text}");
            let _ = err.flush();
            self.live_line_open = true;
        } else if p.phase != self.last_phase
            || self.last_plain.is_none_or(|t| t.elapsed() >= PLAIN_EVERY)
        {
            // Plain output: a line when the phase changes, else one every few seconds.
            self.last_plain = Some(Instant::now());
            self.last_phase = p.phase.clone();
            self.line(&text);
        }
    }

    pub fn line(&mut self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.live_line_open {
            let _ = write!(err, "\r\x1b[2K");
            self.live_line_open = false;
        }
        let _ = writeln!(err, "{text}");
    }

    pub fn summary(&mut self, outcome: &RunOutcome, done_word: &str) {
        let done: Vec<String> = outcome
            .done
            .iter()
            .map(|(name, t)| format!("{name} ({:.2} s)", t.as_secs_f64()))
            .collect();
        if !done.is_empty() {
            self.line(&format!("{done_word}: {}", done.join(", ")));
        }
        if !outcome.not_done.is_empty() {
            self.line(&format!("not {done_word}: {}", outcome.not_done.join(", ")));
        }
    }
}

/// `[#######.............]` from blocks, else tuples, done of total.
fn bar(p: &BuildProgress) -> String {
    const WIDTH: i64 = 20;
    let (done, total) = p.done_total();
    let filled = if total > 0 {
        (done * WIDTH / total).clamp(0, WIDTH)
    } else {
        0
    };
    format!(
        "[{}{}]",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize)
    )
}

fn blocked_by(blockers: &[Session]) -> String {
    if blockers.is_empty() {
        String::new()
    } else {
        let who: Vec<String> = blockers.iter().map(Session::describe).collect();
        format!(", blocked by {}", who.join("; "))
    }
}
