//! Quiet periods: once tiering has settled, the runtime's background threads leave, and the
//! process becomes single-threaded again.
//!
//! # Why
//!
//! The C library runs differently once a process has a second thread: glibc's `malloc` locks its
//! arena and uses atomic instructions, for the rest of the process, even after the thread has
//! gone (`__libc_single_threaded` is never set back). irjit's poller and compile threads are such
//! threads: binary-trees (allocation-bound) ran at ×1.56 of the native binary in adaptive mode,
//! against ×1.02 from a warm cache, which starts no thread. The native binary with one idle
//! thread preloaded takes as long.
//!
//! # How
//!
//! 1. **Leaving.** The poller watches every counter. When none has moved for
//!    [`QUIET_BEFORE_LEAVING`] (no tier-0 function was entered, no tier-0 loop iterated), no
//!    compile is queued or running, and the process has no thread but the program's one and
//!    irjit's own (poller, compile threads, the code cache's writer), the poller, under the
//!    engine's lock, points every function's stub slot back at its lazy entry, sets the ready
//!    bit of every OSR site with no continuation (see below), and tells the compile threads and
//!    the cache writer to end ([`State::Leaving`]).
//! 2. **The handshake**, by the program's thread, once the kernel lists it alone in the process:
//!    glibc's single-threaded state is set back ([`become_single_threaded`]). It comes one of
//!    two ways, whichever is first:
//!    - **by signal:** once the other threads are gone, the poller sends the program's thread
//!      the reclamation rounds' stop signal (only while that thread runs user code, as rounds
//!      do: a signal would cut a `sleep` short). The handler goes on only if it interrupted
//!      JIT'd code, where the thread holds no lock of the C library (the poller's own exit may
//!      need `malloc`'s); then the poller ends, and the handler waits until the thread is alone
//!      (50 ms at most, no lock, no allocation). Elsewhere it answers "not now" and the poller
//!      asks again, for a second at most. A program whose hot code calls no function through a
//!      stub needs this way (binary-trees' tier-2 code calls its own private copies);
//!    - **in the resolver:** the program's next call through a stub enters it, which waits for
//!      the other threads to be gone (the poller stops asking then), and points the slots of
//!      tier-2 functions back at their code ([`State::Alone`]). After the signal's way, the
//!      same happens at the next such call.
//! 3. **Tripwires.** Tier-0 code is what still needs the runtime's threads: a tier-0 function
//!    that gets called again, or a tier-0 loop that runs again, may get hot. So while alone:
//!    - the slots of tier-0 functions stay on their lazy entries: their next call enters the
//!      resolver, which counts it and continues at the function's tier-0 code;
//!    - every OSR site without a continuation has its ready bit set: its next iteration takes
//!      the check, finds no continuation, starts its count again and calls
//!      `__irjit_loop_restart` (the compiler's `instrumentOsrSite`), which counts it and arms
//!      the sites again;
//!    - once 64 such calls and iterations have come in the quiet period, the runtime wakes
//!      (slots restored, poller started again). Fewer cannot make anything hot, and waking for
//!      each costs a cycle of the threads starting, finding nothing to do and leaving again:
//!      3 ms each, which spectral-norm, whose `main` calls a tier-0 function every 90 ms, paid
//!      18 times (×1.04 of its run);
//!    - a first call that compiles a function at tier 0 wakes it at once (its counters need
//!      watching).
//!
//!    Interpreted calls need nothing: a function that keeps being called is compiled at tier 0.
//!
//! # Why it is sound
//!
//! glibc's flags describe the process: single-threaded means no other thread exists that could
//! touch an arena or an atomic variable at the same time. They are set back only after the
//! kernel has listed exactly one thread in `/proc/self/stat`, from that thread: every other
//! thread has finished its exit (a thread leaves the list only once it no longer runs user code),
//! and no other thread can appear except through this one's `pthread_create`, which sets the
//! flags again itself. The thread-creating paths of irjit are the same calls. The layout of
//! glibc's thread control block (`multiple_threads` at `%fs:0x18`, read by its `catomic`
//! operations to skip the `lock` prefix) was checked against the C library this runs on, so the
//! reset is done only on glibc 2.36, x86-64, and only if the block looks as expected (its
//! `self` pointer is `pthread_self()`, its flag 0 or 1). Elsewhere threads never leave.
//!
//! What is not covered: a frame that runs a loop which is not an OSR site (`--no-osr`, or a
//! site the compiler could not make) keeps running its tier-0 code after a quiet period until
//! it returns, as it would with OSR off; its function's next call wakes the runtime.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// How long every counter must stay still before the runtime's threads leave.
pub const QUIET_BEFORE_LEAVING: Duration = Duration::from_millis(50);

