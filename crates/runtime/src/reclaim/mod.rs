//! Freeing superseded code: once a function has moved to a newer version (tier 0 → tier 2, or one
//! tier-2 version to the next), its old code, and the OSR continuations only the old code could
//! enter, are freed as soon as no thread can still run them or return into them.
//!
//! # The scheme, and why it is sound
//!
//! Superseded code `R` can be reached only through a value that points into it:
//!
//! - **Stub slots** and the engine's own records (`units[u].body`, which the resolver hands out)
//!   are re-pointed to the new version *before* `R` becomes a candidate, so no new call enters
//!   `R` through them. The resolver returns stub addresses, never bodies, so nothing the runtime
//!   keeps outside a thread's stack names `R`.
//! - **OSR records** name continuations, and only the tier-0 code that owns the site reads them.
//!   A continuation is therefore never freed before (or apart from) the tier-0 code of its site:
//!   it stays a dependent of that code until the code itself is gone (see [`Retired`]).
//! - **A thread running `R`, or that will return into it** has `R` in its program counter, in a
//!   register (a continuation address just loaded from its record, a body address the resolver
//!   has just produced), or on its stack (the return address of every active call `R` made; a
//!   `setjmp` buffer's target frame is active, so its return address is on the stack too).
//!
//! A round ([`threads::scan`]) looks at every thread of the process at one moment (all threads
//! are listed from `/proc/self/task`, so threads started by the C library or a host library are
//! included, not only those the program made with `pthread_create`), except irjit's own compile
//! and polling threads, which never run program code nor hold its code addresses (the resolver
//! hands program threads stub addresses; bodies and continuations are stored under the engine's
//! lock, which the round holds):
//!
//! - a thread that is *running* is stopped by a signal whose handler publishes the interrupted
//!   registers and stack pointer and waits until the round ends;
//! - a thread *blocked in a system call* is not disturbed (a signal would cut short a `sleep`;
//!   one that enters a sleep just as it is signalled has the sleep resumed by irjit's own
//!   `nanosleep`, `clock_nanosleep` and `usleep`, see `crate::host`):
//!   its stack pointer and program counter come from `/proc/self/task/TID/syscall`, and its
//!   context-switch counts, read again after the scan, prove that it never left the kernel
//!   meanwhile (if it did, the round is inconclusive and nothing is freed).
//!
//! Every word of every thread's stack, from 128 bytes below its stack pointer (the red zone) to
//! the end of the mapping holding it, and every register, is compared against the candidates
//! (stacks are copied with `process_vm_readv`, because a thread that woke up or started during
//! the round may unmap memory meanwhile; a failed copy makes the round inconclusive):
//! a conservative scan, which needs no frame-pointer chain and no unwind tables, and can only
//! err on the side of keeping code. A candidate that nothing names is freed. Threads created
//! while a round runs start in the C library and reach program code only through stubs, so they
//! cannot hold the old code either.
//!
//! A round is *inconclusive*, and frees nothing, when a running thread blocks the signal (it is
//! then not signalled at all, so a `sigwait` never receives it), does not answer in time (it
//! handles the signal itself), runs on an alternate signal stack (or waits there for a first-call
//! compile: see `threads::OffStackWait`), or a blocked thread woke up
//! during the scan; a later round tries again. Programs that switch stacks themselves
//! (`makecontext`/`swapcontext`) hide suspended stacks from the scan, so the engine does not
//! reclaim code in programs that import those functions.

pub(crate) mod threads;

use crate::link::Unloadable;
use irjit_interface::UnitId;

/// Superseded code awaiting a round, with the OSR continuations only it could enter.
#[derive(Debug)]
pub(crate) struct Retired {
    /// The function it belonged to.
    pub(crate) unit: UnitId,
    /// Whether it is the function's tier-0 code (whose OSR sites may still get continuations).
    pub(crate) tier0: bool,
    /// The superseded code.
    pub(crate) main: Unloadable,
    /// Continuations of its OSR sites: reachable while `main` is.
    pub(crate) dependents: Vec<Unloadable>,
}

