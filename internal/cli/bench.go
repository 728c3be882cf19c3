package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/internal/cpupeak"
	"github.com/shardnet/shardnet/internal/output"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

const flopsNote = "gflops counts the dense-equivalent work of an iteration, 2·m·(2·784·H + 3·10·H) floating-point operations (forward, dW1, dW2, dH) for m samples, divided by the median time; useful_gflops counts the work the kernels need, which skips zero pixels: 2·m·(2·n·H + 3·10·H) for n non-zero pixels per sample on average (about 150 on MNIST); the measured peak is one core's float32 FMA rate, to compare useful_gflops with"

// runBench implements 'shardnet bench'.
func runBench(ctx context.Context, args []string, env Env) error {
	began := time.Now()
	fs := newFlagSet("bench", "[--config FILE] [--workers 1,2,4] [--hidden 10,300] [flags]", env)
	configPath := fs.String("config", "", "bench configuration `file` (see configs/bench.yaml)")
	outDir := fs.String("out", "", "output `directory` for bench.json, bench.csv and speedup.png (default runs/bench-<timestamp>)")
	noFetch := fs.Bool("no-fetch", false, "never download data")
	logFormat := logFormatFlag(fs)
	backend := backendFlag(fs)
	trace := fs.String("trace", "", traceFlag)
	var workers, hidden config.IntList
	fs.Var(&workers, "workers", "`list` of worker counts to sweep, e.g. 1,2,4")
	fs.Var(&hidden, "hidden", "`list` of hidden sizes to sweep, e.g. 10,300")
	iterations := fs.Int("iterations", 0, "timed iterations per cell (default from the config)")
	warmup := fs.Int("warmup", -1, "untimed iterations per cell (default from the config)")
	rounds := fs.Int("rounds", 0, "times the sweep runs, alternately forwards and backwards, pooling each cell's timings (default from the config)")
	kernels := fs.String("kernels", "", "comma-separated `list` of kernel paths to time, each over the whole sweep, e.g. avx2-fma,generic (default: the path SHARDNET_KERNEL or the CPU selects)")
	// Every other training key is a flag too, as for train; the sweep's
	// own flags above take workers, hidden and iterations.
	overrides := config.Register(fs, "workers", "hidden", "iterations")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	j, err := openJob(*backend, flagGiven(fs, "backend"), env)
	if err != nil {
		return err
	}
	return j.finish(bench(ctx, j, benchFlags{began, fs, *configPath, *outDir, *noFetch, *logFormat, *trace, workers, hidden, *iterations, *warmup, *rounds, *kernels, overrides}, env))
}

// benchFlags are bench's own flags, as given.
type benchFlags struct {
	began                      time.Time
	fs                         *flag.FlagSet
	config, out                string
	noFetch                    bool
	logFormat, trace           string
	workers, hidden            config.IntList
	iterations, warmup, rounds int
	kernels                    string
	overrides                  *config.Overrides
}

