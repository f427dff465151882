//! irjit's own failures: one clear `irjit: error:` line, a documented exit status, no panic.

use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use crate::support::{self, Outcome, Status};

/// irjit's exit status for its own failures (README: "Exit status").
const FAILURE: i32 = 125;

fn irjit(args: &[&str]) -> Result<Outcome, String> {
    let mut cmd = Command::new(support::irjit());
    cmd.args(args);
    support::run(cmd, b"", Duration::from_secs(120))
}

fn expect_error(out: &Outcome, status: i32, needles: &[&str]) -> Result<(), Failed> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status != Status::Exited(status) {
        return Err(format!(
            "expected exit {status}, got {:?}; stderr:\n{stderr}",
            out.status
        )
        .into());
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(format!("panic trace on stderr:\n{stderr}").into());
    }
    for needle in needles {
        if !stderr.contains(needle) {
            return Err(format!("stderr lacks {needle:?}:\n{stderr}").into());
        }
    }
    if !out.stdout.is_empty() {
        return Err(format!(
            "unexpected stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    Ok(())
}

fn single_error_line(out: &Outcome) -> Result<(), Failed> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.len() != 1 || !lines[0].starts_with("irjit: error: ") {
        return Err(format!("expected one 'irjit: error:' line, got:\n{stderr}").into());
    }
    Ok(())
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn missing_file() -> Result<(), Failed> {
    let out = irjit(&["run", "/nonexistent/program.bc"])?;
    expect_error(&out, FAILURE, &["/nonexistent/program.bc", "no such file"])?;
    single_error_line(&out)
}

fn not_ir() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let path = write(
        &dir,
        "binary.bc",
        &[0x7f, b'E', b'L', b'F', 0, 1, 2, 3, 0, 0],
    );
    let out = irjit(&["run", &path])?;
    expect_error(&out, FAILURE, &["binary.bc", "not LLVM IR"])?;
    single_error_line(&out)
}

fn truncated_bitcode() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(&dir, "trunc_src", "int main(void) { return 0; }\n")?;
    let bytes = std::fs::read(&bc).unwrap();
    let path = write(&dir, "truncated.bc", &bytes[..bytes.len() / 2]);
    let out = irjit(&["run", &path])?;
    expect_error(&out, FAILURE, &["truncated.bc", "malformed bitcode"])
}

fn invalid_ir() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    // Parses, but fails verification: a block without terminator.
    let path = write(
        &dir,
        "unverifiable.ll",
        b"define i32 @main() {\nentry:\n  %x = add i32 1, 2\n}\n",
    );
    let out = irjit(&["run", &path])?;
    expect_error(&out, FAILURE, &["unverifiable.ll"])
}

fn syntax_error_ir() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let path = write(&dir, "syntax.ll", b"define i32 @main( {\n");
    let out = irjit(&["run", &path])?;
    expect_error(&out, FAILURE, &["syntax.ll"])
}

fn missing_symbol_source(dir: &std::path::Path) -> Result<String, Failed> {
    Ok(support::compile_c(
        dir,
        "missing_symbol",
        "#include <stdio.h>\nextern int irjit_no_such_function(int);\n\
         static int helper(int x) { return irjit_no_such_function(x) + 1; }\n\
         int main(void) { printf(\"start\\n\"); return helper(2); }\n",
    )?)
}

/// Eager mode: the link fails before the program starts.
fn missing_symbol_eager() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = missing_symbol_source(&dir)?;
    let out = irjit(&["run", "--lazy=off", &bc])?;
    expect_error(
        &out,
        FAILURE,
        &["undefined symbol 'irjit_no_such_function'", "helper"],
    )?;
    single_error_line(&out)
}

/// Lazy mode: the program runs until the function needing the symbol is first called; stdout
/// written so far is flushed, and the error names the symbol and the function.
fn missing_symbol_lazy() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = missing_symbol_source(&dir)?;
    let out = irjit(&["run", &bc])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let wanted = [
        "irjit: error: failed to compile function 'helper.irjit.",
        "on its first call",
        "undefined symbol 'irjit_no_such_function'",
    ];
    if out.status != Status::Exited(FAILURE)
        || out.stdout != b"start\n"
        || wanted.iter().any(|w| !stderr.contains(w))
        || stderr.lines().count() != 1
    {
        return Err(format!("unexpected: {:?}\n{stderr}", out.status).into());
    }
    Ok(())
}

fn missing_entry() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(&dir, "entry", "int main(void) { return 0; }\n")?;
    let out = irjit(&["run", "--entry-function", "not_there", &bc])?;
    expect_error(&out, FAILURE, &["no function 'not_there'"])?;
    single_error_line(&out)
}

fn missing_extra_module() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(&dir, "extra", "int main(void) { return 0; }\n")?;
    let out = irjit(&["run", "--extra-module", "/nonexistent/lib.bc", &bc])?;
    expect_error(&out, FAILURE, &["/nonexistent/lib.bc"])
}

fn bad_dlopen() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(&dir, "dl", "int main(void) { return 0; }\n")?;
    let out = irjit(&["run", "--dlopen", "libirjit-no-such-lib.so", &bc])?;
    expect_error(&out, FAILURE, &["libirjit-no-such-lib.so"])?;
    single_error_line(&out)
}

fn usage_error() -> Result<(), Failed> {
    let out = irjit(&["run", "-O7", "x.bc"])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status != Status::Exited(2) || stderr.contains("panicked") {
        return Err(format!("expected usage error (2), got {:?}: {stderr}", out.status).into());
    }
    Ok(())
}

