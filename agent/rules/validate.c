// SPDX-License-Identifier: Apache-2.0
#include "rules/validate.h"

#include <math.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "rules/placeholder.h"
#include "wire/utf8.h"

void validate__crc_base62(uint32_t crc, char out[6])
{
	for (int i = 5; i >= 0; i--) {
		out[i] = LW_BASE62[crc % 62];
		crc /= 62;
	}
}

bool validate__crc_token(const char *tok, size_t n, size_t prefix_len)
{
	char want[6];

	if (n != prefix_len + 36)
		return false;
	validate__crc_base62((uint32_t)crc32(0L, (const Bytef *)tok + prefix_len, 30), want);
	return !memcmp(want, tok + prefix_len + 30, 6);
}

/* c * log2(c) for small counts: entropy runs on every candidate, log2 is slow */
static float clog2c[256];

__attribute__((constructor)) static void init_clog2c(void)
{
	for (int c = 1; c < 256; c++)
		clog2c[c] = (float)(c * log2(c));
}

double validate__entropy(const char *s, size_t n)
{
	uint16_t counts[256] = { 0 };
	unsigned char seen[256];
	size_t distinct = 0;
	double sum = 0;

	if (!n)
		return 0;
	if (n > 65535)
		n = 65535;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!counts[c]++)
			seen[distinct++] = c;
	}
	/* H = log2(n) - sum(c log2 c) / n */
	for (size_t i = 0; i < distinct; i++) {
		unsigned c = counts[seen[i]];

		sum += c < 256 ? clog2c[c] : c * log2(c);
	}
	return log2((double)n) - sum / (double)n;
}

unsigned validate__classes(const char *s, size_t n)
{
	unsigned m = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'a' && c <= 'z')
			m |= 1;
		else if (c >= 'A' && c <= 'Z')
			m |= 2;
		else if (c >= '0' && c <= '9')
			m |= 4;
		else
			m |= 8;
	}
	return m;
}

int validate__class_count(const char *s, size_t n)
{
	return __builtin_popcount(validate__classes(s, n));
}

bool validate__aws_key_id(const char *s, size_t n)
{
	static const char *const prefixes[] = {
		"AKIA", "ASIA", "ABIA", "ACCA",
	};
	bool known = false;

	if (n != 20)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		known |= !memcmp(s, prefixes[i], 4);
	/* A3T* ids predate the 4-letter scheme */
	if (!known && !(s[0] == 'A' && s[1] == '3' && s[2] == 'T'))
		return false;
	for (size_t i = 4; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
			return false;
	return true;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long validate__b64_decode(const char *in, size_t n, uint8_t *out, size_t outcap)
{
	uint32_t acc = 0;
	size_t len = 0;
	int bits = 0;

	while (n && in[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len == outcap)
				return -1;
			out[len++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)len;
}

/* Decodes at most cap bytes of a segment's start: enough to judge its shape. */
static long b64_prefix(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t take = n;

	if (take > cap / 3 * 4)
		take = cap / 3 * 4;
	return validate__b64_decode(s, take, out, cap);
}

static bool json_object_start(const uint8_t *b, long n)
{
	long i = 0;

	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i < n && b[i] == '{';
}

bool validate__jwt(const char *s, size_t n)
{
	const char *dot1 = memchr(s, '.', n), *dot2;
	uint8_t hdr[768], pay[48], *alg;
	long hn, pn;

	if (!dot1)
		return false;
	dot2 = memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - s));
	if (!dot2 || (size_t)(dot1 - s) > 1024)
		return false;
	hn = validate__b64_decode(s, (size_t)(dot1 - s), hdr, sizeof(hdr) - 1);
	if (hn < 8 || !json_object_start(hdr, hn))
		return false;
	hdr[hn] = '\0';
	if (!(alg = memmem(hdr, (size_t)hn, "\"alg\"", 5)))
		return false;
	/* "alg": "none" signs nothing: whoever holds it holds no secret */
	alg += 5;
	while (*alg == ' ' || *alg == ':' || *alg == '"')
		alg++;
	if (!strncasecmp((const char *)alg, "none", 4))
		return false;
	/* unsigned (header.payload.): nothing to steal a session with */
	if (s + n - dot2 - 1 < 16)
		return false;
	pn = b64_prefix(dot1 + 1, (size_t)(dot2 - dot1 - 1), pay, sizeof(pay));
	return pn > 0 && json_object_start(pay, pn);
}

bool validate__basic_auth(const char *b64, size_t n)
{
	uint8_t buf[512];
	const uint8_t *colon;
	long len;

	len = validate__b64_decode(b64, n, buf, sizeof(buf));
	if (len < 3)
		return false;
	for (long i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] == 0x7f)
			return false;
	colon = memchr(buf, ':', (size_t)len);
	if (!colon || colon == buf + len - 1)
		return false;
	return !placeholder__match((const char *)colon + 1, (size_t)(buf + len - colon - 1));
}

static bool is_b64(unsigned char c)
{
	return b64val(c) >= 0 || c == '=';
}

