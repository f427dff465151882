//! `irjit pack`: make a program bundle from a main module, library modules and bitcode archives.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use irjit_runtime::bundle::pack::{self, Origin, PackOptions};
use irjit_runtime::bundle::{self, write_bundle, BundleEntry, Manifest};
use irjit_runtime::compiler_lib::CompilerLibrary;
use irjit_runtime::host::{HostResolver, HEAP_SYMBOLS};

/// Options of `irjit pack`.
#[derive(Args, Debug)]
pub struct PackArgs {
    /// The bundle to write (replaced atomically; made executable).
    #[arg(short = 'o', long = "output", value_name = "APP")]
    output: PathBuf,

    /// The interpreter of the bundle's `#!` line, which is `#!INTERPRETER run` (default: this
    /// irjit's absolute path). E.g. `--interpreter "/usr/bin/env -S irjit"` finds irjit on PATH.
    #[arg(long, value_name = "PATH")]
    interpreter: Option<String>,

    /// Write no `#!` line: a plain ZIP archive, run by `irjit run APP`, or as `./APP` once
    /// `irjit binfmt install` registered bundles.
    #[arg(long, conflicts_with = "interpreter")]
    plain: bool,

    /// A shared library the program needs (repeatable): its symbols count as defined now, and
    /// the manifest has irjit open it before the program runs.
    #[arg(long = "dlopen", value_name = "LIB")]
    dlopen: Vec<String>,

    /// The function to run instead of `main` (recorded in the manifest).
    #[arg(long = "entry-function", value_name = "NAME")]
    entry_function: Option<String>,

    /// Take every member of the archives, not only the members that define a symbol the other
    /// modules need (as `ld --whole-archive`).
    #[arg(long)]
    whole_archive: bool,

    /// The main module (LLVM bitcode).
    #[arg(value_name = "MAIN.bc")]
    main: PathBuf,

    /// Library modules (LLVM bitcode) and bitcode archives (`llvm-ar` of `.bc` files), in load
    /// order.
    #[arg(value_name = "LIB.bc|LIB.a")]
    libraries: Vec<PathBuf>,
}

/// Builds the bundle.
pub fn run(args: PackArgs) -> anyhow::Result<u8> {
    let interpreter = interpreter_line(&args)?;
    let inputs = pack::inputs(&args.main, &args.libraries)?;
    let library = CompilerLibrary::get()?;
    let mut candidates = Vec::with_capacity(inputs.len());
    for input in inputs {
        let symbols = library
            .module_symbols(&input.source)
            .with_context(|| format!("cannot read the symbols of {}", input.name))?;
        candidates.push(input.with_symbols(symbols));
    }

    let mut host = HostResolver::new();
    for name in &args.dlopen {
        host.dlopen(name)
            .with_context(|| format!("cannot open --dlopen library {name}"))?;
    }
    let plan = pack::plan(
        candidates,
        PackOptions {
            whole_archive: args.whole_archive,
        },
        |symbol| HEAP_SYMBOLS.contains(&symbol) || host.resolve(symbol).is_some(),
    )
    .with_context(|| format!("cannot pack {}", args.output.display()))?;

    let entry_function = args.entry_function.as_deref().unwrap_or("main");
    let defined = plan
        .modules
        .iter()
        .flat_map(|m| m.symbols.functions())
        .any(|f| f.name == entry_function);
    anyhow::ensure!(
        defined,
        "cannot pack {}: no module defines the entry function '{entry_function}'",
        args.output.display()
    );

    let mut entries = Vec::with_capacity(plan.modules.len());
    for module in &plan.modules {
        let bytes = module
            .source
            .read()
            .with_context(|| format!("cannot read {}", module.name))?;
        entries.push(BundleEntry {
            name: module.entry.clone(),
            bytes,
        });
    }
    let manifest = Manifest {
        dlopen: args.dlopen.clone(),
        entry: args.entry_function.clone(),
        packed_by: Some(format!("irjit {}", env!("CARGO_PKG_VERSION"))),
        ..Manifest::new()
    };
    write_bundle(
        &args.output,
        interpreter.as_deref(),
        &entries,
        Some(&manifest),
    )
    .with_context(|| format!("cannot write {}", args.output.display()))?;

    for (dropped, kept) in &plan.duplicates {
        eprintln!("irjit: pack: {dropped} is identical to {kept}: stored once");
    }
    if !plan.weak_unresolved.is_empty() {
        eprintln!(
            "irjit: pack: weak references nothing defines (they stay null): {}",
            plan.weak_unresolved.join(", ")
        );
    }
    let from_archives = plan
        .modules
        .iter()
        .filter(|m| m.origin == Origin::Member)
        .count();
    let size = std::fs::metadata(&args.output).map_or(0, |m| m.len());
    eprintln!(
        "irjit: pack: wrote {} ({size} bytes): {} modules ({from_archives} from archives; {} archive members not needed), {} host symbols",
        args.output.display(),
        plan.modules.len(),
        plan.unused_members.len(),
        plan.host_symbols.len()
    );
    Ok(0)
}

/// The `#!` line without `#!`, or `None` for `--plain`.
fn interpreter_line(args: &PackArgs) -> anyhow::Result<Option<String>> {
    if args.plain {
        return Ok(None);
    }
    let interpreter = match &args.interpreter {
        Some(interpreter) => interpreter.clone(),
        None => {
            let exe = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .context("cannot find the running irjit executable (pass --interpreter)")?;
            let exe = exe
                .to_str()
                .map(str::to_string)
                .with_context(|| format!("{} is not UTF-8 (pass --interpreter)", exe.display()))?;
            anyhow::ensure!(
                !exe.contains(char::is_whitespace),
                "the kernel splits a #! line at white space, and the irjit path {exe} has some (pass --interpreter)"
            );
            exe
        }
    };
    anyhow::ensure!(
        !interpreter.is_empty() && !interpreter.contains('\n'),
        "--interpreter must be one non-empty line"
    );
    let line = format!("{interpreter} run");
    anyhow::ensure!(
        line.len() + 3 <= bundle::MAX_INTERPRETER_LINE,
        "the #! line '#!{line}' is longer than the {} bytes the kernel reads (pass a shorter --interpreter)",
        bundle::MAX_INTERPRETER_LINE
    );
    Ok(Some(line))
}
