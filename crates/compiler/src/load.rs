//! Reading programs: bitcode (lazily, so a large module loads fast) or textual IR, from a file or
//! a byte range of one (a bundle's entry); symbol tables; extra modules linked into the main one.

use std::ptr;

use irjit_interface::symbols::{
    Binding, DefinedSymbol, ModuleSymbols, SymbolKind, UndefinedSymbol,
};
use irjit_interface::{CompileError, ModuleSource};
use llvm_sys::comdat::LLVMComdatSelectionKind;
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMLinkage;

use crate::llvm::{set_value_name, value_name, Context, MemoryBuffer, Message, Module};

const BITCODE_MAGIC: [u8; 4] = [b'B', b'C', 0xC0, 0xDE];
const BITCODE_WRAPPER_MAGIC: [u8; 4] = [0xDE, 0xC0, 0x17, 0x0B];

/// Whether `bytes` start like LLVM bitcode (raw or wrapped).
pub fn is_bitcode(bytes: &[u8]) -> bool {
    bytes.starts_with(&BITCODE_MAGIC) || bytes.starts_with(&BITCODE_WRAPPER_MAGIC)
}

/// Reads one module from its file, or from its byte range of the file.
pub(crate) fn read_source(ctx: &Context, source: &ModuleSource) -> Result<Module, CompileError> {
    let bytes = source.read().map_err(|e| CompileError::Read {
        path: source.name.clone(),
        message: e.to_string(),
    })?;
    read_bytes(ctx, &bytes, &source.name)
}

/// Reads one module from memory; `name` is used in messages and as the module identifier.
pub(crate) fn read_bytes(ctx: &Context, bytes: &[u8], name: &str) -> Result<Module, CompileError> {
    let read_error = |message: String| CompileError::Read {
        path: name.to_string(),
        message,
    };
    ctx.take_diagnostics();
    let buffer = MemoryBuffer::copy_of(bytes, name);
    let mut module: LLVMModuleRef = ptr::null_mut();
    if is_bitcode(bytes) {
        // SAFETY: valid context and buffer; the lazily loaded module takes the buffer over.
        let failed = unsafe {
            llvm_sys::bit_reader::LLVMGetBitcodeModuleInContext2(
                ctx.raw(),
                buffer.into_raw(),
                &mut module,
            )
        };
        if failed != 0 || module.is_null() {
            let diag = ctx.take_diagnostics();
            return Err(read_error(if diag.is_empty() {
                "malformed bitcode".to_string()
            } else {
                format!("malformed bitcode: {diag}")
            }));
        }
    } else {
        if !looks_like_text(bytes) {
            return Err(read_error(
                "not LLVM IR (neither bitcode nor textual IR)".to_string(),
            ));
        }
        let mut msg = ptr::null_mut();
        // SAFETY: valid context and buffer; the parser takes the buffer over.
        let failed = unsafe {
            llvm_sys::ir_reader::LLVMParseIRInContext(
                ctx.raw(),
                buffer.into_raw(),
                &mut module,
                &mut msg,
            )
        };
        // SAFETY: LLVM allocated (or left null) the message.
        let text = unsafe { Message::take_text(msg, "invalid textual IR") };
        if failed != 0 || module.is_null() {
            return Err(read_error(crate::llvm::first_lines(&text, 10)));
        }
    }
    // SAFETY: LLVM handed us a fresh module.
    Ok(unsafe { Module::from_raw(module) })
}

/// Textual IR is UTF-8 without control characters other than whitespace; anything else (an ELF
/// file, an archive, random bytes) is refused before LLVM's parser sees it.
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut at the 4 KiB boundary is still text.
        Err(e) if e.valid_up_to() + 4 > head.len() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// Renames the module's local (internal and private) symbols `NAME` to `NAME.TAG`, where TAG
/// is 8 hex digits of a hash of the module's source file name, before the module is linked into
/// a program.
///
/// Local names must become unique program-wide (the split makes them external), and left as they
/// are, the IR linker renames whichever collides with an earlier module's: a library module's
/// names, and so its units' IR and cache keys, would then depend on the program that links it.
/// Tagged by their own module, they are the same in every program, so two programs sharing a
/// library share its compiled code.
pub(crate) fn tag_locals(module: &Module, name: &str) {
    let source = module.source_file_name();
    let origin = if source.is_empty() { name } else { &source };
    let tag = &blake3::hash(origin.as_bytes()).to_hex()[..8];
    let globals = module
        .functions()
        .chain(module.globals())
        .chain(module.aliases());
    for v in globals.collect::<Vec<_>>() {
        // SAFETY: `v` is a global value of the live module.
        let linkage = unsafe { LLVMGetLinkage(v) };
        if !matches!(
            linkage,
            LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
        ) {
            continue;
        }
        let old = value_name(v);
        let new = if old.is_empty() {
            format!("anon.{tag}")
        } else {
            format!("{old}.{tag}")
        };
        set_value_name(v, &new);
    }
}

