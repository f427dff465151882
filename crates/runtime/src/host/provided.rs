//! Functions the runtime defines for the program: those the host C library does not export from
//! its shared object (on glibc they live in `libc_nonshared.a`, linked statically into every
//! native executable), the exit machinery (see [`crate::exit`]), the sleeps (see `sleep`),
//! `dlopen` and `dlclose` (after which libgcc_s may have arrived, or before it may leave: see
//! `link::unwind`), the hook tier-0 loops call when their count restarts
//! (`__irjit_loop_restart`, see `crate::quiet`), and the heap-resident data `__dso_handle`,
//! `__cpu_model` and `__cpu_features2`.

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The program's `__dso_handle`: identifies "this module" to `__cxa_atexit`. It must live in the
/// code heap (C++ code refers to it PC-relative, as a hidden symbol); the linker allocates it and
/// records its address here. irjit never unloads a program, so `__cxa_finalize` never runs on it.
static DSO_HANDLE: AtomicUsize = AtomicUsize::new(0);

/// The address used as the program's `__dso_handle`.
pub fn dso_handle() -> *mut c_void {
    DSO_HANDLE.load(Ordering::Relaxed) as *mut c_void
}

/// Records where the program's `__dso_handle` lives.
pub fn set_dso_handle(addr: u64) {
    DSO_HANDLE.store(addr as usize, Ordering::Relaxed);
}

extern "C" {
    fn irjit_host_cpu_model(model: *mut u8, features2: *mut u8);
}

/// The contents of static libgcc's `__cpu_model` (16 bytes) and `__cpu_features2` (12 bytes) for
/// this CPU, which `__builtin_cpu_supports` reads. Computed once, on first use: it takes a dozen
/// `cpuid` instructions, and few programs read it.
pub fn host_cpu_model() -> ([u8; 16], [u8; 12]) {
    static MODEL: std::sync::OnceLock<([u8; 16], [u8; 12])> = std::sync::OnceLock::new();
    *MODEL.get_or_init(|| {
        let mut model = [0; 16];
        let mut features2 = [0; 12];
        // SAFETY: the helper writes exactly 16 and 12 bytes into the buffers.
        unsafe { irjit_host_cpu_model(model.as_mut_ptr(), features2.as_mut_ptr()) };
        (model, features2)
    })
}

/// The contents and alignment of a data symbol the runtime places in the code heap when the
/// program first refers to it (`__cpu_model`, `__cpu_features2`), or `None` for other names.
pub fn lazy_heap_data(name: &str) -> Option<(Vec<u8>, u64)> {
    match name {
        "__cpu_model" => Some((host_cpu_model().0.to_vec(), 16)),
        "__cpu_features2" => Some((host_cpu_model().1.to_vec(), 4)),
        _ => None,
    }
}

extern "C" {
    fn __cxa_at_quick_exit(f: extern "C" fn(), dso: *mut c_void) -> c_int;
    fn __register_atfork(
        prepare: Option<extern "C" fn()>,
        parent: Option<extern "C" fn()>,
        child: Option<extern "C" fn()>,
        dso: *mut c_void,
    ) -> c_int;
}

/// `at_quick_exit(f)`.
extern "C" fn irjit_at_quick_exit(f: extern "C" fn()) -> c_int {
    // SAFETY: forwards to the C library with our DSO handle.
    unsafe { __cxa_at_quick_exit(f, dso_handle()) }
}

/// `pthread_atfork(prepare, parent, child)`.
extern "C" fn irjit_pthread_atfork(
    prepare: Option<extern "C" fn()>,
    parent: Option<extern "C" fn()>,
    child: Option<extern "C" fn()>,
) -> c_int {
    // SAFETY: forwards to the C library with our DSO handle.
    unsafe { __register_atfork(prepare, parent, child, dso_handle()) }
}

/// `dlopen(name, flags)`; should the library bring libgcc_s in, JIT'd code's unwind tables are
/// registered with it (see `link::unwind`).
unsafe extern "C" fn irjit_dlopen(name: *const c_char, flags: c_int) -> *mut c_void {
    // SAFETY: the program's own call, forwarded unchanged.
    let handle = unsafe { libc::dlopen(name, flags) };
    if !handle.is_null() {
        crate::link::adopt_host_unwinder();
    }
    handle
}

/// `dlclose(handle)`: libgcc_s, if its tables are registered, must not go with the library.
unsafe extern "C" fn irjit_dlclose(handle: *mut c_void) -> c_int {
    crate::link::adopt_host_unwinder();
    // SAFETY: the program's own call, forwarded unchanged.
    unsafe { libc::dlclose(handle) }
}

/// The address of a symbol the runtime provides, if `name` is one.
pub(super) fn lookup(name: &str) -> Option<u64> {
    let addr = match name {
        "atexit" => crate::exit::atexit as *const () as u64,
        "__cxa_atexit" => crate::exit::cxa_atexit as *const () as u64,
        "on_exit" => crate::exit::on_exit as *const () as u64,
        "exit" => crate::exit::exit as *const () as u64,
        "at_quick_exit" => irjit_at_quick_exit as *const () as u64,
        "pthread_atfork" => irjit_pthread_atfork as *const () as u64,
        "__emutls_get_address" => super::tls::emutls_get_address as *const () as u64,
        "nanosleep" => super::sleep::nanosleep as *const () as u64,
        "clock_nanosleep" => super::sleep::clock_nanosleep as *const () as u64,
        "usleep" => super::sleep::usleep as *const () as u64,
        "dlopen" => irjit_dlopen as *const () as u64,
        "dlclose" => irjit_dlclose as *const () as u64,
        "__irjit_loop_restart" => crate::quiet::loop_restart as *const () as u64,
        _ => return None,
    };
    Some(addr)
}
