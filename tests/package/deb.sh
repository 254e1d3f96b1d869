#!/usr/bin/env bash
# The Debian packages, as built by `make deb` for this machine and for arm64:
# names and fields, Depends against what the binaries link, contents,
# lintian, the man pages (mandoc -T lint, man --warnings, and against the
# commands, options and configuration keys in the code), the bash
# completions, the changelog, and LICENSE against the SPDX headers.
# tests/package/install.sh installs the package in a clean chroot.
. "$(dirname "$0")/../integration/lib.sh"
VERSION=$(cat "$LW_ROOT/VERSION")
cd "$LW_ROOT" || exit 1

# ---- the packages -------------------------------------------------------------

declare -A DEB
for a in amd64 arm64; do
	arch=$([ $a = amd64 ] && echo x86 || echo arm64)
	DEB[$a]=build/deb-$a/leakwatch_${VERSION}_$a.deb
	if make --no-print-directory deb ARCH=$arch >"$WORK/make-$a.out" 2>&1 && [ -s "${DEB[$a]}" ]; then
		pass "make deb ARCH=$arch: ${DEB[$a]}"
	else
		fail "make deb ARCH=$arch" "$(tail -3 "$WORK/make-$a.out")"
	fi
done

# the sonames the agent loads when it needs them, from their modules
loaded=$(loaded_sonames | xargs)
check "the agent loads libraries when it needs them: $loaded" test "$(wc -w <<<"$loaded")" -ge 3

