//! The narrow interface between irjit's two halves.
//!
//! The **compiler** (the only crate that links LLVM) turns a program's IR into compile units and
//! compiles one unit at a time into a relocatable ELF object. The **runtime** (which never links
//! LLVM) decides what to compile and when, links the objects into its code heap and runs the
//! program. Everything that crosses between them is plain data defined here, so the compiler can
//! live in a separately loaded library (`libirjit_compiler.so`, see [`abi`]) that is loaded only
//! when something must be compiled.
//!
//! This crate must never depend on LLVM or on the runtime.

#![deny(missing_docs)]

pub mod abi;
pub mod bytecode;
pub mod symbols;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Identifies one compile unit of a program: an index into [`ProgramLayout::units`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitId(pub u32);

impl UnitId {
    /// The index of this unit in [`ProgramLayout::units`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unit#{}", self.0)
    }
}

/// How hard the compiler optimizes a unit: the IR pipeline (`default<On>`) and the code generator.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum OptLevel {
    /// No IR optimization, fast instruction selection.
    O0,
    /// Light optimization.
    O1,
    /// The standard optimization pipeline.
    #[default]
    O2,
    /// The aggressive optimization pipeline.
    O3,
}

impl OptLevel {
    /// The level as the digit used by `-O<n>`.
    pub fn as_digit(self) -> u8 {
        match self {
            OptLevel::O0 => 0,
            OptLevel::O1 => 1,
            OptLevel::O2 => 2,
            OptLevel::O3 => 3,
        }
    }

    /// Parses the digit of `-O<n>`.
    pub fn from_digit(digit: u8) -> Option<OptLevel> {
        Some(match digit {
            0 => OptLevel::O0,
            1 => OptLevel::O1,
            2 => OptLevel::O2,
            3 => OptLevel::O3,
            _ => return None,
        })
    }
}

impl fmt::Display for OptLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "O{}", self.as_digit())
    }
}

/// What a compile unit holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKind {
    /// Exactly one function body; [`UnitInfo::name`] is the function's (link) name.
    Function,
    /// All global variable definitions of the program.
    Globals,
}

/// One compile unit as the compiler's split of the program describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    /// The unit's identity.
    pub id: UnitId,
    /// What the unit holds.
    pub kind: UnitKind,
    /// A human-readable name: the function's link name, or `<globals>`.
    pub name: String,
    /// The symbols the unit's object defines (link names after internal symbols were promoted).
    pub defines: Vec<String>,
}

/// A static constructor or destructor (`llvm.global_ctors` / `llvm.global_dtors`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Xtor {
    /// Lower priorities run first (constructors) or last (destructors run in reverse).
    pub priority: u32,
    /// Link name of the function to call.
    pub symbol: String,
}

/// A symbol defined as another symbol plus a byte offset (an IR `alias`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    /// The alias's link name.
    pub name: String,
    /// The link name of the object it points into.
    pub target: String,
    /// Byte offset from the target's address.
    pub offset: i64,
}

/// Everything the runtime needs to know about a program before compiling any of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramLayout {
    /// Every compile unit, indexed by [`UnitId`].
    pub units: Vec<UnitInfo>,
    /// Static constructors in the order the IR lists them.
    pub ctors: Vec<Xtor>,
    /// Static destructors in the order the IR lists them.
    pub dtors: Vec<Xtor>,
    /// Aliases, resolved by the runtime's symbol table.
    pub aliases: Vec<Alias>,
}

/// How to compile a unit: the tier it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CompileRequest {
    /// The optimization level.
    pub level: OptLevel,
    /// Count the function's entries and loop iterations in the 32-bit counter `__irjit_counter`,
    /// which the runtime resolves, per object, to the unit's slot of the counter array it polls
    /// (tier 0 of adaptive mode).
    pub counters: bool,
    /// Copy the bodies of small direct callees into the unit so the optimizer can inline them.
    pub inline_callees: bool,
    /// The unit replaces code already linked (a tier-up): what must stay unique program-wide
    /// (variables living with the function) is kept private to the new code.
    pub recompile: bool,
    /// This compiler will not be asked for this unit again, nor to import its function into
    /// another unit: it may move the function's IR into the unit instead of copying it.
    pub last_use: bool,
    /// On-stack replacement: give the function's loops OSR sites, or build a continuation.
    pub osr: Osr,
    /// Translate the function into bytecode for the interpreter tier instead of compiling it
    /// (the other fields are ignored; [`CompileRequest::bytecode`] leaves them at their
    /// [`CompileRequest::at`] values): [`CompiledUnit::object`] holds the postcard encoding of a
    /// [`bytecode::Translation`], and [`CompiledUnit::key`] hashes that encoding. A function the interpreter cannot run is answered with
    /// [`bytecode::Translation::Unsupported`], not an error, so that the answer can be cached.
    pub bytecode: bool,
}

