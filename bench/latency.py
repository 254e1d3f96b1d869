#!/usr/bin/env python3
"""End-to-end latency: from a listen() or a leaking write() to its row in the
collector's SQLite, read from the row's received time (same host clock).

  latency.py DB LOGDIR SAMPLES   (the agent and collector already running)

Prints p50 and p99 per kind. The leaked tokens are made up for the run and
never printed.
"""
import os, secrets, socket, sqlite3, sys, time, zlib

db_path, logdir, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_token():
    body = "".join(secrets.choice(A) for _ in range(30))
    n, c = zlib.crc32(body.encode()), ""
    while n:
        c, n = A[n % 62] + c, n // 62
    return "ghp_" + body + c.rjust(6, "0")


def wait_row(db, sql, args, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            row = db.execute(sql, args).fetchone()
        except sqlite3.OperationalError:
            row = None
        if row and row[0]:
            return row[0]
        time.sleep(0.002)
    return None


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
lat = {"listen": [], "leak": []}
# Findings on a host are sparse: samples are spaced past the agent's flush
# interval (1 s), as a lone finding would be, not fired back to back.
SPACING = 1.2
for i in range(samples):
    time.sleep(SPACING)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    t0 = time.time_ns()
    s.listen()
    got = wait_row(db, "SELECT updated_ns FROM listeners WHERE port = ? AND state = 'open'"
                   " ORDER BY updated_ns DESC LIMIT 1", (port,))
    s.close()
    if got:
        lat["listen"].append((got - t0) / 1e6)

    time.sleep(SPACING)
    path = os.path.join(logdir, f"lat-{os.getpid()}-{i}.log")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    line = f"INFO auth ok token={github_token()}\n".encode()
    t0 = time.time_ns()
    os.write(fd, line)
    got = wait_row(db, "SELECT updated_ns FROM leak_locations WHERE path = ?", (path,))
    os.close(fd)
    if got:
        lat["leak"].append((got - t0) / 1e6)

for kind, v in lat.items():
    if v:
        print(f"  {kind:7s} n={len(v):3d}  p50 {pct(v, 50):7.1f} ms   p99 {pct(v, 99):7.1f} ms"
              f"   (missed {samples - len(v)})")
    else:
        print(f"  {kind:7s} no samples arrived")