// bench is 'shardnet bench' after its flags are parsed, as process j of the
// runs it times.
func bench(ctx context.Context, j *job, f benchFlags, env Env) error {
	if err := j.agree(launchFingerprint("", f.trace)); err != nil {
		return err
	}
	b := config.DefaultBench()
	if f.config != "" {
		var err error
		if b, err = config.LoadBench(f.config); err != nil {
			return usage(err)
		}
	}
	if err := f.overrides.Apply(&b.Train); err != nil {
		return usage(err)
	}
	if f.workers != nil {
		b.Workers = f.workers
	}
	if f.hidden != nil {
		b.Hidden = f.hidden
	}
	// Flags given on the command line win, bad values included, so that
	// Validate reports them rather than the defaults silently standing in.
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) {
		given[fl.Name] = true
		switch fl.Name {
		case "iterations":
			b.Iterations = f.iterations
		case "warmup":
			b.Warmup = f.warmup
		case "rounds":
			b.Rounds = f.rounds
		}
	})
	flagGiven := func(key string) bool { return given[config.FlagName(key)] }
	if err := b.Validate(); err != nil {
		return usage(blame(err, keySource(flagGiven, f.config)))
	}
	log, err := newLogger(f.logFormat, env.Stderr)
	if err != nil {
		return err
	}
	defer log.Sync()
	env, log = j.quiet(env, log)
	if j.lead() {
		// Everything the sweep will write is checked before it starts.
		var release func()
		if f.out, release, err = prepareOutputs(f.trace, f.out, "bench-", log); err != nil {
			return err
		}
		defer release()
	}
	ds, _, err := loadDataset(ctx, b.Train.Dataset, b.Train.DataDir, f.noFetch, log, env)
	if err != nil {
		return err
	}
	data, err := trainer.NewData(ds.Train, 0)
	if err != nil {
		return usage(err)
	}
	sweep := slices.Clone(b.Workers)
	if !slices.Contains(sweep, 1) {
		sweep = append(sweep, 1) // the baseline of speedup and efficiency
	}
	slices.Sort(sweep)
	sweep = slices.Compact(sweep)
	if err := checkAgainstData(b.Cell(sweep[len(sweep)-1], 1), data.Train.Len()); err != nil {
		return usage(blame(err, keySource(flagGiven, f.config)))
	}
	perIteration := data.Train.Len() // samples one iteration visits
	if b.Train.BatchSize > 0 {
		perIteration = b.Train.BatchSize
	}
	// The non-zero pixels of a sample, on average: the first layer's work.
	nonZero := float64(data.Train.NonZero()) / float64(data.Train.Len())
	report := output.BenchReport{Machine: machine(), Config: b, Ranks: j.size(), Samples: perIteration, FLOPsNote: flopsNote, StartedAt: f.began.Format(time.RFC3339)}
	paths, err := benchKernels(f.kernels)
	if err != nil {
		return err
	}
	defer kernel.SelectPath(paths.restore)
	type cell struct {
		kernel          string
		hidden, workers int
	}
	var cells []cell
	for _, path := range paths.names {
		for _, h := range b.Hidden {
			for _, w := range sweep {
				cells = append(cells, cell{path, h, w})
			}
		}
	}
	times := make([][]time.Duration, len(cells))
	phases := make([]trainer.Breakdown, len(cells)) // per cell, summed over its timed steps
	var traced []output.TraceProcess
	for pass := range b.Rounds {
		for k := range cells {
			if pass%2 == 1 {
				k = len(cells) - 1 - k
			}
			c := cells[k]
			if err := kernel.SelectPath(c.kernel); err != nil {
				return err
			}
			tcfg, err := trainerConfig(b.Cell(c.workers, c.hidden))
			if err != nil {
				return usage(err)
			}
			tl := trainer.NewTimeline()
			tr, err := trainer.New(tcfg, data, trainer.Options{Collective: j.collective(), Timeline: tl})
			if err != nil {
				return usage(err)
			}
			res, err := tr.Run(ctx)
			if err != nil {
				return err
			}
			timed := res.IterationTimes[b.Warmup:]
			times[k] = append(times[k], timed...)
			per := tl.Breakdown(b.Warmup + 1)
			for kind := range phases[k] {
				phases[k][kind] += per[kind] * time.Duration(len(timed))
			}
			if f.trace != "" {
				ranks, err := j.gatherSpans(tl)
				if err != nil {
					return err
				}
				for r, spans := range ranks {
					name := fmt.Sprintf("hidden %d, %s, round %d", c.hidden, plural(c.workers, "worker"), pass+1)
					if len(paths.names) > 1 {
						name = c.kernel + ", " + name
					}
					if len(ranks) > 1 {
						name += fmt.Sprintf(", rank %d", r)
					}
					traced = append(traced, traceProcess(name, spans, c.workers))
				}
			}
			measured := benchRow(c.kernel, c.hidden, c.workers, perIteration, data.Train.Dim(), nonZero, data.Classes, timed)
			log.Info("measured", append(fieldsOf(measured), zap.Int("round", pass+1))...)
		}
	}
	var base float64
	for k, c := range cells {
		row := benchRow(c.kernel, c.hidden, c.workers, perIteration, data.Train.Dim(), nonZero, data.Classes, times[k])
		ms := func(kind trainer.SpanKind) float64 {
			return float64(phases[k].Of(kind)) / 1e6 / float64(len(times[k]))
		}
		row.GradientMs, row.ReductionMs, row.UpdateMs = ms(trainer.SpanGradient), ms(trainer.SpanReduction), ms(trainer.SpanUpdate)
		row.WaitingMs, row.CommunicationMs = ms(trainer.SpanWaiting), ms(trainer.SpanCommunication)
		if c.workers == 1 {
			base = row.MedianMs // sweep is sorted: each path's and size's baseline comes first
		}
		row.Speedup = base / row.MedianMs
		row.Efficiency = row.Speedup / float64(c.workers)
		report.Rows = append(report.Rows, row)
	}
	report.SecondsAll = time.Since(f.began).Seconds()
	if !j.lead() {
		return nil // rank 0 reports
	}
	printBenchTable(env.Stdout, &report, &b)
	if err := output.WriteBench(f.out, &report); err != nil {
		return err
	}
	if f.trace != "" {
		if err := output.WriteTrace(f.trace, traced); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "wrote %s\n", filepath.Join(f.out, "bench.json"))
	return nil
}

