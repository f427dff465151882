//! The compiler library's side of the C ABI of [`irjit_interface::abi`]: the table behind
//! [`API_SYMBOL`](irjit_interface::abi::API_SYMBOL), wrapping [`Compiler`].
//!
//! Each program handle is a boxed [`Program`]. Every exported function decodes its input,
//! catches panics and encodes its answer; none unwinds into the runtime. A handle whose call
//! panicked is poisoned: the LLVM state behind it may be half-updated, so it refuses further work.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Once};

use irjit_interface::abi::{
    self, Bytes, CompileMessage, CompilerApi, ForeignStore, LogConfig, ProgramHandle,
    StoreCallbacks, ABI_VERSION, INTERFACE_HASH, IRJIT_VERSION,
};
use irjit_interface::symbols::ModuleSymbols;
use irjit_interface::{CompileError, LoadSpec, ModuleSource, ObjectStore, UnitCompiler};

use crate::{Compiler, LoadOptions};

/// What a [`ProgramHandle`] points at.
struct Program {
    compiler: Compiler,
    /// Set while a call runs; still set afterwards only if it panicked.
    poisoned: bool,
}

static API: CompilerApi = CompilerApi {
    abi_version: ABI_VERSION,
    interface_hash: INTERFACE_HASH,
    irjit_version: IRJIT_VERSION.as_ptr(),
    irjit_version_len: IRJIT_VERSION.len(),
    init_log,
    load,
    compile,
    set_store,
    module_symbols,
    free_bytes,
    drop_program,
};

thread_local! {
    /// Where the last panic on this thread happened (filled by the library's panic hook).
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The library's entry point (`irjit_interface::abi::API_SYMBOL`).
///
/// It also replaces this library's panic hook (the library has its own copy of `std`): a panic
/// in here is reported to the runtime as an error, so the default message on stderr would only
/// be noise; its location is kept for that error instead.
#[no_mangle]
pub extern "C" fn irjit_compiler_api_v2() -> *const CompilerApi {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| l.to_string());
            let _ = PANIC_LOCATION.try_with(|slot| *slot.borrow_mut() = location);
        }))
    });
    &API
}

/// [`abi::answer`], with the panic's location in the error.
fn reply<T: abi::Message>(f: impl FnOnce() -> Result<T, CompileError>) -> Bytes {
    abi::answer(|| match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let mut message = abi::panic_message(&*payload);
            if let Some(location) = PANIC_LOCATION.with(|slot| slot.borrow_mut().take()) {
                message.push_str(&format!(" at {location}"));
            }
            Err(CompileError::Internal(message))
        }
    })
}

/// The input bytes of a call.
///
/// # Safety
///
/// `ptr` is null (with `len` 0) or points at `len` readable bytes that outlive the call.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() {
        return &[];
    }
    // SAFETY: the caller promises `len` readable bytes.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// The program behind a handle, unless the handle is null or poisoned.
///
/// # Safety
///
/// `handle` is null or a live handle made by [`load`], used by no other thread meanwhile.
unsafe fn program<'a>(handle: *mut ProgramHandle) -> Result<&'a mut Program, CompileError> {
    if handle.is_null() {
        return Err(CompileError::Internal(String::from("null program handle")));
    }
    // SAFETY: the caller promises a live handle, which is a `Box<Program>` from `load`, used by
    // this thread alone.
    let program = unsafe { &mut *handle.cast::<Program>() };
    if program.poisoned {
        return Err(CompileError::Internal(String::from(
            "the compiler panicked earlier for this program",
        )));
    }
    Ok(program)
}

