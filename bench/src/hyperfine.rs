//! Timing through hyperfine: one invocation per cell, or per cell and round when a benchmark's
//! cells take turns (see `measure`), each JSON export parsed with serde. hyperfine does the
//! statistics (median, mean, standard deviation, min, max); [`Timing::merge`] does them alike
//! over several invocations.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use crate::spawn::{self, Exit};

/// The hyperfine binary (Debian's `hyperfine` package).
pub const HYPERFINE: &str = "hyperfine";

/// One command's result in hyperfine's `--export-json` file; times in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timing {
    /// The command as hyperfine ran it.
    pub command: String,
    /// Mean wall time.
    pub mean: f64,
    /// Standard deviation; absent with a single run.
    pub stddev: Option<f64>,
    /// Median wall time: the number the tables show.
    pub median: f64,
    /// Mean user time.
    pub user: f64,
    /// Mean system time.
    pub system: f64,
    /// Fastest run.
    pub min: f64,
    /// Slowest run.
    pub max: f64,
    /// Every timed run.
    pub times: Vec<f64>,
    /// Every timed run's exit status (`null` for a run killed by a signal).
    pub exit_codes: Vec<Option<i32>>,
}

#[derive(Serialize, Deserialize)]
struct Export {
    results: Vec<Timing>,
}

impl Timing {
    /// One timing holding every run of `parts` (invocations of the same command), with the
    /// statistics hyperfine computes: the mean, the sample standard deviation (none for a single
    /// run), the median, the extremes, and the mean user and system times. `None` without runs.
    pub fn merge(parts: &[Timing]) -> Option<Timing> {
        let first = parts.first()?;
        let times: Vec<f64> = parts.iter().flat_map(|p| p.times.iter().copied()).collect();
        let n = times.len();
        if n == 0 {
            return None;
        }
        let mean = times.iter().sum::<f64>() / n as f64;
        let stddev = (n > 1).then(|| {
            let squares: f64 = times.iter().map(|t| (t - mean) * (t - mean)).sum();
            (squares / (n - 1) as f64).sqrt()
        });
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        // Each part's user and system times are means over its runs.
        let weighted = |f: fn(&Timing) -> f64| {
            parts
                .iter()
                .map(|p| f(p) * p.times.len() as f64)
                .sum::<f64>()
                / n as f64
        };
        Some(Timing {
            command: first.command.clone(),
            mean,
            stddev,
            median,
            user: weighted(|p| p.user),
            system: weighted(|p| p.system),
            min: sorted[0],
            max: sorted[n - 1],
            times,
            exit_codes: parts
                .iter()
                .flat_map(|p| p.exit_codes.iter().copied())
                .collect(),
        })
    }
}

/// Writes `timing` as an export of hyperfine's shape (what [`time`] reads back).
pub fn write_export(path: &Path, timing: &Timing) -> anyhow::Result<()> {
    let export = Export {
        results: vec![timing.clone()],
    };
    let json = serde_json::to_string_pretty(&export)?;
    std::fs::write(path, json).with_context(|| format!("failed to write {}", path.display()))
}

/// What to time and how.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// The command, run without a shell (`-N`).
    pub command: &'a [String],
    /// Runs before every timed run (hyperfine `--prepare`), untimed.
    pub prepare: Option<&'a [String]>,
    /// Untimed runs first.
    pub warmup: u32,
    /// Timed runs.
    pub runs: u32,
    /// Where hyperfine writes its JSON export (kept as the raw record).
    pub export: &'a Path,
    /// Where the timed runs' stdout goes (each run overwrites it: the last one's stays).
    pub output: &'a Path,
    /// The working directory.
    pub cwd: &'a Path,
    /// The limit for one run of the command; hyperfine gets (runs + warm-up + 1) times that.
    pub run_timeout: Duration,
}

