//! The operating-system part of the code heap (Linux): the reservation, the memfd and its two
//! views. This is the one module to edit when porting the heap.

use std::os::fd::OwnedFd;
use std::ptr;

use rustix::fs::{ftruncate, memfd_create, MemfdFlags};
use rustix::mm::{mmap, mmap_anonymous, mprotect, munmap, MapFlags, MprotectFlags, ProtFlags};

use crate::error::HeapError;

/// Page protections of the execution view.
pub(super) enum Protection {
    Read,
    ReadExecute,
}

/// The reservation, with its first `shared` bytes backed by a memfd mapped a second time
/// (read+write) elsewhere; the rest is private anonymous read+write memory.
pub(super) struct Mappings {
    exec: *mut u8,
    write: *mut u8,
    len: usize,
    shared: usize,
    _memfd: OwnedFd,
}

// SAFETY: the raw pointers denote process-wide mappings, valid from any thread.
unsafe impl Send for Mappings {}

fn os(what: &'static str) -> impl Fn(rustix::io::Errno) -> HeapError {
    move |e| HeapError::Os {
        what,
        source: std::io::Error::from_raw_os_error(e.raw_os_error()),
    }
}

/// A memfd of `size` bytes that may be mapped executable.
fn code_memfd(size: usize) -> Result<OwnedFd, HeapError> {
    // Newer kernels may default memfds to non-executable; ask for an executable one, and fall
    // back for kernels that do not know the flag.
    let memfd = memfd_create("irjit-code", MemfdFlags::CLOEXEC | MemfdFlags::EXEC)
        .or_else(|_| memfd_create("irjit-code", MemfdFlags::CLOEXEC))
        .map_err(os("memfd_create"))?;
    ftruncate(&memfd, size as u64).map_err(os("ftruncate of the code memfd"))?;
    Ok(memfd)
}

/// The read+write view of a code memfd, at an address of the kernel's choosing.
fn map_write_view(memfd: &OwnedFd, size: usize) -> Result<*mut u8, HeapError> {
    // SAFETY: a fresh mapping at an address of the kernel's choosing disturbs nothing.
    let write = unsafe {
        mmap(
            ptr::null_mut(),
            size,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::SHARED,
            memfd,
            0,
        )
    }
    .map_err(os("mapping the code memfd (write view)"))?;
    Ok(write.cast::<u8>())
}

impl Mappings {
    pub(super) fn new(len: usize, shared: usize) -> Result<Mappings, HeapError> {
        let memfd = code_memfd(shared)?;
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
        // SAFETY: MAP_FIXED replaces only pages of our own reservation just made.
        unsafe {
            mmap(
                exec.cast(),
                shared,
                ProtFlags::empty(),
                MapFlags::SHARED | MapFlags::FIXED,
                &memfd,
                0,
            )
            .map_err(os("mapping the code memfd (execution view)"))?;
            mmap_anonymous(
                exec.add(shared).cast(),
                len - shared,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::FIXED | MapFlags::NORESERVE,
            )
            .map_err(os("mapping the data region"))?;
        }
        let write = map_write_view(&memfd, shared)?;
        Ok(Mappings {
            exec,
            write,
            len,
            shared,
            _memfd: memfd,
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
            unsafe { self.write.add(offset) }
        } else {
            // SAFETY: in bounds of the reservation; the data part is writable in place.
            unsafe { self.exec.add(offset) }
        }
    }

    /// Replaces the shared memfd by a private copy of its first bytes (`used` ranges as
    /// (offset, len)), mapped at the same addresses with the same protections. Run in a forked
    /// child (single-threaded) so that the code it writes never reaches its parent.
    pub(super) fn privatize(
        &mut self,
        used: &[(usize, usize)],
        protections: &[(usize, usize, Protection)],
    ) -> Result<(), HeapError> {
        let memfd = code_memfd(self.shared)?;
        let write = map_write_view(&memfd, self.shared)?;
        for &(offset, len) in used {
            // SAFETY: both views span `shared` bytes and the ranges lie within it.
            unsafe { ptr::copy_nonoverlapping(self.write.add(offset), write.add(offset), len) };
        }
        for (offset, len, protection) in protections {
            let prot = match protection {
                Protection::Read => ProtFlags::READ,
                Protection::ReadExecute => ProtFlags::READ | ProtFlags::EXEC,
            };
            // SAFETY: replaces our own execution view with identical contents; the calling
            // thread runs irjit's code, not the heap's, and is the process's only thread.
            unsafe {
                mmap(
                    self.exec.add(*offset).cast(),
                    *len,
                    prot,
                    MapFlags::SHARED | MapFlags::FIXED,
                    &memfd,
                    *offset as u64,
                )
            }
            .map_err(os("remapping the execution view"))?;
        }
        // SAFETY: the old write view is ours and no longer used.
        unsafe {
            let _ = munmap(self.write.cast(), self.shared);
        }
        self.write = write;
        self._memfd = memfd;
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
        // SAFETY: the range lies within our reservation's memfd part; tightening or setting the
        // protections of our own mapping affects nothing else.
        unsafe { mprotect(self.exec.add(offset).cast(), len, flags) }
            .map_err(os("mprotect of the code heap"))
    }
}

impl Drop for Mappings {
    fn drop(&mut self) {
        // SAFETY: both mappings are ours; dropping the heap means no code in it runs any more.
        unsafe {
            let _ = munmap(self.write.cast(), self.shared);
            let _ = munmap(self.exec.cast(), self.len);
        }
    }
}
