//! Optimizing a unit's module with LLVM's pass pipeline and emitting it as a relocatable ELF
//! object for the host CPU (PIC, small code model, emulated TLS).

use std::ffi::{CStr, CString};
use std::ptr;
use std::sync::Once;

use irjit_interface::{CompileError, OptLevel};
use llvm_sys::core::*;
use llvm_sys::target::*;
use llvm_sys::target_machine::*;

use crate::llvm::{Message, Module};
use crate::shim;

static INIT: Once = Once::new();

/// LLVM's own command-line options, set once for the process (they are global to it), after the
/// program name.
///
/// `-disable-x86-domain-reassignment`: the X86 domain reassignment pass, which moves GPR
/// computations into AVX-512 mask registers, took a quarter of code generation on a large
/// function (Lua's `luaV_execute` continuation: 42 ms of 168 ms on an AVX-512 host) and left its
/// object byte for byte the same. Tier 2 pays it on the background thread while the program runs
/// its tier-0 code, so its cost is the program's wait for optimized code.
pub(crate) const LLVM_OPTIONS: &[&CStr] = &[
    c"irjit",
    #[cfg(target_arch = "x86_64")]
    c"-disable-x86-domain-reassignment",
];

fn init_native_target() {
    INIT.call_once(|| {
        // SAFETY: LLVM's target registration is safe to call once, before any use.
        unsafe {
            LLVM_InitializeNativeTarget();
            LLVM_InitializeNativeAsmPrinter();
            // Module-level and function-level inline assembly is parsed while emitting objects.
            LLVM_InitializeNativeAsmParser();
            llvm_sys::error_handling::LLVMInstallFatalErrorHandler(Some(fatal_error));
        }
        let argv: Vec<*const std::ffi::c_char> = LLVM_OPTIONS.iter().map(|o| o.as_ptr()).collect();
        // SAFETY: `argv` holds `argv.len()` NUL-terminated strings that outlive the call (LLVM
        // copies what it keeps); this runs once, so no option is given twice.
        unsafe {
            llvm_sys::support::LLVMParseCommandLineOptions(
                argv.len() as std::ffi::c_int,
                argv.as_ptr(),
                c"".as_ptr(),
            )
        };
    });
}

/// The exit status irjit uses for its own failures (see the CLI's documentation).
const FAILURE_STATUS: i32 = 125;

extern "C" {
    fn fflush(stream: *mut std::ffi::c_void) -> std::ffi::c_int;
    fn _exit(status: std::ffi::c_int) -> !;
}

/// LLVM calls this instead of printing "LLVM ERROR" and aborting; it cannot return.
///
/// It ends the process as the runtime ends it after its own failures while the program runs: the
/// program's output so far is flushed, and no exit handler runs. `exit` would run them, and the
/// runtime's (statistics, the code cache) waits for the engine lock, which a compile on a first
/// call holds while LLVM fails in it: the process would hang.
extern "C" fn fatal_error(reason: *const std::ffi::c_char) {
    // SAFETY: LLVM passes a NUL-terminated reason.
    let reason = unsafe { CStr::from_ptr(reason) }.to_string_lossy();
    eprintln!("irjit: error: LLVM failed: {reason}");
    // SAFETY: C library calls without preconditions: flush every stream (NULL), then leave at
    // once. (A stream locked by a thread blocked in I/O holds the flush up until the I/O ends,
    // as it does the runtime's own `fatal`.)
    unsafe {
        fflush(ptr::null_mut());
        _exit(FAILURE_STATUS)
    }
}

/// An owned target machine.
struct TargetMachine(LLVMTargetMachineRef);

impl Drop for TargetMachine {
    fn drop(&mut self) {
        // SAFETY: owned.
        unsafe { LLVMDisposeTargetMachine(self.0) }
    }
}

/// Target machines for the host, one per optimization level, made on first use, each with the
/// object emitter that keeps its codegen pipeline.
pub(crate) struct Codegen {
    triple: CString,
    cpu: CString,
    features: CString,
    // Declared before the machines they use, so dropped before them.
    emitters: [Option<shim::ObjectEmitter>; 4],
    machines: [Option<TargetMachine>; 4],
}

