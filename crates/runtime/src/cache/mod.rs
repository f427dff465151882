//! The persistent code cache: compiled objects and program records on disk, content-addressed,
//! shared by every irjit process of one user.
//!
//! ```text
//! $IRJIT_CACHE_DIR | $XDG_CACHE_HOME/irjit | ~/.cache/irjit     (mode 0700)
//!   objects/KK/KKKK…   one compiled object per content key (see irjit_interface::ObjectKey)
//!   programs/PP/PPPP…  one record per program build: its layout, which object each unit used
//!                      for each kind of request, and its profile (the units that got hot)
//!   stats              hit and miss counts, bytes written since the last trim (under flock)
//! ```
//!
//! Two keys make the two ways in:
//! - an **object key** is computed by the compiler from the unit's IR as built (see
//!   `irjit_interface::ObjectKey`): a program that changed finds every unchanged unit's object
//!   after building that unit's IR, without optimizing or generating code;
//! - a **program key** ([`program::ProgramKey`]) is computed by the runtime, without LLVM, from the
//!   program's files, the load options, the CPU and the toolchain: its record lists the object
//!   key of every unit the program used, so a run of an unchanged program maps and links cached
//!   objects without loading the compiler at all.
//!
//! Entries are written atomically and checked when read ([`entry`]): a corrupt, truncated or
//! foreign entry is reported, removed and recompiled, never executed. Writing is best-effort:
//! a cache that cannot be written logs one warning. The size is kept under a limit by removing
//! the least recently used entries (a hit refreshes an entry's modification time).

mod entry;
pub mod program;
pub mod session;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use irjit_interface::{ObjectKey, ObjectStore, StoredObject};

pub use entry::EntryError;
use entry::Kind;
use program::{ProgramKey, ProgramRecord};

/// The default size limit: 1 GiB.
pub const DEFAULT_LIMIT: u64 = 1 << 30;

/// Trimming (automatic or `irjit cache gc`) brings the cache down to this share of the limit.
const TRIM_TO_PERCENT: u64 = 90;

/// Temporary files older than this are left over from a crashed writer.
const STALE_TEMP: Duration = Duration::from_secs(600);

/// Why the cache cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// No directory given and no `$HOME` to put one in.
    #[error("no cache directory: set IRJIT_CACHE_DIR, XDG_CACHE_HOME or HOME")]
    NoDirectory,
    /// The directory could not be created or inspected.
    #[error("cache directory {dir}: {source}")]
    Io {
        /// The directory.
        dir: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The directory belongs to someone else or others may write to it.
    #[error("cache directory {dir} is owned by uid {uid} with mode {mode:o}: it must be yours and not writable by others")]
    Foreign {
        /// The directory.
        dir: PathBuf,
        /// Its owner.
        uid: u32,
        /// Its permission bits.
        mode: u32,
    },
}

/// The cache directory irjit uses when none is given: `$IRJIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/irjit`, else `~/.cache/irjit`.
pub fn default_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("IRJIT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("irjit"));
    }
    non_empty("HOME").map(|home| PathBuf::from(home).join(".cache").join("irjit"))
}

/// Parses a size such as `1073741824`, `512M`, `1G` or `64k`.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = digits.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

/// This process's use of the cache.
#[derive(Debug, Default)]
pub struct Counters {
    /// Objects found through a program record (no compiler needed).
    pub record_hits: AtomicU64,
    /// Objects found by the key the compiler computed from a unit's IR.
    pub key_hits: AtomicU64,
    /// Units that had to be compiled.
    pub misses: AtomicU64,
    /// Entries written, and their bytes.
    pub written: AtomicU64,
    /// See `written`.
    pub bytes_written: AtomicU64,
    /// Entries refused as corrupt, truncated or foreign (and removed).
    pub rejected: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CounterValues {
    /// See [`Counters::record_hits`].
    pub record_hits: u64,
    /// See [`Counters::key_hits`].
    pub key_hits: u64,
    /// See [`Counters::misses`].
    pub misses: u64,
    /// See [`Counters::written`].
    pub written: u64,
    /// See [`Counters::bytes_written`].
    pub bytes_written: u64,
    /// See [`Counters::rejected`].
    pub rejected: u64,
}

/// The cache directory of one user, as one process uses it.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    limit: u64,
    counters: Counters,
    /// One warning per process for a cache that cannot be written.
    warned: AtomicBool,
}

