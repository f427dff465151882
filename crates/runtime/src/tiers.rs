//! Tiered compilation: functions start in tier 0 (fast to compile, with counters) and move to
//! tier 2 (the full pipeline, inlining small callees) once hot, compiled on background threads
//! while the program keeps running tier-0 code.
//!
//! Tier-0 code counts its entries, and apart from them the iterations of its loops, in
//! `__irjit_counters`, two arrays of a counter per unit the runtime places in the heap's data
//! region. A poller thread scans them every millisecond (every 8 ms at most while it finds
//! nothing new) and queues the functions whose count reached the threshold (counting needs no
//! branch or call in the program's code, see the compiler's `instrument`). Background threads,
//! each with a compiler of its own (its own LLVM context), compile them at tier 2, those whose
//! counts grow fastest first; the engine links the result and re-points the function's stub
//! with one atomic store. Calls already running in tier-0 code finish there; new calls enter
//! tier 2.
//!
//! On-stack replacement, for calls that never return while hot (a loop in `main`, an
//! interpreter's dispatch loop): each loop header of tier-0 code is an OSR site with a record in
//! `__irjit_osr_sites` (`{ continuation, count, unit }`), counting its iterations. The poller adds
//! the counts to their functions' (so loops make a function hot) and queues a site once its
//! count grew by [`OSR_FACTOR`] times the threshold with at least a threshold's iterations per
//! entry of its function: a call that stays in its loop, not many short calls, which the
//! function's tier-2 entry serves. A background thread
//! compiles the site's continuation (the rest of the function from that header, taking the
//! values live there) and the engine stores its address in the record, then sets the top bit of
//! the record's count, which tier-0 code tests as it counts; the tier-0 loop sees it at its next
//! iteration, calls the continuation, and returns what it returns.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use irjit_interface::{CompileError, CompileRequest, OptLevel, Osr, UnitCompiler, UnitId};

use crate::sync::{Condvar, Mutex};

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
    /// Entries plus loop iterations that make a function hot ([`NEVER`]: none).
    pub threshold: u32,
    /// Background tier-2 compile threads; `None`: one less than the cores, at least one
    /// (counted only when the threads start, as reading the CPU quota takes a few system calls).
    pub compile_threads: Option<usize>,
    /// Test mode: threshold 1 and every function recompiled at tier 2 twice.
    pub stress: bool,
    /// On-stack replacement in adaptive mode (`--no-osr` turns it off).
    pub osr: bool,
    /// Free superseded code once no thread can run it (`--keep-superseded` turns it off).
    pub reclaim: bool,
    /// Calls of a loop-free function that run in the bytecode interpreter before it is compiled
    /// (adaptive, lazy mode; 0: none, `u32::MAX`: every call, a test mode).
    pub interp_calls: u32,
    /// Compile ahead: while the background threads have no tier-2 work, they compile at tier 0
    /// the functions that code compiled on first calls refers to, before their own first calls
    /// (adaptive, lazy mode, with two cores or more; `--compile-ahead`).
    pub compile_ahead: bool,
    /// Quiet periods: once no counter moves and no compile waits, the poller and compile
    /// threads leave and the process becomes single-threaded again, until tier-0 code runs
    /// again (adaptive mode; `--idle-exit`; see [`crate::quiet`]).
    pub idle_exit: bool,
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
            .field("osr", &self.osr)
            .field("reclaim", &self.reclaim)
            .field("interp_calls", &self.interp_calls)
            .field("compile_ahead", &self.compile_ahead)
            .field("idle_exit", &self.idle_exit)
            .finish_non_exhaustive()
    }
}

impl Default for TierOptions {
    fn default() -> Self {
        TierOptions {
            mode: TierMode::Tier2,
            threshold: DEFAULT_THRESHOLD,
            compile_threads: Some(1),
            stress: false,
            osr: true,
            reclaim: true,
            interp_calls: 0,
            compile_ahead: false,
            idle_exit: false,
            factory: None,
        }
    }
}

/// How adaptive mode compiles a unit first: tier 0 (`-O0`) with counters, and with OSR sites
/// when `osr_limit` site records are still available.
pub fn tier0_request(osr_limit: Option<u32>) -> CompileRequest {
    CompileRequest {
        counters: true,
        last_use: true,
        osr: match osr_limit {
            Some(limit) if limit > 0 => Osr::Sites { limit },
            _ => Osr::None,
        },
        ..CompileRequest::at(OptLevel::O0)
    }
}

/// How a hot unit is compiled at tier 2 (at `level`), in the background or ahead of time.
pub fn tier2_request(level: OptLevel) -> CompileRequest {
    CompileRequest {
        inline_callees: true,
        recompile: true,
        ..CompileRequest::at(level)
    }
}

/// Entries plus loop iterations before a function is recompiled at tier 2.
pub const DEFAULT_THRESHOLD: u32 = 2000;

/// The threshold that nothing reaches (`--tier-threshold=never`): tier-0 code counts as in
/// adaptive mode, but nothing is recompiled, not even a profile's hot set, so no poller or
/// compile thread starts. What counting costs, measured against [`TierMode::Tier0`].
pub const NEVER: u32 = u32::MAX;

