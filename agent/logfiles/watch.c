// SPDX-License-Identifier: Apache-2.0
#include "logfiles/watch.h"

#include <string.h>

#include "config/glob.h"

const char *const watch_default_paths[] = {
	"/var/log/**",
	"**/*.log",
	"**/*.log.[0-9]*",
	"**/*-json.log",
	NULL,
};

const char *const watch_default_exclude[] = {
	"/var/log/journal/**",  /* systemd's binary journal */
	"**/*.journal",
	"**/*.journal~",
	"/var/log/wtmp*",       /* utmp records, binary */
	"/var/log/btmp*",
	"/var/log/lastlog",
	"/var/log/faillog",
	"**/*.gz",              /* rotation compresses; the plain copy was scanned */
	"**/*.xz",
	"**/*.bz2",
	"**/*.zst",
	NULL,
};

static bool any(const char *const *globs, size_t n, const char *path)
{
	for (size_t i = 0; i < n && globs[i]; i++)
		if (glob__match(globs[i], path))
			return true;
	return false;
}

bool watch__wants(const struct watch_set *w, const char *path)
{
	/* the operator's word beats the defaults: an explicit path is wanted
	 * even where a default exclusion would drop it */
	if (any((const char *const *)w->exclude, w->n_exclude, path))
		return false;
	if (any((const char *const *)w->paths, w->n_paths, path))
		return true;
	if (!w->defaults || any(watch_default_exclude, (size_t)-1, path))
		return false;
	return any(watch_default_paths, (size_t)-1, path);
}
