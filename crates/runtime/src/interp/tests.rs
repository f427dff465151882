//! Tests of the interpreter: hand-built functions run through [`call`].

use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use irjit_interface::bytecode::{
    Arg, BinOp, CastOp, Const, Ext, FBinOp, FPred, Function, IPred, Inst, OverflowOp, Param, Ret,
    RmwOp, Sig, Slot, Ty, UnOp, Value,
};

use super::{call, current, mask, Incoming, LoadError, Loaded, Outgoing};

const I64: Arg = Arg::Int {
    bits: 64,
    ext: Ext::None,
};

fn int(bits: u8) -> Arg {
    Arg::Int {
        bits,
        ext: Ext::None,
    }
}

fn sint(bits: u8) -> Arg {
    Arg::Int {
        bits,
        ext: Ext::Sign,
    }
}

fn zint(bits: u8) -> Arg {
    Arg::Int {
        bits,
        ext: Ext::Zero,
    }
}

fn bits_const(slot: Slot, value: u64) -> Const {
    Const {
        slot,
        value: Value::Bits(value),
    }
}

fn function(name: &str, slots: u32, params: &[(Slot, Arg)], ret: Ret, code: Vec<Inst>) -> Function {
    Function {
        name: name.into(),
        slots,
        frame_bytes: 0,
        frame_align: 8,
        params: params
            .iter()
            .map(|&(slot, class)| Param { slot, class })
            .collect(),
        ret,
        sret: None,
        consts: Vec::new(),
        sigs: Vec::new(),
        code,
    }
}

fn leak(f: Function) -> &'static Loaded {
    leak_with(f, &mut |_| None)
}

fn leak_with(f: Function, resolve: &mut dyn FnMut(&str) -> Option<u64>) -> &'static Loaded {
    match Loaded::new(f, resolve) {
        Ok(loaded) => Box::leak(Box::new(loaded)),
        Err(e) => panic!("does not load: {e}"),
    }
}

/// Calls `l` with `args` placed as a System V caller places them; registers not used hold
/// garbage.
fn invoke(l: &'static Loaded, args: &[(Arg, u64)]) -> Outgoing {
    let (incoming, _stack) = incoming(args);
    // SAFETY: the test functions only touch memory the tests give them; `_stack` holds the
    // stack arguments.
    unsafe { call(l, &incoming) }
}

/// The registers and stack words holding `args`; the stack words must outlive the call.
fn incoming(args: &[(Arg, u64)]) -> (Incoming, Vec<u64>) {
    let mut incoming = Incoming {
        ints: [0xbad0_bad0_bad0_bad0; 6],
        floats: [0xbad1_bad1_bad1_bad1; 8],
        stack: std::ptr::null(),
    };
    let mut stack = Vec::new();
    let (mut ints, mut floats) = (0, 0);
    for &(arg, value) in args {
        match arg {
            Arg::Int { .. } if ints < 6 => {
                incoming.ints[ints] = value;
                ints += 1;
            }
            Arg::F32 | Arg::F64 if floats < 8 => {
                incoming.floats[floats] = value;
                floats += 1;
            }
            _ => stack.push(value),
        }
    }
    stack.push(0xbad2_bad2_bad2_bad2);
    incoming.stack = stack.as_ptr();
    (incoming, stack)
}

/// A function whose parameter 0 is an output array, parameters 1.. are `inputs`; after `body`
/// it stores the slots `outputs` to the array as 64-bit words. `slots` excludes one scratch slot
/// the harness adds.
fn with_outputs(
    name: &str,
    inputs: &[Arg],
    slots: u32,
    body: Vec<Inst>,
    outputs: &[Slot],
) -> Function {
    let scratch = slots;
    let mut params = vec![(0, I64)];
    params.extend(inputs.iter().enumerate().map(|(i, &a)| (i as Slot + 1, a)));
    let mut code = body;
    for (i, &s) in outputs.iter().enumerate() {
        code.push(Inst::PtrAdd {
            dst: scratch,
            base: 0,
            offset: 8 * i as i64,
        });
        code.push(Inst::Store {
            ty: Ty::I64,
            addr: scratch,
            src: s,
            atomic: false,
        });
    }
    code.push(Inst::Return { value: None });
    function(name, slots + 1, &params, Ret::Void, code)
}

fn run_outputs(l: &'static Loaded, inputs: &[(Arg, u64)], n: usize) -> Vec<u64> {
    let mut out = vec![0x5e17_1e15_5e17_1e15u64; n];
    let mut args = vec![(I64, out.as_mut_ptr() as u64)];
    args.extend_from_slice(inputs);
    invoke(l, &args);
    out
}

/// Upper bits that must not matter.
fn garbage(value: u64, bits: u8) -> u64 {
    value | (0xdead_beef_cafe_f00d & !mask(u64::MAX, bits))
}

fn interesting(bits: u8) -> Vec<u64> {
    let m = mask(u64::MAX, bits);
    let min = 1u64 << (bits - 1);
    let mut values = vec![
        0,
        1,
        2,
        3,
        5,
        7,
        m,
        m - 1,
        min,
        min - 1,
        min + 1,
        0x5a5a_5a5a_5a5a_5a5a,
        0x1234_5678_9abc_def1,
        0x8000_0000_0000_0001,
        bits as u64 - 1,
        bits as u64,
        bits as u64 + 1,
    ];
    for v in &mut values {
        *v &= m;
    }
    values.sort_unstable();
    values.dedup();
    values
}

const BIN_OPS: [BinOp; 17] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::UDiv,
    BinOp::SDiv,
    BinOp::URem,
    BinOp::SRem,
    BinOp::Shl,
    BinOp::LShr,
    BinOp::AShr,
    BinOp::And,
    BinOp::Or,
    BinOp::Xor,
    BinOp::SMin,
    BinOp::SMax,
    BinOp::UMin,
    BinOp::UMax,
];

macro_rules! native_bin {
    ($u:ty, $i:ty, $op:expr, $a:expr, $b:expr) => {{
        let (ua, ub) = ($a as $u, $b as $u);
        let (sa, sb) = (ua as $i, ub as $i);
        let width = <$u>::BITS as u64;
        let in_range = (ub as u64) < width;
        let result: Option<$u> = match $op {
            BinOp::Add => Some(ua.wrapping_add(ub)),
            BinOp::Sub => Some(ua.wrapping_sub(ub)),
            BinOp::Mul => Some(ua.wrapping_mul(ub)),
            BinOp::UDiv => ua.checked_div(ub),
            BinOp::SDiv => sa.checked_div(sb).map(|x| x as $u),
            BinOp::URem => ua.checked_rem(ub),
            BinOp::SRem => sa.checked_rem(sb).map(|x| x as $u),
            BinOp::Shl => Some(if in_range { ua << ub } else { 0 }),
            BinOp::LShr => Some(if in_range { ua >> ub } else { 0 }),
            BinOp::AShr => Some(if in_range {
                (sa >> ub) as $u
            } else {
                (sa >> (width - 1)) as $u
            }),
            BinOp::And => Some(ua & ub),
            BinOp::Or => Some(ua | ub),
            BinOp::Xor => Some(ua ^ ub),
            BinOp::SMin => Some(sa.min(sb) as $u),
            BinOp::SMax => Some(sa.max(sb) as $u),
            BinOp::UMin => Some(ua.min(ub)),
            BinOp::UMax => Some(ua.max(ub)),
        };
        result.map(|x| x as u64)
    }};
}

/// `i1` by hand: as a signed value, 1 is -1.
fn bin1(op: BinOp, a: u64, b: u64) -> Option<u64> {
    match op {
        BinOp::Add | BinOp::Sub | BinOp::Xor => Some(a ^ b),
        BinOp::Mul | BinOp::And | BinOp::SMax | BinOp::UMin => Some(a & b),
        BinOp::Or | BinOp::SMin | BinOp::UMax => Some(a | b),
        BinOp::UDiv => (b != 0).then_some(a),
        BinOp::URem => (b != 0).then_some(0),
        // The only divisor is -1, and -1 / -1 overflows.
        BinOp::SDiv | BinOp::SRem => (b != 0 && a == 0).then_some(0),
        BinOp::Shl | BinOp::LShr => Some(if b == 0 { a } else { 0 }),
        BinOp::AShr => Some(a),
    }
}

fn reference_bin(op: BinOp, bits: u8, a: u64, b: u64) -> Option<u64> {
    match bits {
        1 => bin1(op, a, b),
        8 => native_bin!(u8, i8, op, a, b),
        16 => native_bin!(u16, i16, op, a, b),
        32 => native_bin!(u32, i32, op, a, b),
        64 => native_bin!(u64, i64, op, a, b),
        _ => unreachable!(),
    }
}

