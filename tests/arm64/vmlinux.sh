#!/usr/bin/env bash
# vmlinux/arm64 is what vmlinux/arm64/SOURCE says: its hash, and the same
# bytes again when made anew from the package SOURCE names (cached by the
# boot test; the -dbg cross-check is left to `make vmlinux-arm64`).
. "$(dirname "$0")/../integration/lib.sh"
V=$LW_ROOT/vmlinux/arm64
want=$(sed -n 's/^vmlinux.h sha256: //p' "$V/SOURCE")
check "vmlinux/arm64/vmlinux.h has the sha256 SOURCE records" \
	test "$(sha256sum <"$V/vmlinux.h" | cut -d' ' -f1)" = "$want"
if out=$("$LW_ROOT/vmlinux/from-debian.sh" arm64 --out "$WORK/v" 2>&1); then
	check "made anew from $(sed -n 's/^package: //p' "$V/SOURCE"): the same vmlinux.h" cmp "$V/vmlinux.h" "$WORK/v/vmlinux.h"
	# what a run without the -dbg check writes: SOURCE less its checked line
	check "and the same SOURCE" diff <(grep -v '^checked: ' "$V/SOURCE") "$WORK/v/SOURCE"
elif grep -q 'cannot be downloaded' <<<"$out"; then
	pass "made anew: the package SOURCE names has left the archive (make vmlinux-arm64 KERNEL_PKG=latest)"
else
	fail "made anew from the package SOURCE names" "$(tail -2 <<<"$out")"
fi
