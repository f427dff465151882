//! `irjit run`: load, compile, link and run a program.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use irjit_interface::{CompileError, ProgramLayout, UnitCompiler};
use irjit_interface::{LoadSpec, OptLevel};
use irjit_runtime::bundle::{self, Bundle};
use irjit_runtime::cache::program::{ProgramInputs, ProgramKey};
use irjit_runtime::cache::session::CacheSession;
use irjit_runtime::compiler_lib::DeferredCompiler;
use irjit_runtime::compiler_lib::{self, CompilerLibrary};
use irjit_runtime::{
    CompilerFactory, Engine, EngineOptions, EngineStats, RunConfig, TierMode, TierOptions,
};

/// Options of `irjit run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Optimization level of compiled code (-O0 .. -O3).
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2", value_parser = parse_level)]
    opt_level: OptLevel,

    /// Link another IR module into the program (repeatable).
    #[arg(long = "extra-module", value_name = "FILE")]
    extra_modules: Vec<PathBuf>,

    /// Open a shared library so the program can use its symbols (repeatable).
    #[arg(long = "dlopen", value_name = "LIB")]
    dlopen: Vec<String>,

    /// The function to run instead of `main` (called as main would be; default: the bundle
    /// manifest's entry, else main).
    #[arg(long = "entry-function", value_name = "NAME")]
    entry_function: Option<String>,

    /// The program's argv[0] (default: a bundle's path as given, or the IR file's path without
    /// its .bc/.ll extension).
    #[arg(long = "argv0", value_name = "NAME")]
    argv0: Option<String>,

    /// Compile each function on its first call (on), or all of them before the program starts
    /// (off).
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = parse_switch,
          action = clap::ArgAction::Set)]
    lazy: bool,

    /// Tiers: 0 (everything -O0), 2 (everything at the -O level), adaptive (tier 0 with counters,
    /// hot functions recompiled at the -O level in the background).
    #[arg(long, value_name = "0|2|adaptive", default_value = "adaptive", value_parser = parse_tier)]
    tier: TierMode,

    /// Entries plus loop iterations that make a function hot (adaptive mode); never: tier-0
    /// code with its counters, and nothing recompiled (what counting costs).
    #[arg(long, value_name = "N|never", value_parser = parse_threshold,
          default_value_t = irjit_runtime::tiers::DEFAULT_THRESHOLD)]
    tier_threshold: u32,

    /// No on-stack replacement: a hot loop in a call that started in tier 0 stays there (adaptive
    /// mode).
    #[arg(long)]
    no_osr: bool,

    /// Calls of a loop-free function that run in the bytecode interpreter before it is compiled
    /// (adaptive mode; 0: compile every function on its first call).
    #[arg(long, value_name = "N", default_value_t = irjit_runtime::tiers::DEFAULT_INTERP_CALLS)]
    interp_calls: u32,

    /// Keep superseded code (tier-0 code of functions now at tier 2, old OSR continuations)
    /// instead of freeing it once no thread can be running it (adaptive mode).
    #[arg(long)]
    keep_superseded: bool,

    /// Background tier-2 compile threads (default: one less than the cores, at least one).
    #[arg(long, value_name = "N")]
    compile_threads: Option<usize>,

    /// While they have no tier-2 work, the background threads compile at tier 0 the functions
    /// that code compiled on first calls refers to, before their first calls (adaptive mode,
    /// two cores or more).
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = parse_switch,
          action = clap::ArgAction::Set)]
    compile_ahead: bool,

    /// Once no counter moves and no compile waits, the background threads leave and the process
    /// is single-threaded again (the C library's malloc is faster then) until tier-0 code runs
    /// again (adaptive mode).
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = parse_switch,
          action = clap::ArgAction::Set)]
    idle_exit: bool,

    /// Write /tmp/perf-PID.map so `perf report` can name JIT'd functions. Implies
    /// --keep-superseded: the map cannot tell that a range was freed and reused.
    #[arg(long)]
    perf_map: bool,

    /// Before dying of a fault in JIT'd code, say which function it was in (auto: when stderr
    /// is a terminal).
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    crash_report: String,

    /// Print statistics (functions compiled, compile and link time, code bytes) to stderr at exit.
    #[arg(long)]
    stats: bool,

    #[command(flatten)]
    cache: super::cache::CacheArgs,

    /// The program: a bundle (irjit pack), LLVM bitcode (.bc) or textual IR (.ll).
    #[arg(value_name = "PROGRAM")]
    program: PathBuf,

    /// Arguments passed to the program.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

