//! Tier 2 compiles for the host CPU, whatever CPU the bitcode names, and never fuses a
//! multiplication with an addition: clang records `-march`'s CPU and features on every function
//! (`x86-64` and SSE2 for a default build), and a function's attributes outrank the target
//! machine's, so without rewriting them tier-2 code was SSE2 code.
//!
//! The object is read back with `objdump` (binutils, which clang's toolchain brings along).

mod common;

use std::process::Command;

use irjit_interface::{CompileRequest, OptLevel, UnitCompiler};

/// `c[i] = a[i] * b[i] + c[i]` through `llvm.fmuladd` (what clang emits for `a * b + c` under
/// its default `-ffp-contract=on`), with the attributes clang gives a function at `-O0`.
const AXPY: &str = r#"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @axpy(ptr noalias %c, ptr noalias %a, ptr noalias %b, i64 %n) #0 {
entry:
  %empty = icmp eq i64 %n, 0
  br i1 %empty, label %exit, label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %pa = getelementptr inbounds double, ptr %a, i64 %i
  %pb = getelementptr inbounds double, ptr %b, i64 %i
  %pc = getelementptr inbounds double, ptr %c, i64 %i
  %x = load double, ptr %pa, align 8
  %y = load double, ptr %pb, align 8
  %z = load double, ptr %pc, align 8
  %r = call double @llvm.fmuladd.f64(double %x, double %y, double %z)
  store double %r, ptr %pc, align 8
  %next = add nuw i64 %i, 1
  %done = icmp eq i64 %next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

declare double @llvm.fmuladd.f64(double, double, double)

attributes #0 = { noinline nounwind optnone uwtable "frame-pointer"="all" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
"#;

/// The object's disassembly, one instruction per line.
fn disassemble(object: &[u8], tag: &str) -> String {
    let path = std::env::temp_dir().join(format!("irjit-host-cpu-{tag}-{}.o", std::process::id()));
    std::fs::write(&path, object).expect("the object is written");
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(&path)
        .output()
        .expect("objdump (binutils) runs");
    std::fs::remove_file(&path).ok();
    assert!(out.status.success(), "objdump fails: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn tier2_code_uses_the_host_cpu_and_never_fuses() {
    let mut c = common::load(AXPY.as_bytes(), "axpy.ll");
    let id = common::unit(&c, "axpy");
    let tier2 = c
        .compile(id, &CompileRequest::at(OptLevel::O2))
        .expect("tier 2 compiles");
    let code = disassemble(&tier2.object, "o2");
    let has = |what: &str| code.lines().any(|l| l.contains(what));
    // Never fused, whatever the CPU has: the native binary (built for the program's baseline)
    // and tier-0 code round twice.
    assert!(
        !has("vfmadd") && !has("vfnmadd") && !has("vfmsub") && !has("vfnmsub"),
        "tier-2 code fuses a multiply and an add:\n{code}"
    );
    if std::arch::is_x86_feature_detected!("avx2") {
        // The loop vectorized for the host: 256-bit vectors, never wider (see `Codegen::
        // target_host`).
        assert!(has("%ymm"), "no AVX vectors in tier-2 code:\n{code}");
        assert!(!has("%zmm"), "512-bit vectors in tier-2 code:\n{code}");
    } else {
        assert!(has("mulpd"), "the loop did not vectorize:\n{code}");
    }
    // Tier 0 keeps the program's own target: SSE2, no VEX encoding.
    let mut c = common::load(AXPY.as_bytes(), "axpy.ll");
    let tier0 = c
        .compile(id, &CompileRequest::at(OptLevel::O0))
        .expect("tier 0 compiles");
    let code = disassemble(&tier0.object, "o0");
    assert!(
        code.lines().any(|l| l.contains("mulsd")) && !code.contains("vmulsd"),
        "tier-0 code is not the program's SSE2 code:\n{code}"
    );
}
