//! The dispatch loop: runs a validated function's instructions over its frame.

use std::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::SeqCst};

use irjit_interface::bytecode::{
    BinOp, CastOp, Ext, FBinOp, FPred, IPred, Inst, OverflowOp, Ret, RmwOp, Slot, Ty, UnOp,
};

use super::{call, mask, sext, Incoming, Loaded, Loc, Outgoing};

/// A call's slots.
pub(super) struct Slots {
    /// The first slot.
    base: *mut u64,
}

impl Slots {
    /// # Safety
    ///
    /// `base` points at as many initialised, writable words as the function being run has
    /// slots, for as long as this value is used, and only slots of that function (validated by
    /// `Loaded::new`) are accessed through it.
    #[inline(always)]
    unsafe fn new(base: *mut u64) -> Slots {
        Slots { base }
    }

    /// Slot `s`'s value.
    #[inline(always)]
    pub(super) fn get(&self, s: Slot) -> u64 {
        // SAFETY: `Loaded::new` checked that every slot an instruction, constant or parameter
        // names is below the function's slot count, and `Slots::new`'s contract covers them.
        unsafe { self.base.add(s as usize).read() }
    }

    /// Sets slot `s`.
    #[inline(always)]
    fn set(&self, s: Slot, value: u64) {
        // SAFETY: as in `get`.
        unsafe { self.base.add(s as usize).write(value) }
    }
}

