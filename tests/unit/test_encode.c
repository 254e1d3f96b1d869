// SPDX-License-Identifier: Apache-2.0
/* encode: findings become Events that decode back with every field intact. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "delivery/encode.h"
#include "leakwatch/events.h"
#include "leakwatch/v1/leakwatch.pb-c.h"

static struct lw_host host = { .hostname = "db-1", .machine_id = "0123abcd", .boot_id = "b007",
			       .agent_id = "0123abcd" };

static void test_uuid7(void **state)
{
	uint8_t a[16], b[16];
	(void)state;

	host__uuid7(a);
	host__uuid7(b);
	assert_int_equal(a[6] >> 4, 7);      /* version */
	assert_int_equal(a[8] & 0xc0, 0x80); /* variant */
	assert_memory_not_equal(a, b, 16);
	assert_true(memcmp(a, b, 6) <= 0);   /* time-ordered */
}

static void test_listener_round_trip(void **state)
{
	struct lw_listener l;
	Leakwatch__V1__Event *ev;
	struct lw_encoded enc;
	(void)state;

	memset(&l, 0, sizeof(l));
	l.ts_ns = 1764400000123456789ULL;
	l.open = true;
	l.source = "kernel";
	l.netns_ino = 4026532177u;
	l.protocol = IPPROTO_TCP;
	addr__parse("0.0.0.0", &l.addr);
	l.port = 6379;
	l.sock_ino = 12123;
	l.proc.tgid = 7012;
	l.proc.pid = 7013;
	strcpy(l.proc.comm, "redis-server");
	strcpy(l.proc.cmdline, "redis-server 0.0.0.0:6379");
	strcpy(l.proc.container.pod_uid, "0d3e1c9a-7b2f-4c1e-9a8b-1234567890ab");
	l.exposure.wildcard = true;
	l.exposure.interfaces_known = true;
	l.exposure.level = LW_CLASS_PUBLIC;
	l.exposure.n_reach = l.exposure.n_reach_total = 1;
	addr__parse("203.0.113.7", &l.exposure.reach[0].addr);
	l.exposure.reach[0].cls = LW_CLASS_PUBLIC;
	strcpy(l.exposure.reach[0].ifname, "eth0");
	l.service = (struct lw_service_id){ "redis", "database", "process" };
	l.severity = LW_SEV_HIGH;

	assert_int_equal(encode__listener(&host, &l, LW_ENCODE_BYTES, &enc), 0);
	ev = leakwatch__v1__event__unpack(NULL, enc.len, enc.bytes);
	assert_non_null(ev);
	assert_int_equal(ev->id.len, 16);
	assert_int_equal(ev->time_unix_nano, (int64_t)l.ts_ns);
	assert_string_equal(ev->host->hostname, "db-1");
	assert_string_equal(ev->host->machine_id, "0123abcd");
	assert_int_equal(ev->process->pid, 7012);
	assert_int_equal(ev->process->tid, 7013);
	assert_string_equal(ev->process->comm, "redis-server");
	assert_string_equal(ev->container->pod_uid, l.proc.container.pod_uid);
	assert_int_equal(ev->kind_case, LEAKWATCH__V1__EVENT__KIND_LISTENER);
	assert_int_equal(ev->listener->action, LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_OPEN);
	assert_int_equal(ev->listener->source, LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_KERNEL);
	assert_int_equal(ev->listener->protocol, LEAKWATCH__V1__PROTOCOL__PROTOCOL_TCP);
	assert_int_equal(ev->listener->address.len, 4);
	assert_int_equal(ev->listener->port, 6379);
	assert_int_equal(ev->listener->netns, 4026532177u);
	assert_true(ev->listener->wildcard);
	assert_int_equal(ev->listener->exposure, LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC);
	assert_int_equal(ev->listener->n_reachable, 1);
	assert_string_equal(ev->listener->reachable[0]->interface, "eth0");
	assert_string_equal(ev->listener->service->name, "redis");
	assert_int_equal(ev->listener->service->identified_by,
			 LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PROCESS);
	assert_int_equal(ev->listener->severity, LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH);
	assert_true(ev->listener->unexpected);
	leakwatch__v1__event__free_unpacked(ev, NULL);
	encode__release(&enc);
}

