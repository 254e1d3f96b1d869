#!/usr/bin/env bash
# leakwatch scan: precision and recall on the labelled corpora (the dev corpus
# and two that tests/corpus/gen.py writes), exit codes,
# rotated .gz logs inside directories, gzip bombs, JSON fields, operator
# rules, and no secret ever in its output. Secrets planted here are
# generated on the fly; failures print counts and rule ids, never them.
. "$(dirname "$0")/lib.sh"

CORPUS=${LW_CORPUS:-$LW_ROOT/../shared/corpus/dev}
SCORE=$CORPUS/score.py
[ -f "$SCORE" ] || SCORE=$CORPUS/../score.py
KEY=$WORK/fp.key
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY"
chmod 600 "$KEY"

# scan ARGS...: runs leakwatch scan; stdout in $WORK/out, stderr in $WORK/err, status in $RC
scan() {
	"$LEAKWATCH" scan --key "$KEY" "$@" >"$WORK/out" 2>"$WORK/err"
	RC=$?
}

# a fresh github-pat token, its checksum right: ghp() in $WORK/fake.py
cat >"$WORK/fake.py" <<'EOF'
import random, string, zlib
r = random.SystemRandom()
A = string.ascii_letters + string.digits
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def b62(n):
    s = ""
    for _ in range(6):
        s = B62[n % 62] + s; n //= 62
    return s
def ghp():
    body = "".join(r.choice(A) for _ in range(30))
    return "ghp_" + body + b62(zlib.crc32(body.encode()))
EOF

# planted secrets, one per line in $WORK/secrets (never printed)
PYTHONPATH=$WORK python3 - "$WORK/secrets" <<'EOF'
import sys
from fake import r, A, ghp
ghp = ghp()
akia = "AKIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
aws = "".join(r.choice(A + "+/") for _ in range(40))
pw = "".join(r.choice(A) for _ in range(18))
open(sys.argv[1], "w").write("\n".join([ghp, akia, aws, pw]) + "\n")
EOF
mapfile -t SECRET <"$WORK/secrets"

# no planted secret in what scan printed
no_secret_in_output() {
	local s n=0
	for s in "${SECRET[@]}"; do
		grep -qF -- "$s" "$WORK/out" "$WORK/err" && n=$((n + 1))
	done
	[ "$n" -eq 0 ]
}

# --- quality on labelled corpora: the dev corpus, and one tests/corpus/gen.py
# writes with the families the dev corpus lacks ---
# quality NAME DIR: precision >= 0.99 and recall >= 0.98 on DIR/corpus.log, and
# no labelled secret in what scan printed
quality() {
	local name=$1 dir=$2 summary
	scan --format json "$dir/corpus.log"
	summary=$(python3 "$SCORE" "$dir/labels.tsv" "$WORK/out" | tail -1)
	echo "    $name: $summary"
	if [ "$RC" -eq 1 ] && python3 - "$summary" <<'PY'; then
import re, sys
d = dict(re.findall(r"(\w+)=([0-9.]+)", sys.argv[1]))
sys.exit(0 if float(d["precision"]) >= 0.99 and float(d["recall"]) >= 0.98 else 1)
PY
		pass "$name: precision >= 0.99 and recall >= 0.98"
	else
		fail "$name: precision >= 0.99 and recall >= 0.98" "exit $RC"
	fi
	if python3 - "$dir/labels.tsv" "$WORK/out" "$WORK/err" <<'PY'; then
import sys
labels = [l.rstrip("\n").split("\t", 3)[3] for l in list(open(sys.argv[1]))[1:]]
out = open(sys.argv[2]).read() + open(sys.argv[3]).read()
leaked = sum(1 for s in labels if len(s) >= 8 and s in out)
print(f"    {leaked} of {len(labels)} labelled secrets in the output")
sys.exit(1 if leaked else 0)
PY
		pass "$name: no labelled secret in scan's output"
	else
		fail "$name: no labelled secret in scan's output"
	fi
}

if [ -f "$CORPUS/corpus.log" ] && [ -f "$CORPUS/labels.tsv" ] && [ -f "$SCORE" ]; then
	quality "dev corpus" "$CORPUS"
	for seed in 14 1414; do
		python3 "$LW_ROOT/tests/corpus/gen.py" "$WORK/gen$seed" --seed "$seed" >/dev/null
		quality "generated corpus (seed $seed)" "$WORK/gen$seed"
	done
else
	fail "corpus" "no corpus.log, labels.tsv and score.py under $CORPUS (set LW_CORPUS)"
fi

