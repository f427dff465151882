//! Unit tests of irjit's ELF linker (`irjit_runtime::link`), driven by relocatable objects built
//! with the `object` crate's writer, so every section, symbol and relocation is chosen exactly.
//!
//! Values are checked against the x86-64 psABI formulas with the concrete addresses the linker
//! chose, by reading the linked memory back and by calling linked machine code.

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr};

use irjit_runtime::heap::{CodeHeap, Region, CODE_REGION_SIZE, RESERVATION};
use irjit_runtime::host::HostResolver;
use irjit_runtime::link::{LinkedObject, Linker, ObjectInput, PlacedSection};
use irjit_runtime::LinkError;
use object::elf;
use object::write::{Comdat, Object, Relocation, SectionId, Symbol, SymbolId, SymbolSection};
use object::{
    Architecture, BinaryFormat, ComdatKind, Endianness, RelocationFlags, SectionFlags, SectionKind,
    SymbolFlags, SymbolKind, SymbolScope,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MIB: u64 = 1 << 20;
const READ_ONLY_REGION_SIZE: u64 = 256 * MIB;

/// `mov eax, imm32; ret`
fn ret_imm(value: u32) -> Vec<u8> {
    let mut code = vec![0xb8];
    code.extend_from_slice(&value.to_le_bytes());
    code.push(0xc3);
    code
}

/// `sub rsp, 8; call rel32; add rsp, 8; ret` — the rel32 field is at offset 5 (addend -4).
const CALL_REL32: [u8; 14] = [
    0x48, 0x83, 0xec, 0x08, // sub rsp, 8
    0xe8, 0, 0, 0, 0, // call rel32
    0x48, 0x83, 0xc4, 0x08, // add rsp, 8
    0xc3, // ret
];
const CALL_REL32_FIELD: u64 = 5;

/// `sub rsp, 8; call *rel32(%rip); add rsp, 8; ret` — the rel32 field is at offset 6.
const CALL_INDIRECT_RIP: [u8; 15] = [
    0x48, 0x83, 0xec, 0x08, // sub rsp, 8
    0xff, 0x15, 0, 0, 0, 0, // call *rel32(%rip)
    0x48, 0x83, 0xc4, 0x08, // add rsp, 8
    0xc3, // ret
];
const CALL_INDIRECT_RIP_FIELD: u64 = 6;

/// `mov rel32(%rip), %rax; ret` — the rel32 field is at offset 3.
const MOV_RIP_RAX: [u8; 8] = [0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xc3];
/// `lea rel32(%rip), %rax; ret` — the rel32 field is at offset 3.
const LEA_RIP_RAX: [u8; 8] = [0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xc3];
const RIP_FIELD: u64 = 3;

/// Reads a `T` from process memory.
fn read<T: Copy>(addr: u64) -> T {
    // SAFETY: every address the tests pass lies in a section, GOT entry or stub the linker just
    // placed in a heap that is still alive (its `Linker` is in scope), and all heap regions are
    // readable in the execution view. `read_unaligned` has no alignment requirement.
    unsafe { std::ptr::read_unaligned(addr as *const T) }
}

fn read_bytes(addr: u64, len: usize) -> Vec<u8> {
    // SAFETY: as for `read`: the range lies in a live, readable heap allocation.
    unsafe { std::slice::from_raw_parts(addr as *const u8, len) }.to_vec()
}

fn read_cstr(addr: u64) -> String {
    // SAFETY: the address is a NUL-terminated string in a live, readable heap section.
    unsafe { CStr::from_ptr(addr as *const c_char) }
        .to_string_lossy()
        .into_owned()
}

/// Calls linked code `fn() -> u64`.
fn call0(addr: u64) -> u64 {
    // SAFETY: `addr` is the entry of hand-written, fully linked machine code in the executable
    // code region that follows the SysV ABI, takes no arguments and returns in rax.
    let f = unsafe { std::mem::transmute::<usize, extern "C" fn() -> u64>(addr as usize) };
    f()
}

/// Calls linked code `fn(const char *) -> u64`.
fn call_str(addr: u64, s: &CStr) -> u64 {
    // SAFETY: `addr` is linked code (or a PLT stub) taking one pointer argument and returning in
    // rax; the string outlives the call.
    let f =
        unsafe { std::mem::transmute::<usize, extern "C" fn(*const c_char) -> u64>(addr as usize) };
    f(s.as_ptr())
}

/// The address the dynamic loader gives `name` (what the host resolver must find).
fn dlsym(name: &CStr) -> u64 {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks the symbol up.
    let addr = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) } as u64;
    assert_ne!(addr, 0, "the host defines {name:?}");
    addr
}

fn new_linker() -> Linker {
    Linker::new(
        CodeHeap::new().expect("reserving a code heap"),
        HostResolver::new(),
    )
}

fn link(linker: &mut Linker, objects: &[(&str, &[u8])]) -> Result<Vec<LinkedObject>, LinkError> {
    let inputs: Vec<ObjectInput<'_>> = objects
        .iter()
        .map(|&(name, bytes)| ObjectInput {
            name,
            bytes,
            locals: &[],
        })
        .collect();
    linker.link(&inputs)
}

fn link_ok(linker: &mut Linker, objects: &[(&str, &[u8])]) -> Vec<LinkedObject> {
    link(linker, objects).unwrap_or_else(|e| panic!("link failed: {e}"))
}

fn link_err(objects: &[(&str, &[u8])]) -> LinkError {
    let mut linker = new_linker();
    match link(&mut linker, objects) {
        Ok(_) => panic!("link unexpectedly succeeded"),
        Err(e) => e,
    }
}

/// The placed section `name` of a linked object.
fn sec<'a>(linked: &'a LinkedObject, name: &str) -> &'a PlacedSection {
    linked
        .sections
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{} has no loaded section {name}", linked.name))
}

fn sec_addr(linked: &LinkedObject, name: &str) -> u64 {
    sec(linked, name).addr.0
}

fn got_base(linker: &Linker) -> u64 {
    linker.heap().base().0 + CODE_REGION_SIZE
}

/// The heap region an address lies in, from the documented layout.
fn region_of(linker: &Linker, addr: u64) -> Option<Region> {
    let offset = addr.checked_sub(linker.heap().base().0)?;
    if offset < CODE_REGION_SIZE {
        Some(Region::Code)
    } else if offset < CODE_REGION_SIZE + READ_ONLY_REGION_SIZE {
        Some(Region::ReadOnly)
    } else if offset < RESERVATION {
        Some(Region::Data)
    } else {
        None
    }
}

/// A relocatable x86-64 ELF object under construction.
struct Builder {
    obj: Object<'static>,
    undefined: HashMap<String, SymbolId>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            obj: Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little),
            undefined: HashMap::new(),
        }
    }

    fn section(&mut self, name: &str, kind: SectionKind, data: &[u8], align: u64) -> SectionId {
        let id = self
            .obj
            .add_section(Vec::new(), name.as_bytes().to_vec(), kind);
        self.obj.set_section_data(id, data.to_vec(), align);
        id
    }

    /// A section with explicit ELF flags.
    fn section_with_flags(
        &mut self,
        name: &str,
        kind: SectionKind,
        sh_flags: u32,
        data: &[u8],
        align: u64,
    ) -> SectionId {
        let id = self.section(name, kind, data, align);
        self.obj.section_mut(id).flags = SectionFlags::Elf {
            sh_flags: u64::from(sh_flags),
        };
        id
    }

    fn text(&mut self, code: &[u8]) -> SectionId {
        self.section(".text", SectionKind::Text, code, 16)
    }

    fn bss(&mut self, name: &str, size: u64, align: u64) -> SectionId {
        let id = self.obj.add_section(
            Vec::new(),
            name.as_bytes().to_vec(),
            SectionKind::UninitializedData,
        );
        self.obj.append_section_bss(id, size, align);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn symbol(
        &mut self,
        name: &str,
        section: SymbolSection,
        value: u64,
        size: u64,
        kind: SymbolKind,
        scope: SymbolScope,
        weak: bool,
    ) -> SymbolId {
        self.obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size,
            kind,
            scope,
            weak,
            section,
            flags: SymbolFlags::None,
        })
    }

    /// A global (hidden, like irjit's units) function.
    fn func(&mut self, name: &str, section: SectionId, value: u64, size: u64) -> SymbolId {
        let s = SymbolSection::Section(section);
        self.symbol(
            name,
            s,
            value,
            size,
            SymbolKind::Text,
            SymbolScope::Linkage,
            false,
        )
    }

    fn weak_func(&mut self, name: &str, section: SectionId, value: u64, size: u64) -> SymbolId {
        let s = SymbolSection::Section(section);
        self.symbol(
            name,
            s,
            value,
            size,
            SymbolKind::Text,
            SymbolScope::Linkage,
            true,
        )
    }

    /// A global data object.
    fn data(&mut self, name: &str, section: SectionId, value: u64, size: u64) -> SymbolId {
        let s = SymbolSection::Section(section);
        self.symbol(
            name,
            s,
            value,
            size,
            SymbolKind::Data,
            SymbolScope::Linkage,
            false,
        )
    }

    /// A local (STB_LOCAL) symbol.
    fn local(&mut self, name: &str, section: SectionId, value: u64, size: u64) -> SymbolId {
        let s = SymbolSection::Section(section);
        self.symbol(
            name,
            s,
            value,
            size,
            SymbolKind::Data,
            SymbolScope::Compilation,
            false,
        )
    }

    fn local_func(&mut self, name: &str, section: SectionId, value: u64, size: u64) -> SymbolId {
        let s = SymbolSection::Section(section);
        self.symbol(
            name,
            s,
            value,
            size,
            SymbolKind::Text,
            SymbolScope::Compilation,
            false,
        )
    }

    /// A global absolute (SHN_ABS) symbol.
    fn absolute(&mut self, name: &str, value: u64) -> SymbolId {
        let s = SymbolSection::Absolute;
        self.symbol(
            name,
            s,
            value,
            0,
            SymbolKind::Data,
            SymbolScope::Linkage,
            false,
        )
    }

    /// A common (SHN_COMMON) symbol; st_value holds its alignment.
    fn common(&mut self, name: &str, size: u64, align: u64) -> SymbolId {
        let s = SymbolSection::Common;
        self.symbol(
            name,
            s,
            align,
            size,
            SymbolKind::Data,
            SymbolScope::Linkage,
            false,
        )
    }

    /// An undefined global reference (one symbol per name).
    fn undef(&mut self, name: &str) -> SymbolId {
        self.undef_with(name, false)
    }

    fn undef_weak(&mut self, name: &str) -> SymbolId {
        self.undef_with(name, true)
    }

    fn undef_with(&mut self, name: &str, weak: bool) -> SymbolId {
        if let Some(&id) = self.undefined.get(name) {
            return id;
        }
        let id = self.symbol(
            name,
            SymbolSection::Undefined,
            0,
            0,
            SymbolKind::Unknown,
            SymbolScope::Unknown,
            weak,
        );
        self.undefined.insert(name.to_string(), id);
        id
    }

    fn section_symbol(&mut self, section: SectionId) -> SymbolId {
        self.obj.section_symbol(section)
    }

    fn reloc(
        &mut self,
        section: SectionId,
        offset: u64,
        symbol: SymbolId,
        addend: i64,
        r_type: u32,
    ) {
        self.obj
            .add_relocation(
                section,
                Relocation {
                    offset,
                    symbol,
                    addend,
                    flags: RelocationFlags::Elf { r_type },
                },
            )
            .expect("adding a relocation");
    }

    fn build(&self) -> Vec<u8> {
        self.obj.write().expect("writing the object")
    }
}

/// An object `name` whose `.text` is `mov eax, value; ret` defining global function `func`.
fn returning(func: &str, value: u32) -> Vec<u8> {
    let mut b = Builder::new();
    let text = b.text(&ret_imm(value));
    b.func(func, text, 0, 6);
    b.build()
}

// ---------------------------------------------------------------------------------------------
// Relocation fixture: object "defs" defines `func` (code) and `data_sym` (data); object "user"
// has a 128-byte `.data` filled with 0xAA carrying the relocations under test.
// ---------------------------------------------------------------------------------------------

const USER_DATA_SIZE: usize = 128;
const NEAR_OFFSET: u64 = 96;
const DATA_SYM_OFFSET: u64 = 8;
const DATA_SYM_SIZE: u64 = 24;
const FILL: u8 = 0xaa;

