//! One reclamation round: every thread of the process looked at in one moment, its registers and
//! stack compared against the candidate code ranges. See the parent module for the scheme.
//!
//! Between stopping the threads and letting them go, the scanning thread must not allocate, lock
//! or log: a stopped thread may hold the C library's `malloc` lock or any other. So everything a
//! round needs is set up before the stop, files under `/proc` are read with plain system calls
//! into buffers allocated beforehand, and results go into vectors with their capacity reserved.

use std::cell::Cell;
use std::ffi::{c_int, c_void, CStr};
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Threads one round can stop at once; a process with more makes the round inconclusive.
const MAX_THREADS: usize = 1024;
/// General registers saved in a `ucontext_t` on x86-64.
const NGREG: usize = 23;
/// How long a round waits for stopped threads to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_millis(200);
/// The x86-64 System V red zone below the stack pointer.
const RED_ZONE: u64 = 128;

/// What a stopped thread publishes.
struct Slot {
    tid: AtomicI32,
    /// The round it answered.
    answered: AtomicU64,
    /// 1 when it was interrupted on an alternate signal stack.
    alt_stack: AtomicU32,
    regs: [AtomicU64; NGREG],
}

static SLOTS: [Slot; MAX_THREADS] = [const {
    Slot {
        tid: AtomicI32::new(0),
        answered: AtomicU64::new(0),
        alt_stack: AtomicU32::new(0),
        regs: [const { AtomicU64::new(0) }; NGREG],
    }
}; MAX_THREADS];
/// Slots in use by the current round.
static SLOTS_USED: AtomicUsize = AtomicUsize::new(0);
/// The round being run (0: none). Stopped threads wait while it is theirs.
static ACTIVE: AtomicU64 = AtomicU64::new(0);
/// Bumped (and waited on as a futex) when a round lets its threads go.
static RELEASE: AtomicU32 = AtomicU32::new(0);
static NEXT_ROUND: AtomicU64 = AtomicU64::new(1);

/// The signal that stops a running thread for a round: near `SIGRTMAX`, which programs seldom
/// use (a program that handles it itself only makes rounds inconclusive).
pub(crate) fn stop_signal() -> c_int {
    libc::SIGRTMAX() - 2
}

fn gettid() -> i32 {
    // SAFETY: gettid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as i32 }
}

fn futex(word: &AtomicU32, op: c_int, value: u32) {
    // SAFETY: the futex word is a live, aligned u32; a wait returns at once if the word changed,
    // a wake has no memory effect.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            op | libc::FUTEX_PRIVATE_FLAG,
            value,
            std::ptr::null::<libc::timespec>(),
        );
    }
}

thread_local! {
    /// Stop signals this thread has received (a plain thread-local word, which a signal handler
    /// may touch).
    static STOPS: Cell<u32> = const { Cell::new(0) };
}

/// See [`super::stop_signals_seen`].
pub(crate) fn stop_signals_seen() -> u32 {
    STOPS.with(Cell::get)
}

