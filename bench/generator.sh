#!/usr/bin/env bash
# Generator time (load + check + emit + format) for the real spec and N = 100, 300, 1000
# synthetic actions (divan, in memory), then the whole `cargo xtask emit` at N = 1000 (reading
# the files, every stage, writing the crate) under /usr/bin/time -v for its peak memory.
source "$(dirname "$0")/lib.sh"
build_xtask
machine
for n in 100 300 1000; do
    "$XTASK" synth --actions "$n" --seed "$SEED" --out "$BENCH_DIR/spec-$n" 2>&1 | sed 's/^/  /'
done
(cd "$ROOT" && TC_BENCH_SPECS=$BENCH_DIR CARGO_TARGET_DIR=$ROOT/target-bench cargo bench -q -p tc-codegen --bench generate 2>&1)
echo "cargo xtask emit at N=1000 (release build), /usr/bin/time -v:"
/usr/bin/time -v "$XTASK" emit --spec "$BENCH_DIR/spec-1000" --out "$BENCH_DIR/emit-1000" --runtime "$ROOT/runtime" 2>&1 |
    grep -E "^emit:|Maximum resident|Elapsed \(wall|User time|System time" | sed 's/^\s*/  /'
