//! Translating a unit's function into bytecode for the interpreter tier
//! ([`irjit_interface::bytecode`]).
//!
//! The function is translated where it is, in the program's module (building a unit module
//! would cost more than the translation: 0.25 ms against 0.03 ms per SQLite function). The
//! translator takes it when the interpreter can run it (loop-free, `nounwind`, scalar values
//! only, ...) and answers [`Translation::Unsupported`] with a short reason otherwise; it never
//! fails or panics on verified IR.
//!
//! Values get frame slots: the parameters first (in order), then constants (one slot per distinct
//! value, see [`Function::consts`]) and instruction results as they are met. Blocks are laid out
//! in reverse postorder, so every definition comes before its uses and the entry block is first;
//! a branch to a block with `phi`s goes through a small edge block of [`Inst::Move`]s that sets
//! them for that edge only. In loop-free code each block, and so each slot's definition, runs at
//! most once per call, which is what lets the edges write `phi` slots in any order.

use std::collections::HashMap;

use irjit_interface::bytecode::{
    Arg, BinOp, CastOp, Const, Ext, FBinOp, FPred, Function, IPred, Inst, OverflowOp, Param, Ret,
    RmwOp, Sig, Slot, Translation, Ty, UnOp, Value,
};
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::target::LLVMTargetDataRef;
use llvm_sys::target::{LLVMABISizeOfType, LLVMGetModuleDataLayout, LLVMOffsetOfElement};
use llvm_sys::{
    LLVMAtomicOrdering, LLVMAtomicRMWBinOp, LLVMIntPredicate, LLVMOpcode, LLVMRealPredicate,
    LLVMTailCallKind, LLVMTypeKind,
};

use crate::llvm::{value_name, Module};

/// A frame's slots and memory together, in bytes, at most.
const MAX_FRAME: u64 = 64 * 1024;
/// Alignment of a frame's memory, at most.
const MAX_ALIGN: u32 = 64;
/// Nesting of constant expressions followed, at most.
const MAX_CONST_DEPTH: u32 = 32;
/// The x86-64 System V calling conventions (`ccc`, `x86_64_sysvcc`).
const C_CALL_CONVS: [u32; 2] = [0, 78];
/// Functions that may return twice, by name (besides those marked `returns_twice`).
const RETURNS_TWICE: [&str; 8] = [
    "setjmp",
    "_setjmp",
    "__sigsetjmp",
    "sigsetjmp",
    "savectx",
    "vfork",
    "getcontext",
    "__builtin_setjmp",
];
/// Parameter attributes that change how an argument is passed: such functions and calls are not
/// interpreted.
const ABI_ATTRIBUTES: [&str; 9] = [
    "byval",
    "byref",
    "inalloca",
    "preallocated",
    "inreg",
    "nest",
    "swiftself",
    "swifterror",
    "swiftasync",
];

/// Why a function cannot be interpreted.
type Unsupported = String;
type R<T> = Result<T, Unsupported>;

/// Translates `function`, a function defined in `module` (the program's module, whose names are
/// the link names), whose unit also owns global variables when `owns_variables`. The function's
/// body must have been read and verified.
pub(crate) fn translate(
    module: &Module,
    function: LLVMValueRef,
    owns_variables: bool,
) -> Translation {
    let translated = if owns_variables {
        // Its unit defines them: they exist only once the unit is linked.
        Err("defines variables".into())
    } else {
        // SAFETY: the module is live; its data layout is owned by it and outlives the
        // translator, which borrows the module.
        let layout = unsafe { LLVMGetModuleDataLayout(module.raw()) };
        Translator::new(layout).function(function)
    };
    match translated {
        Ok(function) => Translation::Function(function),
        Err(reason) => Translation::Unsupported(reason),
    }
}

// Thin wrappers over the C API. Every value, type and block handed to them belongs to the
// program's module, which stays alive (borrowed) for the whole translation; each wrapper is only
// called on the kind of value its C function expects, as checked by its callers.

fn type_of(v: LLVMValueRef) -> LLVMTypeRef {
    // SAFETY: a value of the live module.
    unsafe { LLVMTypeOf(v) }
}

fn type_kind(ty: LLVMTypeRef) -> LLVMTypeKind {
    // SAFETY: a type of the module's context.
    unsafe { LLVMGetTypeKind(ty) }
}

fn int_width(ty: LLVMTypeRef) -> u32 {
    // SAFETY: an integer type (checked by callers).
    unsafe { LLVMGetIntTypeWidth(ty) }
}

fn operand(v: LLVMValueRef, index: u32) -> LLVMValueRef {
    // SAFETY: a user value with more than `index` operands (checked by callers or guaranteed by
    // the instruction's kind in verified IR).
    unsafe { LLVMGetOperand(v, index) }
}

fn num_operands(v: LLVMValueRef) -> u32 {
    // SAFETY: a user value of the live module.
    unsafe { LLVMGetNumOperands(v) as u32 }
}

fn opcode(inst: LLVMValueRef) -> LLVMOpcode {
    // SAFETY: an instruction of the live module.
    unsafe { LLVMGetInstructionOpcode(inst) }
}

fn successors(term: LLVMValueRef) -> impl Iterator<Item = LLVMBasicBlockRef> {
    // SAFETY: a terminator of the live module.
    let n = unsafe { LLVMGetNumSuccessors(term) };
    // SAFETY: as above, with `i` below the number of successors.
    (0..n).map(move |i| unsafe { LLVMGetSuccessor(term, i) })
}

/// The successors of a block (none if it lacks a terminator, which verified IR never does).
fn block_successors(block: LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef> {
    // SAFETY: a block of the live module.
    let term = unsafe { LLVMGetBasicBlockTerminator(block) };
    if term.is_null() {
        return Vec::new();
    }
    successors(term).collect()
}

fn instructions(block: LLVMBasicBlockRef) -> impl Iterator<Item = LLVMValueRef> {
    // SAFETY: a block of the live module.
    let mut next = unsafe { LLVMGetFirstInstruction(block) };
    std::iter::from_fn(move || {
        let inst = next;
        if inst.is_null() {
            return None;
        }
        // SAFETY: an instruction of the live module.
        next = unsafe { LLVMGetNextInstruction(inst) };
        Some(inst)
    })
}

fn is_a(v: LLVMValueRef, test: unsafe extern "C" fn(LLVMValueRef) -> LLVMValueRef) -> bool {
    // SAFETY: `test` is one of the C API's `LLVMIsA*` functions, which accept any value.
    unsafe { !test(v).is_null() }
}

fn const_zext(c: LLVMValueRef) -> u64 {
    // SAFETY: a `ConstantInt` of at most 64 bits (checked by callers).
    unsafe { LLVMConstIntGetZExtValue(c) }
}

fn const_sext(c: LLVMValueRef) -> i64 {
    // SAFETY: as above.
    unsafe { LLVMConstIntGetSExtValue(c) }
}

/// A `ConstantInt` of at most 64 bits, zero-extended.
fn small_const_int(v: LLVMValueRef) -> Option<u64> {
    (is_a(v, LLVMIsAConstantInt) && int_width(type_of(v)) <= 64).then(|| const_zext(v))
}

/// The name of a function or parameter attribute.
fn attribute_kind(name: &str) -> u32 {
    // SAFETY: LLVM reads `name.len()` bytes.
    unsafe { LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len()) }
}

/// Whether function `f` has attribute `kind` at `index` (return, parameter or function).
fn has_attribute(f: LLVMValueRef, index: u32, kind: u32) -> bool {
    // SAFETY: a function of the live module; any index and kind may be asked for.
    unsafe { !LLVMGetEnumAttributeAtIndex(f, index, kind).is_null() }
}

/// Whether call `call` has attribute `kind` at `index` (return, argument or function).
fn call_has_attribute(call: LLVMValueRef, index: u32, kind: u32) -> bool {
    // SAFETY: a call instruction of the live module; any index and kind may be asked for.
    unsafe { !LLVMGetCallSiteEnumAttribute(call, index, kind).is_null() }
}

