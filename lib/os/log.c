// SPDX-License-Identifier: Apache-2.0
#include "os/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "os/clock.h"
#include "wire/jsonw.h"

static enum lw_log_level min_level = LW_LOG_INFO;
static enum lw_log_format log_format = LW_LOG_TEXT;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log__setup(enum lw_log_level min, enum lw_log_format format)
{
	min_level = min;
	log_format = format;
}

bool log__enabled(enum lw_log_level level)
{
	return level >= min_level;
}

enum lw_log_format log__format(void)
{
	return log_format;
}

int log__parse_level(const char *s, enum lw_log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum lw_log_level)i;
			return 0;
		}
	}
	return -1;
}

int log__parse_format(const char *s, enum lw_log_format *out)
{
	if (!strcmp(s, "json"))
		*out = LW_LOG_JSON;
	else if (!strcmp(s, "text"))
		*out = LW_LOG_TEXT;
	else
		return -1;
	return 0;
}

static void emit(enum lw_log_level level, const char *msg, const char *fields)
{
	char when[LW_RFC3339_LEN];
	struct jsonw w;
	const char *line;

	if (level < min_level)
		return;
	if (log_format == LW_LOG_TEXT) {
		if (level >= LW_LOG_WARN)
			fprintf(stderr, "leakwatch: %s: %s%s%s\n", level_names[level], msg,
				fields ? " " : "", fields ? fields : "");
		else
			fprintf(stderr, "leakwatch: %s%s%s\n", msg, fields ? " " : "", fields ? fields : "");
		return;
	}

	clock__rfc3339(clock__realtime_ns(), when);
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "ts", when);
	jsonw__kv_str(&w, "level", level_names[level]);
	jsonw__kv_str(&w, "msg", msg);
	jsonw__end_object(&w);
	line = jsonw__str(&w);
	if (line && fields && *fields) {
		/* splice the extra fields in before the closing brace */
		fprintf(stderr, "%.*s,%s}\n", (int)(strlen(line) - 1), line, fields);
	} else if (line) {
		fprintf(stderr, "%s\n", line);
	}
	jsonw__free(&w);
}

void log__msg(enum lw_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(level, msg, NULL);
}

void log__fields(enum lw_log_level level, const char *msg, const char *fields)
{
	emit(level, msg, fields);
}
