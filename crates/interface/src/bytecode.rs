//! irjit's bytecode: how the interpreter tier runs a function's first calls without machine code.
//!
//! Most functions of a large program are called a handful of times (of the 845 functions one
//! SQLite query calls, 254 run at most twice). Generating machine code for them costs far more
//! than running them slowly, so the runtime first runs a loop-free function in its interpreter and
//! compiles it only once it has been called more often than that (see the runtime's `interp`).
//!
//! The compiler translates a unit's function (as the program's IR holds it, no instrumentation)
//! into a [`Function`] when it can ([`Translation`]), the runtime resolves the symbols it names and runs
//! it. The format is plain data: the runtime validates it before use (a cache entry may be
//! corrupt), so no bytecode can make the interpreter read or write outside its own frame except
//! through the program's own memory operations.
//!
//! # Values
//!
//! A function's values live in 64-bit **slots** of its frame, numbered from 0: every SSA value,
//! parameter and constant has one. Integers of `bits` bits are kept **zero-extended** to 64 bits
//! (every instruction that produces an integer masks its result); `i1` is 0 or 1; pointers are
//! 64-bit integers; an `f32` keeps its IEEE bits in the low 32 bits (upper bits zero), an `f64`
//! all 64. Before the first instruction runs, the frame's slots hold zero, then [`Function::consts`]
//! are stored, then the parameters.
//!
//! # Control
//!
//! [`Function::code`] runs from index 0. Branch targets are indices into it. The translator
//! resolves `phi` nodes into [`Inst::Move`]s on the edges that lead to them (loop-free code
//! needs no parallel copies: a phi's incoming value is never another phi of the same block).

use serde::{Deserialize, Serialize};

/// A frame slot's number.
pub type Slot = u32;

/// What the compiler answers to a request for bytecode ([`crate::CompileRequest::bytecode`]),
/// postcard-encoded in [`crate::CompiledUnit::object`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Translation {
    /// The function as bytecode.
    Function(Function),
    /// The interpreter cannot run this function (it has a loop, varargs, vectors, exception
    /// handling, ...): why, for logs.
    Unsupported(String),
}

/// One function as bytecode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// The function's link name.
    pub name: String,
    /// Slots in the frame.
    pub slots: u32,
    /// Bytes of the frame's memory for the function's static `alloca`s (see [`Value::Frame`]).
    pub frame_bytes: u32,
    /// Alignment of that memory (a power of two, at most 64).
    pub frame_align: u32,
    /// The parameters, in IR order: where each one is put and how the caller passes it.
    pub params: Vec<Param>,
    /// How the function returns its value.
    pub ret: Ret,
    /// The parameter slot of an `sret` parameter: its value is also returned in `rax`, as the
    /// x86-64 ABI wants.
    pub sret: Option<Slot>,
    /// Slots that hold constants, stored before the first instruction runs.
    pub consts: Vec<Const>,
    /// Call signatures, referred to by [`Inst::Call::sig`].
    pub sigs: Vec<Sig>,
    /// The instructions.
    pub code: Vec<Inst>,
}

/// A parameter of the interpreted function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// Where it goes.
    pub slot: Slot,
    /// How it is passed.
    pub class: Arg,
}

/// How one argument is passed (x86-64 System V): integers and pointers in the next free of
/// `rdi, rsi, rdx, rcx, r8, r9`, floats in the next free of `xmm0`-`xmm7`, the rest on the stack
/// in order, 8 bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arg {
    /// An integer or pointer of `bits` bits (1 to 64), extended to 32 bits (at least) by the
    /// caller as `ext` says. A receiver masks it to `bits`.
    Int {
        /// Width.
        bits: u8,
        /// Extension the callee may rely on.
        ext: Ext,
    },
    /// A `float`, in the low 32 bits of an XMM register or stack slot.
    F32,
    /// A `double`.
    F64,
}

/// How a narrow integer argument or result is extended (the IR's `signext` / `zeroext`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ext {
    /// Not at all: the upper bits are unspecified.
    None,
    /// With zeros.
    Zero,
    /// With copies of the sign bit.
    Sign,
}

