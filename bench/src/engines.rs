//! The engines: defined once in [`ENGINES`], each with its command and the `irjit run` flags it
//! needs. An engine whose flags `irjit run --help` does not list is "not available yet".

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::programs::Built;
use crate::suite::Level;

/// LLVM's interpreter/JIT driver; `lli` on PATH may be another LLVM version.
pub const LLI: &str = "lli-19";

/// What runs the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// The native `clang-19 -O2` binary: the reference, one per benchmark (not per bitcode level).
    Native,
    /// `lli-19 OPTIONS PROGRAM.bc ARGS`.
    Lli,
    /// `irjit run OPTIONS PROGRAM.bc ARGS`.
    Irjit,
}

/// How an engine uses irjit's persistent code cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cache {
    /// No cache directory.
    None,
    /// `--cache-dir DIR`, emptied before every run (hyperfine `--prepare`).
    Cold,
    /// `--cache-dir DIR`, filled by the runs before the timed ones.
    Warm,
}

/// One engine of the table.
#[derive(Debug)]
pub struct EngineSpec {
    /// The name in tables and in `--engines`.
    pub name: &'static str,
    /// What runs the program.
    pub runner: Runner,
    /// Options before the program (for irjit, after `run`).
    pub options: &'static [&'static str],
    /// Flags `irjit run --help` must list for the engine to exist.
    pub requires: &'static [&'static str],
    /// `(flag, option)`: `option` is added when `irjit run --help` lists `flag`. This keeps a mode's
    /// meaning when later flags arrive with other defaults (eager stays eager once lazy is the
    /// default, and no engine but the cache ones uses the cache).
    pub if_supported: &'static [(&'static str, &'static str)],
    /// How the engine uses the code cache; not [`Cache::None`] adds `--cache-dir DIR`.
    pub cache: Cache,
    /// What the engine is.
    pub about: &'static str,
}

/// Every engine, in column order.
pub const ENGINES: &[EngineSpec] = &[
    EngineSpec {
        name: "native",
        runner: Runner::Native,
        options: &[],
        requires: &[],
        if_supported: &[],
        cache: Cache::None,
        about: "clang-19 -O2 binary built from the C sources (the reference)",
    },
    EngineSpec {
        name: "lli",
        runner: Runner::Lli,
        options: &[],
        requires: &[],
        if_supported: &[],
        cache: Cache::None,
        about: "lli-19 with its defaults (ORC, eager, codegen -O2, no IR passes)",
    },
    EngineSpec {
        name: "lli-orc-lazy",
        runner: Runner::Lli,
        options: &["-jit-kind=orc-lazy"],
        requires: &[],
        if_supported: &[],
        cache: Cache::None,
        about: "lli-19, lazy per-function compilation",
    },
    EngineSpec {
        name: "irjit-eager-O0",
        runner: Runner::Irjit,
        options: &["-O0"],
        requires: &[],
        if_supported: &[
            ("--lazy", "--lazy=off"),
            ("--tier", "--tier=0"),
            ("--no-cache", "--no-cache"),
        ],
        cache: Cache::None,
        about: "irjit, every function compiled at -O0 before main",
    },
    EngineSpec {
        name: "irjit-eager-O2",
        runner: Runner::Irjit,
        options: &["-O2"],
        requires: &[],
        if_supported: &[
            ("--lazy", "--lazy=off"),
            ("--tier", "--tier=2"),
            ("--no-cache", "--no-cache"),
        ],
        cache: Cache::None,
        about: "irjit, every function compiled at -O2 before main",
    },
    EngineSpec {
        name: "irjit-lazy",
        runner: Runner::Irjit,
        options: &["-O2", "--lazy=on"],
        requires: &["--lazy"],
        if_supported: &[("--tier", "--tier=2"), ("--no-cache", "--no-cache")],
        cache: Cache::None,
        about: "irjit, each function compiled at -O2 on its first call",
    },
    EngineSpec {
        name: "irjit-adaptive",
        runner: Runner::Irjit,
        options: &["--tier=adaptive"],
        requires: &["--tier"],
        if_supported: &[("--lazy", "--lazy=on"), ("--no-cache", "--no-cache")],
        cache: Cache::None,
        about: "irjit, tier 0 with counters first, hot functions recompiled at -O2 in the background, hot loops moved there by OSR",
    },
    EngineSpec {
        name: "irjit-tier0",
        runner: Runner::Irjit,
        options: &["--tier=0", "--lazy=on"],
        requires: &["--tier"],
        if_supported: &[("--no-cache", "--no-cache")],
        cache: Cache::None,
        about: "irjit, tier 0 only: each function compiled at -O0 on its first call, no counters \
                (the baseline of the counter overhead)",
    },
    EngineSpec {
        name: "irjit-tier0-counters",
        runner: Runner::Irjit,
        options: &[
            "--tier=adaptive",
            "--lazy=on",
            "--tier-threshold=never",
            "--interp-calls=0",
        ],
        requires: &["--tier", "--tier-threshold", "--interp-calls"],
        if_supported: &[("--no-cache", "--no-cache")],
        cache: Cache::None,
        about: "irjit, tier-0 code with its counters and OSR checks, nothing recompiled (no \
                poller or compile thread) and no interpreter: irjit-tier0 plus counting, what \
                counting costs",
    },
    EngineSpec {
        name: "irjit-cache-cold",
        runner: Runner::Irjit,
        options: &[],
        requires: &["--cache-dir"],
        if_supported: &[],
        cache: Cache::Cold,
        about: "irjit defaults with an empty code cache (filled during the run)",
    },
    EngineSpec {
        name: "irjit-cache-warm",
        runner: Runner::Irjit,
        options: &[],
        requires: &["--cache-dir"],
        if_supported: &[],
        cache: Cache::Warm,
        about: "irjit defaults with a code cache filled by an earlier run and `irjit aot --profile`",
    },
];

