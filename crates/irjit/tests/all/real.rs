//! Real programs nobody here wrote: the Lua 5.4 interpreter (sources from the `lua-src` crate) and
//! SQLite (the amalgamation from `libsqlite3-sys`), built by `tests/real/build.sh` as bitcode and
//! as native binaries. irjit's runs must equal the native ones.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use crate::support::{self, Outcome};

/// Builds everything once per test run; `tests/real/build.sh` is incremental.
pub(crate) fn built() -> Result<PathBuf, String> {
    static OUT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = support::work_dir("real");
        let script = support::repo_root().join("tests/real/build.sh");
        support::build(Command::new("bash").arg(script).arg(&out))?;
        Ok(out)
    })
    .clone()
}

fn run(program: PathBuf, args: &[String], irjit_args: &[String]) -> Result<Outcome, String> {
    run_env(program, args, irjit_args, &[])
}

fn run_env(
    program: PathBuf,
    args: &[String],
    irjit_args: &[String],
    env: &[(&str, &str)],
) -> Result<Outcome, String> {
    let mut cmd;
    if irjit_args.is_empty() {
        cmd = Command::new(program);
    } else {
        cmd = Command::new(support::irjit());
        cmd.arg("run").args(irjit_args).arg(program);
    }
    cmd.args(args).envs(env.iter().copied());
    support::run(cmd, b"", Duration::from_secs(600))
}

/// Runs the native binary and irjit (with `irjit_args` before the program) and compares.
fn compare(
    what: &str,
    native: PathBuf,
    bitcode: PathBuf,
    irjit_args: &[&str],
    args: &[String],
) -> Result<(), Failed> {
    let want = run(native, args, &[])?;
    let mut all: Vec<String> = irjit_args.iter().map(|s| s.to_string()).collect();
    if all.is_empty() {
        all.push("-O2".to_string());
    }
    let got = run(bitcode, args, &all)?;
    support::compare(what, &want, &got)?;
    Ok(())
}

pub(crate) fn lua_args() -> Vec<String> {
    let script = support::repo_root().join("tests/real/lua/workload.lua");
    vec![script.to_string_lossy().into_owned(), "1".to_string()]
}

fn lua(level: &'static str) -> Result<(), Failed> {
    let out = built()?;
    compare(
        &format!("lua bc-{level}"),
        out.join("lua/lua-native"),
        out.join(format!("lua/lua-{level}.bc")),
        &[],
        &lua_args(),
    )
}

/// Lua from its 33 separate modules: the interpreter's main module plus `--extra-module`s.
fn lua_modules() -> Result<(), Failed> {
    let out = built()?;
    let dir = out.join("lua/modules-O2");
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bc"))
        .collect();
    modules.sort();
    let main = modules
        .iter()
        .position(|p| p.file_stem().is_some_and(|s| s == "lua"))
        .ok_or("no lua.bc module")?;
    let main = modules.remove(main);
    let mut irjit_args: Vec<String> = vec!["-O1".to_string()];
    for m in &modules {
        irjit_args.push("--extra-module".to_string());
        irjit_args.push(m.to_string_lossy().into_owned());
    }
    let args = lua_args();
    let want = run(out.join("lua/lua-native"), &args, &[])?;
    let got = run(main, &args, &irjit_args)?;
    support::compare("lua from modules", &want, &got)?;
    Ok(())
}

fn sqlite(level: &'static str) -> Result<(), Failed> {
    let out = built()?;
    compare(
        &format!("sqlite bc-{level}"),
        out.join("sqlite/sqlite-native"),
        out.join(format!("sqlite/sqlite-{level}.bc")),
        &[],
        &["1".to_string()],
    )
}

