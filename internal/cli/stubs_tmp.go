package cli

import "context"

func runPredict(ctx context.Context, args []string, env Env) error { return usagef("predict: todo") }
