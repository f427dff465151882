//! `irjit-bench`: the benchmark harness. It runs each benchmark program natively, under `lli-19`
//! and under every irjit mode that exists, checks every output against native, times the runs with
//! hyperfine, and writes `results.md`, `results.json` and `ratios.svg`.
//!
//! Run it through `bench/run`, which builds irjit and this harness first. This crate is not a
//! library. It never asserts timings: a slow engine is a number in the table, a wrong answer is a
//! FAILED cell.

mod chart;
mod engines;
mod hyperfine;
mod machine;
mod measure;
mod programs;
mod report;
mod results;
mod spawn;
mod stats;
mod suite;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;

use crate::engines::{Engine, Tools};
use crate::machine::Machine;
use crate::measure::Progress;
use crate::programs::Layout;
use crate::results::{BenchmarkInfo, Results};
use crate::suite::{Benchmark, Level, Size, Source, SUITE};

/// Benchmark irjit against lli-19 and native clang-19 -O2 binaries.
#[derive(Parser, Debug)]
#[command(name = "irjit-bench", version, about)]
struct Args {
    /// Small inputs, one timed run per cell: proves the harness works in a few
    /// minutes. Results go to target/bench-quick/.
    #[arg(long, conflicts_with = "long")]
    quick: bool,

    /// Long inputs: four times a full run's work (1.5-3 s natively), so that what a cold JIT run
    /// settles on weighs more than what it paid to get there. Results go to
    /// bench/results/DATE-HOST-long/.
    #[arg(long)]
    long: bool,

    /// Only the benchmarks whose name contains one of these substrings (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SUBSTR")]
    filter: Vec<String>,

    /// Only these engines (comma-separated names from the table; native always runs: it is the
    /// reference).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    engines: Vec<String>,

    /// Only these bitcode levels (comma-separated: O0, O2).
    #[arg(long, value_delimiter = ',', value_name = "LEVELS", value_parser = parse_level)]
    levels: Vec<Level>,

    /// The results folder [default: bench/results/DATE-HOST, with --quick target/bench-quick].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// The irjit binary to measure [default: target/release/irjit].
    #[arg(long, value_name = "PATH")]
    irjit: Option<PathBuf>,

    /// hyperfine timed runs per cell [default: 3, with --quick 1].
    #[arg(long, value_name = "N")]
    runs: Option<u32>,

    /// hyperfine warm-up runs per cell, on top of the correctness run that comes right before
    /// and already warms caches [default: 0].
    #[arg(long, value_name = "N")]
    warmup: Option<u32>,

    /// The limit for one run of a program, in seconds [default: 120, with --quick 300: quick
    /// runs measure two cells at once, and compiling all of SQLite at O2 then takes about a
    /// minute].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,

    /// Only rewrite DIR/results.md and DIR/ratios.svg from DIR/results.json (after a change to
    /// the report); runs nothing.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["quick", "long", "filter", "engines", "levels", "out", "irjit", "runs", "warmup", "timeout"])]
    report: Option<PathBuf>,

    /// Benchmarks measured at the same time [default: 1, with --quick 2]. More than one makes
    /// the times meaningless (the programs compete for the cores); quick runs use it to finish
    /// sooner.
    #[arg(long, value_name = "N")]
    jobs: Option<u32>,

    /// Exit with status 1 if a native or irjit cell failed (wrong output, crash, timeout).
    /// Failures of lli-19 never change the exit status.
    #[arg(long)]
    strict: bool,
}

