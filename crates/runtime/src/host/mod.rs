//! Symbols from outside the program: functions irjit itself provides, then the C library, then
//! the libraries given with `--dlopen`, then default libraries opened when first needed.
//!
//! Never the whole process namespace: irjit's own dependencies (LLVM and what it links: zlib,
//! zstd, libffi, ...) must not satisfy the program's references, as they would not natively.

mod cpu;
mod provided;
mod sleep;
mod tls;

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};

use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};

use crate::error::RuntimeError;

pub use cpu::{osxsave, signature as cpu_signature};
pub use provided::{dso_handle, lazy_heap_data, set_dso_handle};
pub use tls::host_tls_control;

/// Symbols the runtime defines in the code heap for every program (`__dso_handle` before the
/// program's own code, the others when first referred to: see [`lazy_heap_data`]), besides the
/// functions [`HostResolver`] provides.
pub const HEAP_SYMBOLS: &[&str] = &["__dso_handle", "__cpu_model", "__cpu_features2"];

/// Libraries a C or C++ program may need beyond the C library, opened (in this order) only when a
/// symbol is not found otherwise.
const DEFAULT_LIBRARIES: &[&str] = &["libm.so.6", "libgcc_s.so.1", "libstdc++.so.6"];

/// C library functions that unwind the calling thread's stack with libgcc_s.
const UNWINDING_CALLS: &[&str] = &["pthread_exit", "pthread_cancel", "backtrace"];

/// Resolves names the program does not define.
pub struct HostResolver {
    /// Searched in order: the C library, `--dlopen` libraries, default libraries opened so far.
    opened: Vec<Library>,
    defaults_tried: usize,
    cache: HashMap<String, Option<u64>>,
}

/// Set once a `--dlopen` library is loaded: its destructors belong to the program's exit.
static USER_LIBRARIES: AtomicBool = AtomicBool::new(false);

/// Whether the user had irjit open libraries of their own (`--dlopen`).
pub(crate) fn user_libraries_loaded() -> bool {
    USER_LIBRARIES.load(Ordering::Relaxed)
}

/// The C library every program links.
const C_LIBRARY: &str = "libc.so.6";

impl HostResolver {
    /// A resolver over the C library.
    pub fn new() -> HostResolver {
        // SAFETY: the C library is already loaded in this process; opening it again only returns
        // a handle.
        let libc = unsafe { Library::open(Some(C_LIBRARY), RTLD_NOW) }
            .expect("the C library is loaded in every process");
        HostResolver {
            opened: vec![libc],
            defaults_tried: 0,
            cache: HashMap::new(),
        }
    }

    /// Opens a library (`--dlopen`) so its symbols become visible to the program.
    pub fn dlopen(&mut self, name: &str) -> Result<(), RuntimeError> {
        // SAFETY: loading a library runs its initializers; that is what the user asked for.
        let lib = unsafe { Library::open(Some(name), RTLD_NOW | RTLD_GLOBAL) }.map_err(|e| {
            RuntimeError::Dlopen {
                name: name.to_string(),
                message: e.to_string(),
            }
        })?;
        tracing::info!(library = name, "opened");
        USER_LIBRARIES.store(true, Ordering::Relaxed);
        crate::link::adopt_host_unwinder();
        self.opened.push(lib);
        self.cache.retain(|_, v| v.is_some());
        Ok(())
    }

    /// The address of `name` outside the program, if any.
    pub fn resolve(&mut self, name: &str) -> Option<u64> {
        if let Some(&cached) = self.cache.get(name) {
            return cached;
        }
        let found = self.resolve_uncached(name);
        self.cache.insert(name.to_string(), found);
        found
    }

    /// Whether `name` has been resolved to a host address.
    pub fn resolved(&self, name: &str) -> bool {
        matches!(self.cache.get(name), Some(Some(_)))
    }

    fn resolve_uncached(&mut self, name: &str) -> Option<u64> {
        if let Some(addr) = provided::lookup(name) {
            return Some(addr);
        }
        if UNWINDING_CALLS.contains(&name) {
            // The C library unwinds with libgcc_s there (loading it then): JIT'd code's tables
            // must be registered with it before the program can call one of them.
            crate::link::require_host_unwinder();
        }
        let cname = CString::new(name).ok()?;
        loop {
            if let Some(addr) = self.lookup_opened(&cname) {
                return Some(addr);
            }
            let lib = DEFAULT_LIBRARIES.get(self.defaults_tried)?;
            self.defaults_tried += 1;
            // SAFETY: standard system libraries; loading runs their initializers.
            match unsafe { Library::open(Some(*lib), RTLD_NOW | RTLD_GLOBAL) } {
                Ok(l) => {
                    tracing::debug!(library = lib, needed_for = name, "opened default library");
                    self.opened.push(l);
                    crate::link::adopt_host_unwinder();
                    // Earlier misses may now resolve.
                    self.cache.retain(|_, v| v.is_some());
                }
                Err(e) => tracing::debug!(library = lib, "cannot open default library: {e}"),
            }
        }
    }

    fn lookup_opened(&self, name: &CString) -> Option<u64> {
        self.opened.iter().find_map(|lib| {
            // SAFETY: we only take the symbol's address, never call or read through it here.
            let sym = unsafe { lib.get::<*const u8>(name.as_bytes_with_nul()) }.ok()?;
            let addr = sym.into_raw() as u64;
            (addr != 0).then_some(addr)
        })
    }
}

impl Default for HostResolver {
    fn default() -> Self {
        HostResolver::new()
    }
}
