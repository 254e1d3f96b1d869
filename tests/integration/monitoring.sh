#!/usr/bin/env bash
# Prometheus users: the alert rules (deploy/prometheus/alerts.yaml) are valid
# and fire on the series they are written for (promtool test rules), and the
# Grafana dashboard (deploy/grafana/leakwatch.json) is valid JSON whose
# panels query valid expressions over metrics the binaries really export.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { fail "promtool (Debian's prometheus package) is installed"; exit 1; }
RULES="$LW_ROOT/deploy/prometheus/alerts.yaml"
DASH="$LW_ROOT/deploy/grafana/leakwatch.json"

check "promtool check rules deploy/prometheus/alerts.yaml" promtool check rules "$RULES"
check "promtool test rules: each alert fires on its series, and only then" bash -c \
	"cd '$LW_ROOT/tests/prometheus' && promtool test rules alerts_test.yaml"

# a running collector's /metrics, with something open in it
STATE=$WORK/cstate
printf 'state_dir: %s\nserver:\n  listen: 127.0.0.1:0\n' "$STATE" >"$WORK/collector.yaml"
start_collector "$WORK/collector.yaml" || exit 1
python3 - "$WORK/batch.json" <<'PY'
import json, sys
json.dump({"agent_id": "agent-1", "sequence": 1, "events": [
    {"host": {"hostname": "db-1"}, "process": {"pid": 1, "comm": "redis-server"},
     "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0", "port": 6379, "netns": 1,
                  "exposure": "public", "severity": "critical", "service": {"name": "redis", "category": "database"}}},
    {"host": {"hostname": "db-1"}, "process": {"pid": 2, "comm": "api"},
     "leak": {"rule": "github-pat", "severity": "high", "redacted": "ghp_...abcd",
              "fingerprint": "0123456789abcdef0123456789abcdef", "path": "/var/log/a.log", "count": 1}}]},
          open(sys.argv[1], "w"))
PY
python3 "$LW_ROOT/tests/integration/pbbatch.py" batch "$WORK/batch.json" --gzip >"$WORK/batch.gz"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$STATE/token")" \
	-H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' --data-binary @"$WORK/batch.gz" "$URL/v1/events")
expect "a batch with an exposed redis and a leak" 200 "$code"
curl -s "$URL/metrics" >"$WORK/collector.metrics"
check "collector gauge: leakwatch_listeners_exposed{severity,service}" \
	grep -qx 'leakwatch_listeners_exposed{severity="critical",service="redis"} 1' "$WORK/collector.metrics"
check "collector gauge: leakwatch_leaks_open{severity,rule}" \
	grep -qx 'leakwatch_leaks_open{severity="high",rule="github-pat"} 1' "$WORK/collector.metrics"
check "    every severity has a value, 0 where nothing is open" \
	grep -qx 'leakwatch_listeners_exposed{severity="low",service="none"} 0' "$WORK/collector.metrics"
check "    no host in them" bash -c "! grep -q 'db-1' '$WORK/collector.metrics'"
expect "the acknowledged leak leaves the gauge" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $(cat "$STATE/token")" "$URL/v1/findings/0123456789abcdef0123456789abcdef/ack")"
check "    leakwatch_leaks_open is 0 for it" bash -c \
	"! curl -s '$URL/metrics' | grep -q 'rule=\"github-pat\"'"
stop_collector

check "the dashboard is valid JSON, with panels that query Prometheus" python3 - "$DASH" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["title"] and d["uid"] and d["panels"], d.keys()
for p in d["panels"]:
    assert p["title"] and p["targets"] and all(t.get("expr") for t in p["targets"]), p["title"]
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
print(f"    {len(d['panels'])} panels")
PY
# every expression parses (as a recording rule), and names only metrics the code exports
python3 - "$DASH" "$WORK/exprs.yaml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, p in enumerate(d["panels"]):
        for t in p["targets"]:
            f.write(f"      - record: panel_{i}\n        expr: {json.dumps(t['expr'])}\n")
PY
check "every panel's query is a valid PromQL expression (promtool)" promtool check rules "$WORK/exprs.yaml"
check "every metric the dashboard and the rules name is one the agent or the collector exports" python3 - \
	"$DASH" "$RULES" "$LW_ROOT" <<'PY'
import json, re, sys
dash, rules, root = sys.argv[1:4]
code = "".join(open(f"{root}/{p}").read() for p in ("agent/core/metrics.c", "collector/server/promtext.c"))
exported = set(re.findall(r'"(leakwatch_[a-z_]+)', code))
exported |= {"leakwatch_collector_" + n for n in re.findall(r'F\("([a-z_]+)"', code)}
text = open(rules).read() + " ".join(t["expr"] for p in json.load(open(dash))["panels"] for t in p["targets"])
used = set(re.findall(r"\b(leakwatch_[a-z_]+)\b", text)) - {"leakwatch_agent", "leakwatch_collector"}
missing = sorted(n for n in used if n not in exported)
assert not missing, missing
print(f"    {len(used)} metrics named, all exported")
PY
