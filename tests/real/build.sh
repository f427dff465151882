#!/usr/bin/env bash
# Build the real-world test programs (Lua 5.4 interpreter, SQLite driver) as
# LLVM bitcode and as native reference binaries.
#
# Usage: tests/real/build.sh OUTDIR
#
# Sources come from crates.io packages pinned in tests/real/sources/Cargo.lock
# (lua-src, libsqlite3-sys); `cargo metadata` downloads them if needed and
# tells where they are. Nothing of those crates is ever built by cargo.
#
# Environment: CLANG (default clang-19), LLVM_LINK (default llvm-link-19),
# JOBS (parallel compiles, default: number of CPUs), VERBOSE=1 (also list the
# steps that were up to date).
#
# Incremental: a step runs only when its output is missing or older than one
# of its inputs (sources, headers, this script).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 64
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT="$HERE/$(basename "${BASH_SOURCE[0]}")"
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
CLANG=${CLANG:-clang-19}
LLVM_LINK=${LLVM_LINK:-llvm-link-19}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
VERBOSE=${VERBOSE:-0}

# Same preprocessor defines for native and bitcode builds.
# Lua: what upstream's `make posix` uses (LUA_COMPAT_5_3 is in upstream's
# default CFLAGS); no readline, no dlopen.
LUA_DEFS=(-DLUA_COMPAT_5_3 -DLUA_USE_POSIX)
LUA_LIBS=(-lm)
# SQLite: thread-safe build, no extension loading (so no dlopen), no memory
# statistics, temporary tables/sort spills always in memory (no temp files).
SQLITE_DEFS=(-DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DEFAULT_MEMSTATUS=0
             -DSQLITE_TEMP_STORE=3 -DSQLITE_DQS=0)
SQLITE_LIBS=(-lm -lpthread)
# Common flags. -g0: no debug info in the bitcode.
CFLAGS_COMMON=(-g0)

log() { echo "build.sh: $*" >&2; }

# ---------------------------------------------------------------- sources
command -v "$CLANG" >/dev/null || { log "error: $CLANG not found (set CLANG)"; exit 1; }
command -v "$LLVM_LINK" >/dev/null || { log "error: $LLVM_LINK not found (set LLVM_LINK)"; exit 1; }

