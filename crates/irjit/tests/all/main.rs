//! irjit's integration tests: one binary, a module per area. Each test program is compiled with
//! `clang-19` at test time, natively and to bitcode; irjit must reproduce the native run exactly.
//!
//! Filter like any test binary: `cargo test -p irjit --test all -- corpus::stdio`.

mod bundle;
mod cache;
mod corpus;
mod errors;
mod library;
mod real;
mod support;
mod tools;

fn main() {
    // Every trial runs without the code cache (a profile left by one trial would change what
    // another measures), except the cache's own, which pass --cache-dir and remove this.
    if std::env::var_os("IRJIT_CACHE").is_none() {
        std::env::set_var("IRJIT_CACHE", "off");
    }
    let args = libtest_mimic::Arguments::from_args();
    if let Err(e) = (!args.list)
        .then(support::build_compiler_library)
        .unwrap_or(Ok(()))
    {
        eprintln!("cannot build the compiler library the irjit binary needs: {e}");
        std::process::exit(1);
    }
    let mut trials = Vec::new();
    trials.extend(bundle::trials());
    trials.extend(cache::trials());
    trials.extend(corpus::trials());
    trials.extend(errors::trials());
    trials.extend(library::trials());
    trials.extend(real::trials());
    trials.extend(tools::trials());
    libtest_mimic::run(&args, trials).exit();
}
