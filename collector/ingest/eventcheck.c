// SPDX-License-Identifier: Apache-2.0
/*
 * Each decoded event checked before anything of it is stored: ids, times,
 * sizes and UTF-8 of every string, addresses, counts, and the kind's own
 * fields. An event that fails is counted in BatchAck.rejected, never
 * stored; its batch's other events are.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"
#include "wire/utf8.h"

#define ID_LEN 16
/* Agents' clocks drift; a day ahead is a broken clock, not drift. */
#define MAX_FUTURE_NS (24ULL * 3600 * 1000000000ULL)
#define MAX_REACHABLE 64
#define MAX_DROPS 64
#define MAX_PROGRAMS 64
#define MAX_LEAK_COUNT (1ULL << 40)

enum { STR_OK, STR_LONG, STR_UTF8 };

static int check_str(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return STR_OK;
	n = strnlen(s, max + 1);
	if (n > max)
		return STR_LONG;
	return utf8__valid(s, n) ? STR_OK : STR_UTF8;
}

/* Returns from the validator with "<name> too long" or "<name> not UTF-8". */
#define STR(s, max, name)                                                                          \
	do {                                                                                       \
		switch (check_str((s), (max))) {                                                   \
		case STR_LONG: return name " too long";                                            \
		case STR_UTF8: return name " not UTF-8";                                           \
		}                                                                                  \
	} while (0)

static bool is_empty(const char *s)
{
	return !s || !*s;
}

static bool ip_len(size_t n)
{
	return n == 4 || n == 16;
}

static const char *check_listener(const Leakwatch__V1__ListenerEvent *l)
{
	if (l->action != LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_OPEN &&
	    l->action != LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE &&
	    l->action != LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_VERIFIED)
		return "listener.action unset or unknown";
	if (l->protocol != LEAKWATCH__V1__PROTOCOL__PROTOCOL_TCP &&
	    l->protocol != LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP)
		return "listener.protocol unset or unknown";
	if ((unsigned)l->source > LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_NAT)
		return "listener.source unknown";
	if (!ip_len(l->address.len))
		return "listener.address not 4 or 16 bytes";
	if (l->port > 65535)
		return "listener.port above 65535";
	if ((unsigned)l->exposure > LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC)
		return "listener.exposure unknown";
	if ((unsigned)l->severity > LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL)
		return "listener.severity unknown";
	if (l->n_reachable > MAX_REACHABLE)
		return "listener.reachable too long";
	for (size_t i = 0; i < l->n_reachable; i++) {
		if (!ip_len(l->reachable[i]->address.len))
			return "listener.reachable.address not 4 or 16 bytes";
		if ((unsigned)l->reachable[i]->class_ > LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC)
			return "listener.reachable.class unknown";
		STR(l->reachable[i]->interface, 64, "listener.reachable.interface");
	}
	if (l->service) {
		STR(l->service->name, 64, "listener.service.name");
		STR(l->service->category, 64, "listener.service.category");
	}
	if (l->auth) {
		if ((unsigned)l->auth->state > LEAKWATCH__V1__AUTH__STATE__STATE_UNKNOWN)
			return "listener.auth.state unknown";
		if ((unsigned)l->auth->client_cert > LEAKWATCH__V1__AUTH__CLIENT_CERT__CLIENT_CERT_REQUIRED)
			return "listener.auth.client_cert unknown";
		STR(l->auth->protocol, 64, "listener.auth.protocol");
		/* one short line, never data */
		STR(l->auth->evidence, 256, "listener.auth.evidence");
	}
	return NULL;
}

static bool is_hex(const char *s)
{
	return s[strspn(s, "0123456789abcdefABCDEF")] == '\0';
}

