package cli

import "os"

// SignalCause is the cause SignalContext gives its context on sig, for the
// tests of package cli_test that stop a command as a signal would.
func SignalCause(sig os.Signal) error { return signalError{sig} }
