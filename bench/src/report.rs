//! `results.md`: the header (date, machine, engines), one time table per bitcode level with ratios
//! and geometric means, peak RSS, irjit's `--stats`, and the list of failures.

use std::fmt::Write as _;

use crate::engines::Engine;
use crate::results::{Cell, Outcome, Results};
use crate::stats::Stats;
use crate::suite::Level;

/// Renders the whole Markdown report.
pub fn markdown(r: &Results) -> String {
    let mut md = String::new();
    let m = &r.machine;
    let _ = writeln!(
        md,
        "# irjit benchmarks, {} {}, {}\n",
        m.date, m.time, m.hostname
    );
    let mode = match r.mode.as_str() {
        "quick" => {
            "**quick** (small inputs, one run each: proves the harness works; the times mean nothing)"
        }
        "long" => "**long** (four times a full run's work: 1.5-3 s natively)",
        _ => "full",
    };
    let _ = writeln!(
        md,
        "- Mode: {mode}. Duration {:.1} min.",
        r.duration_s / 60.0
    );
    let _ = writeln!(
        md,
        "- Timing: per cell, a correctness run (also the warm-up and the peak RSS), {}then hyperfine: \
         {} timed run(s), at least {} for a program whose correctness run took under {} ms; cells \
         show the median. Per-run timeout {} s.",
        if r.settings.warmup > 0 {
            format!("{} more warm-up run(s), ", r.settings.warmup)
        } else {
            String::new()
        },
        r.settings.runs,
        crate::measure::SHORT_RUNS,
        crate::measure::SHORT_RUN.as_millis(),
        r.settings.timeout_s
    );
    if r.settings.interleaved {
        let _ = writeln!(
            md,
            "- Interleaved: each benchmark's cells (native included) took turns, in {} rounds of \
             one timed run each (a short program's runs split among the rounds), so that the \
             machine's speed drifting shifts the times compared alike.",
            r.settings.runs
        );
    }
    if r.settings.jobs > 1 {
        let _ = writeln!(
            md,
            "- {} benchmarks ran at the same time, competing for the cores.",
            r.settings.jobs
        );
    }
    let _ = writeln!(
        md,
        "- Machine: {}, {} cores, {}, Linux {}.",
        m.cpu, m.cores, m.os, m.kernel
    );
    let _ = writeln!(
        md,
        "- Load average at start {}, at end {} (other work on the machine slows every engine).",
        m.load_at_start, m.load_at_end
    );
    let _ = writeln!(md, "- Tools: {}; {}; {}.", m.llvm, m.clang, m.hyperfine);
    if m.irjit_given {
        let _ = writeln!(
            md,
            "- irjit: `{}` ({}), given with `--irjit`; the workspace is at commit {}.\n",
            m.irjit, m.irjit_version, m.commit
        );
    } else {
        let _ = writeln!(
            md,
            "- irjit: commit {}, `{}` ({}).\n",
            m.commit, m.irjit, m.irjit_version
        );
    }

    md.push_str("## Engines\n\n| engine | command | |\n|---|---|---|\n");
    for e in &r.engines {
        let status = match &e.unavailable {
            None => e.about.to_string(),
            Some(why) => format!("**{why}** ({})", e.about),
        };
        let _ = writeln!(md, "| {} | `{}` | {status} |", e.name, e.template);
    }
    md.push_str("\n## Benchmarks\n\n| benchmark | arguments | |\n|---|---|---|\n");
    for b in &r.benchmarks {
        let args = if b.args.is_empty() {
            "none".to_string()
        } else {
            format!("`{}`", b.args.join(" "))
        };
        let _ = writeln!(md, "| {} | {args} | {} |", b.name, b.about);
    }

    let unavailable: Vec<String> = r
        .unavailable()
        .map(|e| format!("{} ({})", e.name, e.unavailable.as_deref().unwrap_or("")))
        .collect();
    let ran: Vec<&Engine> = r.ran().collect();
    for &level in &r.settings.levels {
        time_table(&mut md, r, level, &ran, &unavailable);
    }
    for &level in &r.settings.levels {
        counter_overhead(&mut md, r, level, &ran);
    }
    for &level in &r.settings.levels {
        rss_table(&mut md, r, level, &ran);
    }
    for &level in &r.settings.levels {
        stats_table(&mut md, r, level, &ran);
    }
    failures(&mut md, r);
    md
}

