//! Program keys and program records: how a run finds its cached objects without LLVM.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use irjit_interface::{CompileRequest, ObjectKey, Osr, ProgramLayout, UnitId};
use serde::{Deserialize, Serialize};

/// Identifies one build of a program on one machine: a BLAKE3 hash of the program's files (main
/// module and extra modules, in order), the options that change how it is split, irjit's version,
/// the identity of the compiler library that compiled it, and the CPU (vendor, family, model and
/// feature bits, read with `cpuid`), so that a record is never used with another program, another
/// irjit or another CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgramKey(pub [u8; 32]);

/// What a program key is made of.
#[derive(Clone, Debug)]
pub struct ProgramInputs<'a> {
    /// The main module.
    pub main: &'a Path,
    /// Further modules linked into it, in order.
    pub extra_modules: &'a [PathBuf],
    /// Everything else that changes the program's split or code (e.g. eager loading), as text.
    pub options: &'a str,
    /// The compiler library that would compile it (its size and modification time go into the
    /// key: a rebuilt compiler never serves objects of the old one through a record).
    pub compiler_library: Option<&'a Path>,
}

impl ProgramKey {
    /// Hashes the inputs (the files are read in full).
    pub fn compute(inputs: &ProgramInputs<'_>) -> std::io::Result<ProgramKey> {
        let mut h = blake3::Hasher::new();
        let mut part = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        part(b"irjit program key v2");
        part(env!("CARGO_PKG_VERSION").as_bytes());
        part(&crate::host::cpu_signature());
        part(inputs.options.as_bytes());
        if let Some(lib) = inputs.compiler_library {
            use std::os::unix::fs::MetadataExt;
            if let Ok(meta) = std::fs::metadata(lib) {
                part(&meta.size().to_le_bytes());
                part(&meta.mtime().to_le_bytes());
                part(&meta.mtime_nsec().to_le_bytes());
                part(&meta.ino().to_le_bytes());
            }
        }
        let mut buffer = Vec::new();
        for file in
            std::iter::once(inputs.main).chain(inputs.extra_modules.iter().map(|p| p.as_path()))
        {
            buffer.clear();
            std::fs::File::open(file)?.read_to_end(&mut buffer)?;
            part(&buffer);
        }
        Ok(ProgramKey(*h.finalize().as_bytes()))
    }
}

/// The parts of a compile request that make different code (the OSR record limit and
/// `last_use` do not: the first only matters when exceeded, and then shows in the IR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shape {
    /// `-O` level.
    pub level: u8,
    /// Tier-0 counters.
    pub counters: bool,
    /// Callee bodies imported for inlining.
    pub inline_callees: bool,
    /// Recompile of a unit that owns variables (they become private); for other units the
    /// flag changes nothing and is left out.
    pub recompile: bool,
    /// 0 none, 1 sites, 2 + n the continuation of site n (plus 2^32 when it also holds the
    /// function's own tier-2 entry).
    pub osr: u64,
    /// The other sites a continuation enters (see [`Osr::Entry`]).
    pub osr_others: u64,
    /// Bytecode for the interpreter tier, not machine code (see [`CompileRequest::bytecode`]).
    pub bytecode: bool,
}

impl Shape {
    /// The shape of `request` for a unit defining `defines` symbols.
    pub fn of(request: &CompileRequest, defines: usize) -> Shape {
        Shape {
            level: request.level.as_digit(),
            counters: request.counters,
            inline_callees: request.inline_callees,
            recompile: request.recompile && defines > 1,
            osr: match request.osr {
                Osr::None => 0,
                Osr::Sites { .. } => 1,
                Osr::Entry { site, function, .. } => {
                    2 + u64::from(site) + (u64::from(function) << 32)
                }
            },
            osr_others: match request.osr {
                Osr::Entry { others, .. } => others,
                _ => 0,
            },
            bytecode: request.bytecode,
        }
    }
}

/// A unit's object for one request shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSlot {
    /// The unit.
    pub unit: u32,
    /// The request's shape.
    pub shape: Shape,
    /// The object's content key.
    pub key: ObjectKey,
    /// OSR site records its code uses.
    pub osr_sites: u32,
}

/// How hot a unit got in past runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHeat {
    /// The unit.
    pub unit: u32,
    /// Its counter (entries plus loop iterations in tier-0 code) at the end of the hottest run.
    pub count: u64,
    /// It got hot: reached tier 2 (in the background, or from the start), or was on its way there
    /// when the run ended.
    pub tier2: bool,
}

