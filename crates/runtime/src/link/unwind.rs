//! Registering `.eh_frame` tables with the program's unwinder, so exceptions thrown and caught
//! across JIT'd code and the C++ runtime, thread cancellation and `backtrace` find their way.
//!
//! The program's unwinder is libgcc_s's, the one libstdc++ and the C library use. irjit itself
//! links libgcc's unwinder statically (its executable does not need libgcc_s, whose loading and
//! constructor are a tenth of a warm start; see `crates/irjit/build.rs`), and that private copy
//! never sees JIT'd frames. So libgcc_s is found where it enters the process, and the tables
//! registered with it from then on; until it does, nothing in the process can unwind JIT'd
//! frames, and the tables wait in a list. libgcc_s enters:
//! - when a program's library is opened: `--dlopen`, a default library (libstdc++ for C++,
//!   libgcc_s itself for `_Unwind_*`), the program's own `dlopen` (all call
//!   [`adopt_host_unwinder`]), or LLVM with the compiler;
//! - in the C library, on the first `pthread_exit`, `pthread_cancel` or `backtrace`, just before
//!   it unwinds: a program that refers to one of them has libgcc_s loaded when the reference is
//!   resolved ([`require_host_unwinder`]);
//! - by any other path (a host library's constructor, say): every registration checks whether
//!   the set of loaded objects changed since the last look (a counter the loader keeps).
//!
//! The loader lists an object as soon as it is mapped, before it is relocated: libgcc_s found
//! while another thread's `dlopen` brings it in (a compile thread opening the compiler library)
//! is used only once the loader reports it relocated (`_dl_find_object`), or its first call
//! through its own PLT (`malloc`) jumps to an unrelocated address.
//!
//! Registration runs on the compile thread, for a thread that may hold the loader's lock while
//! it waits (a library's constructor calling a function not compiled yet): there libgcc_s's
//! functions are looked up in its loaded image, never through `dlopen` or `dlsym`, which take
//! that lock. Such an adoption does not keep libgcc_s loaded; the program's next `dlopen` or
//! `dlclose` (both irjit's) takes a reference that does.

use std::ffi::{c_char, c_void, CStr};

use crate::sync::Mutex;

use crate::heap::HeapAddr;

/// libgcc_s's registration functions. Each takes the start of a complete `.eh_frame` section,
/// terminated by a zero length word.
#[derive(Clone, Copy)]
struct HostUnwinder {
    register: unsafe extern "C" fn(*const u8),
    deregister: unsafe extern "C" fn(*const u8),
}

/// Every table registered by any linker in the process.
struct Registry {
    /// The live tables, registered with `host` when it is known.
    frames: Vec<usize>,
    host: Option<HostUnwinder>,
    /// A `dlopen` reference keeps libgcc_s loaded.
    pinned: bool,
    /// The loader's count of objects ever loaded, when last checked for libgcc_s.
    loads_seen: u64,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    frames: Vec::new(),
    host: None,
    pinned: false,
    loads_seen: 0,
});

const LIBGCC_S: &CStr = c"libgcc_s.so.1";

/// The number of objects the dynamic loader has loaded so far (`dlpi_adds`).
fn loads() -> u64 {
    extern "C" fn first(info: *mut libc::dl_phdr_info, _: usize, out: *mut c_void) -> i32 {
        // SAFETY: the loader passes a valid record; `out` is the `u64` below.
        unsafe { *out.cast::<u64>() = (*info).dlpi_adds };
        1
    }
    let mut adds = 0u64;
    // SAFETY: the callback only reads the record it is given and writes `adds`.
    unsafe { libc::dl_iterate_phdr(Some(first), (&raw mut adds).cast()) };
    adds
}

/// What the loader's list of objects says of libgcc_s.
enum Host {
    /// Not loaded.
    Absent,
    /// In the list, but another thread's `dlopen` has not finished relocating it: its calls
    /// through its own PLT would jump to unrelocated addresses.
    Loading,
    /// Loaded and relocated: its registration functions.
    Ready(HostUnwinder),
}

extern "C" {
    /// glibc's (2.35 and later) lock-free lookup of the object containing `pc`. The loader adds
    /// an object to the lookup data only once the object is relocated (`dl_open_worker_begin`
    /// calls `_dl_find_object_update` after its relocation loop), while `dl_iterate_phdr` lists
    /// it as soon as it is mapped. `result` is a `struct dl_find_object`.
    fn _dl_find_object(pc: *mut c_void, result: *mut c_void) -> i32;
}

/// Whether the object containing `pc` is relocated (see [`_dl_find_object`]).
fn relocated(pc: usize) -> bool {
    // `struct dl_find_object` is 96 bytes on x86-64 (and at most 112 where it has the optional
    // fields); 128 bytes of room.
    let mut result = [0u64; 16];
    // SAFETY: a pure lookup writing at most `sizeof(struct dl_find_object)` bytes to `result`.
    unsafe { _dl_find_object(pc as *mut c_void, result.as_mut_ptr().cast()) == 0 }
}