/// Calls of a loop-free function that run in the interpreter before it is compiled. SQLite's
/// one-query workload calls 845 of its 2625 functions; 237 of them have loops, and of the others
/// all but 246 are called at most 8 times, so 483 are compiled (18%) instead of 845 (32%).
pub const DEFAULT_INTERP_CALLS: u32 = 8;

/// A loop site's iterations that call for its OSR continuation, as a multiple of the threshold.
pub const OSR_FACTOR: u32 = 50;

/// OSR site records in `__irjit_osr_sites` (16 bytes each); loops beyond them get no site.
pub const OSR_SITES_MAX: u32 = 1 << 16;

/// Bytes of one OSR site record: `{ u64 continuation, u32 count, u32 unit }`.
pub const OSR_RECORD_BYTES: u64 = 16;

/// The top bit of a site's count: set once the site's continuation is in its slot. Tier-0 code
/// increments the count and tests this bit with the same instruction, and looks at the slot only
/// when it is set (see the compiler's `instrumentOsrSite`).
const OSR_READY: u32 = 1 << 31;

/// Site records handed out so far (published by the engine for the poller).
static OSR_SITES_USED: AtomicU32 = AtomicU32::new(0);

/// One bit per OSR site record: queued for its continuation (set by the poller; cleared when
/// the engine takes back a site it put off, so that the poller may queue it again).
static OSR_QUEUED: [AtomicU64; OSR_SITES_MAX as usize / 64] =
    [const { AtomicU64::new(0) }; OSR_SITES_MAX as usize / 64];

fn osr_queued_bit(site: u32) -> (&'static AtomicU64, u64) {
    (&OSR_QUEUED[site as usize / 64], 1u64 << (site % 64))
}

/// Lets the poller queue `site` again (the engine had put its compile off).
pub(crate) fn osr_requeue(site: u32) {
    let (word, bit) = osr_queued_bit(site);
    word.fetch_and(!bit, Ordering::Relaxed);
}

/// The OSR site table.
#[derive(Clone, Copy, Debug)]
pub struct OsrTable {
    /// Address of `__irjit_osr_sites`.
    pub addr: u64,
    /// Count that calls for a site's continuation.
    pub threshold: u32,
}

impl OsrTable {
    fn record(&self, site: u32) -> u64 {
        self.addr + u64::from(site) * OSR_RECORD_BYTES
    }

    /// The continuation slot of a site record.
    pub fn slot(&self, site: u32) -> &'static AtomicU64 {
        // SAFETY: records live in the heap's data region for the process's life, 16-byte
        // aligned; the slot is only accessed atomically by the runtime (tier-0 code reads it).
        unsafe { AtomicU64::from_ptr(self.record(site) as *mut u64) }
    }

    /// The count word of a site record: iterations, and [`OSR_READY`].
    fn count(&self, site: u32) -> &'static AtomicU32 {
        // SAFETY: as for `slot`; tier-0 code increments the count non-atomically, and a count
        // off by a few does not matter.
        unsafe { AtomicU32::from_ptr((self.record(site) + 8) as *mut u32) }
    }

    /// The count word of a site record, for tests that set up counts.
    #[cfg(test)]
    pub(crate) fn count_for_test(&self, site: u32) -> &'static AtomicU32 {
        self.count(site)
    }

    /// Installs a continuation: stores its address in the site's slot, then tells tier-0 code to
    /// look there. On x86 the two stores are seen in this order, so tier-0 code that sees the bit
    /// finds the address.
    pub fn set_continuation(&self, site: u32, entry: u64) {
        self.slot(site).store(entry, Ordering::Release);
        self.count(site).fetch_or(OSR_READY, Ordering::Release);
    }

    /// A site's iterations so far; its ready bit set again if tier-0 code undid it (its
    /// increment is a load and a store, which can overwrite the runtime's atomic `or`).
    fn poll(&self, site: u32) -> u32 {
        let count = self.count(site).load(Ordering::Relaxed);
        if count & OSR_READY == 0 && self.slot(site).load(Ordering::Relaxed) != 0 {
            self.count(site).fetch_or(OSR_READY, Ordering::Release);
        }
        count & !OSR_READY
    }

    /// Sets the ready bit of a site with no continuation, so that its next iteration takes the
    /// check, restarts its count and calls the runtime's hook (a quiet period's tripwire, see
    /// [`crate::quiet`]).
    pub(crate) fn arm_if_empty(&self, site: u32) {
        if self.slot(site).load(Ordering::Acquire) == 0 {
            self.count(site).fetch_or(OSR_READY, Ordering::Release);
        }
    }

    /// A site's iterations so far, if they reach half the threshold: enough for the site to be
    /// compiled into a continuation of its function that another of its sites (or its tier-up)
    /// asked for.
    pub fn half_way(&self, site: u32) -> Option<u32> {
        let iterations = self.iterations(site);
        (iterations >= (self.threshold / 2).max(1)).then_some(iterations)
    }

    /// A site's iterations so far.
    pub fn iterations(&self, site: u32) -> u32 {
        self.count(site).load(Ordering::Relaxed) & !OSR_READY
    }

    /// The unit field of a site record.
    pub fn unit(&self, site: u32) -> &'static AtomicU32 {
        // SAFETY: as for `slot`.
        unsafe { AtomicU32::from_ptr((self.record(site) + 12) as *mut u32) }
    }

    /// Publishes that records `..used` are filled in.
    pub fn publish(used: u32) {
        OSR_SITES_USED.store(used, Ordering::Release);
    }

    /// Records handed out so far (as last published).
    pub(crate) fn used() -> u32 {
        OSR_SITES_USED.load(Ordering::Acquire)
    }
}

