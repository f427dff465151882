//! Keeping the program's asynchronous signals away from irjit's own work.
//!
//! A program's signal handler is program code: it may call a function for the first time, which
//! needs the compile locks, or leave by `longjmp`. Run on an irjit thread, or on a program thread
//! in the middle of a compile, it could wait for locks its own thread holds (or leave them held).
//! So irjit's threads never take the program's asynchronous signals (a process-directed signal
//! goes to a thread that does not block it), and a program thread defers them while it compiles
//! or waits for a first call.
//!
//! Faults and aborts are never blocked: they are synchronous, and a blocked one kills the
//! process silently. Neither is the reclaimer's stop signal, whose handler takes no lock.

/// The signals irjit defers: every one but the synchronous ones and the reclaimer's.
fn deferred_set() -> libc::sigset_t {
    // SAFETY: sigfillset initializes the set before sigdelset and the caller use it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for signal in [
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
            libc::SIGTRAP,
            libc::SIGSYS,
            libc::SIGABRT,
            crate::reclaim::stop_signal(),
        ] {
            libc::sigdelset(&mut set, signal);
        }
        set
    }
}

/// The program's asynchronous signals, blocked on the calling thread until this is dropped;
/// those arriving meanwhile are delivered then (or to another thread).
pub(crate) struct Deferred(libc::sigset_t);

impl Deferred {
    /// Blocks them on the calling thread.
    pub(crate) fn new() -> Deferred {
        let set = deferred_set();
        // SAFETY: changing the calling thread's own mask; `old` is written before it is read.
        unsafe {
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            Deferred(old)
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        // SAFETY: restoring the mask this thread had before.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut()) };
    }
}

/// Runs `spawn`, which starts an irjit thread: the thread inherits a mask blocking the program's
/// signals from its first instruction on.
pub(crate) fn spawn_blocked<R>(spawn: impl FnOnce() -> R) -> R {
    let _deferred = Deferred::new();
    spawn()
}
