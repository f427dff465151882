//! Compiling functions on their first call.
//!
//! A function's stub first enters the shared resolver trampoline below with the unit's index in
//! `r11`. The trampoline saves everything a call may carry in registers (the six integer argument
//! registers, `rax` (the vector-register count of a varargs call), `r10` (the static chain), and
//! the whole vector and x87 state through `xsave`, so AVX and AVX-512 arguments survive), calls
//! [`lazy_compile`] on an aligned stack, restores the state and *jumps* to the fresh code, which
//! runs as if the caller had called it directly.
//!
//! The running program's engine lives in a global behind a mutex. The compiling itself happens on
//! irjit's compile thread (see [`Service`]): a function is compiled once even when several threads
//! call it first at the same time (they all wait for the one result). Around `fork()` the locks
//! are taken, so the child never inherits them locked, and the child gets a private copy of the
//! code heap, so code it compiles never lands in the parent's.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::OnceLock;

use irjit_interface::UnitId;
use parking_lot::{Condvar, Mutex};

use crate::engine::Engine;

/// Bytes of stack reserved for `xsave` (checked against CPUID at start-up).
const XSAVE_AREA: usize = 16384;

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl irjit_lazy_resolver",
    ".type irjit_lazy_resolver,@function",
    "irjit_lazy_resolver:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "push rdi",
    "push rsi",
    "push rdx",
    "push rcx",
    "push r8",
    "push r9",
    "push rax",
    "push r10",
    "sub rsp, {area}",
    "and rsp, -64",
    // The xsave header must start zeroed.
    "xor eax, eax",
    "mov [rsp + 512], rax",
    "mov [rsp + 520], rax",
    "mov [rsp + 528], rax",
    "mov [rsp + 536], rax",
    "mov [rsp + 544], rax",
    "mov [rsp + 552], rax",
    "mov [rsp + 560], rax",
    "mov [rsp + 568], rax",
    "mov eax, -1",
    "mov edx, -1",
    "xsave [rsp]",
    "mov edi, r11d",
    "call {compile}",
    "mov r11, rax",
    "mov eax, -1",
    "mov edx, -1",
    "xrstor [rsp]",
    "lea rsp, [rbp - 64]",
    "pop r10",
    "pop rax",
    "pop r9",
    "pop r8",
    "pop rcx",
    "pop rdx",
    "pop rsi",
    "pop rdi",
    "pop rbp",
    ".cfi_def_cfa rsp, 8",
    "jmp r11",
    ".cfi_endproc",
    ".size irjit_lazy_resolver, .-irjit_lazy_resolver",
    area = const XSAVE_AREA,
    compile = sym lazy_compile,
);

extern "C" {
    fn irjit_lazy_resolver();
}

/// The address stubs enter on a function's first call.
pub fn resolver_address() -> u64 {
    irjit_lazy_resolver as *const () as usize as u64
}

/// Whether the trampoline's `xsave` area is large enough on this CPU.
pub fn check_cpu() -> Result<(), String> {
    let leaf1 = std::arch::x86_64::__cpuid(1);
    if leaf1.ecx & (1 << 27) == 0 {
        return Err("this CPU or OS does not enable XSAVE (OSXSAVE)".to_string());
    }
    // Leaf 0xD exists when OSXSAVE is set.
    let size = std::arch::x86_64::__cpuid_count(0xd, 0).ebx as usize;
    if size + 64 > XSAVE_AREA {
        return Err(format!(
            "the CPU's XSAVE area ({size} bytes) exceeds irjit's reserve ({XSAVE_AREA})"
        ));
    }
    Ok(())
}

static ENGINE: OnceLock<Mutex<Engine>> = OnceLock::new();

/// Makes `engine` the running program's engine (once per process).
pub fn install(engine: Engine) -> &'static Mutex<Engine> {
    if ENGINE.set(Mutex::new(engine)).is_err() {
        panic!("a program is already running in this process");
    }
    // SAFETY: registering plain functions with the C library.
    unsafe {
        libc::pthread_atfork(
            Some(before_fork),
            Some(after_fork_parent),
            Some(after_fork_child),
        )
    };
    ENGINE.get().expect("just set")
}

/// The running program's engine, if one is installed.
pub fn running() -> Option<&'static Mutex<Engine>> {
    ENGINE.get()
}

