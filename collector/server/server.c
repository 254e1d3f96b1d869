// SPDX-License-Identifier: Apache-2.0
/* The daemon: options, TLS, the connection guard, start and stop; each
 * request is request.c's. */
#include "server/server.h"
#include "server/request.h"

#include <errno.h>
#include <pthread.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "server/connguard.h"
#include "os/log.h"

#define MEMORY_LIMIT (64 * 1024) /* per connection: headers and MHD's buffers */

struct auth *server__current_auth(struct server *s)
{
	struct auth *a;

	pthread_mutex_lock(&s->auth_lock);
	a = auth__ref(s->o.auth);
	pthread_mutex_unlock(&s->auth_lock);
	return a;
}

void server__set_auth(struct server *s, struct auth *a)
{
	struct auth *old;

	pthread_mutex_lock(&s->auth_lock);
	old = s->o.auth;
	s->o.auth = a;
	pthread_mutex_unlock(&s->auth_lock);
	auth__unref(old);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? connguard__opened(s->guard, ci->connect_fd) : NULL;
	} else {
		connguard__closed(s->guard, *socket_context);
		*socket_context = NULL;
	}
}

/* MHD's own messages (bad requests it refuses itself, TLS handshakes) */
static __thread char mhd_last[256];

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	size_t n;

	(void)cls;
	vsnprintf(mhd_last, sizeof(mhd_last), fmt, ap);
	n = strlen(mhd_last);
	while (n && mhd_last[n - 1] == '\n')
		mhd_last[--n] = '\0';
	log_debug("http: %s", mhd_last);
}

/* The pages' part of the server: their session key (the one given, which
 * the other collectors on the database share), store and alerting's configuration. */
static int start_pages(struct server *s, const struct server_opts *o)
{
	s->ui.db_where = o->db_where;
	s->ui.store = o->store;
	s->ui.metrics = o->metrics;
	s->ui.session_ttl_ms = o->session_ttl_ms;
	s->ui.tls = o->tls_cert_pem != NULL;
	if (ui__init(&s->ui))
		return -EIO;
	if (o->session_key)
		s->ui.key = *o->session_key;
	ui__configure(&s->ui, o->alerting);
	return 0;
}

/* The daemon's address and limits as MHD options, ended; returns how many. */
static int limits_options(const struct server_opts *o, unsigned limit, struct sockaddr_storage *ss,
			  struct MHD_OptionItem *opts)
{
	int n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, ss };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, limit, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_connections_per_ip, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT, NULL };
	/* no SO_REUSEPORT: a second collector on this address must fail, not
	 * silently split the fleet's traffic between two databases (MHD's
	 * default, SO_REUSEADDR, still allows a restart over TIME_WAIT) */
	if (o->threads > 1)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return n;
}

/* TLS as MHD options: the certificate, its key, and a CA to ask every
 * client for a certificate (clientcert.c verifies it); returns how many. */
static int tls_options(const struct server_opts *o, struct MHD_OptionItem *opts)
{
	int n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert_pem };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key_pem };
	if (o->tls_client_ca_pem)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, (void *)o->tls_client_ca_pem };
	return n;
}

/* The connection guard, and in *limit the connections the descriptors
 * allow; -1 when it cannot start. */
static int start_guard(struct server *s, const struct server_opts *o, unsigned *limit)
{
	struct connguard_opts guard = { .header_timeout_ms = o->header_timeout_ms,
					.min_body_rate = o->min_body_rate,
					.idle_ms = (uint64_t)o->timeout_s * 1000 };

	*limit = connguard__fit_descriptors(o->max_connections + o->reserve_connections);
	/* the reserve is the top of what fits, when fewer fit than asked */
	guard.reserve_from = *limit > o->reserve_connections ? *limit - o->reserve_connections : *limit / 2;
	s->guard = connguard__new(&guard, o->metrics);
	return s->guard && !connguard__start(s->guard) ? 0 : -1;
}

int server__start(const struct server_opts *o, struct server **out, char *err, size_t errlen)
{
	unsigned int flags = MHD_USE_ERROR_LOG;
	unsigned limit;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct MHD_OptionItem opts[16];
	struct server *s;
	int n = 0, rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->o = *o;
	ingest__cache_init(&s->chunks);
	if (start_guard(s, o, &limit)) {
		snprintf(err, errlen, "cannot start the connection guard");
		rc = -ENOMEM;
		goto fail_guard;
	}
	/* epoll where there is one: thousands of connections cost nothing idle */
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL_INTERNAL_THREAD
									   : MHD_USE_AUTO_INTERNAL_THREAD;
	pthread_mutex_init(&s->auth_lock, NULL);
	if (start_pages(s, o)) {
		snprintf(err, errlen, "cannot make the pages' session key: no randomness");
		rc = -EIO;
		goto fail_guard;
	}
	addr__sockaddr(&o->listen.addr, o->listen.port, &ss);
	if (o->listen.addr.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS support");
			rc = -ENOTSUP;
			goto fail_pages;
		}
		flags |= MHD_USE_TLS;
		n = tls_options(o, opts);
	}
	n += limits_options(o, limit, &ss, opts + n);

	mhd_last[0] = '\0';
	/* the logger first, so MHD sends even its option errors there */
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, request__on_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
				MHD_OPTION_NOTIFY_COMPLETED, request__on_completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->d) {
		char where[80];

		snprintf(err, errlen, "cannot listen on %s: %s",
			 listen_addr__format(&o->listen, where, sizeof(where)),
			 mhd_last[0] ? mhd_last : "libmicrohttpd failed to start");
		rc = -EIO;
		goto fail_pages;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : o->listen.port;
	*out = s;
	return 0;

fail_pages:
	ui__fini(&s->ui);
fail_guard:
	connguard__free(s->guard);
	ingest__cache_fini(&s->chunks);
	free(s);
	return rc;
}

uint16_t server__port(const struct server *s)
{
	return s->port;
}

void server__metrics(const struct server *s, struct metrics *out)
{
	metrics__snapshot(s->o.metrics, out);
}

void server__set_alerts(struct server *s, struct alerts *a)
{
	__atomic_store_n(&s->o.alerts, a, __ATOMIC_RELEASE);
}

void server__configure_pages(struct server *s, struct cfgref *alerting)
{
	ui__configure(&s->ui, alerting);
}

void server__stop(struct server *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	connguard__free(s->guard);
	auth__unref(s->o.auth);
	pthread_mutex_destroy(&s->auth_lock);
	ui__fini(&s->ui);
	ingest__cache_fini(&s->chunks);
	free(s);
}
