//! irjit's ELF linker: places relocatable x86-64 objects in the code heap, resolves their symbols
//! (program first, then the host), applies their relocations and registers their unwind tables.
//!
//! Linking is two-phase, so a batch of objects may refer to each other in any order: first every
//! object's sections are placed and its symbols defined, then every relocation is applied.

mod reloc;
mod unwind;

pub(crate) use unwind::{adopt_host_unwinder, require_host_unwinder};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use object::elf;
use object::read::elf::{FileHeader, Rela, SectionHeader, SectionTable, Sym, SymbolTable};
use object::{LittleEndian as LE, SectionIndex, SymbolIndex};

use crate::error::LinkError;
use crate::heap::{CodeHeap, HeapAddr, Region};
use crate::host::HostResolver;

type Elf = elf::FileHeader64<LE>;

/// One relocatable object to link.
#[derive(Clone, Copy, Debug)]
pub struct ObjectInput<'a> {
    /// The name errors and tools use for it (the unit's function name).
    pub name: &'a str,
    /// The ELF bytes.
    pub bytes: &'a [u8],
    /// Symbols defined for this object alone, ahead of the global table: the runtime's
    /// per-unit data (a unit's counter, its first OSR site record), which the compiler refers to
    /// by fixed names so that objects do not depend on unit numbering and can be cached.
    pub locals: &'a [(&'a str, u64)],
}

/// Where a section of a linked object was placed.
#[derive(Clone, Debug)]
pub struct PlacedSection {
    /// The section's name.
    pub name: String,
    /// Its address in the heap.
    pub addr: HeapAddr,
    /// Its size in bytes.
    pub size: u64,
    /// The heap region holding it.
    pub region: Region,
}

/// A function defined by a linked object (for perf maps and crash reports).
#[derive(Clone, Debug)]
pub struct FunctionSymbol {
    /// The symbol's name.
    pub name: String,
    /// Its address.
    pub addr: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// What linking one object produced.
#[derive(Clone, Debug)]
pub struct LinkedObject {
    /// The object's name.
    pub name: String,
    /// Its loaded sections.
    pub sections: Vec<PlacedSection>,
    /// The functions it defines.
    pub functions: Vec<FunctionSymbol>,
    /// Definitions of stubbed symbols (see [`Linker::define_stub`]): name and body address. The
    /// symbol itself keeps resolving to its stub.
    pub bodies: Vec<(String, u64)>,
    /// What [`Linker::unload`] may give back once the object's code is no longer needed.
    pub unloadable: Unloadable,
}

/// The parts of a linked object that can be freed: its code and read-only allocations that
/// define no symbol other objects may refer to (everything but the bodies behind stubs, which
/// are reached only through their stubs), and its registered unwind tables. Writable data and
/// allocations defining other global symbols stay for the program's life.
#[derive(Clone, Debug, Default)]
pub struct Unloadable {
    /// Allocations: address, size as allocated, region.
    pub allocations: Vec<(HeapAddr, u64, Region)>,
    /// `.eh_frame` tables registered with the unwinder.
    pub eh_frames: Vec<HeapAddr>,
    /// Functions registered for crash reports.
    pub functions: Vec<u64>,
}

impl Unloadable {
    /// Bytes of code it holds.
    pub fn code_bytes(&self) -> u64 {
        self.allocations
            .iter()
            .filter(|a| a.2 == Region::Code)
            .map(|a| a.1)
            .sum()
    }
}

#[derive(Clone, Debug)]
struct Definition {
    addr: u64,
    size: u64,
    weak: bool,
    /// A common symbol (`SHN_COMMON`): another common of the name may enlarge it.
    common: bool,
    /// The symbol is a function's entry stub: object definitions of the name are bodies behind
    /// the stub and never replace it.
    stub: bool,
    owner: Arc<str>,
}

/// Counters the linker keeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkStats {
    /// Objects linked.
    pub objects: u64,
    /// Relocations applied.
    pub relocations: u64,
    /// GOT entries made.
    pub got_entries: u64,
    /// PLT stubs made.
    pub plt_stubs: u64,
    /// Bytes placed per region: code, read-only, data.
    pub bytes: [u64; 3],
}

