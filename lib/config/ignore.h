/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ignore file (/etc/leakwatch/ignore.yaml by default): findings an
 * operator has looked at and accepted, read by the agent, `scan` and the
 * collector's alerting.
 *
 *   leaks:
 *     - fingerprint: 0123456789abcdef0123456789abcdef   # one secret
 *       reason: test fixture, never a real key
 *       expires: 2027-01-31                             # optional, UTC
 *     - rule: generic-secret                            # a rule, where path matches
 *       path: /srv/app/fixtures-*.log
 *     - path: /var/log/load-test.log                    # anything in a file (a glob)
 *   listeners:                                          # as exposure.expected
 *     - process: redis-server
 *       port: 6379
 *       reason: the cache's own replica link
 *     - namespace: monitoring                           # or by where it runs
 *       pod: "prometheus-*"
 *       reason: scraped from outside by design
 *
 * Every entry says why (reason). An entry past its expiry date no longer
 * silences anything, and says so once in the log.
 */
#ifndef LW_IGNORE_H
#define LW_IGNORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "config/place.h"

#define LW_IGNORE_DEFAULT_FILE "/etc/leakwatch/ignore.yaml"

struct lw_ignore;

/*
 * Reads path into *out. A missing file is an empty set unless must_exist.
 * -EINVAL with err naming the entry and key ("leaks[2].path: ...").
 */
int ignore__load(const char *path, bool must_exist, struct lw_ignore **out, char *err, size_t errlen);
void ignore__free(struct lw_ignore *ig);
size_t ignore__count(const struct lw_ignore *ig);

/* Is this leak silenced at now_s (wall clock)? path may be NULL (a journal entry). */
bool ignore__leak(struct lw_ignore *ig, const char *fingerprint, const char *rule, const char *path,
		  uint64_t now_s);

/*
 * Is this listener silenced? process: the executable's path or name (comm
 * when nothing better is known); address: the bound one; where: its pod and
 * cgroup, or NULL when not known.
 */
bool ignore__listener(struct lw_ignore *ig, const char *exe, const char *comm, uint8_t protocol,
		      const struct lw_addr *address, uint16_t port, const struct lw_place *where,
		      uint64_t now_s);

#endif
