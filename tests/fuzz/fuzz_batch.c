// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness for what the collector does with a POST /v1/events body,
 * minus HTTP: gunzip (when the input starts with the gzip magic, as a body
 * with Content-Encoding: gzip would), frame, decode, validate, and store
 * into an in-memory SQLite database with the server's own code.
 *
 *   make fuzz && build/fuzz/fuzz_batch build/fuzz/corpus/batch tests/fuzz/corpus/batch
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "storage/store.h"
#include "os/log.h"

/* a fixed "now", so that a crashing input replays the same way */
#define NOW_NS 1795000000000000000ULL
#define REOPEN_EVERY 2000 /* keeps the in-memory database small */

static struct store *db;
static unsigned runs;

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_batch: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log__setup(LW_LOG_ERROR, LW_LOG_TEXT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ingest_encoding enc = size >= 2 && data[0] == 0x1f && data[1] == 0x8b ? INGEST_GZIP
										    : INGEST_IDENTITY;
	struct store_opts o = { .path = ":memory:" };
	struct ingest_limits lim;
	struct ingest_batch *b = NULL;
	struct store_result res;
	enum ingest_status st;
	char err[256];

	if (!size)
		data = (const uint8_t *)"";
	ingest__default_limits(&lim);
	st = ingest__decode(data, size, enc, &lim, NOW_NS, &b);
	if (st != INGEST_OK) {
		check(b == NULL, "a refused body left a batch behind");
		check(ingest__http_status(st) >= 400, "a refusal that is not an error status");
		return 0;
	}
	check(b->n_invalid <= b->n_events, "more invalid events than events");
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_event *e = &b->events[i];

		/* a leak redacted again is re-encoded into a buffer of its own */
		check(e->repacked || e->raw + e->raw_len <= (enc == INGEST_IDENTITY ? data + size : e->raw + e->raw_len),
		      "event outside the body");
		check(!e->repacked || e->raw == e->repacked, "a re-encoded event read from elsewhere");
		if (!e->invalid) {
			check(e->ev && e->ev->id.len == 16, "a valid event without a 16-byte id");
			check(e->ev->host && e->ev->host->hostname[0], "a valid event without a host");
		}
	}

	if (!db || ++runs % REOPEN_EVERY == 0) {
		store__close(db);
		db = NULL;
		if (store__open(&o, &db, err, sizeof(err))) {
			fprintf(stderr, "fuzz_batch: %s\n", err);
			abort();
		}
	}
	check(store__write_batch(db, b, NOW_NS, &res) == 0, "a decoded batch failed to store");
	check(res.accepted + res.duplicates + res.rejected == b->n_events, "ack does not add up");
	ingest__free(b);
	return 0;
}
