//! The `irjit` command: runs programs shipped as LLVM IR. This crate is not a library.
//!
//! Exit status: a program run by `irjit run` exits with its own status (or dies by its own
//! signal). irjit's own failures use [`exit::FAILURE`] (125), command-line errors use 2, and an
//! internal error of irjit (a bug) uses [`exit::INTERNAL`] (124).
//!
//! `irjit FILE ARGS...` with a bitcode file or a bundle is `irjit run FILE ARGS...`: that is how
//! the kernel starts files registered with `irjit binfmt install`.
//!
//! `main` is the C library's entry, not Rust's (`no_main`): std's start-up finds the main
//! thread's stack by reading `/proc/self/maps`, a tenth of a warm run of a small program. std
//! still has the arguments (glibc hands them over), SIGPIPE keeps its default action, as in C
//! tools, and stdout is flushed before returning.
#![cfg_attr(not(test), no_main)]

mod commands;
mod exit;
mod libm;
mod log;

use std::ffi::OsString;
use std::path::Path;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// What `irjit --help` says first.
const ABOUT: &str = "Run programs shipped as LLVM IR: lazily compiled, tiered, cached.";

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "irjit", version, about = ABOUT, propagate_version = true)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); IRJIT_LOG takes a filter too.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

/// The command line of `irjit run` alone, as [`Cli`] defines it: building the arguments of every
/// subcommand costs a tenth of a warm run of a small program, so `run` builds only its own.
#[derive(Parser, Debug)]
#[command(name = "irjit", version, about = ABOUT, propagate_version = true)]
struct RunCli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); IRJIT_LOG takes a filter too.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: RunOnly,
}

/// [`Command::Run`] alone.
#[derive(Subcommand, Debug)]
enum RunOnly {
    /// Run a program: a bundle, LLVM bitcode (.bc) or textual IR (.ll).
    Run(commands::run::RunArgs),
}

/// The subcommands' names (a test checks them against [`Command`]).
const SUBCOMMANDS: [&str; 6] = ["run", "pack", "info", "binfmt", "cache", "aot"];

/// Parses `args` with `command` (made by `T::command()`), exiting as clap does on errors, help
/// and version requests.
fn parse<T: FromArgMatches>(mut command: clap::Command, args: Vec<OsString>) -> T {
    let mut matches = command
        .try_get_matches_from_mut(args)
        .unwrap_or_else(|e| e.exit());
    T::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut command).exit())
}

/// Where the subcommand is: after global flags (-v), none of which takes a value.
fn subcommand_index(args: &[OsString]) -> Option<usize> {
    args.iter()
        .skip(1)
        .position(|a| !a.to_string_lossy().starts_with('-'))
        .map(|p| p + 1)
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program: a bundle, LLVM bitcode (.bc) or textual IR (.ll).
    Run(commands::run::RunArgs),
    /// Make a program bundle: a main module plus library modules and bitcode archives, in one
    /// executable file.
    Pack(commands::pack::PackArgs),
    /// Show what a bundle holds: modules, functions, host symbols, what the cache has.
    Info(commands::info::InfoArgs),
    /// Register irjit with the kernel's binfmt_misc, so bitcode files run as ./prog.bc.
    Binfmt(commands::binfmt::BinfmtCommand),
    /// Inspect, trim or empty the code cache.
    Cache(commands::cache::CacheCommand),
    /// Fill the code cache ahead of time: every function (or the profile's hot set) at tier 2.
    Aot(commands::aot::AotArgs),
}

/// `irjit FILE ARGS...` → `irjit run FILE ARGS...` when FILE is no subcommand or option but a
/// file holding bitcode or a bundle.
fn with_implicit_run(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.get(1) else {
        return args;
    };
    let is_command = first
        .to_str()
        .is_some_and(|s| s.starts_with('-') || s == "help" || SUBCOMMANDS.contains(&s));
    let path = Path::new(first);
    if !is_command && path.is_file() && is_program_file(path) {
        args.insert(1, OsString::from("run"));
    }
    args
}

