// SPDX-License-Identifier: Apache-2.0
/*
 * The state each new event updates, beside the event itself: a listener's
 * row by its address, a leak by its fingerprint and where it was seen, an
 * agent by its heartbeat. One upsert each, in the batch's transaction.
 */
#include "storage/storeint.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "wire/names.h"

/* Appends s at out + *len; the caller sized out for it. */
static void append(char *out, size_t *len, const char *s)
{
	size_t n = strlen(s);

	memcpy(out + *len, s, n);
	*len += n;
}

/* "addr|class|interface ..." for the findings output; at most 16 entries.
 * Built by hand: with snprintf it was 3% of a batch's ingest. */
static char *reachable_text(const Leakwatch__V1__ListenerEvent *l)
{
	size_t cap = 1, n = l->n_reachable < 16 ? l->n_reachable : 16, len = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		cap += LW_ADDR_STRLEN + strlen(addr_class__wire_name(l->reachable[i]->class_)) +
		       strlen(l->reachable[i]->interface ?: "") + 3;
	out = malloc(cap);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const Leakwatch__V1__Reachable *r = l->reachable[i];
		char ip[LW_ADDR_STRLEN];

		if (i)
			append(out, &len, " ");
		append(out, &len, addr__format_bytes(r->address.data, r->address.len, ip) ?: "?");
		append(out, &len, "|");
		append(out, &len, addr_class__wire_name(r->class_));
		append(out, &len, "|");
		append(out, &len, r->interface ?: "");
	}
	out[len] = '\0';
	return out;
}

/* A listener's key, host, netns, protocol, address and port: parameters 1 to 5
 * of both statements that update it. */
static void bind_listener_key(struct db_stmt *st, const Leakwatch__V1__Event *ev, const char *proto)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;

	store_bind_text(st, 1, ev->host->hostname);
	db__bind_int64(st, 2, l->netns);
	store_bind_text(st, 3, proto);
	db__bind_blob(st, 4, l->address.data, (int)l->address.len);
	db__bind_int(st, 5, (int)l->port);
}

/* A process's comm, pid and exe, from parameter at on. */
static void bind_process(struct db_stmt *st, int at, const Leakwatch__V1__Process *p)
{
	store_bind_opt(st, at, p->comm);
	db__bind_int64(st, at + 1, p->pid);
	store_bind_opt(st, at + 2, p->exe);
}

/* A container's pod uid, pod name, namespace and container name, from parameter at on. */
static void bind_pod(struct db_stmt *st, int at, const Leakwatch__V1__Container *c)
{
	store_bind_opt(st, at, c->pod_uid);
	store_bind_opt(st, at + 1, c->pod_name);
	store_bind_opt(st, at + 2, c->pod_namespace);
	store_bind_opt(st, at + 3, c->container_name);
}