fn parse_level(s: &str) -> Result<Level, String> {
    match s.trim_start_matches('-') {
        "O0" => Ok(Level::O0),
        "O2" => Ok(Level::O2),
        _ => Err(format!("'{s}' is not a bitcode level (O0, O2)")),
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("irjit-bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.report {
        let json = dir.join("results.json");
        let text = std::fs::read_to_string(&json)
            .with_context(|| format!("failed to read {}", json.display()))?;
        let results: Results = serde_json::from_str(&text)
            .with_context(|| format!("failed to parse {}", json.display()))?;
        write_report(&results, dir)?;
        eprintln!("bench: rewrote {}", dir.join("results.md").display());
        return Ok(ExitCode::SUCCESS);
    }
    let start = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the harness lives in the workspace's bench/")?
        .to_path_buf();
    let layout = Layout::new(&root);
    let irjit = args
        .irjit
        .clone()
        .unwrap_or_else(|| root.join("target/release/irjit"));
    let irjit = std::fs::canonicalize(&irjit).unwrap_or(irjit);
    let mut machine = Machine::probe(&root, &irjit, args.irjit.is_some());

    let benchmarks = select_benchmarks(&args.filter)?;
    let tools = Tools::probe(&irjit);
    let all_engines = Engine::resolve_all(&tools);
    let engines = select_engines(&all_engines, &args.engines)?;
    if engines.iter().any(|e| e.is_irjit()) {
        check_compiler_library(&irjit)?;
    }
    let levels = if args.levels.is_empty() {
        Level::ALL.to_vec()
    } else {
        args.levels.clone()
    };
    for engine in all_engines.iter().filter(|e| !e.available()) {
        eprintln!(
            "bench: {}: {}",
            engine.name,
            engine.unavailable.as_deref().unwrap_or("")
        );
    }

    let out_dir = match &args.out {
        Some(dir) => dir.clone(),
        None if args.quick => root.join("target/bench-quick"),
        None => root.join("bench/results").join(format!(
            "{}-{}{}",
            machine.date,
            machine.hostname,
            if args.long { "-long" } else { "" }
        )),
    };
    let raw_dir = out_dir.join("raw");
    let _ = std::fs::remove_dir_all(&raw_dir);
    std::fs::create_dir_all(&raw_dir)
        .with_context(|| format!("failed to create {}", raw_dir.display()))?;
    let out_dir = std::fs::canonicalize(&out_dir)?;
    let raw_dir = out_dir.join("raw");
    let scratch = layout.build.join("scratch");
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("failed to create {}", scratch.display()))?;

    let size = if args.quick {
        Size::Quick
    } else if args.long {
        Size::Long
    } else {
        Size::Full
    };
    let built = programs::build(&layout, &benchmarks, size)?;

    let settings = measure::Settings {
        warmup: args.warmup.unwrap_or(0),
        runs: args.runs.unwrap_or(if args.quick { 1 } else { 3 }),
        timeout: Duration::from_secs(args.timeout.unwrap_or(if args.quick { 300 } else { 120 })),
        irjit: irjit.clone(),
        scratch,
        raw_dir,
        out_dir: out_dir.clone(),
    };
    let runnable: Vec<&Engine> = engines.iter().copied().filter(|e| e.available()).collect();
    let per_benchmark = 1 + levels.len() * (runnable.len() - 1);
    let progress = Progress::new(per_benchmark * benchmarks.len());
    let jobs = args.jobs.unwrap_or(if args.quick { 2 } else { 1 }).max(1);
    eprintln!(
        "bench: {} benchmarks x {} levels x {} engines; hyperfine --warmup {} --runs {}; {jobs} at a time; results in {}",
        benchmarks.len(),
        levels.len(),
        runnable.len(),
        settings.warmup,
        settings.runs,
        out_dir.display()
    );
    let native = runnable
        .iter()
        .copied()
        .find(|e| e.is_native())
        .expect("native always runs");
    let others: Vec<&Engine> = runnable
        .iter()
        .copied()
        .filter(|e| !e.is_native())
        .collect();
    let cells = if jobs == 1 {
        // Each benchmark's cells take turns, one timed run each per round (see `measure`): a
        // drift of the machine's speed then shifts a native time and the times compared with
        // it alike.
        let mut cells = Vec::new();
        for (bench, built) in benchmarks.iter().zip(&built) {
            let (native_cell, reference) =
                measure::prepare_native(&settings, bench, built, native, &progress);
            let mut prepared = vec![native_cell];
            for &level in &levels {
                for engine in &others {
                    prepared.push(measure::prepare_cell(
                        &settings,
                        bench,
                        built,
                        level,
                        engine,
                        reference.as_ref(),
                        &progress,
                    ));
                }
            }
            cells.extend(measure::time_interleaved(&settings, prepared, &progress));
        }
        cells
    } else {
        let natives = parallel(jobs, (0..benchmarks.len()).collect(), |i| {
            let (prepared, reference) =
                measure::prepare_native(&settings, benchmarks[i], &built[i], native, &progress);
            (measure::time_one(&settings, prepared, &progress), reference)
        });
        let mut tasks = Vec::new();
        for i in 0..benchmarks.len() {
            for &level in &levels {
                for e in 0..others.len() {
                    tasks.push((i, level, e));
                }
            }
        }
        // Lua and SQLite first, so the workers finish together.
        tasks.sort_by_key(|&(i, _, _)| benchmarks[i].source == Source::C);
        let measured = parallel(jobs, tasks, |(i, level, e)| {
            let reference = natives[i].1.as_ref();
            let prepared = measure::prepare_cell(
                &settings,
                benchmarks[i],
                &built[i],
                level,
                others[e],
                reference,
                &progress,
            );
            measure::time_one(&settings, prepared, &progress)
        });
        let mut cells = Vec::new();
        for (i, (native_cell, _)) in natives.iter().enumerate() {
            cells.push(native_cell.clone());
            for &level in &levels {
                for engine in &others {
                    let found = measured.iter().find(|c| {
                        c.benchmark == benchmarks[i].name
                            && c.level == Some(level)
                            && c.engine == engine.name
                    });
                    cells.extend(found.cloned());
                }
            }
        }
        cells
    };

    machine.load_at_end = machine::load_average();
    let results = Results {
        harness: format!("irjit-bench {}", env!("CARGO_PKG_VERSION")),
        mode: size.name().to_string(),
        settings: results::Settings {
            warmup: settings.warmup,
            runs: settings.runs,
            timeout_s: settings.timeout.as_secs(),
            jobs,
            interleaved: jobs == 1,
            levels: levels.clone(),
        },
        machine,
        // Every engine of the table is listed; those not selected with --engines are dropped.
        engines: all_engines
            .iter()
            .filter(|e| !e.available() || engines.iter().any(|s| s.name == e.name))
            .cloned()
            .collect(),
        benchmarks: benchmarks
            .iter()
            .zip(&built)
            .map(|(b, built)| BenchmarkInfo {
                name: b.name.to_string(),
                about: b.about.to_string(),
                source: b.source,
                args: built.args.clone(),
                in_geomean: b.in_geomean,
                native: built.native.clone(),
                bitcode_o0: built.bitcode_o0.clone(),
                bitcode_o2: built.bitcode_o2.clone(),
            })
            .collect(),
        cells,
        duration_s: start.elapsed().as_secs_f64(),
    };
    write_results(&results, &out_dir)?;

    let failed: Vec<&results::Cell> = results
        .cells
        .iter()
        .filter(|c| c.failure().is_some())
        .collect();
    let ours_failed = failed
        .iter()
        .filter(|c| c.engine == "native" || c.engine.starts_with("irjit"))
        .count();
    // The failures again at the end, where a CI log's tail shows them.
    for cell in &failed {
        eprintln!(
            "bench: FAILED {} {} {}: {}",
            cell.benchmark,
            cell.level.map(|l| l.to_string()).unwrap_or_default(),
            cell.engine,
            cell.failure().unwrap_or_default()
        );
    }
    eprintln!(
        "bench: done in {:.1} min: {} cells, {} failed ({} of them native or irjit); see {}",
        results.duration_s / 60.0,
        results.cells.len(),
        failed.len(),
        ours_failed,
        out_dir.join("results.md").display()
    );
    Ok(if args.strict && ours_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs `work` on every task with `jobs` threads; the results come back in the order of `tasks`.
fn parallel<T: Send, R: Send>(jobs: u32, tasks: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    let count = tasks.len();
    let queue = Mutex::new(tasks.into_iter().enumerate().rev().collect::<Vec<_>>());
    let done = Mutex::new(Vec::with_capacity(count));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let Some((index, task)) = queue.lock().expect("queue lock").pop() else {
                    break;
                };
                let result = work(task);
                done.lock().expect("results lock").push((index, result));
            });
        }
    });
    let mut done = done.into_inner().expect("results lock");
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

