/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test samples written as templates and built at run time, so that no
 * secret is ever pasted into the tests. A template is text with
 * directives in braces:
 *
 *   {a:36}    36 random characters of a class: d digits, h/H hex, a base62,
 *             l/u lower/upper letters and digits, L/U/A letters, w base64url,
 *             b base64, z/Z base32, k bech32 (upper case)
 *   {R:32}    32 random bytes (inside an encoding)
 *   {b64:T}   T (itself a template) in base64; {b64u:T} url-safe, unpadded;
 *             {pct:T} with + / = percent-encoded
 *   {crc}     GitHub/npm checksum: CRC32 of the 30 characters before, base62
 *   {crc32x:N} {crc32X:N}  CRC32 of the N characters before, lower/upper hex
 *   {flip}    changes the character before (a checksum that no longer holds)
 *   {age}     an age secret key with its bech32 checksum
 *   {pem:L}   a PEM block labelled L, lines ending \n; {pemj:L} with \\n
 *   {ossh:C}  an OpenSSH private key block with cipher C
 *   {[} {]}   where the one expected finding starts and ends
 *   \{ \}     literal braces; a brace that starts no directive ({"key": ..., {password})
 *             is text as it stands
 *
 * The random source is seeded per case, so a failure reproduces.
 */
#ifndef LW_TEST_SAMPLE_H
#define LW_TEST_SAMPLE_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "b64.h"
#include "rules/validate.h"

#define SAMPLE_MAX 16384

struct sample {
	char buf[SAMPLE_MAX];
	size_t n;
	long mark_s, mark_e; /* -1: none */
	uint64_t rng;
	bool bad;            /* the template did not parse */
};

static uint32_t sample_rand(struct sample *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng >> 16);
}

static void sample_put(struct sample *s, const char *p, size_t n)
{
	if (s->n + n >= SAMPLE_MAX) {
		s->bad = true;
		return;
	}
	memcpy(s->buf + s->n, p, n);
	s->n += n;
	s->buf[s->n] = '\0';
}

static const char *sample_class(char c)
{
	switch (c) {
	case 'd': return "0123456789";
	case 'h': return "0123456789abcdef";
	case 'H': return "0123456789ABCDEF";
	case 'a': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	case 'l': return "abcdefghijklmnopqrstuvwxyz0123456789";
	case 'u': return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	case 'L': return "abcdefghijklmnopqrstuvwxyz";
	case 'U': return "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	case 'A': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	case 'w': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
	case 'b': return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	case 'z': return "abcdefghijklmnopqrstuvwxyz234567";
	case 'Z': return "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	case 'k': return "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
	default: return NULL;
	}
}

/* bech32 over the 5-bit values v[0..n): the 6 checksum values */
static void sample_bech32(const uint8_t *v, size_t n, uint8_t out[6])
{
	static const uint32_t g[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t c = 1;

	for (size_t i = 0; i < n + 6; i++) {
		uint32_t top = c >> 25;

		c = ((c & 0x1ffffff) << 5) ^ (i < n ? v[i] : 0);
		for (int k = 0; k < 5; k++)
			c ^= (top >> k & 1) ? g[k] : 0;
	}
	c ^= 1;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)(c >> (5 * (5 - i)) & 31);
}

