//! Calls from interpreted code into native code: the argument registers are built in memory and
//! a hand-written thunk loads them, copies the stack arguments and calls.

use std::mem::MaybeUninit;

use irjit_interface::bytecode::Slot;

use super::exec::Slots;
use super::{mask, sext, Loc, Outgoing, SigPlan, MAX_STACK_ARGS};

// `irjit_interp_call(target, ints, floats, stack, stack_count, out)`:
// rdi = the callee, rsi = 6 integer argument registers' values, rdx = 8 vector argument
// registers' low 64 bits, rcx = `stack_count` stack words, r9 = where `rax, rdx, xmm0, xmm1`
// go. `al` is set to 8, an upper bound of the vector registers used, as variadic callees want.
// rbp is the frame pointer (the stack is realigned below it); rbx keeps `out` across the call.
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl irjit_interp_call",
    ".type irjit_interp_call,@function",
    "irjit_interp_call:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "push rbx",
    ".cfi_offset rbx, -24",
    "mov rbx, r9",
    "mov r11, rdi",
    "mov r10, rsi",
    // The stack argument area, rounded up to 16 bytes; the call needs rsp 16-byte aligned.
    "lea rax, [r8 * 8 + 15]",
    "and rax, -16",
    "sub rsp, rax",
    "and rsp, -16",
    "xor eax, eax",
    ".Lirjit_interp_call_copy:",
    "cmp rax, r8",
    "jae .Lirjit_interp_call_copied",
    "mov r9, [rcx + rax * 8]",
    "mov [rsp + rax * 8], r9",
    "inc rax",
    "jmp .Lirjit_interp_call_copy",
    ".Lirjit_interp_call_copied:",
    "movq xmm0, qword ptr [rdx]",
    "movq xmm1, qword ptr [rdx + 8]",
    "movq xmm2, qword ptr [rdx + 16]",
    "movq xmm3, qword ptr [rdx + 24]",
    "movq xmm4, qword ptr [rdx + 32]",
    "movq xmm5, qword ptr [rdx + 40]",
    "movq xmm6, qword ptr [rdx + 48]",
    "movq xmm7, qword ptr [rdx + 56]",
    "mov rdi, [r10]",
    "mov rsi, [r10 + 8]",
    "mov rdx, [r10 + 16]",
    "mov rcx, [r10 + 24]",
    "mov r8, [r10 + 32]",
    "mov r9, [r10 + 40]",
    "mov eax, 8",
    "call r11",
    "mov [rbx], rax",
    "mov [rbx + 8], rdx",
    "movq qword ptr [rbx + 16], xmm0",
    "movq qword ptr [rbx + 24], xmm1",
    "lea rsp, [rbp - 8]",
    "pop rbx",
    ".cfi_restore rbx",
    "pop rbp",
    ".cfi_restore rbp",
    ".cfi_def_cfa rsp, 8",
    "ret",
    ".cfi_endproc",
    ".size irjit_interp_call, .-irjit_interp_call",
);

extern "C" {
    /// The thunk above. Native code called through it never unwinds (the translator only
    /// accepts `nounwind` functions).
    fn irjit_interp_call(
        target: u64,
        ints: *const u64,
        floats: *const u64,
        stack: *const u64,
        stack_count: u64,
        out: *mut Outgoing,
    );
}

/// Calls `target` with the values of the slots `args` passed as `plan` says.
///
/// # Safety
///
/// Calling `target` with these arguments is the program's own call; `args` has as many slots
/// as `plan` has arguments, all valid for `slots`.
#[inline(never)]
pub(super) unsafe fn native(plan: &SigPlan, target: u64, args: &[Slot], slots: &Slots) -> Outgoing {
    let mut ints = [0u64; 6];
    let mut floats = [0u64; 8];
    let mut stack = [MaybeUninit::<u64>::uninit(); MAX_STACK_ARGS];
    for (&slot, arg) in args.iter().zip(&plan.args) {
        let value = slots.get(slot);
        let value = if arg.sign {
            sext(value, arg.bits) as u64
        } else {
            mask(value, arg.bits)
        };
        match arg.loc {
            Loc::Int(i) => {
                if let Some(register) = ints.get_mut(i as usize) {
                    *register = value;
                }
            }
            Loc::Float(i) => {
                if let Some(register) = floats.get_mut(i as usize) {
                    *register = value;
                }
            }
            Loc::Stack(k) => {
                if let Some(word) = stack.get_mut(k as usize) {
                    *word = MaybeUninit::new(value);
                }
            }
        }
    }
    let count = (plan.stack_words as usize).min(MAX_STACK_ARGS);
    let mut out = Outgoing::default();
    // SAFETY: the call is the program's (this function's contract). The thunk reads 6 and 8
    // words of `ints` and `floats`, and `count` words of `stack`, all initialised: the
    // classification numbers a signature's stack arguments 0, 1, ... `stack_words - 1`, one per
    // argument, and `args` has one slot per argument.
    unsafe {
        irjit_interp_call(
            target,
            ints.as_ptr(),
            floats.as_ptr(),
            stack.as_ptr().cast(),
            count as u64,
            &mut out,
        );
    }
    out
}