/// The queue of hot functions, behind a pointer so that a forked child starts a fresh one (its
/// copy could list waiters that exist only in the parent).
struct Queue {
    state: Mutex<QueueState>,
    wake: Condvar,
}

/// Work for the background threads.
#[derive(Clone, Copy, Debug)]
enum Job {
    /// Recompile a hot function at tier 2.
    TierUp(UnitId),
    /// Build the continuation of a hot loop site, queued at that instant.
    Osr(u32, Instant),
    /// Compile a function at tier 0 before its first call (see [`compile_ahead`]).
    Ahead(UnitId),
}

/// The jobs: hot loop sites and hot functions in two lines, served in turn.
///
/// A hot loop site means a call is running tier-0 code right now and will until its continuation
/// is ready, which is worth more than faster next calls of a hot function; but a program with
/// many loops must not keep its functions in tier 0 for that. So the compile threads take one
/// job from each line in turn (either, when the other is empty).
///
/// Functions are served by how fast their counts grow now ([`RATES`], first come among equals),
/// not by their counts when queued, which are all about the threshold: when the compile threads
/// fall behind, as they do while a large program warms up (Lua's compile thread is busy for
/// the whole run), the functions the program spends its time in now reach tier 2 first, and
/// those that were hot only for a while (Lua's lexer, once the script is parsed) wait until
/// nothing hotter does. Before them all come the functions the profile of earlier runs names (in
/// its order); after them all, those wanted for the next run only.
#[derive(Default)]
struct QueueState {
    loops: VecDeque<Job>,
    functions: Vec<QueuedFunction>,
    /// Functions queued so far (the first-come order among equally hot ones).
    queued: u64,
    /// Functions to compile ahead, the latest found first; taken only when both other lines
    /// are empty.
    ahead: Vec<UnitId>,
    /// The line the last job came from was `loops`.
    last_was_loop: bool,
    /// Compile threads are wanted (started, or to be started by the next job).
    started: bool,
    /// Compile threads alive.
    alive: usize,
    /// Jobs taken and not finished.
    running: usize,
    /// A quiet period: compile threads leave once they find no job (see [`crate::quiet`]).
    leaving: bool,
    /// Compilers of threads that left, for the next ones (loading the program again into an
    /// LLVM context takes a while). Here, not in a static: a forked child gets a fresh queue,
    /// and leaves these (which the parent's threads built) alone.
    spare_compilers: Vec<Box<dyn UnitCompiler>>,
    /// The poller's state while it is away (a quiet period).
    parked_poller: Option<PollerState>,
}

/// A hot function waiting for its tier-2 compile.
#[derive(Clone, Copy, Debug)]
struct QueuedFunction {
    unit: u32,
    /// Its count when queued: `u64::MAX` for the profile's hot set, 0 when only the next run
    /// wants it.
    heat: u64,
    /// Queued as the how-manieth (first come, first served among equals).
    order: u64,
}

impl QueuedFunction {
    /// What the compile threads serve first: the largest.
    fn priority(&self) -> (u8, u64, std::cmp::Reverse<u64>) {
        let class = match self.heat {
            u64::MAX => 2,
            0 => 0,
            _ => 1,
        };
        let rate = if class == 1 { rate(self.unit) } else { 0 };
        (class, rate, std::cmp::Reverse(self.order))
    }
}

/// Each unit's recent growth of its count, kept by the poller: the count's growth per poll,
/// averaged over the last few polls (each poll's weight decays by a quarter at the next).
static RATES: std::sync::OnceLock<Box<[AtomicU64]>> = std::sync::OnceLock::new();

fn rate(unit: u32) -> u64 {
    RATES
        .get()
        .and_then(|r| r.get(unit as usize))
        .map_or(0, |r| r.load(Ordering::Relaxed))
}

impl QueueState {
    fn pop(&mut self) -> Option<Job> {
        let function = |line: &mut Vec<QueuedFunction>| {
            let best = line
                .iter()
                .enumerate()
                .max_by_key(|(_, f)| f.priority())
                .map(|(i, _)| i)?;
            Some(Job::TierUp(UnitId(line.swap_remove(best).unit)))
        };
        let job = if self.last_was_loop {
            function(&mut self.functions).or_else(|| self.loops.pop_front())
        } else {
            self.loops
                .pop_front()
                .or_else(|| function(&mut self.functions))
        };
        let Some(job) = job else {
            return self.ahead.pop().map(Job::Ahead);
        };
        self.last_was_loop = matches!(job, Job::Osr(..));
        Some(job)
    }

