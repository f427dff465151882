//! Crash reports: when the program dies of a fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE) inside
//! JIT'd code, say in which function before dying of the same signal.
//!
//! The signal handler may not lock or allocate, so JIT'd functions are recorded in an append-only
//! table of atomics that the handler scans.

use std::ffi::{c_int, c_void, CString};
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

const CHUNK: usize = 1024;
const CHUNKS: usize = 256;
const CAPACITY: usize = CHUNK * CHUNKS;

struct Entry {
    start: AtomicU64,
    size: AtomicU64,
    name: AtomicPtr<u8>,
}

type Chunk = [Entry; CHUNK];

/// Chunks are allocated as the table grows; the handler only reads chunks that exist.
static CHUNKS_TABLE: [OnceLock<Box<Chunk>>; CHUNKS] = [const { OnceLock::new() }; CHUNKS];
static LEN: AtomicUsize = AtomicUsize::new(0);

fn entry(i: usize) -> Option<&'static Entry> {
    CHUNKS_TABLE.get(i / CHUNK)?.get().map(|c| &c[i % CHUNK])
}

/// Records a JIT'd function for crash reports.
pub fn register_function(start: u64, size: u64, name: &str) {
    let i = LEN.fetch_add(1, Ordering::AcqRel);
    let Some(chunk) = CHUNKS_TABLE.get(i / CHUNK) else {
        return; // Table full: reports fall back to the raw address.
    };
    // Zeroed memory straight from the allocator: a chunk built on the stack and moved into its
    // box cost 24 KiB of copying and page faults at every start.
    // SAFETY: an all-zero `Entry` is valid: atomic integers of 0 and a null atomic pointer.
    let chunk = chunk.get_or_init(|| unsafe { Box::<Chunk>::new_zeroed().assume_init() });
    let entry = &chunk[i % CHUNK];
    let name = CString::new(name).unwrap_or_default().into_raw();
    entry.name.store(name.cast(), Ordering::Relaxed);
    entry.size.store(size, Ordering::Relaxed);
    // The start is written last: readers skip entries whose start is still 0.
    entry.start.store(start, Ordering::Release);
}

/// Forgets the function registered at `start` (its code was freed).
pub fn unregister_function(start: u64) {
    let len = LEN.load(Ordering::Acquire).min(CAPACITY);
    for e in (0..len).rev().filter_map(entry) {
        if e.start.load(Ordering::Acquire) == start {
            e.start.store(0, Ordering::Release);
            return;
        }
    }
}

fn find(pc: u64) -> Option<(u64, *const u8)> {
    let len = LEN.load(Ordering::Acquire).min(CAPACITY);
    (0..len).rev().filter_map(entry).find_map(|e| {
        let start = e.start.load(Ordering::Acquire);
        let size = e.size.load(Ordering::Relaxed);
        (start != 0 && pc >= start && pc < start + size.max(1))
            .then(|| (start, e.name.load(Ordering::Relaxed).cast_const()))
    })
}

/// A fixed buffer to format into without allocating.
struct Buf {
    bytes: [u8; 512],
    len: usize,
}

impl std::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

fn signal_name(sig: c_int) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        _ => "a fatal signal",
    }
}

extern "C" fn on_fault(sig: c_int, _info: *mut libc::siginfo_t, context: *mut c_void) {
    use std::fmt::Write as _;
    // SAFETY: the kernel passes a valid ucontext for SA_SIGINFO handlers.
    let pc = unsafe {
        (*(context as *const libc::ucontext_t)).uc_mcontext.gregs[libc::REG_RIP as usize]
    } as u64;
    let mut buf = Buf {
        bytes: [0; 512],
        len: 0,
    };
    let _ = write!(buf, "irjit: the program died of {} ", signal_name(sig));
    match find(pc) {
        Some((start, name)) => {
            // SAFETY: names are NUL-terminated strings leaked by register_function.
            let name = unsafe { std::ffi::CStr::from_ptr(name.cast()) }.to_string_lossy();
            let _ = writeln!(buf, "in JIT'd function '{name}' (+{:#x})", pc - start);
        }
        None => match crate::interp::current() {
            // The fault is the interpreter's doing (a load or store of the program's, or a
            // division by zero or trap it raised) or in code the interpreted function called.
            Some(name) => {
                let _ = writeln!(buf, "in function '{name}' (running in the interpreter)");
            }
            None => {
                let _ = writeln!(buf, "at {pc:#x} (outside JIT'd code)");
            }
        },
    }
    // SAFETY: write(2) and raise(3) are async-signal-safe; SA_RESETHAND restored the default
    // action, so the re-raised signal (delivered when the handler returns) ends the process the
    // way it would have ended natively.
    unsafe {
        libc::write(2, buf.bytes.as_ptr().cast(), buf.len);
        libc::raise(sig);
    }
}

/// Installs the crash reporter for fault signals whose disposition is the default.
pub fn install() {
    for sig in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE] {
        // SAFETY: installing a handler with a zeroed, then filled sigaction; the handler only
        // uses async-signal-safe operations.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}
