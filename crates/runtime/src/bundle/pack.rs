//! Planning a bundle as a static linker plans a link: which modules go in (every module named
//! on its own, and the archive members that define a symbol still undefined, to a fixed point),
//! identical modules stored once, no symbol strongly defined twice, and every symbol the modules
//! leave undefined found in the host.
//!
//! The symbol tables come from the compiler library; this module only reasons about them, so it
//! needs no LLVM.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use irjit_interface::symbols::{Definitions, ModuleSymbols};
use irjit_interface::{ByteRange, CompileError, ModuleSource};

use super::{is_bitcode, LIBRARY_DIR, MAIN_ENTRY};

/// What a Unix archive starts with.
const ARCHIVE_MAGIC: &[u8] = b"!<arch>\n";
/// What a thin archive (members left in their own files) starts with.
const THIN_ARCHIVE_MAGIC: &[u8] = b"!<thin>\n";

/// A module named on the command line, or found in an archive, before its symbols are read.
#[derive(Clone, Debug)]
pub struct Input {
    /// How messages name it: its path, or `ARCHIVE(MEMBER)` as linkers do.
    pub name: String,
    /// Its entry name in the bundle: `main.bc`, `lib/FILE.bc`, `lib/ARCHIVE/MEMBER.bc` (unique).
    pub entry: String,
    /// Where its bytes are (an archive member is read in place).
    pub source: ModuleSource,
    /// The BLAKE3 hash of its bytes.
    pub hash: [u8; 32],
    /// Named on its own, or an archive member.
    pub origin: Origin,
}

impl Input {
    /// The candidate this input is, given its symbol table.
    pub fn with_symbols(self, symbols: ModuleSymbols) -> Candidate {
        Candidate {
            name: self.name,
            entry: self.entry,
            source: self.source,
            symbols,
            hash: self.hash,
            origin: self.origin,
        }
    }
}

/// Reads what `irjit pack MAIN LIBRARIES...` names: the main module, then each library module or
/// each member of each bitcode archive, in order. Every module must be bitcode.
pub fn inputs(main: &Path, libraries: &[PathBuf]) -> Result<Vec<Input>, PackError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| PackError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut entries = EntryNames::default();
    let mut inputs = Vec::new();
    let bytes = read(main)?;
    if !is_bitcode(&bytes) {
        return Err(PackError::NotBitcode(main.display().to_string()));
    }
    inputs.push(Input {
        name: main.display().to_string(),
        entry: entries.claim(MAIN_ENTRY),
        source: ModuleSource::file(main),
        hash: *blake3::hash(&bytes).as_bytes(),
        origin: Origin::File,
    });
    for path in libraries {
        let bytes = read(path)?;
        if bytes.starts_with(THIN_ARCHIVE_MAGIC) {
            return Err(PackError::Archive {
                path: path.clone(),
                message: "a thin archive (its members are not inside it; make it without T)"
                    .to_string(),
            });
        } else if bytes.starts_with(ARCHIVE_MAGIC) {
            inputs.extend(archive_members(path, &bytes, &mut entries)?);
        } else if is_bitcode(&bytes) {
            inputs.push(Input {
                name: path.display().to_string(),
                entry: entries.claim(&library_entry_name(path)),
                source: ModuleSource::file(path),
                hash: *blake3::hash(&bytes).as_bytes(),
                origin: Origin::File,
            });
        } else {
            return Err(PackError::NotBitcode(path.display().to_string()));
        }
    }
    Ok(inputs)
}

