#!/usr/bin/env bash
# A consumer binary that calls one action (a generated `examples/<service>.rs`, as its own
# crate): the time to build it together with the generated crate (dependencies built first),
# debug and release, and the size of its stripped release binary.
#
# The target's comparison is one program against two crates: the synthetic five-action
# crate (`synth-5`, whole, and with only the called action's feature) and the synthetic
# crate of N actions with only that action's feature, and whole. The same seed makes the
# five actions of spec-5 the first five of spec-N, identical file for file (xtask's
# `first_actions_do_not_depend_on_the_count` test), so the consumer of crate-5's example
# compiles unchanged against crate-N. Also measured: the real crate's example (one service,
# every service, the action's feature) and the N actions split into 4 services with one
# service's feature.
#
#   bench/consumer.sh [N]          default N=1000; REPEAT=3 for the best of three;
#                                  ONLY="name name" measures only those rows
source "$(dirname "$0")/lib.sh"
build_xtask
machine
n=${1:-1000}

deps_built=""
# consumer NAME SDK_DIR FEATURES MAIN_RS: builds and measures one consumer.
consumer() {
    local name=$1 sdk=$2 features=$3 main=$4 dir=$BENCH_DIR/consumer-$1
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
    mkdir -p "$dir/src"
    cp "$ROOT/Cargo.lock" "$dir/Cargo.lock" 2>/dev/null || true
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tc-consumer"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
tc-sdk = { path = "$sdk", default-features = false, features = [$features] }
tokio = { version = "1", default-features = false, features = ["rt", "macros"] }

[workspace]
TOML
    cp "$main" "$dir/src/main.rs"
    cd "$dir"
    local row="" mode cpu wall
    for mode in "build" "build --release"; do
        # The first consumer builds the dependencies; the others find them built.
        # shellcheck disable=SC2086
        [ -z "$deps_built" ] && { cargo $mode -q >/dev/null 2>&1 || cargo $mode; }
        read -r cpu wall < <(timed bash -c "touch src/main.rs $sdk/src/lib.rs && cargo $mode -q")
        row+=$(printf '| %6.2f / %6.2f s ' "$cpu" "$wall")
    done
    deps_built=1
    strip -o "$dir/stripped" "$CARGO_TARGET_DIR/release/tc-consumer"
    local size
    size=$(stat -c %s "$dir/stripped")
    local actions
    actions=$(find "$sdk"/src -path '*/actions/*.rs' ! -name mod.rs | wc -l)
    printf '%-28s %7s %s| %9s bytes\n' "$name" "$actions" "$row" "$size"
}

# feature_of SDK_DIR EXAMPLE: the feature the example requires (the action it calls).
feature_of() {
    sed -n "/^name = \"$2\"/{n;s/^required-features = \[\"\(.*\)\"\]/\1/p}" "$1/Cargo.toml"
}

real=$(crate_real)
five=$(crate_for 5)
big=$(crate_for "$n")
split=$(crate_for "$n" 4)
for action in "$BENCH_DIR"/spec-5/synth/actions/*.yaml; do
    cmp -s "$action" "$BENCH_DIR/spec-$n/synth/actions/$(basename "$action")" \
        || { echo "spec-5's $(basename "$action") is not spec-$n's" >&2; exit 1; }
done
one=$(feature_of "$five" synth)
printf '%-28s %7s | %-21s | %-21s | %s\n' consumer "actions in sdk" "debug cpu/wall" "release cpu/wall" "stripped release"
consumer synth-5-whole-crate "$five" '"synth"' "$five/examples/synth.rs"
consumer synth-5-one-action "$five" "\"$one\"" "$five/examples/synth.rs"
consumer "synth-$n-one-action" "$big" "\"$one\"" "$five/examples/synth.rs"
consumer "synth-$n-whole-crate" "$big" '"synth"' "$five/examples/synth.rs"
consumer real-one-service "$real" '"tcss"' "$real/examples/tcss.rs"
consumer real-whole-crate "$real" '"tcss", "cwp"' "$real/examples/tcss.rs"
consumer real-one-action "$real" "\"$(feature_of "$real" tcss)\"" "$real/examples/tcss.rs"
consumer "synth-${n}x4-one-service" "$split" '"synth1"' "$split/examples/synth1.rs"
