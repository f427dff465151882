//! The persistent code cache: warm runs, per-unit keys, bad entries, concurrent writers, runs
//! that never load LLVM, the profile, and `irjit cache`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use crate::support::{self, Outcome, Status};

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "cache::compile_ahead_keeps_only_used_objects",
            compile_ahead_keeps_only_used_objects,
        ),
        Trial::test(
            "cache::second_run_hits_every_unit",
            second_run_hits_every_unit,
        ),
        Trial::test(
            "cache::changed_function_misses_only_its_unit",
            changed_function_misses_only_its_unit,
        ),
        Trial::test(
            "cache::bad_entries_are_recompiled",
            bad_entries_are_recompiled,
        ),
        Trial::test("cache::concurrent_fills", concurrent_fills),
        Trial::test("cache::warm_run_never_maps_llvm", warm_run_never_maps_llvm),
        Trial::test(
            "cache::compiler_opened_while_code_links",
            compiler_opened_while_code_links,
        ),
        Trial::test(
            "cache::warm_run_stays_single_threaded",
            warm_run_stays_single_threaded,
        ),
        Trial::test(
            "cache::profile_starts_hot_code_at_tier2",
            profile_starts_hot_code_at_tier2,
        ),
        Trial::test(
            "cache::loop_in_main_starts_at_tier2",
            loop_in_main_starts_at_tier2,
        ),
        Trial::test(
            "cache::large_function_tier2_from_its_continuation",
            large_function_tier2_from_its_continuation,
        ),
        Trial::test("cache::commands", commands),
        Trial::test(
            "cache::aot_then_run_starts_optimized",
            aot_then_run_starts_optimized,
        ),
        Trial::test("cache::no_cache_writes_nothing", no_cache_writes_nothing),
    ]
}

