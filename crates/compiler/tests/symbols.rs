//! Module symbol tables, modules read from byte ranges, and the static-linker check of strong
//! definitions when modules are linked.

use std::path::PathBuf;

use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::symbols::{Binding, SymbolKind};
use irjit_interface::{ByteRange, CompileError, ModuleSource, UnitCompiler};

const LIBRARY: &str = r#"
$inline = comdat any
@counter = global i32 0
@tentative = common global i32 0
@weak_data = weak global i32 1
@local = internal global i32 2
@.str = private constant [3 x i8] c"hi\00"
@maybe = extern_weak global i32
@needed = external global i32
@alias = alias i32, ptr @counter

define i32 @strong() { ret i32 1 }
define weak i32 @weak_fn() { ret i32 2 }
define linkonce_odr i32 @inline() comdat { ret i32 3 }
define internal i32 @helper() { ret i32 4 }
define available_externally i32 @elsewhere() { ret i32 5 }
declare i32 @printf(ptr, ...)
declare void @llvm.trap()
"#;

/// A scratch directory for this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("irjit-symbols-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> ModuleSource {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    ModuleSource::file(path)
}

#[test]
fn symbol_table_classifies_definitions_and_leaves_out_locals() {
    let dir = scratch("table");
    let symbols = Compiler::module_symbols(&write(&dir, "lib.ll", LIBRARY)).unwrap();
    let defined: Vec<(&str, SymbolKind, Binding, bool)> = symbols
        .defined
        .iter()
        .map(|d| (d.name.as_str(), d.kind, d.binding, d.comdat))
        .collect();
    assert_eq!(
        defined,
        [
            ("strong", SymbolKind::Function, Binding::Strong, false),
            ("weak_fn", SymbolKind::Function, Binding::Weak, false),
            ("inline", SymbolKind::Function, Binding::Weak, true),
            ("counter", SymbolKind::Data, Binding::Strong, false),
            ("tentative", SymbolKind::Data, Binding::Common, false),
            ("weak_data", SymbolKind::Data, Binding::Weak, false),
            ("alias", SymbolKind::Data, Binding::Strong, false),
        ]
    );
    let undefined: Vec<(&str, bool)> = symbols
        .undefined
        .iter()
        .map(|u| (u.name.as_str(), u.weak))
        .collect();
    assert_eq!(
        undefined,
        [
            ("elsewhere", false),
            ("printf", false),
            ("maybe", true),
            ("needed", false)
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn modules_are_read_from_byte_ranges() {
    let dir = scratch("range");
    let text = "define i32 @in_range() { ret i32 7 }\n";
    let mut file = b"#!junk before the module\n".to_vec();
    let offset = file.len() as u64;
    file.extend_from_slice(text.as_bytes());
    file.extend_from_slice(b"\0\0 junk after");
    let path = dir.join("container");
    std::fs::write(&path, &file).unwrap();
    let source = ModuleSource::slice(
        "container:in_range.ll",
        &path,
        ByteRange {
            offset,
            len: text.len() as u64,
        },
    );
    let symbols = Compiler::module_symbols(&source).unwrap();
    assert_eq!(symbols.defined[0].name, "in_range");
    let past_end = ModuleSource::slice(
        "container:too_long.ll",
        &path,
        ByteRange { offset, len: 4096 },
    );
    match Compiler::module_symbols(&past_end) {
        Err(CompileError::Read { path, message }) => {
            assert_eq!(path, "container:too_long.ll");
            assert!(message.contains("is truncated"), "{message}");
        }
        other => panic!("expected a read error, got {other:?}"),
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn two_strong_definitions_are_refused_naming_both_modules() {
    let dir = scratch("duplicate");
    let main = write(
        &dir,
        "main.ll",
        "declare i32 @f()\ndefine i32 @main() { %r = call i32 @f()\n ret i32 %r }\n",
    );
    let one = write(&dir, "one.ll", "define i32 @f() { ret i32 1 }\n");
    let two = write(&dir, "two.ll", "define i32 @f() { ret i32 2 }\n");
    let weak = write(&dir, "weak.ll", "define weak i32 @f() { ret i32 3 }\n");
    let load = |extra: Vec<ModuleSource>| {
        Compiler::load(
            &main,
            &LoadOptions {
                extra_modules: extra,
                eager: false,
            },
        )
    };
    match load(vec![one.clone(), two.clone()]) {
        Err(CompileError::DuplicateSymbol {
            symbol,
            first,
            second,
        }) => {
            assert_eq!(symbol, "f");
            assert_eq!(first, one.name);
            assert_eq!(second, two.name);
        }
        Err(other) => panic!("expected a duplicate-symbol error, got {other}"),
        Ok(_) => panic!("expected a duplicate-symbol error, the program loaded"),
    }
    // Weak and strong, in either order: one definition remains.
    for extra in [
        vec![weak.clone(), one.clone()],
        vec![one.clone(), weak.clone()],
    ] {
        let compiler = load(extra).unwrap();
        let defining_f = compiler
            .layout()
            .units
            .iter()
            .filter(|u| u.name == "f")
            .count();
        assert_eq!(defining_f, 1);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn locals_of_linked_modules_keep_their_names_whatever_the_main_module() {
    let dir = scratch("locals");
    let library = write(
        &dir,
        "lib.ll",
        "source_filename = \"lib.c\"\n\
         define internal i32 @helper() { ret i32 1 }\n\
         define i32 @api() { %r = call i32 @helper()\n ret i32 %r }\n",
    );
    let units_of = |main_text: &str, name: &str| {
        let main = write(&dir, name, main_text);
        let compiler = Compiler::load(
            &main,
            &LoadOptions {
                extra_modules: vec![library.clone()],
                eager: false,
            },
        )
        .unwrap();
        let mut names: Vec<String> = compiler
            .layout()
            .units
            .iter()
            .map(|u| u.name.clone())
            .filter(|n| n.contains("helper"))
            .collect();
        names.sort();
        names
    };
    let plain = units_of("define i32 @main() { ret i32 0 }\n", "plain.ll");
    let clashing = units_of(
        "define internal i32 @helper() { ret i32 2 }\n\
         define i32 @main() { %r = call i32 @helper()\n ret i32 %r }\n",
        "clashing.ll",
    );
    assert_eq!(plain.len(), 1);
    assert!(
        clashing.contains(&plain[0]),
        "the library's helper is {} alone and must keep that name next to main's own helper: {clashing:?}",
        plain[0]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