/// What is in the cache (`irjit cache stats`).
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Compiled objects, and their bytes.
    pub objects: u64,
    /// See `objects`.
    pub object_bytes: u64,
    /// Program records, and their bytes.
    pub programs: u64,
    /// See `programs`.
    pub program_bytes: u64,
    /// Lookups and what they found, over every run since the cache was made or cleared.
    pub totals: CounterValues,
    /// Runs that used the cache.
    pub runs: u64,
}

/// What a trim removed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Trimmed {
    /// Entries removed, and their bytes.
    pub entries: u64,
    /// See `entries`.
    pub bytes: u64,
    /// Bytes left.
    pub left: u64,
}

impl Cache {
    /// Opens (creating it with mode 0700 if needed) the cache in `dir`, kept under `limit` bytes.
    pub fn open(dir: &Path, limit: u64) -> Result<Cache, CacheError> {
        let io = |source| CacheError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(io)?;
            entry::set_private_dir(dir).map_err(io)?;
        }
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(dir).map_err(io)?;
        if meta.uid() != rustix::process::geteuid().as_raw() || meta.mode() & 0o022 != 0 {
            return Err(CacheError::Foreign {
                dir: dir.to_path_buf(),
                uid: meta.uid(),
                mode: meta.mode() & 0o7777,
            });
        }
        Ok(Cache {
            dir: dir.to_path_buf(),
            limit,
            counters: Counters::default(),
            warned: AtomicBool::new(false),
        })
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The size limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// This process's counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// A snapshot of this process's counters.
    pub fn counter_values(&self) -> CounterValues {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CounterValues {
            record_hits: get(&c.record_hits),
            key_hits: get(&c.key_hits),
            misses: get(&c.misses),
            written: get(&c.written),
            bytes_written: get(&c.bytes_written),
            rejected: get(&c.rejected),
        }
    }

    fn path(&self, kind: Kind, key: &[u8; 32]) -> PathBuf {
        let hex = ObjectKey(*key).to_hex();
        let sub = match kind {
            Kind::Object => "objects",
            Kind::Program => "programs",
        };
        self.dir.join(sub).join(&hex[..2]).join(&hex[2..])
    }

    /// Reads an entry; a bad one is reported and removed.
    fn read(&self, kind: Kind, key: &[u8; 32]) -> Option<Vec<u8>> {
        let path = self.path(kind, key);
        match entry::read(&path, kind, key) {
            Ok(payload) => Some(payload),
            Err(EntryError::Missing) => None,
            Err(e) => {
                self.reject(&path, &e);
                None
            }
        }
    }

