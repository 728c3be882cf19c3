// Package cli implements the shardnet command line: the train, eval, fetch,
// inspect, bench, predict and export subcommands, their flags, logging, data
// location and exit codes. cmd/shardnet is a thin main around Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// Exit codes. Scripts depend on them.
const (
	ExitOK       = 0
	ExitFailure  = 1   // anything not listed below
	ExitUsage    = 2   // bad flag, config, data file or checkpoint
	ExitDiverged = 3   // non-finite cost or gradient
	ExitSIGINT   = 130 // interrupted by SIGINT, after a checkpoint
	ExitSIGTERM  = 143 // interrupted by SIGTERM, after a checkpoint
)

// Env is the outside world of one invocation, so tests can run the CLI in
// process.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal reports whether Stderr is a terminal (progress line on).
	Terminal bool
}

// DefaultEnv is the process's own environment.
func DefaultEnv() Env {
	return Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Terminal: term.IsTerminal(int(os.Stderr.Fd()))}
}

// exitError carries the exit code an error maps to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usage marks err as a usage, configuration or input-data error (exit 2).
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err}
}

func usagef(format string, args ...any) error { return usage(fmt.Errorf(format, args...)) }

// errHelp is returned after help was printed on request.
var errHelp = errors.New("help requested")

const mainUsage = `shardnet trains the MNIST network of the NumPy blog post with data-parallel workers.

Usage:
  shardnet train   [--config FILE] [flags]    train and report the test accuracy
  shardnet eval    --model FILE [flags]       evaluate a checkpoint on the test set
  shardnet predict --model FILE IMAGE...      classify your own digit images (PNG, JPEG)
  shardnet fetch   [--dataset NAME] [--dir DIR]  download and verify a data set
  shardnet inspect --model FILE               print a checkpoint's metadata and digest
  shardnet export  --model FILE --format NAME --out FILE  write a checkpoint as ONNX or NumPy .npz
  shardnet bench   [--config FILE] [flags]    time iterations across worker counts
  shardnet version

Run 'shardnet COMMAND -h' for a command's flags.
`

// Main runs the command line args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	err := run(ctx, args, env)
	if err == nil || errors.Is(err, errHelp) {
		return ExitOK
	}
	code := exitCode(err)
	var sig signalError
	if code == ExitFailure && errors.As(context.Cause(ctx), &sig) {
		// A command the signal stopped part way (fetch's download, say)
		// exits as an interrupted training does.
		code = sig.exitCode()
	}
	var failed *jobFailure
	if !errors.As(err, &failed) || !failed.quiet {
		fmt.Fprintf(env.Stderr, "shardnet: %s\n", oneLine(err))
	}
	if failed != nil {
		failed.then(code)
	}
	return code
}

func run(ctx context.Context, args []string, env Env) error {
	if err := kernel.SelectPath(env.Getenv(kernel.EnvKernel)); err != nil {
		return usage(err)
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, mainUsage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "train":
		return runTrain(ctx, rest, env)
	case "eval":
		return runEval(ctx, rest, env)
	case "predict":
		return runPredict(ctx, rest, env)
	case "fetch":
		return runFetch(ctx, rest, env)
	case "inspect":
		return runInspect(rest, env)
	case "export":
		return runExport(rest, env)
	case "bench":
		return runBench(ctx, rest, env)
	case "version":
		fmt.Fprintln(env.Stdout, versionLine())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, mainUsage)
		return nil
	}
	return usagef("unknown command %q (want train, eval, predict, fetch, inspect, export, bench or version)", cmd)
}

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var interrupted *trainer.InterruptedError
	var diverged *trainer.DivergedError
	var coded *exitError
	switch {
	case errors.As(err, &interrupted):
		var sig signalError
		switch {
		case errors.As(interrupted.Cause, &sig):
			return sig.exitCode()
		case errors.Is(interrupted.Cause, trainer.ErrPeerStopped):
			// mpirun passes SIGTERM (its own SIGINT included) to every
			// process; those that stop because another one was signalled
			// exit as it does.
			return ExitSIGTERM
		}
		return ExitSIGINT
	case errors.As(err, &diverged):
		return ExitDiverged
	case errors.As(err, &coded):
		return coded.code
	case errors.Is(err, netcore.ErrCheckpoint):
		return ExitUsage
	}
	return ExitFailure
}