/// The allocation size of a sized type (what a `getelementptr` step or an `alloca` takes).
fn alloc_size(layout: LLVMTargetDataRef, ty: LLVMTypeRef) -> R<u64> {
    check_sized(ty)?;
    // SAFETY: the module's data layout and a sized type of its context.
    Ok(unsafe { LLVMABISizeOfType(layout, ty) })
}

/// Rejects types whose size is not a constant (scalable vectors, opaque structs, ...).
fn check_sized(ty: LLVMTypeRef) -> R<()> {
    use LLVMTypeKind::*;
    match type_kind(ty) {
        LLVMScalableVectorTypeKind => Err("scalable vector type".into()),
        LLVMTargetExtTypeKind => Err("target extension type".into()),
        LLVMStructTypeKind => {
            // SAFETY: a struct type of the module's context.
            if unsafe { LLVMTypeIsSized(ty) } == 0 {
                return Err("unsized type".into());
            }
            // SAFETY: as above.
            let n = unsafe { LLVMCountStructElementTypes(ty) };
            for i in 0..n {
                // SAFETY: as above, `i` below the element count.
                check_sized(unsafe { LLVMStructGetTypeAtIndex(ty, i) })?;
            }
            Ok(())
        }
        // SAFETY: an array or vector type of the module's context.
        LLVMArrayTypeKind | LLVMVectorTypeKind => check_sized(unsafe { LLVMGetElementType(ty) }),
        LLVMVoidTypeKind | LLVMFunctionTypeKind | LLVMLabelTypeKind | LLVMMetadataTypeKind
        | LLVMTokenTypeKind => Err("unsized type".into()),
        _ => Ok(()),
    }
}

/// The bytecode type of a scalar IR type, or why it is not one.
fn scalar(ty: LLVMTypeRef) -> R<Ty> {
    use LLVMTypeKind::*;
    Ok(match type_kind(ty) {
        LLVMIntegerTypeKind => match int_width(ty) {
            1 => Ty::I1,
            8 => Ty::I8,
            16 => Ty::I16,
            32 => Ty::I32,
            64 => Ty::I64,
            w => return Err(format!("i{w}")),
        },
        LLVMPointerTypeKind => {
            // SAFETY: a pointer type.
            if unsafe { LLVMGetPointerAddressSpace(ty) } != 0 {
                return Err("pointer address space".into());
            }
            Ty::I64
        }
        LLVMFloatTypeKind => Ty::F32,
        LLVMDoubleTypeKind => Ty::F64,
        LLVMHalfTypeKind => return Err("half".into()),
        LLVMBFloatTypeKind => return Err("bfloat".into()),
        LLVMX86_FP80TypeKind => return Err("x86_fp80".into()),
        LLVMFP128TypeKind => return Err("fp128".into()),
        LLVMPPC_FP128TypeKind => return Err("ppc_fp128".into()),
        LLVMVectorTypeKind | LLVMScalableVectorTypeKind => return Err("vector type".into()),
        LLVMStructTypeKind | LLVMArrayTypeKind => return Err("aggregate value".into()),
        other => return Err(format!("{other:?}")),
    })
}

/// An integer type's width in bits (pointers are 64-bit integers).
fn int_bits(ty: Ty, what: &str) -> R<u8> {
    if ty.is_float() {
        Err(format!("{what} on floats"))
    } else {
        Ok(ty.bits() as u8)
    }
}

/// A float type (`F32` or `F64`).
fn float_ty(ty: Ty, what: &str) -> R<Ty> {
    if ty.is_float() {
        Ok(ty)
    } else {
        Err(format!("{what} on integers"))
    }
}

/// How a value of type `ty` is passed.
fn arg_class(ty: Ty, ext: Ext) -> Arg {
    match ty {
        Ty::F32 => Arg::F32,
        Ty::F64 => Arg::F64,
        int => Arg::Int {
            bits: int.bits() as u8,
            ext,
        },
    }
}

/// How a value of type `ty` is returned.
fn ret_class(ty: Ty, ext: Ext) -> Ret {
    match ty {
        Ty::F32 => Ret::F32,
        Ty::F64 => Ret::F64,
        int => Ret::Int {
            bits: int.bits() as u8,
            ext,
        },
    }
}

/// `bits` as a value of type `ty` held in a slot (zero-extended integers, f32 bits low).
fn mask(bits: u64, ty: Ty) -> u64 {
    match ty.bits() {
        64 => bits,
        width => bits & ((1u64 << width) - 1),
    }
}

fn ipred(p: LLVMIntPredicate) -> IPred {
    use LLVMIntPredicate::*;
    match p {
        LLVMIntEQ => IPred::Eq,
        LLVMIntNE => IPred::Ne,
        LLVMIntUGT => IPred::Ugt,
        LLVMIntUGE => IPred::Uge,
        LLVMIntULT => IPred::Ult,
        LLVMIntULE => IPred::Ule,
        LLVMIntSGT => IPred::Sgt,
        LLVMIntSGE => IPred::Sge,
        LLVMIntSLT => IPred::Slt,
        LLVMIntSLE => IPred::Sle,
    }
}

fn fpred(p: LLVMRealPredicate) -> FPred {
    use LLVMRealPredicate::*;
    match p {
        LLVMRealPredicateFalse => FPred::False,
        LLVMRealOEQ => FPred::Oeq,
        LLVMRealOGT => FPred::Ogt,
        LLVMRealOGE => FPred::Oge,
        LLVMRealOLT => FPred::Olt,
        LLVMRealOLE => FPred::Ole,
        LLVMRealONE => FPred::One,
        LLVMRealORD => FPred::Ord,
        LLVMRealUNO => FPred::Uno,
        LLVMRealUEQ => FPred::Ueq,
        LLVMRealUGT => FPred::Ugt,
        LLVMRealUGE => FPred::Uge,
        LLVMRealULT => FPred::Ult,
        LLVMRealULE => FPred::Ule,
        LLVMRealUNE => FPred::Une,
        LLVMRealPredicateTrue => FPred::True,
    }
}

/// A constant's value while it is being evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Constant {
    /// Raw bits.
    Bits(u64),
    /// A symbol's address plus an offset.
    Symbol(String, i64),
    /// An address in the frame's memory.
    Frame(u32),
}

impl Constant {
    fn into_value(self) -> Value {
        match self {
            Constant::Bits(bits) => Value::Bits(bits),
            Constant::Symbol(name, addend) => Value::Symbol { name, addend },
            Constant::Frame(offset) => Value::Frame { offset },
        }
    }
}

/// Attribute kinds the translator looks at.
struct Kinds {
    nounwind: u32,
    naked: u32,
    returns_twice: u32,
    signext: u32,
    zeroext: u32,
    sret: u32,
    /// [`ABI_ATTRIBUTES`]' kinds, with their names.
    abi: Vec<(u32, &'static str)>,
}

impl Kinds {
    fn new() -> Kinds {
        Kinds {
            nounwind: attribute_kind("nounwind"),
            naked: attribute_kind("naked"),
            returns_twice: attribute_kind("returns_twice"),
            signext: attribute_kind("signext"),
            zeroext: attribute_kind("zeroext"),
            sret: attribute_kind("sret"),
            abi: ABI_ATTRIBUTES
                .iter()
                .map(|&name| (attribute_kind(name), name))
                .filter(|&(kind, _)| kind != 0)
                .collect(),
        }
    }
}

/// A place a branch goes to, resolved to an index into the code when the function is done.
type Label = u32;

/// The state of one function's translation.
struct Translator {
    layout: LLVMTargetDataRef,
    kinds: Kinds,
    slots: u32,
    /// The slot of each parameter and instruction result translated so far.
    values: HashMap<LLVMValueRef, Slot>,
    /// The two slots of each `{iN, i1}` result (`*.with.overflow`, `cmpxchg`).
    pairs: HashMap<LLVMValueRef, (Slot, Slot)>,
    consts: Vec<Const>,
    const_slots: HashMap<Constant, Slot>,
    sigs: Vec<Sig>,
    code: Vec<Inst>,
    /// Code index of each label, once bound.
    labels: Vec<Option<u32>>,
    block_labels: HashMap<LLVMBasicBlockRef, Label>,
    /// The `phi`s at the start of each block that has some.
    phis: HashMap<LLVMBasicBlockRef, Vec<LLVMValueRef>>,
    frame_bytes: u64,
    frame_align: u32,
}

impl Translator {
    fn new(layout: LLVMTargetDataRef) -> Translator {
        Translator {
            layout,
            kinds: Kinds::new(),
            slots: 0,
            values: HashMap::new(),
            pairs: HashMap::new(),
            consts: Vec::new(),
            const_slots: HashMap::new(),
            sigs: Vec::new(),
            code: Vec::new(),
            labels: Vec::new(),
            block_labels: HashMap::new(),
            phis: HashMap::new(),
            frame_bytes: 0,
            frame_align: 1,
        }
    }

