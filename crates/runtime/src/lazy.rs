//! Compiling functions on their first call.
//!
//! A function's stub first enters the shared resolver trampoline below with the unit's index in
//! `r11`. The trampoline saves everything a call may carry in registers (the six integer argument
//! registers, `rax` (the vector-register count of a varargs call), `r10` (the static chain), and
//! the whole vector and x87 state through `xsave`, so AVX and AVX-512 arguments survive), calls
//! [`lazy_compile`] on an aligned stack, restores the state and *jumps* to the fresh code, which
//! runs as if the caller had called it directly.
//!
//! The interpreter tier: in adaptive mode a loop-free function's first calls (up to
//! [`TierOptions::interp_calls`](crate::tiers::TierOptions::interp_calls)) run in the bytecode
//! interpreter ([`crate::interp`]) instead, right here on the caller's thread and stack: the
//! interpreter reads the arguments from the saved registers and the caller's stack, writes the
//! results into the saved `rax`, `rdx`, `xmm0` and `xmm1`, and the trampoline *returns* to the
//! caller. The function's slot keeps pointing at its lazy entry until it is compiled. Most
//! functions of a large program are called only a few times; they never reach machine code.
//!
//! The running program's engine lives in a global behind a mutex. A function is compiled once
//! even when several threads call it first at the same time (they all wait for the one result).
//! The calling thread compiles it itself when it can (see [`compile_here`]); otherwise irjit's
//! compile thread does (see [`Service`]). Around `fork()` the locks are taken, so the child never
//! inherits them locked, and the child gets a private copy of the code heap, so code it compiles
//! never lands in the parent's.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicPtr, Ordering};

use irjit_interface::UnitId;

use crate::engine::Engine;
use crate::interp::{Incoming, Loaded};
use crate::sync::{Condvar, Mutex, MutexGuard};

/// Bytes of stack the trampoline reserves for `xsave` at most (checked against CPUID at start-up).
const XSAVE_AREA: usize = 16384;

/// Bytes of stack the trampoline reserves for `xsave`: the CPU's area plus 64 for aligning it
/// (set by [`check_cpu`]; until then the most). A deep recursion through the interpreter pays it
/// per call: 1 KiB on an AVX2 machine instead of 16.
static XSAVE_RESERVE: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(XSAVE_AREA as u64);

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
    "sub rsp, qword ptr [rip + {area}]",
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
    "mov rsi, rbp",
    "mov rdx, rsp",
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
    // 0: the interpreter ran the call and left its results in the saved registers.
    "test r11, r11",
    "jz 2f",
    "jmp r11",
    "2:",
    "ret",
    ".cfi_endproc",
    ".size irjit_lazy_resolver, .-irjit_lazy_resolver",
    area = sym XSAVE_RESERVE,
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
    if !crate::host::osxsave() {
        return Err("this CPU or OS does not enable XSAVE (OSXSAVE)".to_string());
    }
    // Leaf 0xD exists when OSXSAVE is set.
    let size = std::arch::x86_64::__cpuid_count(0xd, 0).ebx as usize;
    if size + 64 > XSAVE_AREA {
        return Err(format!(
            "the CPU's XSAVE area ({size} bytes) exceeds irjit's reserve ({XSAVE_AREA})"
        ));
    }
    XSAVE_RESERVE.store((size as u64 + 64).next_multiple_of(64), Ordering::Relaxed);
    Ok(())
}

/// The running program's engine. Behind a pointer so that a forked child can move it into a
/// fresh mutex: a lock's waiter queue may name threads that exist only in the parent.
static ENGINE: AtomicPtr<Mutex<Engine>> = AtomicPtr::new(std::ptr::null_mut());

