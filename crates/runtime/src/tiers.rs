//! Tiered compilation: functions start in tier 0 (fast to compile, with counters) and move to
//! tier 2 (the full pipeline, inlining small callees) once hot, compiled on background threads
//! while the program keeps running tier-0 code.
//!
//! Tier-0 code counts its entries and loop iterations in `__irjit_counters[unit]`, an array the
//! runtime places in the heap's data region. A poller thread scans the array every millisecond
//! and queues the functions whose count reached the threshold (counting needs no branch or call in
//! the program's code, see the compiler's `instrument`). Background threads, each with a compiler
//! of its own (its own LLVM context), compile them at tier 2; the engine links the result and
//! re-points the function's stub with one atomic store. Calls already running in tier-0 code
//! finish there; new calls enter tier 2.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;
use std::time::Instant;

use irjit_interface::{CompileError, UnitCompiler, UnitId};
use parking_lot::{Condvar, Mutex};

/// Which tiers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierMode {
    /// Everything at tier 0 (`-O0`, no counters).
    Tier0,
    /// Everything at tier 2 (the `-O` level), straight away.
    Tier2,
    /// Tier 0 with counters first; hot functions recompiled at tier 2 in the background.
    Adaptive,
}

/// Makes a compiler of the same program for a background thread.
pub type CompilerFactory =
    Arc<dyn Fn() -> Result<Box<dyn UnitCompiler>, CompileError> + Send + Sync>;

/// The tiering settings.
#[derive(Clone)]
pub struct TierOptions {
    /// Which tiers run.
    pub mode: TierMode,
    /// Entries plus loop iterations that make a function hot.
    pub threshold: u32,
    /// Background tier-2 compile threads.
    pub compile_threads: usize,
    /// Test mode: threshold 1 and every function recompiled at tier 2 twice.
    pub stress: bool,
    /// Makes the background threads' compilers (required for [`TierMode::Adaptive`]).
    pub factory: Option<CompilerFactory>,
}

impl std::fmt::Debug for TierOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TierOptions")
            .field("mode", &self.mode)
            .field("threshold", &self.threshold)
            .field("compile_threads", &self.compile_threads)
            .field("stress", &self.stress)
            .finish_non_exhaustive()
    }
}

impl Default for TierOptions {
    fn default() -> Self {
        TierOptions {
            mode: TierMode::Tier2,
            threshold: DEFAULT_THRESHOLD,
            compile_threads: 1,
            stress: false,
            factory: None,
        }
    }
}

/// Entries plus loop iterations before a function is recompiled at tier 2.
pub const DEFAULT_THRESHOLD: u32 = 2000;

/// The queue of hot functions, behind a pointer so that a forked child starts a fresh one (its
/// copy could list waiters that exist only in the parent).
struct Queue {
    state: Mutex<QueueState>,
    wake: Condvar,
}

#[derive(Default)]
struct QueueState {
    hot: VecDeque<UnitId>,
    started: bool,
}

static QUEUE: AtomicPtr<Queue> = AtomicPtr::new(std::ptr::null_mut());

fn queue() -> &'static Queue {
    let q = QUEUE.load(Ordering::Acquire);
    if let Some(q) = unsafe_ref(q) {
        return q;
    }
    let fresh: &'static Queue = Box::leak(Box::new(Queue {
        state: Mutex::new(QueueState::default()),
        wake: Condvar::new(),
    }));
    match QUEUE.compare_exchange(
        std::ptr::null_mut(),
        fresh as *const Queue as *mut Queue,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => fresh,
        // Another thread won; ours is leaked (a few bytes, once).
        Err(existing) => unsafe_ref(existing).expect("non-null"),
    }
}

fn unsafe_ref(q: *mut Queue) -> Option<&'static Queue> {
    // SAFETY: queues are leaked, never freed; the pointer is null or one of them.
    unsafe { q.as_ref() }
}

