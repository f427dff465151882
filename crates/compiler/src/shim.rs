//! Safe wrappers over the C++ shim (`shim/irjit_shim.cpp`), for what LLVM's C API lacks.

use std::ffi::c_char;
use std::ptr;

use llvm_sys::prelude::*;
use llvm_sys::target_machine::LLVMTargetMachineRef;

use crate::llvm::{Message, Module};

/// The shim's `IrjitEmitter` (opaque).
#[repr(C)]
pub(crate) struct Emitter {
    _opaque: [u8; 0],
}

mod ffi {
    use super::*;
    extern "C" {
        pub fn irjit_materialize_all(m: LLVMModuleRef, err: *mut *mut c_char) -> i32;
        pub fn irjit_materialize(f: LLVMValueRef, err: *mut *mut c_char) -> i32;
        pub fn irjit_blockaddress_owner(g: LLVMValueRef, conflict: *mut i32) -> LLVMValueRef;
        pub fn irjit_alias_base(a: LLVMValueRef, offset: *mut i64) -> LLVMValueRef;
        pub fn irjit_erase_global(g: LLVMValueRef);
        pub fn irjit_drop_foreign_metadata(m: LLVMModuleRef);
        pub fn irjit_set_dso_local(g: LLVMValueRef, local: i32);
        pub fn irjit_extract_function(
            m: LLVMModuleRef,
            f: LLVMValueRef,
            owned: *const LLVMValueRef,
            num_owned: u32,
            options: *mut UnitOptions,
            err: *mut *mut c_char,
        ) -> LLVMModuleRef;
        pub fn irjit_extract_globals(
            m: LLVMModuleRef,
            skip: *const LLVMValueRef,
            num_skip: u32,
            err: *mut *mut c_char,
        ) -> LLVMModuleRef;
        pub fn irjit_target_machine_use_emulated_tls(tm: LLVMTargetMachineRef);
        pub fn irjit_target_machine_strict_fp_fusion(tm: LLVMTargetMachineRef);
        pub fn irjit_emitter_create(
            tm: LLVMTargetMachineRef,
            err: *mut *mut c_char,
        ) -> *mut Emitter;
        pub fn irjit_emitter_run(
            e: *mut Emitter,
            m: LLVMModuleRef,
            data: *mut *const u8,
            len: *mut usize,
        );
        pub fn irjit_emitter_dispose(e: *mut Emitter);
        pub fn irjit_run_default_pipeline(
            m: LLVMModuleRef,
            tm: LLVMTargetMachineRef,
            level: u32,
            err: *mut *mut c_char,
        ) -> i32;
    }
}

/// How to build a function's unit (the shim's `IrjitUnitOptions`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct UnitOptions {
    /// Nonzero: count entries and loop iterations in `__irjit_counter` (the runtime resolves
    /// it per object to the unit's counter).
    pub counters: u32,
    /// Import at most this many small direct callees for inlining; 0 = none.
    pub max_imports: u32,
    /// Largest callee worth importing, in instructions.
    pub import_size: u32,
    /// The unit replaces linked code: the function's own variables become internal.
    pub recompile: u32,
    /// Nonzero: move the function's IR into the unit instead of copying it (when nothing else
    /// will need it; the shim copies anyway where moving is not simple).
    pub consume: u32,
    /// OSR sites: the unit's loop headers use records `0..` of `__irjit_osr_sites` (resolved per
    /// object to the unit's first record), at most `osr_limit` of them (0: no OSR sites).
    pub osr_limit: u32,
    /// Nonzero: build the OSR continuation of loop site `osr_entry - 1` instead.
    pub osr_entry: u32,
    /// Written back: site records the unit uses.
    pub osr_sites_out: u32,
    /// Import callees of imported callees too, down to this depth (1: direct callees only).
    pub import_depth: u32,
    /// Instructions imported in all, at most.
    pub import_budget: u32,
    /// With `osr_entry`: the other loop sites the continuation enters (bit `n`: site `n`).
    pub osr_entry_others: u64,
    /// With `osr_entry`: the unit also defines the function itself, entering the same body
    /// (ignored for varargs functions).
    pub osr_with_function: u32,
}