/// A fresh cache directory for one trial.
fn fresh_cache(name: &str) -> PathBuf {
    let dir = support::work_dir("cache").join(format!("{name}.cache"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Compiles `source` to -O0 bitcode and natively; returns (bitcode, native outcome).
fn program(name: &str, source: &str) -> Result<(String, Outcome), Failed> {
    // Each program is `prog.c` in a directory of its own, compiled from there: two versions of
    // one program then differ only where their sources do (clang records the file name).
    let dir = support::work_dir("cache").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("prog.c");
    std::fs::write(&src, source).unwrap();
    let bc = dir.join("prog.bc");
    let exe = dir.join("prog.native");
    support::build(Command::new(support::clang(false)).current_dir(&dir).args([
        "-O0",
        "-emit-llvm",
        "-c",
        "prog.c",
        "-o",
        "prog.bc",
    ]))?;
    support::build(
        Command::new(support::clang(false))
            .args(["-O2"])
            .arg(&src)
            .arg("-o")
            .arg(&exe),
    )?;
    let native = support::run(Command::new(&exe), b"", Duration::from_secs(60))?;
    Ok((bc.to_string_lossy().into_owned(), native))
}

/// Runs irjit with the cache in `cache` (the test binary turns the cache off for every other
/// trial with IRJIT_CACHE=off; here it is on).
fn irjit(cache: &Path, args: &[&str]) -> Result<Outcome, Failed> {
    let mut cmd = Command::new(support::irjit());
    // These tests count compiles and entries exactly. Compiling ahead makes which functions run
    // in the interpreter (bytecode entries) and which are compiled (object entries) depend on
    // the background thread's timing; its cache behaviour has a test of its own.
    cmd.env_remove("IRJIT_CACHE")
        .env_remove("IRJIT_STRESS_TIERUP")
        .arg("run")
        .arg("--stats")
        .arg("--compile-ahead=off")
        .arg("--cache-dir")
        .arg(cache)
        .args(args);
    Ok(support::run(cmd, b"", Duration::from_secs(120))?)
}

/// `irjit aot` into `cache`, on 2 threads, with `extra` options.
fn aot(cache: &Path, bc: &str, extra: &[&str]) -> Result<Outcome, Failed> {
    let mut cmd = Command::new(support::irjit());
    cmd.env_remove("IRJIT_CACHE")
        .args(["aot", "-j", "2", "--cache-dir"])
        .arg(cache)
        .args(extra)
        .arg(bc);
    Ok(support::run(cmd, b"", Duration::from_secs(300))?)
}

/// The --stats lines removed: what remains must be the program's own stderr.
fn program_stderr(out: &Outcome) -> Vec<u8> {
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .filter(|l| !l.starts_with("irjit: stats:"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

fn same_as_native(what: &str, native: &Outcome, out: &Outcome) -> Result<(), Failed> {
    let got = Outcome {
        stderr: program_stderr(out),
        ..out.clone()
    };
    Ok(support::compare(what, native, &got)?)
}

struct CacheStats {
    record_hits: u64,
    key_hits: u64,
    compiled: u64,
    rejected: u64,
    llvm: bool,
}

fn cache_stats(out: &Outcome) -> Result<CacheStats, Failed> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("irjit: stats: cache: "))
        .ok_or_else(|| format!("no cache line in --stats:\n{stderr}"))?;
    Ok(CacheStats {
        record_hits: support::stat(line, "cache: record hits ")?,
        key_hits: support::stat(line, ", key hits ")?,
        compiled: support::stat(line, ", compiled ")?,
        rejected: support::stat(line, ", rejected ")?,
        llvm: if stderr.contains("LLVM loaded: yes") {
            true
        } else if stderr.contains("LLVM loaded: no") {
            false
        } else {
            return Err(format!("no 'LLVM loaded' in --stats:\n{stderr}").into());
        },
    })
}

/// Functions f0..f{n-1}, each called once from main; `variant` changes f{changed}'s constant.
fn many_functions(n: usize, changed: usize, variant: i32) -> String {
    let mut s = String::from("#include <stdio.h>\n");
    for i in 0..n {
        let k = if i == changed {
            1000 + variant
        } else {
            i as i32
        };
        s.push_str(&format!("int f{i}(int x) {{ return x * 3 + {k}; }}\n"));
    }
    s.push_str("int main(void) {\n  int sum = 0;\n");
    for i in 0..n {
        s.push_str(&format!("  sum += f{i}({i});\n"));
    }
    s.push_str("  printf(\"sum %d\\n\", sum);\n  return sum % 7;\n}\n");
    s
}

/// A second run of an unchanged program finds every unit through the program's record and
/// never loads LLVM; the first run compiled them all.
fn second_run_hits_every_unit() -> Result<(), Failed> {
    let (bc, native) = program("hits", &many_functions(12, 99, 0))?;
    let cache = fresh_cache("hits");
    let first = irjit(&cache, &[&bc])?;
    same_as_native("first run", &native, &first)?;
    let s1 = cache_stats(&first)?;
    // 12 functions + main + the globals unit.
    if s1.compiled != 14 || s1.record_hits + s1.key_hits != 0 || !s1.llvm {
        return Err(format!(
            "first run should compile all 14 units with LLVM:\n{}",
            String::from_utf8_lossy(&first.stderr)
        )
        .into());
    }
    let second = irjit(&cache, &[&bc])?;
    same_as_native("second run", &native, &second)?;
    let s2 = cache_stats(&second)?;
    if s2.record_hits != 14 || s2.compiled != 0 || s2.key_hits != 0 || s2.llvm {
        return Err(format!(
            "second run should take all 14 units from the record without LLVM:\n{}",
            String::from_utf8_lossy(&second.stderr)
        )
        .into());
    }
    Ok(())
}

/// Editing one function: only its unit is compiled again; the others are found by the key of
/// their IR (the program's record no longer matches, so LLVM builds each unit's IR).
fn changed_function_misses_only_its_unit() -> Result<(), Failed> {
    let cache = fresh_cache("changed");
    let (bc_a, native_a) = program("changed_a", &many_functions(12, 5, 0))?;
    let (bc_b, native_b) = program("changed_b", &many_functions(12, 5, 1))?;
    let first = irjit(&cache, &[&bc_a])?;
    same_as_native("original", &native_a, &first)?;
    let edited = irjit(&cache, &[&bc_b])?;
    same_as_native("edited", &native_b, &edited)?;
    let s = cache_stats(&edited)?;
    if s.compiled != 1 || s.key_hits != 13 || s.record_hits != 0 {
        return Err(format!(
            "the edited program should compile only f5 and find the 13 other units by key:\n{}",
            String::from_utf8_lossy(&edited.stderr)
        )
        .into());
    }
    Ok(())
}

/// Every object entry in the cache.
fn object_entries(cache: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for fan in std::fs::read_dir(cache.join("objects"))
        .into_iter()
        .flatten()
        .flatten()
    {
        for file in std::fs::read_dir(fan.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(file.path());
        }
    }
    out.sort();
    out
}

/// A corrupted, a truncated and a world-writable entry are each reported, removed and
/// recompiled; the program's output is unaffected and the next run is clean again.
fn bad_entries_are_recompiled() -> Result<(), Failed> {
    use std::os::unix::fs::PermissionsExt;
    let (bc, native) = program("bad_entries", &many_functions(6, 99, 0))?;
    let cache = fresh_cache("bad_entries");
    same_as_native("fill", &native, &irjit(&cache, &[&bc])?)?;
    let entries = object_entries(&cache);
    if entries.len() < 3 {
        return Err(format!("expected at least 3 objects, found {entries:?}").into());
    }
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&entries[0], &bytes).unwrap();
    let len = std::fs::metadata(&entries[1]).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&entries[1])
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    std::fs::set_permissions(&entries[2], std::fs::Permissions::from_mode(0o666)).unwrap();

    let out = irjit(&cache, &[&bc])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status != native.status || out.stdout != native.stdout {
        return Err(format!("output changed with bad entries: {out:?}").into());
    }
    let s = cache_stats(&out)?;
    let warnings = stderr
        .matches("removing it (it will be recompiled)")
        .count();
    if s.rejected != 3 || s.compiled != 3 || warnings != 3 {
        return Err(format!(
            "want 3 entries rejected (with a warning each) and recompiled:\n{stderr}"
        )
        .into());
    }
    for needle in ["corrupt", "refusing it", "truncated"] {
        if !stderr.contains(needle) {
            return Err(format!("no warning saying '{needle}':\n{stderr}").into());
        }
    }
    let again = irjit(&cache, &[&bc])?;
    same_as_native("after repair", &native, &again)?;
    let s = cache_stats(&again)?;
    if s.rejected != 0 || s.compiled != 0 || s.llvm {
        return Err(format!(
            "the repaired cache should serve everything:\n{}",
            String::from_utf8_lossy(&again.stderr)
        )
        .into());
    }
    Ok(())
}

/// Two processes filling one cache at once both succeed, leave no partial entry, and the cache
/// they made serves a third run completely.
fn concurrent_fills() -> Result<(), Failed> {
    let (bc, native) = program("concurrent", &many_functions(40, 99, 0))?;
    let cache = fresh_cache("concurrent");
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (bc, cache) = (bc.clone(), cache.clone());
            std::thread::spawn(move || irjit(&cache, &[&bc]).map_err(|e| format!("{e:?}")))
        })
        .collect();
    for run in runs {
        let out = run.join().expect("no panic")?;
        same_as_native("concurrent run", &native, &out)?;
    }
    for entry in walk(&cache) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(".tmp.") {
            return Err(format!("partial entry left behind: {}", entry.display()).into());
        }
    }
    let third = irjit(&cache, &[&bc])?;
    same_as_native("third run", &native, &third)?;
    let s = cache_stats(&third)?;
    if s.compiled != 0 || s.rejected != 0 || s.llvm {
        return Err(format!(
            "the cache two processes filled should serve a third run:\n{}",
            String::from_utf8_lossy(&third.stderr)
        )
        .into());
    }
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The program itself looks at /proc/self/maps: LLVM is mapped in the first run (it compiles)
/// and not in the second. Nor is libgcc_s, which LLVM brings along and a C program does not
/// need (irjit links libgcc's unwinder statically).
fn warm_run_never_maps_llvm() -> Result<(), Failed> {
    let source = r#"#include <stdio.h>
#include <string.h>
int main(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[4096];
  int llvm = 0, libgcc_s = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    if (strstr(line, "libLLVM") || strstr(line, "libirjit_compiler"))
      llvm = 1;
    if (strstr(line, "/libgcc_s.so"))
      libgcc_s = 1;
  }
  printf("llvm mapped: %s\n", llvm ? "yes" : "no");
  printf("libgcc_s mapped: %s\n", libgcc_s ? "yes" : "no");
  return 0;
}
"#;
    let (bc, _) = program("maps", source)?;
    let cache = fresh_cache("maps");
    let first = irjit(&cache, &[&bc])?;
    if !first.stdout.starts_with(b"llvm mapped: yes\n") {
        return Err(format!("first run: {first:?}").into());
    }
    let second = irjit(&cache, &[&bc])?;
    if second.stdout != b"llvm mapped: no\nlibgcc_s mapped: no\n"
        || second.status != Status::Exited(0)
    {
        return Err(format!(
            "warm run: {}\n{}",
            String::from_utf8_lossy(&second.stdout),
            String::from_utf8_lossy(&second.stderr)
        )
        .into());
    }
    Ok(())
}