int store_put_listener(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified,
		       int64_t event_rowid)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Process *p = ev->process;
	const Leakwatch__V1__Container *c = ev->container;
	const char *proto = l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp";
	struct db_stmt *st = s->st[ST_LISTENER];
	char *reach = reachable_text(l);
	int err;

	if (!reach)
		return -ENOMEM;
	bind_listener_key(st, ev, proto);
	store_bind_text(st, 6, l->action == LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE ? "closed" : "open");
	db__bind_int64(st, 7, ev->time_unix_nano);
	store_bind_u64(st, 8, received_ns);
	db__bind_blob(st, 9, ev->id.data, (int)ev->id.len);
	store_bind_text(st, 10, ev->host->machine_id);
	db__bind_int(st, 11, (int)l->severity);
	store_bind_text(st, 12, addr_class__wire_name(l->exposure));
	db__bind_int(st, 13, !!l->wildcard);
	db__bind_int(st, 14, !!l->expected);
	db__bind_int(st, 15, !!l->unexpected);
	store_bind_text(st, 16, listener_source__wire_name(l->source));
	store_bind_text(st, 17, reach);
	db__bind_int64(st, 18, l->reachable_total);
	if (l->service) {
		store_bind_opt(st, 19, l->service->name);
		store_bind_opt(st, 20, l->service->category);
		store_bind_opt(st, 21, identified_by__wire_name(l->service->identified_by));
	}
	if (p && (p->pid || (p->comm && *p->comm))) {
		bind_process(st, 22, p);
		db__bind_int64(st, 25, p->uid);
		store_bind_opt(st, 26, p->user);
	}
	if (c) {
		store_bind_opt(st, 27, c->id);
		store_bind_opt(st, 28, c->runtime);
		bind_pod(st, 29, c);
		store_bind_opt(st, 42, c->image);
	}
	if (l->auth && auth_state__wire_name(l->auth->state)) {
		const Leakwatch__V1__Auth *a = l->auth;

		store_bind_text(st, 33, auth_state__wire_name(a->state));
		store_bind_opt(st, 34, a->protocol);
		store_bind_opt(st, 35, a->evidence);
		db__bind_int64(st, 36, a->probed_at_unix_nano);
		db__bind_int(st, 37, !!a->tls);
		if (a->tls)
			store_bind_opt(st, 38, client_cert__wire_name(a->client_cert));
	}
	db__bind_int64(st, 39, (int64_t)l->netns_cookie);
	store_bind_opt(st, 40, l->netns_name);
	db__bind_int(st, 41, host_verified);
	/* the event heads the listener's history, whichever statement takes it */
	db__bind_int64(st, 43, event_rowid);
	err = store_run(st);
	free(reach);
	if (err || db__changes(s->db))
		return err;

	/* an older event than the state we hold */
	st = s->st[ST_LISTENER_SEEN];
	bind_listener_key(st, ev, proto);
	db__bind_int64(st, 6, ev->time_unix_nano);
	store_bind_u64(st, 7, received_ns);
	db__bind_int64(st, 8, event_rowid);
	return store_defer(st);
}

int store_put_leak(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified,
		   int64_t event_rowid)
{
	const Leakwatch__V1__LeakEvent *l = ev->leak;
	const Leakwatch__V1__Process *p = ev->process;
	const Leakwatch__V1__Container *c = ev->container;
	int64_t first = l->first_seen_unix_nano ? l->first_seen_unix_nano : ev->time_unix_nano;
	int64_t last = l->last_seen_unix_nano ? l->last_seen_unix_nano : ev->time_unix_nano;
	uint64_t count = l->count ? l->count : 1; /* an event is at least one sighting */
	struct db_stmt *st = s->st[ST_LEAK];
	char *where = NULL;
	int err;

	if (last < first)
		last = first;
	store_bind_text(st, 1, l->fingerprint);
	store_bind_text(st, 2, l->rule);
	store_bind_text(st, 3, l->family);
	db__bind_int(st, 4, (int)l->severity);
	store_bind_text(st, 5, l->redacted);
	db__bind_int64(st, 6, first);
	db__bind_int64(st, 7, last);
	store_bind_u64(st, 8, count);
	store_bind_u64(st, 9, received_ns);
	err = store_defer(st);
	if (err)
		return err;

	st = s->st[ST_LOCATION];
	store_bind_text(st, 1, l->fingerprint);
	store_bind_text(st, 2, ev->host->hostname);
	if (l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL) {
		const Leakwatch__V1__JournalEntry *j = l->journal;

		/* one location per unit (or identifier), as the agent coalesces */
		where = leak__journal_place(j ? j->unit : NULL, j ? j->syslog_identifier : NULL);
		if (!where)
			return -ENOMEM;
		db__bind_text(st, 3, where, -1); /* freed once run */
		store_bind_text(st, 21, "journal");
		if (j) {
			store_bind_opt(st, 22, j->unit);
			store_bind_opt(st, 23, j->syslog_identifier);
			store_bind_opt(st, 24, j->cursor);
		}
	} else {
		store_bind_text(st, 3, l->path);
		store_bind_text(st, 21, l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_CATCHUP ? "catchup" : "file");
		store_bind_opt(st, 30, l->previous_path);
	}
	if (l->origin) {
		store_bind_opt(st, 25, l->origin->comm);
		db__bind_int64(st, 26, l->origin->pid);
	}
	if (l->writer)
		store_bind_opt(st, 27, l->writer->comm);
	db__bind_int64(st, 4, first);
	db__bind_int64(st, 5, last);
	store_bind_u64(st, 6, count);
	store_bind_u64(st, 7, received_ns);
	db__bind_blob(st, 8, ev->id.data, (int)ev->id.len);
	store_bind_text(st, 9, ev->host->machine_id);
	store_bind_opt(st, 10, l->device);
	store_bind_u64(st, 11, l->inode);
	store_bind_u64(st, 12, l->last_offset);
	if (p)
		bind_process(st, 13, p);
	db__bind_int(st, 28, host_verified);
	if (c) {
		store_bind_opt(st, 16, c->id);
		bind_pod(st, 17, c);
		store_bind_opt(st, 29, c->image);
	}
	db__bind_int64(st, 31, event_rowid);
	err = store_defer(st);
	free(where);
	return err;
}