/// The members of a bitcode archive, each a byte range of the archive file.
fn archive_members(
    path: &Path,
    bytes: &[u8],
    entries: &mut EntryNames,
) -> Result<Vec<Input>, PackError> {
    let invalid = |e: object::read::Error| PackError::Archive {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let archive = object::read::archive::ArchiveFile::parse(bytes).map_err(invalid)?;
    let stem = path
        .file_stem()
        .map_or_else(|| "archive".into(), |s| s.to_string_lossy().into_owned());
    let stem = stem
        .strip_prefix("lib")
        .filter(|s| !s.is_empty())
        .unwrap_or(&stem);
    let mut members = Vec::new();
    for member in archive.members() {
        let member = member.map_err(invalid)?;
        let member_name = String::from_utf8_lossy(member.name()).into_owned();
        let name = format!("{}({member_name})", path.display());
        let data = member.data(bytes).map_err(invalid)?;
        if !is_bitcode(data) {
            return Err(PackError::NotBitcode(name));
        }
        let (offset, len) = member.file_range();
        members.push(Input {
            entry: entries.claim(&format!(
                "{LIBRARY_DIR}{stem}/{}",
                with_bc_extension(&member_name)
            )),
            source: ModuleSource::slice(name.clone(), path, ByteRange { offset, len }),
            name,
            hash: *blake3::hash(data).as_bytes(),
            origin: Origin::Member,
        });
    }
    Ok(members)
}

/// `lib/NAME.bc` for a library module file.
fn library_entry_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "module".into(), |n| n.to_string_lossy().into_owned());
    format!("{LIBRARY_DIR}{}", with_bc_extension(&name))
}

/// `NAME.bc` for `NAME`, `NAME.o` or `NAME.bc`.
fn with_bc_extension(name: &str) -> String {
    let stem = name.strip_suffix(".bc").unwrap_or(name);
    let stem = stem.strip_suffix(".o").unwrap_or(stem);
    format!("{stem}.bc")
}

/// Entry names handed out so far: a name asked for again gets a numbered twin.
#[derive(Default)]
struct EntryNames {
    taken: HashSet<String>,
}

impl EntryNames {
    fn claim(&mut self, wanted: &str) -> String {
        let stem = wanted.strip_suffix(".bc").unwrap_or(wanted);
        let mut name = wanted.to_string();
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{stem}-{n}.bc");
            n += 1;
        }
        name
    }
}

/// Where a candidate module comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A module named on the command line (the main module or a `.bc` file): always included.
    File,
    /// A member of a bitcode archive: included when it defines a symbol other included modules
    /// need (or always, with [`PackOptions::whole_archive`]).
    Member,
}

/// A module that may go into a bundle.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// How messages name it: its path, or `ARCHIVE(MEMBER)` as linkers do.
    pub name: String,
    /// Its entry name in the bundle (`main.bc`, `lib/...`).
    pub entry: String,
    /// Where its bytes are.
    pub source: ModuleSource,
    /// Its symbol table.
    pub symbols: ModuleSymbols,
    /// The BLAKE3 hash of its bytes: identical modules are stored once.
    pub hash: [u8; 32],
    /// Named on its own, or an archive member.
    pub origin: Origin,
}

/// How to plan.
#[derive(Clone, Copy, Debug, Default)]
pub struct PackOptions {
    /// Include every archive member, not only those that define a needed symbol.
    pub whole_archive: bool,
}

/// A symbol the modules leave undefined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct External {
    /// The symbol.
    pub name: String,
    /// The first module (by message name) that refers to it.
    pub referenced_by: String,
    /// Every reference is `extern_weak`: it may stay unresolved.
    pub weak: bool,
}

/// What goes into the bundle.
#[derive(Debug)]
pub struct Plan {
    /// The modules in bundle order: the main module, then the others in command-line order (an
    /// archive's chosen members at the archive's place, in member order).
    pub modules: Vec<Candidate>,
    /// Modules left out because an identical one is already in: (left out, kept), by name.
    pub duplicates: Vec<(String, String)>,
    /// Archive members no module needed.
    pub unused_members: Vec<String>,
    /// Symbols the host provides (sorted).
    pub host_symbols: Vec<String>,
    /// Weak references nothing defines (they stay null).
    pub weak_unresolved: Vec<String>,
}

