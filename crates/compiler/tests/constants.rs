//! Constant variables in optimized units: their initializers come along (as
//! `available_externally` copies), so the optimizer reads them as it would within one source
//! file, while the object still refers to the one definition where it must.

use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::{CompileRequest, OptLevel, UnitCompiler};
use object::{Object, ObjectSymbol};

const PROGRAM: &str = r#"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@greeting = private unnamed_addr constant [6 x i8] c"hello\00"
@squares = internal constant [4 x i32] [i32 0, i32 1, i32 4, i32 9]
@cubes = internal global [4 x i32] [i32 0, i32 1, i32 8, i32 27]
@replaceable = weak constant i32 5
@ops = internal constant [2 x ptr] [ptr @twice, ptr @thrice]
@labels = internal constant [2 x ptr] [ptr blockaddress(@dispatch, %one), ptr blockaddress(@dispatch, %two)]

declare i64 @strlen(ptr)
declare void @use(ptr)

define i64 @length() {
  %n = call i64 @strlen(ptr @greeting)
  ret i64 %n
}

define i32 @square3() {
  %p = getelementptr [4 x i32], ptr @squares, i64 0, i64 3
  %v = load i32, ptr %p
  ret i32 %v
}

define i32 @cube3() {
  %p = getelementptr [4 x i32], ptr @cubes, i64 0, i64 3
  %v = load i32, ptr %p
  ret i32 %v
}

define i32 @weak_value() {
  %v = load i32, ptr @replaceable
  ret i32 %v
}

define i32 @twice(i32 %x) noinline {
  %y = mul i32 %x, 2
  ret i32 %y
}

define i32 @thrice(i32 %x) noinline {
  %y = mul i32 %x, 3
  ret i32 %y
}

define i32 @first_op(i32 %x) {
  %f = load ptr, ptr @ops
  %y = call i32 %f(i32 %x)
  ret i32 %y
}

define ptr @address() {
  call void @use(ptr @greeting)
  ret ptr @greeting
}

define i32 @dispatch(i32 %op) {
entry:
  %slot = getelementptr [2 x ptr], ptr @labels, i32 0, i32 %op
  %target = load ptr, ptr %slot
  indirectbr ptr %target, [label %one, label %two]
one:
  ret i32 1
two:
  ret i32 2
}

define i32 @label_user(i32 %op) {
  %slot = getelementptr [2 x ptr], ptr @labels, i32 0, i32 %op
  %target = load ptr, ptr %slot
  call void @use(ptr %target)
  ret i32 0
}
"#;

/// The symbols a unit's object leaves to the linker, compiled at tier 2 (with copies of callees
/// and constants) or at `-O2` alone.
fn undefined(c: &mut Compiler, function: &str, tier2: bool) -> Vec<String> {
    let unit = c
        .layout()
        .units
        .iter()
        .find(|u| u.name == function)
        .unwrap_or_else(|| panic!("no unit {function}"))
        .id;
    let request = CompileRequest {
        inline_callees: tier2,
        ..CompileRequest::at(OptLevel::O2)
    };
    let object = c.compile(unit, &request).expect("compiles").object;
    let file = object::File::parse(&*object).expect("an ELF object");
    file.symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok().map(String::from))
        .filter(|n| !n.is_empty())
        .collect()
}

fn load() -> Compiler {
    Compiler::load_bytes(PROGRAM.as_bytes(), "constants.ll", &LoadOptions::default())
        .expect("the test program loads")
}

fn names<'a>(symbols: &'a [String], prefix: &str) -> Vec<&'a String> {
    symbols.iter().filter(|s| s.starts_with(prefix)).collect()
}

#[test]
fn constant_initializers_fold_in_optimized_units() {
    let mut c = load();
    // Without the copies the string and the table stay references.
    let plain = undefined(&mut c, "length", false);
    assert!(plain.iter().any(|s| s == "strlen"), "{plain:?}");
    let plain = undefined(&mut c, "square3", false);
    assert!(!names(&plain, "squares").is_empty(), "{plain:?}");

    // strlen of a constant string folds; so does a constant table's entry.
    let mut c = load();
    let length = undefined(&mut c, "length", true);
    assert!(length.is_empty(), "{length:?}");
    let square = undefined(&mut c, "square3", true);
    assert!(square.is_empty(), "{square:?}");
    // A call through a constant table of functions becomes a direct call.
    let op = undefined(&mut c, "first_op", true);
    assert!(names(&op, "ops").is_empty(), "{op:?}");
    assert!(op.iter().any(|s| s == "twice"), "{op:?}");
}

#[test]
fn variables_that_may_change_stay_references() {
    let mut c = load();
    // A variable the program may write, and a weak constant another definition may replace.
    let cube = undefined(&mut c, "cube3", true);
    assert!(!names(&cube, "cubes").is_empty(), "{cube:?}");
    let weak = undefined(&mut c, "weak_value", true);
    assert!(weak.iter().any(|s| s == "replaceable"), "{weak:?}");
    // An address that escapes is still the one definition's, not a copy's.
    let address = undefined(&mut c, "address", true);
    assert!(!names(&address, "greeting").is_empty(), "{address:?}");
}

#[test]
fn block_address_tables_are_not_copied() {
    let mut c = load();
    // The table names dispatch's blocks: another unit only refers to it.
    let user = undefined(&mut c, "label_user", true);
    assert!(!names(&user, "labels").is_empty(), "{user:?}");
}
