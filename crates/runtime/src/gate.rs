//! The gate between LLVM work and process exit.
//!
//! The C library's `exit` runs LLVM's global destructors (LLVM is linked into the compiler
//! library). A compile still running on one of
//! irjit's threads at that moment would use destroyed state. So every compile passes the gate,
//! and exit closes it: no compile starts afterwards. If compiles are still running then, exit
//! either leaves without the C library's handlers (see [`crate::exit`]) or waits for them.
//!
//! Counters rather than a lock: a forked child must not inherit a lock held by a thread it does
//! not have; it simply resets the count.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static CLOSED: AtomicBool = AtomicBool::new(false);
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// Held while a thread uses LLVM.
pub(crate) struct Pass(());

impl Drop for Pass {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Enters the gate; `None` once the process is exiting.
pub(crate) fn enter() -> Option<Pass> {
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    if CLOSED.load(Ordering::SeqCst) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
        return None;
    }
    Some(Pass(()))
}

/// Closes the gate without waiting; true if compiles are still under way.
pub(crate) fn close_now() -> bool {
    CLOSED.store(true, Ordering::SeqCst);
    ACTIVE.load(Ordering::SeqCst) > 0
}

/// Closes the gate and waits (at most `limit`) for the compiles under way to finish.
pub(crate) fn close(limit: Duration) {
    CLOSED.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while ACTIVE.load(Ordering::SeqCst) > 0 && start.elapsed() < limit {
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Waits (at most `limit`) until no compile is under way, leaving the gate open.
pub(crate) fn wait_idle(limit: Duration) {
    let start = Instant::now();
    while ACTIVE.load(Ordering::SeqCst) > 0 && start.elapsed() < limit {
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// In a forked child: compiles under way belong to threads of the parent.
pub(crate) fn reset_after_fork() {
    ACTIVE.store(0, Ordering::SeqCst);
}

/// Blocks the calling (irjit) thread for good: used once the gate is closed.
pub(crate) fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}
