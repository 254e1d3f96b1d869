// SPDX-License-Identifier: Apache-2.0
/*
 * The collector's HTTP endpoints, served by libmicrohttpd on loopback over
 * a real store, asked with libcurl: who needs the token, what each path and
 * method answers, how a batch is stored once by event id, and how every
 * refusal is a 4xx (or a 503 with Retry-After) that is counted and stores
 * nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collector_fixtures.h"
#include "wire/gz.h"
#include "server/metrics.h"
#include "access/auth.h"
#include "server/server.h"
#include "access/token.h"
#include "storage/store.h"
#include "tmpdir.h"

#define TOKEN "0123456789abcdef-the-test-token"
#define BEARER "Authorization: Bearer " TOKEN
/* named credentials beside the legacy token, which holds both roles */
#define INGEST_TOKEN "ingest-token-for-the-whole-fleet"
#define DB_ONLY_TOKEN "ingest-token-for-db-hosts-only"
#define OPERATOR_TOKEN "operator-token-of-alice-0123"
#define FP "00112233445566778899aabbccddeeff"
#define MAX_BODY (64 * 1024)

struct ctx {
	char dir[64];
	char db[96];
	struct store *store;
	struct metrics m;
	struct server *srv;
	char base[64];
};

/* What came back. */
struct answer {
	long status;
	char body[65536];
	size_t len;
	char retry_after[32], allow[32], www_authenticate[32], content_type[64];
};

/* A digest file in the test's directory, as `token create` writes one. */
static char *digest_file(struct ctx *c, const char *name, const char *token)
{
	uint8_t d[TOKEN_DIGEST_LEN];
	static char paths[3][160];
	static int next;
	char *path = paths[next++ % 3];
	FILE *f;

	snprintf(path, 160, "%s/%s.sha256", c->dir, name);
	token__digest(token, strlen(token), d);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	for (int i = 0; i < TOKEN_DIGEST_LEN; i++)
		fprintf(f, "%02x", d[i]);
	fputc('\n', f);
	fclose(f);
	return path;
}

static struct auth *credentials(struct ctx *c)
{
	static char *db_hosts[] = { "db-*" };
	struct auth_cred_cfg cfg[3] = {
		{ .name = "fleet", .roles = AUTH_INGEST, .digest_file = digest_file(c, "fleet", INGEST_TOKEN) },
		{ .name = "db-nodes", .roles = AUTH_INGEST, .digest_file = digest_file(c, "db", DB_ONLY_TOKEN),
		  .hosts = db_hosts, .n_hosts = 1 },
		{ .name = "alice", .roles = AUTH_OPERATOR,
		  .digest_file = digest_file(c, "alice", OPERATOR_TOKEN) },
	};
	uint8_t legacy[TOKEN_DIGEST_LEN];
	char err[256];
	struct auth *a;

	token__digest(TOKEN, strlen(TOKEN), legacy);
	a = auth__build(cfg, 3, legacy, "token", err, sizeof(err));
	if (!a)
		fprintf(stderr, "auth: %s\n", err);
	return a;
}

static int start(void **state, uint64_t max_inflight)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct store_opts so = { .busy_timeout_ms = 1000 };
	struct server_opts o = { .max_connections = 16, .max_connections_per_ip = 16, .timeout_s = 10,
				 .threads = 2 };
	char err[256];

	if (!c)
		return -1;
	if (tmpdir__make(c->dir, sizeof(c->dir), "lwc-server"))
		return -1;
	snprintf(c->db, sizeof(c->db), "%s/collector.db", c->dir);
	if (fx_store_opts(&so, c->db) || store__open(&so, &c->store, err, sizeof(err)))
		return -1;
	if (listen_addr__parse("127.0.0.1:0", &o.listen))
		return -1;
	ingest__default_limits(&o.limits);
	o.limits.max_body = MAX_BODY;
	o.limits.max_inflated = 1 << 20;
	o.limits.max_ratio = 100;
	o.max_inflight = max_inflight;
	if (!(o.auth = credentials(c)))
		return -1;
	o.store = c->store;
	o.db_where.path = c->db;
	o.db_where.driver = so.driver;
	o.db_where.dsn = so.dsn;
	o.metrics = &c->m;
	if (server__start(&o, &c->srv, err, sizeof(err))) {
		fprintf(stderr, "server: %s\n", err);
		return -1;
	}
	snprintf(c->base, sizeof(c->base), "http://127.0.0.1:%u", server__port(c->srv));
	*state = c;
	return 0;
}

