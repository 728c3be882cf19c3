package trainer_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shardnet/shardnet/trainer"
)

// group is an in-process stand-in for MPI: size members, each a Collective
// for one goroutine, whose SumInt64 waits for every member and gives each
// the element-wise sum.
type group struct {
	mu      sync.Mutex
	cond    *sync.Cond
	size    int
	arrived int
	round   int
	sum     []int64
	done    []int64 // the last round's result
}

func newGroup(size int) []trainer.Collective {
	g := &group{size: size}
	g.cond = sync.NewCond(&g.mu)
	members := make([]trainer.Collective, size)
	for r := range members {
		members[r] = &member{g: g, rank: r}
	}
	return members
}

type member struct {
	g    *group
	rank int
}

func (m *member) Rank() int { return m.rank }
func (m *member) Size() int { return m.g.size }

func (m *member) SumInt64(buf []int64) error {
	g := m.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.arrived == 0 {
		g.sum = make([]int64, len(buf))
	}
	if len(buf) != len(g.sum) {
		return fmt.Errorf("rank %d: %d words, others %d", m.rank, len(buf), len(g.sum))
	}
	for i, v := range buf {
		g.sum[i] += v
	}
	g.arrived++
	round := g.round
	if g.arrived == g.size {
		g.done, g.arrived = g.sum, 0
		g.round++
		g.cond.Broadcast()
	} else {
		for g.round == round {
			g.cond.Wait()
		}
	}
	copy(buf, g.done)
	return nil
}

// runGroup trains cfg as size processes of workers each, in goroutines,
// and returns each process's result and error. stopAt, if positive, makes
// process 0's context be cancelled at that micro-shard of its run.
func runGroup(t *testing.T, cfg trainer.Config, data *trainer.Data, size, workers int, kept *checkpoints, opts trainer.Options) ([]*trainer.Result, []error) {
	t.Helper()
	members := newGroup(size)
	results, errs := make([]*trainer.Result, size), make([]error, size)
	var wg sync.WaitGroup
	for r := range size {
		c := cfg
		c.Workers = workers
		o := opts
		o.Collective = members[r]
		if r == 0 && kept != nil {
			o.Checkpoint = kept.save
		}
		tr, err := trainer.New(c, data, o)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { results[r], errs[r] = tr.Run(context.Background()) })
	}
	wg.Wait()
	return results, errs
}

// TestProcessesBitwise: a run split over 1 to 4 processes of 1 or 2 workers
// each gives bitwise the parameters of one process alone, full batch and
// mini-batch, and so do the costs it logs.
func TestProcessesBitwise(t *testing.T) {
	data := mustData(t, syntheticSet(900, 8, 21), 0)
	for _, batch := range []int{0, 128} {
		cfg := smallConfig(1, 12)
		cfg.BatchSize = batch
		want := runConfig(t, cfg, data, trainer.Options{})
		for _, size := range []int{1, 2, 3, 4} {
			for _, workers := range []int{1, 2} {
				results, errs := runGroup(t, cfg, data, size, workers, nil, trainer.Options{})
				for r, res := range results {
					if errs[r] != nil {
						t.Fatalf("batch %d, %d processes of %d workers: rank %d: %v", batch, size, workers, r, errs[r])
					}
					if res.Params.Digest() != want.Params.Digest() || res.FinalCost != want.FinalCost {
						t.Errorf("batch %d, %d processes of %d workers: rank %d ends with other parameters or cost than one process", batch, size, workers, r)
					}
				}
			}
		}
	}
}

// TestProcessesStopTogether: when one process is interrupted, every
// process stops after the same iteration, the interrupted one with its
// context's cause and the others with ErrPeerStopped; the checkpoint of
// process 0 then resumes, in another number of processes, to the
// parameters of a run never stopped.
func TestProcessesStopTogether(t *testing.T) {
	data := mustData(t, syntheticSet(600, 8, 22), 0)
	cfg := smallConfig(2, 30)
	straight := runConfig(t, cfg, data, trainer.Options{})

	members := newGroup(3)
	stop := errors.New("test stop")
	ctx0, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var kept checkpoints
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for r := range 3 {
		o := trainer.Options{Collective: members[r]}
		ctx := context.Background()
		if r == 0 {
			o.Checkpoint, ctx = kept.save, ctx0
		}
		tr, err := trainer.New(cfg, data, o)
		if err != nil {
			t.Fatal(err)
		}
		if r == 0 {
			var calls atomic.Int64
			trainer.SetFaultHook(tr, func(int) {
				if calls.Add(1) == 25 {
					cancel(stop)
				}
			})
		}
		wg.Go(func() { _, errs[r] = tr.Run(ctx) })
	}
	wg.Wait()
	iteration := -1
	for r, err := range errs {
		var interrupted *trainer.InterruptedError
		if !errors.As(err, &interrupted) {
			t.Fatalf("rank %d: %v, want an InterruptedError", r, err)
		}
		if want := map[bool]error{true: stop, false: trainer.ErrPeerStopped}[r == 0]; !errors.Is(err, want) {
			t.Errorf("rank %d: cause %v, want %v", r, interrupted.Cause, want)
		}
		if iteration >= 0 && interrupted.Iteration != iteration {
			t.Errorf("rank %d stopped after iteration %d, rank 0 after %d", r, interrupted.Iteration, iteration)
		}
		iteration = interrupted.Iteration
	}
	if iteration < 1 || iteration >= 30 {
		t.Fatalf("stopped after iteration %d, want within the run", iteration)
	}
	results, errs := runGroup(t, cfg, data, 2, 3, nil, trainer.Options{Resume: kept.at(t, iteration)})
	for r, res := range results {
		if errs[r] != nil {
			t.Fatal(errs[r])
		}
		if res.Params.Digest() != straight.Params.Digest() {
			t.Errorf("rank %d of the resumed run ends with other parameters than the run never stopped", r)
		}
	}
}
