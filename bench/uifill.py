#!/usr/bin/env python3
"""Fills a collector database, schema already made by `leakwatch-collector
serve`, with a fleet for bench/ui.sh: HOSTS agents, LISTENERS listeners
spread over them, LEAKS leaks with 1-3 locations each, the events behind
them (encoded leakwatch.v1.Event bodies, as the pages decode them), the
alerts of the severe ones, and one heartbeat per agent. Written straight
into SQLite in one transaction; no ANALYZE, as the collector runs none.

  uifill.py DB [HOSTS LISTENERS LEAKS]     (default 10000 50000 5000)

The mix, from a fixed seed so every run measures the same database:
  hosts      30% Kubernetes nodes (half their listeners in pods, 24
             namespaces), the rest plain servers; 2% silent (no heartbeat
             for 10 min to 2 days), 3% with drops
  listeners  45% loopback (info), 3% link-local (info), 47% private (low,
             some info or medium), 5% public (high, or critical when it
             answers without credentials); 8% closed; auth_state NULL (not
             probed), none, required or tls; IPv4, some IPv6
  leaks      11 rules (severity low to critical), 15% acknowledged; 1-3
             locations (60/30/10), a tenth of them journal units
  events     an open per listener, a close per closed one, a probe result
             per probed one; 1-3 per leak location; a heartbeat per agent
Every timestamp is inside the default retention (listener 30d, leak 90d,
health 7d), so the collector deletes nothing while it is measured.
"""
import ipaddress
import os
import random
import sqlite3
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ left in tests/integration
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import pbbatch  # noqa: E402  the wire format, written by hand (no protobuf package here)
from pbbatch import f_bytes, f_msg, f_varint  # noqa: E402

SEC = 1_000_000_000
DAY = 86400 * SEC
HOST_NETNS = 4026531840  # the initial network namespace's inode
INFO, LOW, MEDIUM, HIGH, CRITICAL = 1, 2, 3, 4, 5

rng = random.Random(20261129)
NOW = time.time_ns()


