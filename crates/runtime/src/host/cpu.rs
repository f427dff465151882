//! What the CPU is, read from the C library's records of it where possible.
//!
//! glibc's dynamic loader runs `cpuid` at start-up for its own use (choosing `memcpy` and the
//! like) and exports what it read through `__x86_get_cpuid_feature_leaf` (glibc 2.33 and later,
//! `<sys/platform/x86.h>`). Reading those records instead of running `cpuid` again matters on
//! virtual machines, where every `cpuid` traps to the hypervisor (about 5 us each; a warm run of
//! a small program takes 1.5 ms).

use std::arch::x86_64::_xgetbv;

/// One of glibc's records: the raw `cpuid` registers of a leaf (EAX, EBX, ECX, EDX) and the
/// bits glibc considers usable (the CPU has the feature and the OS enabled its state).
#[repr(C)]
struct CpuidFeature {
    cpuid: [u32; 4],
    active: [u32; 4],
}

extern "C" {
    /// glibc's record `index` (`CPUID_INDEX_*`); an all-zero record past the last one glibc
    /// knows.
    fn __x86_get_cpuid_feature_leaf(index: u32) -> *const CpuidFeature;
}

/// The records glibc 2.36 keeps: leaves 1, 7, 0x80000001, 0xD.1, 0x80000007, 0x80000008, 7.1,
/// 0x19 and 0x14 (newer versions add more at the end).
const GLIBC_LEAVES: u32 = 9;

fn leaf(index: u32) -> &'static CpuidFeature {
    // SAFETY: glibc returns a pointer to static storage of the loader (or to a static zeroed
    // record), valid and unchanged for the whole process; the function has no preconditions.
    unsafe { &*__x86_get_cpuid_feature_leaf(index) }
}

/// Whether the OS enabled `xsave` (CPUID.1:ECX.OSXSAVE).
pub fn osxsave() -> bool {
    leaf(0).cpuid[2] & (1 << 27) != 0
}

/// The CPU as it decides what code runs well and runs at all: family, model and stepping, the
/// feature flags of every leaf glibc records (raw, and as usable), and the OS-enabled vector
/// state (XCR0). Per-core fields (the APIC id in leaf 1's EBX) are left out.
///
/// The vendor string (leaf 0) is not among glibc's records; the family numbers of the vendors
/// do not overlap, and LLVM's host CPU name, which the compiled code depends on, comes from
/// family, model and features.
pub fn signature() -> Vec<u8> {
    let mut out = Vec::with_capacity(GLIBC_LEAVES as usize * 32 + 8);
    for index in 0..GLIBC_LEAVES {
        let record = leaf(index);
        let mut cpuid = record.cpuid;
        if index == 0 {
            // Leaf 1's EBX: bits 24..31 are the APIC id, 16..23 the logical processor count.
            cpuid[1] &= 0x0000_ffff;
        }
        for v in cpuid.iter().chain(&record.active) {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    if osxsave() {
        // SAFETY: XGETBV is available when the OS set OSXSAVE, checked just above.
        let xcr0 = unsafe { _xgetbv(0) };
        out.extend_from_slice(&xcr0.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::arch::x86_64::__cpuid_count;

    use super::*;

    #[test]
    fn glibc_records_match_cpuid() {
        let leaf1 = __cpuid_count(1, 0);
        let record = leaf(0);
        assert_eq!(record.cpuid[0], leaf1.eax, "family, model and stepping");
        assert_eq!(record.cpuid[2], leaf1.ecx);
        assert_eq!(record.cpuid[3], leaf1.edx);
        let leaf7 = __cpuid_count(7, 0);
        assert_eq!(leaf(1).cpuid[1], leaf7.ebx);
        assert_eq!(leaf(1).cpuid[2], leaf7.ecx);
        assert_eq!(osxsave(), leaf1.ecx & (1 << 27) != 0);
    }

    #[test]
    fn signature_is_stable() {
        assert_eq!(signature(), signature());
        assert!(signature().len() >= GLIBC_LEAVES as usize * 32);
    }
}
