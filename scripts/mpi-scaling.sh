#!/usr/bin/env bash
# Measures what docs/SCALING.md reports about training across processes:
#
#   1. the bitwise table: the seed preset (300 iterations) under mpirun with
#      R = 1..4 ranks of 1 and 2 workers, against one process of 1, 2 and 7
#      workers, and the portable path alone and beside the CPU's own;
#   2. the all-reduce on its own (internal/mpi's BenchmarkSumInt64): one
#      iteration's words for 784-10-10 and 784-300-10 and a sweep of sizes,
#      at R = 2 and 4, over shared memory (Open MPI's default, vader) and
#      over TCP loopback (--mca btl tcp,self), for the alpha-beta fit;
#   3. the communication time inside training (seconds_communication of
#      metrics.json per iteration, which also holds the wait for the slowest
#      rank) for both networks at R = 2 and 4, both transports.
#
# usage: scripts/mpi-scaling.sh DATA_DIR [OUT_DIR]
# Needs Go, Open MPI (openmpi-bin, libopenmpi-dev) and pkg-config.
set -euo pipefail
data=${1:?usage: scripts/mpi-scaling.sh DATA_DIR [OUT_DIR]}
out=${2:-$(mktemp -d)}
cd "$(dirname "$0")/.."
mkdir -p "$out"
go build -tags mpi -o "$out/shardnet" ./cmd/shardnet
go test -c -tags mpi -o "$out/mpi.test" ./internal/mpi
run=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
sn="$out/shardnet"
digest() { "$sn" inspect --model "$1/model.ckpt" | sed -n 's/^params sha256: //p'; }

echo "## bitwise table (seed preset, 300 iterations)"
echo "| processes | workers each | params sha256 |"
echo "|---|---|---|"
for w in 1 2 7; do
  rm -rf "$out/b"; "$sn" train --config configs/seed.yaml --data-dir "$data" --iterations 300 --workers $w --out "$out/b" >/dev/null 2>&1
  echo "| 1 (no MPI) | $w | $(digest "$out/b") |"
done
for r in 1 2 3 4; do
  for w in 1 2; do
    rm -rf "$out/b"; "${run[@]}" -np $r "$sn" train --backend mpi --config configs/seed.yaml --data-dir "$data" --iterations 300 --workers $w --out "$out/b" >/dev/null 2>&1
    echo "| $r (mpirun) | $w | $(digest "$out/b") |"
  done
done
# Every kernel path computes one arithmetic, so paths may mix: the portable
# Go path alone, and one rank of each beside the other.
rm -rf "$out/b"; SHARDNET_KERNEL=generic "$sn" train --config configs/seed.yaml --data-dir "$data" --iterations 300 --workers 2 --out "$out/b" >/dev/null 2>&1
echo "| 1 (no MPI), generic | 2 | $(digest "$out/b") |"
rm -rf "$out/b"
args=(train --backend mpi --config configs/seed.yaml --data-dir "$data" --iterations 300 --workers 1 --out "$out/b")
"${run[@]}" -np 1 "$sn" "${args[@]}" : -np 1 -x SHARDNET_KERNEL=generic "$sn" "${args[@]}" >/dev/null 2>&1
echo "| 2 (mpirun), one generic | 1 | $(digest "$out/b") |"

# One iteration's words: 2 per element of the flat layout and the cost,
# and the flags (see trainer.Engine): FlatLen = 784·HP + HP + 10·HP + 16.
words() { local hp=$1; echo $(( 2 * (784*hp + hp + 10*hp + 16 + 1) + 6 )); }
w10=$(words 16) w300=$(words 304)
echo
echo "## the all-reduce alone, ns per call (100 calls; rank 0)"
for transport in shm tcp; do
  mca=()
  [ $transport = tcp ] && mca=(--mca btl tcp,self)
  for r in 2 4; do
    echo "### $transport, $r ranks"
    # The median of 5 runs of 100 calls, per size.
    SHARDNET_MPI_BENCH_WORDS="1,1024,16384,$w10,131072,$w300,1048576" \
      "${run[@]}" "${mca[@]}" -np $r "$out/mpi.test" -test.run '^$' -test.bench SumInt64 -test.benchtime 100x -test.count 5 2>/dev/null \
      | python3 -c '
import re, statistics, sys
runs = {}
for line in sys.stdin:
    m = re.match(r"BenchmarkSumInt64/bytes=(\d+)-\d+\s+\d+\s+(\d+) ns/op", line)
    if m:
        runs.setdefault(int(m[1]), []).append(int(m[2]))
for size in sorted(runs):
    print(f"bytes {size}: {statistics.median(runs[size]) / 1e3:.0f} us")
'
  done
done

echo
echo "## communication inside training (ms per iteration = seconds_communication / iterations)"
echo "| network | transport | processes | ms per iteration | communication ms per iteration |"
echo "|---|---|---|---|---|"
for h in 10 300; do
  n=200; [ $h = 300 ] && n=20
  for transport in shm tcp; do
    mca=()
    [ $transport = tcp ] && mca=(--mca btl tcp,self)
    for r in 2 4; do
      rm -rf "$out/c"
      "${run[@]}" "${mca[@]}" -np $r "$sn" train --backend mpi --config configs/seed.yaml --data-dir "$data" --hidden $h --iterations $n --workers 1 --out "$out/c" >/dev/null 2>&1
      python3 - "$out/c/metrics.json" "$h" "$transport" "$r" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"| 784-{sys.argv[2]}-10 | {sys.argv[3]} | {sys.argv[4]} | {m['ms_per_iteration']:.2f} | {1e3*m['seconds_communication']/m['iterations']:.3f} |")
PY
    done
  done
done
