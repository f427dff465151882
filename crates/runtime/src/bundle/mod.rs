//! Program bundles: one file holding a program's main module and its library modules, run like an
//! executable.
//!
//! ```text
//! #!/path/to/irjit run\n      optional: lets the kernel start `./APP args` as `irjit run ./APP args`
//! ZIP archive (entries stored, never compressed, each module's data aligned to 16 bytes)
//!   main.bc                   entry 0: the main module (LLVM bitcode)
//!   lib/NAME.bc ...           library modules, in load (link) order
//!   irjit.json                optional manifest (see [`Manifest`]): libraries to dlopen, entry
//!                             function, minimum irjit version
//! ```
//!
//! This is the layout of ALLVM's `allexe` plus a manifest. Modules are stored uncompressed so the
//! compiler reads each one straight from its byte range of the bundle file
//! ([`irjit_interface::ModuleSource`]); nothing is extracted. Opening a bundle checks every module
//! entry (stored, bitcode magic, CRC-32 of its bytes) before anything runs, so a damaged bundle
//! is refused with an error naming the entry.
//!
//! Reading needs no LLVM; [`pack`] plans a bundle from symbol tables the compiler library reads.

mod manifest;
pub mod pack;
mod write;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use irjit_interface::{ByteRange, LoadSpec, ModuleSource};
use zip::result::ZipError;
use zip::CompressionMethod;

pub use manifest::Manifest;
pub use write::{write_bundle, BundleEntry, MAX_INTERPRETER_LINE};

/// The name of a bundle's first entry: the main module.
pub const MAIN_ENTRY: &str = "main.bc";

/// The name of a bundle's manifest entry.
pub const MANIFEST_ENTRY: &str = "irjit.json";

/// Where library modules go in a bundle.
pub const LIBRARY_DIR: &str = "lib/";

/// What a ZIP archive starts with (a local file header).
pub const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";

const BITCODE_MAGIC: [u8; 4] = [b'B', b'C', 0xC0, 0xDE];
const BITCODE_WRAPPER_MAGIC: [u8; 4] = [0xDE, 0xC0, 0x17, 0x0B];

/// Whether `bytes` start like LLVM bitcode (raw or wrapped).
pub fn is_bitcode(bytes: &[u8]) -> bool {
    bytes.starts_with(&BITCODE_MAGIC) || bytes.starts_with(&BITCODE_WRAPPER_MAGIC)
}

/// Why a bundle cannot be used. Every message names the bundle, and the entry when one is at fault.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file could not be read.
    #[error("cannot read {}", .path.display())]
    Io {
        /// The bundle.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// No ZIP archive could be read: not a bundle, or a truncated one.
    #[error("{} is not a program bundle (truncated, or no ZIP archive after the #! line): {message}", .path.display())]
    NotZip {
        /// The bundle.
        path: PathBuf,
        /// The ZIP reader's explanation.
        message: String,
    },
    /// The first entry is not `main.bc`.
    #[error("{}: {}", .path.display(), match .first {
        Some(first) => format!("the first entry is {first}, not {MAIN_ENTRY}"),
        None => format!("the bundle has no entries (it needs {MAIN_ENTRY} first)"),
    })]
    NoMain {
        /// The bundle.
        path: PathBuf,
        /// The first entry's name, if there is one.
        first: Option<String>,
    },
    /// An entry is unreadable, compressed, encrypted, not bitcode, corrupt or truncated.
    #[error("{}: entry {entry}: {problem}", .path.display())]
    Entry {
        /// The bundle.
        path: PathBuf,
        /// The entry's name in the archive.
        entry: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The manifest is malformed or asks for a newer irjit.
    #[error("{}: {MANIFEST_ENTRY}: {message}", .path.display())]
    Manifest {
        /// The bundle.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// One module of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleModule {
    /// Its entry name (`main.bc`, `lib/NAME.bc`, ...).
    pub name: String,
    /// Where its bytes are in the bundle file.
    pub range: ByteRange,
    /// The CRC-32 the archive records (checked when the bundle was opened).
    pub crc32: u32,
}

/// An opened, checked bundle.
#[derive(Clone, Debug)]
pub struct Bundle {
    path: PathBuf,
    size: u64,
    interpreter: Option<String>,
    modules: Vec<BundleModule>,
    manifest: Option<Manifest>,
}

/// Whether the file at `path` looks like a bundle (starts with `#!` or a ZIP header) rather than a
/// bare IR module. Whether it really is one is for [`Bundle::open`] to say.
pub fn looks_like_bundle(path: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 4];
    let mut file = File::open(path)?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    // An archive with no entries starts with its end-of-directory record.
    Ok(head[..got].starts_with(b"#!") || head[..got] == ZIP_MAGIC || head[..got] == *b"PK\x05\x06")
}