/// `irjit run [OPTIONS] PROGRAM ARGS...` → `irjit run [OPTIONS] -- PROGRAM ARGS...`: whatever
/// follows the program is the program's, even `--help`, `-v` or `--` (a bundle's `#!` line
/// makes the kernel start `irjit run ./APP ARGS...` with the user's arguments).
fn program_args_verbatim(command: &clap::Command, mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(subcommand) = subcommand_index(&args) else {
        return args;
    };
    if args[subcommand].to_str() != Some("run") {
        return args;
    }
    let run = command
        .find_subcommand("run")
        .expect("irjit has a run subcommand");
    let arguments = || command.get_arguments().chain(run.get_arguments());
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    let long_takes_value =
        |name: &str| arguments().any(|a| a.get_long() == Some(name) && takes_value(a));
    let short_takes_value =
        |c: char| arguments().any(|a| a.get_short() == Some(c) && takes_value(a));
    let mut i = subcommand + 1;
    while let Some(arg) = args.get(i) {
        let Some(text) = arg.to_str() else {
            break;
        };
        if text == "--" {
            return args;
        }
        if let Some(long) = text.strip_prefix("--") {
            i += if !long.contains('=') && long_takes_value(long) {
                2
            } else {
                1
            };
        } else if let Some(shorts) = text.strip_prefix('-').filter(|s| !s.is_empty()) {
            // A cluster of flags (-vv), ending at the first one that takes a value, attached
            // (-O2) or as the next argument (-O 2).
            let mut skip = 1;
            for (at, c) in shorts.char_indices() {
                if short_takes_value(c) {
                    if at + c.len_utf8() == shorts.len() {
                        skip = 2;
                    }
                    break;
                }
            }
            i += skip;
        } else {
            break;
        }
    }
    if i < args.len() {
        args.insert(i, OsString::from("--"));
    }
    args
}

/// Whether `path` starts like bitcode or a bundle.
fn is_program_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    read.is_ok()
        && (irjit_runtime::bundle::is_bitcode(&head)
            || irjit_runtime::bundle::looks_like_bundle(path).unwrap_or(false))
}

/// The process entry, called by the C library's start-up code.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    let code = irjit_main();
    // std's start-up would have flushed stdout at exit; C's `exit` does not know that buffer.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code.into()
}