int store_put_health(struct store *s, const char *agent_id, const Leakwatch__V1__Event *ev,
		      uint64_t received_ns)
{
	const Leakwatch__V1__AgentHealth *h = ev->health;
	const Leakwatch__V1__SpoolState *sp = h->spool;
	const Leakwatch__V1__Host *host = ev->host;
	struct db_stmt *st = s->st[ST_AGENT];
	uint64_t drops = 0;
	size_t plen = 1;
	char *programs;
	int err;

	agent_id = store__agent_id(agent_id, ev);
	for (size_t i = 0; i < h->n_drops; i++)
		drops += h->drops[i]->value;
	for (size_t i = 0; i < h->n_programs; i++)
		plen += strlen(h->programs[i]) + 1;
	programs = malloc(plen);
	if (!programs)
		return -ENOMEM;
	programs[0] = '\0';
	for (size_t i = 0; i < h->n_programs; i++) {
		if (i)
			strcat(programs, " ");
		strcat(programs, h->programs[i]);
	}

	store_bind_text(st, 1, agent_id);
	store_bind_text(st, 2, host->hostname);
	store_bind_text(st, 3, host->machine_id);
	store_bind_text(st, 4, host->boot_id);
	store_bind_text(st, 5, host->agent_version);
	store_bind_text(st, 6, host->node_name);
	db__bind_int64(st, 7, ev->time_unix_nano);
	store_bind_u64(st, 8, received_ns);
	db__bind_blob(st, 9, ev->id.data, (int)ev->id.len);
	store_bind_u64(st, 10, h->uptime_seconds);
	store_bind_u64(st, 11, h->listeners_open);
	store_bind_u64(st, 12, h->bytes_scanned);
	store_bind_u64(st, 13, h->events_listener);
	store_bind_u64(st, 14, h->events_leak);
	store_bind_u64(st, 15, h->export_batches);
	store_bind_u64(st, 16, h->export_retries);
	store_bind_u64(st, 17, drops);
	store_bind_text(st, 18, programs);
	if (sp) {
		/* a column per counter, as the report's own above: alike in shape, other fields */
		store_bind_u64(st, 19, sp->bytes);
		store_bind_u64(st, 20, sp->records);
		store_bind_u64(st, 21, sp->oldest_age_seconds);
		store_bind_u64(st, 22, sp->dropped_full);
		store_bind_u64(st, 23, sp->dropped_corrupt);
		store_bind_u64(st, 24, sp->write_errors);
	}
	err = store_run(st);
	free(programs);
	if (err)
		return err;
	if (!db__changes(s->db)) {
		st = s->st[ST_AGENT_SEEN];
		store_bind_text(st, 1, agent_id);
		db__bind_int64(st, 2, ev->time_unix_nano);
		store_bind_u64(st, 3, received_ns);
		return store_defer(st);
	}

	/* the newest report's drop counters replace the previous ones */
	st = s->st[ST_DROPS_CLEAR];
	store_bind_text(st, 1, agent_id);
	if ((err = store_defer(st)))
		return err;
	for (size_t i = 0; i < h->n_drops; i++) {
		st = s->st[ST_DROP];
		store_bind_text(st, 1, agent_id);
		store_bind_text(st, 2, h->drops[i]->key);
		store_bind_u64(st, 3, h->drops[i]->value);
		if ((err = store_defer(st)))
			return err;
	}
	return 0;
}