/// Runs `function` to its return.
///
/// # Safety
///
/// As `interp::call`; `frame` points at the function's `words` zeroed words, the slots first;
/// `memory` is the address of its aligned frame memory inside them.
pub(super) unsafe fn exec(
    function: &Loaded,
    frame: *mut u64,
    memory: u64,
    incoming: &Incoming,
) -> Outgoing {
    // SAFETY: forwarded from this function's contract.
    let slots = unsafe { Slots::new(frame) };
    for &(s, value) in &function.consts {
        slots.set(s, value);
    }
    for &(s, offset) in &function.frame_consts {
        slots.set(s, memory.wrapping_add(offset as u64));
    }
    for param in &function.params {
        let value = match param.loc {
            Loc::Int(i) => incoming.ints.get(i as usize).copied().unwrap_or(0),
            Loc::Float(i) => incoming.floats.get(i as usize).copied().unwrap_or(0),
            // SAFETY: the caller passed this many stack words (`call`'s contract).
            Loc::Stack(k) => unsafe { incoming.stack.add(k as usize).read() },
        };
        slots.set(param.slot, value & param.mask);
    }

    let code = function.code.as_ptr();
    let mut pc = 0usize;
    loop {
        // SAFETY: `pc` is always inside the code: it starts at 0 (the code is not empty), jump
        // targets were checked against its length, and the last instruction is a terminator,
        // so falling through never leaves it (`Loaded::new`).
        let inst = unsafe { &*code.add(pc) };
        pc = pc.wrapping_add(1);
        match *inst {
            Inst::Move { dst, src } => slots.set(dst, slots.get(src)),
            Inst::Bin {
                op,
                bits,
                dst,
                a,
                b,
            } => {
                slots.set(dst, bin(op, bits, slots.get(a), slots.get(b)));
            }
            Inst::FBin { op, ty, dst, a, b } => {
                slots.set(dst, fbin(op, ty, slots.get(a), slots.get(b)));
            }
            Inst::FNeg { ty, dst, a } => {
                let sign = if ty == Ty::F32 { 1 << 31 } else { 1 << 63 };
                slots.set(dst, mask(slots.get(a) ^ sign, ty.bits() as u8));
            }
            Inst::Unary { op, bits, dst, a } => slots.set(dst, unary(op, bits, slots.get(a))),
            Inst::Overflow {
                op,
                bits,
                dst,
                flag,
                a,
                b,
            } => {
                let (result, overflowed) = overflow(op, bits, slots.get(a), slots.get(b));
                slots.set(dst, result);
                slots.set(flag, overflowed as u64);
            }
            Inst::ICmp {
                pred,
                bits,
                dst,
                a,
                b,
            } => slots.set(dst, icmp(pred, bits, slots.get(a), slots.get(b)) as u64),
            Inst::FCmp {
                pred,
                ty,
                dst,
                a,
                b,
            } => {
                let (a, b) = (slots.get(a), slots.get(b));
                let result = if ty == Ty::F32 {
                    fcmp(pred, f32::from_bits(a as u32), f32::from_bits(b as u32))
                } else {
                    fcmp(pred, f64::from_bits(a), f64::from_bits(b))
                };
                slots.set(dst, result as u64);
            }
            Inst::Select { dst, cond, a, b } => {
                let value = if slots.get(cond) & 1 != 0 {
                    slots.get(a)
                } else {
                    slots.get(b)
                };
                slots.set(dst, value);
            }
            Inst::Cast {
                op,
                from,
                to,
                dst,
                a,
            } => slots.set(dst, cast(op, from, to, slots.get(a))),
            Inst::PtrAdd { dst, base, offset } => {
                slots.set(dst, slots.get(base).wrapping_add(offset as u64));
            }
            Inst::PtrIndex {
                dst,
                base,
                index,
                bits,
                scale,
            } => {
                let step = sext(slots.get(index), bits).wrapping_mul(scale);
                slots.set(dst, slots.get(base).wrapping_add(step as u64));
            }
            Inst::Load {
                ty,
                dst,
                addr,
                atomic,
            } => {
                // SAFETY: the program's own load (`call`'s contract).
                let value = unsafe { load(ty, slots.get(addr), atomic) };
                slots.set(dst, value);
            }
            Inst::Store {
                ty,
                addr,
                src,
                atomic,
            } => {
                // SAFETY: the program's own store (`call`'s contract).
                unsafe { store(ty, slots.get(addr), slots.get(src), atomic) };
            }
            Inst::Fence => fence(SeqCst),
            Inst::AtomicRmw {
                op,
                ty,
                dst,
                addr,
                src,
            } => {
                // SAFETY: the program's own atomic operation (`call`'s contract).
                let old = unsafe { rmw(op, ty, slots.get(addr), slots.get(src)) };
                slots.set(dst, old);
            }
            Inst::CmpXchg {
                ty,
                dst,
                ok,
                addr,
                expected,
                new,
            } => {
                // SAFETY: the program's own atomic operation (`call`'s contract).
                let (old, swapped) =
                    unsafe { cmpxchg(ty, slots.get(addr), slots.get(expected), slots.get(new)) };
                slots.set(dst, old);
                slots.set(ok, swapped as u64);
            }
            Inst::Call {
                sig,
                callee,
                ref args,
                dst,
            } => {
                // SAFETY: `Loaded::new` checked `sig` against the signatures.
                let plan = unsafe { function.sigs.get_unchecked(sig as usize) };
                // SAFETY: the program's own call (`call`'s contract); `args` has as many
                // validated slots as the signature has arguments (`Loaded::new`).
                let out = unsafe { call::native(plan, slots.get(callee), args, &slots) };
                if let Some(dst) = dst {
                    let value = match plan.ret {
                        Ret::Int { bits, .. } => mask(out.rax, bits),
                        Ret::F32 => out.xmm0 & 0xffff_ffff,
                        Ret::F64 => out.xmm0,
                        Ret::Void => 0,
                    };
                    slots.set(dst, value);
                }
            }
            Inst::Jump { target } => pc = target as usize,
            Inst::Branch {
                cond,
                then,
                otherwise,
            } => {
                pc = if slots.get(cond) & 1 != 0 {
                    then
                } else {
                    otherwise
                } as usize;
            }
            Inst::Switch {
                value,
                bits,
                ref cases,
                default,
            } => {
                // The cases were masked to `bits` when loading.
                let value = mask(slots.get(value), bits);
                pc = cases
                    .iter()
                    .find(|&&(case, _)| case == value)
                    .map_or(default, |&(_, target)| target) as usize;
            }
            Inst::Return { value } => {
                let mut out = Outgoing::default();
                if let Some(s) = function.sret {
                    out.rax = slots.get(s);
                }
                if let Some(s) = value {
                    let value = slots.get(s);
                    match function.ret {
                        Ret::Int {
                            bits,
                            ext: Ext::Sign,
                        } => out.rax = sext(value, bits) as u64,
                        Ret::Int { bits, .. } => out.rax = mask(value, bits),
                        Ret::F32 => out.xmm0 = value & 0xffff_ffff,
                        Ret::F64 => out.xmm0 = value,
                        Ret::Void => {}
                    }
                }
                return out;
            }
            Inst::Trap => trap(),
        }
    }
}

