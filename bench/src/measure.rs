//! Measuring cells: for each benchmark the native reference first, then every available engine
//! on each bitcode level. A cell is measured in this order:
//!
//! 1. The correctness run (own spawn): stdout and exit status must equal native's; its `wait4`
//!    gives the peak RSS. irjit modes run it with `--stats` added, which only prints to stderr,
//!    and their stats come from it. A mismatch, a crash or a timeout fails the cell and nothing
//!    more runs. This run is also the warm-up of the timed runs.
//! 2. hyperfine: the timed runs of the command as given (without `--stats`), after `--warmup`
//!    more runs (0 by default). Every timed run must exit like native, and the last one's stdout
//!    (hyperfine `--output FILE`) must equal native's, so the exact timed command is checked too.
//!
//! One benchmark at a time ([`time_interleaved`]), the timed runs go in rounds: one run of each of
//! the benchmark's cells (native and every engine) per round, so that the machine drifting in
//! speed over a minute (another virtual machine on the host, a CPU clock) shifts every cell's
//! times alike instead of the ratios. With several benchmarks at once ([`time_one`]), each cell's
//! runs follow one another.
//!
//! Engines with a warm code cache get one more run first, then `irjit aot --profile`, to fill
//! the cache.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::engines::{Cache, Engine};
use crate::hyperfine::{self, Plan, Timing};
use crate::programs::Built;
use crate::results::{Cell, Check, Outcome};
use crate::spawn::{self, Exit};
use crate::stats::Stats;
use crate::suite::{Benchmark, Level};

/// How to measure.
#[derive(Debug, Clone)]
pub struct Settings {
    /// hyperfine `--warmup`.
    pub warmup: u32,
    /// hyperfine `--runs`.
    pub runs: u32,
    /// The limit for one run.
    pub timeout: Duration,
    /// The irjit binary.
    pub irjit: PathBuf,
    /// Working directory of every run, and parent of the cache directories.
    pub scratch: PathBuf,
    /// Where hyperfine exports go (`OUT/raw`).
    pub raw_dir: PathBuf,
    /// The results folder (exports are recorded relative to it).
    pub out_dir: PathBuf,
}

/// What native printed: the answer every engine must give.
#[derive(Debug, Clone)]
pub struct Reference {
    exit: Exit,
    stdout: Vec<u8>,
}

/// A cell after its correctness run: failed already, or waiting for its timed runs.
#[derive(Debug)]
pub enum Prepared {
    /// Failed; nothing more runs.
    Done(Cell),
    /// Passed its correctness run.
    Ready(Pending),
}

/// A cell whose correctness run passed.
#[derive(Debug)]
pub struct Pending {
    cell: Cell,
    /// Runs before each timed run (hyperfine `--prepare`).
    prepare: Option<Vec<String>>,
    /// The correctness run's wall time (a short program gets more timed runs).
    check_wall: Duration,
    reference: Reference,
}

/// The native binary's correctness run; its output becomes the reference (`None` if native
/// itself crashed or timed out).
pub fn prepare_native(
    settings: &Settings,
    bench: &Benchmark,
    built: &Built,
    native: &Engine,
    progress: &Progress,
) -> (Prepared, Option<Reference>) {
    let command = native.command(&settings.irjit, built, Level::O2, Path::new(""), false);
    let mut cell = new_cell(bench, None, native, command.clone());
    let run = match spawn::run(&command, &settings.scratch, settings.timeout) {
        Ok(run) => run,
        Err(e) => {
            fail(&mut cell, format!("{e:#}"), String::new(), None, progress);
            return (Prepared::Done(cell), None);
        }
    };
    cell.check = Some(check_of(&command, &run));
    if matches!(run.exit, Exit::Timeout | Exit::Signal(_)) {
        let reason = describe_exit(run.exit, settings.timeout);
        fail(&mut cell, reason, stderr_tail(&run.stderr), None, progress);
        return (Prepared::Done(cell), None);
    }
    let reference = Reference {
        exit: run.exit,
        stdout: run.stdout,
    };
    let pending = Pending {
        cell,
        prepare: None,
        check_wall: run.wall,
        reference: reference.clone(),
    };
    (Prepared::Ready(pending), Some(reference))
}

