#!/usr/bin/env bash
# The collector's pages, in a real browser, over findings from a real agent:
# a redis that answers without a password on a "public" address (a test
# network namespace), a listener whose executable is named
# `<img src=x onerror=alert(1)>`, and a GitHub token written to a log named
# `<svg onload=alert(2)>.log`. Debian's headless Chromium (tests/ui/browser.mjs)
# signs in, reads the overview and both findings, follows the webhook alert's
# link to the leak's page, and acknowledges the leak through the form; the
# alert resolves. No script from a finding runs. Access: no session, no
# finding; an ingest token, 403; a form without its CSRF token, or from
# another site, 403. No raw token is on any page. Screenshots go to
# $UI_SHOTS (default: build/ui-screenshots, kept after the run).
. "$(dirname "$0")/lib.sh"

if ! command -v chromium >/dev/null || [ ! -d "$LW_ROOT/tests/ui/node_modules/puppeteer-core" ]; then
	fail "chromium and tests/ui's puppeteer-core" "missing: deploy/setup.sh installs both"
	exit 1
fi

CPORT=$(free_port)
RPORT=$(free_port)
RLOG=$WORK/received.jsonl
CSTATE=$WORK/collector
SHOTS=${UI_SHOTS:-$BUILD/ui-screenshots}
mkdir -p "$CSTATE" "$WORK/logs" "$WORK/bin" "$SHOTS"
chmod 755 "$WORK" "$WORK/logs" "$WORK/bin"

cat >"$WORK/base.yaml" <<YAML
state_dir: $CSTATE
YAML
new_token() {
	( umask 077; "$COLLECTOR" token create --role "$1" --name "$2" --config "$WORK/base.yaml" \
		>"$WORK/$2.token" 2>"$WORK/$2.create" )
}
new_token ingest fleet || fail "token create --role ingest"
new_token operator alice || fail "token create --role operator"

start_sink_receiver "$RPORT" "$RLOG" || exit 1
cat >"$WORK/collector.yaml" <<YAML
state_dir: $CSTATE
server:
  listen: 127.0.0.1:$CPORT
  public_url: http://127.0.0.1:$CPORT/
  auth:
    ingest: [{name: fleet, digest_file: $CSTATE/auth/ingest-fleet.sha256}]
    operator: [{name: alice, digest_file: $CSTATE/auth/operator-alice.sha256}]
alerting:
  sinks:
    - {name: hook, type: webhook, url: "http://127.0.0.1:$RPORT/hook", send_resolved: true}
  routes:
    - {sink: hook, kind: [listener, leak]}
  runbooks:
    leak: https://wiki.example.com/runbooks/leaked-credential
  group_window: 0s
YAML
start_collector "$WORK/collector.yaml" || exit 1

make_netns lwui-pub 10.231.21.2/24 10.231.21.1/24 || exit 1
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/agent
agent:
  health_interval: 1s
exposure:
  # the namespace's address alone: the host's own wildcard listeners stay private
  public_cidrs: [10.231.21.2/32]
collector:
  url: $URL
  token_file: $WORK/fleet.token
  flush_interval: 200ms
  max_backoff: 1s
leaks:
  coalesce_delay: 0s
  coalesce_window: 0s
YAML
start_agent "$WORK/agent.yaml" || exit 1

# --- the findings: real processes on the real kernel ---------------------------
bg redis ip netns exec lwui-pub redis-server --port 6379 --bind 0.0.0.0 --protected-mode no \
	--save '' --appendonly no --daemonize no
