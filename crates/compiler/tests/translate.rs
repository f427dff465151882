//! Translating functions into bytecode for the interpreter tier.
//!
//! Besides checking the bytecode's shape, the tests run small translated functions in a minimal
//! evaluator of the integer and control instructions (see [`run`]), so branch targets, `phi`
//! edges and switch cases are checked by what they compute.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::bytecode::{
    Arg, BinOp, CastOp, Ext, FBinOp, FPred, Function, IPred, Inst, OverflowOp, Ret, Sig,
    Translation, Ty, UnOp, Value,
};
use irjit_interface::{CompileRequest, ModuleSource, UnitCompiler, UnitId, UnitKind};

const TRIPLE: &str = "target datalayout = \"e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128\"\ntarget triple = \"x86_64-pc-linux-gnu\"\n";

/// A scratch directory for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("irjit-translate-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load_ir(ir: &str) -> Compiler {
    let text = format!("{TRIPLE}{ir}");
    Compiler::load_bytes(text.as_bytes(), "translate.ll", &LoadOptions::default())
        .expect("the test program loads")
}

fn unit(compiler: &Compiler, name: &str) -> UnitId {
    compiler
        .layout()
        .units
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("a unit for {name}"))
        .id
}

fn translate_unit(compiler: &mut Compiler, unit: UnitId) -> Translation {
    let compiled = compiler
        .compile(unit, &CompileRequest::bytecode())
        .expect("a bytecode request never fails");
    irjit_interface::abi::decode::<Translation>(&compiled.object).expect("a translation")
}

/// The translation of function `name` of `ir`.
fn translate(ir: &str, name: &str) -> Translation {
    let mut compiler = load_ir(ir);
    let unit = unit(&compiler, name);
    translate_unit(&mut compiler, unit)
}

/// The bytecode of function `name` of `ir`, which must translate.
fn function(ir: &str, name: &str) -> Function {
    match translate(ir, name) {
        Translation::Function(f) => f,
        Translation::Unsupported(reason) => panic!("{name} is unsupported: {reason}"),
    }
}

/// The reason function `name` of `ir` does not translate.
fn unsupported(ir: &str, name: &str) -> String {
    match translate(ir, name) {
        Translation::Function(f) => panic!("{name} translated: {f:#?}"),
        Translation::Unsupported(reason) => reason,
    }
}

/// The constant in `slot`.
fn constant(f: &Function, slot: u32) -> &Value {
    &f.consts
        .iter()
        .find(|c| c.slot == slot)
        .unwrap_or_else(|| panic!("slot {slot} holds no constant"))
        .value
}

/// Compiles C source to bitcode with clang-19 at -O0.
fn compile_c(dir: &Path, name: &str, source: &str, flags: &[&str]) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    let bc = dir.join(format!("{name}.bc"));
    std::fs::write(&c, source).unwrap();
    let status = Command::new("clang-19")
        .args(["-O0", "-c", "-emit-llvm", "-w"])
        .args(flags)
        .arg(&c)
        .arg("-o")
        .arg(&bc)
        .status()
        .expect("clang-19 runs");
    assert!(status.success(), "clang-19 compiles {name}.c");
    bc
}

fn mask(value: u64, bits: u8) -> u64 {
    if bits >= 64 {
        value
    } else {
        value & ((1u64 << bits) - 1)
    }
}

fn sext(value: u64, bits: u8) -> i64 {
    let shift = 64 - u32::from(bits);
    ((value << shift) as i64) >> shift
}

/// Where the evaluator puts a frame's memory.
const FRAME_BASE: u64 = 0x1000_0000;

