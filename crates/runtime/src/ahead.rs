//! Compiling ahead: tier-0 code for functions before their first call, made by a background
//! thread in its spare time (adaptive mode, see [`crate::tiers::TierOptions::compile_ahead`]).
//!
//! A large program starts by compiling: SQLite's test workload compiles about 500 functions at
//! tier 0 in its first half second, on the thread that calls them, while the tier-2 thread has
//! nothing hot to do yet. So when a first call links tier-0 code, the functions that code refers
//! to (and, one step further, the functions those refer to) are queued for the background
//! threads, which compile them at tier 0 whenever no tier-2 work waits. A first call that finds
//! its function's object ready only links it; one whose function is compiling ahead right now
//! waits for that compile instead of starting its own.
//!
//! With a code cache, an object compiled ahead is stored only when a first call uses it
//! ([`crate::cache::session::CacheSession::keep`]), so never-called functions do not fill the
//! cache.
//!
//! None of this takes the engine's lock in the background thread: a first call holds that lock
//! for as long as it compiles, which would pace the background thread at the program's own rate.
//! So this module keeps its own record: which units are linked (mirrored by the engine), which
//! were queued, and the objects waiting for their first call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::time::Duration;

use irjit_interface::{CompileRequest, CompiledUnit, UnitId};

use crate::link::{Linker, ObjectInput};
use crate::sync::{Mutex, MutexGuard};
use crate::tiers::{OsrTable, OSR_SITES_MAX};

/// How far down the call graph from code a first call linked compiling ahead goes: 1 is what
/// that code refers to, 2 also what those functions refer to.
const DISTANCE: u8 = 2;

/// The record, for one program (a forked child starts a fresh one).
pub(crate) struct Ahead {
    /// Every function symbol → its unit.
    index: HashMap<String, UnitId>,
    /// Per unit: 0, or its distance when it was queued; [`NOT_AHEAD`] for units never compiled
    /// ahead (the profile's hot set, which may start at tier 2 from the cache, and non-functions).
    queued: Box<[AtomicU8]>,
    /// Per unit: linked (mirrors the engine).
    linked: Box<[AtomicBool]>,
    /// Objects compiled ahead, with their requests, waiting for their function's first call.
    /// The standard library's lock, as for the compile service (see `lazy::Service`).
    ready: Mutex<HashMap<UnitId, (CompileRequest, CompiledUnit)>>,
    /// The unit compiling ahead now, plus one (0: none).
    busy: AtomicU32,
    /// OSR sites in tier-0 code.
    osr: bool,
    compiled: AtomicU64,
    nanos: AtomicU64,
}

const NOT_AHEAD: u8 = u8::MAX;

static AHEAD: AtomicPtr<Ahead> = AtomicPtr::new(std::ptr::null_mut());

impl Ahead {
    fn ready(&self) -> MutexGuard<'_, HashMap<UnitId, (CompileRequest, CompiledUnit)>> {
        self.ready.lock()
    }
}

fn ahead() -> Option<&'static Ahead> {
    // SAFETY: null or a leaked, never freed record.
    unsafe { AHEAD.load(Ordering::Acquire).as_ref() }
}

/// Turns compiling ahead on for a program: `functions` are its function units by symbol,
/// `units` its unit count, `never` the units not to compile ahead; `osr` whether tier-0 code
/// gets OSR sites.
pub(crate) fn install(
    functions: HashMap<String, UnitId>,
    units: usize,
    never: impl Iterator<Item = UnitId>,
    osr: bool,
) {
    let queued: Box<[AtomicU8]> = (0..units).map(|_| AtomicU8::new(NOT_AHEAD)).collect();
    for unit in functions.values() {
        queued[unit.index()].store(0, Ordering::Relaxed);
    }
    for unit in never {
        if let Some(q) = queued.get(unit.index()) {
            q.store(NOT_AHEAD, Ordering::Relaxed);
        }
    }
    let record = Box::leak(Box::new(Ahead {
        index: functions,
        queued,
        linked: (0..units).map(|_| AtomicBool::new(false)).collect(),
        ready: Mutex::new(HashMap::new()),
        busy: AtomicU32::new(0),
        osr,
        compiled: AtomicU64::new(0),
        nanos: AtomicU64::new(0),
    }));
    AHEAD.store(record, Ordering::Release);
}