extern "C" fn on_stop(_sig: c_int, _info: *mut libc::siginfo_t, context: *mut c_void) {
    STOPS.with(|s| s.set(s.get().wrapping_add(1)));
    // SAFETY: errno is thread-local; the handler restores it before returning.
    let errno = unsafe { *libc::__errno_location() };
    let round = ACTIVE.load(Ordering::Acquire);
    if round == 0 && QUIET_HANDSHAKE.load(Ordering::Acquire) == gettid() {
        QUIET_HANDSHAKE.store(0, Ordering::Release);
        // SAFETY: the kernel passes a valid ucontext to SA_SIGINFO handlers.
        let pc = unsafe { (*(context as *const libc::ucontext_t)).uc_mcontext.gregs }
            [libc::REG_RIP as usize] as u64;
        crate::quiet::handshake_from_signal(pc);
    }
    if round != 0 {
        let tid = gettid();
        let used = SLOTS_USED.load(Ordering::Acquire).min(MAX_THREADS);
        if let Some(slot) = SLOTS[..used]
            .iter()
            .find(|s| s.tid.load(Ordering::Relaxed) == tid)
        {
            // SAFETY: the kernel passes a valid ucontext to SA_SIGINFO handlers.
            let gregs = unsafe { &(*(context as *const libc::ucontext_t)).uc_mcontext.gregs };
            for (out, &reg) in slot.regs.iter().zip(gregs.iter()) {
                out.store(reg as u64, Ordering::Relaxed);
            }
            // SAFETY: querying the alternate stack with a null new stack changes nothing.
            let on_alt = unsafe {
                let mut ss: libc::stack_t = std::mem::zeroed();
                libc::sigaltstack(std::ptr::null(), &mut ss) == 0
                    && ss.ss_flags & libc::SS_ONSTACK != 0
            };
            slot.alt_stack.store(u32::from(on_alt), Ordering::Relaxed);
            let mut seen = RELEASE.load(Ordering::Acquire);
            slot.answered.store(round, Ordering::Release);
            while ACTIVE.load(Ordering::Acquire) == round {
                futex(&RELEASE, libc::FUTEX_WAIT, seen);
                seen = RELEASE.load(Ordering::Acquire);
            }
        }
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// The thread asked to run a quiet period's handshake from the stop signal's handler (0: none).
static QUIET_HANDSHAKE: AtomicI32 = AtomicI32::new(0);

/// The stop signal's handler is installed.
static INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks thread `tid` to run a quiet period's handshake (see `crate::quiet`) from the stop
/// signal's handler, if the handler is installed and the thread runs user code now and does not
/// block the signal: like a round, it leaves a thread blocked in a system call alone. Returns
/// whether it was signalled.
pub(crate) fn signal_quiet_handshake(tid: i32) -> bool {
    if !INSTALLED.load(Ordering::Acquire) {
        return false;
    }
    let mut buf = [0u8; 4096];
    if task_state(tid, &mut buf) != TaskState::Running
        || blocks_stop_signal(tid, &mut buf) != Some(false)
    {
        return false;
    }
    QUIET_HANDSHAKE.store(tid, Ordering::Release);
    // SAFETY: signals one thread of this process with a signal whose handler is installed.
    let rc = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, stop_signal()) };
    if rc != 0 {
        QUIET_HANDSHAKE.store(0, Ordering::Release);
    }
    rc == 0
}

/// The calling thread's kernel ID.
pub(crate) fn current_tid() -> i32 {
    gettid()
}

/// Installs the stop signal's handler.
pub(crate) fn install_handler() {
    // SAFETY: a zeroed, then filled sigaction; the handler uses only atomics and system calls.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_stop as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(stop_signal(), &action, std::ptr::null_mut());
    }
    INSTALLED.store(true, Ordering::Release);
}

/// Threads of irjit's own, which rounds skip.
static RUNTIME_THREADS: [AtomicI32; 64] = [const { AtomicI32::new(0) }; 64];

/// See [`super::register_runtime_thread`].
pub(crate) fn register_runtime_thread() {
    let tid = gettid();
    for slot in &RUNTIME_THREADS {
        if slot
            .compare_exchange(0, tid, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
    }
    // Table full: the thread is simply scanned like a program thread.
}

/// The calling runtime thread is about to end (a quiet period, see `crate::quiet`): its thread
/// ID may be reused by a program thread, which must be scanned.
pub(crate) fn unregister_runtime_thread() {
    let tid = gettid();
    for slot in &RUNTIME_THREADS {
        if slot
            .compare_exchange(tid, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
    }
}

/// In a forked child: the parent's threads do not exist here.
pub(crate) fn reset_after_fork() {
    for slot in &RUNTIME_THREADS {
        slot.store(0, Ordering::Release);
    }
}

fn is_runtime_thread(tid: i32) -> bool {
    RUNTIME_THREADS
        .iter()
        .any(|t| t.load(Ordering::Acquire) == tid)
}

/// Reads a whole `/proc` file into `buf` without allocating; `None` if it is gone or too big.
pub(crate) fn read_proc(path: &CStr, buf: &mut [u8]) -> Option<usize> {
    // SAFETY: a NUL-terminated path; reads into a buffer we own; the descriptor is closed.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return None;
        }
        let mut len = 0;
        let ok = loop {
            if len == buf.len() {
                break false;
            }
            let n = libc::read(fd, buf[len..].as_mut_ptr().cast(), buf.len() - len);
            if n < 0 {
                break false;
            }
            if n == 0 {
                break true;
            }
            len += n as usize;
        };
        libc::close(fd);
        ok.then_some(len)
    }
}

