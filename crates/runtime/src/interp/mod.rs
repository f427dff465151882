//! The interpreter tier: runs a function's [bytecode](irjit_interface::bytecode) for its first
//! calls, so that functions called only a few times never cost a compile.
//!
//! [`Loaded::new`] validates a [`Function`] and resolves the symbols it names; [`call`] then runs
//! one call of it with the argument registers the resolver trampoline saved ([`Incoming`]) and
//! answers the result registers ([`Outgoing`]).
//!
//! # Safety of the design
//!
//! * After validation no bytecode can make the interpreter index outside its own tables or
//!   frame: every slot is below [`Function::slots`], every jump target inside the code, the last
//!   instruction cannot fall through, every call names an existing signature with as many
//!   arguments. Memory the program names by address (loads, stores, calls) is the program's
//!   business, as in compiled code.
//! * A call's frame (its slots and its static `alloca` memory) lives on the machine stack, in one
//!   of three size classes ([`FRAME_CLASSES`]), never on the heap, and nothing in the
//!   interpreter's frames owns a resource with a destructor while program code runs: a program
//!   may `longjmp` over interpreted frames (Lua's error handling does) and leak nothing.
//! * [`call`] never panics: it runs on an `extern "C"` path where a panic would abort. All
//!   arithmetic wraps, division faults are raised as the signal the machine instruction would
//!   raise.
//!
//! # Decisions the bytecode contract leaves open
//!
//! * The last instruction of [`Function::code`] must be a terminator (`Jump`, `Branch`,
//!   `Switch`, `Return` or `Trap`), so that execution cannot run past the end.
//! * `Return { value: None }` is required exactly when [`Function::ret`] is [`Ret::Void`];
//!   a `Call` with a `dst` is rejected when its signature returns `Void`.
//! * `Cast` operand types must fit the conversion: `Trunc` narrows or keeps an integer width,
//!   `ZExt`/`SExt` widen or keep it, `FpToSi`/`FpToUi` go from a float to an integer,
//!   `SiToFp`/`UiToFp` from an integer to a float, `FpTrunc` is `F64` to `F32`, `FpExt` `F32`
//!   to `F64`, `Bitcast` keeps the width.
//! * `AtomicRmw` and `CmpXchg` take `I8` to `I64`; atomic `Load`/`Store` take every type
//!   (`I1` as a byte, floats as their bits).
//! * A [`Value::Frame`] offset may be at most [`Function::frame_bytes`] (one past the end).
//! * A call passes at most [`MAX_STACK_ARGS`] arguments on the stack
//!   ([`LoadError::Unsupported`] otherwise).
//! * Operands are masked to their width wherever the result depends on bits above it, so a
//!   slot holding a non-canonical value (say, a `Bits` constant with upper bits set) cannot
//!   produce a non-canonical result. `Switch` case values are masked to the switch's width when
//!   loading.
//! * The frame memory starts zeroed, like the slots. A `frame_align` below 8 counts as 8.
//! * Integers passed without extension (`Ext::None`), in call arguments and in the function's
//!   result, are passed zero-extended; a call's integer result is masked to its width whatever
//!   its `ext`.
//! * `FpToSi`/`FpToUi` convert to 64 bits with Rust's saturating `as`, then keep the target
//!   width's low bits (out-of-range values are poison in the IR).
//! * `SDiv`/`SRem` of the minimum by -1 raise `SIGFPE` at every width, odd ones included.
//! * With `sret`, `rax` holds the `sret` slot's value; a function that also returned an integer
//!   (not valid IR) would return that instead.

use std::cell::Cell;
use std::mem::MaybeUninit;

use irjit_interface::bytecode::{Arg, CastOp, Ext, Function, Inst, Ret, Slot, Ty, Value};

mod call;
mod exec;
#[cfg(test)]
mod tests;

/// The frame size classes, in 64-bit words: a call's slots, its frame memory and the padding
/// its alignment may need must fit the largest. Each class has 8 words more than its round size
/// (1 KiB, 8 KiB, 64 KiB) for the alignment padding.
pub const FRAME_CLASSES: [usize; 3] = [SMALL, MEDIUM, LARGE];

