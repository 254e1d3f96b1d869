// SPDX-License-Identifier: Apache-2.0
#include "delivery/encode.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "os/clock.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "wire/names.h"
#include "wire/render.h"
#include "os/version.h"

/* protobuf-c wants char *; these strings are only read while packing. */
#define S(x) ((char *)(x))

/* Everything one Event points to, on the stack of the encoder. */
struct event_parts {
	Leakwatch__V1__Event ev;
	Leakwatch__V1__Host host;
	Leakwatch__V1__Process proc;
	Leakwatch__V1__Container ctr;
	uint8_t id[16];
};

static void init_event(struct event_parts *p, const struct lw_host *h, uint64_t ts_ns)
{
	leakwatch__v1__event__init(&p->ev);
	leakwatch__v1__host__init(&p->host);
	host__uuid7(p->id);
	p->ev.id.data = p->id;
	p->ev.id.len = sizeof(p->id);
	p->ev.time_unix_nano = (int64_t)ts_ns;
	p->host.hostname = S(h->hostname);
	p->host.machine_id = S(h->machine_id);
	p->host.boot_id = S(h->boot_id);
	p->host.agent_version = S(LW_VERSION);
	p->host.node_name = S(h->node_name);
	p->ev.host = &p->host;
}

static void fill_process(Leakwatch__V1__Process *out, const struct lw_proc *pr)
{
	leakwatch__v1__process__init(out);
	out->pid = pr->tgid;
	out->tid = pr->pid;
	out->uid = pr->uid;
	out->user = S(pr->user);
	out->comm = S(pr->comm);
	out->exe = S(pr->exe);
	out->cmdline = S(pr->cmdline);
}

static void set_process(struct event_parts *p, const struct lw_proc *pr)
{
	fill_process(&p->proc, pr);
	leakwatch__v1__container__init(&p->ctr);
	p->ctr.id = S(pr->container.id);
	p->ctr.runtime = S(pr->container.runtime);
	p->ctr.pod_uid = S(pr->container.pod_uid);
	p->ctr.cgroup = S(pr->container.cgroup);
	p->ctr.cgroup_id = pr->cgroup_id;
	p->ctr.pod_name = S(pr->container.pod_name);
	p->ctr.pod_namespace = S(pr->container.pod_namespace);
	p->ctr.container_name = S(pr->container.container_name);
	p->ctr.image = S(pr->container.image);
	p->ev.process = &p->proc;
	p->ev.container = &p->ctr;
}

/* One Event, two forms: the bytes that are spooled and shipped, and the JSON
 * printed, both from the same struct. */
static int finish(const Leakwatch__V1__Event *ev, int what, struct lw_encoded *out)
{
	memset(out, 0, sizeof(*out));
	if (what & LW_ENCODE_BYTES) {
		size_t n = leakwatch__v1__event__get_packed_size(ev);

		out->bytes = malloc(n ? n : 1);
		if (!out->bytes)
			return -ENOMEM;
		out->len = leakwatch__v1__event__pack(ev, out->bytes);
	}
	if (what & LW_ENCODE_JSON) {
		out->json = render__event_string(ev);
		if (!out->json) {
			encode__release(out);
			return -ENOMEM;
		}
	} else if (what & LW_ENCODE_TEXT) {
		out->json = render__event_text(ev); /* NULL: nothing to say */
	}
	return 0;
}

void encode__release(struct lw_encoded *e)
{
	free(e->bytes);
	free(e->json);
	memset(e, 0, sizeof(*e));
}

static Leakwatch__V1__Severity severity(enum lw_severity s)
{
	return (Leakwatch__V1__Severity)severity__wire(s);
}

static Leakwatch__V1__AddressClass address_class(enum lw_addr_class c)
{
	return (Leakwatch__V1__AddressClass)addr_class__wire(c);
}