# --- leakwatch rules: the table of built-in rules ---
n_rules=$("$LEAKWATCH" rules --format json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
ok = all(set(r) == {"rule", "family", "severity", "finds", "validated", "example"} for r in rows)
print(len(rows) if ok and len({r["rule"] for r in rows}) == len(rows) else 0)')
check "rules --format json: one object per rule, ids unique" test "$n_rules" -gt 100
check "rules: a Markdown row per rule" test "$("$LEAKWATCH" rules | grep -c '^| `')" -eq "$n_rules"
"$LEAKWATCH" rules --format yaml >/dev/null 2>&1
check "rules --format yaml: exit 2" test $? -eq 2

# --- exit codes ---
mkdir -p "$WORK/logs/old"
printf '2026-11-29T10:00:00Z INFO [api] started\n2026-11-29T10:00:01Z INFO [api] GET / 200\n' >"$WORK/clean.log"
scan "$WORK/clean.log"
check "nothing found: exit 0" test "$RC" -eq 0
printf 'boot\nexport GITHUB_TOKEN=%s\nAWS_ACCESS_KEY_ID=%s aws_secret_access_key = %s\n' \
	"${SECRET[0]}" "${SECRET[1]}" "${SECRET[2]}" >"$WORK/app.log"
scan "$WORK/app.log"
check "credentials found: exit 1" test "$RC" -eq 1
check "text output: one line per finding" test "$(wc -l <"$WORK/out")" -eq 3
check "text output names the rule" grep -q ':2:21: high github-pat ghp_' "$WORK/out"
if no_secret_in_output; then pass "text output: no secret"; else fail "text output: no secret"; fi
scan "$WORK/absent.log" "$WORK/app.log"
check "missing path: exit 2, the rest still scanned" test "$RC" -eq 2 -a "$(wc -l <"$WORK/out")" -eq 3
check "missing path: named on stderr" grep -q "absent.log: No such file" "$WORK/err"
chmod 755 "$WORK"
cp "$WORK/app.log" "$WORK/private.log"
chmod 600 "$WORK/private.log"
chmod 644 "$KEY"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$LEAKWATCH" scan --key "$KEY" "$WORK/private.log" 2>&1 >/dev/null)
rc=$?
chmod 600 "$KEY"
check "unreadable file: exit 2" test "$rc" -eq 2
check "unreadable file: named" grep -q "private.log: Permission denied" <<<"$out"
scan --format yaml "$WORK/app.log"
check "bad --format: exit 2" test "$RC" -eq 2
scan --format json
check "no path: exit 2" test "$RC" -eq 2

# --- JSON fields ---
scan --format json "$WORK/app.log"
if python3 - "$WORK/out" <<'EOF'; then
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
need = {"path", "line", "column", "end_column", "rule", "severity", "redacted", "fingerprint"}
ok = len(rows) == 3 and all(need <= set(r) for r in rows)
gh = [r for r in rows if r["rule"] == "github-pat"]
ok = ok and len(gh) == 1 and gh[0]["line"] == 2 and gh[0]["column"] == 21 and gh[0]["end_column"] == 61
ok = ok and all(len(r["fingerprint"]) == 32 and len(r["redacted"]) <= 11 for r in rows)
ok = ok and {r["rule"] for r in rows} == {"github-pat", "aws-access-key-id", "aws-secret-access-key"}
sys.exit(0 if ok else 1)
EOF
	pass "json: fields, lines and columns"
else
	fail "json: fields, lines and columns" "rules: $(python3 -c 'import json,sys;print([json.loads(l)["rule"] for l in open(sys.argv[1])])' "$WORK/out")"
fi
if no_secret_in_output; then pass "json output: no secret"; else fail "json output: no secret"; fi
fp1=$(python3 -c 'import json,sys;print(sorted(json.loads(l)["fingerprint"] for l in open(sys.argv[1])))' "$WORK/out")

# --- a directory of rotated logs, one gzipped ---
{
	for i in $(seq 2000); do echo "2026-11-28T00:00:00Z INFO [api] request $i served"; done
	echo "2026-11-28T00:00:01Z WARN [db] connecting with password=\"${SECRET[3]}\""
	echo "2026-11-28T00:00:02Z INFO [api] token ${SECRET[0]} refreshed"
} | gzip -9 >"$WORK/logs/old/app.log.2.gz"
cp "$WORK/clean.log" "$WORK/logs/app.log"
cp /bin/true "$WORK/logs/old/binary-file"
scan --format json "$WORK/logs"
check "directory with a rotated .gz: exit 1" test "$RC" -eq 1
if python3 - "$WORK/out" <<'EOF'; then
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = len(rows) == 2 and all(r["path"].endswith("old/app.log.2.gz") for r in rows)
ok = ok and sorted((r["line"], r["rule"]) for r in rows) == [(2001, "generic-password"), (2002, "github-pat")]
sys.exit(0 if ok else 1)
EOF
	pass "directory: the secrets inside app.log.2.gz, with their lines"
else
	fail "directory: the secrets inside app.log.2.gz, with their lines" "$(wc -l <"$WORK/out") findings"
fi
check "directory: the summary counts the binary file as skipped, with size and time" \
	grep -Eq "^scanned 2 files \([0-9.]+ (bytes|KiB|MiB)\) in [0-9]+\.[0-9] s, 2 findings, 1 skipped, 0 errors$" "$WORK/err"
check "    without --verbose it is not named" bash -c '! grep -q "binary-file" "$1"' _ "$WORK/err"
printf 'INFO nothing here\n' | lz4 -q >"$WORK/logs/old/app.log.3.lz4"
scan --format json --verbose "$WORK/logs"
check "--verbose names each file skipped, and why" bash -c '
	grep -qx "leakwatch: skipped $1/binary-file: binary" "$2" &&
	grep -qx "leakwatch: skipped $1/app.log.3.lz4: lz4 compressed (not read)" "$2" &&
	grep -q ", 2 skipped, 0 errors$" "$2"' _ "$WORK/logs/old" "$WORK/err"
scan --format json --quiet "$WORK/logs"
check "--quiet: no summary line, the exit status still says found (1)" bash -c '[ "$1" -eq 1 ] && ! grep -q "^scanned" "$2"' _ "$RC" "$WORK/err"
rm "$WORK/logs/old/app.log.3.lz4"
if no_secret_in_output; then pass "gz output: no secret"; else fail "gz output: no secret"; fi
scan --format json "$WORK/app.log"
fp2=$(python3 -c 'import json,sys;print(sorted(json.loads(l)["fingerprint"] for l in open(sys.argv[1])))' "$WORK/out")
check "same key, same fingerprints" test "$fp1" = "$fp2"

# --- a gzip bomb is an error; the other files are still scanned ---
mkdir -p "$WORK/bomb"
head -c 300M /dev/zero | gzip -1 >"$WORK/bomb/a.log.1.gz"
cp "$WORK/app.log" "$WORK/bomb/b.log"
scan --format json "$WORK/bomb"
check "gzip bomb: exit 2" test "$RC" -eq 2
check "gzip bomb: reported on stderr" grep -q "a.log.1.gz: gzip data inflates more than" "$WORK/err"
check "gzip bomb: the next file still scanned" test "$(grep -c b.log "$WORK/out")" -eq 3

# --- rotated logs as logrotate's compresscmd makes them: zstd, xz, bzip2 ---
# each with two members (a log compressed, then appended to), the secret in
# the second, so the lines count across the join
mkdir -p "$WORK/packed"
rotated_part() { for i in $(seq "$1"); do echo "2026-11-28T00:00:00Z INFO [api] request $i served"; done; }
ext_of() { case $1 in zstd) echo zst ;; bzip2) echo bz2 ;; *) echo "$1" ;; esac; }
for fmt in zstd xz bzip2; do
	{
		rotated_part 1500 | $fmt -q -c
		{ rotated_part 500; echo "2026-11-28T00:00:02Z INFO [api] token ${SECRET[0]} refreshed"; } | $fmt -q -c
	} >"$WORK/packed/app.log.1.$(ext_of $fmt)"
