//! The compiler library (`libirjit_compiler.so`, the half of irjit that links LLVM): found,
//! opened at most once per process and only when something must be compiled, checked to be this
//! irjit's, and wrapped as [`UnitCompiler`]s.
//!
//! Where it is looked for, first match wins:
//! 1. `$IRJIT_COMPILER_LIB`, if set;
//! 2. `libirjit_compiler.so` in the directory of the running executable (cargo's `target/<profile>`);
//! 3. `<exe dir>/../lib/irjit/libirjit_compiler.so` (an installed layout).
//!
//! The library is opened `RTLD_LOCAL`: neither LLVM's symbols nor the library's are visible to the
//! programs irjit runs. It is never closed.
//!
//! The library has its own copies of `std` and `tracing`: [`set_log_config`] gives it the
//! executable's log settings, and it logs to stderr the same way, but its spans are not nested in
//! the runtime's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use irjit_interface::abi::{
    self, ApiFunction, Bytes, CompileMessage, CompilerApi, LogConfig, ProgramHandle,
    StoreCallbacks, ABI_VERSION, API_SYMBOL, INTERFACE_HASH, IRJIT_VERSION, LIBRARY_FILE,
};
use irjit_interface::symbols::ModuleSymbols;
use irjit_interface::{
    CompileError, CompileRequest, CompiledUnit, LoadSpec, ModuleSource, ObjectStore, ProgramLayout,
    UnitCompiler, UnitId,
};

/// The environment variable naming the compiler library to use.
pub const LIBRARY_VARIABLE: &str = "IRJIT_COMPILER_LIB";

/// Why the compiler library cannot be used.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LibraryError {
    /// `dlopen` failed (most often: the library was not built).
    #[error("cannot load the compiler library {}: {message}; build it with cargo build --workspace", .path.display())]
    Open {
        /// The file tried.
        path: PathBuf,
        /// The dynamic loader's explanation (`dlerror`).
        message: String,
    },
    /// The file is no compiler library.
    #[error("cannot load the compiler library {}: it has no symbol {API_SYMBOL}: {message}", .path.display())]
    NoEntry {
        /// The file opened.
        path: PathBuf,
        /// The dynamic loader's explanation (`dlerror`).
        message: String,
    },
    /// The library belongs to another build of irjit.
    #[error("compiler library {} is from irjit {found}, this is irjit {expected}; rebuild it with cargo build --workspace", .path.display())]
    Version {
        /// The library.
        path: PathBuf,
        /// Its version (irjit version, ABI version, interface hash).
        found: String,
        /// This executable's.
        expected: String,
    },
    /// The running executable cannot be found, so neither can the library beside it.
    #[error("cannot locate the compiler library (set {LIBRARY_VARIABLE}): cannot find the running executable: {0}")]
    NoExecutable(String),
}

impl From<LibraryError> for CompileError {
    fn from(e: LibraryError) -> CompileError {
        CompileError::Library(e.to_string())
    }
}

/// The opened compiler library.
pub struct CompilerLibrary {
    path: PathBuf,
    api: &'static CompilerApi,
}

impl std::fmt::Debug for CompilerLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompilerLibrary")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Set once `dlopen` of a compiler library succeeded: LLVM is in the process from then on.
static OPENED: AtomicBool = AtomicBool::new(false);

/// How the library should log, once opened.
static LOG_CONFIG: OnceLock<LogConfig> = OnceLock::new();

/// Whether the compiler library (and so LLVM) was loaded into this process.
pub fn llvm_loaded() -> bool {
    OPENED.load(Ordering::Acquire)
}

/// Has the compiler library log like the executable: it has its own copy of `tracing`, so it
/// installs its own subscriber with `config` when it is opened. Only the first call counts.
pub fn set_log_config(config: LogConfig) {
    let _ = LOG_CONFIG.set(config);
}

