//! Reading programs: bitcode (lazily, so a large module loads fast) or textual IR, plus extra
//! modules linked into the main one.

use std::path::Path;
use std::ptr;

use irjit_interface::CompileError;
use llvm_sys::prelude::*;

use crate::llvm::{Context, MemoryBuffer, Message, Module};

const BITCODE_MAGIC: [u8; 4] = [b'B', b'C', 0xC0, 0xDE];
const BITCODE_WRAPPER_MAGIC: [u8; 4] = [0xDE, 0xC0, 0x17, 0x0B];

/// Whether `bytes` start like LLVM bitcode (raw or wrapped).
pub fn is_bitcode(bytes: &[u8]) -> bool {
    bytes.starts_with(&BITCODE_MAGIC) || bytes.starts_with(&BITCODE_WRAPPER_MAGIC)
}

/// Reads one module from a file.
pub(crate) fn read_file(ctx: &Context, path: &Path) -> Result<Module, CompileError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| CompileError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    read_bytes(ctx, &bytes, &shown)
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