impl RunArgs {
    /// Reads the common command lines of `irjit run` without clap: `irjit run [--cache-dir DIR |
    /// --cache-dir=DIR | --no-cache | --stats]... PROGRAM ARGS...`, each option at most once, the
    /// program not starting with `-`, every argument valid UTF-8. Anything else is `None`, for
    /// clap to read (and to report errors). Building clap's parser costs more than a tenth of a
    /// warm run of a small program; a test checks that both readings agree.
    pub fn simple(args: &[std::ffi::OsString]) -> Option<RunArgs> {
        let mut args = args.iter().map(|a| a.to_str());
        let (Some(_), Some(Some("run"))) = (args.next(), args.next()) else {
            return None;
        };
        let (mut cache_dir, mut no_cache, mut stats) = (None, false, false);
        let program = loop {
            let arg = args.next()??;
            let dir = match arg {
                "--no-cache" if !no_cache => {
                    no_cache = true;
                    continue;
                }
                "--stats" if !stats => {
                    stats = true;
                    continue;
                }
                "--cache-dir" => args.next()??,
                _ => match arg.strip_prefix("--cache-dir=") {
                    Some(dir) => dir,
                    None if arg.starts_with('-') => return None,
                    None => break arg,
                },
            };
            if cache_dir.is_some() || dir.is_empty() || dir.starts_with('-') {
                return None;
            }
            cache_dir = Some(PathBuf::from(dir));
        };
        let args = args
            .map(|a| a.map(str::to_string))
            .collect::<Option<Vec<String>>>()?;
        Some(RunArgs {
            opt_level: OptLevel::O2,
            extra_modules: Vec::new(),
            dlopen: Vec::new(),
            entry_function: None,
            argv0: None,
            lazy: true,
            tier: TierMode::Adaptive,
            tier_threshold: irjit_runtime::tiers::DEFAULT_THRESHOLD,
            no_osr: false,
            interp_calls: irjit_runtime::tiers::DEFAULT_INTERP_CALLS,
            keep_superseded: false,
            compile_threads: None,
            compile_ahead: true,
            idle_exit: true,
            perf_map: false,
            crash_report: "auto".to_string(),
            stats,
            cache: super::cache::CacheArgs::new(cache_dir, no_cache),
            program: PathBuf::from(program),
            args,
        })
    }
}

fn parse_tier(s: &str) -> Result<TierMode, String> {
    match s {
        "0" => Ok(TierMode::Tier0),
        "2" => Ok(TierMode::Tier2),
        "adaptive" => Ok(TierMode::Adaptive),
        _ => Err(format!("'{s}' is not a tier (0, 2, adaptive)")),
    }
}

fn parse_threshold(s: &str) -> Result<u32, String> {
    match s {
        "never" => Ok(irjit_runtime::tiers::NEVER),
        // u32::MAX is `never` too: a count no counter reaches.
        _ => s
            .parse::<u32>()
            .map_err(|_| format!("'{s}' is not a threshold (a count, or never)")),
    }
}

fn parse_switch(s: &str) -> Result<bool, String> {
    match s {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("'{s}' is neither on nor off")),
    }
}

pub fn parse_level(s: &str) -> Result<OptLevel, String> {
    s.parse::<u8>()
        .ok()
        .and_then(OptLevel::from_digit)
        .ok_or_else(|| format!("'{s}' is not an optimization level (0-3)"))
}

/// `argv[0]` for a program file: its path without a `.bc`/`.ll` extension, as `lli` does.
fn default_argv0(program: &Path) -> String {
    let shown = program.to_string_lossy();
    for ext in [".bc", ".ll"] {
        if let Some(stripped) = shown.strip_suffix(ext) {
            return stripped.to_string();
        }
    }
    shown.into_owned()
}

/// A program as the command line names it: a bundle, or a bare IR file; plus `--extra-module`s.
pub struct ProgramFiles {
    /// What the compiler loads.
    pub spec: LoadSpec,
    /// The bundle, when the program is one (checked: every module entry is intact).
    pub bundle: Option<Bundle>,
}

