//! Program bundles (issue 7): `irjit pack`, bundles run as `./APP` through their `#!` line and
//! by `irjit run`, static-linker semantics across modules, `irjit info`, malformed bundles,
//! `irjit binfmt`, Lua packed from its modules, and library code shared in the cache.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use irjit_runtime::bundle::{write_bundle, Bundle, BundleEntry, MAIN_ENTRY};
use libtest_mimic::{Failed, Trial};

use crate::support::{self, Outcome, Status};

/// irjit's exit status for its own failures.
const FAILURE: i32 = 125;

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "bundle::library_in_several_modules",
            library_in_several_modules,
        ),
        Trial::test("bundle::bitcode_archive", bitcode_archive),
        Trial::test(
            "bundle::shebang_passes_args_and_status",
            shebang_passes_args_and_status,
        ),
        Trial::test("bundle::implicit_run", implicit_run),
        Trial::test("bundle::strong_beats_weak", strong_beats_weak),
        Trial::test("bundle::first_weak_wins", first_weak_wins),
        Trial::test("bundle::duplicate_definition", duplicate_definition),
        Trial::test("bundle::comdat_deduplicates", comdat_deduplicates),
        Trial::test(
            "bundle::identical_modules_stored_once",
            identical_modules_stored_once,
        ),
        Trial::test("bundle::unresolved_symbols", unresolved_symbols),
        Trial::test(
            "bundle::manifest_dlopen_and_entry",
            manifest_dlopen_and_entry,
        ),
        Trial::test("bundle::info", info),
        Trial::test("bundle::malformed::no_main", malformed_no_main),
        Trial::test("bundle::malformed::not_bitcode", malformed_not_bitcode),
        Trial::test(
            "bundle::malformed::corrupt_module",
            malformed_corrupt_module,
        ),
        Trial::test("bundle::malformed::bad_bitcode", malformed_bad_bitcode),
        Trial::test("bundle::malformed::truncated", malformed_truncated),
        Trial::test("bundle::shared_library_cache", shared_library_cache),
        Trial::test("bundle::lua", lua),
        binfmt_trial(),
    ]
}

/// A fresh directory for one trial.
fn fresh(name: &str) -> PathBuf {
    let dir = support::work_dir("bundle").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `NAME.c` in `dir` and compiles it to `NAME.bc` at -O1.
fn bitcode(dir: &Path, name: &str, source: &str) -> Result<PathBuf, Failed> {
    compile(dir, name, source, false, "-O1")
}

/// Writes `NAME.c` (`NAME.cpp` for C++) in `dir` and compiles it to `NAME.bc` at `level`.
fn compile(
    dir: &Path,
    name: &str,
    source: &str,
    cxx: bool,
    level: &str,
) -> Result<PathBuf, Failed> {
    let src = dir.join(format!("{name}.{}", if cxx { "cpp" } else { "c" }));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(format!("{name}.bc"));
    support::build(
        Command::new(support::clang(cxx))
            .current_dir(dir)
            .args([level, "-emit-llvm", "-c"])
            .arg(&src)
            .arg("-o")
            .arg(&out),
    )?;
    Ok(out)
}

/// The native build of the sources already written in `dir` by [`bitcode`].
fn native(dir: &Path, names: &[&str], extra: &[&str]) -> Result<PathBuf, Failed> {
    let cxx = names.iter().any(|n| dir.join(format!("{n}.cpp")).exists());
    let exe = dir.join("native");
    let mut cmd = Command::new(support::clang(cxx));
    cmd.arg("-O1").arg("-o").arg(&exe);
    for n in names {
        let c = dir.join(format!("{n}.c"));
        cmd.arg(if c.exists() {
            c
        } else {
            dir.join(format!("{n}.cpp"))
        });
    }
    cmd.args(extra);
    support::build(&mut cmd)?;
    Ok(exe)
}

fn irjit(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Result<Outcome, Failed> {
    let mut cmd = Command::new(support::irjit());
    for a in args {
        cmd.arg(a);
    }
    Ok(support::run(cmd, b"", Duration::from_secs(300))?)
}

/// `irjit pack -o OUT ARGS...`, which must succeed.
fn pack(out: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Result<Outcome, Failed> {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"pack", &"-o", &out];
    all.extend_from_slice(args);
    let outcome = irjit(&all)?;
    if outcome.status != Status::Exited(0) {
        return Err(format!(
            "irjit pack failed ({:?}):\n{}",
            outcome.status,
            String::from_utf8_lossy(&outcome.stderr)
        )
        .into());
    }
    Ok(outcome)
}

/// Runs a file directly, as a shell would.
fn exec(program: &Path, args: &[&str]) -> Result<Outcome, Failed> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    Ok(support::run(cmd, b"", Duration::from_secs(300))?)
}

fn stderr_of(out: &Outcome) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &Outcome) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An irjit failure: exit 125, nothing on stdout (nothing ran), every needle on stderr.
fn expect_failure(out: &Outcome, needles: &[&str]) -> Result<(), Failed> {
    let stderr = stderr_of(out);
    if out.status != Status::Exited(FAILURE) {
        return Err(format!("expected exit {FAILURE}, got {:?}:\n{stderr}", out.status).into());
    }
    if !out.stdout.is_empty() {
        return Err(format!("the program ran: stdout {:?}", stdout_of(out)).into());
    }
    if stderr.contains("panicked") {
        return Err(format!("panic on stderr:\n{stderr}").into());
    }
    for needle in needles {
        if !stderr.contains(needle) {
            return Err(format!("stderr lacks {needle:?}:\n{stderr}").into());
        }
    }
    Ok(())
}

