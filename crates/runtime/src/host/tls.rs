//! Thread-local variables. irjit compiles the program's TLS as *emulated* TLS: code asks
//! `__emutls_get_address(&__emutls_v.NAME)` for the current thread's copy, so the loader needs no
//! TLS relocations and no static TLS space. libgcc implements that for the program's own
//! variables.
//!
//! A program may also use a thread-local variable of a host library (libstdc++'s
//! `std::__once_callable`, say), which lives in native TLS. For those the linker makes a *proxy*
//! control object, recognised by [`HOST_TLS_MARKER`] in its alignment field; this module's
//! `__emutls_get_address` answers proxies with the host variable's address in the calling thread
//! (glibc's `dlsym` returns exactly that for TLS symbols) and passes everything else to libgcc.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CString};

/// Marks a proxy control object: no real variable has this alignment.
const HOST_TLS_MARKER: usize = usize::MAX;

/// libgcc's `__emutls_object`.
#[repr(C)]
pub(super) struct EmutlsControl {
    size: usize,
    align: usize,
    object: *mut c_void,
    templ: *const c_void,
}

extern "C" {
    /// libgcc's: linked statically into the irjit executable (see `crates/irjit/build.rs`), from
    /// libgcc_s elsewhere.
    fn __emutls_get_address(control: *mut EmutlsControl) -> *mut c_void;
}

thread_local! {
    static HOST_TLS: RefCell<HashMap<usize, usize>> = RefCell::new(HashMap::new());
}

/// The runtime's `__emutls_get_address`.
///
/// # Safety
/// `control` is an emulated-TLS control object emitted by LLVM or made by [`host_tls_control`].
pub(super) unsafe extern "C" fn emutls_get_address(control: *mut EmutlsControl) -> *mut c_void {
    // SAFETY: the caller passes a valid control object.
    let c = unsafe { &*control };
    if c.align != HOST_TLS_MARKER {
        // SAFETY: an ordinary emulated TLS variable: libgcc's business.
        return unsafe { __emutls_get_address(control) };
    }
    let name = c.templ as *const c_char;
    HOST_TLS.with(|cache| {
        *cache.borrow_mut().entry(name as usize).or_insert_with(|| {
            // SAFETY: `name` is the NUL-terminated name stored by host_tls_control; glibc's dlsym
            // returns a TLS symbol's address for the calling thread.
            unsafe { libc::dlsym(libc::RTLD_DEFAULT, name) as usize }
        })
    }) as *mut c_void
}

/// The bytes of a proxy control object for host thread-local variable `name`.
pub fn host_tls_control(name: &str) -> [u8; 32] {
    // The name must outlive the program: leak it.
    let name = CString::new(name)
        .expect("symbol names have no NUL")
        .into_raw();
    let mut bytes = [0u8; 32];
    bytes[8..16].copy_from_slice(&HOST_TLS_MARKER.to_le_bytes());
    bytes[24..32].copy_from_slice(&(name as usize).to_le_bytes());
    bytes
}
