//! Writing bundles: atomically (a temporary file renamed over the target), executable, and
//! byte-for-byte reproducible (fixed timestamps), so packing the same inputs gives the same file
//! and the same program key in the code cache.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::{Manifest, MANIFEST_ENTRY};

/// The longest `#!` line the kernel reads whole (`BINPRM_BUF_SIZE`, newline included).
pub const MAX_INTERPRETER_LINE: usize = 256;

/// Module data is aligned to this many bytes in the file.
const ALIGNMENT: u16 = 16;

/// One entry to write.
#[derive(Clone, Debug)]
pub struct BundleEntry {
    /// Its name in the archive.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Writes a bundle to `path`: the `#!` line (`#!` + `interpreter` + newline, if given), then a ZIP
/// archive of `entries` in order (the first must be `main.bc`) and the manifest, every entry
/// stored. The file appears whole or not at all, with mode 0755.
pub fn write_bundle(
    path: &Path,
    interpreter: Option<&str>,
    entries: &[BundleEntry],
    manifest: Option<&Manifest>,
) -> std::io::Result<()> {
    if let Some(line) = interpreter {
        if line.contains('\n') || line.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the interpreter line must be one non-empty line",
            ));
        }
        if line.len() + 3 > MAX_INTERPRETER_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the #! line would be {} bytes; the kernel reads at most {MAX_INTERPRETER_LINE}",
                    line.len() + 3
                ),
            ));
        }
    }
    let temporary = temporary_path(path);
    let result = write_to(&temporary, interpreter, entries, manifest).and_then(|()| {
        std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o755))?;
        std::fs::rename(&temporary, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "bundle".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn write_to(
    temporary: &Path,
    interpreter: Option<&str>,
    entries: &[BundleEntry],
    manifest: Option<&Manifest>,
) -> std::io::Result<()> {
    let mut file = BufWriter::new(File::create(temporary)?);
    if let Some(line) = interpreter {
        writeln!(file, "#!{line}")?;
    }
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .with_alignment(ALIGNMENT);
    let mut add = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let options = options.large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(bytes)
    };
    for entry in entries {
        add(&entry.name, &entry.bytes)?;
    }
    if let Some(manifest) = manifest {
        add(MANIFEST_ENTRY, &manifest.to_json())?;
    }
    let mut file = zip.finish().map_err(zip_error)?;
    file.flush()?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

fn zip_error(e: zip::result::ZipError) -> std::io::Error {
    match e {
        zip::result::ZipError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}
