#!/usr/bin/env bash
# Generator time (load + check + emit + format) for the real spec and N = 100, 300, 1000
# synthetic actions (divan, in memory; cold, and with every piece in the format cache), then
# the whole `cargo xtask emit` at N = 1000 (reading the files, every stage, writing the
# crate) under /usr/bin/time -v for its peak memory: cold, filling the cache, with nothing
# changed, and after a one-action edit.
source "$(dirname "$0")/lib.sh"
build_xtask
machine
for n in 100 300 1000; do
    "$XTASK" synth --actions "$n" --seed "$SEED" --out "$BENCH_DIR/spec-$n" 2>&1 | sed 's/^/  /'
done
(cd "$ROOT" && TC_BENCH_SPECS=$BENCH_DIR CARGO_TARGET_DIR=$ROOT/target-bench cargo bench -q -p tc-codegen --bench generate 2>&1)
# emit_timed ARGS...: one `cargo xtask emit` into emit-1000 under /usr/bin/time -v.
emit_timed() {
    /usr/bin/time -v "$XTASK" emit --out "$BENCH_DIR/emit-1000" --runtime "$ROOT/runtime" "$@" 2>&1 |
        grep -E "^emit:|Maximum resident|Elapsed \(wall|User time|System time" | sed 's/^\s*/  /'
}
echo "cargo xtask emit at N=1000 (release build), /usr/bin/time -v; cold (--no-cache):"
emit_timed --spec "$BENCH_DIR/spec-1000" --no-cache
echo "the same, filling the format cache:"
emit_timed --spec "$BENCH_DIR/spec-1000"
echo "again, nothing changed (every piece cached):"
emit_timed --spec "$BENCH_DIR/spec-1000"
echo "after editing one action's description (a maintainer's usual change):"
rm -rf "$BENCH_DIR/spec-1000-edit" && cp -r "$BENCH_DIR/spec-1000" "$BENCH_DIR/spec-1000-edit"
actions=("$BENCH_DIR"/spec-1000-edit/synth/actions/*.yaml)
edited=${actions[0]}
sed -i '0,/^description: /s//description: Edited. /' "$edited"
emit_timed --spec "$BENCH_DIR/spec-1000-edit"
