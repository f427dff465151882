//! `IRJIT_DUMP_IR` writes each unit's IR as built; what it writes must read back as IR (a
//! separate test binary: the variable is set for the whole process).

mod common;

use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::{CompileRequest, OptLevel, UnitCompiler};

/// `f` calls the static `helper` (internal linkage): a tier-2 unit of `f` gets a private copy
/// of `helper` to inline.
const PROGRAM: &str = r#"
target triple = "x86_64-pc-linux-gnu"

define internal i32 @helper(i32 %x) {
  %y = mul i32 %x, 7
  ret i32 %y
}

define i32 @f(i32 %x) {
  %a = call i32 @helper(i32 %x)
  %b = call i32 @helper(i32 %a)
  ret i32 %b
}
"#;

#[test]
fn dumped_units_read_back() {
    let dir = common::dump_into("dump-test");
    let mut c = common::load(PROGRAM.as_bytes(), "dump.ll");
    let f = common::unit(&c, "f");
    c.compile(
        f,
        &CompileRequest {
            inline_callees: true,
            recompile: true,
            ..CompileRequest::at(OptLevel::O2)
        },
    )
    .expect("f compiles at tier 2");
    let mut dumped = 0;
    for entry in std::fs::read_dir(&dir).expect("the dump directory") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read(&path).expect("a dumped unit");
        let shown = String::from_utf8_lossy(&text);
        assert!(
            shown.contains(".irjit.inl"),
            "{}: no private copy of helper:\n{shown}",
            path.display()
        );
        if let Err(e) = Compiler::load_bytes(&text, "dumped.ll", &LoadOptions::default()) {
            panic!("{} does not read back: {e}\n{shown}", path.display());
        }
        dumped += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(dumped, 1, "one unit dumped");
}