/// What a test relocation refers to.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// An undefined reference by name (defined by "defs", the host, or nobody).
    Global(&'a str),
    /// An undefined weak reference by name.
    WeakUndef(&'a str),
    /// The local symbol `near` in the user's `.data` (offset 96, size 8).
    Near,
    /// A global absolute symbol defined by the user object.
    Abs(&'a str, u64),
}

struct R<'a> {
    r_type: u32,
    offset: u64,
    target: Target<'a>,
    addend: i64,
}

fn r(r_type: u32, offset: u64, target: Target<'_>, addend: i64) -> R<'_> {
    R {
        r_type,
        offset,
        target,
        addend,
    }
}

struct Fixture {
    linker: Linker,
    /// Address of the user's `.data`.
    user: u64,
    func: u64,
    data_sym: u64,
    near: u64,
    got: u64,
}

impl Fixture {
    fn p(&self, offset: u64) -> u64 {
        self.user + offset
    }
    fn u64_at(&self, offset: u64) -> u64 {
        read(self.p(offset))
    }
    fn i64_at(&self, offset: u64) -> i64 {
        read(self.p(offset))
    }
    fn i32_at(&self, offset: u64) -> i32 {
        read(self.p(offset))
    }
    fn u32_at(&self, offset: u64) -> u32 {
        read(self.p(offset))
    }
    fn u16_at(&self, offset: u64) -> u16 {
        read(self.p(offset))
    }
    fn u8_at(&self, offset: u64) -> u8 {
        read(self.p(offset))
    }

    /// Asserts that only the given fields (offset, width) of the user's `.data` were written.
    fn assert_only_written(&self, fields: &[(u64, usize)]) {
        let bytes = read_bytes(self.user, USER_DATA_SIZE);
        for (i, &b) in bytes.iter().enumerate() {
            let i = i as u64;
            let inside = fields
                .iter()
                .any(|&(off, width)| i >= off && i < off + width as u64);
            if !inside {
                assert_eq!(b, FILL, "byte {i} of the user's .data was overwritten");
            }
        }
    }

    /// The GOT entry a GOT-relative relocation field designates, checked to be in the read-only
    /// region, 8-aligned and above the GOT base.
    fn got_entry_from_offset(&self, g: i128) -> u64 {
        let entry = (self.got as i128 + g) as u64;
        assert_eq!(region_of(&self.linker, entry), Some(Region::ReadOnly));
        assert!(entry >= self.got, "GOT entries lie above the GOT base");
        assert_eq!(entry % 8, 0, "GOT entries are 8-aligned");
        entry
    }
}

fn defs_object() -> Vec<u8> {
    let mut b = Builder::new();
    let mut code = ret_imm(42);
    code.resize(16, 0xcc);
    let text = b.text(&code);
    b.func("func", text, 0, 6);
    let data: Vec<u8> = (0..32u8).collect();
    let d = b.section(".data", SectionKind::Data, &data, 8);
    b.data("data_sym", d, DATA_SYM_OFFSET, DATA_SYM_SIZE);
    b.build()
}

fn fixture(relocs: &[R<'_>]) -> Result<Fixture, LinkError> {
    let defs = defs_object();
    let mut b = Builder::new();
    let data = b.section(".data", SectionKind::Data, &[FILL; USER_DATA_SIZE], 8);
    let near = b.local("near", data, NEAR_OFFSET, 8);
    let mut abs = HashMap::new();
    for rel in relocs {
        let symbol = match rel.target {
            Target::Global(name) => b.undef(name),
            Target::WeakUndef(name) => b.undef_weak(name),
            Target::Near => near,
            Target::Abs(name, value) => *abs
                .entry(name.to_string())
                .or_insert_with(|| b.absolute(name, value)),
        };
        b.reloc(data, rel.offset, symbol, rel.addend, rel.r_type);
    }
    let user = b.build();
    let mut linker = new_linker();
    let linked = link(&mut linker, &[("defs", &defs), ("user", &user)])?;
    let user = sec_addr(&linked[1], ".data");
    let func = linker.lookup("func").expect("func is defined");
    let data_sym = linker.lookup("data_sym").expect("data_sym is defined");
    assert_eq!(func, sec_addr(&linked[0], ".text"));
    assert_eq!(data_sym, sec_addr(&linked[0], ".data") + DATA_SYM_OFFSET);
    let got = got_base(&linker);
    Ok(Fixture {
        linker,
        user,
        func,
        data_sym,
        near: user + NEAR_OFFSET,
        got,
    })
}

fn fixture_ok(relocs: &[R<'_>]) -> Fixture {
    fixture(relocs).unwrap_or_else(|e| panic!("link failed: {e}"))
}

fn expect_overflow(relocs: &[R<'_>], reloc_name: &str, symbol: &str, value: i128) {
    match fixture(relocs) {
        Err(LinkError::Overflow {
            object,
            name,
            symbol: s,
            value: v,
        }) => {
            assert_eq!(object, "user");
            assert_eq!(name, reloc_name);
            assert_eq!(s, symbol);
            assert_eq!(v, value, "the reported value is S + A (- P)");
        }
        Err(e) => panic!("expected an Overflow of {reloc_name}, got: {e}"),
        Ok(_) => panic!("expected an Overflow of {reloc_name}, but linking succeeded"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Every supported relocation type against its psABI formula.
// ---------------------------------------------------------------------------------------------

#[test]
fn reloc_64_is_s_plus_a() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_64, 0, Target::Global("data_sym"), 5),
        r(elf::R_X86_64_64, 8, Target::Global("func"), -3),
        r(elf::R_X86_64_64, 16, Target::Near, 0x10),
        r(
            elf::R_X86_64_64,
            24,
            Target::Abs("abs_val", 0x1234_5678_9abc),
            1,
        ),
    ]);
    assert_eq!(f.u64_at(0), f.data_sym + 5);
    assert_eq!(f.u64_at(8), f.func - 3);
    assert_eq!(f.u64_at(16), f.near + 0x10);
    assert_eq!(f.u64_at(24), 0x1234_5678_9abd);
    f.assert_only_written(&[(0, 8), (8, 8), (16, 8), (24, 8)]);
}

#[test]
fn reloc_pc32_is_s_plus_a_minus_p() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_PC32, 0, Target::Global("data_sym"), -4),
        r(elf::R_X86_64_PC32, 4, Target::Global("func"), 100),
        r(elf::R_X86_64_PC32, 8, Target::Near, 0),
    ]);
    assert_eq!(
        i64::from(f.i32_at(0)),
        f.data_sym as i64 - 4 - f.p(0) as i64
    );
    // The code region lies below the data region: a negative displacement.
    assert_eq!(i64::from(f.i32_at(4)), f.func as i64 + 100 - f.p(4) as i64);
    assert!(f.i32_at(4) < 0);
    assert_eq!(i64::from(f.i32_at(8)), (NEAR_OFFSET - 8) as i64);
    f.assert_only_written(&[(0, 4), (4, 4), (8, 4)]);
}

#[test]
fn reloc_plt32_to_program_function_is_direct() {
    let f = fixture_ok(&[r(elf::R_X86_64_PLT32, 0, Target::Global("func"), -4)]);
    // L = S for a function in the heap: no stub.
    assert_eq!(i64::from(f.i32_at(0)), f.func as i64 - 4 - f.p(0) as i64);
    assert_eq!(f.linker.stats().plt_stubs, 0);
    assert_eq!(f.linker.stats().got_entries, 0);
    f.assert_only_written(&[(0, 4)]);
}

#[test]
fn reloc_plt32_to_host_function_goes_through_stub() {
    let f = fixture_ok(&[r(elf::R_X86_64_PLT32, 0, Target::Global("strlen"), -4)]);
    let strlen = dlsym(c"strlen");
    let stub = (f.p(0) as i64 + 4 + i64::from(f.i32_at(0))) as u64;
    assert_ne!(stub, strlen, "host functions are reached through a stub");
    assert_eq!(region_of(&f.linker, stub), Some(Region::Code));
    // The stub is `jmp *slot(%rip)` and the slot holds strlen's address.
    let code = read_bytes(stub, 6);
    assert_eq!(code[..2], [0xff, 0x25], "stub is jmp *rel32(%rip)");
    let disp = i32::from_le_bytes(code[2..6].try_into().unwrap());
    let slot = (stub as i64 + 6 + i64::from(disp)) as u64;
    assert_eq!(region_of(&f.linker, slot), Some(Region::ReadOnly));
    assert_eq!(read::<u64>(slot), strlen);
    // And calling the stub really runs strlen.
    assert_eq!(call_str(stub, c"hello, stub"), 11);
    assert_eq!(f.linker.stats().plt_stubs, 1);
    assert_eq!(f.linker.stats().got_entries, 1);
    f.assert_only_written(&[(0, 4)]);
}

#[test]
fn reloc_gotpcrel_field_points_to_entry_holding_s() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_GOTPCREL, 0, Target::Global("data_sym"), -4),
        r(elf::R_X86_64_GOTPCREL, 4, Target::Global("strlen"), 0),
    ]);
    // G + GOT + A - P: the entry's address is P + field - A.
    let entry =
        f.got_entry_from_offset(f.p(0) as i128 + i128::from(f.i32_at(0)) + 4 - f.got as i128);
    assert_eq!(read::<u64>(entry), f.data_sym);
    let entry = f.got_entry_from_offset(f.p(4) as i128 + i128::from(f.i32_at(4)) - f.got as i128);
    assert_eq!(read::<u64>(entry), dlsym(c"strlen"));
    assert_eq!(f.linker.stats().got_entries, 2);
    f.assert_only_written(&[(0, 4), (4, 4)]);
}

#[test]
fn reloc_gotpcrelx_field_points_to_entry_holding_s() {
    let f = fixture_ok(&[r(elf::R_X86_64_GOTPCRELX, 16, Target::Global("func"), -4)]);
    let entry =
        f.got_entry_from_offset(f.p(16) as i128 + i128::from(f.i32_at(16)) + 4 - f.got as i128);
    assert_eq!(read::<u64>(entry), f.func);
    f.assert_only_written(&[(16, 4)]);
}

#[test]
fn reloc_rex_gotpcrelx_field_points_to_entry_holding_s() {
    let f = fixture_ok(&[
        r(
            elf::R_X86_64_REX_GOTPCRELX,
            20,
            Target::Global("data_sym"),
            -4,
        ),
        r(elf::R_X86_64_REX_GOTPCRELX, 24, Target::Near, 8),
    ]);
    let entry =
        f.got_entry_from_offset(f.p(20) as i128 + i128::from(f.i32_at(20)) + 4 - f.got as i128);
    assert_eq!(read::<u64>(entry), f.data_sym);
    let entry =
        f.got_entry_from_offset(f.p(24) as i128 + i128::from(f.i32_at(24)) - 8 - f.got as i128);
    assert_eq!(read::<u64>(entry), f.near);
    f.assert_only_written(&[(20, 4), (24, 4)]);
}

#[test]
fn reloc_got32_is_entry_offset_from_got_base() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_GOT32, 0, Target::Global("data_sym"), 0),
        r(elf::R_X86_64_GOT32, 4, Target::Global("func"), 16),
    ]);
    let entry = f.got_entry_from_offset(i128::from(f.i32_at(0)));
    assert_eq!(read::<u64>(entry), f.data_sym);
    let entry = f.got_entry_from_offset(i128::from(f.i32_at(4)) - 16);
    assert_eq!(read::<u64>(entry), f.func);
    f.assert_only_written(&[(0, 4), (4, 4)]);
}

/// Links "defs" alone, then a "user" object whose `.data` has one relocation against `target`,
/// which must fail: returns the linker (to look defs' symbols up) and the error.
fn second_batch_error(r_type: u32, target: &str, addend: i64) -> (Linker, LinkError) {
    let mut linker = new_linker();
    link_ok(&mut linker, &[("defs", &defs_object())]);
    let mut b = Builder::new();
    let data = b.section(".data", SectionKind::Data, &[FILL; 16], 8);
    let sym = b.undef(target);
    b.reloc(data, 0, sym, addend, r_type);
    let user = b.build();
    let err = match link(&mut linker, &[("user", &user)]) {
        Ok(_) => panic!("linking must fail"),
        Err(e) => e,
    };
    (linker, err)
}

#[test]
fn reloc_32_to_heap_symbol_overflows() {
    let (linker, err) = second_batch_error(elf::R_X86_64_32, "data_sym", 2);
    let s = linker.lookup("data_sym").unwrap();
    assert!(s > u64::from(u32::MAX), "the heap lies above 4 GiB");
    let msg = err.to_string();
    match err {
        LinkError::Overflow {
            object,
            name,
            symbol,
            value,
        } => {
            assert_eq!(object, "user");
            assert_eq!(name, "R_X86_64_32");
            assert_eq!(symbol, "data_sym");
            assert_eq!(value, i128::from(s) + 2);
        }
        e => panic!("expected an overflow, got: {e}"),
    }
    assert!(msg.contains("R_X86_64_32") && msg.contains("'data_sym'") && msg.contains("user"));
}

#[test]
fn reloc_32s_to_heap_symbol_overflows() {
    let (linker, err) = second_batch_error(elf::R_X86_64_32S, "func", -8);
    let s = linker.lookup("func").unwrap();
    let msg = err.to_string();
    match err {
        LinkError::Overflow {
            object,
            name,
            symbol,
            value,
        } => {
            assert_eq!(object, "user");
            assert_eq!(name, "R_X86_64_32S");
            assert_eq!(symbol, "func");
            assert_eq!(value, i128::from(s) - 8);
        }
        e => panic!("expected an overflow, got: {e}"),
    }
    assert!(
        msg.contains("R_X86_64_32S") && msg.contains("'func'"),
        "{msg}"
    );
}