/// Tier-0 code with counters against tier-0 code without, when both engines ran.
fn counter_overhead(md: &mut String, r: &Results, level: Level, engines: &[&Engine]) {
    let find = |name: &str| engines.iter().copied().find(|e| e.name == name);
    let (Some(plain), Some(counted)) = (find("irjit-tier0"), find("irjit-tier0-counters")) else {
        return;
    };
    let _ = writeln!(
        md,
        "\n## Counter overhead, -{level} bitcode\n\nMedian seconds of tier-0 code without counters \
         (`irjit-tier0`) and with them (`irjit-tier0-counters`: entry and loop counters, OSR \
         checks, nothing ever recompiled, no thread started, no interpreter), and their \
         ratio.\n\n| benchmark | tier 0 | tier 0 + counters | overhead |\n|---|---:|---:|---:|"
    );
    let mut ratios = Vec::new();
    for b in r.benchmarks.iter().filter(|b| b.in_geomean) {
        let time = |e: &Engine| r.cell(&b.name, level, e).and_then(|c| c.median());
        let (Some(t0), Some(t1)) = (time(plain), time(counted)) else {
            let _ = writeln!(md, "| {} | | | failed |", b.name);
            continue;
        };
        ratios.push(t1 / t0);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            b.name,
            seconds(t0),
            seconds(t1),
            ratio(t1 / t0)
        );
    }
    if !ratios.is_empty() {
        let _ = writeln!(
            md,
            "| **geomean** | | | **{}** ({} benchmarks) |",
            ratio(crate::results::geometric_mean(&ratios)),
            ratios.len()
        );
    }
}

fn header(md: &mut String, first: &str, engines: &[&Engine]) {
    let _ = write!(md, "| {first} |");
    for e in engines {
        let _ = write!(md, " {} |", e.name);
    }
    md.push_str("\n|---|");
    for _ in engines {
        md.push_str("---:|");
    }
    md.push('\n');
}

fn time_table(
    md: &mut String,
    r: &Results,
    level: Level,
    engines: &[&Engine],
    unavailable: &[String],
) {
    let _ = writeln!(
        md,
        "\n## Wall time, {} bitcode\n\nMedian seconds, ±standard deviation, then (×native, ×lli): time as a ratio \
         to the native binary and to lli-19 on the same bitcode. Native is the same binary in both tables.\n",
        level.flag()
    );
    header(md, "benchmark", engines);
    for b in &r.benchmarks {
        let _ = write!(md, "| {} |", b.name);
        for e in engines {
            let text = match r.cell(&b.name, level, e) {
                None => "–".to_string(),
                Some(cell) => match cell.failure() {
                    Some(reason) => format!("**FAILED**: {reason}"),
                    None => time_text(r, cell, level, e),
                },
            };
            let _ = write!(md, " {text} |");
        }
        md.push('\n');
    }
    let total = r.benchmarks.iter().filter(|b| b.in_geomean).count();
    md.push_str("| **geomean** |");
    for e in engines {
        let text = if e.is_native() {
            String::new()
        } else {
            match r.geomean(level, e) {
                None => "–".to_string(),
                Some(g) => {
                    let lli = match (g.lli, e.name == "lli") {
                        (Some(l), false) => format!(", {}", ratio(l)),
                        _ => String::new(),
                    };
                    format!("**{}**{lli} ({} of {total})", ratio(g.native), g.count)
                }
            }
        };
        let _ = write!(md, " {text} |");
    }
    md.push('\n');
    let excluded: Vec<&str> = r
        .benchmarks
        .iter()
        .filter(|b| !b.in_geomean)
        .map(|b| b.name.as_str())
        .collect();
    let _ = writeln!(
        md,
        "\nGeomean: over the benchmarks that succeeded for the engine, for native and for lli (\"k of {total}\"); \
         failed cells never count.{}",
        if excluded.is_empty() {
            String::new()
        } else {
            format!(" Not counted (start-up only): {}.", excluded.join(", "))
        }
    );
    if !unavailable.is_empty() {
        let _ = writeln!(
            md,
            "\nNot available yet, so not in this table: {}.",
            unavailable.join("; ")
        );
    }
}

fn time_text(r: &Results, cell: &Cell, level: Level, engine: &Engine) -> String {
    let Some(t) = &cell.timing else {
        return "–".to_string();
    };
    let spread = t
        .stddev
        .map(|s| format!(" ±{:.0}%", 100.0 * s / t.mean))
        .unwrap_or_default();
    let mut text = format!("{}{spread}", seconds(t.median));
    if !engine.is_native() {
        let (to_native, to_lli) = r.ratios(&cell.benchmark, level, engine);
        let mut parts = Vec::new();
        parts.extend(to_native.map(ratio));
        if engine.name != "lli" {
            parts.extend(to_lli.map(ratio));
        }
        if !parts.is_empty() {
            let _ = write!(text, " ({})", parts.join(", "));
        }
    }
    text
}

