/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dedup keys: one stable string per problem, the same for every event and
 * every notification about it, and PagerDuty's dedup_key as-is.
 *   listener  leakwatch/listener/<host>/<netns>/<proto>/<address>/<port>
 *   leak      leakwatch/leak/<fingerprint>, one for every host it was seen
 *             on; leakwatch/leak/<fingerprint>/<host> with leak_alerts: host
 *   agent     leakwatch/agent/<agent id>/<silent|drops|spool>
 *   a group of new listeners on one host: leakwatch/listeners/<host>
 * A key past PagerDuty's 255 characters becomes leakwatch/<what>/sha256/<hex>
 * of the long form: still stable, still unique.
 */
#ifndef COLLECTOR_ALERTKEY_H
#define COLLECTOR_ALERTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALERTKEY_LEN 256 /* with the NUL: at most 255 characters */

void alertkey__listener(char key[ALERTKEY_LEN], const char *host, uint64_t netns, const char *proto,
			const char *address, unsigned port);
/* host NULL: the fleet-wide key of the fingerprint */
void alertkey__leak(char key[ALERTKEY_LEN], const char *fingerprint, const char *host);
/* Is key a leak's fleet-wide key (no host in it)? */
bool alertkey__leak_fleet(const char *key);
void alertkey__agent(char key[ALERTKEY_LEN], const char *agent_id, const char *problem);
void alertkey__group(char key[ALERTKEY_LEN], const char *host);

#endif
