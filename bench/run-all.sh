#!/usr/bin/env bash
# Every benchmark, in order, output to bench/results/<date>.txt (and the terminal). About
# 35 minutes on the 2-core machine with REPEAT=1. BENCHMARKS.md holds the written result.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/results"
out="$dir/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
{
    echo "== generator";   "$dir/generator.sh"
    echo "== compile";     "$dir/compile.sh" "${@:-100 300 1000}"
    echo "== consumer";    "$dir/consumer.sh" 1000
    echo "== future sizes"; "$dir/sizes.sh" 1000
} 2>&1 | tee "$out"
echo "written: $out"
