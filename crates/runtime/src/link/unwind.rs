//! Registering `.eh_frame` tables with the unwinder (libgcc's `__register_frame`), so exceptions
//! thrown and caught across JIT'd code and the C++ runtime find their way.

use crate::heap::HeapAddr;

extern "C" {
    // libgcc_s (always loaded: the Rust runtime links it). Each call takes the start of a complete
    // `.eh_frame` section, terminated by a zero length word.
    fn __register_frame(begin: *const u8);
    fn __deregister_frame(begin: *const u8);
}

/// The frames registered so far.
#[derive(Default)]
pub(super) struct Frames {
    registered: Vec<HeapAddr>,
}

impl Frames {
    /// Registers a relocated, zero-terminated `.eh_frame` section.
    pub(super) fn register(&mut self, frame: HeapAddr) {
        // SAFETY: `frame` is a fully relocated .eh_frame in the heap, followed by a zero
        // terminator, and stays mapped until deregistered.
        unsafe { __register_frame(frame.0 as *const u8) };
        self.registered.push(frame);
    }

    /// Deregisters everything (before the heap goes away).
    pub(super) fn deregister_all(&mut self) {
        for frame in self.registered.drain(..) {
            // SAFETY: registered by `register` and still mapped.
            unsafe { __deregister_frame(frame.0 as *const u8) };
        }
    }
}
