// Command init is PID 1 of the bochs-harness initramfs. It mounts the basic
// pseudo file systems, attaches stdio to the serial console, runs the
// command described by /harness/argv (NUL-separated) in the directory named
// by /harness/dir, prints "BOCHS-HARNESS-EXIT=<code>" and powers the machine off.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

func powerOff() {
	syscall.Sync()
	// ACPI soft power-off; Bochs exits ("ACPI control: soft power off").
	syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
	for {
		time.Sleep(time.Hour)
	}
}

func main() {
	os.MkdirAll("/dev", 0755)
	syscall.Mount("devtmpfs", "/dev", "devtmpfs", 0, "")
	os.MkdirAll("/proc", 0755)
	syscall.Mount("proc", "/proc", "proc", 0, "")
	os.MkdirAll("/sys", 0755)
	syscall.Mount("sysfs", "/sys", "sysfs", 0, "")
	os.MkdirAll("/tmp", 01777)
	if tty, err := os.OpenFile("/dev/ttyS0", os.O_RDWR, 0); err == nil {
		for fd := 0; fd < 3; fd++ {
			syscall.Dup2(int(tty.Fd()), fd)
		}
	}
	code := run()
	fmt.Printf("\nBOCHS-HARNESS-EXIT=%d\n", code)
	os.Stdout.Sync()
	time.Sleep(200 * time.Millisecond) // let the UART drain
	powerOff()
}

func run() int {
	raw, err := os.ReadFile("/harness/argv")
	if err != nil {
		fmt.Println("bochs-harness init:", err)
		return 125
	}
	argv := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	dir := "/"
	if d, err := os.ReadFile("/harness/dir"); err == nil && len(bytes.TrimSpace(d)) > 0 {
		dir = string(bytes.TrimSpace(d))
	}
	env := []string{"PATH=/harness/bin:/bin", "HOME=/root", "TMPDIR=/tmp"}
	if e, err := os.ReadFile("/harness/env"); err == nil {
		for _, kv := range strings.Split(string(e), "\x00") {
			if kv != "" {
				env = append(env, kv)
			}
		}
	}
	up, _ := os.ReadFile("/proc/uptime")
	fmt.Printf("BOCHS-HARNESS-START uptime=%s", up)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	t0 := time.Now()
	err = cmd.Run()
	up, _ = os.ReadFile("/proc/uptime")
	fmt.Printf("\nBOCHS-HARNESS-END guest_elapsed=%v uptime=%s", time.Since(t0).Round(time.Millisecond), up)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				fmt.Println("bochs-harness init: killed by", ws.Signal())
				return 128 + int(ws.Signal())
			}
			return ee.ExitCode()
		}
		fmt.Println("bochs-harness init:", err)
		return 126
	}
	return 0
}
