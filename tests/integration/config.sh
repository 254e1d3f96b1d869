#!/usr/bin/env bash
# Bad configuration: one line naming the key, exit status 2, nothing loaded.
. "$(dirname "$0")/lib.sh"

# expect_config_error NAME FILE TEXT: run and listeners both exit 2 naming TEXT
expect_config_error() {
	local name=$1 file=$2 text=$3 cmd out rc
	for cmd in run listeners; do
		out=$("$LEAKWATCH" "$cmd" --config "$file" 2>&1 >/dev/null)
		rc=$?
		if [ "$rc" -ne 2 ]; then
			fail "$name ($cmd)" "exit $rc, wanted 2"
		elif [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then
			fail "$name ($cmd)" "wanted one line, got: $out"
		elif ! grep -qF -- "$text" <<<"$out"; then
			fail "$name ($cmd)" "message does not name '$text': $out"
		else
			pass "$name ($cmd)"
			echo "    $out"
		fi
	done
}

printf 'exposure:\n  internal_cidr: [10.0.0.0/8]\n' >"$WORK/unknown.yaml"
expect_config_error "unknown key" "$WORK/unknown.yaml" "exposure.internal_cidr: unknown key"

printf 'exposure:\n  internal_cidrs: [10.0.0.0/8, 10.0.0.0/33]\n' >"$WORK/cidr.yaml"
expect_config_error "bad CIDR" "$WORK/cidr.yaml" 'exposure.internal_cidrs[1]: bad CIDR "10.0.0.0/33"'

printf 'agent:\n  health_interval: soon\n' >"$WORK/duration.yaml"
expect_config_error "bad duration" "$WORK/duration.yaml" "agent.health_interval"

printf 'exposure: [\n' >"$WORK/syntax.yaml"
expect_config_error "invalid YAML" "$WORK/syntax.yaml" "line"

printf 'log:\n  level: info\n' >"$WORK/unreadable.yaml"
chmod 000 "$WORK/unreadable.yaml"
chmod 755 "$WORK"
# root reads any file, so read it as an unprivileged user
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$LEAKWATCH" run --config "$WORK/unreadable.yaml" 2>&1 >/dev/null)
rc=$?
if [ "$rc" -eq 2 ] && grep -q "cannot read: Permission denied" <<<"$out"; then
	pass "unreadable config file"; echo "    $out"
else
	fail "unreadable config file" "exit $rc: $out"
fi

expect_config_error "missing config file given explicitly" "$WORK/absent.yaml" "No such file"
expect_config_error "directory as config file" "$WORK" "not a regular file"

check "no BPF program was loaded by a rejected config" bash -c \
	'! bpftool prog show 2>/dev/null | grep -q "name lw_tcp_state"'

out=$("$LEAKWATCH" listeners --config "$LW_ROOT/deploy/leakwatch.yaml" 2>&1 >/dev/null)
rc=$?
check "the documented default config is valid (exit $rc)" test "$rc" -ne 2

# one binary's file given to the other is named as such, not only refused
expect_config_error "the collector's file given to the agent is named" "$LW_ROOT/deploy/collector.yaml" \
	"server: unknown key (this looks like a leakwatch-collector configuration; the agent's is leakwatch.yaml)"
out=$("$COLLECTOR" check-config "$LW_ROOT/deploy/leakwatch.yaml" 2>&1)
check "the agent's file given to the collector is named" grep -qF \
	"agent: unknown key (this looks like a leakwatch agent configuration; the collector's is collector.yaml)" <<<"$out"

# small things a newcomer hits
check "leakwatch -h prints the help, as --help does" bash -c \
	'[ "$("$1" -h)" = "$("$1" --help)" ] && "$1" -h | grep -q "^usage\|leakwatch <command>"' _ "$LEAKWATCH"
out=$("$LEAKWATCH" scan --format xml /dev/null 2>&1)
check "a bad --format says which values are valid" grep -qF 'scan: --format: expected text, json, csv or sarif, not "xml"' <<<"$out"
out=$("$LEAKWATCH" listeners --format yaml 2>&1)
check "    for listeners too" grep -qF 'listeners: --format: expected table or json, not "yaml"' <<<"$out"
out=$("$COLLECTOR" events --format table --db "$WORK/none.db" 2>&1)
check "collector events --format table is an error, not silent JSON" grep -qF 'events are printed as JSON lines only' <<<"$out"
