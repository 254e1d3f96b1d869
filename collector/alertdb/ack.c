// SPDX-License-Identifier: Apache-2.0
#include "alertdb/ack.h"

#include <errno.h>
#include <string.h>

#include "os/log.h"
#include "wire/utf8.h"

bool ack__valid_fingerprint(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 16 && n <= 64 && s[strspn(s, "0123456789abcdefABCDEF")] == '\0';
}

struct ack_tx {
	const char *fingerprint;
	const char *by;
	uint64_t now_ns;
	struct ack_result *r;
};

static int run(struct db *db, void *arg)
{
	struct ack_tx *t = arg;
	struct alertdb *d;
	int err;

	/* its own statements: the CLI has no engine, and acks are rare */
	if ((err = alertdb__open(db, &d)))
		return err;
	err = alertdb__ack(d, t->fingerprint, t->by, t->now_ns, t->r);
	alertdb__close(d);
	return err;
}

int ack__leak(struct store *s, const char *fingerprint, const char *by, uint64_t now_ns,
	      struct ack_result *r)
{
	struct ack_tx t = { .fingerprint = fingerprint, .by = by, .now_ns = now_ns, .r = r };
	int err;

	memset(r, 0, sizeof(*r));
	if (!ack__valid_fingerprint(fingerprint))
		return -EINVAL;
	if (by && (strlen(by) > ACK_MAX_BY || !utf8__valid(by, strlen(by))))
		return -EINVAL;
	for (const char *p = by; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	err = store__tx(s, run, &t);
	if (!err && r->found && !r->already)
		log_info("leak %s acknowledged%s%s; %u alert(s) resolved", fingerprint, by && *by ? " by " : "",
			 by && *by ? by : "", r->resolved);
	return err;
}