fn same_output(what: &str, want: &Outcome, got: &Outcome) -> Result<(), Failed> {
    Ok(support::compare(what, want, got)?)
}

const VEC_H: &str = "struct vec { long *items; int len, cap; };\n\
    void vec_push(struct vec *v, long x);\n\
    long vec_sum(const struct vec *v);\n\
    void vec_free(struct vec *v);\n";

/// A program whose library is split over several modules.
fn several_modules(dir: &Path) -> Result<Vec<PathBuf>, Failed> {
    std::fs::write(dir.join("vec.h"), VEC_H).unwrap();
    Ok(vec![
        bitcode(
            dir,
            "main",
            r#"#include <stdio.h>
#include "vec.h"
const char *describe(long);
int main(int argc, char **argv) {
  struct vec v = {0};
  for (int i = 1; i < argc; i++) vec_push(&v, (long)argc * i);
  for (long i = 0; i < 1000; i++) vec_push(&v, i);
  printf("%d items, sum %ld (%s)\n", v.len, vec_sum(&v), describe(vec_sum(&v)));
  for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  vec_free(&v);
  return argc + 40;
}
"#,
        )?,
        bitcode(
            dir,
            "vec",
            r#"#include <stdlib.h>
#include "vec.h"
static long grow(int cap) { return cap ? 2L * cap : 8; }
void vec_push(struct vec *v, long x) {
  if (v->len == v->cap) { v->cap = (int)grow(v->cap); v->items = realloc(v->items, v->cap * sizeof(long)); }
  v->items[v->len++] = x;
}
void vec_free(struct vec *v) { free(v->items); v->items = 0; v->len = v->cap = 0; }
"#,
        )?,
        bitcode(
            dir,
            "sum",
            r#"#include "vec.h"
long vec_sum(const struct vec *v) { long s = 0; for (int i = 0; i < v->len; i++) s += v->items[i]; return s; }
"#,
        )?,
        bitcode(
            dir,
            "describe",
            r#"#include <stdio.h>
static char buffer[64];
const char *describe(long n) { snprintf(buffer, sizeof buffer, "%s", n % 2 ? "odd" : "even"); return buffer; }
"#,
        )?,
    ])
}

/// A library split over three modules: packed, run as ./APP, same as the native build.
fn library_in_several_modules() -> Result<(), Failed> {
    let dir = fresh("several");
    let modules = several_modules(&dir)?;
    let native = native(&dir, &["main", "vec", "sum", "describe"], &[])?;
    let app = dir.join("app");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = Vec::new();
    for m in &modules {
        args.push(m);
    }
    pack(&app, &args)?;
    let bundle = Bundle::open(&app).map_err(|e| e.to_string())?;
    let names: Vec<&str> = bundle.modules().iter().map(|m| m.name.as_str()).collect();
    if names != [MAIN_ENTRY, "lib/vec.bc", "lib/sum.bc", "lib/describe.bc"] {
        return Err(format!("modules in load order expected, got {names:?}").into());
    }
    let want = exec(&native, &["one", "two"])?;
    same_output("./app", &want, &exec(&app, &["one", "two"])?)?;
    same_output(
        "irjit run app",
        &want,
        &irjit(&[&"run", &app, &"one", &"two"])?,
    )
}

/// A library as a bitcode archive (llvm-ar-19): the members a static linker would take, and
/// only those.
fn bitcode_archive() -> Result<(), Failed> {
    let dir = fresh("archive");
    let modules = several_modules(&dir)?;
    let unused = bitcode(
        &dir,
        "unused",
        "int nowhere_defined(void);\nint unused(void) { return nowhere_defined(); }\n",
    )?;
    let archive = dir.join("libvec.a");
    support::build(
        Command::new("llvm-ar-19")
            .arg("rc")
            .arg(&archive)
            .args(&modules[1..])
            .arg(&unused),
    )?;
    let native = native(&dir, &["main", "vec", "sum", "describe"], &[])?;
    let app = dir.join("app");
    let packed = pack(&app, &[&modules[0], &archive])?;
    let stderr = stderr_of(&packed);
    if !stderr.contains("4 modules (3 from archives; 1 archive members not needed)") {
        return Err(format!("pack should take 3 members and leave 1 out:\n{stderr}").into());
    }
    let bundle = Bundle::open(&app).map_err(|e| e.to_string())?;
    let names: Vec<&str> = bundle.modules().iter().map(|m| m.name.as_str()).collect();
    if names
        != [
            MAIN_ENTRY,
            "lib/vec/vec.bc",
            "lib/vec/sum.bc",
            "lib/vec/describe.bc",
        ]
    {
        return Err(format!("unexpected modules {names:?}").into());
    }
    let want = exec(&native, &["x"])?;
    same_output("./app from an archive", &want, &exec(&app, &["x"])?)?;
    // --whole-archive takes the unused member too, whose symbol nothing defines.
    let whole = irjit(&[
        &"pack",
        &"-o",
        &dir.join("whole"),
        &"--whole-archive",
        &modules[0],
        &archive,
    ])?;
    expect_failure(
        &whole,
        &["undefined symbol: nowhere_defined (used by", "(unused.bc)"],
    )?;
    if dir.join("whole").exists() {
        return Err("a failed pack left a bundle behind".into());
    }
    Ok(())
}