static const char *check_leak(const Leakwatch__V1__LeakEvent *l)
{
	size_t n;

	if (is_empty(l->rule))
		return "leak.rule empty";
	STR(l->rule, 128, "leak.rule");
	STR(l->family, 128, "leak.family");
	if ((unsigned)l->severity > LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL)
		return "leak.severity unknown";
	/* a redacted form longer than its contract is redacted again, not refused */
	STR(l->redacted, 4096, "leak.redacted");
	if (is_empty(l->fingerprint))
		return "leak.fingerprint empty";
	n = strlen(l->fingerprint);
	if (n < 16 || n > 64 || !is_hex(l->fingerprint))
		return "leak.fingerprint not 16-64 hex digits";
	STR(l->path, 4096, "leak.path");
	STR(l->previous_path, 4096, "leak.previous_path");
	STR(l->device, 32, "leak.device");
	STR(l->syscall, 32, "leak.syscall");
	if (l->journal) {
		STR(l->journal->unit, 512, "leak.journal.unit");
		STR(l->journal->syslog_identifier, 512, "leak.journal.syslog_identifier");
		STR(l->journal->cursor, 512, "leak.journal.cursor");
		STR(l->journal->field, 256, "leak.journal.field");
		STR(l->journal->hostname, 256, "leak.journal.hostname");
		STR(l->journal->boot_id, 64, "leak.journal.boot_id");
	}
	if (l->origin) {
		STR(l->origin->comm, 256, "leak.origin.comm");
		STR(l->origin->hostname, 256, "leak.origin.hostname");
		STR(l->origin->format, 16, "leak.origin.format");
	}
	if (l->count > MAX_LEAK_COUNT || l->total > MAX_LEAK_COUNT)
		return "leak.count implausible";
	if (l->first_seen_unix_nano < 0 || l->last_seen_unix_nano < 0)
		return "leak time negative";
	return NULL;
}

static const char *check_health(const Leakwatch__V1__AgentHealth *h)
{
	if (h->n_drops > MAX_DROPS)
		return "health.drops too long";
	for (size_t i = 0; i < h->n_drops; i++) {
		if (is_empty(h->drops[i]->key))
			return "health.drops key empty";
		STR(h->drops[i]->key, 64, "health.drops key");
	}
	if (h->n_programs > MAX_PROGRAMS)
		return "health.programs too long";
	for (size_t i = 0; i < h->n_programs; i++)
		STR(h->programs[i], 128, "health.programs");
	return NULL;
}

const char *ingest__validate(const Leakwatch__V1__Event *ev, uint64_t now_ns)
{
	static const uint8_t zero[ID_LEN];

	if (ev->id.len != ID_LEN)
		return "id not 16 bytes";
	if (!memcmp(ev->id.data, zero, ID_LEN))
		return "id all zero";
	if (ev->time_unix_nano <= 0)
		return "time unset";
	if ((uint64_t)ev->time_unix_nano > now_ns + MAX_FUTURE_NS)
		return "time more than a day ahead";
	if (!ev->host || is_empty(ev->host->hostname))
		return "host.hostname empty";
	STR(ev->host->hostname, 255, "host.hostname");
	STR(ev->host->machine_id, 64, "host.machine_id");
	STR(ev->host->boot_id, 64, "host.boot_id");
	STR(ev->host->agent_version, 64, "host.agent_version");
	STR(ev->host->node_name, 255, "host.node_name");
	if (ev->process) {
		STR(ev->process->user, 256, "process.user");
		STR(ev->process->comm, 64, "process.comm");
		STR(ev->process->exe, 4096, "process.exe");
		STR(ev->process->cmdline, 8192, "process.cmdline");
	}
	if (ev->container) {
		STR(ev->container->id, 128, "container.id");
		STR(ev->container->runtime, 32, "container.runtime");
		STR(ev->container->pod_uid, 64, "container.pod_uid");
		STR(ev->container->cgroup, 4096, "container.cgroup");
		STR(ev->container->pod_name, 253, "container.pod_name");
		STR(ev->container->pod_namespace, 253, "container.pod_namespace");
		STR(ev->container->container_name, 253, "container.container_name");
		STR(ev->container->image, 512, "container.image");
	}
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER:
		return ev->listener ? check_listener(ev->listener) : "listener unset";
	case LEAKWATCH__V1__EVENT__KIND_LEAK:
		return ev->leak ? check_leak(ev->leak) : "leak unset";
	case LEAKWATCH__V1__EVENT__KIND_HEALTH:
		return ev->health ? check_health(ev->health) : "health unset";
	default:
		return "no kind set";
	}
}