/// One engine's cell up to its timed runs: fills its code cache if it has a warm one, then runs
/// the correctness run against native's `reference` (a failed cell without it).
pub fn prepare_cell(
    settings: &Settings,
    bench: &Benchmark,
    built: &Built,
    level: Level,
    engine: &Engine,
    reference: Option<&Reference>,
    progress: &Progress,
) -> Prepared {
    let cache = cache_dir(settings, bench, level, engine);
    let command = engine.command(&settings.irjit, built, level, &cache, false);
    let mut cell = new_cell(bench, Some(level), engine, command);
    let Some(reference) = reference else {
        fail(
            &mut cell,
            "native failed".into(),
            String::new(),
            None,
            progress,
        );
        return Prepared::Done(cell);
    };
    if engine.cache != Cache::None {
        let _ = std::fs::remove_dir_all(&cache);
    }
    if engine.cache == Cache::Warm {
        // Fill the cache: one run (its objects and its profile), then `irjit aot --profile`
        // compiles the profile's hot set at tier 2, which one run alone leaves partly queued
        // (a big program's hot set takes longer to optimize than the run lasts). The correctness
        // run below then checks the warm path.
        let _ = spawn::run(&cell.command, &settings.scratch, settings.timeout);
        let aot = aot_command(&settings.irjit, built, level, &cache);
        let _ = spawn::run(&aot, &settings.scratch, settings.timeout);
    }
    let check_command = engine.command(&settings.irjit, built, level, &cache, engine.is_irjit());
    let run = match spawn::run(&check_command, &settings.scratch, settings.timeout) {
        Ok(run) => run,
        Err(e) => {
            fail(
                &mut cell,
                format!("{e:#}"),
                String::new(),
                Some(&check_command),
                progress,
            );
            return Prepared::Done(cell);
        }
    };
    cell.check = Some(check_of(&check_command, &run));
    if let Some(reason) = mismatch(&run.exit, &run.stdout, reference, settings.timeout) {
        fail(
            &mut cell,
            reason,
            stderr_tail(&run.stderr),
            Some(&check_command),
            progress,
        );
        return Prepared::Done(cell);
    }
    if engine.is_irjit() {
        cell.stats = Some(Stats::parse(&String::from_utf8_lossy(&run.stderr)));
    }
    let prepare = (engine.cache == Cache::Cold).then(|| {
        vec![
            "rm".to_string(),
            "-rf".to_string(),
            cache.to_string_lossy().into_owned(),
        ]
    });
    Prepared::Ready(Pending {
        cell,
        prepare,
        check_wall: run.wall,
        reference: reference.clone(),
    })
}

/// Why a run's result is not native's, if it is not.
fn mismatch(
    exit: &Exit,
    stdout: &[u8],
    reference: &Reference,
    timeout: Duration,
) -> Option<String> {
    if *exit != reference.exit {
        Some(match (exit, reference.exit) {
            (Exit::Code(_), Exit::Code(expected)) => format!("{exit} (native: {expected})"),
            _ => describe_exit(*exit, timeout),
        })
    } else if stdout != reference.stdout {
        Some(describe_stdout_difference(&reference.stdout, stdout))
    } else {
        None
    }
}

/// Times a prepared cell: all its timed runs in one hyperfine invocation.
pub fn time_one(settings: &Settings, prepared: Prepared, progress: &Progress) -> Cell {
    match prepared {
        Prepared::Done(cell) => cell,
        Prepared::Ready(pending) => {
            let mut timer = Timer::new(settings, pending);
            timer.round(settings, settings.warmup, timer.runs, None);
            timer.into_cell(settings, progress)
        }
    }
}

/// Times one benchmark's prepared cells in rounds (see the module's documentation): in each
/// round, each cell still passing gets its share of its timed runs, in the order given. Returns
/// the cells in that order.
pub fn time_interleaved(
    settings: &Settings,
    prepared: Vec<Prepared>,
    progress: &Progress,
) -> Vec<Cell> {
    enum Slot {
        Done(Cell),
        Timing(Timer),
    }
    let rounds = settings.runs.max(1);
    let mut slots: Vec<Slot> = prepared
        .into_iter()
        .map(|p| match p {
            Prepared::Done(cell) => Slot::Done(cell),
            Prepared::Ready(pending) => Slot::Timing(Timer::new(settings, pending)),
        })
        .collect();
    for round in 0..rounds {
        for slot in &mut slots {
            let Slot::Timing(timer) = slot else {
                continue;
            };
            if timer.failure.is_some() {
                continue;
            }
            // Round r's share: the runs from r/rounds to (r+1)/rounds of the total.
            let share = (timer.runs * (round + 1)) / rounds - (timer.runs * round) / rounds;
            let warmup = if round == 0 { settings.warmup } else { 0 };
            if share > 0 || warmup > 0 {
                timer.round(settings, warmup, share.max(1), Some(round));
            }
        }
    }
    slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Timing(timer) => timer.into_cell(settings, progress),
            Slot::Done(cell) => cell,
        })
        .collect()
}

/// The timed runs of one cell, gathered from one or more hyperfine invocations.
struct Timer {
    pending: Pending,
    /// The file name stem of its exports.
    name: String,
    /// Timed runs in all (see [`timed_runs`]).
    runs: u32,
    /// Every invocation's result so far.
    parts: Vec<Timing>,
    /// Why it failed, once it has.
    failure: Option<String>,
}