/// Where the compiler library is (see the module documentation). When no file exists, the
/// place beside the executable (the first one tried).
pub fn locate() -> Result<PathBuf, LibraryError> {
    if let Some(path) = std::env::var_os(LIBRARY_VARIABLE).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| LibraryError::NoExecutable(e.to_string()))?;
    let dir = exe
        .parent()
        .ok_or_else(|| LibraryError::NoExecutable(format!("{} has no parent", exe.display())))?;
    let beside = dir.join(LIBRARY_FILE);
    let installed = dir.join("../lib/irjit").join(LIBRARY_FILE);
    if !beside.exists() && installed.exists() {
        return Ok(installed);
    }
    Ok(beside)
}

impl CompilerLibrary {
    /// The process's compiler library, opened on the first call.
    pub fn get() -> Result<&'static CompilerLibrary, LibraryError> {
        static LIBRARY: OnceLock<Result<CompilerLibrary, LibraryError>> = OnceLock::new();
        LIBRARY
            .get_or_init(|| CompilerLibrary::open(&locate()?))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Opens the library at `path` and checks that it is this irjit's. The library is never
    /// closed, not even when the check fails (unloading LLVM is not worth its risks).
    fn open(path: &Path) -> Result<CompilerLibrary, LibraryError> {
        let _span = tracing::info_span!("open compiler library", path = %path.display()).entered();
        // SAFETY: opening the compiler library runs its initializers and LLVM's, which are
        // written to be loaded this way; RTLD_LOCAL keeps their symbols out of the programs' way.
        let library = unsafe {
            libloading::os::unix::Library::open(
                Some(path),
                libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL,
            )
        }
        .map_err(|e| LibraryError::Open {
            path: path.to_path_buf(),
            message: loader_message(path, &e),
        })?;
        OPENED.store(true, Ordering::Release);
        // LLVM brings libgcc_s with it: JIT'd code's unwind tables go there from now on.
        crate::link::adopt_host_unwinder();
        // Never closed: the table, the handles and LLVM's global state live as long as the process.
        let library: &'static libloading::Library =
            Box::leak(Box::new(libloading::Library::from(library)));
        let api = {
            // SAFETY: API_SYMBOL is, in a compiler library, a function of type `ApiFunction`;
            // the version check below rejects libraries that merely have the name.
            let entry = unsafe { library.get::<ApiFunction>(API_SYMBOL.as_bytes()) };
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    return Err(LibraryError::NoEntry {
                        path: path.to_path_buf(),
                        message: loader_message(path, &e),
                    });
                }
            };
            // SAFETY: the entry point takes nothing and returns its static table.
            let api = unsafe { entry() };
            // SAFETY: the table is static in the library, which is never closed; only its
            // version fields (valid in every ABI version) are read before the check.
            unsafe { api.as_ref() }
        };
        let Some(api) = api else {
            return Err(LibraryError::Version {
                path: path.to_path_buf(),
                found: String::from("an unknown version (no function table)"),
                expected: describe_version(ABI_VERSION, INTERFACE_HASH, IRJIT_VERSION),
            });
        };
        // SAFETY: a table from the library's entry point.
        let found_version = unsafe { api.irjit_version() };
        check_version(path, api.abi_version, api.interface_hash, &found_version)?;
        if let Some(config) = LOG_CONFIG.get() {
            if let Ok(encoded) = abi::encode(config) {
                // SAFETY: a checked table; the config bytes live during the call.
                unsafe { (api.init_log)(encoded.as_ptr(), encoded.len()) };
            }
        }
        tracing::info!("compiler library opened");
        Ok(CompilerLibrary {
            path: path.to_path_buf(),
            api,
        })
    }

    /// The library's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads a program into the library: a compiler of its units.
    pub fn load_program(
        &'static self,
        spec: &LoadSpec,
    ) -> Result<Box<dyn UnitCompiler>, CompileError> {
        let encoded = abi::encode(spec)?;
        let mut handle: *mut ProgramHandle = std::ptr::null_mut();
        // SAFETY: a checked table; the spec bytes live during the call and `handle` is writable.
        let answer = unsafe { (self.api.load)(encoded.as_ptr(), encoded.len(), &mut handle) };
        let layout = self.take_answer::<ProgramLayout>(answer);
        if handle.is_null() {
            return Err(layout.err().unwrap_or_else(|| {
                CompileError::Internal(String::from(
                    "the compiler library loaded a program but returned no handle",
                ))
            }));
        }
        // From here on, dropping the program gives the handle back.
        let program = LibraryProgram {
            library: self,
            handle,
            layout: layout?,
        };
        Ok(Box::new(program))
    }

    /// The symbol table of one module (read by the library; no program is loaded).
    pub fn module_symbols(&self, source: &ModuleSource) -> Result<ModuleSymbols, CompileError> {
        let encoded = abi::encode(source)?;
        // SAFETY: a checked table; the source bytes live during the call.
        let answer = unsafe { (self.api.module_symbols)(encoded.as_ptr(), encoded.len()) };
        self.take_answer(answer)
    }

    /// Decodes an answer of the library and frees it.
    fn take_answer<T: abi::Message>(&self, answer: Bytes) -> Result<T, CompileError> {
        // SAFETY: `answer` was just returned by one of this library's functions.
        unsafe { abi::take_answer(self.api, answer) }
    }
}