def hexid(n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def uuid():
    h = hexid(32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def event_id(t_ns):
    """A UUIDv7 made at t_ns, as the agent makes them."""
    b = bytearray((t_ns // 1_000_000).to_bytes(6, "big") + rng.getrandbits(80).to_bytes(10, "big"))
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


def ago(lo, hi):
    return NOW - rng.randrange(lo, hi)


NAMESPACES = ["default", "kube-system", "monitoring", "logging", "ingress-nginx", "cert-manager",
              "payments", "checkout", "search", "catalog", "ml-serving", "data", "analytics",
              "auth", "notifications", "billing", "frontend", "backend", "team-a", "team-b",
              "argocd", "vault", "kafka", "redis"]
# (service, category, port, protocol)
LOCAL_SERVICES = [("postgresql", "database", 5432, "tcp"), ("redis", "cache", 6379, "tcp"),
                  ("memcached", "cache", 11211, "tcp"), ("mysql", "database", 3306, "tcp"),
                  ("dns", "infrastructure", 53, "udp"), ("smtp", "mail", 25, "tcp"),
                  ("node-exporter", "monitoring", 9100, "tcp"), ("containerd", "container", 10010, "tcp"),
                  ("kubelet", "kubernetes", 10248, "tcp"), ("chronyd", "infrastructure", 323, "udp"),
                  (None, None, 0, "tcp")]
PRIVATE_SERVICES = [("ssh", "remote-access", 22, "tcp"), ("http", "web", 80, "tcp"),
                    ("https", "web", 443, "tcp"), ("http", "web", 8080, "tcp"),
                    ("postgresql", "database", 5432, "tcp"), ("redis", "cache", 6379, "tcp"),
                    ("elasticsearch", "database", 9200, "tcp"), ("etcd", "database", 2379, "tcp"),
                    ("kubelet", "kubernetes", 10250, "tcp"), ("prometheus", "monitoring", 9090, "tcp"),
                    ("mongodb", "database", 27017, "tcp"), ("clickhouse-http", "database", 8123, "tcp"),
                    (None, None, 0, "tcp"), (None, None, 0, "udp")]
PUBLIC_SERVICES = [("redis", "cache", 6379, "tcp"), ("elasticsearch", "database", 9200, "tcp"),
                   ("mongodb", "database", 27017, "tcp"), ("docker", "container", 2375, "tcp"),
                   ("ollama", "ai", 11434, "tcp"), ("jupyter", "development", 8888, "tcp"),
                   ("kubelet", "kubernetes", 10250, "tcp"), ("etcd", "database", 2379, "tcp"),
                   ("postgresql", "database", 5432, "tcp"), ("memcached", "cache", 11211, "udp"),
                   ("http", "web", 8080, "tcp"), (None, None, 0, "tcp")]
COMM = {"postgresql": "postgres", "redis": "redis-server", "memcached": "memcached", "mysql": "mysqld",
        "dns": "systemd-resolve", "smtp": "master", "node-exporter": "node_exporter",
        "containerd": "containerd", "kubelet": "kubelet", "chronyd": "chronyd", "ssh": "sshd",
        "http": "nginx", "https": "nginx", "elasticsearch": "java", "etcd": "etcd",
        "prometheus": "prometheus", "mongodb": "mongod", "clickhouse-http": "clickhouse-serv",
        "docker": "dockerd", "ollama": "ollama", "jupyter": "jupyter-lab"}
AUTH_PROTOCOL = {"redis": "resp", "memcached": "memcached", "postgresql": "postgresql",
                 "mysql": "mysql", "elasticsearch": "http", "mongodb": "mongodb", "etcd": "http",
                 "docker": "http", "ollama": "http", "jupyter": "http", "kubelet": "http",
                 "clickhouse-http": "http", "http": "http", "https": "http"}
RULES = [  # rule, family, severity, redaction prefix, weight
    ("github-pat", "github-classic", CRITICAL, "ghp_", 12), ("aws-access-key", "aws", HIGH, "AKIA", 12),
    ("slack-bot-token", "slack", HIGH, "xoxb-", 8), ("stripe-secret-key", "stripe", CRITICAL, "sk_live_", 4),
    ("gcp-service-account", "gcp", HIGH, "{\"type\":", 5), ("jwt", "jwt", LOW, "eyJ", 15),
    ("private-key", "pem", HIGH, "-----BEGIN", 6), ("postgres-uri", "uri-credential", MEDIUM, "postgres://", 12),
    ("generic-api-key", "generic", LOW, "api_key=", 16), ("openai-api-key", "openai", HIGH, "sk-proj-", 5),
    ("basic-auth-url", "uri-credential", MEDIUM, "https://", 5)]
LOG_PATHS = ["/var/log/app/app.log", "/var/log/nginx/access.log", "/var/log/nginx/error.log",
             "/var/log/syslog", "/srv/api/logs/api.log", "/opt/worker/log/worker.log",
             "/var/log/deploy/deploy-%d.log", "/home/ci/build/output.log", "/var/log/cron.log"]
UNITS = ["nginx.service", "api.service", "worker.service", "cron.service", "docker.service"]


def ip4(a):
    return ipaddress.IPv4Address(a).packed


def wire_class(exposure):
    return pbbatch.CLASS[exposure]


# --- hosts -----------------------------------------------------------------------------
def make_hosts(n):
    roles = [("web", 20), ("api", 15), ("db", 8), ("cache", 5), ("worker", 15), ("batch", 5),
             ("k8s-node", 30), ("ci", 2)]
    names, weights = zip(*roles)
    hosts = []
    for i in range(n):
        role = rng.choices(names, weights)[0]
        env = "prod" if i % 10 < 7 else "staging"
        dc = ("fra1", "ams3", "iad2", "sfo3")[i % 4]
        name = f"{role}-{i:05d}.{dc}.{env}.example.net"
        silent = rng.random() < 0.02
        health = ago(10 * 60 * SEC, 2 * DAY) if silent else ago(0, 60 * SEC)
        hosts.append({
            "hostname": name, "k8s": role == "k8s-node", "machine_id": hexid(32), "boot_id": uuid(),
            "private": f"10.{(i >> 8) & 0xff}.{i & 0xff}.{rng.randrange(1, 255)}",
            "public": f"{rng.choice(('203.0.113', '198.51.100', '192.0.2'))}.{rng.randrange(1, 255)}",
            "pod_prefix": f"10.{100 + (i >> 8) % 100}.{i & 0xff}",
            "health_ns": health, "first_seen_ns": ago(3 * DAY, 90 * DAY),
            "drops": rng.random() < 0.03,
        })
    return hosts


def agent_rows(hosts):
    for h in hosts:
        drops = rng.randrange(1, 5000) if h["drops"] else 0
        full = rng.random() < 0.01
        yield (h["machine_id"], h["hostname"], h["machine_id"], h["boot_id"], "0.1.0",
               h["hostname"] if h["k8s"] else "", h["first_seen_ns"], h["health_ns"], h["health_ns"],
               event_id(h["health_ns"]), rng.randrange(60, 90 * 86400), rng.randrange(1, 12),
               rng.randrange(0, 1 << 34), rng.randrange(0, 500), rng.randrange(0, 50),
               rng.randrange(100, 100000), rng.randrange(0, 20), drops, "lw_listen lw_close lw_write",
               rng.randrange(1 << 20, 1 << 28) if full else 0, rng.randrange(10, 500) if full else 0,
               rng.randrange(60, 3600) if full else 0, rng.randrange(1, 100) if full else 0, 0, 0)


def drop_rows(hosts):
    for h in hosts:
        if h["drops"]:
            yield (h["machine_id"], "ringbuf_full", rng.randrange(1, 4000))
            if rng.random() < 0.3:
                yield (h["machine_id"], "attribution", rng.randrange(1, 200))


# --- listeners -------------------------------------------------------------------------
def spread(total, n, lo=1, hi=9):
    """n counts between lo and hi summing to total"""
    counts = [rng.randint(lo, hi) for _ in range(n)]
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(n)
        if diff > 0 and counts[i] < hi + 4:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > lo:
            counts[i] -= 1
            diff += 1
    return counts


def make_listener(h, taken, pods):
    r = rng.random()
    pod = None
    if h["k8s"] and rng.random() < 0.5:
        pod = rng.choice(pods)
    if r < 0.45:
        exposure, sev = "loopback", INFO
        svc = rng.choice(LOCAL_SERVICES)
        addr = ip4("127.0.0.53" if svc[0] == "dns" else "127.0.0.1") if rng.random() < 0.9 \
            else ipaddress.IPv6Address("::1").packed
        wildcard, reach = False, ""
    elif r < 0.48:
        exposure, sev = "link-local", INFO
        svc = rng.choice(LOCAL_SERVICES)
        addr, wildcard, reach = ip4(f"169.254.{rng.randrange(0, 255)}.{rng.randrange(1, 255)}"), False, ""
    elif r < 0.95:
        exposure = "private"
        sev = rng.choices((INFO, LOW, MEDIUM), (10, 75, 15))[0]
        svc = rng.choice(PRIVATE_SERVICES)
        own = f"{pod['prefix']}.{pod['ip']}" if pod else h["private"]
        wildcard = rng.random() < 0.4
        addr = (ipaddress.IPv6Address("::").packed if rng.random() < 0.15 else ip4("0.0.0.0")) \
            if wildcard else ip4(own)
        reach = f"{own}|private|{'eth0' if pod else rng.choice(('eth0', 'ens5', 'bond0'))}"
    else:
        exposure = "public"
        svc = rng.choice(PUBLIC_SERVICES)
        wildcard = rng.random() < 0.6
        addr = ip4("0.0.0.0") if wildcard else ip4(h["public"])
        reach = f"{h['public']}|public|eth0" + (f" {h['private']}|private|eth1" if wildcard else "")
        sev = HIGH
    name, category, port, proto = svc
    if not port:
        port = rng.randrange(1024, 65535)
    if rng.random() < 0.1:  # a second instance on another port
        port = port + rng.randrange(1, 50) if port < 65000 else port - 1
    netns = pod["netns"] if pod else HOST_NETNS
    while (netns, proto, addr, port) in taken:
        port = rng.randrange(1024, 65535)
    taken.add((netns, proto, addr, port))

    auth = None
    if name in AUTH_PROTOCOL and rng.random() < (0.9 if exposure == "public" else 0.5):
        auth = rng.choices(("none", "required", "tls"), (35, 55, 10) if exposure == "public" else (20, 70, 10))[0]
    if exposure == "public" and auth == "none":
        sev = CRITICAL
    elif exposure == "private" and auth == "none" and sev < MEDIUM:
        sev = MEDIUM
    comm = COMM.get(name, rng.choice(("python3", "node", "java", "app", "gunicorn")))
    first = ago(SEC * 3600, 25 * DAY)
    closed = rng.random() < 0.08
    last = rng.randrange(first, NOW - SEC)
    return {
        "hostname": h["hostname"], "netns": netns, "protocol": proto, "address": addr, "port": port,
        "state": "closed" if closed else "open", "first": first, "last": last,
        "machine_id": h["machine_id"], "severity": sev, "exposure": exposure, "wildcard": wildcard,
        "expected": rng.random() < 0.05 and exposure != "public", "reachable": reach,
        "service": name, "category": category, "service_by": ("process" if name else None) and
        rng.choice(("process", "port", "protocol")),
        "comm": comm, "pid": rng.randrange(300, 4_000_000), "exe": f"/usr/bin/{comm}",
        "uid": 0 if rng.random() < 0.3 else rng.randrange(100, 2000), "pod": pod, "auth": auth,
        "auth_protocol": AUTH_PROTOCOL.get(name) if auth else None,
        "auth_evidence": {"none": "answered PING with PONG", "required": "asked for a password",
                          "tls": "TLS handshake first"}.get(auth),
        "auth_probed_ns": rng.randrange(first, NOW) if auth else None,
        "source": rng.choices(("kernel", "inventory", "restart", "reload"), (70, 25, 4, 1))[0],
    }


def make_pods(h, i):
    pods = []
    for k in range(rng.randrange(4, 20)):
        ns = rng.choice(NAMESPACES)
        app = rng.choice(("api", "web", "worker", "redis", "postgres", "exporter", "gateway", "cron",
                          "search", "model"))
        pods.append({"ns": ns, "name": f"{app}-{hexid(10)}-{hexid(5)}", "container": app,
                     "netns": 4026532000 + i * 32 + k, "cookie": (i << 8) + k + 4096,
                     "uid": uuid(), "cid": hexid(64), "prefix": h["pod_prefix"], "ip": rng.randrange(2, 250),
                     "image": f"registry.example.com/{ns}/{app}:1.{rng.randrange(0, 30)}.{rng.randrange(0, 10)}"})
    return pods


def listener_row(l):
    p = l["pod"] or {}
    return (l["hostname"], l["netns"], l["protocol"], l["address"], l["port"], l["state"], l["first"],
            l["last"], l["last"], l["last"], event_id(l["last"]), l["machine_id"], l["severity"],
            l["exposure"], int(l["wildcard"]), int(l["expected"]), int(l["exposure"] == "public"),
            l["source"], l["reachable"], l["reachable"].count("|") // 2, l["service"], l["category"],
            l["service_by"], l["comm"], l["pid"], l["exe"], l["uid"], "root" if l["uid"] == 0 else f"u{l['uid']}",
            p.get("cid"), "containerd" if p else None, p.get("uid"), p.get("name"), p.get("ns"),
            p.get("container"), l["auth"], l["auth_protocol"], l["auth_evidence"], l["auth_probed_ns"],
            int(l["auth"] == "tls") if l["auth"] else None, "not-requested" if l["auth"] == "tls" else None,
            p.get("cookie", 1), None, 1, p.get("image"))


def listener_body(l, h, action, source, t):
    """An Event with a ListenerEvent, as the agent sends it"""
    ev = {"id": event_id(t).hex(), "time": t,
          "host": {"hostname": h["hostname"], "machine_id": h["machine_id"], "boot_id": h["boot_id"],
                   "agent_version": "0.1.0", "node_name": h["hostname"] if h["k8s"] else None},
          "process": {"pid": l["pid"], "uid": l["uid"], "comm": l["comm"], "exe": l["exe"]},
          "listener": {"action": action, "source": source, "protocol": l["protocol"],
                       "address_hex": l["address"].hex(), "port": l["port"], "wildcard": l["wildcard"],
                       "netns": l["netns"], "socket_inode": rng.randrange(10000, 1 << 30),
                       "exposure": l["exposure"], "severity": l["severity"],
                       "reachable": [{"address": r.split("|")[0], "class": r.split("|")[1],
                                      "interface": r.split("|")[2]} for r in l["reachable"].split()],
                       "service": {"name": l["service"], "category": l["category"]} if l["service"] else None,
                       "expected": l["expected"]}}
    if l["pod"]:
        p = l["pod"]
        ev["container"] = {"id": p["cid"], "runtime": "containerd", "pod_uid": p["uid"], "pod_name": p["name"],
                           "pod_namespace": p["ns"], "container_name": p["container"], "image": p["image"]}
    listener = pbbatch.listener(ev.pop("listener"))
    if l["auth"] and action in (1, 3):
        # ListenerEvent.auth (18) and netns_cookie (19), which pbbatch does not write
        listener += f_msg(18, b"".join([f_varint(1, {"none": 1, "required": 2, "tls": 3}[l["auth"]]),
                                        f_bytes(2, l["auth_protocol"]), f_bytes(3, l["auth_evidence"]),
                                        f_varint(4, l["auth_probed_ns"]), f_varint(5, l["auth"] == "tls")]))
    listener += f_varint(19, (l["pod"] or {}).get("cookie", 1))
    # the oneof member appended whole: a second occurrence would replace the first, not merge
    return pbbatch.event(ev) + f_msg(10, listener)


# --- leaks -----------------------------------------------------------------------------
def make_leaks(n, hosts, pods_of):
    weights = [r[4] for r in RULES]
    leaks, locations = [], []
    for _ in range(n):
        rule, family, sev, prefix, _w = rng.choices(RULES, weights)[0]
        fp = hexid(32)
        first = ago(SEC * 600, 60 * DAY)
        nloc = rng.choices((1, 2, 3), (60, 30, 10))[0]
        spots = set()
        locs = []
        for _ in range(nloc):
            h = rng.choice(hosts)
            pod = rng.choice(pods_of[h["hostname"]]) if h["k8s"] and pods_of[h["hostname"]] and rng.random() < 0.6 else None
            journal = not pod and rng.random() < 0.1
            if journal:
                unit = rng.choice(UNITS)
                path = f"journal:{unit}"
            elif pod:
                unit = None
                path = f"/var/log/pods/{pod['ns']}_{pod['name']}_{pod['uid']}/{pod['container']}/0.log"
            else:
                unit = None
                path = rng.choice(LOG_PATHS)
                if "%d" in path:
                    path = path % rng.randrange(1, 400)
            if (h["hostname"], path) in spots:
                continue
            spots.add((h["hostname"], path))
            lfirst = rng.randrange(first, NOW - SEC * 60)
            llast = rng.randrange(lfirst, NOW)
            nev = rng.choices((1, 2, 3), (50, 30, 20))[0]
            count = nev + rng.choices((0, 1, 5, 50), (50, 25, 15, 10))[0]
            comm = "journald" if journal else pod["container"] if pod else rng.choice(("python3", "java", "node", "bash", "nginx"))
            locs.append({"fp": fp, "host": h, "path": path, "unit": unit, "pod": pod, "first": lfirst,
                         "last": llast, "count": count, "events": nev, "comm": comm,
                         "pid": rng.randrange(300, 4_000_000)})
        acked = rng.random() < 0.15
        last = max(x["last"] for x in locs)
        leaks.append({"fp": fp, "rule": rule, "family": family, "severity": sev,
                      "redacted": f"{prefix}...{hexid(4)}", "first": min(x["first"] for x in locs),
                      "last": last, "count": sum(x["count"] for x in locs),
                      "events": sum(x["events"] for x in locs),
                      "acked_ns": rng.randrange(last, NOW) if acked else None, "locs": locs})
        locations += locs
    return leaks, locations


def leak_rows(leaks):
    for k in leaks:
        yield (k["fp"], k["rule"], k["family"], k["severity"], k["redacted"], k["first"], k["last"],
               k["count"], k["events"], k["last"], k["acked_ns"], "alice" if k["acked_ns"] else None)


def location_rows(locations):
    for x in locations:
        p = x["pod"] or {}
        journal = x["unit"] is not None
        yield (x["fp"], x["host"]["hostname"], x["path"], x["first"], x["last"], x["count"], x["events"],
               x["last"], event_id(x["last"]), x["host"]["machine_id"], None if journal else "259:1",
               None if journal else rng.randrange(10000, 1 << 24), None if journal else rng.randrange(0, 1 << 26),
               x["comm"], x["pid"], None if journal else f"/usr/bin/{x['comm']}", p.get("cid"), p.get("uid"),
               p.get("name"), p.get("ns"), p.get("container"), "journal" if journal else "file",
               x["unit"], x["unit"] and x["unit"].split(".")[0], None, None, None, None, 1, p.get("image"), None)


def leak_body(k, x, t, count):
    h, p = x["host"], x["pod"]
    ev = {"id": event_id(t).hex(), "time": t,
          "host": {"hostname": h["hostname"], "machine_id": h["machine_id"], "boot_id": h["boot_id"],
                   "agent_version": "0.1.0"},
          "process": {"pid": x["pid"], "comm": x["comm"], "exe": f"/usr/bin/{x['comm']}"},
          "leak": {"rule": k["rule"], "family": k["family"], "severity": k["severity"],
                   "redacted": k["redacted"], "fingerprint": k["fp"],
                   "path": None if x["unit"] else x["path"], "count": count, "first_seen": t, "last_seen": t,
                   "offset": rng.randrange(0, 1 << 26), "length": 40, "syscall": "write", "fd": 3}}
    if p:
        ev["container"] = {"id": p["cid"], "runtime": "containerd", "pod_uid": p["uid"], "pod_name": p["name"],
                           "pod_namespace": p["ns"], "container_name": p["container"], "image": p["image"]}
    leak = pbbatch.leak(ev.pop("leak"))
    if x["unit"]:
        # LeakEvent.source (20) journal and .journal (21), which pbbatch does not write
        leak += f_varint(20, 2) + f_msg(21, f_bytes(1, x["unit"]) + f_bytes(2, x["unit"].split(".")[0]))
    return pbbatch.event(ev) + f_msg(11, leak)


# --- everything ------------------------------------------------------------------------
def main():
    if len(sys.argv) not in (2, 5):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    n_hosts, n_listeners, n_leaks = (int(a) for a in sys.argv[2:5]) if len(sys.argv) == 5 else (10000, 50000, 5000)
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    if db.execute("PRAGMA user_version").fetchone()[0] < 8:
        sys.exit("uifill.py: the collector has not made its schema (version 8) in " + sys.argv[1])
    if db.execute("SELECT count(*) FROM agents").fetchone()[0]:
        sys.exit("uifill.py: the database is not empty")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")

    hosts = make_hosts(n_hosts)
    db.executemany("INSERT INTO agents (agent_id, hostname, machine_id, boot_id, agent_version, node_name,"
                   " first_seen_ns, health_ns, updated_ns, last_event_id, uptime_s, listeners_open,"
                   " bytes_scanned, events_listener, events_leak, export_batches, export_retries,"
                   " drops_total, programs, spool_bytes, spool_records, spool_oldest_age_s,"
                   " spool_dropped_full, spool_dropped_corrupt, spool_write_errors)"
                   " VALUES (" + ",".join("?" * 25) + ")", agent_rows(hosts))
    db.executemany("INSERT INTO agent_drops (agent_id, reason, count) VALUES (?, ?, ?)", drop_rows(hosts))

    pods_of, listeners = {}, []
    for i, (h, n) in enumerate(zip(hosts, spread(n_listeners, n_hosts))):
        pods_of[h["hostname"]] = make_pods(h, i) if h["k8s"] else []
        taken = set()
        listeners += [make_listener(h, taken, pods_of[h["hostname"]]) for _ in range(n)]
    db.executemany("INSERT INTO listeners (hostname, netns, protocol, address, port, state,"
                   " first_seen_ns, last_seen_ns, state_ns, updated_ns, last_event_id, machine_id,"
                   " severity, exposure, wildcard, expected, unexpected, source, reachable, reachable_total,"
                   " service, service_category, service_by, comm, pid, exe, uid, user,"
                   " container_id, container_runtime, pod_uid, pod_name, pod_namespace, container_name,"
                   " auth_state, auth_protocol, auth_evidence, auth_probed_ns, auth_tls, auth_client_cert,"
                   " netns_cookie, netns_name, host_verified, container_image)"
                   " VALUES (" + ",".join("?" * 44) + ")", map(listener_row, listeners))

    leaks, locations = make_leaks(n_leaks, hosts, pods_of)
    db.executemany("INSERT INTO leaks (fingerprint, rule, family, severity, redacted, first_seen_ns,"
                   " last_seen_ns, total_count, events, updated_ns, acked_ns, acked_by)"
                   " VALUES (" + ",".join("?" * 12) + ")", leak_rows(leaks))
    db.executemany("INSERT INTO leak_locations (fingerprint, hostname, path, first_seen_ns, last_seen_ns,"
                   " count, events, updated_ns, last_event_id, machine_id, device, inode, last_offset,"
                   " comm, pid, exe, container_id, pod_uid, pod_name, pod_namespace, container_name,"
                   " source, journal_unit, journal_identifier, journal_cursor, origin_comm, origin_pid,"
                   " writer_comm, host_verified, container_image, previous_path)"
                   " VALUES (" + ",".join("?" * 31) + ")", location_rows(locations))

    host_of = {h["hostname"]: h for h in hosts}
    seq = {}

    rowids = {}  # what each listener's and location's row keeps as its history
    next_rowid = [0]

    def ev_row(kind, t, h, severity, fp, body, owner=None):
        seq[h["hostname"]] = seq.get(h["hostname"], 0) + 1
        next_rowid[0] += 1
        if owner is not None:
            rowids.setdefault(owner, []).append(next_rowid[0])
        return (next_rowid[0], event_id(t), kind, t, t + rng.randrange(2, 400) * 1_000_000, h["hostname"],
                h["machine_id"], h["machine_id"], seq[h["hostname"]], severity, fp, body)

    def listener_key(l):
        return ("l", l["hostname"], l["netns"], l["protocol"], l["address"], l["port"])

    def events():
        for l in listeners:
            h = host_of[l["hostname"]]
            yield ev_row("listener", l["first"], h, l["severity"], None,
                         listener_body(l, h, 1, pbbatch.SOURCE[l["source"]], l["first"]), listener_key(l))
            if l["auth"]:
                yield ev_row("listener", l["auth_probed_ns"], h, l["severity"], None,
                             listener_body(l, h, 3, pbbatch.SOURCE["probe"], l["auth_probed_ns"]), listener_key(l))
            if l["state"] == "closed":
                yield ev_row("listener", l["last"], h, l["severity"], None,
                             listener_body(l, h, 2, pbbatch.SOURCE["kernel"], l["last"]), listener_key(l))
        for k in leaks:
            for x in k["locs"]:
                times = sorted([x["first"], x["last"]] + [rng.randrange(x["first"], x["last"] + 1)
                                                          for _ in range(x["events"] - 2)])[:x["events"]]
                for j, t in enumerate(times):
                    c = x["count"] - (x["events"] - 1) if j == 0 else 1
                    yield ev_row("leak", t, x["host"], k["severity"], k["fp"], leak_body(k, x, t, c),
                                 ("k", k["fp"], x["host"]["hostname"], x["path"]))
        for h in hosts:
            body = pbbatch.event({"id": event_id(h["health_ns"]).hex(), "time": h["health_ns"],
                                  "host": {"hostname": h["hostname"], "machine_id": h["machine_id"],
                                           "boot_id": h["boot_id"], "agent_version": "0.1.0"},
                                  "health": {"programs": ["lw_listen", "lw_close", "lw_write"],
                                             "uptime_seconds": 3600, "listeners_open": 5}})
            yield ev_row("health", h["health_ns"], h, 0, None, body)
    db.executemany("INSERT INTO events (rowid, id, kind, time_ns, received_ns, hostname, machine_id, agent_id,"
                   " batch_sequence, severity, fingerprint, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", events())

    # each row's history as the collector keeps it: its latest 16 event rowids, newest first
    def history(ids):
        return " ".join(f"{i:016x}" for i in sorted(ids, reverse=True)[:16])
    db.executemany("UPDATE listeners SET history = ? WHERE hostname = ? AND netns = ? AND protocol = ?"
                   " AND address = ? AND port = ?",
                   ((history(ids), *key[1:]) for key, ids in rowids.items() if key[0] == "l"))
    db.executemany("UPDATE leak_locations SET history = ? WHERE fingerprint = ? AND hostname = ? AND path = ?",
                   ((history(ids), *key[1:]) for key, ids in rowids.items() if key[0] == "k"))

    # the alerts of what pages: public listeners, severe unacknowledged leaks
    def alerts():
        for l in listeners:
            if l["severity"] < HIGH:
                continue
            p = l["pod"] or {}
            addr = str(ipaddress.ip_address(l["address"]))
            key = f"leakwatch/listener/{l['hostname']}/{l['netns']}/{l['protocol']}/{addr}/{l['port']}"
            firing = l["state"] == "open"
            yield (key, "listener", "firing" if firing else "resolved", l["severity"], "LeakwatchExposedListener",
                   l["hostname"], p.get("ns"), p.get("name"), l["service"], None, None, None,
                   f"severity={l['severity']}\nhost={l['hostname']}", "", f"{l['service'] or 'listener'} exposed",
                   "", 1, l["first"], l["last"], None if firing else l["last"], l["last"])
        for k in leaks:
            if k["severity"] < HIGH:
                continue
            yield (f"leakwatch/leak/{k['fp']}", "leak", "resolved" if k["acked_ns"] else "firing", k["severity"],
                   "LeakwatchCredentialLeak", k["locs"][0]["host"]["hostname"], None, None, None, k["rule"],
                   k["fp"], None, f"rule={k['rule']}", "", f"{k['rule']} leaked", "", k["events"], k["first"],
                   k["last"], k["acked_ns"], k["acked_ns"] or k["last"])
    db.executemany("INSERT INTO alerts (key, kind, status, severity, alertname, hostname, namespace, pod,"
                   " service, rule, fingerprint, agent_id, labels, details, summary, description, count,"
                   " starts_ns, last_ns, ends_ns, updated_ns) VALUES (" + ",".join("?" * 21) + ")", alerts())
    db.execute("COMMIT")
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("agents", "listeners", "leaks", "leak_locations", "events", "alerts")}
    print("  filled: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


if __name__ == "__main__":
    main()
