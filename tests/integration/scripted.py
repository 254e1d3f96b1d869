#!/usr/bin/env python3
"""Scripted servers for the services Debian does not ship: each replays the
wire exchange of a named release, as its documentation and its own replies
show it, open (no credentials needed) or closed (credentials or a client
certificate required).

    scripted.py open|closed CERT KEY CA LOG

listens on 0.0.0.0 on each service's well-known port, in whatever network
namespace it runs, and appends one line per connection to LOG:
"PORT REQUEST-LINE". Replays:

  27017 MongoDB 7.0.x      OP_MSG hello; listDatabases -> ok 1 / code 13 Unauthorized
  9200  Elasticsearch      7.17 with security off (open); 8.13 defaults (closed):
                           HTTPS only, plain requests closed, 401 Basic realm="security"
  10250 kubelet 1.29       HTTPS; GET /pods -> PodList (anonymous AlwaysAllow) / 401
  2375  Docker Engine 24.0 GET /version (open); --tlsverify (closed): a client
                           certificate required in the TLS handshake
  11434 Ollama 0.1.32      GET /api/tags (open); behind a proxy answering 401 (closed)
  6333  Qdrant 1.9         GET /collections; 401 "Must provide an API key..." with api-key
  8888  Jupyter Server 2.x GET /api/kernels; 403 {"message": "Forbidden"} with a token
  5984  CouchDB 3.3.3      GET /_all_dbs: admin party (open) / 401 unauthorized
"""
import json
import socket
import ssl
import struct
import sys
import threading

MODE, CERT, KEY, CA, LOG = sys.argv[1:6]
OPEN = MODE == "open"
lock = threading.Lock()


def log(port, line):
    with lock, open(LOG, "a") as f:
        f.write(f"{port} {line}\n")


def http(status, body, headers=(), ctype="application/json"):
    reason = {200: "OK", 401: "Unauthorized", 403: "Forbidden"}[status]
    if not isinstance(body, bytes):
        body = body.encode()
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
    head += list(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(rest) < length:
        rest += c.recv(4096)
    return head.split(b"\r\n")[0].decode(), rest


# --- HTTP services: request line -> reply, open and closed ---------------

def elasticsearch(req):
    if not OPEN:
        return http(401, json.dumps({"error": {"root_cause": [{"type": "security_exception",
                    "reason": "missing authentication credentials for REST request [/]"}],
                    "type": "security_exception", "reason": "missing authentication credentials"
                    " for REST request [/]", "header": {"WWW-Authenticate": ["Basic realm=\"security\""
                    " charset=\"UTF-8\"", "ApiKey"]}}, "status": 401}),
                    ["WWW-Authenticate: Basic realm=\"security\" charset=\"UTF-8\"", "X-elastic-product: Elasticsearch"])
    if req.startswith("GET / "):
        return http(200, json.dumps({"name": "es-1", "cluster_name": "docker-cluster",
                    "cluster_uuid": "x6M8kH0GQ5yq9QmJ0ZrFxA", "version": {"number": "7.17.21",
                    "build_flavor": "default", "build_type": "docker", "lucene_version": "8.11.3",
                    "minimum_wire_compatibility_version": "6.8.0",
                    "minimum_index_compatibility_version": "6.0.0-beta1"},
                    "tagline": "You Know, for Search"}), ["X-elastic-product: Elasticsearch"])
    return http(200, "chat-logs\ncustomers\n", ["X-elastic-product: Elasticsearch"], "text/plain; charset=UTF-8")


def kubelet(req):
    if OPEN:
        return http(200, json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}))
    return http(401, "Unauthorized", [], "text/plain; charset=utf-8")


def docker(req):
    return http(200, json.dumps({"Platform": {"Name": "Docker Engine - Community"}, "Version": "24.0.7",
                "ApiVersion": "1.43", "MinAPIVersion": "1.12", "GitCommit": "311b9ff", "GoVersion": "go1.20.10",
                "Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0-18-amd64"}),
                ["Api-Version: 1.43", "Docker-Experimental: false", "Ostype: linux",
                 "Server: Docker/24.0.7 (linux)"])


def ollama(req):
    if OPEN:
        return http(200, json.dumps({"models": [{"name": "llama3:latest", "model": "llama3:latest",
                    "modified_at": "2024-05-01T10:00:00Z", "size": 4661224676, "digest": "365c0bd3c000",
                    "details": {"format": "gguf", "family": "llama", "parameter_size": "8.0B",
                    "quantization_level": "Q4_0"}}]}), [], "application/json; charset=utf-8")
    return http(401, "<html><head><title>401 Authorization Required</title></head></html>",
                ["WWW-Authenticate: Basic realm=\"ollama\"", "Server: nginx/1.24.0"], "text/html")