/// The dynamic loader's message, without the path it usually starts with.
fn loader_message(path: &Path, e: &libloading::Error) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", path.display());
    text.strip_prefix(&prefix)
        .map_or(text.clone(), str::to_string)
}

fn describe_version(abi: u32, interface: u64, irjit: &str) -> String {
    format!("{irjit} (ABI {abi}, interface {interface:016x})")
}

/// Accepts only a library built from exactly this irjit.
fn check_version(path: &Path, abi: u32, interface: u64, irjit: &str) -> Result<(), LibraryError> {
    if abi == ABI_VERSION && interface == INTERFACE_HASH && irjit == IRJIT_VERSION {
        return Ok(());
    }
    Err(LibraryError::Version {
        path: path.to_path_buf(),
        found: describe_version(abi, interface, irjit),
        expected: describe_version(ABI_VERSION, INTERFACE_HASH, IRJIT_VERSION),
    })
}

/// A program loaded in the compiler library.
struct LibraryProgram {
    library: &'static CompilerLibrary,
    handle: *mut ProgramHandle,
    layout: ProgramLayout,
}

// SAFETY: the handle is the library's `Compiler`, which may move between threads; `&mut self`
// keeps it to one thread at a time.
unsafe impl Send for LibraryProgram {}

impl UnitCompiler for LibraryProgram {
    fn layout(&self) -> &ProgramLayout {
        &self.layout
    }

