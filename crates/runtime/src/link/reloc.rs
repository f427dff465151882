//! x86-64 relocation arithmetic (System V psABI, section 4.4), with overflow checks.

use object::elf::*;

/// How a relocation's result is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// 64 bits; any value wraps.
    Word64,
    /// 32 bits; the value must fit as signed.
    Signed32,
    /// 32 bits; the value must fit as unsigned (zero-extended).
    Unsigned32,
    /// 16 bits, signed or unsigned.
    Any16,
    /// 16 bits, signed.
    Signed16,
    /// 8 bits, signed or unsigned.
    Any8,
    /// 8 bits, signed.
    Signed8,
}

impl Field {
    pub(crate) fn width(self) -> usize {
        match self {
            Field::Word64 => 8,
            Field::Signed32 | Field::Unsigned32 => 4,
            Field::Any16 | Field::Signed16 => 2,
            Field::Any8 | Field::Signed8 => 1,
        }
    }

    /// The little-endian bytes of `value`, or `None` if it does not fit.
    ///
    /// As in the psABI, the value is computed modulo 2^64 first; a signed field then takes it if
    /// it sign-extends from the field's width, an unsigned one if it zero-extends.
    pub(crate) fn encode(self, value: i128) -> Option<Vec<u8>> {
        let unsigned = value as u64;
        let signed = unsigned as i64;
        let signed_fits = |lo: i64, hi: i64| (lo..=hi).contains(&signed);
        let ok = match self {
            Field::Word64 => true,
            Field::Signed32 => signed_fits(i32::MIN.into(), i32::MAX.into()),
            Field::Unsigned32 => unsigned <= u32::MAX.into(),
            Field::Any16 => signed_fits(i16::MIN.into(), u16::MAX.into()),
            Field::Signed16 => signed_fits(i16::MIN.into(), i16::MAX.into()),
            Field::Any8 => signed_fits(i8::MIN.into(), u8::MAX.into()),
            Field::Signed8 => signed_fits(i8::MIN.into(), i8::MAX.into()),
        };
        ok.then(|| unsigned.to_le_bytes()[..self.width()].to_vec())
    }
}

/// What a relocation needs besides its symbol's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Only the symbol value S.
    Symbol,
    /// A GOT entry holding S (G, the entry's offset from the GOT base, or its address).
    GotEntry,
    /// A procedure linkage entry L: S itself when S is in the heap, else a stub jumping to S.
    Plt,
    /// The symbol's size Z.
    Size,
}

/// The operands of a relocation's formula.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Operands {
    /// S: the symbol's address.
    pub s: u64,
    /// A: the addend.
    pub a: i64,
    /// P: the address of the field being relocated.
    pub p: u64,
    /// GOT: the address of the global offset table's base.
    pub got_base: u64,
    /// The address of the symbol's GOT entry (G + GOT).
    pub got_entry: u64,
    /// L: the symbol's procedure linkage entry.
    pub plt: u64,
    /// Z: the symbol's size.
    pub z: u64,
}

/// One supported relocation type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kind {
    pub name: &'static str,
    pub field: Field,
    pub needs: Needs,
    formula: fn(&Operands) -> i128,
}

impl Kind {
    pub(crate) fn compute(&self, o: &Operands) -> i128 {
        (self.formula)(o)
    }
}

fn s(o: &Operands) -> i128 {
    o.s as i128
}
fn a(o: &Operands) -> i128 {
    o.a as i128
}
fn p(o: &Operands) -> i128 {
    o.p as i128
}
fn g(o: &Operands) -> i128 {
    o.got_entry as i128 - o.got_base as i128
}
fn got(o: &Operands) -> i128 {
    o.got_base as i128
}

