//! The C ABI between irjit's runtime and its compiler library (`libirjit_compiler.so`).
//!
//! The compiler links LLVM and the runtime must not, so the compiler is built as a shared library
//! that the runtime opens (`dlopen`) only when something must actually be compiled. The library
//! exports one symbol, [`API_SYMBOL`]: a function returning a [`CompilerApi`], a table of function
//! pointers headed by the versions both sides must agree on exactly ([`ABI_VERSION`],
//! [`INTERFACE_HASH`], [`IRJIT_VERSION`]). Every message that crosses is a byte buffer holding the
//! `postcard` encoding of an interface type, so the two sides share no Rust layout beyond the
//! `#[repr(C)]` structures of this module.
//!
//! Rules both sides keep:
//! - Nothing unwinds across the boundary. Every exported function catches panics ([`answer`])
//!   and reports them as [`CompileError::Internal`]; the runtime's store callbacks catch theirs
//!   and report "not found".
//! - Memory is freed by the side that allocated it: [`Bytes`] returned by the library go back
//!   through [`CompilerApi::free_bytes`], [`Bytes`] returned by the runtime's store through
//!   [`StoreCallbacks::release`].
//! - A program handle is used by one thread at a time (the [`UnitCompiler`] contract); different
//!   handles may be used concurrently.
//!
//! [`UnitCompiler`]: crate::UnitCompiler

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{CompileError, ObjectKey, ObjectStore, StoredObject};

/// The version of the table layout and of the messages' meaning. Bump it (and the `_vN` of
/// [`API_SYMBOL`]) whenever either changes incompatibly.
pub const ABI_VERSION: u32 = 2;

/// The symbol the compiler library exports: an [`ApiFunction`].
pub const API_SYMBOL: &str = "irjit_compiler_api_v2";

/// The file name of the compiler library.
pub const LIBRARY_FILE: &str = "libirjit_compiler.so";

/// The irjit version both halves were built as.
pub const IRJIT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A hash of this crate's source (the types that cross the boundary and their encoding): two
/// builds of the same version whose interfaces differ must not talk to each other.
pub const INTERFACE_HASH: u64 = fnv1a(
    include_bytes!("abi.rs"),
    fnv1a(
        include_bytes!("lib.rs"),
        fnv1a(
            include_bytes!("symbols.rs"),
            fnv1a(include_bytes!("bytecode.rs"), FNV_OFFSET),
        ),
    ),
);

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

const fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The type of [`API_SYMBOL`]: returns the library's table, which lives as long as the library.
pub type ApiFunction = unsafe extern "C" fn() -> *const CompilerApi;

/// A byte buffer handed from one side to the other, to be given back to its allocator.
///
/// A null `ptr` means "nothing" (the store's "not found").
#[repr(C)]
#[derive(Debug)]
pub struct Bytes {
    /// The first byte (from a `Vec<u8>` of the allocating side), or null.
    pub ptr: *mut u8,
    /// Bytes in use.
    pub len: usize,
    /// The allocation's capacity, needed to free it.
    pub capacity: usize,
}

impl Bytes {
    /// No buffer.
    pub const NONE: Bytes = Bytes {
        ptr: std::ptr::null_mut(),
        len: 0,
        capacity: 0,
    };

    /// Gives up ownership of `bytes` until [`Bytes::into_vec`] takes it back on the same side.
    pub fn from_vec(bytes: Vec<u8>) -> Bytes {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Bytes {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        }
    }

    /// Whether this is [`Bytes::NONE`].
    pub fn is_none(&self) -> bool {
        self.ptr.is_null()
    }

    /// The bytes.
    ///
    /// # Safety
    ///
    /// `self` must be [`Bytes::NONE`] or come from [`Bytes::from_vec`] (on either side) and not
    /// have been freed yet.
    pub unsafe fn as_slice(&self) -> &[u8] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: the caller promises a live buffer of `len` initialized bytes.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Takes back a buffer made by [`Bytes::from_vec`].
    ///
    /// # Safety
    ///
    /// `self` must come from [`Bytes::from_vec`] in the same binary (the same allocator) and not
    /// have been taken back before; or be [`Bytes::NONE`].
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller promises these are the parts of a Vec this side leaked.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.capacity) }
    }
}

