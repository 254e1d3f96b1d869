#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a labelled corpus of log text: DIR/corpus.log and DIR/labels.tsv.

  gen.py DIR [--seed N] [--lines N]

labels.tsv is the format ../shared/corpus/score.py reads: a header, then one
row per secret: 1-based line, 0-based byte column, family, the secret. A
private key is labelled on its BEGIN line. Secrets are random, built from
the vendors' formats (formats.py), and planted in the ways programs print
them: log lines, env dumps, JSON, Python/Go/Java values, command lines as
shells and CI echo them, configuration dumps (Kubernetes Secrets, nuget,
.npmrc, Docker config, YAML/TOML/INI). Look-alikes and placeholders are
planted too, unlabelled: reporting one is a false positive.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import formats as F  # noqa: E402
from formats import R, rnd, b64, B62, B64, B64URL, HEX, UPPER, LOWER, DIGITS  # noqa: E402

SERVICES = ["api", "billing", "worker", "auth", "ingest", "chat", "gateway", "scheduler"]
LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]


class Corpus:
    def __init__(self):
        self.lines, self.labels = [], []

    def prefix(self):
        return f"2026-11-{R.randint(1, 30):02d}T{R.randint(0, 23):02d}:{R.randint(0, 59):02d}:" \
               f"{R.randint(0, 59):02d}.{R.randint(0, 999):03d}Z {R.choice(LEVELS)} [{R.choice(SERVICES)}] "

    def add(self, text, secrets=()):
        """One line; secrets: (family, secret) that occur in text, each labelled at its first place."""
        line = len(self.lines) + 1
        for fam, sec in secrets:
            col = text.encode().find(sec.encode())
            assert col >= 0, (fam, text)
            self.labels.append((line, col, fam, sec))
        self.lines.append(text)

    def log(self, text, secrets=()):
        self.add(self.prefix() + text, secrets)

    def block(self, lines, secrets_by_line=None):
        for i, text in enumerate(lines):
            self.add(text, (secrets_by_line or {}).get(i, ()))


# ---- noise: what logs are mostly made of ----

def noise(c):
    kind = R.randrange(12)
    if kind == 0:
        c.add(f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)} - - [29/Nov/2026:10:{R.randint(10, 59)}:01 +0000] "
              f"\"GET /api/v1/items/{R.randint(1, 99999)}?page={R.randint(1, 9)}&sort=asc HTTP/1.1\" 200 {R.randint(100, 9999)} "
              f"\"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"")
    elif kind == 1:
        c.log(f"request_id={F.uuid()} user_id={R.randint(1, 10**6)} latency_ms={R.randint(1, 900)} status=200")
    elif kind == 2:
        c.log(f"commit {rnd(HEX, 40)} deployed to prod; image sha256:{rnd(HEX, 64)}")
    elif kind == 3:
        c.add(f"{{\"ts\":\"2026-11-29T10:00:0{R.randint(0, 9)}Z\",\"level\":\"info\",\"msg\":\"cache refreshed\","
              f"\"keys\":{R.randint(1, 5000)},\"etag\":\"W/\\\"{rnd(HEX, 16)}\\\"\",\"trace_id\":\"{rnd(HEX, 32)}\"}}")
    elif kind == 4:
        c.log(f"  File \"/app/{R.choice(SERVICES)}/handlers.py\", line {R.randint(10, 900)}, in handle")
    elif kind == 5:
        c.log(f"uploaded thumbnail data:image/png;base64,{rnd(B64, 120)}")
    elif kind == 6:
        c.log(f"token usage prompt_tokens={R.randint(10, 4000)} completion_tokens={R.randint(1, 900)} max_tokens=4096")
    elif kind == 7:
        c.log(f"Downloaded io.jsonwebtoken:jjwt-jackson:0.11.{R.randint(0, 9)} and spring-boot-3.{R.randint(0, 4)}.1")
    elif kind == 8:
        c.log(f"session {rnd(B62, 24)} refreshed for tenant {F.uuid()}")
    elif kind == 9:
        c.log(f"Normal Pulled pod/web-{rnd(LOWER + DIGITS, 10)}-{rnd(LOWER + DIGITS, 5)} Successfully pulled image in {R.randint(1, 9)}.2s")
    elif kind == 10:
        c.log(f"GET https://maps.example.com/tiles/{R.randint(1, 18)}/{R.randint(1, 9999)}.png?v={R.randint(1, 9)} 304")
    else:
        c.log(f"processed batch of {R.randint(1, 5000)} messages in {R.random():.3f}s")


