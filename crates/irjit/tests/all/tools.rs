//! What irjit shows about the code it runs: `--stats`, `--perf-map`, crash reports.

use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use crate::support::{self, Outcome, Status};

fn compile(name: &str, source: &str) -> Result<String, Failed> {
    Ok(support::compile_c(
        &support::work_dir("tools"),
        name,
        source,
    )?)
}

fn irjit(args: &[&str]) -> Result<Outcome, Failed> {
    let mut cmd = Command::new(support::irjit());
    cmd.args(args);
    Ok(support::run(cmd, b"", Duration::from_secs(120))?)
}

/// 60 functions defined, 3 called: lazy mode compiles 3, eager mode all 60.
fn lazy_compiles_only_what_runs() -> Result<(), Failed> {
    let mut source = String::from("#include <stdio.h>\n");
    for i in 0..57 {
        source.push_str(&format!("int unused{i}(int x) {{ return x * {i} + 1; }}\n"));
    }
    source.push_str(
        "static int twice(int x) { return 2 * x; }\nint called(int x) { return twice(x) + 1; }\n\
         int main(void) { printf(\"%d\\n\", called(20)); return 0; }\n",
    );
    let bc = compile("only_what_runs", &source)?;
    let lazy = irjit(&["run", "--stats", "--interp-calls=0", &bc])?;
    // The three functions called are loop-free and called once: the interpreter runs them
    // (unless code compiled ahead is ready first).
    let interpreted = irjit(&["run", "--stats", "--compile-ahead=off", &bc])?;
    let eager = irjit(&["run", "--stats", "--lazy=off", &bc])?;
    for (out, want) in [
        (
            &lazy,
            "mode lazy adaptive, functions defined 60, compiled 3",
        ),
        (
            &interpreted,
            "mode lazy adaptive, functions defined 60, compiled 0",
        ),
        (
            &interpreted,
            "3 functions translated, 3 ran in it (3 of them never compiled), 3 calls",
        ),
        (
            &eager,
            "mode eager adaptive, functions defined 60, compiled 60",
        ),
    ] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.stdout != b"41\n" || !stderr.contains(want) {
            return Err(format!("want {want:?}: {out:?}\n{stderr}").into());
        }
    }
    Ok(())
}

/// `--perf-map` writes `/tmp/perf-PID.map` lines `START SIZE NAME [tier T]` for the functions
/// compiled: at tier 0 first, at tier 2 with `--tier=2`.
fn perf_map() -> Result<(), Failed> {
    let bc = compile(
        "perf_map",
        "#include <stdio.h>\n#include <unistd.h>\nstatic int work(int x) { return x + 1; }\n\
         int main(void) { printf(\"%d %d\\n\", (int)getpid(), work(1)); return 0; }\n",
    )?;
    // (In the interpreter, work would have no code to name.)
    perf_map_names(&bc, &["--interp-calls=0"], "[tier 0]", true)?;
    // (At tier 2, main inlines work.)
    perf_map_names(&bc, &["--tier=2"], "[tier 2]", false)
}

/// A perf map line: start, end, name.
type PerfRange = (u64, u64, String);

/// The perf map of a run whose program printed its pid first (then removed): its text, and its
/// lines.
fn perf_map_of(out: &Outcome) -> Result<(String, Vec<PerfRange>), Failed> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pid = stdout.split_whitespace().next().ok_or("no pid printed")?;
    let path = format!("/tmp/perf-{pid}.map");
    let map = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let _ = std::fs::remove_file(&path);
    let mut ranges = Vec::new();
    for line in map.lines() {
        let fields: Vec<&str> = line.splitn(3, ' ').collect();
        let [start, size, name] = fields[..] else {
            return Err(format!("malformed line {line:?}").into());
        };
        let start = u64::from_str_radix(start, 16).map_err(|_| format!("bad start in {line:?}"))?;
        let size = u64::from_str_radix(size, 16).map_err(|_| format!("bad size in {line:?}"))?;
        ranges.push((start, start + size, name.to_string()));
    }
    Ok((map, ranges))
}