/// `./APP args` through the `#!` line: arguments with spaces and dashes arrive unchanged, argv[0]
/// is the path as typed, the exit status is the program's, stdin is the program's.
fn shebang_passes_args_and_status() -> Result<(), Failed> {
    let dir = fresh("shebang");
    let main = bitcode(
        &dir,
        "main",
        r#"#include <stdio.h>
int main(int argc, char **argv) {
  printf("argv0=%s\n", argv[0]);
  for (int i = 1; i < argc; i++) printf("[%s]\n", argv[i]);
  int c, n = 0; while ((c = getchar()) != EOF) n++;
  printf("stdin %d bytes\n", n);
  return 17;
}
"#,
    )?;
    let app = dir.join("app");
    pack(&app, &[&main])?;
    let head = std::fs::read(&app)?;
    let want_line = format!("#!{} run\n", support::irjit().canonicalize()?.display());
    if !head.starts_with(want_line.as_bytes()) {
        return Err(format!(
            "the bundle should start with {want_line:?}, starts with {:?}",
            String::from_utf8_lossy(&head[..want_line.len().min(head.len())])
        )
        .into());
    }
    let mode = std::fs::metadata(&app)?.permissions().mode();
    if mode & 0o111 != 0o111 {
        return Err(format!("the bundle is not executable: mode {mode:o}").into());
    }
    let mut cmd = Command::new("./app");
    cmd.current_dir(&dir)
        .args(["a b", "--stats", "-O0", "", "last"]);
    let out = support::run(cmd, b"hello", Duration::from_secs(120))?;
    let want = "argv0=./app\n[a b]\n[--stats]\n[-O0]\n[]\n[last]\nstdin 5 bytes\n";
    if stdout_of(&out) != want || out.status != Status::Exited(17) {
        return Err(format!(
            "./app: got {:?} {:?}, want {want:?} and status 17; stderr:\n{}",
            out.status,
            stdout_of(&out),
            stderr_of(&out)
        )
        .into());
    }
    Ok(())
}

/// `irjit FILE ARGS...` is `irjit run FILE ARGS...` for bitcode and bundles (how binfmt_misc
/// starts them).
fn implicit_run() -> Result<(), Failed> {
    let dir = fresh("implicit");
    let main = bitcode(
        &dir,
        "main",
        "#include <stdio.h>\nint main(int c, char **v) { printf(\"%s %s\\n\", v[0], v[1]); return 3; }\n",
    )?;
    let out = irjit(&[&main, &"x"])?;
    let want = format!("{} x\n", dir.join("main").display());
    if stdout_of(&out) != want || out.status != Status::Exited(3) {
        return Err(format!("irjit main.bc x: {:?} {:?}", out.status, stdout_of(&out)).into());
    }
    let app = dir.join("app");
    pack(&app, &[&main])?;
    let out = irjit(&[&app, &"y"])?;
    let want = format!("{} y\n", app.display());
    if stdout_of(&out) != want || out.status != Status::Exited(3) {
        return Err(format!("irjit app y: {:?} {:?}", out.status, stdout_of(&out)).into());
    }
    Ok(())
}

const WHO_MAIN: &str =
    "#include <stdio.h>\nconst char *who(void);\nint main(void) { puts(who()); return 0; }\n";

fn who(dir: &Path, name: &str, weak: bool) -> Result<PathBuf, Failed> {
    bitcode(
        dir,
        name,
        &format!(
            "{}const char *who(void) {{ return \"{name}\"; }}\n",
            if weak { "__attribute__((weak)) " } else { "" }
        ),
    )
}

fn expect_stdout(what: &str, out: &Outcome, want: &str) -> Result<(), Failed> {
    if stdout_of(out) != want || out.status != Status::Exited(0) {
        return Err(format!(
            "{what}: got {:?} {:?}, want {want:?}; stderr:\n{}",
            out.status,
            stdout_of(out),
            stderr_of(out)
        )
        .into());
    }
    Ok(())
}

