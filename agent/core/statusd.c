// SPDX-License-Identifier: Apache-2.0
#include "core/statusd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/mhdapi.h"
#include "os/clock.h"

/* The main loop polls every 200 ms; silence for this long means it is stuck. */
#define LIVENESS_MS 30000

struct statusd {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	struct lw_metrics m;
	bool ready;
	uint64_t heartbeat_ms;
};

int statusd__parse_listen(const char *listen, void *ss, unsigned *len)
{
	char host[64];
	const char *colon;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(struct sockaddr_storage));
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - listen - 1), listen + 1);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	}
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, bool owned)
{
	struct MHD_Response *r = libmhd.create_response_from_buffer(strlen(body), body,
								   owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	libmhd.add_response_header(r, "Content-Type", type);
	ret = libmhd.queue_response(c, status, r);
	libmhd.destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_len, void **req)
{
	struct statusd *s = cls;
	struct lw_metrics snap;
	bool ready, alive;
	char *text;

	(void)version;
	(void)upload;
	(void)req;
	if (*upload_len)
		return MHD_NO; /* no bodies here */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n", false);
	pthread_mutex_lock(&s->lock);
	snap = s->m;
	ready = s->ready;
	alive = clock__monotonic_ms() - s->heartbeat_ms < LIVENESS_MS;
	pthread_mutex_unlock(&s->lock);
	if (!strcmp(url, "/metrics")) {
		text = metrics__render(&snap);
		if (!text)
			return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "out of memory\n", false);
		return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", text, true);
	}
	if (!strcmp(url, "/healthz"))
		return ready ? reply(c, MHD_HTTP_OK, "text/plain", "ok\n", false)
			     : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "starting\n", false);
	if (!strcmp(url, "/livez"))
		return alive ? reply(c, MHD_HTTP_OK, "text/plain", "ok\n", false)
			     : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "main loop stalled\n", false);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", false);
}

int statusd__start(const char *listen, struct statusd **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct statusd *s;
	unsigned len;

	if (statusd__parse_listen(listen, &ss, &len)) {
		snprintf(err, errlen, "metrics.listen: expected host:port, got \"%s\"", listen);
		return -EINVAL;
	}
	if (mhdapi__load(err, errlen))
		return -ENOENT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->heartbeat_ms = clock__monotonic_ms();
	/* one internal thread: probes and scrapes are few and small */
	s->daemon = libmhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
					     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				     MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, errlen, "metrics: cannot listen on %s: %s", listen, strerror(errno ? errno : EADDRINUSE));
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -EADDRINUSE;
	}
	*out = s;
	return 0;
}

unsigned statusd__port(const struct statusd *s)
{
	const union MHD_DaemonInfo *info = libmhd.get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : 0;
}

void statusd__stop(struct statusd *s)
{
	if (!s)
		return;
	libmhd.stop_daemon(s->daemon);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void statusd__publish(struct statusd *s, const struct lw_metrics *m, bool ready)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->m = *m;
	s->ready = ready;
	s->heartbeat_ms = clock__monotonic_ms();
	pthread_mutex_unlock(&s->lock);
}

void statusd__heartbeat(struct statusd *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->heartbeat_ms = clock__monotonic_ms();
	pthread_mutex_unlock(&s->lock);
}
