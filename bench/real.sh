#!/usr/bin/env bash
# The real surface (every action of spec/): generator time cold, warm and after a one-action
# edit (the whole `cargo xtask emit` CLI, release build); `cargo check` and a debug build of
# the whole generated crate; and a one-action consumer against the whole-service crate and
# against the five-action crate of commit ffa7f7c (before the import): build time, debug and
# release, and the stripped release binary.
#
#   bench/real.sh            REPEAT=3 for the best of three
source "$(dirname "$0")/lib.sh"
build_xtask
machine
echo "actions: $(find "$ROOT/spec" -path '*/actions/*.yaml' | wc -l), structures: $(find "$ROOT/spec" -path '*/structures/*.yaml' | wc -l)"

# Generator: the CLI at the real surface.
emit_timed() {
    /usr/bin/time -v "$XTASK" emit --out "$BENCH_DIR/crate-real" --runtime "$ROOT/runtime" "$@" 2>&1 |
        grep -E "^emit:|Maximum resident|Elapsed \(wall|User time" | sed 's/^\s*/  /'
}
echo "cargo xtask emit of spec/ (release), cold (--no-cache):"
emit_timed --spec "$ROOT/spec" --no-cache
echo "filling the cache, then nothing changed:"
emit_timed --spec "$ROOT/spec" >/dev/null
emit_timed --spec "$ROOT/spec"
echo "after editing one action's description:"
rm -rf "$BENCH_DIR/spec-real-edit" && cp -r "$ROOT/spec" "$BENCH_DIR/spec-real-edit"
edited=$BENCH_DIR/spec-real-edit/tcss/actions/DescribeProVersionInfo.yaml
sed -i '0,/^description: /s//description: Edited. /' "$edited"
emit_timed --spec "$BENCH_DIR/spec-real-edit"
"$XTASK" emit --spec "$ROOT/spec" --out "$BENCH_DIR/crate-real" --runtime "$ROOT/runtime" >/dev/null

# The whole crate.
real=$BENCH_DIR/crate-real
whole() { # NAME CARGO-ARGS: time of the crate alone, its dependencies built first
    (cd "$real" && cargo $2 -q --all-features >/dev/null 2>&1 || true)
    read -r cpu wall < <(cd "$real" && timed bash -c "touch src/lib.rs && cargo $2 -q --all-features")
    printf '  %-24s %8.1f s CPU %8.1f s wall\n' "$1" "$cpu" "$wall"
}
echo "the whole generated crate (every feature), alone:"
whole "cargo check" check
whole "cargo build (debug)" build

# One-action consumers.
five=$BENCH_DIR/crate-five
rm -rf "$BENCH_DIR/spec-five" && mkdir -p "$BENCH_DIR/spec-five"
git -C "$ROOT" archive ffa7f7c spec | tar -x -C "$BENCH_DIR/spec-five"
"$XTASK" emit --spec "$BENCH_DIR/spec-five/spec" --out "$five" --runtime "$ROOT/runtime" >/dev/null
deps_built=""
consumer() { # NAME SDK_DIR FEATURES
    local dir=$BENCH_DIR/consumer-real-$1
    mkdir -p "$dir/src"
    cp "$ROOT/Cargo.lock" "$dir/Cargo.lock"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tc-consumer"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
tc-sdk = { path = "$2", default-features = false, features = [$3] }
tokio = { version = "1", default-features = false, features = ["rt", "macros"] }

[workspace]
TOML
    # The same program against both crates: the five-action crate's tcss example.
    cp "$five/examples/tcss.rs" "$dir/src/main.rs"
    cd "$dir"
    local row="" mode cpu wall
    for mode in "build" "build --release"; do
        [ -z "$deps_built" ] && { cargo $mode -q >/dev/null 2>&1 || cargo $mode; }
        read -r cpu wall < <(timed bash -c "touch src/main.rs $2/src/lib.rs && cargo $mode -q")
        row+=$(printf '| %6.2f / %6.2f s ' "$cpu" "$wall")
    done
    deps_built=1
    strip -o "$dir/stripped" "$CARGO_TARGET_DIR/release/tc-consumer"
    printf '%-34s %s| %9s bytes\n' "$1" "$row" "$(stat -c %s "$dir/stripped")"
}
feature=$(sed -n '/^name = "tcss"/{n;s/^required-features = \["\(.*\)"\]/\1/p}' "$five/Cargo.toml")
echo "one-action consumer (calls $feature), debug cpu/wall | release cpu/wall | stripped release:"
consumer five-action-crate "$five" "\"$feature\""
consumer whole-services-crate "$real" "\"$feature\""
