//! The engine: asks the compiler for units, links them into the heap, and keeps every program
//! function reachable through its stub, compiled up front (eager) or on its first call (lazy).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use irjit_interface::bytecode::Translation;
use irjit_interface::{
    osr_continuation_name, CompileRequest, CompiledUnit, OptLevel, Osr, ProgramLayout,
    UnitCompiler, UnitId, UnitKind,
};

use crate::cache::program::{Shape, UnitHeat};
use crate::cache::session::{CacheSession, CachingCompiler};
use crate::error::{LinkError, RuntimeError};
use crate::heap::{CodeHeap, Region};
use crate::host::HostResolver;
use crate::interp::Loaded;
use crate::link::{LinkedObject, Linker, ObjectInput, Unloadable};
use crate::observe::{crash, perf_map::PerfMap};
use crate::reclaim::Retired;
use crate::stubs::Stubs;
use crate::tiers::{OsrTable, TierMode, TierOptions, OSR_RECORD_BYTES, OSR_SITES_MAX};

/// Tripwire hits in one quiet period that wake the runtime (see [`Engine::quiet_tripwire`]).
const QUIET_TRIPWIRE_HITS: u32 = 64;

/// Superseded code bytes that call for a reclamation round at once. Otherwise a round runs when
/// the background threads run out of work, or after a tier-up once [`RECLAIM_INTERVAL`] has
/// passed since the last round (and after every tier-up in stress mode).
const RECLAIM_MIN_BYTES: u64 = 64 << 10;
/// See [`RECLAIM_MIN_BYTES`]. A round costs about 0.1 ms for a few threads with small stacks.
const RECLAIM_INTERVAL: Duration = Duration::from_millis(20);

/// How the engine compiles and links.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// The optimization level of every unit.
    pub level: OptLevel,
    /// Libraries to open before linking (`--dlopen`).
    pub dlopen: Vec<String>,
    /// Compile each function on its first call (else everything before the program starts).
    pub lazy: bool,
    /// Write `/tmp/perf-PID.map` so `perf` can name JIT'd functions. Superseded code is then
    /// kept, not freed (see [`Engine::new`]).
    pub perf_map: bool,
    /// Which tiers run, and how functions move between them.
    pub tiers: TierOptions,
    /// The persistent code cache for this run (`None`: `--no-cache`).
    pub cache: Option<Arc<CacheSession>>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            level: OptLevel::O2,
            dlopen: Vec::new(),
            lazy: true,
            perf_map: false,
            tiers: TierOptions::default(),
            cache: None,
        }
    }
}

/// What the engine did, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct EngineStats {
    /// Compile units in the program.
    pub units_defined: usize,
    /// Compile units compiled.
    pub units_compiled: usize,
    /// Functions the program defines.
    pub functions_defined: usize,
    /// Functions compiled.
    pub functions_compiled: usize,
    /// Functions whose first code is tier 0 (`-O0`, with counters in adaptive mode).
    pub tier0_functions: usize,
    /// Functions recompiled at tier 2 in the background.
    pub tier2_functions: usize,
    /// Tier-2 compiles in all (stress mode recompiles some functions more than once).
    pub tier2_compiles: usize,
    /// Time the background threads spent compiling tier-2 code (OSR continuations included).
    pub tier2_time: Duration,
    /// Loop headers of tier-0 code that are OSR sites.
    pub osr_sites: u64,
    /// OSR continuations compiled and installed.
    pub osr_continuations: u64,
    /// Continuation compiles that also gave their function's tier-2 entry.
    pub osr_with_function: u64,
    /// Functions a background thread compiled at tier 0 ahead of their first call.
    pub ahead_compiled: usize,
    /// Functions whose first call used code compiled ahead.
    pub ahead_used: usize,
    /// Background time spent compiling ahead.
    pub ahead_time: Duration,
    /// Times the runtime's threads left once tiering was quiet (see [`crate::quiet`]).
    pub quiet_leaves: u64,
    /// Times the process became single-threaded again after they left.
    pub single_again: u64,
    /// Times they were woken again (a tier-0 function called, a tier-0 loop run, a first call).
    pub quiet_wakes: u64,
    /// Functions translated to bytecode for the interpreter tier.
    pub functions_translated: usize,
    /// Functions whose first calls ran in the interpreter.
    pub functions_interpreted: usize,
    /// Of those, functions that never needed machine code.
    pub functions_only_interpreted: usize,
    /// Calls the interpreter ran.
    pub interpreted_calls: u64,
    /// Time spent in the compiler.
    pub compile_time: Duration,
    /// Time spent linking.
    pub link_time: Duration,
    /// Bytes of code placed in the heap: the code region's extent (its high-water mark, which
    /// freed space is reused below).
    pub code_bytes: u64,
    /// Bytes of code in use now (superseded code not yet freed included).
    pub code_live: u64,
    /// Bytes of superseded code waiting to be freed.
    pub code_superseded: u64,
    /// Bytes of code freed in all.
    pub code_freed: u64,
    /// Bytes of code placed in all (freed and reused space counted each time).
    pub code_placed: u64,
    /// Reclamation rounds run, and those of them that were inconclusive.
    pub reclaim_rounds: u64,
    /// See `reclaim_rounds`.
    pub reclaim_inconclusive: u64,
    /// Bytes of read-only data (constants, GOT, unwind tables, stub slots).
    pub read_only_bytes: u64,
    /// Bytes of writable data.
    pub data_bytes: u64,
    /// Relocations applied.
    pub relocations: u64,
    /// GOT entries made.
    pub got_entries: u64,
    /// PLT stubs made.
    pub plt_stubs: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct UnitState {
    linked: bool,
    /// The function's code, for units holding one.
    body: Option<u64>,
    /// Bytes of the function's current code.
    body_size: u64,
    /// 0 or 2 once linked.
    tier: u8,
    /// A background tier-2 compile is under way or done for good.
    tier_up_busy: bool,
    tier_up_done: bool,
    /// Tier-2 compiles still wanted (stress mode asks for more than one).
    tier2_left: u8,
    /// The profile of earlier runs says the unit gets hot.
    hot: bool,
    /// The first OSR site record handed to the unit's tier-0 code.
    osr_base: Option<u32>,
    /// When the function's latest tier-2 entry was installed (by a background tier-up).
    tier2_since: Option<Instant>,
}

/// How many OSR thresholds of the hot loop's iterations a call may run on in tier-0 code
/// before it comes back to the header of a loop around it, for the continuation to be entered
/// there (see [`OsrState::entry`]): 1.6 million iterations at the default threshold, a few
/// milliseconds of tier-0 code.
const OSR_NEST_WAIT: u32 = 16;

/// Whether loop site `outer` (a loop around hot site `hot`) has iterated at least once per
/// [`OSR_NEST_WAIT`] thresholds of `hot`'s iterations, counting all iterations so far: a call
/// in `hot` then gets back to `outer`'s header within about that many iterations.
fn iterates_often(table: &OsrTable, hot: u32, outer: u32) -> bool {
    let outer = table.iterations(outer);
    outer > 0
        && u64::from(table.iterations(hot) / outer)
            <= u64::from(table.threshold.max(1)) * u64::from(OSR_NEST_WAIT)
}

/// The nest table of a tier-0 object with `used` OSR sites: per site, the number of the nearest
/// enclosing loop that is a site too, or `u32::MAX` (written by the compiler as the local
/// symbol `__irjit_osr_nest`). Empty when the object has none (then no continuation is entered
/// at an outer loop: the behaviour of objects cached before the table existed).
fn osr_nest(object: &[u8], used: u32) -> Vec<u32> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let Ok(file) = object::File::parse(object) else {
        return Vec::new();
    };
    let Some(symbol) = file.symbols().find(|s| s.name() == Ok("__irjit_osr_nest")) else {
        return Vec::new();
    };
    let Some(data) = symbol
        .section_index()
        .and_then(|i| file.section_by_index(i).ok())
        .and_then(|section| section.data().ok())
    else {
        return Vec::new();
    };
    let start = symbol.address() as usize;
    let Some(bytes) = data.get(start..start + used as usize * 4) else {
        return Vec::new();
    };
    bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Tier-0 code size from which a function's OSR continuation compile also gives its tier-2