done
scan --format json "$WORK/packed"
check "zstd, xz and bzip2 rotated logs: exit 1" test "$RC" -eq 1
check "    each one's secret, at its line across the two members" python3 - "$WORK/out" <<'EOF'
import json, sys
rows = sorted((r["path"].rsplit(".", 1)[1], r["line"], r["rule"]) for r in map(json.loads, open(sys.argv[1])))
assert rows == [("bz2", 2001, "github-pat"), ("xz", 2001, "github-pat"), ("zst", 2001, "github-pat")], rows
EOF
if no_secret_in_output; then pass "zstd, xz, bzip2 output: no secret"; else fail "zstd, xz, bzip2 output: no secret"; fi
for fmt in zstd xz bzip2; do
	ext=$(ext_of $fmt)
	size=$(stat -c %s "$WORK/packed/app.log.1.$ext")
	head -c $((size - 30)) "$WORK/packed/app.log.1.$ext" >"$WORK/packed/cut.log.1.$ext"
	scan --format json "$WORK/packed/cut.log.1.$ext"
	check "a truncated .$ext: exit 2, naming it, after scanning what came out" bash -c \
		'[ "$1" -eq 2 ] && grep -q "cut.log.1.$2: truncated $3 data; scanned what inflated" "$4"' _ "$RC" "$ext" "$fmt" "$WORK/err"
	rm "$WORK/packed/cut.log.1.$ext"