# ---- secrets with a vendor prefix, in the ways programs print them ----

CONTEXTS = [
    "using token {s}", "export {V}={s}", "{{\"token\": \"{s}\", \"expires_in\": 3600}}", "Authorization: Bearer {s}",
    "config loaded: {{'api_key': '{s}', 'region': 'us-east-1'}}", "env: [('{V}', '{s}'), ('DEBUG', '1')]",
    "settings map[token:{s} timeout:30s]", "Config{{token={s}, retries=3}}", "{V}=\"{s}\"", "args=['--token', '{s}']",
    "curl -sS -H 'Authorization: Bearer {s}' https://api.example.com/v1/me", "{V}: {s}",
]


def prefixed(c):
    fam = R.choice(list(F.PREFIXED))
    sec = F.PREFIXED[fam]()
    ctx = R.choice(CONTEXTS)
    text = ctx.format(s=sec, V=R.choice(["API_TOKEN", "SERVICE_KEY", "ACCESS_TOKEN", "CLIENT_KEY"]))
    if fam == "gcp-api-key" and R.random() < 0.5:
        text = f"const firebaseConfig = {{ apiKey: \"{sec}\", authDomain: \"acme-{rnd(LOWER, 5)}.firebaseapp.com\" }}"
    c.log(text, [(fam, sec)])


# ---- secrets known by their name or place ----