/// How a function returns (x86-64 System V).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ret {
    /// Nothing.
    Void,
    /// An integer or pointer in `rax`, extended as `ext` says.
    Int {
        /// Width (1 to 64).
        bits: u8,
        /// Extension (the IR's `signext` / `zeroext` on the return value).
        ext: Ext,
    },
    /// A `float` in `xmm0`.
    F32,
    /// A `double` in `xmm0`.
    F64,
}

/// The signature of a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sig {
    /// The arguments, in order.
    pub args: Vec<Arg>,
    /// The result.
    pub ret: Ret,
    /// The callee is variadic: `al` must hold (an upper bound of) the XMM registers used.
    pub variadic: bool,
}

/// A slot holding a constant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Const {
    /// The slot.
    pub slot: Slot,
    /// Its value.
    pub value: Value,
}

/// A constant's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// These bits (in the slot's representation, see the module documentation).
    Bits(u64),
    /// The address of a symbol plus a byte offset: a function (its stub), a variable, or a
    /// host function such as `memcpy`. Resolved once, when the runtime loads the function.
    Symbol {
        /// The link name.
        name: String,
        /// Bytes added.
        addend: i64,
    },
    /// The address `offset` bytes into this call's frame memory (a static `alloca`).
    Frame {
        /// Offset from the start of the frame memory.
        offset: u32,
    },
}

/// A scalar type, as instructions that touch memory or convert need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ty {
    /// `i1` (a byte in memory, 0 or 1).
    I1,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64` and `ptr`.
    I64,
    /// `float`.
    F32,
    /// `double`.
    F64,
}

impl Ty {
    /// Width in bits (1 for `I1`).
    pub fn bits(self) -> u32 {
        match self {
            Ty::I1 => 1,
            Ty::I8 => 8,
            Ty::I16 => 16,
            Ty::I32 | Ty::F32 => 32,
            Ty::I64 | Ty::F64 => 64,
        }
    }

    /// Bytes it occupies in memory.
    pub fn bytes(self) -> u32 {
        match self {
            Ty::I1 | Ty::I8 => 1,
            Ty::I16 => 2,
            Ty::I32 | Ty::F32 => 4,
            Ty::I64 | Ty::F64 => 8,
        }
    }

    /// Whether it is `F32` or `F64`.
    pub fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }
}

/// Integer binary operations (the IR's, plus the min/max intrinsics). Division by zero, and
/// signed division of the minimum by -1, raise `SIGFPE` as the x86 instruction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `mul`.
    Mul,
    /// `udiv`.
    UDiv,
    /// `sdiv`.
    SDiv,
    /// `urem`.
    URem,
    /// `srem`.
    SRem,
    /// `shl` (a shift by `bits` or more gives 0: the IR calls it poison).
    Shl,
    /// `lshr`.
    LShr,
    /// `ashr`.
    AShr,
    /// `and`.
    And,
    /// `or`.
    Or,
    /// `xor`.
    Xor,
    /// `llvm.smin`.
    SMin,
    /// `llvm.smax`.
    SMax,
    /// `llvm.umin`.
    UMin,
    /// `llvm.umax`.
    UMax,
}

/// Floating-point binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FBinOp {
    /// `fadd`.
    Add,
    /// `fsub`.
    Sub,
    /// `fmul`.
    Mul,
    /// `fdiv`.
    Div,
    /// `frem` (C's `fmod`).
    Rem,
}

/// Integer unary operations (intrinsics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnOp {
    /// `llvm.bswap`.
    Bswap,
    /// `llvm.ctpop`.
    Ctpop,
    /// `llvm.ctlz` (of 0: `bits`).
    Ctlz,
    /// `llvm.cttz` (of 0: `bits`).
    Cttz,
    /// `llvm.abs`.
    Abs,
}

/// `llvm.*.with.overflow` operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverflowOp {
    /// `llvm.sadd.with.overflow`.
    SAdd,
    /// `llvm.uadd.with.overflow`.
    UAdd,
    /// `llvm.ssub.with.overflow`.
    SSub,
    /// `llvm.usub.with.overflow`.
    USub,
    /// `llvm.smul.with.overflow`.
    SMul,
    /// `llvm.umul.with.overflow`.
    UMul,
}

/// Integer comparisons (`icmp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IPred {
    /// `eq`.
    Eq,
    /// `ne`.
    Ne,
    /// `ugt`.
    Ugt,
    /// `uge`.
    Uge,
    /// `ult`.
    Ult,
    /// `ule`.
    Ule,
    /// `sgt`.
    Sgt,
    /// `sge`.
    Sge,
    /// `slt`.
    Slt,
    /// `sle`.
    Sle,
}

