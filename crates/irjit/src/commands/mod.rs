//! One module per subcommand.

pub mod aot;
pub mod cache;
pub mod run;