/// The linker and the heap it fills.
pub struct Linker {
    heap: CodeHeap,
    host: HostResolver,
    globals: HashMap<String, Definition>,
    aliases: HashMap<String, (String, i64)>,
    comdats: HashSet<Vec<u8>>,
    got: HashMap<u64, HeapAddr>,
    plt: HashMap<u64, HeapAddr>,
    got_base: HeapAddr,
    frames: unwind::Frames,
    stats: LinkStats,
}

/// An object between the two phases.
struct Placed {
    name: Arc<str>,
    /// Each loaded section's address, region and (possibly compacted) size.
    sections: Vec<Option<(HeapAddr, Region, u64)>>,
    /// `.eh_frame` sections from which FDEs of discarded COMDAT code were dropped.
    eh_frame_maps: HashMap<usize, unwind::EhFrameMap>,
    /// Address of each symbol defined in this object (None: undefined or discarded).
    symbols: Vec<Option<u64>>,
    eh_frames: Vec<HeapAddr>,
    result: LinkedObject,
}

struct Parsed<'a> {
    endian: LE,
    sections: SectionTable<'a, Elf>,
    symbols: SymbolTable<'a, Elf>,
    /// The symbol table's string section.
    strtab: &'a [u8],
    /// The section-name string section.
    shstrtab: &'a [u8],
    /// The object's name, for errors.
    name: &'a str,
}

impl<'a> Parsed<'a> {
    /// `sym`'s name.
    fn symbol_name(&self, sym: &elf::Sym64<LE>) -> Result<&'a [u8], LinkError> {
        self.string_at(self.strtab, sym.st_name(self.endian))
    }

    /// `section`'s name.
    fn section_name(&self, section: &elf::SectionHeader64<LE>) -> Result<&'a [u8], LinkError> {
        self.string_at(self.shstrtab, section.sh_name(self.endian))
    }

    /// The NUL-terminated string at `offset` in string section `table`.
    ///
    /// `object`'s own name readers find the NUL with `memchr`, whose first call runs a CPU
    /// feature detection (seven `cpuid`, each a trap to the hypervisor on a VM) that every warm
    /// start would pay for; `CStr::from_bytes_until_nul` does not.
    fn string_at(&self, table: &'a [u8], offset: u32) -> Result<&'a [u8], LinkError> {
        table
            .get(offset as usize..)
            .and_then(|rest| std::ffi::CStr::from_bytes_until_nul(rest).ok())
            .map(std::ffi::CStr::to_bytes)
            .ok_or_else(|| LinkError::Malformed {
                object: self.name.to_string(),
                message: format!("string offset {offset:#x} is outside its string table"),
            })
    }
}

fn parse<'a>(input: &ObjectInput<'a>) -> Result<Parsed<'a>, LinkError> {
    let malformed = |e: object::Error| LinkError::Malformed {
        object: input.name.to_string(),
        message: e.to_string(),
    };
    let header = Elf::parse(input.bytes).map_err(malformed)?;
    let endian = header.endian().map_err(malformed)?;
    if header.e_machine(endian) != elf::EM_X86_64 || header.e_type(endian) != elf::ET_REL {
        return Err(LinkError::Malformed {
            object: input.name.to_string(),
            message: "not an x86-64 relocatable object".to_string(),
        });
    }
    let sections = header.sections(endian, input.bytes).map_err(malformed)?;
    let symbols = sections
        .symbols(endian, input.bytes, elf::SHT_SYMTAB)
        .map_err(malformed)?;
    let section_data = |index: SectionIndex| -> Result<&'a [u8], LinkError> {
        if index.0 == 0 {
            return Ok(&[]);
        }
        sections
            .section(index)
            .and_then(|s| s.data(endian, input.bytes))
            .map_err(malformed)
    };
    let strtab = section_data(symbols.string_section())?;
    let shstrtab = match sections.len() {
        0 => &[][..],
        _ => section_data(
            header
                .section_strings_index(endian, input.bytes)
                .map_err(malformed)?,
        )?,
    };
    Ok(Parsed {
        endian,
        sections,
        symbols,
        strtab,
        shstrtab,
        name: input.name,
    })
}

const SHT_LLVM_ADDRSIG: u32 = 0x6fff_4c03;
const EH_FRAME_TERMINATOR: [u8; 4] = [0; 4];

/// The section a relocation patches.
struct Target<'a> {
    base: HeapAddr,
    size: u64,
    /// The field's offset in the placed section.
    offset: u64,
    name: &'a str,
}

