#!/usr/bin/env bash
# The size of every call future (and pager `next_page` future) of the generated crate at N
# actions, from its generated `tests/future_sizes.rs` (which also asserts each < 4 KiB).
#
#   bench/sizes.sh [N]          default 1000
source "$(dirname "$0")/lib.sh"
build_xtask
n=${1:-1000}
for dir in "$(crate_real)" "$(crate_for "$n")"; do
    (cd "$dir" && cargo test -q --test future_sizes -- --nocapture 2>/dev/null) | grep '^future_size' | sort -k4 -n |
        awk -v d="$(basename "$dir")" '{ n++; s += $4; if ($4 > max) { max = $4; at = $3 } }
            END { printf "%-12s %5d futures: max %d bytes (%s), mean %.0f bytes\n", d, n, max, at, s / n }'
done
