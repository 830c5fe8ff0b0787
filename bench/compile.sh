#!/usr/bin/env bash
# Compile time of the generated crate alone (dependencies built first, then the crate's
# source touched and rebuilt without the incremental cache), for the real spec and the
# synthetic spec at N actions: `cargo check`, `cargo build`, `cargo build --release`.
#
#   bench/compile.sh [N...]        default: 100 300 1000; REPEAT=3 for the best of three
#   SERVICES=4 bench/compile.sh    the same actions split into 4 services (modules)
#
# Prints one row per crate: CPU seconds (user+sys) and wall seconds, and CPU ms per action.
source "$(dirname "$0")/lib.sh"
build_xtask
machine
services=${SERVICES:-1}
crates=("real:$(crate_real)")
for n in "${@:-100 300 1000}"; do
    for m in $n; do crates+=("$m:$(crate_for "$m" "$services")"); done
done
printf '%-10s %8s | %-17s | %-17s | %-17s\n' crate actions "check cpu/wall" "debug cpu/wall" "release cpu/wall"
for entry in "${crates[@]}"; do
    name=${entry%%:*} dir=${entry#*:}
    actions=$(find "$dir"/src -path '*/actions/*.rs' ! -name mod.rs | wc -l)
    cd "$dir"
    row=""
    for mode in "check" "build" "build --release"; do
        # shellcheck disable=SC2086
        cargo $mode -q >/dev/null 2>&1 || cargo $mode
        read -r cpu wall < <(timed bash -c "touch src/lib.rs && cargo $mode -q")
        row+=$(printf '| %6.1f / %6.1f s %-3s' "$cpu" "$wall" "")
        per_action+=" $(per "$actions" "$cpu")"
    done
    printf '%-10s %8s %s | ms/action (cpu): %s\n' "$name" "$actions" "$row" "$per_action"
    per_action=""
done