/// Dies of `SIGILL`, as `ud2` would make the program.
#[cold]
fn trap() -> ! {
    // SAFETY: `raise` and `abort` have no preconditions.
    unsafe {
        libc::raise(libc::SIGILL);
        libc::abort()
    }
}

/// A division fault: raises `SIGFPE` as the `div` instruction would; when a handler returns,
/// the result is 0.
#[cold]
#[inline(never)]
fn divide_fault() -> u64 {
    // SAFETY: `raise` has no preconditions.
    unsafe { libc::raise(libc::SIGFPE) };
    0
}

/// An integer binary operation on `bits`-bit operands.
#[inline(always)]
fn bin(op: BinOp, bits: u8, a: u64, b: u64) -> u64 {
    let result = match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::UDiv | BinOp::URem => {
            let (a, b) = (mask(a, bits), mask(b, bits));
            if b == 0 {
                return divide_fault();
            }
            if op == BinOp::UDiv {
                a / b
            } else {
                a % b
            }
        }
        BinOp::SDiv | BinOp::SRem => {
            let (a, b) = (sext(a, bits), sext(b, bits));
            // The minimum at this width divided by -1 overflows it, as `idiv` does.
            if b == 0
                || (b == -1 && a == sext(1u64.wrapping_shl((bits as u32).wrapping_sub(1)), bits))
            {
                return divide_fault();
            }
            (if op == BinOp::SDiv {
                a.wrapping_div(b)
            } else {
                a.wrapping_rem(b)
            }) as u64
        }
        BinOp::Shl | BinOp::LShr | BinOp::AShr => {
            let shift = mask(b, bits);
            if shift >= bits as u64 {
                // Poison in the IR: 0, or the sign for `ashr`.
                return if op == BinOp::AShr {
                    mask((sext(a, bits) >> 63) as u64, bits)
                } else {
                    0
                };
            }
            let shift = shift as u32;
            match op {
                BinOp::Shl => a.wrapping_shl(shift),
                BinOp::LShr => mask(a, bits).wrapping_shr(shift),
                _ => sext(a, bits).wrapping_shr(shift) as u64,
            }
        }
        BinOp::SMin => sext(a, bits).min(sext(b, bits)) as u64,
        BinOp::SMax => sext(a, bits).max(sext(b, bits)) as u64,
        BinOp::UMin => mask(a, bits).min(mask(b, bits)),
        BinOp::UMax => mask(a, bits).max(mask(b, bits)),
    };
    mask(result, bits)
}

/// A floating-point binary operation, in the type's precision.
#[inline(always)]
fn fbin(op: FBinOp, ty: Ty, a: u64, b: u64) -> u64 {
    if ty == Ty::F32 {
        let (a, b) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
        let result = match op {
            FBinOp::Add => a + b,
            FBinOp::Sub => a - b,
            FBinOp::Mul => a * b,
            FBinOp::Div => a / b,
            FBinOp::Rem => a % b,
        };
        result.to_bits() as u64
    } else {
        let (a, b) = (f64::from_bits(a), f64::from_bits(b));
        let result = match op {
            FBinOp::Add => a + b,
            FBinOp::Sub => a - b,
            FBinOp::Mul => a * b,
            FBinOp::Div => a / b,
            FBinOp::Rem => a % b,
        };
        result.to_bits()
    }
}

