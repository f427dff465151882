//! Splitting a program into compile units.
//!
//! Preparation (once per program, without reading any function body):
//! - internal and private symbols are renamed to unique names and made external, so units that
//!   were one module can refer to each other by name after the split;
//! - `linkonce` definitions become `weak` (a unit must not drop its only definition), COMDATs are
//!   dropped (every definition now lives in exactly one unit);
//! - every definition is marked `hidden` and `dso_local`: it will live in the code heap, within
//!   32-bit PC-relative reach of every other unit, so code addresses it directly;
//! - every function keeps frame pointers (the runtime walks stacks);
//! - `llvm.global_ctors`/`llvm.global_dtors` become data for the runtime; aliases are recorded as
//!   (target, offset) pairs the runtime's symbol table resolves.
//!
//! Units: one per defined function, plus one unit holding every global variable (unit 0). A global
//! variable whose initializer takes block addresses of a function (a computed-goto table) must live
//! in that function's unit, because a block address cannot cross modules.

use std::collections::HashMap;
use std::ffi::CString;

use irjit_interface::{Alias, CompileError, ProgramLayout, UnitId, UnitInfo, UnitKind, Xtor};
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMLinkage, LLVMVisibility};

use crate::llvm::{set_value_name, value_name, Module};
use crate::shim;

/// What the module of one unit is built from.
pub(crate) enum UnitSource {
    /// A function and the global variables that live with it.
    Function {
        function: LLVMValueRef,
        owned: Vec<LLVMValueRef>,
    },
    /// All global variables except those living with a function.
    Globals { skip: Vec<LLVMValueRef> },
}

/// The split of a prepared program.
pub(crate) struct Split {
    pub(crate) layout: ProgramLayout,
    pub(crate) sources: Vec<UnitSource>,
}

fn linkage(v: LLVMValueRef) -> LLVMLinkage {
    // SAFETY: `v` is a global value of a live module.
    unsafe { LLVMGetLinkage(v) }
}

fn is_definition(v: LLVMValueRef) -> bool {
    // SAFETY: as above; works on lazily loaded (unmaterialized) functions too.
    let declaration = unsafe { LLVMIsDeclaration(v) } != 0;
    !declaration && linkage(v) != LLVMLinkage::LLVMAvailableExternallyLinkage
}

/// Prepares `module` in place (see the module docs) and splits it into units.
pub(crate) fn prepare_and_split(module: &Module) -> Result<Split, CompileError> {
    let mut renamer = Renamer::default();
    let functions: Vec<LLVMValueRef> = module.functions().collect();
    let globals: Vec<LLVMValueRef> = module.globals().collect();
    let aliases: Vec<LLVMValueRef> = module.aliases().collect();

    // SAFETY: every value handled below belongs to `module`, which is live, and is a global
    // value of the kind each call expects.
    unsafe {
        let frame_pointer_key = CString::new("frame-pointer").expect("no NUL");
        let frame_pointer_all = CString::new("all").expect("no NUL");
        for &f in &functions {
            if value_name(f).starts_with("llvm.") {
                continue;
            }
            prepare_global_value(f, &mut renamer);
            if is_definition(f) {
                LLVMAddTargetDependentFunctionAttr(
                    f,
                    frame_pointer_key.as_ptr(),
                    frame_pointer_all.as_ptr(),
                );
            }
        }
        for &g in &globals {
            if !value_name(g).starts_with("llvm.") {
                prepare_global_value(g, &mut renamer);
            }
        }
        for &a in &aliases {
            prepare_global_value(a, &mut renamer);
        }
    }

    let ctors = take_xtors(module, "llvm.global_ctors")?;
    let dtors = take_xtors(module, "llvm.global_dtors")?;
    for g in module.globals().collect::<Vec<_>>() {
        if value_name(g).starts_with("llvm.") {
            // llvm.used, llvm.compiler.used, annotations: nothing the runtime needs, and they
            // would tie the globals unit to every function.
            // SAFETY: a global of the live module; such globals have no users.
            unsafe { shim::erase_global(g) };
        }
    }

    let mut alias_list = Vec::new();
    for &a in &aliases {
        let name = value_name(a);
        let (base, offset) = shim::alias_base(a).ok_or_else(|| {
            CompileError::Unsupported(format!("alias '{name}' does not point into a global"))
        })?;
        alias_list.push(Alias {
            name,
            target: value_name(base),
            offset,
        });
    }

    // Variables that must live with the function whose block addresses they hold.
    let mut owned: HashMap<LLVMValueRef, Vec<LLVMValueRef>> = HashMap::new();
    let mut globals_defined = Vec::new();
    let mut skip = Vec::new();
    for g in module.globals() {
        if !is_definition(g) {
            continue;
        }
        match shim::blockaddress_owner(g) {
            Ok(Some(f)) => {
                owned.entry(f).or_default().push(g);
                skip.push(g);
            }
            Ok(None) => globals_defined.push(value_name(g)),
            Err(()) => {
                return Err(CompileError::Unsupported(format!(
                    "global '{}' holds block addresses of several functions",
                    value_name(g)
                )))
            }
        }
    }

    let mut units = vec![UnitInfo {
        id: UnitId(0),
        kind: UnitKind::Globals,
        name: "<globals>".to_string(),
        defines: globals_defined,
    }];
    let mut sources = vec![UnitSource::Globals { skip }];
    for f in module.functions() {
        if !is_definition(f) {
            continue;
        }
        let name = value_name(f);
        let own = owned.remove(&f).unwrap_or_default();
        let mut defines = vec![name.clone()];
        defines.extend(own.iter().map(|&g| value_name(g)));
        units.push(UnitInfo {
            id: UnitId(units.len() as u32),
            kind: UnitKind::Function,
            name,
            defines,
        });
        sources.push(UnitSource::Function {
            function: f,
            owned: own,
        });
    }

    Ok(Split {
        layout: ProgramLayout {
            units,
            ctors,
            dtors,
            aliases: alias_list,
        },
        sources,
    })
}