/// Makes `engine` the running program's engine (once per process).
pub fn install(engine: Engine) -> &'static Mutex<Engine> {
    let counters = engine.counters();
    let engine: &'static Mutex<Engine> = Box::leak(Box::new(Mutex::new(engine)));
    let service: &'static Service = Box::leak(Box::default());
    SERVICE.store(service as *const Service as *mut Service, Ordering::Release);
    if ENGINE
        .compare_exchange(
            std::ptr::null_mut(),
            engine as *const _ as *mut _,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_err()
    {
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
    if let Some(counters) = counters {
        crate::tiers::arm_poller(counters);
        // Functions linked before the program starts (with variables of theirs that the global
        // data needs, such as a dispatch table of block addresses) have counters to watch too.
        if engine.lock().has_tier0_functions() {
            crate::tiers::start_poller_when_needed();
        }
    }
    let (interp_calls, units) = {
        let engine = engine.lock();
        (engine.interp_calls(), engine.layout().units.len())
    };
    if let Some(limit) = interp_calls {
        install_interp_tier(units, limit);
    }
    // The profile of earlier runs: compile its hot set at tier 2 now, not once counters say so.
    let hot = engine.lock().profile_hot_set();
    if !hot.is_empty() {
        tracing::debug!(units = hot.len(), "compiling the profile's hot set");
        for unit in hot {
            // Equally hot: in the order the profile lists them.
            crate::tiers::notify_hot(unit.0, u64::MAX);
        }
    }
    engine
}

/// The running program's engine, if one is installed.
pub fn running() -> Option<&'static Mutex<Engine>> {
    // SAFETY: the pointer is null or a leaked, never freed engine.
    unsafe { ENGINE.load(Ordering::Acquire).as_ref() }
}

/// irjit's compile thread, for first calls the calling thread cannot compile itself (see
/// [`compile_here`]): on a small or foreign stack, or after its thread-local storage, which LLVM
/// and Rust rely on, has been destroyed (exit handlers, `pthread_key` destructors). It also keeps
/// the record of results and of compiles under way that every first call consults.
#[derive(Default)]
struct Service {
    state: Mutex<ServiceState>,
    requested: Condvar,
    done: Condvar,
}

impl Service {
    fn lock(&self) -> MutexGuard<'_, ServiceState> {
        self.state.lock()
    }

    /// Records `unit`'s result and wakes the threads waiting for it.
    fn finish(&self, unit: UnitId, result: Result<u64, String>) {
        let mut state = self.lock();
        state.pending.remove(&unit);
        state.results.insert(unit, result);
        self.done.notify_all();
    }
}

#[derive(Default)]
struct ServiceState {
    /// Whether this service's compile thread runs.
    started: bool,
    queue: VecDeque<UnitId>,
    pending: BTreeSet<UnitId>,
    results: BTreeMap<UnitId, Result<u64, String>>,
}

/// The compile service of this process (a forked child gets a new one).
static SERVICE: AtomicPtr<Service> = AtomicPtr::new(std::ptr::null_mut());

fn service() -> &'static Service {
    // SAFETY: set by install() before any program code runs; services are leaked, never freed.
    unsafe { SERVICE.load(Ordering::Acquire).as_ref() }
        .unwrap_or_else(|| fatal("no program is running"))
}

/// Stack of the compile thread: LLVM recurses deeply on large functions.
const COMPILE_THREAD_STACK: usize = 64 << 20;

fn compile_thread(service: &'static Service) {
    crate::reclaim::register_runtime_thread();
    let mut state = service.lock();
    loop {
        let Some(unit) = state.queue.pop_front() else {
            state = service.requested.wait(state);
            continue;
        };
        drop(state);
        let Some(_pass) = crate::gate::enter() else {
            // The process is exiting: the caller waits until exit ends it.
            crate::gate::park_forever();
        };
        service.finish(unit, compile(unit));
        state = service.lock();
    }
}

/// Compiles and links `unit` (inside the gate), returning its stub.
fn compile(unit: UnitId) -> Result<u64, String> {
    let Some(engine) = running() else {
        return Err("no program is running".to_string());
    };
    let mut engine = engine.lock();
    let name = engine.unit_name(unit).to_string();
    let _span = tracing::debug_span!("first call", function = name).entered();
    // The caller continues through the stub, not at the body: a body address kept in `results`
    // could outlive the code once a newer version supersedes it.
    let linked = engine.ensure_unit(unit).map(|_| engine.stub(unit));
    let ahead = engine.take_ahead_found();
    drop(engine);
    crate::tiers::compile_ahead(ahead);
    match linked {
        Ok(Some(stub)) => Ok(stub),
        Ok(None) => Err(format!("unit '{name}' has no entry stub")),
        Err(e) => Err(format!(
            "failed to compile function '{name}' on its first call: {e}"
        )),
    }
}

