/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's own log on stderr: one line per message, JSON for `run`
 * (collected by journald or the kubelet), plain text for one-shot commands.
 * Callers must never pass secret material; messages name rules, paths and
 * fingerprints only.
 */
#ifndef LW_LOG_H
#define LW_LOG_H

#include <stdbool.h>

enum lw_log_level { LW_LOG_DEBUG, LW_LOG_INFO, LW_LOG_WARN, LW_LOG_ERROR };
enum lw_log_format { LW_LOG_TEXT, LW_LOG_JSON };

/* The `log:` section of either program's configuration. */
struct lw_log_settings {
	enum lw_log_level level;
	enum lw_log_format format;
	bool format_set; /* else the command picks */
};

void log__setup(enum lw_log_level min, enum lw_log_format format);
enum lw_log_format log__format(void);
/* Whether a message at level would be written: skip preparing one that is not. */
bool log__enabled(enum lw_log_level level);
int log__parse_level(const char *s, enum lw_log_level *out);
int log__parse_format(const char *s, enum lw_log_format *out);

__attribute__((format(printf, 2, 3)))
void log__msg(enum lw_log_level level, const char *fmt, ...);

/* msg plus extra fields: `fields` is the inside of a JSON object
 * ("\"a\":1,\"b\":2"), shown as-is in text mode. */
void log__fields(enum lw_log_level level, const char *msg, const char *fields);

#define log_debug(...) log__msg(LW_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log__msg(LW_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log__msg(LW_LOG_WARN, __VA_ARGS__)
#define log_error(...) log__msg(LW_LOG_ERROR, __VA_ARGS__)

#endif