/// The on-stack-replacement part of a compile request.
///
/// Tier-0 code with sites counts, on each loop's back edges, in a record of the runtime's
/// `__irjit_osr_sites` array (resolved per object: see [`Osr::Sites`]) (`{ ptr continuation, i32 count, i32 unit }`, 16 bytes): it counts
/// the iteration and, once the runtime has stored a continuation there and set the top bit of
/// the count, calls it with the values live at the header and returns what it returns. A continuation (symbol
/// [`osr_continuation_name`]) is the rest of the function from that header, at the request's level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Osr {
    /// Neither.
    #[default]
    None,
    /// Give the function's loop sites records 0.. of `__irjit_osr_sites`, using at most `limit`
    /// of them ([`CompiledUnit::osr_sites`] tells how many were used). The runtime resolves that
    /// symbol, per object, to the first record it hands the unit, so the object does not depend
    /// on the order units were compiled in (and can be cached).
    Sites {
        /// Records available.
        limit: u32,
    },
    /// Build the continuation entering the function's loop site `site` (0-based, in the order
    /// of its records), and also its sites in `others`: one compile of the function for all
    /// of them, each entered through its own symbol ([`osr_continuation_name`]).
    Entry {
        /// The loop site.
        site: u32,
        /// More loop sites (bit `n`: site `n`; sites from 64 on cannot be added).
        others: u64,
        /// The same compile also gives the function's own tier-2 code: the object then defines
        /// the function too (not for a varargs function: check the object's symbols). A large
        /// function that is both called again and running hot in tier 0 is compiled once.
        function: bool,
    },
}

/// The symbol of `function`'s OSR continuation at loop site `site`.
pub fn osr_continuation_name(function: &str, site: u32) -> String {
    format!("{function}.irjit.osr.{site}")
}

/// Whether `symbol` names an OSR continuation (see [`osr_continuation_name`]).
pub fn is_osr_continuation(symbol: &str) -> bool {
    symbol
        .rsplit_once(".irjit.osr.")
        .is_some_and(|(_, site)| !site.is_empty() && site.bytes().all(|b| b.is_ascii_digit()))
}

impl CompileRequest {
    /// A plain compile at `level`: no counters, no imports.
    pub fn at(level: OptLevel) -> CompileRequest {
        CompileRequest {
            level,
            counters: false,
            inline_callees: false,
            recompile: false,
            last_use: false,
            osr: Osr::None,
            bytecode: false,
        }
    }

    /// A request for the function's bytecode (see [`CompileRequest::bytecode`]).
    pub fn bytecode() -> CompileRequest {
        CompileRequest {
            bytecode: true,
            ..CompileRequest::at(OptLevel::O0)
        }
    }
}

/// A unit compiled to a relocatable ELF object for the host.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompiledUnit {
    /// Which unit this is.
    pub unit: UnitId,
    /// The level it was compiled at.
    pub level: OptLevel,
    /// The relocatable ELF object's bytes (x86-64, PIC, small code model); for a bytecode
    /// request, the encoded [`bytecode::Translation`].
    pub object: Vec<u8>,
    /// Wall time spent in the compiler for this unit.
    pub compile_time: std::time::Duration,
    /// OSR site records the unit's code uses (from the first record it was given on).
    pub osr_sites: u32,
    /// The object's content key, when the compiler computed one (see [`ObjectKey`]).
    pub key: Option<ObjectKey>,
    /// The object came from the [`ObjectStore`], not from code generation.
    pub from_store: bool,
}