wait_port lwui-pub tcp 6379 || fail "redis-server started"
EVIL='<img src=x onerror=alert(1)>'
cp "$(readlink -f /usr/bin/python3)" "$WORK/bin/$EVIL"
bg evil ip netns exec lwui-pub "$WORK/bin/$EVIL" -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 27017)); s.listen(); time.sleep(600)'
wait_port lwui-pub tcp 27017 || fail "the oddly named listener started"
LEAKLOG="$WORK/logs/<svg onload=alert(2)>.log"
gh_token >"$WORK/gh.secret"
python3 - "$LEAKLOG" "$WORK/gh.secret" <<'PY'
import sys
tok = open(sys.argv[2]).read().strip()
with open(sys.argv[1], "a") as f:
    f.write(f"2026-12-04T05:00:00Z INFO deploy: using token {tok} for the release\n")
PY

OP=$(cat "$WORK/alice.token")
# until_findings COND: the collector's findings satisfy COND (Python over `f`) within 20 s
until_findings() {
	python3 - "$URL/v1/findings?limit=1000" "$WORK/alice.token" "$1" <<'PY'
import json, sys, time, urllib.request
url, tokfile, cond = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + open(tokfile).read().strip()})
for _ in range(200):
    f = json.load(urllib.request.urlopen(req))["findings"]
    if eval(cond):
        sys.exit(0)
    time.sleep(0.1)
sys.exit("not in 20 s")
PY
}
check "the collector has the exposed redis, the odd listener and the leak" until_findings \
	"any(x['kind'] == 'listener' and x.get('port') == 6379 and x.get('state') == 'open' for x in f) and \
any(x['kind'] == 'listener' and x.get('port') == 27017 for x in f) and any(x['kind'] == 'leak' for x in f)"
FP=$(dbq "$CSTATE/collector.db" "SELECT fingerprint FROM leaks LIMIT 1")

# the webhook's alert for the leak, with its link
LEAK_LINK=$(python3 - "$RLOG" <<'PY'
import json, sys, time
for _ in range(200):
    for line in open(sys.argv[1]):
        b = json.loads(json.loads(line)["body"])
        for a in b.get("alerts", []):
            if a.get("kind") == "leak" and a.get("status") == "firing" and a.get("url"):
                print(a["url"]); sys.exit(0)
    time.sleep(0.1)
PY
)
expect "the webhook's leak alert links to the leak's page" "http://127.0.0.1:$CPORT/ui/leak/$FP" "$LEAK_LINK"
REDIS_LINK=$(python3 - "$RLOG" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(json.loads(line)["body"])
    for a in b.get("alerts", []):
        if a.get("kind") == "listener" and "6379" in a.get("dedup_key", "") and a.get("url"):
            print(a["url"]); sys.exit(0)
PY
)
case $REDIS_LINK in
"http://127.0.0.1:$CPORT/ui/listener/"*/tcp/0.0.0.0/6379) pass "the redis alert links to its listener's page" ;;
*) fail "the redis alert links to its listener's page" "got '$REDIS_LINK'" ;;
esac

# --- access, over plain HTTP ----------------------------------------------------
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
expect "no session: /ui/ sends to the sign-in form" 303 "$(code "$URL/ui/")"
check "    and shows no finding" sh -c "! grep -q 'redis\|$FP' '$WORK/body'"
expect "no session: a leak's page is not served" 303 "$(code "$URL/ui/leak/$FP")"
check "    and its body names nothing" sh -c "! grep -q '$FP\|github' '$WORK/body'"
expect "an ingest token is 403 on the pages" 403 "$(code -H "Authorization: Bearer $(cat "$WORK/fleet.token")" "$URL/ui/")"
expect "an unknown token is 401" 401 "$(code -H "Authorization: Bearer not-a-token-at-all-0000" "$URL/ui/")"
expect "signing in with the ingest token is 403" 403 \
	"$(code -c "$WORK/jar.ingest" --data-urlencode "token@$WORK/fleet.token" "$URL/ui/login")"
check "    and sets no session" sh -c "! grep -q leakwatch_session '$WORK/jar.ingest'"
expect "signing in with the operator token: 303" 303 \
	"$(code -c "$WORK/jar" --data-urlencode "token@$WORK/alice.token" "$URL/ui/login")"
