#!/usr/bin/env bash
# The agent on a real arm64 kernel: Debian 12's arm64 kernel booted under
# qemu-system-aarch64 (TCG, no KVM needed) with an initramfs holding busybox
# and the cross-built agent (tests/arm64/guest-init).
#
# It loads and attaches every program (with and without cgroup v2), opens a
# public listener and writes a token to a .log in the guest, and checks that
# both events come out on the console. About 15 s on 2 cores, so `make test`
# runs it whole; `make test-arm64` runs it alone.
#
# ARM64_BUILD is the arm64 build (default build/arm64, or build on an arm64
# machine). The kernel is the package vmlinux/arm64/SOURCE names, else, once
# the archive has dropped it, the current one; kernel and busybox are cached
# under LEAKWATCH_CACHE (vmlinux/debian-package.sh). Ends with
# "N passed, N failed".
LW_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${ARM64_BUILD:-}" ]; then
	[ "$(uname -m)" = aarch64 ] && ARM64_BUILD=build || ARM64_BUILD=build/arm64
fi
BUILD=$ARM64_BUILD
. "$LW_ROOT/tests/integration/lib.sh"
# TCG is slow: the budget for the whole boot, and for the agent to be ready
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
READY_TIMEOUT=${READY_TIMEOUT:-300}
LIBDIR=/usr/lib/aarch64-linux-gnu

for t in qemu-system-aarch64 cpio; do
	command -v "$t" >/dev/null || { fail "$t" "not installed (deploy/setup.sh arm64)"; exit 1; }
done
if ! file -L "$LEAKWATCH" 2>/dev/null | grep -q 'ARM aarch64'; then
	fail "arm64 agent" "$LEAKWATCH is not an arm64 build (make ARCH=arm64)"
	exit 1
fi

# ---- kernel and busybox ------------------------------------------------------

pinned=$(sed -n 's/^package: \([^ ]*\) \([^ ]*\)$/\1=\2/p' "$LW_ROOT/vmlinux/arm64/SOURCE")
if ! kdir=$("$LW_ROOT/vmlinux/debian-package.sh" arm64 "$pinned" 2>"$WORK/kernel.err"); then
	echo "NOTE $pinned is not in the archive any more: booting the current kernel"
	kdir=$("$LW_ROOT/vmlinux/debian-package.sh" arm64 2>>"$WORK/kernel.err")
fi
bdir=$("$LW_ROOT/vmlinux/debian-package.sh" arm64 busybox-static 2>>"$WORK/kernel.err")
if [ -z "$kdir" ] || [ -z "$bdir" ]; then
	fail "kernel and busybox from Debian's archive" "$(tail -2 "$WORK/kernel.err")"
	exit 1
fi
kernel=$(ls "$kdir"/root/boot/vmlinuz-*)
kver=${kernel##*/vmlinuz-}
echo "kernel: $(basename "$kdir")"

# ---- the initramfs -----------------------------------------------------------

R=$WORK/root
mkdir -p "$R"/{bin,usr/bin,lib,proc,sys,dev,tmp,run,var/log,var/lib,etc,lw,sys}
cp "$bdir/root/bin/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
cp "$LW_ROOT/tests/arm64/guest-init" "$R/init"
chmod 755 "$R/init"
cp "$LEAKWATCH" "$R/usr/bin/leakwatch"
cp "$(find "$kdir/root/lib/modules/$kver" -name dummy.ko)" "$R/lw/dummy.ko"
# The agent's shared libraries, and theirs, from the :arm64 packages
# (readelf reads a foreign ELF; ldd would run it). The libraries the agent
# loads itself when it needs them are not NEEDED entries, so they are named
# from their modules (loaded_sonames).
libs() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
todo="$(libs "$LEAKWATCH") $(loaded_sonames)"
seen=" "
while [ -n "$todo" ]; do
	next=
	for l in $todo; do
		case $seen in *" $l "*) continue ;; esac
		seen="$seen$l "
		src=$LIBDIR/$l
		[ -e "$src" ] || src=/lib/aarch64-linux-gnu/$l
		[ -e "$src" ] || { fail "arm64 library $l" "not in $LIBDIR (deploy/setup.sh arm64)"; exit 1; }
		cp -L "$src" "$R/lib/$l"
		next="$next $(libs "$src")"
	done
	todo=$next