/// The content key of a compiled object: a BLAKE3 hash of everything that determines the object
/// (the unit's IR as built, imported callee bodies and instrumentation included; the request;
/// the target triple, CPU name and features; the irjit and LLVM versions).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectKey(pub [u8; 32]);

impl ObjectKey {
    /// The key as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(DIGITS[usize::from(b >> 4)] as char);
            s.push(DIGITS[usize::from(b & 15)] as char);
        }
        s
    }

    /// Parses [`ObjectKey::to_hex`]'s output.
    pub fn from_hex(hex: &str) -> Option<ObjectKey> {
        if hex.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(ObjectKey(key))
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectKey({})", &self.to_hex()[..16])
    }
}

/// An object found in an [`ObjectStore`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    /// The relocatable ELF object.
    pub object: Vec<u8>,
    /// See [`CompiledUnit::osr_sites`].
    pub osr_sites: u32,
}

/// Compiled objects by content key: how a compiler sees the runtime's persistent cache. The
/// compiler builds a unit's IR, computes its key, and skips optimization and code generation when
/// the store holds the object; storing new objects is the runtime's business.
pub trait ObjectStore: Send + Sync {
    /// The valid object stored under `key`, if any.
    fn load(&self, key: &ObjectKey) -> Option<StoredObject>;
}

/// Why the compiler could not deliver a unit or a program.
#[derive(Debug, thiserror::Error, Serialize, Deserialize)]
pub enum CompileError {
    /// The input could not be read or parsed as IR.
    #[error("failed to read {path}: {message}")]
    Read {
        /// The input file.
        path: String,
        /// LLVM's or the operating system's explanation.
        message: String,
    },
    /// The program is not valid IR.
    #[error("{path} is not valid IR: {message}")]
    Verify {
        /// The input (or unit) that failed.
        path: String,
        /// The verifier's report.
        message: String,
    },
    /// Linking an extra module into the main one failed.
    #[error("failed to link {path} into the program: {message}")]
    Link {
        /// The extra module.
        path: String,
        /// LLVM's explanation.
        message: String,
    },
    /// Two modules both hold a strong definition of one symbol (a static linker's "multiple
    /// definition" error).
    #[error("symbol '{symbol}' is defined in both {first} and {second}")]
    DuplicateSymbol {
        /// The symbol.
        symbol: String,
        /// The module linked first.
        first: String,
        /// The module that defines it again.
        second: String,
    },
    /// The program uses something irjit does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// LLVM failed while optimizing or emitting a unit.
    #[error("failed to compile {unit}: {message}")]
    Codegen {
        /// The unit's name.
        unit: String,
        /// LLVM's explanation.
        message: String,
    },
    /// The requested unit does not exist.
    #[error("no such compile unit: {0}")]
    NoSuchUnit(UnitId),
    /// The compiler library could not be opened or is not this irjit's (the message names the
    /// library's path and says why).
    #[error("{0}")]
    Library(String),
    /// A layout known in advance (from the code cache) is not the one the compiler computes for
    /// the program now.
    #[error("stale layout: {0}")]
    StaleLayout(String),
    /// The compiler failed in a way that is a bug in irjit: it panicked (the panic was caught at
    /// the compiler library's boundary), or the two halves misunderstood each other.
    #[error("internal error in the compiler: {0}")]
    Internal(String),
}

/// Where one module's IR is: a whole file, or a byte range of one (a module stored in a bundle).
///
/// The compiler (in its library) reads the bytes itself; only the path and range cross over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSource {
    /// How messages name the module: the file's path, or a bundle's entry name.
    pub name: String,
    /// The file holding the module: LLVM bitcode (`.bc`) or textual IR (`.ll`), or a bundle.
    #[serde(with = "path_bytes")]
    pub path: PathBuf,
    /// The module's bytes within the file; `None` for the whole file.
    pub range: Option<ByteRange>,
}

/// A range of bytes in a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ByteRange {
    /// The first byte's offset from the start of the file.
    pub offset: u64,
    /// The number of bytes.
    pub len: u64,
}

impl ModuleSource {
    /// A module that is a whole file, named by its path.
    pub fn file(path: impl Into<PathBuf>) -> ModuleSource {
        let path = path.into();
        ModuleSource {
            name: path.display().to_string(),
            path,
            range: None,
        }
    }

