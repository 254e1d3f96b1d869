/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines a syslog daemon wrote for another program. When rsyslogd,
 * syslog-ng or systemd-journald writes a watched file, the writer is the
 * daemon, and the program that leaked is named only in the line's own
 * header: RFC 3164 ("Mmm dd hh:mm:ss host prog[pid]: msg", also with an
 * RFC 3339 time stamp as rsyslog writes by default) or RFC 5424
 * ("<pri>1 time host app procid msgid sd msg"). The finding keeps the
 * daemon as `writer` and the program as `origin`.
 */
#ifndef LW_RELAY_H
#define LW_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "leaks/finding.h"

/* A syslog daemon, by its executable (or its name when that is unknown). */
bool relay__is_daemon(const struct lw_proc *p);
/* Parses a line's header. false if it has none. */
bool relay__parse(const char *line, size_t len, struct lw_origin *out);
/*
 * Attributes a finding in a line a daemon wrote: the daemon becomes the
 * writer, the header's program the origin, and the process the origin's
 * when that pid runs here under that name (else only its name and pid).
 * The header's text is scrubbed: it is the line's, not the host's.
 * Returns false, changing nothing, when the line has no header.
 */
bool relay__attribute(struct procinfo *pi, struct lw_leak *leak, const char *line, size_t len);

#endif
