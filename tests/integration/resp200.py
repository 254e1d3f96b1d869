#!/usr/bin/env python3
"""200 RESP listeners, one on port 6379 of each of PREFIX.1 to PREFIX.200,
answering PING (after DELAY seconds), INFO and QUIT as Redis 7.0 does.

    resp200.py DUMP DELAY PREFIX

On SIGUSR1 it writes to DUMP the most PINGs it had waiting at once
("most-waiting N"), then one line per address with its connection count.
"""
import asyncio, collections, signal, sys

DUMP, DELAY, PREFIX = sys.argv[1], float(sys.argv[2]), sys.argv[3]
hits, waiting, most = collections.Counter(), [0], [0]


async def serve(ip):
    async def handle(r, w):
        hits[ip] += 1
        while True:
            line = await r.readline()
            if not line.startswith(b"*"):
                break
            args = []
            for _ in range(int(line[1:])):
                await r.readline()
                args.append((await r.readline()).strip().upper())
            if args[0] == b"PING":
                waiting[0] += 1
                most[0] = max(most[0], waiting[0])
                await asyncio.sleep(DELAY)
                waiting[0] -= 1
                w.write(b"+PONG\r\n")
            elif args[0] == b"INFO":
                body = b"# Server\r\nredis_version:7.0.15\r\n"
                w.write(b"$%d\r\n%s\r\n" % (len(body), body))
            elif args[0] == b"QUIT":
                w.write(b"+OK\r\n")
                await w.drain()
                break
            await w.drain()
        w.close()
    await asyncio.start_server(handle, ip, 6379)


def dump():
    with open(DUMP, "w") as f:
        f.write(f"most-waiting {most[0]}\n")
        for ip, n in sorted(hits.items()):
            f.write(f"{ip} {n}\n")


async def main():
    await asyncio.gather(*(serve(f"{PREFIX}.{i}") for i in range(1, 201)))
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
    await asyncio.sleep(3600)

asyncio.run(main())
