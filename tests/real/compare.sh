#!/usr/bin/env bash
# Run the real-world bitcode programs built by build.sh under a runner (lli-19
# by default, or irjit) and compare stdout and exit status with the native
# reference binaries.
#
# Usage: tests/real/compare.sh OUTDIR [LUA_SCALE [SQLITE_SCALE]]
#   RUNNER  command that runs a bitcode file: RUNNER FILE.bc ARGS...
#           (default: lli-19; e.g. RUNNER="target/release/irjit run")
#   OPTS    which bitcode variants to run (default: "O0 O2")
#
# Prints one line per run with wall-clock times; exits non-zero on a mismatch.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  echo "usage: $0 OUTDIR [LUA_SCALE [SQLITE_SCALE]]" >&2
  exit 64
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "$1" && pwd)
LUA_SCALE=${2:-1}
SQLITE_SCALE=${3:-1}
read -r -a RUNNER <<<"${RUNNER:-lli-19}"
OPTS=${OPTS:-"O0 O2"}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
failures=0

# run NAME OUTFILE CMD... : sets rc and secs
run() {
  local out=$1 t0 t1
  shift
  t0=$(now)
  rc=0
  "$@" >"$out" 2>"$out.err" || rc=$?
  t1=$(now)
  secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
}

compare() {
  local name=$1 native=$2 bc=$3
  shift 3
  local nrc nsecs
  run "$TMP/$name.native" "$native" "$@"
  nrc=$rc nsecs=$secs
  for opt in $OPTS; do
    run "$TMP/$name.$opt" "${RUNNER[@]}" "${bc/@OPT@/$opt}" "$@"
    if [ "$rc" = "$nrc" ] && cmp -s "$TMP/$name.native" "$TMP/$name.$opt"; then
      echo "ok   $name $opt: exit $rc, native ${nsecs}s, ${RUNNER[0]} ${secs}s"
    else
      failures=$((failures + 1))
      echo "FAIL $name $opt: exit native=$nrc runner=$rc (native ${nsecs}s, runner ${secs}s)"
      diff "$TMP/$name.native" "$TMP/$name.$opt" | head -20 || true
      head -20 "$TMP/$name.$opt.err" || true
    fi
  done
}

compare lua "$OUT/lua/lua-native" "$OUT/lua/lua-@OPT@.bc" "$HERE/lua/workload.lua" "$LUA_SCALE"
compare sqlite "$OUT/sqlite/sqlite-native" "$OUT/sqlite/sqlite-@OPT@.bc" "$SQLITE_SCALE"

[ "$failures" -eq 0 ] || { echo "$failures mismatch(es)"; exit 1; }