fn rss_table(md: &mut String, r: &Results, level: Level, engines: &[&Engine]) {
    let _ = writeln!(
        md,
        "\n## Peak RSS, {} bitcode\n\nMiB, from `wait4` of the correctness run (irjit modes: with `--stats`).\n",
        level.flag()
    );
    header(md, "benchmark", engines);
    for b in &r.benchmarks {
        let _ = write!(md, "| {} |", b.name);
        for e in engines {
            let text = match r.cell(&b.name, level, e) {
                Some(cell) => match (&cell.outcome, &cell.check) {
                    (Outcome::Ok, Some(check)) => {
                        format!("{:.1}", check.max_rss_kib as f64 / 1024.0)
                    }
                    (Outcome::Failed { .. }, _) => "FAILED".to_string(),
                    _ => "–".to_string(),
                },
                None => "–".to_string(),
            };
            let _ = write!(md, " {text} |");
        }
        md.push('\n');
    }
}

fn stats_table(md: &mut String, r: &Results, level: Level, engines: &[&Engine]) {
    let irjit: Vec<&Engine> = engines.iter().copied().filter(|e| e.is_irjit()).collect();
    if irjit.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\n## irjit `--stats`, {} bitcode\n\nCompile time / start-up time (everything before `main`); functions compiled \
         of those defined: how many were first compiled at tier 0 and at tier 2, and how many moved up to tier 2 \
         while the program ran. From the correctness run, which irjit modes run with `--stats`; every line is in results.json.\n",
        level.flag()
    );
    header(md, "benchmark", &irjit);
    for b in &r.benchmarks {
        let _ = write!(md, "| {} |", b.name);
        for e in &irjit {
            let text = match r.cell(&b.name, level, e) {
                None => "–".to_string(),
                Some(cell) => match (&cell.stats, cell.failure()) {
                    (_, Some(_)) => "FAILED".to_string(),
                    (Some(s), None) => stats_text(s),
                    (None, None) => "–".to_string(),
                },
            };
            let _ = write!(md, " {text} |");
        }
        md.push('\n');
    }
}

/// `12.1 ms / 14.0 ms; 5/5: 3 tier 0, 2 tier 2, 1 up; 4 ran in the interpreter first`: compile
/// time, start-up time, functions compiled of those defined, then per tier how many were first
/// compiled there and how many moved up to tier 2, and how many functions' first calls the
/// interpreter ran. Without a tiers line (older irjit), the level of the units line: `5/5 at O2`.
fn stats_text(s: &Stats) -> String {
    let ms = |key: &str| s.get(key).map_or("?".to_string(), milliseconds);
    let mut text = format!("{} / {}", ms("compile"), ms("start-up"));
    let counted = ["functions defined", "units defined"]
        .into_iter()
        .find_map(|defined| {
            let total = s.get(defined)?;
            let compiled = s.item_beside(defined, "compiled")?.value?;
            Some((compiled, total, defined == "units defined"))
        });
    if let Some((compiled, total, units)) = counted {
        let _ = write!(
            text,
            "; {compiled}/{total}{}",
            if units { " units" } else { "" }
        );
    }
    let tier = |key: &str| s.labelled("tiers", key).and_then(|i| i.value);
    let tiers = (
        tier("functions first at tier 0"),
        tier("first at tier 2"),
        tier("moved to tier 2 in the background"),
    );
    if let (Some(t0), Some(t2), Some(up)) = tiers {
        let _ = write!(text, ": {t0} tier 0, {t2} tier 2, {up} up");
    } else if let Some(level) = s
        .item_beside("units defined", "compiled")
        .filter(|i| i.unit.starts_with("at "))
    {
        let _ = write!(text, " {}", level.unit);
    }
    if let Some(ran) = s
        .labelled("interpreter", "ran in it")
        .and_then(|i| i.value)
        .filter(|&ran| ran > 0.0)
    {
        let _ = write!(text, "; {ran} ran in the interpreter first");
    }
    text
}