/// Runs `f` on integer arguments with a minimal evaluator (no calls; memory is the frame's
/// only), returning the result. It follows the bytecode's documented semantics, independently
/// of the runtime's interpreter.
fn run(f: &Function, args: &[u64]) -> Option<u64> {
    let mut slots = vec![0u64; f.slots as usize];
    let mut memory = vec![0u8; f.frame_bytes as usize];
    for c in &f.consts {
        slots[c.slot as usize] = match c.value {
            Value::Bits(bits) => bits,
            Value::Frame { offset } => FRAME_BASE + u64::from(offset),
            ref other => panic!("the evaluator has no {other:?}"),
        };
    }
    assert_eq!(args.len(), f.params.len());
    for (p, &a) in f.params.iter().zip(args) {
        let Arg::Int { bits, .. } = p.class else {
            panic!("integer parameters only")
        };
        slots[p.slot as usize] = mask(a, bits);
    }
    let place = |addr: u64, ty: Ty| -> std::ops::Range<usize> {
        let start =
            addr.checked_sub(FRAME_BASE)
                .unwrap_or_else(|| panic!("{addr:#x} is outside the frame")) as usize;
        let end = start + ty.bytes() as usize;
        assert!(
            end <= f.frame_bytes as usize,
            "{addr:#x} is outside the frame"
        );
        start..end
    };
    let f32_of = |bits: u64| f32::from_bits(bits as u32);
    let f64_of = f64::from_bits;
    let float = |bits: u64, ty: Ty| match ty {
        Ty::F32 => f64::from(f32_of(bits)),
        _ => f64_of(bits),
    };
    let float_bits = |v: f64, ty: Ty| match ty {
        Ty::F32 => u64::from((v as f32).to_bits()),
        _ => v.to_bits(),
    };
    let mut pc = 0usize;
    for _ in 0..10_000 {
        let inst = &f.code[pc];
        pc += 1;
        match *inst {
            Inst::Move { dst, src } => slots[dst as usize] = slots[src as usize],
            Inst::Bin {
                op,
                bits,
                dst,
                a,
                b,
            } => {
                let (x, y) = (slots[a as usize], slots[b as usize]);
                let (sx, sy) = (sext(x, bits), sext(y, bits));
                let r = match op {
                    BinOp::Add => x.wrapping_add(y),
                    BinOp::Sub => x.wrapping_sub(y),
                    BinOp::Mul => x.wrapping_mul(y),
                    BinOp::UDiv => x / y,
                    BinOp::SDiv => sx.wrapping_div(sy) as u64,
                    BinOp::URem => x % y,
                    BinOp::SRem => sx.wrapping_rem(sy) as u64,
                    BinOp::Shl => x.checked_shl(y as u32).unwrap_or(0),
                    BinOp::LShr => x.checked_shr(y as u32).unwrap_or(0),
                    BinOp::AShr => (sx >> y.min(63)) as u64,
                    BinOp::And => x & y,
                    BinOp::Or => x | y,
                    BinOp::Xor => x ^ y,
                    BinOp::SMin => sx.min(sy) as u64,
                    BinOp::SMax => sx.max(sy) as u64,
                    BinOp::UMin => x.min(y),
                    BinOp::UMax => x.max(y),
                };
                slots[dst as usize] = mask(r, bits);
            }
            Inst::FBin { op, ty, dst, a, b } => {
                let (x, y) = (float(slots[a as usize], ty), float(slots[b as usize], ty));
                let r = match op {
                    FBinOp::Add => x + y,
                    FBinOp::Sub => x - y,
                    FBinOp::Mul => x * y,
                    FBinOp::Div => x / y,
                    FBinOp::Rem => x % y,
                };
                // f32 arithmetic done in f64 and rounded once is exact for +, -, *, /.
                slots[dst as usize] = float_bits(r, ty);
            }
            Inst::FNeg { ty, dst, a } => {
                slots[dst as usize] = float_bits(-float(slots[a as usize], ty), ty)
            }
            Inst::FCmp {
                pred,
                ty,
                dst,
                a,
                b,
            } => {
                let (x, y) = (float(slots[a as usize], ty), float(slots[b as usize], ty));
                let uno = x.is_nan() || y.is_nan();
                let r = match pred {
                    FPred::False => false,
                    FPred::Oeq => !uno && x == y,
                    FPred::Ogt => !uno && x > y,
                    FPred::Oge => !uno && x >= y,
                    FPred::Olt => !uno && x < y,
                    FPred::Ole => !uno && x <= y,
                    FPred::One => !uno && x != y,
                    FPred::Ord => !uno,
                    FPred::Uno => uno,
                    FPred::Ueq => uno || x == y,
                    FPred::Ugt => uno || x > y,
                    FPred::Uge => uno || x >= y,
                    FPred::Ult => uno || x < y,
                    FPred::Ule => uno || x <= y,
                    FPred::Une => uno || x != y,
                    FPred::True => true,
                };
                slots[dst as usize] = u64::from(r);
            }
            Inst::Unary { op, bits, dst, a } => {
                let x = slots[a as usize];
                let r = match op {
                    UnOp::Bswap => x.swap_bytes() >> (64 - u32::from(bits)),
                    UnOp::Ctpop => u64::from(x.count_ones()),
                    UnOp::Ctlz => u64::from(x.leading_zeros()) - (64 - u64::from(bits)),
                    UnOp::Cttz => u64::from(x.trailing_zeros()).min(u64::from(bits)),
                    UnOp::Abs => sext(x, bits).unsigned_abs(),
                };
                slots[dst as usize] = mask(r, bits);
            }
            Inst::ICmp {
                pred,
                bits,
                dst,
                a,
                b,
            } => {
                let (x, y) = (slots[a as usize], slots[b as usize]);
                let (sx, sy) = (sext(x, bits), sext(y, bits));
                let r = match pred {
                    IPred::Eq => x == y,
                    IPred::Ne => x != y,
                    IPred::Ugt => x > y,
                    IPred::Uge => x >= y,
                    IPred::Ult => x < y,
                    IPred::Ule => x <= y,
                    IPred::Sgt => sx > sy,
                    IPred::Sge => sx >= sy,
                    IPred::Slt => sx < sy,
                    IPred::Sle => sx <= sy,
                };
                slots[dst as usize] = u64::from(r);
            }
            Inst::Overflow {
                op,
                bits,
                dst,
                flag,
                a,
                b,
            } => {
                let (x, y) = (slots[a as usize], slots[b as usize]);
                let (sx, sy) = (i128::from(sext(x, bits)), i128::from(sext(y, bits)));
                let (ux, uy) = (i128::from(x), i128::from(y));
                let exact = match op {
                    OverflowOp::SAdd => sx + sy,
                    OverflowOp::SSub => sx - sy,
                    OverflowOp::SMul => sx * sy,
                    OverflowOp::UAdd => ux + uy,
                    OverflowOp::USub => ux - uy,
                    // (Exact in u128; a product of 2^127 or more, wrapped, still differs
                    // from every 64-bit result.)
                    OverflowOp::UMul => (x as u128 * y as u128) as i128,
                };
                let r = mask(exact as u64, bits);
                let signed = matches!(op, OverflowOp::SAdd | OverflowOp::SSub | OverflowOp::SMul);
                let back = if signed {
                    i128::from(sext(r, bits))
                } else {
                    i128::from(r)
                };
                slots[dst as usize] = r;
                slots[flag as usize] = u64::from(back != exact);
            }
            Inst::Select { dst, cond, a, b } => {
                slots[dst as usize] = if slots[cond as usize] & 1 != 0 {
                    slots[a as usize]
                } else {
                    slots[b as usize]
                }
            }
            Inst::Cast {
                op,
                from,
                to,
                dst,
                a,
            } => {
                let x = slots[a as usize];
                let (fb, tb) = (from.bits() as u8, to.bits() as u8);
                slots[dst as usize] = match op {
                    CastOp::Trunc | CastOp::ZExt | CastOp::Bitcast => mask(x, tb),
                    CastOp::SExt => mask(sext(x, fb) as u64, tb),
                    CastOp::FpToSi => mask(float(x, from) as i64 as u64, tb),
                    CastOp::FpToUi => mask(float(x, from) as u64, tb),
                    CastOp::SiToFp if to == Ty::F32 => u64::from((sext(x, fb) as f32).to_bits()),
                    CastOp::SiToFp => (sext(x, fb) as f64).to_bits(),
                    CastOp::UiToFp if to == Ty::F32 => u64::from((x as f32).to_bits()),
                    CastOp::UiToFp => (x as f64).to_bits(),
                    CastOp::FpTrunc | CastOp::FpExt => float_bits(float(x, from), to),
                };
            }
            Inst::PtrAdd { dst, base, offset } => {
                slots[dst as usize] = slots[base as usize].wrapping_add(offset as u64)
            }
            Inst::PtrIndex {
                dst,
                base,
                index,
                bits,
                scale,
            } => {
                let step = sext(slots[index as usize], bits).wrapping_mul(scale);
                slots[dst as usize] = slots[base as usize].wrapping_add(step as u64);
            }
            Inst::Load { ty, dst, addr, .. } => {
                let mut bytes = [0u8; 8];
                let range = place(slots[addr as usize], ty);
                bytes[..range.len()].copy_from_slice(&memory[range]);
                slots[dst as usize] = mask(u64::from_le_bytes(bytes), ty.bits() as u8);
            }
            Inst::Store { ty, addr, src, .. } => {
                let range = place(slots[addr as usize], ty);
                let n = range.len();
                memory[range].copy_from_slice(&slots[src as usize].to_le_bytes()[..n]);
            }
            Inst::Jump { target } => pc = target as usize,
            Inst::Branch {
                cond,
                then,
                otherwise,
            } => {
                pc = if slots[cond as usize] & 1 != 0 {
                    then
                } else {
                    otherwise
                } as usize
            }
            Inst::Switch {
                value,
                ref cases,
                default,
                ..
            } => {
                let v = slots[value as usize];
                pc = cases
                    .iter()
                    .find(|&&(c, _)| c == v)
                    .map_or(default, |&(_, t)| t) as usize;
            }
            Inst::Return { value } => return value.map(|s| slots[s as usize]),
            ref other => panic!("the evaluator has no {other:?}"),
        }
    }
    panic!("{} ran too long", f.name)
}