// benchRow summarises the timed iterations of one cell, on kernel path
// path, whose samples have nonZero of their inputs pixels set on average.
func benchRow(path string, hidden, workers, samples, inputs int, nonZero float64, classes int, times []time.Duration) output.BenchRow {
	ms := make([]float64, len(times))
	for i, t := range times {
		ms[i] = float64(t) / 1e6
	}
	slices.Sort(ms)
	median := ms[len(ms)/2]
	if len(ms)%2 == 0 {
		median = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
	}
	flops := 2 * float64(samples) * float64(2*inputs*hidden+3*classes*hidden)
	useful := 2 * float64(samples) * (2*nonZero*float64(hidden) + float64(3*classes*hidden))
	return output.BenchRow{
		Kernel: path, Hidden: hidden, Workers: workers, TimedIters: len(ms),
		MedianMs: median, MinMs: ms[0], MaxMs: ms[len(ms)-1],
		SamplesPerSec: float64(samples) / (median / 1e3),
		GFLOPS:        flops / (median / 1e3) / 1e9,
		UsefulGFLOPS:  useful / (median / 1e3) / 1e9,
	}
}

func fieldsOf(r output.BenchRow) []zap.Field {
	return []zap.Field{zap.String("kernel", r.Kernel), zap.Int("hidden", r.Hidden), zap.Int("workers", r.Workers), zap.Float64("median_ms", round(r.MedianMs, 3)), zap.Float64("samples_per_sec", round(r.SamplesPerSec, 0))}
}

func printBenchTable(w io.Writer, r *output.BenchReport, b *config.Bench) {
	m := r.Machine
	fmt.Fprintf(w, "machine: %s, %d cores, GOMAXPROCS %d, kernel %s, %s, %s\n", m.CPU, m.Cores, m.GOMAXPROCS, m.Kernel, m.GoVersion, m.OS)
	if m.PeakGFLOPS > 0 {
		fmt.Fprintf(w, "measured peak: %.1f GFLOP/s per core (float32 FMA), %.1f for %d cores\n", m.PeakGFLOPS, m.PeakGFLOPS*float64(m.Cores), m.Cores)
	}
	if r.Ranks > 1 {
		fmt.Fprintf(w, "%d processes (MPI ranks); workers are per process\n", r.Ranks)
	}
	fmt.Fprintf(w, "%d samples per iteration; per cell and round %d warm-up + %d timed iterations; %s, timings pooled\n", r.Samples, b.Warmup, b.Iterations, plural(b.Rounds, "round"))
	// A kernel column leads the tables where the sweep timed several paths.
	kernelCol := func(row output.BenchRow) string { return "" }
	if r.Rows[0].Kernel != r.Rows[len(r.Rows)-1].Kernel {
		kernelCol = func(row output.BenchRow) string { return row.Kernel + "\t" }
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, kernelCol(output.BenchRow{Kernel: "kernel"})+"hidden\tworkers\tmedian ms\tmin ms\tmax ms\tsamples/s\tdense GFLOP/s\tuseful GFLOP/s\tspeedup\tefficiency\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s%d\t%d\t%.2f\t%.2f\t%.2f\t%.0f\t%.1f\t%.1f\t%.2f\t%.0f%%\t\n",
			kernelCol(row), row.Hidden, row.Workers, row.MedianMs, row.MinMs, row.MaxMs, row.SamplesPerSec, row.GFLOPS, row.UsefulGFLOPS, row.Speedup, 100*row.Efficiency)
	}
	tw.Flush()
	fmt.Fprintln(w, "dense GFLOP/s counts every pixel, useful GFLOP/s the non-zero ones the kernels compute with; compare the useful rate with the peak")
	fmt.Fprintln(w, "where an iteration goes, ms per worker (the mean over the timed iterations and the workers; communication: the coordinator's):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, kernelCol(output.BenchRow{Kernel: "kernel"})+"hidden\tworkers\tgradient\treduction\tupdate\twaiting\tcommunication\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n",
			kernelCol(row), row.Hidden, row.Workers, row.GradientMs, row.ReductionMs, row.UpdateMs, row.WaitingMs, row.CommunicationMs)
	}
	tw.Flush()
}

// machine describes this computer for the report.
func machine() output.Machine {
	return output.Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Kernel: kernel.Path(),
		GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, PeakGFLOPS: cpupeak.SingleCore()}
}

// cpuModel reads the processor's name from /proc/cpuinfo where there is one.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// plural writes n with the noun, in the plural unless n is 1: "1 round",
// "3 rounds".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// benchPaths are the kernel paths a sweep times, by their names, and the
// path selected before, to restore when it ends.
type benchPaths struct {
	names   []string
	restore string
}

// benchKernels returns the paths of --kernels (list, comma-separated), or
// the selected path alone where list is empty; a name that is unknown or
// that this CPU cannot run is a usage error naming the flag.
func benchKernels(list string) (benchPaths, error) {
	p := benchPaths{restore: kernel.Path()}
	if list == "" {
		p.names = []string{p.restore}
		return p, nil
	}
	defer kernel.SelectPath(p.restore)
	for name := range strings.SplitSeq(list, ",") {
		if err := kernel.SelectPath(strings.TrimSpace(name)); err != nil {
			return p, usagef("--kernels: %w", err)
		}
		if path := kernel.Path(); !slices.Contains(p.names, path) {
			p.names = append(p.names, path) // the canonical name ("avx2" is avx2-fma)
		}
	}
	return p, nil
}