#[test]
fn binary_operations_at_every_width() {
    for bits in [1u8, 8, 16, 32, 64] {
        for op in BIN_OPS {
            let l = leak(with_outputs(
                "bin",
                &[int(bits), int(bits)],
                4,
                vec![Inst::Bin {
                    op,
                    bits,
                    dst: 3,
                    a: 1,
                    b: 2,
                }],
                &[3],
            ));
            let values = interesting(bits);
            for &a in &values {
                for &b in &values {
                    let Some(expected) = reference_bin(op, bits, a, b) else {
                        continue;
                    };
                    let got = run_outputs(
                        l,
                        &[(int(bits), garbage(a, bits)), (int(bits), garbage(b, bits))],
                        1,
                    );
                    assert_eq!(got[0], expected, "{op:?} i{bits} {a:#x} {b:#x}");
                }
            }
        }
    }
}

#[test]
fn operands_with_upper_bits_set_are_masked() {
    // Constants with bits above their width (not canonical) still give canonical results.
    let mut f = with_outputs(
        "dirty",
        &[],
        12,
        vec![
            Inst::Bin {
                op: BinOp::UDiv,
                bits: 8,
                dst: 3,
                a: 1,
                b: 2,
            },
            Inst::Bin {
                op: BinOp::LShr,
                bits: 8,
                dst: 4,
                a: 1,
                b: 5,
            },
            Inst::ICmp {
                pred: IPred::Eq,
                bits: 8,
                dst: 6,
                a: 1,
                b: 7,
            },
            Inst::Bin {
                op: BinOp::Add,
                bits: 8,
                dst: 8,
                a: 1,
                b: 1,
            },
            Inst::Unary {
                op: UnOp::Ctlz,
                bits: 8,
                dst: 9,
                a: 1,
            },
        ],
        &[3, 4, 6, 8, 9],
    );
    f.consts = vec![
        bits_const(1, 0xff00_0000_0000_0080),
        bits_const(2, 0x7700_0000_0000_0002),
        bits_const(5, 0x100),
        bits_const(7, 0x80),
    ];
    let l = leak(f);
    // 0x80 / 2; 0x80 >> 0 (0x100 masks to 0); equal; 0x80 + 0x80 = 0 at 8 bits; ctlz(0x80).
    assert_eq!(run_outputs(l, &[], 5), vec![0x40, 0x80, 1, 0, 0]);
}

#[test]
fn odd_widths() {
    let cases: [(BinOp, u8, u64, u64, u64); 6] = [
        (BinOp::Add, 17, 0x1ffff, 1, 0),
        (BinOp::AShr, 17, 0x10000, 4, 0x1f000),
        (BinOp::SDiv, 17, 0x1fffe, 0x1ffff, 2),
        (BinOp::SMin, 17, 0x10000, 0xffff, 0x10000),
        (BinOp::Mul, 48, 0xffff_ffff_ffff, 2, 0xffff_ffff_fffe),
        (BinOp::Shl, 48, 1, 48, 0),
    ];
    for (op, bits, a, b, expected) in cases {
        let l = leak(with_outputs(
            "odd",
            &[int(bits), int(bits)],
            4,
            vec![Inst::Bin {
                op,
                bits,
                dst: 3,
                a: 1,
                b: 2,
            }],
            &[3],
        ));
        let got = run_outputs(l, &[(int(bits), a), (int(bits), b)], 1);
        assert_eq!(got[0], expected, "{op:?} i{bits}");
    }
    let bswap48 = leak(with_outputs(
        "bswap48",
        &[int(48)],
        3,
        vec![Inst::Unary {
            op: UnOp::Bswap,
            bits: 48,
            dst: 2,
            a: 1,
        }],
        &[2],
    ));
    assert_eq!(
        run_outputs(bswap48, &[(int(48), 0x1122_3344_5566)], 1)[0],
        0x6655_4433_2211
    );
}

macro_rules! native_unary {
    ($u:ty, $i:ty, $op:expr, $a:expr) => {{
        let a = $a as $u;
        (match $op {
            UnOp::Bswap => a.swap_bytes(),
            UnOp::Ctpop => a.count_ones() as $u,
            UnOp::Ctlz => a.leading_zeros() as $u,
            UnOp::Cttz => a.trailing_zeros() as $u,
            UnOp::Abs => (a as $i).wrapping_abs() as $u,
        }) as u64
    }};
}

#[test]
fn unary_operations() {
    for bits in [1u8, 8, 16, 32, 64] {
        for op in [UnOp::Bswap, UnOp::Ctpop, UnOp::Ctlz, UnOp::Cttz, UnOp::Abs] {
            if bits == 1 && op == UnOp::Bswap {
                continue;
            }
            let l = leak(with_outputs(
                "unary",
                &[int(bits)],
                3,
                vec![Inst::Unary {
                    op,
                    bits,
                    dst: 2,
                    a: 1,
                }],
                &[2],
            ));
            for a in interesting(bits) {
                let expected = match bits {
                    1 => match op {
                        UnOp::Ctpop | UnOp::Abs => a,
                        UnOp::Ctlz | UnOp::Cttz => 1 - a,
                        UnOp::Bswap => unreachable!(),
                    },
                    8 => native_unary!(u8, i8, op, a),
                    16 => native_unary!(u16, i16, op, a),
                    32 => native_unary!(u32, i32, op, a),
                    _ => native_unary!(u64, i64, op, a),
                };
                let got = run_outputs(l, &[(int(bits), garbage(a, bits))], 1);
                assert_eq!(got[0], expected, "{op:?} i{bits} {a:#x}");
            }
        }
    }
}

macro_rules! native_overflow {
    ($u:ty, $i:ty, $op:expr, $a:expr, $b:expr) => {{
        let (ua, ub) = ($a as $u, $b as $u);
        let (sa, sb) = (ua as $i, ub as $i);
        let (result, flag) = match $op {
            OverflowOp::UAdd => ua.overflowing_add(ub),
            OverflowOp::USub => ua.overflowing_sub(ub),
            OverflowOp::UMul => ua.overflowing_mul(ub),
            OverflowOp::SAdd => {
                let (r, f) = sa.overflowing_add(sb);
                (r as $u, f)
            }
            OverflowOp::SSub => {
                let (r, f) = sa.overflowing_sub(sb);
                (r as $u, f)
            }
            OverflowOp::SMul => {
                let (r, f) = sa.overflowing_mul(sb);
                (r as $u, f)
            }
        };
        (result as u64, flag as u64)
    }};
}

/// `i1` by hand: the exact result in `i64`, then whether it fits.
fn overflow1(op: OverflowOp, a: u64, b: u64) -> (u64, u64) {
    let (sa, sb) = (-(a as i64), -(b as i64));
    let (a, b) = (a as i64, b as i64);
    let (exact, signed) = match op {
        OverflowOp::UAdd => (a + b, false),
        OverflowOp::USub => (a - b, false),
        OverflowOp::UMul => (a * b, false),
        OverflowOp::SAdd => (sa + sb, true),
        OverflowOp::SSub => (sa - sb, true),
        OverflowOp::SMul => (sa * sb, true),
    };
    let fits = if signed {
        (-1..=0).contains(&exact)
    } else {
        (0..=1).contains(&exact)
    };
    ((exact & 1) as u64, !fits as u64)
}

#[test]
fn overflow_operations() {
    let ops = [
        OverflowOp::SAdd,
        OverflowOp::UAdd,
        OverflowOp::SSub,
        OverflowOp::USub,
        OverflowOp::SMul,
        OverflowOp::UMul,
    ];
    for bits in [1u8, 8, 16, 32, 64] {
        for op in ops {
            let l = leak(with_outputs(
                "overflow",
                &[int(bits), int(bits)],
                5,
                vec![Inst::Overflow {
                    op,
                    bits,
                    dst: 3,
                    flag: 4,
                    a: 1,
                    b: 2,
                }],
                &[3, 4],
            ));
            let values = interesting(bits);
            for &a in &values {
                for &b in &values {
                    let (result, flag) = match bits {
                        1 => overflow1(op, a, b),
                        8 => native_overflow!(u8, i8, op, a, b),
                        16 => native_overflow!(u16, i16, op, a, b),
                        32 => native_overflow!(u32, i32, op, a, b),
                        _ => native_overflow!(u64, i64, op, a, b),
                    };
                    let got = run_outputs(
                        l,
                        &[(int(bits), garbage(a, bits)), (int(bits), garbage(b, bits))],
                        2,
                    );
                    assert_eq!(got, vec![result, flag], "{op:?} i{bits} {a:#x} {b:#x}");
                }
            }
        }
    }
}