#[test]
fn arithmetic_translates() {
    let f = function(
        r#"
define signext i16 @arith(i32 %a, i32 noundef zeroext %b, i64 %c) nounwind {
  %s = add i32 %a, %b
  %m = mul i32 %s, 3
  %d = sdiv i32 %m, -2
  %t = trunc i32 %d to i16
  ret i16 %t
}
"#,
        "arith",
    );
    assert_eq!(f.name, "arith");
    let classes: Vec<Arg> = f.params.iter().map(|p| p.class).collect();
    assert_eq!(
        classes,
        [
            Arg::Int {
                bits: 32,
                ext: Ext::None
            },
            Arg::Int {
                bits: 32,
                ext: Ext::Zero
            },
            Arg::Int {
                bits: 64,
                ext: Ext::None
            },
        ]
    );
    let slots: Vec<u32> = f.params.iter().map(|p| p.slot).collect();
    assert_eq!(slots, [0, 1, 2]);
    assert_eq!(
        f.ret,
        Ret::Int {
            bits: 16,
            ext: Ext::Sign
        }
    );
    assert_eq!(f.sret, None);
    assert_eq!((f.frame_bytes, f.frame_align), (0, 1));
    let values: Vec<&Value> = f.consts.iter().map(|c| &c.value).collect();
    assert_eq!(
        values,
        [&Value::Bits(3), &Value::Bits(0xffff_fffe)],
        "constants are zero-extended from their width"
    );
    assert!(matches!(
        f.code[0],
        Inst::Bin {
            op: BinOp::Add,
            bits: 32,
            a: 0,
            b: 1,
            ..
        }
    ));
    assert!(matches!(
        f.code[3],
        Inst::Cast {
            op: CastOp::Trunc,
            ..
        }
    ));
    assert!(matches!(f.code[4], Inst::Return { value: Some(_) }));
    assert_eq!(f.code.len(), 5);
    // (5 + 7) * 3 / -2 = -18.
    assert_eq!(run(&f, &[5, 7, 0]), Some(mask(-18i64 as u64, 16)));
}

#[test]
fn phi_edges_get_their_own_moves() {
    let ir = r#"
define i32 @pick(i32 %x, i32 %k) nounwind {
entry:
  %c = icmp slt i32 %x, 10
  br i1 %c, label %small, label %big
small:
  %y = add i32 %x, 100
  br label %join
big:
  switch i32 %k, label %join [ i32 1, label %one
                               i32 2, label %join
                               i32 3, label %join ]
one:
  br label %join
join:
  %p = phi i32 [ %y, %small ], [ 7, %big ], [ 7, %big ], [ 7, %big ], [ %x, %one ]
  %q = phi i32 [ 1, %small ], [ 2, %big ], [ 2, %big ], [ 2, %big ], [ 3, %one ]
  %r = mul i32 %p, %q
  ret i32 %r
}
"#;
    let f = function(ir, "pick");
    let moves = f
        .code
        .iter()
        .filter(|i| matches!(i, Inst::Move { .. }))
        .count();
    // Two phis on three edges (the switch's three edges to `join` share one edge block).
    assert_eq!(moves, 6, "{:#?}", f.code);
    assert_eq!(run(&f, &[3, 0]), Some(103));
    assert_eq!(run(&f, &[20, 0]), Some(14));
    assert_eq!(run(&f, &[20, 2]), Some(14));
    assert_eq!(run(&f, &[20, 3]), Some(14));
    assert_eq!(run(&f, &[20, 1]), Some(60));
}

