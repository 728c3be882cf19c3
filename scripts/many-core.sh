#!/usr/bin/env bash
# Measures what docs/PERFORMANCE.md reports about many-core machines, in one
# prepared run that fits a short lease of a borrowed machine:
#
#   1. the worker sweep of configs/bench.yaml (up to 64 workers, 3 rounds)
#      on every kernel path the CPU has (avx512, avx2), with the per-phase
#      breakdown, and a timeline of one worker per core on each;
#   2. a finer sweep, 1 worker to one per core, on the default path;
#   3. the side-by-side with NumPy (and PyTorch where it imports), all cores
#      and all workers, then two pinned cores with 2 workers.
#
# It needs no Go: build the binary where Go is (CGO_ENABLED=0 go build
# ./cmd/shardnet) and carry it with the data.
#
# usage: scripts/many-core.sh SHARDNET_BINARY DATA_DIR [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: $0 SHARDNET_BINARY DATA_DIR [OUT_DIR]" >&2
  exit 2
fi
bin=$(realpath "$1") data=$2 out=${3:-many-core-out}
mkdir -p "$out"
cores=$(nproc)
torch=
if python3 -c 'import torch' 2>/dev/null || /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  torch=-t
fi

{
  date -u
  lscpu | grep -E 'Model name|^CPU\(s\)|L1d|L2'
  echo "vector extensions: $(grep -o -w -E 'avx2|fma|avx512[a-z0-9_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
} > "$out/machine.txt"

for path in avx512 avx2; do
  # A path the CPU lacks is refused with one line; record it and go on.
  if ! SHARDNET_KERNEL=$path "$bin" bench --config configs/bench.yaml --data-dir "$data" --no-fetch \
    --out "$out/sweep-$path" > "$out/sweep-$path.txt" 2> "$out/sweep-$path.log"; then
    echo "$path: $(tail -1 "$out/sweep-$path.log")" >> "$out/machine.txt"
    continue
  fi
  # A timeline of one worker per core only: the sweep's would be tens of MB.
  SHARDNET_KERNEL=$path "$bin" bench --config configs/bench.yaml --data-dir "$data" --no-fetch \
    --workers "$cores" --rounds 1 --out "$out/trace-$path" --trace "$out/trace-$path/trace.json" \
    > /dev/null 2> "$out/trace-$path.log"
done

"$bin" bench --config configs/bench.yaml --data-dir "$data" --no-fetch \
  --workers "$(seq -s, 1 "$cores")" --out "$out/fine" > "$out/fine.txt" 2> "$out/fine.log"

SHARDNET_BIN=$bin scripts/compare-numpy.sh -d "$data" -f $torch -r 3 -n 50 -w "$cores" > "$out/compare-h10-all.txt" 2>&1
SHARDNET_BIN=$bin scripts/compare-numpy.sh -d "$data" -H 300 -f $torch -r 3 -n 8 -w "$cores" > "$out/compare-h300-all.txt" 2>&1
OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 SHARDNET_BIN=$bin taskset -c 0,1 \
  scripts/compare-numpy.sh -d "$data" -f $torch -r 3 -n 30 -w 2 > "$out/compare-h10-2cores.txt" 2>&1
OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 SHARDNET_BIN=$bin taskset -c 0,1 \
  scripts/compare-numpy.sh -d "$data" -H 300 -f $torch -r 3 -n 4 -w 2 > "$out/compare-h300-2cores.txt" 2>&1
echo "wrote $out"