/// Formats `/proc/self/task/TID/NAME` into `out` without allocating.
fn task_path<'a>(out: &'a mut [u8; 64], tid: i32, name: &str) -> &'a CStr {
    use std::io::Write as _;
    let mut cursor = std::io::Cursor::new(&mut out[..]);
    let _ = write!(cursor, "/proc/self/task/{tid}/{name}\0");
    let len = cursor.position() as usize;
    CStr::from_bytes_with_nul(&out[..len]).unwrap_or(c"/")
}

fn parse_hex(s: &[u8]) -> Option<u64> {
    let s = s.strip_prefix(b"0x").unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        let d = (c as char).to_digit(16)?;
        v = v.checked_mul(16)?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// A thread's state as `/proc/self/task/TID/syscall` tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskState {
    /// Running (or runnable): it must be stopped.
    Running,
    /// Blocked in the kernel with this user stack pointer and program counter.
    Blocked { sp: u64, pc: u64 },
    /// Gone, or unreadable.
    Unknown,
}

fn task_state(tid: i32, buf: &mut [u8]) -> TaskState {
    let mut path = [0u8; 64];
    let Some(len) = read_proc(task_path(&mut path, tid, "syscall"), buf) else {
        return TaskState::Unknown;
    };
    let text = &buf[..len];
    if text.starts_with(b"running") {
        return TaskState::Running;
    }
    // "NR ARG1..ARG6 SP PC", or "-1 SP PC" when blocked outside a system call.
    let mut fields = [&b""[..]; 9];
    let mut n = 0;
    for field in text
        .split(|c| c.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
    {
        if n == fields.len() {
            return TaskState::Unknown;
        }
        fields[n] = field;
        n += 1;
    }
    let (sp, pc) = match n {
        3 | 9 => (parse_hex(fields[n - 2]), parse_hex(fields[n - 1])),
        _ => (None, None),
    };
    match (sp, pc) {
        (Some(sp), Some(pc)) => TaskState::Blocked { sp, pc },
        _ => TaskState::Unknown,
    }
}

/// Voluntary plus involuntary context switches of a thread so far.
fn switches(tid: i32, buf: &mut [u8]) -> Option<u64> {
    let mut path = [0u8; 64];
    let len = read_proc(task_path(&mut path, tid, "status"), buf)?;
    let mut total = 0u64;
    let mut found = 0;
    for line in buf[..len].split(|&c| c == b'\n') {
        for key in [
            &b"voluntary_ctxt_switches:"[..],
            b"nonvoluntary_ctxt_switches:",
        ] {
            if let Some(rest) = line.strip_prefix(key) {
                let digits = rest.trim_ascii();
                let v: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
                total += v;
                found += 1;
            }
        }
    }
    (found == 2).then_some(total)
}

/// Whether a thread blocks the stop signal (`SigBlk` of its status): signalling it would leave
/// the signal pending, where a `sigwait` could take it for the program's own.
fn blocks_stop_signal(tid: i32, buf: &mut [u8]) -> Option<bool> {
    let mut path = [0u8; 64];
    let len = read_proc(task_path(&mut path, tid, "status"), buf)?;
    let line = buf[..len]
        .split(|&c| c == b'\n')
        .find_map(|line| line.strip_prefix(b"SigBlk:"))?;
    let mask = parse_hex(line.trim_ascii())?;
    Some(mask & (1u64 << (stop_signal() - 1)) != 0)
}

/// The process's threads, from `/proc/self/task`.
fn list_threads() -> Option<Vec<i32>> {
    let entries = std::fs::read_dir("/proc/self/task").ok()?;
    let tids: Vec<i32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    (!tids.is_empty()).then_some(tids)
}

/// Readable mappings of the process, parsed from `/proc/self/maps` into `out` (start, end).
fn read_maps(buf: &mut [u8], out: &mut Vec<(u64, u64)>) -> Option<()> {
    let len = read_proc(c"/proc/self/maps", buf)?;
    out.clear();
    for line in buf[..len].split(|&c| c == b'\n') {
        let mut fields = line.split(|&c| c == b' ');
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let mut ends = range.split(|&c| c == b'-');
        let (Some(start), Some(end)) = (
            ends.next().and_then(parse_hex),
            ends.next().and_then(parse_hex),
        ) else {
            continue;
        };
        if perms.first() != Some(&b'r') {
            continue;
        }
        if out.len() == out.capacity() {
            return None;
        }
        out.push((start, end));
    }
    Some(())
}

/// Marks in `hits` every range of `ranges` (sorted by start, not overlapping) containing `value`.
fn mark(ranges: &[(u64, u64)], hits: &mut [bool], value: u64) {
    let i = ranges.partition_point(|r| r.0 <= value);
    if i > 0 && value < ranges[i - 1].1 {
        hits[i - 1] = true;
    }
}

/// Scans the stack from `sp - RED_ZONE` to the end of the readable mapping holding `sp`, copied
/// through `process_vm_readv` into `chunk`: threads that woke up or started during the round may
/// unmap memory meanwhile, and a copy fails where a plain read would fault. `false` when the
/// stack could not be read whole (the round is then inconclusive).
fn scan_stack(
    sp: u64,
    maps: &[(u64, u64)],
    chunk: &mut [u64],
    ranges: &[(u64, u64)],
    hits: &mut [bool],
) -> bool {
    let Some(&(start, end)) = maps.iter().find(|m| sp >= m.0 && sp < m.1) else {
        return false;
    };
    let mut at = sp.saturating_sub(RED_ZONE).max(start) & !7;
    while at < end {
        let len = ((end - at) as usize).min(chunk.len() * 8) & !7;
        if len == 0 {
            break;
        }
        let local = libc::iovec {
            iov_base: chunk.as_mut_ptr().cast(),
            iov_len: len,
        };
        let remote = libc::iovec {
            iov_base: at as *mut c_void,
            iov_len: len,
        };
        // SAFETY: copies `len` bytes of this process's memory into `chunk`, which holds at least
        // `len` bytes; the kernel reports unmapped source memory as an error instead of faulting.
        let copied = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
        if copied != len as isize {
            return false;
        }
        for &word in &chunk[..len / 8] {
            mark(ranges, hits, word);
        }
        at += len as u64;
    }
    true
}

/// Buffers reused by rounds (allocated before any thread is stopped).
struct Buffers {
    proc_file: Vec<u8>,
    /// Stack words copied for scanning.
    chunk: Vec<u64>,
    maps_text: Vec<u8>,
    maps: Vec<(u64, u64)>,
}

static BUFFERS: crate::sync::Mutex<Option<Buffers>> = crate::sync::Mutex::new(None);

/// A thread in a round.
#[derive(Clone, Copy, Debug)]
struct Seen {
    tid: i32,
    /// Stopped by the signal, answering in slot `slot`.
    slot: Option<usize>,
    /// Blocked: stack pointer, program counter, context switches.
    blocked: Option<(u64, u64, u64)>,
}

/// Runs one round: for each of `ranges` (sorted by start, not overlapping), whether some thread
/// may still run code in it or return into it. `None` when the round was inconclusive.
/// Program threads waiting in the kernel for a first-call compile while on a stack other than
/// their own (a signal handler's alternate stack): a blocked thread's stack is scanned from the
/// stack pointer the kernel reports, so the frames of the code that handler interrupted, on the
/// thread's own stack, would be out of sight. While there are any, rounds are inconclusive.
static WAITING_OFF_STACK: AtomicUsize = AtomicUsize::new(0);

/// Counts the calling thread in [`WAITING_OFF_STACK`] while it lives.
pub(crate) struct OffStackWait(());

impl OffStackWait {
    /// Counts the calling thread.
    pub(crate) fn new() -> OffStackWait {
        WAITING_OFF_STACK.fetch_add(1, Ordering::SeqCst);
        OffStackWait(())
    }
}

impl Drop for OffStackWait {
    fn drop(&mut self) {
        WAITING_OFF_STACK.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) fn scan(ranges: &[(u64, u64)]) -> Option<Vec<bool>> {
    let me = gettid();
    let tids: Vec<i32> = list_threads()?
        .into_iter()
        .filter(|&t| t != me && !is_runtime_thread(t))
        .collect();
    if tids.len() > MAX_THREADS {
        return None;
    }
    let mut guard = BUFFERS.lock();
    let buffers = guard.get_or_insert_with(|| Buffers {
        proc_file: vec![0; 64 << 10],
        chunk: vec![0; 8 << 10],
        maps_text: vec![0; 1 << 20],
        maps: Vec::with_capacity(1 << 15),
    });
    let mut hits = vec![false; ranges.len()];
    let mut seen: Vec<Seen> = Vec::with_capacity(tids.len());

    // Who is running, who is blocked.
    for &tid in &tids {
        match task_state(tid, &mut buffers.proc_file) {
            TaskState::Running => {
                // A thread that would not take the signal makes the round inconclusive; it is
                // never signalled.
                if blocks_stop_signal(tid, &mut buffers.proc_file)? {
                    return None;
                }
                seen.push(Seen {
                    tid,
                    slot: None,
                    blocked: None,
                });
            }
            TaskState::Blocked { sp, pc } => {
                let count = switches(tid, &mut buffers.proc_file)?;
                seen.push(Seen {
                    tid,
                    slot: None,
                    blocked: Some((sp, pc, count)),
                });
            }
            // Gone already: it runs nothing any more.
            TaskState::Unknown if !thread_exists(tid) => {}
            TaskState::Unknown => return None,
        }
    }

    // Stop the running ones. From here to `release`: no allocation, no lock, no logging.
    let round = NEXT_ROUND.fetch_add(1, Ordering::Relaxed);
    let mut used = 0;
    for s in seen.iter_mut().filter(|s| s.blocked.is_none()) {
        let slot = &SLOTS[used];
        slot.tid.store(s.tid, Ordering::Relaxed);
        slot.answered.store(0, Ordering::Relaxed);
        s.slot = Some(used);
        used += 1;
    }
    SLOTS_USED.store(used, Ordering::Release);
    ACTIVE.store(round, Ordering::Release);
    let conclusive = stop_and_scan(round, &mut seen, buffers, ranges, &mut hits)
        // Read while the running threads are stopped: a thread counted now was blocked or
        // stopped during the scan (one that started or stopped waiting meanwhile changed its
        // context-switch count, which `stop_and_scan` checked).
        && WAITING_OFF_STACK.load(Ordering::SeqCst) == 0;
    release();
    conclusive.then_some(hits)
}

fn thread_exists(tid: i32) -> bool {
    let mut path = [0u8; 64];
    let path = task_path(&mut path, tid, "stat");
    // SAFETY: a NUL-terminated path.
    unsafe { libc::access(path.as_ptr(), libc::F_OK) == 0 }
}

fn release() {
    ACTIVE.store(0, Ordering::Release);
    RELEASE.fetch_add(1, Ordering::AcqRel);
    futex(&RELEASE, libc::FUTEX_WAKE, i32::MAX as u32);
}

fn stop_and_scan(
    round: u64,
    seen: &mut [Seen],
    buffers: &mut Buffers,
    ranges: &[(u64, u64)],
    hits: &mut [bool],
) -> bool {
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    for s in seen.iter_mut().filter(|s| s.slot.is_some()) {
        // SAFETY: signalling a thread of this process; ESRCH means it has exited.
        let rc = unsafe { libc::syscall(libc::SYS_tgkill, pid, s.tid, stop_signal()) };
        if rc != 0 {
            s.slot = None; // Exited: nothing to scan.
        }
    }
    let deadline = Instant::now() + ANSWER_TIMEOUT;
    for s in seen.iter_mut() {
        let Some(i) = s.slot else { continue };
        while SLOTS[i].answered.load(Ordering::Acquire) != round {
            if Instant::now() > deadline {
                if thread_exists(s.tid) {
                    return false;
                }
                s.slot = None;
                break;
            }
            std::thread::yield_now();
        }
    }
    if read_maps(&mut buffers.maps_text, &mut buffers.maps).is_none() {
        return false;
    }
    let maps = &buffers.maps;
    for s in seen.iter() {
        if let Some(i) = s.slot {
            let slot = &SLOTS[i];
            if slot.alt_stack.load(Ordering::Relaxed) != 0 {
                return false;
            }
            for reg in &slot.regs {
                mark(ranges, hits, reg.load(Ordering::Relaxed));
            }
            let sp = slot.regs[libc::REG_RSP as usize].load(Ordering::Relaxed);
            if !scan_stack(sp, maps, &mut buffers.chunk, ranges, hits) {
                return false;
            }
        } else if let Some((sp, pc, _)) = s.blocked {
            mark(ranges, hits, pc);
            if !scan_stack(sp, maps, &mut buffers.chunk, ranges, hits) {
                return false;
            }
        }
    }
    // The blocked threads must not have left the kernel during the scan.
    for s in seen.iter() {
        let Some((sp, pc, count)) = s.blocked else {
            continue;
        };
        match task_state(s.tid, &mut buffers.proc_file) {
            TaskState::Blocked { sp: sp2, pc: pc2 } if sp2 == sp && pc2 == pc => {}
            TaskState::Unknown if !thread_exists(s.tid) => continue,
            _ => return false,
        }
        if switches(s.tid, &mut buffers.proc_file) != Some(count) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_syscall_lines() {
        assert_eq!(parse_hex(b"0x7ffcf2f78430"), Some(0x7ffc_f2f7_8430));
        assert_eq!(parse_hex(b"zz"), None);
        let mut buf = vec![0u8; 4096];
        // This very thread is in its read(2) of the file while the kernel fills it in.
        let local = 0u64;
        let sp = std::ptr::addr_of!(local) as u64;
        match task_state(gettid(), &mut buf) {
            TaskState::Blocked { sp: at, pc } => {
                assert!(
                    at < sp && sp - at < 1 << 20,
                    "sp {at:#x} vs a local at {sp:#x}"
                );
                assert_ne!(pc, 0);
            }
            other => panic!("own state read as {other:?}"),
        }
        assert!(switches(gettid(), &mut buf).is_some());
        assert_eq!(blocks_stop_signal(gettid(), &mut buf), Some(false));
        // SAFETY: blocking and unblocking one signal of this thread.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, stop_signal());
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            assert_eq!(blocks_stop_signal(gettid(), &mut buf), Some(true));
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }

    #[test]
    fn marks_ranges() {
        let ranges = [(0x1000, 0x1100), (0x2000, 0x2010)];
        let mut hits = [false; 2];
        for v in [0xfff, 0x1100, 0x2010, 0x1fff] {
            mark(&ranges, &mut hits, v);
        }
        assert_eq!(hits, [false, false]);
        mark(&ranges, &mut hits, 0x200f);
        assert_eq!(hits, [false, true]);
    }

    #[test]
    fn a_round_finds_values_on_a_running_and_a_blocked_thread() {
        install_handler();
        // A buffer standing in for code. Only the running thread holds `start + 8`, only the
        // blocked one `start + 16`, and nobody `start + 32`.
        let code = vec![0u8; 64];
        let start = code.as_ptr() as u64;
        let ranges = [
            (start + 8, start + 9),
            (start + 16, start + 17),
            (start + 32, start + 33),
        ];
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let running = {
            let stop = stop.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                let held = std::hint::black_box([start + 8; 4]);
                tx.send(()).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    std::hint::black_box(&held);
                }
            })
        };
        let (wake_tx, wake_rx) = std::sync::mpsc::channel::<()>();
        let blocked = std::thread::spawn(move || {
            let held = std::hint::black_box([start + 16; 4]);
            tx.send(()).unwrap();
            wake_rx.recv().unwrap();
            std::hint::black_box(&held);
        });
        rx.recv().unwrap();
        rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        // A round is inconclusive when a thread does not answer in time, which a loaded machine
        // makes likely: try for a while.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let found = loop {
            if let Some(found) = scan(&ranges) {
                break Some(found);
            }
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        stop.store(true, Ordering::Relaxed);
        wake_tx.send(()).unwrap();
        running.join().unwrap();
        blocked.join().unwrap();
        assert_eq!(found, Some(vec![true, true, false]));
        drop(code);
    }
}
