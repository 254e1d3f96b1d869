// SPDX-License-Identifier: Apache-2.0
#include "extract/blocks.h"

#include <ctype.h>
#include <string.h>

#include "rules/validate.h"

static bool b64c(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/' || c == '=';
}

/* An OpenSSH key names its cipher after "openssh-key-v1\0"; "none" is plain. */
static bool openssh_encrypted(const char *body, size_t n)
{
	uint8_t raw[48];
	size_t take = 0;
	long len;

	while (take < n && take < 64 && b64c((unsigned char)body[take]) && body[take] != '=')
		take++;
	take -= take % 4;
	len = validate__b64_decode(body, take, raw, sizeof(raw));
	if (len < 23 || memcmp(raw, "openssh-key-v1", 15))
		return false;
	return memcmp(raw + 15, "\0\0\0\4none", 8) != 0;
}

/* "Proc-Type: 4,ENCRYPTED", "DEK-Info: ...", "Comment: ...": a header line. */
static size_t pem_header(const char *b, size_t n)
{
	size_t j = 0;

	while (j < n && (isalnum((unsigned char)b[j]) || b[j] == '-'))
		j++;
	if (!j || j >= n || b[j] != ':' || !isalpha((unsigned char)b[0]))
		return 0;
	while (j < n && !validate__line_break(b + j, n - j))
		j++;
	return j;
}

/*
 * BEGIN line, optional headers, base64 lines, END line. The extent ends
 * with the END line, or with the body when END is not in sight.
 */
enum lw_verdict blocks__pem(const struct lw_view *v, size_t from, size_t to, struct lw_extent *out)
{
	const char *b = v->buf;
	size_t i = to, last = to, body = 0, k, lim = v->len;
	bool encrypted = memmem(b + from, to - from, "ENCRYPTED", 9) != NULL, ended = false;

	if (lim - from > LW_PEM_MAX)
		lim = from + LW_PEM_MAX;
	while (i < lim && !ended) {
		if (b[i] == ' ' || b[i] == '\t') {
			i++;
		} else if ((k = validate__line_break(b + i, lim - i))) {
			i += k;
		} else if ((k = pem_header(b + i, lim - i))) {
			if (memmem(b + i, k, "Proc-Type", 9) && memmem(b + i, k, "ENCRYPTED", 9))
				encrypted = true;
			/* PuTTY: "Encryption: aes256-cbc" */
			if (k > 12 && !memcmp(b + i, "Encryption: ", 12) && memcmp(b + i + 12, "none", 4))
				encrypted = true;
			/* PuTTY has no END line: its MAC line closes the file */
			ended = k > 12 && !memcmp(b + i, "Private-MAC:", 12);
			i = last = i + k;
		} else if (b64c((unsigned char)b[i])) {
			size_t j = i;

			while (j < lim && b64c((unsigned char)b[j]))
				j++;
			/* a body line ends at a break, a blank or the END line; "2026-11-29T..." does not */
			if (j < lim && b[j] != ' ' && b[j] != '\t' && !validate__line_break(b + j, lim - j) &&
			    (lim - j < 8 || memcmp(b + j, "-----END", 8)))
				break;
			if (!body)
				body = i;
			i = last = j;
		} else if (lim - i >= 8 && !memcmp(b + i, "-----END", 8)) {
			const char *close = memmem(b + i + 8, lim - i - 8, "-----", 5);

			if (!close)
				break;
			last = (size_t)(close - b) + 5;
			ended = true;
		} else {
			break;
		}
	}
	/* stopped on a line that has not ended yet (an END or header line cut by the feed): wait */
	if (!ended && lim == v->len && !v->final && !memchr(b + i, '\n', v->len - i))
		return LW_OPEN;
	/* what follows the BEGIN line, as far as the buffer goes */
	if (!validate__pem_body(b + to, (ended ? last : v->len) - to))
		return LW_REJECT;
	if (body && memmem(b + from, to - from, "OPENSSH", 7))
		encrypted |= openssh_encrypted(b + body, last - body);
	out->start = from;
	out->end = last;
	out->alt = encrypted;
	return LW_FOUND;
}

/* After a JSON key: ["] : "value" -> the offset past the value's closing quote, or 0. */
static size_t json_string_end(const char *b, size_t n, size_t i)
{
	bool esc;

	if (i < n && b[i] == '\\')
		i++;
	if (i < n && b[i] == '"')
		i++;
	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i >= n || b[i++] != ':')
		return 0;
	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	esc = i < n && b[i] == '\\';
	i += esc;
	if (i >= n || b[i] != '"')
		return 0;
	/* an escaped document (a JSON string holding JSON) closes with \" */
	for (size_t j = i + 1; j < n; j++) {
		if (b[j] == '\n')
			return 0;
		if (b[j] == '"' && (esc ? b[j - 1] == '\\' && b[j - 2] != '\\' : b[j - 1] != '\\'))
			return j + 1;
	}
	return 0;
}

/*
 * Where the JSON object holding "type" ends: its closing brace, skipping
 * strings. A document escaped into a JSON string (\"type\": ...) quotes
 * with \". Returns lim when the object does not close before it.
 */
static size_t object_end(const char *b, size_t i, size_t lim, bool escaped)
{
	bool instr = false;
	int depth = 0;

	for (; i < lim; i++) {
		if (b[i] == '\\' && i + 1 < lim) {
			if (escaped && b[i + 1] == '"')
				instr = !instr;
			i++;
		} else if (!escaped && b[i] == '"') {
			instr = !instr;
		} else if (!instr && b[i] == '{') {
			depth++;
		} else if (!instr && b[i] == '}' && depth-- == 0) {
			return i;
		}
	}
	return lim;
}

/* "type": "service_account" with its private key (and id) in the same object. */
enum lw_verdict blocks__service_account(const struct lw_view *v, size_t from, size_t to, struct lw_extent *out)
{
	const char *b = v->buf, *p;
	size_t lim = v->len - to > LW_SA_MAX ? to + LW_SA_MAX : v->len, end = 0, lo, obj;

	obj = object_end(b, to, lim, b[from] == '\\');
	if (obj == v->len && !v->final)
		return LW_OPEN;
	for (p = b + to; (p = memmem(p, (size_t)(b + obj - p), "private_key", 11)); p += 11) {
		size_t e = json_string_end(b, obj, (size_t)(p - b) + 11 + (p[11] == '_' ? 3 : 0));

		/* a key with its material, not "private_key": "<redacted>" */
		if (e > end && memmem(p, (size_t)(b + e - p), "PRIVATE KEY-----", 16))
			end = e;
	}
	if (end) {
		out->start = from;
		out->end = end;
		return LW_FOUND;
	}
	/* keys sorted by name put "type" last: look behind, on the same line, no further
	 * than a stream always keeps (a key further back is still the PEM rule's) */
	for (lo = from; lo > 0 && from - lo < LW_LOOK_BEHIND && b[lo - 1] != '\n';)
		lo--;
	p = memmem(b + lo, from - lo, "\"private_key", 12);
	if (!p)
		return LW_REJECT;
	out->start = (size_t)(p - b) + 1;
	out->end = to;
	return LW_FOUND;
}