/// Words of the small frame class (1 KiB and the alignment slack).
const SMALL: usize = 128 + ALIGN_SLACK;
/// Words of the medium frame class (8 KiB and the alignment slack).
const MEDIUM: usize = 1024 + ALIGN_SLACK;
/// Words of the large frame class (64 KiB and the alignment slack).
const LARGE: usize = 8192 + ALIGN_SLACK;
/// Extra words of every class, for aligning the frame memory (at most 64 bytes).
const ALIGN_SLACK: usize = 8;

/// The most arguments one call may pass on the stack.
pub const MAX_STACK_ARGS: usize = 64;

/// Integer argument registers of the x86-64 System V convention.
const INT_REGS: usize = 6;
/// Vector argument registers of the x86-64 System V convention.
const FLOAT_REGS: usize = 8;

/// Why a function could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The function names a symbol the resolver does not know.
    #[error("unknown symbol `{0}`")]
    UnknownSymbol(String),
    /// The bytecode is malformed (corrupt, or a translator bug).
    #[error("invalid bytecode: {0}")]
    Invalid(String),
    /// The frame (slots, frame memory and alignment padding) exceeds the largest frame class.
    #[error("the frame needs {needed} bytes, more than the interpreter's {max}")]
    FrameTooLarge {
        /// Bytes the frame needs.
        needed: u64,
        /// Bytes of the largest frame class.
        max: u64,
    },
    /// Well-formed bytecode beyond the interpreter's limits (such as a call with more than
    /// [`MAX_STACK_ARGS`] stack arguments): the function must be compiled instead.
    #[error("unsupported by the interpreter: {0}")]
    Unsupported(String),
}

/// Where an incoming parameter or outgoing argument travels.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Loc {
    /// The `n`th integer argument register (`n < 6`).
    Int(u8),
    /// The `n`th vector argument register (`n < 8`).
    Float(u8),
    /// The `n`th stack word.
    Stack(u32),
}

/// A parameter, classified once when loading.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParamPlan {
    /// The slot it is stored in.
    pub(crate) slot: Slot,
    /// Where it arrives.
    pub(crate) loc: Loc,
    /// The bits kept (its width's mask).
    pub(crate) mask: u64,
}

/// An argument of a call, classified once when loading.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArgPlan {
    /// Where it goes.
    pub(crate) loc: Loc,
    /// Its width in bits (64 for `F64`, 32 for `F32`).
    pub(crate) bits: u8,
    /// Sign-extend it from `bits` to 64 bits (else it is passed zero-extended).
    pub(crate) sign: bool,
}

/// A call signature, classified once when loading.
#[derive(Clone, Debug)]
pub(crate) struct SigPlan {
    /// The arguments, in order.
    pub(crate) args: Vec<ArgPlan>,
    /// The result.
    pub(crate) ret: Ret,
    /// Words of stack arguments (at most [`MAX_STACK_ARGS`]).
    pub(crate) stack_words: u32,
}

/// A function ready to run: validated, its symbols resolved.
#[derive(Debug)]
pub struct Loaded {
    /// The link name.
    pub(crate) name: String,
    /// Slots in the frame.
    pub(crate) slots: u32,
    /// The frame memory's alignment (a power of two from 8 to 64).
    pub(crate) frame_align: usize,
    /// Words zeroed at entry: the slots, the alignment padding and the frame memory.
    pub(crate) words: usize,
    /// The parameters.
    pub(crate) params: Vec<ParamPlan>,
    /// How the function returns.
    pub(crate) ret: Ret,
    /// The `sret` parameter's slot.
    pub(crate) sret: Option<Slot>,
    /// Constant slots and their values (symbols resolved, addends added).
    pub(crate) consts: Vec<(Slot, u64)>,
    /// Slots holding frame memory addresses, with their offsets.
    pub(crate) frame_consts: Vec<(Slot, u32)>,
    /// The call signatures.
    pub(crate) sigs: Vec<SigPlan>,
    /// The instructions.
    pub(crate) code: Vec<Inst>,
}