/// A run that starts from the cache opens the compiler library (and with it libgcc_s) on a
/// compile thread, when the first unit misses, while the program's thread goes on linking code
/// and registering its unwind tables with libgcc_s. The loader lists libgcc_s before it has
/// relocated it; registering with it then jumped through its unrelocated PLT (a crash at a small
/// address, in about one run of ten). Stress mode recompiles every function, so the compiler is
/// opened while the program is calling 40 functions for the first time.
fn compiler_opened_while_code_links() -> Result<(), Failed> {
    let source = support::forty_functions(
        "#include <stdio.h>\nstatic int rounds;\n",
        "rounds++ < 20000",
        "printf(\"%u\\n\", h);",
    );
    let (bc, native) = program("opened_while_linking", &source)?;
    let cache = fresh_cache("opened_while_linking");
    let first = irjit(&cache, &[&bc])?;
    if first.stdout != native.stdout || first.status != Status::Exited(0) {
        return Err(format!("first run: {first:?}").into());
    }
    let mut loaded_llvm = 0;
    for run in 0..30 {
        let mut cmd = Command::new(support::irjit());
        cmd.env_remove("IRJIT_CACHE")
            .env("IRJIT_STRESS_TIERUP", "1")
            .args(["run", "--stats", "--cache-dir"])
            .arg(&cache)
            .arg(&bc);
        let out = support::run(cmd, b"", Duration::from_secs(120))?;
        if out.stdout != native.stdout || out.status != Status::Exited(0) {
            return Err(format!("stress run {run} from the cache: {out:?}").into());
        }
        loaded_llvm += usize::from(
            String::from_utf8_lossy(&out.stderr).contains("irjit: stats: LLVM loaded: yes"),
        );
    }
    // The case under test: the compiler is opened during the run, not before it.
    if loaded_llvm == 0 {
        return Err("no stress run opened the compiler library".into());
    }
    Ok(())
}