    /// No tier-2 work waits (compiling ahead is spare-time work).
    fn is_empty(&self) -> bool {
        self.loops.is_empty() && self.functions.is_empty()
    }
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
    /// Address of `__irjit_counters`: each unit's entries, then each unit's loop iterations.
    pub addr: u64,
    /// Number of units (two counters each).
    pub len: usize,
    /// Count that makes a function hot.
    pub threshold: u32,
    /// The OSR sites (with OSR on).
    pub osr: Option<OsrTable>,
    /// A code cache keeps tier-2 code for later runs: functions whose tier-2 entry this run does
    /// not need are compiled all the same, last (see `start_poller`).
    pub for_next_run: bool,
}

impl Counters {
    /// Where `unit`'s tier-0 code counts its entries (`__irjit_counter`).
    pub fn entries_addr(&self, unit: usize) -> u64 {
        assert!(unit < self.len, "counter {unit} of {}", self.len);
        self.addr + unit as u64 * 4
    }

    /// Where `unit`'s tier-0 code counts the iterations of its loops that are no OSR site
    /// (`__irjit_loop_counter`).
    pub fn loops_addr(&self, unit: usize) -> u64 {
        assert!(unit < self.len, "counter {unit} of {}", self.len);
        self.addr + (self.len + unit) as u64 * 4
    }

    /// How many times `unit`'s tier-0 code was entered.
    pub fn entries(&self, unit: usize) -> u32 {
        read_counter(self.entries_addr(unit))
    }

    /// Entries plus iterations of the loops that are no OSR site (those are counted apart).
    pub fn heat(&self, unit: usize) -> u64 {
        u64::from(self.entries(unit)) + u64::from(read_counter(self.loops_addr(unit)))
    }
}

/// Reads a counter of the array the engine placed (see [`Counters`]).
fn read_counter(addr: u64) -> u32 {
    // SAFETY: the counter arrays live in the heap's data region for the process's life and
    // `addr` is one of their aligned 32-bit slots; the read sees some recent value of a counter
    // the program increments (a count off by a few does not matter).
    unsafe { std::ptr::read_volatile(addr as *const u32) }
}

/// Whether a loop site that ran an OSR threshold's `iterations` while its function was entered
/// `entries` times calls for its continuation: only when a call stays in the loop, which shows
/// as at least `threshold` iterations per entry. Many short calls (a function whose loop runs
/// 24 times a call, SQLite's `sqlite3VdbeExec` at about 20 a call) are better served by the
/// function's tier-2 entry, which the same counts queue, and a continuation compiled for them
/// would take the compile thread's time for nothing: no call would stay long enough to gain.
/// (Stress mode, at threshold 1, wants every continuation.)
fn osr_wanted(iterations: u32, entries: u32, threshold: u32) -> bool {
    threshold <= 1 || u64::from(iterations) >= u64::from(entries) * u64::from(threshold)
}

/// The poller's shortest interval, at the start and whenever a scan finds work.
const POLL_INTERVAL_MIN: std::time::Duration = std::time::Duration::from_millis(1);

/// The poller's longest interval: it doubles after each scan that finds nothing to queue (a
/// program in its steady state), so that a large program's thousands of counters and site
/// records are not read a thousand times a second for nothing. Tier-up may come this much later.
const POLL_INTERVAL_MAX: std::time::Duration = std::time::Duration::from_millis(8);

/// The running program's counters, until the poller starts.
static POLLER_COUNTERS: std::sync::OnceLock<Counters> = std::sync::OnceLock::new();
/// Whether the poller runs (in this process: a forked child starts its own).
static POLLER_STARTED: AtomicBool = AtomicBool::new(false);

/// Records where the running program's counters are (adaptive mode). The poller starts with the
/// first function linked at tier 0 ([`start_poller_when_needed`]): a run whose code all comes from
/// the cache at tier 2 has no counters to watch, and stays single-threaded, which the C library
/// rewards (its `malloc` takes no locks then: binarytrees warm, 914 ms with the poller, 776 ms
/// without).
pub(crate) fn arm_poller(counters: Counters) {
    if counters.threshold != NEVER {
        let _ = POLLER_COUNTERS.set(counters);
    }
}

/// Starts the poller if the program has counters and it does not run yet.
pub(crate) fn start_poller_when_needed() {
    if let Some(&counters) = POLLER_COUNTERS.get() {
        if !POLLER_STARTED.swap(true, Ordering::AcqRel) {
            start_poller(counters);
        }
    }
}

/// In a forked child: the parent's poller does not exist here; starts the child's if the parent
/// had one.
fn restart_poller_after_fork() {
    if POLLER_STARTED.swap(false, Ordering::AcqRel) {
        start_poller_when_needed();
    }
}