/// An integer unary operation on a `bits`-bit operand.
#[inline(always)]
fn unary(op: UnOp, bits: u8, a: u64) -> u64 {
    let a = mask(a, bits);
    let unused = 64u32.wrapping_sub(bits as u32);
    let result = match op {
        UnOp::Bswap => a.swap_bytes().wrapping_shr(unused),
        UnOp::Ctpop => a.count_ones() as u64,
        UnOp::Ctlz => a.leading_zeros().wrapping_sub(unused) as u64,
        UnOp::Cttz => {
            if a == 0 {
                bits as u64
            } else {
                a.trailing_zeros() as u64
            }
        }
        UnOp::Abs => sext(a, bits).wrapping_abs() as u64,
    };
    mask(result, bits)
}

/// An operation with overflow detection on `bits`-bit operands: the result and whether it
/// overflowed.
#[inline(always)]
fn overflow(op: OverflowOp, bits: u8, a: u64, b: u64) -> (u64, bool) {
    let wide = match op {
        OverflowOp::UAdd => mask(a, bits) as i128 + mask(b, bits) as i128,
        OverflowOp::USub => mask(a, bits) as i128 - mask(b, bits) as i128,
        OverflowOp::UMul => (mask(a, bits) as u128 * mask(b, bits) as u128) as i128,
        OverflowOp::SAdd => sext(a, bits) as i128 + sext(b, bits) as i128,
        OverflowOp::SSub => sext(a, bits) as i128 - sext(b, bits) as i128,
        OverflowOp::SMul => sext(a, bits) as i128 * sext(b, bits) as i128,
    };
    let result = mask(wide as u64, bits);
    let fits = match op {
        OverflowOp::UAdd | OverflowOp::USub | OverflowOp::UMul => {
            // A `UMul` product of two 64-bit values fits 128 unsigned bits; read back as
            // unsigned, it equals the masked result exactly when nothing was lost.
            wide as u128 == result as u128
        }
        OverflowOp::SAdd | OverflowOp::SSub | OverflowOp::SMul => {
            wide == sext(result, bits) as i128
        }
    };
    (result, !fits)
}

/// An integer comparison of `bits`-bit operands.
#[inline(always)]
fn icmp(pred: IPred, bits: u8, a: u64, b: u64) -> bool {
    let (ua, ub) = (mask(a, bits), mask(b, bits));
    let (sa, sb) = (sext(a, bits), sext(b, bits));
    match pred {
        IPred::Eq => ua == ub,
        IPred::Ne => ua != ub,
        IPred::Ugt => ua > ub,
        IPred::Uge => ua >= ub,
        IPred::Ult => ua < ub,
        IPred::Ule => ua <= ub,
        IPred::Sgt => sa > sb,
        IPred::Sge => sa >= sb,
        IPred::Slt => sa < sb,
        IPred::Sle => sa <= sb,
    }
}

/// A floating-point comparison (Rust's operators are false on NaN, except `!=`, true).
#[inline(always)]
fn fcmp<F: PartialOrd + Copy>(pred: FPred, a: F, b: F) -> bool {
    #[allow(clippy::eq_op)]
    let unordered = a != a || b != b;
    match pred {
        FPred::False => false,
        FPred::Oeq => a == b,
        FPred::Ogt => a > b,
        FPred::Oge => a >= b,
        FPred::Olt => a < b,
        FPred::Ole => a <= b,
        FPred::One => !unordered && a != b,
        FPred::Ord => !unordered,
        FPred::Uno => unordered,
        FPred::Ueq => unordered || a == b,
        FPred::Ugt => unordered || a > b,
        FPred::Uge => unordered || a >= b,
        FPred::Ult => unordered || a < b,
        FPred::Ule => unordered || a <= b,
        FPred::Une => a != b,
        FPred::True => true,
    }
}