check "    the cookie is HttpOnly and SameSite=Strict" sh -c \
	"curl -s -D - -o /dev/null --data-urlencode 'token@$WORK/alice.token' '$URL/ui/login' | grep -i '^set-cookie: leakwatch_session=' | grep -q 'HttpOnly; SameSite=Strict; Max-Age='"
expect "the session reads the overview" 200 "$(code -b "$WORK/jar" "$URL/ui/")"
expect "a cross-site POST without the CSRF token is refused" 403 \
	"$(code -b "$WORK/jar" -H 'Sec-Fetch-Site: cross-site' -H 'Origin: https://evil.example' -X POST "$URL/ui/leak/$FP/ack")"
expect "a same-site POST without the CSRF token is refused" 403 "$(code -b "$WORK/jar" -X POST "$URL/ui/leak/$FP/ack")"
expect "    the leak is still unacknowledged" "" "$(dbq "$CSTATE/collector.db" "SELECT acked_ns FROM leaks WHERE fingerprint = '$FP'")"
HDRS=$(curl -s -D - -o /dev/null -b "$WORK/jar" "$URL/ui/")
for h in "content-security-policy: default-src 'none'; style-src 'self'; script-src 'self'" \
	"frame-ancestors 'none'" "x-content-type-options: nosniff" "referrer-policy: no-referrer" "cache-control: no-store"; do
	check "header: $h" grep -qiF "$h" <<<"$HDRS"
done

# --- in the browser --------------------------------------------------------------
BROWSER_OUT=$WORK/browser.out
(cd "$LW_ROOT/tests/ui" && timeout 180 node browser.mjs) >"$BROWSER_OUT" 2>&1 <<JSON
{"url": "$URL", "operator_token_file": "$WORK/alice.token", "ingest_token_file": "$WORK/fleet.token",
 "leak_link": "$LEAK_LINK", "fingerprint": "$FP", "evil": "$EVIL", "leak_log": "$LEAKLOG",
 "shots": "$SHOTS", "secret_file": "$WORK/gh.secret"}
JSON
rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "browser: ${line#PASS }" ;;
	"FAIL "*) fail "browser: ${line#FAIL }" ;;
	*) echo "    $line" ;;
	esac
done <"$BROWSER_OUT"
expect "the browser run finished" 0 "$rc"

# acknowledged through the form: the collector marked it, and the alert resolved
expect "the form acknowledged the leak as alice" alice \
	"$(dbq "$CSTATE/collector.db" "SELECT acked_by FROM leaks WHERE fingerprint = '$FP'")"
check "its alert resolves: the webhook gets it resolved" python3 - "$RLOG" "$FP" <<'PY'
import json, sys, time
for _ in range(200):
    for line in open(sys.argv[1]):
        b = json.loads(json.loads(line)["body"])
        if b.get("status") == "resolved" and any(a.get("kind") == "leak" and sys.argv[2] in a.get("dedup_key", "")
                                                 for a in b.get("alerts", [])):
            sys.exit(0)
    time.sleep(0.1)
sys.exit("no resolved leak notification in 20 s")
PY

# --- never the raw secret -------------------------------------------------------
SECRET=$(cat "$WORK/gh.secret")
for page in /ui/ "/ui/leak/$FP" /ui/hosts "/ui/?severity=info&kind=leak"; do
	curl -s -b "$WORK/jar" "$URL$page" >"$WORK/page.html"
	check "no raw token on $page" sh -c "! grep -qF '$SECRET' '$WORK/page.html'"
done
check "no raw token in the browser's output or the collector's log" sh -c \
	"! grep -qF '$SECRET' '$BROWSER_OUT' '$WORK/collector.err' '$WORK/collector.out'"
check "no operator token in the collector's log" sh -c "! grep -qF '$OP' '$WORK/collector.err'"
ls "$SHOTS"/*.png >/dev/null 2>&1 && echo "    screenshots in $SHOTS: $(cd "$SHOTS" && ls -- *.png | tr '\n' ' ')"