#[test]
fn reloc_32_and_32s_in_range_for_absolute_symbols() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_32, 0, Target::Abs("a32", 0x1234), 0x10),
        r(elf::R_X86_64_32, 4, Target::Abs("a32max", 0xffff_fff0), 0xf),
        r(elf::R_X86_64_32S, 8, Target::Abs("a32s", 0x7fff_fff0), 0xf),
        r(elf::R_X86_64_32S, 12, Target::Abs("a32s0", 0), -16),
    ]);
    assert_eq!(f.u32_at(0), 0x1244);
    assert_eq!(f.u32_at(4), 0xffff_ffff);
    assert_eq!(f.u32_at(8), 0x7fff_ffff);
    assert_eq!(f.i32_at(12), -16);
    f.assert_only_written(&[(0, 4), (4, 4), (8, 4), (12, 4)]);
    // One past the range.
    expect_overflow(
        &[r(elf::R_X86_64_32, 0, Target::Abs("a", 0xffff_ffff), 1)],
        "R_X86_64_32",
        "a",
        0x1_0000_0000,
    );
    expect_overflow(
        &[r(elf::R_X86_64_32, 0, Target::Abs("a", 0), -1)],
        "R_X86_64_32",
        "a",
        -1,
    );
    expect_overflow(
        &[r(elf::R_X86_64_32S, 0, Target::Abs("a", 0x7fff_ffff), 1)],
        "R_X86_64_32S",
        "a",
        0x8000_0000,
    );
}

#[test]
fn reloc_32s_accepts_sign_extended_absolute_symbol() {
    // psABI: the 64-bit value S + A must sign-extend from the 32-bit field. 0xffff_ffff_ffff_fff0
    // (-16) does; GNU ld and lld accept it (kernel code model addresses live there).
    let f = fixture_ok(&[
        r(
            elf::R_X86_64_32S,
            0,
            Target::Abs("top", 0xffff_ffff_ffff_fff0),
            4,
        ),
        r(elf::R_X86_64_8, 4, Target::Abs("minus1", u64::MAX), 0),
    ]);
    assert_eq!(f.i32_at(0), -12);
    assert_eq!(f.u8_at(4), 0xff);
}

#[test]
fn reloc_16_in_range_and_boundaries() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_16, 0, Target::Abs("w", 0xbeef), 1),
        r(elf::R_X86_64_16, 2, Target::Abs("w0", 0), 0xffff),
        r(elf::R_X86_64_16, 4, Target::Abs("w0", 0), -0x8000),
    ]);
    assert_eq!(f.u16_at(0), 0xbef0);
    assert_eq!(f.u16_at(2), 0xffff);
    assert_eq!(f.u16_at(4), 0x8000);
    f.assert_only_written(&[(0, 2), (2, 2), (4, 2)]);
}

#[test]
fn reloc_16_out_of_range_overflows() {
    let abs = Target::Abs("w0", 0);
    expect_overflow(
        &[r(elf::R_X86_64_16, 0, abs, 0x1_0000)],
        "R_X86_64_16",
        "w0",
        0x1_0000,
    );
    expect_overflow(
        &[r(elf::R_X86_64_16, 0, abs, -0x8001)],
        "R_X86_64_16",
        "w0",
        -0x8001,
    );
    let (linker, err) = second_batch_error(elf::R_X86_64_16, "data_sym", 0);
    match err {
        LinkError::Overflow {
            name,
            symbol,
            value,
            ..
        } => {
            assert_eq!((name, symbol.as_str()), ("R_X86_64_16", "data_sym"));
            assert_eq!(value, i128::from(linker.lookup("data_sym").unwrap()));
        }
        e => panic!("expected an overflow, got: {e}"),
    }
}

#[test]
fn reloc_pc16_in_range() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_PC16, 0, Target::Near, 3),
        r(elf::R_X86_64_PC16, 110, Target::Near, -2),
    ]);
    assert_eq!(f.u16_at(0) as i16, (NEAR_OFFSET + 3) as i16);
    assert_eq!(f.u16_at(110) as i16, NEAR_OFFSET as i16 - 110 - 2);
    f.assert_only_written(&[(0, 2), (110, 2)]);
}

#[test]
fn reloc_pc16_out_of_range_overflows() {
    // From the data region to the code region: hundreds of MiB.
    let (linker, err) = second_batch_error(elf::R_X86_64_PC16, "func", 0);
    match err {
        LinkError::Overflow {
            name,
            symbol,
            value,
            ..
        } => {
            assert_eq!(name, "R_X86_64_PC16");
            assert_eq!(symbol, "func");
            // S - P with P somewhere in the data region, 768 MiB or more above the code.
            let func = i128::from(linker.lookup("func").unwrap());
            let data_start = func + i128::from(CODE_REGION_SIZE + READ_ONLY_REGION_SIZE);
            assert!(value <= func - data_start, "{value:#x}");
        }
        e => panic!("expected an overflow, got: {e}"),
    }
    // Just past the signed 16-bit range, with a nearby symbol.
    let near = Target::Near;
    let lo = -0x8000 - NEAR_OFFSET as i64; // S - P = NEAR_OFFSET for a field at offset 0
    let f = fixture_ok(&[r(elf::R_X86_64_PC16, 0, near, lo)]);
    assert_eq!(f.u16_at(0), 0x8000);
    expect_overflow(
        &[r(elf::R_X86_64_PC16, 0, near, lo - 1)],
        "R_X86_64_PC16",
        "near",
        -0x8001,
    );
    expect_overflow(
        &[r(elf::R_X86_64_PC16, 0, near, 0x8000 - NEAR_OFFSET as i64)],
        "R_X86_64_PC16",
        "near",
        0x8000,
    );
}

#[test]
fn reloc_8_in_range_and_out_of_range() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_8, 0, Target::Abs("b", 0x7f), 0x80),
        r(elf::R_X86_64_8, 1, Target::Abs("b0", 0), -128),
        r(elf::R_X86_64_8, 2, Target::Abs("b", 0x7f), -0x7f),
    ]);
    assert_eq!(f.u8_at(0), 0xff);
    assert_eq!(f.u8_at(1), 0x80);
    assert_eq!(f.u8_at(2), 0);
    f.assert_only_written(&[(0, 1), (1, 1), (2, 1)]);
    expect_overflow(
        &[r(elf::R_X86_64_8, 0, Target::Abs("b", 0x7f), 0x81)],
        "R_X86_64_8",
        "b",
        0x100,
    );
    expect_overflow(
        &[r(elf::R_X86_64_8, 0, Target::Abs("b0", 0), -129)],
        "R_X86_64_8",
        "b0",
        -129,
    );
}

#[test]
fn reloc_pc8_in_range_and_out_of_range() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_PC8, 90, Target::Near, 1),
        r(elf::R_X86_64_PC8, 100, Target::Near, 0),
    ]);
    assert_eq!(f.u8_at(90) as i8, 7);
    assert_eq!(f.u8_at(100) as i8, -4);
    f.assert_only_written(&[(90, 1), (100, 1)]);
    // S - P = 96 for a field at offset 0: 96 + 31 = 127 fits, 96 + 32 = 128 does not.
    let f = fixture_ok(&[r(elf::R_X86_64_PC8, 0, Target::Near, 31)]);
    assert_eq!(f.u8_at(0), 127);
    expect_overflow(
        &[r(elf::R_X86_64_PC8, 0, Target::Near, 32)],
        "R_X86_64_PC8",
        "near",
        128,
    );
    expect_overflow(
        &[r(elf::R_X86_64_PC8, 0, Target::Near, -96 - 129)],
        "R_X86_64_PC8",
        "near",
        -129,
    );
    let (_, err) = second_batch_error(elf::R_X86_64_PC8, "func", 0);
    match err {
        LinkError::Overflow { name, symbol, .. } => {
            assert_eq!((name, symbol.as_str()), ("R_X86_64_PC8", "func"));
        }
        e => panic!("expected an overflow, got: {e}"),
    }
}

#[test]
fn reloc_pc64_is_s_plus_a_minus_p() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_PC64, 0, Target::Global("func"), 7),
        r(elf::R_X86_64_PC64, 8, Target::Global("data_sym"), -8),
        r(elf::R_X86_64_PC64, 16, Target::Global("strlen"), 0),
    ]);
    assert_eq!(f.i64_at(0), f.func as i64 + 7 - f.p(0) as i64);
    assert_eq!(f.i64_at(8), f.data_sym as i64 - 8 - f.p(8) as i64);
    assert_eq!(
        f.u64_at(16),
        dlsym(c"strlen").wrapping_sub(f.p(16)),
        "PC64 to a host symbol uses its address directly (64 bits reach it)"
    );
    f.assert_only_written(&[(0, 8), (8, 8), (16, 8)]);
}

#[test]
fn reloc_gotoff64_is_relative_to_got_base() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_GOTOFF64, 0, Target::Global("data_sym"), 3),
        r(elf::R_X86_64_GOTOFF64, 8, Target::Global("func"), 0),
    ]);
    assert_eq!(f.i64_at(0), f.data_sym as i64 + 3 - f.got as i64);
    assert_eq!(f.i64_at(8), f.func as i64 - f.got as i64);
    assert!(f.i64_at(8) < 0, "code lies below the GOT");
    f.assert_only_written(&[(0, 8), (8, 8)]);
}

#[test]
fn got_base_symbol_is_read_only_region_start() {
    let f = fixture_ok(&[r(
        elf::R_X86_64_64,
        0,
        Target::Global("_GLOBAL_OFFSET_TABLE_"),
        0,
    )]);
    assert_eq!(f.u64_at(0), f.linker.heap().base().0 + 512 * MIB);
    assert_eq!(f.u64_at(0), f.got);
    assert_eq!(f.linker.lookup("_GLOBAL_OFFSET_TABLE_"), None);
}

#[test]
fn reloc_gotpc32_and_gotpc64_are_got_minus_p() {
    let got = Target::Global("_GLOBAL_OFFSET_TABLE_");
    let f = fixture_ok(&[
        r(elf::R_X86_64_GOTPC32, 0, got, 2),
        r(elf::R_X86_64_GOTPC64, 8, got, -2),
        // The formula does not involve S: any symbol gives the same result.
        r(elf::R_X86_64_GOTPC32, 16, Target::Global("func"), 2),
    ]);
    assert_eq!(i64::from(f.i32_at(0)), f.got as i64 + 2 - f.p(0) as i64);
    assert_eq!(f.i64_at(8), f.got as i64 - 2 - f.p(8) as i64);
    assert_eq!(i64::from(f.i32_at(16)), f.got as i64 + 2 - f.p(16) as i64);
    f.assert_only_written(&[(0, 4), (8, 8), (16, 4)]);
}

#[test]
fn reloc_got64_and_gotplt64_are_entry_offsets() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_GOT64, 0, Target::Global("data_sym"), 0),
        r(elf::R_X86_64_GOTPLT64, 8, Target::Global("strlen"), 8),
    ]);
    let entry = f.got_entry_from_offset(i128::from(f.i64_at(0)));
    assert_eq!(read::<u64>(entry), f.data_sym);
    let entry = f.got_entry_from_offset(i128::from(f.i64_at(8)) - 8);
    assert_eq!(read::<u64>(entry), dlsym(c"strlen"));
    f.assert_only_written(&[(0, 8), (8, 8)]);
}

#[test]
fn reloc_gotpcrel64_points_to_entry() {
    let f = fixture_ok(&[r(elf::R_X86_64_GOTPCREL64, 8, Target::Global("func"), -4)]);
    let entry =
        f.got_entry_from_offset(f.p(8) as i128 + i128::from(f.i64_at(8)) + 4 - f.got as i128);
    assert_eq!(read::<u64>(entry), f.func);
    f.assert_only_written(&[(8, 8)]);
}

#[test]
fn reloc_pltoff64_is_plt_entry_minus_got() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_PLTOFF64, 0, Target::Global("func"), 1),
        r(elf::R_X86_64_PLTOFF64, 8, Target::Global("strlen"), 0),
    ]);
    // A program function: L = S.
    assert_eq!(f.i64_at(0), f.func as i64 - f.got as i64 + 1);
    // A host function: L is a stub in the code region that runs strlen.
    let stub = (f.got as i64 + f.i64_at(8)) as u64;
    assert_eq!(region_of(&f.linker, stub), Some(Region::Code));
    assert_eq!(call_str(stub, c"pltoff"), 6);
    assert_eq!(f.linker.stats().plt_stubs, 1);
    f.assert_only_written(&[(0, 8), (8, 8)]);
}