/// One strong definition wins over a weak one, whichever comes first.
fn strong_beats_weak() -> Result<(), Failed> {
    let dir = fresh("strong_weak");
    let main = bitcode(&dir, "main", WHO_MAIN)?;
    let weak = who(&dir, "weak", true)?;
    let strong = who(&dir, "strong", false)?;
    for (name, first, second) in [("ws", &weak, &strong), ("sw", &strong, &weak)] {
        let app = dir.join(name);
        pack(&app, &[&main, first, second])?;
        expect_stdout(name, &exec(&app, &[])?, "strong\n")?;
        // The same through --extra-module.
        let out = irjit(&[
            &"run",
            &"--extra-module",
            first,
            &"--extra-module",
            second,
            &main,
        ])?;
        expect_stdout(&format!("{name} with --extra-module"), &out, "strong\n")?;
    }
    let app = dir.join("w");
    pack(&app, &[&main, &weak])?;
    expect_stdout("weak alone", &exec(&app, &[])?, "weak\n")
}

/// Among weak definitions the first in load order wins, as with a static linker.
fn first_weak_wins() -> Result<(), Failed> {
    let dir = fresh("weak_weak");
    let main = bitcode(&dir, "main", WHO_MAIN)?;
    let one = who(&dir, "one", true)?;
    let two = who(&dir, "two", true)?;
    let app = dir.join("a");
    pack(&app, &[&main, &one, &two])?;
    expect_stdout("one, two", &exec(&app, &[])?, "one\n")?;
    let app = dir.join("b");
    pack(&app, &[&main, &two, &one])?;
    expect_stdout("two, one", &exec(&app, &[])?, "two\n")
}

/// Two strong definitions: refused by pack, by --extra-module loading and by a bundle's loading,
/// each naming the symbol and both modules; nothing runs.
fn duplicate_definition() -> Result<(), Failed> {
    let dir = fresh("duplicate");
    let main = bitcode(&dir, "main", WHO_MAIN)?;
    let one = who(&dir, "one", false)?;
    let two = who(&dir, "two", false)?;
    let out = irjit(&[&"pack", &"-o", &dir.join("app"), &main, &one, &two])?;
    let (one_s, two_s) = (one.display().to_string(), two.display().to_string());
    expect_failure(
        &out,
        &[&format!(
            "symbol 'who' is defined in both {one_s} and {two_s}"
        )],
    )?;
    let out = irjit(&[
        &"run",
        &"--extra-module",
        &one,
        &"--extra-module",
        &two,
        &main,
    ])?;
    expect_failure(
        &out,
        &[&format!(
            "symbol 'who' is defined in both {one_s} and {two_s}"
        )],
    )?;
    // A bundle made by another tool, holding both.
    let app = dir.join("crafted");
    let entry = |name: &str, path: &Path| BundleEntry {
        name: name.to_string(),
        bytes: std::fs::read(path).unwrap(),
    };
    write_bundle(
        &app,
        None,
        &[
            entry(MAIN_ENTRY, &main),
            entry("lib/one.bc", &one),
            entry("lib/two.bc", &two),
        ],
        None,
    )?;
    let out = irjit(&[&"run", &app])?;
    expect_failure(
        &out,
        &["symbol 'who' is defined in both lib/one.bc and lib/two.bc"],
    )
}

/// C++ inline functions and template instances in several modules (COMDAT groups, linkonce_odr)
/// keep one copy: the bundle packs and runs like the native build.
fn comdat_deduplicates() -> Result<(), Failed> {
    let dir = fresh("comdat");
    std::fs::write(
        dir.join("shared.h"),
        "#include <string>\n\
         template <typename T> T twice(T x) { return x + x; }\n\
         inline int counter() { static int n = 0; return ++n; }\n\
         std::string left(); std::string right();\n",
    )
    .unwrap();
    let main = compile(
        &dir,
        "main",
        "#include <cstdio>\n#include \"shared.h\"\ntemplate <typename T> T unused_template(T);\n\
         int main() { std::printf(\"%s %s %d %d\\n\", left().c_str(), right().c_str(), twice(21), counter()); return 0; }\n",
        true,
        "-O1",
    )?;
    let left = compile(
        &dir,
        "left",
        "#include \"shared.h\"\nstd::string left() { counter(); return twice(std::string(\"ab\")); }\n",
        true,
        "-O1",
    )?;
    let right = compile(
        &dir,
        "right",
        "#include \"shared.h\"\nstd::string right() { counter(); return twice(std::string(\"ab\")) + \"!\"; }\n",
        true,
        "-O1",
    )?;
    let native = native(&dir, &["main", "left", "right"], &[])?;
    let app = dir.join("app");
    pack(&app, &[&main, &left, &right])?;
    same_output("C++ with COMDATs", &exec(&native, &[])?, &exec(&app, &[])?)
}

