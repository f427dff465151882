//! The corpus: every C and C++ program in `tests/programs/`, compiled natively and to bitcode at
//! `-O0` and `-O2`; irjit's run must equal the native binary's (stdout, stderr, exit status or
//! signal).
//!
//! Per program, optional files next to the source: `NAME.stdin` (standard input), `NAME.args`
//! (arguments, space-separated), and a first-line directive `// irjit-test: cflags=...`.
//!
//! Programs named `osr_*` and `cxx_osr_*`, `reclaim_*` and `fork_*` also get trials of their
//! own (see [`check_osr`], [`check_reclaim`] and [`check_forks`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use crate::support::{self, OnceMap, Outcome};

/// A way of running a corpus program.
#[derive(Clone, Copy)]
struct Mode {
    name: &'static str,
    /// Optimization level of the bitcode clang produces.
    bitcode_level: &'static str,
    /// irjit's own arguments.
    irjit_args: &'static [&'static str],
    /// Extra environment for irjit.
    env: &'static [(&'static str, &'static str)],
    /// Run twice with a fresh code cache: the first run fills it (and leaves a profile), the
    /// second starts from it; both must match the native run.
    warm_cache: bool,
}

const STRESS: &[(&str, &str)] = &[("IRJIT_STRESS_TIERUP", "1")];

const MODES: &[Mode] = &[
    // The default: lazy, adaptive tiering.
    Mode {
        name: "bc_O0",
        bitcode_level: "-O0",
        irjit_args: &[],
        env: &[],
        warm_cache: false,
    },
    Mode {
        name: "bc_O2",
        bitcode_level: "-O2",
        irjit_args: &[],
        env: &[],
        warm_cache: false,
    },
    // Every function hot at its first call and recompiled at tier 2 twice, while it runs.
    Mode {
        name: "bc_O0_stress_tierup",
        bitcode_level: "-O0",
        irjit_args: &[],
        env: STRESS,
        warm_cache: false,
    },
    Mode {
        name: "bc_O2_stress_tierup",
        bitcode_level: "-O2",
        irjit_args: &[],
        env: STRESS,
        warm_cache: false,
    },
    // Lazy at tier 2 only, and eager compilation at each tier.
    Mode {
        name: "bc_O0_lazy_tier2",
        bitcode_level: "-O0",
        irjit_args: &["--tier=2"],
        env: &[],
        warm_cache: false,
    },
    Mode {
        name: "bc_O0_eager_tier0",
        bitcode_level: "-O0",
        irjit_args: &["--lazy=off", "--tier=0"],
        env: &[],
        warm_cache: false,
    },
    Mode {
        name: "bc_O2_eager_tier2",
        bitcode_level: "-O2",
        irjit_args: &["--lazy=off", "--tier=2"],
        env: &[],
        warm_cache: false,
    },
    // Every call of a function the interpreter can run runs there (loop-free functions without
    // varargs, vectors or exception handling): the interpreter against native, program-wide.
    Mode {
        name: "bc_O0_interp_always",
        bitcode_level: "-O0",
        irjit_args: &[],
        env: &[("IRJIT_INTERP", "always")],
        warm_cache: false,
    },
    Mode {
        name: "bc_O2_interp_always",
        bitcode_level: "-O2",
        irjit_args: &[],
        env: &[("IRJIT_INTERP", "always")],
        warm_cache: false,
    },
    // The persistent code cache, cold then warm (with a low threshold, so that the warm run
    // starts hot functions at tier 2).
    Mode {
        name: "bc_O0_cache_warm",
        bitcode_level: "-O0",
        irjit_args: &["--tier-threshold", "100"],
        env: &[],
        warm_cache: true,
    },
];

#[derive(Clone)]
struct Program {
    name: String,
    source: PathBuf,
    cxx: bool,
    cflags: Vec<String>,
    args: Vec<String>,
    stdin: Vec<u8>,
}

fn programs_dir() -> PathBuf {
    support::repo_root().join("tests").join("programs")
}