def named(c):
    kind = R.randrange(23)
    if kind == 0:
        s = rnd(B64, 40)
        ctx = R.choice(["aws_secret_access_key = {s}", "AWS_SECRET_ACCESS_KEY=({s})", "[('aws_secret_access_key', '{s}')]",
                        "{{\"SecretAccessKey\": \"{s}\"}}", "creds: map[SecretAccessKey:{s}]", "{{secretAccessKey={s}}}"])
        c.log(ctx.format(s=s), [("aws-secret-key", s)])
    elif kind == 1:
        s = rnd(B64, 356)
        c.log(R.choice(["export AWS_SESSION_TOKEN={s}", "aws_session_token = {s}"]).format(s=s), [("aws-session-token", s)])
    elif kind == 2:
        s = rnd(B64, 86) + "=="
        ctx = R.choice(["DefaultEndpointsProtocol=https;AccountName=acme{n};AccountKey={s};EndpointSuffix=core.windows.net",
                        "AZURE_STORAGE_KEY={s}", "{{'accountKey': '{s}'}}", "azure.storage.key={s}", "storage_account_key: {s}"])
        c.log(ctx.format(s=s, n=rnd(LOWER, 4)), [("azure-storage", s)])
    elif kind == 3:
        sig = b64(bytes(R.randrange(256) for _ in range(32))).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        c.log(f"GET https://acme{rnd(LOWER, 4)}.blob.core.windows.net/exports/r.csv?sv=2022-11-02&ss=b&srt=o&sp=r"
              f"&se=2026-12-01T00%3A00%3A00Z&st=2025-03-04T07%3A24%3A52Z&spr=https&sig={sig} 200", [("azure-sas-token", sig)])
    elif kind == 4:
        s = rnd("abcdefghijklmnopqrstuvwxyz234567", 52)
        c.log(R.choice(["AZURE_DEVOPS_EXT_PAT={s}", "ado pat: {s}"]).format(s=s), [("azure-devops", s)])
    elif kind == 5:
        s = R.choice(["0.A", "1.A"]) + rnd(B64URL, R.randint(600, 1200))
        c.log(f"{{\"token_type\":\"Bearer\",\"refresh_token\":\"{s}\",\"expires_in\":3599}}", [("azure-entra", s)])
    elif kind == 6:
        s = "00" + rnd(B64URL, 40)
        c.log(R.choice(["OKTA_API_TOKEN={s}", "okta client: Authorization: SSWS {s}"]).format(s=s), [("okta", s)])
    elif kind == 7:
        s = F.uuid()
        c.log(f"HEROKU_API_KEY={s}", [("heroku", s)])
    elif kind == 8:
        s = F.password()
        ctx = R.choice(["+ curl -u deploy:{s} https://api.example.com/releases", "curl --user 'ci:{s}' https://r.example.com",
                        "wget --user=ci --password={s} https://dl.example.com/a.tgz",
                        "wget --http-password {s} https://dl.example.com/a.tgz",
                        "jdbc:postgresql://db:5432/app?user=app&password={s}&ssl=true",
                        "url=jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={s};encrypt=true",
                        "+ mysql -h db -uroot -p{s} app", "sshpass -p '{s}' ssh deploy@10.0.0.5",
                        "docker login -u ci -p {s} registry.example.com"])
        c.log(ctx.format(s=s), [("cli-credentials", s)])
    elif kind == 9:
        s = rnd(B62, 40)
        ctx = R.choice(["git clone https://{s}:x-oauth-basic@github.com/acme/app.git",
                        "pip install git+https://{s}:x-oauth-basic@github.com/acme/lib.git",
                        "git remote set-url origin https://oauth2:{s}@gitlab.example.com/acme/app.git"])
        c.log(ctx.format(s=s), [("url-credentials", s)])
    elif kind == 10:
        s = F.password()
        c.log(f"<add key=\"ClearTextPassword\" value=\"{s}\" />", [("nuget", s)])
    elif kind == 11:
        s = R.choice([F.uuid(), rnd(B62, 40)])
        c.log(f"//registry.example.com/:_authToken={s}", [("npmrc", s)])
    elif kind == 12:
        s = b64(f"ci:{rnd(B62, 30)}")
        c.add(f"{{\"auths\":{{\"registry.example.com\":{{\"auth\":\"{s}\"}}}}}}", [("docker-config", s)])
    elif kind == 13:
        pw, key = b64(F.password()), b64(rnd(B62, 40))
        c.block(["apiVersion: v1", "kind: Secret", "metadata:", f"  name: app-{rnd(LOWER, 5)}", "type: Opaque", "data:",
                 f"  username: {b64('app')}", f"  password: {pw}", f"  api-key: {key}", "---"],
                {7: [("kubernetes-secret", pw)], 8: [("kubernetes-secret", key)]})
    elif kind == 14:
        s = F.password()
        lines = R.choice([["[database]", "host = \"db\"", f"password = \"{s}\""], ["database:", "  host: db", f"  password: {s}"],
                          ["[client]", "user=app", f"passwd={s}"]])
        c.block(lines, {len(lines) - 1: [("password-assign", s)]})
    elif kind == 15:
        s = F.password()
        ctx = R.choice(["db settings {{'user': 'app', 'password': '{s}'}}", "args ('db_password', '{s}')",
                        "cfg map[password:{s} user:app]", "DataSource{{password={s}, user=app}}",
                        "connecting with password=\"{s}\""])
        c.log(ctx.format(s=s), [("password-assign", s)])
    elif kind == 16:
        c.block(F.pem(R.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])))
        begin = len(c.lines) - 1
        while not c.lines[begin].startswith("-----BEGIN"):
            begin -= 1
        c.labels.append((begin + 1, 0, "private-key", c.lines[begin]))
    elif kind == 17:
        s = "AIza" + rnd(B64URL, 35)
        c.log(f"FCM_SERVER_KEY={s}", [("gcp-api-key", s)])
    elif kind == 18:
        s = f"{rnd(B62, 3)}{R.randint(0, 9)}Q~{rnd(B64URL, 34)}"
        c.log(f"ClientSecretCredential(tenant_id, client_id, \"{s}\")", [("azure-ad", s)])
    elif kind == 19:
        s = "FlyV1 fm2_" + rnd(B64, 200) + ",fm2_" + rnd(B64, 90)
        c.log(f"Authorization: {s}", [("flyio", s[6:])])
    elif kind == 20:
        s = b64(f"svc:{rnd(B62, 20)}")
        c.log(R.choice(["Authorization: Basic {s}", "[('Authorization', 'Basic {s}')]"]).format(s=s), [("basic-auth", s)])
    elif kind == 21:
        s = F.password()
        if R.random() < 0.5:
            c.block(["    env:", "    - name: DB_PASSWORD", f"      value: {s}"], {2: [("env-pair", s)]})
        else:
            c.log(f"task definition: \"environment\": [{{\"name\": \"API_TOKEN\", \"value\": \"{s}\"}}]", [("env-pair", s)])
    else:
        s = rnd(B62, 32)
        c.log(R.choice(["api_key = {s}", "\"client_secret\": \"{s}\"", "SECRET_KEY='{s}'"]).format(s=s), [("secret-assign", s)])