/// The end of a failed program's stderr without the stack dump lines of LLVM tools, which name
/// only addresses.
fn stderr_summary(detail: &str) -> Option<String> {
    let is_dump = |line: &str| {
        let line = line.trim_start();
        line.starts_with('#') && line[1..].starts_with(|c: char| c.is_ascii_digit())
            || line.starts_with("Stack dump:")
            || line.starts_with("PLEASE submit a bug report")
            || line.starts_with("0.\tProgram arguments:")
            || line.starts_with("Stack dump without symbol names")
            || (line.contains("+0x") && line.ends_with(')'))
    };
    let lines: Vec<&str> = detail
        .lines()
        .filter(|l| !l.trim().is_empty() && !is_dump(l))
        .collect();
    let last = &lines[lines.len().saturating_sub(3)..];
    (!last.is_empty()).then(|| last.join(" / ").replace('`', "'"))
}

fn failures(md: &mut String, r: &Results) {
    let failed: Vec<&Cell> = r.cells.iter().filter(|c| c.failure().is_some()).collect();
    md.push_str("\n## Failures\n\n");
    if failed.is_empty() {
        md.push_str("None: every engine gave the native output and exit status.\n");
        return;
    }
    md.push_str("Each failed cell with the command that fails (run in `target/bench`):\n\n");
    for cell in failed {
        let Outcome::Failed {
            reason,
            detail,
            command,
        } = &cell.outcome
        else {
            continue;
        };
        let level = cell
            .level
            .map_or_else(String::new, |l| format!(" {}", l.flag()));
        let _ = writeln!(
            md,
            "- **{}{level}, {}**: {reason}",
            cell.benchmark, cell.engine
        );
        let _ = writeln!(md, "  `{}`", command_line(command));
        if let Some(summary) = stderr_summary(detail) {
            let _ = writeln!(md, "  stderr ends: `{summary}`");
        }
    }
}

/// The command as one would type it: arguments quoted only where a shell needs it.
fn command_line(cmd: &[String]) -> String {
    let plain = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    };
    let words: Vec<String> = cmd
        .iter()
        .map(|a| {
            if plain(a) {
                a.clone()
            } else {
                shell_words::quote(a).into_owned()
            }
        })
        .collect();
    words.join(" ")
}

/// `0.512 s`, `12.3 ms`, `4.21 s`, `15.3 s`.
pub fn seconds(s: f64) -> String {
    if s < 0.1 {
        format!("{:.1} ms", s * 1e3)
    } else if s < 10.0 {
        format!("{s:.3} s")
    } else {
        format!("{s:.1} s")
    }
}

/// `×2.41`, `×12.3`, `×153`.
pub fn ratio(x: f64) -> String {
    if x < 10.0 {
        format!("×{x:.2}")
    } else if x < 100.0 {
        format!("×{x:.1}")
    } else {
        format!("×{x:.0}")
    }
}

