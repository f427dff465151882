//! `irjit cache stats|gc|clear`, and the cache options every command that compiles shares.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use irjit_runtime::cache::{self, Cache};

/// Where the code cache is and how big it may grow.
#[derive(Args, Debug, Clone)]
pub struct CacheArgs {
    /// The code cache directory (default: $IRJIT_CACHE_DIR, else $XDG_CACHE_HOME/irjit, else
    /// ~/.cache/irjit).
    #[arg(long, value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,

    /// Neither read nor write the code cache (also: IRJIT_CACHE=off).
    #[arg(long, global = true)]
    no_cache: bool,

    /// Size limit of the cache, e.g. 512M or 2G (default: $IRJIT_CACHE_MAX_SIZE, else 1G); the
    /// least recently used entries go first.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, global = true)]
    cache_max_size: Option<u64>,
}

fn parse_size(s: &str) -> Result<u64, String> {
    cache::parse_size(s).ok_or_else(|| format!("'{s}' is not a size (e.g. 1073741824, 512M, 2G)"))
}

impl CacheArgs {
    /// The options as the command line's defaults leave them, but for `--cache-dir` and
    /// `--no-cache` (for the quick reading of a plain `irjit run`, see `RunArgs::simple`).
    pub fn new(cache_dir: Option<PathBuf>, no_cache: bool) -> CacheArgs {
        CacheArgs {
            cache_dir,
            no_cache,
            cache_max_size: None,
        }
    }

    fn dir(&self) -> anyhow::Result<PathBuf> {
        match &self.cache_dir {
            Some(dir) => Ok(dir.clone()),
            None => cache::default_dir().context(
                "no cache directory: set IRJIT_CACHE_DIR, XDG_CACHE_HOME or HOME, or pass --cache-dir",
            ),
        }
    }

    fn limit(&self) -> anyhow::Result<u64> {
        if let Some(limit) = self.cache_max_size {
            return Ok(limit);
        }
        match std::env::var("IRJIT_CACHE_MAX_SIZE") {
            Ok(text) if !text.is_empty() => {
                parse_size(&text).map_err(|e| anyhow::anyhow!("IRJIT_CACHE_MAX_SIZE: {e}"))
            }
            _ => Ok(cache::DEFAULT_LIMIT),
        }
    }

    /// Opens the cache, unless `--no-cache`. A cache that cannot be opened is a warning: the
    /// program runs without it.
    pub fn open_for_run(&self) -> anyhow::Result<Option<Arc<Cache>>> {
        let off =
            std::env::var("IRJIT_CACHE").is_ok_and(|v| matches!(v.as_str(), "off" | "0" | "no"));
        if self.no_cache || off {
            return Ok(None);
        }
        let limit = self.limit()?;
        let dir = match self.dir() {
            Ok(dir) => dir,
            Err(e) => {
                tracing::warn!("{e:#}; running without the code cache");
                return Ok(None);
            }
        };
        match Cache::open(&dir, limit) {
            Ok(cache) => Ok(Some(Arc::new(cache))),
            Err(e) => {
                tracing::warn!("{e}; running without the code cache");
                Ok(None)
            }
        }
    }

    /// Opens the cache only to look at it: `None` with `--no-cache` (or `IRJIT_CACHE=off`) or
    /// when the directory does not exist (nothing is created).
    pub fn open_existing(&self) -> anyhow::Result<Option<Cache>> {
        let off =
            std::env::var("IRJIT_CACHE").is_ok_and(|v| matches!(v.as_str(), "off" | "0" | "no"));
        if self.no_cache || off {
            return Ok(None);
        }
        let dir = self.dir()?;
        if !dir.is_dir() {
            return Ok(None);
        }
        Ok(Some(Cache::open(&dir, self.limit()?)?))
    }

    /// The cache directory these options name.
    pub fn directory(&self) -> anyhow::Result<PathBuf> {
        self.dir()
    }

    /// Opens the cache for a command that is about nothing else (an error if it cannot).
    pub fn open_required(&self) -> anyhow::Result<Cache> {
        anyhow::ensure!(!self.no_cache, "--no-cache makes no sense here");
        let dir = self.dir()?;
        Ok(Cache::open(&dir, self.limit()?)?)
    }
}

/// Options of `irjit cache`.
#[derive(Args, Debug)]
pub struct CacheCommand {
    #[command(subcommand)]
    action: Action,

    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Show the cache's size, entry count and hit rates.
    Stats,
    /// Trim the cache to its size limit, least recently used entries first.
    Gc,
    /// Remove every entry.
    Clear,
}

/// Bytes for people.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Runs `irjit cache ...`.
pub fn run(command: CacheCommand) -> anyhow::Result<u8> {
    let cache = command.cache.open_required()?;
    match command.action {
        Action::Stats => {
            let s = cache.summary();
            let t = s.totals;
            let hits = t.record_hits + t.key_hits;
            let lookups = hits + t.misses;
            println!("cache directory: {}", cache.dir().display());
            println!(
                "size: {} of {} allowed",
                human(s.object_bytes + s.program_bytes),
                human(cache.limit())
            );
            println!(
                "entries: {} compiled objects ({}), {} program records ({})",
                s.objects,
                human(s.object_bytes),
                s.programs,
                human(s.program_bytes)
            );
            println!("runs: {}", s.runs);
            if lookups == 0 {
                println!("hit rate: no lookups yet");
            } else {
                println!(
                    "hit rate: {:.1}% ({hits} of {lookups} units: {} through program records, {} by unit key; {} compiled)",
                    100.0 * hits as f64 / lookups as f64,
                    t.record_hits,
                    t.key_hits,
                    t.misses
                );
            }
            println!(
                "written: {} entries ({}); rejected as corrupt or foreign: {}",
                t.written,
                human(t.bytes_written),
                t.rejected
            );
        }
        Action::Gc => {
            let trimmed = cache
                .gc()
                .with_context(|| format!("cannot trim {}", cache.dir().display()))?;
            println!(
                "removed {} entries ({}); {} left (limit {})",
                trimmed.entries,
                human(trimmed.bytes),
                human(trimmed.left),
                human(cache.limit())
            );
        }
        Action::Clear => {
            let (entries, bytes) = cache
                .clear()
                .with_context(|| format!("cannot clear {}", cache.dir().display()))?;
            println!("removed {entries} entries ({})", human(bytes));
        }
    }
    Ok(0)
}