/// First calls are compiled on irjit's own compile thread, never on the calling thread: program
/// threads may have small stacks, and a call from an exit handler comes after the C library has
/// destroyed the calling thread's thread-local storage, which LLVM and Rust rely on.
struct Service {
    state: Mutex<ServiceState>,
    requested: Condvar,
    done: Condvar,
}

struct ServiceState {
    /// The process the compile thread belongs to (a forked child needs its own).
    pid: u32,
    queue: VecDeque<UnitId>,
    pending: BTreeSet<UnitId>,
    results: BTreeMap<UnitId, Result<u64, String>>,
}

static SERVICE: Service = Service {
    state: parking_lot::const_mutex(ServiceState {
        pid: 0,
        queue: VecDeque::new(),
        pending: BTreeSet::new(),
        results: BTreeMap::new(),
    }),
    requested: Condvar::new(),
    done: Condvar::new(),
};

/// Stack of the compile thread: LLVM recurses deeply on large functions.
const COMPILE_THREAD_STACK: usize = 64 << 20;

fn compile_thread() {
    let mut state = SERVICE.state.lock();
    loop {
        let Some(unit) = state.queue.pop_front() else {
            SERVICE.requested.wait(&mut state);
            continue;
        };
        drop(state);
        let result = match ENGINE.get() {
            Some(engine) => {
                let mut engine = engine.lock();
                let _span =
                    tracing::debug_span!("first call", function = engine.unit_name(unit)).entered();
                engine.ensure_unit(unit).map_err(|e| {
                    format!(
                        "failed to compile function '{}' on its first call: {e}",
                        engine.unit_name(unit)
                    )
                })
            }
            None => Err("no program is running".to_string()),
        };
        state = SERVICE.state.lock();
        state.pending.remove(&unit);
        state.results.insert(unit, result);
        SERVICE.done.notify_all();
    }
}

/// Has the compile thread compile `unit`, waiting for it.
fn request(unit: UnitId) -> Result<u64, String> {
    let mut state = SERVICE.state.lock();
    let pid = std::process::id();
    if state.pid != pid {
        // First request in this process (or in a forked child, whose parent's compile thread
        // does not exist here).
        state.pid = pid;
        state.pending.clear();
        state.queue.clear();
        std::thread::Builder::new()
            .name("irjit-compile".to_string())
            .stack_size(COMPILE_THREAD_STACK)
            .spawn(compile_thread)
            .map_err(|e| format!("cannot start the compile thread: {e}"))?;
    }
    loop {
        if let Some(result) = state.results.get(&unit) {
            return result.clone();
        }
        if state.pending.insert(unit) {
            state.queue.push_back(unit);
            SERVICE.requested.notify_one();
        }
        SERVICE.done.wait(&mut state);
    }
}

extern "C" fn before_fork() {
    // Both locks are held across fork() and released in both processes below, so the child
    // never inherits one locked by a thread it does not have.
    std::mem::forget(SERVICE.state.lock());
    if let Some(engine) = ENGINE.get() {
        std::mem::forget(engine.lock());
    }
}

extern "C" fn after_fork_parent() {
    if let Some(engine) = ENGINE.get() {
        // SAFETY: before_fork locked it in this thread and forgot the guard.
        unsafe { engine.force_unlock() };
    }
    // SAFETY: as above.
    unsafe { SERVICE.state.force_unlock() };
}

extern "C" fn after_fork_child() {
    if let Some(engine) = ENGINE.get() {
        // SAFETY: the lock was taken by before_fork in the thread that is now the child's only
        // thread, and its guard forgotten; we own the data until unlocking.
        let engine_ref = unsafe { &mut *engine.data_ptr() };
        if let Err(e) = engine_ref.heap_mut().privatize() {
            fatal(&format!(
                "failed to give the forked child its own code heap: {e}"
            ));
        }
        // SAFETY: as above.
        unsafe { engine.force_unlock() };
    }
    // SAFETY: as above.
    unsafe { SERVICE.state.force_unlock() };
}

/// Ends the process after a failure in the runtime while the program runs.
pub fn fatal(message: &str) -> ! {
    eprintln!("irjit: error: {message}");
    // SAFETY: flushing the C library's streams, then leaving without running the program's exit
    // handlers (its state is not trustworthy).
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(crate::FAILURE_STATUS);
    }
}

/// Called by the resolver trampoline: has `unit` compiled and linked, and returns its code.
extern "C" fn lazy_compile(unit: u32) -> u64 {
    request(UnitId(unit)).unwrap_or_else(|message| fatal(&message))
}