fn milliseconds(ms: f64) -> String {
    if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::Tools;
    use crate::hyperfine::Timing;
    use crate::results::{BenchmarkInfo, Settings};
    use crate::suite::Source;

    fn timing(median: f64) -> Timing {
        Timing {
            command: String::new(),
            mean: median,
            stddev: None,
            median,
            user: median,
            system: 0.0,
            min: median,
            max: median,
            times: vec![median],
            exit_codes: vec![Some(0)],
        }
    }

    fn cell(benchmark: &str, level: Option<Level>, engine: &str, median: Option<f64>) -> Cell {
        Cell {
            benchmark: benchmark.into(),
            level,
            engine: engine.into(),
            command: vec![engine.into()],
            outcome: match median {
                Some(_) => Outcome::Ok,
                None => Outcome::Failed {
                    reason: "stdout differs (line 2)".into(),
                    detail: String::new(),
                    command: vec![engine.into()],
                },
            },
            check: None,
            timing: median.map(timing),
            hyperfine_export: None,
            stats: None,
        }
    }

    /// Two benchmarks; irjit-eager-O0 gives a wrong answer on the second.
    fn fixture() -> Results {
        let tools = Tools {
            irjit_help: Ok("      --stats  x\n".into()),
        };
        let benchmark = |name: &str| BenchmarkInfo {
            name: name.into(),
            about: String::new(),
            source: Source::C,
            args: vec![],
            in_geomean: true,
            native: "n".into(),
            bitcode_o0: "0".into(),
            bitcode_o2: "2".into(),
        };
        let o0 = Some(Level::O0);
        Results {
            harness: String::new(),
            mode: "full".into(),
            settings: Settings {
                warmup: 1,
                runs: 3,
                timeout_s: 120,
                jobs: 1,
                interleaved: true,
                levels: vec![Level::O0],
            },
            machine: Default::default(),
            engines: Engine::resolve_all(&tools)
                .into_iter()
                .filter(|e| {
                    ["native", "lli", "irjit-eager-O0", "irjit-lazy"].contains(&e.name.as_str())
                })
                .collect(),
            benchmarks: vec![benchmark("a"), benchmark("b")],
            cells: vec![
                cell("a", None, "native", Some(1.0)),
                cell("a", o0, "lli", Some(4.0)),
                cell("a", o0, "irjit-eager-O0", Some(2.0)),
                cell("b", None, "native", Some(2.0)),
                cell("b", o0, "lli", Some(2.0)),
                cell("b", o0, "irjit-eager-O0", None),
            ],
            duration_s: 0.0,
        }
    }

    #[test]
    fn failed_cells_show_as_failed_and_never_count() {
        let r = fixture();
        let irjit = r
            .engines
            .iter()
            .find(|e| e.name == "irjit-eager-O0")
            .unwrap();
        let lli = r.engines.iter().find(|e| e.name == "lli").unwrap();
        assert_eq!(r.ratios("a", Level::O0, irjit), (Some(2.0), Some(0.5)));
        assert_eq!(r.ratios("b", Level::O0, irjit), (None, None));
        let g = r.geomean(Level::O0, irjit).unwrap();
        assert_eq!((g.native, g.lli, g.count), (2.0, Some(0.5), 1));
        let g = r.geomean(Level::O0, lli).unwrap();
        assert_eq!((g.native, g.count), (2.0, 2));

        let md = markdown(&r);
        assert!(
            md.contains("| a | 1.000 s | 4.000 s (×4.00) | 2.000 s (×2.00, ×0.50) |"),
            "{md}"
        );
        assert!(
            md.contains("| b | 2.000 s | 2.000 s (×1.00) | **FAILED**: stdout differs (line 2) |"),
            "{md}"
        );
        assert!(md.contains("**×2.00**, ×0.50 (1 of 2)"), "{md}");
        assert!(md.contains("- Interleaved: each benchmark's cells"), "{md}");
        assert!(
            md.contains("irjit-lazy (not available yet: irjit has no `--lazy`)"),
            "{md}"
        );
        assert!(
            md.contains("- **b -O0, irjit-eager-O0**: stdout differs (line 2)"),
            "{md}"
        );
    }

    #[test]
    fn summarizes_stats_and_stderr() {
        let eager = Stats::parse(
            "irjit: stats: units defined 5, compiled 5 at O2\n\
             irjit: stats: load 1.000 ms, compile 34.600 ms, link 1.000 ms, start-up 36.500 ms, total 40.000 ms\n",
        );
        assert_eq!(stats_text(&eager), "34.6 ms / 36.5 ms; 5/5 units at O2");
        let lazy = Stats::parse(
            "irjit: stats: mode lazy, functions defined 4, compiled 3 at O2\n\
             irjit: stats: units defined 5, compiled 4 at O2\n\
             irjit: stats: load 1.000 ms, compile 1234.000 ms, start-up 2.700 ms\n",
        );
        assert_eq!(stats_text(&lazy), "1234 ms / 2.7 ms; 3/4 at O2");
        let adaptive = Stats::parse(
            "irjit: stats: mode lazy adaptive, functions defined 4, compiled 3\n\
             irjit: stats: tiers: 3 functions first at tier 0, 0 first at tier 2 (O2); \
             1 moved to tier 2 in the background (1 compiles, 20.000 ms)\n\
             irjit: stats: units defined 5, compiled 4 at O2\n\
             irjit: stats: load 1.000 ms, compile 30.000 ms, start-up 2.700 ms\n",
        );
        assert_eq!(
            stats_text(&adaptive),
            "30.0 ms / 2.7 ms; 3/4: 3 tier 0, 0 tier 2, 1 up"
        );
        let lli = "malloc(): corrupted\nStack dump:\n0.\tProgram arguments: lli-19 x.bc\n #0 0x1 (a)\n#1 0x2 (b)\n";
        assert_eq!(stderr_summary(lli).as_deref(), Some("malloc(): corrupted"));
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(0.5123), "0.512 s");
        assert_eq!(seconds(15.34), "15.3 s");
        assert_eq!(ratio(2.414), "×2.41");
        assert_eq!(ratio(12.34), "×12.3");
        assert_eq!(ratio(153.4), "×153");
    }
}
