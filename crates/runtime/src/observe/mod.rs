//! Making JIT'd code visible to people and tools: perf maps and crash reports.

pub mod crash;
pub mod perf_map;
