package cli

import (
	"fmt"
	"time"

	"github.com/shardnet/shardnet/internal/output"
	"github.com/shardnet/shardnet/trainer"
)

// traceFlag is the help text of train's and bench's --trace.
const traceFlag = "write a timeline of every worker (gradient, reduction, update, waiting and communication spans) as Chrome trace-event JSON to `file`, for Perfetto or chrome://tracing"

// spanWords is how many int64 words a span takes on its way across
// processes: kind, worker, step, start and end.
const spanWords = 5

// gatherSpans returns the spans of every process of the job, by rank, for
// rank 0's trace: this process's own alone, or in an MPI job those of
// every rank, summed into place across the processes (each fills its own
// part of a zeroed vector) and shifted so that the end of every rank's first
// communication, which all ranks reach within microseconds, coincides.
func (j *job) gatherSpans(tl *trainer.Timeline) ([][]trainer.Span, error) {
	own := tl.Spans()
	if j.comm == nil {
		return [][]trainer.Span{own}, nil
	}
	counts := make([]int64, j.size())
	counts[j.rank()] = int64(len(own))
	if err := j.comm.SumInt64(counts); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	at := make([]int, j.size()+1)
	for r, n := range counts {
		at[r+1] = at[r] + int(n)*spanWords
	}
	words := make([]int64, at[j.size()])
	for i, s := range own {
		w := words[at[j.rank()]+i*spanWords:]
		w[0], w[1], w[2], w[3], w[4] = int64(s.Kind), int64(s.Worker), int64(s.Step), int64(s.Start), int64(s.End)
	}
	if err := j.comm.SumInt64(words); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	ranks := make([][]trainer.Span, j.size())
	var anchor []time.Duration // per rank: the end of its first communication
	for r := range ranks {
		first := time.Duration(-1)
		for w := words[at[r]:at[r+1]]; len(w) > 0; w = w[spanWords:] {
			s := trainer.Span{Kind: trainer.SpanKind(w[0]), Worker: int(w[1]), Step: int(w[2]), Start: time.Duration(w[3]), End: time.Duration(w[4])}
			ranks[r] = append(ranks[r], s)
			if s.Kind == trainer.SpanCommunication && (first < 0 || s.End < first) {
				first = s.End
			}
		}
		anchor = append(anchor, first)
	}
	for r := range ranks {
		if anchor[r] < 0 || anchor[0] < 0 {
			continue
		}
		for i := range ranks[r] {
			ranks[r][i].Start += anchor[0] - anchor[r]
			ranks[r][i].End += anchor[0] - anchor[r]
		}
	}
	return ranks, nil
}

// traceProcess is one process of a trace: the spans of one timeline (one
// rank of a run) with workers workers.
func traceProcess(name string, spans []trainer.Span, workers int) output.TraceProcess {
	p := output.TraceProcess{Name: name, Threads: make([]string, workers)}
	for w := range p.Threads {
		p.Threads[w] = fmt.Sprintf("worker %d", w)
	}
	if workers > 0 {
		p.Threads[0] = "worker 0 (coordinator)"
	}
	for _, s := range spans {
		p.Spans = append(p.Spans, output.TraceSpan{Name: s.Kind.String(), Thread: s.Worker, Start: s.Start, End: s.End, Step: s.Step})
	}
	return p
}

// rankTrace is the trace of one run: a process per rank.
func rankTrace(ranks [][]trainer.Span, workers int) []output.TraceProcess {
	var out []output.TraceProcess
	for r, spans := range ranks {
		out = append(out, traceProcess(fmt.Sprintf("rank %d", r), spans, workers))
	}
	return out
}