/// Starts the thread that watches the counters.
fn start_poller(counters: Counters) {
    // Allocated here: a thread's first `malloc` gives it an arena of its own (a 128 MiB
    // reservation, trimmed), which short runs would pay for at start and at exit; the poller
    // itself never allocates.
    let parked = queue().state.lock().parked_poller.take();
    let PollerState {
        mut queued,
        mut heat,
        mut last_heat,
        mut stretch,
    } = parked.unwrap_or_else(|| PollerState::new(counters.len));
    let rates = RATES.get_or_init(|| (0..counters.len).map(|_| AtomicU64::new(0)).collect());
    // Each OSR site's stretch: its count, and its function's entries, where the stretch began.
    // A site is judged once per stretch of an OSR threshold's iterations (see `osr_wanted`),
    // and the next stretch begins then, queued or not: a site put off (see `Engine::begin_osr`)
    // is queued again only once it has run another stretch since, so that the sites a call left
    // when it entered its function's first continuation stay quiet. (Large enough that the C
    // library maps it: its pages are touched only for sites in use.)
    let poll = move || {
        crate::reclaim::register_runtime_thread();
        let mut interval = POLL_INTERVAL_MIN;
        let mut quiet_since: Option<Instant> = None;
        loop {
            std::thread::sleep(interval);
            let mut found = false;
            for (unit, heat) in heat.iter_mut().enumerate() {
                *heat = counters.heat(unit);
            }
            if let Some(osr) = counters.osr {
                let used = OSR_SITES_USED.load(Ordering::Acquire);
                for site in 0..used {
                    let count = osr.poll(site);
                    let unit = osr.unit(site).load(Ordering::Relaxed) as usize;
                    let Some(heat) = heat.get_mut(unit) else {
                        continue;
                    };
                    *heat += u64::from(count);
                    let (start_count, start_entries) = &mut stretch[site as usize];
                    // Modulo 2^31: a count that reaches the ready bit with no continuation in
                    // its slot starts again from 0 (see the compiler's `instrumentOsrSite`).
                    let iterations = count.wrapping_sub(*start_count) & !OSR_READY;
                    if iterations < osr.threshold {
                        continue;
                    }
                    let entries = counters.entries(unit);
                    let (word, bit) = osr_queued_bit(site);
                    let wanted = osr_wanted(
                        iterations,
                        entries.wrapping_sub(*start_entries),
                        counters.threshold,
                    );
                    tracing::trace!(
                        site,
                        unit,
                        iterations,
                        entries = entries.wrapping_sub(*start_entries),
                        wanted,
                        "OSR stretch"
                    );
                    if wanted
                        && word.load(Ordering::Relaxed) & bit == 0
                        && osr.slot(site).load(Ordering::Relaxed) == 0
                    {
                        word.fetch_or(bit, Ordering::Relaxed);
                        found = true;
                        push(|q| q.loops.push_back(Job::Osr(site, Instant::now())));
                    }
                    (*start_count, *start_entries) = (count, entries);
                }
            }
            let mut moved = false;
            for ((rate, last), &now) in rates.iter().zip(&mut last_heat).zip(&heat) {
                let r = rate.load(Ordering::Relaxed);
                rate.store(r - r / 4 + now.saturating_sub(*last), Ordering::Relaxed);
                moved |= now != *last;
                *last = now;
            }
            for (unit, queued) in queued.iter_mut().enumerate() {
                // A function entered once, hot through its loops alone (a loop in `main`), gets
                // nothing in this run from a tier-2 version of its entry, which no call would
                // enter: its loops go to OSR, and a second call makes it a candidate. With a code
                // cache it is compiled all the same, after everything else, so that the next run
                // starts it at tier 2. (Loops that are no OSR site count as entries. Stress mode
                // tiers up everything.)
                let entered_again = counters.entries(unit) >= 2 || counters.threshold <= 1;
                if !*queued
                    && heat[unit] >= u64::from(counters.threshold)
                    && (entered_again || counters.for_next_run)
                {
                    *queued = true;
                    found = true;
                    notify_hot(unit as u32, if entered_again { heat[unit] } else { 0 });
                }
            }
            interval = if found {
                POLL_INTERVAL_MIN
            } else {
                (interval * 2).min(POLL_INTERVAL_MAX)
            };
            if moved || found || !crate::quiet::enabled() {
                quiet_since = None;
                continue;
            }
            let since = *quiet_since.get_or_insert_with(Instant::now);
            if since.elapsed() < crate::quiet::quiet_before_leaving() {
                continue;
            }
            let state = PollerState {
                queued,
                heat,
                last_heat,
                stretch,
            };
            match leave(state) {
                Ok(()) => {
                    crate::quiet::after_leaving();
                    crate::reclaim::unregister_runtime_thread();
                    return;
                }
                Err(state) => {
                    // Not now (work waits, or a thread other than ours exists): look again
                    // after another quiet stretch.
                    PollerState {
                        queued,
                        heat,
                        last_heat,
                        stretch,
                    } = state;
                    quiet_since = None;
                }
            }
        }
    };
    let spawned = spawn_poller(poll);
    if let Err(e) = spawned {
        tracing::warn!("cannot start the tier-up poller: {e}");
    }
}

/// What the poller keeps from one poll to the next, parked in the queue while it is away.
struct PollerState {
    /// Each function queued for tier 2 already.
    queued: Vec<bool>,
    /// Each unit's count (entries, loop iterations and OSR site iterations) at this poll and the
    /// last one.
    heat: Vec<u64>,
    last_heat: Vec<u64>,
    /// Each OSR site's stretch (see `start_poller`).
    stretch: Vec<(u32, u32)>,
}

impl PollerState {
    fn new(units: usize) -> PollerState {
        PollerState {
            queued: vec![false; units],
            heat: vec![0; units],
            last_heat: vec![0; units],
            stretch: vec![(0, 0); OSR_SITES_MAX as usize],
        }
    }
}