/// [`CompilerApi::init_log`].
unsafe extern "C" fn init_log(config: *const u8, len: usize) {
    let _ = catch_unwind(|| {
        // SAFETY: the runtime passes its encoded config, alive during the call.
        let Ok(config) = abi::decode::<LogConfig>(unsafe { input(config, len) }) else {
            return;
        };
        use tracing_subscriber::fmt::format::FmtSpan;
        // The irjit binary's formatter for -v and IRJIT_LOG (crates/irjit/src/log.rs). By default
        // only warnings pass the filter, and the compiler library logs none: its failures come
        // back as errors.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(config.filter))
            .with_span_events(if config.span_close {
                FmtSpan::CLOSE
            } else {
                FmtSpan::NONE
            })
            .with_writer(std::io::stderr)
            .with_target(false)
            .try_init();
    });
}

/// [`CompilerApi::load`].
unsafe extern "C" fn load(spec: *const u8, len: usize, out: *mut *mut ProgramHandle) -> Bytes {
    if out.is_null() {
        return reply::<()>(|| Err(CompileError::Internal(String::from("null out pointer"))));
    }
    // SAFETY: `out` is the runtime's writable slot for the handle.
    unsafe { out.write(std::ptr::null_mut()) };
    reply(|| {
        // SAFETY: the runtime passes its encoded spec, alive during the call.
        let spec: LoadSpec = abi::decode(unsafe { input(spec, len) })?;
        let options = LoadOptions {
            extra_modules: spec.extra_modules,
            eager: spec.eager,
        };
        let compiler = Compiler::load(&spec.main, &options)?;
        let layout = compiler.layout().clone();
        let program = Box::new(Program {
            compiler,
            poisoned: false,
        });
        // SAFETY: as above; the runtime owns the handle from now on.
        unsafe { out.write(Box::into_raw(program).cast()) };
        Ok(layout)
    })
}

/// [`CompilerApi::compile`].
unsafe extern "C" fn compile(handle: *mut ProgramHandle, message: *const u8, len: usize) -> Bytes {
    reply(|| {
        // SAFETY: the runtime passes a live handle, used by one thread at a time.
        let program = unsafe { program(handle) }?;
        // SAFETY: the runtime passes its encoded message, alive during the call.
        let message: CompileMessage = abi::decode(unsafe { input(message, len) })?;
        program.poisoned = true;
        let result = program.compiler.compile(message.unit, &message.request);
        program.poisoned = false;
        result
    })
}

/// [`CompilerApi::set_store`].
unsafe extern "C" fn set_store(handle: *mut ProgramHandle, store: *const StoreCallbacks) -> Bytes {
    // Take the store over first: it is ours to drop even if the call fails.
    let store = (!store.is_null()).then(|| {
        // SAFETY: the runtime passes callbacks made by `StoreCallbacks::new`, whose context it
        // hands over to this library with this call.
        Arc::new(unsafe { ForeignStore::new(store.read()) }) as Arc<dyn ObjectStore>
    });
    reply(|| {
        // SAFETY: the runtime passes a live handle, used by one thread at a time.
        let program = unsafe { program(handle) }?;
        program.compiler.set_store(store);
        Ok(())
    })
}

/// [`CompilerApi::module_symbols`].
unsafe extern "C" fn module_symbols(source: *const u8, len: usize) -> Bytes {
    reply(|| -> Result<ModuleSymbols, CompileError> {
        // SAFETY: the runtime passes its encoded source, alive during the call.
        let source: ModuleSource = abi::decode(unsafe { input(source, len) })?;
        Compiler::module_symbols(&source)
    })
}

/// [`CompilerApi::free_bytes`].
unsafe extern "C" fn free_bytes(bytes: Bytes) {
    // SAFETY: the runtime gives back an answer of this library, once.
    drop(unsafe { bytes.into_vec() });
}

/// [`CompilerApi::drop_program`].
unsafe extern "C" fn drop_program(handle: *mut ProgramHandle) {
    if handle.is_null() {
        return;
    }
    // SAFETY: the runtime gives back a handle made by `load`, once, and uses it no more.
    let program = unsafe { Box::from_raw(handle.cast::<Program>()) };
    // Dropping LLVM state does not panic, but nothing may unwind from here.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(program)));
}
