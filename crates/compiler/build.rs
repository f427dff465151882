//! Builds the C++ shim (`shim/irjit_shim.cpp`) against LLVM 19's headers.

use std::path::PathBuf;
use std::process::Command;

fn llvm_config() -> PathBuf {
    let prefix =
        std::env::var_os("LLVM_SYS_191_PREFIX").unwrap_or_else(|| "/usr/lib/llvm-19".into());
    PathBuf::from(prefix).join("bin").join("llvm-config")
}

fn main() {
    println!("cargo:rerun-if-changed=shim/irjit_shim.cpp");
    println!("cargo:rerun-if-env-changed=LLVM_SYS_191_PREFIX");
    let config = llvm_config();
    let output = Command::new(&config)
        .arg("--cxxflags")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "failed to run {}: {e} (install llvm-19-dev)",
                config.display()
            )
        });
    assert!(
        output.status.success(),
        "{} --cxxflags failed",
        config.display()
    );
    let flags = String::from_utf8(output.stdout).expect("llvm-config prints UTF-8");

    let mut build = cc::Build::new();
    build.cpp(true).file("shim/irjit_shim.cpp").warnings(false);
    for flag in flags.split_whitespace() {
        // The shim never throws; keep LLVM's flags (no RTTI is not required for what it uses).
        build.flag(flag);
    }
    build.compile("irjit_shim");
}
