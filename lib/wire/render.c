// SPDX-License-Identifier: Apache-2.0
#include "wire/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "os/clock.h"
#include "wire/names.h"

/* The functions below write the wire messages' fields (leakwatch.proto), one
 * message each: alike in shape, not in what they write. */

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static void kv_time(struct jsonw *w, const char *key, int64_t ns)
{
	char ts[LW_RFC3339_LEN];

	jsonw__kv_str(w, key, clock__rfc3339(ns > 0 ? (uint64_t)ns : 0, ts));
}

static void kv_address(struct jsonw *w, const char *key, const ProtobufCBinaryData *a)
{
	char buf[LW_ADDR_STRLEN];

	jsonw__kv_str(w, key, addr__format_bytes(a->data, a->len, buf));
}

static void kv_id(struct jsonw *w, const ProtobufCBinaryData *id)
{
	char s[40];
	size_t n = 0;

	if (id->len != 16) {
		jsonw__kv_str(w, "id", NULL);
		return;
	}
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[n++] = '-';
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%02x", id->data[i]);
	}
	jsonw__kv_str(w, "id", s);
}

/* key: an object, opened, when there is one (true); null when not (false) */
static bool object_or_null(struct jsonw *w, const char *key, bool present)
{
	jsonw__key(w, key);
	if (!present)
		jsonw__null(w);
	else
		jsonw__begin_object(w);
	return present;
}

static void host(struct jsonw *w, const Leakwatch__V1__Host *h)
{
	if (!object_or_null(w, "host", h))
		return;
	jsonw__kv_str(w, "hostname", or_null(h->hostname));
	jsonw__kv_str(w, "machine_id", or_null(h->machine_id));
	jsonw__kv_str(w, "boot_id", or_null(h->boot_id));
	jsonw__kv_str(w, "agent_version", or_null(h->agent_version));
	jsonw__kv_str(w, "node_name", or_null(h->node_name));
	jsonw__end_object(w);
}

static void process_as(struct jsonw *w, const char *key, const Leakwatch__V1__Process *p)
{
	if (!object_or_null(w, key, p))
		return;
	jsonw__kv_u64(w, "pid", p->pid);
	jsonw__kv_u64(w, "tid", p->tid);
	jsonw__kv_str(w, "comm", p->comm ? p->comm : "");
	jsonw__kv_str(w, "exe", or_null(p->exe));
	jsonw__kv_str(w, "cmdline", or_null(p->cmdline));
	jsonw__kv_u64(w, "uid", p->uid);
	jsonw__kv_str(w, "user", or_null(p->user));
	jsonw__end_object(w);
}

static void process(struct jsonw *w, const Leakwatch__V1__Process *p)
{
	process_as(w, "process", p);
}

static void container(struct jsonw *w, const Leakwatch__V1__Container *c)
{
	if (!object_or_null(w, "container", c))
		return;
	jsonw__kv_str(w, "id", or_null(c->id));
	jsonw__kv_str(w, "runtime", or_null(c->runtime));
	jsonw__kv_str(w, "pod_uid", or_null(c->pod_uid));
	jsonw__kv_str(w, "pod_name", or_null(c->pod_name));
	jsonw__kv_str(w, "pod_namespace", or_null(c->pod_namespace));
	jsonw__kv_str(w, "container_name", or_null(c->container_name));
	jsonw__kv_str(w, "image", or_null(c->image));
	jsonw__kv_str(w, "cgroup", or_null(c->cgroup));
	jsonw__kv_u64(w, "cgroup_id", c->cgroup_id);
	jsonw__end_object(w);
}

/* "auth": what the agent's probe found, or null when it did not probe */
static void auth(struct jsonw *w, const Leakwatch__V1__Auth *a)
{
	if (!object_or_null(w, "auth", a && a->state != LEAKWATCH__V1__AUTH__STATE__STATE_UNSPECIFIED))
		return;
	jsonw__kv_str(w, "state", auth_state__wire_name(a->state));
	jsonw__kv_str(w, "protocol", or_null(a->protocol));
	jsonw__kv_str(w, "evidence", or_null(a->evidence));
	kv_time(w, "probed_at", a->probed_at_unix_nano);
	jsonw__kv_bool(w, "tls", a->tls);
	jsonw__kv_str(w, "client_cert", a->tls ? client_cert__wire_name(a->client_cert) : NULL);
	jsonw__end_object(w);
}

