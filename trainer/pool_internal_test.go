package trainer

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// panicTask panics on one worker and counts the shares the others ran.
type panicTask struct {
	round  string
	worker int
	ran    []bool
}

func (t *panicTask) name() string { return t.round }

func (t *panicTask) run(_ context.Context, w int) error {
	if w == t.worker {
		panic("injected fault")
	}
	t.ran[w] = true
	return nil
}

// TestPoolRoundPanic: a panic in any round, on the calling goroutine
// (worker 0) or a helper, becomes an error naming the round and the
// worker; the other workers finish their shares, and the pool refuses
// further rounds. Every helper ends (goleak in TestMain).
func TestPoolRoundPanic(t *testing.T) {
	for _, round := range []string{"gradient", "reduction", "update"} {
		for _, worker := range []int{0, 2} {
			p := startPool(context.Background(), 3, nil)
			task := &panicTask{round: round, worker: worker, ran: make([]bool, 3)}
			err := p.round(context.Background(), task)
			want := "trainer: " + round + " round: worker " + strconv.Itoa(worker) + ": panic: injected fault"
			if err == nil || err.Error() != want {
				t.Errorf("%s round, panic on worker %d: error %v, want %q", round, worker, err, want)
			}
			if !errors.Is(err, errPanic) {
				t.Errorf("%s round, panic on worker %d: error %v does not wrap errPanic", round, worker, err)
			}
			for w, ran := range task.ran {
				if w != worker && !ran {
					t.Errorf("%s round, panic on worker %d: worker %d did not run its share", round, worker, w)
				}
			}
			if err := p.round(context.Background(), task); !errors.Is(err, errClosed) {
				t.Errorf("%s round, panic on worker %d: the next round's error is %v, want %v", round, worker, err, errClosed)
			}
			if err := p.close(); err == nil || !strings.Contains(err.Error(), "panic: injected fault") {
				t.Errorf("%s round, panic on worker %d: close returned %v, want the panic", round, worker, err)
			}
		}
	}
}
