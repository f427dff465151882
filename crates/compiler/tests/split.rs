//! How the compiler splits a program into units and what each unit's object holds.

use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::{CompileRequest, OptLevel, UnitCompiler, UnitId, UnitKind};
use object::{Object, ObjectSymbol};

const PROGRAM: &str = r#"
target triple = "x86_64-pc-linux-gnu"

@counter = internal global i32 0
@table = global [2 x ptr] [ptr @helper, ptr @main]
@message = private unnamed_addr constant [6 x i8] c"hello\00"
@main_alias = alias i32 (i32, ptr), ptr @main
@llvm.global_ctors = appending global [2 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 200, ptr @late_init, ptr null }, { i32, ptr, ptr } { i32 101, ptr @helper, ptr null }]
@llvm.global_dtors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 65535, ptr @late_init, ptr null }]
@llvm.used = appending global [1 x ptr] [ptr @counter], section "llvm.metadata"

define internal void @helper() {
  %v = load i32, ptr @counter
  %w = add i32 %v, 1
  store i32 %w, ptr @counter
  ret void
}

define linkonce_odr i32 @inline_me(i32 %x) comdat {
  %y = mul i32 %x, 3
  ret i32 %y
}
$inline_me = comdat any

define void @late_init() {
  call void @helper()
  ret void
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
@labels = internal constant [2 x ptr] [ptr blockaddress(@dispatch, %one), ptr blockaddress(@dispatch, %two)]

declare i32 @puts(ptr)

define i32 @main(i32 %argc, ptr %argv) {
  %r = call i32 @puts(ptr @message)
  %d = call i32 @dispatch(i32 1)
  %i = call i32 @inline_me(i32 %d)
  ret i32 %i
}
"#;

fn load() -> Compiler {
    Compiler::load_bytes(PROGRAM.as_bytes(), "split.ll", &LoadOptions::default())
        .expect("the test program loads")
}

fn unit_named<'a>(c: &'a Compiler, prefix: &str) -> &'a irjit_interface::UnitInfo {
    c.layout()
        .units
        .iter()
        .find(|u| u.name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no unit for {prefix}: {:?}", c.layout().units))
}

#[test]
fn one_unit_per_function_and_one_for_globals() {
    let c = load();
    let layout = c.layout();
    assert_eq!(layout.units[0].kind, UnitKind::Globals);
    let functions: Vec<&str> = layout
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Function)
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(functions.len(), 5, "{functions:?}");
    for (i, u) in layout.units.iter().enumerate() {
        assert_eq!(u.id, UnitId(i as u32));
    }
}

#[test]
fn internal_symbols_get_unique_external_names() {
    let c = load();
    let helper = unit_named(&c, "helper");
    assert!(helper.name.starts_with("helper.irjit."), "{}", helper.name);
    let globals = &c.layout().units[0];
    assert!(globals
        .defines
        .iter()
        .any(|d| d.starts_with("counter.irjit.")));
    assert!(globals
        .defines
        .iter()
        .any(|d| d.starts_with("message.irjit.")));
    assert!(globals.defines.iter().any(|d| d == "table"));
}

#[test]
fn constructors_and_destructors_become_data() {
    let c = load();
    let layout = c.layout();
    let ctors: Vec<(u32, &str)> = layout
        .ctors
        .iter()
        .map(|x| (x.priority, x.symbol.as_str()))
        .collect();
    assert_eq!(ctors.len(), 2);
    assert_eq!(ctors[0], (200, "late_init"));
    assert_eq!(ctors[1].0, 101);
    assert!(ctors[1].1.starts_with("helper.irjit."));
    assert_eq!(layout.dtors.len(), 1);
    assert_eq!(layout.dtors[0].priority, 65535);
}

#[test]
fn aliases_are_recorded_with_their_target() {
    let c = load();
    let alias = &c.layout().aliases[0];
    assert_eq!(
        (alias.name.as_str(), alias.target.as_str(), alias.offset),
        ("main_alias", "main", 0)
    );
}

#[test]
fn block_address_tables_live_with_their_function() {
    let c = load();
    let dispatch = unit_named(&c, "dispatch");
    assert!(
        dispatch
            .defines
            .iter()
            .any(|d| d.starts_with("labels.irjit.")),
        "{:?}",
        dispatch.defines
    );
    assert!(!c.layout().units[0]
        .defines
        .iter()
        .any(|d| d.starts_with("labels")));
}

fn defined_symbols(object: &[u8]) -> Vec<String> {
    let file = object::File::parse(object).expect("an ELF object");
    file.symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(String::from))
        .collect()
}

fn undefined_symbols(object: &[u8]) -> Vec<String> {
    let file = object::File::parse(object).expect("an ELF object");
    file.symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok().map(String::from))
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn each_unit_object_defines_what_the_layout_says_and_only_declares_what_it_uses() {
    let mut c = load();
    let units = c.layout().units.clone();
    for level in [OptLevel::O0, OptLevel::O2] {
        for unit in &units {
            let compiled = c
                .compile(unit.id, &CompileRequest::at(level))
                .expect("compiles");
            assert_eq!(compiled.unit, unit.id);
            let file = object::File::parse(&*compiled.object).unwrap();
            assert_eq!(file.architecture(), object::Architecture::X86_64);
            let defined = defined_symbols(&compiled.object);
            for name in &unit.defines {
                assert!(
                    defined.contains(name),
                    "{name} not in {defined:?} ({level})"
                );
            }
        }
    }
    // main's unit references puts, dispatch, inline_me and the string, nothing else.
    let main = unit_named(&c, "main").id;
    let object = c
        .compile(main, &CompileRequest::at(OptLevel::O0))
        .unwrap()
        .object;
    let mut undefined = undefined_symbols(&object);
    undefined.sort();
    assert_eq!(undefined.len(), 4, "{undefined:?}");
    assert!(undefined.iter().any(|n| n == "puts"));
    assert!(undefined.iter().any(|n| n == "dispatch"));
    assert!(undefined.iter().any(|n| n == "inline_me"));
    assert!(undefined.iter().any(|n| n.starts_with("message.irjit.")));
}

#[test]
fn functions_keep_frame_pointers() {
    let mut c = load();
    let unit = unit_named(&c, "late_init").id;
    let object = c
        .compile(unit, &CompileRequest::at(OptLevel::O2))
        .unwrap()
        .object;
    let file = object::File::parse(&*object).unwrap();
    let text = file.section_by_name(".text").unwrap();
    let bytes = object::ObjectSection::data(&text).unwrap();
    // push %rbp; mov %rsp, %rbp
    assert!(bytes.starts_with(&[0x55, 0x48, 0x89, 0xe5]), "{bytes:02x?}");
}

#[test]
fn invalid_input_is_a_typed_error() {
    let err = Compiler::load_bytes(b"\x7fELF not ir", "x.bc", &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("not LLVM IR"), "{err}");
    let err = Compiler::load_bytes(b"define i32 @f( {", "bad.ll", &LoadOptions::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("bad.ll"), "{err}");
    let eager = LoadOptions {
        eager: true,
        ..Default::default()
    };
    let err = Compiler::load_bytes(
        b"define i32 @main() {\nentry:\n  %x = add i32 1, 2\n}\n",
        "noterm.ll",
        &eager,
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("noterm.ll"), "{err}");
}
