package kernel

// SetAsmForTest selects whether models created afterwards use the assembly
// path and returns a function restoring the previous choice. Asking for the
// assembly where the machine lacks it returns ok false and changes nothing.
func SetAsmForTest(on bool) (restore func(), ok bool) {
	if on && !haveAsm {
		return func() {}, false
	}
	old := useAsm
	useAsm = on
	return func() { useAsm = old }, true
}

// HaveAsm reports whether this machine can run the assembly path.
var HaveAsm = haveAsm
