//! `/tmp/perf-PID.map`: one line `START SIZE NAME` (hex) per JIT'd function, the format `perf`
//! reads to name samples in code it finds no file for. NAME is the function's link name and its
//! tier, `luaV_execute [tier 0]`: a function's versions share the name, and a profile of a run
//! that tiers up is read by which of them the time went to.

use std::fs::File;
use std::io::{BufWriter, Write};

use crate::error::RuntimeError;

/// An open perf map.
pub struct PerfMap {
    out: BufWriter<File>,
}

impl PerfMap {
    /// Creates (or truncates) `/tmp/perf-PID.map` for this process.
    pub fn create() -> Result<PerfMap, RuntimeError> {
        let path = format!("/tmp/perf-{}.map", std::process::id());
        let file = File::create(&path).map_err(|e| RuntimeError::Io {
            what: format!("failed to create perf map {path}"),
            source: e,
        })?;
        Ok(PerfMap {
            out: BufWriter::new(file),
        })
    }

    /// Adds a function compiled at `tier` and flushes, so the map is complete whenever the program
    /// dies.
    pub fn add(&mut self, start: u64, size: u64, name: &str, tier: u8) {
        let written = writeln!(self.out, "{start:x} {size:x} {name} [tier {tier}]")
            .and_then(|()| self.out.flush());
        if let Err(e) = written {
            tracing::warn!("cannot write the perf map: {e}");
        }
    }
}