/// An engine of [`ENGINES`], resolved against the irjit binary at hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Engine {
    /// The name in tables.
    pub name: String,
    /// What the engine is.
    pub about: String,
    /// How the engine uses the code cache.
    pub cache: Cache,
    /// `None` if it can run; otherwise why not, e.g. "needs `--lazy`".
    pub unavailable: Option<String>,
    /// The command with placeholders, for the report.
    pub template: String,
    /// What runs the program.
    pub runner: Runner,
    /// Options between the runner and the program, `if_supported` ones included.
    pub options: Vec<String>,
}

/// The tools engines run.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `irjit run --help`, or why it could not be read.
    pub irjit_help: Result<String, String>,
}

impl Tools {
    /// Asks the irjit binary for its `run` flags.
    pub fn probe(irjit: &Path) -> Tools {
        let help = match Command::new(irjit).args(["run", "--help"]).output() {
            Ok(out) if out.status.success() => {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            }
            Ok(out) => Err(format!(
                "`{} run --help` failed ({}): {}",
                irjit.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("cannot run {}: {e}", irjit.display())),
        };
        Tools { irjit_help: help }
    }

    fn has_flag(&self, flag: &str) -> bool {
        self.irjit_help
            .as_ref()
            .is_ok_and(|help| help_lists_flag(help, flag))
    }
}

/// Whether `--help` text lists `flag` as a whole word (`--lazy` is not found in `--lazy-limit`).
fn help_lists_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(at, _)| {
        let before = help[..at].chars().next_back();
        let after = help[at + flag.len()..].chars().next();
        let word =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        !word(before) && !word(after)
    })
}

impl Engine {
    /// Resolves every engine of [`ENGINES`].
    pub fn resolve_all(tools: &Tools) -> Vec<Engine> {
        ENGINES
            .iter()
            .map(|spec| Engine::resolve(spec, tools))
            .collect()
    }

    fn resolve(spec: &EngineSpec, tools: &Tools) -> Engine {
        let mut unavailable = None;
        let mut options: Vec<String> = spec.options.iter().map(|s| s.to_string()).collect();
        if spec.runner == Runner::Irjit {
            if let Err(why) = &tools.irjit_help {
                unavailable = Some(why.clone());
            } else {
                let missing: Vec<String> = spec
                    .requires
                    .iter()
                    .filter(|flag| !tools.has_flag(flag))
                    .map(|flag| format!("`{flag}`"))
                    .collect();
                if !missing.is_empty() {
                    unavailable = Some(format!(
                        "not available yet: irjit has no {}",
                        missing.join(", ")
                    ));
                }
                for (flag, option) in spec.if_supported {
                    if tools.has_flag(flag) {
                        options.push(option.to_string());
                    }
                }
            }
        }
        let mut engine = Engine {
            name: spec.name.to_string(),
            about: spec.about.to_string(),
            cache: spec.cache,
            unavailable,
            template: String::new(),
            runner: spec.runner,
            options,
        };
        let placeholder = Built {
            native: "NAME-native".into(),
            bitcode_o0: "PROGRAM.bc".into(),
            bitcode_o2: "PROGRAM.bc".into(),
            args: vec!["ARGS".into()],
        };
        let irjit = Path::new("irjit");
        engine.template = engine
            .command(irjit, &placeholder, Level::O2, Path::new("DIR"), false)
            .join(" ");
        engine
    }