/// Where the counters are, for the poller.
#[derive(Clone, Copy, Debug)]
pub struct Counters {
    /// Address of `__irjit_counters`.
    pub addr: u64,
    /// Number of counters (one per unit).
    pub len: usize,
    /// Count that makes a function hot.
    pub threshold: u32,
}

const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(1);

/// Starts the thread that watches the counters (adaptive mode).
pub(crate) fn start_poller(counters: Counters) {
    let spawned = std::thread::Builder::new()
        .name("irjit-tier-poll".to_string())
        .spawn(move || {
            let mut queued = vec![false; counters.len];
            loop {
                std::thread::sleep(POLL_INTERVAL);
                for (unit, queued) in queued.iter_mut().enumerate() {
                    if *queued {
                        continue;
                    }
                    let counter = (counters.addr + unit as u64 * 4) as *const u32;
                    // SAFETY: the counter array lives in the heap's data region for the process's
                    // life; an aligned 32-bit read sees some recent value of a counter the program
                    // increments (a count off by a few does not matter).
                    let count = unsafe { std::ptr::read_volatile(counter) };
                    if count >= counters.threshold {
                        *queued = true;
                        notify_hot(unit as u32);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the tier-up poller: {e}");
    }
}

/// Queues a hot function for tier 2.
pub(crate) fn notify_hot(unit: u32) {
    let q = queue();
    let mut state = q.state.lock();
    state.hot.push_back(UnitId(unit));
    if !state.started {
        state.started = true;
        drop(state);
        start_threads();
    } else {
        drop(state);
    }
    q.wake.notify_one();
}

fn start_threads() {
    let Some(engine) = crate::lazy::running() else {
        return;
    };
    let options = engine.lock().tier_options().clone();
    let Some(factory) = options.factory.clone() else {
        return;
    };
    for i in 0..options.compile_threads.max(1) {
        let factory = factory.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("irjit-tier2-{i}"))
            .stack_size(64 << 20)
            .spawn(move || tier2_thread(factory));
        if let Err(e) = spawned {
            tracing::warn!("cannot start a tier-2 compile thread: {e}");
        }
    }
}

fn tier2_thread(factory: CompilerFactory) {
    let mut compiler: Option<Box<dyn UnitCompiler>> = None;
    let q = queue();
    loop {
        let unit = {
            let mut state = q.state.lock();
            loop {
                if let Some(unit) = state.hot.pop_front() {
                    break unit;
                }
                q.wake.wait(&mut state);
            }
        };
        let Some(engine) = crate::lazy::running() else {
            return;
        };
        let Some(_pass) = crate::gate::enter() else {
            return; // The process is exiting.
        };
        // Decide under the lock, compile outside it: the program's first calls keep being
        // served while this thread runs LLVM.
        let Some(request) = engine.lock().begin_tier_up(unit) else {
            continue;
        };
        if compiler.is_none() {
            match factory() {
                Ok(c) => compiler = Some(c),
                Err(e) => {
                    tracing::warn!("tier 2 disabled: cannot load the program again: {e}");
                    engine.lock().abandon_tier_up(unit);
                    return;
                }
            }
        }
        let start = Instant::now();
        let result = compiler
            .as_mut()
            .expect("made above")
            .compile(unit, &request);
        let elapsed = start.elapsed();
        let mut engine = engine.lock();
        match result {
            Ok(compiled) => {
                if let Err(e) = engine.finish_tier_up(compiled, elapsed) {
                    tracing::warn!(function = engine.unit_name(unit), "tier-up failed: {e}");
                }
            }
            Err(e) => {
                tracing::warn!(
                    function = engine.unit_name(unit),
                    "tier-2 compile failed: {e}"
                );
                engine.abandon_tier_up(unit);
            }
        }
        if engine.wants_another_tier_up(unit) {
            drop(engine);
            notify_hot(unit.0);
        }
    }
}

/// In a forked child: a fresh queue (the background threads do not exist here).
pub(crate) fn reset_after_fork() {
    QUEUE.store(std::ptr::null_mut(), Ordering::Release);
}
