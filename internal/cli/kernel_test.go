package cli_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/netcore/kernel"
)

// TestKernelEnv: SHARDNET_KERNEL chooses the kernel path of every command;
// a name that is unknown, or a path this CPU cannot run, is a usage error
// (exit 2) that says which.
func TestKernelEnv(t *testing.T) {
	defer kernel.SelectPath("")
	for _, tc := range []struct {
		value, path, msg string // msg: the error, where the value is refused
	}{
		{"", kernel.Paths()[0], ""},
		{"generic", kernel.PathGeneric, ""},
		{"bogus", "", "SHARDNET_KERNEL=bogus: unknown kernel path"},
		{"avx2", kernel.PathAVX2FMA, "SHARDNET_KERNEL=avx2: this CPU lacks"},
		{"avx2-fma", kernel.PathAVX2FMA, "SHARDNET_KERNEL=avx2-fma: this CPU lacks"},
		{"avx512", kernel.PathAVX512, "SHARDNET_KERNEL=avx512: this CPU lacks"},
	} {
		if tc.path != "" && slices.Contains(kernel.Paths(), tc.path) {
			tc.msg = "" // this CPU runs it
		}
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == kernel.EnvKernel {
				return tc.value
			}
			return ""
		}
		code := cli.Main(t.Context(), []string{"version"}, cli.Env{Stdout: &out, Stderr: &errb, Getenv: getenv})
		switch {
		case tc.msg == "" && (code != cli.ExitOK || kernel.Path() != tc.path):
			t.Errorf("SHARDNET_KERNEL=%q: exit %d on the %s path, want 0 on the %s path\n%s", tc.value, code, kernel.Path(), tc.path, errb.String())
		case tc.msg != "" && (code != cli.ExitUsage || !strings.Contains(errb.String(), tc.msg)):
			t.Errorf("SHARDNET_KERNEL=%q: exit %d, stderr %q; want %d and an error containing %q", tc.value, code, errb.String(), cli.ExitUsage, tc.msg)
		}
	}
}