    /// Translates function `f`, consuming the translator.
    fn function(mut self, f: LLVMValueRef) -> R<Function> {
        let name = value_name(f);
        // SAFETY: a function of the live module.
        let fn_ty = unsafe { LLVMGlobalGetValueType(f) };
        // SAFETY: a function type.
        if unsafe { LLVMIsFunctionVarArg(fn_ty) } != 0 {
            return Err("varargs function".into());
        }
        if !has_attribute(f, llvm_sys::LLVMAttributeFunctionIndex, self.kinds.nounwind) {
            return Err("not nounwind".into());
        }
        // SAFETY: a function of the live module.
        if unsafe { LLVMHasPersonalityFn(f) } != 0 {
            return Err("personality".into());
        }
        if has_attribute(f, llvm_sys::LLVMAttributeFunctionIndex, self.kinds.naked) {
            return Err("naked function".into());
        }
        // SAFETY: as above.
        let cc = unsafe { LLVMGetFunctionCallConv(f) };
        if !C_CALL_CONVS.contains(&cc) {
            return Err(format!("calling convention {cc}"));
        }

        // Parameters take the first slots.
        // SAFETY: as above.
        let count = unsafe { LLVMCountParams(f) };
        let mut params = Vec::with_capacity(count as usize);
        let mut sret = None;
        for i in 0..count {
            // SAFETY: as above, `i` below the parameter count.
            let p = unsafe { LLVMGetParam(f, i) };
            let ty = type_of(p);
            if matches!(
                type_kind(ty),
                LLVMTypeKind::LLVMStructTypeKind | LLVMTypeKind::LLVMArrayTypeKind
            ) {
                return Err("aggregate argument".into());
            }
            let ty = scalar(ty)?;
            for &(kind, attr) in &self.kinds.abi {
                if has_attribute(f, i + 1, kind) {
                    return Err(format!("{attr} parameter"));
                }
            }
            let ext = self.ext(|kind| has_attribute(f, i + 1, kind));
            let slot = self.new_slot();
            self.values.insert(p, slot);
            if has_attribute(f, i + 1, self.kinds.sret) {
                sret = Some(slot);
            }
            params.push(Param {
                slot,
                class: arg_class(ty, ext),
            });
        }
        // SAFETY: a function type.
        let ret_ty = unsafe { LLVMGetReturnType(fn_ty) };
        let ret = match type_kind(ret_ty) {
            LLVMTypeKind::LLVMVoidTypeKind => Ret::Void,
            LLVMTypeKind::LLVMStructTypeKind | LLVMTypeKind::LLVMArrayTypeKind => {
                return Err("aggregate return".into())
            }
            _ => {
                let ext =
                    self.ext(|kind| has_attribute(f, llvm_sys::LLVMAttributeReturnIndex, kind));
                ret_class(scalar(ret_ty)?, ext)
            }
        };

        // SAFETY: a defined function of the live module.
        let entry = unsafe { LLVMGetEntryBasicBlock(f) };
        let order = block_order(entry)?;
        for (k, &block) in order.iter().enumerate() {
            let label = self.block_label(block);
            self.bind(label);
            let next = order.get(k + 1).copied();
            for inst in instructions(block) {
                self.instruction(inst, block, entry, next)?;
            }
        }

        let frame = u64::from(self.slots) * 8 + self.frame_bytes;
        if frame > MAX_FRAME {
            return Err("frame too large".into());
        }
        let mut code = std::mem::take(&mut self.code);
        for inst in &mut code {
            self.resolve_targets(inst)?;
        }
        Ok(Function {
            name,
            slots: self.slots,
            frame_bytes: self.frame_bytes as u32,
            frame_align: self.frame_align,
            params,
            ret,
            sret,
            consts: self.consts,
            sigs: self.sigs,
            code,
        })
    }

    /// The extension a `signext` or `zeroext` attribute asks for (`has` tells whether an
    /// attribute kind is present).
    fn ext(&self, has: impl Fn(u32) -> bool) -> Ext {
        if has(self.kinds.signext) {
            Ext::Sign
        } else if has(self.kinds.zeroext) {
            Ext::Zero
        } else {
            Ext::None
        }
    }

    fn new_slot(&mut self) -> Slot {
        let slot = self.slots;
        self.slots += 1;
        slot
    }

    /// The slot an instruction's result goes to (allocated on first request: a `phi`'s slot is
    /// written on edges before its block is translated).
    fn def(&mut self, inst: LLVMValueRef) -> Slot {
        if let Some(&slot) = self.values.get(&inst) {
            return slot;
        }
        let slot = self.new_slot();
        self.values.insert(inst, slot);
        slot
    }

    /// The slot holding operand `v`.
    fn value(&mut self, v: LLVMValueRef) -> R<Slot> {
        if let Some(&slot) = self.values.get(&v) {
            return Ok(slot);
        }
        if self.pairs.contains_key(&v) {
            return Err("aggregate value".into());
        }
        if is_a(v, LLVMIsAInlineAsm) {
            return Err("inline asm".into());
        }
        if is_a(v, LLVMIsAConstant) {
            let value = self.constant(v, 0)?;
            return Ok(self.const_slot(value));
        }
        if type_kind(type_of(v)) == LLVMTypeKind::LLVMMetadataTypeKind {
            return Err("metadata operand".into());
        }
        // Defined values dominate their uses, and blocks are translated in reverse postorder:
        // this would be a bug, but is no reason to panic.
        Err("value used before its definition".into())
    }

    /// The slot holding constant `value`.
    fn const_slot(&mut self, value: Constant) -> Slot {
        if let Some(&slot) = self.const_slots.get(&value) {
            return slot;
        }
        let slot = self.new_slot();
        self.const_slots.insert(value.clone(), slot);
        self.consts.push(Const {
            slot,
            value: value.into_value(),
        });
        slot
    }

    /// Evaluates constant `c` of a scalar type, as its slot holds it.
    fn constant(&self, c: LLVMValueRef, depth: u32) -> R<Constant> {
        if depth > MAX_CONST_DEPTH {
            return Err("deep constant expression".into());
        }
        let ty = scalar(type_of(c))?;
        Ok(match self.constant_unmasked(c, depth)? {
            Constant::Bits(bits) => Constant::Bits(mask(bits, ty)),
            Constant::Symbol(..) | Constant::Frame(..) if ty.bits() < 64 => {
                return Err("truncated address constant".into())
            }
            other => other,
        })
    }