// oneLine keeps an error message on one line, as the error contract wants.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// newFlagSet returns a flag set whose errors are returned, not printed
// twice or turned into os.Exit; parseFlags prints its usage on -h alone.
func newFlagSet(name, synopsis string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: shardnet %s %s\n\nFlags:\n", name, synopsis)
		printFlags(env.Stderr, fs)
	}
	return fs
}

// logFormatFlag adds --log-format, the encoding newLogger takes, to fs.
func logFormatFlag(fs *flag.FlagSet) *string {
	return fs.String("log-format", "console", "log encoding, the `name` console or json")
}

// noArguments fails if arguments are left after the flags of fs, for the
// commands that take flags only.
func noArguments(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (flags only; see 'shardnet %s -h')", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}

// blame rewrites the configuration errors in err (joined *config.KeyError
// values) to say where each bad value came from: source returns, for a key,
// its flag or file ("flag --learning-rate", "config: FILE: learning_rate"),
// or "" to leave the error as it is.
func blame(err error, source func(key string) string) error {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
		var bad *config.KeyError
		if errors.As(e, &bad) {
			if src := source(bad.Key); src != "" {
				out[i] = errors.New(src + ": " + bad.Problem)
			}
		}
	}
	return errors.Join(out...)
}

// keySource returns a source for blame: a key whose flag was given
// (flagGiven) came from the flag, any other from the configuration file
// named file, or, when file is "", from the defaults, which blame leaves
// unnamed.
func keySource(flagGiven func(key string) bool, file string) func(key string) string {
	return func(key string) string {
		switch {
		case flagGiven(key):
			return "flag --" + config.FlagName(key)
		case file != "":
			return "config: " + file + ": " + key
		}
		return ""
	}
}

// embeddedName names the configuration embedded in the checkpoint at path,
// as the errors about its keys and values do.
func embeddedName(path string) string {
	return path + " (embedded config)"
}

// printFlags lists fs's flags in flag.PrintDefaults's layout, but as
// --name PLACEHOLDER, the placeholder naming the value the flag takes: the
// word of the usage text in backquotes (a directory is DIR), else the
// flag's own Placeholder, else N for an integer and X for a number.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		switch {
		case kind == "directory":
			kind = "DIR"
		case kind == "int":
			kind = "N"
		case kind == "float":
			kind = "X"
		case kind == "value":
			if p, ok := f.Value.(interface{ Placeholder() string }); ok {
				kind = p.Placeholder()
			}
		}
		line := "  --" + f.Name
		if kind != "" {
			line += " " + strings.ToUpper(kind)
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		// Like PrintDefaults, leave out zero defaults; and defaults the usage
		// already explains.
		if def := f.DefValue; def != "" && def != "false" && def != "0" && !strings.Contains(usage, "(default") {
			line += " (default " + def + ")"
		}
		fmt.Fprintln(w, line)
	})
}

// parseFlags parses args, turning -h into errHelp after printing usage and
// any other problem into a usage error of one line. The flag package calls
// fs.Usage on every parse error too, so it is silenced while parsing: a
// misspelt flag is one line, not the list of every flag.
func parseFlags(fs *flag.FlagSet, args []string) error {
	printUsage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = printUsage
	if errors.Is(err, flag.ErrHelp) {
		printUsage()
		return errHelp
	}
	if err != nil {
		return usagef("%s: %v (see 'shardnet %s -h')", fs.Name(), err, fs.Name())
	}
	return nil
}

// newLogger builds the zap logger the flags ask for, writing to w.
func newLogger(format string, w io.Writer) (*zap.Logger, error) {
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	var enc zapcore.Encoder
	switch format {
	case "console":
		cfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(cfg)
	case "json":
		enc = zapcore.NewJSONEncoder(cfg)
	default:
		return nil, usagef("--log-format: want console or json, found %q", format)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), zapcore.InfoLevel)), nil
}