/// Loads every lazily read function body of `module`.
/// Reads the body of a lazily loaded function (nothing when it was read already).
pub(crate) fn materialize(function: LLVMValueRef) -> Result<(), String> {
    let mut err = ptr::null_mut();
    // SAFETY: `function` is a function of a live module; the error message is owned by us
    // afterwards.
    let failed = unsafe { ffi::irjit_materialize(function, &mut err) };
    // SAFETY: LLVM allocated (or left null) the message.
    let text = unsafe { Message::take_text(err, "materialization failed") };
    if failed != 0 {
        Err(text)
    } else {
        Ok(())
    }
}

pub(crate) fn materialize_all(module: &Module) -> Result<(), String> {
    let mut err = ptr::null_mut();
    // SAFETY: valid module; the error message is owned by us afterwards.
    let failed = unsafe { ffi::irjit_materialize_all(module.raw(), &mut err) };
    // SAFETY: LLVM allocated (or left null) the message.
    let text = unsafe { Message::take_text(err, "materialization failed") };
    if failed != 0 {
        Err(text)
    } else {
        Ok(())
    }
}

/// The function whose block addresses global variable `global`'s initializer uses.
/// `Err(())` when it uses blocks of several functions.
pub(crate) fn blockaddress_owner(global: LLVMValueRef) -> Result<Option<LLVMValueRef>, ()> {
    let mut conflict = 0;
    // SAFETY: `global` is a global variable of a live module.
    let owner = unsafe { ffi::irjit_blockaddress_owner(global, &mut conflict) };
    if conflict != 0 {
        return Err(());
    }
    Ok((!owner.is_null()).then_some(owner))
}

/// The global value an alias points into, and the byte offset from it.
pub(crate) fn alias_base(alias: LLVMValueRef) -> Option<(LLVMValueRef, i64)> {
    let mut offset = 0;
    // SAFETY: `alias` is an alias of a live module.
    let base = unsafe { ffi::irjit_alias_base(alias, &mut offset) };
    (!base.is_null()).then_some((base, offset))
}

/// Marks a global value as resolved within the code heap (`dso_local`), so code reaches it
/// PC-relative instead of through the GOT.
pub(crate) fn set_dso_local(global: LLVMValueRef, local: bool) {
    // SAFETY: `global` is a global value of a live module.
    unsafe { ffi::irjit_set_dso_local(global, local as i32) }
}

/// Drops attached metadata that names global values of another module (optimizer hints such
/// as `!callees`, copied along with a function's instructions).
pub(crate) fn drop_foreign_metadata(module: &Module) {
    // SAFETY: a valid module, changed in place.
    unsafe { ffi::irjit_drop_foreign_metadata(module.raw()) }
}

/// Erases a global value from its module.
///
/// # Safety
/// `global` is a global value of a live module and nothing refers to it any more.
pub(crate) unsafe fn erase_global(global: LLVMValueRef) {
    // SAFETY: forwarded from the caller.
    unsafe { ffi::irjit_erase_global(global) }
}

/// A new module (in `source`'s context) holding `function`, the `owned` global variables, and
/// declarations of everything they reference (or, with `options.osr_entry`, the function's OSR
/// continuation at that loop). Writes `options.osr_sites_out`.
pub(crate) fn extract_function(
    source: &Module,
    function: LLVMValueRef,
    owned: &[LLVMValueRef],
    options: &mut UnitOptions,
) -> Result<Module, String> {
    let mut err = ptr::null_mut();
    // SAFETY: the function and owned variables belong to `source`, which is live; the options
    // struct has the shim's layout.
    let m = unsafe {
        ffi::irjit_extract_function(
            source.raw(),
            function,
            owned.as_ptr(),
            owned.len() as u32,
            options,
            &mut err,
        )
    };
    // SAFETY: LLVM allocated (or left null) the message.
    let text = unsafe { Message::take_text(err, "function extraction failed") };
    if m.is_null() {
        Err(text)
    } else {
        // SAFETY: the shim hands us a fresh module.
        Ok(unsafe { Module::from_raw(m) })
    }
}