static void sample_age(struct sample *s)
{
	static const char hrp[] = "age-secret-key-";
	static const char cs[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	uint8_t v[2 * sizeof(hrp) + 64], sum[6];
	size_t h = strlen(hrp), n = 0;
	char key[80] = "AGE-SECRET-KEY-1";

	for (size_t i = 0; i < h; i++)
		v[n++] = (uint8_t)(hrp[i] >> 5);
	v[n++] = 0;
	for (size_t i = 0; i < h; i++)
		v[n++] = (uint8_t)(hrp[i] & 31);
	for (size_t i = 0; i < 52; i++) {
		v[n] = (uint8_t)(sample_rand(s) % 32);
		key[16 + i] = (char)toupper((unsigned char)cs[v[n++]]);
	}
	sample_bech32(v, n, sum);
	for (int i = 0; i < 6; i++)
		key[68 + i] = (char)toupper((unsigned char)cs[sum[i]]);
	sample_put(s, key, 74);
}

static void sample_pem(struct sample *s, const char *label, const char *nl, const char *cipher)
{
	uint8_t raw[600];
	char body[820], line[160];
	size_t n = 0, len;

	if (cipher) {
		size_t cl = strlen(cipher);

		memcpy(raw, "openssh-key-v1\0\0\0\0", 18);
		raw[18] = (uint8_t)cl;
		memcpy(raw + 19, cipher, cl);
		n = 19 + cl;
	}
	while (n < 400 + (cipher ? 0 : 200))
		raw[n++] = (uint8_t)sample_rand(s);
	b64(raw, n, false, body);
	snprintf(line, sizeof(line), "-----BEGIN %s-----%s", label, nl);
	sample_put(s, line, strlen(line));
	len = strlen(body);
	for (size_t i = 0; i < len; i += 64) {
		sample_put(s, body + i, len - i < 64 ? len - i : 64);
		sample_put(s, nl, strlen(nl));
	}
	snprintf(line, sizeof(line), "-----END %s-----", label);
	sample_put(s, line, strlen(line));
}

static void sample_flip(struct sample *s)
{
	char *c = s->n ? &s->buf[s->n - 1] : NULL;

	if (!c)
		return;
	if ((*c >= '0' && *c < '9') || (*c >= 'a' && *c < 'z') || (*c >= 'A' && *c < 'Z'))
		(*c)++;
	else if (*c == '9' || *c == 'z' || *c == 'Z')
		(*c)--;
	else
		*c = 'A';
}

static void sample_expand(struct sample *s, const char *t, size_t n);

/* The end of the directive that starts at t[0] == '{' (its closing brace). */
static size_t sample_close(const char *t, size_t n)
{
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\\' && i + 1 < n) {
			i++;
		} else if (t[i] == '{') {
			depth++;
		} else if (t[i] == '}' && --depth == 0) {
			return i;
		}
	}
	return 0;
}

static void sample_encode(struct sample *s, const char *name, const char *arg, size_t an)
{
	struct sample *in = malloc(sizeof(*in));
	char *out = malloc(SAMPLE_MAX * 2);

	if (!in || !out) {
		s->bad = true;
		free(in);
		free(out);
		return;
	}
	*in = (struct sample){ .rng = s->rng, .mark_s = -1, .mark_e = -1 };
	sample_expand(in, arg, an);
	s->rng = in->rng;
	if (in->n * 4 / 3 + 8 >= SAMPLE_MAX) {
		s->bad = true;
	} else if (!strcmp(name, "pct")) {
		size_t o = 0;

		for (size_t i = 0; i < in->n; i++)
			o += (size_t)(in->buf[i] && strchr("+/=", in->buf[i]) ? sprintf(out + o, "%%%02X", in->buf[i])
									 : sprintf(out + o, "%c", in->buf[i]));
		sample_put(s, out, o);
	} else {
		b64((const uint8_t *)in->buf, in->n, !strcmp(name, "b64u"), out);
		sample_put(s, out, strlen(out));
	}
	s->bad |= in->bad;
	free(in);
	free(out);
}

static void sample_crc32(struct sample *s, size_t k, bool upper)
{
	char hex[9];

	if (k > s->n) {
		s->bad = true;
		return;
	}
	snprintf(hex, sizeof(hex), upper ? "%08X" : "%08x",
		 (unsigned)crc32(0L, (const Bytef *)s->buf + s->n - k, (uInt)k));
	sample_put(s, hex, 8);
}