    fn compile(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError> {
        let message = abi::encode(&CompileMessage {
            unit,
            request: *request,
        })?;
        // SAFETY: a live handle of this library, used by this thread alone (`&mut self`); the
        // message lives during the call.
        let answer =
            unsafe { (self.library.api.compile)(self.handle, message.as_ptr(), message.len()) };
        self.library.take_answer(answer)
    }

    fn set_store(&mut self, store: Option<Arc<dyn ObjectStore>>) {
        let callbacks = store.map(StoreCallbacks::new);
        let pointer = callbacks
            .as_ref()
            .map_or(std::ptr::null(), |c| c as *const StoreCallbacks);
        // SAFETY: a live handle used by this thread alone; the callbacks' context passes to the
        // library, which drops it.
        let answer = unsafe { (self.library.api.set_store)(self.handle, pointer) };
        if let Err(e) = self.library.take_answer::<()>(answer) {
            tracing::warn!("the compiler will not use the code cache: {e}");
        }
    }
}

impl Drop for LibraryProgram {
    fn drop(&mut self) {
        if !self.handle.is_null() {
            // SAFETY: the handle is this program's, given back once.
            unsafe { (self.library.api.drop_program)(self.handle) };
        }
    }
}

/// Makes the real compiler of a [`DeferredCompiler`].
pub type MakeCompiler = Box<dyn FnMut() -> Result<Box<dyn UnitCompiler>, CompileError> + Send>;

/// A compiler for a program whose layout is already known (from the code cache): the compiler
/// library is opened and the program loaded only when a unit must really be compiled.
pub struct DeferredCompiler {
    layout: ProgramLayout,
    make: MakeCompiler,
    real: Option<Box<dyn UnitCompiler>>,
    /// The store given before the real compiler existed.
    store: Option<Arc<dyn ObjectStore>>,
}

impl DeferredCompiler {
    /// A compiler serving `layout`, which `make` creates the real compiler for on the first
    /// compile (typically by [`CompilerLibrary::load_program`]).
    pub fn new(
        layout: ProgramLayout,
        make: impl FnMut() -> Result<Box<dyn UnitCompiler>, CompileError> + Send + 'static,
    ) -> DeferredCompiler {
        DeferredCompiler {
            layout,
            make: Box::new(make),
            real: None,
            store: None,
        }
    }

    /// Whether the real compiler was made.
    pub fn is_loaded(&self) -> bool {
        self.real.is_some()
    }

    fn real(&mut self) -> Result<&mut Box<dyn UnitCompiler>, CompileError> {
        if self.real.is_none() {
            let mut real = (self.make)()?;
            if let Some(difference) = layout_difference(&self.layout, real.layout()) {
                return Err(CompileError::StaleLayout(format!(
                    "the program no longer splits as the code cache recorded: {difference}"
                )));
            }
            if let Some(store) = self.store.take() {
                real.set_store(Some(store));
            }
            self.real = Some(real);
        }
        Ok(self.real.as_mut().expect("made above"))
    }
}

/// How `now` differs from `known`, if it does.
fn layout_difference(known: &ProgramLayout, now: &ProgramLayout) -> Option<String> {
    if known == now {
        return None;
    }
    if known.units.len() != now.units.len() {
        return Some(format!(
            "{} units recorded, {} now",
            known.units.len(),
            now.units.len()
        ));
    }
    if let Some((a, b)) = known.units.iter().zip(&now.units).find(|(a, b)| a != b) {
        return Some(format!(
            "{} recorded as {:?}, now {:?}",
            a.id, a.name, b.name
        ));
    }
    Some(String::from("constructors, destructors or aliases differ"))
}

impl UnitCompiler for DeferredCompiler {
    fn layout(&self) -> &ProgramLayout {
        &self.layout
    }

