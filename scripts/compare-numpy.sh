#!/usr/bin/env bash
# Runs the seed's algorithm in NumPy (../shared/bench/seed_numpy.py, or
# $SEED_NUMPY) and in shardnet on the same data, one after the other, and
# prints both ms per iteration and their ratio.
#
#   scripts/compare-numpy.sh [-d DATA_DIR] [-H HIDDEN] [-n ITERATIONS] [-w WORKERS] [-r REPEATS] [-f] [-t]
#
# -f also times NumPy in float32; -t also times the same algorithm in
# PyTorch on the CPU, float32 (scripts/seed_torch.py; needs torch), with
# PyTorch's default intra-op threads or $TORCH_THREADS of them. Needs
# python3 with numpy (Debian: apt-get install -y python3-numpy
# libopenblas0-pthread). SHARDNET_BIN names a prebuilt shardnet binary, for
# machines without Go; otherwise the script builds one.
set -euo pipefail
cd "$(dirname "$0")/.."

data=${SHARDNET_DATA:-../shared/data/mnist}
hidden=10 iterations=100 workers=$(nproc) repeats=3 float32=0 torch=0
while getopts "d:H:n:w:r:ft" opt; do
  case $opt in
    d) data=$OPTARG ;;
    H) hidden=$OPTARG ;;
    n) iterations=$OPTARG ;;
    w) workers=$OPTARG ;;
    r) repeats=$OPTARG ;;
    f) float32=1 ;;
    t) torch=1 ;;
    *) echo "usage: $0 [-d DATA_DIR] [-H HIDDEN] [-n ITERATIONS] [-w WORKERS] [-r REPEATS] [-f] [-t]" >&2; exit 2 ;;
  esac
done
seed_numpy=${SEED_NUMPY:-../shared/bench/seed_numpy.py}
python=${PYTHON:-python3}
if ! "$python" -c 'import numpy' 2>/dev/null; then
  python=/usr/bin/python3   # Debian's python3-numpy lives there
fi
if [ "$torch" = 1 ] && ! "$python" -c 'import torch' 2>/dev/null; then
  echo "$0: -t needs PyTorch: $python cannot import torch" >&2
  exit 2
fi
lr=0.04
[ "$hidden" != 10 ] && lr=0.4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shardnet=${SHARDNET_BIN:-}
if [ -z "$shardnet" ]; then
  shardnet=$work/shardnet
  go build -o "$shardnet" ./cmd/shardnet
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { "$python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }

echo "784-$hidden-10, $iterations iterations, lr $lr, $repeats runs each; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for ((i = 1; i <= repeats; i++)); do
  "$python" "$seed_numpy" "$data" --hidden "$hidden" --lr "$lr" --iterations "$iterations" > "$work/np64-$i.json"
  field "$work/np64-$i.json" ms_per_iteration >> "$work/np64"
  if [ "$float32" = 1 ]; then
    "$python" "$seed_numpy" "$data" --hidden "$hidden" --lr "$lr" --iterations "$iterations" --float32 > "$work/np32-$i.json"
    field "$work/np32-$i.json" ms_per_iteration >> "$work/np32"
  fi
  if [ "$torch" = 1 ]; then
    "$python" scripts/seed_torch.py "$data" --hidden "$hidden" --lr "$lr" --iterations "$iterations" \
      --threads "${TORCH_THREADS:-0}" > "$work/torch-$i.json"
    field "$work/torch-$i.json" ms_per_iteration >> "$work/torch"
  fi
  "$shardnet" train --data-dir "$data" --no-fetch --hidden "$hidden" --learning-rate "$lr" \
    --iterations "$iterations" --workers "$workers" --out "$work/run-$i" --log-format json 2> "$work/log-$i" > /dev/null
  field "$work/run-$i/metrics.json" ms_per_iteration >> "$work/go"
done
np64=$(median < "$work/np64")
go=$(median < "$work/go")
printf "numpy float64:            %8.2f ms/iteration (median)\n" "$np64"
if [ "$float32" = 1 ]; then
  np32=$(median < "$work/np32")
  printf "numpy float32:            %8.2f ms/iteration (median)\n" "$np32"
fi
if [ "$torch" = 1 ]; then
  pt=$(median < "$work/torch")
  printf "pytorch float32 (%2d thr): %8.2f ms/iteration (median), torch %s\n" "$(field "$work/torch-1.json" threads)" "$pt" "$(field "$work/torch-1.json" torch)"
fi
printf "shardnet (%2d workers):    %8.2f ms/iteration (median), kernel %s\n" "$workers" "$go" "$(field "$work/run-1/metrics.json" kernel_path)"
awk -v a="$np64" -v b="$go" 'BEGIN { printf "shardnet is %.2fx faster than numpy float64\n", a / b }'
if [ "$float32" = 1 ]; then
  awk -v a="$np32" -v b="$go" 'BEGIN { printf "shardnet is %.2fx faster than numpy float32\n", a / b }'
fi
if [ "$torch" = 1 ]; then
  awk -v a="$pt" -v b="$go" 'BEGIN { printf "shardnet is %.2fx faster than pytorch float32\n", a / b }'
fi