    fn reject(&self, path: &Path, error: &dyn std::fmt::Display) {
        self.counters.rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            "cache entry {} {error}; removing it (it will be recompiled)",
            path.display()
        );
        if let Err(e) = std::fs::remove_file(path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("cannot remove cache entry {}: {e}", path.display());
            }
        }
    }

    fn write(&self, kind: Kind, key: &[u8; 32], payload: &[u8]) {
        match entry::write(&self.path(kind, key), kind, key, payload) {
            Ok(bytes) => {
                self.counters.written.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .bytes_written
                    .fetch_add(bytes, Ordering::Relaxed);
            }
            Err(e) => self.warn_unwritable(&e),
        }
    }

    /// Reads and decodes an entry; one that does not decode is rejected like a corrupt one.
    fn load<T: serde::de::DeserializeOwned>(&self, kind: Kind, key: &[u8; 32]) -> Option<T> {
        let payload = self.read(kind, key)?;
        postcard::from_bytes(&payload)
            .map_err(|e| self.reject(&self.path(kind, key), &format!("is unreadable: {e}")))
            .ok()
    }

    /// Encodes and writes an entry.
    fn store<T: serde::Serialize>(&self, kind: Kind, key: &[u8; 32], value: &T) {
        match postcard::to_stdvec(value) {
            Ok(payload) => self.write(kind, key, &payload),
            Err(e) => tracing::warn!("cannot encode a cache entry: {e}"),
        }
    }

    fn warn_unwritable(&self, e: &std::io::Error) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "cannot write to the code cache in {}: {e} (running without storing code)",
                self.dir.display()
            );
        }
    }

    /// The object stored under `key`, if a valid one exists.
    pub fn load_object(&self, key: &ObjectKey) -> Option<StoredObject> {
        self.load(Kind::Object, &key.0)
    }

    /// Whether an object is stored under `key` (its file exists; it is not read or checked, and
    /// its age in the LRU order does not change).
    pub fn has_object(&self, key: &ObjectKey) -> bool {
        self.path(Kind::Object, &key.0).is_file()
    }

    /// Stores an object under `key`.
    pub fn store_object(&self, key: &ObjectKey, object: &StoredObject) {
        self.store(Kind::Object, &key.0, object)
    }

    /// The record of a program build, if one is stored.
    pub fn load_program(&self, key: &ProgramKey) -> Option<ProgramRecord> {
        self.load(Kind::Program, &key.0)
    }

    /// Stores the record of a program build.
    pub fn store_program(&self, key: &ProgramKey, record: &ProgramRecord) {
        self.store(Kind::Program, &key.0, record)
    }

    /// Adds this process's counters to the totals in the `stats` file (under `flock`, so
    /// processes ending together do not lose counts), and trims the cache when the bytes written
    /// since the last trim may have taken it over its limit.
    pub fn finish_run(&self) {
        let values = self.counter_values();
        let result = self.update_totals(|totals| {
            totals.add(&values);
            totals.runs += 1;
            totals.size_estimate += values.bytes_written;
            if totals.size_estimate > self.limit {
                let trimmed = self.trim(self.limit);
                totals.size_estimate = trimmed.left;
            }
        });
        if let Err(e) = result {
            self.warn_unwritable(&e);
        }
    }

    fn update_totals(&self, change: impl FnOnce(&mut Totals)) -> std::io::Result<Totals> {
        use std::io::Read;
        use std::os::unix::fs::{FileExt, OpenOptionsExt};
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(self.dir.join("stats"))?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        let mut totals = Totals::parse(&text);
        change(&mut totals);
        // Overwritten in place, cut only when shorter: ext4 flushes a file truncated to zero
        // when it is closed (to protect replace-by-truncate writers), which cost every run a
        // synchronous write.
        let rendered = totals.render();
        file.write_all_at(rendered.as_bytes(), 0)?;
        if (rendered.len() as u64) < text.len() as u64 {
            file.set_len(rendered.len() as u64)?;
        }
        Ok(totals)
    }

    /// Every entry: (last use, bytes, path); temporary files left by crashed writers removed.
    fn entries(&self) -> Vec<(SystemTime, u64, PathBuf, Kind)> {
        let mut out = Vec::new();
        for (sub, kind) in [("objects", Kind::Object), ("programs", Kind::Program)] {
            let Ok(fans) = std::fs::read_dir(self.dir.join(sub)) else {
                continue;
            };
            for fan in fans.flatten() {
                let Ok(files) = std::fs::read_dir(fan.path()) else {
                    continue;
                };
                for file in files.flatten() {
                    let Ok(meta) = file.metadata() else { continue };
                    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    if file.file_name().to_string_lossy().starts_with(".tmp.") {
                        if modified.elapsed().is_ok_and(|age| age > STALE_TEMP) {
                            let _ = std::fs::remove_file(file.path());
                        }
                        continue;
                    }
                    out.push((modified, meta.len(), file.path(), kind));
                }
            }
        }
        out
    }

    /// What is in the cache, and the totals of every run.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for (_, bytes, _, kind) in self.entries() {
            match kind {
                Kind::Object => {
                    summary.objects += 1;
                    summary.object_bytes += bytes;
                }
                Kind::Program => {
                    summary.programs += 1;
                    summary.program_bytes += bytes;
                }
            }
        }
        if let Ok(text) = std::fs::read_to_string(self.dir.join("stats")) {
            let totals = Totals::parse(&text);
            summary.totals = totals.values;
            summary.runs = totals.runs;
        }
        summary
    }

    /// Removes least recently used entries until the cache holds at most 90% of `limit`
    /// (nothing when it is within `limit`).
    pub fn trim(&self, limit: u64) -> Trimmed {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        let mut trimmed = Trimmed::default();
        if total > limit {
            let target = limit / 100 * TRIM_TO_PERCENT;
            entries.sort_by_key(|e| e.0);
            for (_, bytes, path, _) in entries {
                if total <= target {
                    break;
                }
                if std::fs::remove_file(&path).is_ok() {
                    total -= bytes;
                    trimmed.entries += 1;
                    trimmed.bytes += bytes;
                }
            }
        }
        trimmed.left = total;
        trimmed
    }

    /// `irjit cache gc`: trims to the limit and records the size.
    pub fn gc(&self) -> std::io::Result<Trimmed> {
        let mut trimmed = Trimmed::default();
        self.update_totals(|totals| {
            trimmed = self.trim(self.limit);
            totals.size_estimate = trimmed.left;
        })?;
        Ok(trimmed)
    }

    /// Removes every entry and the totals; returns the entries removed and their bytes.
    pub fn clear(&self) -> std::io::Result<(u64, u64)> {
        let entries = self.entries();
        let (mut n, mut bytes) = (0, 0);
        for (_, size, path, _) in entries {
            if std::fs::remove_file(&path).is_ok() {
                n += 1;
                bytes += size;
            }
        }
        self.update_totals(|totals| *totals = Totals::default())?;
        Ok((n, bytes))
    }
}