/// The same module named twice (here: a file and an archive member with the same bytes) is
/// stored once.
fn identical_modules_stored_once() -> Result<(), Failed> {
    let dir = fresh("identical");
    let main = bitcode(&dir, "main", WHO_MAIN)?;
    let lib = who(&dir, "lib", false)?;
    let archive = dir.join("liblib.a");
    support::build(Command::new("llvm-ar-19").arg("rc").arg(&archive).arg(&lib))?;
    let app = dir.join("app");
    let out = pack(&app, &[&main, &lib, &archive, &lib])?;
    let stderr = stderr_of(&out);
    if !stderr.contains("is identical to") || !stderr.contains("stored once") {
        return Err(format!("pack should report the duplicates:\n{stderr}").into());
    }
    let bundle = Bundle::open(&app).map_err(|e| e.to_string())?;
    if bundle.modules().len() != 2 {
        return Err(format!("{} modules stored, want 2", bundle.modules().len()).into());
    }
    expect_stdout("deduplicated", &exec(&app, &[])?, "lib\n")
}

/// Symbols neither a module nor the host defines are listed, and no bundle is written.
fn unresolved_symbols() -> Result<(), Failed> {
    let dir = fresh("unresolved");
    let main = bitcode(
        &dir,
        "main",
        "int missing_one(void); extern int missing_data;\n\
         __attribute__((weak)) int optional(void);\n\
         int main(void) { return optional ? 0 : missing_one() + missing_data; }\n",
    )?;
    let app = dir.join("app");
    let out = irjit(&[&"pack", &"-o", &app, &main])?;
    expect_failure(
        &out,
        &[
            "2 undefined symbols",
            "missing_data (used by",
            "missing_one (used by",
        ],
    )?;
    if stderr_of(&out).contains("optional") {
        return Err("a weak reference is no error".into());
    }
    if app.exists() {
        return Err("a failed pack wrote a bundle".into());
    }
    Ok(())
}

/// `--dlopen` makes a library's symbols count at pack time and goes into the manifest, which
/// has the bundle open it when run; `--entry-function` too.
fn manifest_dlopen_and_entry() -> Result<(), Failed> {
    let dir = fresh("manifest");
    let main = bitcode(
        &dir,
        "main",
        "#include <stdio.h>\nconst char *zlibVersion(void);\n\
         int start(int argc, char **argv) { printf(\"zlib %s, %d args\\n\", zlibVersion(), argc - 1); return 5; }\n\
         int main(void) { puts(\"main must not run\"); return 1; }\n",
    )?;
    let app = dir.join("app");
    let out = irjit(&[&"pack", &"-o", &app, &main])?;
    expect_failure(&out, &["zlibVersion"])?;
    pack(
        &app,
        &[
            &"--dlopen",
            &"libz.so.1",
            &"--entry-function",
            &"start",
            &main,
        ],
    )?;
    let out = exec(&app, &["a", "b"])?;
    let stdout = stdout_of(&out);
    if !stdout.starts_with("zlib 1.")
        || !stdout.ends_with(", 2 args\n")
        || out.status != Status::Exited(5)
    {
        return Err(format!(
            "manifest not honoured: {:?} {stdout:?}\n{}",
            out.status,
            stderr_of(&out)
        )
        .into());
    }
    let info = irjit(&[&"info", &app])?;
    let text = stdout_of(&info);
    if !text.contains("entry start; dlopen libz.so.1") {
        return Err(format!("info should show the manifest:\n{text}").into());
    }
    Ok(())
}

/// `irjit info`: modules, sizes and hashes, functions, host symbols, and the cache before and
/// after a run.
fn info() -> Result<(), Failed> {
    let dir = fresh("info");
    let modules = several_modules(&dir)?;
    let app = dir.join("app");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = Vec::new();
    for m in &modules {
        args.push(m);
    }
    pack(&app, &args)?;
    let cache = dir.join("cache");
    let info = |extra: &[&str]| -> Result<String, Failed> {
        let mut cmd = Command::new(support::irjit());
        cmd.env_remove("IRJIT_CACHE")
            .arg("info")
            .args(extra)
            .arg("--cache-dir")
            .arg(&cache)
            .arg(&app);
        let out = support::run(cmd, b"", Duration::from_secs(120))?;
        if out.status != Status::Exited(0) {
            return Err(format!("irjit info failed: {}", stderr_of(&out)).into());
        }
        Ok(stdout_of(&out))
    };
    let before = info(&[])?;
    let main_hash = blake3::hash(&std::fs::read(&modules[0])?).to_hex();
    let expected = [
        format!("bundle: {}", app.display()),
        format!(
            "interpreter: #!{} run",
            support::irjit().canonicalize()?.display()
        ),
        "manifest: format 1; packed by irjit".to_string(),
        "modules: 4".to_string(),
        format!("blake3 {}  external functions 1", &main_hash[..16]),
        "lib/describe.bc".to_string(),
        "defined functions (5 external): describe, main, vec_free, vec_push, vec_sum".to_string(),
        "host symbols (4): free, printf, realloc, snprintf".to_string(),
        "unresolved symbols: none".to_string(),
        format!("cache: empty ({} does not exist)", cache.display()),
    ];
    for want in &expected {
        if !before.contains(want.as_str()) {
            return Err(format!("irjit info lacks {want:?}:\n{before}").into());
        }
    }
    let mut run = Command::new(support::irjit());
    run.env_remove("IRJIT_CACHE")
        .args(["run", "--tier=0", "--cache-dir"])
        .arg(&cache)
        .arg(&app)
        .arg("x");
    let out = support::run(run, b"", Duration::from_secs(120))?;
    if out.status != Status::Exited(42) {
        return Err(format!("the run failed: {:?} {}", out.status, stderr_of(&out)).into());
    }
    let after = info(&[])?;
    for want in [
        "  program record: yes (1 run, 0 hot units)",
        // Every function ran (main and the library's 4; vec's static grow was inlined) and the
        // globals unit was needed.
        "  units with cached code: 6 of 6",
    ] {
        if !after.contains(want) {
            return Err(format!("after a run, irjit info lacks {want:?}:\n{after}").into());
        }
    }
    Ok(())
}