for a in amd64 arm64; do
	d=${DEB[$a]}
	[ -s "$d" ] || continue
	x=$WORK/x-$a
	dpkg-deb -R "$d" "$x"
	check "$a: Package leakwatch, Version $VERSION (VERSION), Architecture $a" bash -c '
		[ "$(dpkg-deb -f "$1" Package)" = leakwatch ] && [ "$(dpkg-deb -f "$1" Version)" = "$2" ] &&
		[ "$(dpkg-deb -f "$1" Architecture)" = "$3" ]' _ "$d" "$VERSION" "$a"
	machine=$([ $a = amd64 ] && echo x86-64 || echo 'ARM aarch64')
	check "$a: both binaries, for $machine, stripped" bash -c '
		for b in leakwatch leakwatch-collector; do
			file "$1/usr/bin/$b" | grep -q "ELF 64-bit LSB .*$2.*, stripped" || { file "$1/usr/bin/$b"; exit 1; }
		done' _ "$x" "$machine"
	# every library a binary needs comes from a package in Depends (libc6
	# too: dpkg-shlibdeps computed them), and so does every library the
	# agent loads when it needs it (os/dynlib.h), which dpkg-shlibdeps
	# cannot see: the collector links those, so they are there
	check "$a: Depends names the package of every library the binaries link or load" bash -c '
		deps=$(dpkg-deb -f "$1" Depends)
		for lib in $(readelf -d "$2"/usr/bin/* | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p" | sort -u) $4; do
			# dpkg knows a library under one of the two names /usr-merge gives it
			pkg=$(dpkg -S "/usr/lib/$3/$lib" "/lib/$3/$lib" 2>/dev/null | head -1 | cut -d: -f1)
			[ -n "$pkg" ] || { echo "$lib: no package owns it"; exit 1; }
			grep -Eq "(^|, )$pkg( |,|$)" <<<"$deps" || { echo "$lib is in $pkg, not in Depends: $deps"; exit 1; }
		done' _ "$d" "$x" "$(dpkg-architecture -a$a -qDEB_HOST_MULTIARCH 2>/dev/null)" "$loaded"
	check "$a: leakwatch does not link the libraries it loads when run needs them ($loaded)" bash -c '
		! readelf -d "$1/usr/bin/leakwatch" | grep -E "NEEDED.*\[($(tr " " "|" <<<"$2"))\]"' _ "$x" "$loaded"
	check "$a: Depends on debconf and init-system-helpers (the maintainer scripts use them)" bash -c '
		dpkg-deb -f "$1" Depends | grep -q "debconf (>= 0.5) | debconf-2.0" &&
		dpkg-deb -f "$1" Depends | grep -q "init-system-helpers"' _ "$d"
	check "$a: conffiles are exactly /etc/leakwatch/*.yaml" \
		diff <(printf '/etc/leakwatch/collector.yaml\n/etc/leakwatch/leakwatch.yaml\n') "$x/DEBIAN/conffiles"
	check "$a: the configs are the documented defaults" bash -c '
		cmp "$1/etc/leakwatch/leakwatch.yaml" deploy/leakwatch.yaml && cmp "$1/etc/leakwatch/collector.yaml" deploy/collector.yaml' _ "$x"
	check "$a: units rendered for /usr/bin, in /lib/systemd/system" bash -c '
		grep -qx "ExecStart=/usr/bin/leakwatch run --config /etc/leakwatch/leakwatch.yaml" "$1/lib/systemd/system/leakwatch-agent.service" &&
		grep -qx "ExecStart=/usr/bin/leakwatch-collector serve --config /etc/leakwatch/collector.yaml" "$1/lib/systemd/system/leakwatch-collector.service" &&
		! grep -q "@[A-Z]*@" "$1"/lib/systemd/system/*' _ "$x"
	check "$a: man pages leakwatch(8), leakwatch-collector(8), leakwatch.yaml(5), compressed, for $VERSION" bash -c '
		for m in man8/leakwatch.8 man8/leakwatch-collector.8 man5/leakwatch.yaml.5; do
			zcat "$1/usr/share/man/$m.gz" | grep -q "^\.TH .*\"leakwatch $2\"" || { echo "$m"; exit 1; }
		done' _ "$x" "$VERSION"
	check "$a: bash completions, copyright, changelog" bash -c '
		for f in bash-completion/completions/leakwatch bash-completion/completions/leakwatch-collector \
			doc/leakwatch/copyright doc/leakwatch/changelog.gz lintian/overrides/leakwatch; do
			[ -s "$1/usr/share/$f" ] || { echo "no $f"; exit 1; }
		done' _ "$x"
	check "$a: the maintainer scripts and debconf templates" bash -c '
		for f in config postinst prerm postrm; do [ -x "$1/DEBIAN/$f" ] && sh -n "$1/DEBIAN/$f" || exit 1; done
		grep -qx "Template: leakwatch/enable-agent" "$1/DEBIAN/templates"' _ "$x"
	wrap=
	[ $a = amd64 ] || wrap=qemu-aarch64
	[ "$(dpkg --print-architecture)" = $a ] && wrap=
	check "$a: the packaged leakwatch --version says $VERSION" \
		bash -c '[ "$($1 "$2/usr/bin/leakwatch" --version)" = "leakwatch $3" ] &&
			[ "$($1 "$2/usr/bin/leakwatch-collector" --version)" = "leakwatch-collector $3" ]' _ "$wrap" "$x" "$VERSION"
	out=$(lintian --pedantic -I --suppress-tags-from-file /dev/null "$d" 2>&1 | grep -v 'running with root privileges')
	if [ -z "$out" ]; then pass "$a: lintian --pedantic: no tag but the overrides (each with its reason)"; else fail "$a: lintian" "$out"; fi
done
check "every lintian override has a comment saying why" bash -c '
	awk "/^#/ {c=1; next} /^leakwatch:/ {if (!c) {print; bad=1}; next} {c=0} END {exit bad}" deploy/debian/lintian-overrides'

# ---- man pages ----------------------------------------------------------------

for m in man/*.[58]; do
	sed "s/@VERSION@/$VERSION/" "$m" >"$WORK/${m##*/}"
	check "mandoc -T lint ${m##*/}" mandoc -T lint "$WORK/${m##*/}"
	check "man --warnings ${m##*/}" bash -c '! LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null | grep .' _ "$WORK/${m##*/}"
