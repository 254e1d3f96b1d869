#!/usr/bin/env python3
"""A loopback HTTP receiver standing in for alert sinks (PagerDuty, Slack,
webhooks) that cannot be reached from a test machine.

usage: sinkrecv.py PORT LOGFILE

Each POST is recorded as one JSON line {path, status, headers, body} and
answered 202, or with the next status queued for its path by
POST /_script/<path> [codes...] (scripting requests are not recorded).
Status 0 holds the request unanswered for a minute: a sink that took it and
hangs, as one does when its sender dies mid-request."""
import http.server
import json
import sys
import threading

port, log = int(sys.argv[1]), sys.argv[2]
scripts, lock = {}, threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            if self.path.startswith("/_script/"):
                scripts["/" + self.path[len("/_script/"):]] = json.loads(body)
                code = 200
            else:
                queue = scripts.get(self.path, [])
                code = queue.pop(0) if queue else 202
                with open(log, "a") as f:
                    f.write(json.dumps({"path": self.path, "status": code,
                                        "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": body.decode("utf-8", "replace")}) + "\n")
        if code == 0:
            threading.Event().wait(60)
            self.close_connection = True
            return
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