/// The one-query workload, lazily: the output is native's, and only the functions the query
/// calls are compiled. Natively (`-finstrument-functions`) it enters 845 of SQLite's 2619
/// functions, 32%; the bound leaves room for SQLite versions, not for compiling untouched code.
/// With the interpreter tier (the default), loop-free functions called at most
/// `DEFAULT_INTERP_CALLS` times never reach machine code: fewer than a quarter are compiled.
fn sqlite_one_query_lazy(interpreter: bool) -> Result<(), Failed> {
    let out = built()?;
    let args = ["query".to_string()];
    let want = run(out.join("sqlite/sqlite-native"), &args, &[])?;
    // Without compiling ahead, which compiles (and then links) functions the first calls would
    // otherwise have left to the interpreter, as its spare time allows.
    let mut irjit_args = vec![
        "--stats".to_string(),
        "--no-cache".to_string(),
        "--compile-ahead=off".to_string(),
    ];
    if !interpreter {
        irjit_args.push("--interp-calls=0".to_string());
    }
    let got = run(out.join("sqlite/sqlite-O0.bc"), &args, &irjit_args)?;
    if want.stdout != got.stdout || want.status != got.status {
        return Err(format!(
            "one query: output or status differs from native ({:?} vs {:?})",
            want.status, got.status
        )
        .into());
    }
    let stderr = String::from_utf8_lossy(&got.stderr);
    let defined = support::stat(&stderr, "functions defined ")?;
    let compiled = support::stat(&stderr, ", compiled ")?;
    let only_interpreted = support::stat(&stderr, "ran in it (")?;
    let (bound, what) = if interpreter {
        (24, "with the interpreter")
    } else {
        (36, "without the interpreter")
    };
    if compiled == 0 || compiled * 100 > defined * bound {
        return Err(format!(
            "one query compiled {compiled} of {defined} functions {what} (want at most {bound}%)"
        )
        .into());
    }
    if interpreter == (only_interpreted == 0) {
        return Err(format!(
            "one query ran {only_interpreted} functions only in the interpreter {what}"
        )
        .into());
    }
    Ok(())
}

/// Lua's or SQLite's native build, its bitcode at `level` and the workload's arguments.
fn real_program(program: &str, level: &str) -> Result<(PathBuf, PathBuf, Vec<String>), Failed> {
    let out = built()?;
    Ok(match program {
        "lua" => (
            out.join("lua/lua-native"),
            out.join(format!("lua/lua-{level}.bc")),
            lua_args(),
        ),
        _ => (
            out.join("sqlite/sqlite-native"),
            out.join(format!("sqlite/sqlite-{level}.bc")),
            vec!["1".to_string()],
        ),
    })
}

/// Every call the interpreter can take runs there (`IRJIT_INTERP=always`): the output stays
/// native's, and a large share of SQLite's and Lua's functions run only as bytecode.
fn interp_always(program: &'static str) -> Result<(), Failed> {
    let (native, bitcode, args) = real_program(program, "O0")?;
    let want = run(native, &args, &[])?;
    let got = run_env(
        bitcode,
        &args,
        &["--no-cache".to_string(), "--stats".to_string()],
        &[("IRJIT_INTERP", "always")],
    )?;
    let stderr = String::from_utf8_lossy(&got.stderr).into_owned();
    // The program's own stderr, without irjit's --stats lines.
    let program_stderr: String = stderr
        .lines()
        .filter(|l| !l.starts_with("irjit: stats: "))
        .flat_map(|l| [l, "\n"])
        .collect();
    let got = Outcome {
        stderr: program_stderr.into_bytes(),
        ..got
    };
    support::compare(&format!("{program} under IRJIT_INTERP=always"), &want, &got)?;
    let only_interpreted = support::stat(&stderr, "ran in it (")?;
    if only_interpreted < 100 {
        return Err(format!(
            "{program}: only {only_interpreted} functions ran only in the interpreter:\n{stderr}"
        )
        .into());
    }
    Ok(())
}

/// The SQLite driver and the amalgamation as two modules (`--extra-module`), at irjit -O0.
fn sqlite_extra_module() -> Result<(), Failed> {
    let out = built()?;
    let amalgamation = out.join("sqlite/sqlite3-O0.bc");
    let amalgamation = amalgamation.to_string_lossy();
    compare(
        "sqlite driver + --extra-module sqlite3",
        out.join("sqlite/sqlite-native"),
        out.join("sqlite/driver-O0.bc"),
        &["-O0", "--extra-module", &amalgamation],
        &["1".to_string()],
    )
}

