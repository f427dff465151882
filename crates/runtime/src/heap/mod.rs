//! The code heap: one contiguous reservation holding every piece of loaded code and data, so that
//! any PC-relative reference between them fits in 32 bits.
//!
//! Layout of the reservation (offsets from its base):
//!
//! | region     | offset            | size     | execution view | backing                     |
//! |------------|-------------------|----------|----------------|-----------------------------|
//! | code       | 0                 | 512 MiB  | read + execute | anonymous, shared           |
//! | read-only  | 512 MiB           | 256 MiB  | read           | anonymous, shared           |
//! | data       | 768 MiB           | 1272 MiB | read + write   | anonymous, private          |
//!
//! W^X: no page is ever writable and executable in the same mapping. Code and read-only data are
//! anonymous shared memory mapped twice: the *execution view* (at the addresses code runs at) is never writable,
//! and a separate *write view* (elsewhere in the address space) is never executable. The linker
//! writes through the write view; the change is visible in the execution view at once (x86-64
//! keeps instruction caches coherent with data writes). Writable data needs no second view and is
//! private anonymous memory, so a `fork()` of the program gives the child its own copy. Shared
//! memory stays shared across a fork, so the parent copies the code and read-only regions into
//! new shared memory just before it ([`CodeHeap::prepare_fork`]) and the child maps that copy in
//! place of the execution view ([`CodeHeap::privatize`]).
//!
//! Code and read-only data can be given back ([`CodeHeap::free`]): superseded code is freed once
//! no thread can run it any more (see [`crate::reclaim`]), and later allocations reuse the space
//! (first fit, neighbours merged). Writable data is never freed: its addresses are the program's
//! variables.

mod sys;

use std::collections::BTreeMap;
use std::fmt;

use crate::error::HeapError;

/// An address inside the execution view of the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HeapAddr(pub u64);

impl fmt::Display for HeapAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Which part of the heap an allocation lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    /// Machine code: executable, never writable in the execution view.
    Code,
    /// Constants, relocated read-only data, GOT entries, unwind tables.
    ReadOnly,
    /// Writable program data and zero-initialized storage.
    Data,
}

const MIB: u64 = 1 << 20;
const CODE_SIZE: u64 = 512 * MIB;
/// Size of the code region, which starts the reservation (the read-only region follows it).
pub const CODE_REGION_SIZE: u64 = CODE_SIZE;
const READ_ONLY_SIZE: u64 = 256 * MIB;
const DATA_SIZE: u64 = 1272 * MIB;
/// Bytes reserved in all; stays below 2 GiB so every distance fits a signed 32-bit displacement.
pub const RESERVATION: u64 = CODE_SIZE + READ_ONLY_SIZE + DATA_SIZE;
const SHARED_SIZE: u64 = CODE_SIZE + READ_ONLY_SIZE;

/// Free ranges smaller than this are not kept track of.
const MIN_FREE_RANGE: u64 = 64;

struct Bump {
    start: u64,
    end: u64,
    next: u64,
    /// Freed ranges below `next`: start → length, never adjacent (merged on free).
    free: BTreeMap<u64, u64>,
    /// Bytes handed out in all, and given back in all.
    placed: u64,
    freed: u64,
}

impl Bump {
    /// First fit among the freed ranges.
    fn reuse(&mut self, size: u64, align: u64) -> Option<u64> {
        let (&start, &len) = self.free.iter().find(|&(&start, &len)| {
            let at = start.next_multiple_of(align);
            at + size <= start + len
        })?;
        let at = start.next_multiple_of(align);
        self.free.remove(&start);
        if at > start {
            self.free.insert(start, at - start);
        }
        if at + size < start + len {
            self.free.insert(at + size, start + len - (at + size));
        }
        Some(at)
    }

    fn give_back(&mut self, at: u64, size: u64) {
        let (mut start, mut end) = (at, at + size);
        if let Some((&prev, &len)) = self.free.range(..start).next_back() {
            if prev + len == start {
                self.free.remove(&prev);
                start = prev;
            }
        }
        if let Some(len) = self.free.remove(&end) {
            end += len;
        }
        if end == self.next {
            self.next = start;
        } else {
            self.free.insert(start, end - start);
        }
    }
}

/// Allocation figures of one region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegionUsage {
    /// Bytes handed out since the heap was made.
    pub placed: u64,
    /// Bytes given back since the heap was made.
    pub freed: u64,
    /// Bytes in use now (`placed - freed`).
    pub live: u64,
    /// The region's extent: from its start to the end of its highest allocation.
    pub extent: u64,
}

/// The code heap. See the module documentation for its layout and W^X scheme.
pub struct CodeHeap {
    maps: sys::Mappings,
    code: Bump,
    read_only: Bump,
    data: Bump,
}

