//! Running a linked program like a native executable: `argv`, the environment, static
//! constructors and destructors in priority order, `main`, and `exit` with its status.

use std::convert::Infallible;
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::{Mutex, OnceLock};

use irjit_interface::Xtor;

use crate::engine::Engine;
use crate::error::{LinkError, RuntimeError};
use crate::host::dso_handle;

type EntryFn = unsafe extern "C" fn(c_int, *mut *mut c_char, *mut *mut c_char) -> c_int;

// The frame between irjit and the program: calls `f(argc, argv, envp)` and, when `exit_with` is
// non-zero, passes its result to `exit`. Its unwind information marks the return address
// undefined, as `_start`'s does, so an exception the program never catches ends the unwinder's
// search here (and `std::terminate` runs, as natively) instead of reaching irjit's Rust frames.
std::arch::global_asm!(
    ".text",
    ".globl irjit_enter_program",
    ".type irjit_enter_program,@function",
    "irjit_enter_program:",
    ".cfi_startproc",
    ".cfi_undefined rip",
    "push rbp",
    "mov rbp, rsp",
    "push r12",
    "push r13",
    "mov r12, rdi",
    "mov r13, r8",
    "mov edi, esi",
    "mov rsi, rdx",
    "mov rdx, rcx",
    "call r12",
    "test r13, r13",
    "jz 1f",
    "mov edi, eax",
    "call r13",
    "ud2",
    "1:",
    "pop r13",
    "pop r12",
    "pop rbp",
    "ret",
    ".cfi_endproc",
    ".size irjit_enter_program, .-irjit_enter_program",
);

extern "C" {
    fn irjit_enter_program(
        f: EntryFn,
        argc: c_int,
        argv: *mut *mut c_char,
        envp: *mut *mut c_char,
        exit_with: Option<extern "C" fn(c_int) -> !>,
    ) -> c_int;
}

/// How to start the program.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// `argv[0]`.
    pub argv0: String,
    /// `argv[1..]`.
    pub args: Vec<String>,
    /// The function to call (`main` unless `--entry-function`).
    pub entry: String,
    /// Report a fault inside JIT'd code (with the function's name) before dying of it.
    pub crash_report: bool,
}

/// Called once at exit, after the program's destructors, with the engine's final counters (e.g.
/// to print `--stats`).
pub type ExitHook = Box<dyn FnOnce(&crate::EngineStats) + Send>;

/// How long exit waits for compiles under way when they can go into the code cache.
const EXIT_COMPILE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

static DESTRUCTORS: OnceLock<Vec<u64>> = OnceLock::new();
static EXIT_HOOK: Mutex<Option<ExitHook>> = Mutex::new(None);

extern "C" {
    fn __cxa_atexit(f: extern "C" fn(*mut c_void), arg: *mut c_void, dso: *mut c_void) -> c_int;
    static mut environ: *mut *mut c_char;
    static mut program_invocation_name: *mut c_char;
    static mut program_invocation_short_name: *mut c_char;
}

extern "C" fn run_destructors(_: *mut c_void) {
    for &addr in DESTRUCTORS.get().map(Vec::as_slice).unwrap_or_default() {
        // SAFETY: the address is a linked destructor of the program, `void (void)`, which
        // ignores the arguments the entry frame passes.
        unsafe {
            let f: EntryFn = std::mem::transmute(addr as usize);
            irjit_enter_program(f, 0, std::ptr::null_mut(), std::ptr::null_mut(), None);
        }
    }
}

/// Runs the exit hook (once): from the program's exit, or as the C library's last handler when
/// the process ends some other way.
pub(crate) extern "C" fn run_exit_hook(_: *mut c_void) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    let hook = EXIT_HOOK.lock().ok().and_then(|mut h| h.take());
    if let Some(engine) = crate::lazy::running() {
        if engine.lock().has_cache() {
            // Compiles under way (typically tier 2 of a hot function) are worth finishing: the
            // cache keeps them for the next run, which would otherwise start them again.
            crate::tiers::stop_new_jobs();
            crate::gate::wait_idle(EXIT_COMPILE_WAIT);
        }
        let engine = engine.lock();
        engine.finish_cache();
        if let Some(hook) = hook {
            hook(&engine.stats());
        }
    }
}

fn resolve_xtors(engine: &Engine, xtors: &[Xtor], what: &str) -> Result<Vec<u64>, RuntimeError> {
    xtors
        .iter()
        .map(|x| {
            engine.symbol(&x.symbol).ok_or_else(|| {
                RuntimeError::Link(LinkError::UndefinedSymbol {
                    symbol: x.symbol.clone(),
                    needed_by: what.to_string(),
                })
            })
        })
        .collect()
}

/// The main thread's stack limit as the program was given it, restored in forked children.
static ORIGINAL_STACK_LIMIT: OnceLock<libc::rlimit> = OnceLock::new();