/// Every function hot at its first call and recompiled at tier 2 twice while the program runs:
/// Lua's interpreter loop and SQLite's VDBE get replaced under running code.
fn stress_tierup(program: &'static str) -> Result<(), Failed> {
    let level = if program == "lua" { "O0" } else { "O2" };
    let (native, bitcode, args) = real_program(program, level)?;
    let want = run(native, &args, &[])?;
    let got = run_env(
        bitcode,
        &args,
        &["--tier=adaptive".to_string()],
        &[("IRJIT_STRESS_TIERUP", "1")],
    )?;
    support::compare(
        &format!("{program} under IRJIT_STRESS_TIERUP=1"),
        &want,
        &got,
    )?;
    Ok(())
}

/// Lua's dispatch loop (computed gotos through a constant table, hundreds of variables live at
/// its loop headers) moves to optimized code by OSR while the script runs in one call of
/// `luaV_execute`; the output stays native's. The same compile gives `luaV_execute`'s tier-2
/// entry, which the calls made since enter (the function is large: see the engine's
/// `COMBINED_MIN_BYTES`). The continuation needs a core for a second or two: a run that ends
/// before it is ready is tried again, twice at most and with the machine to itself.
fn lua_osr_interpreter_loop() -> Result<(), Failed> {
    let out = built()?;
    let script = support::repo_root().join("tests/real/lua/workload.lua");
    let args = vec![script.to_string_lossy().into_owned(), "4".to_string()];
    let want = run(out.join("lua/lua-native"), &args, &[])?;
    let irjit_args = ["--tier=adaptive", "--tier-threshold=50", "--no-cache"].map(String::from);
    for attempt in 1..=3 {
        let run = || {
            run_env(
                out.join("lua/lua-O0.bc"),
                &args,
                &irjit_args,
                &[("IRJIT_LOG", "irjit_runtime=debug")],
            )
        };
        let got = support::attempt(attempt, run)?;
        // stderr holds irjit's log: status and stdout are compared.
        let log = String::from_utf8_lossy(&got.stderr);
        let got = Outcome {
            stderr: want.stderr.clone(),
            ..got
        };
        support::compare("lua, OSR of luaV_execute", &want, &got)?;
        let continuation = log.contains("luaV_execute.irjit.osr.");
        let with_function = log.lines().any(|line| {
            line.contains("tier-2 entry from the continuation's compile")
                && line.contains("\"luaV_execute\"")
        });
        if continuation && with_function {
            return Ok(());
        }
        if attempt == 3 {
            return Err(if continuation {
                "luaV_execute's continuation did not give its tier-2 entry in 3 runs"
            } else {
                "no OSR continuation of luaV_execute got ready in 3 runs"
            }
            .into());
        }
    }
    unreachable!()
}

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("real::lua::bc_O0", || lua("O0")),
        Trial::test("real::lua::bc_O2", || lua("O2")),
        Trial::test("real::lua::modules", lua_modules),
        Trial::test("real::lua::osr_interpreter_loop", lua_osr_interpreter_loop),
        Trial::test("real::sqlite::bc_O0", || sqlite("O0")),
        Trial::test("real::sqlite::bc_O2", || sqlite("O2")),
        Trial::test("real::sqlite::extra_module", sqlite_extra_module),
        Trial::test("real::sqlite::one_query_lazy", || {
            sqlite_one_query_lazy(true)
        }),
        Trial::test("real::sqlite::one_query_lazy_no_interpreter", || {
            sqlite_one_query_lazy(false)
        }),
        Trial::test("real::lua::interp_always", || interp_always("lua")),
        Trial::test("real::sqlite::interp_always", || interp_always("sqlite")),
        Trial::test("real::lua::stress_tierup", || stress_tierup("lua")),
        Trial::test("real::sqlite::stress_tierup", || stress_tierup("sqlite")),
    ]
}
