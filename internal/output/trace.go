package output

import (
	"encoding/json"
	"io"
	"time"
)

// TraceProcess is one process of a trace, in Chrome's trace-event terms: a
// group of tracks, such as one MPI rank or one cell of a benchmark, with
// one thread (track) per worker.
type TraceProcess struct {
	Name    string
	Threads []string // track names, by thread number
	Spans   []TraceSpan
}

// TraceSpan is one stretch of time on a track.
type TraceSpan struct {
	Name   string // what was done: "gradient", "waiting", ...
	Thread int    // the track
	Start  time.Duration
	End    time.Duration
	Step   int // the training step, shown in the span's details
}

// WriteTrace writes processes as Chrome trace-event JSON to path,
// atomically: a file that Perfetto (ui.perfetto.dev) and chrome://tracing
// open as a timeline, process p numbered p, with a complete ("X") event per
// span and the processes' and tracks' names as metadata ("M") events.
func WriteTrace(path string, processes []TraceProcess) error {
	type event struct {
		Name string         `json:"name"`
		Cat  string         `json:"cat,omitempty"`
		Ph   string         `json:"ph"`
		Ts   float64        `json:"ts"` // µs
		Dur  float64        `json:"dur,omitempty"`
		Pid  int            `json:"pid"`
		Tid  int            `json:"tid"`
		Args map[string]any `json:"args,omitempty"`
	}
	micro := func(d time.Duration) float64 { return float64(d) / 1e3 }
	var events []event
	for p, proc := range processes {
		events = append(events, event{Name: "process_name", Ph: "M", Pid: p, Args: map[string]any{"name": proc.Name}},
			event{Name: "process_sort_index", Ph: "M", Pid: p, Args: map[string]any{"sort_index": p}})
		for t, name := range proc.Threads {
			events = append(events, event{Name: "thread_name", Ph: "M", Pid: p, Tid: t, Args: map[string]any{"name": name}},
				event{Name: "thread_sort_index", Ph: "M", Pid: p, Tid: t, Args: map[string]any{"sort_index": t}})
		}
		for _, s := range proc.Spans {
			events = append(events, event{Name: s.Name, Cat: "shardnet", Ph: "X", Ts: micro(s.Start), Dur: micro(s.End - s.Start),
				Pid: p, Tid: s.Thread, Args: map[string]any{"step": s.Step}})
		}
	}
	return WriteFile(path, func(w io.Writer) error {
		return json.NewEncoder(w).Encode(struct {
			TraceEvents     []event `json:"traceEvents"`
			DisplayTimeUnit string  `json:"displayTimeUnit"`
		}{events, "ms"})
	})
}
