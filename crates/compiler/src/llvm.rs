//! Owned wrappers around the LLVM C API handles irjit uses. Each handle is disposed exactly once by
//! `Drop`; nothing here is shared between threads.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr::{self, NonNull};

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMDiagnosticSeverity;

/// An owned string allocated by LLVM (`char*` to release with `LLVMDisposeMessage`).
pub(crate) struct Message(NonNull<c_char>);

impl Message {
    /// Takes ownership of an LLVM message; `None` for a null pointer.
    ///
    /// # Safety
    /// `raw` is null or a string LLVM allocated for the caller to dispose of.
    pub(crate) unsafe fn from_raw(raw: *mut c_char) -> Option<Message> {
        NonNull::new(raw).map(Message)
    }

    /// The message as text, trimmed.
    pub(crate) fn text(&self) -> String {
        // SAFETY: the pointer is a valid NUL-terminated string owned by self.
        unsafe { CStr::from_ptr(self.0.as_ptr()) }
            .to_string_lossy()
            .trim()
            .to_string()
    }

    /// The text of an optional message, or `default`.
    ///
    /// # Safety
    /// As for [`Message::from_raw`].
    pub(crate) unsafe fn take_text(raw: *mut c_char, default: &str) -> String {
        // SAFETY: forwarded from the caller.
        match unsafe { Message::from_raw(raw) } {
            Some(m) => m.text(),
            None => default.to_string(),
        }
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: LLVM allocated the string and we own it.
        unsafe { LLVMDisposeMessage(self.0.as_ptr()) }
    }
}

/// An owned LLVM context. Modules must be dropped before their context.
///
/// LLVM's default diagnostic handler prints and *exits the process* on errors; this context
/// installs a handler that collects error diagnostics instead, so they become typed errors.
pub(crate) struct Context {
    raw: LLVMContextRef,
    diagnostics: Box<RefCell<Vec<String>>>,
}

extern "C" fn collect_diagnostic(info: LLVMDiagnosticInfoRef, sink: *mut c_void) {
    // SAFETY: `sink` is the Box<RefCell<..>> registered in Context::new, alive as long as the
    // context; `info` is valid for the duration of the call.
    unsafe {
        let sink = &*(sink as *const RefCell<Vec<String>>);
        let severity = LLVMGetDiagInfoSeverity(info);
        let text = Message::take_text(LLVMGetDiagInfoDescription(info), "");
        match severity {
            LLVMDiagnosticSeverity::LLVMDSError => sink.borrow_mut().push(text),
            _ => tracing::debug!(target: "irjit::llvm", "{text}"),
        }
    }
}

impl Context {
    pub(crate) fn new() -> Context {
        let diagnostics: Box<RefCell<Vec<String>>> = Box::default();
        // SAFETY: creating a context has no preconditions; the handler's opaque pointer stays
        // valid because the Box lives as long as the context.
        let raw = unsafe {
            let raw = LLVMContextCreate();
            LLVMContextSetDiagnosticHandler(
                raw,
                Some(collect_diagnostic),
                &*diagnostics as *const RefCell<Vec<String>> as *mut c_void,
            );
            raw
        };
        Context { raw, diagnostics }
    }

    pub(crate) fn raw(&self) -> LLVMContextRef {
        self.raw
    }

    /// The error diagnostics collected since the last call, joined by "; ".
    pub(crate) fn take_diagnostics(&self) -> String {
        std::mem::take(&mut *self.diagnostics.borrow_mut()).join("; ")
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: owned; every module of this context was dropped first (field order in users).
        unsafe { LLVMContextDispose(self.raw) }
    }
}

/// An owned LLVM module.
pub(crate) struct Module(LLVMModuleRef);

impl Module {
    /// Takes ownership of a module handle.
    ///
    /// # Safety
    /// `raw` is a valid module that nobody else disposes of.
    pub(crate) unsafe fn from_raw(raw: LLVMModuleRef) -> Module {
        Module(raw)
    }