    /// A module stored at `range` of the file `path` (e.g. an entry of a bundle), named `name`.
    pub fn slice(
        name: impl Into<String>,
        path: impl Into<PathBuf>,
        range: ByteRange,
    ) -> ModuleSource {
        ModuleSource {
            name: name.into(),
            path: path.into(),
            range: Some(range),
        }
    }

    /// The module's bytes. A range that reaches past the end of the file is an error
    /// (`UnexpectedEof`) naming the file.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let Some(range) = self.range else {
            return std::fs::read(&self.path);
        };
        let mut file = std::fs::File::open(&self.path)?;
        let size = file.metadata()?.len();
        let inside = matches!(range.offset.checked_add(range.len), Some(end) if end <= size);
        if !inside {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "{} is truncated: bytes {}..{} are not all in its {size} bytes",
                    self.path.display(),
                    range.offset,
                    range.offset.saturating_add(range.len)
                ),
            ));
        }
        let len = usize::try_from(range.len).map_err(std::io::Error::other)?;
        let mut bytes = vec![0; len];
        file.seek(SeekFrom::Start(range.offset))?;
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

/// What program to load: the main module plus further modules linked into it, in order.
///
/// Modules link as a static linker links objects: one strong definition of a symbol wins over
/// weak and common ones, two strong definitions are an error naming both modules
/// ([`CompileError::DuplicateSymbol`]), and COMDAT groups keep one copy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadSpec {
    /// The main module.
    pub main: ModuleSource,
    /// Further modules linked into the main one, in order (a bundle's library modules, then
    /// `--extra-module` files).
    pub extra_modules: Vec<ModuleSource>,
    /// Read every function body and verify the whole program up front, instead of reading and
    /// verifying each function when its unit is first compiled.
    pub eager: bool,
}

impl LoadSpec {
    /// A program made of whole files: `main` plus `extra_modules`.
    pub fn files(main: &Path, extra_modules: &[PathBuf], eager: bool) -> LoadSpec {
        LoadSpec {
            main: ModuleSource::file(main),
            extra_modules: extra_modules.iter().map(ModuleSource::file).collect(),
            eager,
        }
    }
}

/// Paths as their raw bytes: serde's own `PathBuf` encoding rejects paths that are not UTF-8,
/// which Unix allows.
mod path_bytes {
    use std::ffi::OsString;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::{Path, PathBuf};

    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(path.as_os_str().as_bytes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        let bytes = d.deserialize_byte_buf(Bytes)?;
        Ok(PathBuf::from(OsString::from_vec(bytes)))
    }

    /// Accepts what `serialize_bytes` wrote, in formats that keep bytes as bytes or as a sequence.
    struct Bytes;

    impl<'de> serde::de::Visitor<'de> for Bytes {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a path as bytes")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut v = Vec::new();
            while let Some(b) = seq.next_element()? {
                v.push(b);
            }
            Ok(v)
        }
    }
}

/// A compiler that serves compile units of one loaded program.
///
/// The runtime holds one of these behind a trait object so that it never depends on LLVM. It is
/// `Send` because the first call of a function compiles it on whichever thread made the call; the
/// runtime never uses it from two threads at once.
pub trait UnitCompiler: Send {
    /// How the program is split into units.
    fn layout(&self) -> &ProgramLayout;

    /// Compiles one unit into a relocatable object.
    fn compile(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError>;

    /// Compiles one unit that may never be used (compiled ahead of a first call that may not
    /// come): as [`UnitCompiler::compile`], but a compiler that keeps what it compiles (a code
    /// cache) leaves that to whoever uses the object.
    fn compile_ahead(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError> {
        self.compile(unit, request)
    }

    /// From now on, look compiled objects up in `store` before generating code (and report
    /// each object's key). A compiler that computes no keys ignores this.
    fn set_store(&mut self, store: Option<Arc<dyn ObjectStore>>) {
        let _ = store;
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectKey;

    #[test]
    fn object_keys_print_and_parse_as_hex() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37) ^ 0xa5;
        }
        let key = ObjectKey(bytes);
        let hex = key.to_hex();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
        assert_eq!(ObjectKey::from_hex(&hex), Some(key));
        assert_eq!(ObjectKey::from_hex(&hex[1..]), None);
    }
}