/// Runs hyperfine; `Err` says why there are no times (hyperfine failed or ran out of time).
/// A command exiting with an unexpected status is not an error here (`-i`): the caller compares
/// [`Timing::exit_codes`] with the reference.
pub fn time(plan: &Plan<'_>) -> anyhow::Result<Timing> {
    let mut cmd: Vec<String> = vec![
        HYPERFINE.into(),
        "-N".into(),
        "--style".into(),
        "none".into(),
        "--ignore-failure".into(),
        "--output".into(),
        plan.output.to_string_lossy().into_owned(),
        "--warmup".into(),
        plan.warmup.to_string(),
        "--runs".into(),
        plan.runs.to_string(),
        "--export-json".into(),
        plan.export.to_string_lossy().into_owned(),
    ];
    if let Some(prepare) = plan.prepare {
        cmd.push("--prepare".into());
        cmd.push(shell_words::join(prepare));
    }
    cmd.push(shell_words::join(plan.command));
    let _ = std::fs::remove_file(plan.export);
    let budget = plan.run_timeout * (plan.runs + plan.warmup + 1);
    let outcome = spawn::run(&cmd, plan.cwd, budget)?;
    match outcome.exit {
        Exit::Code(0) => {}
        Exit::Timeout => bail!(
            "timeout: {} runs did not finish in {} s",
            plan.runs + plan.warmup,
            budget.as_secs()
        ),
        other => bail!(
            "hyperfine failed ({other}): {}",
            String::from_utf8_lossy(&outcome.stderr).trim()
        ),
    }
    let json = std::fs::read_to_string(plan.export)
        .with_context(|| format!("failed to read {}", plan.export.display()))?;
    parse_export(&json).with_context(|| format!("failed to parse {}", plan.export.display()))
}

fn parse_export(json: &str) -> anyhow::Result<Timing> {
    let export: Export = serde_json::from_str(json)?;
    export
        .results
        .into_iter()
        .next()
        .context("no result in hyperfine's export")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_export_of_hyperfine_1_15() {
        let json = r#"{"results": [{"command": "x", "mean": 0.5, "stddev": null, "median": 0.5,
            "user": 0.4, "system": 0.1, "min": 0.5, "max": 0.5, "times": [0.5],
            "exit_codes": [3]}]}"#;
        let timing = parse_export(json).unwrap();
        assert_eq!(timing.median, 0.5);
        assert_eq!(timing.stddev, None);
        assert_eq!(timing.exit_codes, vec![Some(3)]);
    }

    #[test]
    fn merged_rounds_give_the_statistics_of_all_runs() {
        let part = |times: &[f64], user: f64| Timing {
            command: "x".into(),
            mean: times.iter().sum::<f64>() / times.len() as f64,
            stddev: None,
            median: times[0],
            user,
            system: 0.0,
            min: times[0],
            max: times[0],
            times: times.to_vec(),
            exit_codes: vec![Some(0); times.len()],
        };
        let merged =
            Timing::merge(&[part(&[3.0], 1.0), part(&[1.0, 2.0], 4.0), part(&[4.0], 1.0)]).unwrap();
        assert_eq!(merged.times, vec![3.0, 1.0, 2.0, 4.0]);
        assert_eq!(merged.median, 2.5);
        assert_eq!(merged.mean, 2.5);
        assert_eq!((merged.min, merged.max), (1.0, 4.0));
        // Sample standard deviation of 1, 2, 3, 4.
        assert!((merged.stddev.unwrap() - 1.290_994_448_7).abs() < 1e-9);
        // User time: (1 + 4 + 4 + 1) / 4 runs.
        assert_eq!(merged.user, 2.5);
        assert_eq!(merged.exit_codes.len(), 4);
        assert!(Timing::merge(&[]).is_none());
        let one = Timing::merge(&[part(&[2.0], 1.0)]).unwrap();
        assert_eq!((one.median, one.stddev), (2.0, None));
        // What it writes reads back.
        let dir = std::env::temp_dir().join(format!("irjit-bench-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.json");
        write_export(&path, &merged).unwrap();
        let back = parse_export(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back.times, merged.times);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_run_killed_by_a_signal_has_no_exit_code() {
        let json = r#"{"results": [{"command": "x", "mean": 1, "stddev": 0.1, "median": 1,
            "user": 1, "system": 0, "min": 0.9, "max": 1.1, "times": [0.9, 1.1],
            "exit_codes": [0, null]}]}"#;
        assert_eq!(parse_export(json).unwrap().exit_codes, vec![Some(0), None]);
    }
}