#[test]
fn loops_are_unsupported() {
    let reason = unsupported(
        r#"
define i32 @sum(i32 %n) nounwind {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]
  %i1 = add i32 %i, 1
  %more = icmp slt i32 %i1, %n
  br i1 %more, label %loop, label %done
done:
  ret i32 %i1
}
"#,
        "sum",
    );
    assert!(reason.contains("loop"), "{reason}");
}

#[test]
fn varargs_functions_are_unsupported() {
    let reason = unsupported(
        r#"
define i32 @first(i32 %n, ...) nounwind {
  ret i32 %n
}
"#,
        "first",
    );
    assert!(reason.contains("varargs"), "{reason}");
}

#[test]
fn printf_gets_a_variadic_signature() {
    let f = function(
        r#"
@fmt = private constant [7 x i8] c"%d %f\0A\00"
declare i32 @printf(ptr, ...)

define void @say(i32 %n, float %x) nounwind {
  %d = fpext float %x to double
  %r = call i32 (ptr, ...) @printf(ptr @fmt, i32 %n, double %d)
  ret void
}
"#,
        "say",
    );
    assert_eq!(f.params[1].class, Arg::F32);
    assert_eq!(f.ret, Ret::Void);
    let call = f
        .code
        .iter()
        .find_map(|i| match i {
            Inst::Call {
                sig, callee, args, ..
            } => Some((*sig, *callee, args.clone())),
            _ => None,
        })
        .expect("a call");
    assert_eq!(
        f.sigs[call.0 as usize],
        Sig {
            args: vec![
                Arg::Int {
                    bits: 64,
                    ext: Ext::None
                },
                Arg::Int {
                    bits: 32,
                    ext: Ext::None
                },
                Arg::F64
            ],
            ret: Ret::Int {
                bits: 32,
                ext: Ext::None
            },
            variadic: true,
        }
    );
    assert_eq!(
        constant(&f, call.1),
        &Value::Symbol {
            name: "printf".into(),
            addend: 0
        }
    );
    // The private string was renamed to a unique external name by the split.
    match constant(&f, call.2[0]) {
        Value::Symbol { name, addend: 0 } => assert!(name.starts_with("fmt."), "{name}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(call.2[1], f.params[0].slot);
}

#[test]
fn gep_constants_become_symbols_with_addends() {
    let f = function(
        r#"
%struct.S = type { i32, i64, [4 x i16] }
@s = global %struct.S zeroinitializer

define i16 @field(i64 %i) nounwind {
  %v = load i16, ptr getelementptr (%struct.S, ptr @s, i32 0, i32 2, i64 3)
  %p = getelementptr inbounds %struct.S, ptr @s, i64 1, i32 2, i64 %i
  %w = load i16, ptr %p
  %x = add i16 %v, %w
  ret i16 %x
}
"#,
        "field",
    );
    let Inst::Load { addr, .. } = f.code[0] else {
        panic!("{:?}", f.code[0])
    };
    assert_eq!(
        constant(&f, addr),
        &Value::Symbol {
            name: "s".into(),
            addend: 16 + 3 * 2
        }
    );
    // The variable index, then the constant part (one struct and the field's offset).
    assert!(matches!(
        f.code[1],
        Inst::PtrIndex {
            bits: 64,
            scale: 2,
            ..
        }
    ));
    assert!(matches!(f.code[2], Inst::PtrAdd { offset: 40, .. }));
}

#[test]
fn allocas_live_in_frame_memory() {
    let f = function(
        r#"
define i32 @locals(i32 %x) nounwind {
  %a = alloca i32, align 4
  %b = alloca [3 x double], align 32
  %c = alloca i8, i32 5, align 1
  store i32 %x, ptr %a, align 4
  store double 1.5, ptr %b
  %v = load i32, ptr %a, align 4
  ret i32 %v
}
"#,
        "locals",
    );
    assert_eq!((f.frame_bytes, f.frame_align), (61, 32));
    let Inst::Store { addr, .. } = f.code[1] else {
        panic!("{:?}", f.code[1])
    };
    assert_eq!(constant(&f, addr), &Value::Frame { offset: 32 });
    let Inst::Store { addr, src, .. } = f.code[0] else {
        panic!("{:?}", f.code[0])
    };
    assert_eq!(constant(&f, addr), &Value::Frame { offset: 0 });
    assert_eq!(src, f.params[0].slot);
    assert!(f
        .consts
        .iter()
        .any(|c| c.value == Value::Frame { offset: 56 }));
    assert!(f
        .consts
        .iter()
        .any(|c| c.value == Value::Bits(1.5f64.to_bits())));
}

#[test]
fn dynamic_allocas_are_unsupported() {
    let reason = unsupported(
        r#"
define void @vla(i64 %n) nounwind {
  %a = alloca i8, i64 %n
  store i8 0, ptr %a
  ret void
}
"#,
        "vla",
    );
    assert_eq!(reason, "dynamic alloca");
}

#[test]
fn memcpy_calls_the_host() {
    let f = function(
        r#"
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

define void @copy(ptr %d, ptr %s, i64 %n) nounwind {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  call void @llvm.memset.p0.i64(ptr %d, i8 -1, i64 4, i1 true)
  ret void
}
"#,
        "copy",
    );
    let calls: Vec<(&Value, &Sig, &Vec<u32>)> = f
        .code
        .iter()
        .filter_map(|i| match i {
            Inst::Call {
                sig, callee, args, ..
            } => Some((constant(&f, *callee), &f.sigs[*sig as usize], args)),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        calls[0].0,
        &Value::Symbol {
            name: "memcpy".into(),
            addend: 0
        }
    );
    assert_eq!(calls[0].1.args.len(), 3);
    assert!(!calls[0].1.variadic);
    assert_eq!(calls[0].2, &vec![0, 1, 2]);
    assert_eq!(
        calls[1].0,
        &Value::Symbol {
            name: "memset".into(),
            addend: 0
        }
    );
    assert_eq!(constant(&f, calls[1].2[1]), &Value::Bits(0xff));
}

#[test]
fn overflow_intrinsics_and_extractvalue() {
    let f = function(
        r#"
declare { i32, i1 } @llvm.sadd.with.overflow.i32(i32, i32)
declare { i8, i1 } @llvm.umul.with.overflow.i8(i8, i8)

define i32 @checked(i32 %a, i32 %b, i8 %c) nounwind {
  %r = call { i32, i1 } @llvm.sadd.with.overflow.i32(i32 %a, i32 %b)
  %v = extractvalue { i32, i1 } %r, 0
  %o = extractvalue { i32, i1 } %r, 1
  %m = call { i8, i1 } @llvm.umul.with.overflow.i8(i8 %c, i8 %c)
  %mo = extractvalue { i8, i1 } %m, 1
  %any = or i1 %o, %mo
  %res = select i1 %any, i32 -1, i32 %v
  ret i32 %res
}
"#,
        "checked",
    );
    assert!(matches!(
        f.code[0],
        Inst::Overflow {
            op: OverflowOp::SAdd,
            bits: 32,
            ..
        }
    ));
    assert_eq!(run(&f, &[1, 2, 3]), Some(3));
    assert_eq!(run(&f, &[0x7fff_ffff, 1, 3]), Some(0xffff_ffff));
    assert_eq!(run(&f, &[1, 2, 16]), Some(0xffff_ffff));
}

#[test]
fn unwinding_functions_are_unsupported() {
    let reason = unsupported(
        r#"
declare void @may_throw()

define void @cxx() {
  call void @may_throw()
  ret void
}
"#,
        "cxx",
    );
    assert_eq!(reason, "not nounwind");
}

#[test]
fn units_defining_variables_are_unsupported() {
    // The jump table holds block addresses of `dispatch`, so it lives in `dispatch`'s unit.
    let reason = unsupported(
        r#"
define i32 @dispatch(i32 %op) nounwind {
entry:
  %slot = getelementptr [2 x ptr], ptr @labels, i32 0, i32 %op
  %target = load ptr, ptr %slot
  indirectbr ptr %target, [label %one, label %two]
one:
  ret i32 1
two:
  ret i32 2
}
@labels = internal constant [2 x ptr] [ptr blockaddress(@dispatch, %one), ptr blockaddress(@dispatch, %two)]
"#,
        "dispatch",
    );
    assert_eq!(reason, "defines variables");
}

#[test]
fn globals_unit_is_unsupported() {
    let mut compiler = load_ir("@x = global i32 1\ndefine i32 @f() nounwind { ret i32 0 }\n");
    let globals = compiler
        .layout()
        .units
        .iter()
        .find(|u| u.kind == UnitKind::Globals)
        .unwrap()
        .id;
    assert!(matches!(
        translate_unit(&mut compiler, globals),
        Translation::Unsupported(_)
    ));
}

#[test]
fn other_unsupported_constructs_are_named() {
    for (body, expected) in [
        ("%v = add i128 0, 1\n ret void", "i128"),
        (
            "%v = fadd x86_fp80 0xK3FFF8000000000000000, 0xK3FFF8000000000000000\n ret void",
            "x86_fp80",
        ),
        (
            "%v = add <2 x i32> zeroinitializer, zeroinitializer\n ret void",
            "vector type",
        ),
        (
            "call void asm sideeffect \"nop\", \"\"()\n ret void",
            "inline asm",
        ),
        (
            "%s = call ptr @llvm.stacksave.p0()\n ret void",
            "intrinsic llvm.stacksave.p0",
        ),
        ("%r = call i32 @setjmp(ptr null)\n ret void", "setjmp"),
        ("%a = alloca i32, i32 %n\n ret void", "dynamic alloca"),
    ] {
        let ir = format!(
            "declare ptr @llvm.stacksave.p0()\ndeclare i32 @setjmp(ptr) returns_twice\n\
             define void @f(i32 %n) nounwind {{\n {body}\n}}\n"
        );
        assert_eq!(unsupported(&ir, "f"), expected, "{body}");
    }
}

#[test]
fn same_request_gives_same_bytes() {
    let ir = r#"
declare i32 @puts(ptr)
@msg = constant [3 x i8] c"hi\00"
define i32 @hello(i1 %c) nounwind {
entry:
  br i1 %c, label %a, label %b
a:
  %r = call i32 @puts(ptr @msg)
  br label %b
b:
  %p = phi i32 [ 0, %entry ], [ %r, %a ]
  ret i32 %p
}
"#;
    let bytes = || {
        let mut compiler = load_ir(ir);
        let unit = unit(&compiler, "hello");
        let first = compiler
            .compile(unit, &CompileRequest::bytecode())
            .unwrap()
            .object;
        let second = compiler
            .compile(unit, &CompileRequest::bytecode())
            .unwrap()
            .object;
        assert_eq!(first, second);
        first
    };
    assert_eq!(bytes(), bytes());
}

/// A C program exercising many constructs, as clang emits them at -O0.
const PROGRAM: &str = r#"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <setjmp.h>

struct point { int x, y; double w; };
struct pair { long a, b; };
struct big { char name[40]; int values[16]; };
union bits { float f; uint32_t u; };

static int counter;
int table[8] = {1, 2, 3, 4, 5, 6, 7, 8};
const char *names[] = {"zero", "one", "two"};
_Thread_local int tls_value;
static jmp_buf env;

int add(int a, int b) { return a + b; }
unsigned char narrow(unsigned char c, signed char d) { return c + d; }
_Bool is_even(long v) { return (v & 1) == 0; }
int64_t mix(int64_t a, uint32_t b, int16_t c) { return a * b - c / 3 + (a >> 5) + ((uint64_t)a >> 7); }
double hyp(double a, double b) { return sqrt(a * a + b * b); }
float scale(float x, float y) { return fabsf(x) * y + floorf(y); }
double powers(double x) { return pow(x, 3.0) + exp(x) - log(x + 2) + fmin(x, 1) + fmax(x, 2); }
int compare(double a, double b) { return (a < b) - (a > b) + (a == b) * 10 + (a != a); }
uint32_t to_bits(float f) { union bits b; b.f = f; return b.u; }
float from_bits(uint32_t u) { union bits b; b.u = u; return b.f; }
int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
int grade(int score) {
    switch (score / 10) {
    case 10: case 9: return 'A';
    case 8: return 'B';
    case 7: return 'C';
    default: return 'F';
    }
}
int logic(int a, int b, int c) { return (a && b) || (!c && a != b); }
long conv(double d, float f, unsigned u, short s) { return (long)d + (long)f + (long)(double)u + s + (unsigned long)d; }
int point_sum(struct point *p) { return p->x + p->y + (int)p->w; }
struct point make_point(int x, int y) { struct point p = {x, y, x * 0.5}; return p; }
struct pair make_pair(long a) { struct pair p = {a, a * 2}; return p; }
long pair_sum(struct pair p) { return p.a + p.b; }
int big_first(struct big b) { return b.values[0] + b.name[0]; }
void fill(struct big *b) { memset(b, 0, sizeof *b); strcpy(b->name, "filled"); b->values[3] = 3; }
void copy_big(struct big *d, const struct big *s) { *d = *s; }
int table_at(int i) { return table[i & 7] + table[2]; }
const char *name_of(int i) { return i < 3 ? names[i] : "many"; }
int bump(void) { return ++counter; }
int *counter_addr(void) { return &counter; }
int tls_get(void) { return tls_value; }
int sum_to(int n) { int s = 0; for (int i = 0; i < n; i++) s += i; return s; }
int sum_va(int n, ...) { va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return s; }
int vsum(int n, va_list ap) { va_list copy; va_copy(copy, ap); int s = va_arg(copy, int); va_end(copy); return s + n; }
int say(int v) { return printf("value %d %s %f\n", v, name_of(v), (double)v / 3); }
void say_err(const char *m) { fprintf(stderr, "%s\n", m); }
int call_through(int (*f)(int, int), int a) { return f(a, a + 1); }
int vla(int n) { int a[n]; a[0] = n; return a[0]; }
int try_jump(int v) { if (setjmp(env)) return 1; return v; }
void jump_back(void) { longjmp(env, 1); }
int atomic_inc(int *p) { return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST); }
long atomic_swap(long *p, long v) { return __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL); }
int atomic_cas(int *p, int old, int new_) { return __atomic_compare_exchange_n(p, &old, new_, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }
int atomic_load_store(int *p) { int v = __atomic_load_n(p, __ATOMIC_ACQUIRE); __atomic_store_n(p, v + 1, __ATOMIC_RELEASE); __atomic_thread_fence(__ATOMIC_SEQ_CST); return v; }
int overflow_add(int a, int b) { int r; if (__builtin_add_overflow(a, b, &r)) return -1; return r; }
unsigned bits_ops(unsigned v) { return __builtin_popcount(v) + __builtin_clz(v | 1) + __builtin_ctz(v | 0x100) + __builtin_bswap32(v); }
long expect(long v) { if (__builtin_expect(v > 10, 0)) return 1; return 0; }
void die(void) { __builtin_trap(); }
int never(int v) { if (v) __builtin_unreachable(); return 2; }
void *grab(size_t n) { void *p = malloc(n); if (!p) abort(); return p; }
int strings(const char *a, const char *b) { return strcmp(a, b) + (int)strlen(a); }
double average(const double *v, int n) { return n > 0 ? (v[0] + v[n - 1]) / 2 : 0.0; }
int nested(int a) { if (a > 0) { if (a > 10) return 2; return 1; } else if (a < -10) return -2; return a == 0 ? 0 : -1; }
int ptr_diff(int *a, int *b) { return (int)(b - a); }
uintptr_t ptr_bits(void *p) { return (uintptr_t)p & 15; }
int addr_cmp(void *a, void *b) { return a < b; }
char char_at(const char *s, long i) { return s[i] ^ s[-1]; }
short shorts(short a, unsigned short b) { return (short)(a * b) >> 2; }
unsigned long long ull(unsigned long long a) { return a / 7 % 5 << 3; }
float fneg(float x) { return -x; }
double fmodulo(double a, double b) { return fmod(a, b) + __builtin_fmod(a, b); }
int main(int argc, char **argv) {
    struct big b;
    fill(&b);
    say(argc);
    return add(argc, 1) + point_sum(&(struct point){1, 2, 3.0}) + big_first(b);
}
"#;

/// Translates every function unit of `compiler`, returning (translated, reasons with counts).
fn translate_all(compiler: &mut Compiler) -> (usize, BTreeMap<String, usize>) {
    let units: Vec<UnitId> = compiler
        .layout()
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Function)
        .map(|u| u.id)
        .collect();
    let mut translated = 0;
    let mut reasons = BTreeMap::new();
    for unit in units {
        match translate_unit(compiler, unit) {
            Translation::Function(f) => {
                check_well_formed(&f);
                translated += 1;
            }
            Translation::Unsupported(reason) => *reasons.entry(reason).or_default() += 1,
        }
    }
    (translated, reasons)
}

/// Checks what the runtime's validation would: slots and targets in range, signatures match.
fn check_well_formed(f: &Function) {
    let slot = |s: u32| assert!(s < f.slots, "{}: slot {s} of {}", f.name, f.slots);
    let target = |t: u32| assert!((t as usize) < f.code.len(), "{}: target {t}", f.name);
    for p in &f.params {
        slot(p.slot);
    }
    for c in &f.consts {
        slot(c.slot);
    }
    assert!(u64::from(f.slots) * 8 + u64::from(f.frame_bytes) <= 64 * 1024);
    assert!(f.frame_align.is_power_of_two() && f.frame_align <= 64);
    for inst in &f.code {
        match inst {
            Inst::Call {
                sig,
                callee,
                args,
                dst,
            } => {
                let sig = &f.sigs[*sig as usize];
                assert_eq!(sig.args.len(), args.len(), "{}", f.name);
                slot(*callee);
                args.iter().copied().for_each(slot);
                dst.map(slot);
            }
            Inst::Jump { target: t } => target(*t),
            Inst::Branch {
                then, otherwise, ..
            } => {
                target(*then);
                target(*otherwise);
            }
            Inst::Switch { cases, default, .. } => {
                target(*default);
                cases.iter().for_each(|&(_, t)| target(t));
            }
            _ => {}
        }
    }
    assert!(
        matches!(
            f.code.last(),
            Some(Inst::Return { .. } | Inst::Trap | Inst::Jump { .. })
        ),
        "{}: the code ends with {:?}",
        f.name,
        f.code.last()
    );
}

fn report(what: &str, translated: usize, reasons: &BTreeMap<String, usize>) {
    let unsupported: usize = reasons.values().sum();
    println!("{what}: {translated} translated, {unsupported} unsupported");
    let mut sorted: Vec<_> = reasons.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, count) in sorted {
        println!("  {count:6}  {reason}");
    }
}