macro_rules! native_icmp {
    ($u:ty, $i:ty, $pred:expr, $a:expr, $b:expr) => {{
        let (ua, ub) = ($a as $u, $b as $u);
        let (sa, sb) = (ua as $i, ub as $i);
        match $pred {
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
    }};
}

#[test]
fn integer_comparisons() {
    let preds = [
        IPred::Eq,
        IPred::Ne,
        IPred::Ugt,
        IPred::Uge,
        IPred::Ult,
        IPred::Ule,
        IPred::Sgt,
        IPred::Sge,
        IPred::Slt,
        IPred::Sle,
    ];
    for bits in [1u8, 8, 16, 32, 64] {
        for pred in preds {
            let l = leak(with_outputs(
                "icmp",
                &[int(bits), int(bits)],
                4,
                vec![Inst::ICmp {
                    pred,
                    bits,
                    dst: 3,
                    a: 1,
                    b: 2,
                }],
                &[3],
            ));
            let values = interesting(bits);
            for &a in &values {
                for &b in &values {
                    let expected = match bits {
                        // As signed, 1 is -1: the opposite order.
                        1 => native_icmp!(u8, i8, pred, a.wrapping_neg(), b.wrapping_neg()),
                        8 => native_icmp!(u8, i8, pred, a, b),
                        16 => native_icmp!(u16, i16, pred, a, b),
                        32 => native_icmp!(u32, i32, pred, a, b),
                        _ => native_icmp!(u64, i64, pred, a, b),
                    };
                    let expected = if bits == 1
                        && matches!(pred, IPred::Ugt | IPred::Uge | IPred::Ult | IPred::Ule)
                    {
                        native_icmp!(u8, i8, pred, a, b)
                    } else {
                        expected
                    };
                    let got = run_outputs(
                        l,
                        &[(int(bits), garbage(a, bits)), (int(bits), garbage(b, bits))],
                        1,
                    );
                    assert_eq!(got[0], expected as u64, "{pred:?} i{bits} {a:#x} {b:#x}");
                }
            }
        }
    }
}

const F64S: [f64; 13] = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.1,
    7.25,
    -2.0,
    1e300,
    5e-324,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    f64::MAX,
];

fn same_float(got: u64, expected: u64, f32: bool) -> bool {
    if f32 {
        got >> 32 == 0
            && (got == expected
                || (f32::from_bits(got as u32).is_nan()
                    && f32::from_bits(expected as u32).is_nan()))
    } else {
        got == expected || (f64::from_bits(got).is_nan() && f64::from_bits(expected).is_nan())
    }
}

#[test]
fn float_arithmetic() {
    let ops = [
        FBinOp::Add,
        FBinOp::Sub,
        FBinOp::Mul,
        FBinOp::Div,
        FBinOp::Rem,
    ];
    for ty in [Ty::F32, Ty::F64] {
        let class = if ty == Ty::F32 { Arg::F32 } else { Arg::F64 };
        for op in ops {
            let l = leak(with_outputs(
                "fbin",
                &[class, class],
                5,
                vec![
                    Inst::FBin {
                        op,
                        ty,
                        dst: 3,
                        a: 1,
                        b: 2,
                    },
                    Inst::FNeg { ty, dst: 4, a: 3 },
                ],
                &[3, 4],
            ));
            for &a in &F64S {
                for &b in &F64S {
                    let (args, expected, negated) = if ty == Ty::F32 {
                        let (a, b) = (a as f32, b as f32);
                        let r = match op {
                            FBinOp::Add => a + b,
                            FBinOp::Sub => a - b,
                            FBinOp::Mul => a * b,
                            FBinOp::Div => a / b,
                            FBinOp::Rem => a % b,
                        };
                        (
                            // Garbage above the f32 must be ignored.
                            [
                                (class, a.to_bits() as u64 | 0xffff_0000_0000_0000),
                                (class, b.to_bits() as u64 | 0x1234_5678_0000_0000),
                            ],
                            r.to_bits() as u64,
                            (-r).to_bits() as u64,
                        )
                    } else {
                        let r = match op {
                            FBinOp::Add => a + b,
                            FBinOp::Sub => a - b,
                            FBinOp::Mul => a * b,
                            FBinOp::Div => a / b,
                            FBinOp::Rem => a % b,
                        };
                        (
                            [(class, a.to_bits()), (class, b.to_bits())],
                            r.to_bits(),
                            (-r).to_bits(),
                        )
                    };
                    let got = run_outputs(l, &args, 2);
                    let f32 = ty == Ty::F32;
                    assert!(
                        same_float(got[0], expected, f32)
                            && got[1] == got[0] ^ (1 << (ty.bits() - 1)),
                        "{op:?} {ty:?} {a} {b}: {:#x} {:#x}, expected {expected:#x} {negated:#x}",
                        got[0],
                        got[1]
                    );
                }
            }
        }
    }
    // Precision: f32 arithmetic rounds in f32.
    let l = leak(with_outputs(
        "f32",
        &[Arg::F32, Arg::F32],
        4,
        vec![Inst::FBin {
            op: FBinOp::Div,
            ty: Ty::F32,
            dst: 3,
            a: 1,
            b: 2,
        }],
        &[3],
    ));
    let got = run_outputs(
        l,
        &[
            (Arg::F32, 1.0f32.to_bits() as u64),
            (Arg::F32, 3.0f32.to_bits() as u64),
        ],
        1,
    );
    assert_eq!(got[0], (1.0f32 / 3.0).to_bits() as u64);
}

fn fcmp_reference(pred: FPred, order: Option<Ordering>) -> bool {
    let Some(o) = order else {
        return matches!(
            pred,
            FPred::Uno
                | FPred::Ueq
                | FPred::Ugt
                | FPred::Uge
                | FPred::Ult
                | FPred::Ule
                | FPred::Une
                | FPred::True
        );
    };
    match pred {
        FPred::False | FPred::Uno => false,
        FPred::True | FPred::Ord => true,
        FPred::Oeq | FPred::Ueq => o == Ordering::Equal,
        FPred::Ogt | FPred::Ugt => o == Ordering::Greater,
        FPred::Oge | FPred::Uge => o != Ordering::Less,
        FPred::Olt | FPred::Ult => o == Ordering::Less,
        FPred::Ole | FPred::Ule => o != Ordering::Greater,
        FPred::One | FPred::Une => o != Ordering::Equal,
    }
}

