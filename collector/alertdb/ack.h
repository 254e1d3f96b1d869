/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Acknowledging a leak: the operator says it is handled (the credential is
 * rotated). The leak is marked, every alert for its fingerprint resolves
 * (one per host), and later sightings of that fingerprint stay quiet. The
 * finding's id is the leak's fingerprint, as GET /v1/findings shows it.
 * Used by POST /v1/findings/{fingerprint}/ack and `leakwatch-collector ack`.
 */
#ifndef COLLECTOR_ACK_H
#define COLLECTOR_ACK_H

#include <stdbool.h>
#include <stdint.h>

#include "alertdb/alertdb.h"
#include "storage/store.h"

#define ACK_MAX_BY 128

/* A fingerprint as the agents make them: 16 to 64 hex digits. */
bool ack__valid_fingerprint(const char *s);
/* by: who, for the record (may be NULL). -EINVAL for a malformed
 * fingerprint or by; otherwise r says whether the leak was found. */
int ack__leak(struct store *s, const char *fingerprint, const char *by, uint64_t now_ns,
	      struct ack_result *r);

#endif
