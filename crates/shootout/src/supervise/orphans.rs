//! Every process group shootout started, so that nothing outlives it: not on
//! success, error, panic, Ctrl-C or SIGTERM.
//!
//! Each contender gets its own process group (killed as a whole) and, on
//! Linux, a parent-death signal in case shootout itself is SIGKILLed.

use std::sync::Mutex;

static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

pub fn register(pgid: i32) {
    GROUPS.lock().unwrap_or_else(|p| p.into_inner()).push(pgid);
}

pub fn unregister(pgid: i32) {
    GROUPS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|&g| g != pgid);
}

/// SIGKILLs every registered group.
pub fn kill_all() {
    let groups = std::mem::take(&mut *GROUPS.lock().unwrap_or_else(|p| p.into_inner()));
    for pgid in groups {
        crate::sys::kill_group(pgid, crate::sys::SIGKILL);
    }
}

/// Kills every group on panic. Call once.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        kill_all();
        previous(info);
    }));
}

/// On SIGINT, SIGTERM or SIGHUP: kill every group and exit 128+signal. For
/// commands with no orderly way to stop early. Call inside the tokio runtime.
pub fn exit_on_signals() {
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, number) in [
        (SignalKind::interrupt(), crate::sys::SIGINT),
        (SignalKind::terminate(), crate::sys::SIGTERM),
        (SignalKind::hangup(), crate::sys::SIGHUP),
    ] {
        if let Ok(mut stream) = signal(kind) {
            tokio::spawn(async move {
                if stream.recv().await.is_some() {
                    kill_all();
                    eprintln!("\nshootout: interrupted; stopped every process it started");
                    std::process::exit(128 + number);
                }
            });
        }
    }
}
