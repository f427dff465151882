//! The operating-system part of the code heap (Linux): the reservation, the shared pages and
//! their two views. This is the one module to edit when porting the heap.
//!
//! The shared part is anonymous shared memory (`MAP_SHARED | MAP_ANONYMOUS`), given its second
//! view with `mremap(old_size = 0)`, which duplicates a shared mapping. `perf` reads
//! `/tmp/perf-PID.map` only for mappings it takes for anonymous ones (`//anon`, `/dev/zero`):
//! anonymous shared memory shows as `/dev/zero (deleted)`, so `perf report` names JIT'd
//! functions. Where that `mremap` is refused (valgrind, some sandboxes), a memfd mapped twice
//! does the same (`perf` then sees `/memfd:irjit-code`, and cannot name the functions).

use std::os::fd::OwnedFd;
use std::ptr;

use rustix::fs::{ftruncate, memfd_create, MemfdFlags};
use rustix::mm::{
    mmap, mmap_anonymous, mprotect, mremap_fixed, munmap, MapFlags, MprotectFlags, MremapFlags,
    ProtFlags,
};

use crate::error::HeapError;

/// Page protections of the execution view.
pub(super) enum Protection {
    Read,
    ReadExecute,
}

/// The reservation, with its first `shared` bytes backed by shared memory mapped a second time
/// (read+write) elsewhere; the rest is private anonymous read+write memory.
pub(super) struct Mappings {
    exec: *mut u8,
    len: usize,
    shared: usize,
    pages: SharedPages,
    /// The copy a child about to be forked will adopt (see [`Mappings::prepare_fork`]).
    fork_copy: Option<SharedPages>,
}

// SAFETY: the raw pointers denote process-wide mappings, valid from any thread.
unsafe impl Send for Mappings {}

fn os(what: &'static str) -> impl Fn(rustix::io::Errno) -> HeapError {
    move |e| HeapError::Os {
        what,
        source: std::io::Error::from_raw_os_error(e.raw_os_error()),
    }
}

/// Shared memory and its write view (read+write, never executable).
struct SharedPages {
    write: *mut u8,
    size: usize,
    /// The memfd behind the pages, when anonymous shared memory could not be used.
    memfd: Option<OwnedFd>,
}

impl SharedPages {
    /// Anonymous shared memory of `size` bytes, mapped read+write at an address of the kernel's
    /// choosing (or a memfd's, when `memfd`).
    fn new(size: usize, memfd: bool) -> Result<SharedPages, HeapError> {
        let fd = if memfd {
            // Newer kernels may default memfds to non-executable; ask for an executable one,
            // and fall back for kernels that do not know the flag.
            let fd = memfd_create("irjit-code", MemfdFlags::CLOEXEC | MemfdFlags::EXEC)
                .or_else(|_| memfd_create("irjit-code", MemfdFlags::CLOEXEC))
                .map_err(os("memfd_create"))?;
            ftruncate(&fd, size as u64).map_err(os("ftruncate of the code memfd"))?;
            Some(fd)
        } else {
            None
        };
        let prot = ProtFlags::READ | ProtFlags::WRITE;
        // SAFETY: a fresh mapping at an address of the kernel's choosing disturbs nothing.
        let write = unsafe {
            match &fd {
                Some(fd) => mmap(ptr::null_mut(), size, prot, MapFlags::SHARED, fd, 0),
                None => mmap_anonymous(
                    ptr::null_mut(),
                    size,
                    prot,
                    MapFlags::SHARED | MapFlags::NORESERVE,
                ),
            }
        }
        .map_err(os("mapping the code memory (write view)"))?;
        Ok(SharedPages {
            write: write.cast(),
            size,
            memfd: fd,
        })
    }