impl ObjectStore for Cache {
    fn load(&self, key: &ObjectKey) -> Option<StoredObject> {
        let found = self.load_object(key);
        if found.is_some() {
            self.counters.key_hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }
}

/// The `stats` file: totals over runs.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    values: CounterValues,
    runs: u64,
    /// Bytes in the cache at the last trim plus bytes written since.
    size_estimate: u64,
}

impl Totals {
    fn fields(&mut self) -> [(&'static str, &mut u64); 8] {
        let v = &mut self.values;
        [
            ("runs", &mut self.runs),
            ("record_hits", &mut v.record_hits),
            ("key_hits", &mut v.key_hits),
            ("misses", &mut v.misses),
            ("written", &mut v.written),
            ("bytes_written", &mut v.bytes_written),
            ("rejected", &mut v.rejected),
            ("size_estimate", &mut self.size_estimate),
        ]
    }

    fn parse(text: &str) -> Totals {
        let mut totals = Totals::default();
        for line in text.lines() {
            let Some((name, value)) = line.split_once(' ') else {
                continue;
            };
            let Ok(value) = value.trim().parse::<u64>() else {
                continue;
            };
            for (field, slot) in totals.fields() {
                if field == name {
                    *slot = value;
                }
            }
        }
        totals
    }

    fn render(mut self) -> String {
        let mut text = String::new();
        for (name, value) in self.fields() {
            text.push_str(&format!("{name} {value}\n"));
        }
        text
    }

    fn add(&mut self, v: &CounterValues) {
        let t = &mut self.values;
        t.record_hits += v.record_hits;
        t.key_hits += v.key_hits;
        t.misses += v.misses;
        t.written += v.written;
        t.bytes_written += v.bytes_written;
        t.rejected += v.rejected;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_cache(limit: u64) -> (PathBuf, Cache) {
        let dir = std::env::temp_dir().join(format!(
            "irjit-cache-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = Cache::open(&dir, limit).unwrap();
        (dir, cache)
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("64k"), Some(64 << 10));
        assert_eq!(parse_size("1234"), Some(1234));
        assert_eq!(parse_size("12x"), None);
        assert_eq!(parse_size(""), None);
    }

    #[test]
    fn objects_round_trip_are_private_and_trim_oldest_first() {
        let (dir, cache) = temp_cache(1 << 20);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let object = |n: u8| StoredObject {
            object: vec![n; 1000],
            osr_sites: u32::from(n),
        };
        let keys: Vec<ObjectKey> = (0..10).map(|n| ObjectKey([n; 32])).collect();
        for (n, key) in keys.iter().enumerate() {
            cache.store_object(key, &object(n as u8));
        }
        assert_eq!(cache.load_object(&keys[3]), Some(object(3)));
        assert_eq!(cache.load_object(&ObjectKey([99; 32])), None);
        let summary = cache.summary();
        assert_eq!(summary.objects, 10);

        // Make entry 0 old, then use it: it must survive a trim that removes older ones.
        for (n, key) in keys.iter().enumerate() {
            let path = cache.path(Kind::Object, &key.0);
            let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + n as u64);
            std::fs::File::open(path)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        assert!(cache.load_object(&keys[0]).is_some());
        let each = summary.object_bytes / 10;
        let trimmed = cache.trim(each * 5);
        assert!(trimmed.entries >= 5, "{trimmed:?}");
        assert!(
            cache.load_object(&keys[0]).is_some(),
            "recently used survives"
        );
        assert!(cache.load_object(&keys[1]).is_none(), "oldest goes first");
        assert_eq!(cache.counter_values().rejected, 0);

        // Corrupt one entry: refused, removed, counted.
        let path = cache.path(Kind::Object, &keys[9].0);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(cache.load_object(&keys[9]).is_none());
        assert!(!path.exists());
        assert_eq!(cache.counter_values().rejected, 1);

        cache.finish_run();
        assert_eq!(cache.summary().runs, 1);
        let (removed, _) = cache.clear().unwrap();
        assert!(removed >= 1);
        assert_eq!(cache.summary().objects, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