done
# options_of FILE...: the long options of the getopt tables in FILE
options_of() { sed -n 's/^\t*{ "\([a-z-]*\)", \(no\|required\|optional\)_argument.*/\1/p' "$@" | sort -u; }
# commands_of FILE: the commands main() dispatches on
commands_of() { sed -n 's/.*!strcmp(argv\[1\], "\([a-z-]*\)")) *$/\1/p; s/.*!strcmp(argv\[1\], "\([a-z-]*\)"))$/\1/p' "$1" | grep -vx -e version -e help | sort -u; }
for pair in leakwatch.8:agent/cmd leakwatch-collector.8:collector/cmd; do
	page=man/${pair%%:*} dir=${pair#*:}
	check "${page##*/}: every command of $dir/main.c" bash -c '
		for c in $(cat); do grep -q "^\.B.* ${c//-/\\\\-}\b" "$1" || { echo "no $c"; exit 1; }; done' _ "$page" \
		< <(commands_of "$dir/main.c")
	check "${page##*/}: every long option of $dir" bash -c '
		for o in $(cat); do grep -qF -- "\\-\\-${o//-/\\-}" "$1" || { echo "no --$o"; exit 1; }; done' _ "$page" \
		< <(options_of "$dir"/*.c)
done
check "commands and options found in the code (the checks above are not empty)" bash -c '
	[ "$1" -ge 4 ] && [ "$2" -ge 5 ] && [ "$3" -ge 10 ]' _ "$(commands_of agent/cmd/main.c | wc -l)" \
	"$(commands_of collector/cmd/main.c | wc -l)" "$(options_of agent/cmd/*.c collector/cmd/*.c | wc -l)"
# keys_of FILE: the keys of a documented config, dotted, with the
# commented-out ones ("  # token_file: /etc/..."; one value, not prose),
# lists' example items not
keys_of() {
	awk '{
		if (!match($0, /^ *[a-z_]+:( |$)/) && !match($0, /^ *# [a-z_]+: [^ ]+( +#.*)?$/)) next
		line = $0; ind = match(line, /[^ ]/) - 1
		sub(/^ *(# )?/, "", line); key = line; sub(/:.*/, "", key)
		depth = ind / 2; path[depth] = key; p = path[0]
		for (i = 1; i <= depth; i++) p = p "." path[i]
		print p
	}' "$1"
}
for cfg in deploy/leakwatch.yaml deploy/collector.yaml; do
	check "leakwatch.yaml.5: every key of $cfg ($(keys_of $cfg | wc -l))" bash -c '
		for k in $(cat); do grep -qF -- "$k" "$1" || { echo "no $k"; exit 1; }; done' _ man/leakwatch.yaml.5 \
		< <(keys_of "$cfg" | grep -v '^alerting\.runbooks\.') # its keys are the kinds, named as such
done

# ---- completions --------------------------------------------------------------

# complete LINE: what bash completion offers at the end of LINE
cat >"$WORK/complete.sh" <<'SH'
. /usr/share/bash-completion/bash_completion
. "$1/deploy/completions/leakwatch"
. "$1/deploy/completions/leakwatch-collector"
read -ra COMP_WORDS <<<"$2"
[[ $2 == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$2 COMP_POINT=${#2}
fn=_${COMP_WORDS[0]//-/_}
$fn "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort
SH
complete_words() { bash "$WORK/complete.sh" "$LW_ROOT" "$1"; }
if [ -r /usr/share/bash-completion/bash_completion ]; then
	for pair in leakwatch:agent/cmd leakwatch-collector:collector/cmd; do
		bin=${pair%%:*} dir=${pair#*:}
		check "completion: $bin offers every command" \
			diff <({ commands_of "$dir/main.c"; echo --help; echo --version; } | sort) <(complete_words "$bin ")
	done
	check "completion: leakwatch run -- offers cmd_run.c's options" \
		diff <(options_of agent/cmd/cmd_run.c | sed 's/^/--/') <(complete_words "leakwatch run --")
	check "completion: leakwatch scan -- offers cmd_scan.c's options" \
		diff <(options_of agent/cmd/cmd_scan.c | sed 's/^/--/') <(complete_words "leakwatch scan --")
	check "completion: leakwatch listeners -- offers cmd_listeners.c's options" \
		diff <(options_of agent/cmd/cmd_listeners.c | sed 's/^/--/') <(complete_words "leakwatch listeners --")
	check "completion: every collector option is offered somewhere" bash -c '
		for o in $(cat); do
			for c in serve query events ack check-config "token create" compact; do
				bash "$1/complete.sh" "$2" "leakwatch-collector $c --" | grep -qx -- "--$o" && continue 2
			done
			echo "--$o never offered"; exit 1
		done' _ "$WORK" "$LW_ROOT" < <(options_of collector/cmd/*.c)
	check "completion: --format after listeners offers table and json" \
		diff <(printf 'json\ntable\n') <(complete_words "leakwatch listeners --format ")
else
	fail "bash-completion" "not installed (deploy/setup.sh deb)"
fi

# ---- changelog and licence ------------------------------------------------------

check "CHANGELOG.md has a section for $VERSION" grep -q "^## $VERSION - [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}$" CHANGELOG.md
if [ -d "$WORK/x-amd64" ]; then
	zcat "$WORK/x-amd64/usr/share/doc/leakwatch/changelog.gz" >"$WORK/changelog"
	check "the package's changelog is Debian's format, newest entry $VERSION" \
		bash -c '[ "$(dpkg-parsechangelog -l "$1" -S Version)" = "$2" ]' _ "$WORK/changelog" "$VERSION"
fi
# every C source names its licence; the BPF programs' dual licence is
# exactly where LICENSE says
spdx=$(grep -rl --include='*.c' --include='*.h' . --exclude-dir=build --exclude-dir=vmlinux --exclude-dir=node_modules -e . |
	sort | while read -r f; do printf '%s\t%s\n' "$f" "$(head -1 "$f" | sed -n 's|.*SPDX-License-Identifier: \(.*\) \*/$|\1|p; s|^// SPDX-License-Identifier: \(.*\)$|\1|p')"; done)
check "every .c and .h has an SPDX-License-Identifier on its first line" bash -c '! awk -F"\t" "\$2 == \"\" {print; bad=1} END {exit !bad}" <<<"$1"' _ "$spdx"
check "Apache-2.0, or (LGPL-2.1 OR BSD-2-Clause) for exactly bpf/, events.h and bench/empty.bpf.c" bash -c '
	awk -F"\t" "{
		dual = \$1 ~ /^\.\/bpf\// || \$1 == \"./include/leakwatch/events.h\" || \$1 == \"./bench/empty.bpf.c\"
		want = dual ? \"(LGPL-2.1 OR BSD-2-Clause)\" : \"Apache-2.0\"
		if (\$2 != want) { print \$1 \": \" \$2 \", not \" want; bad = 1 }
	} END { exit bad }" <<<"$1"' _ "$spdx"
check "the BPF programs declare a GPL-compatible licence to the kernel" \
	grep -q 'char LICENSE\[\] SEC("license") = "Dual BSD/GPL";' bpf/common.bpf.h
check "LICENSE holds the Apache-2.0, BSD-2-Clause and LGPL-2.1 texts" bash -c '
	grep -q "Apache License" LICENSE && grep -q "Version 2.0, January 2004" LICENSE &&
	grep -q "BSD 2-Clause License" LICENSE && grep -q "GNU LESSER GENERAL PUBLIC LICENSE" LICENSE &&
	grep -q "Version 2.1, February 1999" LICENSE && grep -q "(LGPL-2.1 OR BSD-2-Clause)" LICENSE'
