//! The program's sleeps. A reclamation round stops running threads with a signal (see
//! [`crate::reclaim`]); one that reaches a thread just as it enters a sleep cuts the sleep short,
//! because the kernel never restarts a sleep after a signal handler, `SA_RESTART` or not. The
//! program calls these instead of the C library's: when irjit's stop signal came during the sleep,
//! they sleep again for the time left, so the program never sees an interruption it did not
//! cause. (A program signal that arrives together with irjit's is then not reported either: the
//! sleep just ends on time.)
//!
//! Sleeps are cancellation points: `pthread_cancel` unwinds a thread from inside one, through
//! these frames, hence the "C-unwind" ABI (unwinding out of an `extern "C"` function aborts).

use std::ffi::c_int;

use crate::reclaim::stop_signals_seen;

fn errno() -> c_int {
    // SAFETY: errno is this thread's.
    unsafe { *libc::__errno_location() }
}

/// `nanosleep(req, rem)`.
pub(super) extern "C-unwind" fn nanosleep(
    req: *const libc::timespec,
    rem: *mut libc::timespec,
) -> c_int {
    let mut left = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut want = req;
    loop {
        let seen = stop_signals_seen();
        // SAFETY: the program's arguments, as it would pass them to the C library (`want` is
        // `req` or, after an interruption of ours, the time the kernel said was left).
        let rc = unsafe { libc::nanosleep(want, &mut left) };
        if rc != 0 && errno() == libc::EINTR {
            if stop_signals_seen() != seen {
                want = &left;
                continue;
            }
            if !rem.is_null() {
                // SAFETY: the program gave `rem` for the time left.
                unsafe { *rem = left };
            }
        }
        return rc;
    }
}

/// `clock_nanosleep(clock, flags, req, rem)`.
pub(super) extern "C-unwind" fn clock_nanosleep(
    clock: libc::clockid_t,
    flags: c_int,
    req: *const libc::timespec,
    rem: *mut libc::timespec,
) -> c_int {
    let mut left = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let absolute = flags & libc::TIMER_ABSTIME != 0;
    let mut want = req;
    loop {
        let seen = stop_signals_seen();
        // SAFETY: as in `nanosleep`; an absolute deadline is simply waited for again.
        let rc = unsafe { libc::clock_nanosleep(clock, flags, want, &mut left) };
        if rc == libc::EINTR {
            if stop_signals_seen() != seen {
                if !absolute {
                    want = &left;
                }
                continue;
            }
            if !absolute && !rem.is_null() {
                // SAFETY: the program gave `rem` for the time left.
                unsafe { *rem = left };
            }
        }
        return rc;
    }
}

/// `usleep(usec)`.
pub(super) extern "C-unwind" fn usleep(usec: libc::useconds_t) -> c_int {
    let req = libc::timespec {
        tv_sec: (usec / 1_000_000) as libc::time_t,
        tv_nsec: ((usec % 1_000_000) * 1000) as libc::c_long,
    };
    nanosleep(&req, std::ptr::null_mut())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn sleeps_as_the_c_library_does() {
        let req = libc::timespec {
            tv_sec: 0,
            tv_nsec: 20_000_000,
        };
        let start = Instant::now();
        assert_eq!(nanosleep(&req, std::ptr::null_mut()), 0);
        assert_eq!(
            clock_nanosleep(libc::CLOCK_MONOTONIC, 0, &req, std::ptr::null_mut()),
            0
        );
        assert_eq!(usleep(20_000), 0);
        assert!(start.elapsed() >= Duration::from_millis(60));
        // Bad arguments fail as they would.
        let bad = libc::timespec {
            tv_sec: 0,
            tv_nsec: 2_000_000_000,
        };
        assert_eq!(nanosleep(&bad, std::ptr::null_mut()), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(
            clock_nanosleep(libc::CLOCK_MONOTONIC, 0, &bad, std::ptr::null_mut()),
            libc::EINVAL
        );
    }
}
