package trainer

import (
	"fmt"
	"io"
	"time"
)

// progress draws a single, rewritten status line with the iteration, the
// cost and the estimated time left. It does nothing without a writer, which
// is how non-terminal output gets no progress line.
type progress struct {
	w            io.Writer
	total, first int
	began, drawn time.Time
	shown        bool
}

func newProgress(w io.Writer, first, total int) *progress {
	now := time.Now()
	return &progress{w: w, first: first, total: total, began: now, drawn: now}
}

// update redraws the line at most ten times a second.
func (p *progress) update(done int, cost float64) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.drawn) < 100*time.Millisecond && done < p.total {
		return
	}
	p.drawn = now
	eta := time.Duration(0)
	if run := done - p.first; run > 0 {
		eta = time.Duration(float64(now.Sub(p.began)) / float64(run) * float64(p.total-done))
	}
	fmt.Fprintf(p.w, "\r\x1b[Kiteration %d/%d  cost %.4f  ETA %s", done, p.total, cost, eta.Round(time.Second))
	p.shown = true
}

// clear erases the line so that a log line can be written in its place.
func (p *progress) clear() {
	if p.w != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