#[test]
fn float_comparisons() {
    let preds = [
        FPred::False,
        FPred::Oeq,
        FPred::Ogt,
        FPred::Oge,
        FPred::Olt,
        FPred::Ole,
        FPred::One,
        FPred::Ord,
        FPred::Uno,
        FPred::Ueq,
        FPred::Ugt,
        FPred::Uge,
        FPred::Ult,
        FPred::Ule,
        FPred::Une,
        FPred::True,
    ];
    for ty in [Ty::F32, Ty::F64] {
        let class = if ty == Ty::F32 { Arg::F32 } else { Arg::F64 };
        for pred in preds {
            let l = leak(with_outputs(
                "fcmp",
                &[class, class],
                4,
                vec![Inst::FCmp {
                    pred,
                    ty,
                    dst: 3,
                    a: 1,
                    b: 2,
                }],
                &[3],
            ));
            for &a in &F64S {
                for &b in &F64S {
                    let (args, order) = if ty == Ty::F32 {
                        let (a, b) = (a as f32, b as f32);
                        (
                            [(class, a.to_bits() as u64), (class, b.to_bits() as u64)],
                            a.partial_cmp(&b),
                        )
                    } else {
                        (
                            [(class, a.to_bits()), (class, b.to_bits())],
                            a.partial_cmp(&b),
                        )
                    };
                    let got = run_outputs(l, &args, 1);
                    assert_eq!(
                        got[0],
                        fcmp_reference(pred, order) as u64,
                        "{pred:?} {ty:?} {a} {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn conversions() {
    let f32b = |x: f32| x.to_bits() as u64;
    let f64b = |x: f64| x.to_bits();
    // 2^60 + 2^36 + 1: converted directly to f32 it rounds up; through f64 it would round to
    // 2^60 (the +1 is lost, then a tie rounds to even).
    let tricky: i64 = (1 << 60) + (1 << 36) + 1;
    let cases: Vec<(CastOp, Ty, Ty, u64, u64)> = vec![
        (CastOp::Trunc, Ty::I64, Ty::I8, 0x1234_5678_9abc_def0, 0xf0),
        (CastOp::Trunc, Ty::I32, Ty::I1, 3, 1),
        (CastOp::Trunc, Ty::I32, Ty::I1, 2, 0),
        (CastOp::Trunc, Ty::I64, Ty::I32, u64::MAX, 0xffff_ffff),
        (CastOp::ZExt, Ty::I8, Ty::I64, 0xf0, 0xf0),
        (CastOp::ZExt, Ty::I1, Ty::I32, 1, 1),
        (CastOp::SExt, Ty::I8, Ty::I64, 0xf0, 0xffff_ffff_ffff_fff0),
        (CastOp::SExt, Ty::I8, Ty::I32, 0x80, 0xffff_ff80),
        (CastOp::SExt, Ty::I1, Ty::I64, 1, u64::MAX),
        (CastOp::SExt, Ty::I1, Ty::I8, 1, 0xff),
        (CastOp::SExt, Ty::I16, Ty::I32, 0x7fff, 0x7fff),
        (CastOp::FpToSi, Ty::F64, Ty::I32, f64b(-2.9), 0xffff_fffe),
        (
            CastOp::FpToSi,
            Ty::F64,
            Ty::I64,
            f64b(1e20),
            i64::MAX as u64,
        ),
        (CastOp::FpToSi, Ty::F64, Ty::I64, f64b(f64::NAN), 0),
        (CastOp::FpToSi, Ty::F32, Ty::I64, f32b(-7.5), -7i64 as u64),
        (CastOp::FpToSi, Ty::F32, Ty::I8, f32b(-100.2), 0x9c),
        (
            CastOp::FpToUi,
            Ty::F64,
            Ty::I64,
            f64b(13835058055282163712.0),
            13835058055282163712,
        ),
        (CastOp::FpToUi, Ty::F32, Ty::I8, f32b(200.7), 200),
        (CastOp::FpToUi, Ty::F64, Ty::I64, f64b(-3.0), 0),
        (CastOp::SiToFp, Ty::I32, Ty::F64, 0xffff_fff6, f64b(-10.0)),
        (
            CastOp::SiToFp,
            Ty::I64,
            Ty::F32,
            tricky as u64,
            f32b(tricky as f32),
        ),
        (
            CastOp::SiToFp,
            Ty::I64,
            Ty::F32,
            i64::MAX as u64,
            f32b(i64::MAX as f32),
        ),
        (CastOp::SiToFp, Ty::I1, Ty::F64, 1, f64b(-1.0)),
        (CastOp::SiToFp, Ty::I8, Ty::F32, 0x80, f32b(-128.0)),
        (
            CastOp::UiToFp,
            Ty::I64,
            Ty::F64,
            u64::MAX,
            f64b(u64::MAX as f64),
        ),
        (CastOp::UiToFp, Ty::I8, Ty::F32, 0xff, f32b(255.0)),
        (CastOp::UiToFp, Ty::I1, Ty::F64, 1, f64b(1.0)),
        (CastOp::FpTrunc, Ty::F64, Ty::F32, f64b(0.1), f32b(0.1)),
        (
            CastOp::FpTrunc,
            Ty::F64,
            Ty::F32,
            f64b(1e300),
            f32b(f32::INFINITY),
        ),
        (
            CastOp::FpExt,
            Ty::F32,
            Ty::F64,
            f32b(0.1),
            f64b(0.1f32 as f64),
        ),
        (CastOp::Bitcast, Ty::F32, Ty::I32, f32b(1.0), 0x3f80_0000),
        (CastOp::Bitcast, Ty::I32, Ty::F32, 0x3f80_0000, f32b(1.0)),
        (CastOp::Bitcast, Ty::I64, Ty::F64, f64b(-2.5), f64b(-2.5)),
    ];
    assert_ne!(tricky as f32, tricky as f64 as f32);
    for (op, from, to, input, expected) in cases {
        let l = leak(with_outputs(
            "cast",
            &[I64],
            3,
            vec![Inst::Cast {
                op,
                from,
                to,
                dst: 2,
                a: 1,
            }],
            &[2],
        ));
        let got = run_outputs(l, &[(I64, input)], 1);
        assert_eq!(got[0], expected, "{op:?} {from:?} -> {to:?} of {input:#x}");
    }
}

#[test]
fn control_flow() {
    // switch (x) { 1: 100; 5: 200; -1: 300; default: x > 0 ? (x & 1 ? 400 : 500) : 600 }
    let mut f = function(
        "control",
        20,
        &[(0, sint(32))],
        Ret::Int {
            bits: 32,
            ext: Ext::Sign,
        },
        vec![
            /* 0 */
            Inst::Switch {
                value: 0,
                bits: 32,
                // -1 given sign-extended to 64 bits: loading masks it.
                cases: vec![(1, 1), (5, 3), (u64::MAX, 5)],
                default: 7,
            },
            /* 1 */ Inst::Move { dst: 9, src: 1 },
            /* 2 */ Inst::Jump { target: 12 },
            /* 3 */ Inst::Move { dst: 9, src: 2 },
            /* 4 */ Inst::Jump { target: 12 },
            /* 5 */ Inst::Move { dst: 9, src: 3 },
            /* 6 */ Inst::Jump { target: 12 },
            /* 7 */
            Inst::ICmp {
                pred: IPred::Sgt,
                bits: 32,
                dst: 10,
                a: 0,
                b: 11,
            },
            /* 8 */
            Inst::Branch {
                cond: 10,
                then: 9,
                otherwise: 11,
            },
            /* 9 */
            Inst::Select {
                dst: 9,
                cond: 0,
                a: 4,
                b: 5,
            },
            /* 10 */ Inst::Jump { target: 12 },
            /* 11 */ Inst::Move { dst: 9, src: 6 },
            /* 12 */ Inst::Return { value: Some(9) },
        ],
    );
    f.consts = vec![
        bits_const(1, 100),
        bits_const(2, 200),
        bits_const(3, 300),
        bits_const(4, 400),
        bits_const(5, 500),
        bits_const(6, 600),
        bits_const(11, 0),
    ];
    let l = leak(f);
    for (x, expected) in [
        (1i32, 100),
        (5, 200),
        (-1, 300),
        (7, 400),
        (8, 500),
        (-5, 600),
        (0, 600),
        (i32::MIN, 600),
    ] {
        let out = invoke(l, &[(sint(32), x as i64 as u64)]);
        assert_eq!(out.rax, expected, "{x}");
    }
}

#[test]
fn loads_and_stores_of_every_type_unaligned() {
    let source: Vec<u8> = (0..40u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(3))
        .collect();
    let mut target = [0u8; 64];
    let types = [Ty::I1, Ty::I8, Ty::I16, Ty::I32, Ty::I64, Ty::F32, Ty::F64];
    // Slot 1 = source + 1, slot 2 = target + 3; loads into 10.., stores of constants 20.. at
    // target + 3 + 8 * i.
    let mut body = Vec::new();
    for (i, &ty) in types.iter().enumerate() {
        let i = i as u32;
        body.push(Inst::PtrAdd {
            dst: 3,
            base: 1,
            offset: i as i64 * 5,
        });
        body.push(Inst::Load {
            ty,
            dst: 10 + i,
            addr: 3,
            atomic: false,
        });
        body.push(Inst::PtrAdd {
            dst: 4,
            base: 2,
            offset: i as i64 * 8,
        });
        body.push(Inst::Store {
            ty,
            addr: 4,
            src: 20 + i,
            atomic: false,
        });
    }
    let values: [u64; 7] = [
        0x0f,
        0x1234_5678_9abc_de81,
        0xfedc_ba98_7654_3211,
        0x0123_4567_89ab_cdef,
        0x8899_aabb_ccdd_eeff,
        1.5f32.to_bits() as u64,
        (-2.25f64).to_bits(),
    ];
    let mut f = with_outputs(
        "memory",
        &[I64, I64],
        30,
        body,
        &[10, 11, 12, 13, 14, 15, 16],
    );
    f.consts = values
        .iter()
        .enumerate()
        .map(|(i, &v)| bits_const(20 + i as u32, v))
        .collect();
    let l = leak(f);
    let src = source.as_ptr() as u64 + 1;
    let dst = target.as_mut_ptr() as u64 + 3;
    let got = run_outputs(l, &[(I64, src), (I64, dst)], 7);
    let at = |i: usize, n: usize| {
        let mut word = [0u8; 8];
        word[..n].copy_from_slice(&source[1 + i * 5..1 + i * 5 + n]);
        u64::from_le_bytes(word)
    };
    assert_eq!(
        got,
        vec![
            at(0, 1) & 1,
            at(1, 1),
            at(2, 2),
            at(3, 4),
            at(4, 8),
            at(5, 4),
            at(6, 8)
        ]
    );
    let stored = |i: usize, n: usize| {
        let mut word = [0u8; 8];
        word[..n].copy_from_slice(&target[3 + i * 8..3 + i * 8 + n]);
        u64::from_le_bytes(word)
    };
    assert_eq!(stored(0, 1), 1, "an i1 stores 0 or 1");
    assert_eq!(stored(1, 1), 0x81);
    assert_eq!(stored(2, 2), 0x3211);
    assert_eq!(stored(3, 4), 0x89ab_cdef);
    assert_eq!(stored(4, 8), 0x8899_aabb_ccdd_eeff);
    assert_eq!(stored(5, 4), 1.5f32.to_bits() as u64);
    assert_eq!(stored(6, 8), (-2.25f64).to_bits());
    // Bytes in between are untouched.
    assert_eq!(target[3 + 1], 0);
    assert_eq!(target[3 + 8 + 1], 0);
    assert_eq!(target[3 + 16 + 2], 0);
    assert_eq!(target[3 + 24 + 4], 0);
}

#[test]
fn atomics() {
    let types = [(Ty::I8, 8u8), (Ty::I16, 16), (Ty::I32, 32), (Ty::I64, 64)];
    let ops = [
        RmwOp::Xchg,
        RmwOp::Add,
        RmwOp::Sub,
        RmwOp::And,
        RmwOp::Or,
        RmwOp::Xor,
    ];
    for (ty, bits) in types {
        let m = mask(u64::MAX, bits);
        for op in ops {
            let l = leak(with_outputs(
                "rmw",
                &[I64, int(bits)],
                4,
                vec![
                    Inst::AtomicRmw {
                        op,
                        ty,
                        dst: 3,
                        addr: 1,
                        src: 2,
                    },
                    Inst::Fence,
                ],
                &[3],
            ));
            let initial = 0xa5c3_0f96_5a3c_f069u64;
            let operand = 0x0123_4567_89ab_cdefu64;
            let mut word = AtomicU64::new(initial);
            let got = run_outputs(l, &[(I64, word.as_ptr() as u64), (int(bits), operand)], 1);
            let (old, o) = (initial & m, operand & m);
            let new = match op {
                RmwOp::Xchg => o,
                RmwOp::Add => old.wrapping_add(o),
                RmwOp::Sub => old.wrapping_sub(o),
                RmwOp::And => old & o,
                RmwOp::Or => old | o,
                RmwOp::Xor => old ^ o,
            } & m;
            assert_eq!(got[0], old, "{op:?} {ty:?}");
            assert_eq!(*word.get_mut(), (initial & !m) | new, "{op:?} {ty:?}");
        }
        let l = leak(with_outputs(
            "cmpxchg",
            &[I64, int(bits), int(bits)],
            6,
            vec![Inst::CmpXchg {
                ty,
                dst: 4,
                ok: 5,
                addr: 1,
                expected: 2,
                new: 3,
            }],
            &[4, 5],
        ));
        let mut word = AtomicU64::new(0x1111_2222_3333_4444 & m);
        let p = word.as_ptr() as u64;
        let got = run_outputs(l, &[(I64, p), (int(bits), 5), (int(bits), 6)], 2);
        assert_eq!(got, vec![0x1111_2222_3333_4444 & m, 0], "{ty:?} fails");
        let got = run_outputs(
            l,
            &[
                (I64, p),
                (int(bits), 0x1111_2222_3333_4444 & m),
                (int(bits), 6),
            ],
            2,
        );
        assert_eq!(got, vec![0x1111_2222_3333_4444 & m, 1], "{ty:?} succeeds");
        assert_eq!(*word.get_mut(), 6);
    }
    // Atomic loads and stores of every type.
    for ty in [Ty::I1, Ty::I8, Ty::I16, Ty::I32, Ty::I64, Ty::F32, Ty::F64] {
        let l = leak(with_outputs(
            "atomic",
            &[I64, I64],
            4,
            vec![
                Inst::Load {
                    ty,
                    dst: 3,
                    addr: 1,
                    atomic: true,
                },
                Inst::Store {
                    ty,
                    addr: 1,
                    src: 2,
                    atomic: true,
                },
            ],
            &[3],
        ));
        let mut word = AtomicU64::new(0x8182_8384_8586_8788);
        let got = run_outputs(
            l,
            &[(I64, word.as_ptr() as u64), (I64, 0x1112_1314_1516_1719)],
            1,
        );
        let bytes = ty.bytes() * 8;
        let m = mask(u64::MAX, bytes as u8);
        let expected = if ty == Ty::I1 {
            0
        } else {
            0x8182_8384_8586_8788 & m
        };
        assert_eq!(got[0], expected, "{ty:?}");
        let stored = if ty == Ty::I1 {
            1
        } else {
            0x1112_1314_1516_1719 & m
        };
        assert_eq!(
            *word.get_mut(),
            (0x8182_8384_8586_8788 & !m) | stored,
            "{ty:?}"
        );
    }
}

#[test]
fn frame_memory_is_aligned_zeroed_and_usable() {
    // Frame memory at every size class, with its alignment honoured; the memory starts zeroed.
    for (frame_bytes, frame_align, slots) in [
        (100u32, 64u32, 10u32),
        (5000, 32, 10),
        (60000, 16, 10),
        (64, 8, 1500),
        (16, 1, 10),
    ] {
        let last = frame_bytes - 8;
        let mut f = with_outputs(
            "frame",
            &[],
            slots,
            vec![
                Inst::Load {
                    ty: Ty::I64,
                    dst: 4,
                    addr: 1,
                    atomic: false,
                },
                Inst::Load {
                    ty: Ty::I64,
                    dst: 5,
                    addr: 2,
                    atomic: false,
                },
                Inst::Store {
                    ty: Ty::I64,
                    addr: 1,
                    src: 3,
                    atomic: false,
                },
                Inst::Store {
                    ty: Ty::I64,
                    addr: 2,
                    src: slots - 1,
                    atomic: false,
                },
                Inst::Load {
                    ty: Ty::I64,
                    dst: 6,
                    addr: 1,
                    atomic: false,
                },
                Inst::Load {
                    ty: Ty::I64,
                    dst: 7,
                    addr: 2,
                    atomic: false,
                },
            ],
            &[1, 2, 4, 5, 6, 7, 8],
        );
        f.frame_bytes = frame_bytes;
        f.frame_align = frame_align;
        f.consts = vec![
            Const {
                slot: 1,
                value: Value::Frame { offset: 0 },
            },
            Const {
                slot: 2,
                value: Value::Frame { offset: last },
            },
            bits_const(3, 0x1234),
            bits_const(slots - 1, 0x5678),
        ];
        let l = leak(f);
        let got = run_outputs(l, &[], 7);
        assert_eq!(got[0] % frame_align as u64, 0, "{frame_bytes}");
        assert_eq!(got[1], got[0] + last as u64);
        assert_eq!(got[2..], [0, 0, 0x1234, 0x5678, 0], "{frame_bytes}");
    }
    let mut f = function(
        "huge",
        1,
        &[],
        Ret::Void,
        vec![Inst::Return { value: None }],
    );
    f.frame_bytes = 70000;
    assert!(matches!(
        Loaded::new(f, &mut |_| None),
        Err(LoadError::FrameTooLarge { .. })
    ));
}

/// Records its arguments in `out`; answers their sum.
#[allow(clippy::too_many_arguments)]
extern "C" fn many(
    out: *mut u64,
    a: i32,
    d0: f64,
    b: u8,
    d1: f64,
    c: i16,
    d2: f64,
    e: i64,
    d3: f64,
    f: i64,
    d4: f64,
    g: i64,
    d5: f64,
    h: i8,
    d6: f64,
    d7: f64,
    d8: f64,
    i: u32,
    d9: f64,
) -> f64 {
    let values = [
        a as i64 as u64,
        b as u64,
        c as i64 as u64,
        e as u64,
        f as u64,
        g as u64,
        h as i64 as u64,
        i as u64,
        d0.to_bits(),
        d1.to_bits(),
        d2.to_bits(),
        d3.to_bits(),
        d4.to_bits(),
        d5.to_bits(),
        d6.to_bits(),
        d7.to_bits(),
        d8.to_bits(),
        d9.to_bits(),
    ];
    for (k, v) in values.iter().enumerate() {
        // SAFETY: the test passes an array of 18 words.
        unsafe { out.add(k).write(*v) };
    }
    d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + a as f64 + h as f64
}

#[test]
fn calls_with_stack_arguments() {
    let args: Vec<(Arg, u64)> = vec![
        (I64, 0), // out: the parameter
        (sint(32), -123456i32 as u32 as u64),
        (Arg::F64, 0.5f64.to_bits()),
        (zint(8), 200),
        (Arg::F64, 1.5f64.to_bits()),
        (sint(16), -300i16 as u16 as u64),
        (Arg::F64, 2.5f64.to_bits()),
        (I64, i64::MIN as u64),
        (Arg::F64, 3.5f64.to_bits()),
        (I64, 0x0123_4567_89ab_cdef),
        (Arg::F64, 4.5f64.to_bits()),
        (I64, u64::MAX),
        (Arg::F64, 5.5f64.to_bits()),
        (sint(8), 0xf9),
        (Arg::F64, 6.5f64.to_bits()),
        (Arg::F64, 7.5f64.to_bits()),
        (Arg::F64, 8.5f64.to_bits()),
        (zint(32), 0xfedc_ba98),
        (Arg::F64, 9.5f64.to_bits()),
    ];
    let n = args.len() as u32;
    let mut f = function(
        "caller",
        n + 2,
        &[(0, I64)],
        Ret::F64,
        vec![
            Inst::Call {
                sig: 0,
                callee: n,
                args: (0..n).collect(),
                dst: Some(n + 1),
            },
            Inst::Return { value: Some(n + 1) },
        ],
    );
    f.sigs = vec![Sig {
        args: args.iter().map(|a| a.0).collect(),
        ret: Ret::F64,
        variadic: false,
    }];
    f.consts = args
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, a)| bits_const(i as u32, a.1))
        .collect();
    f.consts.push(Const {
        slot: n,
        value: Value::Symbol {
            name: "many".into(),
            addend: 0,
        },
    });
    let l = leak_with(f, &mut |name| {
        (name == "many").then_some(many as *const () as usize as u64)
    });
    let mut out = [0u64; 18];
    let result = invoke(l, &[(I64, out.as_mut_ptr() as u64)]);
    let expected_ints = [
        -123456i64 as u64,
        200,
        -300i64 as u64,
        i64::MIN as u64,
        0x0123_4567_89ab_cdef,
        u64::MAX,
        -7i64 as u64,
        0xfedc_ba98,
    ];
    assert_eq!(out[..8], expected_ints);
    for k in 0..10 {
        assert_eq!(f64::from_bits(out[8 + k]), k as f64 + 0.5);
    }
    assert_eq!(f64::from_bits(result.xmm0), 50.0 - 123456.0 - 7.0);
}

static DUMP: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];

// Records the integer argument registers, `al`, the first three stack arguments and the stack
// pointer's alignment at entry; returns 0x4d in rax.
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl irjit_interp_test_dump",
    "irjit_interp_test_dump:",
    "lea r11, [rip + {dump}]",
    "mov [r11], rdi",
    "mov [r11 + 8], rsi",
    "mov [r11 + 16], rdx",
    "mov [r11 + 24], rcx",
    "mov [r11 + 32], r8",
    "mov [r11 + 40], r9",
    "movzx eax, al",
    "mov [r11 + 48], rax",
    "mov rax, [rsp + 8]",
    "mov [r11 + 56], rax",
    "mov rax, [rsp + 16]",
    "mov [r11 + 64], rax",
    "mov rax, [rsp + 24]",
    "mov [r11 + 72], rax",
    "mov rax, rsp",
    "and rax, 15",
    "mov [r11 + 80], rax",
    "movq qword ptr [r11 + 88], xmm7",
    "mov rax, -1",
    "mov edx, 0x4d",
    "mov al, dl",
    "ret",
    dump = sym DUMP,
);

extern "C" {
    fn irjit_interp_test_dump();
}

#[test]
fn call_registers_extension_and_alignment() {
    // Ints: seven narrow ones (the last on the stack) with garbage above their width, and two
    // more stack words; one double in xmm7's place comes eighth.
    let ints: Vec<(Arg, u64)> = vec![
        (sint(8), 0xffff_ff80),
        (zint(8), 0xffff_ff80),
        (int(8), 0x1234_5680),
        (sint(32), 0x8000_0000),
        (sint(1), 1),
        (zint(16), 0xabcd_ffff),
        (sint(16), 0x0000_8001),
        (I64, 0x77),
        (I64, 0x88),
    ];
    let n = ints.len() as u32 + 8;
    let mut args: Vec<Arg> = ints.iter().map(|a| a.0).collect();
    args.extend([Arg::F64; 8]);
    let mut f = function(
        "dumper",
        n + 2,
        &[],
        Ret::Int {
            bits: 8,
            ext: Ext::Sign,
        },
        vec![
            Inst::Call {
                sig: 0,
                callee: n,
                args: (0..n).collect(),
                dst: Some(n + 1),
            },
            Inst::Return { value: Some(n + 1) },
        ],
    );
    f.sigs = vec![Sig {
        args,
        ret: Ret::Int {
            bits: 8,
            ext: Ext::None,
        },
        variadic: true,
    }];
    f.consts = ints
        .iter()
        .enumerate()
        .map(|(i, a)| bits_const(i as u32, a.1))
        .collect();
    f.consts
        .extend((0..8).map(|k| bits_const(ints.len() as u32 + k, (k as f64).to_bits())));
    f.consts.push(bits_const(
        n,
        irjit_interp_test_dump as *const () as usize as u64,
    ));
    let l = leak(f);
    let out = invoke(l, &[]);
    let dump: Vec<u64> = DUMP.iter().map(|d| d.load(SeqCst)).collect();
    assert_eq!(
        dump[..6],
        [
            0xffff_ffff_ffff_ff80, // sign-extended from 8 bits
            0x80,                  // zero-extended
            0x80,                  // no extension: masked
            0xffff_ffff_8000_0000,
            u64::MAX,
            0xffff,
        ]
    );
    assert_eq!(dump[6], 8, "al");
    assert_eq!(dump[7..10], [0xffff_ffff_ffff_8001, 0x77, 0x88], "stack");
    assert_eq!(dump[10], 8, "rsp at entry is 8 modulo 16");
    assert_eq!(f64::from_bits(dump[11]), 7.0);
    // The result is masked to 8 bits (garbage above it ignored), then returned sign-extended.
    assert_eq!(out.rax, 0x4d);
}

#[test]
fn variadic_snprintf_through_a_symbol() {
    static FORMAT: &[u8] = b"%d|%.3f|%ld\0";
    // snprintf(buffer, 64, format, -42, 2.5, 1 << 40)
    let mut f = function(
        "printer",
        8,
        &[(0, I64)],
        Ret::Int {
            bits: 32,
            ext: Ext::Sign,
        },
        vec![
            Inst::Call {
                sig: 0,
                callee: 1,
                args: vec![0, 2, 3, 4, 5, 6],
                dst: Some(7),
            },
            Inst::Return { value: Some(7) },
        ],
    );
    f.sigs = vec![Sig {
        args: vec![I64, I64, I64, sint(32), Arg::F64, I64],
        ret: Ret::Int {
            bits: 32,
            ext: Ext::None,
        },
        variadic: true,
    }];
    f.consts = vec![
        Const {
            slot: 1,
            value: Value::Symbol {
                name: "snprintf".into(),
                addend: 0,
            },
        },
        bits_const(2, 64),
        Const {
            slot: 3,
            value: Value::Symbol {
                name: "format".into(),
                addend: 0,
            },
        },
        bits_const(4, -42i32 as u32 as u64),
        bits_const(5, 2.5f64.to_bits()),
        bits_const(6, 1 << 40),
    ];
    let mut asked = Vec::new();
    let l = leak_with(f, &mut |name| {
        asked.push(name.to_string());
        match name {
            "snprintf" => Some(libc::snprintf as *const () as usize as u64),
            "format" => Some(FORMAT.as_ptr() as u64),
            _ => None,
        }
    });
    assert_eq!(asked, ["snprintf", "format"]);
    let mut buffer = [0xffu8; 64];
    let out = invoke(l, &[(I64, buffer.as_mut_ptr() as u64)]);
    let text = std::ffi::CStr::from_bytes_until_nul(&buffer).map(|s| s.to_str());
    assert_eq!(text, Ok(Ok("-42|2.500|1099511627776")));
    assert_eq!(out.rax, 23);
}

#[test]
fn symbol_addends() {
    let mut f = function(
        "addend",
        1,
        &[],
        Ret::Int {
            bits: 64,
            ext: Ext::None,
        },
        vec![Inst::Return { value: Some(0) }],
    );
    f.consts = vec![Const {
        slot: 0,
        value: Value::Symbol {
            name: "x".into(),
            addend: -16,
        },
    }];
    let l = leak_with(f, &mut |_| Some(0x1000));
    assert_eq!(invoke(l, &[]).rax, 0x1000 - 16);
}

#[test]
fn parameters_in_registers_and_on_the_stack() {
    // out, then 8 integers (the last three on the stack, with `out`) and 9 floats (the last on
    // the stack), interleaved; narrow ones arrive with garbage above their width.
    let params: Vec<(Arg, u64, u64)> = vec![
        (int(8), 0xdead_beef_0000_00f5, 0xf5),
        (Arg::F64, 1.25f64.to_bits(), 1.25f64.to_bits()),
        (int(1), u64::MAX - 1, 0),
        (Arg::F32, 0xffff_ffff_4000_0000, 0x4000_0000),
        (sint(32), 0x1234_5678_8000_0001, 0x8000_0001),
        (Arg::F64, 3.0f64.to_bits(), 3.0f64.to_bits()),
        (int(1), 0xffff_ffff_ffff_ff01, 1),
        (I64, 0x1111_2222_3333_4444, 0x1111_2222_3333_4444),
        (Arg::F64, 4.0f64.to_bits(), 4.0f64.to_bits()),
        (Arg::F64, 5.0f64.to_bits(), 5.0f64.to_bits()),
        (int(16), 0xffff_ffff_ffff_1234, 0x1234),
        (Arg::F64, 6.0f64.to_bits(), 6.0f64.to_bits()),
        (Arg::F64, 7.0f64.to_bits(), 7.0f64.to_bits()),
        (Arg::F64, 8.0f64.to_bits(), 8.0f64.to_bits()),
        (int(8), 0xaaaa_aaaa_aaaa_aa11, 0x11),
        (Arg::F64, 9.0f64.to_bits(), 9.0f64.to_bits()),
        (Arg::F32, 0xbad_0000_3f80_0000, 0x3f80_0000),
    ];
    let n = params.len();
    let classes: Vec<Arg> = params.iter().map(|p| p.0).collect();
    let outputs: Vec<Slot> = (1..=n as u32).collect();
    let l = leak(with_outputs(
        "params",
        &classes,
        n as u32 + 1,
        vec![],
        &outputs,
    ));
    let inputs: Vec<(Arg, u64)> = params.iter().map(|p| (p.0, p.1)).collect();
    let got = run_outputs(l, &inputs, n);
    let expected: Vec<u64> = params.iter().map(|p| p.2).collect();
    assert_eq!(got, expected);
}

#[test]
fn returns_are_extended() {
    for (ret, input, rax) in [
        (
            Ret::Int {
                bits: 8,
                ext: Ext::Sign,
            },
            0xf0u64,
            0xffff_ffff_ffff_fff0u64,
        ),
        (
            Ret::Int {
                bits: 8,
                ext: Ext::Zero,
            },
            0xf0,
            0xf0,
        ),
        (
            Ret::Int {
                bits: 1,
                ext: Ext::Sign,
            },
            1,
            u64::MAX,
        ),
        (
            Ret::Int {
                bits: 32,
                ext: Ext::None,
            },
            0x8000_0000,
            0x8000_0000,
        ),
        (
            Ret::Int {
                bits: 16,
                ext: Ext::Sign,
            },
            0x7fff,
            0x7fff,
        ),
    ] {
        let Ret::Int { bits, .. } = ret else {
            unreachable!()
        };
        let l = leak(function(
            "ret",
            1,
            &[(0, int(bits))],
            ret,
            vec![Inst::Return { value: Some(0) }],
        ));
        assert_eq!(invoke(l, &[(int(bits), input)]).rax, rax, "{ret:?}");
    }
    let l = leak(function(
        "ret_f32",
        1,
        &[(0, Arg::F32)],
        Ret::F32,
        vec![Inst::Return { value: Some(0) }],
    ));
    let out = invoke(l, &[(Arg::F32, 0xffff_ffff_3f80_0000)]);
    assert_eq!(out.xmm0, 0x3f80_0000);
    let l = leak(function(
        "ret_f64",
        1,
        &[(0, Arg::F64)],
        Ret::F64,
        vec![Inst::Return { value: Some(0) }],
    ));
    assert_eq!(
        invoke(l, &[(Arg::F64, 2.5f64.to_bits())]).xmm0,
        2.5f64.to_bits()
    );
}

#[test]
fn sret_is_returned_in_rax() {
    let mut f = function(
        "sret",
        2,
        &[(0, I64), (1, int(32))],
        Ret::Void,
        vec![
            Inst::Store {
                ty: Ty::I32,
                addr: 0,
                src: 1,
                atomic: false,
            },
            Inst::Return { value: None },
        ],
    );
    f.sret = Some(0);
    let l = leak(f);
    let mut result = 0u32;
    let p = &mut result as *mut u32 as u64;
    let out = invoke(l, &[(I64, p), (int(32), 0x1234_5678_9abc_def0)]);
    assert_eq!(out.rax, p);
    assert_eq!(result, 0x9abc_def0);
}

#[test]
fn slots_start_zeroed() {
    // Dirty the stack with a call that fills many slots, then read a slot nobody wrote.
    let mut dirty = function(
        "dirty",
        100,
        &[],
        Ret::Void,
        vec![Inst::Return { value: None }],
    );
    dirty.consts = (0..100).map(|s| bits_const(s, u64::MAX)).collect();
    invoke(leak(dirty), &[]);
    let clean = leak(function(
        "clean",
        100,
        &[],
        Ret::Int {
            bits: 64,
            ext: Ext::None,
        },
        vec![Inst::Return { value: Some(99) }],
    ));
    assert_eq!(invoke(clean, &[]).rax, 0);
}

/// Calls the interpreted function at `function` with (function, n) from native code; answers
/// its result, or a marker when `current()` changed across the call.
extern "C" fn reenter(function: u64, n: i64) -> i64 {
    let before = current();
    // SAFETY: the tests pass a leaked `Loaded`.
    let loaded: &'static Loaded = unsafe { &*(function as *const Loaded) };
    let incoming = Incoming {
        ints: [function, n as u64, 0, 0, 0, 0],
        floats: [0; 8],
        stack: std::ptr::null(),
    };
    // SAFETY: the function only calls the tests' helpers.
    let out = unsafe { call(loaded, &incoming) };
    if current() != before {
        return -1_000_000;
    }
    out.rax as i64
}

/// 1 when the interpreter's current function is "recursive".
extern "C" fn whoami() -> i64 {
    (current() == Some("recursive")) as i64
}

#[test]
fn nested_calls_through_native_code() {
    // recursive(self, n) = n == 0 ? whoami() : reenter(self, n - 1) + 1
    let mut r = function(
        "recursive",
        10,
        &[(0, I64), (1, I64)],
        Ret::Int {
            bits: 64,
            ext: Ext::None,
        },
        vec![
            Inst::ICmp {
                pred: IPred::Eq,
                bits: 64,
                dst: 3,
                a: 1,
                b: 2,
            },
            Inst::Branch {
                cond: 3,
                then: 2,
                otherwise: 4,
            },
            Inst::Call {
                sig: 1,
                callee: 8,
                args: vec![],
                dst: Some(6),
            },
            Inst::Return { value: Some(6) },
            Inst::Bin {
                op: BinOp::Sub,
                bits: 64,
                dst: 5,
                a: 1,
                b: 7,
            },
            Inst::Call {
                sig: 0,
                callee: 4,
                args: vec![0, 5],
                dst: Some(6),
            },
            Inst::Bin {
                op: BinOp::Add,
                bits: 64,
                dst: 9,
                a: 6,
                b: 7,
            },
            Inst::Return { value: Some(9) },
        ],
    );
    let ret64 = Ret::Int {
        bits: 64,
        ext: Ext::None,
    };
    r.sigs = vec![
        Sig {
            args: vec![I64, I64],
            ret: ret64,
            variadic: false,
        },
        Sig {
            args: vec![],
            ret: ret64,
            variadic: false,
        },
    ];
    r.consts = vec![
        bits_const(2, 0),
        bits_const(4, reenter as *const () as usize as u64),
        bits_const(7, 1),
        bits_const(8, whoami as *const () as usize as u64),
    ];
    let recursive = leak(r);
    // outer() = reenter(recursive, 5) * 10, entering through native code.
    let mut outer = function(
        "outer",
        5,
        &[],
        ret64,
        vec![
            Inst::Call {
                sig: 0,
                callee: 0,
                args: vec![1, 2],
                dst: Some(3),
            },
            Inst::Bin {
                op: BinOp::Mul,
                bits: 64,
                dst: 3,
                a: 3,
                b: 4,
            },
            Inst::Return { value: Some(3) },
        ],
    );
    outer.sigs = vec![Sig {
        args: vec![I64, I64],
        ret: ret64,
        variadic: false,
    }];
    outer.consts = vec![
        bits_const(0, reenter as *const () as usize as u64),
        bits_const(1, recursive as *const Loaded as u64),
        bits_const(2, 5),
        bits_const(4, 10),
    ];
    let outer = leak(outer);
    assert_eq!(current(), None);
    // Five levels add 1 each; whoami answers 1 at the bottom.
    assert_eq!(invoke(outer, &[]).rax, 60);
    assert_eq!(current(), None);
}

fn valid() -> Function {
    let mut f = function(
        "valid",
        4,
        &[(0, int(32)), (1, int(32))],
        Ret::Int {
            bits: 32,
            ext: Ext::None,
        },
        vec![
            Inst::Bin {
                op: BinOp::Add,
                bits: 32,
                dst: 2,
                a: 0,
                b: 1,
            },
            Inst::Call {
                sig: 0,
                callee: 3,
                args: vec![2],
                dst: None,
            },
            Inst::Branch {
                cond: 2,
                then: 3,
                otherwise: 3,
            },
            Inst::Return { value: Some(2) },
        ],
    );
    f.sigs = vec![Sig {
        args: vec![I64],
        ret: Ret::Void,
        variadic: false,
    }];
    f.consts = vec![Const {
        slot: 3,
        value: Value::Symbol {
            name: "callee".into(),
            addend: 0,
        },
    }];
    f
}

fn load_error(f: Function) -> LoadError {
    match Loaded::new(f, &mut |name| (name == "callee").then_some(0x1000)) {
        Ok(_) => panic!("loads"),
        Err(e) => e,
    }
}

#[test]
fn validation_rejects_malformed_bytecode() {
    assert!(Loaded::new(valid(), &mut |_| Some(0x1000)).is_ok());
    type Mutation = fn(&mut Function);
    let invalid: [(&str, Mutation); 22] = [
        ("slot", |f| f.code[0] = Inst::Move { dst: 4, src: 0 }),
        ("source slot", |f| f.code[0] = Inst::Move { dst: 0, src: 9 }),
        ("param slot", |f| f.params[1].slot = 4),
        ("const slot", |f| f.consts[0].slot = 100),
        ("sret slot", |f| f.sret = Some(4)),
        ("call arg slot", |f| {
            f.code[1] = Inst::Call {
                sig: 0,
                callee: 3,
                args: vec![4],
                dst: None,
            }
        }),
        ("jump", |f| f.code[2] = Inst::Jump { target: 4 }),
        ("branch", |f| {
            f.code[2] = Inst::Branch {
                cond: 2,
                then: 3,
                otherwise: 7,
            }
        }),
        ("switch case", |f| {
            f.code[2] = Inst::Switch {
                value: 2,
                bits: 32,
                cases: vec![(1, 3), (2, 4)],
                default: 3,
            }
        }),
        ("sig index", |f| {
            f.code[1] = Inst::Call {
                sig: 1,
                callee: 3,
                args: vec![2],
                dst: None,
            }
        }),
        ("argument count", |f| {
            f.code[1] = Inst::Call {
                sig: 0,
                callee: 3,
                args: vec![2, 2],
                dst: None,
            }
        }),
        ("void result", |f| {
            f.code[1] = Inst::Call {
                sig: 0,
                callee: 3,
                args: vec![2],
                dst: Some(2),
            }
        }),
        ("falls off the end", |f| {
            f.code.push(Inst::Move { dst: 0, src: 0 })
        }),
        ("no code", |f| f.code.clear()),
        ("zero bits", |f| {
            f.code[0] = Inst::Bin {
                op: BinOp::Add,
                bits: 0,
                dst: 2,
                a: 0,
                b: 1,
            }
        }),
        ("65 bits", |f| f.params[0].class = int(65)),
        ("float op on an int", |f| {
            f.code[0] = Inst::FBin {
                op: FBinOp::Add,
                ty: Ty::I32,
                dst: 2,
                a: 0,
                b: 1,
            }
        }),
        ("widening trunc", |f| {
            f.code[0] = Inst::Cast {
                op: CastOp::Trunc,
                from: Ty::I8,
                to: Ty::I32,
                dst: 2,
                a: 0,
            }
        }),
        ("return without value", |f| {
            f.code[3] = Inst::Return { value: None }
        }),
        ("frame alignment", |f| f.frame_align = 3),
        ("frame alignment too large", |f| f.frame_align = 128),
        ("frame offset", |f| {
            f.consts.push(Const {
                slot: 0,
                value: Value::Frame { offset: 8 },
            })
        }),
    ];
    for (what, mutate) in invalid {
        let mut f = valid();
        mutate(&mut f);
        assert!(
            matches!(load_error(f), LoadError::Invalid(_)),
            "{what} accepted"
        );
    }
    let mut f = valid();
    f.consts[0].value = Value::Symbol {
        name: "nowhere".into(),
        addend: 0,
    };
    assert!(matches!(load_error(f), LoadError::UnknownSymbol(s) if s == "nowhere"));
    let mut f = valid();
    f.sigs[0].args = vec![I64; 80];
    f.code[1] = Inst::Call {
        sig: 0,
        callee: 3,
        args: vec![2; 80],
        dst: None,
    };
    assert!(matches!(load_error(f), LoadError::Unsupported(_)));
    let mut f = valid();
    f.slots = 70000;
    assert!(matches!(load_error(f), LoadError::FrameTooLarge { .. }));
}

#[test]
fn loaded_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Loaded>();
    assert_eq!(leak(valid_named("named")).name(), "named");
}