/// A program loaded in the library: opaque to the runtime.
#[repr(C)]
pub struct ProgramHandle {
    _opaque: [u8; 0],
}

/// The compiler library's function table.
///
/// The first four fields keep their place and meaning in every ABI version, so a mismatch is
/// detected before anything else is read.
#[repr(C)]
pub struct CompilerApi {
    /// The library's [`ABI_VERSION`].
    pub abi_version: u32,
    /// The library's [`INTERFACE_HASH`].
    pub interface_hash: u64,
    /// The library's [`IRJIT_VERSION`] (UTF-8, not NUL-terminated; static).
    pub irjit_version: *const u8,
    /// Its length in bytes.
    pub irjit_version_len: usize,
    /// Installs the library's own log subscriber from an encoded [`LogConfig`] (the library has
    /// its own copy of `tracing`, so the runtime's subscriber does not see its events). Only the
    /// first call has an effect.
    pub init_log: unsafe extern "C" fn(config: *const u8, len: usize),
    /// Loads a program from an encoded [`LoadSpec`](crate::LoadSpec). Answers
    /// `Result<ProgramLayout, CompileError>`; on success `*program` is the new handle, else null.
    pub load: unsafe extern "C" fn(
        spec: *const u8,
        len: usize,
        program: *mut *mut ProgramHandle,
    ) -> Bytes,
    /// Compiles a unit from an encoded [`CompileMessage`]. Answers
    /// `Result<CompiledUnit, CompileError>`.
    pub compile:
        unsafe extern "C" fn(program: *mut ProgramHandle, message: *const u8, len: usize) -> Bytes,
    /// Sets the program's object store: `store` null for none, else callbacks whose context the
    /// library owns from this call on (it calls [`StoreCallbacks::drop_context`] when done, also
    /// on failure). Answers `Result<(), CompileError>`.
    pub set_store:
        unsafe extern "C" fn(program: *mut ProgramHandle, store: *const StoreCallbacks) -> Bytes,
    /// Reads the symbol table of one module from an encoded
    /// [`ModuleSource`](crate::ModuleSource), without loading a program. Answers
    /// `Result<ModuleSymbols, CompileError>` ([`ModuleSymbols`](crate::symbols::ModuleSymbols)).
    pub module_symbols: unsafe extern "C" fn(source: *const u8, len: usize) -> Bytes,
    /// Frees an answer of this library.
    pub free_bytes: unsafe extern "C" fn(bytes: Bytes),
    /// Drops a program handle.
    pub drop_program: unsafe extern "C" fn(program: *mut ProgramHandle),
}

// SAFETY: the table is immutable and its pointers are to static data and functions of the
// library, which may be read and called from any thread.
unsafe impl Sync for CompilerApi {}

// SAFETY: as for `Sync`.
unsafe impl Send for CompilerApi {}