done
# a bzip2 header and a block's magic, then garbage
printf 'BZh91AY&SY' | cat - <(head -c 3000 /dev/urandom) >"$WORK/packed/garbage.log.bz2"
scan "$WORK/packed/garbage.log.bz2"
check "bzip2 magic then garbage: exit 2, corrupt" bash -c \
	'[ "$1" -eq 2 ] && grep -q "garbage.log.bz2: corrupt bzip2 data" "$2"' _ "$RC" "$WORK/err"
printf 'INFO plain text\n' >"$WORK/packed/plain.log.1.xz"
scan "$WORK/packed/plain.log.1.xz"
check "a .xz that is not xz: exit 2, naming it" bash -c \
	'[ "$1" -eq 2 ] && grep -q "plain.log.1.xz: named .xz but not xz data" "$2"' _ "$RC" "$WORK/err"
# what follows a member: zeros are padding; anything else is said, not skipped
{ rotated_part 10 | gzip -c; printf 'garbage!'; { echo "token ${SECRET[0]}"; } | gzip -c; } >"$WORK/packed/mixed.log.1.gz"
scan --format json "$WORK/packed/mixed.log.1.gz"
check "garbage between gzip members: exit 2, said" bash -c \
	'[ "$1" -eq 2 ] && grep -q "mixed.log.1.gz: what follows a complete gzip member is not gzip data" "$2"' _ "$RC" "$WORK/err"
{ echo "token ${SECRET[0]}" | gzip -c; head -c 512 /dev/zero; } >"$WORK/packed/padded.log.1.gz"
scan --format json "$WORK/packed/padded.log.1.gz"
check "zeros after the last member are padding: exit 1, the secret found" test "$RC" -eq 1
# pzstd starts with a skippable frame; --long=31 from a pipe keeps a 2 GiB window in the frame
{ printf '\x50\x2a\x4d\x18\x04\x00\x00\x00abcd'; echo "token ${SECRET[0]}" | zstd -q -c; } >"$WORK/packed/pz.log.1.zst"
echo "token ${SECRET[0]}" | zstd -q --long=31 -c >"$WORK/packed/long.log.1.zst"
scan --format json "$WORK/packed/pz.log.1.zst" "$WORK/packed/long.log.1.zst"
check "zstd with a skippable frame first, and with --long=31: both read" \
	bash -c '[ "$1" -eq 1 ] && [ "$(wc -l <"$2")" -eq 2 ]' _ "$RC" "$WORK/out"
# "BZh" starts text too; xz named .gz is read as xz, and the name is said
{ echo "BZh is how this log line starts"; echo "token ${SECRET[0]}"; } >"$WORK/packed/bzh.log"
echo "token ${SECRET[0]}" | xz -c >"$WORK/packed/wrong.log.1.gz"
scan --format json "$WORK/packed/bzh.log" "$WORK/packed/wrong.log.1.gz"
check "text that starts with BZh is text; xz named .gz is scanned and named (exit 2)" bash -c \
	'[ "$1" -eq 2 ] && [ "$(wc -l <"$2")" -eq 2 ] && grep -q "wrong.log.1.gz: named .gz but xz data; scanned as xz" "$3"' \
	_ "$RC" "$WORK/out" "$WORK/err"
head -c 300M /dev/zero | zstd -q -1 -c >"$WORK/packed/bomb.log.1.zst"
scan "$WORK/packed/bomb.log.1.zst"
check "a zstd bomb: exit 2, the same limit as gzip's" bash -c \
	'[ "$1" -eq 2 ] && grep -q "bomb.log.1.zst: zstd data inflates more than 200 times its size" "$2"' _ "$RC" "$WORK/err"
rm -rf "$WORK/packed"