size_t validate__line_break(const char *s, size_t n)
{
	/* real, JSON-escaped (\n) and escaped twice (\\n: JSON inside a JSON string) */
	if (n >= 3 && s[0] == '\\' && s[1] == '\\' && (s[2] == 'n' || s[2] == 'r'))
		return 3;
	if (n >= 2 && s[0] == '\r' && s[1] == '\n')
		return 2;
	if (n >= 1 && (s[0] == '\n' || s[0] == '\r'))
		return 1;
	if (n >= 4 && s[0] == '\\' && s[1] == 'r' && s[2] == '\\' && s[3] == 'n')
		return 4;
	if (n >= 2 && s[0] == '\\' && (s[1] == 'n' || s[1] == 'r'))
		return 2;
	return 0;
}

/* A PEM header line ("Proc-Type: 4,ENCRYPTED", "Comment: ..."): a token then ':'. */
static size_t header_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return 0;
	while (i < n && !validate__line_break(s + i, n - i))
		i++;
	return i;
}

/*
 * A logger that prefixes every line ("2026-... INFO MIIEow...") breaks the
 * block; the body line still ends in a long base64 run.
 */
static bool prefixed_body_line(const char *s, size_t n)
{
	size_t end = 0, run = 0;

	while (end < n && end < 256 && !validate__line_break(s + end, n - end))
		end++;
	while (run < end && is_b64((unsigned char)s[end - run - 1]))
		run++;
	return run >= 40 && validate__entropy(s + end - run, run) >= 4.0;
}

bool validate__pem_body(const char *s, size_t n)
{
	size_t i = 0, run = 0, k;

	/* separators between the BEGIN line and the body */
	for (;;) {
		if (i < n && (s[i] == ' ' || s[i] == '\t')) {
			i++;
		} else if ((k = validate__line_break(s + i, n - i))) {
			i += k;
		} else if ((k = header_line(s + i, n - i))) {
			i += k;
		} else {
			break;
		}
	}
	if (i >= n)
		return true; /* the body is not in this buffer: the BEGIN line decides */
	while (i + run < n && is_b64((unsigned char)s[i + run]))
		run++;
	if (i + run == n)
		return run > 0 && validate__entropy(s + i, run) >= (run >= 16 ? 3.0 : 0);
	/* a key's first line is 64 or 70 characters; anything under 16 is prose or a mask */
	if (run >= 16)
		return validate__entropy(s + i, run) >= 3.5;
	return prefixed_body_line(s + i, n - i);
}

bool validate__is_example(const char *s, size_t n)
{
	static const char *const exact[] = {
		"AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AKIAI44QH8DHBEXAMPLE",
		"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
		"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
		"sk_test_BQokikJOvBiI2HlWgH4olfQ2",
		"pk_test_TYooMQauvdEDq54NiTphI7jx",
		"ghp_16C7e42F292c6912E7710c838347Ae178B4a",
		"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
		"AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
		/* Azurite / storage emulator account key, published by Microsoft */
		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
		/* OAuth 2.0 (RFC 6749, 6750): the bearer tokens and client credentials of the examples */
		"mF_9.B5f-4.1JqM",
		"h480djs93hd8",
		"2YotnFZFEjr1zCsicMWpAA",
		"tGzv3JOkF0XG5Qx2TlKWIA",
		"czZCaGRSa3F0MzpnWDFmQmF0M2JW",
	};
	/* contained in a longer secret: the jwt.io sample's signature */
	static const char *const inside[] = {
		"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		"EXAMPLE",
	};

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i]) == n && !memcmp(exact[i], s, n))
			return true;
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		if (memmem(s, n, inside[i], strlen(inside[i])))
			return true;
	return false;
}

bool validate__b64_starts(const char *b64, size_t n, const char *prefix)
{
	size_t want = strlen(prefix);
	uint8_t buf[96];
	long got;

	if (want > sizeof(buf) / 2)
		return false;
	got = b64_prefix(b64, n, buf, sizeof(buf));
	return got >= (long)want && !memcmp(buf, prefix, want);
}

bool validate__text(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') || b[i] == 0x7f)
			return false;
	/* random bytes with the high bit are all but never valid UTF-8:
	 * base64 of a hash or of a word list decodes to such bytes */
	return n > 0 && utf8__valid((const char *)b, n);
}

static uint32_t bech32_polymod(uint32_t chk, unsigned v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;

	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (int i = 0; i < 5; i++)
		if (top >> i & 1)
			chk ^= gen[i];
	return chk;
}

bool validate__bech32(const char *s, size_t n)
{
	static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	const char *sep = memrchr(s, '1', n);
	uint32_t chk = 1;
	size_t hrp;

	if (!sep || sep == s || (size_t)(s + n - sep) < 7)
		return false;
	hrp = (size_t)(sep - s);
	for (size_t i = 0; i < hrp; i++)
		chk = bech32_polymod(chk, (unsigned)(s[i] | 0x20) >> 5);
	chk = bech32_polymod(chk, 0);
	for (size_t i = 0; i < hrp; i++)
		chk = bech32_polymod(chk, (unsigned)(s[i] | 0x20) & 31);
	for (size_t i = hrp + 1; i < n; i++) {
		const char *p = memchr(charset, s[i] | 0x20, 32);

		if (!p || !s[i])
			return false;
		chk = bech32_polymod(chk, (unsigned)(p - charset));
	}
	return chk == 1;
}

bool validate__hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return n > 0;
}
