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
    /// Whether the benchmark counts in the geometric means. Start-up (`hello`) does not: its ratios
    /// measure a fixed cost and would outweigh every throughput benchmark.
    pub in_geomean: bool,
}

/// The benchmark set.
///
/// Sizes were calibrated on the reference machine (2-core AMD EPYC VM, Debian 12, clang-19 -O2,
/// shared with other work): full sizes take 0.4-0.7 s natively, Lua and SQLite included, at the
/// low end of the 0.5-3 s the harness aims for, so that the full run of every engine on both
/// bitcode levels stays near 15 minutes. matmul and sieve are the shortest (about 0.4 s): under
/// the -O0 engines matmul already takes ten times as long.
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
        in_geomean: true,
    },
    Benchmark {
        name: "fannkuch",
        source: Source::C,
        about: "fannkuch-redux: permutations and array flips (N [ROUNDS])",
        full: &["10", "3"],
        quick: &["9"],
        in_geomean: true,
    },
    Benchmark {
        name: "spectralnorm",
        source: Source::C,
        about: "spectral-norm: power method, small function called in a hot loop",
        full: &["3200"],
        quick: &["600"],
        in_geomean: true,
    },
    Benchmark {
        name: "binarytrees",
        source: Source::C,
        about: "binary-trees: allocation heavy (malloc/free of tree nodes), recursion",
        full: &["17"],
        quick: &["13"],
        in_geomean: true,
    },
    Benchmark {
        name: "mandelbrot",
        source: Source::C,
        about: "mandelbrot: N x N bitmap, checksum instead of the PBM",
        full: &["2800"],
        quick: &["600"],
        in_geomean: true,
    },
    Benchmark {
        name: "matmul",
        source: Source::C,
        about: "matmul: dense N x N double matrix multiply (i-k-j)",
        full: &["1200"],
        quick: &["400"],
        in_geomean: true,
    },
    Benchmark {
        name: "sieve",
        source: Source::C,
        about: "sieve: Eratosthenes over N million bytes, 4 rounds",
        full: &["25"],
        quick: &["2"],
        in_geomean: true,
    },
    Benchmark {
        name: "hashtable",
        source: Source::C,
        about: "hashtable: own open-addressing table, N thousand inserts/lookups/deletes",
        full: &["6000"],
        quick: &["500"],
        in_geomean: true,
    },
    Benchmark {
        name: "strparse",
        source: Source::C,
        about: "strparse: generate and parse JSON-like text (N thousand records)",
        full: &["700"],
        quick: &["20"],
        in_geomean: true,
    },
    Benchmark {
        name: "loop_in_main",
        source: Source::C,
        about: "loop_in_main: the whole hot loop in main, no calls (only OSR can speed it up)",
        full: &["100"],
        quick: &["3"],
        in_geomean: true,
    },
    Benchmark {
        name: "lua",
        source: Source::Lua,
        about: "Lua 5.4 interpreter running tests/real/lua/workload.lua (exits with status 3)",
        full: &["5"],
        quick: &["1"],
        in_geomean: true,
    },
    Benchmark {
        name: "sqlite",
        source: Source::Sqlite,
        about: "SQLite: in-memory inserts, indexed queries, joins (tests/real/sqlite/driver.c)",
        full: &["7"],
        quick: &["1"],
        in_geomean: true,
    },
    Benchmark {
        name: "sqlite-query",
        source: Source::Sqlite,
        about: "SQLite, one query: open, create, insert 500 rows, one GROUP BY query \
                (start-up: what laziness saves; not in the geometric means)",
        full: &["query"],
        quick: &["query"],
        in_geomean: false,
    },
    Benchmark {
        name: "hello",
        source: Source::C,
        about: "hello world: start-up cost only (not in the geometric means)",
        full: &[],
        quick: &[],
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
