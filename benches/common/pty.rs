//! The TUI under test in a pseudo-terminal, read back through a vt100 parser, and the
//! environment every hotidx process of the tui bench gets.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// Any wait longer than this is a failure, not a figure.
pub const TIMEOUT: Duration = Duration::from_secs(60);
pub const ROWS: u16 = 48;
pub const COLS: u16 = 160;

/// The binary under test: this build, or another one (HOTIDX_BENCH_BIN, e.g. an older commit's
/// build, for a before/after in the same run conditions).
pub fn bin() -> String {
    std::env::var("HOTIDX_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hotidx").into())
}

/// The header shows this once the first snapshot is on screen (`connecting…` before); builds
/// before the counters refresh said `refreshed` (HOTIDX_BENCH_LOADED).
pub fn loaded_marker() -> String {
    std::env::var("HOTIDX_BENCH_LOADED").unwrap_or_else(|_| "unchanged since".into())
}

/// What the pty has shown so far; the reader thread notes when the data first appeared.
struct Term {
    parser: vt100::Parser,
    raw: Vec<u8>,
    loaded_at: Option<Instant>,
}

/// The TUI in a pty; killed when dropped, so a panic leaves nothing running.
pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    term: Arc<Mutex<Term>>,
    started: Instant,
}

impl Tui {
    pub fn spawn(home: &Path, args: &[&str]) -> Tui {
        let size = PtySize {
            rows: ROWS,
            cols: COLS,
            ..PtySize::default()
        };
        let pair = native_pty_system().openpty(size).expect("a pty");
        let mut command = CommandBuilder::new(bin());
        command.args(args);
        command.env_clear();
        for (name, value) in child_env(home) {
            command.env(name, value);
        }
        let nonzero = |n: u16| std::num::NonZeroU16::new(n).expect("a size above zero");
        let term = Arc::new(Mutex::new(Term {
            parser: vt100::Parser::new(nonzero(ROWS), nonzero(COLS), 0),
            raw: Vec::new(),
            loaded_at: None,
        }));
        let started = Instant::now();
        let child = pair.slave.spawn_command(command).expect("spawn hotidx");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a pty reader");
        let writer = pair.master.take_writer().expect("a pty writer");
        let shared = term.clone();
        let marker = loaded_marker();
        std::thread::spawn(move || {
            let _master = pair.master; // keeps the pty open while reading
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                let mut term = shared.lock().unwrap();
                term.parser.process(&buf[..n]);
                term.raw.extend_from_slice(&buf[..n]);
                // Checked per chunk, not by polling, so the time is when the frame arrived.
                let header = term
                    .parser
                    .screen()
                    .rows(0, COLS)
                    .next()
                    .unwrap_or_default();
                if term.loaded_at.is_none() && header.contains(&marker) {
                    term.loaded_at = Some(Instant::now());
                }
            }
        });
        Tui {
            child,
            writer,
            term,
            started,
        }
    }

    /// Spawn to the first frame showing the data.
    pub fn wait_loaded(&self) -> Duration {
        let term = || self.term.lock().unwrap();
        let what = || {
            format!(
                "{:?} on screen:\n{}",
                loaded_marker(),
                term().parser.screen().contents()
            )
        };
        poll(TIMEOUT, what, || term().loaded_at) - self.started
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a pid")
    }

    pub fn bytes(&self) -> usize {
        self.term.lock().unwrap().raw.len()
    }

    pub fn raw_since(&self, from: usize) -> Vec<u8> {
        self.term.lock().unwrap().raw[from..].to_vec()
    }

    /// Quits with `q`, so runs do not overlap; a hang is a failure, not a figure.
    pub fn quit(mut self) {
        self.writer.write_all(b"q").expect("send q");
        self.writer.flush().expect("flush");
        let what = || "hotidx to exit on q".to_string();
        poll(Duration::from_secs(10), what, || {
            self.child.try_wait().ok()?
        });
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Polls `ready` until it gives a value; a timeout is a failure, not a figure.
pub fn poll<T>(
    timeout: Duration,
    what: impl Fn() -> String,
    mut ready: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "no {} within {timeout:?}",
            what()
        );
        sleep(Duration::from_millis(1));
    }
}

/// hotidx's whole environment (no DATABASE_URL or PG* leaking in), as tests/common/pty.rs has it.
pub fn child_env(home: &Path) -> [(&'static str, OsString); 4] {
    [
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
        ("HOME", home.into()),
        ("XDG_DATA_HOME", home.join("data").into()),
        ("TERM", "xterm-256color".into()),
    ]
}
