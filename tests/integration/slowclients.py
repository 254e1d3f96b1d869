#!/usr/bin/env python3
"""Slow clients against a collector, with a good client beside them.

  slowclients.py HOST PORT TOKEN_FILE --addrs N --per-addr K --seconds S [--mode headers|body]

Opens N*K connections from the loopback addresses 127.0.1.1 .. 127.0.1.N,
each sending its request one byte a second (mode headers: the headers
never end; mode body: complete headers with a large Content-Length, then
one body byte a second). Meanwhile a good client on 127.0.2.1 POSTs a batch
of one health event every 200 ms, and GET /healthz on 127.0.3.1 every
500 ms. Loopback only, bounded in time and connections.

Prints one JSON object: the good client's latencies (p50, p99, max, in
seconds), batches sent and accepted, events sent, healthz answers and
failures, and how many slow connections the collector closed, and when.
"""
import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbbatch  # noqa: E402


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def good_client(host, port, token, stop, out):
    lat, accepted, sent, events, failures = [], 0, 0, 0, []
    seq = 0
    while not stop.is_set():
        seq += 1
        spec = {"agent_id": "good-client", "sequence": seq,
                "events": [{"host": {"hostname": "good-1"},
                            "health": {"uptime_seconds": seq}}]}
        body = pbbatch.gzip.compress(pbbatch.encode_batch(spec))
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, port, timeout=10, source_address=("127.0.2.1", 0))
            c.request("POST", "/v1/events", body, {"Authorization": "Bearer " + token,
                                                    "Content-Type": "application/x-protobuf",
                                                    "Content-Encoding": "gzip"})
            r = c.getresponse()
            r.read()
            c.close()
            sent += 1
            events += 1
            if r.status == 200:
                accepted += 1
            else:
                failures.append(r.status)
        except OSError as e:
            sent += 1
            events += 1
            failures.append(type(e).__name__)
        lat.append(time.monotonic() - t0)
        stop.wait(0.2)
    out.update(latency_p50=percentile(lat, 50), latency_p99=percentile(lat, 99),
               latency_max=max(lat) if lat else None, batches=sent, accepted=accepted,
               events=events, failures=failures[:10], failed=len(failures))


def healthz(host, port, stop, out):
    ok, failed, lat = 0, 0, []
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, port, timeout=5, source_address=("127.0.3.1", 0))
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            c.close()
            ok += r.status == 200
            failed += r.status != 200
        except OSError:
            failed += 1
        lat.append(time.monotonic() - t0)
        stop.wait(0.5)
    out.update(healthz_ok=ok, healthz_failed=failed, healthz_p99=percentile(lat, 99))


def slow(host, port, token, n_addrs, per_addr, seconds, mode, out):
    if mode == "headers":
        payload = b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + \
            b"\r\nX-Padding: " + b"a" * 4096
        first = b""
    else:
        first = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() +
                 b"\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000000\r\n\r\n")
        payload = b"\0" * 4096
    socks, opened_at, closed_after = [], {}, []
    for a in range(1, n_addrs + 1):
        for _ in range(per_addr):
            s = socket.socket()
            s.bind(("127.0.1.%d" % a, 0))
            s.settimeout(2)
            try:
                s.connect((host, port))
                if first:
                    s.sendall(first)
            except OSError:
                s.close()
                continue
            s.setblocking(False)
            socks.append(s)
            opened_at[s] = time.monotonic()
    out["slow_opened"] = len(socks)
    live = list(socks)
    t_end = time.monotonic() + seconds
    i = 0
    while live and time.monotonic() < t_end:
        for s in list(live):
            try:
                s.send(payload[i % len(payload):i % len(payload) + 1])
                # the collector closing shows as EOF or an error on read
                try:
                    if s.recv(4096) == b"":
                        raise ConnectionResetError()
                except BlockingIOError:
                    pass
            except OSError:
                closed_after.append(time.monotonic() - opened_at[s])
                live.remove(s)
                s.close()
        i += 1
        time.sleep(1)
    out["slow_closed_by_server"] = len(closed_after)
    out["slow_closed_after_max"] = max(closed_after) if closed_after else None
    out["slow_still_open"] = len(live)
    for s in live:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("token_file")
    ap.add_argument("--addrs", type=int, default=200)
    ap.add_argument("--per-addr", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--mode", choices=("headers", "body"), default="headers")
    a = ap.parse_args()
    token = open(a.token_file).read().strip()
    out, stop = {}, threading.Event()
    attack = threading.Thread(target=slow, args=(a.host, a.port, token, a.addrs, a.per_addr, a.seconds,
                                                 a.mode, out))
    attack.start()
    time.sleep(1)  # the slow connections are open before the good client starts
    good = threading.Thread(target=good_client, args=(a.host, a.port, token, stop, out))
    health = threading.Thread(target=healthz, args=(a.host, a.port, stop, out))
    good.start()
    health.start()
    attack.join()
    stop.set()
    good.join()
    health.join()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