# --- NUL runs, devices, FIFOs, a .gz that is not gzip ---
python3 - "$WORK/nul" "${SECRET[0]}" <<'EOF'
import os, sys
d, t = sys.argv[1], sys.argv[2].encode()
os.makedirs(d, exist_ok=True)
# copytruncate leaves a NUL run where the old bytes were; a crash leaves one at the end
open(d + "/copytruncated.log", "wb").write(b"\0" * 20000 + b"INFO token " + t + b" refreshed\n")
open(d + "/crashed.log", "wb").write(b"INFO token " + t + b" refreshed\n" + b"\0" * 9000)
open(d + "/between.log", "wb").write(b"INFO a\n" + b"\0" * 5000 + b"token " + t + b"\0" * 5000 + b"INFO b\n")
EOF
scan --format json "$WORK/nul"
check "NUL-prefixed, NUL-suffixed and NUL-split logs: all three found" test "$RC" -eq 1 -a "$(wc -l <"$WORK/out")" -eq 3
check "    and none skipped" grep -q ", 0 skipped, 0 errors" "$WORK/err"
timeout 10 "$LEAKWATCH" scan --key "$KEY" /dev/urandom >"$WORK/out" 2>"$WORK/err"
RC=$?
check "a character device is refused at once: exit 2 (got $RC)" test "$RC" -eq 2
check "    naming it" grep -q "/dev/urandom: a device, not a file" "$WORK/err"
"$LEAKWATCH" scan --key "$KEY" <(cat "$WORK/nul/crashed.log") >"$WORK/out" 2>"$WORK/err"
RC=$?
check "a pipe (process substitution) is read as a stream: exit 1, one finding" test "$RC" -eq 1 -a "$(wc -l <"$WORK/out")" -eq 1
printf 'INFO not gzip at all\n' >"$WORK/nul/old.log.1.gz"
scan "$WORK/nul/old.log.1.gz"
check "a .gz that is not gzip: exit 2 (got $RC)" test "$RC" -eq 2
check "    naming the file" grep -q "old.log.1.gz: named .gz but not gzip data" "$WORK/err"
head -c 5000 /dev/urandom >>"$WORK/nul/garbage.gz.tmp"
printf '\x1f\x8b' | cat - "$WORK/nul/garbage.gz.tmp" >"$WORK/nul/garbage.log.gz"
scan "$WORK/nul/garbage.log.gz"
check "gzip magic then garbage: exit 2 (got $RC), naming the file" \
	bash -c "[ $RC -eq 2 ] && grep -q 'garbage.log.gz: corrupt gzip data' '$WORK/err'"

# --- a line of 8 MiB ---
python3 - "$WORK/long.log" "${SECRET[0]}" <<'EOF'
import sys
open(sys.argv[1], "w").write("x" * (8 << 20) + " t=" + sys.argv[2] + " end\nnext\n")
EOF
scan --format json "$WORK/long.log"
check "8 MiB line: found at its column" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if len(rows) == 1 and rows[0]["line"] == 1 and rows[0]["column"] == (8 << 20) + 4 else 1)' "$WORK/out"

# --- operator rules and the default key ---
cat >"$WORK/rules.yaml" <<EOF
state_dir: $WORK/state
rules:
  - id: acme-internal
    regex: 'acme_[A-Za-z0-9]{24}'
    severity: critical
EOF
mkdir -p "$WORK/state"
printf 'using acme_%s\n' "$(head -c 200 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 24)" >"$WORK/acme.log"
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --format json "$WORK/acme.log" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "operator rule: found" test "$RC" -eq 1 -a "$(grep -c '"rule":"acme-internal","family":"custom","severity":"critical"' "$WORK/out")" -eq 1
check "no key file: a one-line note" test "$(grep -c 'fingerprints use a one-off key' "$WORK/err")" -eq 1
# --jobs' workers share the main scanner's database: the operator's rule too
mkdir -p "$WORK/acme"
for i in 1 2 3 4; do cp "$WORK/acme.log" "$WORK/acme/$i.log"; done
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --format json --jobs 2 "$WORK/acme" >"$WORK/out" 2>"$WORK/err"
check "operator rule with --jobs 2: found in each file" test "$(grep -c '"rule":"acme-internal"' "$WORK/out")" -eq 4
printf 'rules:\n  - id: broken\n    regex: "a(b"\n' >"$WORK/bad.yaml"
"$LEAKWATCH" scan --config "$WORK/bad.yaml" "$WORK/app.log" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "bad operator regex: exit 2 naming rules[0].regex" test "$RC" -eq 2 -a "$(grep -c 'rules\[0\].regex' "$WORK/err")" -eq 1

# --- rules turned off: rules.disable and --disable-rule ---
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --disable-rule acme-internal --format json "$WORK/acme.log" \
	>"$WORK/out" 2>"$WORK/err"
RC=$?
check "--disable-rule: its findings are not reported (exit 0)" test "$RC" -eq 0 -a ! -s "$WORK/out"
cat >"$WORK/off.yaml" <<EOF2
state_dir: $WORK/state
rules:
  custom:
    - id: acme-internal
      regex: 'acme_[A-Za-z0-9]{24}'
  disable: [acme-internal]
