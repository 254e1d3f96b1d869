/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extractors of secrets that span lines: a PEM private-key block, and a
 * cloud service-account key document (JSON, maybe escaped into a log line).
 * Their extent is a structure to walk, not a run of an alphabet.
 */
#ifndef LW_BLOCKS_H
#define LW_BLOCKS_H

#include "extract/extract.h"

/* A PEM block or service-account JSON is looked for this far. */
#define LW_PEM_MAX (12 * 1024)
/* A service-account key file (JSON, 4096-bit key included) fits in this. */
#define LW_SA_MAX (6 * 1024)

/*
 * from and to: a "-----BEGIN ... PRIVATE KEY-----" line. Found through its
 * END line, or its body when END is not in sight; alt when it is encrypted.
 */
enum lw_verdict blocks__pem(const struct lw_view *v, size_t from, size_t to, struct lw_extent *out);
/*
 * from and to: "type": "service_account". Found with its "private_key" in
 * the same object, after it, or before it on the same line no further than
 * LW_LOOK_BEHIND.
 */
enum lw_verdict blocks__service_account(const struct lw_view *v, size_t from, size_t to,
					struct lw_extent *out);

#endif
