//! Running one command under a deadline, capturing its output, exit status and peak RSS
//! (`wait4`'s `ru_maxrss`). The command runs in its own process group, so a timeout kills
//! everything it started.

use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "value")]
pub enum Exit {
    /// Exited with this status.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
    /// Still running at the deadline (then killed).
    Timeout,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Exit::Code(code) => write!(f, "exit {code}"),
            Exit::Signal(signal) => write!(f, "killed by {}", signal_name(signal)),
            Exit::Timeout => f.write_str("timeout"),
        }
    }
}

/// `SIGSEGV` for 11 and so on; the number for signals without a well-known name.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    format!("{name} (signal {signal})")
}

/// The result of [`run`].
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How it ended.
    pub exit: Exit,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// Wall time from spawn to exit.
    pub wall: Duration,
    /// Peak resident set size in KiB (`ru_maxrss`, the largest of the process and its waited-for
    /// children).
    pub max_rss_kib: u64,
}

/// Runs `cmd` in `cwd` with stdin from /dev/null, killing its process group after `timeout`.
pub fn run(cmd: &[String], cwd: &Path, timeout: Duration) -> anyhow::Result<Outcome> {
    let (program, args) = cmd.split_first().context("empty command")?;
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("failed to start {program}"))?;
    let pid = child.id() as libc::pid_t;
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));

    let mut status = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: pid is our child, not yet reaped (`child.wait` is never called); status and usage
        // are valid for writes.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break;
        }
        if reaped == -1 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error).context("wait4 failed");
        }
        if !timed_out && start.elapsed() >= timeout {
            timed_out = true;
            // SAFETY: kill has no memory-safety preconditions. The negative pid is the process
            // group the child leads (process_group(0)), which holds only what it started.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        thread::sleep(Duration::from_millis(2));
    }
    let wall = start.elapsed();
    if !timed_out {
        // Anything the program left running in its group would keep the pipes open.
        // SAFETY: as above; the group may be gone already, then kill fails harmlessly.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
    let exit = if timed_out {
        Exit::Timeout
    } else if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else {
        Exit::Signal(libc::WTERMSIG(status))
    };
    Ok(Outcome {
        exit,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        wall,
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout: Duration) -> Outcome {
        let cmd = ["sh", "-c", script].map(String::from);
        run(&cmd, Path::new("/"), timeout).unwrap()
    }

    #[test]
    fn captures_output_and_status() {
        let out = sh("echo out; echo err >&2; exit 3", Duration::from_secs(10));
        assert_eq!(out.exit, Exit::Code(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert!(out.max_rss_kib > 0);
    }

    #[test]
    fn reports_signals() {
        let out = sh("kill -SEGV $$", Duration::from_secs(10));
        assert_eq!(out.exit, Exit::Signal(libc::SIGSEGV));
        assert_eq!(out.exit.to_string(), "killed by SIGSEGV (signal 11)");
    }

    #[test]
    fn kills_the_whole_group_at_the_deadline() {
        let out = sh("sleep 30 & sleep 30", Duration::from_millis(200));
        assert_eq!(out.exit, Exit::Timeout);
        assert!(out.wall < Duration::from_secs(10));
    }
}