#[test]
fn a_realistic_c_program_translates_without_errors() {
    let dir = scratch("program");
    let bc = compile_c(&dir, "program", PROGRAM, &[]);
    let mut compiler =
        Compiler::load(&ModuleSource::file(bc), &LoadOptions::default()).expect("loads");
    let (translated, reasons) = translate_all(&mut compiler);
    report("program.c", translated, &reasons);
    for expected in [
        "loop",
        "varargs function",
        "setjmp",
        "intrinsic llvm.stacksave.p0",
        "aggregate return",
        "intrinsic llvm.threadlocal.address.p0",
    ] {
        assert!(
            reasons.contains_key(expected),
            "no '{expected}' in {reasons:?}"
        );
    }
    assert!(translated >= 45, "{translated} translated: {reasons:?}");
}

/// Translates every function of the bitcode file named by `IRJIT_TRANSLATE_BITCODE` (e.g. a
/// large program, for statistics: run with `--nocapture`); does nothing when it is unset.
#[test]
fn external_bitcode_translates_without_errors() {
    let Some(path) = std::env::var_os("IRJIT_TRANSLATE_BITCODE") else {
        return;
    };
    let mut compiler = Compiler::load(
        &ModuleSource::file(PathBuf::from(&path)),
        &LoadOptions::default(),
    )
    .expect("loads");
    let (translated, reasons) = translate_all(&mut compiler);
    report(&path.to_string_lossy(), translated, &reasons);
}

