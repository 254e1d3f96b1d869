# SPDX-License-Identifier: Apache-2.0
"""Credential formats, written from the vendors' documentation, for gen.py.

Each maker returns a fresh credential (checksums computed); the lookalikes
return strings that resemble one without being one (wrong checksum, length,
alphabet, a placeholder). Nothing here is a real secret: all is random.
"""
import base64
import json
import random
import string
import zlib

R = random.Random()
LOWER, UPPER, DIGITS = string.ascii_lowercase, string.ascii_uppercase, string.digits
B62 = UPPER + LOWER + DIGITS
B64URL = B62 + "-_"
B64 = B62 + "+/"
HEX = "0123456789abcdef"
BASE62_GH = DIGITS + UPPER + LOWER
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def rnd(alpha, n):
    return "".join(R.choice(alpha) for _ in range(n))


def b64(data, url=False, pad=True):
    if isinstance(data, str):
        data = data.encode()
    s = (base64.urlsafe_b64encode if url else base64.b64encode)(data).decode()
    return s if pad else s.rstrip("=")


def gh_crc(body):
    n, out = zlib.crc32(body.encode()), ""
    for _ in range(6):
        out = BASE62_GH[n % 62] + out
        n //= 62
    return out


def gh(prefix):
    body = rnd(B62, 30)
    return prefix + body + gh_crc(body)


def jwt(alg="HS256", sig=True):
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}), url=True, pad=False)
    pay = b64(json.dumps({"sub": rnd(DIGITS, 9), "iat": R.randint(1_600_000_000, 1_900_000_000), "scope": "read"}),
              url=True, pad=False)
    return f"{head}.{pay}." + (rnd(B64URL, 43) if sig else "")


def atlassian(prefix="ATATT3xFfGF0"):
    body = prefix + rnd(B64URL, 171) + "="
    return body + "%08X" % zlib.crc32(body.encode())


def cloudflare(prefix):
    body = rnd(B62, 40)
    return prefix + body + "%08x" % zlib.crc32(body.encode())


def bech32_checksum(hrp, data):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data + [0] * 6
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    chk ^= 1
    return [(chk >> 5 * (5 - i)) & 31 for i in range(6)]


def age_key():
    data = [R.randrange(32) for _ in range(52)]
    return ("AGE-SECRET-KEY-1" + "".join(BECH32[d] for d in data + bech32_checksum("age-secret-key-", data))).upper()


def pem(label):
    body = b64(bytes(R.randrange(256) for _ in range(R.choice([300, 600, 1190]))))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return [f"-----BEGIN {label}-----"] + lines + [f"-----END {label}-----"]


def uuid():
    return f"{rnd(HEX, 8)}-{rnd(HEX, 4)}-4{rnd(HEX, 3)}-a{rnd(HEX, 3)}-{rnd(HEX, 12)}"


def password():
    """What people choose: words, digits, symbols; 10 to 20 characters."""
    word = R.choice(["Maple", "river", "Falcon", "quartz", "Harbor", "violet", "Tundra", "cobalt"])
    return word + rnd(DIGITS, 2) + R.choice("!#%&*@^") + rnd(B62, R.randint(4, 10))


