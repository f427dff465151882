//! One cache entry on disk: a fixed header, then the payload.
//!
//! ```text
//! 0   magic "IRJITCE1"
//! 8   kind (u32 LE: 1 object, 2 program record)
//! 12  reserved (0)
//! 16  the entry's key (32 bytes; the file is named after it)
//! 48  payload length (u64 LE)
//! 56  BLAKE3 of the payload (32 bytes)
//! 88  payload
//! ```
//!
//! Reading accepts an entry only if it is a regular file owned by the current user and writable
//! by nobody else, its size matches the header, its key matches the name it was looked up by,
//! and the payload matches its checksum. Anything else is [`EntryError`] — never executed.
//! Writing goes to a temporary file in the same directory, renamed over the final name, so a
//! reader sees either no entry or a whole one, whatever other processes do at the same time.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::SystemTime;

const MAGIC: &[u8; 8] = b"IRJITCE1";
/// Bytes before the payload.
pub(crate) const HEADER: usize = 88;

/// What an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A compiled object ([`irjit_interface::StoredObject`]).
    Object = 1,
    /// A program record ([`super::program::ProgramRecord`]).
    Program = 2,
}

/// Why an entry was refused.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// No such entry (the common miss; not worth a warning).
    #[error("no entry")]
    Missing,
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    /// Not owned by the current user, or writable by others: someone else could have put code
    /// there.
    #[error("refusing it: owned by uid {uid} with mode {mode:o} (must be ours and not group/other-writable)")]
    Foreign {
        /// The file's owner.
        uid: u32,
        /// The file's permission bits.
        mode: u32,
    },
    /// Not an entry, a truncated one, or one whose payload does not match its checksum.
    #[error("corrupt: {0}")]
    Corrupt(String),
}

/// Reads and checks the entry at `path`, expected to be of `kind` under `key`, and marks it used
/// (its modification time, for trimming).
pub(crate) fn read(path: &Path, kind: Kind, key: &[u8; 32]) -> Result<Vec<u8>, EntryError> {
    let mut file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(EntryError::Missing),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(EntryError::Corrupt("it is a symbolic link".to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(EntryError::Corrupt("not a regular file".to_string()));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() || meta.mode() & 0o022 != 0 {
        return Err(EntryError::Foreign {
            uid: meta.uid(),
            mode: meta.mode() & 0o7777,
        });
    }
    let size = meta.len() as usize;
    if size < HEADER {
        return Err(EntryError::Corrupt(format!(
            "{size} bytes, shorter than a header"
        )));
    }
    // Entries never change once in place (a writer renames a complete file over the name), so
    // the size just read is the size to read; a file shorter than that fails the read, and the
    // header's length and checksum catch everything else.
    let mut bytes = vec![0; size];
    file.read_exact(&mut bytes)?;
    let payload = decode(&bytes, kind, key).map(|range| bytes[range].to_vec())?;
    // Least recently used goes first when trimming: a hit makes an entry young. An hour is
    // fine-grained enough, and spares most hits an inode write.
    let now = SystemTime::now();
    let young = meta
        .modified()
        .is_ok_and(|m| now.duration_since(m).is_ok_and(|age| age < LRU_GRAIN));
    if !young {
        let _ = file.set_modified(now);
    }
    Ok(payload)
}

/// How stale an entry's last-use time may get before a hit refreshes it.
const LRU_GRAIN: std::time::Duration = std::time::Duration::from_secs(3600);

/// Checks an entry's bytes; returns where its payload is.
fn decode(bytes: &[u8], kind: Kind, key: &[u8; 32]) -> Result<std::ops::Range<usize>, EntryError> {
    let corrupt = |what: &str| Err(EntryError::Corrupt(what.to_string()));
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return corrupt("not an irjit cache entry");
    }
    let found_kind = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if found_kind != kind as u32 {
        return corrupt("an entry of another kind");
    }
    if bytes[12..16] != [0; 4] {
        return corrupt("an entry of another format");
    }
    if &bytes[16..48] != key {
        return corrupt("the entry's key does not match its name");
    }
    let len = u64::from_le_bytes(bytes[48..56].try_into().expect("8 bytes"));
    if len != (bytes.len() - HEADER) as u64 {
        return Err(EntryError::Corrupt(format!(
            "truncated or extended: {} payload bytes, the header says {len}",
            bytes.len() - HEADER
        )));
    }
    let payload = HEADER..bytes.len();
    if blake3::hash(&bytes[payload.clone()]).as_bytes() != &bytes[56..88] {
        return corrupt("the payload does not match its checksum");
    }
    Ok(payload)
}

/// The bytes of an entry.
pub(crate) fn encode(kind: Kind, key: &[u8; 32], payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(kind as u32).to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(blake3::hash(payload).as_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// Writes an entry atomically: a private temporary file in the same directory, renamed over
/// `path`. Returns the bytes written.
pub(crate) fn write(
    path: &Path,
    kind: Kind,
    key: &[u8; 32],
    payload: &[u8],
) -> std::io::Result<u64> {
    let dir = path.parent().expect("entries live in a directory");
    // `objects/` or `programs/`, then the fan-out directory: each made private when created.
    for level in [dir.parent(), Some(dir)].into_iter().flatten() {
        match std::fs::create_dir(level) {
            Ok(()) => set_private_dir(level)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let bytes = encode(kind, key, payload);
    let temp = dir.join(format!(
        ".tmp.{}.{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&temp)?;
        file.write_all(&bytes)?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map(|()| bytes.len() as u64)
}

static TEMP_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Gives a directory mode 0700.
pub(crate) fn set_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_corruption_is_refused() {
        let dir = tempdir();
        let key = [7u8; 32];
        let path = dir.join("ab").join("entry");
        write(&path, Kind::Object, &key, b"payload bytes").unwrap();
        assert_eq!(read(&path, Kind::Object, &key).unwrap(), b"payload bytes");
        assert!(matches!(
            read(&path, Kind::Program, &key),
            Err(EntryError::Corrupt(_))
        ));
        assert!(matches!(
            read(&path, Kind::Object, &[8u8; 32]),
            Err(EntryError::Corrupt(_))
        ));
        assert!(matches!(
            read(&dir.join("none"), Kind::Object, &key),
            Err(EntryError::Missing)
        ));

        // Every single flipped byte, and every truncation, is caught.
        let good = std::fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(decode(&bad, Kind::Object, &key).is_err(), "flip at {i}");
        }
        for len in 0..good.len() {
            assert!(
                decode(&good[..len], Kind::Object, &key).is_err(),
                "cut at {len}"
            );
        }

        // Writable by others: refused even though intact.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            read(&path, Kind::Object, &key),
            Err(EntryError::Foreign { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "irjit-entry-test-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