impl Timer {
    fn new(settings: &Settings, pending: Pending) -> Timer {
        let cell = &pending.cell;
        let name = format!(
            "{}-{}-{}",
            cell.benchmark,
            cell.level
                .map_or_else(|| "native".to_string(), |l| l.to_string()),
            cell.engine
        );
        Timer {
            runs: timed_runs(settings.runs, pending.check_wall),
            pending,
            name,
            parts: Vec::new(),
            failure: None,
        }
    }

    /// One hyperfine invocation of `runs` timed runs after `warmup` untimed ones (`round`: its
    /// number, for the export's name, when the cell's runs come in rounds). Sets
    /// [`Timer::failure`] if hyperfine failed, a timed run exited unlike native, or the last one
    /// printed something else.
    fn round(&mut self, settings: &Settings, warmup: u32, runs: u32, round: Option<u32>) {
        let export = match round {
            Some(r) => settings
                .raw_dir
                .join(format!("{}.round{}.json", self.name, r + 1)),
            None => settings.raw_dir.join(format!("{}.json", self.name)),
        };
        let output = settings.scratch.join(format!("{}.stdout", self.name));
        let plan = Plan {
            command: &self.pending.cell.command,
            prepare: self.pending.prepare.as_deref(),
            warmup,
            runs,
            export: &export,
            output: &output,
            cwd: &settings.scratch,
            run_timeout: settings.timeout,
        };
        let timing = match hyperfine::time(&plan) {
            Ok(timing) => timing,
            Err(e) => {
                self.failure = Some(format!("{e:#}"));
                return;
            }
        };
        let reference = &self.pending.reference;
        let wrong_exit = timing
            .exit_codes
            .iter()
            .find(|&&code| match reference.exit {
                Exit::Code(expected) => code != Some(expected),
                _ => true,
            });
        let stdout = std::fs::read(&output).unwrap_or_default();
        let _ = std::fs::remove_file(&output);
        self.failure = match wrong_exit {
            Some(Some(code)) => Some(format!("a timed run: exit {code}")),
            Some(None) => Some("a timed run: killed by a signal".to_string()),
            None if stdout != reference.stdout => Some(format!(
                "a timed run: {}",
                describe_stdout_difference(&reference.stdout, &stdout)
            )),
            None => None,
        };
        self.parts.push(timing);
    }

    /// The timed cell: its runs' statistics, and the export holding them all; or the failed
    /// cell, with its times so far.
    fn into_cell(self, settings: &Settings, progress: &Progress) -> Cell {
        let mut cell = self.pending.cell;
        if let Some(reason) = self.failure {
            cell.timing = Timing::merge(&self.parts);
            fail(&mut cell, reason, String::new(), None, progress);
            return cell;
        }
        let Some(timing) = Timing::merge(&self.parts) else {
            fail(
                &mut cell,
                "no timed run".into(),
                String::new(),
                None,
                progress,
            );
            return cell;
        };
        let export = settings.raw_dir.join(format!("{}.json", self.name));
        if self.parts.len() > 1 {
            // The rounds' exports stay beside it; this one holds every run.
            if let Err(e) = hyperfine::write_export(&export, &timing) {
                fail(&mut cell, format!("{e:#}"), String::new(), None, progress);
                return cell;
            }
        }
        cell.hyperfine_export = export
            .strip_prefix(&settings.out_dir)
            .ok()
            .map(Path::to_path_buf);
        let spread = timing
            .stddev
            .map(|s| format!(" ±{:.1}%", 100.0 * s / timing.mean))
            .unwrap_or_default();
        let median = timing.median;
        cell.timing = Some(timing);
        progress.step(&cell, &format!("{median:.3} s{spread}"));
        cell
    }
}

/// Marks a cell failed and says so; `command` is the one that failed (the timed one if `None`).
fn fail(
    cell: &mut Cell,
    reason: String,
    detail: String,
    command: Option<&[String]>,
    progress: &Progress,
) {
    progress.step(cell, &format!("FAILED: {reason}"));
    let command = command.unwrap_or(&cell.command).to_vec();
    cell.outcome = Outcome::Failed {
        reason,
        detail,
        command,
    };
}

fn cache_dir(settings: &Settings, bench: &Benchmark, level: Level, engine: &Engine) -> PathBuf {
    settings
        .scratch
        .join("cache")
        .join(format!("{}-{level}-{}", bench.name, engine.name))
}