# family -> maker: credentials with a vendor prefix, found wherever they stand
PREFIXED = {
    "github-classic": lambda: gh(R.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])),
    "github-fine-grained": lambda: f"github_pat_{rnd(B62, 22)}_{rnd(B62, 59)}",
    "gitlab-pat": lambda: "glpat-" + rnd(B64URL, 20),
    "npm": lambda: gh("npm_"),
    "slack": lambda: R.choice([f"xoxa-2-{rnd(B62, 40)}", f"xoxr-{rnd(B62, 36)}", f"xoxe-1-{rnd(UPPER + DIGITS, 146)}",
                               f"xoxe.xoxp-1-{rnd(UPPER + DIGITS, 164)}", f"xoxo-{rnd(B62, 30)}"]),
    "slack-user": lambda: f"xoxs-{rnd(DIGITS, 11)}-{rnd(DIGITS, 12)}-{rnd(DIGITS, 13)}-{rnd(HEX, 64)}",
    "slack-app": lambda: f"xapp-1-A{rnd(UPPER + DIGITS, 10)}-{rnd(DIGITS, 13)}-{rnd(HEX, 64)}",
    "slack-webhook": lambda: f"https://hooks.slack.com/services/T{rnd(UPPER + DIGITS, 8)}/B{rnd(UPPER + DIGITS, 10)}/{rnd(B62, 24)}",
    "aws-bedrock": lambda: R.choice([
        "ABSK" + b64(f"BedrockAPIKey-{rnd(LOWER + DIGITS, 4)}-at-{rnd(DIGITS, 12)}:{rnd(B64, 44)}"),
        "bedrock-api-key-" + b64("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                                 f"&X-Amz-Credential=ASIA{rnd(UPPER + '234567', 16)}%2F20261129%2Fus-east-1%2Fbedrock"
                                 f"%2Faws4_request&X-Amz-Security-Token={rnd(B64, 240)}&X-Amz-Signature={rnd(HEX, 64)}"
                                 "&Version=1")]),
    "aws-access-key-id": lambda: R.choice(["AKIA", "ASIA"]) + rnd(UPPER + "234567", 16),
    "docker-hub": lambda: R.choice(["dckr_pat_" + rnd(B64URL, 27), "dckr_oat_" + rnd(B64URL, 32)]),
    "cloudflare": lambda: R.choice([cloudflare("cfut_"), cloudflare("cfk_"), cloudflare("cfat_"),
                                    f"v1.0-{rnd(HEX, 24)}-{rnd(HEX, 146)}"]),
    "notion": lambda: f"ntn_{rnd(DIGITS, 11)}{rnd(B62, 35)}",
    "sourcegraph": lambda: R.choice([f"sgp_{rnd(HEX, 40)}", f"sgp_{rnd(HEX, 16)}_{rnd(HEX, 40)}"]),
    "huggingface": lambda: R.choice(["hf_", "api_org_"]) + rnd(UPPER + LOWER, 34),
    "facebook": lambda: "EAA" + R.choice("BCGJMd") + rnd(B62, R.randint(150, 220)),
    "flyio": lambda: "fo1_" + rnd(B64URL, 43),
    "artifactory": lambda: R.choice(["AKCp" + rnd(B62, 69), "cmVmdGtu" + b64(f":01:{rnd(DIGITS, 10)}:{rnd(B62, 27)}")]),
    "atlassian": lambda: atlassian(R.choice(["ATATT3xFfGF0", "ATCTT3xFfGN0"])),
    "age": age_key,
    "perplexity": lambda: "pplx-" + rnd(B62, 48),
    "vercel": lambda: R.choice(["vcp_", "vci_", "vca_", "vcr_", "vck_"]) + rnd(B62, R.choice([24, 32, 56])),
    "tailscale": lambda: f"tskey-{R.choice(['auth', 'api', 'client'])}-k{rnd(B62, R.randint(7, 11))}CNTRL-{rnd(B62, 32)}",
    "stripe-secret": lambda: R.choice(["sk_live_", "rk_live_"]) + rnd(B62, R.choice([24, 34, 99])),
    "stripe-test": lambda: R.choice(["sk_test_", "rk_test_"]) + rnd(B62, R.choice([24, 34, 99])),
    "linear": lambda: "lin_api_" + rnd(B62, 40),
    "figma": lambda: "figd_" + rnd(B64URL, 40),
    "grafana": lambda: f"glsa_{rnd(B62, 32)}_{rnd(HEX, 8)}",
    "planetscale": lambda: R.choice(["pscale_pw_", "pscale_tkn_"]) + rnd(B64URL, 43),
    "doppler": lambda: "dp.st." + rnd(B62, 40),
    "pulumi": lambda: "pul-" + rnd(HEX, 40),
    "postman": lambda: f"PMAK-{rnd(HEX, 24)}-{rnd(HEX, 34)}",
    "sentry": lambda: "sntryu_" + rnd(HEX, 64),
    "new-relic": lambda: "NRAK-" + rnd(UPPER + DIGITS, 27),
    "mapbox": lambda: f"sk.eyJ{rnd(B64URL, 60)}.{rnd(B64URL, 22)}",
    "heroku": lambda: "HRKU-AA" + rnd(B64URL, 58),
    "braintree": lambda: f"access_token$production${rnd(LOWER + DIGITS, 16)}${rnd(HEX, 32)}",
    "square": lambda: R.choice(["EAAA" + rnd(B64URL, 60), "sq0csp-" + rnd(B64URL, 43)]),
    "netlify": lambda: "nfp_" + rnd(B62, 40),
    "anthropic": lambda: "sk-ant-api03-" + rnd(B64URL, 93) + "AA",
    "gcp-api-key": lambda: "AIza" + rnd(B64URL, 35),
    "jwt": jwt,
    "azure-devops": lambda: f"{rnd(B62, 52)}JQQJ99{rnd(B62, 18)}AZDO{rnd(B62, 4)}",
}

# strings that look like a credential and are not one
LOOKALIKES = [
    lambda: gh("ghp_")[:-1] + "Q",                        # a checksum that does not hold
    lambda: atlassian()[:-8] + "0BADF00D",
    lambda: cloudflare("cfut_")[:-8] + rnd(HEX, 8),
    lambda: age_key()[:-6] + rnd("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 6),
    lambda: "sk-ant-api03-" + rnd(B64URL, 93) + "AB",     # Anthropic keys end AA
    lambda: "sk-ant-api03-" + rnd(B64URL, 93) + "AAEXTRA",
    lambda: "hf_" + R.choice(["servingcellpriorityparametersdescription", "datasetsviewerconfiguration"]),
    lambda: "pplx-" + rnd(B62, 30),
    lambda: "dckr_pat_" + rnd(B64URL, 12),
    lambda: "xoxb-your-bot-token-here",
    lambda: "sk_live_" + "x" * 24,
    lambda: "AKIAIOSFODNN7EXAMPLE",
    lambda: "ghp_" + "x" * 36,
    lambda: "AGE-SECRET-KEY-1" + "Q" * 58,
    lambda: f"tskey-auth-{'X' * 12}-{'X' * 32}",
    lambda: "vcp_" + rnd(LOWER, 30),
    lambda: "jjwt-jackson-0.11.2",
    lambda: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
            ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    lambda: jwt("none", sig=False),
]

PLACEHOLDERS = ["{password}", "${DB_PASSWORD}", "<your-token>", "REPLACE_WITH_TOKEN", "CHANGE_ME", "changeme",
                "mypassword", "password", "pass", "secret", "xxxxxxxxxxxxxxxx", "********", "...", "\u2026",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "aBcDeFgHiJkLmNoPqRsT", "EXAMPLE_KEY_123", "test", "dummy",
                "fake", "token_test", "secret-dummy", "${{ secrets.TOKEN }}", "%NUGET_PASSWORD%", "$API_KEY"]