/// entry (see [`Engine::osr_with_function`]). Lua's `luaV_execute` has 39 KB of tier-0 code; its
/// helpers, and the loops of the benchmark programs, under 2 KB.
const COMBINED_MIN_BYTES: u64 = 8 * 1024;

/// A program being compiled into, and run from, the code heap.
pub struct Engine {
    compiler: Box<dyn UnitCompiler>,
    linker: Linker,
    stubs: Stubs,
    options: EngineOptions,
    units: Vec<UnitState>,
    /// Every symbol a unit defines → that unit.
    index: HashMap<String, UnitId>,
    perf_map: Option<PerfMap>,
    /// Tier-0 counters (adaptive mode).
    counters: Option<crate::tiers::Counters>,
    /// OSR sites (adaptive mode with OSR).
    osr: Option<OsrState>,
    /// Each unit's current code, and whether it is tier 0.
    versions: Vec<Option<(Unloadable, bool)>>,
    /// Continuations of each unit's tier-0 OSR sites while that code is current.
    continuations: Vec<Vec<Unloadable>>,
    /// Superseded code waiting for a reclamation round.
    retired: Vec<Retired>,
    /// When the last reclamation round ran.
    last_round: Option<Instant>,
    /// Compiling ahead is on (see [`crate::ahead`]).
    ahead_on: bool,
    /// Functions found by first calls' links for compiling ahead, queued once the engine's lock
    /// is released ([`Engine::take_ahead_found`]).
    ahead_found: Vec<UnitId>,
    /// Tripwires hit since the runtime's threads last left (see [`Engine::quiet_tripwire`]).
    quiet_hits: u32,
    stats: EngineStats,
}

/// The OSR sites handed out so far.
struct OsrState {
    table: OsrTable,
    sites: Vec<OsrSite>,
}

impl OsrState {
    /// The site a continuation compile asked for by hot site `site` enters at: the outermost of
    /// `site`'s enclosing loops (sites of the same function) that iterates often enough for the
    /// call to reach its header soon (see [`iterates_often`]), or `site` itself. Entered at its
    /// outermost loop's header, a continuation keeps the function's loop nest whole for the
    /// optimizer. None when such a loop has its continuation already (or one compiling): the
    /// call will enter it there.
    fn entry(&self, site: u32) -> Option<u32> {
        let mut entry = site;
        while let Some(outer) = self.sites[entry as usize].parent {
            if !iterates_often(&self.table, site, outer) {
                break;
            }
            let state = &self.sites[outer as usize];
            if state.busy || state.done {
                // Served by that loop's continuation, unless it failed (a done site with no
                // continuation in its slot).
                if state.busy || self.table.slot(outer).load(Ordering::Relaxed) != 0 {
                    return None;
                }
                break;
            }
            entry = outer;
        }
        Some(entry)
    }

    /// A continuation of `unit` is no longer compiling: the poller may queue the function's
    /// put-off sites again (those still getting hotter, see `tiers::start_poller`).
    fn requeue_deferred(&mut self, unit: UnitId) {
        for (site, state) in self.sites.iter_mut().enumerate() {
            if state.unit == unit && state.deferred {
                state.deferred = false;
                crate::tiers::osr_requeue(site as u32);
            }
        }
    }
}

#[derive(Clone, Debug)]
struct OsrSite {
    unit: UnitId,
    /// The site's number within its function.
    local: u32,
    /// The site of the nearest loop around this one that can take a continuation (its table
    /// index), as the tier-0 object's nest table says (see [`osr_nest`]).
    parent: Option<u32>,
    /// A continuation compile is under way, or done for good (installed or failed).
    busy: bool,
    done: bool,
    /// Put off while another site of the function had its continuation compiling (see
    /// [`Engine::begin_osr`]).
    deferred: bool,
    /// For the site a continuation compile was claimed for: the other sites (table indices)
    /// the same continuation enters.
    along: Vec<u32>,
    /// For the site a continuation compile was claimed for: the same compile gives the
    /// function's tier-2 entry (see [`Engine::osr_with_function`]).
    with_function: bool,
}

