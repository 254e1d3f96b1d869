/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The address of a finding's page (ui/ui.h) under server.public_url, for
 * the links in alerts: a listener's page from its dedup key, a leak's from
 * its fingerprint, the hosts page for an agent, the host's open problems
 * for a group of new listeners.
 */
#ifndef COLLECTOR_PAGELINK_H
#define COLLECTOR_PAGELINK_H

#include <stdbool.h>
#include <stddef.h>

#include "notify/alertview.h"

#define PAGELINK_MAX 1400

/* false (and out "") when there is no base, or no page for it */
bool pagelink__alert(const char *base, const struct alert_view *v, char out[PAGELINK_MAX]);
bool pagelink__host(const char *base, const char *host, char out[PAGELINK_MAX]);

#endif
