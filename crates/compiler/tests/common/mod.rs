//! What the compiler's tests share: loading a test program, finding a function's unit, its
//! tier-0 compile, and a scratch directory for `IRJIT_DUMP_IR`. (Each test file is a crate of its
//! own and uses only some of these.)
#![allow(dead_code)]

use std::path::PathBuf;

use irjit_compiler::{Compiler, LoadOptions};
use irjit_interface::{CompileRequest, CompiledUnit, OptLevel, Osr, UnitCompiler, UnitId};

/// `program` (textual IR or bitcode, named `file` in messages) loaded.
pub fn load(program: &[u8], file: &str) -> Compiler {
    Compiler::load_bytes(program, file, &LoadOptions::default()).expect("the test program loads")
}

/// The unit of the function named `name`.
pub fn unit(c: &Compiler, name: &str) -> UnitId {
    c.layout()
        .units
        .iter()
        .find(|u| u.name == name)
        .unwrap_or_else(|| panic!("a unit for {name}"))
        .id
}

/// `program` loaded, and `function`'s unit compiled at tier 0 with counters and `osr`.
pub fn compile_tier0(
    program: &[u8],
    file: &str,
    function: &str,
    osr: Osr,
) -> (Compiler, UnitId, CompiledUnit) {
    let mut c = load(program, file);
    let id = unit(&c, function);
    let compiled = c
        .compile(
            id,
            &CompileRequest {
                counters: true,
                osr,
                ..CompileRequest::at(OptLevel::O0)
            },
        )
        .expect("tier 0 compiles");
    (c, id, compiled)
}

/// A fresh scratch directory for this process, set as `IRJIT_DUMP_IR` (for the whole process:
/// a test binary that dumps runs one test at a time through it).
pub fn dump_into(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("irjit-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    std::env::set_var("IRJIT_DUMP_IR", &dir);
    dir
}