/// A conversion (the operand types were checked when loading).
#[inline(always)]
fn cast(op: CastOp, from: Ty, to: Ty, a: u64) -> u64 {
    let to_bits = to.bits() as u8;
    let from_bits = from.bits() as u8;
    let float = |a: u64| -> f64 {
        if from == Ty::F32 {
            f32::from_bits(a as u32) as f64
        } else {
            f64::from_bits(a)
        }
    };
    let result = match op {
        CastOp::Trunc | CastOp::ZExt | CastOp::Bitcast => mask(a, from_bits),
        CastOp::SExt => sext(a, from_bits) as u64,
        // `as` saturates out-of-range values (poison in the IR). Widening an `f32` to `f64`
        // first is exact, so it changes nothing.
        CastOp::FpToSi => float(a) as i64 as u64,
        CastOp::FpToUi => float(a) as u64,
        CastOp::SiToFp => {
            let a = sext(a, from_bits);
            if to == Ty::F32 {
                (a as f32).to_bits() as u64
            } else {
                (a as f64).to_bits()
            }
        }
        CastOp::UiToFp => {
            let a = mask(a, from_bits);
            if to == Ty::F32 {
                (a as f32).to_bits() as u64
            } else {
                (a as f64).to_bits()
            }
        }
        CastOp::FpTrunc => (f64::from_bits(a) as f32).to_bits() as u64,
        CastOp::FpExt => (f32::from_bits(a as u32) as f64).to_bits(),
    };
    mask(result, to_bits)
}

/// Loads a `ty` from `addr`.
///
/// # Safety
///
/// `addr` is valid for the load (aligned when `atomic`).
#[inline(always)]
unsafe fn load(ty: Ty, addr: u64, atomic: bool) -> u64 {
    // The program's own accesses, as the machine makes them: through inline assembly rather than
    // Rust's pointer reads, whose checks (in debug builds) would turn the program's fault, such
    // as a store through NULL that its SIGSEGV handler expects, into a panic. A naturally aligned
    // `mov` is atomic on x86-64, and a sequentially consistent load needs nothing more.
    let _ = atomic;
    let out: u64;
    // SAFETY: forwarded from this function's contract; each instruction reads only the bytes
    // of its type at `addr`.
    unsafe {
        match ty {
            Ty::I1 | Ty::I8 => std::arch::asm!(
                "movzx {o:e}, byte ptr [{a}]", a = in(reg) addr, o = lateout(reg) out,
                options(readonly, nostack, preserves_flags)
            ),
            Ty::I16 => std::arch::asm!(
                "movzx {o:e}, word ptr [{a}]", a = in(reg) addr, o = lateout(reg) out,
                options(readonly, nostack, preserves_flags)
            ),
            Ty::I32 | Ty::F32 => std::arch::asm!(
                "mov {o:e}, dword ptr [{a}]", a = in(reg) addr, o = lateout(reg) out,
                options(readonly, nostack, preserves_flags)
            ),
            Ty::I64 | Ty::F64 => std::arch::asm!(
                "mov {o}, qword ptr [{a}]", a = in(reg) addr, o = lateout(reg) out,
                options(readonly, nostack, preserves_flags)
            ),
        }
    }
    if ty == Ty::I1 {
        out & 1
    } else {
        out
    }
}

