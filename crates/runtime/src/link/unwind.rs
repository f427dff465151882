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

    /// Deregisters one table registered by `register` (its code is being freed).
    pub(super) fn deregister(&mut self, frame: HeapAddr) {
        if let Some(i) = self.registered.iter().position(|&f| f == frame) {
            self.registered.swap_remove(i);
            // SAFETY: registered by `register` and still mapped; the unwinder forgets it here,
            // under its own lock.
            unsafe { __deregister_frame(frame.0 as *const u8) };
        }
    }

    /// Deregisters everything (before the heap goes away).
    pub(super) fn deregister_all(&mut self) {
        for frame in self.registered.drain(..) {
            // SAFETY: registered by `register` and still mapped.
            unsafe { __deregister_frame(frame.0 as *const u8) };
        }
    }
}

/// Where the records of an `.eh_frame` section moved when FDEs of discarded code were dropped.
#[derive(Debug, Default)]
pub(super) struct EhFrameMap {
    /// Kept records as (old start, length, new start), sorted by old start.
    kept: Vec<(u64, u64, u64)>,
}

impl EhFrameMap {
    /// The new offset of byte `old` of the original section, or `None` if its record was dropped.
    pub(super) fn translate(&self, old: u64) -> Option<u64> {
        let i = self.kept.partition_point(|&(start, _, _)| start <= old);
        let &(start, len, new) = self.kept.get(i.checked_sub(1)?)?;
        (old < start + len).then_some(new + (old - start))
    }
}

/// One CIE or FDE.
struct Record {
    start: u64,
    len: u64,
    /// For an FDE, the offset of the CIE it refers to; `None` for a CIE.
    cie: Option<u64>,
}

fn records(data: &[u8]) -> Result<Vec<Record>, String> {
    let word = |at: usize| -> Result<u32, String> {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| format!(".eh_frame record at {at:#x} is truncated"))
    };
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let length = word(at)?;
        if length == 0 {
            break;
        }
        if length == u32::MAX {
            return Err("64-bit .eh_frame records are not supported".to_string());
        }
        let len = 4 + length as usize;
        if at + len > data.len() || length < 4 {
            return Err(format!(".eh_frame record at {at:#x} overruns the section"));
        }
        let id = word(at + 4)?;
        let cie = (id != 0).then(|| (at + 4) as u64 - u64::from(id));
        out.push(Record {
            start: at as u64,
            len: len as u64,
            cie,
        });
        at += len;
    }
    Ok(out)
}

/// Rewrites `.eh_frame` without the FDEs whose `pc_begin` field (at record offset 8) `drop_fde`
/// rejects, fixing up the CIE pointers of the FDEs that move. Returns `None` when nothing is
/// dropped (the common case: the section is used as it is).
pub(super) fn drop_fdes(
    data: &[u8],
    drop_fde: impl Fn(u64) -> bool,
) -> Result<Option<(Vec<u8>, EhFrameMap)>, String> {
    let records = records(data)?;
    if !records
        .iter()
        .any(|r| r.cie.is_some() && drop_fde(r.start + 8))
    {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut map = EhFrameMap::default();
    for r in &records {
        if r.cie.is_some() && drop_fde(r.start + 8) {
            continue;
        }
        let new_start = out.len() as u64;
        let bytes = &data[r.start as usize..(r.start + r.len) as usize];
        out.extend_from_slice(bytes);
        if let Some(cie) = r.cie {
            let new_cie = map
                .translate(cie)
                .ok_or_else(|| format!("FDE at {:#x} refers to a missing CIE", r.start))?;
            let pointer = (new_start + 4 - new_cie) as u32;
            let field = new_start as usize + 4;
            out[field..field + 4].copy_from_slice(&pointer.to_le_bytes());
        }
        map.kept.push((r.start, r.len, new_start));
    }
    Ok(Some((out, map)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cie() -> Vec<u8> {
        let mut v = 12u32.to_le_bytes().to_vec();
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&[1, 0, 1, 0x78, 0x10, 0, 0, 0]);
        v
    }

    fn fde(at: usize, cie_at: usize, tag: u8) -> Vec<u8> {
        let mut v = 12u32.to_le_bytes().to_vec();
        v.extend_from_slice(&((at + 4 - cie_at) as u32).to_le_bytes());
        v.extend_from_slice(&[tag; 8]);
        v
    }

    #[test]
    fn dropping_an_fde_moves_the_next_and_fixes_its_cie_pointer() {
        let mut data = cie(); // 0..16
        data.extend(fde(16, 0, 0xaa)); // 16..32, dropped
        data.extend(fde(32, 0, 0xbb)); // 32..48, kept -> 16..32
        let (out, map) = drop_fdes(&data, |field| field == 16 + 8).unwrap().unwrap();
        assert_eq!(out.len(), 32);
        assert_eq!(out[16..32], fde(16, 0, 0xbb)[..]);
        assert_eq!(map.translate(40), Some(24));
        assert_eq!(map.translate(20), None);
        assert_eq!(map.translate(3), Some(3));
    }

    #[test]
    fn nothing_dropped_means_no_copy() {
        let mut data = cie();
        data.extend(fde(16, 0, 1));
        assert!(drop_fdes(&data, |_| false).unwrap().is_none());
    }
}
