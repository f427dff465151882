//! One run's use of the cache: the program's record, a compiler decorator that serves objects
//! from the cache, and a background writer.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use irjit_interface::{
    CompileError, CompileRequest, CompiledUnit, ObjectKey, ObjectStore, Osr, ProgramLayout,
    StoredObject, UnitCompiler, UnitId,
};

use super::program::{ObjectSlot, ProgramKey, ProgramRecord, Shape, UnitHeat};
use super::Cache;

/// How long exit waits for objects still being written.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// A long run saves its record (and profile) this often, besides at exit.
pub const PERSIST_INTERVAL: Duration = Duration::from_secs(10);

/// One run of one program with the cache.
pub struct CacheSession {
    cache: Arc<Cache>,
    key: ProgramKey,
    /// The record as this run found it.
    previous: Option<ProgramRecord>,
    known: BTreeMap<(u32, Shape), ObjectSlot>,
    /// Objects this run used or made.
    fresh: Mutex<BTreeMap<(u32, Shape), ObjectSlot>>,
    writer: Mutex<Option<Writer>>,
    last_persist: Mutex<Instant>,
}

struct Writer {
    jobs: mpsc::Sender<Job>,
    /// The process that started the thread (a forked child has none and writes itself).
    pid: u32,
}

enum Job {
    Store(ObjectKey, StoredObject),
    Flush(mpsc::SyncSender<()>),
}

