//! The runtime's locks: the standard library's (one futex word each), behind a `lock()` that
//! ignores poisoning (a panic while a lock is held ends the process anyway).
//!
//! Not parking_lot's: those queue waiting threads in one process-wide table, whose entries live
//! in each waiting thread's thread-local storage. `fork()` copies that table with the entries of
//! the parent's parked threads (a compile thread waiting for work, say), and glibc gives the
//! child's new threads the stacks, so the thread-local storage, of the threads that did not
//! survive the fork. A new thread that then waits in the same bucket finds itself already
//! queued, and the next wake-up loops forever in the corrupted queue: a forked child's tier
//! poller did, in a stress run of `quiet_fork_threads`.

use std::sync::PoisonError;

pub use std::sync::MutexGuard;

/// A mutual-exclusion lock whose `lock` ignores poisoning.
#[derive(Debug, Default)]
pub struct Mutex<T>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    /// A new, unlocked lock holding `value`.
    pub const fn new(value: T) -> Mutex<T> {
        Mutex(std::sync::Mutex::new(value))
    }

    /// Locks, waiting for the lock if another thread holds it.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks if no thread holds the lock now.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

/// A condition variable for [`Mutex`].
#[derive(Debug, Default)]
pub struct Condvar(std::sync::Condvar);

impl Condvar {
    /// A new condition variable.
    pub const fn new() -> Condvar {
        Condvar(std::sync::Condvar::new())
    }

    /// Releases `guard`'s lock until notified (or woken spuriously), then takes it again.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes one waiting thread.
    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}