static int setup(void **state)
{
	return start(state, 16 << 20);
}

/* Room in flight for less than one largest body: a big upload finds it busy. */
static int setup_tight(void **state)
{
	return start(state, MAX_BODY / 2);
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	server__stop(c->srv);
	store__close(c->store);
	if (tmpdir__remove(c->dir))
		return -1;
	free(c);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t len = size * n, room = sizeof(a->body) - 1 - a->len;

	memcpy(a->body + a->len, data, len < room ? len : room);
	a->len += len < room ? len : room;
	a->body[a->len] = '\0';
	return len;
}

static void keep(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);

	if (len > n + 1 && !strncasecmp(line, name, n) && line[n] == ':')
		snprintf(out, outlen, "%.*s", (int)strcspn(line + n + 1, "\r\n") - 1, line + n + 2);
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;

	keep(data, size * n, "Retry-After", a->retry_after, sizeof(a->retry_after));
	keep(data, size * n, "Allow", a->allow, sizeof(a->allow));
	keep(data, size * n, "WWW-Authenticate", a->www_authenticate, sizeof(a->www_authenticate));
	keep(data, size * n, "Content-Type", a->content_type, sizeof(a->content_type));
	return size * n;
}

/* One request; headers: NULL-terminated "Name: value" lines. */
static struct answer *ask(struct ctx *c, const char *method, const char *path, const char *const *headers,
			  const void *body, size_t len)
{
	static struct answer a;
	struct curl_slist *h = NULL;
	char url[256];
	CURL *curl = curl_easy_init();

	memset(&a, 0, sizeof(a));
	snprintf(url, sizeof(url), "%s%s", c->base, path);
	for (; headers && *headers; headers++)
		h = curl_slist_append(h, *headers);
	h = curl_slist_append(h, "Expect:"); /* send the body at once, as agents do */
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	return &a;
}

static const char *const with_token[] = { BEARER, "Content-Type: application/x-protobuf",
					  "Content-Encoding: gzip", NULL };

/* A listener and a leak, numbered from n, as one gzip batch. */
static uint8_t *two_events(unsigned n, uint64_t seq, size_t *len)
{
	struct fx a, b;
	Leakwatch__V1__Event *evs[2];
	uint8_t *raw, *gz;
	size_t raw_len;

	evs[0] = fx_listener(&a, n, (int64_t)fx_now(), "db-1", 6379, true);
	evs[1] = fx_leak(&b, n + 1, (int64_t)fx_now(), "db-1", FP, "/var/log/app.log", 1);
	raw = fx_batch(evs, 2, "agent-1", seq, &raw_len);
	assert_int_equal(gz__compress(raw, raw_len, &gz, len), 0);
	free(raw);
	return gz;
}

static Leakwatch__V1__BatchAck *ack_of(const struct answer *a)
{
	Leakwatch__V1__BatchAck *ack = leakwatch__v1__batch_ack__unpack(NULL, a->len, (const uint8_t *)a->body);

	assert_non_null(ack);
	return ack;
}

static uint64_t rejected(struct ctx *c, enum metrics_reject why)
{
	struct metrics m;

	server__metrics(c->srv, &m);
	return m.rejected[why];
}

static void test_healthz_and_metrics_need_no_token(void **state)
{
	struct ctx *c = *state;
	struct answer *a;

	a = ask(c, "GET", "/healthz", NULL, NULL, 0);
	assert_int_equal(a->status, 200);
	assert_string_equal(a->body, "ok\n");
	a = ask(c, "GET", "/metrics", NULL, NULL, 0);
	assert_int_equal(a->status, 200);
	assert_non_null(strstr(a->content_type, "text/plain"));
	assert_non_null(strstr(a->body, "leakwatch_collector_requests_total 2"));
}

