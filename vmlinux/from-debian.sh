#!/bin/sh
# Makes vmlinux/ARCH/vmlinux.h from the BTF of a Debian kernel package, on any
# machine: `make vmlinux-arm64` on x86. Same package, same bpftool: same
# header, byte for byte; vmlinux/ARCH/SOURCE records both, and the hashes.
#
#   from-debian.sh ARCH [PACKAGE=VERSION] [--dbg] [--out DIR]
#     ARCH             Debian's name (arm64); the header goes to vmlinux/ARCH
#                      (or DIR)
#     PACKAGE=VERSION  the kernel image package (vmlinux/debian-package.sh);
#                      default: the one SOURCE names; `latest`: the archive's
#                      current one
#     --dbg            also take the .BTF section of the package's -dbg vmlinux
#                      (an 800 MB download) and require the same bytes
#
# The BTF is read out of the kernel image itself (boot/vmlinuz, an
# uncompressed arm64 Image). Debian's package ships a placeholder System.map,
# so __start_BTF and __stop_BTF are not to be had without the -dbg package:
# the blob is found by its header instead (magic 0xeB9F, version 1, 24-byte
# header) and its length is the header's own (hdr_len + str_off + str_len).
# Exactly one such header must be there, and bpftool must parse what it
# bounds.
set -eu
cd "$(dirname "$0")/.."
arch=${1:?usage: from-debian.sh ARCH [PACKAGE=VERSION] [--dbg]}
shift
want= dbg=0 out=vmlinux/$arch
while [ $# -gt 0 ]; do
	case $1 in
	--dbg) dbg=1 ;;
	--out) out=${2:?--out DIR}; shift ;;
	*=* | latest) want=$1 ;;
	*) echo "from-debian.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$want" ] || want=$(sed -n 's/^package: \([^ ]*\) \([^ ]*\)$/\1=\2/p' vmlinux/$arch/SOURCE 2>/dev/null || true)
[ "$want" != latest ] || want=
dir=$(vmlinux/debian-package.sh "$arch" $want)
pkg=$(basename "$dir" | cut -d_ -f1)
ver=$(basename "$dir" | cut -d_ -f2)
image=$(ls "$dir"/root/boot/vmlinuz-*)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$image" "$tmp/btf" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
hits, at = [], 0
while (at := data.find(b"\x9f\xeb\x01\x00\x18\x00\x00\x00", at)) >= 0:
    _, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<HBBIIIII", data, at)
    end = at + hdr_len + str_off + str_len
    if type_off == 0 and str_off == type_len and end <= len(data):
        hits.append((at, end))
    at += 1
if len(hits) != 1:
    sys.exit(f"from-debian.sh: {len(hits)} BTF headers in {sys.argv[1]}, want exactly 1")
open(sys.argv[2], "wb").write(data[hits[0][0]:hits[0][1]])
print(f"BTF at offset {hits[0][0]}, {hits[0][1] - hits[0][0]} bytes", file=sys.stderr)
PY
bpftool btf dump file "$tmp/btf" format c >"$tmp/vmlinux.h"
grep -q '^struct task_struct {' "$tmp/vmlinux.h" && grep -q '^struct bpf_prog {' "$tmp/vmlinux.h" ||
	{ echo "from-debian.sh: the BTF lacks task_struct or bpf_prog" >&2; exit 1; }

dbgline=
if [ "$dbg" = 1 ]; then
	ddir=$(vmlinux/debian-package.sh "$arch" "$pkg-dbg=$ver")
	# readelf reads any architecture's ELF (objcopy only its own): the
	# section's file offset and size
	vmlinux=$(ls "$ddir"/root/usr/lib/debug/boot/vmlinux-*)
	set -- $(readelf -W -S "$vmlinux" | sed -n 's/^ *\[ *[0-9]*\] \.BTF  *[A-Z]*  *[0-9a-f]*  *\([0-9a-f]*\)  *\([0-9a-f]*\) .*/\1 \2/p')
	[ $# = 2 ] || { echo "from-debian.sh: no .BTF section in $vmlinux" >&2; exit 1; }
	tail -c +$((0x$1 + 1)) "$vmlinux" | head -c $((0x$2)) >"$tmp/btf.dbg"
	# and the range System.map gives: the Image starts at _text
	sym() { sed -n "s/^\([0-9a-f]*\) . $1\$/\1/p" "$ddir"/root/usr/lib/debug/boot/System.map-*; }
	# (kernel addresses overflow the shell's signed arithmetic)
	set -- $(python3 -c 'import sys; t, a, b = (int(x, 16) for x in sys.argv[1:]); print(a - t, b - a)' \
		"$(sym _text)" "$(sym __start_BTF)" "$(sym __stop_BTF)")
	tail -c +$(($1 + 1)) "$image" | head -c "$2" >"$tmp/btf.map"
	cmp -s "$tmp/btf" "$tmp/btf.dbg" && cmp -s "$tmp/btf" "$tmp/btf.map" ||
		{ echo "from-debian.sh: the BTF found differs from the -dbg package's" >&2; exit 1; }
	dbgline="checked: the same bytes as the .BTF section of $pkg-dbg $ver's vmlinux, and as __start_BTF..__stop_BTF of its System.map in the Image (deb sha256 $(cat "$ddir/deb.sha256"))"
fi

mkdir -p "$out"
mv "$tmp/vmlinux.h" "$out/vmlinux.h"
{
	echo "vmlinux.h generated from the BTF of Debian's $arch kernel package by vmlinux/from-debian.sh (make vmlinux-$arch)"
	echo "package: $pkg $ver"
	echo "deb: $(basename "$(ls "$dir"/*.deb)") sha256 $(cat "$dir/deb.sha256")"
	echo "btf: the BTF blob of boot/$(basename "$image") (uncompressed Image), bounded by its own header, sha256 $(sha256sum <"$tmp/btf" | cut -d' ' -f1)"
	[ -z "$dbgline" ] || echo "$dbgline"
	echo "tool: $(bpftool version | head -1)"
	echo "vmlinux.h sha256: $(sha256sum <"$out/vmlinux.h" | cut -d' ' -f1)"
} >"$out/SOURCE"
cat "$out/SOURCE"
