// SPDX-License-Identifier: Apache-2.0
#include "extract/uricred.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rules/validate.h"

static bool scheme_in(const char *sch, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(sch, *list, n))
			return true;
	return false;
}

/* proxyuser:proxypass@, app:secret123@: a password that says it is one is a stand-in */
static bool names_password(const char *p, size_t n)
{
	static const char *const words[] = { "pass", "pwd", "secret" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		for (size_t k = 0; k + strlen(words[i]) <= n; k++)
			if (!strncasecmp(p + k, words[i], strlen(words[i])))
				return true;
	return false;
}

/* https://TOKEN:x-oauth-basic@github.com: the password is a word that says the user is a token */
static bool filler(const char *p, size_t n)
{
	static const char *const words[] = { "x-oauth-basic", "x-oauth-token", "x", "" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !memcmp(p, words[i], n))
			return true;
	return false;
}

/*
 * user:password@host:port/, the host and the port spelled as words: a
 * template, never a leak (a port is digits, RFC 3986). A real host in a
 * log has a dot or a numeric port; "db.internal:connection refused" and
 * "host:5432" are not templates.
 */
static bool host_port_template(const struct lw_view *v, size_t at)
{
	const char *b = v->buf;
	size_t i = at, port;

	while (i < v->len && (isalnum((unsigned char)b[i]) || b[i] == '-' || b[i] == '_'))
		i++;
	if (i == at || i >= v->len || b[i] != ':')
		return false;
	for (port = ++i; i < v->len && isalpha((unsigned char)b[i]);)
		i++;
	return i > port && i < v->len && (b[i] == '/' || isspace((unsigned char)b[i]) || b[i] == '"' ||
					   b[i] == '\'' || b[i] == '\\');
}

/* https://TOKEN@host: a user that is a token, not a name */
static enum lw_verdict user_token(const struct lw_view *v, size_t user, size_t end, size_t to, size_t *s0,
				  size_t *e0)
{
	const char *b = v->buf;

	if (to == v->len)
		return v->final ? LW_REJECT : LW_OPEN;
	if (!isalnum((unsigned char)b[to]) || end - user < 20)
		return LW_REJECT;
	if (validate__entropy(b + user, end - user) < 3.5 || validate__class_count(b + user, end - user) < 2)
		return LW_REJECT;
	*s0 = user;
	*e0 = end;
	return LW_FOUND;
}

/*
 * scheme://user:password@host. The match ends at the '@' and starts no
 * later than "://"; the scheme picks the rule: a database or broker's, or
 * (alt) any other URL's, which must also name a host. When the password
 * is a filler (x-oauth-basic) or absent, a user that looks like a token is
 * the secret.
 */
enum lw_verdict uricred__resolve(const struct lw_view *v, size_t from, size_t to, size_t *s0, size_t *e0,
				 bool *alt)
{
	static const char *const db[] = {
		"postgres", "postgresql", "mysql", "mariadb", "mongodb", "redis", "rediss", "amqp", "amqps",
		"clickhouse", "mssql", "sqlserver", "cockroachdb", "couchdb", "couchdbs", "neo4j", "cassandra",
		"nats", "kafka", "mqtt", "mqtts", "memcached", "oracle", "db2", "snowflake", "influxdb", NULL,
	};
	const char *b = v->buf, *sep = NULL, *colon, *at = b + to - 1;
	size_t sch, user, base;

	if (to - from < 5 || *at != '@')
		return LW_REJECT;
	/* the last "://" before the '@': the userinfo holds no '/' */
	for (size_t k = to - 3; k-- > from && !sep;)
		if (!memcmp(b + k, "://", 3))
			sep = b + k;
	if (!sep)
		return LW_REJECT;
	user = (size_t)(sep - b) + 3;
	colon = memchr(b + user, ':', (size_t)(at - b) - user);
	for (sch = (size_t)(sep - b); sch > 0 && (isalnum((unsigned char)b[sch - 1]) || strchr("+.-", b[sch - 1]));)
		sch--;
	/* postgresql+psycopg2://: the driver suffix does not change the kind */
	for (base = sch; base < (size_t)(sep - b) && b[base] != '+';)
		base++;
	if (base - sch < 2)
		return LW_REJECT;
	*alt = !scheme_in(b + sch, base - sch, db);
	if (!colon || filler(colon + 1, (size_t)(at - colon - 1)))
		return user_token(v, user, (size_t)((colon ? colon : at) - b), to, s0, e0);
	*s0 = (size_t)(colon - b) + 1;
	*e0 = (size_t)(at - b);
	/* cvs://:pserver:anoncvs@host: a method and a user, not a password */
	if (memchr(b + *s0, ':', *e0 - *s0) || names_password(b + *s0, *e0 - *s0))
		return LW_REJECT;
	if (*alt) {
		/* a URL's password: a host must follow, and it must look chosen */
		if (to == v->len)
			return v->final ? LW_REJECT : LW_OPEN;
		if (!isalnum((unsigned char)b[to]) && b[to] != '[')
			return LW_REJECT;
		if (*e0 - *s0 < 6 || validate__entropy(b + *s0, *e0 - *s0) < 2.5)
			return LW_REJECT;
	}
	if (host_port_template(v, to))
		return LW_REJECT;
	/* postgres://postgres:postgres@localhost is a default, not a leak */
	if (*e0 - *s0 == (size_t)(colon - b) - user && !memcmp(b + user, b + *s0, *e0 - *s0))
		return LW_REJECT;
	return LW_FOUND;
}