/// Stack a thread must have left to compile on it. LLVM compiled every function SQLite's one
/// query and Lua's workload run, at O0 and at O2, within a 256 KiB main-thread stack; this leaves
/// eight times that.
const STACK_TO_COMPILE_HERE: usize = 2 << 20;

/// Lives until the thread's thread-local destructors run.
struct Alive;

impl Drop for Alive {
    fn drop(&mut self) {}
}

thread_local! {
    /// This thread's stack, lowest and highest address; (0, 0) until looked up, (1, 0) when
    /// unknown.
    static STACK: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Destroyed with the thread's other thread-locals. Destructors run in reverse order of
    /// registration, and this one is registered before the first compile on the thread, that is
    /// before any thread-local LLVM or Rust code registers while compiling: while it is alive, so
    /// are those.
    static ALIVE: Alive = const { Alive };
}

/// The calling thread's stack, lowest and highest address ((1, 0) when unknown), and an
/// address in the caller's frame.
fn stack_and_here() -> (usize, usize, usize) {
    let (low, high) = STACK.with(|s| {
        if s.get() == (0, 0) {
            s.set(current_stack().unwrap_or((1, 0)));
        }
        s.get()
    });
    (low, high, &low as *const usize as usize)
}

/// Whether the calling thread runs on its own stack with enough of it left to compile.
fn stack_allows_compiling() -> bool {
    let (low, high, here) = stack_and_here();
    // Outside the range: an alternate signal stack, or a stack the program switched to.
    here > low.saturating_add(STACK_TO_COMPILE_HERE) && here < high
}

/// Whether the calling thread runs on its own stack (not on an alternate signal stack or a stack
/// the program switched to).
fn on_own_stack() -> bool {
    let (low, high, here) = stack_and_here();
    here >= low && here < high
}

/// Whether the calling thread may run a call in the interpreter: on its own stack, with enough
/// of it left to compile, and within the first quarter of it. An interpreted call takes a few
/// KiB of stack where compiled code may take a few dozen bytes, so a deep recursion leaves the
/// interpreter (for compiled code) before it could exhaust a stack that compiled code would not.
fn stack_allows_interpreting() -> bool {
    let (low, high, here) = stack_and_here();
    stack_allows_compiling() && high - here < (high - low) / 4
}

/// The calling thread's stack, from the C library.
fn current_stack() -> Option<(usize, usize)> {
    // SAFETY: the attribute object is initialized by pthread_getattr_np before it is read and
    // destroyed once; the out-pointers are live locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut base: *mut libc::c_void = std::ptr::null_mut();
        let mut size = 0usize;
        let rc = libc::pthread_attr_getstack(&attr, &mut base, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (rc == 0).then(|| (base as usize, base as usize + size))
    }
}

/// Compiles `unit` on the calling thread, which saves two thread switches per first call (about
/// a fifth of SQLite's start-up on this machine). `None` when this thread must not (see
/// [`Service`]) or another thread is compiling the unit already: the caller then waits through
/// the service.
fn compile_here(service: &Service, unit: UnitId) -> Option<Result<u64, String>> {
    if crate::exit::exiting() || ALIVE.try_with(|_| ()).is_err() || !stack_allows_compiling() {
        return None;
    }
    {
        let mut state = service.lock();
        if let Some(result) = state.results.get(&unit) {
            return Some(result.clone());
        }
        if !state.pending.insert(unit) {
            return None;
        }
    }
    let result = match crate::gate::enter() {
        Some(_pass) => compile(unit),
        // The process is exiting: exit ends this thread with it.
        None => crate::gate::park_forever(),
    };
    service.finish(unit, result.clone());
    Some(result)
}