/// The same in stress mode, so that more of the test corpus goes through a quiet period (few of
/// its programs run long enough once their compiles are done: 1 of 131 at `-O0`).
const QUIET_BEFORE_LEAVING_STRESS: Duration = Duration::from_millis(2);

/// The wait in force (microseconds).
static QUIET_WAIT_US: AtomicU64 = AtomicU64::new(50_000);

/// How long every counter must stay still before the runtime's threads leave, in this run.
pub(crate) fn quiet_before_leaving() -> Duration {
    Duration::from_micros(QUIET_WAIT_US.load(Ordering::Relaxed))
}

/// How long the handshake waits for the leaving threads to be gone.
const HANDSHAKE_WAIT: Duration = Duration::from_millis(50);

/// Where the runtime's threads are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// Running (or not started yet).
    Awake = 0,
    /// Told to leave; every slot on its lazy entry, awaiting the program's next call.
    Leaving = 1,
    /// Gone; the process is single-threaded again, tier-0 code has its tripwires.
    Alone = 2,
}

static STATE: AtomicU8 = AtomicU8::new(State::Awake as u8);

/// Threads may leave at all (`--idle-exit`, and the C library is one this was checked with).
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The C library is a supported one (see [`supported`]), found once by [`enable`].
static SUPPORTED: AtomicBool = AtomicBool::new(false);

/// The thread that made the engine, which runs the program's `main`.
static PROGRAM_TID: AtomicI32 = AtomicI32::new(0);

/// Times the process became single-threaded again.
static SINGLE_AGAIN: AtomicU64 = AtomicU64::new(0);

/// Times the process became single-threaded again.
pub(crate) fn single_again() -> u64 {
    SINGLE_AGAIN.load(Ordering::Relaxed)
}

/// Where the runtime's threads are now.
pub fn state() -> State {
    match STATE.load(Ordering::Acquire) {
        1 => State::Leaving,
        2 => State::Alone,
        _ => State::Awake,
    }
}

/// Moves to `state` (the engine does, under its lock).
pub(crate) fn set_state(state: State) {
    STATE.store(state as u8, Ordering::Release);
}

/// Allows quiet periods (from the engine's options), where the C library is supported; `stress`
/// shortens the wait before the threads leave.
pub(crate) fn enable(on: bool, stress: bool) {
    let wait = if stress {
        QUIET_BEFORE_LEAVING_STRESS
    } else {
        QUIET_BEFORE_LEAVING
    };
    QUIET_WAIT_US.store(wait.as_micros() as u64, Ordering::Relaxed);
    let supported = supported();
    SUPPORTED.store(supported, Ordering::Release);
    PROGRAM_TID.store(crate::reclaim::current_tid(), Ordering::Release);
    ENABLED.store(on && supported, Ordering::Release);
}