impl CodeHeap {
    /// Reserves the heap's address space and maps both views.
    pub fn new() -> Result<CodeHeap, HeapError> {
        let maps = sys::Mappings::new(RESERVATION as usize, SHARED_SIZE as usize)?;
        let base = maps.exec_base() as u64;
        let bump = |start: u64, size: u64| Bump {
            start: base + start,
            end: base + start + size,
            next: base + start,
            free: BTreeMap::new(),
            placed: 0,
            freed: 0,
        };
        maps.protect(0, CODE_SIZE as usize, sys::Protection::ReadExecute)?;
        maps.protect(
            CODE_SIZE as usize,
            READ_ONLY_SIZE as usize,
            sys::Protection::Read,
        )?;
        Ok(CodeHeap {
            code: bump(0, CODE_SIZE),
            read_only: bump(CODE_SIZE, READ_ONLY_SIZE),
            data: bump(SHARED_SIZE, DATA_SIZE),
            maps,
        })
    }

    /// The lowest address of the heap.
    pub fn base(&self) -> HeapAddr {
        HeapAddr(self.maps.exec_base() as u64)
    }

    /// Whether `addr` lies inside the heap.
    pub fn contains(&self, addr: u64) -> bool {
        let base = self.maps.exec_base() as u64;
        addr >= base && addr < base + RESERVATION
    }

    fn bump(&mut self, region: Region) -> &mut Bump {
        match region {
            Region::Code => &mut self.code,
            Region::ReadOnly => &mut self.read_only,
            Region::Data => &mut self.data,
        }
    }

    /// Allocates `size` bytes aligned to `align` (a power of two) in `region`. The bytes read as
    /// zero until written.
    pub fn alloc(&mut self, region: Region, size: u64, align: u64) -> Result<HeapAddr, HeapError> {
        let align = align.max(1);
        if !align.is_power_of_two() {
            return Err(HeapError::BadAlignment(align));
        }
        let bump = self.bump(region);
        let size = size.max(1);
        if let Some(at) = bump.reuse(size, align) {
            bump.placed += size;
            return Ok(HeapAddr(at));
        }
        let at = bump.next.next_multiple_of(align);
        let end = at.checked_add(size).ok_or(HeapError::Exhausted {
            region,
            requested: size,
        })?;
        if end > bump.end {
            return Err(HeapError::Exhausted {
                region,
                requested: size,
            });
        }
        if at - bump.next >= MIN_FREE_RANGE {
            // A large alignment gap is free space too (small ones are not worth a search).
            bump.free.insert(bump.next, at - bump.next);
        }
        bump.next = end;
        bump.placed += size;
        Ok(HeapAddr(at))
    }

    /// Gives back `size` bytes at `addr`, which [`CodeHeap::alloc`] returned for that size in
    /// `region` (code or read-only). Code is overwritten with `int3`, read-only bytes with zeros,
    /// so a stale jump into freed code traps instead of running whatever comes next.
    ///
    /// The caller guarantees that nothing will use the range again: no thread runs or will return
    /// into freed code (see [`crate::reclaim`]).
    pub fn free(&mut self, region: Region, addr: HeapAddr, size: u64) -> Result<(), HeapError> {
        let size = size.max(1);
        if region == Region::Data {
            return Err(HeapError::NotFreeable(region));
        }
        let fill = if region == Region::Code { 0xcc } else { 0 };
        self.writable(addr, size as usize).fill(fill);
        let bump = self.bump(region);
        debug_assert!(addr.0 >= bump.start && addr.0 + size <= bump.next);
        bump.give_back(addr.0, size);
        bump.freed += size;
        Ok(())
    }

    /// The extent of `region`: bytes from its start to the end of its highest allocation.
    pub fn used(&self, region: Region) -> u64 {
        self.usage(region).extent
    }

    /// Allocation figures of `region`.
    pub fn usage(&self, region: Region) -> RegionUsage {
        let bump = match region {
            Region::Code => &self.code,
            Region::ReadOnly => &self.read_only,
            Region::Data => &self.data,
        };
        RegionUsage {
            placed: bump.placed,
            freed: bump.freed,
            live: bump.placed - bump.freed,
            extent: bump.next - bump.start,
        }
    }

    /// The writable view of `len` bytes at execution address `addr`.
    ///
    /// Panics if the range is not inside the heap: callers only pass ranges they allocated.
    pub fn writable(&mut self, addr: HeapAddr, len: usize) -> &mut [u8] {
        let base = self.maps.exec_base() as u64;
        assert!(
            addr.0 >= base && addr.0 + len as u64 <= base + RESERVATION,
            "write outside the code heap: {addr} + {len}"
        );
        let offset = (addr.0 - base) as usize;
        // SAFETY: the range lies within the heap (checked above); the write view maps the shared
        // part read+write and the data part is read+write in the execution view itself. `&mut
        // self` guarantees no other slice of the views is alive in safe code. Code running in the
        // heap may read these bytes concurrently only through pages the linker is not writing:
        // the linker writes freshly allocated ranges, or slots updated with atomic stores.
        unsafe { std::slice::from_raw_parts_mut(self.maps.write_ptr(offset), len) }
    }