#[test]
fn reloc_size32_and_size64_are_size_plus_addend() {
    let f = fixture_ok(&[
        r(elf::R_X86_64_SIZE64, 0, Target::Global("data_sym"), 3),
        r(elf::R_X86_64_SIZE32, 8, Target::Global("data_sym"), -4),
        r(elf::R_X86_64_SIZE64, 16, Target::Near, 0),
        r(elf::R_X86_64_SIZE32, 24, Target::Global("func"), 0),
    ]);
    assert_eq!(f.u64_at(0), DATA_SYM_SIZE + 3);
    assert_eq!(u64::from(f.u32_at(8)), DATA_SYM_SIZE - 4);
    assert_eq!(f.u64_at(16), 8);
    assert_eq!(f.u32_at(24), 6);
    f.assert_only_written(&[(0, 8), (8, 4), (16, 8), (24, 4)]);
    expect_overflow(
        &[r(elf::R_X86_64_SIZE32, 0, Target::Global("data_sym"), -25)],
        "R_X86_64_SIZE32",
        "data_sym",
        -1,
    );
}

#[test]
fn reloc_none_writes_nothing() {
    let f = fixture_ok(&[r(elf::R_X86_64_NONE, 0, Target::Global("data_sym"), 0)]);
    f.assert_only_written(&[]);
    assert_eq!(f.linker.stats().relocations, 0);
}

extern "C" fn at_exit_noop() {}

#[test]
fn runtime_provided_functions_resolve() {
    // glibc's shared libc does not export `atexit` (it lives in libc_nonshared.a); the runtime
    // provides it.
    let f = fixture_ok(&[r(elf::R_X86_64_64, 0, Target::Global("atexit"), 0)]);
    let atexit = f.u64_at(0);
    assert_ne!(atexit, 0);
    assert_eq!(
        region_of(&f.linker, atexit),
        None,
        "a host function, outside the heap"
    );
    // SAFETY: the runtime's `atexit` has C's signature int(void (*)(void)); registering a no-op
    // handler is harmless.
    let atexit = unsafe {
        std::mem::transmute::<usize, extern "C" fn(extern "C" fn()) -> i32>(atexit as usize)
    };
    assert_eq!(atexit(at_exit_noop), 0);
}

#[test]
fn define_data_provides_weak_data_in_the_heap() {
    let mut linker = new_linker();
    let addr = linker
        .define_data("provided", &0x1122_3344_5566_7788u64.to_le_bytes(), 64)
        .unwrap();
    assert_eq!(region_of(&linker, addr), Some(Region::Data));
    assert_eq!(addr % 64, 0);
    assert_eq!(read::<u64>(addr), 0x1122_3344_5566_7788);
    assert_eq!(linker.lookup("provided"), Some(addr));
    // Code refers to it PC-relative.
    let mut b = Builder::new();
    let text = b.text(&MOV_RIP_RAX);
    b.func("read_provided", text, 0, 8);
    let sym = b.undef("provided");
    b.reloc(text, RIP_FIELD, sym, -4, elf::R_X86_64_PC32);
    link_ok(&mut linker, &[("reader", &b.build())]);
    assert_eq!(
        call0(linker.lookup("read_provided").unwrap()),
        0x1122_3344_5566_7788
    );
    // A program definition of the same name wins.
    let mut linker = new_linker();
    linker.define_data("overridden", &[0; 8], 8).unwrap();
    let linked = link_ok(&mut linker, &[("real", &real_definition("overridden"))]);
    assert_eq!(
        linker.lookup("overridden"),
        Some(sec_addr(&linked[0], ".data"))
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Calling linked code end to end.
// ---------------------------------------------------------------------------------------------

#[test]
fn call_across_objects_through_plt32() {
    // caller: sub rsp,8; call callee; add eax,100; add rsp,8; ret
    let mut caller = Builder::new();
    let mut code = CALL_REL32[..9].to_vec();
    code.extend_from_slice(&[0x83, 0xc0, 0x64]);
    code.extend_from_slice(&CALL_REL32[9..]);
    let text = caller.text(&code);
    caller.func("caller", text, 0, code.len() as u64);
    let callee_sym = caller.undef("callee");
    caller.reloc(text, CALL_REL32_FIELD, callee_sym, -4, elf::R_X86_64_PLT32);
    let caller = caller.build();
    let callee = returning("callee", 23);

    let mut linker = new_linker();
    // The caller comes first: the batch resolves forward references.
    let linked = link_ok(&mut linker, &[("caller", &caller), ("callee", &callee)]);
    let caller_addr = linker.lookup("caller").unwrap();
    assert_eq!(caller_addr, sec_addr(&linked[0], ".text"));
    assert_eq!(call0(caller_addr), 123);
    assert_eq!(linker.stats().plt_stubs, 0);
    assert_eq!(linker.stats().objects, 2);
}

#[test]
fn call_libc_strlen_through_plt() {
    // len(s) = strlen(s), then a second function computes strlen of a string in .rodata.
    let mut b = Builder::new();
    let mut code = CALL_REL32.to_vec();
    code.resize(16, 0xcc);
    // rodata_len: sub rsp,8; lea msg(%rip),%rdi; call strlen; add rsp,8; ret
    code.extend_from_slice(&[0x48, 0x83, 0xec, 0x08]);
    code.extend_from_slice(&[0x48, 0x8d, 0x3d, 0, 0, 0, 0]); // lea rel32(%rip), %rdi (field 23)
    code.extend_from_slice(&[0xe8, 0, 0, 0, 0]); // call (field 28)
    code.extend_from_slice(&[0x48, 0x83, 0xc4, 0x08, 0xc3]);
    let text = b.text(&code);
    b.func("len", text, 0, 14);
    b.func("rodata_len", text, 16, 21);
    let rodata = b.section(
        ".rodata.str1.1",
        SectionKind::ReadOnlyString,
        b"seventeen bytes!!\0",
        1,
    );
    let msg = b.local("msg", rodata, 0, 18);
    let strlen = b.undef("strlen");
    b.reloc(text, CALL_REL32_FIELD, strlen, -4, elf::R_X86_64_PLT32);
    b.reloc(text, 23, msg, -4, elf::R_X86_64_PC32);
    b.reloc(text, 28, strlen, -4, elf::R_X86_64_PLT32);
    let obj = b.build();

    let mut linker = new_linker();
    link_ok(&mut linker, &[("strlen_user", &obj)]);
    let len = linker.lookup("len").unwrap();
    assert_eq!(call_str(len, c"irjit"), 5);
    assert_eq!(call_str(len, c""), 0);
    assert_eq!(call0(linker.lookup("rodata_len").unwrap()), 17);
    assert_eq!(linker.stats().plt_stubs, 1, "both calls share one stub");
    assert_eq!(
        linker.lookup("strlen"),
        None,
        "lookup sees program symbols only"
    );
}

#[test]
fn call_through_gotpcrelx_and_load_through_rex_gotpcrelx() {
    let mut b = Builder::new();
    let mut code = CALL_INDIRECT_RIP.to_vec();
    code.resize(16, 0xcc);
    code.extend_from_slice(&MOV_RIP_RAX);
    let text = b.text(&code);
    b.func("indirect_strlen", text, 0, 15);
    b.func("load_target", text, 16, 8);
    let strlen = b.undef("strlen");
    let target = b.undef("target");
    b.reloc(
        text,
        CALL_INDIRECT_RIP_FIELD,
        strlen,
        -4,
        elf::R_X86_64_GOTPCRELX,
    );
    b.reloc(
        text,
        16 + RIP_FIELD,
        target,
        -4,
        elf::R_X86_64_REX_GOTPCRELX,
    );
    let user = b.build();
    let target = returning("target", 1);

    let mut linker = new_linker();
    link_ok(&mut linker, &[("user", &user), ("target", &target)]);
    assert_eq!(
        call_str(linker.lookup("indirect_strlen").unwrap(), c"four"),
        4
    );
    assert_eq!(
        call0(linker.lookup("load_target").unwrap()),
        linker.lookup("target").unwrap()
    );
    assert_eq!(linker.stats().plt_stubs, 0, "GOT loads need no stub");
    assert_eq!(linker.stats().got_entries, 2);
}

#[test]
fn later_batch_calls_function_linked_earlier() {
    let mut linker = new_linker();
    link_ok(&mut linker, &[("first", &returning("early", 7))]);
    let mut b = Builder::new();
    let text = b.text(&CALL_REL32);
    b.func("late", text, 0, 14);
    let early = b.undef("early");
    b.reloc(text, CALL_REL32_FIELD, early, -4, elf::R_X86_64_PLT32);
    let late = b.build();
    link_ok(&mut linker, &[("second", &late)]);
    assert_eq!(call0(linker.lookup("late").unwrap()), 7);
    assert_eq!(linker.stats().objects, 2);
}

// ---------------------------------------------------------------------------------------------
// 3. Data, local symbols, section symbols, .bss, alignment, mergeable strings.
// ---------------------------------------------------------------------------------------------

#[test]
fn cross_object_data_references() {
    // "owner" defines counter = 41 and a read-only table pointing at it and at `reader`.
    let mut owner = Builder::new();
    let data = owner.section(".data", SectionKind::Data, &41u64.to_le_bytes(), 8);
    owner.data("counter", data, 0, 8);
    let rodata = owner.section(".rodata", SectionKind::ReadOnlyData, &[0; 16], 8);
    owner.data("table", rodata, 0, 16);
    let counter = owner.obj.symbol_id(b"counter").unwrap();
    owner.reloc(rodata, 0, counter, 0, elf::R_X86_64_64);
    let reader_sym = owner.undef("reader");
    owner.reloc(rodata, 8, reader_sym, 0, elf::R_X86_64_64);
    let owner = owner.build();

    // "user": reader() returns counter's value; addr() returns its address; .data holds a
    // pointer to counter + 4.
    let mut user = Builder::new();
    let mut code = MOV_RIP_RAX.to_vec();
    code.extend_from_slice(&LEA_RIP_RAX);
    let text = user.text(&code);
    user.func("reader", text, 0, 8);
    user.func("addr", text, 8, 8);
    let counter = user.undef("counter");
    user.reloc(text, RIP_FIELD, counter, -4, elf::R_X86_64_PC32);
    user.reloc(text, 8 + RIP_FIELD, counter, -4, elf::R_X86_64_PC32);
    let udata = user.section(".data", SectionKind::Data, &[0; 8], 8);
    user.reloc(udata, 0, counter, 4, elf::R_X86_64_64);
    let user = user.build();

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("user", &user), ("owner", &owner)]);
    let counter = linker.lookup("counter").unwrap();
    assert_eq!(counter, sec_addr(&linked[1], ".data"));
    assert_eq!(call0(linker.lookup("reader").unwrap()), 41);
    assert_eq!(call0(linker.lookup("addr").unwrap()), counter);
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data")), counter + 4);
    let table = linker.lookup("table").unwrap();
    assert_eq!(region_of(&linker, table), Some(Region::ReadOnly));
    assert_eq!(read::<u64>(table), counter);
    assert_eq!(read::<u64>(table + 8), linker.lookup("reader").unwrap());
}

#[test]
fn local_symbols_are_private_to_their_object() {
    // Two objects each with a local `helper` (different values), a third with a global one.
    fn with_local(value: u32, entry: &str) -> Vec<u8> {
        let mut b = Builder::new();
        let mut code = ret_imm(value);
        code.resize(16, 0xcc);
        code.extend_from_slice(&CALL_REL32);
        let text = b.text(&code);
        let helper = b.local_func("helper", text, 0, 6);
        b.func(entry, text, 16, 14);
        b.reloc(text, 16 + CALL_REL32_FIELD, helper, -4, elf::R_X86_64_PC32);
        b.build()
    }
    let a = with_local(1, "entry_a");
    let b = with_local(2, "entry_b");
    let g = returning("helper", 3);
    let mut caller = Builder::new();
    let text = caller.text(&CALL_REL32);
    caller.func("entry_g", text, 0, 14);
    let helper = caller.undef("helper");
    caller.reloc(text, CALL_REL32_FIELD, helper, -4, elf::R_X86_64_PLT32);
    let caller = caller.build();

    let mut linker = new_linker();
    let linked = link_ok(
        &mut linker,
        &[("a", &a), ("b", &b), ("g", &g), ("caller", &caller)],
    );
    assert_eq!(call0(linker.lookup("entry_a").unwrap()), 1);
    assert_eq!(call0(linker.lookup("entry_b").unwrap()), 2);
    assert_eq!(call0(linker.lookup("entry_g").unwrap()), 3);
    assert_eq!(
        linker.lookup("helper").unwrap(),
        sec_addr(&linked[2], ".text")
    );
}

