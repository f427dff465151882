//! The program's exit handlers.
//!
//! The program's `atexit`, `__cxa_atexit` and `on_exit` registrations go to irjit's own list, and
//! the program's `exit` (and a return from `main`) runs that list before the C library's `exit`.
//! Native order is kept: handlers run in reverse order of registration, the program's static
//! destructors (`llvm.global_dtors`, registered first) run after all of them, thread-local
//! destructors of the exiting thread run before them, and stdio is flushed after them.
//!
//! Why not the C library's list: a handler may call a function never called before, which irjit
//! must then compile, and LLVM registers destructors for its own statics during compiles, after
//! the program's registrations; in one shared list, `exit` would destroy LLVM's state before the
//! program's handlers ran.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sync::Mutex;

#[derive(Clone, Copy)]
enum Handler {
    /// `__cxa_atexit(f, arg, dso)` and `atexit(f)`.
    WithArg(extern "C" fn(*mut c_void), *mut c_void),
    /// `on_exit(f, arg)`: also gets the exit status.
    OnExit(extern "C" fn(c_int, *mut c_void), *mut c_void),
}

// SAFETY: the pointers are opaque values handed back to the program's own handlers.
unsafe impl Send for Handler {}

static HANDLERS: Mutex<Vec<Handler>> = Mutex::new(Vec::new());
static EXITING: AtomicBool = AtomicBool::new(false);

extern "C" {
    fn __call_tls_dtors();
}

/// Whether the program has begun to exit (its `exit` was called or `main` returned).
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

/// The program's `__cxa_atexit`.
pub(crate) extern "C" fn cxa_atexit(
    f: extern "C" fn(*mut c_void),
    arg: *mut c_void,
    _dso: *mut c_void,
) -> c_int {
    HANDLERS.lock().push(Handler::WithArg(f, arg));
    0
}

/// The program's `atexit`.
pub(crate) extern "C" fn atexit(f: extern "C" fn()) -> c_int {
    // SAFETY: `void (*)(void)` and `void (*)(void *)` are call-compatible in the x86-64 SysV ABI
    // (the extra argument register is ignored), which is how glibc implements atexit too.
    let f: extern "C" fn(*mut c_void) = unsafe { std::mem::transmute(f) };
    cxa_atexit(f, std::ptr::null_mut(), std::ptr::null_mut())
}

/// The program's `on_exit`.
pub(crate) extern "C" fn on_exit(f: extern "C" fn(c_int, *mut c_void), arg: *mut c_void) -> c_int {
    HANDLERS.lock().push(Handler::OnExit(f, arg));
    0
}

/// Runs (and empties) the program's handler list; handlers may register more.
fn run_handlers(status: c_int) {
    loop {
        let Some(handler) = HANDLERS.lock().pop() else {
            return;
        };
        match handler {
            Handler::WithArg(f, arg) => f(arg),
            Handler::OnExit(f, arg) => f(status, arg),
        }
    }
}

/// The program's `exit`.
pub(crate) extern "C" fn exit(status: c_int) -> ! {
    if !EXITING.swap(true, Ordering::AcqRel) {
        // SAFETY: glibc's own first step of exit(): the calling thread's thread_local
        // destructors; running them now keeps their native place before the atexit handlers.
        unsafe { __call_tls_dtors() };
    }
    run_handlers(status);
    leave(status)
}

/// Ends the process once the program's own handlers have run.
///
/// What remains of a native exit is the C library's part: flushing stdio and the handlers of the
/// shared libraries. Those libraries are the compiler library (LLVM is linked into it, and its
/// destructors must not run under a compile),
/// the C library and the default libraries irjit opens for the program (libm, libgcc_s,
/// libstdc++: nothing the program can observe), and libraries opened with `--dlopen`. So when a
/// compile is under way (typically a tier-2 compile the program no longer needs) and no
/// `--dlopen` library is loaded, irjit flushes stdio and leaves at once instead of waiting for
/// the compile; otherwise it waits for the compiles and takes the C library's full exit.
fn leave(status: c_int) -> ! {
    crate::program::run_exit_hook(std::ptr::null_mut());
    if crate::gate::close_now() && !crate::host::user_libraries_loaded() {
        // SAFETY: flushing every stdio stream (what the C library's exit would do), then ending
        // the process without running the C library's handlers, as explained above.
        unsafe {
            libc::fflush(std::ptr::null_mut());
            libc::_exit(status)
        }
    }
    crate::gate::close(std::time::Duration::from_secs(30));
    // SAFETY: the C library's exit, for what remains: flushing stdio, the C library's handlers.
    unsafe { libc::exit(status) }
}

/// Safety net for exits that bypass the program's `exit` (the last thread calling
/// `pthread_exit`): runs whatever the program registered, late but not never.
extern "C" fn run_leftovers(_: *mut c_void) {
    run_handlers(0);
    crate::gate::close(std::time::Duration::from_secs(30));
}

/// Prepares the list: registers the safety net with the C library.
pub(crate) fn init() {
    extern "C" {
        fn __cxa_atexit(f: extern "C" fn(*mut c_void), arg: *mut c_void, dso: *mut c_void)
            -> c_int;
    }
    // SAFETY: registering a plain function with the C library.
    unsafe { __cxa_atexit(run_leftovers, std::ptr::null_mut(), std::ptr::null_mut()) };
}