static void sample_directive(struct sample *s, const char *d, size_t n)
{
	const char *colon = memchr(d, ':', n), *cls;
	char name[16] = "", arg[64] = "";
	size_t nl = colon ? (size_t)(colon - d) : n, al = colon ? n - nl - 1 : 0;

	if (nl >= sizeof(name)) {
		s->bad = true;
		return;
	}
	memcpy(name, d, nl);
	if (al < sizeof(arg))
		memcpy(arg, colon + 1, al);
	if (nl == 1 && (cls = sample_class(name[0]))) {
		size_t k = strtoul(arg, NULL, 10), cn = strlen(cls);

		for (size_t i = 0; i < k; i++) {
			char c = cls[sample_rand(s) % cn];

			sample_put(s, &c, 1);
		}
	} else if (!strcmp(name, "R")) {
		for (size_t i = strtoul(arg, NULL, 10); i > 0; i--) {
			char c = (char)sample_rand(s);

			sample_put(s, &c, 1);
		}
	} else if (!strcmp(name, "b64") || !strcmp(name, "b64u") || !strcmp(name, "pct")) {
		sample_encode(s, name, colon + 1, al);
	} else if (!strcmp(name, "crc")) {
		char sum[7] = "";

		if (s->n < 30) {
			s->bad = true;
			return;
		}
		validate__crc_base62((uint32_t)crc32(0L, (const Bytef *)s->buf + s->n - 30, 30), sum);
		sample_put(s, sum, 6);
	} else if (!strcmp(name, "crc32x") || !strcmp(name, "crc32X")) {
		sample_crc32(s, strtoul(arg, NULL, 10), name[5] == 'X');
	} else if (!strcmp(name, "flip")) {
		sample_flip(s);
	} else if (!strcmp(name, "age")) {
		sample_age(s);
	} else if (!strcmp(name, "pem") || !strcmp(name, "pemj")) {
		sample_pem(s, arg, name[3] == 'j' ? "\\n" : "\n", NULL);
	} else if (!strcmp(name, "ossh")) {
		sample_pem(s, "OPENSSH PRIVATE KEY", "\n", arg);
	} else if (!strcmp(name, "[")) {
		s->mark_s = (long)s->n;
	} else if (!strcmp(name, "]")) {
		s->mark_e = (long)s->n;
	} else {
		s->bad = true;
	}
}

/* Is t the inside of a directive ("a:36}", "crc}", "[}")? Other braces are text: JSON, {password}. */
static bool sample_known(const char *t, size_t n)
{
	static const char *const names[] = { "b64", "b64u", "pct", "crc", "crc32x", "crc32X", "flip", "age",
					     "pem", "pemj", "ossh", "[", "]", "R" };
	size_t k = 0;

	while (k < n && t[k] != ':' && t[k] != '}' && k < 8)
		k++;
	if (k == n || (t[k] != ':' && t[k] != '}'))
		return false;
	if (k == 1 && sample_class(t[0]))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == k && !memcmp(t, names[i], k))
			return true;
	return false;
}

static void sample_expand(struct sample *s, const char *t, size_t n)
{
	for (size_t i = 0; i < n && !s->bad; i++) {
		if (t[i] == '\\' && i + 1 < n && (t[i + 1] == '{' || t[i + 1] == '}')) {
			sample_put(s, t + ++i, 1);
		} else if (t[i] == '{' && sample_known(t + i + 1, n - i - 1)) {
			size_t e = sample_close(t + i, n - i);

			if (!e) {
				s->bad = true;
				return;
			}
			sample_directive(s, t + i + 1, e - 1);
			i += e;
		} else {
			sample_put(s, t + i, 1);
		}
	}
}

/* Builds template t with the random source seeded by seed. */
static inline void sample_build(struct sample *s, const char *t, uint64_t seed)
{
	*s = (struct sample){ .rng = seed | 1, .mark_s = -1, .mark_e = -1 };
	sample_expand(s, t, strlen(t));
}

#endif