/// Gives local symbols unique external names: `NAME.irjit.K` for the K-th local symbol called
/// NAME. The names depend only on the symbols of the same name, so editing one function leaves
/// the other units' IR (and their cache keys) unchanged.
#[derive(Default)]
struct Renamer {
    seen: HashMap<String, u32>,
}

impl Renamer {
    fn unique(&mut self, old: &str) -> String {
        let k = self.seen.entry(old.to_string()).or_insert(0);
        *k += 1;
        if old.is_empty() {
            format!("__irjit.anon.{k}")
        } else {
            format!("{old}.irjit.{k}")
        }
    }
}

/// The function attribute marking functions that were static in their source (the shim's
/// `LocalAttr`).
const LOCAL_ATTRIBUTE: &str = "irjit-local";

/// # Safety
/// `v` is a global value (function, variable or alias) of a live module.
unsafe fn prepare_global_value(v: LLVMValueRef, renamer: &mut Renamer) {
    use LLVMLinkage::*;
    // SAFETY: forwarded from the caller.
    unsafe {
        match linkage(v) {
            LLVMInternalLinkage | LLVMPrivateLinkage => {
                let name = renamer.unique(&value_name(v));
                set_value_name(v, &name);
                LLVMSetLinkage(v, LLVMExternalLinkage);
                if !LLVMIsAFunction(v).is_null() {
                    // Units that import it get a private copy (see the shim's declareImports).
                    let ctx = LLVMGetModuleContext(LLVMGetGlobalParent(v));
                    let attr = LLVMCreateStringAttribute(
                        ctx,
                        LOCAL_ATTRIBUTE.as_ptr().cast(),
                        LOCAL_ATTRIBUTE.len() as u32,
                        c"".as_ptr(),
                        0,
                    );
                    LLVMAddAttributeAtIndex(v, llvm_sys::LLVMAttributeFunctionIndex, attr);
                }
            }
            LLVMLinkOnceAnyLinkage => LLVMSetLinkage(v, LLVMWeakAnyLinkage),
            LLVMLinkOnceODRLinkage => LLVMSetLinkage(v, LLVMWeakODRLinkage),
            _ => {}
        }
        if LLVMIsAGlobalObject(v).is_null() {
            // Aliases carry no COMDAT of their own.
        } else {
            llvm_sys::comdat::LLVMSetComdat(v, std::ptr::null_mut());
        }
        let defined = if LLVMIsAGlobalAlias(v).is_null() {
            is_definition(v)
        } else {
            true
        };
        if defined {
            LLVMSetVisibility(v, LLVMVisibility::LLVMHiddenVisibility);
            shim::set_dso_local(v, true);
        }
    }
}

/// Reads and removes `llvm.global_ctors` or `llvm.global_dtors`.
fn take_xtors(module: &Module, name: &str) -> Result<Vec<Xtor>, CompileError> {
    let Some(g) = module.global_named(name) else {
        return Ok(Vec::new());
    };
    let mut xtors = Vec::new();
    // SAFETY: `g` is a global variable of the live module; the operands read are those of the
    // documented `{ i32, ptr, ptr }` array layout, checked as we go.
    unsafe {
        let init = LLVMGetInitializer(g);
        if !init.is_null() && !LLVMIsAConstantArray(init).is_null() {
            for i in 0..LLVMGetNumOperands(init) as u32 {
                let entry = LLVMGetOperand(init, i);
                if LLVMGetNumOperands(entry) < 2 {
                    continue;
                }
                let priority = LLVMGetOperand(entry, 0);
                let function = LLVMGetOperand(entry, 1);
                if LLVMIsAConstantInt(priority).is_null() {
                    return Err(CompileError::Unsupported(format!(
                        "{name} entry {i} has a non-constant priority"
                    )));
                }
                if LLVMIsAGlobalValue(function).is_null() {
                    if LLVMIsNull(function) != 0 {
                        continue;
                    }
                    return Err(CompileError::Unsupported(format!(
                        "{name} entry {i} does not name a function"
                    )));
                }
                xtors.push(Xtor {
                    priority: LLVMConstIntGetZExtValue(priority) as u32,
                    symbol: value_name(function),
                });
            }
        }
        shim::erase_global(g);
    }
    Ok(xtors)
}
