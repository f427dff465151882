//! irjit's own exit statuses (documented in the README).

/// irjit could not run the program: missing file, not IR, invalid IR, compile or link failure.
pub const FAILURE: u8 = 125;
/// A bug in irjit itself.
pub const INTERNAL: u8 = 124;