    /// Evaluates constant `c` (before masking to its type's width).
    fn constant_unmasked(&self, c: LLVMValueRef, depth: u32) -> R<Constant> {
        let ty = type_of(c);
        if is_a(c, LLVMIsAConstantInt) {
            let width = int_width(ty);
            if width > 64 {
                return Err(format!("i{width}"));
            }
            return Ok(Constant::Bits(const_zext(c)));
        }
        if is_a(c, LLVMIsAConstantFP) {
            let int_ty = match scalar(ty)? {
                // SAFETY: the module's context.
                Ty::F32 => unsafe { LLVMInt32TypeInContext(LLVMGetTypeContext(ty)) },
                // SAFETY: as above.
                Ty::F64 => unsafe { LLVMInt64TypeInContext(LLVMGetTypeContext(ty)) },
                _ => return Err("floating-point constant".into()),
            };
            // Folding the bitcast gives the exact bits (NaN payloads included).
            // SAFETY: a float constant cast to an integer type of its width.
            let bits = unsafe { LLVMConstBitCast(c, int_ty) };
            return small_const_int(bits)
                .map(Constant::Bits)
                .ok_or_else(|| "floating-point constant".into());
        }
        // Undef and poison may be anything: zero.
        if is_a(c, LLVMIsAUndefValue)
            || is_a(c, LLVMIsAConstantPointerNull)
            || is_a(c, LLVMIsAConstantAggregateZero)
        {
            return Ok(Constant::Bits(0));
        }
        if is_a(c, LLVMIsAGlobalValue) {
            if is_a(c, LLVMIsAGlobalVariable) {
                // SAFETY: a global variable.
                if unsafe { LLVMIsThreadLocal(c) } != 0 {
                    return Err("thread-local variable".into());
                }
            }
            return Ok(Constant::Symbol(value_name(c), 0));
        }
        if is_a(c, LLVMIsABlockAddress) {
            return Err("blockaddress".into());
        }
        if !is_a(c, LLVMIsAConstantExpr) {
            return Err("constant".into());
        }
        // SAFETY: a constant expression.
        let op = unsafe { LLVMGetConstOpcode(c) };
        match op {
            LLVMOpcode::LLVMGetElementPtr => {
                let base = self.constant(operand(c, 0), depth + 1)?;
                // SAFETY: a `getelementptr` constant expression.
                let source = unsafe { LLVMGetGEPSourceElementType(c) };
                let indices: Vec<LLVMValueRef> =
                    (1..num_operands(c)).map(|i| operand(c, i)).collect();
                let (offset, variable) = self.gep_offsets(source, &indices)?;
                if !variable.is_empty() {
                    return Err("constant expression getelementptr".into());
                }
                Ok(match base {
                    Constant::Bits(bits) => Constant::Bits(bits.wrapping_add(offset as u64)),
                    Constant::Symbol(name, addend) => {
                        Constant::Symbol(name, addend.wrapping_add(offset))
                    }
                    Constant::Frame(_) => return Err("constant".into()),
                })
            }
            LLVMOpcode::LLVMBitCast
            | LLVMOpcode::LLVMIntToPtr
            | LLVMOpcode::LLVMPtrToInt
            | LLVMOpcode::LLVMTrunc => {
                // Slots hold raw bits, and narrower integers zero-extended: truncation is the
                // masking `constant` does.
                self.constant(operand(c, 0), depth + 1)
            }
            LLVMOpcode::LLVMAdd | LLVMOpcode::LLVMSub => {
                let a = self.constant(operand(c, 0), depth + 1)?;
                let b = self.constant(operand(c, 1), depth + 1)?;
                let add = op == LLVMOpcode::LLVMAdd;
                Ok(match (a, b) {
                    (Constant::Bits(a), Constant::Bits(b)) if add => {
                        Constant::Bits(a.wrapping_add(b))
                    }
                    (Constant::Bits(a), Constant::Bits(b)) => Constant::Bits(a.wrapping_sub(b)),
                    (Constant::Symbol(name, addend), Constant::Bits(b)) => Constant::Symbol(
                        name,
                        if add {
                            addend.wrapping_add(b as i64)
                        } else {
                            addend.wrapping_sub(b as i64)
                        },
                    ),
                    (Constant::Bits(a), Constant::Symbol(name, addend)) if add => {
                        Constant::Symbol(name, addend.wrapping_add(a as i64))
                    }
                    (Constant::Symbol(a, x), Constant::Symbol(b, y)) if !add && a == b => {
                        Constant::Bits(x.wrapping_sub(y) as u64)
                    }
                    _ => return Err(format!("constant expression {}", opcode_name(op))),
                })
            }
            other => Err(format!("constant expression {}", opcode_name(other))),
        }
    }

    /// The constant byte offset of `getelementptr` indices over `source`, and its variable
    /// indices with their scales.
    fn gep_offsets(
        &self,
        source: LLVMTypeRef,
        indices: &[LLVMValueRef],
    ) -> R<(i64, Vec<(LLVMValueRef, i64)>)> {
        let mut offset = 0i64;
        let mut variable = Vec::new();
        let mut current = source;
        for (k, &index) in indices.iter().enumerate() {
            let scale = if k == 0 {
                alloc_size(self.layout, current)? as i64
            } else {
                match type_kind(current) {
                    LLVMTypeKind::LLVMStructTypeKind => {
                        let field = small_const_int(index)
                            .ok_or("getelementptr with a variable field index")?
                            as u32;
                        check_sized(current)?;
                        // SAFETY: the data layout and a sized struct type with that field.
                        offset = offset.wrapping_add(unsafe {
                            LLVMOffsetOfElement(self.layout, current, field)
                        } as i64);
                        // SAFETY: a struct type with that field.
                        current = unsafe { LLVMStructGetTypeAtIndex(current, field) };
                        continue;
                    }
                    LLVMTypeKind::LLVMArrayTypeKind => {
                        // SAFETY: an array type.
                        current = unsafe { LLVMGetElementType(current) };
                        alloc_size(self.layout, current)? as i64
                    }
                    LLVMTypeKind::LLVMVectorTypeKind | LLVMTypeKind::LLVMScalableVectorTypeKind => {
                        return Err("getelementptr into a vector".into())
                    }
                    _ => return Err("getelementptr into a scalar".into()),
                }
            };
            let index_ty = type_of(index);
            if type_kind(index_ty) != LLVMTypeKind::LLVMIntegerTypeKind {
                return Err("vector getelementptr".into());
            }
            if is_a(index, LLVMIsAConstantInt) {
                let width = int_width(index_ty);
                if width > 64 {
                    return Err(format!("i{width}"));
                }
                offset = offset.wrapping_add(const_sext(index).wrapping_mul(scale));
            } else if is_a(index, LLVMIsAUndefValue) {
                // Poison: any address will do.
            } else if scale != 0 {
                variable.push((index, scale));
            }
        }
        Ok((offset, variable))
    }

    fn emit(&mut self, inst: Inst) {
        self.code.push(inst);
    }

    fn new_label(&mut self) -> Label {
        self.labels.push(None);
        (self.labels.len() - 1) as Label
    }

    fn block_label(&mut self, block: LLVMBasicBlockRef) -> Label {
        if let Some(&label) = self.block_labels.get(&block) {
            return label;
        }
        let label = self.new_label();
        self.block_labels.insert(block, label);
        label
    }

    /// Binds `label` to the next instruction.
    fn bind(&mut self, label: Label) {
        self.labels[label as usize] = Some(self.code.len() as u32);
    }

    /// Replaces the labels an instruction branches to by code indices.
    fn resolve_targets(&self, inst: &mut Inst) -> R<()> {
        let resolve = |label: &mut u32| -> R<()> {
            *label = self
                .labels
                .get(*label as usize)
                .copied()
                .flatten()
                .ok_or("branch to a block that was not translated")?;
            Ok(())
        };
        match inst {
            Inst::Jump { target } => resolve(target),
            Inst::Branch {
                then, otherwise, ..
            } => {
                resolve(then)?;
                resolve(otherwise)
            }
            Inst::Switch { cases, default, .. } => {
                for (_, target) in cases {
                    resolve(target)?;
                }
                resolve(default)
            }
            _ => Ok(()),
        }
    }