#[test]
fn fmuladd_is_unfused() {
    let f = function(
        r#"
declare double @llvm.fmuladd.f64(double, double, double)
define double @fma(double %a, double %b, double %c) nounwind {
  %r = call double @llvm.fmuladd.f64(double %a, double %b, double %c)
  ret double %r
}
"#,
        "fma",
    );
    assert!(matches!(
        f.code[0],
        Inst::FBin {
            op: FBinOp::Mul,
            ..
        }
    ));
    assert!(matches!(
        f.code[1],
        Inst::FBin {
            op: FBinOp::Add,
            ..
        }
    ));
}

/// Loop-free C functions without calls, each `long f(long, long)`, run natively and in the
/// evaluator on the same inputs.
const DIFFERENTIAL: &str = r#"
#include <stdio.h>
long f_arith(long a, long b) { return a * 3 - a / (b == 0 ? 1 : b) + (a % 7) - (b << 3) + (a >> 2); }
long f_unsigned(long a, long b) { unsigned x = a, y = b | 1; return x / y + x % y + (x >> 3) + (unsigned char)(x + y); }
long f_clamp(long v, long lo) { long hi = lo + 100; return v < lo ? lo : v > hi ? hi : v; }
long f_grade(long score, long b) {
    switch (score / 10) {
    case 10: case 9: return 'A';
    case 8: return 'B';
    case 7: return 'C';
    case -1: return 'X';
    default: return 'F' + (b > 0);
    }
}
long f_logic(long a, long b) { return (a && b) || (!a && b > 3) ? 1 + (a > b) : -(a == b); }
long f_float(long a, long b) {
    double x = a / 3.0, y = b * 0.25;
    float f = (float)x;
    return (long)(x * y + f) + (x < y) + (long)(-f) + (long)(float)(unsigned)(b & 0xffff) + (long)(f / 7.0f);
}
long f_short(long a, long b) { short s = a; unsigned short u = b; signed char c = a + b; return ((short)(s * u) >> 2) ^ c ^ (u >> 1); }
long f_struct(long a, long b) {
    struct { char c; long l; short s[3]; } st;
    st.c = a; st.l = b; st.s[1] = a + b; st.s[2] = st.s[1] * 2;
    return st.c + st.l + st.s[1] + st.s[2];
}
long f_array(long a, long b) {
    int arr[4] = {1, 2, 3, (int)a};
    arr[a & 3] = b;
    return arr[0] + arr[1] * 10 + arr[2] * 100 + arr[3] * 1000 + arr[b & 3];
}
long f_bool(long a, long b) { _Bool x = a, y = b; return x + y * 2 + (x ^ y) * 4; }
long f_phi(long a, long b) { return a > 0 && b > 0 ? a + b : a > 0 || b > 0 ? a - b : 0; }
long f_overflow(long a, long b) {
    int r;
    if (__builtin_sadd_overflow((int)a, (int)b, &r)) return -1;
    unsigned long u;
    return r + __builtin_umull_overflow(a, b, &u) + __builtin_mul_overflow((short)a, (short)b, &r) * 2;
}
long f_bits(long a, long b) { unsigned x = a; return __builtin_popcount(x) + __builtin_clzl(b | 1) + __builtin_ctz(x | 256) + (__builtin_bswap32(x) >> 8) + __builtin_bswap16(x); }
long f_ptr(long a, long b) { long arr[3] = {a, b, a ^ b}; long *p = &arr[1]; return p[-1] + p[1] + (p - arr) + (long)((char *)p - (char *)arr) + (p > arr); }
long f_fcmp(long a, long b) { double x = a, y = b * 0.5; float z = y; return (x < y) + (x <= y) * 2 + (x == y) * 4 + (x != y) * 8 + (x > y) * 16 + (x >= z) * 32; }
long f_mixed(long a, long b) { unsigned long long u = a; return (long)(u / 7 % 5 << 3) + (int)(unsigned)b - (long long)(signed char)a; }