impl Retired {
    /// Code bytes it holds.
    pub(crate) fn code_bytes(&self) -> u64 {
        self.main.code_bytes()
            + self
                .dependents
                .iter()
                .map(Unloadable::code_bytes)
                .sum::<u64>()
    }
}

/// What a round decided for each retired group.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// Groups whose main code is free to go; of their dependents, those still in use.
    pub(crate) freed: Vec<(usize, Vec<bool>)>,
}

/// Runs a round over `retired`: which groups (and which of their dependents) some thread may
/// still run. `None` when the round was inconclusive.
pub(crate) fn decide(retired: &[Retired]) -> Option<Verdict> {
    // Candidate ranges: (start, end, group, dependent index or usize::MAX for the main code).
    let mut ranges: Vec<(u64, u64, usize, usize)> = Vec::new();
    for (g, r) in retired.iter().enumerate() {
        let code = |u: &Unloadable, d: usize, out: &mut Vec<(u64, u64, usize, usize)>| {
            for &(addr, size, region) in &u.allocations {
                if region == crate::heap::Region::Code {
                    out.push((addr.0, addr.0 + size, g, d));
                }
            }
        };
        code(&r.main, usize::MAX, &mut ranges);
        for (d, dep) in r.dependents.iter().enumerate() {
            code(dep, d, &mut ranges);
        }
    }
    ranges.sort_unstable_by_key(|r| r.0);
    let spans: Vec<(u64, u64)> = ranges.iter().map(|r| (r.0, r.1)).collect();
    let hits = threads::scan(&spans)?;
    let mut main_hit = vec![false; retired.len()];
    let mut dep_hit: Vec<Vec<bool>> = retired
        .iter()
        .map(|r| vec![false; r.dependents.len()])
        .collect();
    for (range, hit) in ranges.iter().zip(hits) {
        if !hit {
            continue;
        }
        if range.3 == usize::MAX {
            main_hit[range.2] = true;
        } else {
            dep_hit[range.2][range.3] = true;
        }
    }
    let freed = (0..retired.len())
        .filter(|&g| !main_hit[g])
        .map(|g| (g, std::mem::take(&mut dep_hit[g])))
        .collect();
    Some(Verdict { freed })
}

/// Host functions whose presence means the program may switch stacks behind the scan's back.
pub(crate) const STACK_SWITCHERS: [&str; 3] = ["makecontext", "swapcontext", "setcontext"];

/// Marks the calling thread as one of irjit's own (compile threads, the tier poller): they never
/// run program code nor keep its addresses, so rounds neither stop nor scan them.
pub(crate) fn register_runtime_thread() {
    threads::register_runtime_thread();
}

/// Unmarks the calling thread, which is about to end.
pub(crate) fn unregister_runtime_thread() {
    threads::unregister_runtime_thread();
}

/// See [`threads::signal_quiet_handshake`].
pub(crate) fn signal_quiet_handshake(tid: i32) -> bool {
    threads::signal_quiet_handshake(tid)
}

/// The calling thread's kernel ID.
pub(crate) fn current_tid() -> i32 {
    threads::current_tid()
}

/// In a forked child: forget the parent's threads.
pub(crate) fn reset_after_fork() {
    threads::reset_after_fork();
}

/// The signal that stops threads for a round.
pub(crate) fn stop_signal() -> std::ffi::c_int {
    threads::stop_signal()
}

/// How many times a round's stop signal has reached the calling thread (see
/// `crate::host::sleep`, which sleeps again when one cut a sleep short).
pub(crate) fn stop_signals_seen() -> u32 {
    threads::stop_signals_seen()
}

/// Installs the signal handler rounds use (once per process; harmless to repeat).
pub(crate) fn install() {
    threads::install_handler();
}