# ---- what must stay quiet ----

def quiet(c):
    kind = R.randrange(10)
    if kind == 0:
        c.log(f"export API_TOKEN={R.choice(F.LOOKALIKES)()}")
    elif kind == 1:
        c.log(R.choice(["password={p}", "db password: {p}", "{{'password': '{p}'}}", "token: {p}", "api_key={p}",
                        "curl -u admin:{p} https://api.example.com", "Authorization: Bearer {p}",
                        "postgres://app:{p}@db:5432/app"]).format(p=R.choice(F.PLACEHOLDERS)))
    elif kind == 2:
        c.log(R.choice(["X-CSRF-Token: {s}", "\"nextPageToken\": \"{s}\"", "<meta name=\"csrf-token\" content=\"{s}\">",
                        "authenticity_token={s}"]).format(s=rnd(B62, 32)))
    elif kind == 3:
        c.log(R.choice(["sas_token: st=2025-03-04T07:24:52Z", "token: jjwt-jackson-0.11.2", "secret_name: db-credentials-prod",
                        "password: \"correct horse battery staple\"", "api_key: what?", "token=MyApp_Session_Token",
                        "secret: 2026-11-29T10:00:00Z"]))
    elif kind == 4:
        c.log(f"id_token {F.jwt('none', sig=False)} rejected: unsigned")
    elif kind == 5:
        c.block(["apiVersion: v1", "kind: ConfigMap", "data:", "  LOG_LEVEL: info", f"  CACHE_TTL: {R.randint(1, 99)}m", "---"])
    elif kind == 6:
        c.block(["apiVersion: v1", "kind: Secret", "data:", f"  password: {b64('changeme')}", f"  username: {b64('admin')}", "---"])
    elif kind == 7:
        c.log(f"https://acme.blob.core.windows.net/c/f?sig={b64(bytes(R.randrange(256) for _ in range(32)))}")
    elif kind == 8:
        c.log(f"ghs_{R.randint(1, 99999)}_{rnd(B64URL, 30)} is not a token; neither is sk_test_4eC39HqLyjWDarjtT1zdp7dc")
    else:
        c.log(f"checksum {rnd(HEX, 64)} tag {rnd(B64URL, 22)} nonce {rnd(B62, 16)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--lines", type=int, default=30000)
    a = ap.parse_args()
    R.seed(a.seed)
    c = Corpus()
    while len(c.lines) < a.lines:
        r = R.random()
        (prefixed if r < 0.02 else named if r < 0.04 else quiet if r < 0.06 else noise)(c)
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, "corpus.log"), "w") as f:
        f.write("\n".join(c.lines) + "\n")
    with open(os.path.join(a.dir, "labels.tsv"), "w") as f:
        f.write("line\tcol\tfamily\tsecret\n")
        for ln, col, fam, sec in c.labels:
            f.write(f"{ln}\t{col}\t{fam}\t{sec}\n")
    print(f"{len(c.lines)} lines, {len(c.labels)} secrets")


if __name__ == "__main__":
    main()