/// For the FDEs of `.eh_frame` section `eh_frame`: the offset of each relocated `pc_begin` field
/// and the section index of the code it points into.
fn eh_frame_targets(
    parsed: &Parsed<'_>,
    eh_frame: usize,
    bytes: &[u8],
) -> Result<HashMap<u64, usize>, LinkError> {
    let endian = parsed.endian;
    let mut targets = HashMap::new();
    for section in parsed.sections.iter() {
        if section.sh_type(endian) != elf::SHT_RELA || section.info_link(endian).0 != eh_frame {
            continue;
        }
        let Ok(Some((relocs, _))) = section.rela(endian, bytes) else {
            continue;
        };
        for rela in relocs {
            let sym = rela.r_sym(endian, false) as usize;
            let Ok(symbol) = parsed.symbols.symbol(SymbolIndex(sym)) else {
                continue;
            };
            if let Ok(Some(index)) = parsed
                .symbols
                .symbol_section(endian, symbol, SymbolIndex(sym))
            {
                targets.insert(rela.r_offset(endian), index.0);
            }
        }
    }
    Ok(targets)
}

/// What to do with a section.
enum SectionPlan {
    Load(Region),
    Skip,
}

impl Linker {
    /// A linker over a fresh code heap.
    pub fn new(heap: CodeHeap, host: HostResolver) -> Linker {
        // The GOT base is the start of the read-only region; every GOT entry lives above it.
        let got_base = HeapAddr(heap.base().0 + crate::heap::CODE_REGION_SIZE);
        Linker {
            heap,
            host,
            globals: HashMap::new(),
            aliases: HashMap::new(),
            comdats: HashSet::new(),
            got: HashMap::new(),
            plt: HashMap::new(),
            got_base,
            frames: unwind::Frames::default(),
            stats: LinkStats::default(),
        }
    }

    /// The host symbol resolver (to open more libraries).
    pub fn host_mut(&mut self) -> &mut HostResolver {
        &mut self.host
    }

    /// Whether a program reference to host symbol `name` has been resolved.
    pub fn host_resolved(&self, name: &str) -> bool {
        self.host.resolved(name)
    }

    /// The heap the linker fills.
    pub fn heap(&self) -> &CodeHeap {
        &self.heap
    }

    /// The heap, to place code the runtime generates itself (stubs).
    pub fn heap_mut(&mut self) -> &mut CodeHeap {
        &mut self.heap
    }

    /// Names of the symbols `bytes` (an object) leaves undefined.
    pub fn undefined_symbols(input: &ObjectInput<'_>) -> Result<Vec<String>, LinkError> {
        let parsed = parse(input)?;
        let endian = parsed.endian;
        let mut names = Vec::new();
        for sym in parsed.symbols.iter() {
            if sym.st_shndx(endian) == elf::SHN_UNDEF && !sym.is_local() {
                if let Ok(name) = parsed.symbol_name(sym) {
                    if !name.is_empty() {
                        names.push(String::from_utf8_lossy(name).into_owned());
                    }
                }
            }
        }
        Ok(names)
    }

    /// Counters so far.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// Declares `name` as `target + offset` (an IR alias).
    pub fn add_alias(&mut self, name: &str, target: &str, offset: i64) {
        self.aliases
            .insert(name.to_string(), (target.to_string(), offset));
    }

    /// Defines `name` as `bytes` placed in the data region: data the runtime provides to the
    /// program inside the heap (so code may reach it PC-relative). A program definition of the
    /// same name wins.
    pub fn define_data(&mut self, name: &str, bytes: &[u8], align: u64) -> Result<u64, LinkError> {
        let addr = self.define_zeroed(name, bytes.len() as u64, align)?;
        self.heap.write(crate::heap::HeapAddr(addr), bytes);
        Ok(addr)
    }

    /// Defines `name` as `size` bytes of zeroed writable data (fresh pages of the data region,
    /// which is never reused: nothing is written, so untouched pages cost nothing).
    pub fn define_zeroed(&mut self, name: &str, size: u64, align: u64) -> Result<u64, LinkError> {
        let addr = self.heap.alloc(Region::Data, size, align)?;
        self.stats.bytes[Region::Data as usize] += size;
        self.define(
            name.to_string(),
            Definition {
                addr: addr.0,
                size,
                weak: true,
                common: false,
                stub: false,
                owner: Arc::from("<irjit runtime>"),
            },
            &mut Vec::new(),
        )?;
        Ok(addr.0)
    }