static void test_everything_else_needs_the_token(void **state)
{
	struct ctx *c = *state;
	const char *const wrong[] = { "Authorization: Bearer not-the-token-at-all", NULL };
	size_t len;
	uint8_t *body = two_events(1, 1, &len);
	struct answer *a;

	a = ask(c, "POST", "/v1/events", NULL, body, len);
	assert_int_equal(a->status, 401);
	assert_string_equal(a->www_authenticate, "Bearer");
	assert_int_equal(ask(c, "POST", "/v1/events", wrong, body, len)->status, 401);
	assert_int_equal(ask(c, "GET", "/v1/findings", NULL, NULL, 0)->status, 401);
	assert_int_equal(ask(c, "POST", "/v1/findings/" FP "/ack", wrong, NULL, 0)->status, 401);
	assert_int_equal(rejected(c, REJECT_AUTH), 4);
	a = ask(c, "GET", "/v1/findings", with_token, NULL, 0);
	assert_int_equal(a->status, 200);
	assert_non_null(strstr(a->body, "\"count\":0")); /* nothing was stored */
	free(body);
}

static void test_a_batch_is_stored_once_by_event_id(void **state)
{
	struct ctx *c = *state;
	const char *const identity[] = { BEARER, "Content-Type: application/x-protobuf", NULL };
	Leakwatch__V1__BatchAck *ack;
	struct fx one;
	Leakwatch__V1__Event *ev = fx_listener(&one, 9, (int64_t)fx_now(), "db-2", 5432, true);
	size_t len, raw_len;
	uint8_t *body = two_events(1, 7, &len), *raw;
	struct answer *a;

	a = ask(c, "POST", "/v1/events", with_token, body, len);
	assert_int_equal(a->status, 200);
	assert_string_equal(a->content_type, "application/x-protobuf");
	ack = ack_of(a);
	assert_int_equal(ack->sequence, 7);
	assert_int_equal(ack->accepted, 2);
	assert_int_equal(ack->duplicates, 0);
	leakwatch__v1__batch_ack__free_unpacked(ack, NULL);

	/* a resend: the same events, already stored */
	ack = ack_of(ask(c, "POST", "/v1/events", with_token, body, len));
	assert_int_equal(ack->accepted, 0);
	assert_int_equal(ack->duplicates, 2);
	leakwatch__v1__batch_ack__free_unpacked(ack, NULL);

	/* uncompressed is fine too */
	raw = fx_batch(&ev, 1, "agent-1", 8, &raw_len);
	ack = ack_of(ask(c, "POST", "/v1/events", identity, raw, raw_len));
	assert_int_equal(ack->accepted, 1);
	leakwatch__v1__batch_ack__free_unpacked(ack, NULL);
	assert_non_null(strstr(ask(c, "GET", "/v1/findings", with_token, NULL, 0)->body, "\"count\":3"));
	free(raw);
	free(body);
}

static void test_paths_and_methods(void **state)
{
	struct ctx *c = *state;
	struct answer *a;

	a = ask(c, "GET", "/v1/events", with_token, NULL, 0);
	assert_int_equal(a->status, 405);
	assert_string_equal(a->allow, "POST");
	a = ask(c, "POST", "/healthz", NULL, "x", 1);
	assert_int_equal(a->status, 405);
	assert_string_equal(a->allow, "GET, HEAD");
	assert_int_equal(ask(c, "GET", "/", NULL, NULL, 0)->status, 404);
	assert_int_equal(ask(c, "GET", "/v1/eventsX", NULL, NULL, 0)->status, 404);
	assert_int_equal(ask(c, "POST", "/v1/findings/a/b/ack", with_token, NULL, 0)->status, 404);
	/* a query takes no body */
	assert_int_equal(ask(c, "GET", "/v1/findings", with_token, "{}", 2)->status, 400);
	assert_int_equal(rejected(c, REJECT_BAD_REQUEST), 6);
}