impl Engine {
    /// An engine for the program `compiler` serves: every function gets its stub, nothing is
    /// compiled yet (see [`Engine::start`]).
    pub fn new(
        compiler: Box<dyn UnitCompiler>,
        options: EngineOptions,
    ) -> Result<Engine, RuntimeError> {
        let mut options = options;
        if options.perf_map && options.tiers.reclaim {
            // A perf map names address ranges for the whole run (`perf` has no way to end one):
            // code freed and its memory reused for another function would have the samples of
            // the new code charged to the old name. So with a map nothing is freed.
            tracing::debug!("a perf map is written: superseded code is kept");
            options.tiers.reclaim = false;
        }
        let compiler: Box<dyn UnitCompiler> = match &options.cache {
            Some(session) => {
                // Background compilers go through the cache too.
                if let Some(factory) = options.tiers.factory.take() {
                    let session = session.clone();
                    options.tiers.factory = Some(Arc::new(move || {
                        factory().map(|inner| {
                            Box::new(CachingCompiler::new(inner, session.clone()))
                                as Box<dyn UnitCompiler>
                        })
                    }));
                }
                Box::new(CachingCompiler::new(compiler, session.clone()))
            }
            None => compiler,
        };
        let heap = CodeHeap::new()?;
        let mut host = HostResolver::new();
        for lib in &options.dlopen {
            host.dlopen(lib)?;
        }
        let mut linker = Linker::new(heap, host);
        // Data the program expects from static libraries or the native linker, placed in the heap
        // because code refers to it PC-relative (`__cpu_model` and `__cpu_features2` are placed
        // when first referred to: see `host::lazy_heap_data`).
        let dso_handle = linker.define_data("__dso_handle", &[0; 8], 8)?;
        crate::host::set_dso_handle(dso_handle);

        let layout = compiler.layout();
        for alias in &layout.aliases {
            linker.add_alias(&alias.name, &alias.target, alias.offset);
        }
        let functions: Vec<UnitId> = layout
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::Function)
            .map(|u| u.id)
            .collect();
        let stubs = Stubs::new(
            linker.heap_mut(),
            functions,
            layout.units.len(),
            crate::lazy::resolver_address(),
        )?;
        let mut index = HashMap::new();
        for unit in &layout.units {
            for name in &unit.defines {
                index.insert(name.clone(), unit.id);
            }
            if let Some(stub) = stubs.stub(unit.id) {
                linker.define_stub(&unit.name, stub);
            }
        }
        let perf_map = if options.perf_map {
            Some(PerfMap::create()?)
        } else {
            None
        };
        let stats = EngineStats {
            units_defined: layout.units.len(),
            functions_defined: stubs.len(),
            ..Default::default()
        };
        if options.tiers.stress {
            options.tiers.threshold = 1;
        }
        let adaptive = options.tiers.mode == TierMode::Adaptive;
        let osr = if adaptive && options.tiers.osr {
            let size = u64::from(OSR_SITES_MAX) * OSR_RECORD_BYTES;
            let addr = linker.define_zeroed("__irjit_osr_sites", size, 64)?;
            let threshold =
                options
                    .tiers
                    .threshold
                    .max(1)
                    .saturating_mul(if options.tiers.stress {
                        1
                    } else {
                        crate::tiers::OSR_FACTOR
                    });
            OsrTable::publish(0);
            Some(OsrState {
                table: OsrTable { addr, threshold },
                sites: Vec::new(),
            })
        } else {
            None
        };
        let counters = if adaptive {
            let len = layout.units.len();
            // Entries, then loop iterations outside OSR sites: a 32-bit counter each per unit.
            let addr = linker.define_zeroed("__irjit_counters", len as u64 * 8, 64)?;
            Some(crate::tiers::Counters {
                addr,
                len,
                threshold: options.tiers.threshold.max(1),
                osr: osr.as_ref().map(|o| o.table),
                for_next_run: options.cache.is_some(),
            })
        } else {
            None
        };
        let initial = UnitState {
            tier2_left: if options.tiers.stress { 2 } else { 1 },
            ..Default::default()
        };
        let unit_count = layout.units.len();
        if adaptive && options.tiers.reclaim {
            crate::reclaim::install();
        }
        // Compiling ahead uses a second core's spare time: with one core it would take the
        // program's. A threshold nothing reaches asks for no background thread at all, and the
        // interpreter's test mode for every call to run in it.
        crate::quiet::set_jit_code(linker.heap().base().0, crate::heap::CODE_REGION_SIZE);
        crate::quiet::enable(
            adaptive
                && options.tiers.idle_exit
                && options.tiers.factory.is_some()
                && options.tiers.threshold != crate::tiers::NEVER,
            options.tiers.stress,
        );
        let ahead_on = adaptive
            && options.lazy
            && options.tiers.compile_ahead
            && options.tiers.interp_calls != u32::MAX
            && options.tiers.factory.is_some()
            && options.tiers.threshold != crate::tiers::NEVER
            && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
        if ahead_on {
            let functions = layout
                .units
                .iter()
                .filter(|u| stubs.stub(u.id).is_some())
                .map(|u| (u.name.clone(), u.id))
                .collect();
            let hot: Vec<UnitId> = options.cache.iter().flat_map(|s| s.hot_units()).collect();
            crate::ahead::install(functions, unit_count, hot.into_iter(), osr.is_some());
        }
        let mut units = vec![initial; unit_count];
        if adaptive {
            for unit in options.cache.iter().flat_map(|s| s.hot_units()) {
                if let Some(state) = units.get_mut(unit.index()) {
                    state.hot = true;
                }
            }
        }
        Ok(Engine {
            versions: vec![None; unit_count],
            continuations: vec![Vec::new(); unit_count],
            retired: Vec::new(),
            last_round: None,
            ahead_on,
            ahead_found: Vec::new(),
            quiet_hits: 0,
            units,
            compiler,
            linker,
            stubs,
            options,
            index,
            perf_map,
            counters,
            osr,
            stats,
        })
    }

    /// The program's split into units.
    pub fn layout(&self) -> &ProgramLayout {
        self.compiler.layout()
    }

    /// Whether functions are compiled on first call.
    pub fn is_lazy(&self) -> bool {
        self.options.lazy
    }

    /// A warm start (lazy mode, with a cache): links now, on the calling thread, every function
    /// unit whose object for its first request the cache's record holds (the units earlier runs
    /// of the program used), so that their first calls need no trip to the compile thread. Each
    /// unit is linked as its first call would link it; a failure stops here and leaves the unit
    /// to its first call, which reports it if the program does call it.
    pub fn prelink_cached(&mut self) {
        let Some(session) = self.options.cache.clone() else {
            return;
        };
        if !self.options.lazy || self.options.tiers.stress {
            return;
        }
        let cached: Vec<UnitId> = (0..self.units.len())
            .map(|i| UnitId(i as u32))
            .filter(|&u| !self.units[u.index()].linked && self.stubs.stub(u).is_some())
            .filter(|&u| {
                let defines = self.layout().units[u.index()].defines.len();
                let shape = Shape::of(&self.first_request(u), defines);
                session.find(u, shape).is_some()
            })
            .collect();
        for unit in cached {
            if self.units[unit.index()].linked {
                continue;
            }
            if let Err(e) = self.link_units(vec![unit]) {
                tracing::debug!(unit = self.unit_name(unit), "prelinking stopped: {e}");
                break;
            }
        }
    }

    /// Links what must exist before the program runs: the global data (lazy mode), or every unit
    /// (eager mode).
    pub fn start(&mut self) -> Result<(), RuntimeError> {
        let wanted: Vec<UnitId> = self
            .layout()
            .units
            .iter()
            .filter(|u| !self.options.lazy || u.kind == UnitKind::Globals)
            .map(|u| u.id)
            .collect();
        self.link_units(wanted)
    }

    /// The body of `unit`'s function, compiling and linking the unit first if needed. This is
    /// what a function's first call runs (through the resolver).
    pub fn ensure_unit(&mut self, unit: UnitId) -> Result<u64, RuntimeError> {
        if unit.index() >= self.units.len() {
            return Err(irjit_interface::CompileError::NoSuchUnit(unit).into());
        }
        if !self.units[unit.index()].linked {
            self.link_units(vec![unit])?;
        }
        let name = &self.layout().units[unit.index()].name;
        self.units[unit.index()].body.ok_or_else(|| {
            RuntimeError::Link(LinkError::UndefinedSymbol {
                symbol: name.clone(),
                needed_by: "its own compile unit, which does not define it".to_string(),
            })
        })
    }

    /// The entry stub of `unit`'s function: its address for the program's whole life.
    pub fn stub(&self, unit: UnitId) -> Option<u64> {
        self.stubs.stub(unit)
    }

    /// The unit's name (the function's link name).
    pub fn unit_name(&self, unit: UnitId) -> &str {
        self.layout()
            .units
            .get(unit.index())
            .map_or("<unknown unit>", |u| u.name.as_str())
    }

    /// How a unit is compiled the first time. The engine's compiler compiles each unit once;
    /// recompiles (tier-ups) go to other compilers. Only in tier-2 mode does it import callees,
    /// so elsewhere it may consume a function's IR.
    fn first_request(&self, unit: UnitId) -> CompileRequest {
        if let Some(request) = self.cached_tier2(unit) {
            return request;
        }
        match self.options.tiers.mode {
            TierMode::Tier0 => CompileRequest {
                last_use: true,
                ..CompileRequest::at(OptLevel::O0)
            },
            TierMode::Tier2 => CompileRequest {
                inline_callees: true,
                ..CompileRequest::at(self.options.level)
            },
            TierMode::Adaptive => crate::tiers::tier0_request(
                self.osr
                    .as_ref()
                    .map(|osr| OSR_SITES_MAX.saturating_sub(osr.sites.len() as u32)),
            ),
        }
    }

    /// The tier-2 request of a unit the profile says gets hot, when the cache holds its tier-2
    /// object: the unit starts there, skipping tier 0 (adaptive mode).
    fn cached_tier2(&self, unit: UnitId) -> Option<CompileRequest> {
        let state = self.units.get(unit.index())?;
        if !state.hot || self.options.tiers.stress {
            return None;
        }
        let request = self.tier2_request();
        let defines = self.layout().units.get(unit.index())?.defines.len();
        let session = self.options.cache.as_ref()?;
        session.find(unit, Shape::of(&request, defines))?;
        Some(request)
    }

    /// How a hot function is recompiled.
    fn tier2_request(&self) -> CompileRequest {
        crate::tiers::tier2_request(self.options.level)
    }

    /// Whether some function is linked at tier 0 (its counters need watching).
    pub fn has_tier0_functions(&self) -> bool {
        self.units
            .iter()
            .enumerate()
            .any(|(i, u)| u.linked && u.tier == 0 && self.stubs.stub(UnitId(i as u32)).is_some())
    }

    /// Calls of a loop-free function to run in the interpreter before it is compiled, when the
    /// interpreter tier is on (adaptive, lazy mode).
    pub fn interp_calls(&self) -> Option<u32> {
        let tiers = &self.options.tiers;
        (self.options.lazy && tiers.mode == TierMode::Adaptive && tiers.interp_calls > 0)
            .then_some(tiers.interp_calls)
    }

    /// `unit`'s function as bytecode for the interpreter, loaded (its symbols resolved); `None`
    /// when the interpreter cannot run it, or it is linked already.
    pub fn translate(&mut self, unit: UnitId) -> Option<Loaded> {
        if self.units.get(unit.index())?.linked || self.stubs.stub(unit).is_none() {
            return None;
        }
        let name = self.unit_name(unit).to_string();
        // A failure here is no error: compiling the function reports it, if it recurs.
        let compiled = match self.compiler.compile(unit, &CompileRequest::bytecode()) {
            Ok(compiled) => compiled,
            Err(e) => {
                tracing::debug!(function = name, "no bytecode: {e}");
                return None;
            }
        };
        self.stats.compile_time += compiled.compile_time;
        self.stats.functions_translated += 1;
        match irjit_interface::abi::decode::<Translation>(&compiled.object) {
            Ok(Translation::Function(function)) => {
                let linker = &mut self.linker;
                let mut symbols = Vec::new();
                let loaded = Loaded::new(function, &mut |symbol| {
                    symbols.push(symbol.to_string());
                    linker.resolve(symbol)
                });
                match loaded {
                    Ok(loaded) => {
                        tracing::debug!(function = name, "interpreting its first calls");
                        if self.ahead_on && !compiled.from_store {
                            // What it calls is compiled ahead while the interpreter runs it.
                            let found = crate::ahead::first_call_linked(&symbols);
                            self.ahead_found.extend(found);
                        }
                        Some(loaded)
                    }
                    Err(e) => {
                        tracing::debug!(function = name, "cannot interpret: {e}");
                        None
                    }
                }
            }
            Ok(Translation::Unsupported(why)) => {
                tracing::debug!(function = name, "not for the interpreter: {why}");
                None
            }
            Err(e) => {
                tracing::warn!(function = name, "unreadable bytecode: {e}");
                None
            }
        }
    }

    fn compile(&mut self, unit: UnitId) -> Result<CompiledUnit, RuntimeError> {
        let (request, compiled) = match self.take_ahead(unit) {
            Some(ready) => ready,
            None => {
                let request = self.first_request(unit);
                let compiled = self.compiler.compile(unit, &request)?;
                self.stats.compile_time += compiled.compile_time;
                (request, compiled)
            }
        };
        self.stats.units_compiled += 1;
        if self.stubs.stub(unit).is_some() {
            self.stats.functions_compiled += 1;
            if request.level == OptLevel::O0 {
                self.stats.tier0_functions += 1;
            }
        }
        let state = &mut self.units[unit.index()];
        state.tier = if request.level == OptLevel::O0 { 0 } else { 2 };
        if state.tier == 2 && self.options.tiers.mode == TierMode::Adaptive {
            // Started at tier 2 from the cache (see `cached_tier2`): nothing left to tier up.
            state.tier_up_done = true;
        }
        if let (Some(osr), Osr::Sites { limit }) = (&mut self.osr, request.osr) {
            let used = compiled.osr_sites.min(limit);
            let base = osr.sites.len() as u32;
            self.units[unit.index()].osr_base = Some(base);
            let nest = osr_nest(&compiled.object, used);
            for local in 0..used {
                let site = base + local;
                osr.table.unit(site).store(unit.0, Ordering::Relaxed);
                osr.sites.push(OsrSite {
                    unit,
                    local,
                    parent: nest
                        .get(local as usize)
                        .filter(|&&p| p < used && p != local)
                        .map(|&p| base + p),
                    busy: false,
                    done: false,
                    deferred: false,
                    along: Vec::new(),
                    with_function: false,
                });
            }
            OsrTable::publish(osr.sites.len() as u32);
            self.stats.osr_sites += u64::from(used);
        }
        Ok(compiled)
    }

    /// Claims hot OSR site `site`, queued at `queued`, for a background continuation compile:
    /// the site the continuation is entered at (`site`, or a loop around it, see
    /// `OsrState::entry`), the unit and the request; `None` when there is nothing to do.
    pub fn begin_osr(
        &mut self,
        site: u32,
        queued: Instant,
    ) -> Option<(u32, UnitId, CompileRequest)> {
        let osr = self.osr.as_mut()?;
        let state = osr.sites.get(site as usize)?;
        if state.busy || state.done {
            return None;
        }
        // The function's tier-2 entry arrived after the site was queued: the iterations that
        // made it hot may have come from calls that started in tier 0 and have returned since
        // (SQLite's interpreter). New calls no longer count, so the poller queues the site again
        // only if a call still runs the tier-0 loop for another threshold's worth.
        if self.units[state.unit.index()]
            .tier2_since
            .is_some_and(|since| since > queued)
        {
            crate::tiers::osr_requeue(site);
            return None;
        }
        // Where the continuation is entered (see `OsrState::entry`): the hot loop, or a loop around it
        // that iterates often enough. None: the continuation of a loop around it is there already
        // and the call will reach it soon.
        let hot = site;
        let Some(site) = osr.entry(hot) else {
            // Queued again after another threshold of iterations, should the call stay in the
            // inner loop after all.
            crate::tiers::osr_requeue(hot);
            return None;
        };
        if site != hot {
            tracing::debug!(
                hot,
                site,
                hot_iterations = osr.table.iterations(hot),
                iterations = osr.table.iterations(site),
                "OSR enters at an outer loop"
            );
        }
        let state = &osr.sites[site as usize];
        // One continuation of a function at a time: the sites of a loop nest tend to get hot
        // together (an interpreter's dispatch loops all at once), and the call running tier-0
        // code likely enters the first one (sites are queued in loop preorder, outermost first).
        // The others are put off until it is ready; then the poller queues those that are still
        // getting hotter (the call went on to another loop: a matrix product after the loop that
        // filled the matrices).
        let unit = state.unit;
        if osr
            .sites
            .iter()
            .any(|other| other.unit == unit && other.busy)
        {
            // The hot site is the one the poller queued, and queues again.
            osr.sites[hot as usize].deferred = true;
            return None;
        }
        // The function's other hot sites (half-way to the threshold, or further; a loop that is
        // no site never counts) enter the same continuation: one compile of the function serves
        // them all. An interpreter's calls and returns can be loops of their own, equally hot
        // (Lua's luaV_execute); its calls made anew from C start in tier-0 code and reach
        // whichever comes first. Each enters at its own outer loop, as the hot site does; one
        // that comes to this continuation's entry needs no entry of its own.
        let table = osr.table;
        let mut others = 0u64;
        let mut along: Vec<u32> = Vec::new();
        for other in 0..osr.sites.len() as u32 {
            let state = &osr.sites[other as usize];
            if other == site
                || state.unit != unit
                || state.done
                || state.busy
                || table.half_way(other).is_none()
            {
                continue;
            }
            let Some(entry) = osr.entry(other) else {
                continue;
            };
            let state = &mut osr.sites[entry as usize];
            if entry == site || along.contains(&entry) || state.local >= 64 {
                continue;
            }
            state.busy = true;
            state.deferred = false;
            others |= 1 << state.local;
            along.push(entry);
        }
        let state = &mut osr.sites[site as usize];
        state.busy = true;
        state.along = along;
        let local = state.local;
        let function = self.osr_with_function(unit);
        if function {
            self.units[unit.index()].tier_up_busy = true;
        }
        if let Some(osr) = self.osr.as_mut() {
            osr.sites[site as usize].with_function = function;
        }
        Some((
            site,
            unit,
            CompileRequest {
                inline_callees: true,
                recompile: true,
                osr: Osr::Entry {
                    site: local,
                    others,
                    function,
                },
                ..CompileRequest::at(self.options.level)
            },
        ))
    }

    /// The OSR site whose continuation compile should give `unit`'s tier-2 entry too, now that
    /// `unit` is hot: a large function (see [`Engine::osr_with_function`]) one of whose sites
    /// has counted half a threshold of iterations or more (the one with most). A call that
    /// started in tier 0 may stay in that loop (SQLite's `sqlite3VdbeExec` runs a whole query
    /// in one call): its entry compile alone would not serve it, and its continuation would
    /// then cost a second compile of the function's bulk (0.5-0.7 s each, 1.2 s of SQLite's
    /// 2.8 s of tier-2 compiling). None while a continuation of `unit` is compiled already.
    pub fn combined_osr_site(&self, unit: UnitId) -> Option<u32> {
        let osr = self.osr.as_ref()?;
        let state = self.units.get(unit.index())?;
        if !(state.linked || state.hot) || !self.osr_with_function(unit) {
            return None;
        }
        let mut best: Option<(u32, u32)> = None;
        for (site, state) in osr.sites.iter().enumerate() {
            if state.unit != unit {
                continue;
            }
            if state.busy {
                return None;
            }
            if state.done {
                continue;
            }
            if let Some(iterations) = osr.table.half_way(site as u32) {
                if best.is_none_or(|(_, most)| iterations > most) {
                    best = Some((site as u32, iterations));
                }
            }
        }
        best.map(|(site, _)| site)
    }

    /// Whether the continuation compile of a site of `unit` should also give the function's own
    /// tier-2 code: when the function is large (its tier-0 code at least [`COMBINED_MIN_BYTES`])
    /// and has no tier-2 code, nor a compile of it under way. Both compiles would cost about
    /// the same, the function's bulk; done once, Lua's `luaV_execute` (0.4 s at -O2) gets its
    /// tier-2 entry with its continuation instead of 0.4 s later, and the compile thread moves
    /// on to the helpers. How often the function was entered says nothing here: the call
    /// running the loop is often the only one so far (Lua's main chunk). A small function gets
    /// better code from a compile of its own (the optimizer specializes a shared body to each
    /// entry, but spectral-norm's loops then ran 10% slower), and its compile is short. Stress
    /// mode combines whatever it can, so that its runs of the test corpus exercise this path.
    fn osr_with_function(&self, unit: UnitId) -> bool {
        let state = &self.units[unit.index()];
        self.options.tiers.mode == TierMode::Adaptive
            && state.tier != 2
            && !state.tier_up_busy
            && !state.tier_up_done
            && state.tier2_left > 0
            && (state.body_size >= COMBINED_MIN_BYTES || self.options.tiers.stress)
    }

    /// Links an OSR continuation and stores its address in the site's record: the tier-0 loop
    /// enters it at its next iteration.
    pub fn finish_osr(
        &mut self,
        site: u32,
        compiled: CompiledUnit,
        compile_time: Duration,
    ) -> Result<(), RuntimeError> {
        let Some(osr) = self.osr.as_mut() else {
            return Ok(());
        };
        let state = &mut osr.sites[site as usize];
        let (unit, local) = (state.unit, state.local);
        let with_function = std::mem::take(&mut state.with_function);
        let mut sites = std::mem::take(&mut state.along);
        sites.insert(0, site);
        for &s in &sites {
            let state = &mut osr.sites[s as usize];
            state.busy = false;
            state.done = true;
        }
        let locals: Vec<(u32, u32)> = sites
            .iter()
            .map(|&s| (s, osr.sites[s as usize].local))
            .collect();
        osr.requeue_deferred(unit);
        let table = osr.table;
        let entries: Vec<(u32, String)> = locals
            .into_iter()
            .map(|(s, local)| (s, osr_continuation_name(self.unit_name(unit), local)))
            .collect();
        self.stats.tier2_time += compile_time;
        let defines_function = match self.link_continuation(unit, local, table, &entries, &compiled)
        {
            Ok(defines_function) => defines_function,
            Err(e) => {
                if with_function {
                    self.give_back_tier_up(unit);
                }
                return Err(e);
            }
        };
        if with_function {
            if defines_function {
                // The same object once more, as the function's tier-2 version: its own copy of
                // the code, retired and freed with the function's versions, while the copy
                // linked as the continuation lives as long as the tier-0 code that enters it.
                self.stats.osr_with_function += 1;
                if let (Some(session), Some(key)) = (&self.options.cache, compiled.key) {
                    let defines = self.layout().units[unit.index()].defines.len();
                    session.note_also(unit, Shape::of(&self.tier2_request(), defines), key);
                }
                tracing::debug!(
                    unit = self.unit_name(unit),
                    "tier-2 entry from the continuation's compile"
                );
                return self.finish_tier_up(compiled, Duration::ZERO);
            }
            // A varargs function: no entry of its own in the continuation. Tier it up alone.
            self.give_back_tier_up(unit);
        }
        Ok(())
    }

    /// Links the continuation of `unit`'s sites `entries` (site, symbol), and stores each entry
    /// in its site's record, unless the tier-0 code those sites belong to is gone. Returns
    /// whether the object defines the function itself too (see [`Engine::osr_with_function`]).
    fn link_continuation(
        &mut self,
        unit: UnitId,
        local: u32,
        table: OsrTable,
        entries: &[(u32, String)],
        compiled: &CompiledUnit,
    ) -> Result<bool, RuntimeError> {
        let name = osr_continuation_name(self.unit_name(unit), local);
        let start = Instant::now();
        let linked = self.linker.link(&[ObjectInput {
            name: &name,
            bytes: &compiled.object,
            locals: &[],
        }])?;
        self.stats.link_time += start.elapsed();
        let mut found = HashMap::new();
        for object in &linked {
            for f in &object.functions {
                crash::register_function(f.addr, f.size, &f.name);
                if let Some(map) = &mut self.perf_map {
                    map.add(f.addr, f.size, &f.name, 2);
                }
                found.insert(f.name.as_str(), f.addr);
            }
        }
        let unit_name = self.unit_name(unit);
        let defines_function = linked
            .iter()
            .any(|o| o.bodies.iter().any(|(n, _)| n == unit_name));
        let mut ready = Vec::with_capacity(entries.len());
        for (s, symbol) in entries {
            let entry = found.get(symbol.as_str()).copied().ok_or_else(|| {
                RuntimeError::Link(LinkError::UndefinedSymbol {
                    symbol: symbol.clone(),
                    needed_by: "an OSR site".to_string(),
                })
            })?;
            ready.push((*s, entry));
        }
        let code = linked
            .into_iter()
            .next()
            .map(|o| o.unloadable)
            .unwrap_or_default();
        // The continuation lives as long as the tier-0 code whose site enters it.
        let enterable = if matches!(self.versions[unit.index()], Some((_, true))) {
            self.continuations[unit.index()].push(code);
            true
        } else if let Some(group) = self.retired.iter_mut().find(|r| r.unit == unit && r.tier0) {
            group.dependents.push(code);
            true
        } else {
            // That tier-0 code is gone: nothing can enter the continuation.
            self.linker.unload(&code)?;
            false
        };
        if enterable {
            for &(s, entry) in &ready {
                table.set_continuation(s, entry);
            }
            self.stats.osr_continuations += 1;
            tracing::debug!(
                continuation = %name,
                entry = format!("{:#x}", ready[0].1),
                sites = ?ready.iter().map(|&(s, _)| s).collect::<Vec<_>>(),
                "OSR ready"
            );
        }
        Ok(defines_function)
    }

    /// A continuation compile claimed `unit`'s tier-up and did not give it: the function goes
    /// back to the queue.
    fn give_back_tier_up(&mut self, unit: UnitId) {
        self.units[unit.index()].tier_up_busy = false;
        let heat = self.counters.map_or(1, |c| c.heat(unit.index()).max(1));
        crate::tiers::notify_hot(unit.0, heat);
    }

    /// Gives up on an OSR site (its continuation failed to compile): its loop stays in tier 0.
    pub fn abandon_osr(&mut self, site: u32) {
        let Some(osr) = self.osr.as_mut() else {
            return;
        };
        if let Some(state) = osr.sites.get_mut(site as usize) {
            let unit = state.unit;
            let with_function = std::mem::take(&mut state.with_function);
            let along = std::mem::take(&mut state.along);
            for s in along.into_iter().chain([site]) {
                let state = &mut osr.sites[s as usize];
                state.busy = false;
                state.done = true;
            }
            osr.requeue_deferred(unit);
            if with_function {
                self.give_back_tier_up(unit);
            }
        }
    }

    /// Where the tier-0 counters are (adaptive mode).
    pub fn counters(&self) -> Option<crate::tiers::Counters> {
        self.counters
    }

    /// The tiering settings.
    pub fn tier_options(&self) -> &TierOptions {
        &self.options.tiers
    }

    /// Claims `unit` for a background tier-2 compile; `None` when there is nothing to do.
    pub fn begin_tier_up(&mut self, unit: UnitId) -> Option<CompileRequest> {
        if self.options.tiers.mode != TierMode::Adaptive {
            return None;
        }
        let request = self.tier2_request();
        let state = self.units.get_mut(unit.index())?;
        // A unit the profile says gets hot may be compiled before its first call.
        let ready = state.linked || state.hot;
        if !ready || state.tier_up_busy || state.tier_up_done || state.tier2_left == 0 {
            return None;
        }
        state.tier_up_busy = true;
        Some(request)
    }

    /// The units to compile at tier 2 in the background as soon as the program starts: those the
    /// profile says get hot whose tier-2 code the cache does not hold yet (the others start at
    /// tier 2 on their first call).
    pub fn profile_hot_set(&self) -> Vec<UnitId> {
        if self.options.tiers.threshold == crate::tiers::NEVER {
            return Vec::new();
        }
        (0..self.units.len() as u32)
            .map(UnitId)
            .filter(|&u| self.units[u.index()].hot && self.cached_tier2(u).is_none())
            .collect()
    }

    /// Saves the cache's record of this program (objects used, profile), merged with what
    /// other runs saved; at exit, and now and then during long runs.
    pub fn persist_cache(&self) {
        let Some(session) = &self.options.cache else {
            return;
        };
        let mut profile = Vec::new();
        // Loop iterations counted at OSR sites, per unit: the poller's heat counts them too.
        let mut loops = vec![0u64; self.units.len()];
        if let Some(osr) = &self.osr {
            for (site, state) in osr.sites.iter().enumerate() {
                loops[state.unit.index()] += u64::from(osr.table.iterations(site as u32));
            }
        }
        for (i, state) in self.units.iter().enumerate() {
            let count = self.counters.map_or(0, |c| c.heat(i)) + loops[i];
            // Hot in this run: at tier 2, or on its way there (a compile under way, or queued:
            // the counter passed the threshold), or hot in its loops alone (entered once, a loop
            // in `main`: the poller leaves those to OSR, but the next run should start them at
            // tier 2). A unit still queued at exit counts too, so that the next run compiles it
            // at once instead of finding it hot again only later.
            let got_hot = state.tier == 2
                || state.tier_up_busy
                || state.tier_up_done
                || count >= u64::from(self.options.tiers.threshold);
            let tier2 = got_hot && self.options.tiers.mode == TierMode::Adaptive;
            if tier2 || count > 0 {
                profile.push(UnitHeat {
                    unit: i as u32,
                    count,
                    tier2,
                });
            }
        }
        session.persist(self.layout(), profile);
    }

    /// Whether this run uses the code cache.
    pub fn has_cache(&self) -> bool {
        self.options.cache.is_some()
    }

    /// Saves the cache's record if a long run has not saved it for a while.
    pub fn persist_cache_if_due(&self) {
        if self.options.cache.as_ref().is_some_and(|s| s.persist_due()) {
            self.persist_cache();
        }
    }

    /// What the process does with the cache at exit: saves the record, adds its counts to the
    /// cache's totals, trims the cache if it outgrew its limit.
    pub fn finish_cache(&self) {
        if let Some(session) = &self.options.cache {
            self.persist_cache();
            session.cache().finish_run();
        }
    }

    /// Links a unit compiled at tier 2 and re-points its stub.
    pub fn finish_tier_up(
        &mut self,
        compiled: CompiledUnit,
        compile_time: Duration,
    ) -> Result<(), RuntimeError> {
        let unit = compiled.unit;
        let state = &mut self.units[unit.index()];
        state.tier_up_busy = false;
        state.tier2_left = state.tier2_left.saturating_sub(1);
        state.tier_up_done = state.tier2_left == 0;
        let first_tier_up = state.tier != 2;
        state.tier = 2;
        state.tier2_since = Some(Instant::now());
        if first_tier_up {
            self.stats.tier2_functions += 1;
        }
        self.stats.tier2_compiles += 1;
        self.stats.tier2_time += compile_time;
        tracing::debug!(
            unit = self.unit_name(unit),
            from_cache = compiled.from_store,
            ms = compile_time.as_secs_f64() * 1e3,
            "tier 2 ready"
        );
        self.link_compiled(vec![compiled])
    }

    /// Gives up on tiering `unit` up (its compile failed): it stays in tier 0.
    pub fn abandon_tier_up(&mut self, unit: UnitId) {
        if let Some(state) = self.units.get_mut(unit.index()) {
            state.tier_up_busy = false;
            state.tier_up_done = true;
        }
    }

    /// Stress mode: whether `unit` should be recompiled at tier 2 once more.
    pub fn wants_another_tier_up(&self, unit: UnitId) -> bool {
        self.units
            .get(unit.index())
            .is_some_and(|s| !s.tier_up_done && !s.tier_up_busy && s.tier2_left > 0)
    }

    /// In a forked child: background compiles under way belong to the parent.
    pub fn forget_tier_ups_in_progress(&mut self) {
        for state in &mut self.units {
            state.tier_up_busy = false;
        }
        if let Some(osr) = &mut self.osr {
            for site in &mut osr.sites {
                site.busy = false;
            }
        }
    }

    /// Functions found for compiling ahead since the last call, for the caller to queue once it
    /// has released the engine's lock (queueing may start the background threads, which take it).
    pub fn take_ahead_found(&mut self) -> Vec<UnitId> {
        std::mem::take(&mut self.ahead_found)
    }

    /// The object compiled ahead for `unit`, if there is one and it still fits: its OSR sites
    /// must fit in the records left now.
    fn take_ahead(&mut self, unit: UnitId) -> Option<(CompileRequest, CompiledUnit)> {
        if !self.ahead_on {
            return None;
        }
        let (request, compiled) = crate::ahead::take(unit)?;
        let now = self.first_request(unit);
        let left = self.osr.as_ref().map_or(0, |osr| {
            OSR_SITES_MAX.saturating_sub(osr.sites.len() as u32)
        });
        let fits = match request.osr {
            Osr::Sites { .. } => compiled.osr_sites <= left,
            _ => true,
        };
        let same = now.level == request.level
            && now.counters == request.counters
            && matches!(now.osr, Osr::Sites { .. }) == matches!(request.osr, Osr::Sites { .. });
        if !(fits && same) {
            return None;
        }
        self.stats.ahead_used += 1;
        if let Some(session) = &self.options.cache {
            let defines = self.layout().units[unit.index()].defines.len();
            session.keep(&request, defines, &compiled);
        }
        Some((request, compiled))
    }

    /// Compiles `wanted` plus every not-yet-linked unit their objects need that has no stub to
    /// stand in for it (data living in a function's unit), and links them as one batch.
    fn link_units(&mut self, wanted: Vec<UnitId>) -> Result<(), RuntimeError> {
        let mut batch: Vec<CompiledUnit> = Vec::new();
        let mut queued: Vec<UnitId> = wanted
            .into_iter()
            .filter(|u| !self.units[u.index()].linked)
            .collect();
        let mut in_batch: std::collections::HashSet<UnitId> = queued.iter().copied().collect();
        while let Some(unit) = queued.pop() {
            let compiled = self.compile(unit)?;
            let input = ObjectInput {
                name: self.unit_name(unit),
                bytes: &compiled.object,
                locals: &[],
            };
            // Functions that tier-0 code compiled for a first call refers to are likely called
            // soon: compile them ahead (not for objects from the cache, which a warm run takes
            // without starting any thread).
            let find_ahead =
                self.ahead_on && compiled.level == OptLevel::O0 && !compiled.from_store;
            let undefined = Linker::undefined_symbols(&input)?;
            if find_ahead {
                let found = crate::ahead::first_call_linked(&undefined);
                self.ahead_found.extend(found);
            }
            for name in undefined {
                if self.linker.lookup(&name).is_some() {
                    continue;
                }
                if let Some(&dep) = self.index.get(&name) {
                    if !self.units[dep.index()].linked && in_batch.insert(dep) {
                        queued.push(dep);
                    }
                }
            }
            batch.push(compiled);
        }
        self.link_compiled(batch)
    }

    /// Links compiled units as one batch and installs them behind their stubs.
    fn link_compiled(&mut self, batch: Vec<CompiledUnit>) -> Result<(), RuntimeError> {
        if batch.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = batch
            .iter()
            .map(|c| self.unit_name(c.unit).to_string())
            .collect();
        let locals: Vec<Vec<(&str, u64)>> =
            batch.iter().map(|c| self.unit_locals(c.unit)).collect();
        let inputs: Vec<ObjectInput<'_>> = batch
            .iter()
            .zip(&names)
            .zip(&locals)
            .map(|((c, name), locals)| ObjectInput {
                name,
                bytes: &c.object,
                locals,
            })
            .collect();
        let start = Instant::now();
        let linked = self.linker.link(&inputs)?;
        for (compiled, object) in batch.iter().zip(linked) {
            self.install(compiled.unit, compiled.level == OptLevel::O0, object)?;
        }
        self.stats.link_time += start.elapsed();
        Ok(())
    }

    /// The runtime data a unit's tier-0 code refers to by fixed names: its counters and its first
    /// OSR site record (see [`ObjectInput::locals`]).
    fn unit_locals(&self, unit: UnitId) -> Vec<(&'static str, u64)> {
        let mut locals = Vec::new();
        if let Some(counters) = &self.counters {
            locals.push(("__irjit_counter", counters.entries_addr(unit.index())));
            locals.push(("__irjit_loop_counter", counters.loops_addr(unit.index())));
        }
        if let (Some(osr), Some(base)) = (&self.osr, self.units[unit.index()].osr_base) {
            locals.push((
                "__irjit_osr_sites",
                osr.table.addr + u64::from(base) * OSR_RECORD_BYTES,
            ));
        }
        locals
    }

    /// Records a linked unit: its body behind its stub, its functions for tools. A version it
    /// replaces is retired, to be freed once no thread can be running it.
    fn install(
        &mut self,
        unit: UnitId,
        tier0: bool,
        object: LinkedObject,
    ) -> Result<(), RuntimeError> {
        let name = self.unit_name(unit).to_string();
        let body = object
            .bodies
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, addr)| addr);
        for f in &object.functions {
            crash::register_function(f.addr, f.size, &f.name);
            if let Some(map) = &mut self.perf_map {
                map.add(f.addr, f.size, &f.name, if tier0 { 0 } else { 2 });
            }
        }
        if tier0 && self.layout().units[unit.index()].kind == UnitKind::Function {
            // Its counters (if the mode has any) need watching from now on.
            self.wake_from_quiet();
            crate::tiers::start_poller_when_needed();
        }
        let body_size = object
            .functions
            .iter()
            .find(|f| Some(f.addr) == body)
            .map_or(0, |f| f.size);
        crate::ahead::linked(unit);
        let state = &mut self.units[unit.index()];
        state.linked = true;
        state.body = body;
        state.body_size = body_size;
        if let Some(body) = body {
            self.stubs.retarget(self.linker.heap_mut(), unit, body);
        }
        tracing::debug!(unit = %name, body = body.map(|b| format!("{b:#x}")), "linked");
        let old = self.versions[unit.index()].replace((object.unloadable, tier0));
        if let Some((main, was_tier0)) = old {
            let dependents = if was_tier0 {
                std::mem::take(&mut self.continuations[unit.index()])
            } else {
                Vec::new()
            };
            let retired = Retired {
                unit,
                tier0: was_tier0,
                main,
                dependents,
            };
            self.retired.push(retired);
        }
        Ok(())
    }

    /// Bytes of superseded code waiting for a round.
    fn superseded_bytes(&self) -> u64 {
        self.retired.iter().map(Retired::code_bytes).sum()
    }

    /// Runs a reclamation round if enough superseded code waits, or any when the background
    /// threads are `idle` (see [`crate::reclaim`]): frees what no thread can still run. Called by
    /// the background compile threads after they install code.
    pub fn reclaim_if_due(&mut self, idle: bool) {
        let options = &self.options.tiers;
        if !options.reclaim || self.retired.is_empty() {
            return;
        }
        let due = options.stress
            || idle
            || self.superseded_bytes() >= RECLAIM_MIN_BYTES
            || self
                .last_round
                .is_none_or(|at| at.elapsed() >= RECLAIM_INTERVAL);
        if !due {
            return;
        }
        if crate::reclaim::STACK_SWITCHERS
            .iter()
            .any(|name| self.linker.host_resolved(name))
        {
            return;
        }
        self.stats.reclaim_rounds += 1;
        self.last_round = Some(Instant::now());
        let Some(verdict) = crate::reclaim::decide(&self.retired) else {
            self.stats.reclaim_inconclusive += 1;
            tracing::debug!("reclamation round inconclusive");
            return;
        };
        let mut freed_groups = vec![None; self.retired.len()];
        for (g, dep_hits) in verdict.freed {
            freed_groups[g] = Some(dep_hits);
        }
        let retired = std::mem::take(&mut self.retired);
        let mut freed = 0;
        for (group, verdict) in retired.into_iter().zip(freed_groups) {
            let Some(dep_hits) = verdict else {
                self.retired.push(group);
                continue;
            };
            let mut unload = |code: &Unloadable, freed: &mut u64| {
                *freed += code.code_bytes();
                if let Err(e) = self.linker.unload(code) {
                    tracing::warn!("freeing superseded code failed: {e}");
                }
            };
            unload(&group.main, &mut freed);
            for (dep, hit) in group.dependents.into_iter().zip(dep_hits) {
                if hit {
                    // Still running: it now stands alone (no site can enter it any more).
                    self.retired.push(Retired {
                        unit: group.unit,
                        tier0: false,
                        main: dep,
                        dependents: Vec::new(),
                    });
                } else {
                    unload(&dep, &mut freed);
                }
            }
        }
        tracing::debug!(
            freed,
            waiting = self.superseded_bytes(),
            "reclamation round"
        );
    }

    /// The address of a program symbol (functions: their stubs).
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.linker.lookup(name)
    }

    /// The code heap.
    pub fn heap_mut(&mut self) -> &mut CodeHeap {
        self.linker.heap_mut()
    }

    /// A quiet period begins (the poller, under this lock, once no counter moves and no compile
    /// waits; see [`crate::quiet`]): every function's slot goes back to its lazy entry, so that
    /// the program's next call runs the handshake, and every OSR site without a continuation
    /// gets its ready bit, so that a tier-0 loop that runs again wakes the runtime.
    pub(crate) fn quiet_leave(&mut self) {
        if let Some(session) = &self.options.cache {
            session.release_writer();
        }
        for i in 0..self.units.len() {
            let unit = UnitId(i as u32);
            if self.units[i].body.is_some() {
                if let Some(lazy) = self.stubs.lazy_entry(unit) {
                    self.stubs.retarget(self.linker.heap_mut(), unit, lazy);
                }
            }
        }
        if let Some(osr) = &self.osr {
            for site in 0..OsrTable::used() {
                osr.table.arm_if_empty(site);
            }
        }
        crate::quiet::set_state(crate::quiet::State::Leaving);
        self.quiet_hits = 0;
        self.stats.quiet_leaves += 1;
        tracing::debug!("tiering is quiet: the runtime's threads leave");
    }

    /// Threads of irjit's own that a quiet period must see go besides the poller and compile
    /// threads: the code cache's writer, if it runs.
    pub(crate) fn quiet_other_threads(&self) -> u32 {
        u32::from(
            self.options
                .cache
                .as_ref()
                .is_some_and(|s| s.has_writer_thread()),
        )
    }

    /// Points the slots of linked functions back at their code: those at tier 2 only, or all.
    fn quiet_restore(&mut self, all: bool) {
        for i in 0..self.units.len() {
            let state = self.units[i];
            if let Some(body) = state.body {
                if all || state.tier != 0 {
                    self.stubs
                        .retarget(self.linker.heap_mut(), UnitId(i as u32), body);
                }
            }
        }
    }

    /// The resolver was entered for `unit` while the runtime's threads leave or have left: runs
    /// the handshake; when `unit` is a tier-0 function, that is a tripwire (see
    /// [`Engine::quiet_tripwire`]). Returns where the call continues when the runtime stays
    /// asleep: the function's tier-0 code, its slot left on the lazy entry so that its next call
    /// comes here again. (Nothing frees or replaces code while the runtime's threads are gone.)
    pub(crate) fn quiet_resolver_entry(&mut self, unit: UnitId) -> Option<u64> {
        use crate::quiet::State;
        match crate::quiet::state() {
            State::Awake => None,
            State::Leaving => {
                if crate::quiet::handshake() {
                    crate::quiet::set_state(State::Alone);
                    self.quiet_restore(false);
                    tracing::debug!("the process is single-threaded again");
                    self.quiet_call_tripwire(unit)
                } else {
                    // Another thread appeared (the program's), or ours took too long to go.
                    self.wake_from_quiet();
                    None
                }
            }
            State::Alone => self.quiet_call_tripwire(unit),
        }
    }

    /// A call of `unit` while the process is alone: a tripwire if it is a tier-0 function.
    /// Returns its tier-0 code to continue at while the runtime stays asleep.
    fn quiet_call_tripwire(&mut self, unit: UnitId) -> Option<u64> {
        tracing::trace!(
            function = self.unit_name(unit),
            tier0 = self.is_tier0_function(unit),
            hits = self.quiet_hits,
            "quiet period: a call"
        );
        if !self.is_tier0_function(unit) || self.quiet_tripwire() {
            return None;
        }
        self.units[unit.index()].body
    }

    /// Tier-0 code ran while the runtime's threads are gone or going (a call of a tier-0
    /// function, or an iteration of a tier-0 loop with no continuation): the runtime wakes once
    /// [`QUIET_TRIPWIRE_HITS`] such events come in one quiet period, and returns true then.
    /// Fewer cannot make anything hot; waking for each cost a cycle of the threads starting,
    /// going quiet and leaving again (3 ms on this machine, measured), which spectral-norm's
    /// `main`, calling a tier-0 function every 90 ms, paid 18 times.
    fn quiet_tripwire(&mut self) -> bool {
        self.quiet_hits += 1;
        if self.quiet_hits < QUIET_TRIPWIRE_HITS {
            return false;
        }
        self.wake_from_quiet();
        true
    }

    /// A tier-0 loop site without a continuation iterated while the runtime's threads are gone
    /// or going (its tripwire, see [`crate::quiet`]): a tripwire hit; unless the runtime wakes,
    /// every such site is armed again for the next iteration.
    pub(crate) fn quiet_loop_restart(&mut self) {
        tracing::trace!(hits = self.quiet_hits, "quiet period: a loop iteration");
        if crate::quiet::state() == crate::quiet::State::Awake || self.quiet_tripwire() {
            return;
        }
        if let Some(osr) = &self.osr {
            for site in 0..OsrTable::used() {
                osr.table.arm_if_empty(site);
            }
        }
    }

    /// `unit` holds a function whose current code is tier 0.
    fn is_tier0_function(&self, unit: UnitId) -> bool {
        self.units
            .get(unit.index())
            .is_some_and(|u| u.body.is_some() && u.tier == 0)
    }

    /// Ends a quiet period, if one is on: every slot back on its code, the poller started again
    /// (it starts the compile threads when it finds work).
    pub(crate) fn wake_from_quiet(&mut self) {
        if crate::quiet::state() == crate::quiet::State::Awake {
            return;
        }
        self.quiet_restore(true);
        crate::quiet::set_state(crate::quiet::State::Awake);
        self.stats.quiet_wakes += 1;
        tracing::debug!("the runtime's threads are woken");
        crate::tiers::start_poller_when_needed();
    }

    /// Counters so far.
    pub fn stats(&self) -> EngineStats {
        let link = self.linker.stats();
        let heap = self.linker.heap();
        let code = heap.usage(Region::Code);
        let (functions_interpreted, interpreted_calls) = crate::lazy::interp_stats();
        let functions_only_interpreted = (0..self.units.len())
            .filter(|&i| !self.units[i].linked && crate::lazy::was_interpreted(UnitId(i as u32)))
            .count();
        let (ahead_compiled, ahead_time) = crate::ahead::stats();
        EngineStats {
            ahead_compiled: ahead_compiled as usize,
            ahead_time,
            functions_interpreted,
            functions_only_interpreted,
            interpreted_calls,
            code_bytes: code.extent,
            code_live: code.live,
            code_freed: code.freed,
            code_placed: code.placed,
            code_superseded: self.superseded_bytes(),
            read_only_bytes: heap.used(Region::ReadOnly),
            data_bytes: heap.used(Region::Data),
            relocations: link.relocations,
            got_entries: link.got_entries,
            plt_stubs: link.plt_stubs,
            single_again: crate::quiet::single_again(),
            ..self.stats.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An OSR table over `records` (16 bytes each, see [`OSR_RECORD_BYTES`]), leaked for the
    /// test's life as the runtime's lives for the process's.
    fn table(records: usize, threshold: u32) -> OsrTable {
        let memory: &'static mut [u64] = Box::leak(vec![0u64; records * 2].into_boxed_slice());
        OsrTable {
            addr: memory.as_mut_ptr() as u64,
            threshold,
        }
    }

    fn site(parent: Option<u32>) -> OsrSite {
        OsrSite {
            unit: UnitId(1),
            local: 0,
            parent,
            busy: false,
            done: false,
            deferred: false,
            along: Vec::new(),
            with_function: false,
        }
    }

    /// Sets a site's iteration count (the count word of its record).
    fn iterate(table: &OsrTable, site: u32, count: u32) {
        table.count_for_test(site).store(count, Ordering::Relaxed);
    }

    /// Three nested loops, as mandelbrot's rows, pixels and iterations: sites 0 ⊃ 1 ⊃ 2, with
    /// a threshold of 1,000 (a call may run on for 16,000 iterations of the hot loop), and
    /// `counts` iterations so far.
    fn nest(counts: [u32; 3]) -> OsrState {
        let osr = OsrState {
            table: table(3, 1000),
            sites: vec![site(None), site(Some(0)), site(Some(1))],
        };
        for (site, count) in counts.into_iter().enumerate() {
            iterate(&osr.table, site as u32, count);
        }
        osr
    }

    #[test]
    fn a_continuation_enters_at_the_outermost_loop_that_iterates_often() {
        // Every loop iterates: 50 iterations per pixel, 100 pixels per row.
        let osr = nest([20, 2_000, 100_000]);
        assert_eq!(osr.entry(2), Some(0));
        assert_eq!(osr.entry(1), Some(0));
        assert_eq!(osr.entry(0), Some(0));
    }

    #[test]
    fn a_loop_that_iterates_rarely_is_not_waited_for() {
        // The rows loop has not finished a row yet: the pixel loop is as far out as it goes.
        let osr = nest([0, 2_000, 100_000]);
        assert_eq!(osr.entry(2), Some(1));
        // Rows come back every 20,000 iterations of the hot loop (every 400 pixels, each a loop
        // of 50): too rarely, though each loop on the way iterates often enough for the next.
        iterate(&osr.table, 0, 5);
        assert_eq!(osr.entry(2), Some(1));
        // Over 16 thresholds of its iterations per outer one: the hot loop enters itself.
        iterate(&osr.table, 1, 5);
        assert_eq!(osr.entry(2), Some(2));
    }

    #[test]
    fn a_loop_served_by_an_outer_continuation_needs_none() {
        let mut osr = nest([20, 2_000, 100_000]);
        // Compiling: the call will enter it.
        osr.sites[0].busy = true;
        assert_eq!(osr.entry(2), None);
        // Installed: the same.
        osr.sites[0].busy = false;
        osr.sites[0].done = true;
        osr.table.set_continuation(0, 0x1000);
        assert_eq!(osr.entry(2), None);
        // Failed (done, nothing installed): the next loop in takes an entry of its own.
        let mut osr = nest([20, 2_000, 100_000]);
        osr.sites[0].done = true;
        assert_eq!(osr.entry(2), Some(1));
    }

    #[test]
    fn the_nest_table_is_read_from_the_object() {
        use object::write::{Object, Symbol, SymbolSection};
        use object::{Architecture, BinaryFormat, Endianness, SymbolFlags};
        use object::{SymbolKind, SymbolScope};
        let mut obj = Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
        let rodata = obj.section_id(object::write::StandardSection::ReadOnlyData);
        // Something before the table, so that the symbol's offset counts.
        obj.append_section_data(rodata, &[0xaa; 8], 4);
        let mut bytes = Vec::new();
        for parent in [u32::MAX, 0, 1] {
            bytes.extend_from_slice(&parent.to_le_bytes());
        }
        let offset = obj.append_section_data(rodata, &bytes, 4);
        obj.add_symbol(Symbol {
            name: b"__irjit_osr_nest".to_vec(),
            value: offset,
            size: bytes.len() as u64,
            kind: SymbolKind::Data,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(rodata),
            flags: SymbolFlags::None,
        });
        let elf = obj.write().unwrap();
        assert_eq!(osr_nest(&elf, 3), vec![u32::MAX, 0, 1]);
        // Fewer sites used than the table has: the first ones.
        assert_eq!(osr_nest(&elf, 2), vec![u32::MAX, 0]);
        // More than it has, or no table at all: nothing to go by.
        assert!(osr_nest(&elf, 4).is_empty());
        assert!(osr_nest(b"not an object", 3).is_empty());
    }
}
