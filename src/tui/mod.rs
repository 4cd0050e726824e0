//! The terminal UI: state and pure update (`app`), keys as data (`keymap`), one module per pane,
//! database work on tasks (`worker`), and this loop that joins them.

pub mod action;
pub mod app;
pub mod data;
pub mod keymap;
pub mod panes;
pub mod render;
pub mod theme;
mod worker;

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use self::action::{Action, DbEvent, Effect};
use self::app::App;
use self::theme::Theme;
use self::worker::Worker;
use crate::config::Target;
use crate::db::DbError;

/// How long an exit waits for a cancelled build to clean up before leaving anyway.
const CANCEL_GRACE: Duration = Duration::from_secs(30);

/// Opens the TUI on `target`; the terminal is restored on every way out.
pub async fn run(target: Target, read_only: bool, refresh_every: Duration) -> Result<i32, DbError> {
    let mut terminal = ratatui::try_init()
        .map_err(|e| DbError::Usage(format!("cannot set up the terminal: {e}")))?;
    let result = event_loop(&mut terminal, target, read_only, refresh_every).await;
    ratatui::restore();
    // Said after the terminal is back, where it stays readable.
    result.map(|(code, message)| {
        if let Some(message) = message {
            eprintln!("hotidx: {message}");
        }
        code
    })
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    target: Target,
    read_only: bool,
    refresh_every: Duration,
) -> Result<(i32, Option<String>), DbError> {
    let theme = Theme::from_env();
    let mut app = App::new(target.display(), read_only);
    let (db_tx, mut db_rx) = mpsc::unbounded_channel();
    let mut worker = Worker::new(target, db_tx);
    let mut keys = EventStream::new();
    let mut refresh = tokio::time::interval(refresh_every);
    refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Only while an answer is late: the header counts the data's age.
    let mut age = tokio::time::interval(Duration::from_secs(1));
    age.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let term_error = |e: std::io::Error| DbError::Usage(format!("terminal: {e}"));
    let mut sigterm = signal(SignalKind::terminate()).map_err(term_error)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(term_error)?;
    let mut left_by = "quit";
    loop {
        if app.dirty {
            terminal
                .draw(|frame| render::draw(frame, &app, &theme, Instant::now()))
                .map_err(term_error)?;
            app.dirty = false;
        }
        if app.should_quit {
            break;
        }
        let effects = tokio::select! {
            key = keys.next() => match key {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => app.handle_key(key),
                Some(Ok(Event::Resize(..))) => app.update(Action::Resize),
                Some(Ok(_)) => Vec::new(),
                // The terminal is gone (stdin closed): leave as on a hang-up.
                Some(Err(_)) | None => break,
            },
            Some(event) = db_rx.recv() => app.on_db(event),
            _ = refresh.tick() => app.refresh_due(Instant::now()),
            _ = age.tick(), if app.refresh_in_flight.is_some() => {
                // Only an answer late by a second or more changes the header; a redraw that
                // changes nothing still writes bytes (colour resets, the cursor).
                let late = app
                    .refresh_in_flight
                    .is_some_and(|(_, since)| since.elapsed() >= Duration::from_secs(1));
                app.dirty |= late;
                Vec::new()
            }
            _ = sigterm.recv() => {
                left_by = "SIGTERM";
                break;
            }
            _ = sighup.recv() => {
                left_by = "SIGHUP";
                break;
            }
        };
        for effect in effects {
            worker.handle(effect);
        }
    }
    if app.build_running() {
        finish_cancelled_build(&mut app, &mut worker, &mut db_rx).await;
        let not_done: Vec<&str> = app
            .build
            .iter()
            .flat_map(|b| b.steps.iter())
            .filter(|(_, state)| !matches!(state, panes::migration::StepState::Done(_)))
            .map(|(name, _)| name.as_str())
            .collect();
        let message = format!(
            "the build was cancelled on {left_by}; not built: {}; alembic_version not moved",
            not_done.join(", ")
        );
        return Ok((1, Some(message)));
    }
    Ok((0, None))
}

/// Leaving mid-build cancels it and waits (bounded) for the cleanup, so no INVALID index stays.
async fn finish_cancelled_build(
    app: &mut App,
    worker: &mut Worker,
    events: &mut mpsc::UnboundedReceiver<DbEvent>,
) {
    worker.handle(Effect::CancelRun);
    let deadline = tokio::time::sleep(CANCEL_GRACE);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            Some(event) = events.recv() => {
                let done = matches!(event, DbEvent::RunFinished(_));
                app.on_db(event);
                if done {
                    return;
                }
            }
            _ = &mut deadline => return,
        }
    }
}
