#!/usr/bin/env bash
# Start-up of the tc-mock binary with the whole spec/ (every action of every service): the
# time from process start to its first stdout line (printed once the spec is read, checked
# and indexed and the listener is bound), and its memory then: resident (VmRSS) and peak
# resident (VmHWM) from /proc/<pid>/status. Debug and release builds, REPEAT runs each
# (default 5): the fastest and the median time, and the median memory.
#
#   bench/server-startup.sh                 both builds
#   PROFILES=release bench/server-startup.sh
#   REPEAT=9 bench/server-startup.sh
#
# Needs Linux (/proc), bash 4+ (coproc) and cargo; builds into the workspace's target/
# (or CARGO_TARGET_DIR) and writes nothing else.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPEAT=${REPEAT:-5}
PROFILES=${PROFILES:-"debug release"}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for profile in $PROFILES; do
    flag=()
    [ "$profile" = release ] && flag=(--release)
    (cd "$ROOT" && cargo build -q -p tc-mock "${flag[@]}")
    bin=$TARGET/$profile/tc-mock
    times=() rss=() hwm=() banner=""
    for _ in $(seq "$REPEAT"); do
        start=$(date +%s%N)
        coproc SERVER { exec "$bin" --port 0 --spec "$ROOT/spec"; }
        pid=$SERVER_PID
        IFS= read -r banner <&"${SERVER[0]}"
        end=$(date +%s%N)
        times+=($(((end - start) / 1000000)))
        rss+=("$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")")
        hwm+=("$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")")
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done
    fastest=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
    med=$(printf '%s\n' "${times[@]}" | median)
    rss_med=$(printf '%s\n' "${rss[@]}" | median)
    hwm_med=$(printf '%s\n' "${hwm[@]}" | median)
    echo "$profile: ${banner#\# }"
    echo "  runs (ms): ${times[*]}"
    awk -v f="$fastest" -v m="$med" -v r="$rss_med" -v h="$hwm_med" -v n="$REPEAT" 'BEGIN {
        printf "  start-up %d ms fastest, %d ms median of %d; RSS %.1f MiB, peak RSS %.1f MiB (medians)\n",
            f, m, n, r / 1024, h / 1024 }'
done