/// Floating-point comparisons (`fcmp`): ordered (`O*`: false when either is NaN) and unordered
/// (`U*`: true when either is NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum FPred {
    False,
    Oeq,
    Ogt,
    Oge,
    Olt,
    Ole,
    One,
    Ord,
    Uno,
    Ueq,
    Ugt,
    Uge,
    Ult,
    Ule,
    Une,
    True,
}

/// Conversions. `from` and `to` of [`Inst::Cast`] give the widths; `bitcast`, `ptrtoint` and
/// `inttoptr` between equal widths are [`Inst::Move`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CastOp {
    /// `trunc` (and `ptrtoint` to a narrower integer).
    Trunc,
    /// `zext` (and `inttoptr` from a narrower integer).
    ZExt,
    /// `sext`.
    SExt,
    /// `fptosi`.
    FpToSi,
    /// `fptoui`.
    FpToUi,
    /// `sitofp`.
    SiToFp,
    /// `uitofp`.
    UiToFp,
    /// `fptrunc`.
    FpTrunc,
    /// `fpext`.
    FpExt,
    /// `bitcast` between an integer and a float of one width.
    Bitcast,
}

/// `atomicrmw` operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RmwOp {
    /// `xchg`.
    Xchg,
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `and`.
    And,
    /// `or`.
    Or,
    /// `xor`.
    Xor,
}

