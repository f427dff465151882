//! The engine: asks the compiler for units and links them into the heap.

use std::time::{Duration, Instant};

use irjit_interface::{OptLevel, ProgramLayout, UnitCompiler, UnitId};

use crate::error::RuntimeError;
use crate::heap::{CodeHeap, Region};
use crate::host::HostResolver;
use crate::link::{LinkedObject, Linker, ObjectInput};

/// How the engine compiles and links.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// The optimization level of every unit.
    pub level: OptLevel,
    /// Libraries to open before linking (`--dlopen`).
    pub dlopen: Vec<String>,
}

/// What the engine did, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct EngineStats {
    /// Units in the program.
    pub units_defined: usize,
    /// Units compiled.
    pub units_compiled: usize,
    /// Time spent in the compiler.
    pub compile_time: Duration,
    /// Time spent linking.
    pub link_time: Duration,
    /// Bytes of code placed in the heap.
    pub code_bytes: u64,
    /// Bytes of read-only data (constants, GOT, unwind tables).
    pub read_only_bytes: u64,
    /// Bytes of writable data.
    pub data_bytes: u64,
    /// Relocations applied.
    pub relocations: u64,
    /// GOT entries and PLT stubs made for symbols outside the heap.
    pub got_entries: u64,
    /// PLT stubs made.
    pub plt_stubs: u64,
}

/// A program being compiled into, and run from, the code heap.
pub struct Engine {
    compiler: Box<dyn UnitCompiler>,
    linker: Linker,
    options: EngineOptions,
    linked: Vec<LinkedObject>,
    stats: EngineStats,
}

impl Engine {
    /// An engine for the program `compiler` serves.
    pub fn new(
        compiler: Box<dyn UnitCompiler>,
        options: EngineOptions,
    ) -> Result<Engine, RuntimeError> {
        let heap = CodeHeap::new()?;
        let mut host = HostResolver::new();
        for lib in &options.dlopen {
            host.dlopen(lib)?;
        }
        let mut linker = Linker::new(heap, host);
        // Data the program expects from static libraries or the native linker, placed in the heap
        // because code refers to it PC-relative.
        let dso_handle = linker.define_data("__dso_handle", &[0; 8], 8)?;
        crate::host::set_dso_handle(dso_handle);
        let (cpu_model, cpu_features2) = crate::host::host_cpu_model();
        linker.define_data("__cpu_model", &cpu_model, 16)?;
        linker.define_data("__cpu_features2", &cpu_features2, 4)?;
        for alias in &compiler.layout().aliases {
            linker.add_alias(&alias.name, &alias.target, alias.offset);
        }
        let stats = EngineStats {
            units_defined: compiler.layout().units.len(),
            ..Default::default()
        };
        Ok(Engine {
            compiler,
            linker,
            options,
            linked: Vec::new(),
            stats,
        })
    }

    /// The program's split into units.
    pub fn layout(&self) -> &ProgramLayout {
        self.compiler.layout()
    }

    /// Compiles every unit and links them all (eager mode).
    pub fn load_all(&mut self) -> Result<(), RuntimeError> {
        let count = self.compiler.layout().units.len();
        let mut compiled = Vec::with_capacity(count);
        for index in 0..count {
            let unit = self
                .compiler
                .compile(UnitId(index as u32), self.options.level)?;
            self.stats.compile_time += unit.compile_time;
            self.stats.units_compiled += 1;
            compiled.push(unit);
        }
        let names: Vec<String> = self
            .compiler
            .layout()
            .units
            .iter()
            .map(|u| u.name.clone())
            .collect();
        let inputs: Vec<ObjectInput<'_>> = compiled
            .iter()
            .map(|c| ObjectInput {
                name: &names[c.unit.index()],
                bytes: &c.object,
            })
            .collect();
        let start = Instant::now();
        let linked = self.linker.link(&inputs)?;
        self.stats.link_time += start.elapsed();
        self.linked.extend(linked);
        Ok(())
    }

    /// The address of a program symbol, once linked.
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.linker.lookup(name)
    }

    /// Every linked object so far.
    pub fn linked(&self) -> &[LinkedObject] {
        &self.linked
    }

    /// Counters so far.
    pub fn stats(&self) -> EngineStats {
        let link = self.linker.stats();
        let heap = self.linker.heap();
        EngineStats {
            code_bytes: heap.used(Region::Code),
            read_only_bytes: heap.used(Region::ReadOnly),
            data_bytes: heap.used(Region::Data),
            relocations: link.relocations,
            got_entries: link.got_entries,
            plt_stubs: link.plt_stubs,
            ..self.stats.clone()
        }
    }
}
