package trainer

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestPhaser drives a phaser through many rounds, polling and parking, with
// helpers that finish at random moments, some after the poll has given up,
// and checks that every helper runs every round exactly once, in order, and
// that wait returns only after all of them have finished it.
func TestPhaser(t *testing.T) {
	for _, tc := range []struct {
		helpers int
		spin    bool
		pause   time.Duration // longest random pause of a helper
	}{
		{0, true, 0},
		{1, true, 0},
		{3, true, 0},
		{3, false, 0},
		{3, true, 3 * spinFor},
		{7, false, 50 * time.Microsecond},
	} {
		t.Run(fmt.Sprintf("helpers=%d/spin=%t/pause=%v", tc.helpers, tc.spin, tc.pause), func(t *testing.T) {
			const rounds = 300
			p := newPhaser(tc.helpers, tc.spin)
			ran := make([][]int, tc.helpers) // the rounds each helper ran
			var round int                    // written by the coordinator before publish
			var wg sync.WaitGroup
			for h := range tc.helpers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(h), 1))
					var seq uint64
					for {
						seq = p.next(h, seq)
						if phaseOf(seq) == phaseStop {
							return
						}
						if tc.pause > 0 && rng.IntN(4) == 0 {
							time.Sleep(time.Duration(rng.Int64N(int64(tc.pause))))
						}
						ran[h] = append(ran[h], round)
						p.finished(seq)
					}
				})
			}
			for r := range rounds {
				round = r
				p.publish(phaseRun)
				p.wait()
				for h := range ran {
					if len(ran[h]) != r+1 || ran[h][r] != r {
						t.Fatalf("after round %d helper %d ran %v", r, h, ran[h][max(0, len(ran[h])-3):])
					}
				}
			}
			p.publish(phaseStop)
			wg.Wait()
		})
	}
}