/// One instruction. Slot operands name frame slots; `bits` is an integer width from 1 to 64.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Inst {
    /// `dst = src`.
    Move {
        /// Destination.
        dst: Slot,
        /// Source.
        src: Slot,
    },
    /// `dst = a op b` on `bits`-bit integers.
    Bin {
        /// The operation.
        op: BinOp,
        /// Width.
        bits: u8,
        /// Destination.
        dst: Slot,
        /// Left operand.
        a: Slot,
        /// Right operand.
        b: Slot,
    },
    /// `dst = a op b` on floats of type `ty` (`F32` or `F64`).
    FBin {
        /// The operation.
        op: FBinOp,
        /// `F32` or `F64`.
        ty: Ty,
        /// Destination.
        dst: Slot,
        /// Left operand.
        a: Slot,
        /// Right operand.
        b: Slot,
    },
    /// `dst = -a` (`fneg`).
    FNeg {
        /// `F32` or `F64`.
        ty: Ty,
        /// Destination.
        dst: Slot,
        /// Operand.
        a: Slot,
    },
    /// `dst = op(a)` on `bits`-bit integers.
    Unary {
        /// The operation.
        op: UnOp,
        /// Width.
        bits: u8,
        /// Destination.
        dst: Slot,
        /// Operand.
        a: Slot,
    },
    /// `dst = a op b` on `bits`-bit integers, `flag = 1` when it overflowed, else 0.
    Overflow {
        /// The operation.
        op: OverflowOp,
        /// Width.
        bits: u8,
        /// Destination of the result.
        dst: Slot,
        /// Destination of the overflow flag.
        flag: Slot,
        /// Left operand.
        a: Slot,
        /// Right operand.
        b: Slot,
    },
    /// `dst = (a pred b) as i1` on `bits`-bit integers.
    ICmp {
        /// The predicate.
        pred: IPred,
        /// Width.
        bits: u8,
        /// Destination.
        dst: Slot,
        /// Left operand.
        a: Slot,
        /// Right operand.
        b: Slot,
    },
    /// `dst = (a pred b) as i1` on floats.
    FCmp {
        /// The predicate.
        pred: FPred,
        /// `F32` or `F64`.
        ty: Ty,
        /// Destination.
        dst: Slot,
        /// Left operand.
        a: Slot,
        /// Right operand.
        b: Slot,
    },
    /// `dst = cond & 1 != 0 ? a : b`.
    Select {
        /// Destination.
        dst: Slot,
        /// The condition (an `i1`).
        cond: Slot,
        /// Value when true.
        a: Slot,
        /// Value when false.
        b: Slot,
    },
    /// `dst = op(a)` from type `from` to type `to`.
    Cast {
        /// The conversion.
        op: CastOp,
        /// Source type.
        from: Ty,
        /// Destination type.
        to: Ty,
        /// Destination.
        dst: Slot,
        /// Operand.
        a: Slot,
    },
    /// `dst = base + offset` (a `getelementptr` with constant indices).
    PtrAdd {
        /// Destination.
        dst: Slot,
        /// The pointer.
        base: Slot,
        /// Bytes added.
        offset: i64,
    },
    /// `dst = base + sext(index from bits) * scale` (one variable `getelementptr` index).
    PtrIndex {
        /// Destination.
        dst: Slot,
        /// The pointer.
        base: Slot,
        /// The index, a `bits`-bit integer, sign-extended.
        index: Slot,
        /// The index's width.
        bits: u8,
        /// Bytes per index step.
        scale: i64,
    },
    /// `dst = *(ty *)addr` (unaligned accesses allowed; `atomic`: one atomic access, for which
    /// the address is aligned).
    Load {
        /// The type loaded.
        ty: Ty,
        /// Destination.
        dst: Slot,
        /// The address.
        addr: Slot,
        /// An atomic load.
        atomic: bool,
    },
    /// `*(ty *)addr = src` (`atomic`: one sequentially consistent atomic access).
    Store {
        /// The type stored.
        ty: Ty,
        /// The address.
        addr: Slot,
        /// The value.
        src: Slot,
        /// An atomic store.
        atomic: bool,
    },
    /// A sequentially consistent fence.
    Fence,
    /// `dst = atomic { old = *addr; *addr = old op src; old }` on an integer type.
    AtomicRmw {
        /// The operation.
        op: RmwOp,
        /// `I8` to `I64`.
        ty: Ty,
        /// Destination (the old value).
        dst: Slot,
        /// The address.
        addr: Slot,
        /// The operand.
        src: Slot,
    },
    /// `cmpxchg`: `dst` = the old value, `ok` = 1 when it equalled `expected` and `new` was
    /// stored.
    CmpXchg {
        /// `I8` to `I64`.
        ty: Ty,
        /// Destination of the old value.
        dst: Slot,
        /// Destination of the success flag.
        ok: Slot,
        /// The address.
        addr: Slot,
        /// The value expected.
        expected: Slot,
        /// The value stored on success.
        new: Slot,
    },
    /// Calls the code at the address in `callee` with signature `sigs[sig]`, storing its result
    /// (masked to its width) in `dst`.
    Call {
        /// Index into [`Function::sigs`].
        sig: u32,
        /// The callee's address.
        callee: Slot,
        /// The arguments (as many as the signature has).
        args: Vec<Slot>,
        /// Where the result goes (`None` for `void` or an unused result).
        dst: Option<Slot>,
    },
    /// Continue at `target`.
    Jump {
        /// Index into [`Function::code`].
        target: u32,
    },
    /// Continue at `then` when `cond & 1 != 0`, else at `otherwise`.
    Branch {
        /// The condition.
        cond: Slot,
        /// Target when true.
        then: u32,
        /// Target when false.
        otherwise: u32,
    },
    /// Continue at the target of the first case equal to `value` (a `bits`-bit integer), else
    /// at `default`.
    Switch {
        /// The value.
        value: Slot,
        /// Its width.
        bits: u8,
        /// `(case value, target)` pairs.
        cases: Vec<(u64, u32)>,
        /// Target when no case matches.
        default: u32,
    },
    /// Returns `value` (`None` for `void`).
    Return {
        /// The returned slot.
        value: Option<Slot>,
    },
    /// `unreachable` or `llvm.trap`: the program dies of `SIGILL`, as `ud2` would make it.
    Trap,
}
