//! One module per subcommand.

pub mod aot;
pub mod binfmt;
pub mod cache;
pub mod info;
pub mod pack;
pub mod run;
