#!/usr/bin/env bash
# Shared by the bench/ scripts (sourced, not run): where things go, how crates are made and
# how time is taken.
#
# BENCH_DIR (default /tmp/tcbench) holds the synthetic specs (spec-N), the generated crates
# (crate-N, crate-real) and one shared CARGO_TARGET_DIR, so dependencies are built once and
# each measurement is the generated crate alone. Nothing is written inside the repository.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/tcbench}
export CARGO_TARGET_DIR=${BENCH_TARGET_DIR:-$BENCH_DIR/target}
# A fresh compile of the crate every time (what CI and a first build see), not the
# incremental cache of the last run.
export CARGO_INCREMENTAL=0
SEED=${SEED:-0}
REPEAT=${REPEAT:-1}
XTASK=$ROOT/target-bench/release/xtask

mkdir -p "$BENCH_DIR"

# The release xtask (its own target dir, so workspace builds are not disturbed).
build_xtask() {
    (cd "$ROOT" && CARGO_TARGET_DIR=$ROOT/target-bench cargo build -q --release -p xtask)
}

# crate_for N [SERVICES]: synthesizes spec-N and generates crate-N (crate-NxS with S services).
crate_for() {
    local n=$1 services=${2:-1} name=$1
    [ "$services" != 1 ] && name=${n}x$services
    "$XTASK" synth --actions "$n" --seed "$SEED" --services "$services" --out "$BENCH_DIR/spec-$name" >&2
    "$XTASK" emit --spec "$BENCH_DIR/spec-$name" --out "$BENCH_DIR/crate-$name" --runtime "$ROOT/runtime" >&2
    echo "$BENCH_DIR/crate-$name"
}

# The real spec as a standalone crate.
crate_real() {
    "$XTASK" emit --spec "$ROOT/spec" --out "$BENCH_DIR/crate-real" --runtime "$ROOT/runtime" >&2
    echo "$BENCH_DIR/crate-real"
}

# timed CMD...: runs CMD REPEAT times; prints "cpu wall" seconds of the fastest run (by CPU
# time, user+sys, which other processes on the machine disturb less than wall time).
timed() {
    local best_cpu="" best_wall="" t
    t=$(mktemp)
    for _ in $(seq "$REPEAT"); do
        /usr/bin/time -f "%U %S %e" -o "$t" "$@" >/dev/null 2>&1 || { cat "$t" >&2; return 1; }
        read -r u s e < "$t"
        local cpu
        cpu=$(echo "$u + $s" | bc)
        if [ -z "$best_cpu" ] || [ "$(echo "$cpu < $best_cpu" | bc)" = 1 ]; then
            best_cpu=$cpu best_wall=$e
        fi
    done
    rm -f "$t"
    echo "$best_cpu $best_wall"
}

# per N SECONDS: milliseconds per action.
per() { echo "scale=1; $2 * 1000 / $1" | bc; }

machine() {
    echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(rustc -V); load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
