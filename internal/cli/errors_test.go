package cli_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
)

// TestFlagErrorOneLine: a misspelt flag is one line that points to -h, not
// the usage of every flag.
func TestFlagErrorOneLine(t *testing.T) {
	for _, cmd := range []string{"train", "eval", "bench", "export", "fetch", "predict", "inspect"} {
		r := run(t, cmd, "--learnig-rate", "0.1")
		if r.code != cli.ExitUsage {
			t.Errorf("%s: exit %d, want %d", cmd, r.code, cli.ExitUsage)
		}
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: stderr has %d lines, want 1:\n%s", cmd, strings.Count(r.stderr, "\n"), r.stderr)
		}
		msg := checkOneErrorLine(t, r)
		for _, w := range []string{"-learnig-rate", "see 'shardnet " + cmd + " -h'"} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q lacks %q", cmd, msg, w)
			}
		}
	}
}

// TestFetchInterrupted: a fetch stopped by SIGINT exits 130 as a training
// does, with one line.
func TestFetchInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cli.SignalCause(os.Interrupt))
	r := runCtx(t, ctx, "fetch", "--dir", t.TempDir())
	if r.code != cli.ExitSIGINT {
		t.Errorf("exit %d, want %d\n%s", r.code, cli.ExitSIGINT, r.stderr)
	}
	if msg := checkOneErrorLine(t, r); !strings.Contains(msg, "fetch mnist: interrupted (received interrupt)") {
		t.Errorf("message %q does not say the fetch was interrupted", msg)
	}
}