#[test]
fn section_symbols_with_addends() {
    let mut b = Builder::new();
    let rodata = b.section(
        ".rodata.str1.1",
        SectionKind::ReadOnlyString,
        b"hello\0world\0",
        1,
    );
    let data = b.section(".data", SectionKind::Data, &[0; 16], 8);
    let values = b.section(
        ".data.values",
        SectionKind::Data,
        &[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0],
        4,
    );
    let rodata_sym = b.section_symbol(rodata);
    let values_sym = b.section_symbol(values);
    b.reloc(data, 0, rodata_sym, 6, elf::R_X86_64_64);
    b.reloc(data, 8, values_sym, 8, elf::R_X86_64_64);
    // get_third(): mov .data.values+8(%rip) via PC32 (A = 8 - 4), returns 3 in eax.
    let text = b.text(&[0x8b, 0x05, 0, 0, 0, 0, 0xc3]); // mov rel32(%rip), %eax; ret
    b.func("get_third", text, 0, 7);
    b.reloc(text, 2, values_sym, 8 - 4, elf::R_X86_64_PC32);
    let obj = b.build();

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("sections", &obj)]);
    let d = sec_addr(&linked[0], ".data");
    let strings = sec_addr(&linked[0], ".rodata.str1.1");
    assert_eq!(read::<u64>(d), strings + 6);
    assert_eq!(read_cstr(read::<u64>(d)), "world");
    assert_eq!(read::<u64>(d + 8), sec_addr(&linked[0], ".data.values") + 8);
    assert_eq!(read::<u32>(read::<u64>(d + 8)), 3);
    assert_eq!(call0(linker.lookup("get_third").unwrap()) as u32, 3);
}

#[test]
fn bss_is_reserved_zeroed_and_writable() {
    let mut b = Builder::new();
    let bss = b.bss(".bss", 1000, 16);
    b.data("zeros", bss, 0, 1000);
    let data = b.section(".data", SectionKind::Data, &[0x5a; 32], 1);
    b.data("after", data, 0, 32);
    let obj = b.build();

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("bss", &obj)]);
    let placed = sec(&linked[0], ".bss");
    assert_eq!(
        placed.size, 1000,
        "NOBITS size is its sh_size, not its (empty) file data"
    );
    assert_eq!(placed.region, Region::Data);
    let zeros = linker.lookup("zeros").unwrap();
    assert_eq!(zeros, placed.addr.0);
    assert_eq!(zeros % 16, 0);
    assert!(read_bytes(zeros, 1000).iter().all(|&b| b == 0));
    // The next allocation does not overlap it.
    let after = linker.lookup("after").unwrap();
    assert!(after >= zeros + 1000 || after + 32 <= zeros);
    assert_eq!(read_bytes(after, 32), vec![0x5a; 32]);
    // Writable program data.
    // SAFETY: `zeros` is a 1000-byte .bss object in the live heap's read-write data region.
    unsafe { std::ptr::write_bytes(zeros as *mut u8, 0x77, 1000) };
    assert_eq!(read::<u8>(zeros + 999), 0x77);
    assert_eq!(read_bytes(after, 32), vec![0x5a; 32]);
}

#[test]
fn section_alignment_is_honoured_in_every_region() {
    let mut b = Builder::new();
    // An odd-sized section first in each region, so that alignment has work to do.
    b.section(".text", SectionKind::Text, &[0xc3], 1);
    b.section(".text.page", SectionKind::Text, &[0xc3; 3], 4096);
    b.section(".text.line", SectionKind::Text, &[0xc3; 5], 64);
    b.section(".rodata", SectionKind::ReadOnlyData, &[1], 1);
    b.section(".rodata.page", SectionKind::ReadOnlyData, &[2; 3], 4096);
    b.section(".rodata.line", SectionKind::ReadOnlyData, &[3; 5], 64);
    b.section(".data", SectionKind::Data, &[1], 1);
    b.section(".data.page", SectionKind::Data, &[2; 3], 4096);
    b.section(".data.line", SectionKind::Data, &[3; 5], 64);
    b.bss(".bss.page", 10, 4096);
    b.bss(".bss.line", 10, 64);
    let obj = b.build();

    let mut linker = new_linker();
    // Link a one-byte object first so the regions do not start aligned by accident.
    link_ok(&mut linker, &[("pad", &returning("pad_fn", 0))]);
    let linked = link_ok(&mut linker, &[("aligned", &obj)]);
    for s in &linked[0].sections {
        let align = if s.name.ends_with(".page") {
            4096
        } else if s.name.ends_with(".line") {
            64
        } else {
            1
        };
        assert_eq!(
            s.addr.0 % align,
            0,
            "{} at {} not {align}-aligned",
            s.name,
            s.addr
        );
    }
    assert_eq!(read_bytes(sec_addr(&linked[0], ".rodata.page"), 3), [2; 3]);
    assert_eq!(read_bytes(sec_addr(&linked[0], ".data.line"), 5), [3; 5]);
}

#[test]
fn mergeable_strings_are_loaded_read_only() {
    let mut b = Builder::new();
    let strings = b.section(
        ".rodata.str1.1",
        SectionKind::ReadOnlyString,
        b"alpha\0beta\0gamma\0",
        1,
    );
    let text = b.text(&LEA_RIP_RAX);
    b.func("gamma", text, 0, 8);
    let sym = b.section_symbol(strings);
    b.reloc(text, RIP_FIELD, sym, 11 - 4, elf::R_X86_64_PC32);
    let obj = b.build();
    // The writer marks ReadOnlyString sections SHF_MERGE | SHF_STRINGS.
    let file = object::read::elf::ElfFile64::<object::LittleEndian>::parse(&*obj).unwrap();
    use object::{Object as _, ObjectSection as _};
    let flags = file.section_by_name(".rodata.str1.1").unwrap().flags();
    assert_eq!(
        flags,
        object::SectionFlags::Elf {
            sh_flags: u64::from(elf::SHF_ALLOC | elf::SHF_MERGE | elf::SHF_STRINGS)
        }
    );

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("strings", &obj)]);
    let placed = sec(&linked[0], ".rodata.str1.1");
    assert_eq!(placed.region, Region::ReadOnly);
    assert_eq!(placed.size, 17);
    assert_eq!(read_bytes(placed.addr.0, 17), b"alpha\0beta\0gamma\0");
    let s = call0(linker.lookup("gamma").unwrap());
    assert_eq!(s, placed.addr.0 + 11);
    assert_eq!(read_cstr(s), "gamma");
}

#[test]
fn sections_go_to_regions_by_flags() {
    let mut b = Builder::new();
    let text = b.text(&ret_imm(1));
    b.func("f", text, 0, 6);
    b.section(".rodata", SectionKind::ReadOnlyData, &[1; 8], 8);
    b.section(".data", SectionKind::Data, &[2; 8], 8);
    b.bss(".bss", 8, 8);
    // .data.rel.ro is writable in the file but read-only once relocated.
    let relro = b.section(".data.rel.ro", SectionKind::ReadOnlyDataWithRel, &[0; 8], 8);
    let f = b.obj.symbol_id(b"f").unwrap();
    b.reloc(relro, 0, f, 0, elf::R_X86_64_64);
    let relro_local = b.section(
        ".data.rel.ro.local",
        SectionKind::ReadOnlyDataWithRel,
        &[0; 8],
        8,
    );
    b.reloc(relro_local, 0, f, 2, elf::R_X86_64_64);
    let obj = b.build();

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("regions", &obj)]);
    let expect = [
        (".text", Region::Code),
        (".rodata", Region::ReadOnly),
        (".data", Region::Data),
        (".bss", Region::Data),
        (".data.rel.ro", Region::ReadOnly),
        (".data.rel.ro.local", Region::ReadOnly),
    ];
    for (name, region) in expect {
        let s = sec(&linked[0], name);
        assert_eq!(s.region, region, "{name}");
        assert_eq!(region_of(&linker, s.addr.0), Some(region), "{name} address");
    }
    let f = linker.lookup("f").unwrap();
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data.rel.ro")), f);
    assert_eq!(
        read::<u64>(sec_addr(&linked[0], ".data.rel.ro.local")),
        f + 2
    );
    let stats = linker.stats();
    assert!(stats.bytes[0] >= 6 && stats.bytes[1] >= 24 && stats.bytes[2] >= 16);
}

#[test]
fn linked_object_reports_functions_and_sections() {
    let mut b = Builder::new();
    let mut code = ret_imm(1);
    code.resize(16, 0xcc);
    code.extend_from_slice(&ret_imm(2));
    let text = b.text(&code);
    b.func("one", text, 0, 6);
    b.local_func("two_local", text, 16, 6);
    let data = b.section(".data", SectionKind::Data, &[0; 4], 4);
    b.data("not_a_function", data, 0, 4);
    let obj = b.build();
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("report", &obj)]);
    let lo = &linked[0];
    assert_eq!(lo.name, "report");
    let text = sec_addr(lo, ".text");
    let mut funcs: Vec<(String, u64, u64)> = lo
        .functions
        .iter()
        .map(|f| (f.name.clone(), f.addr, f.size))
        .collect();
    funcs.sort();
    assert_eq!(
        funcs,
        vec![
            ("one".to_string(), text, 6),
            ("two_local".to_string(), text + 16, 6)
        ]
    );
    assert_eq!(sec(lo, ".text").size, 22);
    assert_eq!(sec(lo, ".data").size, 4);
    assert_eq!(lo.sections.len(), 2, "only SHF_ALLOC sections are reported");
    assert_eq!(
        linker.lookup("two_local"),
        None,
        "locals are not global symbols"
    );
}

#[test]
fn non_alloc_sections_and_their_relocations_are_skipped() {
    let mut b = Builder::new();
    let text = b.text(&ret_imm(5));
    b.func("f", text, 0, 6);
    let debug = b.section(".debug_info", SectionKind::Debug, &[0; 16], 1);
    // A relocation against a symbol nobody defines: harmless in a section that is not loaded.
    let missing = b.undef("irjit_test_symbol_only_debug_info_needs");
    b.reloc(debug, 0, missing, 0, elf::R_X86_64_64);
    b.reloc(debug, 8, missing, 0, elf::R_X86_64_32);
    b.section(".comment", SectionKind::OtherString, b"clang\0", 1);
    b.section(
        ".note.GNU-stack",
        SectionKind::Elf(elf::SHT_PROGBITS),
        &[],
        1,
    );
    b.section(".llvm_addrsig", SectionKind::Elf(0x6fff_4c03), &[], 1);
    b.section(
        ".unknown_nonalloc",
        SectionKind::Elf(0x7000_1234),
        &[1, 2, 3],
        1,
    );
    let obj = b.build();
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("debug", &obj)]);
    let names: Vec<&str> = linked[0].sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, [".text"]);
    assert_eq!(call0(linker.lookup("f").unwrap()), 5);
    assert_eq!(linker.stats().relocations, 0);
}

// ---------------------------------------------------------------------------------------------
// 4. GOT and PLT sharing.
// ---------------------------------------------------------------------------------------------

