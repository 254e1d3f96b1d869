// SPDX-License-Identifier: Apache-2.0
#include "payload/pagelink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/url.h"

/* leakwatch/listener/<host>/<netns>/<proto>/<address>/<port>: the four fields
 * after the host hold no '/', so the host is what comes before them */
static bool listener(FILE *f, const char *key)
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
	fputs("/ui/listener/", f);
	url__encode_n(f, rest, (size_t)(p - 1 - rest), false);
	fprintf(f, "/%s", p);
	return true;
}

/* What f gathered into out, if it fits whole; else "" and false. */
static bool finish(FILE *f, char **buf, size_t *len, bool ok, char out[PAGELINK_MAX])
{
	ok = !fclose(f) && ok && *buf && *len < PAGELINK_MAX;
	if (ok)
		memcpy(out, *buf, *len + 1);
	else
		out[0] = '\0';
	free(*buf);
	return ok;
}

bool pagelink__host(const char *base, const char *host, char out[PAGELINK_MAX])
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	out[0] = '\0';
	if (!base || !host || !(f = open_memstream(&buf, &len)))
		return false;
	fprintf(f, "%s/ui/?host=", base);
	url__encode(f, host, false);
	return finish(f, &buf, &len, true, out);
}

bool pagelink__alert(const char *base, const struct alert_view *v, char out[PAGELINK_MAX])
{
	char *buf = NULL;
	size_t len = 0;
	bool ok = true;
	FILE *f;

	out[0] = '\0';
	if (!base || !(f = open_memstream(&buf, &len)))
		return false;
	fputs(base, f);
	switch (v->kind) {
	case STORE_LISTENER:
		if (!listener(f, v->key)) { /* a key too long to carry its fields: the host's list */
			finish(f, &buf, &len, false, out);
			return pagelink__host(base, v->host, out);
		}
		break;
	case STORE_LEAK:
		ok = v->fingerprint != NULL;
		fputs("/ui/leak/", f);
		url__encode(f, v->fingerprint, false);
		break;
	default:
		fputs("/ui/hosts", f);
		break;
	}
	return finish(f, &buf, &len, ok, out);
}