EOF2
"$LEAKWATCH" scan --config "$WORK/off.yaml" --format json "$WORK/acme.log" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "rules.disable in the configuration: the same" test "$RC" -eq 0 -a ! -s "$WORK/out"
"$LEAKWATCH" scan --disable-rule no-such-rule "$WORK/acme.log" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "an unknown rule id: exit 2, named" test "$RC" -eq 2 -a "$(grep -c 'no rule "no-such-rule"' "$WORK/err")" -eq 1

# --- the ignore file: by fingerprint, by rule and path, by path; an expired entry ---
# a fingerprint is keyed: the same key every run, as the agent's
openssl rand -hex 32 >"$WORK/state/fingerprint.key"
chmod 600 "$WORK/state/fingerprint.key"
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --format json "$WORK/acme.log" >"$WORK/out" 2>/dev/null
FP_ACME=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["fingerprint"])' "$WORK/out")
cat >"$WORK/ignore.yaml" <<EOF2
leaks:
  - fingerprint: $FP_ACME
    reason: a fixture key, never valid
EOF2
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --ignore "$WORK/ignore.yaml" --format json "$WORK/acme.log" \
	>"$WORK/out" 2>"$WORK/err"
RC=$?
check "--ignore: a fingerprint with a reason is left out (exit 0)" test "$RC" -eq 0 -a ! -s "$WORK/out"
cp "$WORK/acme.log" "$WORK/other.log"
printf 'leaks:\n  - rule: acme-internal\n    path: %s/acme*.log\n    reason: fixtures\n' "$WORK" >"$WORK/ignore2.yaml"
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --ignore "$WORK/ignore2.yaml" --format json "$WORK/acme.log" \
	"$WORK/other.log" >"$WORK/out" 2>"$WORK/err"
check "    a rule under a path glob: left out there, reported elsewhere" bash -c \
	"[ \$(wc -l <'$WORK/out') -eq 1 ] && grep -q 'other.log' '$WORK/out'"
printf 'leaks:\n  - fingerprint: %s\n    reason: was a fixture\n    expires: 2020-01-31\n' "$FP_ACME" >"$WORK/ignore3.yaml"
"$LEAKWATCH" scan --config "$WORK/rules.yaml" --ignore "$WORK/ignore3.yaml" --format json "$WORK/acme.log" \
	>"$WORK/out" 2>"$WORK/err"
RC=$?
check "    an expired entry silences nothing, and says so once" test "$RC" -eq 1 -a \
	"$(grep -c 'ignore entry expired (was a fixture)' "$WORK/err")" -eq 1
printf 'leaks:\n  - fingerprint: %s\n' "$FP_ACME" >"$WORK/ignore4.yaml"
"$LEAKWATCH" scan --ignore "$WORK/ignore4.yaml" "$WORK/acme.log" >"$WORK/out" 2>"$WORK/err"
RC=$?
check "    an entry without a reason: exit 2, named" test "$RC" -eq 2 -a \
	"$(grep -c 'leaks\[0\]: reason: required' "$WORK/err")" -eq 1
check "    and the secret is in none of it" bash -c "! grep -q 'acme_[A-Za-z0-9]\{24\}' '$WORK/out' '$WORK/err'"

