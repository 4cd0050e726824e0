//! Whether hotidx answered a case as it must, and the closing table of every case run.

use std::time::Duration;

use super::cases::{Case, Want};
use super::cycle::{Action, Observation, observe};
use super::fixture::Fixture;
use crate::common::{Run, hotidx};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// No `--setup-role` in this database: everything refused before planning.
    WithoutSetup,
    /// After `--setup-role --yes`: planned and run as hotidx_explain.
    WithSetup,
}

/// One line of the closing table, and what was wrong, if anything.
pub struct Line {
    pub text: String,
    pub failure: Option<String>,
}

/// Runs every case in both modes, in order, one at a time.
pub async fn run_cases(fixture: &mut Fixture, phase: Phase, cases: &[Case]) -> Vec<Line> {
    let mut lines = Vec::new();
    for case in cases {
        for analyze in [false, true] {
            let want = match phase {
                Phase::WithoutSetup => None,
                Phase::WithSetup if analyze => Some(case.analyze),
                Phase::WithSetup => Some(case.plain),
            };
            let command = command(fixture, case, analyze);
            let observation = observe(fixture, Action::Hotidx(command, DEADLINE)).await;
            lines.push(line(case, analyze, want, &observation));
        }
    }
    lines
}

/// Longer than any case may take: a hotidx still running then is killed and fails its case.
const DEADLINE: Duration = Duration::from_secs(20);

fn command(fixture: &Fixture, case: &Case, analyze: bool) -> std::process::Command {
    let url = fixture.db.url.as_str();
    explain_command(
        fixture.home.path(),
        url.as_ref(),
        case,
        &fixture.sql(case.sql),
        analyze,
    )
}

/// `hotidx explain [--analyze] [--expect …] [--timeout …] --database-url URL -- SQL` for a case.
pub fn explain_command(
    home: &std::path::Path,
    url: &std::ffi::OsStr,
    case: &Case,
    sql: &str,
    analyze: bool,
) -> std::process::Command {
    let mut command = hotidx(home);
    command.arg("explain");
    if analyze {
        command.arg("--analyze");
    }
    if let Some(index) = case.expect {
        command.args(["--expect", index]);
    }
    if let Some(timeout) = case.timeout {
        command.args(["--timeout", timeout]);
    }
    // `--` first: a statement may begin with a `--` comment.
    command.arg("--database-url").arg(url).arg("--").arg(sql);
    command
}

fn line(case: &Case, analyze: bool, want: Option<Want>, seen: &Observation) -> Line {
    let run = seen.run.as_ref().expect("a hotidx run");
    let mode = if analyze { "analyze" } else { "plain" };
    let shape = shape(case);
    let outcome = if seen.changes.is_empty() {
        "unchanged".to_string()
    } else {
        seen.changes.join("; ")
    };
    let text = format!(
        "{mode:<8}{shape:<59}exit {:>2} {:>5.1}s  {outcome}",
        run.code,
        seen.elapsed.as_secs_f64()
    );
    let mut wrong = Vec::new();
    if !seen.changes.is_empty() {
        wrong.push(format!("it took effect: {outcome}"));
    }
    if let Some(leak) = case.leak
        && run.all().contains(leak)
    {
        wrong.push(format!("the output shows the server file's text {leak:?}"));
    }
    let answer = match want {
        None => refused_up_front(case, run),
        Some(want) => answered(want, case, analyze, run, seen.elapsed),
    };
    if let Err(e) = answer {
        wrong.push(e);
    }
    let failure = (!wrong.is_empty()).then(|| {
        format!(
            "[{mode}] {:?} ({}): {}\n    exit {}, stderr: {}",
            case.sql,
            case.attack,
            wrong.join("; "),
            run.code,
            run.stderr.trim()
        )
    });
    Line { text, failure }
}

/// The statement on one line, after the flags that change what it means.
pub fn shape(case: &Case) -> String {
    let mut shape = String::new();
    if let Some(index) = case.expect {
        shape += &format!("--expect {index} ");
    }
    if let Some(timeout) = case.timeout {
        shape += &format!("--timeout {timeout} ");
    }
    shape += &case.sql.split_whitespace().collect::<Vec<_>>().join(" ");
    shape.chars().take(58).collect()
}

