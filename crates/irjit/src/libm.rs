//! The one C math function irjit itself calls, defined here so the executable does not depend
//! on `libm.so.6`.
//!
//! irjit's own code needs libm only for `pow` (indicatif's progress-rate estimate in `irjit
//! aot`), and loading libm costs every start of irjit about 70 us, a twentieth of a warm run of
//! a small program. The definition below comes from the `libm` crate (a port of musl's). Its
//! symbol is hidden, so it is not exported: libraries in the process and the programs irjit runs
//! (through the host resolver, which opens libm.so.6 when a program first needs it) get the C
//! library's `pow`.

std::arch::global_asm!(
    ".text",
    ".globl pow",
    ".hidden pow",
    ".type pow,@function",
    "pow:",
    "jmp {target}",
    ".size pow, .-pow",
    target = sym pow,
);

extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pow_is_libms() {
        assert_eq!(super::pow(2.0, 10.0), 1024.0);
        assert_eq!(super::pow(9.0, 0.5), 3.0);
    }
}