# --- reports for CI and cron: formats, report path, baseline, selection, stdin ---
mkdir -p "$WORK/repo/logs" "$WORK/repo/vendor"
T1=$(gh_token); T2=$(gh_token)
printf 'deploy with %s now\n' "$T1" >"$WORK/repo/logs/a.log"
printf 'ok\nsecond token %s\n' "$T2" >"$WORK/repo/vendor/b.log"
head -c 3000000 /dev/zero | tr '\0' 'x' >"$WORK/repo/logs/big.log"
(cd "$WORK/repo" && "$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format sarif \
	--report-path "$WORK/report.sarif" logs vendor >"$WORK/out" 2>"$WORK/err")
RC=$?
check "--format sarif --report-path: the report is in the file, nothing on stdout (exit 1)" \
	test "$RC" -eq 1 -a -s "$WORK/report.sarif" -a ! -s "$WORK/out"
check "    SARIF 2.1.0: ruleId, a region with line and column, the fingerprint in partialFingerprints" \
	python3 - "$WORK/report.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0"
run = d["runs"][0]
assert run["tool"]["driver"]["name"] == "leakwatch" and [r["id"] for r in run["tool"]["driver"]["rules"]] == ["github-pat"]
res = sorted(run["results"], key=lambda r: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in res] == ["logs/a.log", "vendor/b.log"], res
assert res[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 14, "endColumn": 54}, res[1]
assert all(r["ruleId"] == "github-pat" and r["level"] == "error" and len(r["partialFingerprints"]["leakwatch/fingerprint/v1"]) == 32 for r in res)
PY
SARIF_TOOL="$LW_ROOT/tests/sarif/node_modules/.bin/sarif-multitool"
if [ -x "$SARIF_TOOL" ]; then
	"$SARIF_TOOL" validate "$WORK/report.sarif" -o "$WORK/validation.sarif" >"$WORK/validate.out" 2>&1
	check "    Microsoft's SARIF validator: no error" python3 - "$WORK/validation.sarif" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
errors = [r for r in results if r.get("level") == "error"]
assert not errors, [r["message"]["text"] for r in errors]
PY
else
	fail "    Microsoft's SARIF validator is installed (deploy/setup.sh all)"
fi
check "    the tokens are in none of it" bash -c "! grep -qF '$T1' '$WORK/report.sarif' && ! grep -qF '$T2' '$WORK/report.sarif'"
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format csv "$WORK/repo" >"$WORK/report.csv" 2>/dev/null
check "--format csv: a header and a row per finding" python3 - "$WORK/report.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 2 and all(r["rule"] == "github-pat" and len(r["fingerprint"]) == 32 for r in rows), rows
PY
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format json "$WORK/repo/logs" >"$WORK/baseline.json" 2>/dev/null
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format json --baseline "$WORK/baseline.json" \
	"$WORK/repo" >"$WORK/out" 2>"$WORK/err"
check "--baseline: only what is new is reported, and the summary says how many were known" bash -c \
	"[ \$(wc -l <'$WORK/out') -eq 1 ] && grep -q 'vendor/b.log' '$WORK/out' && grep -q ', 1 in the baseline' '$WORK/err'"
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format json --exclude "$WORK/repo/vendor/**" \
	"$WORK/repo" >"$WORK/out" 2>"$WORK/err"
check "--exclude GLOB: those paths are left out" bash -c "[ \$(wc -l <'$WORK/out') -eq 1 ] && grep -q 'logs/a.log' '$WORK/out'"
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --max-file-size 1MiB "$WORK/repo/logs" >"$WORK/out" 2>"$WORK/err"
check "--max-file-size: a larger file is skipped and counted" grep -q ', 1 skipped' "$WORK/err"
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --max-file-size 1MiB -v "$WORK/repo/logs" >"$WORK/out" 2>"$WORK/err"
check "    and named with -v" grep -q 'skipped .*big.log: larger than --max-file-size' "$WORK/err"
printf 'from a pipe %s\n' "$T1" | "$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format json - >"$WORK/out" 2>"$WORK/err"
RC=$?
check "PATH -: standard input is scanned" bash -c "[ $RC -eq 1 ] && grep -q '\"path\":\"-\",\"line\":1' '$WORK/out'"

# --- --jobs: files at once, the same output in the same order ---
mkdir -p "$WORK/many"
python3 - "$WORK/many" "$T1" "$T2" <<'PY'
import os, sys
d, t1, t2 = sys.argv[1], sys.argv[2], sys.argv[3]
for i in range(40):
    sub = os.path.join(d, "d%d" % (i % 5))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "app-%02d.log" % i), "w") as f:
        for n in range(2000 + 300 * (i % 7)):  # files of different sizes finish out of order
            f.write("INFO request %d ok\n" % n)
            if n % 997 == 0:
                f.write("token %s used\n" % (t1 if i % 2 else t2))
with open(os.path.join(d, "d0", "binary"), "wb") as f:
    f.write(b"\x00\x01\x02" * 1000)
PY
for j in 1 4; do
	"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format json -v --jobs "$j" "$WORK/many" \
		>"$WORK/jobs$j.out" 2>"$WORK/jobs$j.err"
	echo $? >"$WORK/jobs$j.rc"
done
check "--jobs 4: the same findings as --jobs 1, in the same order" bash -c \
	'[ -s "$1" ] && cmp -s "$1" "$2"' _ "$WORK/jobs1.out" "$WORK/jobs4.out"