fn perf_map_names(bc: &str, extra: &[&str], tier: &str, work: bool) -> Result<(), Failed> {
    let mut args = vec!["run", "--perf-map"];
    args.extend_from_slice(extra);
    args.push(bc);
    let out = irjit(&args)?;
    let (map, ranges) = perf_map_of(&out)?;
    if let Some(r) = ranges.iter().find(|r| r.1 == r.0) {
        return Err(format!("zero size for {}:\n{map}", r.2).into());
    }
    let names: Vec<String> = ranges.into_iter().map(|r| r.2).collect();
    let main = format!("main {tier}");
    if !names.contains(&main)
        || (work
            && !names
                .iter()
                .any(|n| n.starts_with("work") && n.ends_with(tier)))
    {
        return Err(format!("functions missing from the perf map:\n{map}").into());
    }
    Ok(())
}

/// A perf map cannot end a range: code freed and its memory reused for another function would
/// have the new code's samples charged to the old name. With `--perf-map` nothing is freed, so the
/// ranges of one run never overlap, even in stress mode, where every function is compiled
/// again and again (and superseded code would be freed within the run).
fn perf_map_ranges_never_overlap() -> Result<(), Failed> {
    // The loop runs for half a second of the program's CPU time, not a number of rounds: the
    // functions then have time to move to tier 2 however loaded the machine is.
    let source = support::forty_functions(
        "#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n",
        "clock() < CLOCKS_PER_SEC / 2",
        "printf(\"%d %u\\n\", (int)getpid(), h);",
    );
    let bc = compile("perf_map_overlap", &source)?;
    let mut cmd = Command::new(support::irjit());
    cmd.env("IRJIT_STRESS_TIERUP", "1")
        .args(["run", "--perf-map", "--stats", &bc]);
    let out = support::run(cmd, b"", Duration::from_secs(120))?;
    if out.status != Status::Exited(0) {
        return Err(format!("{out:?}").into());
    }
    let (map, mut ranges) = perf_map_of(&out)?;
    let tier2 = ranges.iter().filter(|r| r.2.ends_with("[tier 2]")).count();
    if tier2 < 5 {
        return Err(format!("only {tier2} tier-2 versions in the map:\n{map}").into());
    }
    ranges.sort();
    if let Some(w) = ranges.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(format!("{} and {} overlap:\n{map}", w[0].2, w[1].2).into());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.contains(", freed 0,") {
        return Err(format!("code was freed:\n{stderr}").into());
    }
    Ok(())
}

/// Why `perf` cannot sample here, if it cannot (not installed, or not allowed).
fn perf_unusable() -> Option<String> {
    let probe = support::work_dir("tools").join("probe.perf");
    match Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-o"])
        .arg(&probe)
        .args(["--", "true"])
        .output()
    {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`perf record` fails here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("no `perf` command: {e}")),
    }
}

/// `perf report` names JIT'd functions from the perf map: perf reads the map only for code in
/// anonymous memory, so the code heap must not look like a file (a memfd does) to it.
fn perf_report_names_jit_functions() -> Result<(), Failed> {
    let bc = compile(
        "perf_spin",
        "#include <stdio.h>\n#include <time.h>\n\
         __attribute__((noinline)) unsigned long spin_here(void) {\n\
           unsigned long x = 1; clock_t end = clock() + CLOCKS_PER_SEC / 3;\n\
           while (clock() < end)\n\
             for (int i = 0; i < 100000; i++) x = x * 6364136223846793005ul + 1;\n\
           return x; }\n\
         int main(void) { printf(\"%d\\n\", (int)(spin_here() | 1) & 1); return 0; }\n",
    )?;
    let data = support::work_dir("tools").join("spin.perf");
    let record = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "2000", "-o"])
        .arg(&data)
        .arg("--")
        .arg(support::irjit())
        .args(["run", "--tier=0", "--perf-map", &bc])
        .output()?;
    if !record.status.success() || record.stdout != b"1\n" {
        return Err(format!("perf record: {record:?}").into());
    }
    let report = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "--sort", "sym", "-i"])
        .arg(&data)
        .output()?;
    let text = String::from_utf8_lossy(&report.stdout);
    let top = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap_or("");
    if !top.contains("spin_here") {
        return Err(format!("spin_here is not the top symbol:\n{text}").into());
    }
    Ok(())
}

