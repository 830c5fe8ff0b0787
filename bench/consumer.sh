#!/usr/bin/env bash
# A consumer binary that calls one action (the generated `examples/<service>.rs`, as its own
# crate): the time to build it together with the generated crate (dependencies built first),
# debug and release, and the size of its stripped release binary; for the real five-action
# crate with one service, with every service and with only the called action's feature, and
# for a synthetic crate of N actions (one service): whole, with only the called action's
# feature, and the same actions split into 4 services with one service's feature.
#
#   bench/consumer.sh [N]          default N=1000; REPEAT=3 for the best of three
source "$(dirname "$0")/lib.sh"
build_xtask
machine
n=${1:-1000}

# consumer NAME SDK_DIR SERVICE FEATURES: builds and measures one consumer.
consumer() {
    local name=$1 sdk=$2 service=$3 features=$4 dir=$BENCH_DIR/consumer-$1
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
    cp "$sdk/examples/$service.rs" "$dir/src/main.rs"
    cd "$dir"
    local row="" mode cpu wall
    for mode in "build" "build --release"; do
        # The first consumer builds the dependencies; the others find them built.
        # shellcheck disable=SC2086
        [ "$name" = real-one-service ] && { cargo $mode -q >/dev/null 2>&1 || cargo $mode; }
        read -r cpu wall < <(timed bash -c "touch src/main.rs $sdk/src/lib.rs && cargo $mode -q")
        row+=$(printf '| %6.1f / %6.1f s ' "$cpu" "$wall")
    done
    strip -o "$dir/stripped" "$CARGO_TARGET_DIR/release/tc-consumer"
    local size
    size=$(stat -c %s "$dir/stripped")
    local actions
    actions=$(grep -h "^pub static [A-Z_0-9]*: ::tc_runtime::ActionInfo" "$sdk"/src/*/mod.rs | wc -l)
    printf '%-28s %7s %s| %9s bytes\n' "$name" "$actions" "$row" "$size"
}

# feature_of SDK_DIR EXAMPLE: the feature the example requires (the action it calls).
feature_of() {
    sed -n "/^name = \"$2\"/{n;s/^required-features = \[\"\(.*\)\"\]/\1/p}" "$1/Cargo.toml"
}

real=$(crate_real)
big=$(crate_for "$n")
split=$(crate_for "$n" 4)
printf '%-28s %7s | %-19s | %-19s | %s\n' consumer "actions in sdk" "debug cpu/wall" "release cpu/wall" "stripped release"
consumer real-one-service "$real" tcss '"tcss"'
consumer real-whole-crate "$real" tcss '"tcss", "cwp"'
consumer real-one-action "$real" tcss "\"$(feature_of "$real" tcss)\""
consumer "synth-$n-whole-crate" "$big" synth '"synth"'
consumer "synth-$n-one-action" "$big" synth "\"$(feature_of "$big" synth)\""

consumer "synth-${n}x4-one-service" "$split" synth1 '"synth1"'