typedef long (*fn)(long, long);
static const struct { const char *name; fn f; } functions[] = {
    {"f_arith", f_arith}, {"f_unsigned", f_unsigned}, {"f_clamp", f_clamp}, {"f_grade", f_grade},
    {"f_logic", f_logic}, {"f_float", f_float}, {"f_short", f_short}, {"f_struct", f_struct},
    {"f_array", f_array}, {"f_bool", f_bool}, {"f_phi", f_phi}, {"f_overflow", f_overflow},
    {"f_bits", f_bits}, {"f_ptr", f_ptr}, {"f_fcmp", f_fcmp}, {"f_mixed", f_mixed},
};
static const long inputs[][2] = {
    {0, 0}, {1, 2}, {-5, 3}, {100, -7}, {95, 95}, {7, 0}, {-1, -1}, {85, 1}, {-3, 4},
    {123456789, 98765}, {1L << 40, 3}, {0x7fffffff, 1}, {-2147483647L - 1, -1}, {300, 300},
    {40000, 40000}, {-40000, 70000}, {4, 8}, {10, 4},
};
int main(void) {
    for (unsigned i = 0; i < sizeof functions / sizeof functions[0]; i++)
        for (unsigned j = 0; j < sizeof inputs / sizeof inputs[0]; j++)
            printf("%s %ld %ld %ld\n", functions[i].name, inputs[j][0], inputs[j][1],
                   functions[i].f(inputs[j][0], inputs[j][1]));
    return 0;
}
"#;