const CRASHER: &str = "#include <stdio.h>\nvoid crash_here(int *p) { *p = 42; }\n\
    int main(void) { puts(\"before\"); fflush(stdout); crash_here(0); return 0; }\n";

/// `--crash-report=always`: the function is named, in machine code or in the interpreter (its
/// first call runs there by default), and the process still dies of SIGSEGV.
fn crash_report_names_the_function() -> Result<(), Failed> {
    let bc = compile("crasher", CRASHER)?;
    for (interp_calls, report) in [
        ("--interp-calls=0", "in JIT'd function 'crash_here'"),
        (
            "--interp-calls=8",
            "in function 'crash_here' (running in the interpreter)",
        ),
    ] {
        // Without compiling ahead, whose code, when ready first, takes the interpreter's calls.
        let out = irjit(&[
            "run",
            "--crash-report=always",
            "--compile-ahead=off",
            interp_calls,
            &bc,
        ])?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status != Status::Signaled(libc_sigsegv())
            || out.stdout != b"before\n"
            || !stderr.contains(&format!("irjit: the program died of SIGSEGV {report}"))
        {
            return Err(format!("{interp_calls}: unexpected: {:?}\n{stderr}", out.status).into());
        }
    }
    Ok(())
}

/// Without a terminal (auto) or with `never`, stderr is exactly the program's.
fn crash_report_off_leaves_stderr_alone() -> Result<(), Failed> {
    let bc = compile("crasher", CRASHER)?;
    for mode in ["--crash-report=never", "--crash-report=auto"] {
        let out = irjit(&["run", mode, &bc])?;
        if out.status != Status::Signaled(libc_sigsegv()) || !out.stderr.is_empty() {
            return Err(format!("{mode}: {out:?}").into());
        }
    }
    Ok(())
}

/// `--dlopen` makes a library's symbols visible; without it the symbol is missing.
fn dlopen_library() -> Result<(), Failed> {
    let bc = compile(
        "dlopen_zlib",
        "#include <stdio.h>\nconst char *zlibVersion(void);\n\
         int main(void) { printf(\"zlib %c\\n\", zlibVersion()[0]); return 0; }\n",
    )?;
    let out = irjit(&["run", "--dlopen", "libz.so.1", &bc])?;
    if out.status != Status::Exited(0) || out.stdout != b"zlib 1\n" {
        return Err(format!("with --dlopen: {out:?}").into());
    }
    let out = irjit(&["run", "--lazy=off", &bc])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status != Status::Exited(125) || !stderr.contains("undefined symbol 'zlibVersion'") {
        return Err(format!("without --dlopen: {out:?}").into());
    }
    Ok(())
}

/// `-v` logs what irjit does on stderr; the program's own output is untouched.
fn verbose_logs() -> Result<(), Failed> {
    let bc = compile(
        "verbose",
        "#include <stdio.h>\nint main(void) { puts(\"out\"); return 0; }\n",
    )?;
    let out = irjit(&["run", "-vv", &bc])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.stdout != b"out\n" || !stderr.contains("program split") || !stderr.contains("linked") {
        return Err(format!("{out:?}\n{stderr}").into());
    }
    Ok(())
}