/// Why no bundle can be made.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// An input could not be read.
    #[error("cannot read {}", .path.display())]
    Io {
        /// The input.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An input (or archive member) is not bitcode.
    #[error("{0} is not LLVM bitcode (a bundle holds bitcode: clang-19 -emit-llvm -c; textual IR: llvm-as-19)")]
    NotBitcode(String),
    /// An archive could not be read.
    #[error("{} is not a usable archive: {message}", .path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Two modules define one symbol strongly.
    #[error(transparent)]
    Duplicate(#[from] CompileError),
    /// Symbols neither a module nor the host defines.
    #[error("{} undefined symbol{}: {}", .0.len(), if .0.len() == 1 { "" } else { "s" },
            .0.iter().map(|e| format!("{} (used by {})", e.name, e.referenced_by))
              .collect::<Vec<_>>().join(", "))]
    Unresolved(Vec<External>),
    /// No main module.
    #[error("no main module")]
    NoMain,
}

/// The symbols `modules` use but none of them defines, sorted by name.
pub fn externals<'a>(
    modules: impl IntoIterator<Item = (&'a str, &'a ModuleSymbols)>,
) -> Vec<External> {
    let modules: Vec<(&str, &ModuleSymbols)> = modules.into_iter().collect();
    let defined: HashSet<&str> = modules
        .iter()
        .flat_map(|(_, s)| s.defined.iter().map(|d| d.name.as_str()))
        .collect();
    let mut out: BTreeMap<&str, External> = BTreeMap::new();
    for (module, symbols) in &modules {
        for u in &symbols.undefined {
            if defined.contains(u.name.as_str()) {
                continue;
            }
            out.entry(&u.name)
                .and_modify(|e| e.weak &= u.weak)
                .or_insert_with(|| External {
                    name: u.name.clone(),
                    referenced_by: module.to_string(),
                    weak: u.weak,
                });
        }
    }
    out.into_values().collect()
}

