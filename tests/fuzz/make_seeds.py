#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_batch into tests/fuzz/corpus/batch/.

Seeds are EventBatch bodies built with tests/integration/pbbatch.py: each
event kind, plain and gzip, invalid events, unknown fields. Fixed ids and
times keep the files stable; rerun after changing the wire contract.
"""
import gzip
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import pbbatch  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "corpus", "batch")
T = 1794999000000000000  # shortly before the harness's fixed "now"
HOST = {"hostname": "db-1", "machine_id": "0f" * 16, "boot_id": "b0" * 16, "agent_version": "0.2.0"}
PROC = {"pid": 7012, "tid": 7012, "uid": 999, "user": "redis", "comm": "redis-server",
        "exe": "/usr/bin/redis-server", "cmdline": "redis-server 0.0.0.0:6379"}
CTR = {"id": "ab" * 32, "runtime": "containerd", "pod_uid": "1c9b2f55-7d0e-4f5e-9f0a-2b8f1d7e6a01",
       "cgroup": "/kubepods/pod1c9b/ab", "cgroup_id": 4242, "pod_name": "redis-0",
       "pod_namespace": "cache", "container_name": "redis"}


def ev(n, **kind):
    e = {"id": "%032x" % (0x018F0000000070008000000000000000 + n), "time": T + n, "host": HOST}
    e.update(kind)
    return e


LISTENER = {"action": "open", "source": "kernel", "protocol": "tcp", "address": "0.0.0.0", "port": 6379,
            "wildcard": True, "netns": 4026531840, "socket_inode": 12123, "exposure": "public",
            "reachable": [{"address": "203.0.113.5", "class": "public", "interface": "eth0"},
                          {"address": "127.0.0.1", "class": "loopback", "interface": "lo"}],
            "service": {"name": "redis", "category": "database"}, "severity": "high", "unexpected": True}
LEAK = {"rule": "github-pat", "family": "github-classic", "severity": "critical", "redacted": "ghp_...9xYz",
        "fingerprint": "0123456789abcdef0123456789abcdef", "path": "/var/log/app/app.log", "device": "259:1",
        "inode": 131, "offset": 4096, "length": 40, "last_offset": 8192, "count": 2, "total": 2,
        "first_seen": T, "last_seen": T + 5, "syscall": "write", "fd": 3}
HEALTH = {"drops": {"ringbuf_full": 3, "spool_full": 0}, "programs": ["listen", "write"],
          "listeners_open": 12, "bytes_scanned": 1 << 20, "events_listener": 40, "events_leak": 2,
          "spool": {"bytes": 4096, "records": 3}, "uptime_seconds": 3600, "export_batches": 9}

SEEDS = {
    "listener": {"events": [ev(1, process=PROC, container=CTR, listener=LISTENER)]},
    "listener_close_v6": {"events": [ev(2, process=PROC, listener=dict(LISTENER, action="close",
                                                                          address="::", v6only=True))]},
    "leak": {"events": [ev(3, process=PROC, container=CTR, leak=LEAK)]},
    "health": {"events": [ev(4, health=HEALTH)]},
    "mixed": {"agent_id": "agent-7", "sequence": 99,
              "events": [ev(5, process=PROC, listener=LISTENER), ev(6, process=PROC, leak=LEAK),
                         ev(7, health=HEALTH), ev(5, process=PROC, listener=LISTENER)]},
    "invalid_events": {"events": [dict(ev(8, listener=LISTENER), id="0102"),
                                  dict(ev(9, leak=dict(LEAK, fingerprint="zz"))),
                                  {"id": "%032x" % 10, "host": HOST}]},
    "empty": {},
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, spec in SEEDS.items():
        body = pbbatch.encode_batch(spec)
        with open(os.path.join(OUT, name + ".pb"), "wb") as f:
            f.write(body)
        with open(os.path.join(OUT, name + ".pb.gz"), "wb") as f:
            f.write(gzip.compress(body, mtime=0))
    # unknown top-level fields (9: varint, 10: fixed64, 11: bytes) around a listener
    body = bytes([0x48, 0x05, 0x51]) + bytes(8) + bytes([0x5A, 0x01, 0x00])
    with open(os.path.join(OUT, "unknown_fields.pb"), "wb") as f:
        f.write(body + pbbatch.encode_batch(SEEDS["listener"]))


if __name__ == "__main__":
    main()