/// Compiles `unit` here or has the compile thread compile it, waiting for it.
fn request(unit: UnitId) -> Result<u64, String> {
    let service = service();
    // See crate::signals.
    let _deferred = crate::signals::Deferred::new();
    if let Some(result) = compile_here(service, unit) {
        return result;
    }
    // Waiting on a signal handler's alternate stack hides this thread's own stack from
    // reclamation rounds (see `reclaim::threads::OffStackWait`).
    let _off_stack = (!on_own_stack()).then(crate::reclaim::threads::OffStackWait::new);
    let mut state = service.lock();
    if !state.started {
        state.started = true;
        crate::signals::spawn_blocked(|| {
            std::thread::Builder::new()
                .name("irjit-compile".to_string())
                .stack_size(COMPILE_THREAD_STACK)
                .spawn(move || compile_thread(service))
        })
        .map_err(|e| format!("cannot start the compile thread: {e}"))?;
    }
    loop {
        if let Some(result) = state.results.get(&unit) {
            return result.clone();
        }
        if state.pending.insert(unit) {
            state.queue.push_back(unit);
            service.requested.notify_one();
        }
        state = service.done.wait(state);
    }
}

/// The engine's lock, held from `before_fork` until the fork's handler in the parent (which
/// releases it) or in the child (which leaves it locked).
static FORK_GUARD: Mutex<Option<ForkGuard>> = Mutex::new(None);

