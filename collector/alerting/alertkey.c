// SPDX-License-Identifier: Apache-2.0
#include "alerting/alertkey.h"

#include <inttypes.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static void make(char key[ALERTKEY_LEN], const char *what, const char *fmt, ...)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *full = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&full, fmt, ap);
	va_end(ap);
	if (n >= 0 && n < ALERTKEY_LEN) {
		memcpy(key, full, (size_t)n + 1);
		free(full);
		return;
	}
	if (n < 0) {
		/* out of memory: a key still, never a crash; the next event retries */
		snprintf(key, ALERTKEY_LEN, "leakwatch/%s/unknown", what);
		return;
	}
	SHA256((const unsigned char *)full, (size_t)n, md);
	free(full);
	n = snprintf(key, ALERTKEY_LEN, "leakwatch/%s/sha256/", what);
	for (size_t i = 0; i < sizeof(md); i++)
		n += snprintf(key + n, ALERTKEY_LEN - (size_t)n, "%02x", md[i]);
}

void alertkey__listener(char key[ALERTKEY_LEN], const char *host, uint64_t netns, const char *proto,
			const char *address, unsigned port)
{
	make(key, "listener", "leakwatch/listener/%s/%" PRIu64 "/%s/%s/%u", host, netns, proto, address,
	     port);
}

void alertkey__leak(char key[ALERTKEY_LEN], const char *fingerprint, const char *host)
{
	if (host)
		make(key, "leak", "leakwatch/leak/%s/%s", fingerprint, host);
	else
		make(key, "leak", "leakwatch/leak/%s", fingerprint);
}

bool alertkey__leak_fleet(const char *key)
{
	static const char prefix[] = "leakwatch/leak/";

	return !strncmp(key, prefix, sizeof(prefix) - 1) && !strchr(key + sizeof(prefix) - 1, '/');
}

void alertkey__agent(char key[ALERTKEY_LEN], const char *agent_id, const char *problem)
{
	make(key, "agent", "leakwatch/agent/%s/%s", agent_id, problem);
}

void alertkey__group(char key[ALERTKEY_LEN], const char *host)
{
	make(key, "listeners", "leakwatch/listeners/%s", host);
}
