#!/usr/bin/env bash
# avx512-emulated.sh - run a static (CGO_ENABLED=0) Linux/amd64 binary, typically a
# Go test binary, on an emulated AVX-512 CPU (Bochs 2.7, cpu model corei7_skylake_x).
#
# Usage:
#   avx512-emulated.sh [options] BINARY [ARGS...]
#
# Options:
#   -C DIR        copy DIR into the guest (as /work) and run BINARY there
#                 (use the package directory so testdata/ is found)
#   -t SECONDS    wall-clock timeout (default 1800); exit status 124 on timeout
#   -m MEGS       guest memory in MiB (default 1024)
#   -c MODEL      Bochs CPU model (default corei7_skylake_x: AVX512F/CD/BW/DQ/VL;
#                 "tigerlake" hangs early in the 6.1 kernel boot)
#   -e KEY=VAL    extra environment variable for BINARY (repeatable)
#   -k VMLINUZ    use this kernel instead of Debian's linux-image-cloud-amd64
#   -v            also print the kernel console / boot messages
#   -K            keep the work directory (bochs config, serial log, ISO)
#
# The binary's stdout/stderr are printed (via the emulated serial port) and
# the script exits with the binary's exit status (124 on timeout, 125 if the
# guest died without reporting one).
#
# Why: no development machine of this project has AVX-512 at all times, and
# the AVX-512 kernels must compute the one arithmetic (docs/ARITHMETIC.md)
# bit for bit. Bochs emulates AVX512F/CD/BW/DQ/VL about 300 times slower
# than native, so run the avx512 subtests alone, e.g.
#
#   CGO_ENABLED=0 go test -c -o /tmp/kernel.test ./netcore/kernel
#   scripts/avx512-emulated.sh -C netcore/kernel /tmp/kernel.test -test.short \
#       -test.run 'TestPathsBitwise/avx512|TestPlanPiecesBitwise/avx512|TestDense'
#
# (about 3 minutes). Linux boots with clearcpuid=pku,ospke,xsaves,xsavec:
# Bochs 2.7 reports an XSAVE layout the kernel rejects, which would turn
# AVX off altogether.
#
# Needs: apt-get install bochs bochsbios vgabios isolinux syslinux-common xorriso cpio
#        plus Go (to build the tiny init) and apt access once to download the
#        kernel package (cached in $BOCHS_HARNESS_CACHE, default ~/.cache/bochs-harness).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/avx512-emulated"
CACHE="${BOCHS_HARNESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bochs-harness}"
KERNEL_PKG="${BOCHS_HARNESS_KERNEL_PKG:-linux-image-cloud-amd64}"

timeout_s=1800
megs=1024
model=corei7_skylake_x
workdir_src=""
kernel=""
verbose=0
keep=0
envs=()

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

while getopts ":C:t:m:c:e:k:vKh" opt; do
	case $opt in
	C) workdir_src=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	m) megs=$OPTARG ;;
	c) model=$OPTARG ;;
	e) envs+=("$OPTARG") ;;
	k) kernel=$OPTARG ;;
	v) verbose=1 ;;
	K) keep=1 ;;
	h) usage ;;
	*) echo "avx512-emulated.sh: bad option -$OPTARG" >&2; usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
binary=$1
shift
[ -f "$binary" ] || { echo "avx512-emulated.sh: $binary: no such file" >&2; exit 2; }
if file -L "$binary" 2>/dev/null | grep -q 'dynamically linked'; then
	echo "avx512-emulated.sh: $binary is dynamically linked; build it with CGO_ENABLED=0" >&2
	exit 2
fi

for tool in bochs xorriso cpio; do
	command -v $tool >/dev/null || {
		echo "avx512-emulated.sh: missing $tool; apt-get install bochs bochsbios vgabios isolinux syslinux-common xorriso cpio" >&2
		exit 2
	}