    /// The `phi`s at the start of `block`.
    fn phis(&mut self, block: LLVMBasicBlockRef) -> Vec<LLVMValueRef> {
        self.phis
            .entry(block)
            .or_insert_with(|| {
                instructions(block)
                    .take_while(|&i| opcode(i) == LLVMOpcode::LLVMPHI)
                    .collect()
            })
            .clone()
    }

    /// Emits the moves that set `to`'s `phi`s on the edge from `from`.
    fn edge_moves(&mut self, from: LLVMBasicBlockRef, to: LLVMBasicBlockRef) -> R<()> {
        for phi in self.phis(to) {
            // SAFETY: a phi node of the live module.
            let count = unsafe { LLVMCountIncoming(phi) };
            // SAFETY: as above, with indices below the incoming count.
            let incoming = (0..count)
                .find(|&k| unsafe { LLVMGetIncomingBlock(phi, k) } == from)
                .ok_or("phi without a value for an edge")?;
            // SAFETY: as above.
            let src = self.value(unsafe { LLVMGetIncomingValue(phi, incoming) })?;
            let dst = self.def(phi);
            self.emit(Inst::Move { dst, src });
        }
        Ok(())
    }

    /// Where a branch to `to` goes: `to` itself, or (when `to` has `phi`s) an edge
    /// block queued in `edges`, one per distinct target of the terminator.
    fn edge(
        &mut self,
        to: LLVMBasicBlockRef,
        edges: &mut Vec<(Label, LLVMBasicBlockRef)>,
    ) -> Label {
        if self.phis(to).is_empty() {
            return self.block_label(to);
        }
        if let Some(&(label, _)) = edges.iter().find(|&&(_, b)| b == to) {
            return label;
        }
        let label = self.new_label();
        edges.push((label, to));
        label
    }

    /// Emits the edge blocks a terminator of `from` queued; `next` is the block laid out next.
    fn emit_edges(
        &mut self,
        from: LLVMBasicBlockRef,
        edges: Vec<(Label, LLVMBasicBlockRef)>,
        next: Option<LLVMBasicBlockRef>,
    ) -> R<()> {
        let count = edges.len();
        for (k, (label, to)) in edges.into_iter().enumerate() {
            self.bind(label);
            self.edge_moves(from, to)?;
            if !(k + 1 == count && next == Some(to)) {
                let target = self.block_label(to);
                self.emit(Inst::Jump { target });
            }
        }
        Ok(())
    }

    /// A signature's index in [`Function::sigs`].
    fn sig(&mut self, sig: Sig) -> u32 {
        if let Some(k) = self.sigs.iter().position(|s| *s == sig) {
            return k as u32;
        }
        self.sigs.push(sig);
        (self.sigs.len() - 1) as u32
    }

