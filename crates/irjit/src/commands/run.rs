//! `irjit run`: load, compile, link and run a program.

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

    /// Print statistics (units compiled, compile and link time, code bytes) to stderr at exit.
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
        eager: true,
    };
    let compiler = Compiler::load(&args.program, &options)
        .with_context(|| format!("failed to load {}", args.program.display()))?;
    let load_time = start.elapsed();
    let mut engine = Engine::new(
        Box::new(compiler),
        EngineOptions {
            level: args.opt_level,
            dlopen: args.dlopen.clone(),
        },
    )?;
    engine
        .load_all()
        .with_context(|| format!("failed to compile {}", args.program.display()))?;
    let stats = engine.stats();
    let startup = start.elapsed();
    let level = args.opt_level;
    let hook: Option<irjit_runtime::ExitHook> = args.stats.then(|| -> irjit_runtime::ExitHook {
        Box::new(move || print_stats(&stats, level, load_time, startup, start))
    });
    let config = RunConfig {
        argv0: args.argv0.unwrap_or_else(|| default_argv0(&args.program)),
        args: args.args,
        entry: args.entry_function,
    };
    match irjit_runtime::run(engine, config, hook)? {}
}

fn print_stats(
    s: &EngineStats,
    level: OptLevel,
    load: std::time::Duration,
    startup: std::time::Duration,
    start: Instant,
) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
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