fn valid_named(name: &str) -> Function {
    let mut f = valid();
    f.name = name.into();
    f.sigs.clear();
    f.consts.clear();
    f.code.remove(1);
    f.code[1] = Inst::Branch {
        cond: 2,
        then: 2,
        otherwise: 2,
    };
    f
}

/// Runs `body` in a child process with no core dumps and default signal dispositions; answers
/// its wait status.
fn in_child(body: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only calls async-signal-safe functions and the interpreter, which does
    // not allocate; it leaves with `_exit`.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0);
        if pid == 0 {
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            libc::signal(libc::SIGFPE, libc::SIG_DFL);
            libc::signal(libc::SIGILL, libc::SIG_DFL);
            libc::_exit(body());
        }
        let mut status = 0;
        assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
        status
    }
}

#[test]
fn division_faults_raise_sigfpe() {
    for (op, bits, a, b) in [
        (BinOp::UDiv, 32u8, 1u64, 0u64),
        (BinOp::SRem, 64, 1, 0),
        (BinOp::SDiv, 8, 0x80, 0xff),
        (BinOp::SRem, 32, 0x8000_0000, 0xffff_ffff),
        (BinOp::SDiv, 64, i64::MIN as u64, u64::MAX),
    ] {
        let l = leak(function(
            "divide",
            3,
            &[(0, int(bits)), (1, int(bits))],
            Ret::Int {
                bits,
                ext: Ext::None,
            },
            vec![
                Inst::Bin {
                    op,
                    bits,
                    dst: 2,
                    a: 0,
                    b: 1,
                },
                Inst::Return { value: Some(2) },
            ],
        ));
        // Built before forking: the child does not allocate.
        let (incoming, _stack) = incoming(&[(int(bits), a), (int(bits), b)]);
        // SAFETY: the function only divides.
        let run = || unsafe { call(l, &incoming) };
        let status = in_child(|| {
            run();
            0
        });
        assert!(
            libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGFPE,
            "{op:?} i{bits}: status {status:#x}"
        );
        // When the signal is ignored, the result is 0.
        let status = in_child(|| {
            // SAFETY: ignoring a signal in the child.
            unsafe { libc::signal(libc::SIGFPE, libc::SIG_IGN) };
            (run().rax == 0) as i32 * 42
        });
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 42,
            "{op:?} i{bits}: status {status:#x}"
        );
    }
}

