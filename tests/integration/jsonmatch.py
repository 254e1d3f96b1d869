#!/usr/bin/env python3
"""Wait for JSON lines in a file that match every condition.

  jsonmatch.py FILE [--timeout S] [--count N | --absent] COND...

COND is PATH=VALUE (exact), PATH~TEXT (substring) or PATH!=VALUE, where PATH is
dotted (process.comm, reachable.0.class; reachable.*.class for any item) and
VALUE is compared with the JSON text of the field without quotes (true, null,
6379, tcp).

Prints the first matching line and exits 0 when the matches reach --count
(default 1) in time; with --absent, exits 0 only if nothing matched for the
whole timeout. On failure it prints how many lines it read, never their
contents, so a test cannot echo a captured secret.
"""
import argparse, json, sys, time


def fields(obj, parts):
    """Every value at the dotted path; "*" stands for each item of a list."""
    if not parts:
        return [obj]
    part, rest = parts[0], parts[1:]
    if part == "*" and isinstance(obj, list):
        return [v for item in obj for v in fields(item, rest)]
    if isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
        return fields(obj[int(part)], rest)
    if isinstance(obj, dict) and part in obj:
        return fields(obj[part], rest)
    return []


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def matches(obj, conds):
    for c in conds:
        for op in ("!=", "=", "~"):
            if op in c:
                path, want = c.split(op, 1)
                break
        else:
            raise SystemExit(f"jsonmatch: bad condition {c!r}")
        got = [text(v) for v in fields(obj, path.split("."))]
        if not got:
            return False  # a missing field matches no condition
        if op == "=" and want not in got:
            return False
        if op == "!=" and want in got:
            return False
        if op == "~" and not any(want in g for g in got):
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--absent", action="store_true")
    ap.add_argument("conds", nargs="+")
    a = ap.parse_args()
    deadline = time.monotonic() + a.timeout
    first = None
    while True:
        found, lines = 0, 0
        try:
            with open(a.file, errors="replace") as f:
                for row in f:
                    row = row.strip()
                    if not row.startswith("{"):
                        continue
                    lines += 1
                    try:
                        obj = json.loads(row)
                    except ValueError:
                        continue
                    if matches(obj, a.conds):
                        found += 1
                        first = first or row
        except FileNotFoundError:
            pass
        if a.absent and found:
            print(f"jsonmatch: {found} unexpected match(es) among {lines} lines", file=sys.stderr)
            return 1
        if not a.absent and found >= a.count:
            if found > a.count and a.count > 1:
                print(f"jsonmatch: {found} matches, wanted {a.count}", file=sys.stderr)
                return 1
            print(first)
            return 0
        if time.monotonic() >= deadline:
            if a.absent:
                return 0
            print(f"jsonmatch: {found}/{a.count} matches among {lines} lines in {a.file}"
                  f" for {' '.join(a.conds)}", file=sys.stderr)
            return 1
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
