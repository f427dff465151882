//! A tier-0 loop site whose count reaches the ready bit with no continuation in its slot (2^31
//! iterations, none wanted) starts counting again from 0, instead of taking the check path at
//! every further iteration. The unit's tier-0 IR (dumped with `IRJIT_DUMP_IR`, a separate test
//! binary: the variable is set for the whole process) is linked with a C driver that plays the
//! runtime's part (the site records and counters) and run natively.

use std::path::Path;
use std::process::Command;

mod common;

use irjit_interface::Osr;

/// One loop, whose latch (a conditional branch) gets a block of its own on the back edge.
const PROGRAM: &str = r#"
target triple = "x86_64-pc-linux-gnu"

define i64 @sum(i64 %n) {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %acc = phi i64 [ 0, %entry ], [ %acc1, %loop ]
  %acc1 = add i64 %acc, %i
  %i1 = add i64 %i, 1
  %more = icmp slt i64 %i1, %n
  br i1 %more, label %loop, label %done
done:
  ret i64 %acc1
}
"#;

/// The runtime's side: one site record, whose count is 10 iterations short of the ready bit,
/// and no continuation, and the hook a restart calls. `sum(1000)` takes its back edge 999 times.
const DRIVER: &str = r#"
#include <stdint.h>
#include <stdio.h>
struct record { void *continuation; uint32_t count; uint32_t unit; };
struct record __irjit_osr_sites[1];
uint32_t __irjit_counter, __irjit_loop_counter;
static unsigned restarts;
void __irjit_loop_restart(void) { restarts++; }
long sum(long n);
int main(void) {
  __irjit_osr_sites[0].count = 0x7fffffffu - 9;
  long s = sum(1000);
  printf("%ld %u %u %u\n", s, __irjit_osr_sites[0].count, __irjit_counter, restarts);
  return 0;
}
"#;

#[test]
fn a_site_count_starts_again_at_the_ready_bit_without_a_continuation() {
    let dir = common::dump_into("osr-count");
    let (_, _, tier0) = common::compile_tier0(
        PROGRAM.as_bytes(),
        "count.ll",
        "sum",
        Osr::Sites { limit: 16 },
    );
    assert_eq!(tier0.osr_sites, 1, "the loop is a site");
    let ir = std::fs::read_dir(&dir)
        .expect("the dump directory")
        .map(|e| e.expect("a directory entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "ll"))
        .expect("the unit's IR was dumped");
    let output = run_with_driver(&dir, &ir);
    std::fs::remove_dir_all(&dir).ok();
    // 999 iterations: 10 reach the ready bit (then the count starts again), 989 more follow. Had
    // the count kept its top bit, it would read 2147484637 and every one of those 989 would
    // have looked for a continuation. The restart calls the runtime's hook once.
    assert_eq!(
        output.trim(),
        "499500 989 1 1",
        "sum, site count, entries, restarts"
    );
}

/// Links the dumped tier-0 IR with [`DRIVER`] (clang-19) and returns what it prints.
fn run_with_driver(dir: &Path, ir: &Path) -> String {
    let driver = dir.join("driver.c");
    std::fs::write(&driver, DRIVER).expect("the driver is written");
    let exe = dir.join("count");
    let status = Command::new("clang-19")
        .arg("-O0")
        .arg(&driver)
        .arg(ir)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("clang-19 runs");
    assert!(
        status.success(),
        "clang-19 links the tier-0 IR with its driver"
    );
    let out = Command::new(&exe).output().expect("the driver runs");
    assert!(out.status.success(), "the driver exits with 0: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}
