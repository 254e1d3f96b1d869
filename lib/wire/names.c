// SPDX-License-Identifier: Apache-2.0
#include "wire/names.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakwatch/v1/leakwatch.pb-c.h"

/* The wire enums must follow the lists, level for level. */
#define LW_CHECK_SEVERITY(id, name) \
	_Static_assert(LEAKWATCH__V1__SEVERITY__SEVERITY_##id == LW_SEV_##id + 1, "wire severity " name);
LW_SEVERITY_LEVELS(LW_CHECK_SEVERITY)
#undef LW_CHECK_SEVERITY
#define LW_CHECK_CLASS(id, name)                                                                   \
	_Static_assert(LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_##id == LW_CLASS_##id + 1, \
		       "wire address class " name);
LW_ADDR_CLASSES(LW_CHECK_CLASS)
#undef LW_CHECK_CLASS

static const char *const severity_names[] = {
#define LW_SEVERITY_NAME(id, name) [LW_SEV_##id] = name,
	LW_SEVERITY_LEVELS(LW_SEVERITY_NAME)
#undef LW_SEVERITY_NAME
};

const char *severity__name(enum lw_severity s)
{
	return (unsigned)s < LW_SEVERITY_COUNT ? severity_names[s] : "unknown";
}

int severity__parse(const char *s, enum lw_severity *out)
{
	for (unsigned i = 0; i < LW_SEVERITY_COUNT; i++) {
		if (!strcmp(s, severity_names[i])) {
			*out = (enum lw_severity)i;
			return 0;
		}
	}
	return -EINVAL;
}

static char choices[LW_SEVERITY_COUNT * 16];
static pthread_once_t choices_once = PTHREAD_ONCE_INIT;

static void spell_choices(void)
{
	size_t len = 0;

	for (int i = 0; i < LW_SEVERITY_COUNT; i++)
		len += (size_t)snprintf(choices + len, sizeof(choices) - len, "%s%s",
					i == 0 ? "" : i == LW_SEVERITY_COUNT - 1 ? " or " : ", ", severity_names[i]);
}

const char *severity__choices(void)
{
	pthread_once(&choices_once, spell_choices);
	return choices;
}

const char *severity__wire_name(int wire)
{
	return wire == 0 ? "unspecified" : severity__name((enum lw_severity)(wire - 1));
}

const char *addr_class__wire_name(int wire)
{
	return wire == 0 ? "unspecified" : addr_class__name((enum lw_addr_class)(wire - 1));
}

char *leak__journal_place(const char *unit, const char *identifier)
{
	const char *what = unit && *unit ? unit : identifier && *identifier ? identifier : NULL;
	char *out;

	if (!what)
		return strdup("journal");
	if (asprintf(&out, "journal:%s", what) < 0)
		return NULL;
	return out;
}

_Static_assert(LEAKWATCH__V1__AUTH__STATE__STATE_NONE == 1 && LEAKWATCH__V1__AUTH__STATE__STATE_UNKNOWN == 4 &&
		       LEAKWATCH__V1__AUTH__CLIENT_CERT__CLIENT_CERT_REQUIRED == 3,
	       "auth names by wire number");

const char *auth_state__wire_name(int wire)
{
	static const char *const names[] = { NULL, "none", "required", "tls", "unknown" };

	return wire >= 0 && (size_t)wire < sizeof(names) / sizeof(names[0]) ? names[wire] : "unknown";
}

const char *client_cert__wire_name(int wire)
{
	static const char *const names[] = { NULL, "not-requested", "optional", "required" };

	return wire >= 0 && (size_t)wire < sizeof(names) / sizeof(names[0]) ? names[wire] : NULL;
}

static const char *const listener_sources[] = {
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_KERNEL] = "kernel",
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_INVENTORY] = "inventory",
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_RELOAD] = "reload",
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_RESTART] = "restart",
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_PROBE] = "probe",
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_ADDRESS] = "address",
	[LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_NAT] = "nat",
};

const char *listener_source__wire_name(int wire)
{
	if (wire < 0 || (size_t)wire >= sizeof(listener_sources) / sizeof(listener_sources[0]) ||
	    !listener_sources[wire])
		return "kernel";
	return listener_sources[wire];
}

int listener_source__wire(const char *name)
{
	for (size_t i = 0; name && i < sizeof(listener_sources) / sizeof(listener_sources[0]); i++)
		if (listener_sources[i] && !strcmp(name, listener_sources[i]))
			return (int)i;
	return LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_KERNEL;
}

const char *identified_by__wire_name(int wire)
{
	switch (wire) {
	case LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT: return "port";
	case LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PROTOCOL: return "protocol";
	default: return "process";
	}
}