/// Begins a quiet period, if nothing stands in its way (see [`crate::quiet`]): no job waits or
/// runs, and the process has no thread but the program's one, the poller and the compile
/// threads. Then, under the engine's lock, every slot goes to its lazy entry, the compile threads
/// are told to leave, the poller's state is parked, and the poller may leave. Otherwise the
/// state comes back.
fn leave(state: PollerState) -> Result<(), PollerState> {
    let Some(engine) = crate::lazy::running() else {
        return Err(state);
    };
    let mut engine = engine.lock();
    let q = queue();
    let mut queue_state = q.state.lock();
    let idle = queue_state.is_empty() && queue_state.ahead.is_empty() && queue_state.running == 0;
    let threads = 2 + queue_state.alive as u32 + engine.quiet_other_threads();
    if !idle || crate::quiet::thread_count() != Some(threads) {
        return Err(state);
    }
    queue_state.leaving = true;
    queue_state.started = false;
    queue_state.parked_poller = Some(state);
    drop(queue_state);
    q.wake.notify_all();
    engine.quiet_leave();
    POLLER_STARTED.store(false, Ordering::Release);
    Ok(())
}

/// The cores the process may use, as the thread that started the poller had them: the poller is
/// kept on one, and the threads it starts (tier-2 compiles, which inherit its affinity) take
/// them all back with [`unpin`].
static PROCESS_CPUS: std::sync::OnceLock<libc::cpu_set_t> = std::sync::OnceLock::new();

/// Gives the calling thread every core of [`PROCESS_CPUS`] (a thread started by the poller).
fn unpin() {
    if let Some(set) = PROCESS_CPUS.get() {
        // SAFETY: setting the calling thread's affinity from a valid CPU set.
        unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(set), set) };
    }
}

/// Starts the poller loop `f` on a thread of its own, named `irjit-tier-poll`, made with
/// `pthread_create` and kept on the core that starts it.
///
/// Not `std::thread`: std's start-up of a thread allocates (its handle, a destructor record),
/// which gives the thread a malloc arena of its own (a 128 MiB reservation, trimmed) for a loop
/// that never allocates. On the starting core: the poller works for microseconds every few
/// milliseconds, and a thread on another core costs an inter-processor interrupt to wake that
/// core when it starts and again when the process exits, expensive under virtualization (a
/// halted virtual CPU): 250 us of a 2 ms warm run of a small program, measured. Tier-2
/// compiles, which are real work, run on threads free to use every core.
fn spawn_poller<F: FnOnce() + Send + 'static>(f: F) -> std::io::Result<()> {
    extern "C" fn start<F: FnOnce()>(arg: *mut libc::c_void) -> *mut libc::c_void {
        // SAFETY: `arg` is the box leaked by `spawn_poller` for this thread, taken back once.
        let f = unsafe { Box::from_raw(arg.cast::<F>()) };
        // SAFETY: naming the calling thread with a NUL-terminated name of under 16 bytes.
        unsafe { libc::pthread_setname_np(libc::pthread_self(), c"irjit-tier-poll".as_ptr()) };
        f();
        std::ptr::null_mut()
    }
    // SAFETY: plain C calls on local, zero-initialized attribute and CPU-set values, which
    // `pthread_attr_init` and `CPU_SET` make valid; the attribute is destroyed below.
    let mut attr = unsafe {
        let mut all: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of_val(&all), &mut all) == 0 {
            let _ = PROCESS_CPUS.set(all);
        }
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        libc::pthread_attr_init(&mut attr);
        let cpu = libc::sched_getcpu();
        if let Ok(cpu) = usize::try_from(cpu) {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::pthread_attr_setaffinity_np(&mut attr, std::mem::size_of_val(&set), &set);
        }
        attr
    };
    let arg = Box::into_raw(Box::new(f)).cast::<libc::c_void>();
    let mut thread: libc::pthread_t = 0;
    let rc = crate::signals::spawn_blocked(|| {
        // SAFETY: `start::<F>` matches the start routine's signature and takes ownership of
        // `arg`.
        unsafe { libc::pthread_create(&mut thread, &attr, start::<F>, arg) }
    });
    // SAFETY: the attribute was initialized above and is not used again.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    if rc != 0 {
        // SAFETY: no thread was created, so the box is still ours.
        drop(unsafe { Box::from_raw(arg.cast::<F>()) });
        return Err(std::io::Error::from_raw_os_error(rc));
    }
    // SAFETY: `thread` was just created and is never joined.
    unsafe { libc::pthread_detach(thread) };
    Ok(())
}

/// Queues a hot function for tier 2, served by `heat` (see [`QueueState`]).
pub(crate) fn notify_hot(unit: u32, heat: u64) {
    tracing::debug!(unit, heat, "hot");
    push(|q| {
        let order = q.queued;
        q.queued += 1;
        q.functions.push(QueuedFunction { unit, heat, order });
    });
}

/// Queues functions to compile ahead at tier 0 (see [`TierOptions::compile_ahead`]). Functions
/// found later are served first: the code that refers to them has just been linked and runs now.
pub(crate) fn compile_ahead(units: Vec<UnitId>) {
    // Not during a quiet period (a function translated for the interpreter finds some): it
    // would start the compile threads again for spare-time work.
    if units.is_empty() || crate::quiet::state() != crate::quiet::State::Awake {
        return;
    }
    push(|q| q.ahead.extend(units.into_iter().rev()));
}

