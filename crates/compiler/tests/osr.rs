//! OSR continuations: one per loop site, or one body several sites enter.

mod common;

use irjit_interface::{CompileRequest, OptLevel, Osr, UnitCompiler};
use object::{Object, ObjectSymbol};

/// `vm` has two sibling loops inside an outer one (loop preorder: the outer loop is site 0, then
/// site 1 and site 2), the shape of an interpreter whose calls and returns loop separately.
const PROGRAM: &str = r#"
target triple = "x86_64-pc-linux-gnu"

define i64 @vm(ptr %code, i32 %n, i32 %rounds) {
entry:
  %acc = alloca i64
  store i64 1, ptr %acc
  br label %outer
outer:
  %r = phi i32 [ 0, %entry ], [ %r1, %outer.next ]
  br label %a
a:
  %i = phi i32 [ 0, %outer ], [ %i1, %a ]
  %p = getelementptr i32, ptr %code, i32 %i
  %c = load i32, ptr %p
  %c64 = sext i32 %c to i64
  %v = load i64, ptr %acc
  %m = mul i64 %v, 31
  %s = add i64 %m, %c64
  store i64 %s, ptr %acc
  %i1 = add i32 %i, 1
  %ai = icmp slt i32 %i1, %n
  br i1 %ai, label %a, label %b
b:
  %j = phi i32 [ 0, %a ], [ %j1, %b ]
  %w = load i64, ptr %acc
  %sh = lshr i64 %w, 3
  %x = xor i64 %w, %sh
  store i64 %x, ptr %acc
  %j1 = add i32 %j, 1
  %bj = icmp slt i32 %j1, %n
  br i1 %bj, label %b, label %outer.next
outer.next:
  %r1 = add i32 %r, 1
  %more = icmp slt i32 %r1, %rounds
  br i1 %more, label %outer, label %done
done:
  %res = load i64, ptr %acc
  ret i64 %res
}
"#;

fn global_definitions(object: &[u8]) -> Vec<String> {
    let file = object::File::parse(object).expect("an ELF object");
    let mut names: Vec<String> = file
        .symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(String::from))
        .collect();
    names.sort();
    names
}

/// The test program loaded, and `vm`'s unit compiled at tier 0 with counters and `osr` (its
/// object returned).
fn compile_tier0(
    osr: Osr,
) -> (
    irjit_compiler::Compiler,
    irjit_interface::UnitId,
    irjit_interface::CompiledUnit,
) {
    common::compile_tier0(PROGRAM.as_bytes(), "osr.ll", "vm", osr)
}

fn continuation(sites: Osr) -> Vec<String> {
    let (mut c, vm, tier0) = compile_tier0(Osr::Sites { limit: 16 });
    assert_eq!(tier0.osr_sites, 3, "the outer loop and its two loops");
    let compiled = c
        .compile(
            vm,
            &CompileRequest {
                inline_callees: true,
                recompile: true,
                osr: sites,
                ..CompileRequest::at(OptLevel::O2)
            },
        )
        .expect("the continuation compiles");
    global_definitions(&compiled.object)
}

#[test]
fn one_site_one_continuation() {
    assert_eq!(
        continuation(Osr::Entry {
            site: 1,
            others: 0,
            function: false,
        }),
        ["vm.irjit.osr.1"]
    );
}

#[test]
fn sites_compiled_together_each_get_an_entry() {
    // The body they share is local to the object.
    assert_eq!(
        continuation(Osr::Entry {
            site: 1,
            others: 1 << 2 | 1 << 0,
            function: false,
        }),
        ["vm.irjit.osr.0", "vm.irjit.osr.1", "vm.irjit.osr.2"]
    );
}

#[test]
fn the_first_site_is_not_repeated_in_others() {
    assert_eq!(
        continuation(Osr::Entry {
            site: 2,
            others: 1 << 2,
            function: false,
        }),
        ["vm.irjit.osr.2"]
    );
}

#[test]
fn a_continuation_can_define_its_function_too() {
    // The site's entry and the function itself, both calls of one body local to the object.
    assert_eq!(
        continuation(Osr::Entry {
            site: 1,
            others: 1 << 2,
            function: true,
        }),
        ["vm", "vm.irjit.osr.1", "vm.irjit.osr.2"]
    );
    assert_eq!(
        continuation(Osr::Entry {
            site: 0,
            others: 0,
            function: true,
        }),
        ["vm", "vm.irjit.osr.0"]
    );
}

/// The nest table a tier-0 object carries for the runtime (the local symbol `__irjit_osr_nest`):
/// per site, its nearest enclosing site, or `u32::MAX`.
fn nest_table(object: &[u8]) -> Option<Vec<u32>> {
    use object::ObjectSection;
    let file = object::File::parse(object).expect("an ELF object");
    let symbol = file
        .symbols()
        .find(|s| s.name() == Ok("__irjit_osr_nest"))?;
    assert!(
        symbol.is_local(),
        "the table is no symbol other objects could clash with"
    );
    let section = file.section_by_index(symbol.section_index()?).ok()?;
    let data = section.data().ok()?;
    let start = symbol.address() as usize;
    let bytes = &data[start..start + symbol.size() as usize];
    Some(
        bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
            .collect(),
    )
}

#[test]
fn tier_0_objects_tell_each_site_its_enclosing_site() {
    let (_, _, tier0) = compile_tier0(Osr::Sites { limit: 16 });
    // The outer loop (site 0) has none; its two loops (sites 1 and 2) are inside it.
    assert_eq!(nest_table(&tier0.object), Some(vec![u32::MAX, 0, 0]));
    // Without OSR sites there is no table.
    let (_, _, plain) = compile_tier0(Osr::None);
    assert_eq!(nest_table(&plain.object), None);
}
