#!/usr/bin/env python3
"""Agents of a fleet, standing in, for the tests of several collectors.

  fleetclient.py --urls URL[,URL...] --token FILE [--clients 4] [--events 100000]
                 [--dups 0.1] [--batch 250] [--seed S] [--agent NAME] [--deadline 180]

Each client (a thread, as an agent of its own) sends its share of the events
in batches, each batch to the next collector in turn, as a Service spreads
agents' connections. A batch a collector refuses (5xx, 429) or that finds it
gone goes to the next one, until the deadline: an agent keeps its spool. A
share of the events is sent a second time (--dups), in a later batch, as an
agent does when an acknowledgement is lost.

The events are the same for the same seed: listener opens and closes on a few
hosts, and leak sightings of a few fingerprints in a few files, so that the
state two collectors compute can be compared with what one computes.
Prints one JSON line: events sent, acknowledged as new and as duplicates,
batches retried, the events of those an earlier try may have stored, and
batches per collector."""
import argparse
import gzip
import hashlib
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pbbatch  # noqa: E402

HOSTS = 12
PORTS = 40
FINGERPRINTS = 150
BASE_NS = 1_700_000_000_000_000_000


def make_event(seed, i):
    """The i-th event of the stream: its id and time follow from seed and i."""
    eid = hashlib.md5(f"{seed}/{i}".encode()).hexdigest()
    host = {"hostname": f"node-{i % HOSTS:02d}", "machine_id": f"m{i % HOSTS:02d}"}
    t = BASE_NS + i * 1000
    if i % 3 == 0:
        port = 5000 + (i // 3) % PORTS
        # each endpoint opens and closes in turns; the last word wins by time
        action = "open" if (i // (3 * PORTS * HOSTS)) % 2 == 0 else "close"
        return {"id": eid, "time": t, "host": host,
                "listener": {"action": action, "port": port, "address": "0.0.0.0", "wildcard": True,
                             "exposure": "public", "severity": "high",
                             "service": {"name": "redis", "category": "cache"}}}
    fp = hashlib.sha256(f"{seed}/fp{i % FINGERPRINTS}".encode()).hexdigest()[:32]
    return {"id": eid, "time": t, "host": host,
            "leak": {"rule": "github-pat", "family": "github", "severity": "critical",
                     "redacted": "ghp_...Zz9a", "fingerprint": fp, "path": f"/var/log/app{i % 5}.log",
                     "count": 1 + i % 3, "first_seen": t, "last_seen": t}}


def batches_of(seed, client, clients, events, dups, size):
    """This client's share, with the duplicates mixed into later batches."""
    rnd = random.Random(f"{seed}/{client}")
    mine = list(range(client, events, clients))
    stream, sent = [], []
    for i in mine:
        stream.append(i)
        sent.append(i)
        if rnd.random() < dups:
            stream.append(rnd.choice(sent))
    return [stream[k:k + size] for k in range(0, len(stream), size)]


def post(url, token, body, timeout):
    req = urllib.request.Request(url + "/v1/events", data=body, method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/x-protobuf",
        "Content-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def client_run(args, token, client, stats, lock):
    urls = args.urls.split(",")
    turn = client
    for seq, batch in enumerate(batches_of(args.seed, client, args.clients, args.events, args.dups,
                                           args.batch), 1):
        spec = {"agent_id": f"{args.agent}-{client}", "sequence": seq,
                "events": [make_event(args.seed, i) for i in batch]}
        body = gzip.compress(pbbatch.encode_batch(spec))
        maybe_stored = False
        while True:
            url = urls[turn % len(urls)]
            turn += 1
            try:
                status, raw = post(url, token, body, 30)
            except (urllib.error.URLError, OSError) as e:
                status, raw = getattr(e, "code", 0), b""
                # a connection that was never made stored nothing; one cut
                # off before the answer may have been stored
                why = getattr(e, "reason", e)
                maybe_stored |= status == 0 and not isinstance(why, ConnectionRefusedError)
            if status == 200:
                ack = ack_of(raw)
                with lock:
                    stats["sent"] += len(batch)
                    stats["accepted"] += ack.get("accepted", 0)
                    stats["duplicates"] += ack.get("duplicates", 0)
                    stats["rejected"] += ack.get("rejected", 0)
                    stats["by_url"][url] = stats["by_url"].get(url, 0) + 1
                    if maybe_stored:
                        # an earlier try may have been stored, its answer
                        # lost with a killed collector: then this one says
                        # "duplicate" for events that are new to the fleet
                        stats["retried_events"] += len(batch)
                break
            with lock:
                stats["retries"] += 1
                stats["refusals"][str(status)] = stats["refusals"].get(str(status), 0) + 1
            if time.monotonic() > args.deadline_at:
                with lock:
                    stats["lost_batches"] += 1
                break
            time.sleep(0.2)


def ack_of(raw):
    """BatchAck: 1 sequence, 2 accepted, 3 duplicates, 4 rejected."""
    f = pbbatch.decode_varints(raw)
    return {"accepted": f.get(2, 0), "duplicates": f.get(3, 0), "rejected": f.get(4, 0)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--urls", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--events", type=int, default=100000)
    p.add_argument("--dups", type=float, default=0.1)
    p.add_argument("--batch", type=int, default=250)
    p.add_argument("--seed", default="fleet")
    p.add_argument("--agent", default="fleet-agent", help="agent ids: AGENT-<client>")
    p.add_argument("--deadline", type=float, default=180)
    args = p.parse_args()
    args.deadline_at = time.monotonic() + args.deadline
    token = open(args.token).read().strip()
    stats = {"sent": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "retries": 0, "retried_events": 0,
             "lost_batches": 0, "by_url": {}, "refusals": {}}
    lock = threading.Lock()
    threads = [threading.Thread(target=client_run, args=(args, token, c, stats, lock))
               for c in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(stats, sort_keys=True))


if __name__ == "__main__":
    main()