/// Plans a bundle from `candidates` (the main module first, then the others in command-line
/// order); `host` says whether the host resolves a symbol.
pub fn plan(
    candidates: Vec<Candidate>,
    options: PackOptions,
    mut host: impl FnMut(&str) -> bool,
) -> Result<Plan, PackError> {
    if candidates.is_empty() {
        return Err(PackError::NoMain);
    }
    let mut included: Vec<bool> = candidates
        .iter()
        .map(|c| c.origin == Origin::File || options.whole_archive)
        .collect();
    // Archive members join while they define something the included modules still need.
    loop {
        let chosen = candidates
            .iter()
            .zip(&included)
            .filter(|(_, &inc)| inc)
            .map(|(c, _)| (c.name.as_str(), &c.symbols));
        let needed: HashSet<String> = externals(chosen)
            .into_iter()
            .filter(|e| !e.weak)
            .map(|e| e.name)
            .collect();
        let mut grew = false;
        for (candidate, inc) in candidates.iter().zip(included.iter_mut()) {
            if !*inc
                && candidate
                    .symbols
                    .defined
                    .iter()
                    .any(|d| needed.contains(&d.name))
            {
                *inc = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }

    let mut modules = Vec::new();
    let mut unused_members = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen: HashMap<[u8; 32], String> = HashMap::new();
    for (candidate, inc) in candidates.into_iter().zip(included) {
        if !inc {
            unused_members.push(candidate.name);
            continue;
        }
        if let Some(kept) = seen.get(&candidate.hash) {
            duplicates.push((candidate.name, kept.clone()));
            continue;
        }
        seen.insert(candidate.hash, candidate.name.clone());
        modules.push(candidate);
    }

    let mut definitions = Definitions::new();
    for m in &modules {
        definitions.add(&m.name, &m.symbols)?;
    }

    let mut host_symbols = Vec::new();
    let mut weak_unresolved = Vec::new();
    let mut unresolved = Vec::new();
    for external in externals(modules.iter().map(|m| (m.name.as_str(), &m.symbols))) {
        if host(&external.name) {
            host_symbols.push(external.name);
        } else if external.weak {
            weak_unresolved.push(external.name);
        } else {
            unresolved.push(external);
        }
    }
    if !unresolved.is_empty() {
        return Err(PackError::Unresolved(unresolved));
    }
    Ok(Plan {
        modules,
        duplicates,
        unused_members,
        host_symbols,
        weak_unresolved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use irjit_interface::symbols::{Binding, DefinedSymbol, SymbolKind, UndefinedSymbol};

    fn candidate(name: &str, origin: Origin, defines: &[&str], uses: &[&str]) -> Candidate {
        Candidate {
            name: name.to_string(),
            entry: format!("lib/{name}"),
            source: ModuleSource::file(name),
            symbols: ModuleSymbols {
                defined: defines
                    .iter()
                    .map(|d| DefinedSymbol {
                        name: d.to_string(),
                        kind: SymbolKind::Function,
                        binding: Binding::Strong,
                        comdat: false,
                    })
                    .collect(),
                undefined: uses
                    .iter()
                    .map(|u| UndefinedSymbol {
                        name: u.trim_start_matches('?').to_string(),
                        kind: SymbolKind::Function,
                        weak: u.starts_with('?'),
                    })
                    .collect(),
            },
            hash: *blake3::hash(format!("{name}{defines:?}{uses:?}").as_bytes()).as_bytes(),
            origin,
        }
    }

    #[test]
    fn entry_names_are_unique_and_end_in_bc() {
        let mut names = EntryNames::default();
        assert_eq!(names.claim("lib/a.bc"), "lib/a.bc");
        assert_eq!(names.claim("lib/a.bc"), "lib/a-2.bc");
        assert_eq!(names.claim("lib/a.bc"), "lib/a-3.bc");
        assert_eq!(with_bc_extension("x.o"), "x.bc");
        assert_eq!(library_entry_name(Path::new("/t/lua.bc")), "lib/lua.bc");
    }

    fn names(modules: &[Candidate]) -> Vec<&str> {
        modules.iter().map(|m| m.name.as_str()).collect()
    }

    #[test]
    fn members_join_to_a_fixed_point_in_command_line_order() {
        let candidates = vec![
            candidate("main.bc", Origin::File, &["main"], &["a", "printf"]),
            candidate("lib.a(c.bc)", Origin::Member, &["c"], &[]),
            candidate("lib.a(a.bc)", Origin::Member, &["a"], &["b"]),
            candidate("lib.a(b.bc)", Origin::Member, &["b"], &["c", "?maybe"]),
            candidate(
                "lib.a(unused.bc)",
                Origin::Member,
                &["unused"],
                &["nowhere"],
            ),
        ];
        let plan = plan(candidates, PackOptions::default(), |s| s == "printf").unwrap();
        assert_eq!(
            names(&plan.modules),
            ["main.bc", "lib.a(c.bc)", "lib.a(a.bc)", "lib.a(b.bc)"]
        );
        assert_eq!(plan.unused_members, ["lib.a(unused.bc)"]);
        assert_eq!(plan.host_symbols, ["printf"]);
        assert_eq!(plan.weak_unresolved, ["maybe"]);
    }

    #[test]
    fn whole_archive_takes_every_member_and_then_checks_it() {
        let candidates = vec![
            candidate("main.bc", Origin::File, &["main"], &[]),
            candidate(
                "lib.a(unused.bc)",
                Origin::Member,
                &["unused"],
                &["nowhere"],
            ),
        ];
        let e = plan(
            candidates,
            PackOptions {
                whole_archive: true,
            },
            |_| false,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "1 undefined symbol: nowhere (used by lib.a(unused.bc))"
        );
    }

    #[test]
    fn identical_modules_are_stored_once_and_strong_clashes_fail() {
        let main = candidate("main.bc", Origin::File, &["main"], &["f"]);
        let mut again = candidate("lib/f.bc", Origin::File, &["f"], &[]);
        let copy = Candidate {
            name: "copy/f.bc".to_string(),
            ..again.clone()
        };
        let plan = plan(
            vec![main.clone(), again.clone(), copy],
            PackOptions::default(),
            |_| false,
        )
        .unwrap();
        assert_eq!(names(&plan.modules), ["main.bc", "lib/f.bc"]);
        assert_eq!(
            plan.duplicates,
            [("copy/f.bc".to_string(), "lib/f.bc".to_string())]
        );
        let other = candidate("other/f.bc", Origin::File, &["f"], &[]);
        again.name = "lib/f.bc".to_string();
        let e =
            super::plan(vec![main, again, other], PackOptions::default(), |_| false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "symbol 'f' is defined in both lib/f.bc and other/f.bc"
        );
    }
}
