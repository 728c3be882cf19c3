package trainer

// SetFaultHook makes the engine of the next Run call f before each
// micro-shard, so tests can inject a panic into a worker.
func SetFaultHook(t *Trainer, f func(microShard int)) { t.faults = f }

// SetEngineFaultHook does the same for an engine used directly.
func SetEngineFaultHook(e *Engine, f func(microShard int)) { e.grads.faults = f }

// Identity is identity: the samples 0..n-1 in order, a full batch.
var Identity = identity