    /// Just before `fork()` (the engine's lock held, so nothing writes the heap): copies the code
    /// and read-only regions for the child to adopt in [`CodeHeap::privatize`].
    pub fn prepare_fork(&mut self) -> Result<(), HeapError> {
        let used = [
            (0, self.used(Region::Code) as usize),
            (CODE_SIZE as usize, self.used(Region::ReadOnly) as usize),
        ];
        self.maps.prepare_fork(&used)
    }

    /// After `fork()` in the parent: lets go of the copy [`CodeHeap::prepare_fork`] made.
    pub fn forget_fork_copy(&mut self) {
        self.maps.forget_fork_copy();
    }

    /// Gives this process (a forked child) a private copy of the code and read-only regions, as
    /// they were when [`CodeHeap::prepare_fork`] ran, so that what it writes from now on stays
    /// its own and what its parent writes never reaches it.
    pub fn privatize(&mut self) -> Result<(), HeapError> {
        let protections = [
            (0, CODE_SIZE as usize, sys::Protection::ReadExecute),
            (
                CODE_SIZE as usize,
                READ_ONLY_SIZE as usize,
                sys::Protection::Read,
            ),
        ];
        self.maps.privatize(&protections)
    }

    /// Writes `bytes` at `addr`.
    pub fn write(&mut self, addr: HeapAddr, bytes: &[u8]) {
        self.writable(addr, bytes.len()).copy_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_code_is_reused_and_merged() {
        let mut heap = CodeHeap::new().unwrap();
        let a = heap.alloc(Region::Code, 256, 16).unwrap();
        let b = heap.alloc(Region::Code, 256, 16).unwrap();
        let c = heap.alloc(Region::Code, 256, 16).unwrap();
        heap.write(a, &[0x90; 256]);
        heap.free(Region::Code, a, 256).unwrap();
        heap.free(Region::Code, b, 256).unwrap();
        // Freed code reads as int3.
        // SAFETY: `a` lies in the execution view, which is readable.
        assert_eq!(unsafe { *(a.0 as *const u8) }, 0xcc);
        // a and b merged: 400 bytes fit at a.
        assert_eq!(heap.alloc(Region::Code, 400, 16).unwrap(), a);
        let usage = heap.usage(Region::Code);
        assert_eq!(usage.placed, 256 * 3 + 400);
        assert_eq!(usage.freed, 512);
        assert_eq!(usage.live, 256 + 400);
        // Freeing the top lowers the extent, past the free space below it.
        assert_eq!(heap.used(Region::Code), 768);
        heap.free(Region::Code, c, 256).unwrap();
        assert_eq!(heap.used(Region::Code), 400);
        assert!(heap.free(Region::Data, HeapAddr(0), 8).is_err());
    }

    /// A forked child gets the heap as it was at the fork, even when the parent writes it before
    /// the child has made its copy (the parent's compile thread links code at once), and what
    /// the child writes afterwards never reaches the parent.
    #[test]
    fn forked_child_keeps_the_heap_of_the_fork_moment() {
        let mut heap = CodeHeap::new().unwrap();
        let a = heap.alloc(Region::Code, 64, 16).unwrap();
        heap.write(a, &[0x11; 64]);
        let mut pipe = [0 as libc::c_int; 2];
        // SAFETY: a fresh pipe into an array of two descriptors.
        assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0);
        heap.prepare_fork().unwrap();
        // SAFETY: the child only reads a pipe, remaps its heap and writes to it, then leaves
        // with _exit (no allocation, no lock of the test harness's threads).
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let mut byte = 0u8;
            // SAFETY: reads one byte into a local; waits until the parent has written the heap.
            unsafe { libc::read(pipe[0], (&raw mut byte).cast(), 1) };
            let privatized = heap.privatize().is_ok();
            // SAFETY: `a` lies in the execution view, which is readable.
            let seen = unsafe { *(a.0 as *const u8) };
            heap.write(a, &[0x33; 64]);
            // SAFETY: ends the child without running the harness's exit handlers.
            unsafe { libc::_exit(if privatized && seen == 0x11 { 0 } else { 1 }) };
        }
        heap.forget_fork_copy();
        heap.write(a, &[0x22; 64]);
        let mut status = 0;
        // SAFETY: writes one byte to our pipe, then waits for our own child.
        unsafe {
            libc::write(pipe[1], (&raw const status).cast(), 1);
            assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
            libc::close(pipe[0]);
            libc::close(pipe[1]);
        }
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "the child saw the parent's write, or could not remap its heap (status {status:#x})"
        );
        // SAFETY: as above.
        assert_eq!(unsafe { *(a.0 as *const u8) }, 0x22);
    }

    #[test]
    fn privatize_without_a_copy_is_an_error() {
        let mut heap = CodeHeap::new().unwrap();
        assert!(matches!(heap.privatize(), Err(HeapError::NoForkCopy)));
    }
}
