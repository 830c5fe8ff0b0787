#!/usr/bin/env bash
# Client CPU per call of a full `Client::call` next to a bare request of the same signed
# bytes over the same HTTP stack (reqwest, one reused connection), in one run against one
# loopback server in another process: back to back and spaced (issue 17;
# runtime/benches/call_floor.rs says what each row is). Prints the machine, then the table.
#
#   bench/call-floor.sh                     2,000 calls a round, 9 rounds; 200 spaced, 50 ms
#   CALLS=5000 ROUNDS=15 SPACED=100 GAP_MS=40 FLAVORS=multi_thread bench/call-floor.sh
#
# About 2 minutes (the spaced part is SPACED x 4 waits of GAP_MS per runtime flavor). Builds
# the bench in the workspace's target/ (or CARGO_TARGET_DIR), unlike the generated-crate
# scripts: it measures tc-runtime itself, not a generated crate.
source "$(dirname "$0")/lib.sh"
export CARGO_TARGET_DIR=${CALL_FLOOR_TARGET_DIR:-$ROOT/target}
export ROUNDS=${ROUNDS:-9}
machine
(cd "$ROOT" && cargo bench -q -p tc-runtime --bench call_floor --no-run 2>/dev/null) ||
    (cd "$ROOT" && cargo bench -p tc-runtime --bench call_floor --no-run)
(cd "$ROOT" && cargo bench -q -p tc-runtime --bench call_floor)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