fn discover() -> Vec<Program> {
    let mut programs = Vec::new();
    let Ok(entries) = std::fs::read_dir(programs_dir()) else {
        return programs;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "c" && ext != "cpp" {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let cflags = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// irjit-test:"))
            .and_then(|l| l.trim().strip_prefix("cflags="))
            .map(|f| f.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        let args = std::fs::read_to_string(path.with_extension("args"))
            .map(|a| a.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        let stdin = std::fs::read(path.with_extension("stdin")).unwrap_or_default();
        programs.push(Program {
            name,
            source: path.clone(),
            cxx: ext == "cpp",
            cflags,
            args,
            stdin,
        });
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    programs
}

static BUILDS: OnceMap = OnceMap::new();

fn compile(program: &Program, out: &Path, extra: &[&str]) -> Result<PathBuf, String> {
    if support::up_to_date(out, &[&program.source]) {
        return Ok(out.to_path_buf());
    }
    std::fs::create_dir_all(out.parent().unwrap()).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(support::clang(program.cxx));
    cmd.arg(if program.cxx {
        "-std=gnu++17"
    } else {
        "-std=gnu17"
    })
    .args(&program.cflags)
    .args(extra)
    .arg(&program.source)
    .arg("-o")
    .arg(out);
    support::build(&mut cmd)?;
    Ok(out.to_path_buf())
}

fn native(program: &Program) -> Result<PathBuf, String> {
    let out = support::work_dir("corpus")
        .join("native")
        .join(&program.name);
    BUILDS.get(&format!("native/{}", program.name), || {
        compile(program, &out, &["-O2", "-lm", "-lpthread"])
    })
}

fn bitcode(program: &Program, level: &str) -> Result<PathBuf, String> {
    let out = support::work_dir("corpus")
        .join(format!("bc{level}"))
        .join(format!("{}.bc", program.name));
    BUILDS.get(&format!("bc{level}/{}", program.name), || {
        compile(program, &out, &[level, "-emit-llvm", "-c"])
    })
}

fn environment(cmd: &mut Command) {
    cmd.env("IRJIT_TEST_VAR", "corpus-value");
}

fn run_native(program: &Program) -> Result<Outcome, String> {
    let exe = native(program)?;
    let mut cmd = Command::new(&exe);
    cmd.args(&program.args);
    environment(&mut cmd);
    support::run(cmd, &program.stdin, Duration::from_secs(60))
}

fn check(program: &Program, mode: Mode) -> Result<(), Failed> {
    let want = run_native(program)?;
    let bc = bitcode(program, mode.bitcode_level)?;
    let cache = support::work_dir("corpus-cache").join(&program.name);
    if mode.warm_cache {
        let _ = std::fs::remove_dir_all(&cache);
    }
    for run in ["cold", "warm"] {
        let mut cmd = Command::new(support::irjit());
        cmd.arg("run").args(mode.irjit_args);
        if mode.warm_cache {
            cmd.arg("--cache-dir").arg(&cache).env_remove("IRJIT_CACHE");
        }
        cmd.arg(&bc).args(&program.args);
        environment(&mut cmd);
        cmd.envs(mode.env.iter().copied());
        let got = support::run(cmd, &program.stdin, Duration::from_secs(300))?;
        let what = if mode.warm_cache {
            format!("{} ({}, {run} cache)", program.name, mode.name)
        } else {
            format!("{} ({})", program.name, mode.name)
        };
        support::compare(&what, &want, &got)?;
        if !mode.warm_cache {
            break;
        }
    }
    Ok(())
}

/// What an OSR trial expects of the continuations count.
#[derive(Clone, Copy)]
enum Expect {
    /// At least one loop entered OSR.
    Some,
    /// None did (`--no-osr`).
    None,
    /// Either: at -O2, inlining can merge a loop into a function OSR refuses (setjmp).
    Any,
}

/// Runs `program`'s bitcode at `level` under `irjit run --stats IRJIT_ARGS`, checks that stdout
/// and status equal native's, and returns irjit's stderr (the program's own, then the stats).
/// A retry (`attempt` above 1) runs irjit [`support::alone`].
fn run_with_stats(
    program: &Program,
    level: &str,
    irjit_args: &[&str],
    what: &str,
    attempt: u32,
) -> Result<String, Failed> {
    let want = run_native(program)?;
    let bc = bitcode(program, level)?;
    let mut cmd = Command::new(support::irjit());
    cmd.arg("run")
        .arg("--stats")
        .args(irjit_args)
        .arg(&bc)
        .args(&program.args);
    environment(&mut cmd);
    let run = || support::run(cmd, &program.stdin, Duration::from_secs(300));
    let got = support::attempt(attempt, run)?;
    if want.status != got.status || want.stdout != got.stdout {
        return Err(format!(
            "{} ({what}): output or status differs from native ({:?} vs {:?})",
            program.name, want.status, got.status
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&got.stderr).into_owned())
}

/// The number of OSR continuations irjit's `--stats` report.
fn continuations(stderr: &str) -> Result<u64, String> {
    stderr
        .split(" continuations")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| format!("no OSR figures in --stats:\n{stderr}"))
}

/// The OSR programs (`osr_*`, `cxx_osr_*`), with output and status equal to native: from -O0
/// bitcode at least one loop must have entered its OSR continuation (`--stats`); from -O2
/// bitcode output must be right; with `--no-osr` no continuation may exist.
fn check_osr(program: &Program, level: &'static str, expect: Expect) -> Result<(), Failed> {
    let no_osr: &[&str] = if matches!(expect, Expect::None) {
        &["--no-osr"]
    } else {
        &[]
    };
    // Whether a continuation is ready before the loop ends depends on the background compile
    // getting a core in time, which a loaded machine can deny: a run without one is tried again,
    // with the machine to itself (every run's output must still be right).
    let mut attempts = 0;
    let (stderr, continuations) = loop {
        attempts += 1;
        let stderr = run_with_stats(program, level, no_osr, &format!("OSR {level}"), attempts)?;
        let continuations = continuations(&stderr)?;
        if continuations > 0 || !matches!(expect, Expect::Some) || attempts == 3 {
            break (stderr, continuations);
        }
    };
    match (expect, continuations) {
        (Expect::Some, 0) => Err(format!(
            "{}: no loop entered OSR in {attempts} runs:\n{stderr}",
            program.name
        )
        .into()),
        (Expect::None, n) if n > 0 => {
            Err(format!("{}: --no-osr built {n} continuations", program.name).into())
        }
        _ => Ok(()),
    }
}

/// The reclamation programs (`reclaim_*`), from -O0 bitcode with a low tier-up threshold: output
/// and status equal to native, superseded code freed, and the books balance; for
/// `reclaim_phases` the freed space must also be reused (the code region ends at most at 3/4 of
/// the bytes placed in all). With `--keep-superseded`, nothing is freed. Freeing needs the
/// background compiles to get a core: a run that freed too little is tried again, twice at most
/// and with the machine to itself (every run's output is checked).
fn check_reclaim(program: &Program, keep: bool) -> Result<(), Failed> {
    let mut attempt = 1;
    loop {
        match reclaim_run(program, keep, attempt)? {
            Ok(()) => return Ok(()),
            Err(slow) if attempt < 3 => {
                eprintln!(
                    "{}: run {attempt}: {}",
                    program.name,
                    slow.lines().next().unwrap_or("")
                );
                attempt += 1;
            }
            Err(slow) => return Err(slow.into()),
        }
    }
}

/// One run of [`check_reclaim`]: an error for what must hold in any run, `Ok(Err(..))` for what
/// a run starved of a core may miss.
fn reclaim_run(program: &Program, keep: bool, attempt: u32) -> Result<Result<(), String>, Failed> {
    let mut irjit_args = vec!["--tier-threshold", "100"];
    if keep {
        irjit_args.push("--keep-superseded");
    }
    let stderr = run_with_stats(program, "-O0", &irjit_args, "reclaim", attempt)?;
    let extent = support::stat(&stderr, "stats: code ")?;
    let live = support::stat(&stderr, "code bytes live ")?;
    let freed = support::stat(&stderr, "freed ")?;
    let placed = support::stat(&stderr, "placed ")?;
    if live + freed != placed {
        return Err(format!("live {live} + freed {freed} != placed {placed}:\n{stderr}").into());
    }
    if program.name == "reclaim_phases" && continuations(&stderr)? > 4 {
        // Its 120 functions are each called 40,000 times, their loops running 24 times a call:
        // tier-2 entries serve them, and continuations of those loops would only hold the
        // compile thread up. Only `main`'s four loops may get one.
        return Err(format!("continuations built for short calls' loops:\n{stderr}").into());
    }
    if keep {
        if freed != 0 {
            return Err(format!("--keep-superseded freed {freed} bytes:\n{stderr}").into());
        }
    } else if freed == 0 {
        return Ok(Err(format!("no superseded code was freed:\n{stderr}")));
    } else if program.name == "reclaim_phases" && extent * 4 > placed * 3 {
        // 120 functions tiering up one after another: the freed space must be reused, so the
        // code region ends well below the bytes placed in all (without freeing, it is above).
        return Ok(Err(format!(
            "freed code was not reused (extent {extent}, placed {placed}, freed {freed}):\n{stderr}"
        )));
    }
    Ok(Ok(()))
}

/// Runs of each fork program (`fork_*`) in [`check_forks`], per way of running it.
const FORK_RUNS: usize = 16;

/// The fork programs (`fork_*`), which fork while the runtime's threads compile: a hang there is
/// a race (a lock held by another thread at the instant of a fork stays held in the child), so
/// one run per mode would catch it rarely. [`FORK_RUNS`] runs each from -O0 bitcode at a low
/// tier-up threshold (compiles all along), without and with a code cache (filled afresh by each
/// run), every run's output and status equal to native. (Before forks waited for the compiles
/// under way, `fork_during_compiles` hung in 8% of its runs with a cache and about 2% without.)
fn check_forks(program: &Program) -> Result<(), Failed> {
    let want = run_native(program)?;
    let bc = bitcode(program, "-O0")?;
    let cache = support::work_dir("corpus-cache").join(format!("{}-forks", program.name));
    for run in 0..FORK_RUNS {
        for with_cache in [false, true] {
            let mut cmd = Command::new(support::irjit());
            cmd.args(["run", "--tier-threshold", "100"]);
            if with_cache {
                let _ = std::fs::remove_dir_all(&cache);
                cmd.arg("--cache-dir").arg(&cache).env_remove("IRJIT_CACHE");
            } else {
                cmd.arg("--no-cache");
            }
            cmd.arg(&bc).args(&program.args);
            environment(&mut cmd);
            let got = support::run(cmd, &program.stdin, Duration::from_secs(60))?;
            let what = format!(
                "{} (run {} of {FORK_RUNS}, {})",
                program.name,
                run + 1,
                if with_cache {
                    "fresh cache"
                } else {
                    "no cache"
                }
            );
            support::compare(&what, &want, &got)?;
        }
    }
    Ok(())
}

pub fn trials() -> Vec<Trial> {
    let programs = discover();
    let mut trials = Vec::new();
    for program in &programs {
        if !(program.name.starts_with("osr_") || program.name.starts_with("cxx_osr_")) {
            continue;
        }
        for (name, level, expect) in [
            ("osr_bc_O0", "-O0", Expect::Some),
            ("osr_bc_O2", "-O2", Expect::Any),
            ("no_osr_bc_O0", "-O0", Expect::None),
        ] {
            let p = program.clone();
            trials.push(Trial::test(
                format!("corpus::{}::{name}", program.name),
                move || check_osr(&p, level, expect),
            ));
        }
    }
    for program in programs.iter().filter(|p| p.name.starts_with("reclaim_")) {
        for (name, keep) in [("reclaim_bc_O0", false), ("keep_superseded_bc_O0", true)] {
            let p = program.clone();
            trials.push(Trial::test(
                format!("corpus::{}::{name}", program.name),
                move || check_reclaim(&p, keep),
            ));
        }
    }
    for program in programs.iter().filter(|p| p.name.starts_with("fork_")) {
        let p = program.clone();
        trials.push(Trial::test(
            format!("corpus::{}::repeated_bc_O0", program.name),
            move || check_forks(&p),
        ));
    }
    for program in programs {
        for &mode in MODES {
            let p = program.clone();
            trials.push(Trial::test(
                format!("corpus::{}::{}", program.name, mode.name),
                move || check(&p, mode),
            ));
        }
    }
    trials
}