/// Writes a bundle of `entries` and runs it: it must fail before running anything, with
/// `needles` in the message.
fn malformed(name: &str, entries: Vec<BundleEntry>, needles: &[&str]) -> Result<(), Failed> {
    let dir = fresh(&format!("malformed_{name}"));
    let app = dir.join("app");
    write_bundle(&app, None, &entries, None)?;
    expect_failure(&irjit(&[&"run", &app])?, needles)
}

fn good_entries(dir: &Path) -> Result<Vec<BundleEntry>, Failed> {
    let main = bitcode(
        dir,
        "main",
        "#include <stdio.h>\nint lib(void);\nint main(void) { printf(\"ran %d\\n\", lib()); return 0; }\n",
    )?;
    let lib = bitcode(dir, "lib", "int lib(void) { return 42; }\n")?;
    Ok(vec![
        BundleEntry {
            name: MAIN_ENTRY.to_string(),
            bytes: std::fs::read(main)?,
        },
        BundleEntry {
            name: "lib/lib.bc".to_string(),
            bytes: std::fs::read(lib)?,
        },
    ])
}

fn malformed_no_main() -> Result<(), Failed> {
    let dir = fresh("sources_no_main");
    let mut entries = good_entries(&dir)?;
    entries.remove(0);
    malformed(
        "no_main",
        entries,
        &["the first entry is lib/lib.bc, not main.bc"],
    )?;
    malformed(
        "empty",
        Vec::new(),
        &["has no entries (it needs main.bc first)"],
    )
}

fn malformed_not_bitcode() -> Result<(), Failed> {
    let dir = fresh("sources_not_bitcode");
    let mut entries = good_entries(&dir)?;
    entries.push(BundleEntry {
        name: "lib/readme.bc".to_string(),
        bytes: b"this is not bitcode\n".to_vec(),
    });
    malformed(
        "not_bitcode",
        entries,
        &["entry lib/readme.bc: is not LLVM bitcode"],
    )
}

/// A byte of a module flipped after packing: its CRC-32 no longer matches.
fn malformed_corrupt_module() -> Result<(), Failed> {
    let dir = fresh("malformed_corrupt");
    let entries = good_entries(&dir)?;
    let app = dir.join("app");
    write_bundle(&app, Some("/bin/false run"), &entries, None)?;
    let bundle = Bundle::open(&app).map_err(|e| e.to_string())?;
    let range = bundle.modules()[1].range;
    let mut bytes = std::fs::read(&app)?;
    bytes[(range.offset + range.len / 2) as usize] ^= 0x5a;
    std::fs::write(&app, &bytes)?;
    expect_failure(
        &irjit(&[&"run", &app])?,
        &["entry lib/lib.bc: is corrupt: its CRC-32 is"],
    )
}

/// An entry with a bitcode magic but no valid bitcode behind it (its CRC-32 is right): LLVM's
/// reader refuses it, and the message names the entry.
fn malformed_bad_bitcode() -> Result<(), Failed> {
    let dir = fresh("sources_bad_bitcode");
    let mut entries = good_entries(&dir)?;
    let mut junk = b"BC\xc0\xde".to_vec();
    junk.extend_from_slice(&[0x35; 200]);
    entries.push(BundleEntry {
        name: "lib/junk.bc".to_string(),
        bytes: junk,
    });
    malformed(
        "bad_bitcode",
        entries,
        &["lib/junk.bc", "malformed bitcode"],
    )
}

/// The archive cut short (a bundle copied in part): its directory is gone.
fn malformed_truncated() -> Result<(), Failed> {
    let dir = fresh("malformed_truncated");
    let entries = good_entries(&dir)?;
    let app = dir.join("app");
    write_bundle(&app, Some("/bin/false run"), &entries, None)?;
    let bytes = std::fs::read(&app)?;
    std::fs::write(&app, &bytes[..bytes.len() - 40])?;
    expect_failure(
        &irjit(&[&"run", &app])?,
        &["is not a program bundle (truncated, or no ZIP archive after the #! line)"],
    )?;
    // Cut inside the first module: the directory is gone as well.
    std::fs::write(&app, &bytes[..bytes.len() / 3])?;
    expect_failure(&irjit(&[&"run", &app])?, &["is not a program bundle"])
}

