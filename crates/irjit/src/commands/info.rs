//! `irjit info`: what a bundle (or an IR file) holds, what it needs from the host, and how much
//! of it the code cache already has.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use irjit_interface::ModuleSource;
use irjit_runtime::bundle::pack::externals;
use irjit_runtime::compiler_lib::CompilerLibrary;
use irjit_runtime::host::{HostResolver, HEAP_SYMBOLS};

use super::cache::{human, CacheArgs};
use super::run::{cache_key, open_program};

/// Function names shown without `--functions`.
const SHOWN_FUNCTIONS: usize = 10;

/// Options of `irjit info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// List every defined function (by default the first few).
    #[arg(long)]
    functions: bool,

    #[command(flatten)]
    cache: CacheArgs,

    /// The bundle (or LLVM bitcode / textual IR file).
    #[arg(value_name = "APP")]
    program: PathBuf,
}

/// Prints the report.
pub fn run(args: InfoArgs) -> anyhow::Result<u8> {
    let program = open_program(&args.program, &[], false)?;
    let library = CompilerLibrary::get()?;
    let size = std::fs::metadata(&args.program)
        .with_context(|| format!("cannot read {}", args.program.display()))?
        .len();
    let mut sources: Vec<ModuleSource> = vec![program.spec.main.clone()];
    sources.extend(program.spec.extra_modules.iter().cloned());

    let manifest = program.bundle.as_ref().and_then(|b| b.manifest());
    match &program.bundle {
        Some(bundle) => {
            println!("bundle: {} ({})", args.program.display(), human(size));
            match bundle.interpreter() {
                Some(line) => println!("interpreter: #!{line}"),
                None => println!(
                    "interpreter: none (a plain ZIP: irjit run it, or register bundles with irjit binfmt install)"
                ),
            }
            match manifest {
                Some(m) => {
                    let mut parts = vec![format!("format {}", m.format)];
                    if let Some(by) = &m.packed_by {
                        parts.push(format!("packed by {by}"));
                    }
                    parts.push(format!("entry {}", m.entry.as_deref().unwrap_or("main")));
                    if !m.dlopen.is_empty() {
                        parts.push(format!("dlopen {}", m.dlopen.join(", ")));
                    }
                    if let Some(v) = &m.min_irjit_version {
                        parts.push(format!("needs irjit {v} or newer"));
                    }
                    println!("manifest: {}", parts.join("; "));
                }
                None => println!("manifest: none"),
            }
        }
        None => println!(
            "program: {} ({}), one IR module",
            args.program.display(),
            human(size)
        ),
    }

    println!("modules: {}", sources.len());
    let mut tables = Vec::with_capacity(sources.len());
    for source in &sources {
        let bytes = source
            .read()
            .with_context(|| format!("cannot read {}", source.name))?;
        let symbols = library
            .module_symbols(source)
            .with_context(|| format!("cannot read the symbols of {}", source.name))?;
        let hash = blake3::hash(&bytes).to_hex();
        println!(
            "  {:<28} {:>10}  blake3 {}  external functions {}",
            source.name,
            human(bytes.len() as u64),
            &hash[..16],
            symbols.functions().count()
        );
        tables.push((source.name.clone(), symbols));
    }

    let functions: BTreeSet<&str> = tables
        .iter()
        .flat_map(|(_, s)| s.functions().map(|f| f.name.as_str()))
        .collect();
    let shown: Vec<&str> = if args.functions {
        functions.iter().copied().collect()
    } else {
        functions.iter().copied().take(SHOWN_FUNCTIONS).collect()
    };
    let more = functions.len() - shown.len();
    println!(
        "defined functions ({} external){}{}",
        functions.len(),
        if shown.is_empty() {
            String::new()
        } else {
            format!(": {}", shown.join(", "))
        },
        if more > 0 {
            format!(", and {more} more (--functions lists them all)")
        } else {
            String::new()
        }
    );

    let mut host = HostResolver::new();
    let mut problems = Vec::new();
    for name in manifest.map(|m| m.dlopen.as_slice()).unwrap_or_default() {
        if let Err(e) = host.dlopen(name) {
            problems.push(format!("cannot open {name}: {e}"));
        }
    }
    let mut from_host = Vec::new();
    let mut unresolved = Vec::new();
    for external in externals(tables.iter().map(|(n, s)| (n.as_str(), s))) {
        if HEAP_SYMBOLS.contains(&external.name.as_str()) || host.resolve(&external.name).is_some()
        {
            from_host.push(external.name);
        } else if external.weak {
            from_host.push(format!("{} (weak, null)", external.name));
        } else {
            unresolved.push(format!(
                "{} (used by {})",
                external.name, external.referenced_by
            ));
        }
    }
    println!(
        "host symbols ({}){}",
        from_host.len(),
        if from_host.is_empty() {
            String::new()
        } else {
            format!(": {}", from_host.join(", "))
        }
    );
    unresolved.extend(problems);
    if unresolved.is_empty() {
        println!("unresolved symbols: none");
    } else {
        println!(
            "unresolved symbols: {}: {}",
            unresolved.len(),
            unresolved.join(", ")
        );
    }

    print_cache(&args)?;
    Ok(0)
}

/// What the code cache holds for the program as `irjit run` would run it.
fn print_cache(args: &InfoArgs) -> anyhow::Result<()> {
    let Some(cache) = args.cache.open_existing()? else {
        match args.cache.directory() {
            Ok(dir) if dir.is_dir() => println!("cache: off"),
            Ok(dir) => println!("cache: empty ({} does not exist)", dir.display()),
            Err(_) => println!("cache: off"),
        }
        return Ok(());
    };
    let key = cache_key(&args.program, &[], true)?;
    println!("cache: {}", cache.dir().display());
    match cache.load_program(&key) {
        Some(record) => {
            let total = record.layout.units.len();
            let cached: BTreeSet<u32> = record
                .objects
                .iter()
                .filter(|slot| cache.has_object(&slot.key))
                .map(|slot| slot.unit)
                .collect();
            let hot = record.hot_units().count();
            println!(
                "  program record: yes ({} run{}, {hot} hot units)",
                record.runs,
                if record.runs == 1 { "" } else { "s" }
            );
            println!("  units with cached code: {} of {total}", cached.len());
        }
        None => println!("  program record: none (not run with this cache yet)"),
    }
    Ok(())
}