static size_t addr_len(const struct lw_addr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

/* the agent's enums and the wire's are in the same order, 0 meaning unset */
static void fill_auth(Leakwatch__V1__Auth *out, const struct lw_auth *a)
{
	leakwatch__v1__auth__init(out);
	out->state = (Leakwatch__V1__Auth__State)a->state;
	out->protocol = S(a->protocol);
	out->evidence = S(a->evidence);
	out->probed_at_unix_nano = (int64_t)a->probed_ns;
	out->tls = a->tls;
	out->client_cert = (Leakwatch__V1__Auth__ClientCert)a->client_cert;
}

_Static_assert(LEAKWATCH__V1__AUTH__STATE__STATE_NONE == (int)LW_AUTH_NONE &&
		       LEAKWATCH__V1__AUTH__STATE__STATE_REQUIRED == (int)LW_AUTH_REQUIRED &&
		       LEAKWATCH__V1__AUTH__STATE__STATE_TLS == (int)LW_AUTH_TLS &&
		       LEAKWATCH__V1__AUTH__STATE__STATE_UNKNOWN == (int)LW_AUTH_UNKNOWN,
	       "auth states as on the wire");
_Static_assert(LEAKWATCH__V1__AUTH__CLIENT_CERT__CLIENT_CERT_NOT_REQUESTED == (int)LW_CERT_NOT_REQUESTED &&
		       LEAKWATCH__V1__AUTH__CLIENT_CERT__CLIENT_CERT_OPTIONAL == (int)LW_CERT_OPTIONAL &&
		       LEAKWATCH__V1__AUTH__CLIENT_CERT__CLIENT_CERT_REQUIRED == (int)LW_CERT_REQUIRED,
	       "client certificate answers as on the wire");

int encode__listener(const struct lw_host *h, const struct lw_listener *l, int what, struct lw_encoded *out)
{
	Leakwatch__V1__Reachable reach[LW_MAX_REACH], *reach_ptrs[LW_MAX_REACH];
	Leakwatch__V1__Published pub;
	const struct lw_exposure *e = &l->exposure;
	Leakwatch__V1__ListenerEvent le;
	Leakwatch__V1__Service svc;
	Leakwatch__V1__Auth auth;
	struct event_parts p;

	init_event(&p, h, l->ts_ns);
	set_process(&p, &l->proc);
	leakwatch__v1__listener_event__init(&le);
	le.action = l->verified ? LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_VERIFIED
		    : l->open   ? LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_OPEN
				: LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE;
	le.source = listener_source__wire(l->source);
	le.protocol = l->protocol == IPPROTO_UDP ? LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP
						 : LEAKWATCH__V1__PROTOCOL__PROTOCOL_TCP;
	le.address.data = (uint8_t *)l->addr.b;
	le.address.len = addr_len(&l->addr);
	le.port = l->port;
	le.v6only = l->v6only;
	le.wildcard = e->wildcard;
	le.netns = l->netns_ino;
	le.netns_cookie = l->netns_cookie;
	if (l->netns_name[0])
		le.netns_name = S(l->netns_name);
	le.socket_inode = l->sock_ino;
	le.exposure = address_class(e->level);
	if (e->published.set) {
		leakwatch__v1__published__init(&pub);
		pub.address.data = (uint8_t *)e->published.addr.b;
		pub.address.len = addr_len(&e->published.addr);
		pub.port = e->published.port;
		pub.exposure = address_class(e->published.level);
		pub.own_exposure = address_class(e->published.own);
		pub.netns = e->published.netns_ino;
		pub.table = S(e->published.table);
		pub.chain = S(e->published.chain);
		le.published = &pub;
	}
	for (size_t i = 0; i < e->n_reach; i++) {
		leakwatch__v1__reachable__init(&reach[i]);
		reach[i].address.data = (uint8_t *)e->reach[i].addr.b;
		reach[i].address.len = addr_len(&e->reach[i].addr);
		reach[i].class_ = address_class(e->reach[i].cls);
		reach[i].interface = S(e->reach[i].ifname);
		reach_ptrs[i] = &reach[i];
	}
	le.n_reachable = e->n_reach;
	le.reachable = reach_ptrs;
	le.reachable_total = (uint32_t)e->n_reach_total;
	le.interfaces_known = e->interfaces_known;
	if (l->service.name) {
		leakwatch__v1__service__init(&svc);
		svc.name = S(l->service.name);
		svc.category = S(l->service.category);
		svc.identified_by = !strcmp(l->service.via, "port")
					    ? LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT
				    : !strcmp(l->service.via, "protocol")
					    ? LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PROTOCOL
					    : LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PROCESS;
		le.service = &svc;
	}
	if (l->auth.state != LW_AUTH_UNSET) {
		fill_auth(&auth, &l->auth);
		le.auth = &auth;
	}
	le.severity = severity(l->severity);
	le.expected = l->expected;
	le.unexpected = listener__unexpected(l);
	p.ev.kind_case = LEAKWATCH__V1__EVENT__KIND_LISTENER;
	p.ev.listener = &le;
	return finish(&p.ev, what, out);
}

/* Where a leak was read: a file and the write call, or a journal entry. */
static void set_leak_place(Leakwatch__V1__LeakEvent *le, const struct lw_leak *leak,
			   Leakwatch__V1__JournalEntry *je, char dev[LW_DEVICE_LEN])
{
	if (leak->source == LW_LEAK_JOURNAL) {
		const struct lw_journal_ref *j = &leak->journal;

		le->source = LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL;
		leakwatch__v1__journal_entry__init(je);
		je->unit = S(j->unit);
		je->syslog_identifier = S(j->identifier);
		je->cursor = S(j->cursor);
		je->field = S(j->field);
		je->hostname = S(j->hostname);
		je->boot_id = S(j->boot_id);
		le->journal = je;
		le->length = leak->length;
		return;
	}
	le->source = leak->source == LW_LEAK_CATCHUP ? LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_CATCHUP
						     : LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_FILE;
	le->path = S(leak->path ? leak->path : "");
	le->previous_path = S(leak->previous_path ? leak->previous_path : "");
	le->device = S(leak__device(leak->dev, dev));
	le->inode = leak->ino;
	le->offset = leak->offset;
	le->length = leak->length;
	le->last_offset = leak->last_offset;
	if (leak->source == LW_LEAK_CATCHUP)
		return; /* read at rest: no write call to name */
	le->syscall = S(leak__syscall_name(leak->syscall));
	le->fd = leak->fd;
}

int encode__leak(const struct lw_host *h, const struct lw_leak *leak, int what, struct lw_encoded *out)
{
	Leakwatch__V1__LeakEvent le;
	Leakwatch__V1__Process writer;
	Leakwatch__V1__JournalEntry je;
	Leakwatch__V1__SyslogOrigin origin;
	struct event_parts p;
	char dev[LW_DEVICE_LEN];

	init_event(&p, h, leak->repeat ? leak->last_ns : leak->first_ns);
	set_process(&p, &leak->proc);
	leakwatch__v1__leak_event__init(&le);
	le.rule = S(leak->rule->id);
	le.family = S(leak->rule->family);
	le.severity = severity(leak->rule->severity);
	le.redacted = S(leak->redacted);
	le.fingerprint = S(leak->fingerprint);
	set_leak_place(&le, leak, &je, dev);
	le.count = leak->count;
	le.total = leak->total;
	le.repeat = leak->repeat;
	le.first_seen_unix_nano = (int64_t)leak->first_ns;
	le.last_seen_unix_nano = (int64_t)leak->last_ns;
	if (leak->has_writer) {
		fill_process(&writer, &leak->writer);
		le.writer = &writer;
	}
	if (leak->has_origin) {
		leakwatch__v1__syslog_origin__init(&origin);
		origin.comm = S(leak->origin.comm);
		origin.pid = leak->origin.pid;
		origin.hostname = S(leak->origin.hostname);
		origin.format = S(leak->origin.format ? leak->origin.format : "");
		origin.verified = leak->origin.verified;
		le.origin = &origin;
	}
	p.ev.kind_case = LEAKWATCH__V1__EVENT__KIND_LEAK;
	p.ev.leak = &le;
	return finish(&p.ev, what, out);
}

int encode__health(const struct lw_host *h, const struct lw_health *hs, int what, struct lw_encoded *out)
{
	Leakwatch__V1__AgentHealth__DropsEntry drops[LW_HEALTH_MAX_DROPS], *drop_ptrs[LW_HEALTH_MAX_DROPS];
	Leakwatch__V1__UncapturedWrite unc[LW_HEALTH_MAX_UNCAPTURED], *unc_ptrs[LW_HEALTH_MAX_UNCAPTURED];
	Leakwatch__V1__AgentHealth ah;
	Leakwatch__V1__SpoolState sp;
	struct event_parts p;
	uint64_t now_ms = clock__realtime_ns() / 1000000ULL;

	init_event(&p, h, clock__realtime_ns());
	leakwatch__v1__agent_health__init(&ah);
	leakwatch__v1__spool_state__init(&sp);
	for (size_t i = 0; i < hs->n_drops && i < LW_HEALTH_MAX_DROPS; i++) {
		leakwatch__v1__agent_health__drops_entry__init(&drops[i]);
		drops[i].key = S(hs->drop_names[i]);
		drops[i].value = hs->drop_counts[i];
		drop_ptrs[i] = &drops[i];
	}
	ah.n_drops = hs->n_drops < LW_HEALTH_MAX_DROPS ? hs->n_drops : LW_HEALTH_MAX_DROPS;
	ah.drops = drop_ptrs;
	for (size_t i = 0; i < hs->n_uncaptured && i < LW_HEALTH_MAX_UNCAPTURED; i++) {
		const struct lw_uncaptured *u = &hs->uncaptured[i];

		leakwatch__v1__uncaptured_write__init(&unc[i]);
		unc[i].pid = u->pid;
		unc[i].comm = S(u->comm);
		unc[i].path = S(u->path);
		unc[i].via = S(u->via);
		unc[i].count = u->count;
		unc[i].last_seen_unix_nano = (int64_t)u->last_ns;
		unc_ptrs[i] = &unc[i];
	}
	ah.n_uncaptured = hs->n_uncaptured < LW_HEALTH_MAX_UNCAPTURED ? hs->n_uncaptured : LW_HEALTH_MAX_UNCAPTURED;
	ah.uncaptured = unc_ptrs;
	ah.n_programs = hs->n_programs;
	ah.programs = (char **)hs->programs;
	ah.listeners_open = hs->listeners_open;
	ah.bytes_scanned = hs->bytes_scanned;
	ah.events_listener = hs->events_listener;
	ah.events_leak = hs->events_leak;
	ah.uptime_seconds = hs->uptime_s;
	ah.export_batches = hs->export_batches;
	ah.export_retries = hs->export_retries;
	sp.bytes = hs->spool.bytes;
	sp.records = hs->spool.records;
	sp.oldest_age_seconds = hs->spool.oldest_ms && now_ms > hs->spool.oldest_ms
					? (now_ms - hs->spool.oldest_ms) / 1000 : 0;
	sp.dropped_full = hs->spool.dropped_full;
	sp.dropped_corrupt = hs->spool.dropped_corrupt;
	sp.write_errors = hs->spool.write_errors;
	ah.spool = &sp;
	p.ev.kind_case = LEAKWATCH__V1__EVENT__KIND_HEALTH;
	p.ev.health = &ah;
	return finish(&p.ev, what, out);
}