/// Opens the program at `path`: a bundle (a file starting with `#!` or a ZIP header) is opened
/// and checked before anything runs; anything else is one IR module.
pub fn open_program(
    path: &Path,
    extra_modules: &[PathBuf],
    eager: bool,
) -> anyhow::Result<ProgramFiles> {
    if !path.exists() {
        anyhow::bail!("{}: no such file", path.display());
    }
    let is_bundle = bundle::looks_like_bundle(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if is_bundle {
        let bundle = Bundle::open(path)?;
        Ok(ProgramFiles {
            spec: bundle.load_spec(extra_modules, eager),
            bundle: Some(bundle),
        })
    } else {
        Ok(ProgramFiles {
            spec: LoadSpec::files(path, extra_modules, eager),
            bundle: None,
        })
    }
}

/// Runs the program; returns only on failure (the program's exit ends the process).
pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    let ProgramFiles { spec, bundle } =
        open_program(&args.program, &args.extra_modules, !args.lazy)?;
    let manifest = bundle.as_ref().and_then(Bundle::manifest);
    let mut dlopen: Vec<String> = manifest.map(|m| m.dlopen.clone()).unwrap_or_default();
    dlopen.extend(args.dlopen.iter().cloned());
    let entry = args
        .entry_function
        .clone()
        .or_else(|| manifest.and_then(|m| m.entry.clone()))
        .unwrap_or_else(|| String::from("main"));
    // A bundle is an executable: its argv[0] is its path as given, as for a native one.
    let argv0 = match (&args.argv0, &bundle) {
        (Some(argv0), _) => argv0.clone(),
        (None, Some(_)) => args.program.to_string_lossy().into_owned(),
        (None, None) => default_argv0(&args.program),
    };
    let session = open_cache_session(&args)?;
    // Background threads load the program again, into their own LLVM contexts.
    let background = LoadSpec {
        eager: false,
        ..spec.clone()
    };
    let known_layout = session.as_ref().and_then(|s| s.layout().cloned());
    let (compiler, factory): (Box<dyn UnitCompiler>, CompilerFactory) = match known_layout {
        // The cache knows the program: the compiler library (and LLVM) is opened only if a unit
        // misses, by whichever compiler misses first.
        Some(layout) => {
            let deferred = |spec: LoadSpec, layout: ProgramLayout| {
                DeferredCompiler::new(layout, move || {
                    CompilerLibrary::get()
                        .map_err(CompileError::from)?
                        .load_program(&spec)
                })
            };
            let main = deferred(spec.clone(), layout.clone());
            let factory: CompilerFactory = Arc::new(move || {
                Ok(Box::new(deferred(background.clone(), layout.clone())) as Box<dyn UnitCompiler>)
            });
            (Box::new(main), factory)
        }
        None => {
            let library = CompilerLibrary::get()?;
            let compiler = library
                .load_program(&spec)
                .with_context(|| format!("failed to load {}", args.program.display()))?;
            (
                compiler,
                Arc::new(move || library.load_program(&background)),
            )
        }
    };
    let load_time = start.elapsed();
    let tiers = TierOptions {
        mode: args.tier,
        threshold: args.tier_threshold,
        compile_threads: args.compile_threads,
        stress: std::env::var_os("IRJIT_STRESS_TIERUP").is_some_and(|v| v == "1"),
        osr: !args.no_osr,
        reclaim: !args.keep_superseded,
        // A test mode: every call of a function the interpreter can run runs there.
        interp_calls: if std::env::var_os("IRJIT_INTERP").is_some_and(|v| v == "always") {
            u32::MAX
        } else {
            args.interp_calls
        },
        compile_ahead: args.compile_ahead,
        idle_exit: args.idle_exit,
        factory: Some(factory),
    };
    let mut engine = Engine::new(
        compiler,
        EngineOptions {
            level: args.opt_level,
            dlopen,
            lazy: args.lazy,
            perf_map: args.perf_map,
            tiers,
            cache: session.clone(),
        },
    )?;
    engine
        .start()
        .with_context(|| format!("failed to compile {}", args.program.display()))?;
    let startup = start.elapsed();
    let level = args.opt_level;
    let lazy = args.lazy;
    let tier = args.tier;
    let hook: Option<irjit_runtime::ExitHook> = args.stats.then(|| -> irjit_runtime::ExitHook {
        Box::new(move |stats: &EngineStats| {
            print_stats(stats, level, lazy, tier, load_time, startup, start);
            print_cache_stats(session.as_deref());
        })
    });
    let crash_report = match args.crash_report.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stderr().is_terminal(),
    };
    let config = RunConfig {
        argv0,
        args: args.args,
        entry,
        crash_report,
    };
    match irjit_runtime::run(engine, config, hook)? {}
}