/// Without the setup, every statement is refused before anything is planned: exit 2, one line
/// saying so and naming `--setup-role`. A statement hotidx can tell is not one statement (or
/// not valid) may be refused for that instead; that, too, plans nothing.
fn refused_up_front(case: &Case, run: &Run) -> Result<(), String> {
    let error = one_error_line(run, 2)?;
    if error.starts_with("hotidx: error: refusing") && error.contains("--setup-role") {
        return Ok(());
    }
    let own_message = match case.plain {
        Want::OneStatement | Want::Syntax(_) | Want::NotExplainable => {
            answered(case.plain, case, false, run, Duration::ZERO).is_ok()
        }
        _ => false,
    };
    if own_message {
        Ok(())
    } else {
        Err("not refused up front with `hotidx: error: refusing … --setup-role`".into())
    }
}

/// Whether `run` is the answer `want` asks for (`elapsed`: how long hotidx took).
pub fn answered(
    want: Want,
    case: &Case,
    analyze: bool,
    run: &Run,
    elapsed: Duration,
) -> Result<(), String> {
    match want {
        Want::Plans => exit_zero(run, analyze),
        Want::Refused(words) => refused(run, words),
        Want::Either(_) if run.code == 0 => exit_zero(run, analyze),
        Want::Either(words) => refused(run, words),
        Want::OneStatement => {
            let error = one_error_line(run, 2)?;
            mentions(&error, &["one statement"])
        }
        Want::Syntax(line) => {
            let error = first_error_line(run, 2)?;
            mentions(&error, &["syntax"])?;
            mentions(&error, &[&format!("line {line}")])
        }
        Want::NotExplainable => first_error_line(run, 2).map(|_| ()),
        Want::TimedOut => {
            let error = one_error_line(run, 1)?;
            mentions(&error, &["timed out"])?;
            let limit = case
                .timeout
                .map_or(0, |t| t.trim_end_matches('s').parse().unwrap_or(0));
            let slack = Duration::from_secs(limit + 3);
            if elapsed > slack {
                return Err(format!("took {elapsed:?} with --timeout {limit}s"));
            }
            Ok(())
        }
        Want::NotUsing => {
            if run.code != 1 || !run.stdout.contains("does not use") {
                return Err(format!(
                    "want exit 1 and `does not use`, got exit {}",
                    run.code
                ));
            }
            Ok(())
        }
    }
}

fn exit_zero(run: &Run, analyze: bool) -> Result<(), String> {
    if run.code != 0 {
        return Err(format!("want exit 0, got {}", run.code));
    }
    if analyze && !run.stdout.contains("(ANALYZE, rolled back)") {
        return Err("exit 0 under --analyze without `(ANALYZE, rolled back)`".into());
    }
    Ok(())
}

/// Refused by the database: exit 1, one line that says why, and not for a missing object (a
/// statement that failed to resolve attacked nothing, and proves nothing).
fn refused(run: &Run, words: &[&str]) -> Result<(), String> {
    let error = one_error_line(run, 1)?;
    if error.contains("does not exist") || error.contains("syntax error") {
        return Err("failed before it attacked anything".into());
    }
    if words.is_empty() {
        return Ok(());
    }
    mentions(&error, words)
}

fn one_error_line(run: &Run, code: i32) -> Result<String, String> {
    if run.code != code {
        return Err(format!("want exit {code}, got {}", run.code));
    }
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    match lines.as_slice() {
        [line] if line.starts_with("hotidx: error: ") => Ok(line.to_string()),
        _ => Err("stderr is not one `hotidx: error: ` line".into()),
    }
}

/// A syntax error adds the statement's line and a caret under the one-line error.
fn first_error_line(run: &Run, code: i32) -> Result<String, String> {
    if run.code != code {
        return Err(format!("want exit {code}, got {}", run.code));
    }
    match run.stderr.lines().next() {
        Some(line) if line.starts_with("hotidx: error: ") => Ok(run.stderr.clone()),
        _ => Err("stderr does not start with a `hotidx: error: ` line".into()),
    }
}

fn mentions(error: &str, words: &[&str]) -> Result<(), String> {
    let lower = error.to_lowercase();
    if words.iter().any(|w| lower.contains(&w.to_lowercase())) {
        Ok(())
    } else {
        Err(format!("the message names none of {words:?}"))
    }
}

/// Prints the closing table and fails with every wrong answer at once.
pub fn report(title: &str, lines: &[Line]) {
    eprintln!("\n{title}: statement shape, exit, time, before → after");
    for line in lines {
        let mark = if line.failure.is_some() {
            "FAIL"
        } else {
            "ok  "
        };
        eprintln!("{mark} {}", line.text);
    }
    let failures: Vec<&str> = lines.iter().filter_map(|l| l.failure.as_deref()).collect();
    assert!(
        failures.is_empty(),
        "{title}: {} of {} runs answered wrongly:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}