/// Adds a job to the queue (with `add`) and wakes a compile thread, starting them first.
fn push(add: impl FnOnce(&mut QueueState)) {
    let q = queue();
    let mut state = q.state.lock();
    add(&mut state);
    // Work ends a quiet period's leaving (threads not gone yet stay).
    state.leaving = false;
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
    let threads = options.compile_threads.unwrap_or_else(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.saturating_sub(1)
    });
    let q = queue();
    // Threads still there from before a quiet period count (they stay when work comes first).
    let alive = q.state.lock().alive;
    for i in alive..threads.max(1) {
        let factory = factory.clone();
        let spawned = crate::signals::spawn_blocked(|| {
            std::thread::Builder::new()
                .name(format!("irjit-tier2-{i}"))
                .stack_size(64 << 20)
                .spawn(move || tier2_thread(factory))
        });
        match spawned {
            Ok(_) => q.state.lock().alive += 1,
            Err(e) => tracing::warn!("cannot start a tier-2 compile thread: {e}"),
        }
    }
}

/// A job taken by a compile thread, until it is finished (see [`QueueState::running`]).
struct Running(&'static Queue);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.state.lock().running -= 1;
    }
}

fn tier2_thread(factory: CompilerFactory) {
    // Started by the poller, it would share the poller's one core with the program.
    unpin();
    crate::reclaim::register_runtime_thread();
    let q = queue();
    let mut compiler: Option<Box<dyn UnitCompiler>> = q.state.lock().spare_compilers.pop();
    loop {
        let mut job = {
            let mut state = q.state.lock();
            loop {
                if let Some(job) = state.pop() {
                    state.running += 1;
                    break job;
                }
                if state.leaving {
                    // A quiet period (see crate::quiet): the compiler waits for the next thread.
                    state.alive -= 1;
                    state.spare_compilers.extend(compiler.take());
                    drop(state);
                    crate::reclaim::unregister_runtime_thread();
                    return;
                }
                state = q.wake.wait(state);
            }
        };
        let _running = Running(q);
        let Some(engine) = crate::lazy::running() else {
            return;
        };
        if NO_NEW_JOBS.load(Ordering::Acquire) {
            continue; // The process is exiting: only compiles under way finish.
        }
        let Some(_pass) = crate::gate::enter() else {
            return; // The process is exiting.
        };
        // Decide under the lock, compile outside it: the program's first calls keep being
        // served while this thread runs LLVM.
        let queued_job = job;
        let claimed = match job {
            Job::TierUp(unit) => {
                let mut engine = engine.lock();
                // A large function with a hot loop: one compile gives its tier-2 entry and the
                // continuation a call running its tier-0 loop enters.
                let queued = Instant::now();
                let combined = engine
                    .combined_osr_site(unit)
                    .and_then(|site| Some((site, engine.begin_osr(site, queued)?)));
                match combined {
                    Some((_, (site, unit, request))) => {
                        job = Job::Osr(site, queued);
                        Some((unit, request))
                    }
                    None => engine.begin_tier_up(unit).map(|r| (unit, r)),
                }
            }
            Job::Osr(site, queued) => {
                let claimed = engine.lock().begin_osr(site, queued);
                claimed.map(|(entry, unit, request)| {
                    // The continuation's own site: finishing or abandoning the compile is its.
                    job = Job::Osr(entry, queued);
                    (unit, request)
                })
            }
            Job::Ahead(unit) => crate::ahead::begin(unit).map(|r| (unit, r)),
        };
        let Some((unit, request)) = claimed else {
            continue;
        };
        if tracing::enabled!(tracing::Level::DEBUG) && !matches!(job, Job::Ahead(_)) {
            let name = engine.lock().unit_name(unit).to_string();
            tracing::debug!(unit = %name, osr = matches!(job, Job::Osr(..)), "tier-2 compile begins");
        }
        if compiler.is_none() {
            match factory() {
                Ok(c) => compiler = Some(c),
                Err(e) => {
                    tracing::warn!("tier 2 disabled: cannot load the program again: {e}");
                    let mut engine = engine.lock();
                    match job {
                        Job::TierUp(unit) => engine.abandon_tier_up(unit),
                        Job::Osr(site, _) => engine.abandon_osr(site),
                        Job::Ahead(_) => {
                            // Releases the first call that may be waiting for it.
                            crate::ahead::finish(unit, request, None, Duration::ZERO);
                        }
                    }
                    return;
                }
            }
        }
        let start = Instant::now();
        let compiler = compiler.as_mut().expect("made above");
        let result = match job {
            Job::Ahead(_) => compiler.compile_ahead(unit, &request),
            _ => compiler.compile(unit, &request),
        };
        let elapsed = start.elapsed();
        if let Job::Ahead(_) = job {
            // Spare-time work: a failure shows again, and is reported, on the first call.
            let next = crate::ahead::finish(unit, request, result.ok(), elapsed);
            compile_ahead(next);
            continue;
        }
        let mut engine = engine.lock();
        match (job, result) {
            (Job::TierUp(_), Ok(compiled)) => {
                if let Err(e) = engine.finish_tier_up(compiled, elapsed) {
                    tracing::warn!(function = engine.unit_name(unit), "tier-up failed: {e}");
                }
            }
            (Job::Osr(site, _), Ok(compiled)) => {
                if let Err(e) = engine.finish_osr(site, compiled, elapsed) {
                    tracing::warn!(function = engine.unit_name(unit), "OSR failed: {e}");
                }
            }
            (Job::TierUp(_), Err(e)) => {
                tracing::warn!(
                    function = engine.unit_name(unit),
                    "tier-2 compile failed: {e}"
                );
                engine.abandon_tier_up(unit);
            }
            (Job::Osr(site, _), Err(e)) => {
                tracing::warn!(
                    function = engine.unit_name(unit),
                    "OSR continuation failed: {e}"
                );
                engine.abandon_osr(site);
            }
            (Job::Ahead(_), _) => {} // Handled above.
        }
        // Reclaim in bursts of 64 KiB, and whenever the queue runs dry.
        let idle = q.state.lock().is_empty();
        engine.reclaim_if_due(idle);
        engine.persist_cache_if_due();
        // (A tier-up served by a combined compile too: stress mode's second one is plain.)
        if matches!(queued_job, Job::TierUp(_)) && engine.wants_another_tier_up(unit) {
            drop(engine);
            notify_hot(unit.0, 0);
        }
    }
}

