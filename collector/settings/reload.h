/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SIGHUP: the configuration file is read again, checked whole, and what can
 * change while serving is put in force: alerting (routes, sinks, runbooks,
 * timings; see alerts__reload for what happens to queued notifications),
 * the credentials (server.auth and the token and digest files, read
 * again: a rotated token is in force, a removed one refused at once),
 * retention and the log level. A file that does not load changes nothing:
 * one error line names the key, and the collector serves on with the
 * configuration it had. Keys the running parts took at start (addresses,
 * TLS, the token file, storage, limits, the log format) keep their values,
 * and one warning line names those that changed.
 */
#ifndef COLLECTOR_RELOAD_H
#define COLLECTOR_RELOAD_H

#include <stdbool.h>

#include "alerting/engine.h"
#include "settings/config.h"
#include "os/log.h"
#include "server/metrics.h"
#include "server/server.h"
#include "storage/store.h"

/* What serve runs with; reload__run updates it. Used from one thread. */
struct reload {
	const char *file;
	/* the file was given, or existed at start: then a missing file is an
	 * error, not a reason to fall back to defaults and drop every route */
	bool must_exist;
	const struct listen_addr *listen_override; /* --listen, or NULL */
	enum lw_log_format log_format;            /* in force; not reloaded */
	struct collector_config *cfg;                   /* in force; its alerting part is empty, the
						     engine holds it */
	struct store *store;
	struct metrics *metrics;
	struct server *server;
	struct alerts **alerts;                   /* NULL until the first route: started here */
};

/* 0 applied (perhaps in part: logged), -EINVAL rejected. The
 * outcome is also counted in the metrics. */
int reload__run(struct reload *r);

#endif
