// SPDX-License-Identifier: Apache-2.0
/*
 * Collector ingest load: `collector_client URL TOKEN_FILE BATCHES THREADS
 * [EVENTS_PER_BATCH]` builds BATCHES gzip'd EventBatches of realistic
 * listener and leak events (every event id distinct, so each one is stored),
 * encodes them all first, then POSTs them from THREADS connections (keep-
 * alive) as fast as the collector acknowledges. Prints events/s and
 * batches/s of acknowledged ingest, and exits 1 if any batch was not stored
 * in full. Figures only: a slow machine fails nothing.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/gz.h"
#include "attrib/host.h"
#include "leakwatch/v1/leakwatch.pb-c.h"

#define S(x) ((char *)(x))
#define HOSTS 50
#define SECRETS 1000

struct body {
	uint8_t *gz;
	size_t len;
};

static struct body *bodies;
static size_t n_bodies, events_per_batch, next_body;
static const char *url;
static char auth[256];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t failed, acked_events, wire_bytes;
static double *latency_ms;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Everything one event points to, sized as a Kubernetes node sends them. */
struct ev {
	Leakwatch__V1__Event e;
	Leakwatch__V1__Host host;
	Leakwatch__V1__Process proc;
	Leakwatch__V1__Container ctr;
	Leakwatch__V1__ListenerEvent l;
	Leakwatch__V1__Service svc;
	Leakwatch__V1__Reachable reach[3], *reach_p[3];
	Leakwatch__V1__LeakEvent k;
	uint8_t id[16], addr[4], raddr[3][4];
	char hostname[64], machine[40], ctr_id[72], cgroup[200], pod_uid[40], pod_name[64];
	char cmdline[160], fingerprint[40], path[96], redacted[16];
};

