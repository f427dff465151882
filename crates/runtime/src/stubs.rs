//! Entry stubs: one fixed address per program function, for the program's whole life.
//!
//! Every reference to a program function (calls, address-taken uses, pointers in data, pointers
//! handed to the C library) resolves to the function's stub, so a function pointer's identity
//! never changes whatever code runs behind it. A stub jumps through its *slot*:
//!
//! ```text
//! stub+0:  ff 25 <rel32 slot>     jmp *slot(%rip)
//! stub+6:  41 bb <imm32 unit>     mov $unit, %r11d        <- the lazy entry
//! stub+12: e9 <rel32 thunk>       jmp resolver_thunk
//! ```
//!
//! A slot first holds the stub's lazy entry, which enters the shared resolver (see
//! [`crate::lazy`]) with the unit's index in `r11`; once the function is compiled its slot holds
//! the body's address, stored atomically. The resolver itself lives in irjit's binary, out of
//! `rel32` reach, so stubs jump to one *resolver thunk* in the heap that jumps on through a slot.

use std::sync::atomic::{AtomicU64, Ordering};

use irjit_interface::UnitId;

use crate::error::HeapError;
use crate::heap::{CodeHeap, HeapAddr, Region};

/// Bytes per stub (17 used; the rest is `int3`).
const STUB_SIZE: u64 = 32;
/// Offset of the lazy entry in a stub.
const LAZY_ENTRY: u64 = 6;

/// The stubs of all program functions, indexed by unit.
pub struct Stubs {
    stubs: HeapAddr,
    slots: HeapAddr,
    /// Number of stubs.
    len: usize,
    /// Stub index of each unit (`None` for units without a function, like the globals unit).
    by_unit: Vec<Option<u32>>,
}

fn rel32(from_end: u64, to: u64) -> [u8; 4] {
    let disp = to as i64 - from_end as i64;
    i32::try_from(disp)
        .expect("stubs, slots and thunk share one 2 GiB reservation")
        .to_le_bytes()
}

impl Stubs {
    /// Makes a stub for each of `units` (a unit count of `total`), all entering `resolver`.
    pub fn new(
        heap: &mut CodeHeap,
        units: Vec<UnitId>,
        total: usize,
        resolver: u64,
    ) -> Result<Stubs, HeapError> {
        let n = units.len() as u64;
        // The resolver thunk and its slot come first, then the stubs and their slots.
        let thunk_slot = heap.alloc(Region::ReadOnly, 8, 8)?;
        heap.write(thunk_slot, &resolver.to_le_bytes());
        let thunk = heap.alloc(Region::Code, 16, 16)?;
        let mut code = vec![0xcc; 16];
        code[0..2].copy_from_slice(&[0xff, 0x25]);
        code[2..6].copy_from_slice(&rel32(thunk.0 + 6, thunk_slot.0));
        heap.write(thunk, &code);

        let stubs = heap.alloc(Region::Code, n * STUB_SIZE, 16)?;
        let slots = heap.alloc(Region::ReadOnly, n * 8, 8)?;
        let mut by_unit = vec![None; total];
        for (i, &unit) in units.iter().enumerate() {
            let stub = stubs.0 + i as u64 * STUB_SIZE;
            let slot = slots.0 + i as u64 * 8;
            let mut code = [0xccu8; STUB_SIZE as usize];
            code[0..2].copy_from_slice(&[0xff, 0x25]);
            code[2..6].copy_from_slice(&rel32(stub + 6, slot));
            code[6..8].copy_from_slice(&[0x41, 0xbb]);
            code[8..12].copy_from_slice(&unit.0.to_le_bytes());
            code[12] = 0xe9;
            code[13..17].copy_from_slice(&rel32(stub + 17, thunk.0));
            heap.write(HeapAddr(stub), &code);
            heap.write(HeapAddr(slot), &(stub + LAZY_ENTRY).to_le_bytes());
            by_unit[unit.index()] = Some(i as u32);
        }
        Ok(Stubs {
            stubs,
            slots,
            len: units.len(),
            by_unit,
        })
    }

    /// The stub of `unit`'s function, if it has one.
    pub fn stub(&self, unit: UnitId) -> Option<u64> {
        let i = (*self.by_unit.get(unit.index())?)? as u64;
        Some(self.stubs.0 + i * STUB_SIZE)
    }

    /// The lazy entry of `unit`'s stub (what its slot holds before the first call), if it has
    /// one.
    pub fn lazy_entry(&self, unit: UnitId) -> Option<u64> {
        self.stub(unit).map(|stub| stub + LAZY_ENTRY)
    }

    /// Number of stubs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no stubs.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Points `unit`'s stub at `target` with one atomic store; calls already running elsewhere
    /// are unaffected, new calls enter `target`.
    pub fn retarget(&self, heap: &mut CodeHeap, unit: UnitId, target: u64) {
        let Some(i) = self.by_unit.get(unit.index()).copied().flatten() else {
            return;
        };
        let slot = HeapAddr(self.slots.0 + u64::from(i) * 8);
        let bytes = heap.writable(slot, 8);
        let ptr = bytes.as_mut_ptr().cast::<u64>();
        assert_eq!(ptr as usize % 8, 0, "slots are 8-byte aligned");
        // SAFETY: the slot is 8 bytes, aligned (checked), inside the heap's write view; code
        // reads it concurrently with plain aligned 64-bit loads, which an atomic store keeps
        // whole. Release orders the body's bytes before the new address.
        unsafe { AtomicU64::from_ptr(ptr).store(target, Ordering::Release) };
    }
}