#[test]
fn got_and_plt_entries_are_shared() {
    // a: two functions calling strlen through PLT32, one loading strlen's GOT entry.
    let mut a = Builder::new();
    let mut code = CALL_REL32.to_vec();
    code.resize(16, 0xcc);
    code.extend_from_slice(&CALL_REL32);
    code.resize(32, 0xcc);
    code.extend_from_slice(&MOV_RIP_RAX);
    let text = a.text(&code);
    a.func("len1", text, 0, 14);
    a.func("len2", text, 16, 14);
    a.func("strlen_ptr", text, 32, 8);
    let strlen = a.undef("strlen");
    a.reloc(text, CALL_REL32_FIELD, strlen, -4, elf::R_X86_64_PLT32);
    a.reloc(text, 16 + CALL_REL32_FIELD, strlen, -4, elf::R_X86_64_PLT32);
    a.reloc(
        text,
        32 + RIP_FIELD,
        strlen,
        -4,
        elf::R_X86_64_REX_GOTPCRELX,
    );
    let a = a.build();
    // b: one more PLT32 call and one GOTPCREL load.
    let mut b = Builder::new();
    let mut code = CALL_REL32.to_vec();
    code.resize(16, 0xcc);
    code.extend_from_slice(&MOV_RIP_RAX);
    let text = b.text(&code);
    b.func("len3", text, 0, 14);
    b.func("strlen_ptr2", text, 16, 8);
    let strlen = b.undef("strlen");
    b.reloc(text, CALL_REL32_FIELD, strlen, -4, elf::R_X86_64_PLT32);
    b.reloc(text, 16 + RIP_FIELD, strlen, -4, elf::R_X86_64_GOTPCREL);
    let b = b.build();

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("a", &a), ("b", &b)]);
    let stats = linker.stats();
    assert_eq!(stats.plt_stubs, 1, "one stub for strlen");
    assert_eq!(
        stats.got_entries, 1,
        "the stub's slot is strlen's GOT entry"
    );
    assert_eq!(stats.relocations, 5);

    let rel32_target =
        |field: u64| -> u64 { (field as i64 + 4 + i64::from(read::<i32>(field))) as u64 };
    let a_text = sec_addr(&linked[0], ".text");
    let b_text = sec_addr(&linked[1], ".text");
    let stub = rel32_target(a_text + CALL_REL32_FIELD);
    assert_eq!(rel32_target(a_text + 16 + CALL_REL32_FIELD), stub);
    assert_eq!(rel32_target(b_text + CALL_REL32_FIELD), stub);
    let entry = rel32_target(a_text + 32 + RIP_FIELD);
    assert_eq!(rel32_target(b_text + 16 + RIP_FIELD), entry);
    let stub_slot = (stub as i64 + 6 + i64::from(read::<i32>(stub + 2))) as u64;
    assert_eq!(stub_slot, entry);
    let strlen = dlsym(c"strlen");
    assert_eq!(read::<u64>(entry), strlen);
    for f in ["len1", "len2", "len3"] {
        assert_eq!(call_str(linker.lookup(f).unwrap(), c"shared"), 6, "{f}");
    }
    assert_eq!(call0(linker.lookup("strlen_ptr").unwrap()), strlen);
    assert_eq!(call0(linker.lookup("strlen_ptr2").unwrap()), strlen);

    // A later batch reuses them; new targets get new entries, one per target.
    let mut c = Builder::new();
    let mut code = CALL_REL32.to_vec();
    code.extend_from_slice(&[0; 32]);
    let text = c.text(&code);
    c.func("len4", text, 0, 14);
    let strlen = c.undef("strlen");
    c.reloc(text, CALL_REL32_FIELD, strlen, -4, elf::R_X86_64_PLT32);
    let abs_fn = c.undef("abs");
    c.reloc(text, 16, abs_fn, -4, elf::R_X86_64_PLT32);
    c.reloc(text, 20, abs_fn, -4, elf::R_X86_64_PLT32);
    let data = c.section(".data", SectionKind::Data, &[0; 8], 8);
    c.data("program_var", data, 0, 8);
    let var = c.obj.symbol_id(b"program_var").unwrap();
    c.reloc(text, 24, var, -4, elf::R_X86_64_GOTPCREL);
    c.reloc(text, 28, var, -4, elf::R_X86_64_REX_GOTPCRELX);
    let c = c.build();
    let linked = link_ok(&mut linker, &[("c", &c)]);
    let stats = linker.stats();
    assert_eq!(stats.plt_stubs, 2, "strlen's stub reused, one new for abs");
    assert_eq!(
        stats.got_entries, 3,
        "abs's slot and one entry for program_var"
    );
    let c_text = sec_addr(&linked[0], ".text");
    assert_eq!(rel32_target(c_text + CALL_REL32_FIELD), stub);
    assert_eq!(rel32_target(c_text + 16), rel32_target(c_text + 20));
    assert_ne!(rel32_target(c_text + 16), stub);
    assert_eq!(rel32_target(c_text + 24), rel32_target(c_text + 28));
    assert_eq!(
        read::<u64>(rel32_target(c_text + 24)),
        linker.lookup("program_var").unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Weak definitions, duplicates, undefined weak references.
// ---------------------------------------------------------------------------------------------

/// An object defining `shared` (weak or strong, returning `value`) and `call_<tag>` calling it.
fn shared_definer(tag: &str, value: u32, weak: bool) -> Vec<u8> {
    let mut b = Builder::new();
    let mut code = ret_imm(value);
    code.resize(16, 0xcc);
    code.extend_from_slice(&CALL_REL32);
    let text = b.text(&code);
    let shared = if weak {
        b.weak_func("shared", text, 0, 6)
    } else {
        b.func("shared", text, 0, 6)
    };
    b.func(&format!("call_{tag}"), text, 16, 14);
    b.reloc(text, 16 + CALL_REL32_FIELD, shared, -4, elf::R_X86_64_PLT32);
    // A data size reference too: SIZE64 uses the winning definition's size.
    let data = b.section(".data", SectionKind::Data, &[0; 16], 8);
    b.reloc(data, 0, shared, 0, elf::R_X86_64_64);
    b.build()
}

#[test]
fn weak_definition_is_overridden_by_later_strong_in_same_batch() {
    let weak = shared_definer("weak", 1, true);
    let strong = shared_definer("strong", 2, false);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("weak", &weak), ("strong", &strong)]);
    let strong_text = sec_addr(&linked[1], ".text");
    assert_eq!(linker.lookup("shared").unwrap(), strong_text);
    assert_eq!(call0(linker.lookup("call_weak").unwrap()), 2);
    assert_eq!(call0(linker.lookup("call_strong").unwrap()), 2);
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data")), strong_text);
    assert_eq!(read::<u64>(sec_addr(&linked[1], ".data")), strong_text);
}

#[test]
fn strong_definition_wins_over_later_weak() {
    let strong = shared_definer("strong", 2, false);
    let weak = shared_definer("weak", 1, true);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("strong", &strong), ("weak", &weak)]);
    assert_eq!(
        linker.lookup("shared").unwrap(),
        sec_addr(&linked[0], ".text")
    );
    assert_eq!(call0(linker.lookup("call_weak").unwrap()), 2);
    // Across batches too.
    let weak2 = shared_definer("weak2", 3, true);
    link_ok(&mut linker, &[("weak2", &weak2)]);
    assert_eq!(call0(linker.lookup("call_weak2").unwrap()), 2);
}

#[test]
fn first_of_two_weak_definitions_wins() {
    let w1 = shared_definer("w1", 1, true);
    let w2 = shared_definer("w2", 3, true);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("w1", &w1), ("w2", &w2)]);
    assert_eq!(
        linker.lookup("shared").unwrap(),
        sec_addr(&linked[0], ".text")
    );
    assert_eq!(call0(linker.lookup("call_w1").unwrap()), 1);
    assert_eq!(call0(linker.lookup("call_w2").unwrap()), 1);
}

#[test]
fn two_strong_definitions_are_a_duplicate_symbol_error() {
    let one = returning("dup", 1);
    let two = returning("dup", 2);
    match link_err(&[("one", &one), ("two", &two)]) {
        LinkError::DuplicateSymbol {
            symbol,
            first,
            second,
        } => {
            assert_eq!(symbol, "dup");
            assert_eq!(first, "one");
            assert_eq!(second, "two");
        }
        e => panic!("expected DuplicateSymbol, got: {e}"),
    }
    // Across batches.
    let mut linker = new_linker();
    link_ok(&mut linker, &[("one", &one)]);
    match link(&mut linker, &[("three", &two)]) {
        Err(LinkError::DuplicateSymbol {
            symbol,
            first,
            second,
        }) => assert_eq!((&*symbol, &*first, &*second), ("dup", "one", "three")),
        other => panic!("expected DuplicateSymbol, got {:?}", other.err()),
    }
    let msg = link_err(&[("one", &one), ("two", &two)]).to_string();
    assert!(
        msg.contains("'dup'") && msg.contains("one") && msg.contains("two"),
        "{msg}"
    );
}

#[test]
fn undefined_weak_reference_resolves_to_zero() {
    let missing = Target::WeakUndef("irjit_test_missing_weak_symbol");
    let f = fixture_ok(&[
        r(elf::R_X86_64_64, 0, missing, 0),
        r(elf::R_X86_64_64, 8, missing, 16),
        r(elf::R_X86_64_GOTPCREL, 16, missing, -4),
        r(elf::R_X86_64_PC64, 24, missing, 0),
        r(elf::R_X86_64_SIZE64, 32, missing, 1),
    ]);
    assert_eq!(f.u64_at(0), 0);
    assert_eq!(f.u64_at(8), 16);
    let entry =
        f.got_entry_from_offset(f.p(16) as i128 + i128::from(f.i32_at(16)) + 4 - f.got as i128);
    assert_eq!(
        read::<u64>(entry),
        0,
        "the GOT entry of an undefined weak symbol is null"
    );
    assert_eq!(f.u64_at(24), 0u64.wrapping_sub(f.p(24)));
    assert_eq!(f.u64_at(32), 1);
    assert_eq!(f.linker.lookup("irjit_test_missing_weak_symbol"), None);
    f.assert_only_written(&[(0, 8), (8, 8), (16, 4), (24, 8), (32, 8)]);
}

// ---------------------------------------------------------------------------------------------
// 6. Undefined symbols.
// ---------------------------------------------------------------------------------------------

#[test]
fn undefined_symbol_error_names_symbol_and_object() {
    for r_type in [
        elf::R_X86_64_PLT32,
        elf::R_X86_64_64,
        elf::R_X86_64_GOTPCREL,
    ] {
        let mut b = Builder::new();
        let text = b.text(&CALL_REL32);
        b.func("needy_fn", text, 0, 14);
        let missing = b.undef("irjit_test_definitely_missing");
        b.reloc(text, CALL_REL32_FIELD, missing, -4, r_type);
        let needy = b.build();
        let ok = returning("fine", 0);
        match link_err(&[("fine", &ok), ("needy", &needy)]) {
            LinkError::UndefinedSymbol { symbol, needed_by } => {
                assert_eq!(symbol, "irjit_test_definitely_missing");
                assert_eq!(needed_by, "needy");
            }
            e => panic!("expected UndefinedSymbol, got: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 7. COMDAT groups.
// ---------------------------------------------------------------------------------------------

/// An object carrying COMDAT group `inl` = { .text.inl (function `inl` returning `value`),
/// .data.inl (a pointer to an undefined symbol when `poison`) }, plus `.text` calling `inl` from
/// `call_<tag>` and a `.data` pointer to `inl`.
fn comdat_object(tag: &str, value: u32, poison: bool) -> Vec<u8> {
    let mut b = Builder::new();
    let text_inl = b.section(".text.inl", SectionKind::Text, &ret_imm(value), 16);
    // A strong definition: the discarded copy must not count as a duplicate.
    let inl = b.func("inl", text_inl, 0, 6);
    let data_inl = b.section(".data.inl", SectionKind::Data, &[0; 8], 8);
    if poison {
        let missing = b.undef("irjit_test_only_the_discarded_copy_needs_this");
        b.reloc(data_inl, 0, missing, 0, elf::R_X86_64_64);
    } else {
        b.reloc(data_inl, 0, inl, 0, elf::R_X86_64_64);
    }
    b.obj.add_comdat(Comdat {
        kind: ComdatKind::Any,
        symbol: inl,
        sections: vec![text_inl, data_inl],
    });
    let text = b.text(&CALL_REL32);
    b.func(&format!("call_{tag}"), text, 0, 14);
    b.reloc(text, CALL_REL32_FIELD, inl, -4, elf::R_X86_64_PLT32);
    let data = b.section(".data", SectionKind::Data, &[0; 8], 8);
    b.reloc(data, 0, inl, 0, elf::R_X86_64_64);
    b.build()
}

#[test]
fn comdat_second_copy_is_discarded() {
    let first = comdat_object("first", 1, false);
    let second = comdat_object("second", 2, true);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("first", &first), ("second", &second)]);
    let kept = sec_addr(&linked[0], ".text.inl");
    assert_eq!(linker.lookup("inl").unwrap(), kept);
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data.inl")), kept);
    for name in [".text.inl", ".data.inl"] {
        assert!(
            !linked[1].sections.iter().any(|s| s.name == name),
            "the second copy's {name} is discarded"
        );
    }
    assert!(!linked[1].functions.iter().any(|f| f.name == "inl"));
    assert_eq!(call0(linker.lookup("call_first").unwrap()), 1);
    assert_eq!(call0(linker.lookup("call_second").unwrap()), 1);
    assert_eq!(read::<u64>(sec_addr(&linked[1], ".data")), kept);

    // A later batch's copy is discarded too.
    let third = comdat_object("third", 3, true);
    let linked = link_ok(&mut linker, &[("third", &third)]);
    assert!(!linked[0].sections.iter().any(|s| s.name == ".text.inl"));
    assert_eq!(call0(linker.lookup("call_third").unwrap()), 1);
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data")), kept);
}

#[repr(C)]
struct DwarfEhBases {
    tbase: *mut c_void,
    dbase: *mut c_void,
    func: *mut c_void,
}

extern "C" {
    // libgcc_s (linked into every Rust program on linux-gnu): the FDE covering `pc`, or null.
    fn _Unwind_Find_FDE(pc: *mut c_void, bases: *mut DwarfEhBases) -> *const c_void;
}

/// The (FDE address, function start) the unwinder finds for `pc`, if any.
fn find_fde(pc: u64) -> Option<(u64, u64)> {
    let mut bases = DwarfEhBases {
        tbase: std::ptr::null_mut(),
        dbase: std::ptr::null_mut(),
        func: std::ptr::null_mut(),
    };
    // SAFETY: `_Unwind_Find_FDE` only reads registered unwind tables and fills `bases`.
    let fde = unsafe { _Unwind_Find_FDE(pc as *mut c_void, &mut bases) };
    (!fde.is_null()).then_some((fde as u64, bases.func as u64))
}

/// A minimal `.eh_frame`: one CIE (augmentation "zR", pcrel|sdata4 pointers) and one FDE whose
/// pc_begin field (offset 32) must be relocated with R_X86_64_PC32 to the function.
const FDE_OFFSET: u64 = 24;
const FDE_PC_BEGIN: u64 = 32;
fn eh_frame_bytes(pc_range: u32) -> Vec<u8> {
    let mut v = Vec::new();
    // CIE
    v.extend_from_slice(&20u32.to_le_bytes()); // length
    v.extend_from_slice(&0u32.to_le_bytes()); // CIE id
    v.push(1); // version
    v.extend_from_slice(b"zR\0");
    v.extend_from_slice(&[1, 0x78, 16]); // code align 1, data align -8, return address r16
    v.extend_from_slice(&[1, 0x1b]); // augmentation data: FDE encoding pcrel|sdata4
    v.extend_from_slice(&[0x0c, 7, 8]); // DW_CFA_def_cfa rsp+8
    v.extend_from_slice(&[0x90, 1]); // DW_CFA_offset r16, cfa-8
    v.extend_from_slice(&[0, 0]); // padding
    assert_eq!(v.len() as u64, FDE_OFFSET);
    // FDE
    v.extend_from_slice(&20u32.to_le_bytes()); // length
    v.extend_from_slice(&28u32.to_le_bytes()); // CIE pointer: back to offset 0
    v.extend_from_slice(&0u32.to_le_bytes()); // pc_begin (relocated)
    v.extend_from_slice(&pc_range.to_le_bytes());
    v.push(0); // augmentation data length
    v.extend_from_slice(&[0; 7]); // padding
    assert_eq!(v.len(), 48);
    v
}

#[test]
fn comdat_copy_with_eh_frame_fde_is_discarded_cleanly() {
    // What clang emits for a C++ inline function in two units: the FDE in .eh_frame (not in the
    // group) refers to the COMDAT text section through its (local) section symbol.
    fn unit(tag: &str, value: u32) -> Vec<u8> {
        let mut b = Builder::new();
        let text_inl = b.section(".text.inl", SectionKind::Text, &ret_imm(value), 16);
        let inl = b.weak_func("inl", text_inl, 0, 6);
        b.obj.add_comdat(Comdat {
            kind: ComdatKind::Any,
            symbol: inl,
            sections: vec![text_inl],
        });
        let text = b.text(&CALL_REL32);
        b.func(&format!("use_{tag}"), text, 0, 14);
        b.reloc(text, CALL_REL32_FIELD, inl, -4, elf::R_X86_64_PLT32);
        let eh = b.section_with_flags(
            ".eh_frame",
            SectionKind::Elf(elf::SHT_X86_64_UNWIND),
            elf::SHF_ALLOC,
            &eh_frame_bytes(6),
            8,
        );
        let text_inl_sym = b.section_symbol(text_inl);
        b.reloc(eh, FDE_PC_BEGIN, text_inl_sym, 0, elf::R_X86_64_PC32);
        b.build()
    }
    let a = unit("a", 1);
    let b = unit("b", 2);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("a", &a), ("b", &b)]);
    let inl = sec_addr(&linked[0], ".text.inl");
    assert_eq!(linker.lookup("inl").unwrap(), inl);
    assert_eq!(call0(linker.lookup("use_b").unwrap()), 1);
    let (fde, func) = find_fde(inl + 1).expect("the kept copy has unwind info");
    assert_eq!(func, inl);
    assert_eq!(fde, sec_addr(&linked[0], ".eh_frame") + FDE_OFFSET);
}

