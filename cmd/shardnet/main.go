// Command shardnet trains the MNIST network of a well-known NumPy blog post
// as a concurrent data-parallel trainer, and evaluates, inspects, benchmarks
// and applies the models it produces. Run 'shardnet help' for the commands.
package main

import (
	"context"
	"os"

	"github.com/shardnet/shardnet/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := cli.SignalContext(context.Background())
	defer stop()
	return cli.Main(ctx, os.Args[1:], cli.DefaultEnv())
}