/// A program whose code all comes from the cache at tier 2 has no counters to watch: irjit starts
/// no thread of its own, and the process stays single-threaded as a native one (the C library's
/// `malloc` takes no locks then). A cold adaptive run has its counter poller.
fn warm_run_stays_single_threaded() -> Result<(), Failed> {
    let source = r#"#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
static int threads(void) {
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.')
      n++;
  if (d)
    closedir(d);
  return n;
}
int main(void) {
  void *p = malloc(100);
  int n = threads();
  free(p);
  printf("%s\n", n == 1 ? "one thread" : "more threads");
  return 0;
}
"#;
    let (bc, _) = program("threads", source)?;
    let cache = fresh_cache("threads");
    let cold = irjit(&cache, &[&bc])?;
    if cold.stdout != b"more threads\n" {
        return Err(format!("cold run: {cold:?}").into());
    }
    let aot = aot(&cache, &bc, &[])?;
    if aot.status != Status::Exited(0) {
        return Err(format!("aot: {aot:?}").into());
    }
    let warm = irjit(&cache, &[&bc])?;
    if warm.stdout != b"one thread\n" || warm.status != Status::Exited(0) {
        return Err(format!(
            "warm run: {}\n{}",
            String::from_utf8_lossy(&warm.stdout),
            String::from_utf8_lossy(&warm.stderr)
        )
        .into());
    }
    Ok(())
}