static void listener(struct jsonw *w, const Leakwatch__V1__ListenerEvent *l)
{
	const Leakwatch__V1__Service *svc = l->service;

	jsonw__kv_str(w, "event",
		      l->action == LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE      ? "close"
		      : l->action == LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_VERIFIED ? "verified"
											  : "open");
	jsonw__kv_str(w, "source", listener_source__wire_name(l->source));
	jsonw__kv_str(w, "severity", severity__wire_name(l->severity));
	jsonw__kv_str(w, "exposure", addr_class__wire_name(l->exposure));
	jsonw__kv_bool(w, "unexpected", l->unexpected);
	jsonw__kv_bool(w, "expected", l->expected);
	jsonw__kv_str(w, "protocol", l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp");
	jsonw__kv_str(w, "family", l->address.len == 16 ? "ipv6" : "ipv4");
	kv_address(w, "address", &l->address);
	jsonw__kv_u64(w, "port", l->port);
	jsonw__kv_bool(w, "wildcard", l->wildcard);
	if (l->address.len == 16)
		jsonw__kv_bool(w, "v6only", l->v6only);
	jsonw__kv_u64(w, "netns", l->netns);
	if (l->netns_cookie)
		jsonw__kv_u64(w, "netns_cookie", l->netns_cookie);
	if (l->netns_name && l->netns_name[0])
		jsonw__kv_str(w, "netns_name", l->netns_name);
	jsonw__kv_u64(w, "socket_inode", l->socket_inode);
	jsonw__kv_bool(w, "interfaces_known", l->interfaces_known);
	jsonw__key(w, "reachable");
	jsonw__begin_array(w);
	for (size_t i = 0; i < l->n_reachable; i++) {
		jsonw__begin_object(w);
		kv_address(w, "address", &l->reachable[i]->address);
		jsonw__kv_str(w, "class", addr_class__wire_name(l->reachable[i]->class_));
		jsonw__kv_str(w, "interface", or_null(l->reachable[i]->interface));
		jsonw__end_object(w);
	}
	jsonw__end_array(w);
	if (l->reachable_total > l->n_reachable)
		jsonw__kv_u64(w, "reachable_total", l->reachable_total);
	if (l->published) {
		const Leakwatch__V1__Published *p = l->published;

		jsonw__key(w, "published");
		jsonw__begin_object(w);
		kv_address(w, "address", &p->address);
		jsonw__kv_u64(w, "port", p->port);
		jsonw__kv_str(w, "exposure", addr_class__wire_name(p->exposure));
		jsonw__kv_str(w, "own_exposure", addr_class__wire_name(p->own_exposure));
		jsonw__kv_u64(w, "netns", p->netns);
		jsonw__kv_str(w, "table", or_null(p->table));
		jsonw__kv_str(w, "chain", or_null(p->chain));
		jsonw__end_object(w);
	}
	jsonw__key(w, "service");
	if (svc && svc->name && *svc->name) {
		jsonw__begin_object(w);
		jsonw__kv_str(w, "name", svc->name);
		jsonw__kv_str(w, "category", or_null(svc->category));
		jsonw__kv_str(w, "identified_by", identified_by__wire_name(svc->identified_by));
		jsonw__end_object(w);
	} else {
		jsonw__null(w);
	}
	auth(w, l->auth);
}

static void origin(struct jsonw *w, const Leakwatch__V1__SyslogOrigin *o)
{
	jsonw__key(w, "origin");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "comm", o->comm ? o->comm : "");
	jsonw__kv_u64(w, "pid", o->pid);
	jsonw__kv_str(w, "hostname", or_null(o->hostname));
	jsonw__kv_str(w, "format", or_null(o->format));
	jsonw__kv_bool(w, "verified", o->verified);
	jsonw__end_object(w);
}

/* A journal finding: the entry instead of a file and a write call. */
static void journal(struct jsonw *w, const Leakwatch__V1__LeakEvent *l)
{
	const Leakwatch__V1__JournalEntry *j = l->journal;

	jsonw__kv_str(w, "source", "journal");
	if (!object_or_null(w, "journal", j))
		return;
	jsonw__kv_str(w, "unit", or_null(j->unit));
	jsonw__kv_str(w, "identifier", or_null(j->syslog_identifier));
	jsonw__kv_str(w, "field", or_null(j->field));
	jsonw__kv_str(w, "cursor", or_null(j->cursor));
	jsonw__kv_str(w, "hostname", or_null(j->hostname));
	jsonw__kv_str(w, "boot_id", or_null(j->boot_id));
	jsonw__kv_u64(w, "length", l->length);
	jsonw__end_object(w);
	if (l->writer)
		process_as(w, "writer", l->writer);
}

/* Never the secret: a leak event carries none. */
static void leak(struct jsonw *w, const Leakwatch__V1__LeakEvent *l)
{
	jsonw__kv_str(w, "event", l->repeat ? "repeated" : "found");
	jsonw__kv_str(w, "rule", or_null(l->rule));
	jsonw__kv_str(w, "family", or_null(l->family));
	jsonw__kv_str(w, "severity", severity__wire_name(l->severity));
	jsonw__kv_str(w, "redacted", or_null(l->redacted));
	jsonw__kv_str(w, "fingerprint", or_null(l->fingerprint));
	jsonw__kv_u64(w, "count", l->count);
	jsonw__kv_u64(w, "total", l->total);
	kv_time(w, "first_seen", l->first_seen_unix_nano);
	kv_time(w, "last_seen", l->last_seen_unix_nano);
	if (l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL) {
		journal(w, l);
		return;
	}
	jsonw__kv_str(w, "source",
		      l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_CATCHUP ? "catchup" : "file");
	jsonw__key(w, "file");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "path", or_null(l->path));
	if (l->previous_path && *l->previous_path)
		jsonw__kv_str(w, "previous_path", l->previous_path);
	jsonw__kv_str(w, "device", or_null(l->device));
	jsonw__kv_u64(w, "inode", l->inode);
	jsonw__kv_u64(w, "offset", l->offset);
	jsonw__kv_u64(w, "length", l->length);
	jsonw__kv_u64(w, "last_offset", l->last_offset);
	jsonw__end_object(w);
	if (l->source != LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_CATCHUP) {
		jsonw__key(w, "write");
		jsonw__begin_object(w);
		jsonw__kv_str(w, "syscall", or_null(l->syscall));
		jsonw__kv_i64(w, "fd", l->fd);
		jsonw__end_object(w);
	}
	if (l->writer)
		process_as(w, "writer", l->writer);
	if (l->origin)
		origin(w, l->origin);
}

