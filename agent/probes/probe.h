/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The contract between a protocol probe and the runner that drives it.
 *
 * A probe is a pure state machine: it never touches a socket. The runner
 * calls its step function with what the server sent since the last request,
 * and the probe answers with the next request, a wish for more bytes, or a
 * verdict. So each probe is one small module holding its requests and its
 * reply classifier, testable on recorded bytes, and the runner alone owns
 * connecting (inside the listener's network namespace), TLS, timeouts and
 * the size bound. Modules live in probes/native/ (services that speak their
 * own protocol) and probes/http/ (HTTP APIs); the build collects every one
 * of them into the registry (lw_probes), so adding one touches no other file.
 *
 * The rules every probe keeps: no credentials, ever (an empty password is
 * the most it sends); no writes; the first reply is read, bounded; a polite
 * goodbye where the protocol has one. README.md lists what each one sends
 * and what it leaves in the server's log.
 */
#ifndef LW_PROBE_H
#define LW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lw_auth_state {
	LW_AUTH_UNSET = 0,   /* not probed (yet) */
	LW_AUTH_NONE,        /* answered a data request without credentials */
	LW_AUTH_REQUIRED,    /* asked for credentials, or refused */
	LW_AUTH_TLS,         /* wants a TLS handshake first; the probe got no further */
	LW_AUTH_UNKNOWN,     /* no reply in time, no known shape, or not probed */
};

enum lw_client_cert {
	LW_CERT_UNSET = 0,
	LW_CERT_NOT_REQUESTED,
	LW_CERT_OPTIONAL,    /* requested, and the server went on without one */
	LW_CERT_REQUIRED,    /* requested, and the server ended the connection */
};

#define LW_PROBE_NAME_LEN 24
#define LW_EVIDENCE_LEN 120

struct lw_auth {
	enum lw_auth_state state;
	char protocol[LW_PROBE_NAME_LEN]; /* the probe whose protocol answered; "" if none did */
	char evidence[LW_EVIDENCE_LEN];   /* "PING -> +PONG": one line, printable ASCII */
	uint64_t probed_ns;               /* wall clock */
	bool tls;
	enum lw_client_cert client_cert;
	bool refuted;                     /* the server replied, in no shape the probes know */
};

/* What a step wants next. */
enum probe_next {
	PROBE_SEND,  /* send out[0, out_len), then call again with the reply */
	PROBE_MORE,  /* the reply is incomplete: call again when more came (or eof) */
	PROBE_DONE,  /* the verdict is in auth; out holds a goodbye to send, or nothing */
	PROBE_TLS,   /* the server wants TLS: start over (step 0) on a TLS connection */
	PROBE_AGAIN, /* a new connection (TLS if this one was), keeping step: called with nothing read */
};

#define LW_PROBE_OUT_MAX 1024

struct probe_io {
	/* from the runner */
	const uint8_t *in;         /* the reply so far: everything since the last send */
	size_t in_len;
	bool eof;                  /* the server closed, or the reply bound was reached */
	bool reset;                /* ... closed by a reset */
	bool tls;                  /* this connection is TLS */
	bool udp;                  /* one datagram each way */
	const char *host;          /* "10.1.2.3:8123", "[fd00::1]:9200": for Host headers */
	/* the probe's own */
	int step;                  /* 0 on the first call of a connection */
	uint32_t scratch;          /* a probe's memory between steps, 0 at first */
	char memo[64];             /* and its notes (a version for the evidence), "" at first */
	/* to the runner */
	uint8_t out[LW_PROBE_OUT_MAX];
	size_t out_len;
	struct lw_auth *auth;      /* state, protocol, evidence; the runner sets the rest */
};

enum {
	LW_PROBE_TCP = 1 << 0,
	LW_PROBE_UDP = 1 << 1,
	LW_PROBE_LOGIN = 1 << 2,     /* starts a login handshake: subject to probe.login_probes */
	LW_PROBE_TLS_FIRST = 1 << 3, /* the service is normally TLS: handshake first, plain if refused */
};

#define LW_PROBE_MAX_SERVICES 6
#define LW_PROBE_MAX_PORTS 4

struct lw_probe {
	const char *name;                                /* in probe.protocols and auth.protocol */
	const char *services[LW_PROBE_MAX_SERVICES];     /* service names (service.c) it verifies */
	uint16_t ports[LW_PROBE_MAX_PORTS];              /* where it is tried first among several */
	unsigned flags;
	enum probe_next (*step)(struct probe_io *io);
};

/* Every probe, as the build found them in probes/native/ and probes/http/;
 * NULL-terminated, sorted by name. */
extern const struct lw_probe *const lw_probes[];

/* The probe called name, or NULL. */
const struct lw_probe *probe__by_name(const char *name);
/* Does p verify services named svc? */
bool probe__serves(const struct lw_probe *p, const char *svc);

/* --- for the probes themselves --- */

/* Sets the verdict: state, protocol (the probe's name, or NULL for "no
 * protocol recognised") and evidence, printf-style, cut to one printable line. */
__attribute__((format(printf, 4, 5)))
enum probe_next probe__verdict(struct probe_io *io, enum lw_auth_state state, const char *protocol,
			       const char *fmt, ...);
/* Copies n bytes to out; false (and nothing sent) when they do not fit. */
bool probe__out(struct probe_io *io, const void *bytes, size_t n);
/* The reply as a short printable excerpt ("-ERR unknown\x01..."), for evidence. */
const char *probe__excerpt(const uint8_t *s, size_t n, char *buf, size_t len);
/* Does the reply start with a TLS record (a handshake or an alert)? */
bool probe__looks_tls(const uint8_t *s, size_t n);

#endif
