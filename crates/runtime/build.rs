//! Builds the runtime's small C helper (the host CPU model from static libgcc).

fn main() {
    println!("cargo:rerun-if-changed=csrc/cpu_model.c");
    cc::Build::new()
        .file("csrc/cpu_model.c")
        .compile("irjit_runtime_c");
}