static void health(struct jsonw *w, const Leakwatch__V1__AgentHealth *h)
{
	const Leakwatch__V1__SpoolState *sp = h->spool;

	jsonw__key(w, "drops");
	jsonw__begin_object(w);
	for (size_t i = 0; i < h->n_drops; i++)
		if (h->drops[i]->key)
			jsonw__kv_u64(w, h->drops[i]->key, h->drops[i]->value);
	jsonw__end_object(w);
	jsonw__key(w, "programs");
	jsonw__begin_array(w);
	for (size_t i = 0; i < h->n_programs; i++)
		jsonw__string(w, h->programs[i]);
	jsonw__end_array(w);
	jsonw__kv_u64(w, "listeners_open", h->listeners_open);
	jsonw__kv_u64(w, "bytes_scanned", h->bytes_scanned);
	jsonw__kv_u64(w, "events_listener", h->events_listener);
	jsonw__kv_u64(w, "events_leak", h->events_leak);
	jsonw__kv_u64(w, "uptime_seconds", h->uptime_seconds);
	jsonw__kv_u64(w, "export_batches", h->export_batches);
	jsonw__kv_u64(w, "export_retries", h->export_retries);
	if (h->n_uncaptured) {
		jsonw__key(w, "uncaptured");
		jsonw__begin_array(w);
		for (size_t i = 0; i < h->n_uncaptured; i++) {
			const Leakwatch__V1__UncapturedWrite *u = h->uncaptured[i];

			jsonw__begin_object(w);
			jsonw__kv_u64(w, "pid", u->pid);
			jsonw__kv_str(w, "comm", or_null(u->comm));
			jsonw__kv_str(w, "path", or_null(u->path));
			jsonw__kv_str(w, "via", or_null(u->via));
			jsonw__kv_u64(w, "count", u->count);
			kv_time(w, "last_seen", u->last_seen_unix_nano);
			jsonw__end_object(w);
		}
		jsonw__end_array(w);
	}
	if (!object_or_null(w, "spool", sp))
		return;
	jsonw__kv_u64(w, "bytes", sp->bytes);
	jsonw__kv_u64(w, "records", sp->records);
	jsonw__kv_u64(w, "oldest_age_seconds", sp->oldest_age_seconds);
	jsonw__kv_u64(w, "dropped_full", sp->dropped_full);
	jsonw__kv_u64(w, "dropped_corrupt", sp->dropped_corrupt);
	jsonw__kv_u64(w, "write_errors", sp->write_errors);
	jsonw__end_object(w);
}

void render__event(struct jsonw *w, const Leakwatch__V1__Event *ev)
{
	static const char *const kinds[] = { [LEAKWATCH__V1__EVENT__KIND_LISTENER] = "listener",
					     [LEAKWATCH__V1__EVENT__KIND_LEAK] = "leak",
					     [LEAKWATCH__V1__EVENT__KIND_HEALTH] = "health" };
	const char *kind = (unsigned)ev->kind_case < sizeof(kinds) / sizeof(kinds[0]) ? kinds[ev->kind_case] : NULL;

	jsonw__begin_object(w);
	kv_time(w, "ts", ev->time_unix_nano);
	jsonw__kv_str(w, "kind", kind ? kind : "unknown");
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER:
		listener(w, ev->listener);
		break;
	case LEAKWATCH__V1__EVENT__KIND_LEAK:
		leak(w, ev->leak);
		break;
	case LEAKWATCH__V1__EVENT__KIND_HEALTH:
		health(w, ev->health);
		break;
	default:
		break;
	}
	if (ev->kind_case != LEAKWATCH__V1__EVENT__KIND_HEALTH) {
		process(w, ev->process);
		container(w, ev->container);
	}
	kv_id(w, &ev->id);
	host(w, ev->host);
	jsonw__end_object(w);
}

char *render__event_string(const Leakwatch__V1__Event *ev)
{
	struct jsonw w;
	const char *s;
	char *out;

	jsonw__init(&w);
	render__event(&w, ev);
	s = jsonw__str(&w);
	out = s ? strdup(s) : NULL;
	jsonw__free(&w);
	return out;
}
