//! The gate between LLVM work and process exit, and `fork()`.
//!
//! The C library's `exit` runs LLVM's global destructors (LLVM is linked into the compiler
//! library). A compile still running on one of
//! irjit's threads at that moment would use destroyed state. So every compile passes the gate,
//! and exit closes it: no compile starts afterwards. If compiles are still running then, exit
//! either leaves without the C library's handlers (see [`crate::exit`]) or waits for them.
//!
//! A `fork()` holds the gate shut while it runs ([`hold_for_fork`]): it waits for the compiles
//! under way to finish, and none starts until it is done. LLVM keeps process-wide locks (its
//! pass registry's, taken by every code generation), and one held by a compile thread at the
//! instant of the fork would stay held for good in the child, whose first call then waits
//! forever. So a fork waits for at most the compiles under way (typically milliseconds, half a
//! second for a function as large as SQLite's `sqlite3VdbeExec`).
//!
//! Counters rather than a lock: a forked child must not inherit a lock held by a thread it does
//! not have; it simply resets the count.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static CLOSED: AtomicBool = AtomicBool::new(false);
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// A `fork()` is under way: no compile starts.
static FORKING: AtomicBool = AtomicBool::new(false);

/// How long a fork waits for the compiles under way, at most (then it forks all the same).
const FORK_WAIT: Duration = Duration::from_secs(30);

/// Held while a thread uses LLVM.
pub(crate) struct Pass(());

impl Drop for Pass {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Enters the gate, waiting while a `fork()` is under way; `None` once the process is exiting.
pub(crate) fn enter() -> Option<Pass> {
    loop {
        ACTIVE.fetch_add(1, Ordering::SeqCst);
        if CLOSED.load(Ordering::SeqCst) {
            ACTIVE.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        if !FORKING.load(Ordering::SeqCst) {
            return Some(Pass(()));
        }
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
        while FORKING.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

/// Before a `fork()`: stops new compiles and waits (at most [`FORK_WAIT`]) for those under way.
/// The calling thread must hold no pass, nor any lock a compile may wait for. Undone by
/// [`release_after_fork`] in the parent and by [`reset_after_fork`] in the child.
pub(crate) fn hold_for_fork() {
    FORKING.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while ACTIVE.load(Ordering::SeqCst) > 0 && start.elapsed() < FORK_WAIT {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// After a `fork()`, in the parent: compiles may start again.
pub(crate) fn release_after_fork() {
    FORKING.store(false, Ordering::SeqCst);
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

/// In a forked child: compiles under way belong to threads of the parent; the fork is done.
pub(crate) fn reset_after_fork() {
    ACTIVE.store(0, Ordering::SeqCst);
    FORKING.store(false, Ordering::SeqCst);
}

/// Blocks the calling (irjit) thread for good: used once the gate is closed.
pub(crate) fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}
