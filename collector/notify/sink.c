// SPDX-License-Identifier: Apache-2.0
#include "notify/sink.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/retry.h"

#ifndef LW_VERSION
#define LW_VERSION "0.0.0-dev"
#endif

#define MAX_RESPONSE (64 * 1024) /* read and dropped; no sink says more that matters */

struct sink_http {
	CURL *curl;
	uint64_t timeout_ms;
	const bool *stopping;
};

enum sink_outcome sink__classify(long status)
{
	if (status >= 200 && status < 300)
		return SINK_DELIVERED;
	if (status == 0 || status == 408 || status == 429 || status >= 500)
		return SINK_RETRY;
	return SINK_REJECTED;
}

int sink_http__new(uint64_t timeout_ms, const bool *stopping, struct sink_http **out)
{
	struct sink_http *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return -ENOMEM;
	}
	h->timeout_ms = timeout_ms;
	h->stopping = stopping;
	*out = h;
	return 0;
}

void sink_http__free(struct sink_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

void sink_http__set_timeout(struct sink_http *h, uint64_t timeout_ms)
{
	h->timeout_ms = timeout_ms;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	size_t *seen = ctx;

	(void)data;
	*seen += size * n;
	return *seen > MAX_RESPONSE ? 0 : size * n;
}

/* a shutdown does not wait out a slow sink: the row stays for the next start */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const bool *stopping = ctx;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stopping && __atomic_load_n(stopping, __ATOMIC_RELAXED);
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	retry__header(data, size * n, time(NULL), ctx);
	return size * n;
}

void sink_http__post(struct sink_http *h, const struct alert_sink *s, const char *body,
		     int64_t delivery_id, struct sink_result *r)
{
	struct curl_slist *hdrs = NULL, *more;
	char idem[64], *auth = NULL;
	size_t seen = 0;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(idem, sizeof(idem), "Idempotency-Key: leakwatch-%" PRId64, delivery_id);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (hdrs && (more = curl_slist_append(hdrs, "User-Agent: leakwatch-collector/" LW_VERSION)))
		hdrs = more;
	if (hdrs && (more = curl_slist_append(hdrs, idem)))
		hdrs = more;
	if (hdrs && s->bearer && asprintf(&auth, "Authorization: Bearer %s", s->bearer) >= 0) {
		if ((more = curl_slist_append(hdrs, auth)))
			hdrs = more;
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (!hdrs) {
		r->outcome = SINK_RETRY;
		snprintf(r->error, sizeof(r->error), "out of memory");
		return;
	}
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(h->timeout_ms < 5000 ? h->timeout_ms : 5000));
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &r->retry_after_ms);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, (void *)h->stopping);
	rc = curl_easy_perform(h->curl);
	/* the header list held the bearer token */
	for (struct curl_slist *p = hdrs; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(hdrs);
	if (rc == CURLE_WRITE_ERROR && seen > MAX_RESPONSE)
		rc = CURLE_OK; /* it answered, at length: the status stands */
	if (rc != CURLE_OK) {
		r->outcome = SINK_RETRY;
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->outcome = sink__classify(r->status);
	if (r->outcome != SINK_DELIVERED)
		snprintf(r->error, sizeof(r->error), "HTTP %ld", r->status);
}
