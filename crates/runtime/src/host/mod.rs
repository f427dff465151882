//! Symbols from outside the program: functions irjit itself provides, then the host process
//! (C library and whatever is loaded), then default libraries opened when first needed.

mod provided;
mod tls;

use std::collections::HashMap;
use std::ffi::CString;

use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};

use crate::error::RuntimeError;

pub use provided::{dso_handle, host_cpu_model, set_dso_handle};
pub use tls::host_tls_control;

/// Libraries a C or C++ program may need beyond the C library, opened (in this order) only when a
/// symbol is not found otherwise.
const DEFAULT_LIBRARIES: &[&str] = &["libm.so.6", "libgcc_s.so.1", "libstdc++.so.6"];

/// Resolves names the program does not define.
pub struct HostResolver {
    this: Library,
    opened: Vec<Library>,
    defaults_tried: usize,
    cache: HashMap<String, Option<u64>>,
}

impl HostResolver {
    /// A resolver over the running process.
    pub fn new() -> HostResolver {
        HostResolver {
            this: Library::this(),
            opened: Vec::new(),
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

    fn resolve_uncached(&mut self, name: &str) -> Option<u64> {
        if let Some(addr) = provided::lookup(name) {
            return Some(addr);
        }
        let cname = CString::new(name).ok()?;
        loop {
            if let Some(addr) = self.lookup_global(&cname) {
                return Some(addr);
            }
            let lib = DEFAULT_LIBRARIES.get(self.defaults_tried)?;
            self.defaults_tried += 1;
            // SAFETY: standard system libraries; loading runs their initializers.
            match unsafe { Library::open(Some(*lib), RTLD_NOW | RTLD_GLOBAL) } {
                Ok(l) => {
                    tracing::debug!(library = lib, needed_for = name, "opened default library");
                    self.opened.push(l);
                    // Earlier misses may now resolve.
                    self.cache.retain(|_, v| v.is_some());
                }
                Err(e) => tracing::debug!(library = lib, "cannot open default library: {e}"),
            }
        }
    }

    fn lookup_global(&self, name: &CString) -> Option<u64> {
        // SAFETY: we only take the symbol's address, never call or read through it here.
        let sym = unsafe { self.this.get::<*const u8>(name.as_bytes_with_nul()) }.ok()?;
        let addr = sym.into_raw() as u64;
        (addr != 0).then_some(addr)
    }
}

impl Default for HostResolver {
    fn default() -> Self {
        HostResolver::new()
    }
}
