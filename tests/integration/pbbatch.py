#!/usr/bin/env python3
"""Builds leakwatch.v1.EventBatch bodies for tests, and reads BatchAcks.

Python here has no protobuf package, so this writes the wire format by hand
from the field numbers in include/leakwatch/v1/leakwatch.proto. The collector
decoding what this writes (and storing the right columns) is itself a check
that the two agree.

  pbbatch.py batch SPEC.json [--gzip] > body     SPEC: see encode_batch()
  pbbatch.py ack < body                           BatchAck as JSON
"""
import gzip
import ipaddress
import json
import os
import sys
import time

SEVERITY = {"unspecified": 0, "info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
CLASS = {"unspecified": 0, "loopback": 1, "link-local": 2, "private": 3, "public": 4}
PROTOCOL = {"unspecified": 0, "tcp": 1, "udp": 2}
ACTION = {"unspecified": 0, "open": 1, "close": 2}
SOURCE = {"unspecified": 0, "kernel": 1, "inventory": 2, "reload": 3, "restart": 4, "probe": 5, "address": 6, "nat": 7}
IDENTIFIED_BY = {"unspecified": 0, "process": 1, "port": 2}


def varint(n):
    n &= (1 << 64) - 1  # negative int64 as its two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, v):
    return key(field, 0) + varint(int(v)) if v else b""


def f_bytes(field, b):
    if b is None:
        return b""
    if isinstance(b, str):
        b = b.encode()
    return key(field, 2) + varint(len(b)) + b


def f_msg(field, body):
    return b"" if body is None else key(field, 2) + varint(len(body)) + body


def enum(table, v):
    return table[v] if isinstance(v, str) else int(v or 0)


def ip(s):
    return ipaddress.ip_address(s).packed


def host(h):
    return b"".join([f_bytes(1, h.get("hostname")), f_bytes(2, h.get("machine_id")),
                     f_bytes(3, h.get("boot_id")), f_bytes(4, h.get("agent_version")),
                     f_bytes(5, h.get("node_name"))])


def process(p):
    return b"".join([f_varint(1, p.get("pid", 0)), f_varint(2, p.get("tid", 0)),
                     f_varint(3, p.get("uid", 0)), f_bytes(4, p.get("user")),
                     f_bytes(5, p.get("comm")), f_bytes(6, p.get("exe")),
                     f_bytes(7, p.get("cmdline"))])


def container(c):
    return b"".join([f_bytes(1, c.get("id")), f_bytes(2, c.get("runtime")),
                     f_bytes(3, c.get("pod_uid")), f_bytes(4, c.get("cgroup")),
                     f_varint(5, c.get("cgroup_id", 0)), f_bytes(6, c.get("pod_name")),
                     f_bytes(7, c.get("pod_namespace")), f_bytes(8, c.get("container_name")),
                     f_bytes(9, c.get("image"))])


def listener(l):
    out = [f_varint(1, enum(ACTION, l.get("action", "open"))),
           f_varint(2, enum(SOURCE, l.get("source", "kernel"))),
           f_varint(3, enum(PROTOCOL, l.get("protocol", "tcp"))),
           f_bytes(4, bytes.fromhex(l["address_hex"]) if "address_hex" in l
                   else ip(l.get("address", "0.0.0.0"))),
           f_varint(5, l.get("port", 0)), f_varint(6, l.get("v6only", False)),
           f_varint(7, l.get("wildcard", False)), f_varint(8, l.get("netns", 0)),
           f_varint(9, l.get("socket_inode", 0)),
           f_varint(10, enum(CLASS, l.get("exposure", "loopback")))]
    for r in l.get("reachable", []):
        out.append(f_msg(11, b"".join([f_bytes(1, ip(r["address"])),
                                       f_varint(2, enum(CLASS, r.get("class", "public"))),
                                       f_bytes(3, r.get("interface"))])))
    out.append(f_varint(12, l.get("reachable_total", len(l.get("reachable", [])))))
    out.append(f_varint(13, l.get("interfaces_known", True)))
    svc = l.get("service")
    if svc:
        out.append(f_msg(14, b"".join([f_bytes(1, svc.get("name")), f_bytes(2, svc.get("category")),
                                       f_varint(3, enum(IDENTIFIED_BY, svc.get("identified_by", "process")))])))
    out += [f_varint(15, enum(SEVERITY, l.get("severity", "info"))),
            f_varint(16, l.get("expected", False)), f_varint(17, l.get("unexpected", False))]
    return b"".join(out)


def leak(l):
    return b"".join([f_bytes(1, l.get("rule")), f_bytes(2, l.get("family")),
                     f_varint(3, enum(SEVERITY, l.get("severity", "high"))),
                     f_bytes(4, l.get("redacted")), f_bytes(5, l.get("fingerprint")),
                     f_bytes(6, l.get("path")), f_bytes(7, l.get("device")),
                     f_varint(8, l.get("inode", 0)), f_varint(9, l.get("offset", 0)),
                     f_varint(10, l.get("length", 0)), f_varint(11, l.get("last_offset", 0)),
                     f_varint(12, l.get("count", 1)), f_varint(13, l.get("total", 0)),
                     f_varint(14, l.get("repeat", False)),
                     f_varint(15, l.get("first_seen", 0)), f_varint(16, l.get("last_seen", 0)),
                     f_bytes(17, l.get("syscall")), f_varint(18, l.get("fd", 0))])


def health(h):
    out = []
    for k, v in h.get("drops", {}).items():
        out.append(f_msg(1, f_bytes(1, k) + f_varint(2, v)))
    for p in h.get("programs", []):
        out.append(f_bytes(2, p))
    out += [f_varint(3, h.get("listeners_open", 0)), f_varint(4, h.get("bytes_scanned", 0)),
            f_varint(5, h.get("events_listener", 0)), f_varint(6, h.get("events_leak", 0))]
    sp = h.get("spool")
    if sp is not None:
        out.append(f_msg(7, b"".join([f_varint(1, sp.get("bytes", 0)), f_varint(2, sp.get("records", 0)),
                                      f_varint(3, sp.get("oldest_age_seconds", 0)),
                                      f_varint(4, sp.get("dropped_full", 0)),
                                      f_varint(5, sp.get("dropped_corrupt", 0)),
                                      f_varint(6, sp.get("write_errors", 0))])))
    out += [f_varint(8, h.get("uptime_seconds", 0)), f_varint(9, h.get("export_batches", 0)),
            f_varint(10, h.get("export_retries", 0))]
    return b"".join(out)


def uuid7():
    ms = int(time.time() * 1000)
    b = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


def event(e):
    """{"id": hex or omitted (random), "time": ns (default now), "host": {...},
    "process": {...}, "container": {...}, and one of "listener", "leak",
    "health" (or "raw": hex of a whole Event)}"""
    if "raw" in e:
        return bytes.fromhex(e["raw"])
    eid = bytes.fromhex(e["id"]) if "id" in e else uuid7()
    t = e.get("time", time.time_ns())
    out = [f_bytes(1, eid), key(2, 0) + varint(t) if t else b"",
           f_msg(3, host(e["host"])) if "host" in e else b""]
    if "process" in e:
        out.append(f_msg(4, process(e["process"])))
    if "container" in e:
        out.append(f_msg(5, container(e["container"])))
    if "listener" in e:
        out.append(f_msg(10, listener(e["listener"])))
    if "leak" in e:
        out.append(f_msg(11, leak(e["leak"])))
    if "health" in e:
        out.append(f_msg(12, health(e["health"])))
    return b"".join(out)


def encode_batch(spec):
    """{"agent_id": str, "sequence": int, "events": [event, ...]}"""
    out = [f_bytes(1, spec.get("agent_id", "test-agent")), f_varint(2, spec.get("sequence", 1))]
    for e in spec.get("events", []):
        out.append(f_msg(3, event(e)))
    return b"".join(out)


def decode_varints(data):
    """Top-level varint fields of a message, e.g. a BatchAck."""
    fields, i = {}, 0
    while i < len(data):
        tag, i = read_varint(data, i)
        if tag & 7 != 0:
            raise ValueError("unexpected wire type")
        v, i = read_varint(data, i)
        fields[tag >> 3] = v
    return fields


def read_varint(data, i):
    v, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "batch":
        with open(sys.argv[2]) as f:
            body = encode_batch(json.load(f))
        if "--gzip" in sys.argv:
            body = gzip.compress(body)
        sys.stdout.buffer.write(body)
    elif len(sys.argv) == 2 and sys.argv[1] == "ack":
        f = decode_varints(sys.stdin.buffer.read())
        print(json.dumps({"sequence": f.get(1, 0), "accepted": f.get(2, 0),
                          "duplicates": f.get(3, 0), "rejected": f.get(4, 0)}))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