/// The guard of the engine's lock across a `fork()`.
struct ForkGuard(MutexGuard<'static, Engine>);

// SAFETY: the guard is stored and taken back by the thread calling fork() (the C library runs
// the fork's handlers in that thread), which is the thread that locked the engine.
unsafe impl Send for ForkGuard {}

extern "C" fn before_fork() {
    // No compile runs across fork(): one on another thread may hold a lock of LLVM's, or of the
    // code cache's, that would stay held for good in the child (see crate::gate). First, since
    // compiles take the engine's lock inside the gate.
    crate::gate::hold_for_fork();
    // The engine's lock is held across fork(): the parent releases it, the child replaces it. So
    // no compile is half done in the heap the child copies. (The child replaces the compile
    // service whatever state it is in.) The heap's shared pages are copied for the child here,
    // under the lock: after fork() the parent's compile thread may write them at once.
    if let Some(engine) = running() {
        let mut guard = engine.lock();
        if let Err(e) = guard.heap_mut().prepare_fork() {
            // The child reports it (a fatal error there): it has no heap of its own.
            tracing::warn!("copying the code heap for a forked child failed: {e}");
        }
        *FORK_GUARD.lock() = Some(ForkGuard(guard));
    }
}

extern "C" fn after_fork_parent() {
    if let Some(ForkGuard(mut guard)) = FORK_GUARD.lock().take() {
        guard.heap_mut().forget_fork_copy();
    }
    crate::gate::release_after_fork();
}

extern "C" fn after_fork_child() {
    // The child is single-threaded here. Its copies of the parent's locks and condition
    // variables may list waiters that do not exist in it, so it abandons them (leaked, still
    // locked) and continues with new ones.
    if let Some(ForkGuard(guard)) = FORK_GUARD.lock().take() {
        // SAFETY: before_fork locked the engine in this very thread and no other thread exists;
        // the engine is moved out exactly once, and its old lock (the guard is forgotten, so it
        // stays locked) is never used again.
        let mut engine = unsafe { std::ptr::read(&*guard) };
        std::mem::forget(guard);
        engine.forget_tier_ups_in_progress();
        if let Err(e) = engine.heap_mut().privatize() {
            fatal(&format!(
                "failed to give the forked child its own code heap: {e}"
            ));
        }
        crate::reclaim::reset_after_fork();
        let new: &'static Mutex<Engine> = Box::leak(Box::new(Mutex::new(engine)));
        ENGINE.store(new as *const _ as *mut _, Ordering::Release);
    }
    let service: &'static Service = Box::leak(Box::default());
    SERVICE.store(service as *const Service as *mut Service, Ordering::Release);
    crate::ahead::reset_after_fork();
    crate::quiet::reset_after_fork();
    // (Also starts the child's poller, if the parent had one.)
    crate::tiers::reset_after_fork();
    crate::gate::reset_after_fork();
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

/// Called by the resolver trampoline: runs the call in the interpreter and returns 0, or has
/// `unit` compiled and linked and returns where to continue: the function's stub, whose slot now
/// holds the code. `frame` is the trampoline's frame pointer (the saved registers lie below it,
/// the caller's stack arguments above the return address), `area` its `xsave` area.
extern "C" fn lazy_compile(unit: u32, frame: *mut u64, area: *mut u8) -> u64 {
    let unit = UnitId(unit);
    if crate::quiet::state() != crate::quiet::State::Awake {
        // The runtime's threads leave or have left (see crate::quiet).
        if let Some(code) = crate::quiet::on_resolver_entry(unit) {
            return code;
        }
    }
    if let Some(function) = interpreted_call(unit) {
        // SAFETY: `frame` and `area` are the trampoline's, as documented above.
        unsafe { interpret(function, frame, area) };
        return 0;
    }
    request(unit).unwrap_or_else(|message| fatal(&message))
}

/// Runs one call of `function` from the registers the trampoline saved, leaving the results in
/// the saved `rax`, `rdx` and XMM registers.
///
/// # Safety
///
/// `frame` must be the trampoline's frame pointer and `area` its `xsave` area, for a call of
/// `function`.
unsafe fn interpret(function: &'static Loaded, frame: *mut u64, area: *mut u8) {
    // The trampoline pushed rdi, rsi, rdx, rcx, r8, r9, rax, r10 below the saved rbp; the return
    // address is above it, and the caller's first stack argument above that.
    const RDI: usize = 1;
    const RDX: usize = 3;
    const RAX: usize = 7;
    // The XMM registers' place in the legacy region of an `xsave` area, and the header's
    // XSTATE_BV.
    const XMM0: usize = 160;
    const XSTATE_BV: usize = 512;
    // SAFETY: the caller promises the trampoline's frame and area: every offset read or written
    // lies in what the trampoline saved or in the caller's frame (stack arguments).
    unsafe {
        let mut incoming = Incoming {
            ints: [0; 6],
            floats: [0; 8],
            stack: frame.add(2),
        };
        for (i, int) in incoming.ints.iter_mut().enumerate() {
            *int = frame.sub(RDI + i).read();
        }
        for (i, float) in incoming.floats.iter_mut().enumerate() {
            *float = area.add(XMM0 + 16 * i).cast::<u64>().read();
        }
        let out = crate::interp::call(function, &incoming);
        frame.sub(RAX).write(out.rax);
        frame.sub(RDX).write(out.rdx);
        area.add(XMM0).cast::<u64>().write(out.xmm0);
        area.add(XMM0 + 16).cast::<u64>().write(out.xmm1);
        // Have `xrstor` load the XMM registers from the area even if they were in their initial
        // state when saved.
        let bv = area.add(XSTATE_BV).cast::<u64>();
        bv.write(bv.read() | 2);
    }
}

/// Where each function stands in the interpreter tier (adaptive mode with the interpreter on).
struct InterpTier {
    /// Calls a function runs in the interpreter before it is compiled.
    limit: u32,
    units: Box<[InterpUnit]>,
}

#[derive(Default)]
struct InterpUnit {
    /// `UNKNOWN`, `READY` or `NEVER`.
    state: std::sync::atomic::AtomicU8,
    /// Calls taken by the interpreter so far.
    calls: std::sync::atomic::AtomicU32,
    /// The bytecode, once `READY`.
    function: AtomicPtr<Loaded>,
}

/// Not translated yet.
const UNKNOWN: u8 = 0;
/// Translated: its calls run in the interpreter until the limit.
const READY: u8 = 1;
/// Compiled from now on: untranslatable, or its interpreted calls are used up.
const NEVER: u8 = 2;

static INTERP_TIER: AtomicPtr<InterpTier> = AtomicPtr::new(std::ptr::null_mut());

/// Turns the interpreter tier on for a program of `units` units: each function's first `limit`
/// calls are interpreted when it can be.
fn install_interp_tier(units: usize, limit: u32) {
    let tier: &'static InterpTier = Box::leak(Box::new(InterpTier {
        limit,
        units: (0..units).map(|_| InterpUnit::default()).collect(),
    }));
    INTERP_TIER.store(
        tier as *const InterpTier as *mut InterpTier,
        Ordering::Release,
    );
}