impl Bundle {
    /// Opens the bundle at `path` and checks it: a ZIP archive (after an optional `#!` line)
    /// whose first entry is `main.bc`, whose other entries are bitcode modules or the manifest,
    /// all stored uncompressed with matching CRC-32s; a manifest, if present, this irjit can
    /// honour.
    pub fn open(path: &Path) -> Result<Bundle, BundleError> {
        let io = |source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let mut reader = BufReader::new(file);
        let interpreter = read_interpreter_line(&mut reader).map_err(io)?;
        let mut archive = zip::ZipArchive::new(reader).map_err(|e| match e {
            ZipError::Io(source) => io(source),
            other => BundleError::NotZip {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
        let entry_error = |entry: &str, problem: String| BundleError::Entry {
            path: path.to_path_buf(),
            entry: entry.to_string(),
            problem,
        };
        // The directory first (names, ranges, checksums), then each entry's bytes.
        let mut listed = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| entry_error(&format!("#{index}"), format!("is unreadable: {e}")))?;
            let name = entry.name().to_string();
            if entry.encrypted() {
                return Err(entry_error(&name, "is encrypted".to_string()));
            }
            if entry.compression() != CompressionMethod::Stored {
                return Err(entry_error(
                    &name,
                    format!(
                        "is compressed ({}); bundle entries must be stored uncompressed \
                         (irjit pack makes such bundles)",
                        entry.compression()
                    ),
                ));
            }
            if entry.size() != entry.compressed_size() {
                return Err(entry_error(
                    &name,
                    "is stored with two different sizes".to_string(),
                ));
            }
            let range = ByteRange {
                offset: entry.data_start(),
                len: entry.size(),
            };
            if index == 0 && name != MAIN_ENTRY {
                return Err(BundleError::NoMain {
                    path: path.to_path_buf(),
                    first: Some(name),
                });
            }
            if !entry.is_dir() {
                listed.push((name, range, entry.crc32()));
            }
        }
        let mut reader = archive.into_inner();
        let mut modules = Vec::new();
        let mut manifest_bytes = None;
        for (name, range, crc32) in listed {
            let bytes = read_checked(&mut reader, range, crc32, size)
                .map_err(|problem| entry_error(&name, problem))?;
            if name == MANIFEST_ENTRY {
                manifest_bytes = Some(bytes);
                continue;
            }
            if !is_bitcode(&bytes) {
                return Err(entry_error(
                    &name,
                    "is not LLVM bitcode (no bitcode magic BC C0 DE)".to_string(),
                ));
            }
            modules.push(BundleModule { name, range, crc32 });
        }
        if modules.is_empty() {
            return Err(BundleError::NoMain {
                path: path.to_path_buf(),
                first: None,
            });
        }
        let manifest = manifest_bytes
            .map(|bytes| Manifest::parse(&bytes))
            .transpose()
            .and_then(|m| {
                if let Some(m) = &m {
                    m.check_supported()?;
                }
                Ok(m)
            })
            .map_err(|message| BundleError::Manifest {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(Bundle {
            path: path.to_path_buf(),
            size,
            interpreter,
            modules,
            manifest,
        })
    }

    /// The bundle's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The `#!` line, without `#!` and the newline, if the bundle has one.
    pub fn interpreter(&self) -> Option<&str> {
        self.interpreter.as_deref()
    }

    /// The modules: `main.bc` first, then the library modules in load order.
    pub fn modules(&self) -> &[BundleModule] {
        &self.modules
    }

    /// The manifest, if the bundle has one.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    /// Where module `module`'s IR is, for the compiler.
    pub fn source(&self, module: &BundleModule) -> ModuleSource {
        ModuleSource::slice(module.name.clone(), self.path.clone(), module.range)
    }

    /// The program to load: the bundle's modules, then `extra_modules` (`--extra-module`).
    pub fn load_spec(&self, extra_modules: &[PathBuf], eager: bool) -> LoadSpec {
        let mut sources = self.modules.iter().map(|m| self.source(m));
        let main = sources.next().expect("a bundle has a main module");
        let mut extra: Vec<ModuleSource> = sources.collect();
        extra.extend(extra_modules.iter().map(ModuleSource::file));
        LoadSpec {
            main,
            extra_modules: extra,
            eager,
        }
    }
}

/// Reads the `#!` line if the file starts with one, leaving the reader at the start; returns the
/// line without `#!` and the newline.
fn read_interpreter_line<R: Read + Seek>(reader: &mut R) -> std::io::Result<Option<String>> {
    let mut head = Vec::with_capacity(256);
    reader.by_ref().take(512).read_to_end(&mut head)?;
    reader.seek(SeekFrom::Start(0))?;
    if !head.starts_with(b"#!") {
        return Ok(None);
    }
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    Ok(Some(
        String::from_utf8_lossy(&head[2..end]).trim().to_string(),
    ))
}

/// Reads an entry's bytes and checks them against the archive's CRC-32.
fn read_checked<R: Read + Seek>(
    reader: &mut R,
    range: ByteRange,
    crc32: u32,
    file_size: u64,
) -> Result<Vec<u8>, String> {
    let inside = matches!(range.offset.checked_add(range.len), Some(end) if end <= file_size);
    if !inside {
        return Err(format!(
            "is truncated: its {} bytes at offset {} run past the end of the {file_size}-byte file",
            range.len, range.offset
        ));
    }
    let len = usize::try_from(range.len).map_err(|_| "is too large".to_string())?;
    let mut bytes = vec![0; len];
    reader
        .seek(SeekFrom::Start(range.offset))
        .and_then(|_| reader.read_exact(&mut bytes))
        .map_err(|e| format!("cannot be read: {e}"))?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&bytes);
    let actual = hasher.finalize();
    if actual != crc32 {
        return Err(format!(
            "is corrupt: its CRC-32 is {actual:08x}, the archive records {crc32:08x}"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitcode(tag: u8) -> Vec<u8> {
        let mut b = BITCODE_MAGIC.to_vec();
        b.extend_from_slice(&[tag; 60]);
        b
    }

    fn entries(list: &[(&str, Vec<u8>)]) -> Vec<BundleEntry> {
        list.iter()
            .map(|(name, bytes)| BundleEntry {
                name: name.to_string(),
                bytes: bytes.clone(),
            })
            .collect()
    }

    #[test]
    fn round_trip_with_interpreter_and_manifest() {
        let dir = tempdir();
        let path = dir.join("app");
        let manifest = Manifest {
            dlopen: vec!["libz.so.1".to_string()],
            entry: Some("start".to_string()),
            ..Manifest::new()
        };
        write_bundle(
            &path,
            Some("/opt/irjit run"),
            &entries(&[(MAIN_ENTRY, bitcode(1)), ("lib/a.bc", bitcode(2))]),
            Some(&manifest),
        )
        .unwrap();
        let bundle = Bundle::open(&path).unwrap();
        assert_eq!(bundle.interpreter(), Some("/opt/irjit run"));
        let names: Vec<&str> = bundle.modules().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, [MAIN_ENTRY, "lib/a.bc"]);
        assert_eq!(bundle.manifest(), Some(&manifest));
        let spec = bundle.load_spec(&[PathBuf::from("x.bc")], false);
        assert_eq!(spec.main.read().unwrap(), bitcode(1));
        assert_eq!(spec.extra_modules[0].read().unwrap(), bitcode(2));
        assert_eq!(spec.extra_modules[1], ModuleSource::file("x.bc"));
        for m in bundle.modules() {
            assert_eq!(m.range.offset % 16, 0, "{} is aligned", m.name);
        }
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o111, 0o111, "bundles are executable");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_bundles_name_the_entry() {
        let dir = tempdir();
        let path = dir.join("bad");
        let check = |list: &[(&str, Vec<u8>)], want: &str| {
            write_bundle(&path, None, &entries(list), None).unwrap();
            let e = Bundle::open(&path).unwrap_err().to_string();
            assert!(e.contains(want), "{e} should contain {want}");
        };
        check(
            &[("lib/a.bc", bitcode(1))],
            "the first entry is lib/a.bc, not main.bc",
        );
        check(
            &[(MAIN_ENTRY, bitcode(1)), ("lib/b.bc", b"hello".to_vec())],
            "entry lib/b.bc: is not LLVM bitcode",
        );
        check(
            &[
                (MAIN_ENTRY, bitcode(1)),
                (MANIFEST_ENTRY, b"{\"format\": 99}".to_vec()),
            ],
            "irjit.json: bundle format 99",
        );
        // A flipped byte inside a module.
        write_bundle(
            &path,
            None,
            &entries(&[(MAIN_ENTRY, bitcode(1)), ("lib/a.bc", bitcode(2))]),
            None,
        )
        .unwrap();
        let bundle = Bundle::open(&path).unwrap();
        let at = bundle.modules()[1].range.offset + 10;
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[at as usize] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let e = Bundle::open(&path).unwrap_err().to_string();
        assert!(e.contains("entry lib/a.bc: is corrupt"), "{e}");
        // Cut short: the archive's directory is gone.
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&path, &bytes).unwrap();
        let e = Bundle::open(&path).unwrap_err();
        assert!(matches!(e, BundleError::NotZip { .. }), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "irjit-bundle-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