static void fill(struct ev *v, unsigned seed, bool leak)
{
	static const char *const comms[] = { "redis-server", "postgres", "clickhouse-serv", "mongod", "java" };
	static const uint32_t ports[] = { 6379, 5432, 8123, 27017, 9200 };
	unsigned h = seed % HOSTS, kind = seed % 5;
	uint64_t t = (uint64_t)time(NULL) * 1000000000ULL + seed;

	memset(v, 0, sizeof(*v));
	leakwatch__v1__event__init(&v->e);
	leakwatch__v1__host__init(&v->host);
	leakwatch__v1__process__init(&v->proc);
	leakwatch__v1__container__init(&v->ctr);
	host__uuid7(v->id);
	v->e.id.data = v->id;
	v->e.id.len = 16;
	v->e.time_unix_nano = (int64_t)t;
	snprintf(v->hostname, sizeof(v->hostname), "ip-10-42-%u-%u.eu-west-1.compute.internal", h / 10, h);
	snprintf(v->machine, sizeof(v->machine), "%032x", h * 2654435761u);
	v->host.hostname = v->hostname;
	v->host.machine_id = v->machine;
	v->host.boot_id = S("5d0c1f0e-9a4b-4c7e-8d61-2b3f0a9e7c12");
	v->host.agent_version = S("0.2.0");
	v->host.node_name = v->hostname;
	v->e.host = &v->host;
	v->proc.pid = 1000 + seed % 30000;
	v->proc.tid = v->proc.pid;
	v->proc.uid = 999;
	v->proc.user = S("app");
	v->proc.comm = S(comms[kind]);
	v->proc.exe = S("/usr/local/bin/docker-entrypoint");
	snprintf(v->cmdline, sizeof(v->cmdline),
		 "%s --bind 0.0.0.0 --port %u --config /etc/%s/%s.conf --requirepass ****", comms[kind],
		 ports[kind], comms[kind], comms[kind]);
	v->proc.cmdline = v->cmdline;
	v->e.process = &v->proc;
	snprintf(v->ctr_id, sizeof(v->ctr_id), "%016x%016x%016x%016x", seed, h, kind, seed * 7u);
	snprintf(v->pod_uid, sizeof(v->pod_uid), "1c9b2f55-7d0e-4f5e-9f0a-%012x", h);
	snprintf(v->cgroup, sizeof(v->cgroup),
		 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/cri-containerd-%s.scope",
		 v->pod_uid, v->ctr_id);
	snprintf(v->pod_name, sizeof(v->pod_name), "%s-%u", comms[kind], seed % 7);
	v->ctr.id = v->ctr_id;
	v->ctr.runtime = S("containerd");
	v->ctr.pod_uid = v->pod_uid;
	v->ctr.cgroup = v->cgroup;
	v->ctr.cgroup_id = 4242 + seed;
	v->ctr.pod_name = v->pod_name;
	v->ctr.pod_namespace = S("data");
	v->ctr.container_name = S(comms[kind]);
	v->e.container = &v->ctr;

	if (!leak) {
		leakwatch__v1__listener_event__init(&v->l);
		v->l.action = seed % 4 ? LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_OPEN
				       : LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE;
		v->l.source = LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_KERNEL;
		v->l.protocol = LEAKWATCH__V1__PROTOCOL__PROTOCOL_TCP;
		v->l.address.data = v->addr;
		v->l.address.len = 4;
		v->l.port = ports[kind] + seed % 3;
		v->l.wildcard = true;
		v->l.netns = 4026531840u + seed % 8;
		v->l.socket_inode = 100000 + seed;
		v->l.exposure = LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC;
		for (int i = 0; i < 3; i++) {
			leakwatch__v1__reachable__init(&v->reach[i]);
			v->raddr[i][0] = i == 0 ? 127 : i == 1 ? 10 : 203;
			v->raddr[i][3] = (uint8_t)(h + 1);
			v->reach[i].address.data = v->raddr[i];
			v->reach[i].address.len = 4;
			v->reach[i].class_ = i == 0 ? LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_LOOPBACK
					     : i == 1 ? LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PRIVATE
						      : LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC;
			v->reach[i].interface = S(i == 0 ? "lo" : i == 1 ? "eth0" : "eth1");
			v->reach_p[i] = &v->reach[i];
		}
		v->l.reachable = v->reach_p;
		v->l.n_reachable = 3;
		v->l.reachable_total = 3;
		v->l.interfaces_known = true;
		leakwatch__v1__service__init(&v->svc);
		v->svc.name = S(comms[kind]);
		v->svc.category = S("database");
		v->svc.identified_by = LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PROCESS;
		v->l.service = &v->svc;
		v->l.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH;
		v->l.unexpected = true;
		v->e.kind_case = LEAKWATCH__V1__EVENT__KIND_LISTENER;
		v->e.listener = &v->l;
		return;
	}
	leakwatch__v1__leak_event__init(&v->k);
	snprintf(v->fingerprint, sizeof(v->fingerprint), "%032x", (seed % SECRETS) * 2246822519u);
	snprintf(v->path, sizeof(v->path), "/var/log/pods/data_%s_%s/app/%u.log", v->pod_name, v->pod_uid, seed % 4);
	snprintf(v->redacted, sizeof(v->redacted), "ghp_...%04x", seed % SECRETS);
	v->k.rule = S("github-pat");
	v->k.family = S("github-classic");
	v->k.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL;
	v->k.redacted = v->redacted;
	v->k.fingerprint = v->fingerprint;
	v->k.path = v->path;
	v->k.device = S("259:1");
	v->k.inode = 131000 + seed % 100;
	v->k.offset = seed * 97u;
	v->k.length = 40;
	v->k.last_offset = seed * 131u;
	v->k.count = 1 + seed % 3;
	v->k.total = v->k.count;
	v->k.first_seen_unix_nano = (int64_t)t;
	v->k.last_seen_unix_nano = (int64_t)t;
	v->k.syscall = S("write");
	v->k.fd = 3;
	v->e.kind_case = LEAKWATCH__V1__EVENT__KIND_LEAK;
	v->e.leak = &v->k;
}

