use std::process::ExitCode;

use clap::Parser;

use hotidx::cli::{self, Cli};
use hotidx::redact;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    redact::remember_from(cli.database_url.as_deref());
    redact::remember_from(std::env::var("DATABASE_URL").ok().as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}"), 1),
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => fail(&error.to_string(), error.exit_code()),
    }
}

fn fail(message: &str, code: i32) -> ExitCode {
    eprintln!("hotidx: error: {}", redact::scrub(message));
    ExitCode::from(code as u8)
}

/// A panic is a bug, but it still gets one scrubbed line and no backtrace, like any error.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "hotidx: internal error{place}: {} (please report it)",
            redact::scrub(&message)
        );
    }));
}