static void test_leak_round_trip(void **state)
{
	static const struct lw_rule_info rule = { "github-pat", "github-classic", "GitHub token", LW_SEV_HIGH };
	Leakwatch__V1__Event *ev;
	struct lw_leak leak;
	struct lw_encoded enc;
	(void)state;

	memset(&leak, 0, sizeof(leak));
	leak.rule = &rule;
	strcpy(leak.redacted, "ghp_...AbCd");
	strcpy(leak.fingerprint, "00112233445566778899aabbccddeeff");
	leak.path = "/var/log/app.log";
	leak.dev = (8u << 20) | 1;
	leak.ino = 1234;
	leak.offset = 4096;
	leak.length = 40;
	leak.count = 3;
	leak.total = 3;
	leak.first_ns = 1764400000000000000ULL;
	leak.last_ns = leak.first_ns + 5;
	leak.syscall = LW_SYS_WRITEV;
	leak.fd = 3;
	leak.proc.tgid = 99;

	assert_int_equal(encode__leak(&host, &leak, LW_ENCODE_BYTES, &enc), 0);
	ev = leakwatch__v1__event__unpack(NULL, enc.len, enc.bytes);
	assert_non_null(ev);
	assert_int_equal(ev->kind_case, LEAKWATCH__V1__EVENT__KIND_LEAK);
	assert_string_equal(ev->leak->rule, "github-pat");
	assert_string_equal(ev->leak->family, "github-classic");
	assert_string_equal(ev->leak->redacted, "ghp_...AbCd");
	assert_string_equal(ev->leak->fingerprint, "00112233445566778899aabbccddeeff");
	assert_string_equal(ev->leak->path, "/var/log/app.log");
	assert_string_equal(ev->leak->device, "8:1");
	assert_int_equal(ev->leak->inode, 1234);
	assert_int_equal(ev->leak->offset, 4096);
	assert_int_equal(ev->leak->length, 40);
	assert_int_equal(ev->leak->count, 3);
	assert_string_equal(ev->leak->syscall, "writev");
	assert_int_equal(ev->leak->severity, LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH);
	assert_int_equal(ev->process->pid, 99);
	leakwatch__v1__event__free_unpacked(ev, NULL);
	encode__release(&enc);
}

/* A journal finding carries its entry instead of a file, in both forms. */
static void test_journal_leak(void **state)
{
	static const struct lw_rule_info rule = { "github-pat", "github-classic", "GitHub token", LW_SEV_HIGH };
	Leakwatch__V1__Event *ev;
	struct lw_leak leak;
	struct lw_encoded enc;
	(void)state;

	memset(&leak, 0, sizeof(leak));
	leak.source = LW_LEAK_JOURNAL;
	leak.rule = &rule;
	strcpy(leak.redacted, "ghp_...AbCd");
	strcpy(leak.fingerprint, "00112233445566778899aabbccddeeff");
	strcpy(leak.journal.unit, "postgres.service");
	strcpy(leak.journal.identifier, "postgres");
	strcpy(leak.journal.cursor, "s=abc;i=1f");
	strcpy(leak.journal.field, "MESSAGE");
	leak.dev = LW_JOURNAL_DEV;
	leak.ino = 77;
	leak.length = 40;
	leak.count = leak.total = 1;
	leak.first_ns = leak.last_ns = 1764400000000000000ULL;
	leak.proc.tgid = 42;
	strcpy(leak.proc.comm, "postgres");

	assert_int_equal(encode__leak(&host, &leak, LW_ENCODE_BYTES | LW_ENCODE_JSON, &enc), 0);
	ev = leakwatch__v1__event__unpack(NULL, enc.len, enc.bytes);
	assert_non_null(ev);
	assert_int_equal(ev->leak->source, LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL);
	assert_non_null(ev->leak->journal);
	assert_string_equal(ev->leak->journal->unit, "postgres.service");
	assert_string_equal(ev->leak->journal->syslog_identifier, "postgres");
	assert_string_equal(ev->leak->journal->cursor, "s=abc;i=1f");
	assert_string_equal(ev->leak->path, "");
	assert_int_equal(ev->leak->inode, 0);
	assert_null(ev->leak->origin);
	leakwatch__v1__event__free_unpacked(ev, NULL);
	assert_non_null(strstr(enc.json, "\"source\":\"journal\",\"journal\":{\"unit\":\"postgres.service\","
					 "\"identifier\":\"postgres\",\"field\":\"MESSAGE\",\"cursor\":\"s=abc;i=1f\""));
	assert_null(strstr(enc.json, "\"file\""));
	assert_null(strstr(enc.json, "\"write\""));
	encode__release(&enc);
}