/// Runs `irjit run --stats --tier=0` with the cache in `cache`; returns (stdout, the cache figures).
fn cached_run(cache: &Path, app: &Path) -> Result<(String, [u64; 3], bool), Failed> {
    let mut cmd = Command::new(support::irjit());
    cmd.env_remove("IRJIT_CACHE")
        .args(["run", "--stats", "--tier=0", "--cache-dir"])
        .arg(cache)
        .arg(app);
    let out = support::run(cmd, b"", Duration::from_secs(120))?;
    let stderr = stderr_of(&out);
    if out.status != Status::Exited(0) {
        return Err(format!("{} failed: {:?}\n{stderr}", app.display(), out.status).into());
    }
    let line = stderr
        .lines()
        .find(|l| l.starts_with("irjit: stats: cache: "))
        .ok_or_else(|| format!("no cache line in --stats:\n{stderr}"))?;
    let figures = [
        support::stat(line, "record hits ")?,
        support::stat(line, "key hits ")?,
        support::stat(line, ", compiled ")?,
    ];
    Ok((
        stdout_of(&out),
        figures,
        stderr.contains("LLVM loaded: yes"),
    ))
}

/// Two bundles linking the same library module share its compiled code: the second finds every
/// library unit by key, although its main module differs and has local symbols and strings
/// named like the library's.
fn shared_library_cache() -> Result<(), Failed> {
    let dir = fresh("shared_cache");
    // -O0, so the static helpers stay functions of their own (units) with clashing names.
    let lib = compile(
        &dir,
        "shared",
        r#"#include <stdio.h>
static int helper(int x) { return x * 7 + 1; }
static const char *names[] = {"zero", "one", "two"};
int s1(int x) { return helper(x) + 1; }
int s2(int x) { return helper(x) * 2; }
const char *s3(int i) { return names[i % 3]; }
void s4(void) { puts("s4 says hello"); }
"#,
        false,
        "-O0",
    )?;
    let proto =
        "#include <stdio.h>\nint s1(int); int s2(int); const char *s3(int); void s4(void);\n";
    let main_a = compile(
        &dir,
        "main_a",
        &format!(
            "{proto}static int helper(int x) {{ return x + 100; }}\n\
             int main(void) {{ printf(\"A %d %d %s %d\\n\", s1(1), s2(2), s3(4), helper(1)); s4(); return 0; }}\n"
        ),
        false,
        "-O0",
    )?;
    let main_b = compile(
        &dir,
        "main_b",
        &format!(
            "{proto}int other(int x) {{ return x - 1; }}\n\
             int main(void) {{ printf(\"B %d %d %s %d\\n\", s1(3), s2(4), s3(5), other(9)); s4(); return 0; }}\n"
        ),
        false,
        "-O0",
    )?;
    let (a, b) = (dir.join("a"), dir.join("b"));
    pack(&a, &[&main_a, &lib])?;
    pack(&b, &[&main_b, &lib])?;
    let cache = dir.join("cache");
    let (out_a, first, _) = cached_run(&cache, &a)?;
    if out_a != "A 9 30 one 101\ns4 says hello\n" || first != [0, 0, 8] {
        return Err(format!(
            "bundle A should print its line and compile all 8 units, got {out_a:?} and [record hits, key hits, compiled] = {first:?}"
        )
        .into());
    }
    // B: the library's 5 functions (helper, s1..s4) come from A's objects; its main, other and
    // the globals unit are its own.
    let (out_b, second, _) = cached_run(&cache, &b)?;
    if out_b != "B 23 58 two 8\ns4 says hello\n" || second != [0, 5, 3] {
        return Err(format!(
            "bundle B should find the 5 library units by key and compile 3, got {out_b:?} and [record hits, key hits, compiled] = {second:?}"
        )
        .into());
    }
    // A again: its record has everything; LLVM is not even loaded.
    let (_, third, llvm) = cached_run(&cache, &a)?;
    if third != [8, 0, 0] || llvm {
        return Err(format!(
            "bundle A's second run should take all 8 units from its record without LLVM, got {third:?} (LLVM loaded: {llvm})"
        )
        .into());
    }
    Ok(())
}