fn entry_function_and_argv0() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(
        &dir,
        "alt_entry",
        "#include <stdio.h>\nint alt(int argc, char **argv) { printf(\"%d %s %s\\n\", argc, argv[0], argv[1]); return 7; }\n\
         int main(void) { return 1; }\n",
    )?;
    let out = irjit(&[
        "run",
        "--entry-function",
        "alt",
        "--argv0",
        "prog",
        &bc,
        "x",
    ])?;
    if out.status != Status::Exited(7) || out.stdout != b"2 prog x\n" {
        return Err(format!("unexpected: {out:?}").into());
    }
    let out = irjit(&["run", &bc])?;
    if out.status != Status::Exited(1) {
        return Err(format!("unexpected: {out:?}").into());
    }
    Ok(())
}

fn default_argv0_strips_extension() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(
        &dir,
        "argv0",
        "#include <stdio.h>\nint main(int argc, char **argv) { puts(argv[0]); return 0; }\n",
    )?;
    let out = irjit(&["run", &bc])?;
    let want = format!("{}\n", bc.strip_suffix(".bc").unwrap());
    if out.stdout != want.as_bytes() {
        return Err(format!(
            "argv[0]: {:?}, want {want:?}",
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    Ok(())
}

fn stats_are_printed() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let bc = support::compile_c(
        &dir,
        "stats",
        "#include <stdio.h>\nstatic int f(int x) { return x * 2; }\nint main(void) { printf(\"%d\\n\", f(21)); return 0; }\n",
    )?;
    for (interp_calls, compiled, interpreted) in [
        ("--interp-calls=0", "compiled 2", "0 ran in it"),
        (
            "--interp-calls=8",
            "compiled 0",
            "2 ran in it (2 of them never compiled)",
        ),
    ] {
        // Without compiling ahead, whose code, when ready first, takes the interpreter's calls.
        let out = irjit(&["run", "--stats", "--compile-ahead=off", interp_calls, &bc])?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.stdout != b"42\n"
            || !stderr.contains(&format!(
                "mode lazy adaptive, functions defined 2, {compiled}"
            ))
            || !stderr.contains(&format!("interpreter: {}", &interpreted[..1]))
            || !stderr.contains(interpreted)
            || !stderr.contains("code ")
        {
            return Err(format!("{interp_calls}: unexpected: {out:?}\n{stderr}").into());
        }
    }
    Ok(())
}

/// LLVM fails in code generation (an intrinsic of another target cannot be selected): in every
/// mode irjit says so and exits with its failure status, the program's output so far flushed. A
/// compile on a first call once hung here instead: `exit` ran the runtime's exit hook, which
/// waited for the engine lock the failing compile held.
fn llvm_fatal_error() -> Result<(), Failed> {
    let dir = support::work_dir("errors");
    let path = write(
        &dir,
        "cannot_select.ll",
        b"declare void @llvm.aarch64.isb(i32)\n\
          declare i32 @puts(ptr)\n\
          @s = private constant [6 x i8] c\"hello\\00\"\n\
          define void @bad() {\n  call void @llvm.aarch64.isb(i32 15)\n  ret void\n}\n\
          define i32 @main() {\n  call i32 @puts(ptr @s)\n  call void @bad()\n  ret i32 0\n}\n",
    );
    // Adaptive mode may compile `bad` ahead, on a background thread, before `main` prints; at
    // tier 2 `main` inlines `bad`, so its own compile fails.
    let (hello, nothing): (&[u8], &[u8]) = (b"hello\n", b"");
    let cases: [(&[&str], &[&[u8]]); 5] = [
        (&[], &[nothing, hello]),
        (&["--interp-calls=0", "--compile-ahead=off"], &[hello]),
        (&["--tier=0"], &[hello]),
        (&["--tier=2"], &[nothing]),
        (&["--lazy=off"], &[nothing]),
    ];
    for (mode, stdout) in cases {
        let mut args = vec!["run", "--no-cache"];
        args.extend_from_slice(mode);
        args.push(&path);
        let out = irjit(&args)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status != Status::Exited(FAILURE)
            || !stdout.contains(&out.stdout.as_slice())
            || !stderr.contains("irjit: error: LLVM failed: Cannot select")
            || stderr.contains("panicked")
            || stderr.lines().count() != 1
        {
            return Err(format!("{mode:?}: unexpected: {out:?}\n{stderr}").into());
        }
    }
    Ok(())
}

pub fn trials() -> Vec<Trial> {
    let t = |name: &str, f: fn() -> Result<(), Failed>| Trial::test(format!("errors::{name}"), f);
    vec![
        t("missing_file", missing_file),
        t("not_ir", not_ir),
        t("truncated_bitcode", truncated_bitcode),
        t("invalid_ir", invalid_ir),
        t("syntax_error_ir", syntax_error_ir),
        t("missing_symbol_eager", missing_symbol_eager),
        t("missing_symbol_lazy", missing_symbol_lazy),
        t("missing_entry", missing_entry),
        t("missing_extra_module", missing_extra_module),
        t("bad_dlopen", bad_dlopen),
        t("usage_error", usage_error),
        t("entry_function_and_argv0", entry_function_and_argv0),
        t(
            "default_argv0_strips_extension",
            default_argv0_strips_extension,
        ),
        t("stats_are_printed", stats_are_printed),
        t("llvm_fatal_error", llvm_fatal_error),
    ]
}
