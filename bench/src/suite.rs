//! The benchmark set: what each benchmark runs, and its problem sizes in one table.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a benchmark's program comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `bench/programs/NAME.c`, built by the harness.
    C,
    /// The Lua 5.4 interpreter of `tests/real`, running `tests/real/lua/workload.lua SCALE`.
    Lua,
    /// The SQLite driver of `tests/real`, taking `SCALE` (or `query`: the one-query workload).
    Sqlite,
}

/// One benchmark program and its arguments.
#[derive(Debug)]
pub struct Benchmark {
    /// The name in tables and in `--filter`; for [`Source::C`] also the file `bench/programs/NAME.c`.
    pub name: &'static str,
    /// Where the program comes from.
    pub source: Source,
    /// What the program does.
    pub about: &'static str,
    /// Arguments of a full run: 0.5-3 s natively on the reference machine (see [`SUITE`]).
    pub full: &'static [&'static str],
    /// Arguments of a `--quick` run: about 10-50 ms natively.
    pub quick: &'static [&'static str],
    /// Arguments of a `--long` run: about 1.5-3 s natively, four times a full run's work
    /// (SQLite's driver grows faster than its scale, so three times the scale).
    pub long: &'static [&'static str],
    /// Whether the benchmark counts in the geometric means. Start-up (`hello`) does not: its ratios
    /// measure a fixed cost and would outweigh every throughput benchmark.
    pub in_geomean: bool,
}

/// Which problem sizes a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// [`Benchmark::quick`].
    Quick,
    /// [`Benchmark::full`].
    Full,
    /// [`Benchmark::long`].
    Long,
}

impl Size {
    /// The name results record (`quick`, `full`, `long`).
    pub fn name(self) -> &'static str {
        match self {
            Size::Quick => "quick",
            Size::Full => "full",
            Size::Long => "long",
        }
    }
}

impl Benchmark {
    /// The program's arguments at `size`.
    pub fn args(&self, size: Size) -> &'static [&'static str] {
        match size {
            Size::Quick => self.quick,
            Size::Full => self.full,
            Size::Long => self.long,
        }
    }
}

