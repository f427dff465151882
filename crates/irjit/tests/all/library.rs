//! The compiler library: the irjit binary links no LLVM, opens `libirjit_compiler.so` when it
//! must compile, and says clearly when it cannot.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use object::{Object, ObjectSymbol};

use crate::support::{self, Outcome, Status};

fn irjit(args: &[&str], library: Option<&str>) -> Result<Outcome, Failed> {
    let mut cmd = Command::new(support::irjit());
    cmd.args(args);
    match library {
        Some(path) => cmd.env("IRJIT_COMPILER_LIB", path),
        None => cmd.env_remove("IRJIT_COMPILER_LIB"),
    };
    Ok(support::run(cmd, b"", Duration::from_secs(120))?)
}

fn program() -> Result<String, Failed> {
    Ok(support::compile_c(
        &support::work_dir("library"),
        "hello",
        "#include <stdio.h>\nstatic int twice(int x) { return 2 * x; }\n\
         int main(void) { printf(\"%d\\n\", twice(21)); return 0; }\n",
    )?)
}

/// The `DT_NEEDED` entries of an ELF file.
fn needed_libraries(path: &Path) -> Result<Vec<String>, String> {
    use object::elf::{FileHeader64, DT_NEEDED};
    use object::read::elf::{Dyn, FileHeader};
    use object::Endianness;

    let shown = path.display();
    let data = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let data = &*data;
    let bad = |e: object::read::Error| format!("{shown}: {e}");
    let header = FileHeader64::<Endianness>::parse(data).map_err(bad)?;
    let endian = header.endian().map_err(bad)?;
    let sections = header.sections(endian, data).map_err(bad)?;
    let Some((entries, link)) = sections.dynamic(endian, data).map_err(bad)? else {
        return Ok(Vec::new());
    };
    let strings = sections.strings(endian, data, link).map_err(bad)?;
    entries
        .iter()
        .filter(|entry| entry.tag32(endian) == Some(DT_NEEDED))
        .map(|entry| {
            let name = entry.string(endian, strings).map_err(bad)?;
            Ok(String::from_utf8_lossy(name).into_owned())
        })
        .collect()
}

/// The binary needs no libLLVM, nor libgcc_s (its unwinder is linked statically: see
/// `crates/irjit/build.rs`). The library beside it has LLVM linked in: it needs no libLLVM
/// either (nor libz3, which libLLVM.so would bring), but it defines LLVM's functions.
fn binary_links_no_llvm() -> Result<(), Failed> {
    let exe = support::irjit();
    let needed = needed_libraries(&exe)?;
    if needed.is_empty()
        || needed
            .iter()
            .any(|n| n.contains("LLVM") || n.starts_with("libgcc_s"))
    {
        return Err(format!("{} needs {needed:?}", exe.display()).into());
    }
    let library = exe.with_file_name("libirjit_compiler.so");
    let needed = needed_libraries(&library)?;
    if needed.is_empty()
        || needed
            .iter()
            .any(|n| n.starts_with("libLLVM") || n.starts_with("libz3"))
    {
        return Err(format!("{} needs {needed:?}", library.display()).into());
    }
    let bytes = std::fs::read(&library).map_err(|e| format!("{}: {e}", library.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| format!("{}: {e}", library.display()))?;
    if !file
        .symbols()
        .any(|s| s.is_definition() && s.name() == Ok("LLVMContextCreate"))
    {
        return Err(format!("{} defines no LLVMContextCreate", library.display()).into());
    }
    Ok(())
}

/// Compiling opens the library: `--stats` says LLVM was loaded.
fn stats_say_llvm_was_loaded() -> Result<(), Failed> {
    let bc = program()?;
    let out = irjit(&["run", "--stats", &bc], None)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status != Status::Exited(0)
        || out.stdout != b"42\n"
        || !stderr.contains("irjit: stats: LLVM loaded: yes\n")
    {
        return Err(format!("unexpected: {out:?}\n{stderr}").into());
    }
    Ok(())
}

fn expect_one_error_line(out: &Outcome, needles: &[&str]) -> Result<(), Failed> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    if out.status != Status::Exited(125)
        || !out.stdout.is_empty()
        || lines.len() != 1
        || !lines[0].starts_with("irjit: error: ")
        || needles.iter().any(|n| !stderr.contains(n))
    {
        return Err(format!("want one error line with {needles:?}: {out:?}\n{stderr}").into());
    }
    Ok(())
}

