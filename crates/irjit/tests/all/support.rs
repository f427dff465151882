//! Shared helpers: locating tools, compiling test programs, running processes with a timeout,
//! and comparing runs.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, SystemTime};

/// Every process a trial starts through [`run`] or [`build`] holds this lock shared; [`alone`]
/// holds it exclusive, so what it runs has the machine's cores to itself.
static MACHINE: RwLock<()> = RwLock::new(());

thread_local! {
    /// Whether this thread is inside [`alone`] (its processes need no shared hold).
    static ALONE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` while no other trial runs a process: for the retry of a trial whose outcome needs
/// irjit's background compiles to get a core (tiering up, OSR, reclamation), after a first run
/// that a loaded machine starved. Processes already started finish first; new ones wait. `f`
/// must not wait on another trial's work (a [`OnceMap`] cell another trial is filling).
pub fn alone<T>(f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ALONE.with(|a| a.set(false));
        }
    }
    let _exclusive = MACHINE.write().unwrap_or_else(|e| e.into_inner());
    ALONE.with(|a| a.set(true));
    let _reset = Reset;
    f()
}

/// The `attempt`-th run (from 1) of a trial retried when a loaded machine starved it: the first
/// shares the machine, retries run [`alone`].
pub fn attempt<T>(attempt: u32, run: impl FnOnce() -> T) -> T {
    if attempt > 1 {
        alone(run)
    } else {
        run()
    }
}

/// A shared hold on the machine for one process, unless this thread already holds it alone.
fn shared() -> Option<RwLockReadGuard<'static, ()>> {
    (!ALONE.with(Cell::get)).then(|| MACHINE.read().unwrap_or_else(|e| e.into_inner()))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/irjit is two levels down")
        .to_path_buf()
}

/// Where tests keep their build products (kept between runs; rebuilt when sources change).
pub fn work_dir(area: &str) -> PathBuf {
    let dir = repo_root().join("target").join("irjit-tests").join(area);
    std::fs::create_dir_all(&dir).expect("create test work dir");
    dir
}

/// The irjit binary under test.
pub fn irjit() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_irjit"))
}

/// `clang-19` (or `$IRJIT_TEST_CLANG`).
pub fn clang(cxx: bool) -> String {
    let var = if cxx {
        "IRJIT_TEST_CLANGXX"
    } else {
        "IRJIT_TEST_CLANG"
    };
    std::env::var(var).unwrap_or_else(|_| if cxx { "clang++-19" } else { "clang-19" }.to_string())
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether `output` exists and is newer than every input.
pub fn up_to_date(output: &Path, inputs: &[&Path]) -> bool {
    let Some(out) = mtime(output) else {
        return false;
    };
    inputs.iter().all(|i| mtime(i).is_some_and(|t| t <= out))
}

/// Runs a build command, turning failure into an error with its stderr.
pub fn build(cmd: &mut Command) -> Result<(), String> {
    let _machine = shared();
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Compiles C `source` at -O0 to `dir/NAME.bc` and returns that path. Trials running at the same
/// time may compile the same name: each writes and compiles files of its own, and the bitcode is
/// renamed into place whole.
pub fn compile_c(dir: &Path, name: &str, source: &str) -> Result<String, String> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let src = dir.join(format!("{name}.{unique}.c"));
    let tmp = dir.join(format!("{name}.{unique}.bc"));
    std::fs::write(&src, source).map_err(|e| format!("{}: {e}", src.display()))?;
    build(
        Command::new(clang(false))
            .args(["-O0", "-emit-llvm", "-c"])
            .arg(&src)
            .arg("-o")
            .arg(&tmp),
    )?;
    let out = dir.join(format!("{name}.bc"));
    std::fs::rename(&tmp, &out).map_err(|e| format!("{}: {e}", out.display()))?;
    let _ = std::fs::remove_file(&src);
    Ok(out.to_string_lossy().into_owned())
}

/// Builds each key once even when several trials ask concurrently.
type Cells = HashMap<String, Arc<OnceLock<Result<PathBuf, String>>>>;

pub struct OnceMap {
    cells: Mutex<Option<Cells>>,
}

impl OnceMap {
    pub const fn new() -> OnceMap {
        OnceMap {
            cells: Mutex::new(None),
        }
    }

    pub fn get(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<PathBuf, String>,
    ) -> Result<PathBuf, String> {
        let cell = self
            .cells
            .lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .entry(key.to_string())
            .or_default()
            .clone();
        cell.get_or_init(make).clone()
    }
}

/// What a process did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: Status,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(i32),
    TimedOut,
}

impl From<ExitStatus> for Status {
    fn from(s: ExitStatus) -> Status {
        match (s.code(), s.signal()) {
            (Some(c), _) => Status::Exited(c),
            (None, Some(sig)) => Status::Signaled(sig),
            _ => Status::Exited(-1),
        }
    }
}

/// Runs `cmd` with `stdin` bytes, killing it after `timeout`.
pub fn run(mut cmd: Command, stdin: &[u8], timeout: Duration) -> Result<Outcome, String> {
    // Its own process group, so a timeout kills what it forked too.
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let shown = format!("{cmd:?}");
    let _machine = shared();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let mut input = child.stdin.take().expect("piped");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A program that exits without reading its input closes the pipe: not an error.
        let _ = input.write_all(&stdin);
    });
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let result = match rx.recv_timeout(timeout) {
        Ok(out) => {
            let out = out.map_err(|e| format!("waiting for {shown}: {e}"))?;
            Outcome {
                stdout: out.stdout,
                stderr: out.stderr,
                status: out.status.into(),
            }
        }
        Err(_) => {
            // kill(1) on the whole group keeps this test crate free of unsafe code.
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .status();
            Outcome {
                stdout: Vec::new(),
                stderr: Vec::new(),
                status: Status::TimedOut,
            }
        }
    };
    let _ = writer.join();
    Ok(result)
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() > 1500 {
        format!("{}... [{} bytes]", &text[..1500], text.len())
    } else {
        text.into_owned()
    }
}

/// Explains how `got` differs from `want`, or `Ok` when they are equal.
pub fn compare(what: &str, want: &Outcome, got: &Outcome) -> Result<(), String> {
    let mut problems = Vec::new();
    if want.status != got.status {
        problems.push(format!(
            "status: native {:?}, irjit {:?}",
            want.status, got.status
        ));
    }
    if want.stdout != got.stdout {
        problems.push(format!(
            "stdout differs:\n--- native\n{}\n--- irjit\n{}",
            excerpt(&want.stdout),
            excerpt(&got.stdout)
        ));
    }
    if want.stderr != got.stderr {
        problems.push(format!(
            "stderr differs:\n--- native\n{}\n--- irjit\n{}",
            excerpt(&want.stderr),
            excerpt(&got.stderr)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}:\n{}", problems.join("\n")))
    }
}

/// A figure from irjit's `--stats` (its stderr): the number right after the first `key`.
pub fn stat(stderr: &str, key: &str) -> Result<u64, String> {
    let at = stderr
        .find(key)
        .ok_or_else(|| format!("no '{key}' in --stats:\n{stderr}"))?
        + key.len();
    let digits: String = stderr[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .map_err(|_| format!("no number after '{key}' in --stats:\n{stderr}"))
}

/// Builds the compiler library (`libirjit_compiler.so`) beside the irjit binary under test, which
/// opens it from there. Cargo builds only what a test needs, and a library that is merely a
/// dependency stays in `deps/` (only libraries of packages named on its command line are placed
/// beside the binaries), so this asks cargo for it by name. Every run asks, so a changed
/// compiler is never tested through a stale library; when nothing changed it costs a moment.
pub fn build_compiler_library() -> Result<(), String> {
    let exe = irjit();
    let profile_dir = exe.parent().expect("the binary is in a profile directory");
    let target_dir = profile_dir
        .parent()
        .expect("the profile directory is in the target directory");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "--locked",
        "-p",
        "irjit-compiler",
        "--lib",
    ])
    .arg("--manifest-path")
    .arg(repo_root().join("Cargo.toml"))
    .arg("--target-dir")
    .arg(target_dir);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(profile) => {
            cmd.args(["--profile", profile]);
        }
        None => return Err(format!("odd binary path {}", exe.display())),
    }
    build(&mut cmd)?;
    let library = profile_dir.join("libirjit_compiler.so");
    if !library.exists() {
        return Err(format!("{cmd:?} did not make {}", library.display()));
    }
    Ok(())
}

/// C source of `wait_for_compile_thread_idle()`: returns once irjit's background compile thread
/// has been asleep at three looks 20 ms apart (as `/proc/self/task` shows), after two seconds of
/// looks if there is no such thread (run natively), or after 10 s at most. Tests of work the
/// background thread does in its spare time wait with it instead of sleeping a fixed time, so a
/// loaded machine only makes them wait longer.
/// A C program of 40 small functions, each with a short loop, that `main` calls in turn while
/// `condition` holds (`main`'s loop, with `h` their running result), then runs `finish`: many
/// functions to compile, move to tier 2 and recompile in stress mode. `headers` are its
/// `#include` lines.
pub fn forty_functions(headers: &str, condition: &str, finish: &str) -> String {
    let mut source = String::from(headers);
    for i in 0..40 {
        source.push_str(&format!(
            "__attribute__((noinline)) unsigned f{i}(unsigned x) {{\n\
             \x20 for (int k = 0; k < {}; k++) x = x * {}u + {i}u;\n  return x;\n}}\n",
            i % 5 + 1,
            2 * i + 3
        ));
    }
    source.push_str(&format!(
        "int main(void) {{\n  unsigned h = 1;\n  while ({condition}) {{\n"
    ));
    for i in 0..40 {
        source.push_str(&format!("    h = f{i}(h);\n"));
    }
    source.push_str(&format!("  }}\n  {finish}\n  return 0;\n}}\n"));
    source
}

pub const WAIT_FOR_COMPILE_THREAD_IDLE: &str = r#"#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* 1: irjit's compile thread is asleep; 0: it runs; -1: there is none (yet). */
static int compile_thread_idle(void) {
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  int quiet = -1;
  if (!d) return 1;
  while ((e = readdir(d))) {
    char path[300], buf[512], *comm;
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    comm = strchr(buf, '(');
    if (comm && !strncmp(comm, "(irjit-tier2-0) ", 16)) quiet = comm[16] == 'S';
  }
  closedir(d);
  return quiet;
}
static void wait_for_compile_thread_idle(void) {
  int quiet = 0, absent = 0;
  for (int i = 0; i < 500 && quiet < 3 && absent < 100; i++) {
    usleep(20000);
    int now = compile_thread_idle();
    absent = now < 0 ? absent + 1 : 0;
    quiet = now > 0 ? quiet + 1 : 0;
  }
}
"#;
