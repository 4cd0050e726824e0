//! `hotidx demo`'s report: where the demo is, what it holds, how long it took.

use crate::demo::DemoReport;
use crate::units;

pub fn render(report: &DemoReport) -> String {
    let counts = &report.counts;
    let mut out = String::new();
    if report.created_database {
        out += &format!("created database {}\n", report.target);
    }
    out += &format!(
        "demo mdraft database at add_visitor_session_to_jobs: {} conversions, {} jobs, {} users\n",
        units::grouped(counts.conversions as i64),
        units::grouped(counts.jobs as i64),
        units::grouped(counts.users as i64)
    );
    out += &format!(
        "built in {:.1} s, {}\n",
        report.elapsed.as_secs_f64(),
        units::bytes(report.size_bytes)
    );
    // The path (or target) last and alone, so `$(hotidx demo | tail -1)` is usable.
    match &report.path {
        Some(path) => out += &format!("{}\n", path.display()),
        None => out += &format!("{}\n", report.target),
    }
    out
}