#[test]
fn trap_raises_sigill() {
    let l = leak(function("trap", 1, &[], Ret::Void, vec![Inst::Trap]));
    let (incoming, _stack) = incoming(&[]);
    let status = in_child(|| {
        // SAFETY: the function only traps.
        unsafe { call(l, &incoming) };
        0
    });
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGILL,
        "status {status:#x}"
    );
}

/// 1 when unwinding from here walks through the call thunk and the interpreter back to the
/// test (the thunk's CFI is right).
extern "C" fn unwinds_to_the_test() -> i64 {
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    (trace.contains("irjit_interp_call") && trace.contains("backtrace_walks_through_the_thunk"))
        as i64
}

#[test]
fn backtrace_walks_through_the_thunk() {
    let ret64 = Ret::Int {
        bits: 64,
        ext: Ext::None,
    };
    let mut f = function(
        "unwinder",
        2,
        &[],
        ret64,
        vec![
            Inst::Call {
                sig: 0,
                callee: 0,
                args: vec![],
                dst: Some(1),
            },
            Inst::Return { value: Some(1) },
        ],
    );
    f.sigs = vec![Sig {
        args: vec![],
        ret: ret64,
        variadic: false,
    }];
    f.consts = vec![bits_const(
        0,
        unwinds_to_the_test as *const () as usize as u64,
    )];
    assert_eq!(invoke(leak(f), &[]).rax, 1);
}
