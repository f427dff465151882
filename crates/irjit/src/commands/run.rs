//! `irjit run`: load, compile, link and run a program.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::OptLevel;
use irjit_runtime::{Engine, EngineOptions, EngineStats, RunConfig};

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

    /// The function to run instead of `main` (called as main would be).
    #[arg(long = "entry-function", value_name = "NAME", default_value = "main")]
    entry_function: String,

    /// The program's argv[0] (default: the program path without its .bc/.ll extension).
    #[arg(long = "argv0", value_name = "NAME")]
    argv0: Option<String>,

    /// Compile each function on its first call (on), or all of them before the program starts
    /// (off).
    #[arg(long, value_name = "on|off", default_value = "on", value_parser = parse_switch,
          action = clap::ArgAction::Set)]
    lazy: bool,

    /// Write /tmp/perf-PID.map so `perf report` can name JIT'd functions.
    #[arg(long)]
    perf_map: bool,

    /// Before dying of a fault in JIT'd code, say which function it was in (auto: when stderr
    /// is a terminal).
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    crash_report: String,

    /// Print statistics (functions compiled, compile and link time, code bytes) to stderr at exit.
    #[arg(long)]
    stats: bool,

    /// The program: LLVM bitcode (.bc) or textual IR (.ll).
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

fn parse_switch(s: &str) -> Result<bool, String> {
    match s {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("'{s}' is neither on nor off")),
    }
}

fn parse_level(s: &str) -> Result<OptLevel, String> {
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

/// Runs the program; returns only on failure (the program's exit ends the process).
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    if !args.program.exists() {
        anyhow::bail!("{}: no such file", args.program.display());
    }
    let options = LoadOptions {
        extra_modules: args.extra_modules.clone(),
        eager: !args.lazy,
    };
    let compiler = Compiler::load(&args.program, &options)
        .with_context(|| format!("failed to load {}", args.program.display()))?;
    let load_time = start.elapsed();
    let mut engine = Engine::new(
        Box::new(compiler),
        EngineOptions {
            level: args.opt_level,
            dlopen: args.dlopen.clone(),
            lazy: args.lazy,
            perf_map: args.perf_map,
        },
    )?;
    engine
        .start()
        .with_context(|| format!("failed to compile {}", args.program.display()))?;
    let startup = start.elapsed();
    let level = args.opt_level;
    let lazy = args.lazy;
    let hook: Option<irjit_runtime::ExitHook> = args.stats.then(|| -> irjit_runtime::ExitHook {
        Box::new(move |stats: &EngineStats| {
            print_stats(stats, level, lazy, load_time, startup, start)
        })
    });
    let crash_report = match args.crash_report.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stderr().is_terminal(),
    };
    let config = RunConfig {
        argv0: args.argv0.unwrap_or_else(|| default_argv0(&args.program)),
        args: args.args,
        entry: args.entry_function,
        crash_report,
    };
    match irjit_runtime::run(engine, config, hook)? {}
}

fn print_stats(
    s: &EngineStats,
    level: OptLevel,
    lazy: bool,
    load: std::time::Duration,
    startup: std::time::Duration,
    start: Instant,
) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    eprintln!(
        "irjit: stats: mode {}, functions defined {}, compiled {} at {level}",
        if lazy { "lazy" } else { "eager" },
        s.functions_defined,
        s.functions_compiled
    );
    eprintln!(
        "irjit: stats: units defined {}, compiled {} at {level}",
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
        "irjit: stats: relocations {}, GOT entries {}, PLT stubs {}",
        s.relocations, s.got_entries, s.plt_stubs
    );
}
