//! `irjit binfmt install|uninstall|status`: register irjit with Linux `binfmt_misc`, so that raw
//! bitcode files and plain (`#!`-less) bundles run as `./prog` once executable.
//!
//! Bundles made with a `#!` line need no registration: the kernel's script loader runs them. The
//! kernel starts a registered file as `INTERPRETER FILE ARGS...`, which `irjit` takes as
//! `irjit run FILE ARGS...` (see `main.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use clap::{Args, Subcommand};

/// Where `binfmt_misc` is mounted.
const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// One registration: a name in `binfmt_misc` and the bytes that identify the files.
struct Format {
    name: &'static str,
    what: &'static str,
    magic: &'static [u8],
    /// `None`: every magic byte must match; else a mask (0 bytes match anything).
    mask: Option<&'static [u8]>,
}

/// A ZIP local header (4 bytes), 26 bytes of header fields that vary, then the first entry's name.
const BUNDLE_MAGIC: &[u8] =
    b"PK\x03\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0main.bc";
const BUNDLE_MASK: &[u8] = b"\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff";

const FORMATS: [Format; 2] = [
    Format {
        name: "irjit-bitcode",
        what: "LLVM bitcode (magic BC C0 DE)",
        magic: b"BC\xc0\xde",
        mask: None,
    },
    Format {
        name: "irjit-bundle",
        what: "plain bundles (a ZIP archive whose first entry is main.bc)",
        magic: BUNDLE_MAGIC,
        mask: Some(BUNDLE_MASK),
    },
];

/// Options of `irjit binfmt`.
#[derive(Args, Debug)]
pub struct BinfmtCommand {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Register irjit for bitcode and plain bundles (needs root and binfmt_misc, which it mounts
    /// if it is not mounted).
    Install {
        /// The irjit executable to register (default: this one).
        #[arg(long, value_name = "PATH")]
        interpreter: Option<PathBuf>,
    },
    /// Remove irjit's registrations (needs root).
    Uninstall,
    /// Show whether irjit is registered.
    Status,
}

/// Runs `irjit binfmt ...`.
pub fn run(command: BinfmtCommand) -> anyhow::Result<u8> {
    let dir = Path::new(BINFMT_DIR);
    match command.action {
        Action::Install { interpreter } => {
            require_root("install")?;
            let interpreter = match interpreter {
                Some(path) => path,
                None => std::env::current_exe().context("cannot find the running irjit")?,
            };
            let interpreter = interpreter
                .canonicalize()
                .with_context(|| format!("cannot find {}", interpreter.display()))?;
            let shown = interpreter
                .to_str()
                .with_context(|| format!("{} is not UTF-8", interpreter.display()))?;
            anyhow::ensure!(
                !shown.contains(':'),
                "binfmt_misc cannot register {shown}: the path contains ':'"
            );
            if !is_mounted(dir) {
                mount(dir)?;
                println!("mounted binfmt_misc on {BINFMT_DIR}");
            }
            for format in &FORMATS {
                let entry = dir.join(format.name);
                if entry.exists() {
                    write(&entry, "-1")?;
                }
                write(&dir.join("register"), &registration(format, shown))?;
                println!(
                    "registered {}: {} runs with {shown}",
                    format.name, format.what
                );
            }
            Ok(0)
        }
        Action::Uninstall => {
            require_root("uninstall")?;
            if !is_mounted(dir) {
                println!("nothing to remove: binfmt_misc is not mounted on {BINFMT_DIR}");
                return Ok(0);
            }
            for format in &FORMATS {
                let entry = dir.join(format.name);
                if entry.exists() {
                    write(&entry, "-1")?;
                    println!("removed {}", format.name);
                } else {
                    println!("{}: not registered", format.name);
                }
            }
            Ok(0)
        }
        Action::Status => {
            if !is_mounted(dir) {
                println!(
                    "binfmt_misc: not mounted on {BINFMT_DIR} (irjit binfmt install mounts it, as root)"
                );
                for format in &FORMATS {
                    println!("{}: not registered", format.name);
                }
                return Ok(0);
            }
            let enabled = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
            println!("binfmt_misc: mounted on {BINFMT_DIR}, {}", enabled.trim());
            for format in &FORMATS {
                match std::fs::read_to_string(dir.join(format.name)) {
                    Ok(text) => {
                        let state = text.lines().next().unwrap_or("?");
                        let interpreter = text
                            .lines()
                            .find_map(|l| l.strip_prefix("interpreter "))
                            .unwrap_or("?");
                        println!(
                            "{}: registered, {state}: {} runs with {interpreter}",
                            format.name, format.what
                        );
                    }
                    Err(_) => println!("{}: not registered", format.name),
                }
            }
            Ok(0)
        }
    }
}

/// The line written to `register`: `:NAME:M:0:MAGIC:MASK:INTERPRETER:F` (magic and mask as
/// `\xHH` escapes; `F` opens the interpreter now, so it works in other mount namespaces too).
fn registration(format: &Format, interpreter: &str) -> String {
    let hex = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|b| format!("\\x{b:02x}"))
            .collect::<String>()
    };
    format!(
        ":{}:M:0:{}:{}:{interpreter}:F",
        format.name,
        hex(format.magic),
        format.mask.map(hex).unwrap_or_default()
    )
}

fn is_mounted(dir: &Path) -> bool {
    dir.join("register").exists()
}

fn require_root(action: &str) -> anyhow::Result<()> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(str::to_string))
        });
    anyhow::ensure!(
        uid.as_deref() == Some("0"),
        "irjit binfmt {action} needs root: binfmt_misc registrations are system-wide (run it with sudo)"
    );
    Ok(())
}

fn mount(dir: &Path) -> anyhow::Result<()> {
    let out = Command::new("mount")
        .args(["-t", "binfmt_misc", "binfmt_misc"])
        .arg(dir)
        .output()
        .context("binfmt_misc is not mounted and mount(8) cannot be run")?;
    anyhow::ensure!(
        out.status.success() && is_mounted(dir),
        "binfmt_misc is not mounted on {BINFMT_DIR} and mounting it failed: {} (is the binfmt_misc kernel module available? modprobe binfmt_misc)",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text)
        .with_context(|| format!("cannot write {text:?} to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_escape_magic_and_mask() {
        assert_eq!(
            registration(&FORMATS[0], "/usr/bin/irjit"),
            r":irjit-bitcode:M:0:\x42\x43\xc0\xde::/usr/bin/irjit:F"
        );
        let bundle = registration(&FORMATS[1], "/i");
        assert!(
            bundle.starts_with(r":irjit-bundle:M:0:\x50\x4b\x03\x04\x00"),
            "{bundle}"
        );
        assert_eq!(BUNDLE_MAGIC.len(), BUNDLE_MASK.len());
        assert_eq!(&BUNDLE_MAGIC[30..], b"main.bc");
    }
}