    /// Maps `len` bytes of the pages from `offset` a second time at `at`, replacing what was
    /// mapped there, with the protections `prot`.
    ///
    /// # Safety
    ///
    /// `at .. at + len` must be part of our own reservation, and no code may run there while it
    /// is replaced.
    unsafe fn alias(
        &self,
        offset: usize,
        len: usize,
        at: *mut u8,
        prot: ProtFlags,
    ) -> Result<(), rustix::io::Errno> {
        // SAFETY: (caller) the target range is ours. mremap with old_size 0 duplicates the
        // shared source pages instead of moving them.
        unsafe {
            match &self.memfd {
                Some(fd) => {
                    mmap(
                        at.cast(),
                        len,
                        prot,
                        MapFlags::SHARED | MapFlags::FIXED,
                        fd,
                        offset as u64,
                    )?;
                }
                None => {
                    mremap_fixed(
                        self.write.add(offset).cast(),
                        0,
                        len,
                        MremapFlags::MAYMOVE,
                        at.cast(),
                    )?;
                    mprotect(at.cast(), len, MprotectFlags::from_bits_retain(prot.bits()))?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for SharedPages {
    fn drop(&mut self) {
        // SAFETY: the write view is ours and no longer used.
        unsafe {
            let _ = munmap(self.write.cast(), self.size);
        }
    }
}

impl Mappings {
    pub(super) fn new(len: usize, shared: usize) -> Result<Mappings, HeapError> {
        // SAFETY: reserving fresh address space (no MAP_FIXED) cannot disturb existing mappings.
        let exec = unsafe {
            mmap_anonymous(
                ptr::null_mut(),
                len,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )
        }
        .map_err(os("reserving the code heap"))?
        .cast::<u8>();
        let mut pages = SharedPages::new(shared, false)?;
        // SAFETY: replaces pages of our own reservation just made; nothing runs there yet.
        if let Err(e) = unsafe { pages.alias(0, shared, exec, ProtFlags::empty()) } {
            tracing::debug!("mremap cannot duplicate shared memory ({e}): using a memfd");
            pages = SharedPages::new(shared, true)?;
            // SAFETY: as above.
            unsafe { pages.alias(0, shared, exec, ProtFlags::empty()) }
                .map_err(os("mapping the code memory (execution view)"))?;
        }
        // SAFETY: replaces pages of our own reservation just made; nothing runs there yet.
        unsafe {
            mmap_anonymous(
                exec.add(shared).cast(),
                len - shared,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::FIXED | MapFlags::NORESERVE,
            )
            .map_err(os("mapping the data region"))?;
        }
        Ok(Mappings {
            exec,
            len,
            shared,
            pages,
            fork_copy: None,
        })
    }

    pub(super) fn exec_base(&self) -> *mut u8 {
        self.exec
    }

    /// Where to write the byte at `offset` from the base.
    pub(super) fn write_ptr(&self, offset: usize) -> *mut u8 {
        debug_assert!(offset < self.len);
        if offset < self.shared {
            // SAFETY: in bounds of the write view (offset < shared).
            unsafe { self.pages.write.add(offset) }
        } else {
            // SAFETY: in bounds of the reservation; the data part is writable in place.
            unsafe { self.exec.add(offset) }
        }
    }

    /// Just before `fork()`, with nothing writing the shared pages: copies their `used` ranges
    /// (as (offset, len)) into new shared memory, which the child adopts in
    /// [`Mappings::privatize`]. The copy must be made here, in the parent: once `fork()` has
    /// returned, the parent's threads go on writing the pages both processes share (code linked,
    /// stubs re-pointed, freed code filled), and a copy the child made then could hold their
    /// writes instead of what the child's records describe.
    pub(super) fn prepare_fork(&mut self, used: &[(usize, usize)]) -> Result<(), HeapError> {
        self.fork_copy = None;
        let pages = SharedPages::new(self.shared, self.pages.memfd.is_some())?;
        for &(offset, len) in used {
            // SAFETY: both views span `shared` bytes and the ranges lie within it.
            unsafe {
                ptr::copy_nonoverlapping(self.pages.write.add(offset), pages.write.add(offset), len)
            };
        }
        self.fork_copy = Some(pages);
        Ok(())
    }

    /// After `fork()`, in the parent (or when it failed): the copy is the child's alone.
    pub(super) fn forget_fork_copy(&mut self) {
        self.fork_copy = None;
    }

    /// In a forked child (single-threaded): maps the copy [`Mappings::prepare_fork`] made at the
    /// addresses of the execution view, with the protections given as (offset, len,
    /// protection), so that what the child writes from now on never reaches its parent, nor
    /// the parent's writes the child.
    pub(super) fn privatize(
        &mut self,
        protections: &[(usize, usize, Protection)],
    ) -> Result<(), HeapError> {
        let pages = self.fork_copy.take().ok_or(HeapError::NoForkCopy)?;
        for (offset, len, protection) in protections {
            let prot = match protection {
                Protection::Read => ProtFlags::READ,
                Protection::ReadExecute => ProtFlags::READ | ProtFlags::EXEC,
            };
            // SAFETY: replaces our own execution view with the contents it had at the fork; the
            // calling thread runs irjit's code, not the heap's, and is the process's only thread.
            unsafe { pages.alias(*offset, *len, self.exec.add(*offset), prot) }
                .map_err(os("remapping the execution view"))?;
        }
        // The old pages' write view goes with them.
        self.pages = pages;
        Ok(())
    }

    pub(super) fn protect(
        &self,
        offset: usize,
        len: usize,
        protection: Protection,
    ) -> Result<(), HeapError> {
        let flags = match protection {
            Protection::Read => MprotectFlags::READ,
            Protection::ReadExecute => MprotectFlags::READ | MprotectFlags::EXEC,
        };
        // SAFETY: the range lies within our reservation's shared part; tightening or setting the
        // protections of our own mapping affects nothing else.
        unsafe { mprotect(self.exec.add(offset).cast(), len, flags) }
            .map_err(os("mprotect of the code heap"))
    }
}

impl Drop for Mappings {
    fn drop(&mut self) {
        // SAFETY: the reservation is ours; dropping the heap means no code in it runs any more.
        // The write view goes with `pages`.
        unsafe {
            let _ = munmap(self.exec.cast(), self.len);
        }
    }
}