META=$(cargo metadata --locked --format-version 1 --manifest-path "$HERE/sources/Cargo.toml")
read -r LUA_PKG SQLITE_PKG < <(python3 -c '
import json, os, sys
d = json.load(sys.stdin)
dirs = {p["name"]: os.path.dirname(p["manifest_path"]) for p in d["packages"]}
print(dirs["lua-src"], dirs["libsqlite3-sys"])
' <<<"$META")

LUA_SRC=
for d in "$LUA_PKG"/lua-5.4*; do [ -f "$d/lua.h" ] && LUA_SRC=$d; done
[ -n "$LUA_SRC" ] || { log "error: no lua-5.4.* directory in $LUA_PKG"; exit 1; }
SQLITE_SRC=$SQLITE_PKG/sqlite3
[ -f "$SQLITE_SRC/sqlite3.c" ] || { log "error: no sqlite3/sqlite3.c in $SQLITE_PKG"; exit 1; }

# ---------------------------------------------------------------- machinery
n_run=0
n_skip=0

# is_fresh OUT IN...: OUT exists and is newer than every IN
is_fresh() {
  local out=$1 in
  shift
  [ -e "$out" ] || return 1
  for in in "$@"; do
    [ "$out" -nt "$in" ] || return 1
  done
  return 0
}

# Parallel job pool for the steps (pid -> description).
declare -A jobs_running=()
wait_one() {
  local pid= rc=0 desc
  wait -n -p pid "${!jobs_running[@]}" || rc=$?
  desc=${jobs_running[$pid]}
  unset "jobs_running[$pid]"
  if [ "$rc" -ne 0 ]; then
    log "FAILED (exit $rc): $desc"
    for pid in "${!jobs_running[@]}"; do wait "$pid" || true; done
    exit 1
  fi
}
wait_all() { while [ ${#jobs_running[@]} -gt 0 ]; do wait_one; done; }

# step DESC OUT INPUT... -- CMD...: log "DESC -> OUT" and run CMD (which must write "$OUT.tmp") in
# the background unless OUT is fresh; on success OUT.tmp is renamed to OUT.
step() {
  local desc="$1 -> ${2#"$OUT"/}" out=$2
  local -a inputs=()
  shift 2
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  if is_fresh "$out" "${inputs[@]}" "$SCRIPT"; then
    n_skip=$((n_skip + 1))
    [ "$VERBOSE" = 1 ] && log "up to date: $desc"
    return 0
  fi
  log "$desc"
  n_run=$((n_run + 1))
  mkdir -p "$(dirname "$out")"
  while [ ${#jobs_running[@]} -ge "$JOBS" ]; do wait_one; done
  ( "$@" && mv -f "$out.tmp" "$out" ) &
  jobs_running[$!]=$desc
}

# ---------------------------------------------------------------- SQLite
SQ_OUT=$OUT/sqlite
SQ_DRIVER=$HERE/sqlite/driver.c
for opt in O0 O2; do
  step "CC -$opt -emit-llvm sqlite3.c" "$SQ_OUT/sqlite3-$opt.bc" \
    "$SQLITE_SRC/sqlite3.c" "$SQLITE_SRC/sqlite3.h" -- \
    "$CLANG" "-$opt" "${CFLAGS_COMMON[@]}" "${SQLITE_DEFS[@]}" -emit-llvm -c "$SQLITE_SRC/sqlite3.c" \
    -o "$SQ_OUT/sqlite3-$opt.bc.tmp"
  step "CC -$opt -emit-llvm driver.c" "$SQ_OUT/driver-$opt.bc" \
    "$SQ_DRIVER" "$SQLITE_SRC/sqlite3.h" -- \
    "$CLANG" "-$opt" "${CFLAGS_COMMON[@]}" "${SQLITE_DEFS[@]}" -I"$SQLITE_SRC" -emit-llvm -c "$SQ_DRIVER" \
    -o "$SQ_OUT/driver-$opt.bc.tmp"
done
step "CC -O2 sqlite3.c" "$SQ_OUT/obj/sqlite3.o" \
  "$SQLITE_SRC/sqlite3.c" "$SQLITE_SRC/sqlite3.h" -- \
  "$CLANG" -O2 "${CFLAGS_COMMON[@]}" "${SQLITE_DEFS[@]}" -c "$SQLITE_SRC/sqlite3.c" -o "$SQ_OUT/obj/sqlite3.o.tmp"
step "CC -O2 driver.c" "$SQ_OUT/obj/driver.o" \
  "$SQ_DRIVER" "$SQLITE_SRC/sqlite3.h" -- \
  "$CLANG" -O2 "${CFLAGS_COMMON[@]}" "${SQLITE_DEFS[@]}" -I"$SQLITE_SRC" -c "$SQ_DRIVER" -o "$SQ_OUT/obj/driver.o.tmp"

# ---------------------------------------------------------------- Lua
LUA_OUT=$OUT/lua
LUA_HDRS=("$LUA_SRC"/*.h)
LUA_CFILES=("$LUA_SRC"/*.c "$HERE/lua/lua.c")
lua_mods=()
for c in "${LUA_CFILES[@]}"; do m=${c##*/}; lua_mods+=("${m%.c}"); done

for c in "${LUA_CFILES[@]}"; do
  m=${c##*/}; m=${m%.c}
  for opt in O0 O2; do
    bc=$LUA_OUT/modules-$opt/$m.bc
    step "CC -$opt -emit-llvm $m.c" "$bc" "$c" "${LUA_HDRS[@]}" -- \
      "$CLANG" "-$opt" "${CFLAGS_COMMON[@]}" "${LUA_DEFS[@]}" -I"$LUA_SRC" -emit-llvm -c "$c" -o "$bc.tmp"
  done
  obj=$LUA_OUT/obj/$m.o
  step "CC -O2 $m.c" "$obj" "$c" "${LUA_HDRS[@]}" -- \
    "$CLANG" -O2 "${CFLAGS_COMMON[@]}" "${LUA_DEFS[@]}" -I"$LUA_SRC" -c "$c" -o "$obj.tmp"
done

wait_all

# ---------------------------------------------------------------- link steps
for opt in O0 O2; do
  mods=()
  for m in "${lua_mods[@]}"; do mods+=("$LUA_OUT/modules-$opt/$m.bc"); done
  step "LINK ${#mods[@]} modules" "$LUA_OUT/lua-$opt.bc" "${mods[@]}" -- \
    "$LLVM_LINK" "${mods[@]}" -o "$LUA_OUT/lua-$opt.bc.tmp"
  step "LINK driver + sqlite3" "$SQ_OUT/sqlite-$opt.bc" \
    "$SQ_OUT/driver-$opt.bc" "$SQ_OUT/sqlite3-$opt.bc" -- \
    "$LLVM_LINK" "$SQ_OUT/driver-$opt.bc" "$SQ_OUT/sqlite3-$opt.bc" -o "$SQ_OUT/sqlite-$opt.bc.tmp"
done
objs=()
for m in "${lua_mods[@]}"; do objs+=("$LUA_OUT/obj/$m.o"); done
step "LD" "$LUA_OUT/lua-native" "${objs[@]}" -- \
  "$CLANG" -O2 "${objs[@]}" "${LUA_LIBS[@]}" -o "$LUA_OUT/lua-native.tmp"
step "LD" "$SQ_OUT/sqlite-native" \
  "$SQ_OUT/obj/driver.o" "$SQ_OUT/obj/sqlite3.o" -- \
  "$CLANG" -O2 "$SQ_OUT/obj/driver.o" "$SQ_OUT/obj/sqlite3.o" "${SQLITE_LIBS[@]}" -o "$SQ_OUT/sqlite-native.tmp"
wait_all

log "done: $n_run steps run, $n_skip up to date (lua: $LUA_SRC, sqlite: $SQLITE_SRC)"