/// irjit's threads and the cores they may use: the tier-up poller stays on one core of the
/// program's, and the tier-2 compile threads it starts may use every core the program may.
fn threads_and_cores() -> Result<(), Failed> {
    let bc = compile(
        "threads_and_cores",
        r#"#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile int sink;
static int work(int x) { return x * 3 + 1; }
static int cpus(int tid, char *out, size_t n) {
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
  FILE *f = fopen(path, "r");
  int found = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "Cpus_allowed_list:", 18)) {
      char *p = line + 18;
      p += strspn(p, " \t");
      p[strcspn(p, "\n")] = 0;
      snprintf(out, n, "%s", p);
      found = 1;
    }
  fclose(f);
  return found;
}
static int find(const char *prefix, char *out, size_t n) {
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d))) {
    char path[64], comm[64] = {0};
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    if (fgets(comm, sizeof comm, f) && !strncmp(comm, prefix, strlen(prefix)))
      found = cpus(atoi(e->d_name), out, n);
    fclose(f);
  }
  closedir(d);
  return found;
}
int main(void) {
  char main_cpus[256], poll[256], tier2[256];
  for (long i = 1;; i++) {
    sink += work((int)i);
    /* Compiling ahead may start the tier-2 thread before the poller: wait for both. */
    if (i % 100000 == 0 && find("irjit-tier2", tier2, sizeof tier2) &&
        find("irjit-tier-poll", poll, sizeof poll))
      break;
    if (i > 3000000000L) { puts("no tier-2 thread or no poller"); return 1; }
  }
  if (!cpus(getpid(), main_cpus, sizeof main_cpus)) {
    puts("no affinity");
    return 1;
  }
  printf("main=%s poll=%s tier2=%s\n", main_cpus, poll, tier2);
  return 0;
}
"#,
    )?;
    let out = irjit(&["run", "--no-cache", "--tier-threshold", "100", &bc])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        stdout
            .split_whitespace()
            .find_map(|f| f.strip_prefix(name))
            .map(str::to_string)
    };
    let (Some(main), Some(poll), Some(tier2)) = (field("main="), field("poll="), field("tier2="))
    else {
        return Err(format!("{out:?}").into());
    };
    // A list like "0-1" or "0,2": more than one core.
    let several = main.contains(['-', ',']);
    let poll_ok = if several {
        poll.parse::<u32>().is_ok()
    } else {
        poll == main
    };
    if tier2 != main || !poll_ok {
        return Err(format!(
            "want the tier-2 thread on the program's cores ({main}) and the poller on one: {stdout}"
        )
        .into());
    }
    Ok(())
}

/// `--tier-threshold=never`: tier-0 code with its counters and loop sites, and nothing else; no
/// function moves to tier 2, no continuation is built, and the program stays the only thread
/// (no poller, no compile thread), as under `--tier=0`; adaptive mode at the default threshold
/// starts its poller for the same program. (What the benchmark harness measures counting with.)
fn threshold_never_counts_without_threads() -> Result<(), Failed> {
    let bc = compile(
        "threshold_never",
        r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int work(int x) { return x * 3 + 1; }
static int threads(void) {
  char line[256];
  int n = 0;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "Threads:", 8)) n = atoi(line + 8);
  fclose(f);
  return n;
}
int main(void) {
  long sink = 0;
  for (int i = 0; i < 20000000; i++) sink += work(i);
  printf("%ld threads=%d\n", sink, threads());
  return 0;
}
"#,
    )?;
    let never = irjit(&[
        "run",
        "--no-cache",
        "--stats",
        "--tier-threshold=never",
        &bc,
    ])?;
    let adaptive = irjit(&["run", "--no-cache", "--stats", &bc])?;
    let stats = |out: &Outcome| String::from_utf8_lossy(&out.stderr).into_owned();
    let want_out = "599999990000000 threads=1\n";
    let never_stats = stats(&never);
    if String::from_utf8_lossy(&never.stdout) != want_out
        || !never_stats.contains("0 moved to tier 2 in the background (0 compiles")
        || !never_stats.contains("0 continuations")
        || never_stats.contains("OSR: 0 loop sites")
    {
        return Err(format!("--tier-threshold=never: {never:?}\n{never_stats}").into());
    }
    // Adaptive mode starts its poller with the first function linked at tier 0 (whether a
    // tier-2 compile also finishes before the program does depends on the machine's load).
    let adaptive_stdout = String::from_utf8_lossy(&adaptive.stdout);
    let threads = adaptive_stdout
        .trim_end()
        .strip_prefix("599999990000000 threads=")
        .and_then(|n| n.parse::<u32>().ok());
    match threads {
        Some(n) if n >= 2 => Ok(()),
        _ => Err(format!("adaptive: {adaptive:?}\n{}", stats(&adaptive)).into()),
    }
}

