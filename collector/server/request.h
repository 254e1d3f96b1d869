/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A request as the server holds it from its first header to its answer,
 * shared by the HTTP plumbing (server.c) and the endpoints (routes.c).
 * Private to server/.
 */
#ifndef COLLECTOR_REQUEST_H
#define COLLECTOR_REQUEST_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server.h"
#include "ui/ui.h"

#define RETRY_AFTER_BUSY "1"
#define RETRY_AFTER_STORAGE "5"

struct server {
	struct MHD_Daemon *d;
	struct server_opts o;
	struct connguard *guard;
	struct ui ui;        /* the pages under /ui */
	pthread_mutex_t auth_lock; /* guards o.auth, the pointer; the set itself is immutable */
	uint64_t inflight; /* bytes reserved by request bodies, atomically */
	struct ingest_chunk_cache chunks; /* decode memory batches pass on */
	uint16_t port;
};

enum route { ROUTE_NONE, ROUTE_HEALTHZ, ROUTE_LIVEZ, ROUTE_METRICS, ROUTE_EVENTS, ROUTE_FINDINGS, ROUTE_ACK, ROUTE_UI };

#define MAX_FINDING_ID 128 /* longer than any fingerprint: refused with 400, not 404 */

struct request {
	enum route route;
	struct guarded *conn; /* its connection, as the guard keeps it; may be NULL */
	int status;          /* an error decided before the body, sent after it */
	const char *message; /* its body */
	const char *allow;   /* for 405 */
	const char *retry_after;
	bool discard;        /* read the body and drop it */
	enum ingest_encoding enc;
	uint8_t *body;
	size_t len, cap;
	uint64_t seen;       /* body bytes that arrived, kept or not */
	uint64_t reserved;   /* held against max_inflight */
	char finding[MAX_FINDING_ID + 1]; /* {id} of /v1/findings/{id}/ack */
	char *ui_path;       /* /ui/...: the path, and the method */
	char ui_method[8];
	struct auth *auth;   /* the credential set it was checked against, held */
	const struct auth_cred *cred; /* the credential it presented, in auth */
	char forbidden[256]; /* a 403's body */
	/* mTLS: the credential a verified client certificate stands for */
	struct auth_cred cert_cred;
	char cert_host[254];
	char *cert_hosts[1];
};

/* libmicrohttpd's callbacks for a request (request.c); cls is the server. */
enum MHD_Result request__on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				    const char *version, const char *upload_data, size_t *upload_data_size,
				    void **con_cls);
void request__on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			   enum MHD_RequestTerminationCode why);

enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, void *body, size_t len,
			enum MHD_ResponseMemoryMode mode, const struct request *r);
enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *msg,
			     const struct request *r);

enum MHD_Result routes__events(struct server *s, struct MHD_Connection *c, struct request *r);
enum MHD_Result routes__findings(struct server *s, struct MHD_Connection *c, struct request *r);
enum MHD_Result routes__ack(struct server *s, struct MHD_Connection *c, struct request *r);
enum MHD_Result routes__metrics(struct server *s, struct MHD_Connection *c, struct request *r);
/* Anything under /ui (uiroute.c). */
enum MHD_Result routes__ui(struct server *s, struct MHD_Connection *c, struct request *r);
struct auth *server__current_auth(struct server *s);

#endif
