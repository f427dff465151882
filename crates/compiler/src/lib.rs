//! irjit's compiler: the only part of irjit that links LLVM.
//!
//! It reads a program's IR (bitcode lazily, or textual IR), links extra modules into it, splits it
//! into compile units (one per function, plus one for all global variables; see [`split`]),
//! and compiles one unit at a time: the real `default<On>` IR pipeline, then code generation for
//! the host CPU into a relocatable ELF object (PIC, small code model, frame pointers, emulated
//! TLS). The runtime only ever sees the data types of `irjit-interface`. For the interpreter
//! tier, it translates a unit's function into bytecode instead (`translate.rs`).
//!
//! This crate must never run program code, own code memory or know about the runtime.

#![deny(missing_docs)]

mod abi;
mod codegen;
mod llvm;
mod load;
mod shim;
pub mod split;
mod translate;

use std::sync::Arc;
use std::time::Instant;

use irjit_interface::bytecode::Translation;
use irjit_interface::symbols::{Definitions, ModuleSymbols};
use irjit_interface::{
    CompileError, CompileRequest, CompiledUnit, ModuleSource, ObjectKey, ObjectStore, OptLevel,
    Osr, ProgramLayout, UnitCompiler, UnitId,
};

pub use load::is_bitcode;

/// Callees copied into a unit for inlining, at most.
const MAX_IMPORTS: u32 = 64;
/// Largest callee copied for inlining, in IR instructions (of `-O0` IR, where every variable is
/// loaded and stored: about three times the instructions of the optimized function).
const IMPORT_SIZE: u32 = 400;
/// Callees of imported callees are imported too, down to this depth (the shim goes one level
/// deeper below functions that were static). On Lua, depths 2 and 3 for every callee cost 1.5 and
/// 1.9 times the tier-2 compile time of depth 1, for no speed-up we could measure.
const IMPORT_DEPTH: u32 = 1;
/// Instructions imported into one unit, at most. On Lua (every function at tier 2, one thread):
/// 8.3 s of compiling without static callees' copies, 14.9 s with this budget, 16.3 s with 2000,
/// for about the same code; warm Lua ran at 1.09x native, strparse at 1.01x (1.46x before).
const IMPORT_BUDGET: u32 = 1000;

/// How to load a program.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Further modules linked into the main one, in order, as a static linker links objects
    /// (see [`irjit_interface::LoadSpec`]).
    pub extra_modules: Vec<ModuleSource>,
    /// Read every function body and verify the whole program up front, instead of reading and
    /// verifying each function when its unit is first compiled.
    pub eager: bool,
}

/// A loaded program that compiles its units on request.
pub struct Compiler {
    // Field order matters: the module must be dropped before its context.
    module: llvm::Module,
    context: llvm::Context,
    codegen: codegen::Codegen,
    split: split::Split,
    name: String,
    /// Units whose function IR was moved into their compiled module (`last_use` requests).
    consumed: Vec<bool>,
    /// Where compiled objects may already be, by key.
    store: Option<Arc<dyn ObjectStore>>,
    /// The hash of what every object key includes besides the unit (see [`Compiler::key`]).
    identity: blake3::Hash,
}

impl Compiler {
    /// Loads the program whose main module is `main` (plus extra modules) and splits it into
    /// units.
    pub fn load(main: &ModuleSource, options: &LoadOptions) -> Result<Compiler, CompileError> {
        let context = llvm::Context::new();
        let module = load::read_source(&context, main)?;
        Self::finish_load(context, module, main.name.clone(), options)
    }

    /// Like [`Compiler::load`], for a main module held in memory.
    pub fn load_bytes(
        bytes: &[u8],
        name: &str,
        options: &LoadOptions,
    ) -> Result<Compiler, CompileError> {
        let context = llvm::Context::new();
        let module = load::read_bytes(&context, bytes, name)?;
        Self::finish_load(context, module, name.to_string(), options)
    }

