//! irjit's runtime: the code heap, the ELF object linker, symbol resolution and running programs.
//!
//! It receives compiled units as plain data (`irjit-interface`) and never links LLVM: a program
//! whose code needs no compiling must be runnable without loading the compiler at all. It also
//! reads and writes program bundles ([`bundle`]).

#![deny(missing_docs)]

mod ahead;
pub mod bundle;
pub mod cache;
pub mod compiler_lib;
pub mod engine;
pub mod error;
mod exit;
mod gate;
pub mod heap;
pub mod host;
pub mod interp;
pub mod lazy;
pub mod link;
pub mod observe;
pub mod program;
mod quiet;
mod reclaim;
mod signals;
pub mod stubs;
pub mod sync;
pub mod tiers;

/// The exit status of irjit's own failures (documented in the README).
pub const FAILURE_STATUS: i32 = 125;

pub use engine::{Engine, EngineOptions, EngineStats};
pub use error::{HeapError, LinkError, RuntimeError};
pub use program::{run, ExitHook, RunConfig};
pub use tiers::{CompilerFactory, TierMode, TierOptions};