    pub(crate) fn raw(&self) -> LLVMModuleRef {
        self.0
    }

    /// Gives up ownership (e.g. to `LLVMLinkModules2`, which consumes its source).
    pub(crate) fn into_raw(self) -> LLVMModuleRef {
        let raw = self.0;
        std::mem::forget(self);
        raw
    }

    /// Writes the module's IR as text to `path` (best effort: a debugging aid).
    pub(crate) fn print_to_file(&self, path: &std::path::Path) {
        let Ok(path) = CString::new(path.to_string_lossy().into_owned()) else {
            return;
        };
        let mut err = std::ptr::null_mut();
        // SAFETY: valid module and path; the error message, if any, is ours to free.
        unsafe {
            LLVMPrintModuleToFile(self.0, path.as_ptr(), &mut err);
            drop(Message::take_text(err, ""));
        }
    }

    /// The module's functions.
    pub(crate) fn functions(&self) -> impl Iterator<Item = LLVMValueRef> {
        // SAFETY: the module is valid; iteration functions accept any function of it.
        let first = unsafe { LLVMGetFirstFunction(self.0) };
        // SAFETY: `f` is a function of this module.
        iter_values(first, |f| unsafe { LLVMGetNextFunction(f) })
    }

    /// The module's global variables.
    pub(crate) fn globals(&self) -> impl Iterator<Item = LLVMValueRef> {
        // SAFETY: as above.
        let first = unsafe { LLVMGetFirstGlobal(self.0) };
        // SAFETY: `g` is a global of this module.
        iter_values(first, |g| unsafe { LLVMGetNextGlobal(g) })
    }

    /// The module's aliases.
    pub(crate) fn aliases(&self) -> impl Iterator<Item = LLVMValueRef> {
        // SAFETY: as above.
        let first = unsafe { LLVMGetFirstGlobalAlias(self.0) };
        // SAFETY: `a` is an alias of this module.
        iter_values(first, |a| unsafe { LLVMGetNextGlobalAlias(a) })
    }

    /// The global variable named `name`, if any.
    pub(crate) fn global_named(&self, name: &str) -> Option<LLVMValueRef> {
        let name = CString::new(name).ok()?;
        // SAFETY: valid module and NUL-terminated name.
        let g = unsafe { LLVMGetNamedGlobal(self.0, name.as_ptr()) };
        (!g.is_null()).then_some(g)
    }

    /// Verifies the module, returning the verifier's report on failure.
    /// Feeds the module's bitcode to `hasher` (written to memory, then hashed in place).
    pub(crate) fn hash_bitcode(&self, hasher: &mut blake3::Hasher) {
        // SAFETY: a valid module; the buffer is ours until disposed below, and its bytes are read
        // only while it lives.
        unsafe {
            let buffer = llvm_sys::bit_writer::LLVMWriteBitcodeToMemoryBuffer(self.0);
            let start = LLVMGetBufferStart(buffer).cast::<u8>();
            let len = LLVMGetBufferSize(buffer);
            hasher.update(std::slice::from_raw_parts(start, len));
            LLVMDisposeMemoryBuffer(buffer);
        }
    }

    pub(crate) fn verify(&self) -> Result<(), String> {
        let mut msg = ptr::null_mut();
        // SAFETY: valid module; the message is released by Message.
        let failed = unsafe {
            llvm_sys::analysis::LLVMVerifyModule(
                self.0,
                llvm_sys::analysis::LLVMVerifierFailureAction::LLVMReturnStatusAction,
                &mut msg,
            )
        };
        // SAFETY: LLVM allocated (or left null) the message for us.
        let text = unsafe { Message::take_text(msg, "") };
        if failed != 0 {
            Err(first_lines(&text, 20))
        } else {
            Ok(())
        }
    }