def qdrant(req):
    if OPEN:
        return http(200, json.dumps({"result": {"collections": [{"name": "docs"}, {"name": "chats"}]},
                    "status": "ok", "time": 1.2e-05}))
    return http(401, "Must provide an API key or an Authorization bearer token", [], "text/plain")


def jupyter(req):
    if OPEN:
        return http(200, "[]", ["Server: TornadoServer/6.4"])
    return http(403, json.dumps({"message": "Forbidden", "reason": None}), ["Server: TornadoServer/6.4"])


def couchdb(req):
    server = ["Server: CouchDB/3.3.3 (Erlang OTP/24)", "X-Couch-Request-ID: 5c1d3f8e2a"]
    if OPEN:
        return http(200, json.dumps(["_replicator", "_users", "orders"]) + "\n", server)
    return http(401, json.dumps({"error": "unauthorized", "reason": "You are not a server admin."}) + "\n", server)


def serve_http(c, port, fn):
    req, _ = read_request(c)
    if req is None:
        return
    log(port, req)
    c.sendall(fn(req))


# --- MongoDB: OP_MSG ------------------------------------------------------

def bson(doc):
    out = b""
    for k, v in doc.items():
        name = k.encode() + b"\0"
        if isinstance(v, bool):
            out += b"\x08" + name + (b"\1" if v else b"\0")
        elif isinstance(v, int):
            out += b"\x10" + name + struct.pack("<i", v)
        elif isinstance(v, float):
            out += b"\x01" + name + struct.pack("<d", v)
        elif isinstance(v, str):
            s = v.encode() + b"\0"
            out += b"\x02" + name + struct.pack("<i", len(s)) + s
        elif isinstance(v, dict):
            out += b"\x03" + name + bson(v)
        elif isinstance(v, list):
            out += b"\x04" + name + bson({str(i): x for i, x in enumerate(v)})
    return struct.pack("<i", len(out) + 5) + out + b"\0"


def mongodb(c, port):
    rid = 100
    while True:
        head = c.recv(16, socket.MSG_WAITALL)
        if len(head) < 16:
            return
        length, req_id, _, opcode = struct.unpack("<iiii", head)
        body = c.recv(length - 16, socket.MSG_WAITALL)
        cmd = body[10:body.index(b"\0", 10)].decode()  # flags, kind, length, type, name
        log(port, f"OP_MSG {cmd}")
        if cmd == "hello":
            reply = {"isWritablePrimary": True, "topologyVersion": {"processId": "665f0a1b", "counter": 0},
                     "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000,
                     "maxWriteBatchSize": 100000, "logicalSessionTimeoutMinutes": 30,
                     "connectionId": 7, "minWireVersion": 0, "maxWireVersion": 21,
                     "readOnly": False, "ok": 1.0}
        elif OPEN:
            reply = {"databases": [{"name": "admin"}, {"name": "config"}, {"name": "local"},
                     {"name": "app"}], "ok": 1.0}
        else:
            reply = {"ok": 0.0, "errmsg": "Command listDatabases requires authentication",
                     "code": 13, "codeName": "Unauthorized"}
        doc = bson(reply)
        rid += 1
        msg = struct.pack("<iiii", 16 + 5 + len(doc), rid, req_id, 2013) + b"\0\0\0\0\0" + doc
        c.sendall(msg)


# --- listeners ------------------------------------------------------------

def tls_context(require_cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    if require_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(CA)
    return ctx


def handle(c, port, kind, fn, ctx):
    try:
        if ctx:
            c.settimeout(5)
            try:
                c = ctx.wrap_socket(c, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log(port, f"TLS refused: {type(e).__name__}")
                return
        if kind == "mongo":
            mongodb(c, port)
        else:
            serve_http(c, port, fn)
    except OSError:
        pass
    finally:
        c.close()


def listen(port, kind, fn=None, ctx=None):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handle, args=(c, port, kind, fn, ctx), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


listen(27017, "mongo")
listen(9200, "http", elasticsearch, None if OPEN else tls_context(False))
listen(10250, "http", kubelet, tls_context(False))
listen(2375, "http", docker, None if OPEN else tls_context(True))
listen(11434, "http", ollama)
listen(6333, "http", qdrant)
listen(8888, "http", jupyter)
listen(5984, "http", couchdb)
threading.Event().wait()