/// The benchmark set.
///
/// Sizes were calibrated on the reference machine (2-core AMD EPYC VM, Debian 12, clang-19 -O2,
/// shared with other work): full sizes take 0.4-0.7 s natively, Lua and SQLite included, at the
/// low end of the 0.5-3 s the harness aims for, so that the full run of every engine on both
/// bitcode levels stays near 15 minutes. matmul and sieve are the shortest (about 0.4 s): under
/// the -O0 engines matmul already takes ten times as long.
///
/// Long sizes do four times a full run's work (1.5-3 s natively). A cold JIT run pays for its
/// compiles once, so a short run measures mostly that cost, and a long one mostly how fast the
/// code it settles on runs; the two together show both.
///
/// All benchmark programs are compiled with `-ffp-contract=off` (see `programs.rs`), so an engine
/// that targets the host CPU (FMA) prints the same digits as the baseline x86-64 native binary.
pub const SUITE: &[Benchmark] = &[
    Benchmark {
        name: "nbody",
        source: Source::C,
        about: "n-body: 5-planet simulation, double arithmetic and sqrt",
        full: &["10000000"],
        quick: &["200000"],
        long: &["40000000"],
        in_geomean: true,
    },
    Benchmark {
        name: "fannkuch",
        source: Source::C,
        about: "fannkuch-redux: permutations and array flips (N [ROUNDS])",
        full: &["10", "3"],
        quick: &["9"],
        long: &["10", "12"],
        in_geomean: true,
    },
    Benchmark {
        name: "spectralnorm",
        source: Source::C,
        about: "spectral-norm: power method, small function called in a hot loop",
        full: &["3200"],
        quick: &["600"],
        long: &["6400"],
        in_geomean: true,
    },
    Benchmark {
        name: "binarytrees",
        source: Source::C,
        about: "binary-trees: allocation heavy (malloc/free of tree nodes), recursion",
        full: &["17"],
        quick: &["13"],
        long: &["19"],
        in_geomean: true,
    },
    Benchmark {
        name: "mandelbrot",
        source: Source::C,
        about: "mandelbrot: N x N bitmap, checksum instead of the PBM",
        full: &["2800"],
        quick: &["600"],
        long: &["5600"],
        in_geomean: true,
    },
    Benchmark {
        name: "matmul",
        source: Source::C,
        about: "matmul: dense N x N double matrix multiply (i-k-j)",
        full: &["1200"],
        quick: &["400"],
        long: &["1900"],
        in_geomean: true,
    },
    Benchmark {
        name: "sieve",
        source: Source::C,
        about: "sieve: Eratosthenes over N million bytes, 4 rounds",
        full: &["25"],
        quick: &["2"],
        long: &["100"],
        in_geomean: true,
    },
    Benchmark {
        name: "hashtable",
        source: Source::C,
        about: "hashtable: own open-addressing table, N thousand inserts/lookups/deletes",
        full: &["6000"],
        quick: &["500"],
        long: &["24000"],
        in_geomean: true,
    },
    Benchmark {
        name: "strparse",
        source: Source::C,
        about: "strparse: generate and parse JSON-like text (N thousand records)",
        full: &["700"],
        quick: &["20"],
        long: &["2800"],
        in_geomean: true,
    },
    Benchmark {
        name: "loop_in_main",
        source: Source::C,
        about: "loop_in_main: the whole hot loop in main, no calls (only OSR can speed it up)",
        full: &["100"],
        quick: &["3"],
        long: &["300"],
        in_geomean: true,
    },
    Benchmark {
        name: "lua",
        source: Source::Lua,
        about: "Lua 5.4 interpreter running tests/real/lua/workload.lua (exits with status 3)",
        full: &["5"],
        quick: &["1"],
        long: &["20"],
        in_geomean: true,
    },
    Benchmark {
        name: "sqlite",
        source: Source::Sqlite,
        about: "SQLite: in-memory inserts, indexed queries, joins (tests/real/sqlite/driver.c)",
        full: &["7"],
        quick: &["1"],
        long: &["21"],
        in_geomean: true,
    },
    Benchmark {
        name: "sqlite-query",
        source: Source::Sqlite,
        about: "SQLite, one query: open, create, insert 500 rows, one GROUP BY query \
                (start-up: what laziness saves; not in the geometric means)",
        full: &["query"],
        quick: &["query"],
        long: &["query"],
        in_geomean: false,
    },
    Benchmark {
        name: "hello",
        source: Source::C,
        about: "hello world: start-up cost only (not in the geometric means)",
        full: &[],
        quick: &[],
        long: &[],
        in_geomean: false,
    },
];

/// The bitcode a program is given as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    /// `clang-19 -O0 -emit-llvm`: unoptimized, every function `optnone`; what tiering must rescue.
    O0,
    /// `clang-19 -O2 -emit-llvm`: what a distributor would ship.
    O2,
}

impl Level {
    /// Both levels, in table order.
    pub const ALL: [Level; 2] = [Level::O0, Level::O2];

    /// The clang flag, e.g. `-O0`.
    pub fn flag(self) -> &'static str {
        match self {
            Level::O0 => "-O0",
            Level::O2 => "-O2",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::O0 => "O0",
            Level::O2 => "O2",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_is_given() {
        for b in SUITE {
            assert_eq!(b.args(Size::Quick), b.quick, "{}", b.name);
            assert_eq!(b.args(Size::Full), b.full, "{}", b.name);
            assert_eq!(b.args(Size::Long), b.long, "{}", b.name);
            // A long run of a throughput benchmark is a bigger problem than a full one (the
            // one-query workload is a fixed program; hello takes no size).
            if b.in_geomean {
                assert_ne!(b.long, b.full, "{}", b.name);
                assert_eq!(b.long.len(), b.full.len(), "{}", b.name);
            }
        }
        assert_eq!(Size::Long.name(), "long");
    }
}
