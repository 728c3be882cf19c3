package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// signalError is the cancellation cause of a run stopped by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return fmt.Sprintf("received %v", e.sig) }

// exitCode is 128 plus the signal number, as shells report it.
func (e signalError) exitCode() int {
	if e.sig == syscall.SIGTERM {
		return ExitSIGTERM
	}
	return ExitSIGINT
}

// SignalContext returns a context cancelled, with a cause naming the signal,
// by the first SIGINT or SIGTERM. After that first signal the default
// handling of SIGINT is restored, so a second SIGINT aborts the process at
// once. Further SIGTERMs are absorbed: launchers send more than one (a
// cancelled Slurm job's SIGTERM reaches every rank and mpirun, which
// forwards its own), and the first is already being acted on; SIGKILL
// follows where a launcher will not wait. Call stop to release the signal
// handler.
func SignalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-signals:
			signal.Reset(os.Interrupt)
			cancel(signalError{sig})
		case <-done:
			return
		}
		for {
			select {
			case <-signals:
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel(context.Canceled)
	}
}
