//! Links the `irjit` executable as position-dependent (`-no-pie`): a PIE's relative relocations
//! make the dynamic loader write to (and so copy) every page of read-only-after-relocation data
//! at each start, about a sixth of a warm run of a small program. The code heap never relies on
//! where the executable is: JIT'd code reaches host symbols through its own GOT and PLT.
fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
