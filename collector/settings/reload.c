// SPDX-License-Identifier: Apache-2.0
#include "settings/reload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "routing/cfgref.h"
#include "settings/credentials.h"

static int rejected(struct reload *r, const char *why)
{
	log_error("config reload rejected, the current configuration stays: %s", why);
	metrics__add(r->metrics, config_reload_failures, 1);
	metrics__set(r->metrics, config_last_reload_ok, 0);
	return -EINVAL;
}

/* One line for all of them: a reload is one event in the log. */
static void warn_restart_keys(const struct collector_config *old, const struct collector_config *fresh)
{
	const char *keys[32];
	char list[512];
	size_t n = collector_config__restart_keys(old, fresh, keys, 32), len = 0;

	if (!n)
		return;
	list[0] = '\0';
	for (size_t i = 0; i < n && i < 32 && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", keys[i]);
	log_warn("config reload: %s changed; %s effect at the next restart, and until then the "
		 "running value%s stay%s", list, n > 1 ? "they take" : "it takes", n > 1 ? "s" : "",
		 n > 1 ? "" : "s");
}

int reload__run(struct reload *r)
{
	struct collector_config fresh;
	struct cfgref *ref = NULL;
	struct auth *auth = NULL;
	char err[512], why[1024], tokpath[4096];
	bool created;

	collector_config__defaults(&fresh);
	if (collector_config__load(&fresh, r->file, r->must_exist, err, sizeof(err))) {
		snprintf(why, sizeof(why), "config %s: %s", r->file, err);
		return rejected(r, why);
	}
	if (r->listen_override)
		fresh.listen = *r->listen_override;
	/* credentials: a digest file that does not read rejects the whole reload */
	if (credentials__load(&fresh, false, &auth, tokpath, sizeof(tokpath), &created, err, sizeof(err))) {
		snprintf(why, sizeof(why), "server.auth: %s", err);
		collector_config__free(&fresh);
		return rejected(r, why);
	}

	/* alerting first: it is the one part whose taking effect can fail */
	if (cfgref__new(&fresh.alerting, &ref)) {
		auth__unref(auth);
		collector_config__free(&fresh);
		return rejected(r, "out of memory");
	}
	if (*r->alerts) {
		/* a sink whose thread did not start is logged, and the rest holds */
		(void)alerts__reload(*r->alerts, ref);
	} else if (alertcfg__enabled(cfgref__cfg(ref))) {
		if (alerts__start(ref, r->store, r->metrics, r->alerts, err, sizeof(err))) {
			cfgref__put(ref);
			auth__unref(auth);
			collector_config__free(&fresh);
			return rejected(r, err);
		}
		server__set_alerts(r->server, *r->alerts);
	}
	server__configure_pages(r->server, ref);
	cfgref__put(ref);
	log_info("credentials: %zu in force", auth__count(auth));
	server__set_auth(r->server, auth);

	warn_restart_keys(r->cfg, &fresh);
	r->cfg->log.level = fresh.log.level;
	log__setup(r->cfg->log.level, r->log_format);
	memcpy(r->cfg->retention_ms, fresh.retention_ms, sizeof(fresh.retention_ms));
	r->cfg->retention_interval_ms = fresh.retention_interval_ms;
	r->cfg->retention_batch_rows = fresh.retention_batch_rows;
	collector_config__free(&fresh);

	metrics__add(r->metrics, config_reloads, 1);
	metrics__set(r->metrics, config_last_reload_ok, 1);
	log_info("config reloaded from %s", r->file);
	return 0;
}