/// Tier-0 code keeps more on the stack than optimized code (every value gets a slot), so a deep
/// recursion that fits natively could overflow before its function reaches tier 2. The main
/// thread's stack grows up to the soft limit; irjit doubles it (within the hard limit). Forked
/// children get the original limit back.
fn grow_main_stack() {
    // SAFETY: getrlimit/setrlimit on our own process with valid pointers.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_STACK, &mut limit) != 0
            || limit.rlim_cur == libc::RLIM_INFINITY
        {
            return;
        }
        let _ = ORIGINAL_STACK_LIMIT.set(limit);
        let grown = libc::rlimit {
            rlim_cur: limit.rlim_cur.saturating_mul(2).min(limit.rlim_max),
            rlim_max: limit.rlim_max,
        };
        libc::setrlimit(libc::RLIMIT_STACK, &grown);
        libc::pthread_atfork(None, None, Some(restore_stack_limit));
    }
}

extern "C" fn restore_stack_limit() {
    if let Some(limit) = ORIGINAL_STACK_LIMIT.get() {
        // SAFETY: setrlimit with a valid pointer.
        unsafe { libc::setrlimit(libc::RLIMIT_STACK, limit) };
    }
}

/// Runs the program (whose engine was started) and exits the process with its status; returns
/// only on errors before the program started.
pub fn run(
    mut engine: Engine,
    config: RunConfig,
    exit_hook: Option<ExitHook>,
) -> Result<Infallible, RuntimeError> {
    if engine.is_lazy() {
        crate::lazy::check_cpu().map_err(RuntimeError::Unsupported)?;
    }
    if engine.tier_options().mode != crate::tiers::TierMode::Tier2 {
        grow_main_stack();
    }
    let entry = engine
        .symbol(&config.entry)
        .ok_or_else(|| RuntimeError::NoEntry(config.entry.clone()))?;

    // Constructors: ascending priority, then IR order. Destructors: descending priority, and
    // within a priority the reverse of IR order (as `.fini_array` runs natively).
    let layout = engine.layout();
    let mut ctors: Vec<(usize, &Xtor)> = layout.ctors.iter().enumerate().collect();
    ctors.sort_by_key(|(i, x)| (x.priority, *i));
    let mut dtors: Vec<(usize, &Xtor)> = layout.dtors.iter().enumerate().collect();
    dtors.sort_by_key(|(i, x)| (std::cmp::Reverse(x.priority), std::cmp::Reverse(*i)));
    let ctor_list: Vec<Xtor> = ctors.into_iter().map(|(_, x)| x.clone()).collect();
    let dtor_list: Vec<Xtor> = dtors.into_iter().map(|(_, x)| x.clone()).collect();
    let ctor_addrs = resolve_xtors(&engine, &ctor_list, "llvm.global_ctors")?;
    let dtor_addrs = resolve_xtors(&engine, &dtor_list, "llvm.global_dtors")?;

    engine.prelink_cached();
    // From here on the engine serves first calls from any thread; it lives until the process
    // ends, as does the code in its heap.
    crate::lazy::install(engine);

    let mut argv_strings = vec![config.argv0.clone()];
    argv_strings.extend(config.args.iter().cloned());
    let argv_c: Vec<CString> = argv_strings
        .into_iter()
        .map(|s| CString::new(s.replace('\0', "")).expect("NULs removed"))
        .collect();
    let argc = argv_c.len() as c_int;
    // The program may keep pointers into argv forever: leak them.
    let mut argv: Vec<*mut c_char> = argv_c.into_iter().map(CString::into_raw).collect();
    argv.push(std::ptr::null_mut());
    let argv = argv.leak().as_mut_ptr();

    // SAFETY: single-threaded at this point; we set the C library's globals and signal dispositions
    // the way the kernel and libc would for a native program, then call into linked code whose
    // addresses came from the linker with the C signatures the IR gave them.
    unsafe {
        program_invocation_name = *argv;
        let short = libc::strrchr(*argv, b'/' as c_int);
        program_invocation_short_name = if short.is_null() { *argv } else { short.add(1) };

        // Rust ignores SIGPIPE and watches SIGSEGV/SIGBUS for stack overflows; a native program
        // starts with default dispositions.
        for sig in [libc::SIGPIPE, libc::SIGSEGV, libc::SIGBUS] {
            libc::signal(sig, libc::SIG_DFL);
        }
        if config.crash_report {
            crate::observe::crash::install();
        }

        *EXIT_HOOK.lock().expect("not poisoned") = exit_hook;
        // The hook runs at the very end (a C library handler registered before any of LLVM's).
        __cxa_atexit(run_exit_hook, std::ptr::null_mut(), dso_handle());
        crate::exit::init();
        // The program's destructors are the first entry of its own exit list, so they run after
        // every handler the program registers (see crate::exit).
        DESTRUCTORS.set(dtor_addrs).expect("run is called once");
        crate::exit::cxa_atexit(run_destructors, std::ptr::null_mut(), dso_handle());

        // A native program starts with errno 0; irjit's own work may have left it set.
        *libc::__errno_location() = 0;
        let envp = environ;
        for addr in ctor_addrs {
            // glibc calls initializers with (argc, argv, envp); so do we.
            let f: EntryFn = std::mem::transmute(addr as usize);
            irjit_enter_program(f, argc, argv, envp, None);
        }
        let main: EntryFn = std::mem::transmute(entry as usize);
        irjit_enter_program(main, argc, argv, envp, Some(crate::exit::exit));
        unreachable!("exit returned")
    }
}