// ---------------------------------------------------------------------------------------------
// 8. Common symbols.
// ---------------------------------------------------------------------------------------------

/// An object with a common symbol and a `.data` pointer to it.
fn common_user(name: &str, size: u64, align: u64) -> Vec<u8> {
    let mut b = Builder::new();
    let c = b.common(name, size, align);
    let data = b.section(".data", SectionKind::Data, &[0; 8], 8);
    b.reloc(data, 0, c, 0, elf::R_X86_64_64);
    b.build()
}

#[test]
fn common_symbols_are_zeroed_aligned_data() {
    let mut b = Builder::new();
    let small = b.common("cbuf", 100, 64);
    let page = b.common("cpage", 8, 4096);
    let data = b.section(".data", SectionKind::Data, &[0; 16], 8);
    b.reloc(data, 0, small, 0, elf::R_X86_64_64);
    b.reloc(data, 8, page, 0, elf::R_X86_64_64);
    let text = b.text(&LEA_RIP_RAX);
    b.func("cbuf_addr", text, 0, 8);
    b.reloc(text, RIP_FIELD, small, -4, elf::R_X86_64_PC32);
    let obj = b.build();
    let mut linker = new_linker();
    // Something odd-sized in the data region first.
    let mut pad = Builder::new();
    pad.section(".data", SectionKind::Data, &[1; 3], 1);
    let pad = pad.build();
    link_ok(&mut linker, &[("pad", &pad)]);
    let linked = link_ok(&mut linker, &[("commons", &obj)]);
    let cbuf = linker.lookup("cbuf").unwrap();
    let cpage = linker.lookup("cpage").unwrap();
    assert_eq!(region_of(&linker, cbuf), Some(Region::Data));
    assert_eq!(region_of(&linker, cpage), Some(Region::Data));
    assert_eq!(cbuf % 64, 0);
    assert_eq!(cpage % 4096, 0);
    assert!(
        cbuf + 100 <= cpage || cpage + 8 <= cbuf,
        "commons do not overlap"
    );
    assert!(read_bytes(cbuf, 100).iter().all(|&b| b == 0));
    let d = sec_addr(&linked[0], ".data");
    assert_eq!(read::<u64>(d), cbuf);
    assert_eq!(read::<u64>(d + 8), cpage);
    assert_eq!(call0(linker.lookup("cbuf_addr").unwrap()), cbuf);
    assert!(linker.stats().bytes[2] >= 108);
}

#[test]
fn common_symbols_in_two_objects_are_one_object() {
    let a = common_user("shared_common", 16, 8);
    let b = common_user("shared_common", 16, 8);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("a", &a), ("b", &b)]);
    let c = linker.lookup("shared_common").unwrap();
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data")), c);
    assert_eq!(read::<u64>(sec_addr(&linked[1], ".data")), c);
    // And with a later batch.
    let linked = link_ok(&mut linker, &[("c", &common_user("shared_common", 16, 8))]);
    assert_eq!(read::<u64>(sec_addr(&linked[0], ".data")), c);
}

/// An object with a real (initialized) definition of `name` = 7.
fn real_definition(name: &str) -> Vec<u8> {
    let mut b = Builder::new();
    let data = b.section(".data", SectionKind::Data, &7u64.to_le_bytes(), 8);
    b.data(name, data, 0, 8);
    b.build()
}

#[test]
fn common_symbol_yields_to_a_real_definition() {
    for common_first in [true, false] {
        let common = common_user("cdef", 8, 8);
        let real = real_definition("cdef");
        let mut linker = new_linker();
        let objects: [(&str, &[u8]); 2] = if common_first {
            [("common", &common), ("real", &real)]
        } else {
            [("real", &real), ("common", &common)]
        };
        let linked = link_ok(&mut linker, &objects);
        let (ci, ri) = if common_first { (0, 1) } else { (1, 0) };
        let def = sec_addr(&linked[ri], ".data");
        assert_eq!(
            linker.lookup("cdef").unwrap(),
            def,
            "common_first={common_first}"
        );
        assert_eq!(read::<u64>(sec_addr(&linked[ci], ".data")), def);
        assert_eq!(read::<u64>(def), 7);
    }
}

#[test]
fn common_symbol_takes_the_largest_size_and_alignment() {
    let small = common_user("cbig", 8, 8);
    let large = common_user("cbig", 4096, 64);
    let mut linker = new_linker();
    link_ok(&mut linker, &[("small", &small), ("large", &large)]);
    let cbig = linker.lookup("cbig").unwrap();
    let mut after = Builder::new();
    after.section(".data", SectionKind::Data, &[0xee; 16], 1);
    let after = after.build();
    let linked = link_ok(&mut linker, &[("after", &after)]);
    let next = sec_addr(&linked[0], ".data");
    assert!(
        next >= cbig + 4096 || next + 16 <= cbig,
        "data at {next:#x} overlaps the 4096-byte common at {cbig:#x}"
    );
    assert_eq!(cbig % 64, 0);
}

// ---------------------------------------------------------------------------------------------
// 9. Unsupported relocations and sections, malformed input.
// ---------------------------------------------------------------------------------------------

fn object_with_reloc(r_type: u32) -> Vec<u8> {
    let mut b = Builder::new();
    let text = b.text(&[0x90; 16]);
    b.func("f", text, 0, 16);
    let sym = b.undef("some_tls_var");
    b.reloc(text, 4, sym, 0, r_type);
    b.build()
}

#[test]
fn unsupported_relocation_types_are_errors() {
    let cases: [(u32, &str); 4] = [
        (elf::R_X86_64_TPOFF32, "R_X86_64_TPOFF32"),
        (elf::R_X86_64_GOTTPOFF, "R_X86_64_GOTTPOFF"),
        (elf::R_X86_64_COPY, "R_X86_64_COPY"),
        (250, "unknown"),
    ];
    for (r_type, expected) in cases {
        let obj = object_with_reloc(r_type);
        match link_err(&[("tls_user", &obj)]) {
            LinkError::UnsupportedRelocation {
                object,
                section,
                name,
                r_type: t,
            } => {
                assert_eq!(object, "tls_user");
                assert_eq!(section, ".text");
                assert!(name.starts_with(expected), "{name} for type {r_type}");
                assert_eq!(t, r_type);
            }
            e => panic!("type {r_type}: expected UnsupportedRelocation, got: {e}"),
        }
    }
    let msg = link_err(&[("tls_user", &object_with_reloc(elf::R_X86_64_TPOFF32))]).to_string();
    assert!(msg.contains("TLS") && msg.contains("tls_user"), "{msg}");
}

#[test]
fn unsupported_sections_are_errors() {
    let w = elf::SHF_ALLOC | elf::SHF_WRITE;
    let cases: [(&str, SectionKind, Option<u32>, u32); 6] = [
        (
            ".init_array",
            SectionKind::Elf(elf::SHT_INIT_ARRAY),
            Some(w),
            elf::SHT_INIT_ARRAY,
        ),
        (
            ".fini_array",
            SectionKind::Elf(elf::SHT_FINI_ARRAY),
            Some(w),
            elf::SHT_FINI_ARRAY,
        ),
        (
            ".preinit_array",
            SectionKind::Elf(elf::SHT_PREINIT_ARRAY),
            Some(w),
            elf::SHT_PREINIT_ARRAY,
        ),
        (".tdata", SectionKind::Tls, None, elf::SHT_PROGBITS),
        (
            ".rel.text",
            SectionKind::Elf(elf::SHT_REL),
            Some(0),
            elf::SHT_REL,
        ),
        (
            ".dynamic",
            SectionKind::Elf(elf::SHT_DYNAMIC),
            Some(w),
            elf::SHT_DYNAMIC,
        ),
    ];
    for (name, kind, flags, sh_type) in cases {
        let mut b = Builder::new();
        b.text(&ret_imm(0));
        match flags {
            Some(f) => b.section_with_flags(name, kind, f, &[0; 8], 8),
            None => b.section(name, kind, &[0; 8], 8),
        };
        let obj = b.build();
        match link_err(&[("sections", &obj)]) {
            LinkError::UnsupportedSection {
                object,
                section,
                sh_type: t,
            } => {
                assert_eq!(object, "sections");
                assert_eq!(section, name);
                assert_eq!(t, sh_type, "{name}");
            }
            e => panic!("{name}: expected UnsupportedSection, got: {e}"),
        }
    }
    // .tbss (TLS NOBITS) too.
    let mut b = Builder::new();
    let tbss = b
        .obj
        .add_section(Vec::new(), b".tbss".to_vec(), SectionKind::UninitializedTls);
    b.obj.append_section_bss(tbss, 8, 8);
    match link_err(&[("tbss", &b.build())]) {
        LinkError::UnsupportedSection {
            section, sh_type, ..
        } => assert_eq!((section.as_str(), sh_type), (".tbss", elf::SHT_NOBITS)),
        e => panic!("expected UnsupportedSection, got: {e}"),
    }
}

#[test]
fn malformed_inputs_are_errors() {
    let valid = returning("f", 0);
    let mut exec = valid.clone();
    exec[16..18].copy_from_slice(&elf::ET_EXEC.to_le_bytes());
    let mut truncated = valid.clone();
    truncated.truncate(80);
    let other_arch = |arch, endian| {
        let mut obj = Object::new(BinaryFormat::Elf, arch, endian);
        let text = obj.section_id(object::write::StandardSection::Text);
        obj.append_section_data(text, &[0; 4], 4);
        obj.write().unwrap()
    };
    let aarch64 = other_arch(Architecture::Aarch64, Endianness::Little);
    let i386 = other_arch(Architecture::I386, Endianness::Little);
    let big_endian = other_arch(Architecture::X86_64, Endianness::Big);
    let cases: [(&str, &[u8]); 7] = [
        ("garbage", b"this is definitely not an ELF object"),
        ("empty", b""),
        ("exec", &exec),
        ("truncated", &truncated),
        ("aarch64", &aarch64),
        ("i386", &i386),
        ("big_endian", &big_endian),
    ];
    for (name, bytes) in cases {
        match link_err(&[(name, bytes)]) {
            LinkError::Malformed { object, message } => {
                assert_eq!(object, name);
                assert!(!message.is_empty());
            }
            e => panic!("{name}: expected Malformed, got: {e}"),
        }
    }
    match link_err(&[("aarch64", &aarch64)]) {
        LinkError::Malformed { message, .. } => {
            assert!(message.contains("x86-64"), "{message}")
        }
        e => panic!("expected Malformed, got: {e}"),
    }
    // A malformed object fails the batch even after a valid one.
    assert!(matches!(
        link_err(&[("ok", &valid), ("garbage", b"garbage")]),
        LinkError::Malformed { object, .. } if object == "garbage"
    ));
}

