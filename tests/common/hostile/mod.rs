//! The hostile-statement harness behind tests/explain_hostile.rs: the cases, the fixture they
//! aim at, one observed run per case, and the verdicts.

pub mod cases;
pub mod cycle;
pub mod fixture;
pub mod state;
pub mod verdict;

use std::sync::{Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());

/// One PostgreSQL phase at a time: cases reset cluster-wide statistics and signal sessions, so
/// two phases side by side would see each other's effects. (A failed phase does not poison it.)
pub fn one_phase_at_a_time() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Each phase drives its own runtime, outside the lock's scope of awaits.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