    /// Translates one instruction of `block` (`next` is the block laid out after it).
    fn instruction(
        &mut self,
        inst: LLVMValueRef,
        block: LLVMBasicBlockRef,
        entry: LLVMBasicBlockRef,
        next: Option<LLVMBasicBlockRef>,
    ) -> R<()> {
        use LLVMOpcode::*;
        let op = opcode(inst);
        match op {
            LLVMRet => {
                let value = if num_operands(inst) == 0 {
                    None
                } else {
                    Some(self.value(operand(inst, 0))?)
                };
                self.emit(Inst::Return { value });
            }
            LLVMBr => {
                // SAFETY: a branch instruction.
                if unsafe { LLVMIsConditional(inst) } != 0 {
                    // SAFETY: a conditional branch.
                    let cond = self.value(unsafe { LLVMGetCondition(inst) })?;
                    let targets: Vec<_> = successors(inst).collect();
                    let [first, second] = targets[..] else {
                        return Err("branch without two targets".into());
                    };
                    let mut edges = Vec::new();
                    let then = self.edge(first, &mut edges);
                    let otherwise = self.edge(second, &mut edges);
                    self.emit(Inst::Branch {
                        cond,
                        then,
                        otherwise,
                    });
                    self.emit_edges(block, edges, next)?;
                } else {
                    let to = successors(inst).next().ok_or("branch without a target")?;
                    self.edge_moves(block, to)?;
                    if next != Some(to) {
                        let target = self.block_label(to);
                        self.emit(Inst::Jump { target });
                    }
                }
            }
            LLVMSwitch => {
                let value = self.value(operand(inst, 0))?;
                let bits = int_bits(scalar(type_of(operand(inst, 0)))?, "switch")?;
                let targets: Vec<_> = successors(inst).collect();
                let &first = targets.first().ok_or("switch without a default")?;
                let mut edges = Vec::new();
                let default = self.edge(first, &mut edges);
                let mut cases = Vec::with_capacity(targets.len().saturating_sub(1));
                for (k, &to) in targets.iter().enumerate().skip(1) {
                    let case = small_const_int(operand(inst, 2 * k as u32))
                        .ok_or("switch case that is not an integer")?;
                    cases.push((case, self.edge(to, &mut edges)));
                }
                self.emit(Inst::Switch {
                    value,
                    bits,
                    cases,
                    default,
                });
                self.emit_edges(block, edges, next)?;
            }
            LLVMUnreachable => self.emit(Inst::Trap),
            LLVMAdd | LLVMSub | LLVMMul | LLVMUDiv | LLVMSDiv | LLVMURem | LLVMSRem | LLVMShl
            | LLVMLShr | LLVMAShr | LLVMAnd | LLVMOr | LLVMXor => {
                let bits = int_bits(scalar(type_of(inst))?, "integer operation")?;
                let op = match op {
                    LLVMAdd => BinOp::Add,
                    LLVMSub => BinOp::Sub,
                    LLVMMul => BinOp::Mul,
                    LLVMUDiv => BinOp::UDiv,
                    LLVMSDiv => BinOp::SDiv,
                    LLVMURem => BinOp::URem,
                    LLVMSRem => BinOp::SRem,
                    LLVMShl => BinOp::Shl,
                    LLVMLShr => BinOp::LShr,
                    LLVMAShr => BinOp::AShr,
                    LLVMAnd => BinOp::And,
                    LLVMOr => BinOp::Or,
                    _ => BinOp::Xor,
                };
                self.bin(op, bits, inst, operand(inst, 0), operand(inst, 1))?;
            }
            LLVMFAdd | LLVMFSub | LLVMFMul | LLVMFDiv | LLVMFRem => {
                let ty = float_ty(scalar(type_of(inst))?, "float operation")?;
                let op = match op {
                    LLVMFAdd => FBinOp::Add,
                    LLVMFSub => FBinOp::Sub,
                    LLVMFMul => FBinOp::Mul,
                    LLVMFDiv => FBinOp::Div,
                    _ => FBinOp::Rem,
                };
                let a = self.value(operand(inst, 0))?;
                let b = self.value(operand(inst, 1))?;
                let dst = self.def(inst);
                self.emit(Inst::FBin { op, ty, dst, a, b });
            }
            LLVMFNeg => {
                let ty = float_ty(scalar(type_of(inst))?, "fneg")?;
                let a = self.value(operand(inst, 0))?;
                let dst = self.def(inst);
                self.emit(Inst::FNeg { ty, dst, a });
            }
            LLVMICmp => {
                let bits = int_bits(scalar(type_of(operand(inst, 0)))?, "icmp")?;
                scalar(type_of(inst))?;
                // SAFETY: an icmp instruction.
                let pred = ipred(unsafe { LLVMGetICmpPredicate(inst) });
                let a = self.value(operand(inst, 0))?;
                let b = self.value(operand(inst, 1))?;
                let dst = self.def(inst);
                self.emit(Inst::ICmp {
                    pred,
                    bits,
                    dst,
                    a,
                    b,
                });
            }
            LLVMFCmp => {
                let ty = float_ty(scalar(type_of(operand(inst, 0)))?, "fcmp")?;
                scalar(type_of(inst))?;
                // SAFETY: an fcmp instruction.
                let pred = fpred(unsafe { LLVMGetFCmpPredicate(inst) });
                let a = self.value(operand(inst, 0))?;
                let b = self.value(operand(inst, 1))?;
                let dst = self.def(inst);
                self.emit(Inst::FCmp {
                    pred,
                    ty,
                    dst,
                    a,
                    b,
                });
            }
            LLVMSelect => {
                if scalar(type_of(operand(inst, 0)))? != Ty::I1 {
                    return Err("select on a vector condition".into());
                }
                scalar(type_of(inst))?;
                let cond = self.value(operand(inst, 0))?;
                let a = self.value(operand(inst, 1))?;
                let b = self.value(operand(inst, 2))?;
                let dst = self.def(inst);
                self.emit(Inst::Select { dst, cond, a, b });
            }
            LLVMTrunc | LLVMZExt | LLVMSExt | LLVMFPToSI | LLVMFPToUI | LLVMSIToFP | LLVMUIToFP
            | LLVMFPTrunc | LLVMFPExt => {
                let from = scalar(type_of(operand(inst, 0)))?;
                let to = scalar(type_of(inst))?;
                let op = match op {
                    LLVMTrunc => CastOp::Trunc,
                    LLVMZExt => CastOp::ZExt,
                    LLVMSExt => CastOp::SExt,
                    LLVMFPToSI => CastOp::FpToSi,
                    LLVMFPToUI => CastOp::FpToUi,
                    LLVMSIToFP => CastOp::SiToFp,
                    LLVMUIToFP => CastOp::UiToFp,
                    LLVMFPTrunc => CastOp::FpTrunc,
                    _ => CastOp::FpExt,
                };
                self.cast(op, from, to, inst)?;
            }
            LLVMBitCast | LLVMAddrSpaceCast | LLVMPtrToInt | LLVMIntToPtr | LLVMFreeze => {
                // Slots hold raw bits: equal widths need no conversion.
                let from = scalar(type_of(operand(inst, 0)))?;
                let to = scalar(type_of(inst))?;
                if from.bits() == to.bits() {
                    let src = self.value(operand(inst, 0))?;
                    let dst = self.def(inst);
                    self.emit(Inst::Move { dst, src });
                } else if op == LLVMPtrToInt {
                    self.cast(CastOp::Trunc, from, to, inst)?;
                } else if op == LLVMIntToPtr {
                    self.cast(CastOp::ZExt, from, to, inst)?;
                } else {
                    return Err(format!("{} between widths", opcode_name(op)));
                }
            }
            LLVMGetElementPtr => self.gep(inst)?,
            LLVMAlloca => self.alloca(inst, block == entry)?,
            LLVMLoad => {
                let ty = scalar(type_of(inst))?;
                scalar(type_of(operand(inst, 0)))?;
                let atomic = is_atomic(inst);
                let addr = self.value(operand(inst, 0))?;
                let dst = self.def(inst);
                self.emit(Inst::Load {
                    ty,
                    dst,
                    addr,
                    atomic,
                });
            }
            LLVMStore => {
                let ty = scalar(type_of(operand(inst, 0)))?;
                scalar(type_of(operand(inst, 1)))?;
                let atomic = is_atomic(inst);
                let src = self.value(operand(inst, 0))?;
                let addr = self.value(operand(inst, 1))?;
                self.emit(Inst::Store {
                    ty,
                    addr,
                    src,
                    atomic,
                });
            }
            LLVMFence => self.emit(Inst::Fence),
            LLVMAtomicRMW => {
                use LLVMAtomicRMWBinOp::*;
                // SAFETY: an atomicrmw instruction.
                let rmw = unsafe { LLVMGetAtomicRMWBinOp(inst) };
                let op = match rmw {
                    LLVMAtomicRMWBinOpXchg => RmwOp::Xchg,
                    LLVMAtomicRMWBinOpAdd => RmwOp::Add,
                    LLVMAtomicRMWBinOpSub => RmwOp::Sub,
                    LLVMAtomicRMWBinOpAnd => RmwOp::And,
                    LLVMAtomicRMWBinOpOr => RmwOp::Or,
                    LLVMAtomicRMWBinOpXor => RmwOp::Xor,
                    other => return Err(format!("atomicrmw {other:?}")),
                };
                let ty = atomic_int(scalar(type_of(inst))?, "atomicrmw")?;
                scalar(type_of(operand(inst, 0)))?;
                let addr = self.value(operand(inst, 0))?;
                let src = self.value(operand(inst, 1))?;
                let dst = self.def(inst);
                self.emit(Inst::AtomicRmw {
                    op,
                    ty,
                    dst,
                    addr,
                    src,
                });
            }
            LLVMAtomicCmpXchg => {
                let ty = atomic_int(scalar(type_of(operand(inst, 1)))?, "cmpxchg")?;
                scalar(type_of(operand(inst, 0)))?;
                let addr = self.value(operand(inst, 0))?;
                let expected = self.value(operand(inst, 1))?;
                let new = self.value(operand(inst, 2))?;
                let (dst, ok) = self.pair(inst);
                self.emit(Inst::CmpXchg {
                    ty,
                    dst,
                    ok,
                    addr,
                    expected,
                    new,
                });
            }
            LLVMExtractValue => {
                let &(first, second) = self
                    .pairs
                    .get(&operand(inst, 0))
                    .ok_or("extractvalue of an aggregate")?;
                // SAFETY: an extractvalue instruction, whose indices array has that length.
                let indices = unsafe {
                    let n = LLVMGetNumIndices(inst) as usize;
                    std::slice::from_raw_parts(LLVMGetIndices(inst), n)
                };
                let src = match indices {
                    [0] => first,
                    [1] => second,
                    _ => return Err("extractvalue of an aggregate".into()),
                };
                let dst = self.def(inst);
                self.emit(Inst::Move { dst, src });
            }
            LLVMPHI => {
                // Set on the edges into the block.
                scalar(type_of(inst))?;
                self.def(inst);
            }
            LLVMCall => self.call(inst)?,
            LLVMInvoke => return Err("invoke".into()),
            LLVMCallBr => return Err("callbr".into()),
            LLVMIndirectBr => return Err("indirectbr".into()),
            LLVMVAArg => return Err("va_arg".into()),
            LLVMLandingPad | LLVMResume | LLVMCleanupRet | LLVMCatchRet | LLVMCatchPad
            | LLVMCleanupPad | LLVMCatchSwitch => return Err("exception handling".into()),
            LLVMExtractElement | LLVMInsertElement | LLVMShuffleVector => {
                return Err("vector type".into())
            }
            other => return Err(opcode_name(other)),
        }
        Ok(())
    }

    /// Emits `inst = a op b` on `bits`-bit integers.
    fn bin(
        &mut self,
        op: BinOp,
        bits: u8,
        inst: LLVMValueRef,
        a: LLVMValueRef,
        b: LLVMValueRef,
    ) -> R<()> {
        let a = self.value(a)?;
        let b = self.value(b)?;
        let dst = self.def(inst);
        self.emit(Inst::Bin {
            op,
            bits,
            dst,
            a,
            b,
        });
        Ok(())
    }

    /// Emits `inst = op(operand 0)` from `from` to `to`.
    fn cast(&mut self, op: CastOp, from: Ty, to: Ty, inst: LLVMValueRef) -> R<()> {
        let a = self.value(operand(inst, 0))?;
        let dst = self.def(inst);
        self.emit(Inst::Cast {
            op,
            from,
            to,
            dst,
            a,
        });
        Ok(())
    }

    /// Two fresh slots for an `{iN, i1}` result.
    fn pair(&mut self, inst: LLVMValueRef) -> (Slot, Slot) {
        let pair = (self.new_slot(), self.new_slot());
        self.pairs.insert(inst, pair);
        pair
    }

