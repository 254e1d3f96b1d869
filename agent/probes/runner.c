// SPDX-License-Identifier: Apache-2.0
#include "probes/runner.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/addr.h"
#include "os/clock.h"
#include "network/netns.h"
#include "probes/sslapi.h"

#define MAX_CONNECTIONS 5 /* the first, a switch to TLS (or back), one per further HTTP request */
#define MAX_SENDS 6       /* requests in one probe, goodbyes aside */

struct conn {
	int fd;
	SSL *ssl;
	bool udp;
	bool cert_requested;
	bool spoke;          /* the server sent something */
	uint64_t deadline_ms;
};

static SSL_CTX *tls_ctx;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int cert_index = -1;

/* The server asked for a client certificate: note it, offer none. */
static int no_client_cert(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct conn *c = libssl.get_ex_data(ssl, cert_index);

	(void)x509;
	(void)pkey;
	if (c)
		c->cert_requested = true;
	return 0;
}

static char tls_unavailable[320]; /* why, when libssl cannot be loaded */

static void tls_init(void)
{
	if (sslapi__load(tls_unavailable, sizeof(tls_unavailable)))
		return;
	tls_ctx = libssl.CTX_new(libssl.client_method());
	if (!tls_ctx)
		return;
	cert_index = libssl.get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, NULL, NULL, NULL, NULL);
	/* the probe sends nothing secret and trusts nothing it reads: the
	 * server's certificate is not checked, old protocol versions are
	 * spoken, so that the question "does it answer" gets an answer */
	libssl.CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
	libssl.CTX_set_security_level(tls_ctx, 0);
	libssl.CTX_ctrl(tls_ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_VERSION, NULL);
	libssl.CTX_set_client_cert_cb(tls_ctx, no_client_cert);
}

static uint64_t now_ms(void)
{
	return clock__monotonic_ms();
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now = now_ms();
	int n;

	do {
		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)(deadline - now));
		now = now_ms();
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

__attribute__((format(printf, 3, 4)))
static enum probe_next fail(struct lw_auth *a, enum lw_auth_state st, const char *fmt, ...)
{
	va_list ap;

	a->state = st;
	va_start(ap, fmt);
	vsnprintf(a->evidence, sizeof(a->evidence), fmt, ap);
	va_end(ap);
	return PROBE_DONE;
}

static const char *tls_reason(void)
{
	unsigned long e = libssl.ERR_peek_last_error();
	const char *r = e ? libssl.ERR_reason_error_string(e) : NULL;

	return r ? r : "closed";
}

/* A TLS failure: a certificate it asked for and did not get, or another cause. */
static enum probe_next tls_failed(struct conn *c, struct lw_auth *a, const char *when)
{
	a->tls = true;
	if (c->cert_requested) {
		a->client_cert = LW_CERT_REQUIRED;
		fail(a, LW_AUTH_TLS, "TLS handshake: client certificate required (%s)", tls_reason());
	} else {
		fail(a, LW_AUTH_TLS, "%s: %s", when, tls_reason());
	}
	libssl.ERR_clear_error();
	return PROBE_DONE;
}

static int tls_io_wait(struct conn *c, int rc)
{
	switch (libssl.get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ: return wait_fd(c->fd, POLLIN, c->deadline_ms);
	case SSL_ERROR_WANT_WRITE: return wait_fd(c->fd, POLLOUT, c->deadline_ms);
	case SSL_ERROR_ZERO_RETURN: return -ENODATA;
	case SSL_ERROR_SYSCALL: return libssl.ERR_peek_last_error() ? -EPROTO : -ECONNRESET;
	default: return -EPROTO;
	}
}