static void test_bad_bodies_are_refused_counted_and_not_stored(void **state)
{
	struct ctx *c = *state;
	const char *const br[] = { BEARER, "Content-Encoding: br", NULL };
	const char *const text[] = { BEARER, "Content-Type: text/plain", "Content-Encoding: gzip", NULL };
	static uint8_t zeros[1 << 20], big[MAX_BODY + 1];
	uint8_t *gz;
	size_t len;

	assert_int_equal(ask(c, "POST", "/v1/events", with_token, "not gzip", 8)->status, 400);
	assert_int_equal(rejected(c, REJECT_BAD_GZIP), 1);
	assert_int_equal(gz__compress("not protobuf \xff\xff\xff", 16, &gz, &len), 0);
	assert_int_equal(ask(c, "POST", "/v1/events", with_token, gz, len)->status, 400);
	assert_int_equal(rejected(c, REJECT_BAD_PROTOBUF), 1);
	free(gz);
	assert_int_equal(ask(c, "POST", "/v1/events", br, "x", 1)->status, 415);
	assert_int_equal(ask(c, "POST", "/v1/events", text, "x", 1)->status, 415);
	assert_int_equal(rejected(c, REJECT_BAD_ENCODING), 2);
	/* one byte over max_body */
	assert_int_equal(ask(c, "POST", "/v1/events", with_token, big, sizeof(big))->status, 413);
	assert_int_equal(rejected(c, REJECT_TOO_LARGE), 1);
	/* 1 MiB of zeros gzips to about 1 KiB: past max_ratio (100) */
	assert_int_equal(gz__compress(zeros, sizeof(zeros), &gz, &len), 0);
	assert_int_equal(ask(c, "POST", "/v1/events", with_token, gz, len)->status, 413);
	assert_int_equal(rejected(c, REJECT_BOMB), 1);
	free(gz);
	assert_non_null(strstr(ask(c, "GET", "/v1/findings", with_token, NULL, 0)->body, "\"count\":0"));
}

static void test_too_much_in_flight_is_503_with_retry_after(void **state)
{
	struct ctx *c = *state;
	static uint8_t body[MAX_BODY - 1];
	struct answer *a;

	a = ask(c, "POST", "/v1/events", with_token, body, sizeof(body));
	assert_int_equal(a->status, 503);
	assert_string_equal(a->retry_after, "1");
	assert_int_equal(rejected(c, REJECT_OVERLOADED), 1);
}

static void test_findings_are_filtered_and_bad_parameters_refused(void **state)
{
	struct ctx *c = *state;
	size_t len;
	uint8_t *body = two_events(1, 1, &len);

	assert_int_equal(ask(c, "POST", "/v1/events", with_token, body, len)->status, 200);
	assert_non_null(strstr(ask(c, "GET", "/v1/findings", with_token, NULL, 0)->body, "\"count\":2"));
	assert_non_null(strstr(ask(c, "GET", "/v1/findings?kind=leak", with_token, NULL, 0)->body, "\"count\":1"));
	assert_non_null(
		strstr(ask(c, "GET", "/v1/findings?kind=listener,leak&host=db-1&since=1h&limit=5", with_token,
			   NULL, 0)->body, "\"count\":2"));
	assert_non_null(strstr(ask(c, "GET", "/v1/findings?host=db-9", with_token, NULL, 0)->body, "\"count\":0"));
	assert_int_equal(ask(c, "GET", "/v1/findings?kind=bogus", with_token, NULL, 0)->status, 400);
	assert_int_equal(ask(c, "GET", "/v1/findings?limit=0", with_token, NULL, 0)->status, 400);
	assert_int_equal(ask(c, "GET", "/v1/findings?limit=10001", with_token, NULL, 0)->status, 400);
	assert_int_equal(ask(c, "GET", "/v1/findings?since=yesterday", with_token, NULL, 0)->status, 400);
	free(body);
}

static void test_a_leak_is_acknowledged_once(void **state)
{
	struct ctx *c = *state;
	size_t len;
	uint8_t *body = two_events(1, 1, &len);
	struct answer *a;

	assert_int_equal(ask(c, "POST", "/v1/findings/" FP "/ack", with_token, NULL, 0)->status, 404);
	assert_int_equal(ask(c, "POST", "/v1/events", with_token, body, len)->status, 200);
	a = ask(c, "POST", "/v1/findings/" FP "/ack?by=alice", with_token, NULL, 0);
	assert_int_equal(a->status, 200);
	assert_non_null(strstr(a->body, "\"acknowledged\":true"));
	assert_non_null(strstr(a->body, "\"already_acknowledged\":false"));
	a = ask(c, "POST", "/v1/findings/" FP "/ack", with_token, "{}", 2); /* a body is ignored */
	assert_int_equal(a->status, 200);
	assert_non_null(strstr(a->body, "\"already_acknowledged\":true"));
	assert_int_equal(ask(c, "POST", "/v1/findings/not-hex/ack", with_token, NULL, 0)->status, 400);
	free(body);
}

