// SPDX-License-Identifier: Apache-2.0
#include "attrib/cmdline.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_ARGS 256

/* Words that make a flag or variable name a credential holder. */
static const char *const secret_words[] = {
	"password", "passwd", "passphrase", "secret", "token", "apikey", "api_key",
	"credential", "private_key", "privatekey", "access_key", "accesskey",
	"requirepass", "masterauth", "auth", "pgpass", "sasl_pass",
};

/* Whole names that are credential holders only on their own. */
static const char *const secret_names[] = { "pass", "pwd", "pw", "key" };

/* Per program, short flags whose next argument (or attached rest) is a password. */
struct short_flag {
	const char *program;
	const char *flag;
	bool attached_only; /* mysql's -pSECRET; a bare -p prompts */
};

static const struct short_flag short_flags[] = {
	{ "redis-cli", "-a", false },
	{ "redis-benchmark", "-a", false },
	{ "valkey-cli", "-a", false },
	{ "keydb-cli", "-a", false },
	{ "mysql", "-p", true },
	{ "mysqldump", "-p", true },
	{ "mysqladmin", "-p", true },
	{ "mariadb", "-p", true },
	{ "mariadb-dump", "-p", true },
	{ "mongo", "-p", false },
	{ "mongosh", "-p", false },
	{ "mongodump", "-p", false },
	{ "mongorestore", "-p", false },
	{ "curl", "-u", false },
	{ "sshpass", "-p", false },
};

/* Normalised name: lower case, leading dashes gone, '-' and '.' as '_'. */
static void normalise(const char *name, size_t len, char *out, size_t outlen)
{
	size_t j = 0;

	while (len && *name == '-')
		name++, len--;
	for (size_t i = 0; i < len && j + 1 < outlen; i++) {
		char c = (char)tolower((unsigned char)name[i]);

		out[j++] = (c == '-' || c == '.') ? '_' : c;
	}
	out[j] = '\0';
}

static bool is_secret_name(const char *name, size_t len)
{
	char norm[64];

	if (!len || len >= sizeof(norm))
		return false;
	normalise(name, len, norm, sizeof(norm));
	for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++)
		if (!strcmp(norm, secret_names[i]))
			return true;
	for (size_t i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
		if (strstr(norm, secret_words[i]))
			return true;
	return false;
}

static bool is_flag(const char *arg)
{
	return arg[0] == '-' && arg[1] && !isdigit((unsigned char)arg[1]);
}

struct writer {
	char *out;
	size_t len;
	size_t cap;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->cap == 0)
		return;
	if (n > w->cap - 1 - w->len)
		n = w->cap - 1 - w->len;
	memcpy(w->out + w->len, s, n);
	w->len += n;
	w->out[w->len] = '\0';
}

static void put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* scheme://user:password@host -> scheme://user:****@host, every occurrence. */
static void put_with_uri_redaction(struct writer *w, const char *s)
{
	const char *p = s;

	for (;;) {
		const char *scheme = strstr(p, "://");
		const char *auth, *at, *colon;
		size_t span;

		if (!scheme)
			break;
		auth = scheme + 3;
		span = strcspn(auth, "/?# ");
		at = memrchr(auth, '@', span);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (!colon) {
			put(w, p, (size_t)(auth - p));
			p = auth;
			continue;
		}
		put(w, p, (size_t)(colon + 1 - p));
		put_str(w, LW_REDACTED);
		p = at;
	}
	put_str(w, p);
}

/* "Bearer x" / "Basic x" inside a header argument such as curl -H. */
static bool put_auth_header(struct writer *w, const char *arg)
{
	static const char *const schemes[] = { "Bearer ", "Basic ", "Token " };

	if (!strcasestr(arg, "authorization") && !strcasestr(arg, "x-api-key"))
		return false;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		const char *at = strcasestr(arg, schemes[i]);

		if (at) {
			put(w, arg, (size_t)(at - arg) + strlen(schemes[i]));
			put_str(w, LW_REDACTED);
			return true;
		}
	}
	/* X-Api-Key: value */
	const char *colon = strchr(arg, ':');

	if (!colon)
		return false;
	put(w, arg, (size_t)(colon + 1 - arg));
	put_str(w, " " LW_REDACTED);
	return true;
}

/* name=value, where any name in a chain (a=b=c) may hold a credential. */
static bool put_assignment(struct writer *w, const char *arg)
{
	const char *name = arg, *eq;

	while ((eq = strchr(name, '='))) {
		if (eq != name && is_secret_name(name, (size_t)(eq - name))) {
			put(w, arg, (size_t)(eq + 1 - arg));
			put_str(w, LW_REDACTED);
			return true;
		}
		name = eq + 1;
	}
	return false;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const struct short_flag *short_flag_of(const char *program, const char *arg)
{
	for (size_t i = 0; i < sizeof(short_flags) / sizeof(short_flags[0]); i++) {
		const struct short_flag *f = &short_flags[i];
		size_t fl = strlen(f->flag);

		if (strcmp(program, f->program) || strncmp(arg, f->flag, fl))
			continue;
		if (f->attached_only ? arg[fl] != '\0' : true)
			return f;
	}
	return NULL;
}

void cmdline__redact(const char *args, size_t len, char *out, size_t outlen)
{
	const char *argv[MAX_ARGS];
	struct writer w = { out, 0, outlen };
	char program[64], split[4096];
	size_t argc = 0, pos = 0;
	bool hide_next = false;

	if (outlen)
		out[0] = '\0';
	while (pos < len && argc < MAX_ARGS) {
		argv[argc++] = args + pos;
		pos += strnlen(args + pos, len - pos) + 1;
	}
	if (!argc)
		return;
	/* A program that rewrote its title (setproctitle) has one argument
	 * holding everything; read it as space-separated words. */
	if (argc == 1 && strchr(argv[0], ' ')) {
		char *save = NULL, *word;

		snprintf(split, sizeof(split), "%s", argv[0]);
		argc = 0;
		for (word = strtok_r(split, " ", &save); word && argc < MAX_ARGS;
		     word = strtok_r(NULL, " ", &save))
			argv[argc++] = word;
		if (!argc)
			return;
	}
	snprintf(program, sizeof(program), "%.*s", (int)strcspn(basename_of(argv[0]), ":"),
		 basename_of(argv[0]));

	for (size_t i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		const struct short_flag *sf;

		if (i)
			put_str(&w, " ");
		if (hide_next) {
			put_str(&w, LW_REDACTED);
			hide_next = false;
			continue;
		}
		if (i && (sf = short_flag_of(program, arg))) {
			size_t fl = strlen(sf->flag);

			put_str(&w, sf->flag);
			if (arg[fl])
				put_str(&w, LW_REDACTED);
			else
				hide_next = true;
			continue;
		}
		/* --password=x, PGPASSWORD=x, --from-literal=password=x; a name has
		 * no space or colon, so "Authorization: Basic dXNlcg==" is a header */
		if (eq && strcspn(arg, " :") > (size_t)(eq - arg) && put_assignment(&w, arg))
			continue;
		/* --password x */
		if (i && !eq && is_flag(arg) && is_secret_name(arg, strlen(arg))) {
			put_str(&w, arg);
			hide_next = i + 1 < argc;
			continue;
		}
		if (put_auth_header(&w, arg))
			continue;
		put_with_uri_redaction(&w, arg);
	}
	/* a rewritten title keeps its padding (redis-server: 70-130 spaces) */
	while (w.len && (out[w.len - 1] == ' ' || out[w.len - 1] == '\t'))
		out[--w.len] = '\0';
}