/// Set at exit: background threads start no new job.
static NO_NEW_JOBS: AtomicBool = AtomicBool::new(false);

/// At exit: the background threads finish what they compile now and start nothing new.
pub(crate) fn stop_new_jobs() {
    NO_NEW_JOBS.store(true, Ordering::Release);
}

/// In a forked child: a fresh queue (the background threads do not exist here).
pub(crate) fn reset_after_fork() {
    QUEUE.store(std::ptr::null_mut(), Ordering::Release);
    // The child's poller starts afresh: the parent's queued sites are not the child's jobs.
    for word in &OSR_QUEUED {
        word.store(0, Ordering::Relaxed);
    }
    restart_poller_after_fork();
}

#[cfg(test)]
mod tests {
    use super::{osr_wanted, Job, QueueState, QueuedFunction, UnitId, RATES};
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn functions_are_served_by_their_current_rate() {
        let rates = RATES.get_or_init(|| (0..8).map(|_| AtomicU64::new(0)).collect());
        for (unit, rate) in [(1, 10), (2, 500), (3, 40), (4, 500), (5, 0), (6, 0)] {
            rates[unit].store(rate, Ordering::Relaxed);
        }
        let mut q = QueueState::default();
        // Unit 5 only for the next run, unit 6 from the profile; the others by their counts
        // when queued, which no longer matter.
        for (order, (unit, heat)) in [
            (5, 0),
            (1, 9000),
            (2, 2000),
            (3, 2000),
            (6, u64::MAX),
            (4, 2000),
        ]
        .into_iter()
        .enumerate()
        {
            q.functions.push(QueuedFunction {
                unit,
                heat,
                order: order as u64,
            });
        }
        let served: Vec<u32> = std::iter::from_fn(|| q.pop())
            .map(|job| match job {
                Job::TierUp(unit) => unit.0,
                Job::Osr(..) | Job::Ahead(_) => unreachable!("only functions were queued"),
            })
            .collect();
        // The profile's first; then fastest growing, first come among equals; next run's last.
        assert_eq!(served, [6, 2, 4, 3, 1, 5]);
    }

    #[test]
    fn compiling_ahead_waits_for_tier_2_work() {
        let mut q = QueueState::default();
        // Found by two first calls: 10 and 11, then 20 (see `compile_ahead`).
        q.ahead.extend([11, 10].map(UnitId));
        q.loops.push_back(Job::Osr(7, std::time::Instant::now()));
        q.functions.push(QueuedFunction {
            unit: 3,
            heat: 2000,
            order: 0,
        });
        q.ahead.push(UnitId(20));
        let served: Vec<String> = std::iter::from_fn(|| q.pop())
            .map(|job| match job {
                Job::TierUp(unit) => format!("tier-up {}", unit.0),
                Job::Osr(site, _) => format!("osr {site}"),
                Job::Ahead(unit) => format!("ahead {}", unit.0),
            })
            .collect();
        // Tier-2 work first, however late it came; then the latest found first.
        assert_eq!(
            served,
            ["osr 7", "tier-up 3", "ahead 20", "ahead 10", "ahead 11"]
        );
        assert!(q.is_empty());
    }

    #[test]
    fn osr_wants_calls_that_stay_in_their_loop() {
        // One call in its loop for the whole stretch, or a few calls each in it for long.
        assert!(osr_wanted(100_000, 0, 2000));
        assert!(osr_wanted(100_000, 1, 2000));
        assert!(osr_wanted(100_000, 50, 2000));
        // Many short calls: 24 iterations a call, or about 20 (SQLite's interpreter).
        assert!(!osr_wanted(5_000, 208, 100));
        assert!(!osr_wanted(100_000, 5_000, 2000));
        // Stress mode wants them all.
        assert!(osr_wanted(50, 50, 1));
    }
}