    fn compile(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError> {
        self.real()?.compile(unit, request)
    }

    fn set_store(&mut self, store: Option<Arc<dyn ObjectStore>>) {
        match &mut self.real {
            Some(real) => real.set_store(store),
            None => self.store = store,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use irjit_interface::{ObjectKey, OptLevel, StoredObject, UnitInfo, UnitKind};

    use super::*;

    #[test]
    fn version_check_names_both_versions() {
        let path = Path::new("/x/libirjit_compiler.so");
        assert!(check_version(path, ABI_VERSION, INTERFACE_HASH, IRJIT_VERSION).is_ok());
        let e = check_version(path, ABI_VERSION, INTERFACE_HASH, "0.0.1").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("compiler library /x/libirjit_compiler.so is from irjit 0.0.1 (ABI"),
            "{text}"
        );
        assert!(
            text.contains(&format!("this is irjit {IRJIT_VERSION} (ABI")),
            "{text}"
        );
        assert!(check_version(path, ABI_VERSION + 1, INTERFACE_HASH, IRJIT_VERSION).is_err());
        assert!(check_version(path, ABI_VERSION, INTERFACE_HASH ^ 1, IRJIT_VERSION).is_err());
    }

    #[test]
    fn missing_library_is_an_error_naming_it() {
        let e = CompilerLibrary::open(Path::new("/nonexistent/libirjit_compiler.so")).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with(
                "cannot load the compiler library /nonexistent/libirjit_compiler.so: "
            ) && text.contains("No such file")
                && text.ends_with("; build it with cargo build --workspace"),
            "{text}"
        );
    }

    #[test]
    fn library_without_entry_point_is_refused() {
        let e = CompilerLibrary::open(Path::new("libm.so.6")).unwrap_err();
        assert!(matches!(e, LibraryError::NoEntry { .. }), "{e}");
        assert!(e.to_string().contains(API_SYMBOL), "{e}");
    }

    /// A compiler of a fixed layout that records what it was asked.
    struct Fake {
        layout: ProgramLayout,
        store: Option<Arc<dyn ObjectStore>>,
    }

    impl UnitCompiler for Fake {
        fn layout(&self) -> &ProgramLayout {
            &self.layout
        }

        fn compile(
            &mut self,
            unit: UnitId,
            request: &CompileRequest,
        ) -> Result<CompiledUnit, CompileError> {
            let stored = self
                .store
                .as_ref()
                .and_then(|s| s.load(&ObjectKey([0; 32])));
            Ok(CompiledUnit {
                unit,
                level: request.level,
                object: Vec::new(),
                compile_time: Default::default(),
                osr_sites: 0,
                key: None,
                from_store: stored.is_some(),
            })
        }

        fn set_store(&mut self, store: Option<Arc<dyn ObjectStore>>) {
            self.store = store;
        }
    }

    struct Everything;

    impl ObjectStore for Everything {
        fn load(&self, _: &ObjectKey) -> Option<StoredObject> {
            Some(StoredObject {
                object: Vec::new(),
                osr_sites: 0,
            })
        }
    }

    fn layout(names: &[&str]) -> ProgramLayout {
        ProgramLayout {
            units: names
                .iter()
                .enumerate()
                .map(|(i, name)| UnitInfo {
                    id: UnitId(i as u32),
                    kind: UnitKind::Function,
                    name: name.to_string(),
                    defines: vec![name.to_string()],
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn deferred_compiler_loads_on_first_compile_only() {
        let made = Arc::new(Mutex::new(0));
        let counter = made.clone();
        let mut deferred = DeferredCompiler::new(layout(&["main", "f"]), move || {
            *counter.lock().unwrap() += 1;
            Ok(Box::new(Fake {
                layout: layout(&["main", "f"]),
                store: None,
            }) as Box<dyn UnitCompiler>)
        });
        assert_eq!(deferred.layout().units.len(), 2);
        deferred.set_store(Some(Arc::new(Everything)));
        assert_eq!(*made.lock().unwrap(), 0);
        assert!(!deferred.is_loaded());
        let request = CompileRequest::at(OptLevel::O0);
        let compiled = deferred.compile(UnitId(1), &request).unwrap();
        assert!(
            compiled.from_store,
            "the store given early reaches the real compiler"
        );
        deferred.compile(UnitId(0), &request).unwrap();
        assert_eq!(*made.lock().unwrap(), 1);
        assert!(deferred.is_loaded());
    }

    #[test]
    fn deferred_compiler_rejects_a_stale_layout() {
        let mut deferred = DeferredCompiler::new(layout(&["main", "f"]), || {
            Ok(Box::new(Fake {
                layout: layout(&["main", "g"]),
                store: None,
            }) as Box<dyn UnitCompiler>)
        });
        let e = deferred
            .compile(UnitId(0), &CompileRequest::at(OptLevel::O0))
            .unwrap_err();
        assert!(matches!(e, CompileError::StaleLayout(_)), "{e}");
        assert!(
            e.to_string()
                .contains("unit#1 recorded as \"f\", now \"g\""),
            "{e}"
        );
    }
}