done
cp -L /lib/ld-linux-aarch64.so.1 "$R/lib/"
echo "$READY_TIMEOUT" >"$R/lw/ready-timeout"
echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
echo "lwarm64guest00000000000000000000" >"$R/etc/machine-id"
echo "lw-arm64-guest" >"$R/etc/hostname"
TOKEN=$(python3 -c '
import secrets, zlib
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
b = "".join(secrets.choice(A) for _ in range(30)); n, c = zlib.crc32(b.encode()), ""
while n: c, n = A[n % 62] + c, n // 62
print("ghp_" + b + c.rjust(6, "0"))')
printf 'INFO calling the API with token=%s\n' "$TOKEN" >"$R/lw/token-line"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initramfs.gz"
check "initramfs: busybox, the agent and its $(ls "$R/lib" | wc -l) libraries" test -s "$WORK/initramfs.gz"

# ---- boot --------------------------------------------------------------------

start=$(date +%s)
timeout "$BOOT_TIMEOUT" qemu-system-aarch64 -machine virt -cpu cortex-a72 -smp 2 -m 1024 \
	-accel tcg,thread=multi -nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$WORK/initramfs.gz" \
	-append "console=ttyAMA0 panic=-1 quiet loglevel=3" </dev/null >"$WORK/console" 2>&1
rc=$?
took=$(($(date +%s) - start))
# the guest's lines: events and log lines (hex) to files, the rest as said
python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
out = {k: open(f"{w}/{f}", "w") for k, f in (("event", "agent.out"), ("log", "agent.err"), ("said", "said"))}
for line in open(f"{w}/console", errors="replace"):
    line = line.rstrip("\r\n")
    if not line.startswith("LWGUEST "):
        continue
    what, _, rest = line[8:].partition(" ")
    if what in ("event", "log"):
        out[what].write(bytes.fromhex(rest).decode(errors="replace") + "\n")
    else:
        out["said"].write(f"{what} {rest}".rstrip() + "\n")
PY
touch "$WORK/agent.out" "$WORK/agent.err" "$WORK/said"
echo "qemu exit $rc after ${took}s; guest said:"
sed 's/^/  /' "$WORK/said"
sed -n 's/.*"msg":"\(write path: [^"]*\)".*/  agent: \1/p' "$WORK/agent.err" | sort -u

check "the guest booted Debian's arm64 kernel $kver (${took}s, TCG)" grep -q "^kernel $kver aarch64" "$WORK/said"
check "the guest finished within ${BOOT_TIMEOUT}s" grep -qx done "$WORK/said"
check "the agent became ready (/healthz 200)" grep -q '^agent ready 1 ' "$WORK/said"
check "without cgroup v2 too (/healthz 200)" grep -q '^fallback ready 1 ' "$WORK/said"
# every program the skeletons hold is attached: with cgroup v2 all but the
# bind tracepoints, which stand in for the cgroup hooks without it; and the
# capture step, which runs by tail call from the write programs (the leak
# below is found through it)
progs=$(sed -n 's/^\t\tstruct bpf_program \*\(lw_[a-z0-9_]*\);$/\1/p' "$BUILD"/*.skel.h | grep -vx lw_capture_step | sort)
attached() { sed -n "s/^$1 attached //p" "$WORK/said" | sort; }
check "every program loaded and attached: $(echo $progs)" \
	diff <(echo "$progs") <({ attached agent; attached fallback; } | sort -u)
check "with cgroup v2: the cgroup hooks, not the bind tracepoints" \
	bash -c 'grep -qx lw_post_bind4 <<<"$1" && ! grep -qx lw_bind_enter <<<"$1"' _ "$(attached agent)"
check "without: the bind tracepoints" \
	bash -c 'grep -qx lw_bind_enter <<<"$1" && grep -qx lw_bind_exit <<<"$1"' _ "$(attached fallback)"
check "the agent logged no error" bash -c '! grep -q "\"level\":\"error\"" "$1"' _ "$WORK/agent.err"
check "the agent stopped cleanly on SIGTERM, both times" \
	bash -c 'grep -qx "agent exit 0" "$1" && grep -qx "fallback exit 0" "$1"' _ "$WORK/said"

expect_json "a public listener on 6379, seen by the kernel program" "$WORK/agent.out" \
	kind=listener event=open source=kernel port=6379 exposure=public
expect_json "the token written to /var/log/app.log, seen in the write" "$WORK/agent.out" \
	kind=leak rule=github-pat file.path=/var/log/app.log
check "the token itself is nowhere in the agent's output or log" \
	bash -c '! grep -qF "$1" "$2" "$3"' _ "$TOKEN" "$WORK/agent.out" "$WORK/agent.err"
[ "$FAILED" = 0 ] || { echo "console (last 30 lines):"; tr -d '\r' <"$WORK/console" | grep -v '^LWGUEST ' | tail -30; }