fn select_benchmarks(filter: &[String]) -> anyhow::Result<Vec<&'static Benchmark>> {
    let selected: Vec<&Benchmark> = SUITE
        .iter()
        .filter(|b| filter.is_empty() || filter.iter().any(|f| b.name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = SUITE.iter().map(|b| b.name).collect();
        bail!(
            "no benchmark matches --filter {}; there are: {}",
            filter.join(","),
            names.join(", ")
        );
    }
    Ok(selected)
}

fn select_engines<'a>(all: &'a [Engine], names: &[String]) -> anyhow::Result<Vec<&'a Engine>> {
    for name in names {
        if !all.iter().any(|e| &e.name == name) {
            let known: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
            bail!("no engine named '{name}'; there are: {}", known.join(", "));
        }
    }
    Ok(all
        .iter()
        .filter(|e| e.is_native() || names.is_empty() || names.contains(&e.name))
        .collect())
}

fn write_results(results: &Results, out_dir: &Path) -> anyhow::Result<()> {
    let json = out_dir.join("results.json");
    let text = serde_json::to_string_pretty(results).context("failed to serialize the results")?;
    std::fs::write(&json, text + "\n")
        .with_context(|| format!("failed to write {}", json.display()))?;
    write_report(results, out_dir)
}

fn write_report(results: &Results, out_dir: &Path) -> anyhow::Result<()> {
    let md = out_dir.join("results.md");
    std::fs::write(&md, report::markdown(results))
        .with_context(|| format!("failed to write {}", md.display()))?;
    chart::write(results, &out_dir.join("ratios.svg"))
}

/// irjit opens its compiler library (`libirjit_compiler.so`) from beside its binary, or
/// `../lib/irjit/`, or `$IRJIT_COMPILER_LIB`. Without it every irjit cell would fail the same
/// way, so say it once, up front.
fn check_compiler_library(irjit: &Path) -> anyhow::Result<()> {
    let set = std::env::var_os("IRJIT_COMPILER_LIB").is_some_and(|v| !v.is_empty());
    let Some(dir) = irjit.parent().filter(|_| !set && irjit.exists()) else {
        return Ok(());
    };
    let beside = dir.join("libirjit_compiler.so");
    if beside.exists() || dir.join("../lib/irjit/libirjit_compiler.so").exists() {
        return Ok(());
    }
    anyhow::bail!(
        "{} is missing: {} needs it to compile (bench/run builds it; or cargo build --release -p irjit-compiler)",
        beside.display(),
        irjit.display()
    )
}