static const char *const as_ingest[] = { "Authorization: Bearer " INGEST_TOKEN,
					 "Content-Type: application/x-protobuf", "Content-Encoding: gzip", NULL };
static const char *const as_db_nodes[] = { "Authorization: Bearer " DB_ONLY_TOKEN,
					   "Content-Type: application/x-protobuf", "Content-Encoding: gzip", NULL };
static const char *const as_operator[] = { "Authorization: Bearer " OPERATOR_TOKEN,
					   "Content-Type: application/x-protobuf", "Content-Encoding: gzip", NULL };

/* Each role against each endpoint: a node's token can neither read the fleet nor silence it. */
static void test_roles(void **state)
{
	struct ctx *c = *state;
	size_t len;
	uint8_t *body = two_events(1, 1, &len);
	struct answer *a;

	/* ingest: events only */
	assert_int_equal(ask(c, "POST", "/v1/events", as_ingest, body, len)->status, 200);
	a = ask(c, "GET", "/v1/findings", as_ingest, NULL, 0);
	assert_int_equal(a->status, 403);
	assert_non_null(strstr(a->body, "credential fleet has the ingest role; this needs operator"));
	a = ask(c, "POST", "/v1/findings/" FP "/ack", as_ingest, NULL, 0);
	assert_int_equal(a->status, 403);
	/* ...and the refused ack changed nothing */
	a = ask(c, "GET", "/v1/findings?kind=leak", as_operator, NULL, 0);
	assert_int_equal(a->status, 200);
	assert_non_null(strstr(a->body, "\"acknowledged\":null"));
	/* operator: read and ack, never send */
	a = ask(c, "POST", "/v1/events", as_operator, body, len);
	assert_int_equal(a->status, 403);
	assert_non_null(strstr(a->body, "credential alice has the operator role; this needs ingest"));
	a = ask(c, "POST", "/v1/findings/" FP "/ack", as_operator, NULL, 0);
	assert_int_equal(a->status, 200);
	/* acknowledged by the credential's name when no one says */
	a = ask(c, "GET", "/v1/findings?kind=leak", as_operator, NULL, 0);
	assert_non_null(strstr(a->body, "\"by\":\"alice\""));
	assert_int_equal(rejected(c, REJECT_FORBIDDEN), 3);
	/* no one: 401, as before */
	assert_int_equal(ask(c, "GET", "/v1/metrics", NULL, NULL, 0)->status, 404);
	free(body);
}

/* An ingest credential limited to db-* reports for those hosts alone. */
static void test_host_binding(void **state)
{
	struct ctx *c = *state;
	size_t len;
	uint8_t *body = two_events(1, 1, &len); /* db-1's events */
	struct fx e;
	Leakwatch__V1__Event *ev = fx_listener(&e, 50, (int64_t)fx_now(), "web-3", 8080, true);
	uint8_t *raw, *gz;
	size_t raw_len, gz_len;
	struct answer *a;

	assert_int_equal(ask(c, "POST", "/v1/events", as_db_nodes, body, len)->status, 200);
	/* what it sent rests on a credential bound to db-*: host_verified */
	a = ask(c, "GET", "/v1/findings?host=db-1&kind=listener", as_operator, NULL, 0);
	assert_non_null(strstr(a->body, "\"host_verified\":true"));
	raw = fx_batch(&ev, 1, "agent-db-1", 2, &raw_len);
	assert_int_equal(gz__compress(raw, raw_len, &gz, &gz_len), 0);
	a = ask(c, "POST", "/v1/events", as_db_nodes, gz, gz_len);
	assert_int_equal(a->status, 403);
	assert_non_null(strstr(a->body, "credential db-nodes may not report for host web-3"));
	assert_int_equal(rejected(c, REJECT_HOST_MISMATCH), 1);
	a = ask(c, "GET", "/v1/findings?host=web-3", as_operator, NULL, 0);
	assert_non_null(strstr(a->body, "\"count\":0")); /* nothing of it stored */
	/* the fleet's credential has no such limit, and its claims are not verified */
	assert_int_equal(ask(c, "POST", "/v1/events", as_ingest, gz, gz_len)->status, 200);
	a = ask(c, "GET", "/v1/findings?host=web-3", as_operator, NULL, 0);
	assert_non_null(strstr(a->body, "\"host_verified\":false"));
	free(raw);
	free(gz);
	free(body);
}