    fn finish_load(
        context: llvm::Context,
        module: llvm::Module,
        name: String,
        options: &LoadOptions,
    ) -> Result<Compiler, CompileError> {
        let _span = tracing::info_span!("load", program = %name).entered();
        // Two strong definitions of one symbol are caught here, where both modules are known:
        // the IR linker's own message names neither.
        let mut definitions = Definitions::new();
        definitions.add(&name, &load::symbols(&module))?;
        for extra in &options.extra_modules {
            let extra_module = load::read_source(&context, extra)?;
            load::tag_locals(&extra_module, &extra.name);
            definitions.add(&extra.name, &load::symbols(&extra_module))?;
            load::link_into(&context, &module, extra_module, &extra.name)?;
        }
        if options.eager {
            shim::materialize_all(&module).map_err(|message| CompileError::Read {
                path: name.clone(),
                message,
            })?;
            module.verify().map_err(|message| CompileError::Verify {
                path: name.clone(),
                message,
            })?;
        }
        let mut codegen = codegen::Codegen::for_host()?;
        codegen.adopt_module(&module)?;
        let split = split::prepare_and_split(&module)?;
        tracing::info!(
            units = split.layout.units.len(),
            cpu = codegen.cpu(),
            triple = codegen.triple(),
            "program split"
        );
        let consumed = vec![false; split.layout.units.len()];
        let identity = {
            let mut h = blake3::Hasher::new();
            let (mut major, mut minor, mut patch) = (0, 0, 0);
            // SAFETY: writes three integers.
            unsafe { llvm_sys::core::LLVMGetVersion(&mut major, &mut minor, &mut patch) };
            for part in [
                "irjit object key v3",
                env!("CARGO_PKG_VERSION"),
                &codegen::LLVM_OPTIONS
                    .iter()
                    .map(|o| o.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                &format!("LLVM {major}.{minor}.{patch}"),
                codegen.triple(),
                codegen.cpu(),
                codegen.features(),
            ] {
                h.update(&(part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
            h.finalize()
        };
        Ok(Compiler {
            module,
            context,
            codegen,
            split,
            name,
            consumed,
            store: None,
            identity,
        })
    }

    /// The content key of a unit's object: BLAKE3 over the compiler's identity (irjit and LLVM
    /// versions, target triple, CPU name and features), the parts of the request that shape code
    /// (level, counters, imports, recompile, OSR kind; not the OSR record limit, which only
    /// matters when it is exceeded and then shows in the IR, nor `last_use`) and the unit's IR as
    /// built (imported callee bodies and instrumentation included). Bytecode is keyed by itself
    /// (see [`Compiler::bytecode`]).
    fn key(&self, module: &llvm::Module, request: &CompileRequest) -> ObjectKey {
        let mut h = blake3::Hasher::new();
        h.update(self.identity.as_bytes());
        let osr = match request.osr {
            Osr::None => 0u64,
            Osr::Sites { .. } => 1,
            Osr::Entry { site, .. } => 2 + u64::from(site),
        };
        h.update(&[
            request.level.as_digit(),
            u8::from(request.counters),
            u8::from(request.inline_callees),
            u8::from(request.recompile),
        ]);
        h.update(&osr.to_le_bytes());
        if let Osr::Entry {
            others, function, ..
        } = request.osr
        {
            h.update(&others.to_le_bytes());
            h.update(&[u8::from(function)]);
        }
        module.hash_bitcode(&mut h);
        ObjectKey(*h.finalize().as_bytes())
    }

    /// The symbol table of the module in `source`, read without loading a program (no function
    /// body is read).
    pub fn module_symbols(source: &ModuleSource) -> Result<ModuleSymbols, CompileError> {
        let context = llvm::Context::new();
        let module = load::read_source(&context, source)?;
        Ok(load::symbols(&module))
    }

    /// The host CPU name code is generated for.
    pub fn cpu(&self) -> &str {
        self.codegen.cpu()
    }

    /// Answers a bytecode request ([`CompileRequest::bytecode`]): translates the unit's function
    /// where it is, in the program's module, without building a unit (whose cost would dwarf the
    /// translation's). The key hashes the bytecode itself, which is what the store keeps.
    fn bytecode(&mut self, unit: UnitId, start: Instant) -> Result<CompiledUnit, CompileError> {
        let info = &self.split.layout.units[unit.index()];
        let translation = match &self.split.sources[unit.index()] {
            split::UnitSource::Globals { .. } => {
                Translation::Unsupported("global variables".to_string())
            }
            split::UnitSource::Function { .. } if self.consumed[unit.index()] => {
                Translation::Unsupported("compiled already".to_string())
            }
            split::UnitSource::Function { function, owned } => {
                shim::materialize(*function).map_err(|message| CompileError::Read {
                    path: format!("{} (function {})", self.name, info.name),
                    message,
                })?;
                {
                    let _span = tracing::trace_span!("verify").entered();
                    llvm::verify_function(*function).map_err(|message| CompileError::Verify {
                        path: format!("{} (function {})", self.name, info.name),
                        message,
                    })?;
                }
                let _span = tracing::trace_span!("translate").entered();
                translate::translate(&self.module, *function, !owned.is_empty())
            }
        };
        if let Translation::Unsupported(reason) = &translation {
            tracing::debug!(reason, "no bytecode");
        }
        let object = irjit_interface::abi::encode(&translation)?;
        let key = self.store.as_ref().map(|_| {
            let mut h = blake3::Hasher::new();
            h.update(self.identity.as_bytes());
            h.update(b"bytecode");
            h.update(&object);
            ObjectKey(*h.finalize().as_bytes())
        });
        // Stored already (by a run of another build of the program, or of another program
        // sharing the function): nothing new to store.
        let from_store = match (&self.store, &key) {
            (Some(store), Some(key)) => store.load(key).is_some(),
            _ => false,
        };
        let compile_time = start.elapsed();
        tracing::debug!(
            bytes = object.len(),
            ?compile_time,
            from_store,
            "translated"
        );
        Ok(CompiledUnit {
            unit,
            level: OptLevel::O0,
            object,
            compile_time,
            osr_sites: 0,
            key,
            from_store,
        })
    }

    /// Builds a unit's module; `osr_sites` receives the OSR site records its code uses.
    fn build_unit(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
        osr_sites: &mut u32,
    ) -> Result<llvm::Module, CompileError> {
        let info = &self.split.layout.units[unit.index()];
        let built = match &self.split.sources[unit.index()] {
            split::UnitSource::Function { function, owned } => {
                if self.consumed[unit.index()] {
                    return Err(CompileError::Unsupported(format!(
                        "function {} was requested again after its last use",
                        info.name
                    )));
                }
                self.consumed[unit.index()] = request.last_use;
                let mut options = shim::UnitOptions {
                    counters: u32::from(request.counters),
                    max_imports: if request.inline_callees {
                        MAX_IMPORTS
                    } else {
                        0
                    },
                    import_size: IMPORT_SIZE,
                    import_depth: IMPORT_DEPTH,
                    import_budget: IMPORT_BUDGET,
                    recompile: request.recompile as u32,
                    consume: u32::from(request.last_use),
                    ..Default::default()
                };
                match request.osr {
                    Osr::None => {}
                    Osr::Sites { limit } => options.osr_limit = limit,
                    Osr::Entry {
                        site,
                        others,
                        function,
                    } => {
                        options.osr_entry = site + 1;
                        options.osr_entry_others = others;
                        options.osr_with_function = u32::from(function);
                    }
                }
                let built = shim::extract_function(&self.module, *function, owned, &mut options);
                *osr_sites = options.osr_sites_out;
                built
            }
            split::UnitSource::Globals { skip } => shim::extract_globals(&self.module, skip),
        };
        let diagnostics = self.context.take_diagnostics();
        if let Ok(module) = &built {
            shim::drop_foreign_metadata(module);
            // The program's main module lends its source file name to the linked whole; in a
            // unit it would only tie the unit's cache key to the program (a library module's
            // functions must key alike in every program that links it).
            module.set_source_file_name("");
        }
        let module = built.map_err(|message| CompileError::Read {
            path: format!("{} (function {})", self.name, info.name),
            message: if diagnostics.is_empty() {
                message
            } else {
                format!("{message}: {diagnostics}")
            },
        })?;
        if let Some(dir) = std::env::var_os("IRJIT_DUMP_IR") {
            // A debugging aid: each unit's IR as built, before optimization.
            let file = std::path::Path::new(&dir).join(format!(
                "{}.{}{}.ll",
                info.name,
                request.level,
                match request.osr {
                    Osr::Entry { site, .. } => format!(".osr{site}"),
                    _ => String::new(),
                }
            ));
            module.print_to_file(&file);
        }
        let _span = tracing::trace_span!("verify").entered();
        module.verify().map_err(|message| CompileError::Verify {
            path: format!("{} (function {})", self.name, info.name),
            message,
        })?;
        Ok(module)
    }
}

// SAFETY: a Compiler exclusively owns its LLVM context and everything created in it (module,
// units, target machines); LLVM allows a context to be used from any thread as long as no two
// threads use it at the same time, which `&mut self` (and the runtime's lock) guarantee. The raw
// value handles in the split point into the owned module only.
unsafe impl Send for Compiler {}

impl UnitCompiler for Compiler {
    fn layout(&self) -> &ProgramLayout {
        &self.split.layout
    }

    fn compile(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError> {
        let level = request.level;
        let start = Instant::now();
        let info = self
            .split
            .layout
            .units
            .get(unit.index())
            .ok_or(CompileError::NoSuchUnit(unit))?;
        let name = info.name.clone();
        let is_globals = matches!(info.kind, irjit_interface::UnitKind::Globals);
        let _span = tracing::debug_span!("compile", unit = %name, %level).entered();
        if request.bytecode {
            return self.bytecode(unit, start);
        }
        let mut osr_sites = 0;
        let module = {
            let _span = tracing::trace_span!("extract").entered();
            self.build_unit(unit, request, &mut osr_sites)?
        };
        let key = match &self.store {
            Some(store) => {
                let _span = tracing::trace_span!("key").entered();
                let key = self.key(&module, request);
                if let Some(stored) = store.load(&key) {
                    tracing::debug!(%key, "found in the store");
                    return Ok(CompiledUnit {
                        unit,
                        level,
                        object: stored.object,
                        compile_time: start.elapsed(),
                        osr_sites: stored.osr_sites,
                        key: Some(key),
                        from_store: true,
                    });
                }
                Some(key)
            }
            None => None,
        };
        if !is_globals && level > OptLevel::O0 {
            // At -O0 the pipeline would only run the always-inliner, which has no callee bodies
            // to inline in a unit of one function.
            let _span = tracing::trace_span!("optimize").entered();
            self.codegen.optimize(&module, level, &name)?;
        }
        let object = {
            let _span = tracing::trace_span!("emit").entered();
            self.codegen.emit(&module, level, &name)?
        };
        let compile_time = start.elapsed();
        tracing::debug!(bytes = object.len(), ?compile_time, "compiled");
        Ok(CompiledUnit {
            unit,
            level,
            object,
            compile_time,
            osr_sites,
            key,
            from_store: false,
        })
    }

    fn set_store(&mut self, store: Option<Arc<dyn ObjectStore>>) {
        self.store = store;
    }
}