/// What the cache knows about one program build.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramRecord {
    /// The program's split, so that a run needs no compiler to know it.
    pub layout: ProgramLayout,
    /// The objects units used, by request shape.
    pub objects: Vec<ObjectSlot>,
    /// The profile: units that got hot.
    pub profile: Vec<UnitHeat>,
    /// Runs merged into this record.
    pub runs: u64,
}

impl ProgramRecord {
    /// The object slots by (unit, shape).
    pub fn object_map(&self) -> BTreeMap<(u32, Shape), ObjectSlot> {
        self.objects
            .iter()
            .map(|slot| ((slot.unit, slot.shape), *slot))
            .collect()
    }

    /// Units that reached tier 2 in some run.
    pub fn hot_units(&self) -> impl Iterator<Item = UnitId> + '_ {
        self.profile
            .iter()
            .filter(|h| h.tier2)
            .map(|h| UnitId(h.unit))
    }

    /// Merges another run's findings into this record (`newer` wins where both know a slot).
    pub fn merge(&mut self, newer: &ProgramRecord) {
        let mut objects = self.object_map();
        for slot in &newer.objects {
            objects.insert((slot.unit, slot.shape), *slot);
        }
        self.objects = objects.into_values().collect();
        let mut profile: BTreeMap<u32, UnitHeat> =
            self.profile.iter().map(|h| (h.unit, *h)).collect();
        for heat in &newer.profile {
            let entry = profile.entry(heat.unit).or_insert(UnitHeat {
                unit: heat.unit,
                ..Default::default()
            });
            entry.count = entry.count.max(heat.count);
            entry.tier2 |= heat.tier2;
        }
        self.profile = profile.into_values().collect();
        self.runs += newer.runs;
        if self.layout.units.is_empty() {
            self.layout = newer.layout.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use irjit_interface::OptLevel;

    #[test]
    fn shapes_ignore_what_makes_no_different_code() {
        let mut a = CompileRequest::at(OptLevel::O0);
        a.counters = true;
        a.osr = Osr::Sites { limit: 10 };
        let mut b = a;
        b.osr = Osr::Sites { limit: 99 };
        b.last_use = true;
        assert_eq!(Shape::of(&a, 1), Shape::of(&b, 1));
        let mut c = CompileRequest::at(OptLevel::O2);
        c.recompile = true;
        assert_eq!(
            Shape::of(&c, 1),
            Shape::of(&CompileRequest::at(OptLevel::O2), 1)
        );
        assert_ne!(
            Shape::of(&c, 2),
            Shape::of(&CompileRequest::at(OptLevel::O2), 2)
        );
    }

    #[test]
    fn records_merge_and_round_trip() {
        let shape = Shape::of(&CompileRequest::at(OptLevel::O2), 1);
        let slot = |unit, k| ObjectSlot {
            unit,
            shape,
            key: ObjectKey([k; 32]),
            osr_sites: 0,
        };
        let mut old = ProgramRecord {
            objects: vec![slot(1, 1), slot(2, 2)],
            profile: vec![UnitHeat {
                unit: 1,
                count: 10,
                tier2: true,
            }],
            runs: 1,
            ..Default::default()
        };
        let new = ProgramRecord {
            objects: vec![slot(2, 3)],
            profile: vec![UnitHeat {
                unit: 2,
                count: 5,
                tier2: false,
            }],
            runs: 1,
            ..Default::default()
        };
        old.merge(&new);
        assert_eq!(old.objects, vec![slot(1, 1), slot(2, 3)]);
        assert_eq!(old.hot_units().collect::<Vec<_>>(), vec![UnitId(1)]);
        assert_eq!(old.runs, 2);
        let bytes = postcard::to_stdvec(&old).unwrap();
        assert_eq!(postcard::from_bytes::<ProgramRecord>(&bytes).unwrap(), old);
    }

    #[test]
    fn program_keys_follow_the_files() {
        let dir = std::env::temp_dir().join(format!("irjit-pkey-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let main = dir.join("a.bc");
        std::fs::write(&main, b"one").unwrap();
        let inputs = ProgramInputs {
            main: &main,
            extra_modules: &[],
            options: "",
            compiler_library: None,
        };
        let k1 = ProgramKey::compute(&inputs).unwrap();
        assert_eq!(k1, ProgramKey::compute(&inputs).unwrap());
        std::fs::write(&main, b"two").unwrap();
        assert_ne!(k1, ProgramKey::compute(&inputs).unwrap());
        let other = ProgramInputs {
            options: "eager",
            ..inputs
        };
        assert_ne!(
            ProgramKey::compute(&other).unwrap(),
            ProgramKey::compute(&inputs).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