    /// The address of a program symbol (definitions and aliases; not the host).
    pub fn lookup(&self, name: &str) -> Option<u64> {
        self.lookup_depth(name, 0)
    }

    fn lookup_depth(&self, name: &str, depth: u32) -> Option<u64> {
        if let Some(def) = self.globals.get(name) {
            return Some(def.addr);
        }
        let (target, offset) = self.aliases.get(name)?;
        if depth > 16 {
            return None;
        }
        let base = self.lookup_depth(target, depth + 1)?;
        Some(base.wrapping_add_signed(*offset))
    }

    /// Gives back what `unloadable` holds: deregisters its unwind tables, then frees its code
    /// and read-only allocations.
    ///
    /// The caller guarantees that no thread runs, or will return into, that code (see
    /// [`crate::reclaim`]); it is reached through no stub and no symbol.
    pub fn unload(&mut self, unloadable: &Unloadable) -> Result<(), LinkError> {
        for &frame in &unloadable.eh_frames {
            self.frames.deregister(frame);
        }
        for &addr in &unloadable.functions {
            crate::observe::crash::unregister_function(addr);
        }
        for &(addr, size, region) in &unloadable.allocations {
            self.heap.free(region, addr, size)?;
        }
        Ok(())
    }

    /// Links a batch of objects that may refer to each other.
    pub fn link(&mut self, inputs: &[ObjectInput<'_>]) -> Result<Vec<LinkedObject>, LinkError> {
        let mut placed = Vec::with_capacity(inputs.len());
        for input in inputs {
            let _span = tracing::trace_span!("place", object = input.name).entered();
            placed.push(self.place(input)?);
        }
        for (input, p) in inputs.iter().zip(&placed) {
            let _span = tracing::trace_span!("relocate", object = input.name).entered();
            self.relocate(input, p)?;
        }
        let mut linked = Vec::with_capacity(placed.len());
        for p in placed {
            for &frame in &p.eh_frames {
                self.frames.register(frame);
            }
            self.stats.objects += 1;
            linked.push(p.result);
        }
        Ok(linked)
    }

    fn plan_section(
        &self,
        input: &ObjectInput<'_>,
        name: &str,
        sh_type: u32,
        flags: u64,
    ) -> Result<SectionPlan, LinkError> {
        let unsupported = || LinkError::UnsupportedSection {
            object: input.name.to_string(),
            section: name.to_string(),
            sh_type,
        };
        let alloc = flags & u64::from(elf::SHF_ALLOC) != 0;
        match sh_type {
            elf::SHT_NULL
            | elf::SHT_SYMTAB
            | elf::SHT_STRTAB
            | elf::SHT_RELA
            | elf::SHT_GROUP
            | elf::SHT_NOTE
            | elf::SHT_SYMTAB_SHNDX
            | SHT_LLVM_ADDRSIG => Ok(SectionPlan::Skip),
            elf::SHT_REL => Err(unsupported()),
            elf::SHT_INIT_ARRAY | elf::SHT_FINI_ARRAY | elf::SHT_PREINIT_ARRAY => {
                // Constructors reach the runtime as data (llvm.global_ctors), never as sections.
                Err(unsupported())
            }
            _ if !alloc => Ok(SectionPlan::Skip),
            _ if flags & u64::from(elf::SHF_TLS) != 0 => Err(unsupported()),
            elf::SHT_PROGBITS | elf::SHT_NOBITS | elf::SHT_X86_64_UNWIND => {
                let region = if flags & u64::from(elf::SHF_EXECINSTR) != 0 {
                    Region::Code
                } else if flags & u64::from(elf::SHF_WRITE) != 0
                    && !name.starts_with(".data.rel.ro")
                {
                    Region::Data
                } else {
                    Region::ReadOnly
                };
                Ok(SectionPlan::Load(region))
            }
            _ => Err(unsupported()),
        }
    }

    /// Phase 1: place sections, define symbols.
    fn place(&mut self, input: &ObjectInput<'_>) -> Result<Placed, LinkError> {
        let parsed = parse(input)?;
        let endian = parsed.endian;
        let malformed = |e: object::Error| LinkError::Malformed {
            object: input.name.to_string(),
            message: e.to_string(),
        };
        let name: Arc<str> = Arc::from(input.name);
        let count = parsed.sections.len();

        // COMDAT groups: the first object to bring a group keeps it; later copies are discarded.
        let mut discarded = vec![false; count];
        for section in parsed.sections.iter() {
            let Some((flag, members)) = section.group(endian, input.bytes).map_err(malformed)?
            else {
                continue;
            };
            if flag & elf::GRP_COMDAT == 0 {
                continue;
            }
            let signature = parsed
                .symbols
                .symbol(SymbolIndex(section.sh_info(endian) as usize))
                .map_err(malformed)
                .and_then(|s| parsed.symbol_name(s))?;
            if !self.comdats.insert(signature.to_vec()) {
                for member in members {
                    if let Some(d) = discarded.get_mut(member.get(endian) as usize) {
                        *d = true;
                    }
                }
            }
        }

        let mut result = LinkedObject {
            name: input.name.to_string(),
            sections: Vec::new(),
            functions: Vec::new(),
            bodies: Vec::new(),
            unloadable: Unloadable::default(),
        };
        // Allocations (address, size, region, pinned: defines a symbol others may refer to).
        let mut allocations: Vec<(HeapAddr, u64, Region, bool)> = Vec::new();
        let mut eh_frames_kept = false;
        let mut sections = vec![None; count];
        let mut eh_frames = Vec::new();
        let mut eh_frame_maps = HashMap::new();
        for (index, section) in parsed.sections.iter().enumerate() {
            if discarded[index] {
                continue;
            }
            let sh_type = section.sh_type(endian);
            let flags = section.sh_flags(endian);
            let sname = parsed.section_name(section)?;
            let sname = String::from_utf8_lossy(sname).into_owned();
            let SectionPlan::Load(region) = self.plan_section(input, &sname, sh_type, flags)?
            else {
                continue;
            };
            let mut size = section.sh_size(endian);
            let align = section.sh_addralign(endian).max(1);
            let is_eh_frame = sh_type == elf::SHT_X86_64_UNWIND || sname == ".eh_frame";
            let mut data = if sh_type == elf::SHT_NOBITS {
                None
            } else {
                Some(std::borrow::Cow::Borrowed(
                    section.data(endian, input.bytes).map_err(malformed)?,
                ))
            };
            if is_eh_frame && discarded.iter().any(|&d| d) {
                // FDEs describing code of a discarded COMDAT copy must go (as ld and lld do):
                // they would point at nothing, or duplicate the kept copy's.
                let bytes = data.as_deref().unwrap_or_default();
                let fde_targets = eh_frame_targets(&parsed, index, input.bytes)?;
                let compacted = unwind::drop_fdes(bytes, |field| {
                    fde_targets
                        .get(&field)
                        .is_some_and(|&s| discarded.get(s).copied().unwrap_or(false))
                })
                .map_err(|message| LinkError::Malformed {
                    object: input.name.to_string(),
                    message,
                })?;
                if let Some((bytes, map)) = compacted {
                    size = bytes.len() as u64;
                    data = Some(std::borrow::Cow::Owned(bytes));
                    eh_frame_maps.insert(index, map);
                }
            }
            let alloc_size = if is_eh_frame {
                size + EH_FRAME_TERMINATOR.len() as u64
            } else {
                size
            };
            let addr = self.heap.alloc(region, alloc_size, align)?;
            allocations.push((addr, alloc_size.max(1), region, false));
            match &data {
                Some(bytes) => self.heap.write(addr, bytes),
                // Data is never freed, so its fresh pages are still zero: leaving them untouched
                // saves the page faults of a large .bss.
                None if region == Region::Data => {}
                None => self.heap.writable(addr, size as usize).fill(0),
            }
            if is_eh_frame && size > 0 {
                self.heap
                    .write(HeapAddr(addr.0 + size), &EH_FRAME_TERMINATOR);
                eh_frames.push(addr);
            }
            self.stats.bytes[region as usize] += alloc_size;
            tracing::trace!(section = %sname, %addr, size, ?region, "placed");
            sections[index] = Some((addr, region, size));
            result.sections.push(PlacedSection {
                name: sname,
                addr,
                size,
                region,
            });
        }

        let mut symbols = vec![None; parsed.symbols.len()];
        for (index, sym) in parsed.symbols.iter().enumerate() {
            if index == 0 {
                continue;
            }
            let sym_name = parsed.symbol_name(sym)?;
            let shndx = sym.st_shndx(endian);
            let addr = if shndx == elf::SHN_UNDEF {
                None
            } else if shndx == elf::SHN_ABS {
                Some(sym.st_value(endian))
            } else if shndx == elf::SHN_COMMON {
                let key = String::from_utf8_lossy(sym_name).into_owned();
                let (size, align) = (sym.st_size(endian), sym.st_value(endian).max(1));
                Some(self.define_common(key, size, align, &name)?)
            } else {
                let section_index = parsed
                    .symbols
                    .symbol_section(endian, sym, SymbolIndex(index))
                    .map_err(malformed)?
                    .unwrap_or(SectionIndex(0));
                sections
                    .get(section_index.0)
                    .copied()
                    .flatten()
                    .map(|(base, _, _)| base.0 + sym.st_value(endian))
            };
            symbols[index] = addr;
            let Some(addr) = addr else { continue };
            tracing::trace!(symbol = %String::from_utf8_lossy(sym_name), addr = format_args!("{addr:#x}"), "defined");
            if sym.st_type() == elf::STT_FUNC && !sym_name.is_empty() {
                result.functions.push(FunctionSymbol {
                    name: String::from_utf8_lossy(sym_name).into_owned(),
                    addr,
                    size: sym.st_size(endian),
                });
            }
            if sym.is_local()
                || shndx == elf::SHN_COMMON
                || irjit_interface::is_osr_continuation(&String::from_utf8_lossy(sym_name))
            {
                // OSR continuations are found through `functions` and called only through their
                // site's record, never by name.
                continue;
            }
            let body = self
                .globals
                .get(String::from_utf8_lossy(sym_name).as_ref())
                .is_some_and(|d| d.stub);
            if !body {
                for a in allocations
                    .iter_mut()
                    .filter(|a| addr >= a.0 .0 && addr < a.0 .0 + a.1)
                {
                    a.3 = true;
                }
            }
            self.define(
                String::from_utf8_lossy(sym_name).into_owned(),
                Definition {
                    addr,
                    size: sym.st_size(endian),
                    weak: sym.st_bind() == elf::STB_WEAK,
                    common: false,
                    stub: false,
                    owner: name.clone(),
                },
                &mut result.bodies,
            )?;
        }

        if allocations.iter().any(|a| a.2 == Region::Code && a.3) {
            // Code others may call directly stays, and so do its unwind tables.
            allocations.clear();
            eh_frames_kept = true;
        }
        result.unloadable.allocations = allocations
            .into_iter()
            .filter(|a| a.2 != Region::Data && !a.3)
            .map(|a| (a.0, a.1, a.2))
            .collect();
        result.unloadable.functions = result.functions.iter().map(|f| f.addr).collect();
        if !eh_frames_kept {
            result.unloadable.eh_frames = eh_frames.clone();
        }
        Ok(Placed {
            name,
            sections,
            eh_frame_maps,
            symbols,
            eh_frames,
            result,
        })
    }

    /// A common symbol: zeroed storage, merged with other commons of the name (the largest size
    /// and alignment win), and giving way to a real definition.
    fn define_common(
        &mut self,
        name: String,
        size: u64,
        align: u64,
        owner: &Arc<str>,
    ) -> Result<u64, LinkError> {
        if let Some(def) = self.globals.get(&name) {
            let fits = def.size >= size && def.addr % align == 0;
            if !def.common || fits {
                return Ok(def.addr);
            }
        }
        let size = self.globals.get(&name).map_or(size, |d| d.size.max(size));
        // Fresh data pages are zero (data is never freed).
        let addr = self.heap.alloc(Region::Data, size, align)?;
        self.stats.bytes[Region::Data as usize] += size;
        self.globals.insert(
            name,
            Definition {
                addr: addr.0,
                size,
                weak: true,
                common: true,
                stub: false,
                owner: owner.clone(),
            },
        );
        Ok(addr.0)
    }

    /// Makes `name` resolve to `stub` (a function's entry stub) from now on. Objects defining
    /// `name` later provide its body, reported in [`LinkedObject::bodies`].
    pub fn define_stub(&mut self, name: &str, stub: u64) {
        self.globals.insert(
            name.to_string(),
            Definition {
                addr: stub,
                size: 0,
                weak: false,
                common: false,
                stub: true,
                owner: Arc::from("<irjit stub>"),
            },
        );
    }

    fn define(
        &mut self,
        name: String,
        def: Definition,
        bodies: &mut Vec<(String, u64)>,
    ) -> Result<(), LinkError> {
        match self.globals.get(&name) {
            Some(old) if old.stub => {
                bodies.push((name, def.addr));
                Ok(())
            }
            Some(old) if !old.weak && !def.weak => Err(LinkError::DuplicateSymbol {
                symbol: name,
                first: old.owner.to_string(),
                second: def.owner.to_string(),
            }),
            // Keep the first definition unless a strong one replaces a weak one.
            Some(old) if !old.weak || def.weak => Ok(()),
            _ => {
                self.globals.insert(name, def);
                Ok(())
            }
        }
    }

    /// The address of a symbol referred to by name, program first, then the host (as a
    /// relocation against it would be resolved).
    pub fn resolve(&mut self, name: &str) -> Option<u64> {
        self.resolve_name(name)
    }

    /// The address of a symbol referred to by name, program first, then the host.
    fn resolve_name(&mut self, name: &str) -> Option<u64> {
        if name == "_GLOBAL_OFFSET_TABLE_" {
            return Some(self.got_base.0);
        }
        if let Some(addr) = self.lookup(name) {
            return Some(addr);
        }
        if let Some((bytes, align)) = crate::host::lazy_heap_data(name) {
            return self.define_data(name, &bytes, align).ok();
        }
        if let Some(variable) = name.strip_prefix("__emutls_v.") {
            // A thread-local variable the program does not define: a host library's, in native
            // TLS. Give the program a proxy control object for it.
            if self.host.resolve(variable).is_some() {
                let control = crate::host::host_tls_control(variable);
                return self.define_data(name, &control, 8).ok();
            }
        }
        self.host.resolve(name)
    }

    fn got_entry(&mut self, target: u64) -> Result<HeapAddr, LinkError> {
        if let Some(&entry) = self.got.get(&target) {
            return Ok(entry);
        }
        let entry = self.heap.alloc(Region::ReadOnly, 8, 8)?;
        self.heap.write(entry, &target.to_le_bytes());
        self.got.insert(target, entry);
        self.stats.got_entries += 1;
        Ok(entry)
    }

    fn plt_entry(&mut self, target: u64) -> Result<u64, LinkError> {
        if self.heap.contains(target) {
            return Ok(target);
        }
        if let Some(&stub) = self.plt.get(&target) {
            return Ok(stub.0);
        }
        let slot = self.got_entry(target)?;
        let stub = self.heap.alloc(Region::Code, 8, 8)?;
        // jmp *slot(%rip); the displacement is relative to the end of the 6-byte instruction.
        let disp = slot.0 as i64 - (stub.0 as i64 + 6);
        let disp = i32::try_from(disp).expect("GOT and code are in one 2 GiB reservation");
        let mut code = [0xff, 0x25, 0, 0, 0, 0, 0xcc, 0xcc];
        code[2..6].copy_from_slice(&disp.to_le_bytes());
        self.heap.write(stub, &code);
        self.plt.insert(target, stub);
        self.stats.plt_stubs += 1;
        Ok(stub.0)
    }

    /// Phase 2: apply every relocation of a placed object.
    fn relocate(&mut self, input: &ObjectInput<'_>, placed: &Placed) -> Result<(), LinkError> {
        let parsed = parse(input)?;
        let endian = parsed.endian;
        let malformed = |e: object::Error| LinkError::Malformed {
            object: input.name.to_string(),
            message: e.to_string(),
        };
        for section in parsed.sections.iter() {
            // `rela` pairs the entries with the symbol table; the section they patch is sh_info.
            let Some((relocs, _symtab)) = section.rela(endian, input.bytes).map_err(malformed)?
            else {
                continue;
            };
            let target_index = section.info_link(endian);
            let Some((target_base, _, target_size)) =
                placed.sections.get(target_index.0).copied().flatten()
            else {
                // Relocations of a section that is not loaded (debug info, a discarded COMDAT).
                continue;
            };
            let moved = placed.eh_frame_maps.get(&target_index.0);
            let target_name = parsed
                .sections
                .section(target_index)
                .ok()
                .and_then(|s| parsed.section_name(s).ok())
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default();
            for rela in relocs {
                let mut offset = rela.r_offset(endian);
                if let Some(map) = moved {
                    match map.translate(offset) {
                        Some(new) => offset = new,
                        None => continue, // in a dropped FDE
                    }
                }
                let target = Target {
                    base: target_base,
                    size: target_size,
                    offset,
                    name: &target_name,
                };
                self.apply(input, &parsed, placed, &target, rela)?;
            }
        }
        Ok(())
    }

    fn apply(
        &mut self,
        input: &ObjectInput<'_>,
        parsed: &Parsed<'_>,
        placed: &Placed,
        target: &Target<'_>,
        rela: &elf::Rela64<LE>,
    ) -> Result<(), LinkError> {
        let section_name = target.name;
        let endian = parsed.endian;
        let r_type = rela.r_type(endian, false);
        if r_type == elf::R_X86_64_NONE {
            return Ok(());
        }
        let kind = reloc::kind(r_type).ok_or_else(|| LinkError::UnsupportedRelocation {
            object: input.name.to_string(),
            section: section_name.to_string(),
            name: reloc::unsupported_name(r_type),
            r_type,
        })?;
        if target.offset.saturating_add(kind.field.width() as u64) > target.size {
            return Err(LinkError::Malformed {
                object: input.name.to_string(),
                message: format!(
                    "{} at offset {:#x} lies outside section '{section_name}' ({} bytes)",
                    kind.name, target.offset, target.size
                ),
            });
        }
        let sym_index = rela.r_sym(endian, false) as usize;
        let (s, z, sym_name) = self.symbol_value(input, parsed, placed, sym_index)?;
        let p = target.base.0 + target.offset;
        let mut ops = reloc::Operands {
            s,
            a: rela.r_addend(endian),
            p,
            got_base: self.got_base.0,
            z,
            ..Default::default()
        };
        match kind.needs {
            reloc::Needs::GotEntry => ops.got_entry = self.got_entry(s)?.0,
            reloc::Needs::Plt => ops.plt = self.plt_entry(s)?,
            reloc::Needs::Symbol | reloc::Needs::Size => {}
        }
        let value = kind.compute(&ops);
        let bytes = kind
            .field
            .encode(value)
            .ok_or_else(|| LinkError::Overflow {
                object: input.name.to_string(),
                name: kind.name,
                symbol: sym_name.clone(),
                value,
            })?;
        self.heap.write(HeapAddr(p), &bytes);
        self.stats.relocations += 1;
        Ok(())
    }

    /// The value S (and size Z) of the symbol a relocation refers to.
    fn symbol_value(
        &mut self,
        input: &ObjectInput<'_>,
        parsed: &Parsed<'_>,
        placed: &Placed,
        index: usize,
    ) -> Result<(u64, u64, String), LinkError> {
        if index == 0 {
            return Ok((0, 0, String::new()));
        }
        let endian = parsed.endian;
        let sym = parsed
            .symbols
            .symbol(SymbolIndex(index))
            .map_err(|e| LinkError::Malformed {
                object: input.name.to_string(),
                message: e.to_string(),
            })?;
        let name = parsed
            .symbol_name(sym)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        if sym.is_local() {
            let addr = placed.symbols[index].ok_or_else(|| LinkError::Malformed {
                object: input.name.to_string(),
                message: format!(
                    "local symbol #{index} '{name}' is in a section that was not loaded"
                ),
            })?;
            return Ok((addr, sym.st_size(endian), name));
        }
        if let Some(&(_, addr)) = input.locals.iter().find(|(n, _)| *n == name) {
            return Ok((addr, sym.st_size(endian), name));
        }
        if let Some(def) = self.globals.get(&name) {
            return Ok((def.addr, def.size, name));
        }
        if let Some(addr) = self.resolve_name(&name) {
            return Ok((addr, sym.st_size(endian), name));
        }
        if sym.st_bind() == elf::STB_WEAK {
            return Ok((0, 0, name));
        }
        Err(LinkError::UndefinedSymbol {
            symbol: name,
            needed_by: placed.name.to_string(),
        })
    }
}

impl Drop for Linker {
    fn drop(&mut self) {
        self.frames.deregister_all();
    }
}