#[cfg_attr(test, allow(dead_code))]
fn irjit_main() -> u8 {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("irjit: internal error: {info}");
        std::process::exit(exit::INTERNAL.into());
    }));
    let args = with_implicit_run(std::env::args_os().collect());
    // Each command is built once: that costs as much as a warm run's linking.
    let (verbose, command) = if let Some(args) = commands::run::RunArgs::simple(&args) {
        (0, Command::Run(args))
    } else if subcommand_index(&args).is_some_and(|i| args[i].to_str() == Some("run")) {
        let command = RunCli::command();
        let args = program_args_verbatim(&command, args);
        let cli: RunCli = parse(command, args);
        let RunOnly::Run(args) = cli.command;
        (cli.verbose, Command::Run(args))
    } else {
        let cli: Cli = parse(Cli::command(), args);
        (cli.verbose, cli.command)
    };
    log::init(verbose);
    let result = match command {
        Command::Run(args) => commands::run::run(args),
        Command::Pack(args) => commands::pack::run(args),
        Command::Info(args) => commands::info::run(args),
        Command::Binfmt(command) => commands::binfmt::run(command),
        Command::Cache(command) => commands::cache::run(command),
        Command::Aot(args) => commands::aot::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("irjit: error: {error:#}");
            exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verbatim(line: &str) -> String {
        let args = line.split(' ').map(OsString::from).collect();
        let out = program_args_verbatim(&RunCli::command(), args);
        out.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn everything_after_the_program_is_the_programs() {
        assert_eq!(
            verbatim("irjit run ./app --help -v x"),
            "irjit run -- ./app --help -v x"
        );
        assert_eq!(
            verbatim("irjit run -O2 --tier 0 -O 1 --cache-dir=/c --dlopen libz.so -vv p.bc -- x"),
            "irjit run -O2 --tier 0 -O 1 --cache-dir=/c --dlopen libz.so -vv -- p.bc -- x"
        );
        assert_eq!(verbatim("irjit run -- p.bc --x"), "irjit run -- p.bc --x");
        assert_eq!(verbatim("irjit run --stats"), "irjit run --stats");
        assert_eq!(verbatim("irjit aot p.bc --x"), "irjit aot p.bc --x");
        assert_eq!(verbatim("irjit -v run p.bc -v"), "irjit -v run -- p.bc -v");
    }

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
        RunCli::command().debug_assert();
    }

    #[test]
    fn subcommand_names_are_the_commands() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        assert_eq!(names, SUBCOMMANDS);
    }

    /// The quick reading of plain `irjit run` lines is clap's, and it leaves the rest to clap.
    #[test]
    fn simple_run_lines_read_as_clap_reads_them() {
        let split = |line: &str| -> Vec<OsString> { line.split(' ').map(OsString::from).collect() };
        for line in [
            "irjit run p.bc",
            "irjit run p.bc a -v --help -- --stats",
            "irjit run --stats p.bc x",
            "irjit run --no-cache p.bc",
            "irjit run --cache-dir /tmp/c p.bc 1",
            "irjit run --cache-dir=/tmp/c --stats --no-cache p.bc",
        ] {
            let fast = commands::run::RunArgs::simple(&split(line)).expect(line);
            let command = RunCli::command();
            let args = program_args_verbatim(&command, split(line));
            let cli = RunCli::from_arg_matches(&command.get_matches_from(args)).expect(line);
            let RunOnly::Run(clap) = cli.command;
            assert_eq!(cli.verbose, 0);
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"), "{line}");
        }
        for line in [
            "irjit",
            "irjit run",
            "irjit run -O0 p.bc",
            "irjit -v run p.bc",
            "irjit run -- p.bc",
            "irjit run --stats --stats p.bc",
            "irjit run --cache-dir a --cache-dir b p.bc",
            "irjit run --cache-dir= p.bc",
            "irjit run --cache-dir",
            "irjit run --tier 0 p.bc",
            "irjit aot p.bc",
        ] {
            assert!(
                commands::run::RunArgs::simple(&split(line)).is_none(),
                "{line}"
            );
        }
    }

    /// `irjit run` parsed alone reads as it does within the whole command line.
    #[test]
    fn run_alone_is_run_within_the_whole() {
        let whole = Cli::command();
        let alone = RunCli::command();
        let describe = |c: &clap::Command| {
            let run = c.find_subcommand("run").expect("run");
            let args: Vec<String> = c
                .get_arguments()
                .chain(run.get_arguments())
                .map(|a| format!("{a:?}"))
                .collect();
            (
                c.get_name().to_string(),
                c.get_about().map(|a| a.to_string()),
                run.get_about().map(|a| a.to_string()),
                args,
            )
        };
        assert_eq!(describe(&whole), describe(&alone));
        let line = "irjit -v run -O1 --tier 0 p.bc x -v";
        let args: Vec<OsString> = line.split(' ').map(OsString::from).collect();
        let args = program_args_verbatim(&alone, args);
        let cli: RunCli = RunCli::from_arg_matches(&alone.clone().get_matches_from(args.clone()))
            .expect("parses");
        let whole: Cli =
            Cli::from_arg_matches(&whole.clone().get_matches_from(args)).expect("parses");
        let RunOnly::Run(alone_args) = cli.command;
        let Command::Run(whole_args) = whole.command else {
            panic!("not run");
        };
        assert_eq!(cli.verbose, whole.verbose);
        assert_eq!(format!("{alone_args:?}"), format!("{whole_args:?}"));
    }
}