#[test]
fn relocation_outside_its_section_is_malformed() {
    let mut b = Builder::new();
    let small = b.section(".data", SectionKind::Data, &[0; 8], 1);
    b.section(".data.next", SectionKind::Data, &[0x11; 8], 1);
    let sym = b.section_symbol(small);
    // An 8-byte field at offset 4 of an 8-byte section: 4 bytes past its end.
    b.reloc(small, 4, sym, 0, elf::R_X86_64_64);
    let obj = b.build();
    let mut linker = new_linker();
    let result = link(&mut linker, &[("oob", &obj)]);
    assert!(
        matches!(result, Err(LinkError::Malformed { .. })),
        "expected Malformed, got {result:?}"
    );
}

#[test]
fn relocation_far_outside_the_heap_is_an_error_not_a_panic() {
    let mut b = Builder::new();
    let data = b.section(".data", SectionKind::Data, &[0; 8], 8);
    let sym = b.section_symbol(data);
    b.reloc(data, 1 << 40, sym, 0, elf::R_X86_64_64);
    let obj = b.build();
    let mut linker = new_linker();
    let result = link(&mut linker, &[("far", &obj)]);
    assert!(matches!(result, Err(LinkError::Malformed { .. })));
}

// ---------------------------------------------------------------------------------------------
// 10. W^X.
// ---------------------------------------------------------------------------------------------

/// (start, end, perms) of every mapping of this process.
fn maps() -> Vec<(u64, u64, String)> {
    std::fs::read_to_string("/proc/self/maps")
        .expect("reading /proc/self/maps")
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next().unwrap();
            let perms = fields.next().unwrap().to_string();
            let (start, end) = range.split_once('-').unwrap();
            (
                u64::from_str_radix(start, 16).unwrap(),
                u64::from_str_radix(end, 16).unwrap(),
                perms,
            )
        })
        .collect()
}

fn perms_at(maps: &[(u64, u64, String)], addr: u64) -> &str {
    maps.iter()
        .find(|(start, end, _)| (*start..*end).contains(&addr))
        .map(|(_, _, p)| p.as_str())
        .unwrap_or_else(|| panic!("no mapping contains {addr:#x}"))
}

#[test]
fn no_mapping_is_writable_and_executable() {
    let mut b = Builder::new();
    let text = b.text(&CALL_REL32);
    b.func("wx_fn", text, 0, 14);
    let strlen = b.undef("strlen");
    b.reloc(text, CALL_REL32_FIELD, strlen, -4, elf::R_X86_64_PLT32);
    b.section(".rodata", SectionKind::ReadOnlyData, &[1; 64], 8);
    let relro = b.section(".data.rel.ro", SectionKind::ReadOnlyDataWithRel, &[0; 8], 8);
    let f = b.obj.symbol_id(b"wx_fn").unwrap();
    b.reloc(relro, 0, f, 0, elf::R_X86_64_64);
    b.section(".data", SectionKind::Data, &[2; 64], 8);
    let obj = b.build();
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("wx", &obj)]);
    let func = linker.lookup("wx_fn").unwrap();
    // Run it once: the code is live.
    assert_eq!(call_str(func, c"abc"), 3);
    let stub = (func as i64 + 9 + i64::from(read::<i32>(func + CALL_REL32_FIELD))) as u64;

    let maps = maps();
    for (start, end, perms) in &maps {
        let p = perms.as_bytes();
        assert!(
            !(p[1] == b'w' && p[2] == b'x'),
            "mapping {start:#x}-{end:#x} is {perms}: writable and executable"
        );
    }
    assert!(
        perms_at(&maps, func).starts_with("r-x"),
        "code: {}",
        perms_at(&maps, func)
    );
    assert!(perms_at(&maps, stub).starts_with("r-x"), "PLT stub");
    for name in [".rodata", ".data.rel.ro"] {
        let addr = sec_addr(&linked[0], name);
        assert!(
            perms_at(&maps, addr).starts_with("r--"),
            "{name}: {}",
            perms_at(&maps, addr)
        );
    }
    let got_slot = (stub as i64 + 6 + i64::from(read::<i32>(stub + 2))) as u64;
    assert!(perms_at(&maps, got_slot).starts_with("r--"), "GOT");
    let data = sec_addr(&linked[0], ".data");
    assert!(
        perms_at(&maps, data).starts_with("rw-"),
        "data: {}",
        perms_at(&maps, data)
    );
}

// ---------------------------------------------------------------------------------------------
// 11. Aliases.
// ---------------------------------------------------------------------------------------------

#[test]
fn alias_lookup_and_relocations() {
    let mut t = Builder::new();
    let data: Vec<u8> = (0..32).collect();
    let d = t.section(".data", SectionKind::Data, &data, 8);
    t.data("target", d, 0, 32);
    let text = t.text(&ret_imm(77));
    t.func("target_fn", text, 0, 6);
    let t = t.build();

    let mut u = Builder::new();
    let udata = u.section(".data", SectionKind::Data, &[0; 16], 8);
    let alias = u.undef("alias");
    u.reloc(udata, 0, alias, 1, elf::R_X86_64_64);
    u.reloc(udata, 8, alias, 0, elf::R_X86_64_PC32);
    let text = u.text(&CALL_REL32);
    u.func("call_alias_fn", text, 0, 14);
    let alias_fn = u.undef("alias_fn");
    u.reloc(text, CALL_REL32_FIELD, alias_fn, -4, elf::R_X86_64_PLT32);
    let u = u.build();

    let mut linker = new_linker();
    linker.add_alias("alias", "target", 8);
    linker.add_alias("alias_fn", "target_fn", 0);
    assert_eq!(linker.lookup("alias"), None, "the target is not linked yet");
    let linked = link_ok(&mut linker, &[("user", &u), ("target", &t)]);
    let target = linker.lookup("target").unwrap();
    assert_eq!(linker.lookup("alias"), Some(target + 8));
    let ud = sec_addr(&linked[0], ".data");
    assert_eq!(read::<u64>(ud), target + 9);
    assert_eq!(
        i64::from(read::<i32>(ud + 8)),
        (target + 8) as i64 - (ud + 8) as i64
    );
    assert_eq!(
        read::<u8>(read::<u64>(ud) - 1),
        8,
        "alias + 0 is byte 8 of target"
    );
    assert_eq!(call0(linker.lookup("call_alias_fn").unwrap()), 77);
    assert_eq!(
        linker.stats().plt_stubs,
        0,
        "an alias of a program function is direct"
    );
}

#[test]
fn alias_chains_cycles_and_dangling_aliases() {
    let mut linker = new_linker();
    link_ok(&mut linker, &[("t", &real_definition("target"))]);
    let target = linker.lookup("target").unwrap();
    linker.add_alias("a1", "target", 8);
    linker.add_alias("a2", "a1", 4);
    linker.add_alias("a3", "a2", -12);
    assert_eq!(linker.lookup("a2"), Some(target + 12));
    assert_eq!(linker.lookup("a3"), Some(target));
    linker.add_alias("x", "y", 0);
    linker.add_alias("y", "x", 0);
    assert_eq!(
        linker.lookup("x"),
        None,
        "a cycle resolves to nothing, without recursing forever"
    );
    linker.add_alias("dangling", "irjit_test_nothing_here", 0);
    assert_eq!(linker.lookup("dangling"), None);

    let mut b = Builder::new();
    let d = b.section(".data", SectionKind::Data, &[0; 8], 8);
    let sym = b.undef("dangling");
    b.reloc(d, 0, sym, 0, elf::R_X86_64_64);
    match link(&mut linker, &[("dangler", &b.build())]) {
        Err(LinkError::UndefinedSymbol { symbol, needed_by }) => {
            assert_eq!(
                (symbol.as_str(), needed_by.as_str()),
                ("dangling", "dangler")
            );
        }
        other => panic!("expected UndefinedSymbol, got {:?}", other.err()),
    }
}

// ---------------------------------------------------------------------------------------------
// 12. .eh_frame.
// ---------------------------------------------------------------------------------------------

fn eh_frame_object(kind: SectionKind) -> Vec<u8> {
    let mut b = Builder::new();
    let mut code = vec![0x90, 0x90]; // two nops, so the FDE covers more than the entry
    code.extend_from_slice(&ret_imm(9));
    let text = b.text(&code);
    b.func("unwindable", text, 0, 8);
    let eh = b.section_with_flags(".eh_frame", kind, elf::SHF_ALLOC, &eh_frame_bytes(8), 8);
    let text_sym = b.section_symbol(text);
    b.reloc(eh, FDE_PC_BEGIN, text_sym, 0, elf::R_X86_64_PC32);
    b.build()
}

fn check_eh_frame_registered(kind: SectionKind) {
    let obj = eh_frame_object(kind);
    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("eh", &obj)]);
    let func = linker.lookup("unwindable").unwrap();
    assert_eq!(call0(func), 9);
    let eh = sec(&linked[0], ".eh_frame");
    assert_eq!(eh.region, Region::ReadOnly);
    assert_eq!(eh.size, 48);
    // The FDE's pc_begin was relocated (pcrel) to the function.
    let pc_begin = eh.addr.0 + FDE_PC_BEGIN;
    assert_eq!(
        (pc_begin as i64 + i64::from(read::<i32>(pc_begin))) as u64,
        func
    );
    // And the unwinder knows it.
    let (fde, start) = find_fde(func + 4).expect("the FDE was registered");
    assert_eq!(fde, eh.addr.0 + FDE_OFFSET);
    assert_eq!(start, func);
    assert_eq!(find_fde(func + 8), None, "pc_range is 8");
    // A zero terminator follows the section and is not handed to the next allocation.
    assert_eq!(read::<u32>(eh.addr.0 + 48), 0);
    let mut next = Builder::new();
    next.section(".rodata", SectionKind::ReadOnlyData, &[0xff; 4], 1);
    let linked = link_ok(&mut linker, &[("next", &next.build())]);
    assert!(sec_addr(&linked[0], ".rodata") >= eh.addr.0 + 52);
    assert_eq!(read::<u32>(eh.addr.0 + 48), 0);
}

#[test]
fn eh_frame_of_type_x86_64_unwind_is_relocated_and_registered() {
    check_eh_frame_registered(SectionKind::Elf(elf::SHT_X86_64_UNWIND));
}

#[test]
fn eh_frame_of_type_progbits_is_relocated_and_registered() {
    check_eh_frame_registered(SectionKind::ReadOnlyData);
}

#[test]
fn clang_compiled_object_links_runs_and_unwinds() {
    let source = r#"
        #include <string.h>
        __attribute__((noinline)) int triple_plus_one(int x) { return 3 * x + 1; }
        int len_plus(const char *s) { return (int)strlen(s) + triple_plus_one(2); }
        static const char msg[] = "irjit";
        const char *message(void) { return msg; }
        int counter = 40;
        int bump(void) { return ++counter; }
    "#;
    let dir = std::env::temp_dir().join(format!("irjit-linker-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let c_file = dir.join("unit.c");
    let o_file = dir.join("unit.o");
    std::fs::write(&c_file, source).unwrap();
    let status = std::process::Command::new("clang-19")
        .args(["-c", "-O2", "-fPIC", "-o"])
        .arg(&o_file)
        .arg(&c_file)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("clang-19 failed: {s}"),
        Err(e) => {
            eprintln!("skipping clang_compiled_object_links_runs_and_unwinds: clang-19: {e}");
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
    }
    let obj = std::fs::read(&o_file).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let mut linker = new_linker();
    let linked = link_ok(&mut linker, &[("unit", &obj)]);
    let triple = linker.lookup("triple_plus_one").unwrap();
    // SAFETY: triple_plus_one is C code compiled for x86-64 SysV: int(int).
    let f = unsafe { std::mem::transmute::<usize, extern "C" fn(i32) -> i32>(triple as usize) };
    assert_eq!(f(5), 16);
    assert_eq!(
        call_str(linker.lookup("len_plus").unwrap(), c"hello") as i32,
        12
    );
    assert_eq!(read_cstr(call0(linker.lookup("message").unwrap())), "irjit");
    let bump = linker.lookup("bump").unwrap();
    assert_eq!(call0(bump) as i32, 41);
    assert_eq!(call0(bump) as i32, 42);
    assert_eq!(read::<i32>(linker.lookup("counter").unwrap()), 42);
    let functions: Vec<&str> = linked[0]
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    for name in ["triple_plus_one", "len_plus", "message", "bump"] {
        assert!(functions.contains(&name), "{name} in {functions:?}");
    }
    assert!(linked[0].sections.iter().any(|s| s.name == ".eh_frame"));
    let (_, start) = find_fde(triple).expect("clang's .eh_frame was registered");
    assert_eq!(start, triple);
    let (_, start) = find_fde(bump + 1).expect("FDE for bump");
    assert_eq!(start, bump);
}