/// The registers a call arrived with, as the resolver trampoline saved them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Incoming {
    /// `rdi, rsi, rdx, rcx, r8, r9`.
    pub ints: [u64; 6],
    /// The low 64 bits of `xmm0` to `xmm7`.
    pub floats: [u64; 8],
    /// The first stack argument (the caller's `rsp + 8` at the call).
    pub stack: *const u64,
}

/// What the call returns in registers.
#[repr(C)]
#[derive(Default, Debug, Clone, Copy)]
pub struct Outgoing {
    /// `rax`.
    pub rax: u64,
    /// `rdx`.
    pub rdx: u64,
    /// The low 64 bits of `xmm0`.
    pub xmm0: u64,
    /// The low 64 bits of `xmm1`.
    pub xmm1: u64,
}

thread_local! {
    /// The function the calling thread interprets (innermost), null when none. A `longjmp`
    /// over an interpreted frame leaves it naming that function; it only feeds crash reports.
    static CURRENT: Cell<*const Loaded> = const { Cell::new(std::ptr::null()) };
}

/// The function being interpreted by the calling thread (the innermost), for crash reports.
///
/// After a `longjmp` over interpreted frames it may still name one of them until the next
/// interpreted call returns: good enough for a crash message, not for anything else.
pub fn current() -> Option<&'static str> {
    let function = CURRENT.try_with(Cell::get).ok()?;
    // SAFETY: `CURRENT` only ever holds null or a pointer made from the `&'static Loaded` given
    // to `call`, which therefore lives for the rest of the process.
    unsafe { function.as_ref() }.map(|function| function.name.as_str())
}

/// Runs one call of `function`.
///
/// # Safety
///
/// Runs program code with the program's memory: the bytecode's loads, stores and calls must be
/// valid for the program. `incoming.stack` must point at the caller's stack arguments (as many
/// words as the function's parameters that do not travel in registers).
pub unsafe fn call(function: &'static Loaded, incoming: &Incoming) -> Outgoing {
    let previous = CURRENT
        .try_with(|current| current.replace(function))
        .unwrap_or(std::ptr::null());
    // SAFETY: forwarded from this function's contract; the class fits the function's frame
    // (`Loaded::new` computed `words` and checked it against the largest class).
    let outgoing = unsafe {
        if function.words <= SMALL {
            run::<SMALL>(function, incoming)
        } else if function.words <= MEDIUM {
            run::<MEDIUM>(function, incoming)
        } else {
            run::<LARGE>(function, incoming)
        }
    };
    let _ = CURRENT.try_with(|current| current.set(previous));
    outgoing
}

/// Runs `function` in a frame of `N` words on the machine stack.
///
/// # Safety
///
/// As [`call`]; `function.words <= N`.
#[inline(never)]
unsafe fn run<const N: usize>(function: &Loaded, incoming: &Incoming) -> Outgoing {
    let mut frame = MaybeUninit::<[u64; N]>::uninit();
    let base = frame.as_mut_ptr().cast::<u64>();
    let words = function.words.min(N);
    // SAFETY: `base` points at `N` writable words and `words <= N`.
    unsafe { std::ptr::write_bytes(base, 0, words) };
    let memory_start = (base as usize).wrapping_add(function.slots as usize * 8);
    let memory = memory_start.wrapping_add(function.frame_align - 1) & !(function.frame_align - 1);
    // SAFETY: the first `words` words are initialised; they hold the slots (`Loaded::new`
    // counted them in `words`), then the padding and frame memory at `memory`.
    unsafe { exec::exec(function, base, memory as u64, incoming) }
}

