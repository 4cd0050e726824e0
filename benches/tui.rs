//! The release binary as a user meets it (issue 7), against baselines measured in the same run:
//!   cargo bench --bench tui
//! The TUI runs in a 160x48 pseudo-terminal, the CLI through a pipe. Needs PostgreSQL
//! (HOTIDX_BENCH_PG, default postgres://postgres@127.0.0.1:5432/hotidx_bench; created from
//! benches/wide_schema.sql if missing) and psql on PATH; the demo SQLite database is built in a
//! temporary data directory. Figures: startup to the first complete frame and of
//! `indexes --format json`, bytes written and CPU used while idle, peak RSS.

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::io::Read;
use std::path::Path;
use std::process::{Child as Process, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{ensure_wide_database, median, psql};
use pty::{COLS, ROWS, TIMEOUT, Tui, bin, child_env, poll};

const RUNS: usize = 5;
const IDLE: Duration = Duration::from_secs(10);

fn isolate(command: &mut Command, home: &Path) {
    command.env_clear().envs(child_env(home));
}

fn hotidx(home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin());
    command.args(args);
    isolate(&mut command, home);
    command
}

/// A blocking wait (exact, unlike polling) with a watchdog that kills the child at TIMEOUT.
fn wait_exit(child: &mut Process, what: &str) -> ExitStatus {
    let (done, watchdog) = mpsc::channel::<()>();
    let pid = child.id().to_string();
    let guard = std::thread::spawn(move || {
        let late = watchdog.recv_timeout(TIMEOUT).is_err();
        if late {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        late
    });
    let status = child.wait().expect("wait for a child");
    let _ = done.send(());
    let late = guard.join().unwrap();
    assert!(!late, "{what} did not finish within {TIMEOUT:?}");
    status
}

/// Process start to exit, output discarded.
fn time_to_exit(mut command: Command, what: &str) -> Duration {
    command.stdin(Stdio::null()).stdout(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn");
    let status = wait_exit(&mut child, what);
    let elapsed = started.elapsed();
    assert!(status.success(), "{what} failed: {status}");
    elapsed
}

/// Process start to the first byte on the piped stdout, and to exit.
fn time_piped(mut command: Command, what: &str) -> (Duration, Duration) {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn");
    let mut out = child.stdout.take().expect("a stdout pipe");
    let reader = std::thread::spawn(move || {
        let (mut buf, mut first) = (vec![0u8; 1 << 16], None);
        while let Ok(1..) = out.read(&mut buf) {
            first.get_or_insert(Instant::now());
        }
        first
    });
    let status = wait_exit(&mut child, what);
    let done = started.elapsed();
    assert!(status.success(), "{what} failed: {status}");
    let first = reader.join().unwrap().expect("some output") - started;
    (first, done)
}

fn median_of(mut run: impl FnMut() -> Duration) -> Duration {
    median((0..RUNS).map(|_| run()).collect())
}

/// utime + stime of a process (all its threads), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak RSS (kB) of a run to completion: GNU time's figure when installed, else VmHWM polled
/// until exit (which can miss a peak reached in the last millisecond).
fn peak_rss_kb(program: &str, args: &[&str], home: Option<&Path>, what: &str) -> u64 {
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut command = Command::new(if gnu_time { "/usr/bin/time" } else { program });
    if gnu_time {
        command.args(["-v", program]);
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    if let Some(home) = home {
        isolate(&mut command, home);
    }
    let mut child = command.stderr(Stdio::piped()).spawn().expect("spawn");
    let mut err = child.stderr.take().expect("a stderr pipe");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let mut peak = 0;
    if !gnu_time {
        let finished = || format!("end of {what}");
        poll(TIMEOUT, finished, || {
            peak = peak.max(vm_hwm_kb(child.id()).unwrap_or(0));
            child.try_wait().expect("try_wait")
        });
    }
    let status = wait_exit(&mut child, what);
    let report = reader.join().unwrap();
    assert!(status.success(), "{what} failed: {status}\n{report}");
    if !gnu_time {
        return peak;
    }
    let line = report
        .lines()
        .find(|l| l.contains("Maximum resident set size"));
    let kb = line.and_then(|l| l.rsplit(' ').next()?.parse().ok());
    kb.unwrap_or_else(|| panic!("no peak RSS in /usr/bin/time's report:\n{report}"))
}

/// Bytes written, CPU ticks used and, at the end, the peak RSS (kB) of the TUI left alone for
/// IDLE once its data is on screen.
fn idle(home: &Path, db: &[&str], refresh: &[&str]) -> (Vec<u8>, u64, u64) {
    let tui = Tui::spawn(home, &[db, refresh].concat());
    tui.wait_loaded();
    // The first frame may end in a few trailing writes; idleness starts after them.
    sleep(Duration::from_millis(500));
    let (from, ticks) = (tui.bytes(), cpu_ticks(tui.pid()));
    sleep(IDLE);
    let ticks = cpu_ticks(tui.pid()) - ticks;
    let hwm_kb = vm_hwm_kb(tui.pid()).expect("VmHWM of the TUI");
    let bytes = tui.raw_since(from);
    tui.quit();
    (bytes, ticks, hwm_kb)
}

fn first_frame(home: &Path, db: &[&str]) -> Duration {
    median_of(|| {
        let tui = Tui::spawn(home, db);
        let loaded = tui.wait_loaded();
        tui.quit();
        loaded
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One line of the table: a figure, its baseline from the same run, and their ratio.
fn row(label: &str, (value, base_label, base): (f64, &str, f64), unit: &str) {
    let ratio = value / base;
    println!("  {label:<38}{value:>9.1} {unit}   {base_label:<17}{base:>8.1} {unit} {ratio:>6.1}x");
}

fn json_times(home: &Path, db: &[&str]) -> (Duration, Duration) {
    let args = [db, &["indexes", "--format", "json"]].concat();
    let runs: Vec<_> = (0..RUNS)
        .map(|_| time_piped(hotidx(home, &args), "hotidx indexes --format json"))
        .collect();
    let first = median(runs.iter().map(|r| r.0).collect());
    (first, median(runs.iter().map(|r| r.1).collect()))
}

fn clock_ticks_per_second() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    text.ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(100.0)
}

fn main() {
    let url = common::wide_database_url();
    ensure_wide_database(&url);
    let statement = hotidx::db::postgres::catalog_query(common::server_version_num(&url));
    let psql_args = ["-X", "-At", "-c", &statement, &url];
    let user_indexes = "SELECT count(*) FROM pg_indexes WHERE schemaname <> ALL \
                        ('{pg_catalog,information_schema,pg_toast}')";
    let indexes = psql(&url, &["-Atc", user_indexes]);
    let home = tempfile::tempdir().expect("a temporary home");
    let home = home.path();
    // Builds the demo database (seconds, once) so that no timed run pays for it. `status` exits
    // nonzero while the migration is not applied: only the database matters here.
    let mut build = hotidx(home, &["status"])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_exit(&mut build, "hotidx status (building the demo database)");
    let demo = home.join("data/hotidx/demo.sqlite3");
    assert!(demo.exists(), "no demo database at {}", demo.display());
    let (sqlite, pg): (&[&str], &[&str]) = (&[], &["--database-url", &url]);

    let version_floor = median_of(|| time_to_exit(hotidx(home, &["--version"]), "--version"));
    let psql_floor = median_of(|| {
        let mut psql = Command::new("psql");
        psql.args(psql_args);
        time_to_exit(psql, "psql with the catalog statement")
    });
    let (frame_sqlite, frame_pg) = (first_frame(home, sqlite), first_frame(home, pg));
    let (json_sqlite, json_pg) = (json_times(home, sqlite), json_times(home, pg));
    let one_second: &[&str] = &["--refresh", "1s"];
    let idles = [
        ("demo SQLite, refresh 5s", idle(home, sqlite, &[])),
        ("demo SQLite, refresh 1s", idle(home, sqlite, one_second)),
        ("PostgreSQL, refresh 5s", idle(home, pg, &[])),
        ("PostgreSQL, refresh 1s", idle(home, pg, one_second)),
    ];
    let json_args = [pg, &["indexes", "--format", "json"]].concat();
    let rss_json = peak_rss_kb(
        &bin(),
        &json_args,
        Some(home),
        "hotidx indexes --format json",
    );
    let rss_psql = peak_rss_kb("psql", &psql_args, None, "psql with the catalog statement");

    println!(
        "tui: startup and idle, median of {RUNS}; PostgreSQL: {} indexes; {COLS}x{ROWS} pty",
        indexes.trim()
    );
    let (v, p) = (
        ("hotidx --version", version_floor),
        ("psql catalog", psql_floor),
    );
    let times = [
        ("first frame, demo SQLite:", frame_sqlite, v),
        ("first frame, PostgreSQL:", frame_pg, p),
        ("indexes json, first byte, SQLite:", json_sqlite.0, v),
        ("indexes json, done, SQLite:", json_sqlite.1, v),
        ("indexes json, first byte, PostgreSQL:", json_pg.0, p),
        ("indexes json, done, PostgreSQL:", json_pg.1, p),
    ];
    for (label, value, (base_label, base)) in times {
        row(label, (ms(value), base_label, ms(base)), "ms");
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    for (label, kb) in [
        ("peak RSS, TUI, PG, 2 refreshes:", idles[2].1.2),
        ("peak RSS, indexes json, PG:", rss_json),
    ] {
        row(label, (mb(kb), "psql catalog", mb(rss_psql)), "MB");
    }
    let idle_s = IDLE.as_secs();
    println!("  idle {idle_s} s, no input (target: 0 bytes between refreshes that change nothing)");
    let ticks_per_s = clock_ticks_per_second();
    for (label, (bytes, ticks, _)) in &idles {
        let cpu = *ticks as f64 / ticks_per_s / IDLE.as_secs_f64() * 100.0;
        let bytes = bytes.len();
        println!("    {label:<36}{bytes:>7} bytes   CPU {cpu:>5.2}% of one core");
    }
    // What an idle TUI wrote, escaped: what to look at when the target of 0 bytes is missed.
    for (label, (bytes, _, _)) in idles.iter().filter(|(_, i)| !i.0.is_empty()) {
        let (sample, more) = bytes.split_at(bytes.len().min(100));
        let more = if more.is_empty() { "" } else { "…" };
        println!("  idle bytes, {label}: \"{}\"{more}", sample.escape_ascii());
    }
}