/// Stores `value` as a `ty` at `addr`.
///
/// # Safety
///
/// `addr` is valid for the store (aligned when `atomic`).
#[inline(always)]
unsafe fn store(ty: Ty, addr: u64, value: u64, atomic: bool) {
    let value = if ty == Ty::I1 { value & 1 } else { value };
    // As for `load`. A sequentially consistent store is an `xchg` (implicitly locked).
    // SAFETY: forwarded from this function's contract; each instruction writes only the bytes
    // of its type at `addr`.
    unsafe {
        match (ty, atomic) {
            (Ty::I1 | Ty::I8, false) => std::arch::asm!(
                "mov byte ptr [{a}], {v:l}", a = in(reg) addr, v = in(reg) value,
                options(nostack, preserves_flags)
            ),
            (Ty::I1 | Ty::I8, true) => std::arch::asm!(
                "xchg byte ptr [{a}], {v:l}", a = in(reg) addr, v = inout(reg) value => _,
                options(nostack, preserves_flags)
            ),
            (Ty::I16, false) => std::arch::asm!(
                "mov word ptr [{a}], {v:x}", a = in(reg) addr, v = in(reg) value,
                options(nostack, preserves_flags)
            ),
            (Ty::I16, true) => std::arch::asm!(
                "xchg word ptr [{a}], {v:x}", a = in(reg) addr, v = inout(reg) value => _,
                options(nostack, preserves_flags)
            ),
            (Ty::I32 | Ty::F32, false) => std::arch::asm!(
                "mov dword ptr [{a}], {v:e}", a = in(reg) addr, v = in(reg) value,
                options(nostack, preserves_flags)
            ),
            (Ty::I32 | Ty::F32, true) => std::arch::asm!(
                "xchg dword ptr [{a}], {v:e}", a = in(reg) addr, v = inout(reg) value => _,
                options(nostack, preserves_flags)
            ),
            (Ty::I64 | Ty::F64, false) => std::arch::asm!(
                "mov qword ptr [{a}], {v}", a = in(reg) addr, v = in(reg) value,
                options(nostack, preserves_flags)
            ),
            (Ty::I64 | Ty::F64, true) => std::arch::asm!(
                "xchg qword ptr [{a}], {v}", a = in(reg) addr, v = inout(reg) value => _,
                options(nostack, preserves_flags)
            ),
        }
    }
}

/// Applies an `atomicrmw` on an integer type; answers the old value.
///
/// # Safety
///
/// `addr` is valid and aligned for the type.
#[inline(always)]
unsafe fn rmw(op: RmwOp, ty: Ty, addr: u64, value: u64) -> u64 {
    macro_rules! apply {
        ($atomic:ty, $int:ty) => {{
            // SAFETY: forwarded from this function's contract.
            let atomic = unsafe { <$atomic>::from_ptr(addr as usize as *mut $int) };
            let value = value as $int;
            (match op {
                RmwOp::Xchg => atomic.swap(value, SeqCst),
                RmwOp::Add => atomic.fetch_add(value, SeqCst),
                RmwOp::Sub => atomic.fetch_sub(value, SeqCst),
                RmwOp::And => atomic.fetch_and(value, SeqCst),
                RmwOp::Or => atomic.fetch_or(value, SeqCst),
                RmwOp::Xor => atomic.fetch_xor(value, SeqCst),
            }) as u64
        }};
    }
    match ty {
        Ty::I1 | Ty::I8 => apply!(AtomicU8, u8),
        Ty::I16 => apply!(AtomicU16, u16),
        Ty::I32 | Ty::F32 => apply!(AtomicU32, u32),
        Ty::I64 | Ty::F64 => apply!(AtomicU64, u64),
    }
}

/// A strong sequentially consistent compare-and-exchange; answers the old value and whether
/// `new` was stored.
///
/// # Safety
///
/// `addr` is valid and aligned for the type.
#[inline(always)]
unsafe fn cmpxchg(ty: Ty, addr: u64, expected: u64, new: u64) -> (u64, bool) {
    macro_rules! apply {
        ($atomic:ty, $int:ty) => {{
            // SAFETY: forwarded from this function's contract.
            let atomic = unsafe { <$atomic>::from_ptr(addr as usize as *mut $int) };
            match atomic.compare_exchange(expected as $int, new as $int, SeqCst, SeqCst) {
                Ok(old) => (old as u64, true),
                Err(old) => (old as u64, false),
            }
        }};
    }
    match ty {
        Ty::I1 | Ty::I8 => apply!(AtomicU8, u8),
        Ty::I16 => apply!(AtomicU16, u16),
        Ty::I32 | Ty::F32 => apply!(AtomicU32, u32),
        Ty::I64 | Ty::F64 => apply!(AtomicU64, u64),
    }
}