/// libgcc_s's registration functions, if libgcc_s is loaded, found without the loader's lock.
fn loaded_host_unwinder() -> Host {
    extern "C" fn find(info: *mut libc::dl_phdr_info, _: usize, out: *mut c_void) -> i32 {
        // SAFETY: the loader passes a valid record of a loaded object, whose name is
        // NUL-terminated (or null).
        let info = unsafe { &*info };
        if info.dlpi_name.is_null() {
            return 0;
        }
        // SAFETY: as above.
        let name = unsafe { CStr::from_ptr(info.dlpi_name) };
        let file = name
            .to_bytes()
            .rsplit(|&b| b == b'/')
            .next()
            .unwrap_or_default();
        if file != LIBGCC_S.to_bytes() {
            return 0;
        }
        // SAFETY: the record describes libgcc_s, mapped while the callback runs (its dynamic
        // section's addresses are made absolute when it is mapped, before relocation).
        let found = unsafe {
            image_symbol(info, b"__register_frame").zip(image_symbol(info, b"__deregister_frame"))
        };
        type Register = unsafe extern "C" fn(*const u8);
        let host = match found {
            Some((register, _)) if !relocated(register) => Host::Loading,
            // SAFETY: both are libgcc's `void f(void *begin)`.
            Some((register, deregister)) => Host::Ready(unsafe {
                HostUnwinder {
                    register: std::mem::transmute::<usize, Register>(register),
                    deregister: std::mem::transmute::<usize, Register>(deregister),
                }
            }),
            None => Host::Absent,
        };
        // SAFETY: `out` is the `Host` below.
        unsafe { *out.cast::<Host>() = host };
        1
    }
    let mut found = Host::Absent;
    // SAFETY: the callback only reads the records it is given and writes `found`.
    unsafe { libc::dl_iterate_phdr(Some(find), (&raw mut found).cast()) };
    found
}

/// The address of function `name` defined by the loaded object `info` describes, looked up in
/// its dynamic symbol table through its GNU hash table, in place (see the module documentation
/// for why not `dlsym`).
///
/// # Safety
/// `info` is a record `dl_iterate_phdr` passes to its callback, used within the callback.
unsafe fn image_symbol(info: &libc::dl_phdr_info, name: &[u8]) -> Option<usize> {
    use object::elf::{Dyn64, ProgramHeader64, Sym64};
    use object::LittleEndian as LE;
    let base = info.dlpi_addr as usize;
    // SAFETY: the loader maps the object's program headers, dynamic section, and the symbol,
    // string and hash tables it names, for as long as the object is loaded; the reads stay
    // within the tables' structure as the GNU hash format lays it out.
    unsafe {
        let phdrs = info.dlpi_phdr.cast::<ProgramHeader64<LE>>();
        let dynamic = (0..usize::from(info.dlpi_phnum))
            .map(|i| phdrs.add(i).read_unaligned())
            .find(|p| p.p_type.get(LE) == object::elf::PT_DYNAMIC)?;
        // The loader has made the table addresses absolute in place; an offset would be below
        // the base.
        let absolute = |v: u64| {
            if (v as usize) < base {
                base + v as usize
            } else {
                v as usize
            }
        };
        let (mut symtab, mut strtab, mut gnu_hash) = (0, 0, 0);
        let mut entry = (base + dynamic.p_vaddr.get(LE) as usize) as *const Dyn64<LE>;
        loop {
            let d = entry.read_unaligned();
            match d.d_tag.get(LE) as u32 {
                object::elf::DT_NULL => break,
                object::elf::DT_SYMTAB => symtab = absolute(d.d_val.get(LE)),
                object::elf::DT_STRTAB => strtab = absolute(d.d_val.get(LE)),
                object::elf::DT_GNU_HASH => gnu_hash = absolute(d.d_val.get(LE)),
                _ => {}
            }
            entry = entry.add(1);
        }
        if symtab == 0 || strtab == 0 || gnu_hash == 0 {
            return None;
        }
        let header = gnu_hash as *const u32;
        let (buckets, first_symbol, bloom_words) = (*header, *header.add(1), *header.add(2));
        if buckets == 0 {
            return None;
        }
        let bucket = header
            .add(4)
            .cast::<u64>()
            .add(bloom_words as usize)
            .cast::<u32>();
        let chain = bucket.add(buckets as usize);
        let hash = name.iter().fold(5381u32, |h, &c| {
            h.wrapping_mul(33).wrapping_add(u32::from(c))
        });
        let mut index = *bucket.add((hash % buckets) as usize);
        if index < first_symbol {
            return None;
        }
        loop {
            let link = *chain.add((index - first_symbol) as usize);
            if link | 1 == hash | 1 {
                let sym = (symtab as *const Sym64<LE>)
                    .add(index as usize)
                    .read_unaligned();
                let text = (strtab + sym.st_name.get(LE) as usize) as *const c_char;
                let value = sym.st_value.get(LE) as usize;
                if CStr::from_ptr(text).to_bytes() == name
                    && sym.st_shndx.get(LE) != object::elf::SHN_UNDEF
                    && value != 0
                {
                    return Some(base + value);
                }
            }
            if link & 1 != 0 {
                return None;
            }
            index += 1;
        }
    }
}

