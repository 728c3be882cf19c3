package trainer_test

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// recordedDigests are the params sha256 of three iterations of the seed
// network (seedNetwork) on real MNIST, per kernel path, as the kernels of
// this version compute them. The assembly's arithmetic is fixed, so a
// change of these is a change of the kernels' results: update them only
// for a deliberate one. The AVX2 path's is the one it had before the
// AVX-512 path was added. The portable path's is not recorded: the Go
// compiler may fuse its multiply-adds differently for other targets.
var recordedDigests = map[string]string{
	kernel.PathAVX2FMA: "0931ecf8717d82cfb254ae2902ac9f7bef939992822188d3cc490e0f222cc9df",
	kernel.PathAVX512:  "c4fd9ff3136ba6a094b296d0a4b6c3b63ccc6f1142d143ae7e5e5abe6281b7d7",
}

// TestMNISTDeterministicPaths: on every kernel path this CPU runs, a few
// iterations of the seed network on real MNIST give bitwise the same
// parameters for 1, 2 and 3 workers. The paths round differently, so each
// has its own digest; the test logs them and checks those of the assembly
// paths against recordedDigests.
func TestMNISTDeterministicPaths(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	ds := mnist(t)
	data := mustData(t, ds.Train, 0)
	for _, path := range []string{kernel.PathGeneric, kernel.PathAVX2FMA, kernel.PathAVX512} {
		t.Run(path, func(t *testing.T) {
			old := kernel.Path()
			if err := kernel.SelectPath(path); err != nil {
				t.Skipf("skipping the %s path: %v", path, err)
			}
			defer kernel.SelectPath(old)
			var first string
			for _, workers := range []int{1, 2, 3} {
				got := runConfig(t, seedNetwork(workers, 3), data, trainer.Options{}).Params.Digest()
				t.Logf("%s path, workers=%d: params sha256 %s", path, workers, got)
				if first == "" {
					first = got
				} else if got != first {
					t.Errorf("workers=%d: params sha256 %s, 1 worker gives %s", workers, got, first)
				}
			}
			if want := recordedDigests[path]; want != "" && defaultAMD64() && first != want {
				t.Errorf("the %s path gives params sha256 %s, recorded %s: the kernels' results changed", path, first, want)
			}
		})
	}
}

// defaultAMD64 reports whether the test runs on amd64 built for the
// baseline instruction set (GOAMD64=v1), where the recorded digests hold:
// for later levels the compiler may fuse the float64 update's multiplies
// and adds.
func defaultAMD64() bool {
	if runtime.GOARCH != "amd64" {
		return false
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "GOAMD64" {
			return s.Value == "v1"
		}
	}
	return true
}