fn new_cell(
    bench: &Benchmark,
    level: Option<Level>,
    engine: &Engine,
    command: Vec<String>,
) -> Cell {
    Cell {
        benchmark: bench.name.to_string(),
        level,
        engine: engine.name.to_string(),
        command,
        outcome: Outcome::Ok,
        check: None,
        timing: None,
        hyperfine_export: None,
        stats: None,
    }
}

fn check_of(command: &[String], run: &spawn::Outcome) -> Check {
    Check {
        command: command.to_vec(),
        exit: run.exit,
        wall_s: run.wall.as_secs_f64(),
        max_rss_kib: run.max_rss_kib,
        stdout_bytes: run.stdout.len(),
    }
}

fn describe_exit(exit: Exit, timeout: Duration) -> String {
    match exit {
        Exit::Timeout => format!("timeout after {} s", timeout.as_secs()),
        other => other.to_string(),
    }
}

/// `stdout differs (line 3)`: the first line that differs, 1-based.
fn describe_stdout_difference(expected: &[u8], actual: &[u8]) -> String {
    let mut expected_lines = expected.split(|&b| b == b'\n');
    let mut actual_lines = actual.split(|&b| b == b'\n');
    let mut line = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (None, None) => return "stdout differs".to_string(),
            _ => return format!("stdout differs (line {line})"),
        }
    }
}

/// The last whole lines of stderr, at most 4000 bytes (an LLVM stack dump is longer; the report
/// keeps only the lines that are not part of it).
fn stderr_tail(stderr: &[u8]) -> String {
    const LIMIT: usize = 4000;
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim_end();
    if text.len() <= LIMIT {
        return text.to_string();
    }
    let mut start = text.len() - LIMIT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let tail = &text[start..];
    // Drop the partial first line.
    tail.split_once('\n')
        .map_or(tail, |(_, rest)| rest)
        .to_string()
}

/// Progress lines on stderr: `[ 12/117] nbody O0 lli: 1.234 s ±0.5%`.
#[derive(Debug)]
pub struct Progress {
    done: AtomicUsize,
    total: usize,
}

impl Progress {
    /// Progress over `total` cells.
    pub fn new(total: usize) -> Progress {
        Progress {
            done: AtomicUsize::new(0),
            total,
        }
    }

    fn step(&self, cell: &Cell, what: &str) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let width = self.total.to_string().len();
        let level = cell
            .level
            .map_or_else(|| "  ".to_string(), |l| l.to_string());
        eprintln!(
            "[{done:>width$}/{}] {:<13} {level} {:<16} {what}",
            self.total, cell.benchmark, cell.engine
        );
    }
}

/// A run shorter than this (the correctness run's wall time) is timed [`SHORT_RUNS`] times at
/// least: a few runs of a program of a few milliseconds measure the machine's noise.
pub const SHORT_RUN: Duration = Duration::from_millis(50);

/// See [`SHORT_RUN`]: at most 5 s of timed runs.
pub const SHORT_RUNS: u32 = 100;

/// hyperfine `--runs` for a cell whose correctness run took `check_wall`.
fn timed_runs(runs: u32, check_wall: Duration) -> u32 {
    if check_wall < SHORT_RUN {
        runs.max(SHORT_RUNS)
    } else {
        runs
    }
}

/// `irjit aot --profile --cache-dir DIR PROGRAM.bc`: the profile's hot set at tier 2.
fn aot_command(irjit: &Path, built: &Built, level: Level, cache: &Path) -> Vec<String> {
    vec![
        irjit.to_string_lossy().into_owned(),
        "aot".to_string(),
        "--profile".to_string(),
        "--cache-dir".to_string(),
        cache.to_string_lossy().into_owned(),
        built.bitcode(level).to_string_lossy().into_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_programs_get_many_timed_runs() {
        assert_eq!(timed_runs(3, Duration::from_millis(2)), SHORT_RUNS);
        assert_eq!(timed_runs(3, Duration::from_millis(400)), 3);
        assert_eq!(timed_runs(500, Duration::from_millis(2)), 500);
    }

    #[test]
    fn names_the_first_different_line() {
        assert_eq!(
            describe_stdout_difference(b"a\nb\nc\n", b"a\nb\nd\n"),
            "stdout differs (line 3)"
        );
        assert_eq!(
            describe_stdout_difference(b"a\n", b"a\nb\n"),
            "stdout differs (line 2)"
        );
        assert_eq!(
            describe_stdout_difference(b"a\n", b"a"),
            "stdout differs (line 2)"
        );
    }

    #[test]
    fn keeps_the_end_of_stderr() {
        let long = "x".repeat(5000) + "\nfirst\nirjit: error: the end\n";
        let tail = stderr_tail(long.as_bytes());
        assert_eq!(tail, "first\nirjit: error: the end");
        assert_eq!(stderr_tail(b"short\n"), "short");
    }
}