/* A line a syslog daemon relayed: the origin from its header, and the daemon as writer. */
static void test_relayed_leak(void **state)
{
	static const struct lw_rule_info rule = { "github-pat", "github-classic", "GitHub token", LW_SEV_HIGH };
	Leakwatch__V1__Event *ev;
	struct lw_leak leak;
	struct lw_encoded enc;
	(void)state;

	memset(&leak, 0, sizeof(leak));
	leak.rule = &rule;
	strcpy(leak.redacted, "ghp_...AbCd");
	strcpy(leak.fingerprint, "00112233445566778899aabbccddeeff");
	leak.path = "/var/log/syslog";
	leak.has_writer = true;
	strcpy(leak.writer.comm, "rs:main Q:Reg");
	leak.has_origin = true;
	strcpy(leak.origin.comm, "myapp");
	leak.origin.pid = 4242;
	strcpy(leak.origin.hostname, "db-1");
	leak.origin.format = "rfc3164";
	assert_int_equal(encode__leak(&host, &leak, LW_ENCODE_BYTES | LW_ENCODE_JSON, &enc), 0);
	ev = leakwatch__v1__event__unpack(NULL, enc.len, enc.bytes);
	assert_non_null(ev);
	assert_int_equal(ev->leak->source, LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_FILE);
	assert_non_null(ev->leak->origin);
	assert_string_equal(ev->leak->origin->comm, "myapp");
	assert_int_equal(ev->leak->origin->pid, 4242);
	assert_string_equal(ev->leak->writer->comm, "rs:main Q:Reg");
	leakwatch__v1__event__free_unpacked(ev, NULL);
	assert_non_null(strstr(enc.json, "\"source\":\"file\",\"file\":{\"path\":\"/var/log/syslog\""));
	assert_non_null(strstr(enc.json, "\"origin\":{\"comm\":\"myapp\",\"pid\":4242,\"hostname\":\"db-1\","
					 "\"format\":\"rfc3164\",\"verified\":false}"));
	encode__release(&enc);
}

static void test_health_round_trip(void **state)
{
	Leakwatch__V1__Event *ev;
	struct lw_health h;
	struct lw_encoded enc;
	(void)state;

	memset(&h, 0, sizeof(h));
	h.drop_names[0] = "ringbuf_full";
	h.drop_counts[0] = 17;
	h.n_drops = 1;
	h.programs[0] = "lw_tcp_state";
	h.n_programs = 1;
	h.spool.bytes = 4096;
	h.spool.dropped_corrupt = 2;
	assert_int_equal(encode__health(&host, &h, LW_ENCODE_BYTES, &enc), 0);
	ev = leakwatch__v1__event__unpack(NULL, enc.len, enc.bytes);
	assert_non_null(ev);
	assert_int_equal(ev->kind_case, LEAKWATCH__V1__EVENT__KIND_HEALTH);
	assert_int_equal(ev->health->n_drops, 1);
	assert_string_equal(ev->health->drops[0]->key, "ringbuf_full");
	assert_int_equal(ev->health->drops[0]->value, 17);
	assert_string_equal(ev->health->programs[0], "lw_tcp_state");
	assert_int_equal(ev->health->spool->bytes, 4096);
	assert_int_equal(ev->health->spool->dropped_corrupt, 2);
	assert_null(ev->process);
	leakwatch__v1__event__free_unpacked(ev, NULL);
	encode__release(&enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid7),
		cmocka_unit_test(test_listener_round_trip),
		cmocka_unit_test(test_leak_round_trip),
		cmocka_unit_test(test_journal_leak),
		cmocka_unit_test(test_relayed_leak),
		cmocka_unit_test(test_health_round_trip),
	};

	return cmocka_run_group_tests_name("encode", tests, NULL, NULL);
}