impl Codegen {
    /// Codegen for the host CPU (name and features as LLVM detects them).
    pub(crate) fn for_host() -> Result<Codegen, CompileError> {
        init_native_target();
        // SAFETY: these return strings LLVM allocated for us.
        let (triple, cpu, features) = unsafe {
            (
                Message::take_text(LLVMGetDefaultTargetTriple(), ""),
                Message::take_text(LLVMGetHostCPUName(), "generic"),
                Message::take_text(LLVMGetHostCPUFeatures(), ""),
            )
        };
        if !triple.starts_with("x86_64") {
            return Err(CompileError::Unsupported(format!(
                "host target {triple}: irjit generates x86-64 code only"
            )));
        }
        let c = |s: String| CString::new(s).expect("LLVM strings have no NUL");
        Ok(Codegen {
            triple: c(triple),
            cpu: c(cpu),
            features: c(features),
            emitters: [None, None, None, None],
            machines: [None, None, None, None],
        })
    }

    /// The host CPU name, e.g. `znver4`.
    pub(crate) fn cpu(&self) -> &str {
        self.cpu.to_str().unwrap_or("generic")
    }

    /// The CPU features code is generated for (LLVM's `+feature,-feature` list).
    pub(crate) fn features(&self) -> &str {
        self.features.to_str().unwrap_or("")
    }

    /// The target triple code is generated for.
    pub(crate) fn triple(&self) -> &str {
        self.triple.to_str().unwrap_or("")
    }

    fn machine(&mut self, level: OptLevel) -> Result<LLVMTargetMachineRef, CompileError> {
        let slot = &mut self.machines[level.as_digit() as usize];
        if let Some(tm) = slot {
            return Ok(tm.0);
        }
        let mut target = ptr::null_mut();
        let mut err = ptr::null_mut();
        // SAFETY: valid triple string; the error message is ours to free.
        let failed =
            unsafe { LLVMGetTargetFromTriple(self.triple.as_ptr(), &mut target, &mut err) };
        // SAFETY: as above.
        let text = unsafe { Message::take_text(err, "unknown target") };
        if failed != 0 {
            return Err(CompileError::Unsupported(format!(
                "target {}: {text}",
                self.triple()
            )));
        }
        let cg_level = match level {
            OptLevel::O0 => LLVMCodeGenOptLevel::LLVMCodeGenLevelNone,
            OptLevel::O1 => LLVMCodeGenOptLevel::LLVMCodeGenLevelLess,
            OptLevel::O2 => LLVMCodeGenOptLevel::LLVMCodeGenLevelDefault,
            OptLevel::O3 => LLVMCodeGenOptLevel::LLVMCodeGenLevelAggressive,
        };
        // SAFETY: valid target and strings; the machine is owned by the slot from here on.
        let tm = unsafe {
            let tm = LLVMCreateTargetMachine(
                target,
                self.triple.as_ptr(),
                self.cpu.as_ptr(),
                self.features.as_ptr(),
                cg_level,
                LLVMRelocMode::LLVMRelocPIC,
                LLVMCodeModel::LLVMCodeModelSmall,
            );
            if tm.is_null() {
                return Err(CompileError::Unsupported(format!(
                    "LLVM cannot create a target machine for {}",
                    self.triple()
                )));
            }
            shim::use_emulated_tls(tm);
            // Results must not depend on the tier (or the CPU) that computes them: a fused
            // multiply-add rounds once where the native binary (and tier-0 code, built for the
            // program's own baseline) rounds twice.
            shim::strict_fp_fusion(tm);
            tm
        };
        *slot = Some(TargetMachine(tm));
        Ok(tm)
    }

    /// Fixes the module's target to the host when it names none or another x86-64 flavour.
    pub(crate) fn adopt_module(&mut self, module: &Module) -> Result<(), CompileError> {
        let triple = module.triple();
        if !triple.is_empty() && !triple.starts_with("x86_64") {
            return Err(CompileError::Unsupported(format!(
                "the program targets {triple}; irjit runs x86-64 programs only"
            )));
        }
        let tm = self.machine(OptLevel::O0)?;
        // SAFETY: valid module and target machine; the data layout object is disposed here.
        unsafe {
            LLVMSetTarget(module.raw(), self.triple.as_ptr());
            let layout = LLVMCreateTargetDataLayout(tm);
            let current = CStr::from_ptr(LLVMGetDataLayoutStr(module.raw()));
            if current.to_bytes().is_empty() {
                LLVMSetModuleDataLayout(module.raw(), layout);
            }
            LLVMDisposeTargetData(layout);
        }
        Ok(())
    }

    /// Runs the `default<On>` IR pipeline on `module`.
    pub(crate) fn optimize(
        &mut self,
        module: &Module,
        level: OptLevel,
        unit: &str,
    ) -> Result<(), CompileError> {
        if level > OptLevel::O0 {
            allow_optimization(module);
            self.target_host(module);
        }
        let tm = self.machine(level)?;
        // SAFETY: the machine belongs to this Codegen, used by one thread at a time.
        unsafe { shim::run_default_pipeline(module, tm, u32::from(level.as_digit())) }.map_err(
            |message| CompileError::Codegen {
                unit: unit.to_string(),
                message,
            },
        )?;
        Ok(())
    }