#[test]
fn translated_c_computes_what_native_code_does() {
    let dir = scratch("differential");
    let bc = compile_c(&dir, "differential", DIFFERENTIAL, &[]);
    let exe = dir.join("differential");
    let status = Command::new("clang-19")
        .args(["-O0", "-w", "-o"])
        .arg(&exe)
        .arg(&bc)
        .status()
        .expect("clang-19 runs");
    assert!(status.success(), "clang-19 links the native program");
    let native = Command::new(&exe)
        .output()
        .expect("the native program runs");
    let native = String::from_utf8(native.stdout).unwrap();
    let mut compiler =
        Compiler::load(&ModuleSource::file(bc), &LoadOptions::default()).expect("loads");
    let mut functions: BTreeMap<String, Function> = BTreeMap::new();
    let mut checked = 0;
    for line in native.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let [name, a, b, expected] = fields[..] else {
            panic!("{line}")
        };
        let f = functions.entry(name.to_string()).or_insert_with(|| {
            let unit = unit(&compiler, name);
            match translate_unit(&mut compiler, unit) {
                Translation::Function(f) => f,
                Translation::Unsupported(reason) => panic!("{name}: {reason}"),
            }
        });
        let a: i64 = a.parse().unwrap();
        let b: i64 = b.parse().unwrap();
        let expected: i64 = expected.parse().unwrap();
        let got = run(f, &[a as u64, b as u64]).expect("a result");
        assert_eq!(got as i64, expected, "{name}({a}, {b})");
        checked += 1;
    }
    assert_eq!(checked, 16 * 18);
}

#[test]
fn sret_and_extension_attributes() {
    let f = function(
        r#"
%struct.S = type { i64, i64, i64 }
declare signext i8 @narrow(i16 zeroext, i1 signext)

define void @make(ptr noalias sret(%struct.S) align 8 %out, i16 %x) nounwind {
  %b = icmp eq i16 %x, 0
  %c = call signext i8 @narrow(i16 zeroext %x, i1 signext %b)
  %w = sext i8 %c to i64
  store i64 %w, ptr %out
  ret void
}
"#,
        "make",
    );
    assert_eq!(f.sret, Some(f.params[0].slot));
    assert_eq!(f.ret, Ret::Void);
    let Some(Inst::Call { sig, dst, .. }) = f.code.iter().find(|i| matches!(i, Inst::Call { .. }))
    else {
        panic!("no call")
    };
    assert!(dst.is_some());
    assert_eq!(
        f.sigs[*sig as usize],
        Sig {
            args: vec![
                Arg::Int {
                    bits: 16,
                    ext: Ext::Zero
                },
                Arg::Int {
                    bits: 1,
                    ext: Ext::Sign
                }
            ],
            ret: Ret::Int {
                bits: 8,
                ext: Ext::Sign
            },
            variadic: false,
        }
    );
    assert!(matches!(f.code.last(), Some(Inst::Return { value: None })));
}
