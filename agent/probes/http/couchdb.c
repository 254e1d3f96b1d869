// SPDX-License-Identifier: Apache-2.0
/*
 * CouchDB's HTTP API (docs.couchdb.org/en/stable/api/server/common.html):
 * GET /_all_dbs lists the databases, which CouchDB 3 allows only to admins.
 * A 200 with a JSON array means anyone is admin (the "admin party" of
 * CouchDB 1 and 2, or a 3 with require_valid_user off and an open
 * _all_dbs); 401 {"error":"unauthorized"} means authentication is on. Only
 * the number of databases is kept. CouchDB logs every request at its
 * default level (notice): "GET /_all_dbs 401".
 */
#include <string.h>

#include "probes/http.h"
#include "probes/json.h"

#define NAME "couchdb"
#define REQUEST "GET /_all_dbs"

/* the list probes' shape (http.h); what tells this service from others is its own */
static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	char server[64] = "";
	bool couch;
	long n;

	if (!http__get_reply(io, "/_all_dbs", &r, &next))
		return next;
	couch = http__header(&r, "Server", server, sizeof(server)) && strstr(server, "CouchDB");
	if (http__refused(io, &r, couch || http__body_has(&r, "\"unauthorized\"") ? NAME : NULL, REQUEST, &next))
		return next;
	n = json__array_len(r.body, r.body_len, NULL);
	return http__list_verdict(io, &r, n, NAME, couch, REQUEST, "databases", server);
}

const struct lw_probe lw_probe_couchdb = {
	.name = NAME,
	.services = { "couchdb" },
	.ports = { 5984 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