/// Quiet periods are allowed.
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// The C library is one whose single-threaded state this module knows how to set back.
fn supported() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn gnu_get_libc_version() -> *const std::ffi::c_char;
        }
        // SAFETY: returns a static NUL-terminated string.
        let version = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
        version.to_bytes() == b"2.36"
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Threads in this process, from `/proc/self/stat` (field 20), read without allocating.
pub(crate) fn thread_count() -> Option<u32> {
    let mut buf = [0u8; 4096];
    let len = crate::reclaim::threads::read_proc(c"/proc/self/stat", &mut buf)?;
    let text = &buf[..len];
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    let close = text.iter().rposition(|&b| b == b')')?;
    let field = text[close + 1..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty())
        .nth(17)?;
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Sets glibc's single-threaded state back, if this is the process's one thread (see the
/// module's soundness notes). Returns whether the process is single-threaded for glibc now.
/// Async-signal-safe: no allocation, no lock.
fn become_single_threaded() -> bool {
    if !SUPPORTED.load(Ordering::Acquire) || thread_count() != Some(1) {
        return false;
    }
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            static mut __libc_single_threaded: std::ffi::c_char;
        }
        let (tcb_self, multiple): (u64, u32);
        // SAFETY: reads two words of the calling thread's glibc thread control block, which
        // `%fs` addresses on x86-64 Linux (`self` at 0x10, `multiple_threads` at 0x18).
        unsafe {
            std::arch::asm!("mov {}, qword ptr fs:[0x10]", out(reg) tcb_self, options(nostack, readonly, preserves_flags));
            std::arch::asm!("mov {:e}, dword ptr fs:[0x18]", out(reg) multiple, options(nostack, readonly, preserves_flags));
        }
        // SAFETY: plain C call.
        let me = unsafe { libc::pthread_self() } as u64;
        if tcb_self != me || multiple > 1 {
            tracing::debug!("unexpected thread control block: threads stay");
            return false;
        }
        // SAFETY: this thread is the process's only one (checked above), so nothing reads or
        // writes these flags concurrently, and "single-threaded" is true of the process; glibc
        // sets both again itself when a thread is created.
        let was_single = unsafe {
            let flag = std::ptr::addr_of_mut!(__libc_single_threaded);
            let was = flag.read_volatile() != 0;
            flag.write_volatile(1);
            std::arch::asm!(
                "mov dword ptr fs:[0x18], 0",
                options(nostack, preserves_flags)
            );
            was
        };
        if !was_single {
            SINGLE_AGAIN.fetch_add(1, Ordering::Relaxed);
        }
        true
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// The handshake (see the module's docs), run by a thread that entered the resolver while the
/// runtime's threads leave: waits for them to be gone, then makes the process single-threaded
/// again. Returns whether it did; the caller holds the engine's lock.
pub(crate) fn handshake() -> bool {
    // The poller, if still there, stops asking by signal (this thread may defer signals now)
    // and goes.
    RESOLVER_WAITS.store(true, Ordering::Release);
    let done = wait_alone_and_reset();
    RESOLVER_WAITS.store(false, Ordering::Release);
    done
}

/// A thread in the resolver runs the handshake (see [`handshake`]).
static RESOLVER_WAITS: AtomicBool = AtomicBool::new(false);

fn wait_alone_and_reset() -> bool {
    let start = Instant::now();
    loop {
        if thread_count() == Some(1) {
            return become_single_threaded();
        }
        if start.elapsed() >= HANDSHAKE_WAIT {
            return false;
        }
        // SAFETY: plain C call.
        unsafe { libc::sched_yield() };
    }
}

/// The stop signal's handler, on the thread the poller asked (see [`after_leaving`]), which it
/// interrupted at `pc`. Only when that is JIT'd code does it go on: the thread then holds no
/// lock of the C library (it is not inside `malloc`), which the poller's own exit may need (it
/// frees what its thread cache holds), so it waits (briefly, with no lock or allocation) until
/// the poller is gone, then makes the process single-threaded again. Elsewhere it answers "not
/// now", and the poller asks again. The engine's side (slots) follows at the next resolver
/// entry.
pub(crate) fn handshake_from_signal(pc: u64) {
    let (start, end) = (
        JIT_CODE_START.load(Ordering::Relaxed),
        JIT_CODE_END.load(Ordering::Relaxed),
    );
    if !(start..end).contains(&pc) {
        ANSWER.store(ANSWER_NOT_NOW, Ordering::Release);
        return;
    }
    ANSWER.store(ANSWER_WAITING, Ordering::Release);
    let started = Instant::now();
    while started.elapsed() < SIGNAL_WAIT {
        if thread_count() == Some(1) {
            become_single_threaded();
            return;
        }
        // SAFETY: plain system call.
        unsafe { libc::sched_yield() };
    }
}

/// How long the signal handler waits for the poller to be gone.
const SIGNAL_WAIT: Duration = Duration::from_millis(50);

/// The code region of the heap, where JIT'd code runs (set by [`set_jit_code`]).
static JIT_CODE_START: AtomicU64 = AtomicU64::new(0);
static JIT_CODE_END: AtomicU64 = AtomicU64::new(0);

/// Records where JIT'd code runs, for the signal handler.
pub(crate) fn set_jit_code(start: u64, len: u64) {
    JIT_CODE_START.store(start, Ordering::Relaxed);
    JIT_CODE_END.store(start + len, Ordering::Relaxed);
}

/// The handler's answer to the poller's signal.
static ANSWER: AtomicU8 = AtomicU8::new(ANSWER_NONE);
const ANSWER_NONE: u8 = 0;
const ANSWER_NOT_NOW: u8 = 1;
const ANSWER_WAITING: u8 = 2;

/// The poller's last work once it has begun a quiet period: waits until the compile threads are
/// gone, then asks the program's thread to run the handshake from a signal handler, as a
/// program whose hot code calls no function through a stub would never enter the resolver
/// (binary-trees: its tier-2 code calls its own private copies). Not when that thread is blocked
/// in a system call (a signal would cut a `sleep` short), and again while the handler answers
/// "not now"; for a second at most: then the thread's next call through a stub does it.
pub(crate) fn after_leaving() {
    let start = Instant::now();
    loop {
        if state() != State::Leaving
            || RESOLVER_WAITS.load(Ordering::Acquire)
            || start.elapsed() > Duration::from_secs(1)
        {
            return; // Woken meanwhile, handshake under way, or the compile threads do not go.
        }
        if thread_count() == Some(2) {
            break; // The program's thread and this one.
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let tid = PROGRAM_TID.load(Ordering::Acquire);
    if tid == 0 {
        return;
    }
    while state() == State::Leaving && start.elapsed() < Duration::from_secs(1) {
        if RESOLVER_WAITS.load(Ordering::Acquire) {
            return; // The program's thread runs the handshake in the resolver.
        }
        ANSWER.store(ANSWER_NONE, Ordering::Release);
        if crate::reclaim::signal_quiet_handshake(tid) {
            let asked = Instant::now();
            while ANSWER.load(Ordering::Acquire) == ANSWER_NONE
                && asked.elapsed() < Duration::from_millis(10)
            {
                std::hint::spin_loop();
            }
            if ANSWER.load(Ordering::Acquire) == ANSWER_WAITING {
                tracing::trace!("quiet period: the handshake waits for the poller to go");
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// In a forked child: its one thread is the program's, and no handshake is under way. (A
/// quiet period in the parent carries over: the child's slots and sites are copies.)
pub(crate) fn reset_after_fork() {
    PROGRAM_TID.store(crate::reclaim::current_tid(), Ordering::Release);
    ANSWER.store(ANSWER_NONE, Ordering::Release);
    RESOLVER_WAITS.store(false, Ordering::Release);
}

/// Called by tier-0 code when a loop site's count restarts with no continuation (see the
/// compiler's `instrumentOsrSite`): every 2^31 iterations, or at once when a quiet period armed
/// the site. While the runtime's threads leave or have left, a tripwire hit (see
/// `Engine::quiet_loop_restart`).
pub(crate) extern "C" fn loop_restart() {
    if state() == State::Awake {
        return;
    }
    let Some(engine) = crate::lazy::running() else {
        return;
    };
    let _deferred = crate::signals::Deferred::new();
    engine.lock().quiet_loop_restart();
}

/// At the resolver's entry, while the runtime's threads are not awake: the handshake, or a
/// tripwire. `unit` is the function being called. Returns where the call continues if not
/// through the stub (see `Engine::quiet_resolver_entry`).
pub(crate) fn on_resolver_entry(unit: irjit_interface::UnitId) -> Option<u64> {
    let engine = crate::lazy::running()?;
    let _deferred = crate::signals::Deferred::new();
    engine.lock().quiet_resolver_entry(unit)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_this_process_threads() {
        // Other tests' threads come and go: only the parse is checked.
        let n = super::thread_count().expect("/proc/self/stat is readable");
        assert!(n >= 1);
    }
}
