//! Typed errors of the runtime.

use irjit_interface::CompileError;

use crate::heap::Region;

/// The code heap could not be set up or is full.
#[derive(Debug, thiserror::Error)]
pub enum HeapError {
    /// A system call failed.
    #[error("{what} failed: {source}")]
    Os {
        /// What was being done.
        what: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A region has no room left.
    #[error("the code heap's {region:?} region is full ({requested} bytes requested)")]
    Exhausted {
        /// The full region.
        region: Region,
        /// The size of the failed request.
        requested: u64,
    },
    /// An alignment that is not a power of two.
    #[error("bad alignment {0}")]
    BadAlignment(u64),
    /// Memory of a region that is never given back (writable data).
    #[error("the code heap's {0:?} region is never freed")]
    NotFreeable(Region),
    /// A forked child found no copy of the heap made before the fork.
    #[error("no copy of the code heap was made before fork()")]
    NoForkCopy,
}

/// Linking an object into the heap failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The object is not a well-formed x86-64 ELF relocatable object.
    #[error("malformed object for {object}: {message}")]
    Malformed {
        /// The unit the object belongs to.
        object: String,
        /// What is wrong.
        message: String,
    },
    /// A section of a kind the linker does not handle.
    #[error("unsupported section '{section}' (type {sh_type:#x}) in {object}")]
    UnsupportedSection {
        /// The unit the object belongs to.
        object: String,
        /// The section's name.
        section: String,
        /// Its ELF type.
        sh_type: u32,
    },
    /// A relocation type the linker does not handle.
    #[error("unsupported relocation {name} (type {r_type}) in section '{section}' of {object}")]
    UnsupportedRelocation {
        /// The unit the object belongs to.
        object: String,
        /// The section being relocated.
        section: String,
        /// The relocation's name (`R_X86_64_...`) or `unknown`.
        name: &'static str,
        /// The raw ELF relocation type.
        r_type: u32,
    },
    /// A relocated value does not fit its field.
    #[error(
        "relocation {name} against '{symbol}' in {object} overflows: value {value:#x} does not fit"
    )]
    Overflow {
        /// The unit the object belongs to.
        object: String,
        /// The relocation's name.
        name: &'static str,
        /// The symbol referred to.
        symbol: String,
        /// The value that did not fit.
        value: i128,
    },
    /// A symbol defined nowhere.
    #[error("undefined symbol '{symbol}' (needed by {needed_by})")]
    UndefinedSymbol {
        /// The symbol.
        symbol: String,
        /// The function (or unit) that refers to it.
        needed_by: String,
    },
    /// Two strong definitions of one symbol.
    #[error("duplicate symbol '{symbol}': defined in {first} and in {second}")]
    DuplicateSymbol {
        /// The symbol.
        symbol: String,
        /// Where it was defined first.
        first: String,
        /// The second definition.
        second: String,
    },
    /// The heap is full or failed.
    #[error(transparent)]
    Heap(#[from] HeapError),
}

/// Anything that stops the runtime from running a program.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The compiler failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The linker failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The heap failed.
    #[error(transparent)]
    Heap(#[from] HeapError),
    /// A library given with `--dlopen` could not be opened.
    #[error("failed to open library {name}: {message}")]
    Dlopen {
        /// The library.
        name: String,
        /// The dynamic loader's message.
        message: String,
    },
    /// An I/O operation of the runtime failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The machine lacks something irjit needs.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The entry function does not exist in the program.
    #[error("the program defines no function '{0}'")]
    NoEntry(String),
}