/// A missing library: exit 125 and one line naming the path, no panic.
fn missing_library() -> Result<(), Failed> {
    let bc = program()?;
    let out = irjit(&["run", &bc], Some("/nonexistent.so"))?;
    expect_one_error_line(
        &out,
        &[
            "irjit: error: cannot load the compiler library /nonexistent.so: ",
            "No such file",
            "build it with cargo build --workspace",
        ],
    )
}

/// A shared library that is not irjit's compiler is refused by name.
fn foreign_library() -> Result<(), Failed> {
    let bc = program()?;
    let out = irjit(&["run", &bc], Some("libm.so.6"))?;
    expect_one_error_line(
        &out,
        &[
            "cannot load the compiler library libm.so.6",
            irjit_interface::abi::API_SYMBOL,
        ],
    )
}

/// A C program opens a C++ library whose constructor calls back into a function of the program
/// not compiled yet (while the loader is busy opening the library), then throws and catches an
/// exception. The callback's unwind tables are registered while the library, and the libgcc_s
/// it brings, are being loaded; nothing may wait for the loader there. Cold and warm (where the
/// callback comes from the cache, and nothing else brought libgcc_s before).
fn plugin_constructor_calls_back() -> Result<(), Failed> {
    let dir = support::work_dir("plugin");
    let plugin_source = dir.join("plugin.cpp");
    std::fs::write(
        &plugin_source,
        r#"#include <cstdio>
#include <cstdlib>
#include <stdexcept>
static struct Init {
  Init() {
    if (const char *cb = std::getenv("IRJIT_TEST_CALLBACK")) {
      auto f = reinterpret_cast<int (*)(int)>(std::strtoull(cb, nullptr, 16));
      std::printf("plugin: callback says %d\n", f(20));
    }
    try {
      throw std::runtime_error("inside the plugin");
    } catch (std::exception &e) {
      std::printf("plugin caught: %s\n", e.what());
    }
  }
} init;
"#,
    )?;
    let plugin = dir.join("libplugin.so");
    support::build(
        Command::new(support::clang(true))
            .args(["-shared", "-fPIC", "-O1", "-o"])
            .arg(&plugin)
            .arg(&plugin_source),
    )?;
    let bc = support::compile_c(
        &dir,
        "host",
        r#"#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
static int twice_plus_two(int x) { return 2 * x + 2; }
int main(int argc, char **argv) {
  char address[32];
  snprintf(address, sizeof address, "%lx", (unsigned long)(void *)twice_plus_two);
  setenv("IRJIT_TEST_CALLBACK", address, 1);
  void *plugin = dlopen(argv[1], RTLD_NOW);
  if (!plugin) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  dlclose(plugin);
  printf("done\n");
  return 0;
}
"#,
    )?;
    let cache = dir.join("cache");
    let _ = std::fs::remove_dir_all(&cache);
    let plugin = plugin.to_string_lossy().into_owned();
    let cache_arg = cache.to_string_lossy().into_owned();
    for run in ["cold", "warm"] {
        let out = irjit(&["run", "--cache-dir", &cache_arg, &bc, &plugin], None)?;
        let want: &[u8] = b"plugin: callback says 42\nplugin caught: inside the plugin\ndone\n";
        if out.status != Status::Exited(0) || out.stdout != want {
            return Err(format!("{run} run: {out:?}").into());
        }
    }
    Ok(())
}

pub fn trials() -> Vec<Trial> {
    let t = |name: &str, f: fn() -> Result<(), Failed>| Trial::test(format!("library::{name}"), f);
    vec![
        t("binary_links_no_llvm", binary_links_no_llvm),
        t("stats_say_llvm_was_loaded", stats_say_llvm_was_loaded),
        t("missing_library", missing_library),
        t("foreign_library", foreign_library),
        t(
            "plugin_constructor_calls_back",
            plugin_constructor_calls_back,
        ),
    ]
}
