// SPDX-License-Identifier: Apache-2.0
#include "delivery/exporter.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/grow.h"
#include "delivery/curlapi.h"
#include "os/clock.h"
#include "wire/gz.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "os/log.h"
#include "net/retry.h"
#include "os/version.h"

#define MAX_RESPONSE (64 * 1024)
#define MAX_BATCH_BYTES (3 * 1024 * 1024) /* under the collector's 4 MiB body limit */
#define BASE_BACKOFF_MS 500
/* While blocked, one line per this interval: a fleet with a bad token must
 * not fill every node's journal. */
#define BLOCKED_LOG_INTERVAL_MS (60 * 1000)
/*
 * A partial batch goes out this long after its first event, or a flush
 * interval after the last send, whichever is later: a lone exposure on a
 * quiet host does not wait a second, and there is still at most one
 * partial batch per interval. A batch with a finding in it (a first
 * sighting, a listener's change) waits the linger only: on-call's news is
 * not held behind the health line that went out just before.
 */
#define QUIET_LINGER_MS 20

struct exporter {
	struct exporter_opts o;
	char url[1024];
	char auth[600];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool notified;
	bool finding;      /* a finding waits: no flush interval for its batch */
	struct exporter_stats st;
	CURL *curl;
	uint64_t sequence;
	uint64_t blocked_logged_ms; /* monotonic; 0 before the first line */
};

/* A growable byte buffer for the batch and the response. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

static void put(struct bytes *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (grow__reserve((void **)&b->p, &b->cap, b->len + n, 1, 4096)) {
		b->failed = true;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_varint(struct bytes *b, uint64_t v)
{
	uint8_t buf[10];
	size_t n = 0;

	do {
		buf[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(b, buf, n);
}

/* A length-delimited protobuf field. */
static void put_field(struct bytes *b, uint32_t field, const void *data, size_t n)
{
	put_varint(b, (uint64_t)field << 3 | 2);
	put_varint(b, n);
	put(b, data, n);
}

/* The batch being built: EventBatch bytes, spliced from spooled Events. */
struct batch {
	struct bytes body;
	size_t events;
	struct spool_pos end;
};

static int add_record(void *ctx, const void *data, size_t len, const struct spool_pos *next)
{
	struct batch *b = ctx;

	/* EventBatch.events = 3: each spooled record is an encoded Event */
	put_field(&b->body, 3, data, len);
	b->events++;
	b->end = *next;
	return b->body.len >= MAX_BATCH_BYTES;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct bytes *b = ctx;

	if (b->len + size * n > MAX_RESPONSE)
		return 0; /* abort: no ack is that large */
	put(b, data, size * n);
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	retry__header(data, size * n, time(NULL), ctx);
	return size * n;
}

enum outcome { SENT, RETRY, BLOCKED, DROP };

/*
 * What the collector's answer means for the batch: only 200 carries a
 * BatchAck; only 400 and 413 say the batch itself was decoded and refused.
 * Credentials, authorisation and routing answers would refuse every batch
 * alike, so they block instead of emptying the spool. Anything else (busy,
 * failing, an unexpected code from a proxy) is tried again.
 */
static enum outcome outcome_of_status(long status)
{
	switch (status) {
	case 200:
		return SENT;
	case 400:
	case 413:
		return DROP;
	case 401:
	case 403:
	case 404:
	case 405:
	case 421:
		return BLOCKED;
	default:
		return RETRY;
	}
}

/* Records a blocked or an accepted send; logs a block once per interval. */
static void note_blocked(struct exporter *e, long status)
{
	uint64_t now = clock__monotonic_ms();
	bool say;

	pthread_mutex_lock(&e->lock);
	if (!status) {
		if (e->st.blocked_status)
			log_info("export: the collector accepts batches again; the spool drains");
		e->st.blocked_status = 0;
		e->st.blocked_since_ms = 0;
		e->blocked_logged_ms = 0;
		pthread_mutex_unlock(&e->lock);
		return;
	}
	if (!e->st.blocked_status || e->st.blocked_status != status)
		e->st.blocked_since_ms = clock__realtime_ns() / 1000000ULL;
	say = !e->blocked_logged_ms || e->st.blocked_status != status ||
	      now - e->blocked_logged_ms >= BLOCKED_LOG_INTERVAL_MS;
	e->st.blocked_status = (int)status;
	e->st.blocked_attempts++;
	if (say)
		e->blocked_logged_ms = now;
	pthread_mutex_unlock(&e->lock);
	if (say)
		log_error("export: collector answered %ld (check collector.url and collector.token_file); "
			  "keeping the spool and retrying",
			  status);
}