/// Links `extra` into `main` (consuming `extra`), as a static linker would.
pub(crate) fn link_into(
    ctx: &Context,
    main: &Module,
    extra: Module,
    name: &str,
) -> Result<(), CompileError> {
    ctx.take_diagnostics();
    // SAFETY: both modules live in `ctx`; LLVMLinkModules2 destroys the source module.
    let failed = unsafe { llvm_sys::linker::LLVMLinkModules2(main.raw(), extra.into_raw()) };
    if failed != 0 {
        let diag = ctx.take_diagnostics();
        return Err(CompileError::Link {
            path: name.to_string(),
            message: if diag.is_empty() {
                "the IR linker failed".to_string()
            } else {
                diag
            },
        });
    }
    Ok(())
}

/// The module's symbol table: what it defines for other modules and what it needs from them
/// (local symbols and intrinsics left out). Reads no function body.
pub(crate) fn symbols(module: &Module) -> ModuleSymbols {
    let mut table = ModuleSymbols::default();
    let mut add = |v: LLVMValueRef, kind: SymbolKind| {
        let name = value_name(v);
        if name.starts_with("llvm.") {
            return;
        }
        // SAFETY: `v` is a global value of the live module; these calls read its attributes and
        // work on unmaterialized functions too.
        let (linkage, declaration, comdat) = unsafe {
            let comdat = if LLVMIsAGlobalObject(v).is_null() {
                ptr::null_mut()
            } else {
                llvm_sys::comdat::LLVMGetComdat(v)
            };
            let deduplicates = !comdat.is_null()
                && llvm_sys::comdat::LLVMGetComdatSelectionKind(comdat)
                    != LLVMComdatSelectionKind::LLVMNoDuplicatesComdatSelectionKind;
            (
                LLVMGetLinkage(v),
                LLVMIsAGlobalAlias(v).is_null()
                    && LLVMIsAGlobalIFunc(v).is_null()
                    && LLVMIsDeclaration(v) != 0,
                deduplicates,
            )
        };
        use LLVMLinkage::*;
        let binding = match linkage {
            LLVMInternalLinkage | LLVMPrivateLinkage | LLVMAppendingLinkage => return,
            // Not a definition: the real one must come from elsewhere.
            LLVMAvailableExternallyLinkage => None,
            LLVMExternalWeakLinkage => {
                table.undefined.push(UndefinedSymbol {
                    name,
                    kind,
                    weak: true,
                });
                return;
            }
            LLVMLinkOnceAnyLinkage
            | LLVMLinkOnceODRLinkage
            | LLVMLinkOnceODRAutoHideLinkage
            | LLVMWeakAnyLinkage
            | LLVMWeakODRLinkage
            | LLVMLinkerPrivateWeakLinkage => Some(Binding::Weak),
            LLVMCommonLinkage => Some(Binding::Common),
            _ => Some(Binding::Strong),
        };
        match binding {
            Some(binding) if !declaration => table.defined.push(DefinedSymbol {
                name,
                kind,
                binding,
                comdat,
            }),
            _ => table.undefined.push(UndefinedSymbol {
                name,
                kind,
                weak: false,
            }),
        }
    };
    for f in module.functions() {
        add(f, SymbolKind::Function);
    }
    for g in module.globals() {
        add(g, SymbolKind::Data);
    }
    for a in module.aliases() {
        // SAFETY: `a` is an alias of the live module.
        let aliasee = unsafe { LLVMAliasGetAliasee(a) };
        // SAFETY: the aliasee is a constant of the same module.
        let is_function = !aliasee.is_null() && unsafe { !LLVMIsAFunction(aliasee).is_null() };
        add(
            a,
            if is_function {
                SymbolKind::Function
            } else {
                SymbolKind::Data
            },
        );
    }
    // SAFETY: the module is live; ifunc iteration accepts any ifunc of it.
    let mut ifunc = unsafe { LLVMGetFirstGlobalIFunc(module.raw()) };
    while !ifunc.is_null() {
        add(ifunc, SymbolKind::Function);
        // SAFETY: as above.
        ifunc = unsafe { LLVMGetNextGlobalIFunc(ifunc) };
    }
    table
}