    fn gep(&mut self, inst: LLVMValueRef) -> R<()> {
        scalar(type_of(inst))?;
        // SAFETY: a getelementptr instruction.
        let source = unsafe { LLVMGetGEPSourceElementType(inst) };
        let indices: Vec<LLVMValueRef> =
            (1..num_operands(inst)).map(|i| operand(inst, i)).collect();
        let (offset, variable) = self.gep_offsets(source, &indices)?;
        let mut base = self.value(operand(inst, 0))?;
        let dst = self.def(inst);
        let steps = variable.len();
        for (k, (index, scale)) in variable.into_iter().enumerate() {
            let bits = int_bits(scalar(type_of(index))?, "getelementptr index")?;
            let index = self.value(index)?;
            let to = if k + 1 == steps && offset == 0 {
                dst
            } else {
                self.new_slot()
            };
            self.emit(Inst::PtrIndex {
                dst: to,
                base,
                index,
                bits,
                scale,
            });
            base = to;
        }
        if offset != 0 {
            self.emit(Inst::PtrAdd { dst, base, offset });
        } else if steps == 0 {
            self.emit(Inst::Move { dst, src: base });
        }
        Ok(())
    }

    fn alloca(&mut self, inst: LLVMValueRef, in_entry: bool) -> R<()> {
        scalar(type_of(inst))?;
        let count = small_const_int(operand(inst, 0));
        let (Some(count), true) = (count, in_entry) else {
            return Err("dynamic alloca".into());
        };
        // SAFETY: an alloca instruction.
        let ty = unsafe { LLVMGetAllocatedType(inst) };
        let size = alloc_size(self.layout, ty)?
            .checked_mul(count)
            .filter(|&size| size <= MAX_FRAME)
            .ok_or("frame too large")?;
        // SAFETY: as above.
        let align = unsafe { LLVMGetAlignment(inst) }.max(1);
        if align > MAX_ALIGN {
            return Err(format!("alloca aligned to {align}"));
        }
        let offset = self.frame_bytes.next_multiple_of(u64::from(align));
        self.frame_bytes = offset + size;
        if self.frame_bytes > MAX_FRAME {
            return Err("frame too large".into());
        }
        self.frame_align = self.frame_align.max(align);
        let slot = self.const_slot(Constant::Frame(offset as u32));
        self.values.insert(inst, slot);
        Ok(())
    }

    fn call(&mut self, call: LLVMValueRef) -> R<()> {
        // SAFETY: a call instruction.
        if unsafe { LLVMGetTailCallKind(call) } == LLVMTailCallKind::LLVMTailCallKindMustTail {
            return Err("musttail call".into());
        }
        // SAFETY: as above.
        let callee = unsafe { LLVMGetCalledValue(call) };
        if is_a(callee, LLVMIsAInlineAsm) {
            return Err("inline asm".into());
        }
        let direct = is_a(callee, LLVMIsAFunction);
        let callee_name = if direct {
            value_name(callee)
        } else {
            String::new()
        };
        if callee_name.starts_with("llvm.") {
            // Operand bundles on intrinsics (`llvm.assume`'s) are hints.
            return self.intrinsic(call, &callee_name);
        }
        // SAFETY: as above.
        if unsafe { LLVMGetNumOperandBundles(call) } != 0 {
            return Err("operand bundle".into());
        }
        // SAFETY: as above.
        let cc = unsafe { LLVMGetInstructionCallConv(call) };
        if !C_CALL_CONVS.contains(&cc) {
            return Err(format!("calling convention {cc}"));
        }
        let fn_index = llvm_sys::LLVMAttributeFunctionIndex;
        if call_has_attribute(call, fn_index, self.kinds.returns_twice)
            || (direct && has_attribute(callee, fn_index, self.kinds.returns_twice))
            || RETURNS_TWICE.contains(&callee_name.as_str())
        {
            return Err("setjmp".into());
        }
        // SAFETY: as above.
        let fn_ty = unsafe { LLVMGetCalledFunctionType(call) };
        // The callee's own attributes count when it is called with its own type.
        // SAFETY: a function of the live module.
        let declared = direct && unsafe { LLVMGlobalGetValueType(callee) } == fn_ty;
        let has = |index: u32, kind: u32| {
            call_has_attribute(call, index, kind)
                || (declared && has_attribute(callee, index, kind))
        };
        // SAFETY: as above.
        let count = unsafe { LLVMGetNumArgOperands(call) };
        let mut classes = Vec::with_capacity(count as usize);
        let mut args = Vec::with_capacity(count as usize);
        for i in 0..count {
            // SAFETY: as above, `i` below the argument count.
            let arg = unsafe { LLVMGetArgOperand(call, i) };
            let ty = type_of(arg);
            if matches!(
                type_kind(ty),
                LLVMTypeKind::LLVMStructTypeKind | LLVMTypeKind::LLVMArrayTypeKind
            ) {
                return Err("aggregate argument".into());
            }
            let ty = scalar(ty)?;
            for &(kind, attr) in &self.kinds.abi {
                if has(i + 1, kind) {
                    return Err(format!("{attr} argument"));
                }
            }
            classes.push(arg_class(ty, self.ext(|kind| has(i + 1, kind))));
            args.push(self.value(arg)?);
        }
        // SAFETY: a function type.
        let ret_ty = unsafe { LLVMGetReturnType(fn_ty) };
        let ret = match type_kind(ret_ty) {
            LLVMTypeKind::LLVMVoidTypeKind => Ret::Void,
            LLVMTypeKind::LLVMStructTypeKind | LLVMTypeKind::LLVMArrayTypeKind => {
                return Err("aggregate return".into())
            }
            _ => {
                let ty = scalar(ret_ty)?;
                ret_class(
                    ty,
                    self.ext(|kind| has(llvm_sys::LLVMAttributeReturnIndex, kind)),
                )
            }
        };
        let sig = self.sig(Sig {
            args: classes,
            ret,
            // SAFETY: a function type.
            variadic: unsafe { LLVMIsFunctionVarArg(fn_ty) } != 0,
        });
        let callee = self.value(callee)?;
        // SAFETY: a value of the live module.
        let used = unsafe { !LLVMGetFirstUse(call).is_null() };
        let dst = (ret != Ret::Void && used).then(|| self.def(call));
        self.emit(Inst::Call {
            sig,
            callee,
            args,
            dst,
        });
        Ok(())
    }

    /// Argument `i` of call `call`.
    fn arg(&mut self, call: LLVMValueRef, i: u32) -> R<Slot> {
        // SAFETY: a call instruction with at least `i + 1` arguments (the intrinsic's signature,
        // checked by the verifier).
        let arg = unsafe { LLVMGetArgOperand(call, i) };
        scalar(type_of(arg))?;
        self.value(arg)
    }

    /// Emits `call = argument 0` (intrinsics that return their argument).
    fn move_arg0(&mut self, call: LLVMValueRef) -> R<()> {
        scalar(type_of(call))?;
        let src = self.arg(call, 0)?;
        let dst = self.def(call);
        self.emit(Inst::Move { dst, src });
        Ok(())
    }

    /// Emits a call of host function `name` with `args` of `sig`.
    fn host_call(&mut self, name: &str, sig: Sig, args: Vec<Slot>, dst: Option<Slot>) {
        let sig = self.sig(sig);
        let callee = self.const_slot(Constant::Symbol(name.to_string(), 0));
        self.emit(Inst::Call {
            sig,
            callee,
            args,
            dst,
        });
    }