/* One POST. Fills *ack on success; sets *retry_after_ms if the server asked. */
static enum outcome post(struct exporter *e, const struct bytes *gz, Leakwatch__V1__BatchAck **ack,
			 uint64_t *retry_after_ms)
{
	struct curl_slist *hdrs = NULL;
	struct bytes resp = { 0 };
	long status = 0;
	CURLcode rc;

	hdrs = libcurl.slist_append(hdrs, "Content-Type: application/x-protobuf");
	hdrs = libcurl.slist_append(hdrs, "Content-Encoding: gzip");
	hdrs = libcurl.slist_append(hdrs, "User-Agent: leakwatch/" LW_VERSION);
	if (e->auth[0])
		hdrs = libcurl.slist_append(hdrs, e->auth);
	libcurl.easy_setopt(e->curl, CURLOPT_HTTPHEADER, hdrs);
	libcurl.easy_setopt(e->curl, CURLOPT_POSTFIELDS, gz->p);
	libcurl.easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)gz->len);
	libcurl.easy_setopt(e->curl, CURLOPT_WRITEDATA, &resp);
	libcurl.easy_setopt(e->curl, CURLOPT_HEADERDATA, retry_after_ms);
	*retry_after_ms = 0;
	rc = libcurl.easy_perform(e->curl);
	libcurl.slist_free_all(hdrs);
	if (rc == CURLE_OK)
		libcurl.easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
	pthread_mutex_lock(&e->lock);
	e->st.last_status = (int)status;
	pthread_mutex_unlock(&e->lock);
	if (rc != CURLE_OK) {
		log_warn("export: %s", libcurl.easy_strerror(rc));
		free(resp.p);
		return RETRY;
	}
	switch (outcome_of_status(status)) {
	case SENT:
		*ack = leakwatch__v1__batch_ack__unpack(NULL, resp.len, resp.p);
		free(resp.p);
		if (!*ack) {
			log_warn("export: the collector's answer is not a BatchAck; resending");
			return RETRY;
		}
		/* an empty body decodes as a BatchAck of batch 0, which no batch is:
		 * a proxy or a wrong endpoint answering 200 must not drop the batch */
		if ((*ack)->sequence != e->sequence) {
			log_warn("export: the answer acknowledges batch %" PRIu64 ", not batch %" PRIu64 "; resending",
				 (uint64_t)(*ack)->sequence, e->sequence);
			leakwatch__v1__batch_ack__free_unpacked(*ack, NULL);
			*ack = NULL;
			return RETRY;
		}
		return SENT;
	case RETRY:
		free(resp.p);
		log_warn("export: collector answered %ld; will retry", status);
		return RETRY;
	case BLOCKED:
		free(resp.p);
		note_blocked(e, status);
		return BLOCKED;
	case DROP:
		break;
	}
	free(resp.p);
	log_error("export: collector refused the batch with %ld; dropping it", status);
	return DROP;
}

static int read_token(const char *file, char *out, size_t len, char *err, size_t errlen);

/*
 * A refused credential may have been rotated on disk since the start (a
 * Kubernetes Secret volume updates in place): read the file again before
 * the next attempt. Only the export thread uses e->auth after the start.
 */
static void reread_token(struct exporter *e)
{
	char token[512], err[256];

	if (!e->o.token_file || read_token(e->o.token_file, token, sizeof(token), err, sizeof(err)))
		return;
	snprintf(e->auth, sizeof(e->auth), "Authorization: Bearer %s", token);
	memset(token, 0, sizeof(token));
}

/* Sleeps up to ms, waking early on stop. Returns true if stopping. */
static bool wait_ms(struct exporter *e, uint64_t ms, bool wake_on_notify)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&e->lock);
	while (!e->stop && !(wake_on_notify && e->notified))
		if (pthread_cond_timedwait(&e->wake, &e->lock, &until) == ETIMEDOUT)
			break;
	e->notified = false;
	stop = e->stop;
	pthread_mutex_unlock(&e->lock);
	return stop;
}

/* Was a finding appended since the last look? */
static bool take_finding(struct exporter *e)
{
	bool f;

	pthread_mutex_lock(&e->lock);
	f = e->finding;
	e->finding = false;
	pthread_mutex_unlock(&e->lock);
	return f;
}