/// Compiling ahead: while `main` waits, the background thread compiles `later` (which `main`'s
/// tier-0 code refers to) at tier 0, and `later`'s first call links that code instead of
/// compiling; `--compile-ahead=off` compiles nothing ahead. (The program waits with
/// `support::WAIT_FOR_COMPILE_THREAD_IDLE`.)
fn compile_ahead_serves_first_calls() -> Result<(), Failed> {
    let bc = compile(
        "compile_ahead",
        &format!(
            r#"{}
long later(long n) {{
  long s = 0;
  for (long i = 0; i < n; i++) s += i ^ (i >> 3);
  return s;
}}
int main(int argc, char **argv) {{
  wait_for_compile_thread_idle();
  printf("%ld\n", later(1000 + argc));
  return 0;
}}
"#,
            support::WAIT_FOR_COMPILE_THREAD_IDLE
        ),
    )?;
    let ahead = irjit(&["run", "--no-cache", "--stats", &bc])?;
    let off = irjit(&["run", "--no-cache", "--stats", "--compile-ahead=off", &bc])?;
    let stats = |out: &Outcome| String::from_utf8_lossy(&out.stderr).into_owned();
    let line = |out: &Outcome| {
        stats(out)
            .lines()
            .find(|l| l.contains("compiled ahead:"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    // "compiled ahead: N functions (T ms in the background), M of them then called"
    let counts = |l: &str| -> Option<(u64, u64)> {
        let rest = l.split("compiled ahead: ").nth(1)?;
        let n = rest.split_whitespace().next()?.parse().ok()?;
        let m = rest
            .split("), ")
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some((n, m))
    };
    for out in [&ahead, &off] {
        if out.status != Status::Exited(0) || String::from_utf8_lossy(&out.stdout) != "502913\n" {
            return Err(format!("wrong result: {out:?}\n{}", stats(out)).into());
        }
    }
    match counts(&line(&ahead)) {
        Some((n, m)) if n >= 1 && m >= 1 => {}
        _ => return Err(format!("nothing compiled ahead and used:\n{}", stats(&ahead)).into()),
    }
    match counts(&line(&off)) {
        Some((0, 0)) => Ok(()),
        _ => Err(format!("--compile-ahead=off compiled ahead:\n{}", stats(&off)).into()),
    }
}

/// A quiet period (see the runtime's `quiet` module):
/// - `wait_until_single` spins through tier-2 code (its loop's OSR continuation, `work` inlined),
///   so no counter moves: the runtime's threads must leave, and glibc's `__libc_single_threaded`
///   must read 1 again, with one thread left in the process (read in the same tier-2 code: a
///   tier-0 function called then would wake the runtime). No call goes through a stub there, so
///   the handshake must come by signal.
/// - `loop`: `main`'s second loop, in its tier-0 frame, had no continuation: its iterations
///   must wake the runtime (the loop's tripwire), and it must still reach its continuation.
/// - `call`: `lukewarm`, compiled at tier 0 before and not hot then, is called through a pointer
///   from the tier-2 code: its calls must wake the runtime (through its stub), and it must reach
///   tier 2.
/// - `rare`: a little tier-0 code runs once the process is alone (ten calls of `lukewarm`, a call
///   of `few` and ten iterations of its loop): too little to wake the runtime, which would only
///   leave again; the process stays single-threaded, and the calls give their results.
/// - `loop` again with a code cache: its writer thread must leave too.
/// - `resolver`: the spin calls `spin` through a pointer, and `--keep-superseded` leaves no stop
///   signal handler: the handshake must come at a call through a stub, in the resolver.
/// - `off` (`--idle-exit=off`): the threads stay.
///
/// Natively (no thread ever) the program prints the same.
fn quiet_period_makes_the_process_single_threaded() -> Result<(), Failed> {
    let bc = compile("quiet_period", QUIET_PERIOD)?;
    let stats = |out: &Outcome| String::from_utf8_lossy(&out.stderr).into_owned();
    // "quiet periods: threads left L times, single-threaded again S times, woken W times"
    let quiet = |out: &Outcome| -> Option<(u64, u64, u64)> {
        let text = stats(out);
        let line = text.lines().find(|l| l.contains("quiet periods:"))?;
        let mut n = line
            .split_whitespace()
            .filter_map(|w| w.parse::<u64>().ok());
        Some((n.next()?, n.next()?, n.next()?))
    };
    let continuations = |out: &Outcome| -> Option<u64> {
        let text = stats(out);
        let rest = text.split("loop sites, ").nth(1)?;
        rest.split_whitespace().next()?.parse().ok()
    };
    let looped = "single-threaded: 1, threads: 1, calls: 66\n20031622233202432\n";
    let called = "single-threaded: 1, threads: 1, calls: 90000061\n0\n";
    // With a code cache, its writer thread must leave too.
    let cache_dir = support::work_dir("tools").join("quiet_period_cache");
    let _ = std::fs::remove_dir_all(&cache_dir);
    let cache = format!("--cache-dir={}", cache_dir.display());
    let plain = "single-threaded: 1, threads: 1, calls: 66\n0\n";
    let rare = "single-threaded: 1, threads: 1, calls: 66\n\
                then single-threaded: 1, threads: 1, calls: 225\n0\n";
    let modes = [
        ("loop", "--no-cache", "--idle-exit=on", looped),
        ("call", "--no-cache", "--idle-exit=on", called),
        ("loop", cache.as_str(), "--idle-exit=on", looped),
        // No stop signal handler (no reclamation): the handshake must come in the resolver.
        ("resolver", "--no-cache", "--keep-superseded", plain),
        // (Not compiled ahead, `threads_now` stays in the interpreter: linking a function's
        // first code wakes the runtime.)
        ("rare", "--no-cache", "--compile-ahead=off", rare),
    ];
    for (mode, cache, flag, want) in modes {
        for attempt in 1..=3 {
            let run = || {
                let mut cmd = Command::new(support::irjit());
                cmd.args(["run", cache, flag, "--stats", &bc, mode])
                    .env("IRJIT_LOG", "irjit_runtime=debug")
                    .env("NO_COLOR", "1");
                support::run(cmd, b"", Duration::from_secs(120))
            };
            let out = support::attempt(attempt, run)?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let left = quiet(&out).is_some_and(|(left, single, woken)| {
                left >= 1
                    && single >= 1
                    && match mode {
                        "resolver" => true,
                        // Too little tier-0 code ran to wake the runtime.
                        "rare" => woken == 0,
                        _ => woken >= 1,
                    }
            });
            let moved_on = match mode {
                // wait_until_single's loop and main's second one.
                "loop" => continuations(&out).is_some_and(|n| n >= 2),
                "call" => stats(&out).contains("tier 2 ready unit=\"lukewarm\""),
                _ => stats(&out).contains("the process is single-threaded again"),
            };
            if out.status == Status::Exited(0) && stdout == want && left && moved_on {
                break;
            }
            if attempt == 3 {
                return Err(format!(
                    "{mode} ({cache}): no quiet period, no wake, or a wrong result:\n{out:?}\n{}",
                    stats(&out)
                )
                .into());
            }
        }
    }
    // Off: the threads stay (a short wait: the flag never comes back).
    let off = irjit(&[
        "run",
        "--no-cache",
        "--stats",
        "--idle-exit=off",
        &bc,
        "off",
    ])?;
    match quiet(&off) {
        Some((0, 0, 0))
            if String::from_utf8_lossy(&off.stdout).starts_with("single-threaded: 0,") =>
        {
            Ok(())
        }
        _ => Err(format!(
            "--idle-exit=off left a quiet period:\n{off:?}\n{}",
            stats(&off)
        )
        .into()),
    }
}

/// See [`quiet_period_makes_the_process_single_threaded`].
const QUIET_PERIOD: &str = r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
static long work(long x) { return (x * 7) ^ (x >> 2); }
long lukewarm(long x) { return x % 7; }
/* Called through a pointer: the tier-2 code cannot inline it. */
long (*volatile lukewarm_ptr)(long) = lukewarm;
long spin(long x) { return (x * 7) ^ (x >> 2); }
long (*volatile spin_ptr)(long) = spin;
/* A loop: compiled at tier 0 on its first call, with an OSR site. */
long few(long n) {
  long s = 0;
  for (long i = 0; i < n; i++) s += 3 * i;
  return s;
}
long (*volatile few_ptr)(long) = few;
/* No loop of its own: reading the count must not run tier-0 loops (tripwires) itself. */
static int threads_now(void) {
  char buf[4096];
  FILE *f = fopen("/proc/self/status", "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  char *line = strstr(buf, "\nThreads:");
  return line ? atoi(line + 9) : -1;
}
int through_stub;
int seen_threads = -1, seen_single = -1;
long calls_sum;
long wait_until_single(long rounds, long calls) {
  long s = 0;
  for (long r = 0; !*(volatile char *)&__libc_single_threaded && r < rounds; r++)
    for (long i = 0; i < 1000; i++) s += through_stub ? spin_ptr(i) : work(i);
  seen_threads = threads_now();
  seen_single = __libc_single_threaded;
  for (long j = 0; j < calls; j++) calls_sum += lukewarm_ptr(j);
  return s;
}
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "loop";
  through_stub = !strcmp(mode, "resolver");
  for (int i = 0; i < 20; i++) calls_sum += lukewarm(i);
  calls_sum += few(3);
  long s = wait_until_single(strcmp(mode, "off") ? 20000000 : 1000,
                             strcmp(mode, "call") ? 0 : 30000000);
  printf("single-threaded: %d, threads: %d, calls: %ld\n", seen_single, seen_threads,
         calls_sum);
  if (!strcmp(mode, "rare")) {
    /* Tier-0 code, a little: ten calls, a call and ten iterations of a loop. */
    for (long j = 0; j < 10; j++) calls_sum += lukewarm_ptr(j);
    calls_sum += few_ptr(10);
    int single = __libc_single_threaded;
    printf("then single-threaded: %d, threads: %d, calls: %ld\n", single, threads_now(),
           calls_sum);
  }
  long t = s & 1;
  if (!strcmp(mode, "loop"))
    for (long i = 0; i < 200000000L; i++) t += i ^ (i >> 3);
  printf("%ld\n", t - (s & 1));
  return 0;
}
"#;

/// `tests/programs/osr_hot_interpreter.c`: `exec`, a large function (its tier-0 code over 8 KB),
/// gets hot through 20000 short calls while its loop counts iterations too, then one call stays
/// in that loop. The function's one tier-2 compile must also give the loop's continuation, which
/// the long call enters: no second compile of the function for OSR. The debug log shows each
/// compile, `--stats` the continuation that came with its function's entry.
fn hot_large_function_compiles_once_for_entry_and_loop() -> Result<(), Failed> {
    let source =
        std::fs::read_to_string(support::repo_root().join("tests/programs/osr_hot_interpreter.c"))
            .map_err(|e| format!("osr_hot_interpreter.c: {e}"))?;
    let bc = compile("osr_hot_interpreter", &source)?;
    let run = || {
        let mut cmd = Command::new(support::irjit());
        cmd.args(["run", "--no-cache", "--stats", &bc, "30000000"])
            .env("IRJIT_LOG", "irjit_runtime=debug")
            .env("NO_COLOR", "1");
        support::run(cmd, b"", Duration::from_secs(120))
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let out = support::attempt(attempt, run)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status != Status::Exited(0)
            || stdout
                != "short calls: 15842609790255371061\nlong call: 1940309027499899528\n\
                    table: 846316825871875139\n"
        {
            return Err(format!("wrong result: {out:?}\n{stderr}").into());
        }
        let compiles = stderr
            .lines()
            .filter(|l| l.contains("tier-2 compile begins") && l.contains("unit=exec "))
            .count();
        let with_function = stderr
            .split(" with their function's tier-2 entry")
            .next()
            .and_then(|head| head.rsplit('(').next())
            .and_then(|n| n.parse::<u64>().ok());
        let combined = stderr.lines().any(|l| {
            l.contains("tier-2 entry from the continuation's compile") && l.contains("\"exec\"")
        });
        if compiles == 1 && combined && with_function.is_some_and(|n| n >= 1) {
            return Ok(());
        }
        // The tier-up may not start before the program ends if a loaded machine starves the
        // compile thread; and a poller that looks early (a loaded machine again) finds the
        // function hot from its short calls before its loop has half an OSR threshold of
        // iterations, and rightly compiles its entry alone, the long call's continuation
        // second. Either way: tried again, alone. Two compiles with the combined one among
        // them are a defect.
        if attempt == 3 || (compiles > 1 && combined) {
            return Err(format!(
                "exec: {compiles} tier-2 compiles, entry from the continuation: {combined}, \
                 with their function: {with_function:?}\n{stderr}"
            )
            .into());
        }
    }
}

/// A hot loop nested in loops that keep iterating gets a continuation entered at the outermost
/// of them (a continuation entered at the inner loop would make the loops around it loops entered
/// in their middle, which the optimizer cannot treat as a nest), and the program's output stays
/// that of its tier-0 run. osr_nested's innermost loop is hot; its middle loop comes back to its
/// header every few thousand iterations, its outer loop only every 1.7 million.
fn osr_enters_a_loop_nest_at_its_outer_loop() -> Result<(), Failed> {
    let source = std::fs::read_to_string(support::repo_root().join("tests/programs/osr_nested.c"))
        .map_err(|e| format!("osr_nested.c: {e}"))?;
    let bc = compile("osr_nested", &source)?;
    let want = irjit(&["run", "--no-cache", "--tier=0", &bc])?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let out = support::attempt(attempt, || {
            let mut cmd = Command::new(support::irjit());
            cmd.args(["run", "--no-cache", &bc])
                .env("IRJIT_LOG", "irjit_runtime=debug")
                .env("NO_COLOR", "1");
            support::run(cmd, b"", Duration::from_secs(120))
        })?;
        support::compare(
            "osr_nested",
            &want,
            &Outcome {
                stderr: Vec::new(),
                ..out.clone()
            },
        )?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        // nest's sites in loop preorder: 0 the outer loop, 1 the middle one, 2 the innermost.
        let lifted = stderr
            .lines()
            .any(|l| l.contains("OSR enters at an outer loop hot=2 site=1"));
        let entered_middle = stderr
            .lines()
            .any(|l| l.contains("OSR ready continuation=nest.") && l.contains(".osr.1 "));
        let entered_inner = stderr
            .lines()
            .any(|l| l.contains("OSR ready continuation=nest.") && l.contains(".osr.2 "));
        if lifted && entered_middle && !entered_inner {
            return Ok(());
        }
        // A starved compile thread may not get to it before the program ends.
        if attempt == 3 || entered_inner {
            return Err(format!(
                "lifted {lifted}, middle entry {entered_middle}, inner entry {entered_inner}\n{stderr}"
            )
            .into());
        }
    }
}

fn libc_sigsegv() -> i32 {
    11
}

pub fn trials() -> Vec<Trial> {
    let t = |name: &str, f: fn() -> Result<(), Failed>| Trial::test(format!("tools::{name}"), f);
    vec![
        t("lazy_compiles_only_what_runs", lazy_compiles_only_what_runs),
        t(
            "compile_ahead_serves_first_calls",
            compile_ahead_serves_first_calls,
        ),
        t(
            "quiet_period_makes_the_process_single_threaded",
            quiet_period_makes_the_process_single_threaded,
        ),
        t(
            "osr_enters_a_loop_nest_at_its_outer_loop",
            osr_enters_a_loop_nest_at_its_outer_loop,
        ),
        t(
            "hot_large_function_compiles_once_for_entry_and_loop",
            hot_large_function_compiles_once_for_entry_and_loop,
        ),
        t("perf_map", perf_map),
        t(
            "perf_map_ranges_never_overlap",
            perf_map_ranges_never_overlap,
        ),
        match perf_unusable() {
            None => t(
                "perf_report_names_jit_functions",
                perf_report_names_jit_functions,
            ),
            Some(reason) => {
                eprintln!("tools::perf_report_names_jit_functions is skipped: {reason}");
                t(
                    "perf_report_names_jit_functions",
                    perf_report_names_jit_functions,
                )
                .with_ignored_flag(true)
            }
        },
        t("dlopen_library", dlopen_library),
        t("verbose_logs", verbose_logs),
        t("threads_and_cores", threads_and_cores),
        t(
            "threshold_never_counts_without_threads",
            threshold_never_counts_without_threads,
        ),
        t(
            "crash_report_names_the_function",
            crash_report_names_the_function,
        ),
        t(
            "crash_report_off_leaves_stderr_alone",
            crash_report_off_leaves_stderr_alone,
        ),
    ]
}
