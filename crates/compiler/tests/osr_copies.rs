//! Which variables an OSR continuation copies into its own (and may promote to registers), and
//! which keep their identity: those whose address some function may have kept. Read from the
//! continuation's IR as built (`IRJIT_DUMP_IR`; a separate test binary, since the variable is
//! set for the whole process).

mod common;

use irjit_interface::{CompileRequest, OptLevel, Osr, UnitCompiler};

/// `f`'s variables are each passed to a function before its loop, which reads them all. The
/// helpers are written as `-O0` code is: each parameter goes through a variable of its own.
const PROGRAM: &str = r#"
target triple = "x86_64-pc-linux-gnu"

@kept = global ptr null

define internal void @add_to(ptr %p, i64 %v) {
  %p.addr = alloca ptr
  store ptr %p, ptr %p.addr
  %q = load ptr, ptr %p.addr
  %x = load i64, ptr %q
  %y = add i64 %x, %v
  store i64 %y, ptr %q
  ret void
}

; Keeps nothing two calls down, through a GEP and a select.
define internal void @pass_on(ptr %p, i1 %c) {
  %p.addr = alloca ptr
  store ptr %p, ptr %p.addr
  %q = load ptr, ptr %p.addr
  %g = getelementptr i8, ptr %q, i64 0
  %s = select i1 %c, ptr %g, ptr %q
  call void @add_to(ptr %s, i64 1)
  %same = icmp eq ptr %s, @kept
  ret void
}

define internal void @keep(ptr %p) {
  store ptr %p, ptr @kept
  ret void
}

; Keeps it two calls down. (Not inlined: from bitcode, `@keep` is then not read before the
; continuation is built.)
define internal void @keep_deep(ptr %p) noinline {
  %p.addr = alloca ptr
  store ptr %p, ptr %p.addr
  %q = load ptr, ptr %p.addr
  call void @keep(ptr %q)
  ret void
}

define internal ptr @pass_back(ptr %p) {
  ret ptr %p
}

; Its body may be replaced by another module's when the program is linked.
define weak void @weak_reader(ptr %p) {
  %x = load i64, ptr %p
  ret void
}

declare void @external(ptr)

; Puts the pointer in a variable whose own address goes elsewhere.
define internal void @through_escaping_slot(ptr %p) {
  %slot = alloca ptr
  store ptr %p, ptr %slot
  call void @external(ptr %slot)
  ret void
}

; Keeps it on the way down a recursion.
define internal void @recurse(ptr %p, i32 %d) {
  %z = icmp eq i32 %d, 0
  br i1 %z, label %keep, label %down
keep:
  store ptr %p, ptr @kept
  ret void
down:
  %d1 = sub i32 %d, 1
  call void @recurse(ptr %p, i32 %d1)
  ret void
}

declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

define i64 @f(i32 %n) {
entry:
  %copied_a = alloca i64
  %copied_b = alloca i64
  %copied_m = alloca [2 x i64]
  %kept_deep = alloca i64
  %kept_returned = alloca i64
  %kept_weak = alloca i64
  %kept_external = alloca i64
  %kept_slot = alloca i64
  %kept_recursive = alloca i64
  %acc = alloca i64
  store i64 0, ptr %copied_a
  store i64 0, ptr %copied_b
  store i64 0, ptr %kept_deep
  store i64 0, ptr %kept_returned
  store i64 0, ptr %kept_weak
  store i64 0, ptr %kept_external
  store i64 0, ptr %kept_slot
  store i64 0, ptr %kept_recursive
  store i64 0, ptr %acc
  call void @add_to(ptr %copied_a, i64 2)
  call void @pass_on(ptr %copied_b, i1 true)
  call void @llvm.memset.p0.i64(ptr %copied_m, i8 0, i64 16, i1 false)
  call void @keep_deep(ptr %kept_deep)
  %r = call ptr @pass_back(ptr %kept_returned)
  call void @weak_reader(ptr %kept_weak)
  call void @external(ptr %kept_external)
  call void @through_escaping_slot(ptr %kept_slot)
  call void @recurse(ptr %kept_recursive, i32 3)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]
  %v0 = load i64, ptr %copied_a
  %v1 = load i64, ptr %copied_b
  %v2 = load i64, ptr %copied_m
  %v3 = load i64, ptr %kept_deep
  %v4 = load i64, ptr %kept_returned
  %v5 = load i64, ptr %kept_weak
  %v6 = load i64, ptr %kept_external
  %v7 = load i64, ptr %kept_slot
  %v8 = load i64, ptr %kept_recursive
  %s1 = add i64 %v0, %v1
  %s2 = add i64 %s1, %v2
  %s3 = add i64 %s2, %v3
  %s4 = add i64 %s3, %v4
  %s5 = add i64 %s4, %v5
  %s6 = add i64 %s5, %v6
  %s7 = add i64 %s6, %v7
  %s8 = add i64 %s7, %v8
  %a = load i64, ptr %acc
  %a1 = add i64 %a, %s8
  store i64 %a1, ptr %acc
  store i64 %a1, ptr %copied_a
  %i1 = add i32 %i, 1
  %more = icmp slt i32 %i1, %n
  br i1 %more, label %loop, label %done
done:
  %res = load i64, ptr %acc
  ret i64 %res
}
"#;

/// The variables `f`'s continuation copies, read from its IR as built.
fn copied_variables(program: &[u8], name: &str) -> Vec<String> {
    let dir = common::dump_into(&format!("osr-copies-{name}"));
    let (mut c, f, tier0) = common::compile_tier0(program, name, "f", Osr::Sites { limit: 16 });
    assert_eq!(tier0.osr_sites, 1, "one loop");
    c.compile(
        f,
        &CompileRequest {
            inline_callees: true,
            recompile: true,
            osr: Osr::Entry {
                site: 0,
                others: 0,
                function: false,
            },
            ..CompileRequest::at(OptLevel::O2)
        },
    )
    .expect("the continuation compiles");
    let ir = std::fs::read_to_string(dir.join("f.O2.osr0.ll")).expect("the continuation's IR");
    std::fs::remove_dir_all(&dir).ok();
    ir.lines()
        .filter(|l| l.contains(".osr.local") && l.contains("= alloca"))
        .filter_map(|l| l.trim().strip_prefix('%'))
        .filter_map(|l| l.split(".osr.local").next())
        .map(String::from)
        .collect()
}

#[test]
fn a_continuation_copies_the_variables_no_function_kept() {
    let expected = ["copied_a", "copied_b", "copied_m", "acc"];
    assert_eq!(copied_variables(PROGRAM.as_bytes(), "copies.ll"), expected);
    // From bitcode, which is read lazily: the helpers' bodies are not read yet when the
    // continuation is built, and must not look empty (keeping nothing).
    let dir = std::env::temp_dir().join(format!("irjit-osr-copies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let ll = dir.join("copies.ll");
    let bc = dir.join("copies.bc");
    std::fs::write(&ll, PROGRAM).expect("the IR written");
    let status = std::process::Command::new("llvm-as-19")
        .arg(&ll)
        .arg("-o")
        .arg(&bc)
        .status()
        .expect("llvm-as-19 runs");
    assert!(status.success(), "llvm-as-19 assembles the program");
    let bitcode = std::fs::read(&bc).expect("the bitcode");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(copied_variables(&bitcode, "copies.bc"), expected);
}