check "    the same exit status (1) and tallies, the skipped file named" bash -c '
	[ "$(cat "$1/jobs1.rc")" = 1 ] && [ "$(cat "$1/jobs4.rc")" = 1 ] &&
	[ "$(sed -n "s/ in [0-9.]* s//p" "$1/jobs1.err" | tail -1)" = "$(sed -n "s/ in [0-9.]* s//p" "$1/jobs4.err" | tail -1)" ] &&
	grep -q "scanned 40 files .*, 1 skipped, 0 errors" "$1/jobs4.err" && grep -q "skipped .*/d0/binary: binary" "$1/jobs4.err"' \
	_ "$WORK"
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --format sarif -j 3 "$WORK/many" >"$WORK/jobs.sarif" 2>/dev/null
check "    a SARIF report from 3 jobs holds every finding" python3 - "$WORK/jobs.sarif" "$WORK/jobs1.out" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert len(results) == sum(1 for _ in open(sys.argv[2])), len(results)
PY
"$LEAKWATCH" scan --key "$WORK/state/fingerprint.key" --jobs 0 "$WORK/many" >/dev/null 2>"$WORK/err"
RC=$?
check "--jobs 0 is an error that says the range (exit 2)" bash -c \
	'[ "$1" -eq 2 ] && grep -q -- "--jobs: expected 1 to 256" "$2"' _ "$RC" "$WORK/err"
check "no raw token in any --jobs output" bash -c \
	'! grep -qF -e "$1" -e "$2" "$3"/jobs1.* "$3"/jobs4.* "$3/jobs.sarif"' _ "$T1" "$T2" "$WORK"

# --- findings at block edges: a token that ends just before, straddles and
# starts just after 256 KiB, 1 MiB and 2 MiB (scanfile.c reads in blocks and
# keeps a tail smaller than one), plain, gzip, xz, and with -j 2 ---
mkdir -p "$WORK/edge"
PYTHONPATH=$WORK python3 - "$WORK/edge" <<'EOF'
import sys
from fake import r, ghp
d = sys.argv[1]
want, secrets = [], []
for edge in (256 << 10, 1 << 20, 2 << 20):
    for case, start in (("end", edge - 40), ("straddle", edge - 20), ("start", edge), ("start1", edge + 1)):
        tok = ghp()
        c = r.randrange(20, 28)          # bytes before the token on its line
        L = start - c                    # where its line starts
        fill = "INFO ok\n" * (L // 8)
        if L % 8:
            fill = fill[:-8] + "INFO ok" + "." * (L % 8) + "\n"
        line = fill.count("\n") + 1
        text = fill + "x" * (c - 1) + " " + tok + "\n" + "INFO ok\n" * 200
        assert text.index(tok) == start
        name = "%d-%s" % (edge >> 10, case)
        open("%s/%s.log" % (d, name), "w").write(text)
        want.append("%s %d %d %d" % (name, line, c + 1, c + 41))
        secrets.append(tok)
open(d + "/want", "w").write("\n".join(want) + "\n")
open(d + "/secrets", "w").write("\n".join(secrets) + "\n")
EOF
mkdir -p "$WORK/edge/gz" "$WORK/edge/xz"
for f in "$WORK"/edge/*.log; do
	gzip -1c "$f" >"$WORK/edge/gz/$(basename "$f").1.gz"
	xz -0 -T1 -c "$f" >"$WORK/edge/xz/$(basename "$f").1.xz"
done
# edge_found WHAT N: every token N times, at exactly its line and columns, and none printed
edge_found() {
	check "block edges, $1: line, column, end_column exact" python3 - "$WORK/out" "$WORK/edge" "$2" <<'EOF'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = {}
for l in open(sys.argv[2] + "/want"):
    name, line, col, end = l.split()
    want[name] = (int(line), int(col), int(end))
got = {}
for r in rows:
    if r["rule"] == "github-pat":
        got.setdefault(os.path.basename(r["path"]).split(".")[0], []).append((r["line"], r["column"], r["end_column"]))
bad = [n for n in want if got.get(n) != [want[n]] * int(sys.argv[3])]
assert not bad, "wrong or missing: %s; got %s" % (bad, {n: got.get(n) for n in bad})
EOF
	check "    no token in the output" bash -c '! grep -qFf "$1/edge/secrets" "$1/out" "$1/err"' _ "$WORK"
}
scan --format json "$WORK"/edge/*.log
edge_found plain 1
scan --format json "$WORK"/edge/gz/*.gz
edge_found gzip 1
scan --format json "$WORK"/edge/xz/*.xz
edge_found xz 1
scan --format json -j 2 "$WORK"/edge/*.log "$WORK"/edge/gz/*.gz "$WORK"/edge/xz/*.xz
check "block edges, -j 2: three findings per token" test "$(grep -c github-pat "$WORK/out")" -eq 36
edge_found "-j 2" 3
