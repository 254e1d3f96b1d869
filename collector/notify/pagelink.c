// SPDX-License-Identifier: Apache-2.0
#include "notify/pagelink.h"

#include <stdio.h>
#include <string.h>

/* Percent-encodes n bytes of s (unreserved characters and ':' kept); false when it does not fit. */
static bool encode(char *out, size_t *at, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (*at + 4 > cap)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~' || c == ':') {
			out[(*at)++] = (char)c;
		} else {
			out[(*at)++] = '%';
			out[(*at)++] = hex[c >> 4];
			out[(*at)++] = hex[c & 15];
		}
	}
	out[*at] = '\0';
	return true;
}

static bool append(char *out, size_t *at, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (*at + n + 1 > cap)
		return false;
	memcpy(out + *at, s, n + 1);
	*at += n;
	return true;
}

/* leakwatch/listener/<host>/<netns>/<proto>/<address>/<port>: the four fields
 * after the host hold no '/', so the host is what comes before them */
static bool listener(char *out, size_t *at, const char *key)
{
	static const char prefix[] = "leakwatch/listener/";
	const char *rest, *p;
	int slashes = 0;

	if (strncmp(key, prefix, sizeof(prefix) - 1) || !strncmp(key + sizeof(prefix) - 1, "sha256/", 7))
		return false;
	rest = key + sizeof(prefix) - 1;
	for (p = rest + strlen(rest); p > rest; p--)
		if (p[-1] == '/' && ++slashes == 4)
			break;
	if (slashes != 4 || p - 1 == rest)
		return false;
	return append(out, at, PAGELINK_MAX, "/ui/listener/") &&
	       encode(out, at, PAGELINK_MAX, rest, (size_t)(p - 1 - rest)) &&
	       append(out, at, PAGELINK_MAX, "/") &&
	       append(out, at, PAGELINK_MAX, p);
}

bool pagelink__host(const char *base, const char *host, char out[PAGELINK_MAX])
{
	size_t at = 0;

	out[0] = '\0';
	if (!base || !host)
		return false;
	if (!append(out, &at, PAGELINK_MAX, base) || !append(out, &at, PAGELINK_MAX, "/ui/?host=") ||
	    !encode(out, &at, PAGELINK_MAX, host, strlen(host))) {
		out[0] = '\0';
		return false;
	}
	return true;
}

bool pagelink__alert(const char *base, const struct alert_view *v, char out[PAGELINK_MAX])
{
	size_t at = 0;
	bool ok;

	out[0] = '\0';
	if (!base || !append(out, &at, PAGELINK_MAX, base))
		return false;
	switch (v->kind) {
	case STORE_LISTENER:
		ok = listener(out, &at, v->key);
		if (!ok) /* a key too long to carry its fields: the host's list */
			return pagelink__host(base, v->host, out);
		break;
	case STORE_LEAK:
		ok = v->fingerprint && append(out, &at, PAGELINK_MAX, "/ui/leak/") &&
		     encode(out, &at, PAGELINK_MAX, v->fingerprint, strlen(v->fingerprint));
		break;
	default:
		ok = append(out, &at, PAGELINK_MAX, "/ui/hosts");
		break;
	}
	if (!ok)
		out[0] = '\0';
	return ok;
}