impl std::fmt::Debug for CacheSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheSession")
            .field("dir", &self.cache.dir())
            .field("record", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl CacheSession {
    /// Starts a run of the program `key` names, reading its record if the cache has one.
    pub fn new(cache: Arc<Cache>, key: ProgramKey) -> Arc<CacheSession> {
        let previous = cache
            .load_program(&key)
            .filter(|r| !r.layout.units.is_empty());
        let known = previous
            .as_ref()
            .map(ProgramRecord::object_map)
            .unwrap_or_default();
        Arc::new(CacheSession {
            cache,
            key,
            previous,
            known,
            fresh: Mutex::new(BTreeMap::new()),
            writer: Mutex::new(None),
            last_persist: Mutex::new(Instant::now()),
        })
    }

    /// The cache.
    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// The program's layout from an earlier run: with it, nothing needs the compiler until a
    /// unit misses.
    pub fn layout(&self) -> Option<&ProgramLayout> {
        self.previous.as_ref().map(|r| &r.layout)
    }

    /// Units that reached tier 2 in earlier runs (the profile's hot set).
    pub fn hot_units(&self) -> Vec<UnitId> {
        self.previous
            .as_ref()
            .map(|r| r.hot_units().collect())
            .unwrap_or_default()
    }

    /// The object a unit used for requests of `shape`, in this run or an earlier one.
    pub fn find(&self, unit: UnitId, shape: Shape) -> Option<ObjectSlot> {
        let fresh = self.fresh.lock().expect("not poisoned");
        fresh
            .get(&(unit.0, shape))
            .or_else(|| self.known.get(&(unit.0, shape)))
            .copied()
    }

    /// Records that the object `key` serves `unit`'s requests of `shape` as well: an OSR
    /// continuation whose compile also gave the function's tier-2 entry serves the next run's
    /// request for that entry (linked as a unit, the object's continuation entries are unused).
    pub fn note_also(&self, unit: UnitId, shape: Shape, key: ObjectKey) {
        self.note(ObjectSlot {
            unit: unit.0,
            shape,
            key,
            osr_sites: 0,
        });
    }

    fn note(&self, slot: ObjectSlot) {
        self.fresh
            .lock()
            .expect("not poisoned")
            .insert((slot.unit, slot.shape), slot);
    }

    /// Stores an object, on the writer thread.
    fn store(&self, key: ObjectKey, object: StoredObject) {
        let mut writer = self.writer.lock().expect("not poisoned");
        if writer.is_none() {
            *writer = spawn_writer(self.cache.clone());
        }
        // A forked child has no writer thread (it stayed in the parent): it writes itself.
        match writer.as_ref().filter(|w| w.pid == std::process::id()) {
            Some(w) => {
                if let Err(mpsc::SendError(Job::Store(key, object))) =
                    w.jobs.send(Job::Store(key, object))
                {
                    self.cache.store_object(&key, &object);
                }
            }
            None => self.cache.store_object(&key, &object),
        }
    }

    /// The writer thread runs in this process.
    pub fn has_writer_thread(&self) -> bool {
        self.writer
            .lock()
            .expect("not poisoned")
            .as_ref()
            .is_some_and(|w| w.pid == std::process::id())
    }

    /// Lets the writer thread end once it has written what it was handed (a quiet period, see
    /// `crate::quiet`); the next store starts another.
    pub fn release_writer(&self) {
        let mut writer = self.writer.lock().expect("not poisoned");
        if writer.as_ref().is_some_and(|w| w.pid == std::process::id()) {
            // Without a sender, its loop ends when the queue is empty.
            *writer = None;
        }
    }

    /// Waits (a bounded time) until the objects handed to the writer are on disk.
    pub fn flush(&self) {
        let writer = self.writer.lock().expect("not poisoned");
        if let Some(w) = writer.as_ref().filter(|w| w.pid == std::process::id()) {
            let (done, wait) = mpsc::sync_channel(1);
            if w.jobs.send(Job::Flush(done)).is_ok() && wait.recv_timeout(FLUSH_TIMEOUT).is_err() {
                tracing::warn!("the code cache writer did not finish in time");
            }
        }
    }

    /// Saves what this run learnt, merged into the record on disk (which another process may
    /// have updated meanwhile): the objects its units used and its profile.
    pub fn persist(&self, layout: &ProgramLayout, profile: Vec<UnitHeat>) {
        self.flush();
        *self.last_persist.lock().expect("not poisoned") = Instant::now();
        let fresh: Vec<ObjectSlot> = self
            .fresh
            .lock()
            .expect("not poisoned")
            .values()
            .copied()
            .collect();
        // Nothing new (every object already recorded, no unit newly hot): leave the record be.
        let known_hot: std::collections::BTreeSet<u32> =
            self.hot_units().into_iter().map(|u| u.0).collect();
        if self.previous.as_ref().is_some_and(|p| p.layout == *layout)
            && fresh
                .iter()
                .all(|slot| self.known.get(&(slot.unit, slot.shape)) == Some(slot))
            && profile
                .iter()
                .all(|h| !h.tier2 || known_hot.contains(&h.unit))
        {
            return;
        }
        let ours = ProgramRecord {
            layout: layout.clone(),
            objects: fresh,
            profile,
            runs: 1,
        };
        let mut record = self
            .cache
            .load_program(&self.key)
            .filter(|r| r.layout == *layout)
            .unwrap_or_default();
        record.merge(&ours);
        self.cache.store_program(&self.key, &record);
    }

    /// Whether a long run should save its record now.
    pub fn persist_due(&self) -> bool {
        self.last_persist.lock().expect("not poisoned").elapsed() >= PERSIST_INTERVAL
    }
}

fn spawn_writer(cache: Arc<Cache>) -> Option<Writer> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let spawned = crate::signals::spawn_blocked(|| {
        std::thread::Builder::new()
            .name("irjit-cache-write".to_string())
            .spawn(move || {
                crate::reclaim::register_runtime_thread();
                for job in queue {
                    match job {
                        Job::Store(key, object) => cache.store_object(&key, &object),
                        Job::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
                crate::reclaim::unregister_runtime_thread();
            })
    });
    match spawned {
        Ok(_) => Some(Writer {
            jobs,
            pid: std::process::id(),
        }),
        Err(e) => {
            tracing::debug!("no cache writer thread ({e}); writing in place");
            None
        }
    }
}

/// A compiler decorated with the cache: a unit whose object the program's record lists (or
/// this run made) is read from disk and the inner compiler is not asked at all; otherwise the
/// inner compiler builds the unit's IR and looks its key up (see [`ObjectStore`]), and what it
/// compiles is stored.
pub struct CachingCompiler {
    inner: Box<dyn UnitCompiler>,
    session: Arc<CacheSession>,
    /// The compile under way is ahead of a first call: neither store nor record its object
    /// (see [`CacheSession::keep`]).
    ahead: bool,
}

impl CachingCompiler {
    /// Wraps `inner`, which from now on consults the session's cache by key.
    pub fn new(mut inner: Box<dyn UnitCompiler>, session: Arc<CacheSession>) -> CachingCompiler {
        inner.set_store(Some(session.cache.clone() as Arc<dyn ObjectStore>));
        CachingCompiler {
            inner,
            session,
            ahead: false,
        }
    }
}

impl CacheSession {
    /// Stores and records an object compiled ahead (with `request`) once its first call uses
    /// it, as [`CachingCompiler::compile`] does for the objects it compiles: objects compiled
    /// ahead and never called do not fill the cache.
    pub fn keep(&self, request: &CompileRequest, defines: usize, compiled: &CompiledUnit) {
        let Some(key) = compiled.key else {
            return;
        };
        if !compiled.from_store {
            self.cache
                .counters()
                .misses
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.store(
                key,
                StoredObject {
                    object: compiled.object.clone(),
                    osr_sites: compiled.osr_sites,
                },
            );
        }
        self.note(ObjectSlot {
            unit: compiled.unit.0,
            shape: Shape::of(request, defines),
            key,
            osr_sites: compiled.osr_sites,
        });
    }
}

impl UnitCompiler for CachingCompiler {
    fn layout(&self) -> &ProgramLayout {
        self.inner.layout()
    }

    fn compile(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError> {
        let start = Instant::now();
        let info = self
            .layout()
            .units
            .get(unit.index())
            .ok_or(CompileError::NoSuchUnit(unit))?;
        let shape = Shape::of(request, info.defines.len());
        let counters = self.session.cache.counters();
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(slot) = self.session.find(unit, shape) {
            let fits = match request.osr {
                Osr::Sites { limit } => slot.osr_sites <= limit,
                _ => true,
            };
            if fits {
                if let Some(stored) = self.session.cache.load_object(&slot.key) {
                    counters.record_hits.fetch_add(1, Relaxed);
                    if !self.ahead {
                        self.session.note(slot);
                    }
                    return Ok(CompiledUnit {
                        unit,
                        level: request.level,
                        object: stored.object,
                        compile_time: start.elapsed(),
                        osr_sites: stored.osr_sites,
                        key: Some(slot.key),
                        from_store: true,
                    });
                }
            }
        }
        let compiled = self.inner.compile(unit, request)?;
        if self.ahead {
            return Ok(compiled); // Kept, if used, by `CacheSession::keep`.
        }
        if let Some(key) = compiled.key {
            if !compiled.from_store {
                counters.misses.fetch_add(1, Relaxed);
                self.session.store(
                    key,
                    StoredObject {
                        object: compiled.object.clone(),
                        osr_sites: compiled.osr_sites,
                    },
                );
            }
            self.session.note(ObjectSlot {
                unit: unit.0,
                shape,
                key,
                osr_sites: compiled.osr_sites,
            });
        } else {
            counters.misses.fetch_add(1, Relaxed);
        }
        Ok(compiled)
    }

    fn compile_ahead(
        &mut self,
        unit: UnitId,
        request: &CompileRequest,
    ) -> Result<CompiledUnit, CompileError> {
        self.ahead = true;
        let result = self.compile(unit, request);
        self.ahead = false;
        result
    }

    fn set_store(&mut self, store: Option<Arc<dyn ObjectStore>>) {
        self.inner.set_store(store);
    }
}