/// In a forked child: a fresh record with the parent's knowledge of what is linked (the child's
/// queue is fresh too, so nothing the parent queued is compiled here; first calls compile it).
pub(crate) fn reset_after_fork() {
    let Some(old) = ahead() else {
        return;
    };
    let record = Box::leak(Box::new(Ahead {
        index: old.index.clone(),
        queued: old
            .queued
            .iter()
            .map(|q| AtomicU8::new(q.load(Ordering::Relaxed)))
            .collect(),
        linked: old
            .linked
            .iter()
            .map(|l| AtomicBool::new(l.load(Ordering::Relaxed)))
            .collect(),
        // The lock may be held by a thread the child does not have; the objects stay usable.
        ready: Mutex::new(
            old.ready
                .try_lock()
                .map(|ready| ready.clone())
                .unwrap_or_default(),
        ),
        busy: AtomicU32::new(0),
        osr: old.osr,
        compiled: AtomicU64::new(old.compiled.load(Ordering::Relaxed)),
        nanos: AtomicU64::new(old.nanos.load(Ordering::Relaxed)),
    }));
    AHEAD.store(record, Ordering::Release);
}

/// The functions among `undefined` (an object's undefined symbols) to compile ahead at
/// `distance`, marked queued.
fn find(record: &Ahead, undefined: &[String], distance: u8) -> Vec<UnitId> {
    if distance > DISTANCE {
        return Vec::new();
    }
    let mut found = Vec::new();
    for name in undefined {
        let Some(&unit) = record.index.get(name) else {
            continue;
        };
        if record.linked[unit.index()].load(Ordering::Relaxed) {
            continue;
        }
        if record.queued[unit.index()]
            .compare_exchange(0, distance, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            found.push(unit);
        }
    }
    found
}

/// The engine linked `unit`'s tier-0 code, compiled for a first call (not from the cache):
/// queues the functions it refers to (`undefined`) for compiling ahead.
pub(crate) fn first_call_linked(undefined: &[String]) -> Vec<UnitId> {
    ahead().map_or_else(Vec::new, |record| find(record, undefined, 1))
}

/// The engine linked `unit` (any tier): it is no longer compiled ahead.
pub(crate) fn linked(unit: UnitId) {
    if let Some(flag) = ahead().and_then(|r| r.linked.get(unit.index())) {
        flag.store(true, Ordering::Relaxed);
    }
}

/// Claims `unit` for a background thread: the request to compile it with (a first call's tier-0
/// request, for a compiler that keeps the function's IR: the background compiler recompiles and
/// imports functions later). `None` once it is linked or compiled.
pub(crate) fn begin(unit: UnitId) -> Option<CompileRequest> {
    let record = ahead()?;
    if record.linked.get(unit.index())?.load(Ordering::Relaxed)
        || record.ready().contains_key(&unit)
    {
        return None;
    }
    record.busy.store(unit.0.wrapping_add(1), Ordering::Release);
    let limit = record
        .osr
        .then(|| OSR_SITES_MAX.saturating_sub(OsrTable::used()));
    Some(CompileRequest {
        last_use: false,
        ..crate::tiers::tier0_request(limit)
    })
}

/// A background thread compiled `unit` ahead (`result`): keeps the object for the function's
/// first call, which from now on compiles instead of running in the interpreter (code at hand
/// beats the interpreter). Returns the functions to compile ahead next: those the object refers
/// to, if within [`DISTANCE`].
pub(crate) fn finish(
    unit: UnitId,
    request: CompileRequest,
    result: Option<CompiledUnit>,
    elapsed: Duration,
) -> Vec<UnitId> {
    let Some(record) = ahead() else {
        return Vec::new();
    };
    let mut next = Vec::new();
    // A first call that came first compiled it (it claimed the unit before this compile did).
    let linked = record.linked[unit.index()].load(Ordering::Relaxed);
    if let Some(compiled) = result.filter(|_| !linked) {
        let input = ObjectInput {
            name: "",
            bytes: &compiled.object,
            locals: &[],
        };
        let undefined = Linker::undefined_symbols(&input).unwrap_or_default();
        let distance = record.queued[unit.index()].load(Ordering::Relaxed);
        next = find(record, &undefined, distance.saturating_add(1));
        record.compiled.fetch_add(1, Ordering::Relaxed);
        record
            .nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        record.ready().insert(unit, (request, compiled));
        crate::lazy::compiled_ahead(unit);
    }
    let _ = record.busy.compare_exchange(
        unit.0.wrapping_add(1),
        0,
        Ordering::AcqRel,
        Ordering::Relaxed,
    );
    next
}

/// For `unit`'s first call: waits while a background thread compiles it ahead (one tier-0
/// compile, a few milliseconds at most), then takes the object if there is one.
pub(crate) fn take(unit: UnitId) -> Option<(CompileRequest, CompiledUnit)> {
    let record = ahead()?;
    while record.busy.load(Ordering::Acquire) == unit.0.wrapping_add(1) {
        std::thread::sleep(Duration::from_micros(50));
    }
    record.ready().remove(&unit)
}

/// Functions compiled ahead, and the background time that took.
pub(crate) fn stats() -> (u64, Duration) {
    ahead().map_or((0, Duration::ZERO), |r| {
        (
            r.compiled.load(Ordering::Relaxed),
            Duration::from_nanos(r.nanos.load(Ordering::Relaxed)),
        )
    })
}