/// Takes a `dlopen` reference to libgcc_s (`flags`: with `RTLD_NOLOAD`, only if loaded), never
/// dropped. Only from the program's side: `dlopen` takes the loader's lock.
fn pin(flags: i32) -> bool {
    // SAFETY: opening a system library by name; the handle is never closed.
    !unsafe { libc::dlopen(LIBGCC_S.as_ptr(), flags) }.is_null()
}

/// Registers every table with libgcc_s, and keeps it loaded, if it is now loaded (a library was
/// just opened, or is about to be closed).
pub(crate) fn adopt_host_unwinder() {
    {
        let registry = REGISTRY.lock();
        if registry.host.is_some() && registry.pinned {
            return;
        }
    }
    // (Called after a `dlopen` or before a `dlclose` of this thread's: any other thread's
    // `dlopen` that loads libgcc_s has finished, under the loader's lock.)
    let Host::Ready(host) = loaded_host_unwinder() else {
        return;
    };
    // Outside the registry's lock: `dlopen` takes the loader's, under which a library's
    // constructor may run JIT'd code that links (and registers).
    let pinned = pin(libc::RTLD_NOW | libc::RTLD_NOLOAD);
    adopt(host, pinned);
}

/// Loads libgcc_s, and registers every table with it: the C library is about to unwind.
pub(crate) fn require_host_unwinder() {
    {
        let registry = REGISTRY.lock();
        if registry.host.is_some() && registry.pinned {
            return;
        }
    }
    let pinned = pin(libc::RTLD_NOW);
    match loaded_host_unwinder() {
        Host::Ready(host) => adopt(host, pinned),
        Host::Absent | Host::Loading => {
            tracing::warn!("cannot load libgcc_s.so.1: unwinding will not see JIT'd code")
        }
    }
}

fn adopt(host: HostUnwinder, pinned: bool) {
    let mut registry = REGISTRY.lock();
    registry.pinned |= pinned;
    if registry.host.is_some() {
        return;
    }
    for &frame in &registry.frames {
        // SAFETY: a relocated, terminated .eh_frame still mapped (it leaves `frames` before its
        // code is freed).
        unsafe { (host.register)(frame as *const u8) };
    }
    tracing::debug!(
        tables = registry.frames.len(),
        "registering unwind tables with libgcc_s"
    );
    registry.host = Some(host);
}

/// The tables one linker registered.
#[derive(Default)]
pub(super) struct Frames {
    registered: Vec<HeapAddr>,
}

impl Frames {
    /// Registers a relocated, zero-terminated `.eh_frame` section.
    pub(super) fn register(&mut self, frame: HeapAddr) {
        let mut registry = REGISTRY.lock();
        if registry.host.is_none() {
            let loads = loads();
            if loads != registry.loads_seen {
                drop(registry);
                // Without the loader's lock (see the module documentation), nor a reference.
                let host = loaded_host_unwinder();
                registry = REGISTRY.lock();
                match host {
                    Host::Ready(host) => {
                        drop(registry);
                        adopt(host, false);
                        registry = REGISTRY.lock();
                    }
                    // Looked at once a load is seen, until libgcc_s is there.
                    Host::Absent => registry.loads_seen = loads,
                    // Another thread's `dlopen` is relocating it right now (the compiler library
                    // opened on a compile thread, when a run started from the cache): the next
                    // registration looks again, and its tables wait in the list until then.
                    Host::Loading => {}
                }
            }
        }
        if let Some(host) = registry.host {
            // SAFETY: `frame` is a fully relocated .eh_frame in the heap, followed by a zero
            // terminator, and stays mapped until deregistered.
            unsafe { (host.register)(frame.0 as *const u8) };
        }
        registry.frames.push(frame.0 as usize);
        self.registered.push(frame);
    }

    /// Deregisters one table registered by `register` (its code is being freed).
    pub(super) fn deregister(&mut self, frame: HeapAddr) {
        if let Some(i) = self.registered.iter().position(|&f| f == frame) {
            self.registered.swap_remove(i);
            forget(frame);
        }
    }

    /// Deregisters everything (before the heap goes away).
    pub(super) fn deregister_all(&mut self) {
        for frame in self.registered.drain(..) {
            forget(frame);
        }
    }
}

/// Takes `frame` out of the registry and, if registered there, out of libgcc_s.
fn forget(frame: HeapAddr) {
    let mut registry = REGISTRY.lock();
    if let Some(i) = registry.frames.iter().position(|&f| f == frame.0 as usize) {
        registry.frames.swap_remove(i);
        if let Some(host) = registry.host {
            // SAFETY: registered with libgcc_s (by `register` or `adopt`) and still mapped; the
            // unwinder forgets it here, under its own lock.
            unsafe { (host.deregister)(frame.0 as *const u8) };
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