static int build(size_t n_batches, size_t per_batch, size_t *raw_total)
{
	struct ev *evs = calloc(per_batch, sizeof(*evs));
	Leakwatch__V1__Event **ptrs = calloc(per_batch, sizeof(*ptrs));
	uint8_t *raw = NULL;
	unsigned seed = 1;

	if (!evs || !ptrs)
		return -1;
	*raw_total = 0;
	for (size_t b = 0; b < n_batches; b++) {
		Leakwatch__V1__EventBatch batch = LEAKWATCH__V1__EVENT_BATCH__INIT;
		size_t len;

		for (size_t i = 0; i < per_batch; i++, seed++) {
			fill(&evs[i], seed, i % 10 < 3); /* 70% listeners, 30% leaks */
			ptrs[i] = &evs[i].e;
		}
		batch.agent_id = evs[0].machine;
		batch.sequence = b + 1;
		batch.events = ptrs;
		batch.n_events = per_batch;
		len = leakwatch__v1__event_batch__get_packed_size(&batch);
		raw = realloc(raw, len);
		leakwatch__v1__event_batch__pack(&batch, raw);
		*raw_total += len;
		if (gz__compress(raw, len, &bodies[b].gz, &bodies[b].len))
			return -1;
	}
	free(raw);
	free(evs);
	free(ptrs);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct body *resp = ctx;

	if (resp->len + size * n > 4096)
		return 0;
	memcpy(resp->gz + resp->len, data, size * n);
	resp->len += size * n;
	return size * n;
}

static void *worker(void *arg)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	uint8_t buf[4096];

	(void)arg;
	h = curl_slist_append(h, "Content-Type: application/x-protobuf");
	h = curl_slist_append(h, "Content-Encoding: gzip");
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	for (;;) {
		struct body resp = { buf, 0 };
		Leakwatch__V1__BatchAck *ack;
		long status = 0;
		size_t i;
		double t0;

		pthread_mutex_lock(&lock);
		i = next_body++;
		pthread_mutex_unlock(&lock);
		if (i >= n_bodies)
			break;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, bodies[i].gz);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodies[i].len);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
		t0 = now_s();
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		latency_ms[i] = (now_s() - t0) * 1000;
		ack = status == 200 ? leakwatch__v1__batch_ack__unpack(NULL, resp.len, resp.gz) : NULL;
		pthread_mutex_lock(&lock);
		if (!ack || ack->accepted != events_per_batch) {
			failed++;
			if (failed <= 3)
				fprintf(stderr, "batch %zu: status %ld, accepted %u\n", i, status, ack ? ack->accepted : 0);
		} else {
			acked_events += ack->accepted;
			wire_bytes += bodies[i].len;
		}
		pthread_mutex_unlock(&lock);
		if (ack)
			leakwatch__v1__batch_ack__free_unpacked(ack, NULL);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t threads, raw_total;
	pthread_t tid[64];
	char token[256];
	double t0, secs;
	FILE *f;

	if (argc < 5) {
		fprintf(stderr, "usage: collector_client URL TOKEN_FILE BATCHES THREADS [EVENTS_PER_BATCH]\n");
		return 2;
	}
	url = argv[1];
	n_bodies = strtoul(argv[3], NULL, 10);
	threads = strtoul(argv[4], NULL, 10);
	events_per_batch = argc > 5 ? strtoul(argv[5], NULL, 10) : 500;
	if (!n_bodies || !threads || threads > 64 || !events_per_batch)
		return 2;
	f = fopen(argv[2], "r");
	if (!f || !fgets(token, sizeof(token), f)) {
		fprintf(stderr, "collector_client: cannot read %s\n", argv[2]);
		return 2;
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);

	bodies = calloc(n_bodies, sizeof(*bodies));
	latency_ms = calloc(n_bodies, sizeof(*latency_ms));
	if (!bodies || !latency_ms || build(n_bodies, events_per_batch, &raw_total)) {
		fprintf(stderr, "collector_client: out of memory\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = now_s();
	for (size_t i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, NULL);
	for (size_t i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	secs = now_s() - t0;
	qsort(latency_ms, n_bodies, sizeof(*latency_ms), by_value);

	printf("  %zu batches x %zu events, %zu connection(s): %.0f events/s, %.1f batches/s"
	       " (%.2f s; %.0f B/event raw, %.0f B/event gzip; batch latency p50 %.1f ms, p99 %.1f ms)\n",
	       n_bodies, events_per_batch, threads, (double)acked_events / secs,
	       (double)(n_bodies - failed) / secs, secs, (double)raw_total / (double)(n_bodies * events_per_batch),
	       (double)wire_bytes / (double)(acked_events ? acked_events : 1), latency_ms[n_bodies / 2],
	       latency_ms[n_bodies * 99 / 100]);
	if (failed)
		printf("  %zu batch(es) not stored in full\n", failed);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