/// A function that got hot in one run starts at tier 2 in the next, from the cache, without
/// going through tier 0 or loading LLVM.
fn profile_starts_hot_code_at_tier2() -> Result<(), Failed> {
    let source = r#"#include <stdio.h>
static unsigned step(unsigned x) { return x * 1103515245u + 12345u; }
unsigned hot(unsigned x, int n) { for (int i = 0; i < n; i++) x = step(x) ^ (x >> 7); return x; }
int main(void) {
  unsigned x = 1;
  for (int round = 0; round < 30000; round++) x = hot(x, 2000);
  printf("%u\n", x);
  return 0;
}
"#;
    let (bc, native) = program("profile", source)?;
    let cache = fresh_cache("profile");
    let first = irjit(&cache, &["--tier-threshold", "100", &bc])?;
    same_as_native("first run", &native, &first)?;
    let stderr = String::from_utf8_lossy(&first.stderr);
    if support::stat(&stderr, "(O2); ")? == 0 {
        return Err(format!("nothing tiered up in the first run:\n{stderr}").into());
    }
    let second = irjit(&cache, &["--tier-threshold", "100", &bc])?;
    same_as_native("second run", &native, &second)?;
    let stderr = String::from_utf8_lossy(&second.stderr);
    let first_at_tier2 = support::stat(&stderr, "first at tier 0, ")?;
    let s = cache_stats(&second)?;
    if first_at_tier2 == 0 || s.llvm || s.compiled != 0 {
        return Err(
            format!("the hot functions should start at tier 2 from the cache:\n{stderr}").into(),
        );
    }
    Ok(())
}

/// A loop in `main` makes `main` hot though it is entered once: the first run moves it through
/// OSR only (no tier-2 version of an entry no call will make), and the next run starts it at
/// tier 2, from the cache.
fn loop_in_main_starts_at_tier2() -> Result<(), Failed> {
    let source = r#"#include <stdio.h>
int main(void) {
  unsigned x = 1;
  for (int i = 0; i < 50000000; i++) x = x * 1103515245u + 12345u;
  printf("%u\n", x);
  return 0;
}
"#;
    let (bc, native) = program("loop_main", source)?;
    let cache = fresh_cache("loop_main");
    let first = irjit(&cache, &["--tier-threshold", "100", &bc])?;
    same_as_native("first run", &native, &first)?;
    let stderr = String::from_utf8_lossy(&first.stderr);
    if support::stat(&stderr, " loop sites, ")? == 0 {
        return Err(
            format!("the first run should enter main's loop through OSR:\n{stderr}").into(),
        );
    }
    let second = irjit(&cache, &["--tier-threshold", "100", &bc])?;
    same_as_native("second run", &native, &second)?;
    let stderr = String::from_utf8_lossy(&second.stderr);
    let s = cache_stats(&second)?;
    if support::stat(&stderr, "first at tier 0, ")? != 1 || s.llvm {
        return Err(format!("main should start at tier 2 from the cache:\n{stderr}").into());
    }
    Ok(())
}

/// A large function (a switch of 240 cases: over 8 KiB of tier-0 code) whose first call runs a
/// long loop: the compile of its OSR continuation also gives its tier-2 entry, which its later
/// calls enter, and which the next run starts with, from the cache, without loading LLVM.
fn large_function_tier2_from_its_continuation() -> Result<(), Failed> {
    let mut source = String::from(
        "#include <stdio.h>\nunsigned big(unsigned x, int n) {\n  for (int i = 0; i < n; i++) {\n    switch ((x >> 5) % 240) {\n",
    );
    for k in 0..240 {
        source += &format!(
            "    case {k}: x = x * {}u + {}u; x ^= x >> {}; x += (unsigned)i; break;\n",
            2 * k + 3,
            7 * k + 1,
            k % 13 + 1
        );
    }
    source += "    }\n  }\n  return x;\n}\nint main(void) {\n  unsigned x = big(1, 40000000);\n  for (int r = 0; r < 40; r++) x = big(x, 1000);\n  printf(\"%u\\n\", x);\n  return 0;\n}\n";
    let (bc, native) = program("big_function", &source)?;
    let cache = fresh_cache("big_function");
    let first = irjit(&cache, &["--tier-threshold", "100", &bc])?;
    same_as_native("first run", &native, &first)?;
    let stderr = String::from_utf8_lossy(&first.stderr);
    if support::stat(&stderr, " continuations (")? != 1 {
        return Err(format!(
            "the continuation of big's loop should give big's tier-2 entry too:\n{stderr}"
        )
        .into());
    }
    let second = irjit(&cache, &["--tier-threshold", "100", &bc])?;
    same_as_native("second run", &native, &second)?;
    let stderr = String::from_utf8_lossy(&second.stderr);
    let s = cache_stats(&second)?;
    if support::stat(&stderr, "first at tier 0, ")? != 1 || s.llvm || s.compiled != 0 {
        return Err(format!("big should start at tier 2 from the cache:\n{stderr}").into());
    }
    Ok(())
}