impl Loaded {
    /// Validates `function` (every slot < slots, every jump target < code.len(), sig indices,
    /// argument counts match sigs, Ty/bits values sensible, param classes, frame_align power of
    /// two <= 64, frame fits the largest frame class) and resolves each `Value::Symbol` through
    /// `resolve`.
    pub fn new(
        function: Function,
        resolve: &mut dyn FnMut(&str) -> Option<u64>,
    ) -> Result<Loaded, LoadError> {
        let Function {
            name,
            slots,
            frame_bytes,
            frame_align,
            params,
            ret,
            sret,
            consts,
            sigs,
            code,
        } = function;
        let invalid = |what: String| LoadError::Invalid(format!("{name}: {what}"));

        if !frame_align.is_power_of_two() || frame_align > 64 {
            return Err(invalid(format!("frame alignment {frame_align}")));
        }
        let frame_align = frame_align.max(8) as usize;
        let padding = (frame_align / 8 - 1) as u64;
        let needed = slots as u64 + padding + (frame_bytes as u64).div_ceil(8);
        if needed > LARGE as u64 {
            return Err(LoadError::FrameTooLarge {
                needed: needed * 8,
                max: LARGE as u64 * 8,
            });
        }
        let slot = |s: Slot, what: &str| {
            if s < slots {
                Ok(s)
            } else {
                Err(invalid(format!("{what} slot {s} (of {slots})")))
            }
        };

        check_ret(ret).map_err(|e| invalid(format!("return: {e}")))?;
        if let Some(s) = sret {
            slot(s, "sret")?;
        }

        let (classified, _) = classify(params.iter().map(|p| p.class))
            .map_err(|e| invalid(format!("parameters: {e}")))?;
        let params = params
            .iter()
            .zip(classified)
            .map(|(param, plan)| {
                Ok(ParamPlan {
                    slot: slot(param.slot, "parameter")?,
                    loc: plan.loc,
                    mask: mask(u64::MAX, plan.bits),
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;

        let mut resolved = Vec::new();
        let mut frame_consts = Vec::new();
        for c in consts {
            let s = slot(c.slot, "constant")?;
            match c.value {
                Value::Bits(bits) => resolved.push((s, bits)),
                Value::Symbol {
                    name: symbol,
                    addend,
                } => {
                    let Some(address) = resolve(&symbol) else {
                        return Err(LoadError::UnknownSymbol(symbol));
                    };
                    resolved.push((s, address.wrapping_add(addend as u64)));
                }
                Value::Frame { offset } => {
                    if offset > frame_bytes {
                        return Err(invalid(format!(
                            "frame offset {offset} beyond the frame's {frame_bytes} bytes"
                        )));
                    }
                    frame_consts.push((s, offset));
                }
            }
        }

        let sigs = sigs
            .iter()
            .enumerate()
            .map(|(i, sig)| {
                check_ret(sig.ret).map_err(|e| invalid(format!("signature {i}: {e}")))?;
                let (args, stack_words) = classify(sig.args.iter().copied())
                    .map_err(|e| invalid(format!("signature {i}: {e}")))?;
                if stack_words as usize > MAX_STACK_ARGS {
                    return Err(LoadError::Unsupported(format!(
                        "{name}: signature {i} passes {stack_words} words on the stack \
                         (at most {MAX_STACK_ARGS})"
                    )));
                }
                Ok(SigPlan {
                    args,
                    ret: sig.ret,
                    stack_words,
                })
            })
            .collect::<Result<Vec<_>, LoadError>>()?;

        match code.last() {
            Some(Inst::Jump { .. } | Inst::Branch { .. } | Inst::Switch { .. })
            | Some(Inst::Return { .. } | Inst::Trap) => {}
            Some(_) => return Err(invalid("the code's last instruction falls through".into())),
            None => return Err(invalid("no code".into())),
        }
        let mut code = code;
        let code_len = code.len();
        for (pc, inst) in code.iter_mut().enumerate() {
            check_inst(inst, slots, code_len, ret, &sigs)
                .map_err(|e| invalid(format!("instruction {pc} ({inst:?}): {e}")))?;
        }
        Ok(Loaded {
            name,
            slots,
            frame_align,
            words: needed as usize,
            params,
            ret,
            sret,
            consts: resolved,
            frame_consts,
            sigs,
            code,
        })
    }

    /// The function's link name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The low `bits` bits of `value` (`bits` from 1 to 64).
#[inline(always)]
pub(crate) fn mask(value: u64, bits: u8) -> u64 {
    value & u64::MAX.wrapping_shr(64u32.wrapping_sub(bits as u32))
}

/// `value`'s low `bits` bits, sign-extended (`bits` from 1 to 64).
#[inline(always)]
pub(crate) fn sext(value: u64, bits: u8) -> i64 {
    let shift = 64u32.wrapping_sub(bits as u32);
    (value.wrapping_shl(shift) as i64).wrapping_shr(shift)
}

/// Checks an integer width.
fn check_bits(bits: u8) -> Result<(), String> {
    if (1..=64).contains(&bits) {
        Ok(())
    } else {
        Err(format!("integer width {bits}"))
    }
}

/// Checks a return kind.
fn check_ret(ret: Ret) -> Result<(), String> {
    match ret {
        Ret::Int { bits, .. } => check_bits(bits),
        Ret::Void | Ret::F32 | Ret::F64 => Ok(()),
    }
}

/// Classifies arguments as the x86-64 System V convention passes them; answers the plans and
/// the stack words used.
fn classify(args: impl Iterator<Item = Arg>) -> Result<(Vec<ArgPlan>, u32), String> {
    let (mut ints, mut floats, mut stack) = (0u8, 0u8, 0u32);
    let mut stack_loc = || {
        let loc = Loc::Stack(stack);
        stack = stack.saturating_add(1);
        loc
    };
    let mut plans = Vec::new();
    for arg in args {
        let (int, bits, sign) = match arg {
            Arg::Int { bits, ext } => {
                check_bits(bits)?;
                (true, bits, ext == Ext::Sign)
            }
            Arg::F32 => (false, 32, false),
            Arg::F64 => (false, 64, false),
        };
        let loc = if int && (ints as usize) < INT_REGS {
            ints += 1;
            Loc::Int(ints - 1)
        } else if !int && (floats as usize) < FLOAT_REGS {
            floats += 1;
            Loc::Float(floats - 1)
        } else {
            stack_loc()
        };
        plans.push(ArgPlan { loc, bits, sign });
    }
    Ok((plans, stack))
}

/// Whether `ty` is an integer type.
fn is_int(ty: Ty) -> bool {
    !ty.is_float()
}

/// Checks one instruction (and masks a switch's cases to the switch's width, so that the
/// interpreter compares them as they are).
fn check_inst(
    inst: &mut Inst,
    slots: u32,
    code_len: usize,
    ret: Ret,
    sigs: &[SigPlan],
) -> Result<(), String> {
    let slot = |s: Slot| {
        if s < slots {
            Ok(())
        } else {
            Err(format!("slot {s} out of range (of {slots})"))
        }
    };
    let target = |t: u32| {
        if (t as usize) < code_len {
            Ok(())
        } else {
            Err(format!("target {t} out of range (of {code_len})"))
        }
    };
    let float = |ty: Ty| {
        if ty.is_float() {
            Ok(())
        } else {
            Err(format!("{ty:?} is not a float type"))
        }
    };
    let atomic_int = |ty: Ty| match ty {
        Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64 => Ok(()),
        _ => Err(format!("{ty:?} is not an atomic integer type")),
    };
    match inst {
        Inst::Move { dst, src } => {
            slot(*dst)?;
            slot(*src)
        }
        Inst::Bin {
            bits, dst, a, b, ..
        }
        | Inst::ICmp {
            bits, dst, a, b, ..
        } => {
            check_bits(*bits)?;
            slot(*dst)?;
            slot(*a)?;
            slot(*b)
        }
        Inst::FBin { ty, dst, a, b, .. } | Inst::FCmp { ty, dst, a, b, .. } => {
            float(*ty)?;
            slot(*dst)?;
            slot(*a)?;
            slot(*b)
        }
        Inst::FNeg { ty, dst, a } => {
            float(*ty)?;
            slot(*dst)?;
            slot(*a)
        }
        Inst::Unary { bits, dst, a, .. } => {
            check_bits(*bits)?;
            slot(*dst)?;
            slot(*a)
        }
        Inst::Overflow {
            bits,
            dst,
            flag,
            a,
            b,
            ..
        } => {
            check_bits(*bits)?;
            slot(*dst)?;
            slot(*flag)?;
            slot(*a)?;
            slot(*b)
        }
        Inst::Select { dst, cond, a, b } => {
            slot(*dst)?;
            slot(*cond)?;
            slot(*a)?;
            slot(*b)
        }
        Inst::Cast {
            op,
            from,
            to,
            dst,
            a,
        } => {
            let (from, to) = (*from, *to);
            let fits = match op {
                CastOp::Trunc => is_int(from) && is_int(to) && to.bits() <= from.bits(),
                CastOp::ZExt | CastOp::SExt => {
                    is_int(from) && is_int(to) && to.bits() >= from.bits()
                }
                CastOp::FpToSi | CastOp::FpToUi => from.is_float() && is_int(to),
                CastOp::SiToFp | CastOp::UiToFp => is_int(from) && to.is_float(),
                CastOp::FpTrunc => from == Ty::F64 && to == Ty::F32,
                CastOp::FpExt => from == Ty::F32 && to == Ty::F64,
                CastOp::Bitcast => from.bits() == to.bits(),
            };
            if !fits {
                return Err(format!("{op:?} from {from:?} to {to:?}"));
            }
            slot(*dst)?;
            slot(*a)
        }
        Inst::PtrAdd { dst, base, .. } => {
            slot(*dst)?;
            slot(*base)
        }
        Inst::PtrIndex {
            dst,
            base,
            index,
            bits,
            ..
        } => {
            check_bits(*bits)?;
            slot(*dst)?;
            slot(*base)?;
            slot(*index)
        }
        Inst::Load { dst, addr, .. } => {
            slot(*dst)?;
            slot(*addr)
        }
        Inst::Store { addr, src, .. } => {
            slot(*addr)?;
            slot(*src)
        }
        Inst::Fence | Inst::Trap => Ok(()),
        Inst::AtomicRmw {
            ty, dst, addr, src, ..
        } => {
            atomic_int(*ty)?;
            slot(*dst)?;
            slot(*addr)?;
            slot(*src)
        }
        Inst::CmpXchg {
            ty,
            dst,
            ok,
            addr,
            expected,
            new,
        } => {
            atomic_int(*ty)?;
            slot(*dst)?;
            slot(*ok)?;
            slot(*addr)?;
            slot(*expected)?;
            slot(*new)
        }
        Inst::Call {
            sig,
            callee,
            args,
            dst,
        } => {
            let Some(plan) = sigs.get(*sig as usize) else {
                return Err(format!("signature {sig} out of range (of {})", sigs.len()));
            };
            if args.len() != plan.args.len() {
                return Err(format!(
                    "{} arguments for a signature of {}",
                    args.len(),
                    plan.args.len()
                ));
            }
            slot(*callee)?;
            for &arg in args.iter() {
                slot(arg)?;
            }
            if let Some(dst) = dst {
                if plan.ret == Ret::Void {
                    return Err("a result of a void call".into());
                }
                slot(*dst)?;
            }
            Ok(())
        }
        Inst::Jump { target: t } => target(*t),
        Inst::Branch {
            cond,
            then,
            otherwise,
        } => {
            slot(*cond)?;
            target(*then)?;
            target(*otherwise)
        }
        Inst::Switch {
            value,
            bits,
            cases,
            default,
        } => {
            check_bits(*bits)?;
            slot(*value)?;
            target(*default)?;
            for (case, t) in cases.iter_mut() {
                target(*t)?;
                *case = mask(*case, *bits);
            }
            Ok(())
        }
        Inst::Return { value } => match (value, ret) {
            (None, Ret::Void) => Ok(()),
            (Some(s), Ret::Int { .. } | Ret::F32 | Ret::F64) => slot(*s),
            (None, _) => Err("no value returned from a non-void function".into()),
            (Some(_), Ret::Void) => Err("a value returned from a void function".into()),
        },
    }
}