static int tls_handshake(struct conn *c)
{
	int rc, err;

	if (pthread_once(&tls_once, tls_init))
		return -ENOMEM;
	if (tls_unavailable[0])
		return -ELIBACC;
	if (!tls_ctx || !(c->ssl = libssl.new(tls_ctx)))
		return -ENOMEM;
	libssl.set_ex_data(c->ssl, cert_index, c);
	libssl.set_fd(c->ssl, c->fd);
	while ((rc = libssl.connect(c->ssl)) != 1)
		if ((err = tls_io_wait(c, rc)))
			return err;
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->ssl) {
		libssl.shutdown(c->ssl); /* a close_notify if it can go now; never waited for */
		libssl.free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

/* Connected, and through the TLS handshake when tls: 0, or a verdict in a. */
static int conn_open(struct conn *c, const struct probe_target *t, bool tls, struct lw_auth *a)
{
	int type = (t->protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK;
	struct sockaddr_storage ss;
	socklen_t len, elen = sizeof(int);
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->udp = t->protocol == IPPROTO_UDP;
	c->deadline_ms = now_ms() + t->timeout_ms;
	c->fd = t->ns_path ? netns__socket(t->ns_path, t->addr.family, type, 0)
			   : socket(t->addr.family, type | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fail(a, LW_AUTH_UNKNOWN, "cannot open a socket in its network namespace: %s",
		     strerror(-c->fd));
		return -1;
	}
	len = addr__sockaddr(&t->addr, t->port, &ss);
	if (connect(c->fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		err = -errno;
	else if (!c->udp && !(err = wait_fd(c->fd, POLLOUT, c->deadline_ms)) &&
		 !getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		err = -err;
	if (err) {
		if (err == -ETIMEDOUT)
			fail(a, LW_AUTH_UNKNOWN, "connect: no answer within %u ms", t->timeout_ms);
		else
			fail(a, LW_AUTH_UNKNOWN, "connect: %s", strerror(-err));
		conn_close(c);
		return -1;
	}
	if (tls && (err = tls_handshake(c))) {
		if (err == -ELIBACC) {
			fail(a, LW_AUTH_UNKNOWN, "TLS: %s", tls_unavailable);
			conn_close(c);
			return -1;
		}
		if (err == -ETIMEDOUT)
			fail(a, LW_AUTH_UNKNOWN, "TLS handshake: no answer within %u ms", t->timeout_ms);
		else if (c->ssl && !libssl.BIO_number_read(libssl.get_rbio(c->ssl)))
			/* not a TLS server either: it closes on anyone */
			fail(a, LW_AUTH_UNKNOWN, "closed without a reply, in the clear and to TLS");
		else
			tls_failed(c, a, "TLS handshake failed");
		libssl.ERR_clear_error();
		conn_close(c);
		return -1;
	}
	return 0;
}

static int conn_send(struct conn *c, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w;
		int err;

		if (c->ssl) {
			int rc = libssl.write(c->ssl, b, (int)n);

			if (rc <= 0) {
				if ((err = tls_io_wait(c, rc)))
					return err;
				continue;
			}
			w = rc;
		} else {
			w = send(c->fd, b, n, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
				if ((err = wait_fd(c->fd, POLLOUT, c->deadline_ms)))
					return err;
				continue;
			}
			if (w < 0)
				return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Bytes read (> 0), 0 at the end of the stream, or -errno. */
static ssize_t conn_recv(struct conn *c, uint8_t *b, size_t n)
{
	for (;;) {
		ssize_t r;
		int err;

		if (c->ssl) {
			int rc = libssl.read(c->ssl, b, (int)n);

			if (rc > 0)
				return rc;
			err = tls_io_wait(c, rc);
			if (err == -ENODATA)
				return 0;
			if (err)
				return err;
			continue;
		}
		r = recv(c->fd, b, n, 0);
		if (r >= 0)
			return r;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((err = wait_fd(c->fd, POLLIN, c->deadline_ms)))
			return err;
	}
}

/*
 * Under TLS 1.3 a server that wanted a certificate and got none says so only
 * after the client's handshake is done: in an alert, which the request's
 * reply then is, or, when it closed before the request reached it, behind
 * a reset that may arrive first and discard it. Either way the server asked
 * for a certificate and said nothing else: the certificate was required.
 */
static bool refused_without_cert(const struct conn *c, ssize_t r)
{
	return c->cert_requested && !c->spoke && (r == -ECONNRESET || r == -EPIPE || r == 0);
}

/* A read that ended the exchange: a verdict, unless the probe may still judge what came. */
static bool read_ended(struct conn *c, ssize_t r, struct probe_io *io, unsigned timeout_ms,
		       const char **why)
{
	if (c->ssl && (r == -EPROTO || refused_without_cert(c, r))) {
		tls_failed(c, io->auth, "TLS");
		return true;
	}
	if (r == -ETIMEDOUT) {
		*why = "no complete reply in time";
		if (!io->in_len) {
			fail(io->auth, LW_AUTH_UNKNOWN, "no reply within %u ms", timeout_ms);
			return true;
		}
	} else if (r == -ECONNREFUSED && c->udp) {
		fail(io->auth, LW_AUTH_UNKNOWN, "port unreachable");
		return true;
	} else if (r == -ECONNRESET) {
		/* the probe judges it: a TLS listener resets a plain request, too */
		*why = "connection reset";
		io->reset = true;
	} else if (r < 0) {
		fail(io->auth, LW_AUTH_UNKNOWN, "%s", strerror((int)-r));
		return true;
	} else {
		*why = "closed mid-reply";
	}
	io->eof = true;
	return false;
}

/* Requests and replies on one connection, until the probe is done with it. */
static enum probe_next exchange(struct conn *c, const struct lw_probe *p, struct probe_io *io,
				uint8_t *in, unsigned timeout_ms, int *sends)
{
	enum probe_next next = p->step(io);
	const char *why = "closed mid-reply";

	for (;;) {
		ssize_t r;

		if (next == PROBE_SEND) {
			if (++*sends > MAX_SENDS)
				return fail(io->auth, LW_AUTH_UNKNOWN, "too many requests");
			c->deadline_ms = now_ms() + timeout_ms;
			r = conn_send(c, io->out, io->out_len);
			if (c->ssl && r && (r == -EPROTO || refused_without_cert(c, r)))
				return tls_failed(c, io->auth, "TLS");
			if (r)
				return fail(io->auth, LW_AUTH_UNKNOWN, "send: %s", strerror((int)-r));
			io->out_len = 0;
			io->in_len = 0;
			io->eof = false;
			io->reset = false;
		} else if (next != PROBE_MORE) {
			return next;
		}
		if (io->eof) /* and the probe still wants more */
			return fail(io->auth, LW_AUTH_UNKNOWN, "%s",
				    io->in_len == LW_PROBE_REPLY_MAX ? "reply larger than 64 KiB of no known shape"
				    : io->in_len || io->reset ? why : "closed without a reply");
		r = conn_recv(c, in + io->in_len, LW_PROBE_REPLY_MAX - io->in_len);
		if (r > 0) {
			c->spoke = true;
			io->in_len += (size_t)r;
			io->eof = io->in_len == LW_PROBE_REPLY_MAX || c->udp;
			why = c->udp ? "reply datagram of no known shape" : why;
		} else if (read_ended(c, r, io, timeout_ms, &why)) {
			return PROBE_DONE;
		}
		next = p->step(io);
	}
}

static void host_of(const struct probe_target *t, char *buf, size_t len)
{
	char ip[LW_ADDR_STRLEN];

	addr__format(&t->addr, ip);
	snprintf(buf, len, t->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, t->port);
}

void runner__run(const struct lw_probe *p, const struct probe_target *t, struct lw_auth *auth)
{
	bool udp = t->protocol == IPPROTO_UDP;
	bool tls = !udp && (p->flags & LW_PROBE_TLS_FIRST), fell_back = false;
	struct probe_io io = { .auth = auth, .udp = udp };
	uint8_t *in = malloc(LW_PROBE_REPLY_MAX);
	char host[LW_ADDR_STRLEN + 8];
	bool spoke = false;
	int sends = 0;

	memset(auth, 0, sizeof(*auth));
	if (!in) {
		fail(auth, LW_AUTH_UNKNOWN, "out of memory");
		return;
	}
	host_of(t, host, sizeof(host));
	io.host = host;
	io.in = in;
	for (int n = 0; n < MAX_CONNECTIONS; n++) {
		struct conn c;
		enum probe_next next;

		if (conn_open(&c, t, tls, auth)) {
			/* normally TLS, but this one is not: once more in the clear */
			if (tls && (p->flags & LW_PROBE_TLS_FIRST) && auth->client_cert != LW_CERT_REQUIRED &&
			    !fell_back) {
				memset(auth, 0, sizeof(*auth));
				tls = false;
				fell_back = true;
				continue;
			}
			break;
		}
		io.tls = tls;
		io.in_len = 0;
		io.eof = false;
		io.reset = false;
		next = exchange(&c, p, &io, in, t->timeout_ms, &sends);
		spoke |= c.spoke;
		if (c.ssl && auth->client_cert == LW_CERT_UNSET) {
			auth->tls = true;
			auth->client_cert = c.cert_requested ? LW_CERT_OPTIONAL : LW_CERT_NOT_REQUESTED;
		}
		if (next == PROBE_DONE && io.out_len)
			conn_send(&c, io.out, io.out_len); /* the goodbye; its failure changes nothing */
		conn_close(&c);
		if (next == PROBE_DONE)
			break;
		if (next == PROBE_TLS && (tls || fell_back)) {
			fail(auth, LW_AUTH_UNKNOWN, "asked for TLS, then did not speak it");
			break;
		}
		if (next == PROBE_TLS) {
			tls = true;
			io.step = 0;
			io.scratch = 0;
			io.memo[0] = '\0';
		}
		if (n == MAX_CONNECTIONS - 1)
			fail(auth, LW_AUTH_UNKNOWN, "too many connections");
	}
	auth->refuted = spoke && !auth->protocol[0] && auth->state == LW_AUTH_UNKNOWN;
	auth->probed_ns = clock__realtime_ns();
	free(in);
}