impl CompilerApi {
    /// The library's irjit version.
    ///
    /// # Safety
    ///
    /// `self` must be a table returned by a library's [`API_SYMBOL`] (the version fields are valid
    /// in every ABI version).
    pub unsafe fn irjit_version(&self) -> String {
        if self.irjit_version.is_null() {
            return String::from("<unknown>");
        }
        // SAFETY: the caller promises a table whose version field points at
        // `irjit_version_len` static bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts(self.irjit_version, self.irjit_version_len) };
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The input of [`CompilerApi::compile`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompileMessage {
    /// The unit to compile.
    pub unit: crate::UnitId,
    /// How.
    pub request: crate::CompileRequest,
}

/// How the library logs (see [`CompilerApi::init_log`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    /// A `tracing` filter (`EnvFilter` syntax), e.g. `warn` or `irjit_compiler=trace`.
    pub filter: String,
    /// Report each span's time when it closes.
    pub span_close: bool,
}

/// The runtime's [`ObjectStore`] as the library sees it: a context pointer plus callbacks into
/// the runtime.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StoreCallbacks {
    /// The runtime's store (opaque to the library).
    pub context: *mut c_void,
    /// Looks up a 32-byte [`ObjectKey`]: the encoded [`StoredObject`], or [`Bytes::NONE`].
    pub lookup: unsafe extern "C" fn(context: *mut c_void, key: *const u8) -> Bytes,
    /// Frees an answer of `lookup`.
    pub release: unsafe extern "C" fn(context: *mut c_void, bytes: Bytes),
    /// The library no longer uses `context`.
    pub drop_context: unsafe extern "C" fn(context: *mut c_void),
}

impl StoreCallbacks {
    /// Callbacks serving `store` (runtime side). Whoever receives them must call
    /// [`StoreCallbacks::drop_context`] exactly once, or the store leaks.
    pub fn new(store: Arc<dyn ObjectStore>) -> StoreCallbacks {
        StoreCallbacks {
            context: Box::into_raw(Box::new(store)).cast(),
            lookup: store_lookup,
            release: store_release,
            drop_context: store_drop,
        }
    }
}

/// # Safety
///
/// `context` comes from [`StoreCallbacks::new`] and was not dropped; `key` points at 32 bytes.
unsafe extern "C" fn store_lookup(context: *mut c_void, key: *const u8) -> Bytes {
    // SAFETY: the context is the `Box<Arc<dyn ObjectStore>>` made by `StoreCallbacks::new`, alive
    // until `store_drop`.
    let store = unsafe { &*context.cast::<Arc<dyn ObjectStore>>() };
    // SAFETY: the caller passes a pointer to a 32-byte key.
    let key = ObjectKey(unsafe { key.cast::<[u8; 32]>().read_unaligned() });
    let found = catch_unwind(AssertUnwindSafe(|| store.load(&key)));
    match found {
        Ok(Some(object)) => postcard::to_stdvec(&object).map_or(Bytes::NONE, Bytes::from_vec),
        Ok(None) | Err(_) => Bytes::NONE,
    }
}

/// # Safety
///
/// `bytes` is an answer of [`store_lookup`], not yet released.
unsafe extern "C" fn store_release(_context: *mut c_void, bytes: Bytes) {
    // SAFETY: `store_lookup` made these bytes with `Bytes::from_vec` in this binary.
    drop(unsafe { bytes.into_vec() });
}

/// # Safety
///
/// `context` comes from [`StoreCallbacks::new`] and is dropped once.
unsafe extern "C" fn store_drop(context: *mut c_void) {
    // SAFETY: the context is the box made by `StoreCallbacks::new`; the library drops it once.
    drop(unsafe { Box::from_raw(context.cast::<Arc<dyn ObjectStore>>()) });
}

/// The runtime's store behind [`StoreCallbacks`], as an [`ObjectStore`] (library side). Dropping
/// it gives the context back.
#[derive(Debug)]
pub struct ForeignStore {
    callbacks: StoreCallbacks,
}

impl ForeignStore {
    /// Takes over `callbacks` (and the duty to drop their context).
    ///
    /// # Safety
    ///
    /// `callbacks` must come from [`StoreCallbacks::new`] (on the runtime side) and their
    /// context not be dropped by anyone else.
    pub unsafe fn new(callbacks: StoreCallbacks) -> ForeignStore {
        ForeignStore { callbacks }
    }
}

// SAFETY: the context is an `Arc<dyn ObjectStore>`, which is `Send + Sync`, and the callbacks only
// use it through `&`.
unsafe impl Send for ForeignStore {}

// SAFETY: as for `Send`.
unsafe impl Sync for ForeignStore {}

impl ObjectStore for ForeignStore {
    fn load(&self, key: &ObjectKey) -> Option<StoredObject> {
        // SAFETY: the context is alive until `drop`; the key is 32 bytes.
        let bytes = unsafe { (self.callbacks.lookup)(self.callbacks.context, key.0.as_ptr()) };
        if bytes.is_none() {
            return None;
        }
        // SAFETY: a live answer of `lookup`, released right after.
        let object = postcard::from_bytes(unsafe { bytes.as_slice() }).ok();
        // SAFETY: given back to the runtime, once.
        unsafe { (self.callbacks.release)(self.callbacks.context, bytes) };
        object
    }
}

impl Drop for ForeignStore {
    fn drop(&mut self) {
        // SAFETY: this store owns the context and drops it once.
        unsafe { (self.callbacks.drop_context)(self.callbacks.context) };
    }
}

/// What can cross the boundary: anything the interface can encode and decode.
pub trait Message: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> Message for T {}

/// Decodes an answer of the library whose table is `api` and gives the buffer back to it
/// (runtime side).
///
/// # Safety
///
/// `answer` must have been returned by one of `api`'s functions and not be freed yet.
pub unsafe fn take_answer<T: Message>(api: &CompilerApi, answer: Bytes) -> Result<T, CompileError> {
    // SAFETY: the caller promises a live answer.
    let decoded = decode::<Result<T, CompileError>>(unsafe { answer.as_slice() });
    // SAFETY: given back to the library that allocated it, once.
    unsafe { (api.free_bytes)(answer) };
    decoded?
}

/// Encodes a message.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CompileError> {
    postcard::to_stdvec(value).map_err(|e| {
        CompileError::Internal(format!(
            "cannot encode a message for the compiler library: {e}"
        ))
    })
}