/* SIGHUP's swap: the new set is in force at once, the old token refused. */
static void test_rotation(void **state)
{
	struct ctx *c = *state;
	struct auth_cred_cfg cfg = { .name = "fleet-2", .roles = AUTH_INGEST,
				     .digest_file = digest_file(c, "fleet2", "the-rotated-ingest-token") };
	const char *const rotated[] = { "Authorization: Bearer the-rotated-ingest-token",
					"Content-Type: application/x-protobuf", "Content-Encoding: gzip", NULL };
	size_t len;
	uint8_t *body = two_events(1, 1, &len);
	char err[256];

	assert_int_equal(ask(c, "POST", "/v1/events", rotated, body, len)->status, 401);
	server__set_auth(c->srv, auth__build(&cfg, 1, NULL, NULL, err, sizeof(err)));
	assert_int_equal(ask(c, "POST", "/v1/events", rotated, body, len)->status, 200);
	assert_int_equal(ask(c, "POST", "/v1/events", as_ingest, body, len)->status, 401);
	free(body);
}

/* Gauges of what is open now, per severity and built-in name; 0 where none. */
static void test_open_gauges(void **state)
{
	struct ctx *c = *state;
	size_t len;
	uint8_t *body = two_events(1, 1, &len);
	struct answer *a;

	a = ask(c, "GET", "/metrics", NULL, NULL, 0);
	assert_non_null(strstr(a->body, "# TYPE leakwatch_listeners_exposed gauge"));
	assert_non_null(strstr(a->body, "leakwatch_listeners_exposed{severity=\"high\",service=\"none\"} 0"));
	assert_non_null(strstr(a->body, "leakwatch_leaks_open{severity=\"critical\",rule=\"none\"} 0"));
	assert_int_equal(ask(c, "POST", "/v1/events", with_token, body, len)->status, 200);
	a = ask(c, "GET", "/metrics", NULL, NULL, 0);
	assert_non_null(strstr(a->body, "leakwatch_listeners_exposed{severity=\"high\",service=\"redis\"} 1"));
	assert_non_null(strstr(a->body, "leakwatch_leaks_open{severity=\"critical\",rule=\"github-pat\"} 1"));
	assert_null(strstr(a->body, "db-1")); /* no host */
	free(body);
}

static void test_digest_files(void **state)
{
	uint8_t d[TOKEN_DIGEST_LEN];
	(void)state;

	assert_int_equal(auth__parse_digest("00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n", d), 0);
	assert_int_equal(d[31], 0xff);
	assert_int_equal(auth__parse_digest("sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", d), 0);
	assert_int_equal(auth__parse_digest("0011", d), -EINVAL);
	assert_int_equal(auth__parse_digest("the token itself, put here by mistake", d), -EINVAL);
	assert_int_equal(auth__parse_digest("00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg", d), -EINVAL);
	assert_int_equal(auth__parse_digest("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff x", d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthz_and_metrics_need_no_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_everything_else_needs_the_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_batch_is_stored_once_by_event_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_and_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_bodies_are_refused_counted_and_not_stored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_much_in_flight_is_503_with_retry_after, setup_tight,
						teardown),
		cmocka_unit_test_setup_teardown(test_findings_are_filtered_and_bad_parameters_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_leak_is_acknowledged_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_gauges, setup, teardown),
		cmocka_unit_test(test_digest_files),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests_name("collector_server", tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