/// The relocation kind for an ELF `r_type`, or `None` when irjit does not support it.
pub(crate) fn kind(r_type: u32) -> Option<Kind> {
    use Field::*;
    use Needs::*;
    let k = |name, field, needs, formula| {
        Some(Kind {
            name,
            field,
            needs,
            formula,
        })
    };
    match r_type {
        R_X86_64_64 => k("R_X86_64_64", Word64, Symbol, |o| s(o) + a(o)),
        R_X86_64_PC32 => k("R_X86_64_PC32", Signed32, Symbol, |o| s(o) + a(o) - p(o)),
        R_X86_64_GOT32 => k("R_X86_64_GOT32", Signed32, GotEntry, |o| g(o) + a(o)),
        R_X86_64_PLT32 => k("R_X86_64_PLT32", Signed32, Plt, |o| {
            o.plt as i128 + a(o) - p(o)
        }),
        R_X86_64_GOTPCREL => k("R_X86_64_GOTPCREL", Signed32, GotEntry, |o| {
            g(o) + got(o) + a(o) - p(o)
        }),
        R_X86_64_32 => k("R_X86_64_32", Unsigned32, Symbol, |o| s(o) + a(o)),
        R_X86_64_32S => k("R_X86_64_32S", Signed32, Symbol, |o| s(o) + a(o)),
        R_X86_64_16 => k("R_X86_64_16", Any16, Symbol, |o| s(o) + a(o)),
        R_X86_64_PC16 => k("R_X86_64_PC16", Signed16, Symbol, |o| s(o) + a(o) - p(o)),
        R_X86_64_8 => k("R_X86_64_8", Any8, Symbol, |o| s(o) + a(o)),
        R_X86_64_PC8 => k("R_X86_64_PC8", Signed8, Symbol, |o| s(o) + a(o) - p(o)),
        R_X86_64_PC64 => k("R_X86_64_PC64", Word64, Symbol, |o| s(o) + a(o) - p(o)),
        R_X86_64_GOTOFF64 => k("R_X86_64_GOTOFF64", Word64, Symbol, |o| {
            s(o) + a(o) - got(o)
        }),
        R_X86_64_GOTPC32 => k("R_X86_64_GOTPC32", Signed32, Symbol, |o| {
            got(o) + a(o) - p(o)
        }),
        R_X86_64_GOT64 => k("R_X86_64_GOT64", Word64, GotEntry, |o| g(o) + a(o)),
        R_X86_64_GOTPCREL64 => k("R_X86_64_GOTPCREL64", Word64, GotEntry, |o| {
            g(o) + got(o) + a(o) - p(o)
        }),
        R_X86_64_GOTPC64 => k("R_X86_64_GOTPC64", Word64, Symbol, |o| got(o) + a(o) - p(o)),
        R_X86_64_GOTPLT64 => k("R_X86_64_GOTPLT64", Word64, GotEntry, |o| g(o) + a(o)),
        R_X86_64_PLTOFF64 => k("R_X86_64_PLTOFF64", Word64, Plt, |o| {
            o.plt as i128 - got(o) + a(o)
        }),
        R_X86_64_SIZE32 => k("R_X86_64_SIZE32", Unsigned32, Size, |o| o.z as i128 + a(o)),
        R_X86_64_SIZE64 => k("R_X86_64_SIZE64", Word64, Size, |o| o.z as i128 + a(o)),
        // The relaxable forms: leaving the GOT load in place is always correct.
        R_X86_64_GOTPCRELX => k("R_X86_64_GOTPCRELX", Signed32, GotEntry, |o| {
            g(o) + got(o) + a(o) - p(o)
        }),
        R_X86_64_REX_GOTPCRELX => k("R_X86_64_REX_GOTPCRELX", Signed32, GotEntry, |o| {
            g(o) + got(o) + a(o) - p(o)
        }),
        _ => None,
    }
}

/// A name for relocation types irjit refuses, for error messages.
pub(crate) fn unsupported_name(r_type: u32) -> &'static str {
    match r_type {
        R_X86_64_COPY => "R_X86_64_COPY",
        R_X86_64_GLOB_DAT => "R_X86_64_GLOB_DAT",
        R_X86_64_JUMP_SLOT => "R_X86_64_JUMP_SLOT",
        R_X86_64_RELATIVE => "R_X86_64_RELATIVE",
        R_X86_64_DTPMOD64 => "R_X86_64_DTPMOD64 (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_DTPOFF64 => "R_X86_64_DTPOFF64 (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_TPOFF64 => "R_X86_64_TPOFF64 (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_TLSGD => "R_X86_64_TLSGD (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_TLSLD => "R_X86_64_TLSLD (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_DTPOFF32 => "R_X86_64_DTPOFF32 (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_GOTTPOFF => "R_X86_64_GOTTPOFF (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_TPOFF32 => "R_X86_64_TPOFF32 (native TLS; irjit compiles TLS as emulated)",
        R_X86_64_GOTPC32_TLSDESC => "R_X86_64_GOTPC32_TLSDESC (native TLS)",
        R_X86_64_TLSDESC_CALL => "R_X86_64_TLSDESC_CALL (native TLS)",
        R_X86_64_TLSDESC => "R_X86_64_TLSDESC (native TLS)",
        R_X86_64_IRELATIVE => "R_X86_64_IRELATIVE",
        R_X86_64_RELATIVE64 => "R_X86_64_RELATIVE64",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pc32_overflow_is_detected() {
        let k = kind(R_X86_64_PC32).unwrap();
        let o = Operands {
            s: 0x1_0000_0000,
            p: 0x1000,
            ..Default::default()
        };
        assert_eq!(k.field.encode(k.compute(&o)), None);
        let near = Operands {
            s: 0x2000,
            a: -4,
            p: 0x1000,
            ..Default::default()
        };
        assert_eq!(
            k.field.encode(k.compute(&near)),
            Some(0xffcu32.to_le_bytes().to_vec())
        );
    }

    #[test]
    fn unsigned32_rejects_negative() {
        let k = kind(R_X86_64_32).unwrap();
        let o = Operands {
            s: 0x10,
            a: -0x20,
            ..Default::default()
        };
        assert_eq!(k.field.encode(k.compute(&o)), None);
    }

    #[test]
    fn unknown_type_has_no_kind() {
        assert!(kind(R_X86_64_TPOFF32).is_none());
        assert!(unsupported_name(R_X86_64_TPOFF32).contains("TLS"));
        assert_eq!(unsupported_name(250), "unknown");
    }
}
