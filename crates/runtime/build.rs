//! Builds the runtime's small C helper: the host CPU model that `__builtin_cpu_supports` reads.
//!
//! The model is computed by static libgcc's `cpuinfo.o` (`__cpu_indicator_init`, `__cpu_model`,
//! `__cpu_features2`; no shared library exports `__cpu_features2`). Linked as it is, that object
//! registers `__cpu_indicator_init` as a constructor, which runs a dozen `cpuid` instructions at
//! every start of irjit (each one a trap to the hypervisor on a virtual machine: about 5 us), even
//! though few programs read the model. So the build takes a private copy of the object: its
//! constructor removed and its symbols renamed (`irjit_libgcc_*`), and the helper runs it only
//! when a program first refers to the model. Should the copy fail (no `ar`/`objcopy`, a libgcc
//! without `cpuinfo.o`), the helper uses libgcc's object as it is, constructor and all.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=csrc/cpu_model.c");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut build = cc::Build::new();
    build.file("csrc/cpu_model.c");
    match private_cpuinfo(&build, &out) {
        Ok(object) => {
            build.object(object).define("IRJIT_PRIVATE_CPUINFO", None);
        }
        Err(why) => {
            println!("cargo:warning=using libgcc's cpuinfo.o with its start-up constructor: {why}")
        }
    }
    build.compile("irjit_runtime_c");
}

/// Extracts `cpuinfo.o` from the C compiler's `libgcc.a` into `out`, without its constructor and
/// with renamed symbols; returns the new object's path.
fn private_cpuinfo(build: &cc::Build, out: &Path) -> Result<PathBuf, String> {
    let compiler = build.get_compiler();
    let libgcc = run(Command::new(compiler.path()).arg("-print-libgcc-file-name"))?;
    let libgcc = PathBuf::from(libgcc.trim());
    if !libgcc.is_file() {
        return Err(format!("no libgcc.a at {}", libgcc.display()));
    }
    println!("cargo:rerun-if-changed={}", libgcc.display());
    run(Command::new("ar")
        .arg("x")
        .arg(&libgcc)
        .arg("cpuinfo.o")
        .current_dir(out))?;
    let object = out.join("irjit_cpuinfo.o");
    run(Command::new("objcopy")
        .args([
            "--remove-section=.init_array*",
            "--remove-section=.rela.init_array*",
        ])
        .args(["--remove-section=.ctors*", "--remove-section=.rela.ctors*"])
        .args([
            "--redefine-sym=__cpu_model=irjit_libgcc_cpu_model",
            "--redefine-sym=__cpu_features2=irjit_libgcc_cpu_features2",
            "--redefine-sym=__cpu_indicator_init=irjit_libgcc_cpu_indicator_init",
        ])
        .arg(out.join("cpuinfo.o"))
        .arg(&object))?;
    // Check the result: the three symbols, and no constructor left.
    let symbols = run(Command::new("nm").arg(&object))?;
    for name in [
        "irjit_libgcc_cpu_model",
        "irjit_libgcc_cpu_features2",
        "irjit_libgcc_cpu_indicator_init",
    ] {
        if !symbols.contains(name) {
            return Err(format!("{name} missing from the copy of cpuinfo.o"));
        }
    }
    let sections = run(Command::new("objdump").arg("-h").arg(&object))?;
    if sections.contains("init_array") || sections.contains(".ctors") {
        return Err("the copy of cpuinfo.o still has a constructor".to_string());
    }
    Ok(object)
}

fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