/// Lua 5.4 packed from its modules (the core library as a bitcode archive, the interpreter's
/// main module) runs its workload as `./lua.bundle workload.lua` like the native interpreter.
fn lua() -> Result<(), Failed> {
    let out = crate::real::built()?;
    let modules = out.join("lua/modules-O2");
    let dir = fresh("lua");
    let mut library: Vec<PathBuf> = std::fs::read_dir(&modules)
        .map_err(|e| format!("{}: {e}", modules.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bc") && !p.ends_with("lua.bc"))
        .collect();
    library.sort();
    let archive = dir.join("liblua.a");
    support::build(
        Command::new("llvm-ar-19")
            .arg("rc")
            .arg(&archive)
            .args(&library),
    )?;
    let bundle = dir.join("lua.bundle");
    pack(&bundle, &[&modules.join("lua.bc"), &archive])?;
    let args = crate::real::lua_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let want = exec(&out.join("lua/lua-native"), &args)?;
    let mut cmd = Command::new("./lua.bundle");
    cmd.current_dir(&dir).args(&args);
    let got = support::run(cmd, b"", Duration::from_secs(600))?;
    same_output("./lua.bundle workload.lua", &want, &got)
}

/// `irjit binfmt`: where the machine allows it (root, binfmt_misc mounted or mountable),
/// install, run `./prog.bc` and a plain bundle directly, show the status, uninstall. Elsewhere
/// the trial is ignored with the reason.
fn binfmt_trial() -> Trial {
    match binfmt_unavailable() {
        Some(reason) => {
            eprintln!("bundle::binfmt skipped: {reason}");
            Trial::test(format!("bundle::binfmt (skipped: {reason})"), || Ok(()))
                .with_ignored_flag(true)
        }
        None => Trial::test("bundle::binfmt", binfmt),
    }
}

const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// Why binfmt cannot be tested here, if it cannot.
fn binfmt_unavailable() -> Option<String> {
    if std::env::var_os("IRJIT_TEST_NO_BINFMT").is_some() {
        return Some("IRJIT_TEST_NO_BINFMT is set".to_string());
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(str::to_string));
    if euid.as_deref() != Some("0") {
        return Some("not root: binfmt_misc registration needs root".to_string());
    }
    let filesystems = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    if !filesystems.contains("binfmt_misc") && !Path::new(BINFMT_DIR).join("register").exists() {
        return Some("the kernel has no binfmt_misc".to_string());
    }
    if !Path::new(BINFMT_DIR).is_dir() {
        return Some(format!("{BINFMT_DIR} does not exist"));
    }
    if Path::new(BINFMT_DIR).join("register").exists() {
        return None;
    }
    // Not mounted: irjit binfmt install mounts it, which takes CAP_SYS_ADMIN (bit 21).
    let may_mount = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 21) != 0);
    if !may_mount {
        return Some(format!(
            "binfmt_misc is not mounted on {BINFMT_DIR} and this process may not mount it (no CAP_SYS_ADMIN)"
        ));
    }
    None
}

/// Removes irjit's registrations (and unmounts binfmt_misc if the trial mounted it) however the
/// trial ends.
struct BinfmtCleanup {
    unmount: bool,
}

impl Drop for BinfmtCleanup {
    fn drop(&mut self) {
        let _ = Command::new(support::irjit())
            .args(["binfmt", "uninstall"])
            .output();
        if self.unmount {
            let _ = Command::new("umount").arg(BINFMT_DIR).status();
        }
    }
}

fn binfmt() -> Result<(), Failed> {
    let dir = fresh("binfmt");
    let was_mounted = Path::new(BINFMT_DIR).join("register").exists();
    let status = |want: &[&str]| -> Result<(), Failed> {
        let out = irjit(&[&"binfmt", &"status"])?;
        let text = stdout_of(&out);
        for w in want {
            if !text.contains(w) {
                return Err(format!("irjit binfmt status lacks {w:?}:\n{text}").into());
            }
        }
        Ok(())
    };
    let main = bitcode(
        &dir,
        "prog",
        "#include <stdio.h>\nint main(int c, char **v) { printf(\"direct %s %d\\n\", v[1], c); return 9; }\n",
    )?;
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o755))?;
    let plain = dir.join("plain.app");
    pack(&plain, &[&"--plain", &main])?;

    let install = irjit(&[&"binfmt", &"install"])?;
    let _cleanup = BinfmtCleanup {
        unmount: !was_mounted,
    };
    if install.status != Status::Exited(0) {
        return Err(format!("irjit binfmt install failed:\n{}", stderr_of(&install)).into());
    }
    let exe = support::irjit().canonicalize()?;
    status(&[
        &format!(
            "irjit-bitcode: registered, enabled: LLVM bitcode (magic BC C0 DE) runs with {}",
            exe.display()
        ),
        "irjit-bundle: registered, enabled",
    ])?;
    for (what, program) in [("./prog.bc", &main), ("a plain bundle", &plain)] {
        let out = exec(program, &["arg"])?;
        if stdout_of(&out) != "direct arg 2\n" || out.status != Status::Exited(9) {
            return Err(format!(
                "{what} through binfmt_misc: {:?} {:?}\n{}",
                out.status,
                stdout_of(&out),
                stderr_of(&out)
            )
            .into());
        }
    }
    let uninstall = irjit(&[&"binfmt", &"uninstall"])?;
    if uninstall.status != Status::Exited(0)
        || !stdout_of(&uninstall).contains("removed irjit-bitcode")
    {
        return Err(format!(
            "irjit binfmt uninstall failed:\n{}{}",
            stdout_of(&uninstall),
            stderr_of(&uninstall)
        )
        .into());
    }
    status(&[
        "irjit-bitcode: not registered",
        "irjit-bundle: not registered",
    ])?;
    // Without a handler the kernel refuses to execute bitcode (ENOEXEC).
    if let Ok(out) = exec(&main, &["arg"]) {
        if out.status == Status::Exited(9) {
            return Err("./prog.bc still runs after uninstall".into());
        }
    }
    Ok(())
}