/// `irjit cache stats|gc|clear`.
fn commands() -> Result<(), Failed> {
    let (bc, _) = program("commands", &many_functions(8, 99, 0))?;
    let cache = fresh_cache("commands");
    irjit(&cache, &[&bc])?;
    irjit(&cache, &[&bc])?;
    let cache_cmd = |args: &[&str]| -> Result<String, Failed> {
        let mut cmd = Command::new(support::irjit());
        cmd.env_remove("IRJIT_CACHE")
            .arg("cache")
            .args(args)
            .arg("--cache-dir")
            .arg(&cache);
        let out = support::run(cmd, b"", Duration::from_secs(60))?;
        if out.status != Status::Exited(0) {
            return Err(format!("irjit cache {args:?}: {out:?}").into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let stats = cache_cmd(&["stats"])?;
    // Two runs of 10 units: 10 compiled, then 10 hits.
    for want in [
        "entries: 10 compiled objects",
        "runs: 2",
        "hit rate: 50.0% (10 of 20 units",
    ] {
        if !stats.contains(want) {
            return Err(format!("'{want}' missing from:\n{stats}").into());
        }
    }
    let gc = cache_cmd(&["gc", "--cache-max-size", "1k"])?;
    if !gc.starts_with("removed ") || gc.starts_with("removed 0 ") {
        return Err(format!("gc under a 1 KiB limit removed nothing:\n{gc}").into());
    }
    let clear = cache_cmd(&["clear"])?;
    let stats = cache_cmd(&["stats"])?;
    if !clear.starts_with("removed ") || !stats.contains("entries: 0 compiled objects") {
        return Err(format!("clear left entries:\n{clear}\n{stats}").into());
    }
    Ok(())
}

/// Compiling ahead with a cache: `main`'s tier-0 code refers to `later` and `never_called`, and
/// while `main` waits the background thread compiles both ahead. Only what a first call used is
/// stored, so the cache holds what it holds without compiling ahead, not `never_called`. (The
/// program waits with `support::WAIT_FOR_COMPILE_THREAD_IDLE`.)
fn compile_ahead_keeps_only_used_objects() -> Result<(), Failed> {
    let (bc, native) = program(
        "ahead",
        &format!(
            r#"{}
long later(long n) {{
  long s = 0;
  for (long i = 0; i < n; i++) s += i ^ (i >> 3);
  return s;
}}
long never_called(long n) {{
  long s = 1;
  for (long i = 0; i < n; i++) s *= i + 3;
  return s;
}}
int main(int argc, char **argv) {{
  wait_for_compile_thread_idle();
  printf("%ld\n", argc > 5 ? never_called(argc) : later(1000 + argc));
  return 0;
}}
"#,
            support::WAIT_FOR_COMPILE_THREAD_IDLE
        ),
    )?;
    // Run with compiling ahead on and off, each into a cache of its own; report the objects
    // stored ("entries: N compiled objects"; the program records differ, and need not). Without
    // the interpreter: a function whose first call finds its object compiled ahead runs it
    // instead of its bytecode, which is then a second entry for it, and whether the object is
    // ready by then is a matter of timing (a loaded machine made it 7 entries against 6).
    let run = |ahead: &str| -> Result<(String, String), Failed> {
        let cache = fresh_cache(&format!("ahead_{ahead}"));
        let mut cmd = Command::new(support::irjit());
        cmd.env_remove("IRJIT_CACHE")
            .env_remove("IRJIT_STRESS_TIERUP")
            .args([
                "run",
                "--stats",
                "--interp-calls=0",
                &format!("--compile-ahead={ahead}"),
                "--cache-dir",
            ])
            .arg(&cache)
            .arg(&bc);
        let out = support::run(cmd, b"", Duration::from_secs(120))?;
        same_as_native(&format!("--compile-ahead={ahead}"), &native, &out)?;
        let mut cmd = Command::new(support::irjit());
        cmd.env_remove("IRJIT_CACHE")
            .args(["cache", "stats", "--cache-dir"])
            .arg(&cache);
        let stats = support::run(cmd, b"", Duration::from_secs(60))?;
        let entries = String::from_utf8_lossy(&stats.stdout)
            .lines()
            .find(|l| l.starts_with("entries: "))
            .and_then(|l| l.split(" (").next())
            .unwrap_or_default()
            .to_string();
        Ok((String::from_utf8_lossy(&out.stderr).into_owned(), entries))
    };
    let (stderr, on) = run("on")?;
    let ahead = support::stat(&stderr, "compiled ahead: ")?;
    let used = support::stat(&stderr, " ms in the background), ")?;
    // `never_called` must have been compiled ahead (and not used) for the comparison to mean
    // anything; whether `later`'s first call came before its compile ahead does not matter here
    // (`tools::compile_ahead_serves_first_calls` checks that it is used).
    if ahead <= used {
        return Err(format!("want `never_called` compiled ahead and unused:\n{stderr}").into());
    }
    // The same objects as without compiling ahead: `never_called`'s is not among them.
    let (_, off) = run("off")?;
    if on.is_empty() || on != off {
        return Err(format!("entries with compiling ahead: {on}; without: {off}\n{stderr}").into());
    }
    Ok(())
}

/// `--no-cache` neither reads nor writes.
fn no_cache_writes_nothing() -> Result<(), Failed> {
    let (bc, native) = program("no_cache", &many_functions(4, 99, 0))?;
    let cache = fresh_cache("no_cache");
    let out = irjit(&cache, &["--no-cache", &bc])?;
    if out.stdout != native.stdout || out.status != native.status {
        return Err(format!("{out:?}").into());
    }
    if cache.exists() && !walk(&cache).is_empty() {
        return Err(format!("--no-cache wrote {:?}", walk(&cache)).into());
    }
    Ok(())
}

/// `irjit aot` compiles every function at tier 2 (on 2 threads); the next run starts each at
/// tier 2 from the cache and never loads LLVM. `--profile` needs a profile.
fn aot_then_run_starts_optimized() -> Result<(), Failed> {
    let (bc, native) = program("aot", &many_functions(30, 99, 0))?;
    let cache = fresh_cache("aot");
    let refused = aot(&cache, &bc, &["--profile"])?;
    if refused.status != Status::Exited(125)
        || !String::from_utf8_lossy(&refused.stderr).contains("no profile")
    {
        return Err(format!("aot --profile without a profile: {refused:?}").into());
    }
    let out = aot(&cache, &bc, &[])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status != Status::Exited(0) || !stderr.contains("31 units at tier 2 (O2)") {
        return Err(format!("aot failed: {out:?}\n{stderr}").into());
    }
    let run = irjit(&cache, &[&bc])?;
    same_as_native("run after aot", &native, &run)?;
    let stderr = String::from_utf8_lossy(&run.stderr);
    let s = cache_stats(&run)?;
    // (Fewer than 31 are called: main inlined most of them.)
    if support::stat(&stderr, "tiers: ")? != 0
        || support::stat(&stderr, "first at tier 0, ")? == 0
        || s.compiled != 0
        || s.llvm
    {
        return Err(
            format!("every function should start at tier 2 from the cache:\n{stderr}").into(),
        );
    }
    // With the profile the aot run left, --profile has its hot set: everything, all cached.
    let again = aot(&cache, &bc, &["--profile"])?;
    let stderr = String::from_utf8_lossy(&again.stderr);
    if again.status != Status::Exited(0) || !stderr.contains(": 0 compiled, 32 already cached") {
        return Err(format!("aot --profile: {again:?}\n{stderr}").into());
    }
    Ok(())
}
