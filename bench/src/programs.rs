//! Building the benchmark programs: each as a native `clang-19 -O2` binary (the reference) and as
//! bitcode from `clang-19 -O0` and `-O2`. Build products live under `target/bench/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{bail, Context as _};

use crate::suite::{Benchmark, Level, Size, Source};

/// The C compiler; `clang` on PATH may be another LLVM version.
pub const CLANG: &str = "clang-19";

/// Flags of every benchmark program, native and bitcode alike. `-ffp-contract=off`: clang would
/// otherwise emit `llvm.fmuladd`, which a JIT targeting the host CPU fuses into FMA while the
/// baseline x86-64 native binary does not, and the printed digits would differ.
const CFLAGS: &[&str] = &["-g0", "-ffp-contract=off"];

/// A benchmark ready to run.
#[derive(Debug, Clone)]
pub struct Built {
    /// The native reference binary.
    pub native: PathBuf,
    /// Bitcode from `clang-19 -O0`.
    pub bitcode_o0: PathBuf,
    /// Bitcode from `clang-19 -O2`.
    pub bitcode_o2: PathBuf,
    /// The program's arguments (after `argv[0]`).
    pub args: Vec<String>,
}

impl Built {
    /// The bitcode of one level.
    pub fn bitcode(&self, level: Level) -> &Path {
        match level {
            Level::O0 => &self.bitcode_o0,
            Level::O2 => &self.bitcode_o2,
        }
    }
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The workspace root.
    pub root: PathBuf,
    /// `target/bench`: binaries, bitcode, scratch directories.
    pub build: PathBuf,
}

impl Layout {
    /// The layout of the workspace at `root`.
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
            build: root.join("target/bench"),
        }
    }

    fn real(&self) -> PathBuf {
        self.build.join("real")
    }
}

/// Builds what `benchmarks` need (incrementally) and returns them in the same order.
pub fn build(layout: &Layout, benchmarks: &[&Benchmark], size: Size) -> anyhow::Result<Vec<Built>> {
    let programs_dir = layout.build.join("programs");
    std::fs::create_dir_all(&programs_dir)
        .with_context(|| format!("failed to create {}", programs_dir.display()))?;
    if benchmarks.iter().any(|b| b.source != Source::C) {
        build_real(layout)?;
    }
    // A new harness binary may come with new compiler flags: rebuild what is older than it.
    let harness_time = std::env::current_exe()
        .and_then(|exe| exe.metadata())
        .and_then(|m| m.modified())
        .ok();
    let mut built = Vec::new();
    for bench in benchmarks {
        let mut args: Vec<String> = bench.args(size).iter().map(|s| s.to_string()).collect();
        let real = layout.real();
        built.push(match bench.source {
            Source::C => build_c(layout, bench.name, &programs_dir, harness_time, args)?,
            Source::Lua => {
                let workload = layout.root.join("tests/real/lua/workload.lua");
                args.insert(0, workload.to_string_lossy().into_owned());
                Built {
                    native: real.join("lua/lua-native"),
                    bitcode_o0: real.join("lua/lua-O0.bc"),
                    bitcode_o2: real.join("lua/lua-O2.bc"),
                    args,
                }
            }
            Source::Sqlite => Built {
                native: real.join("sqlite/sqlite-native"),
                bitcode_o0: real.join("sqlite/sqlite-O0.bc"),
                bitcode_o2: real.join("sqlite/sqlite-O2.bc"),
                args,
            },
        });
    }
    Ok(built)
}

fn build_real(layout: &Layout) -> anyhow::Result<()> {
    let script = layout.root.join("tests/real/build.sh");
    eprintln!(
        "bench: building Lua and SQLite ({} {})",
        script.display(),
        layout.real().display()
    );
    let status = Command::new(&script)
        .arg(layout.real())
        .env("CLANG", CLANG)
        .status()
        .with_context(|| format!("failed to start {}", script.display()))?;
    if !status.success() {
        bail!("{} failed ({status})", script.display());
    }
    Ok(())
}

fn build_c(
    layout: &Layout,
    name: &str,
    out_dir: &Path,
    harness_time: Option<SystemTime>,
    args: Vec<String>,
) -> anyhow::Result<Built> {
    let source = layout.root.join("bench/programs").join(format!("{name}.c"));
    let source_time = source
        .metadata()
        .and_then(|m| m.modified())
        .with_context(|| format!("failed to read {}", source.display()))?;
    let newest_input = harness_time.map_or(source_time, |h| h.max(source_time));
    let built = Built {
        native: out_dir.join(format!("{name}-native")),
        bitcode_o0: out_dir.join(format!("{name}-O0.bc")),
        bitcode_o2: out_dir.join(format!("{name}-O2.bc")),
        args,
    };
    let native_flags = ["-O2", "-o"];
    compile(
        &source,
        &built.native,
        &native_flags,
        &["-lm"],
        newest_input,
    )?;
    for level in Level::ALL {
        let flags = [level.flag(), "-emit-llvm", "-c", "-o"];
        compile(&source, built.bitcode(level), &flags, &[], newest_input)?;
    }
    Ok(built)
}

/// Runs `clang-19 CFLAGS FLAGS OUT.tmp SOURCE LIBS` unless `out` is newer than `newest_input`;
/// `FLAGS` ends with `-o`. The output appears under its name only when complete.
fn compile(
    source: &Path,
    out: &Path,
    flags: &[&str],
    libs: &[&str],
    newest_input: SystemTime,
) -> anyhow::Result<()> {
    let fresh = out
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|t| t > newest_input);
    if fresh {
        return Ok(());
    }
    let tmp = out.with_extension("tmp");
    let mut cmd = Command::new(CLANG);
    cmd.args(CFLAGS)
        .args(flags)
        .arg(&tmp)
        .arg(source)
        .args(libs);
    eprintln!("bench: {CLANG} {} {}", flags.join(" "), out.display());
    let status = cmd
        .status()
        .with_context(|| format!("failed to start {CLANG}"))?;
    if !status.success() {
        bail!("{CLANG} failed on {} ({status})", source.display());
    }
    std::fs::rename(&tmp, out).with_context(|| format!("failed to create {}", out.display()))?;
    Ok(())
}