    /// The module's `source_filename`.
    pub(crate) fn source_file_name(&self) -> String {
        let mut len = 0usize;
        // SAFETY: valid module; the returned pointer is owned by the module and `len` bytes long.
        let p = unsafe { LLVMGetSourceFileName(self.0, &mut len) };
        if p.is_null() {
            return String::new();
        }
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// Sets the module's `source_filename`.
    pub(crate) fn set_source_file_name(&self, name: &str) {
        // SAFETY: valid module; LLVM copies `len` bytes from the pointer.
        unsafe { LLVMSetSourceFileName(self.0, name.as_ptr().cast(), name.len()) }
    }

    /// The module's target triple ("" when unset).
    pub(crate) fn triple(&self) -> String {
        // SAFETY: valid module; the returned string is owned by the module.
        unsafe { CStr::from_ptr(LLVMGetTarget(self.0)) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        // SAFETY: owned module.
        unsafe { LLVMDisposeModule(self.0) }
    }
}
/// Checks one function (its body read) with LLVM's verifier; the verifier's C API gives no
/// report for a single function, so a failure says only that.
pub(crate) fn verify_function(function: LLVMValueRef) -> Result<(), String> {
    // SAFETY: a function of a live module.
    let failed = unsafe {
        llvm_sys::analysis::LLVMVerifyFunction(
            function,
            llvm_sys::analysis::LLVMVerifierFailureAction::LLVMReturnStatusAction,
        )
    };
    if failed != 0 {
        Err("the function is not valid IR".to_string())
    } else {
        Ok(())
    }
}

/// The first `n` lines of `text`, for error messages that stay readable.
pub(crate) fn first_lines(text: &str, n: usize) -> String {
    let mut lines: Vec<&str> = text.lines().take(n + 1).collect();
    if lines.len() > n {
        lines.truncate(n);
        lines.push("...");
    }
    lines.join("\n")
}

fn iter_values(
    first: LLVMValueRef,
    next: impl Fn(LLVMValueRef) -> LLVMValueRef,
) -> impl Iterator<Item = LLVMValueRef> {
    let mut cur = first;
    std::iter::from_fn(move || {
        if cur.is_null() {
            return None;
        }
        let v = cur;
        cur = next(v);
        Some(v)
    })
}

/// The name of a value (empty for unnamed values).
pub(crate) fn value_name(v: LLVMValueRef) -> String {
    let mut len = 0usize;
    // SAFETY: valid value; the returned pointer is owned by the value and `len` bytes long.
    let p = unsafe { LLVMGetValueName2(v, &mut len) };
    if p.is_null() {
        return String::new();
    }
    // SAFETY: as above.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
    String::from_utf8_lossy(bytes).into_owned()
}

/// Renames a value.
pub(crate) fn set_value_name(v: LLVMValueRef, name: &str) {
    // SAFETY: valid value; LLVM copies `len` bytes from the pointer.
    unsafe { LLVMSetValueName2(v, name.as_ptr().cast(), name.len()) }
}

/// A memory buffer owned by us.
pub(crate) struct MemoryBuffer(LLVMMemoryBufferRef);

impl MemoryBuffer {
    /// Copies `bytes` into a new buffer named `name`.
    pub(crate) fn copy_of(bytes: &[u8], name: &str) -> MemoryBuffer {
        let name = CString::new(name.replace('\0', "?")).expect("no NUL left");
        // SAFETY: LLVM copies the bytes; the name is NUL-terminated.
        MemoryBuffer(unsafe {
            LLVMCreateMemoryBufferWithMemoryRangeCopy(
                bytes.as_ptr().cast(),
                bytes.len(),
                name.as_ptr(),
            )
        })
    }

    /// Gives up ownership (to an API that takes the buffer over).
    pub(crate) fn into_raw(self) -> LLVMMemoryBufferRef {
        let raw = self.0;
        std::mem::forget(self);
        raw
    }
}

impl Drop for MemoryBuffer {
    fn drop(&mut self) {
        // SAFETY: owned buffer.
        unsafe { LLVMDisposeMemoryBuffer(self.0) }
    }
}
