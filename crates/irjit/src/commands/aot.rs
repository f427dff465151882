//! `irjit aot`: fill the code cache ahead of time, so that the next `irjit run` of the program
//! starts with optimized code and never loads LLVM.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use irjit_interface::{OptLevel, UnitCompiler, UnitId, UnitKind};
use irjit_runtime::cache::program::UnitHeat;
use irjit_runtime::cache::session::{CacheSession, CachingCompiler};
use irjit_runtime::compiler_lib::CompilerLibrary;
use irjit_runtime::tiers::{tier0_request, tier2_request, OSR_SITES_MAX};

use super::cache::{human, CacheArgs};
use super::run::{cache_key, open_program, parse_level};

/// Programs with at least this many units to compile get a progress bar (on a terminal).
const PROGRESS_FROM: usize = 50;

/// Options of `irjit aot`.
#[derive(Args, Debug)]
pub struct AotArgs {
    /// Optimization level of the tier-2 code (as for `irjit run -O`).
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2", value_parser = parse_level)]
    opt_level: OptLevel,

    /// Only the functions the program's profile (from earlier runs) says get hot, instead of
    /// every function.
    #[arg(long)]
    profile: bool,

    /// Compile threads (default: every core).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,

    /// Link another IR module into the program (repeatable; as for `irjit run`).
    #[arg(long = "extra-module", value_name = "FILE")]
    extra_modules: Vec<PathBuf>,

    #[command(flatten)]
    cache: CacheArgs,

    /// The program: a bundle (irjit pack), LLVM bitcode (.bc) or textual IR (.ll).
    #[arg(value_name = "PROGRAM")]
    program: PathBuf,
}

/// Compiles the program's functions at tier 2 into the cache, on all cores.
pub fn run(args: AotArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    let spec = open_program(&args.program, &args.extra_modules, false)?.spec;
    let cache = Arc::new(args.cache.open_required()?);
    let library = CompilerLibrary::get()?;
    let key = cache_key(&args.program, &args.extra_modules, true)?;
    let session = CacheSession::new(cache.clone(), key);
    let load = || -> anyhow::Result<CachingCompiler> {
        let compiler = library
            .load_program(&spec)
            .with_context(|| format!("failed to load {}", args.program.display()))?;
        Ok(CachingCompiler::new(compiler, session.clone()))
    };
    let first = load()?;
    let layout = first.layout().clone();

    let hot: Vec<UnitId> = session.hot_units();
    let functions: Vec<UnitId> = layout
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Function)
        .map(|u| u.id)
        .filter(|u| !args.profile || hot.contains(u))
        .collect();
    if args.profile && functions.is_empty() {
        anyhow::bail!(
            "no profile for {} in {}: run it once (irjit run) first, or leave out --profile",
            args.program.display(),
            cache.dir().display()
        );
    }
    // The data unit as `irjit run` compiles it first (adaptive mode), so a run finds it too.
    let globals: Vec<UnitId> = layout
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Globals)
        .map(|u| u.id)
        .collect();
    let mut work: Vec<(UnitId, bool)> = globals.iter().map(|&u| (u, false)).collect();
    work.extend(functions.iter().map(|&u| (u, true)));

    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, work.len().max(1));
    let bar = if work.len() >= PROGRESS_FROM && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(work.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} compiling [{bar:40}] {pos}/{len} units, {elapsed} (eta {eta}) {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };

    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let level = args.opt_level;
    let compile_all = |mut compiler: CachingCompiler| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(&(unit, function)) = work.get(i) else {
            break;
        };
        let request = if function {
            tier2_request(level)
        } else {
            tier0_request(Some(OSR_SITES_MAX))
        };
        if let Err(e) = compiler.compile(unit, &request) {
            let name = &layout.units[unit.index()].name;
            failures
                .lock()
                .expect("not poisoned")
                .push(format!("{name}: {e}"));
        }
        bar.inc(1);
    };
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut handles = Vec::new();
        for _ in 1..threads {
            let compiler = load()?;
            let compile_all = &compile_all;
            handles.push(scope.spawn(move || compile_all(compiler)));
        }
        compile_all(first);
        for handle in handles {
            handle.join().expect("compile threads do not panic");
        }
        Ok(())
    })?;
    bar.finish_and_clear();

    // The profile marks every unit compiled here as hot: the next run starts it at tier 2.
    let profile: Vec<UnitHeat> = functions
        .iter()
        .map(|u| UnitHeat {
            unit: u.0,
            count: 0,
            tier2: true,
        })
        .collect();
    session.persist(&layout, profile);
    cache.finish_run();

    let c = cache.counter_values();
    let failures = failures.into_inner().expect("not poisoned");
    eprintln!(
        "irjit: aot: {} units at tier 2 ({level}) and {} data unit(s): {} compiled, {} already cached; \
         {} threads, {:.2} s; {} written to {}",
        functions.len(),
        globals.len(),
        c.misses,
        c.key_hits + c.record_hits,
        threads,
        start.elapsed().as_secs_f64(),
        human(c.bytes_written),
        cache.dir().display()
    );
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("irjit: aot: failed: {failure}");
        }
        anyhow::bail!(
            "{} of {} units failed to compile (they will be compiled when the program runs)",
            failures.len(),
            work.len()
        );
    }
    Ok(0)
}