/// A new module holding every global variable definition of `source` except `skip`.
pub(crate) fn extract_globals(source: &Module, skip: &[LLVMValueRef]) -> Result<Module, String> {
    let mut err = ptr::null_mut();
    // SAFETY: the skipped variables belong to `source`, which is live.
    let m = unsafe {
        ffi::irjit_extract_globals(source.raw(), skip.as_ptr(), skip.len() as u32, &mut err)
    };
    // SAFETY: LLVM allocated (or left null) the message.
    let text = unsafe { Message::take_text(err, "globals extraction failed") };
    if m.is_null() {
        Err(text)
    } else {
        // SAFETY: the shim hands us a fresh module.
        Ok(unsafe { Module::from_raw(m) })
    }
}

/// Runs LLVM's default pipeline at `level` (0-3) on `module` for `tm`.
///
/// # Safety
/// `tm` is a live target machine not in use by another thread.
pub(crate) unsafe fn run_default_pipeline(
    module: &Module,
    tm: LLVMTargetMachineRef,
    level: u32,
) -> Result<(), String> {
    let mut err = ptr::null_mut();
    // SAFETY: valid module; `tm` as the caller promises.
    let failed = unsafe { ffi::irjit_run_default_pipeline(module.raw(), tm, level, &mut err) };
    // SAFETY: LLVM allocated (or left null) the message.
    let text = unsafe { Message::take_text(err, "the optimization pipeline failed") };
    if failed != 0 {
        Err(text)
    } else {
        Ok(())
    }
}

/// Makes a target machine never fuse a multiplication and an addition (`llvm.fmuladd`
/// included), whatever the CPU offers.
///
/// # Safety
/// `tm` is a live target machine not in use by another thread.
pub(crate) unsafe fn strict_fp_fusion(tm: LLVMTargetMachineRef) {
    // SAFETY: forwarded from the caller.
    unsafe { ffi::irjit_target_machine_strict_fp_fusion(tm) }
}

/// Switches a target machine to emulated thread-local storage.
///
/// # Safety
/// `tm` is a live target machine not in use by another thread.
pub(crate) unsafe fn use_emulated_tls(tm: LLVMTargetMachineRef) {
    // SAFETY: forwarded from the caller.
    unsafe { ffi::irjit_target_machine_use_emulated_tls(tm) }
}

/// An object emitter that keeps one codegen pipeline for every module it emits (the shim's
/// `IrjitEmitter`): building that pipeline costs as much as emitting a small function.
pub(crate) struct ObjectEmitter(*mut Emitter);

impl ObjectEmitter {
    /// An emitter for `tm`.
    ///
    /// # Safety
    /// `tm` is a live target machine that outlives the emitter, not in use by another thread.
    pub(crate) unsafe fn new(tm: LLVMTargetMachineRef) -> Result<ObjectEmitter, String> {
        let mut err = ptr::null_mut();
        // SAFETY: forwarded from the caller; the error message is ours to free.
        let e = unsafe { ffi::irjit_emitter_create(tm, &mut err) };
        if e.is_null() {
            // SAFETY: as above.
            return Err(unsafe { Message::take_text(err, "cannot build the codegen pipeline") });
        }
        Ok(ObjectEmitter(e))
    }

    /// Emits `module` as a relocatable object.
    pub(crate) fn emit(&mut self, module: &Module) -> Vec<u8> {
        let mut data = ptr::null();
        let mut len = 0;
        // SAFETY: the emitter and module are live; the bytes stay valid until the next run,
        // and are copied out before it.
        unsafe {
            ffi::irjit_emitter_run(self.0, module.raw(), &mut data, &mut len);
            if len == 0 {
                return Vec::new();
            }
            std::slice::from_raw_parts(data, len).to_vec()
        }
    }
}

impl Drop for ObjectEmitter {
    fn drop(&mut self) {
        // SAFETY: owned, disposed once.
        unsafe { ffi::irjit_emitter_dispose(self.0) }
    }
}