/// The cache key of a program as `irjit run` loads it (`lazy`: the default, functions loaded on
/// first use; `--lazy=off` reads and verifies everything up front, and keys apart). A bundle's
/// key hashes the whole bundle file.
pub fn cache_key(
    program: &Path,
    extra_modules: &[PathBuf],
    lazy: bool,
) -> anyhow::Result<ProgramKey> {
    let options = format!("eager={}", !lazy);
    let library = irjit_runtime::compiler_lib::locate().ok();
    let inputs = ProgramInputs {
        main: program,
        extra_modules,
        options: &options,
        compiler_library: library.as_deref(),
    };
    ProgramKey::compute(&inputs).with_context(|| format!("cannot read {}", program.display()))
}

/// Opens the code cache and starts this run's session with it (`None` with `--no-cache` or when
/// the cache cannot be used, which is only a warning).
fn open_cache_session(args: &RunArgs) -> anyhow::Result<Option<Arc<CacheSession>>> {
    let Some(cache) = args.cache.open_for_run()? else {
        return Ok(None);
    };
    let key = cache_key(&args.program, &args.extra_modules, args.lazy)?;
    Ok(Some(CacheSession::new(cache, key)))
}

fn print_cache_stats(session: Option<&CacheSession>) {
    match session {
        Some(session) => {
            let c = session.cache().counter_values();
            eprintln!(
                "irjit: stats: cache: record hits {}, key hits {}, compiled {}, written {}, rejected {} ({})",
                c.record_hits,
                c.key_hits,
                c.misses,
                c.written,
                c.rejected,
                session.cache().dir().display()
            );
        }
        None => eprintln!("irjit: stats: cache: off"),
    }
}

fn print_stats(
    s: &EngineStats,
    level: OptLevel,
    lazy: bool,
    tier: TierMode,
    load: std::time::Duration,
    startup: std::time::Duration,
    start: Instant,
) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let tier = match tier {
        TierMode::Tier0 => "tier 0",
        TierMode::Tier2 => "tier 2",
        TierMode::Adaptive => "adaptive",
    };
    eprintln!(
        "irjit: stats: mode {} {tier}, functions defined {}, compiled {}",
        if lazy { "lazy" } else { "eager" },
        s.functions_defined,
        s.functions_compiled
    );
    eprintln!(
        "irjit: stats: tiers: {} functions first at tier 0, {} first at tier 2 ({level}); \
         {} moved to tier 2 in the background ({} compiles, {:.3} ms); \
         OSR: {} loop sites, {} continuations ({} with their function's tier-2 entry)",
        s.tier0_functions,
        s.functions_compiled - s.tier0_functions,
        s.tier2_functions,
        s.tier2_compiles,
        s.tier2_time.as_secs_f64() * 1e3,
        s.osr_sites,
        s.osr_continuations,
        s.osr_with_function
    );
    eprintln!(
        "irjit: stats: interpreter: {} functions translated, {} ran in it ({} of them never \
         compiled), {} calls",
        s.functions_translated,
        s.functions_interpreted,
        s.functions_only_interpreted,
        s.interpreted_calls
    );
    eprintln!(
        "irjit: stats: compiled ahead: {} functions ({:.3} ms in the background), {} of them then \
         called",
        s.ahead_compiled,
        s.ahead_time.as_secs_f64() * 1e3,
        s.ahead_used
    );
    eprintln!(
        "irjit: stats: quiet periods: threads left {} times, single-threaded again {} times, \
         woken {} times",
        s.quiet_leaves, s.single_again, s.quiet_wakes
    );
    eprintln!(
        "irjit: stats: units defined {}, compiled {}",
        s.units_defined, s.units_compiled
    );
    eprintln!(
        "irjit: stats: load {:.3} ms, compile {:.3} ms, link {:.3} ms, start-up {:.3} ms, total {:.3} ms",
        ms(load),
        ms(s.compile_time),
        ms(s.link_time),
        ms(startup),
        ms(start.elapsed())
    );
    eprintln!(
        "irjit: stats: code {} bytes, read-only {} bytes, data {} bytes",
        s.code_bytes, s.read_only_bytes, s.data_bytes
    );
    eprintln!(
        "irjit: stats: code bytes live {} (superseded {}), freed {}, placed {}; \
         reclamation rounds {} ({} inconclusive)",
        s.code_live,
        s.code_superseded,
        s.code_freed,
        s.code_placed,
        s.reclaim_rounds,
        s.reclaim_inconclusive
    );
    eprintln!(
        "irjit: stats: relocations {}, GOT entries {}, PLT stubs {}",
        s.relocations, s.got_entries, s.plt_stubs
    );
    eprintln!(
        "irjit: stats: LLVM loaded: {}",
        if compiler_lib::llvm_loaded() {
            "yes"
        } else {
            "no"
        }
    );
}