/// Decodes a message.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CompileError> {
    postcard::from_bytes(bytes).map_err(|e| {
        CompileError::Internal(format!(
            "cannot decode a message of the compiler library: {e}"
        ))
    })
}

/// Runs `f` and encodes its result as an answer (library side). A panic becomes
/// [`CompileError::Internal`]; nothing unwinds out of here.
pub fn answer<T: Serialize>(f: impl FnOnce() -> Result<T, CompileError>) -> Bytes {
    let result = catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(CompileError::Internal(panic_message(&*payload))));
    let encoded = encode(&result).or_else(|e| encode(&Err::<(), _>(e)));
    // An error of two words always encodes; should even that fail, the empty answer is
    // undecodable and the runtime reports that.
    encoded.map_or(Bytes::NONE, Bytes::from_vec)
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned());
    match text {
        Some(text) => format!("panicked: {text}"),
        None => String::from("panicked"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ByteRange, LoadSpec, ModuleSource, ObjectKey};
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;
    use std::sync::Mutex;

    #[test]
    fn load_spec_keeps_non_utf8_paths() {
        let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/\xff\xfe.bc"));
        let spec = LoadSpec {
            main: ModuleSource::file(odd.clone()),
            extra_modules: vec![
                ModuleSource::slice(
                    "lib/a.bc",
                    odd,
                    ByteRange {
                        offset: 64,
                        len: 1024,
                    },
                ),
                ModuleSource::file(PathBuf::from("/x/lib.ll")),
            ],
            eager: true,
        };
        let back: LoadSpec = decode(&encode(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn answer_catches_panics() {
        let bytes = answer::<u32>(|| panic!("boom"));
        // SAFETY: made by `answer` in this binary just now.
        let result: Result<u32, CompileError> = decode(&unsafe { bytes.into_vec() }).unwrap();
        match result {
            Err(CompileError::Internal(message)) => assert!(message.contains("boom"), "{message}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    struct Recording {
        asked: Mutex<Vec<ObjectKey>>,
    }

    impl ObjectStore for Recording {
        fn load(&self, key: &ObjectKey) -> Option<StoredObject> {
            self.asked.lock().unwrap().push(*key);
            (key.0[0] == 1).then(|| StoredObject {
                object: vec![1, 2, 3],
                osr_sites: 4,
            })
        }
    }

    #[test]
    fn store_round_trip_through_callbacks() {
        let store = Arc::new(Recording {
            asked: Mutex::new(Vec::new()),
        });
        let callbacks = StoreCallbacks::new(store.clone());
        // SAFETY: fresh callbacks, owned by this one foreign store.
        let foreign = unsafe { ForeignStore::new(callbacks) };
        let found = foreign.load(&ObjectKey([1; 32]));
        assert_eq!(
            found,
            Some(StoredObject {
                object: vec![1, 2, 3],
                osr_sites: 4
            })
        );
        assert_eq!(foreign.load(&ObjectKey([2; 32])), None);
        assert_eq!(Arc::strong_count(&store), 2);
        drop(foreign);
        assert_eq!(Arc::strong_count(&store), 1);
        assert_eq!(store.asked.lock().unwrap().len(), 2);
    }
}
