//! What the results were measured on: date, machine, tool versions, irjit's commit.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::engines::LLI;
use crate::hyperfine::HYPERFINE;
use crate::programs::CLANG;

/// The measuring machine and tools.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Machine {
    /// Local date at the start, `YYYY-MM-DD`.
    pub date: String,
    /// Local time at the start, `HH:MM`.
    pub time: String,
    /// The host name.
    pub hostname: String,
    /// The CPU model from /proc/cpuinfo.
    pub cpu: String,
    /// Online CPUs.
    pub cores: usize,
    /// The kernel release.
    pub kernel: String,
    /// The distribution (`PRETTY_NAME` of /etc/os-release).
    pub os: String,
    /// `/proc/loadavg` at the start: other work on the machine makes every time longer.
    pub load_at_start: String,
    /// `/proc/loadavg` at the end.
    pub load_at_end: String,
    /// `lli-19 --version`, the LLVM version line.
    pub llvm: String,
    /// `clang-19 --version`, first line.
    pub clang: String,
    /// `hyperfine --version`.
    pub hyperfine: String,
    /// The irjit binary measured.
    pub irjit: String,
    /// `irjit --version`.
    pub irjit_version: String,
    /// The workspace's git commit, with `-dirty` if the tree has uncommitted changes.
    pub commit: String,
    /// Whether the irjit binary was given with `--irjit` (then it may not be built from `commit`).
    pub irjit_given: bool,
}

impl Machine {
    /// Collects everything but `load_at_end`.
    pub fn probe(root: &Path, irjit: &Path, irjit_given: bool) -> Machine {
        let (date, time) = local_date_time();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let llvm = output(LLI, &["--version"])
            .lines()
            .find(|l| l.contains("LLVM version"))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let commit = {
            let hash = output_in(root, "git", &["rev-parse", "--short=12", "HEAD"]);
            let dirty = !output_in(
                root,
                "git",
                &["status", "--porcelain", "--untracked-files=no"],
            )
            .is_empty();
            if hash.is_empty() {
                "unknown".into()
            } else if dirty {
                format!("{hash}-dirty")
            } else {
                hash
            }
        };
        Machine {
            date,
            time,
            hostname: read("/proc/sys/kernel/hostname"),
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            kernel: read("/proc/sys/kernel/osrelease"),
            os,
            load_at_start: load_average(),
            load_at_end: String::new(),
            llvm,
            clang: output(CLANG, &["--version"])
                .lines()
                .next()
                .unwrap_or("unknown")
                .to_string(),
            hyperfine: output(HYPERFINE, &["--version"]),
            irjit: irjit.display().to_string(),
            irjit_version: output(&irjit.to_string_lossy(), &["--version"]),
            commit,
            irjit_given,
        }
    }
}

/// The first three fields of /proc/loadavg.
pub fn load_average() -> String {
    read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn output(program: &str, args: &[&str]) -> String {
    output_in(Path::new("."), program, args)
}

fn output_in(dir: &Path, program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn local_date_time() -> (String, String) {
    // SAFETY: time(NULL) only returns the time; tm is plain old data filled by localtime_r, which
    // is the thread-safe variant.
    let tm = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        tm
    };
    (
        format!(
            "{:04}-{:02}-{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday
        ),
        format!("{:02}:{:02}", tm.tm_hour, tm.tm_min),
    )
}