static bool stopping(struct exporter *e)
{
	bool stop;

	pthread_mutex_lock(&e->lock);
	stop = e->stop;
	pthread_mutex_unlock(&e->lock);
	return stop;
}

/* Reads what is pending into a fresh batch starting at cursor. */
static void fill_batch(struct exporter *e, struct batch *b, const struct spool_pos *cursor)
{
	struct spool_pos pos = *cursor;

	free(b->body.p);
	memset(b, 0, sizeof(*b));
	put_field(&b->body, 1, e->o.agent_id, strlen(e->o.agent_id));
	put_varint(&b->body, 2 << 3 | 0);
	put_varint(&b->body, e->sequence);
	b->end = pos;
	spool__read(e->o.spool, &pos, e->o.batch_max, MAX_BATCH_BYTES, add_record, b);
}

/*
 * Sends one batch until it is acknowledged or dropped (true), or until a
 * stop cuts the retries short (false: it stays spooled for the next start).
 */
static bool deliver(struct exporter *e, struct batch *b)
{
	const struct retry_policy policy = {
		.initial_ms = BASE_BACKOFF_MS,
		.max_ms = e->o.max_backoff_ms,
		.max_retry_after_ms = RETRY_AFTER_MAX_MS,
	};
	struct bytes gz = { 0 };
	unsigned failures = 0;
	bool done = false;

	if (b->body.failed || gz__compress(b->body.p, b->body.len, &gz.p, &gz.len)) {
		log_error("export: out of memory building a batch");
		return false;
	}
	for (;;) {
		Leakwatch__V1__BatchAck *ack = NULL;
		uint64_t retry_after = 0;
		enum outcome out = post(e, &gz, &ack, &retry_after);

		if (out != BLOCKED && out != RETRY)
			note_blocked(e, 0);
		if (out == SENT) {
			/* the spool first: what the counters say delivered is gone from it */
			spool__ack(e->o.spool, &b->end);
			pthread_mutex_lock(&e->lock);
			e->st.batches++;
			e->st.events += ack->accepted + ack->duplicates;
			e->st.duplicates += ack->duplicates;
			e->st.rejected += ack->rejected;
			e->st.last_success_ms = clock__realtime_ns() / 1000000ULL;
			pthread_mutex_unlock(&e->lock);
			leakwatch__v1__batch_ack__free_unpacked(ack, NULL);
			break;
		}
		if (out == DROP) {
			spool__ack(e->o.spool, &b->end);
			pthread_mutex_lock(&e->lock);
			e->st.rejected += b->events;
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_lock(&e->lock);
		if (out == RETRY)
			e->st.retries++;
		if (!e->st.last_status)
			e->st.failures++;
		pthread_mutex_unlock(&e->lock);
		if (stopping(e))
			goto keep; /* leave it spooled for the next start */
		if (wait_ms(e, retry__wait_ms(&policy, ++failures, retry_after), false))
			goto keep;
		if (out == BLOCKED)
			reread_token(e);
	}
	e->sequence++;
	done = true;
keep:
	free(gz.p);
	return done;
}

static void *run(void *arg)
{
	struct exporter *e = arg;
	struct spool_pos cursor = spool__start(e->o.spool);
	uint64_t last_send = 0;
	struct batch b = { 0 };

	/* After a stop, what is pending still gets one attempt per batch, so a
	 * clean shutdown leaves nothing behind when the collector is up.
	 * finding: a finding was appended before the last fill, so it is in
	 * this batch, or in the next one when this one filled up. */
	bool finding = false;

	for (;;) {
		bool stop = stopping(e), full;
		uint64_t first_seen, due, now;

		finding |= take_finding(e); /* before the fill that takes its record */
		fill_batch(e, &b, &cursor);
		if (!b.events) {
			finding = false; /* whatever was flagged went out already */
			if (stop)
				break;
			wait_ms(e, e->o.flush_ms, true);
			continue;
		}
		/* a partial batch waits for more: a short linger, but no sooner
		 * than a flush interval after the last send, unless it holds a finding */
		first_seen = clock__monotonic_ms();
		due = first_seen + QUIET_LINGER_MS;
		if (!finding && last_send && last_send + e->o.flush_ms > due)
			due = last_send + e->o.flush_ms;
		for (;;) {
			full = b.events >= e->o.batch_max || b.body.len >= MAX_BATCH_BYTES;
			now = clock__monotonic_ms();
			if (stop || full || now >= due)
				break;
			stop = wait_ms(e, due - now, true);
			finding |= take_finding(e);
			fill_batch(e, &b, &cursor);
			if (finding && due > first_seen + QUIET_LINGER_MS)
				due = first_seen + QUIET_LINGER_MS;
		}
		last_send = clock__monotonic_ms();
		if (!deliver(e, &b))
			break;
		cursor = b.end;
		if (!full)
			finding = false; /* this batch took every record flagged so far */
	}
	free(b.body.p);
	return NULL;
}

/* The first line of the token file. */
static int read_token(const char *file, char *out, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(file, "re");
	int rc = 0;

	out[0] = '\0';
	if (!f || (!fgets(out, (int)len, f) && ferror(f)))
		rc = -errno;
	if (f)
		fclose(f);
	if (rc) {
		snprintf(err, errlen, "collector.token_file %s: %s", file, strerror(-rc));
		return rc;
	}
	out[strcspn(out, "\r\n")] = '\0';
	if (!out[0]) {
		snprintf(err, errlen, "collector.token_file %s is empty", file);
		return -EINVAL;
	}
	return 0;
}

int exporter__start(const struct exporter_opts *opts, struct exporter **out, char *err, size_t errlen)
{
	struct exporter *e;
	char token[512];
	size_t base_len;
	int rc = curlapi__load(err, errlen);

	if (rc)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->o = *opts;
	e->sequence = 1;
	base_len = strlen(opts->url);
	while (base_len && opts->url[base_len - 1] == '/')
		base_len--;
	snprintf(e->url, sizeof(e->url), "%.*s/v1/events", (int)base_len, opts->url);
	if (opts->token_file) {
		rc = read_token(opts->token_file, token, sizeof(token), err, errlen);
		if (rc) {
			free(e);
			return rc;
		}
		snprintf(e->auth, sizeof(e->auth), "Authorization: Bearer %s", token);
		memset(token, 0, sizeof(token));
	}
	e->curl = libcurl.easy_init();
	if (!e->curl) {
		memset(e->auth, 0, sizeof(e->auth));
		free(e);
		snprintf(err, errlen, "libcurl initialisation failed");
		return -ENOMEM;
	}
	libcurl.easy_setopt(e->curl, CURLOPT_URL, e->url);
	libcurl.easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	libcurl.easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, (long)opts->timeout_ms);
	libcurl.easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(opts->timeout_ms < 5000 ? opts->timeout_ms : 5000));
	libcurl.easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_body);
	libcurl.easy_setopt(e->curl, CURLOPT_HEADERFUNCTION, on_header);
	libcurl.easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (opts->ca_file)
		libcurl.easy_setopt(e->curl, CURLOPT_CAINFO, opts->ca_file);
	if (opts->client_cert)
		libcurl.easy_setopt(e->curl, CURLOPT_SSLCERT, opts->client_cert);
	if (opts->client_key)
		libcurl.easy_setopt(e->curl, CURLOPT_SSLKEY, opts->client_key);
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->wake, NULL);
	rc = pthread_create(&e->thread, NULL, run, e);
	if (rc) {
		libcurl.easy_cleanup(e->curl);
		memset(e->auth, 0, sizeof(e->auth));
		free(e);
		snprintf(err, errlen, "cannot start the export thread: %s", strerror(rc));
		return -rc;
	}
	*out = e;
	return 0;
}

/* Sets one of the thread's flags and wakes it. */
static void wake(struct exporter *e, bool *flag)
{
	pthread_mutex_lock(&e->lock);
	*flag = true;
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->lock);
}

void exporter__notify(struct exporter *e, bool finding)
{
	if (!e)
		return;
	if (finding) {
		pthread_mutex_lock(&e->lock);
		e->finding = true;
		pthread_mutex_unlock(&e->lock);
	}
	wake(e, &e->notified);
}


void exporter__stop(struct exporter *e)
{
	if (!e)
		return;
	wake(e, &e->stop);
	pthread_join(e->thread, NULL);
	libcurl.easy_cleanup(e->curl);
	memset(e->auth, 0, sizeof(e->auth));
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void exporter__stats(struct exporter *e, struct exporter_stats *out)
{
	if (!e) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&e->lock);
	*out = e->st;
	pthread_mutex_unlock(&e->lock);
}
