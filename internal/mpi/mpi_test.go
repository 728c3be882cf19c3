//go:build mpi

package mpi_test

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/mpi"
)

// The tests run as one process (MPI's singleton start) under go test
// -tags mpi, and as a job under mpirun -np N mpi.test; each process checks
// what every process must see.

var comm *mpi.Comm

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if comm, err = mpi.Open(); err != nil {
		panic(err)
	}
	if bench := flag.Lookup("test.bench"); comm.Rank() != 0 && bench != nil && bench.Value.String() != "" {
		// One table of timings, rank 0's: every rank takes part in every
		// call, so every rank's timings are alike.
		if devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
			os.Stdout = devnull
		}
	}
	code := m.Run()
	if err := comm.Close(); err != nil {
		panic(err)
	}
	os.Exit(code)
}

// TestSumInt64: every rank gets the sum of every rank's words, modulo 2^64
// as two's complement words add.
func TestSumInt64(t *testing.T) {
	r, n := int64(comm.Rank()), int64(comm.Size())
	if r < 0 || r >= n {
		t.Fatalf("rank %d of %d", r, n)
	}
	buf := []int64{r + 1, -r, math.MaxInt64, 7}
	if err := comm.SumInt64(buf); err != nil {
		t.Fatal(err)
	}
	var wrapped int64 = math.MaxInt64
	for range n - 1 {
		wrapped += math.MaxInt64 // wraps around, as the sum does
	}
	want := []int64{n * (n + 1) / 2, -n * (n - 1) / 2, wrapped, 7 * n}
	for i := range want {
		if buf[i] != want[i] {
			t.Errorf("rank %d: word %d is %d, want %d", r, i, buf[i], want[i])
		}
	}
}

// TestBroadcast: every rank gets rank 0's bytes.
func TestBroadcast(t *testing.T) {
	buf := []byte{byte(comm.Rank()), 9, 9}
	if err := comm.Broadcast(buf, 0); err != nil {
		t.Fatal(err)
	}
	if buf[0] != 0 || buf[1] != 9 {
		t.Errorf("rank %d: broadcast gave %v, want rank 0's [0 9 9]", comm.Rank(), buf)
	}
	if err := comm.Broadcast(buf, comm.Size()); err == nil {
		t.Errorf("broadcast from rank %d of %d: no error", comm.Size(), comm.Size())
	}
}

// BenchmarkSumInt64 times the all-reduce of vectors from one word to 4 MiW
// (32 MiB), or of the sizes in $SHARDNET_MPI_BENCH_WORDS (comma-separated
// word counts), for the latency-bandwidth (alpha-beta) fit of
// docs/SCALING.md. Under mpirun every rank must make the same calls: give
// a fixed count, -test.benchtime=100x.
func BenchmarkSumInt64(b *testing.B) {
	sizes := []int{1, 1 << 10, 1 << 14, 1 << 17, 1 << 19, 1 << 21, 1 << 22}
	if spec := os.Getenv("SHARDNET_MPI_BENCH_WORDS"); spec != "" {
		sizes = nil
		for part := range strings.SplitSeq(spec, ",") {
			n, err := strconv.Atoi(part)
			if err != nil || n < 1 {
				b.Fatalf("SHARDNET_MPI_BENCH_WORDS=%q: want word counts such as 1024,4096", spec)
			}
			sizes = append(sizes, n)
		}
	}
	for _, words := range sizes {
		b.Run(fmt.Sprintf("bytes=%d", 8*words), func(b *testing.B) {
			buf := make([]int64, words)
			b.SetBytes(int64(8 * words))
			for b.Loop() {
				if err := comm.SumInt64(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