fn interp_tier() -> Option<&'static InterpTier> {
    // SAFETY: null or a leaked, never freed tier.
    unsafe { INTERP_TIER.load(Ordering::Acquire).as_ref() }
}

/// The bytecode to run this call of `unit` with, if the interpreter takes it; translates the
/// function on its first call.
fn interpreted_call(unit: UnitId) -> Option<&'static Loaded> {
    let tier = interp_tier()?;
    let slot = tier.units.get(unit.index())?;
    if slot.state.load(Ordering::Relaxed) == NEVER || !stack_allows_interpreting() {
        return None;
    }
    loop {
        match slot.state.load(Ordering::Acquire) {
            READY => {
                if slot.calls.fetch_add(1, Ordering::Relaxed) >= tier.limit {
                    slot.state.store(NEVER, Ordering::Release);
                    return None;
                }
                // SAFETY: set, to a leaked and never freed function, before READY was published.
                return unsafe { slot.function.load(Ordering::Acquire).as_ref() };
            }
            UNKNOWN => {
                if !translate(unit, slot) {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Translates `unit` for the interpreter, on the calling thread; false when this thread must not
/// (then the function is compiled as usual).
fn translate(unit: UnitId, slot: &InterpUnit) -> bool {
    // As for compiling here (see `compile_here`); the interpreter also needs its frames' stack.
    if crate::exit::exiting() || ALIVE.try_with(|_| ()).is_err() || !stack_allows_compiling() {
        return false;
    }
    let Some(engine) = running() else {
        return false;
    };
    let _deferred = crate::signals::Deferred::new();
    let Some(_pass) = crate::gate::enter() else {
        crate::gate::park_forever();
    };
    let mut engine = engine.lock();
    if slot.state.load(Ordering::Acquire) != UNKNOWN {
        // Another thread translated it meanwhile.
        return true;
    }
    match engine.translate(unit) {
        Some(function) => {
            let function: &'static Loaded = Box::leak(Box::new(function));
            slot.function
                .store(function as *const Loaded as *mut Loaded, Ordering::Release);
            slot.state.store(READY, Ordering::Release);
        }
        None => slot.state.store(NEVER, Ordering::Release),
    }
    let ahead = engine.take_ahead_found();
    drop(engine);
    crate::tiers::compile_ahead(ahead);
    true
}

/// `unit` has code compiled ahead: its next call compiles (links that code) instead of running
/// in the interpreter.
pub(crate) fn compiled_ahead(unit: UnitId) {
    if let Some(slot) = interp_tier().and_then(|tier| tier.units.get(unit.index())) {
        slot.state.store(NEVER, Ordering::Release);
    }
}

/// What the interpreter tier did: functions that ran in it, and the calls it ran.
pub fn interp_stats() -> (usize, u64) {
    let Some(tier) = interp_tier() else {
        return (0, 0);
    };
    tier.units
        .iter()
        .map(|u| u64::from(u.calls.load(Ordering::Relaxed).min(tier.limit)))
        .filter(|&calls| calls > 0)
        .fold((0, 0), |(functions, calls), c| (functions + 1, calls + c))
}

/// Whether `unit` ran in the interpreter.
pub fn was_interpreted(unit: UnitId) -> bool {
    interp_tier()
        .and_then(|tier| tier.units.get(unit.index()))
        .is_some_and(|u| u.calls.load(Ordering::Relaxed) > 0)
}