    /// Emits `module` as a relocatable ELF object.
    pub(crate) fn emit(
        &mut self,
        module: &Module,
        level: OptLevel,
        unit: &str,
    ) -> Result<Vec<u8>, CompileError> {
        let tm = self.machine(level)?;
        let slot = &mut self.emitters[level.as_digit() as usize];
        if slot.is_none() {
            // SAFETY: the machine lives in `self.machines` for as long as this emitter does
            // (the emitters are dropped first) and is used by this thread only.
            let emitter = unsafe { shim::ObjectEmitter::new(tm) }.map_err(|message| {
                CompileError::Codegen {
                    unit: unit.to_string(),
                    message,
                }
            })?;
            *slot = Some(emitter);
        }
        let object = slot.as_mut().expect("made above").emit(module);
        if object.is_empty() {
            return Err(CompileError::Codegen {
                unit: unit.to_string(),
                message: "code generation produced no object".to_string(),
            });
        }
        Ok(object)
    }

    /// Has every function of `module` compiled for the host CPU: clang records the CPU and
    /// features the program was built for on each function (`-O0` bitcode: `x86-64`, SSE2), and
    /// a function's own attributes outrank the target machine's. The CPU becomes the host's; the
    /// features become the host's, followed by the function's own, so that what the program
    /// asked for explicitly (`-mavx512f`, `target("avx2")`, `-mno-avx`) still holds.
    ///
    /// Vectors stay 256 bits wide (`prefer-256-bit`, as clang has it for most AVX-512 CPUs):
    /// matmul's streaming loop, vectorized with 512-bit vectors on this machine's AVX-512 host,
    /// ran ×1.19 of its SSE2 code's time; with 256-bit vectors ×0.85 (interleaved runs, session
    /// 22). (Results do not change: no fusion, see [`shim::strict_fp_fusion`], and no
    /// reassociation without fast-math flags.)
    fn target_host(&self, module: &Module) {
        const CPU: &str = "target-cpu";
        const TUNE: &str = "tune-cpu";
        const FEATURES: &str = "target-features";
        let idx = llvm_sys::LLVMAttributeFunctionIndex;
        let host = format!("{},+prefer-256-bit", self.features());
        for f in module.functions() {
            // SAFETY: `f` is a function of the live module; the attribute names and values are
            // valid strings for the lengths given, copied by LLVM.
            unsafe {
                if LLVMIsDeclaration(f) != 0 {
                    continue;
                }
                let own = LLVMGetStringAttributeAtIndex(
                    f,
                    idx,
                    FEATURES.as_ptr().cast(),
                    FEATURES.len() as u32,
                );
                let mut features = host.clone();
                if !own.is_null() {
                    let mut len = 0;
                    let value = LLVMGetStringAttributeValue(own, &mut len);
                    let own = std::slice::from_raw_parts(value.cast::<u8>(), len as usize);
                    if !own.is_empty() {
                        features.push(',');
                        features.push_str(&String::from_utf8_lossy(own));
                    }
                }
                for (key, value) in [(CPU, self.cpu()), (FEATURES, features.as_str())] {
                    let attr = LLVMCreateStringAttribute(
                        LLVMGetModuleContext(module.raw()),
                        key.as_ptr().cast(),
                        key.len() as u32,
                        value.as_ptr().cast(),
                        value.len() as u32,
                    );
                    LLVMAddAttributeAtIndex(f, idx, attr);
                }
                LLVMRemoveStringAttributeAtIndex(f, idx, TUNE.as_ptr().cast(), TUNE.len() as u32);
            }
        }
    }
}

/// Clang marks every function of `-O0` bitcode `optnone noinline`; to optimize such bitcode at a
/// higher level those markers must go (a user's own `noinline` without `optnone` stays).
fn allow_optimization(module: &Module) {
    let kind = |name: &str| {
        // SAFETY: the name pointer and length describe a valid string.
        unsafe { LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len()) }
    };
    let optnone = kind("optnone");
    let noinline = kind("noinline");
    for f in module.functions() {
        // SAFETY: `f` is a function of the live module; attribute index -1 is the function.
        unsafe {
            let idx = llvm_sys::LLVMAttributeFunctionIndex;
            if !LLVMGetEnumAttributeAtIndex(f, idx, optnone).is_null() {
                LLVMRemoveEnumAttributeAtIndex(f, idx, optnone);
                LLVMRemoveEnumAttributeAtIndex(f, idx, noinline);
            }
        }
    }
}
