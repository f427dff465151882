//! The results of a run: everything raw, serialized as `results.json`, and what the tables and the
//! chart derive from them (ratios, geometric means).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::engines::Engine;
use crate::hyperfine::Timing;
use crate::machine::Machine;
use crate::spawn::Exit;
use crate::stats::Stats;
use crate::suite::{Level, Source};

/// A whole run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Results {
    /// `irjit-bench VERSION`.
    pub harness: String,
    /// `quick` or `full`.
    pub mode: String,
    /// How cells were measured.
    pub settings: Settings,
    /// Where and with what.
    pub machine: Machine,
    /// Every engine of the table, available or not.
    pub engines: Vec<Engine>,
    /// The benchmarks run, in table order.
    pub benchmarks: Vec<BenchmarkInfo>,
    /// One per (benchmark, level, engine); native cells have no level.
    pub cells: Vec<Cell>,
    /// Wall time of the whole run, builds included.
    pub duration_s: f64,
}

/// How cells were measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// hyperfine `--warmup`.
    pub warmup: u32,
    /// hyperfine `--runs`.
    pub runs: u32,
    /// The limit for one run of a program, in seconds.
    pub timeout_s: u64,
    /// Benchmarks measured at the same time (more than 1 only in quick runs).
    pub jobs: u32,
    /// Each benchmark's cells took turns, one timed run each per round (see `measure`); results
    /// from before this field came timed one cell after the other.
    #[serde(default)]
    pub interleaved: bool,
    /// The bitcode levels run.
    pub levels: Vec<Level>,
}

/// A benchmark as run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchmarkInfo {
    /// Its name.
    pub name: String,
    /// What it does.
    pub about: String,
    /// Where the program comes from.
    pub source: Source,
    /// Its arguments.
    pub args: Vec<String>,
    /// Whether it counts in the geometric means.
    pub in_geomean: bool,
    /// The native binary.
    pub native: PathBuf,
    /// Bitcode from `clang-19 -O0`.
    pub bitcode_o0: PathBuf,
    /// Bitcode from `clang-19 -O2`.
    pub bitcode_o2: PathBuf,
}

/// One engine on one benchmark at one bitcode level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// The benchmark.
    pub benchmark: String,
    /// The bitcode level; `None` for the native binary.
    pub level: Option<Level>,
    /// The engine.
    pub engine: String,
    /// The command timed (run without a shell, in `target/bench`).
    pub command: Vec<String>,
    /// Whether it gave the native answer, and if not why.
    pub outcome: Outcome,
    /// The correctness run, which also measured peak RSS.
    pub check: Option<Check>,
    /// hyperfine's numbers for the timed runs.
    pub timing: Option<Timing>,
    /// hyperfine's JSON export, relative to the results folder.
    pub hyperfine_export: Option<PathBuf>,
    /// irjit's `--stats`, from the correctness run.
    pub stats: Option<Stats>,
}

/// Whether a cell counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// Same stdout and exit status as native in the correctness run, every timed run exited like
    /// native, and the last timed run printed native's stdout.
    Ok,
    /// A wrong answer, a crash, a timeout: no time counts.
    Failed {
        /// Short, for the table: `exit 125 (native: 0)`, `stdout differs`, ...
        reason: String,
        /// The end of the program's stderr, for the failure list.
        detail: String,
        /// The command that failed: the correctness run's, or the timed one.
        command: Vec<String>,
    },
}

/// The correctness run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// The command (irjit modes: the timed command with `--stats`).
    pub command: Vec<String>,
    /// How it ended.
    pub exit: Exit,
    /// Its wall time in seconds (one run, for orientation only).
    pub wall_s: f64,
    /// Peak RSS in KiB.
    pub max_rss_kib: u64,
    /// Bytes written to stdout.
    pub stdout_bytes: usize,
}

impl Cell {
    /// The median time if the cell succeeded.
    pub fn median(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Ok => self.timing.as_ref().map(|t| t.median),
            Outcome::Failed { .. } => None,
        }
    }

    /// The failure reason, if any.
    pub fn failure(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Ok => None,
            Outcome::Failed { reason, .. } => Some(reason),
        }
    }
}

/// The geometric mean of ratios over the benchmarks that count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geomean {
    /// Versus native.
    pub native: f64,
    /// Versus `lli`, if `lli` ran.
    pub lli: Option<f64>,
    /// Benchmarks it is taken over.
    pub count: usize,
}

impl Results {
    /// The cell of `engine` on `benchmark` at `level` (the native cell for the native engine).
    pub fn cell(&self, benchmark: &str, level: Level, engine: &Engine) -> Option<&Cell> {
        let level = (!engine.is_native()).then_some(level);
        self.cells
            .iter()
            .find(|c| c.benchmark == benchmark && c.level == level && c.engine == engine.name)
    }

    /// The engines that ran.
    pub fn ran(&self) -> impl Iterator<Item = &Engine> {
        self.engines
            .iter()
            .filter(|e| e.available() && self.cells.iter().any(|c| c.engine == e.name))
    }

    /// The engines that exist in the table but could not run.
    pub fn unavailable(&self) -> impl Iterator<Item = &Engine> {
        self.engines.iter().filter(|e| !e.available())
    }

    fn lli(&self) -> Option<&Engine> {
        self.ran().find(|e| e.name == "lli")
    }

    /// `(time / native, time / lli)` of a cell; `None` where a time is missing.
    pub fn ratios(
        &self,
        benchmark: &str,
        level: Level,
        engine: &Engine,
    ) -> (Option<f64>, Option<f64>) {
        let time = |e: &Engine| self.cell(benchmark, level, e).and_then(Cell::median);
        let Some(t) = time(engine) else {
            return (None, None);
        };
        let native = self.ran().find(|e| e.is_native()).and_then(time);
        let lli = self.lli().and_then(time);
        (native.map(|n| t / n), lli.map(|l| t / l))
    }

    /// The geometric means of a column: over the benchmarks in the geomean that succeeded for the
    /// engine, for native and for `lli` (when `lli` ran).
    pub fn geomean(&self, level: Level, engine: &Engine) -> Option<Geomean> {
        let mut native_ratios = Vec::new();
        let mut lli_ratios = Vec::new();
        for bench in self.benchmarks.iter().filter(|b| b.in_geomean) {
            let (to_native, to_lli) = self.ratios(&bench.name, level, engine);
            let Some(to_native) = to_native else { continue };
            if self.lli().is_some() && to_lli.is_none() {
                continue;
            }
            native_ratios.push(to_native);
            lli_ratios.extend(to_lli);
        }
        (!native_ratios.is_empty()).then(|| Geomean {
            native: geometric_mean(&native_ratios),
            lli: (!lli_ratios.is_empty()).then(|| geometric_mean(&lli_ratios)),
            count: native_ratios.len(),
        })
    }
}

/// `exp(mean(ln x))`: the only statistic the harness computes itself.
pub fn geometric_mean(values: &[f64]) -> f64 {
    let sum: f64 = values.iter().map(|v| v.ln()).sum();
    (sum / values.len() as f64).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_of_ratios() {
        assert!((geometric_mean(&[2.0, 8.0]) - 4.0).abs() < 1e-12);
        assert!((geometric_mean(&[0.5, 2.0]) - 1.0).abs() < 1e-12);
        assert!((geometric_mean(&[3.0]) - 3.0).abs() < 1e-12);
    }
}