    /// Whether the engine can run.
    pub fn available(&self) -> bool {
        self.unavailable.is_none()
    }

    /// Whether this is the native reference.
    pub fn is_native(&self) -> bool {
        self.runner == Runner::Native
    }

    /// Whether this is an irjit mode (which has `--stats`).
    pub fn is_irjit(&self) -> bool {
        self.runner == Runner::Irjit
    }

    /// The command line that runs `built` at `level`; `cache_dir` is used by cache engines,
    /// `stats` adds irjit's `--stats`.
    pub fn command(
        &self,
        irjit: &Path,
        built: &Built,
        level: Level,
        cache_dir: &Path,
        stats: bool,
    ) -> Vec<String> {
        let mut cmd: Vec<String> = Vec::new();
        match self.runner {
            Runner::Native => cmd.push(built.native.to_string_lossy().into_owned()),
            Runner::Lli => {
                cmd.push(LLI.to_string());
                cmd.extend(self.options.iter().cloned());
                cmd.push(built.bitcode(level).to_string_lossy().into_owned());
            }
            Runner::Irjit => {
                cmd.push(irjit.to_string_lossy().into_owned());
                cmd.push("run".to_string());
                if stats {
                    cmd.push("--stats".to_string());
                }
                cmd.extend(self.options.iter().cloned());
                if self.cache != Cache::None {
                    cmd.push("--cache-dir".to_string());
                    cmd.push(cache_dir.to_string_lossy().into_owned());
                }
                cmd.push(built.bitcode(level).to_string_lossy().into_owned());
            }
        }
        cmd.extend(built.args.iter().cloned());
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools_with_help(help: &str) -> Tools {
        Tools {
            irjit_help: Ok(help.to_string()),
        }
    }

    #[test]
    fn flags_are_matched_as_whole_words() {
        let help = "  -O <LEVEL>  level\n      --lazy-limit <N>  x\n      --stats  y\n";
        assert!(help_lists_flag(help, "--stats"));
        assert!(!help_lists_flag(help, "--lazy"));
        assert!(help_lists_flag("      --lazy=<on|off>  z", "--lazy"));
        assert!(help_lists_flag("      --lazy <MODE>  z", "--lazy"));
    }

    #[test]
    fn engines_without_their_flags_are_not_available() {
        let engines = Engine::resolve_all(&tools_with_help("      --stats  print"));
        let lazy = engines.iter().find(|e| e.name == "irjit-lazy").unwrap();
        assert!(lazy.unavailable.as_deref().unwrap().contains("`--lazy`"));
        let eager = engines.iter().find(|e| e.name == "irjit-eager-O0").unwrap();
        assert!(eager.available());
        assert_eq!(eager.template, "irjit run -O0 PROGRAM.bc ARGS");
    }

    #[test]
    fn later_flags_keep_eager_eager() {
        let help = "      --lazy <on|off>  x\n      --tier <T>  y\n      --cache-dir <DIR>  z\n";
        let engines = Engine::resolve_all(&tools_with_help(help));
        let eager = engines.iter().find(|e| e.name == "irjit-eager-O2").unwrap();
        assert_eq!(
            eager.template,
            "irjit run -O2 --lazy=off --tier=2 PROGRAM.bc ARGS"
        );
        let warm = engines
            .iter()
            .find(|e| e.name == "irjit-cache-warm")
            .unwrap();
        assert!(warm.available());
        assert_eq!(warm.template, "irjit run --cache-dir DIR PROGRAM.bc ARGS");
    }

    #[test]
    fn a_missing_irjit_makes_irjit_engines_unavailable_only() {
        let tools = Tools {
            irjit_help: Err("cannot run irjit".into()),
        };
        let engines = Engine::resolve_all(&tools);
        for engine in &engines {
            assert_eq!(engine.available(), !engine.is_irjit(), "{}", engine.name);
        }
    }
}