done
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX_C32=/usr/lib/syslinux/modules/bios/ldlinux.c32
BIOS=/usr/share/bochs/BIOS-bochs-latest
VGABIOS=/usr/share/vgabios/vgabios.bin
for f in $ISOLINUX_BIN $LDLINUX_C32 $BIOS $VGABIOS; do
	[ -f "$f" ] || { echo "avx512-emulated.sh: missing $f (apt-get install bochsbios vgabios isolinux syslinux-common)" >&2; exit 2; }
done

mkdir -p "$CACHE"

# --- kernel --------------------------------------------------------------
if [ -z "$kernel" ]; then
	kernel="$CACHE/vmlinuz"
	if [ ! -f "$kernel" ]; then
		echo "avx512-emulated.sh: fetching $KERNEL_PKG kernel (one time)..." >&2
		dl=$(mktemp -d)
		pkg=$(apt-cache depends "$KERNEL_PKG" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
		pkg=${pkg:-$KERNEL_PKG}
		(cd "$dl" && chmod 777 . && apt-get download "$pkg" >/dev/null 2>&1) ||
			{ echo "avx512-emulated.sh: apt-get download $pkg failed (run apt-get update?)" >&2; exit 2; }
		dpkg-deb -x "$dl"/*.deb "$dl/x"
		cp "$dl"/x/boot/vmlinuz-* "$kernel.tmp" && mv "$kernel.tmp" "$kernel"
		rm -rf "$dl"
	fi
fi

# --- init (tiny static Go program, see init/main.go) ----------------------
init_bin="$CACHE/init"
if [ ! -x "$init_bin" ] || [ "$HERE/init/main.go" -nt "$init_bin" ]; then
	(cd "$HERE/init" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod \
		go build -trimpath -ldflags='-s -w' -o "$init_bin.tmp" .) && mv "$init_bin.tmp" "$init_bin"
fi

# --- initramfs + ISO -------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bochs-avx512.XXXXXX")
bochs_pid=""
cleanup() {
	[ -n "$bochs_pid" ] && kill "$bochs_pid" 2>/dev/null || true
	if [ $keep = 1 ]; then echo "avx512-emulated.sh: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root="$work/root"
mkdir -p "$root/harness/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/root"
cp "$init_bin" "$root/init"
cp "$binary" "$root/harness/bin/$(basename "$binary")"
chmod 755 "$root/init" "$root/harness/bin/$(basename "$binary")"
printf '%s\0' "/harness/bin/$(basename "$binary")" "$@" >"$root/harness/argv"
if [ -n "$workdir_src" ]; then
	mkdir -p "$root/work"
	# copy the directory, minus stale test binaries
	(cd "$workdir_src" && tar -cf - --exclude='*.test' .) | tar -xf - -C "$root/work"
	echo /work >"$root/harness/dir"
fi
: >"$root/harness/env"
for kv in ${envs[@]+"${envs[@]}"}; do printf '%s\0' "$kv" >>"$root/harness/env"; done

iso="$work/iso"
mkdir -p "$iso/isolinux"
cp "$ISOLINUX_BIN" "$LDLINUX_C32" "$iso/isolinux/"
cp "$kernel" "$iso/vmlinuz"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$iso/initrd.img"
# clearcpuid=...: Bochs 2.7 reports a bogus XSAVE layout (PKRU without a
# size/offset, compacted size == standard size); without this the kernel
# disables XSAVE (no AVX at all) or fails its consistency checks.
cmdline="clearcpuid=pku,ospke,xsaves,xsavec console=ttyS0,115200 quiet loglevel=3 mitigations=off nokaslr lpj=10000000 tsc=reliable no_timer_check nowatchdog nmi_watchdog=0 random.trust_cpu=on audit=0 selinux=0 apparmor=0 pci=noearly cryptomgr.notests=1 panic=-1 rdinit=/init ${BOCHS_HARNESS_CMDLINE:-}"
cat >"$iso/isolinux/isolinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $cmdline
EOF
xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table -R -J "$iso" 2>/dev/null

# --- bochs -----------------------------------------------------------------
serial="$work/serial.log"
: >"$serial"
cat >"$work/bochsrc" <<EOF
plugin_ctrl: unmapped=1, biosdev=1, speaker=0, extfpuirq=0, parallel=0, serial=1, gameport=0, e1000=0, es1370=0, ne2k=0, pcipnic=0, sb16=0, usb_uhci=0, usb_ohci=0, usb_ehci=0, usb_xhci=0, voodoo=0
config_interface: textconfig
display_library: rfb, options="timeout=0"
romimage: file=$BIOS
vgaromimage: file=$VGABIOS
cpu: model=$model, count=1, ips=${BOCHS_HARNESS_IPS:-200000000}, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest=$megs, host=$megs
pci: enabled=1, chipset=i440fx
clock: sync=none, time0=utc
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path="$work/boot.iso", status=inserted
boot: cdrom
floppy_bootsig_check: disabled=1
com1: enabled=1, mode=file, dev=$serial
keyboard: type=mf
mouse: enabled=0
log: $work/bochs.log
logprefix: %t-%e-%d
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
EOF

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

start=$(now)
# Debian's bochs-bin is built with the internal debugger, which stops before
# the first instruction; the rc file tells it to continue.
echo c >"$work/dbgrc"
bochs-bin -q -f "$work/bochsrc" -rc "$work/dbgrc" </dev/null >"$work/bochs.out" 2>&1 &
bochs_pid=$!
( sleep "$timeout_s" && touch "$work/timedout" && kill "$bochs_pid" ) </dev/null >/dev/null 2>&1 &
watchdog=$!

# Stream the serial log: kernel messages only with -v (or after the binary
# ended); the binary's output (between the START and END markers) always.
status=""
phase=0
t_start=$start
while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	BOCHS-HARNESS-START*)
		phase=1
		t_start=$(now)
		echo "avx512-emulated.sh: guest init reached after $(elapsed "$start")s wall (guest ${line#BOCHS-HARNESS-START })" >&2
		;;
	BOCHS-HARNESS-END*)
		phase=2
		echo "avx512-emulated.sh: binary ran $(elapsed "$t_start")s wall (guest ${line#BOCHS-HARNESS-END })" >&2
		;;
	BOCHS-HARNESS-EXIT=*)
		status=${line#BOCHS-HARNESS-EXIT=}
		break
		;;
	*)
		if [ $phase = 1 ]; then
			printf '%s\n' "$line"
		elif [ $verbose = 1 ] || { [ $phase = 2 ] && [ -n "$line" ]; }; then
			printf '[guest] %s\n' "$line" >&2
		fi
		;;
	esac
done < <(tail -n +1 -s 0.3 -f --pid="$bochs_pid" "$serial")

pkill -P "$watchdog" sleep 2>/dev/null || true
kill "$watchdog" 2>/dev/null || true
if [ -z "$status" ]; then
	if [ -e "$work/timedout" ]; then
		echo "avx512-emulated.sh: timeout after ${timeout_s}s" >&2
		rc=124
	else
		echo "avx512-emulated.sh: bochs exited without reporting an exit status" >&2
		rc=125
	fi
	[ $verbose = 1 ] || tail -n 30 "$serial" | sed 's/^/[guest] /' >&2
	tail -n 15 "$work/bochs.out" >&2 || true
	exit $rc
fi
# The init powers off via ACPI, so bochs normally exits by itself.
for _ in $(seq 20); do kill -0 "$bochs_pid" 2>/dev/null || break; sleep 0.25; done
kill "$bochs_pid" 2>/dev/null || true
wait "$bochs_pid" 2>/dev/null || true
bochs_pid=""
echo "avx512-emulated.sh: exit status $status; total wall $(elapsed "$start")s" >&2
exit "$status"