    fn intrinsic(&mut self, call: LLVMValueRef, name: &str) -> R<()> {
        let unsupported = || Err(format!("intrinsic {name}"));
        let rest = &name["llvm.".len()..];
        let base = rest.split('.').next().unwrap_or("");
        match base {
            "dbg" | "lifetime" | "assume" | "donothing" | "sideeffect" | "prefetch" => {}
            "var" if rest.starts_with("var.annotation") => {}
            "experimental" if rest.starts_with("experimental.noalias.scope.decl") => {}
            "expect" | "annotation" => self.move_arg0(call)?,
            "ptr" if rest.starts_with("ptr.annotation") => self.move_arg0(call)?,
            "is" if rest.starts_with("is.constant") => {
                let zero = self.const_slot(Constant::Bits(0));
                self.values.insert(call, zero);
            }
            "objectsize" => {
                // Unknown: 0 for the minimum, all ones for the maximum (what LLVM lowers it to).
                let ty = scalar(type_of(call))?;
                // SAFETY: llvm.objectsize has four arguments.
                let min = small_const_int(unsafe { LLVMGetArgOperand(call, 1) }) == Some(1);
                let value = if min { 0 } else { mask(u64::MAX, ty) };
                let slot = self.const_slot(Constant::Bits(value));
                self.values.insert(call, slot);
            }
            "memcpy" | "memmove" | "memset" => {
                let inline = rest.starts_with(&format!("{base}.inline."));
                let plain = rest.starts_with(&format!("{base}.p0"));
                if !inline && !plain {
                    return unsupported();
                }
                let int = |bits| Arg::Int {
                    bits,
                    ext: Ext::None,
                };
                // The third argument is the value to store for memset (an i8, zero-extended in
                // its slot: passed as C's int) and the length (i64, or a zero-extended i32: passed
                // as size_t) otherwise.
                let sig = Sig {
                    args: vec![
                        int(64),
                        int(if base == "memset" { 32 } else { 64 }),
                        int(64),
                    ],
                    ret: Ret::Int {
                        bits: 64,
                        ext: Ext::None,
                    },
                    variadic: false,
                };
                let args = vec![self.arg(call, 0)?, self.arg(call, 1)?, self.arg(call, 2)?];
                self.host_call(base, sig, args, None);
            }
            "fabs" | "sqrt" | "floor" | "ceil" | "trunc" | "round" | "rint" | "nearbyint"
            | "copysign" | "minnum" | "maxnum" | "pow" | "exp" | "exp2" | "log" | "log2"
            | "log10" | "sin" | "cos" | "fma" => {
                let ty = float_ty(scalar(type_of(call))?, name)?;
                let host = match base {
                    "minnum" => "fmin",
                    "maxnum" => "fmax",
                    other => other,
                };
                let host = if ty == Ty::F32 {
                    format!("{host}f")
                } else {
                    host.to_string()
                };
                let class = arg_class(ty, Ext::None);
                // SAFETY: a call instruction.
                let count = unsafe { LLVMGetNumArgOperands(call) };
                let mut args = Vec::with_capacity(count as usize);
                for i in 0..count {
                    args.push(self.arg(call, i)?);
                }
                let sig = Sig {
                    args: vec![class; count as usize],
                    ret: ret_class(ty, Ext::None),
                    variadic: false,
                };
                let dst = self.def(call);
                self.host_call(&host, sig, args, Some(dst));
            }
            "fmuladd" => {
                let ty = float_ty(scalar(type_of(call))?, name)?;
                let a = self.arg(call, 0)?;
                let b = self.arg(call, 1)?;
                let c = self.arg(call, 2)?;
                let product = self.new_slot();
                let dst = self.def(call);
                self.emit(Inst::FBin {
                    op: FBinOp::Mul,
                    ty,
                    dst: product,
                    a,
                    b,
                });
                self.emit(Inst::FBin {
                    op: FBinOp::Add,
                    ty,
                    dst,
                    a: product,
                    b: c,
                });
            }
            "bswap" | "ctpop" | "ctlz" | "cttz" | "abs" => {
                let bits = int_bits(scalar(type_of(call))?, name)?;
                let op = match base {
                    "bswap" => UnOp::Bswap,
                    "ctpop" => UnOp::Ctpop,
                    "ctlz" => UnOp::Ctlz,
                    "cttz" => UnOp::Cttz,
                    _ => UnOp::Abs,
                };
                if op == UnOp::Bswap && bits % 16 != 0 {
                    return unsupported();
                }
                let a = self.arg(call, 0)?;
                let dst = self.def(call);
                self.emit(Inst::Unary { op, bits, dst, a });
            }
            "smin" | "smax" | "umin" | "umax" => {
                let bits = int_bits(scalar(type_of(call))?, name)?;
                let op = match base {
                    "smin" => BinOp::SMin,
                    "smax" => BinOp::SMax,
                    "umin" => BinOp::UMin,
                    _ => BinOp::UMax,
                };
                let a = self.arg(call, 0)?;
                let b = self.arg(call, 1)?;
                let dst = self.def(call);
                self.emit(Inst::Bin {
                    op,
                    bits,
                    dst,
                    a,
                    b,
                });
            }
            "sadd" | "uadd" | "ssub" | "usub" | "smul" | "umul"
                if rest[base.len()..].starts_with(".with.overflow.") =>
            {
                let op = match base {
                    "sadd" => OverflowOp::SAdd,
                    "uadd" => OverflowOp::UAdd,
                    "ssub" => OverflowOp::SSub,
                    "usub" => OverflowOp::USub,
                    "smul" => OverflowOp::SMul,
                    _ => OverflowOp::UMul,
                };
                // SAFETY: a call with two arguments (the intrinsic's signature).
                let ty = scalar(type_of(unsafe { LLVMGetArgOperand(call, 0) }))?;
                let bits = int_bits(ty, name)?;
                let a = self.arg(call, 0)?;
                let b = self.arg(call, 1)?;
                let (dst, flag) = self.pair(call);
                self.emit(Inst::Overflow {
                    op,
                    bits,
                    dst,
                    flag,
                    a,
                    b,
                });
            }
            "trap" | "debugtrap" | "ubsantrap" => self.emit(Inst::Trap),
            _ => return unsupported(),
        }
        Ok(())
    }
}

/// Whether a load or store is atomic.
fn is_atomic(inst: LLVMValueRef) -> bool {
    // SAFETY: a load or store instruction.
    unsafe { LLVMGetOrdering(inst) != LLVMAtomicOrdering::LLVMAtomicOrderingNotAtomic }
}

/// The type of an atomic read-modify-write: an integer of 8 to 64 bits (or a pointer).
fn atomic_int(ty: Ty, what: &str) -> R<Ty> {
    match ty {
        Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64 => Ok(ty),
        _ => Err(format!("{what} on {ty:?}")),
    }
}

/// An instruction's name as the IR writes it.
fn opcode_name(op: LLVMOpcode) -> String {
    let debug = format!("{op:?}");
    debug.strip_prefix("LLVM").unwrap_or(&debug).to_lowercase()
}

/// The blocks reachable from `entry`, in reverse postorder; rejects control flow with a cycle.
fn block_order(entry: LLVMBasicBlockRef) -> R<Vec<LLVMBasicBlockRef>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Open,
        Done,
    }
    let mut state: HashMap<LLVMBasicBlockRef, State> = HashMap::new();
    let mut postorder = Vec::new();
    let mut stack: Vec<(LLVMBasicBlockRef, Vec<LLVMBasicBlockRef>)> = Vec::new();
    let succ = |b| -> Vec<LLVMBasicBlockRef> {
        let mut s = block_successors(b);
        // Popped from the back: visit the first successor first.
        s.reverse();
        s
    };
    state.insert(entry, State::Open);
    stack.push((entry, succ(entry)));
    while let Some((block, pending)) = stack.last_mut() {
        match pending.pop() {
            Some(next) => match state.get(&next) {
                Some(State::Open) => return Err("loop".into()),
                Some(State::Done) => {}
                None => {
                    state.insert(next, State::Open);
                    let s = succ(next);
                    stack.push((next, s));
                }
            },
            None => {
                let block = *block;
                state.insert(block, State::Done);
                postorder.push(block);
                stack.pop();
            }
        }
    }
    postorder.reverse();
    Ok(postorder)
}
