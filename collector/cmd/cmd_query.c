// SPDX-License-Identifier: Apache-2.0
/* `query` and `events`: what the database holds, as findings or as the stored events. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os/clock.h"
#include "cmd/cmd.h"
#include "cmd/remote.h"
#include "db/db.h"
#include "wire/names.h"
#include "query/query.h"
#include "storage/store.h"

struct query_args {
	const char *db, *config_file;
	bool json;
	bool format_given;
	struct query_filter f;
	struct remote remote;        /* --url: a running collector's API instead of the database */
	const char *kind, *since, *limit, *severity; /* as given, for --url */
};

/* One option into q: -1 to go on, or the exit status. */
static int option(struct query_args *q, int opt, const char *arg)
{
	const char *bad;
	size_t bad_len;

	switch (opt) {
	case 'd': q->db = arg; break;
	case 'c': q->config_file = arg; break;
	case 'H': q->f.host = arg; break;
	case 'U': q->remote.url = arg; break;
	case 'T': q->remote.token_file = arg; break;
	case 'C': q->remote.ca_file = arg; break;
	case 'k':
		q->kind = arg;
		if (query__parse_kinds(arg, &q->f, &bad, &bad_len))
			return cmd__error("--kind: expected listener, leak or health, got \"%.*s\"", (int)bad_len, bad);
		break;
	case 's':
		q->since = arg;
		if (query__parse_since(arg, clock__realtime_ns(), &q->f.since_ns))
			return cmd__error("--since: expected RFC 3339, Unix seconds or a duration such as 24h, got \"%s\"",
					  arg);
		break;
	case 'n':
		q->limit = arg;
		if (query__parse_limit(arg, &q->f.limit))
			return cmd__error("--limit: expected 1..%d, got \"%s\"", QUERY_MAX_LIMIT, arg);
		break;
	case 'f':
		if (strcmp(arg, "table") && strcmp(arg, "json"))
			return cmd__error("--format: expected table or json, got \"%s\"", arg);
		q->json = !strcmp(arg, "json");
		q->format_given = true;
		break;
	case 'S': {
		enum lw_severity sev;

		q->severity = arg;
		if (severity__parse(arg, &sev))
			return cmd__error("--severity: expected %s, got \"%s\"", severity__choices(), arg);
		q->f.min_severity = severity__wire(sev);
		break;
	}
	case 'o': q->f.open_only = true; break;
	case 'a': q->f.hide_closed = false; break;
	case 'h': fputs(collector_usage, stdout); return EXIT_OK;
	default: return EXIT_ERROR;
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct query_args *q)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "kind", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "severity", required_argument, NULL, 'S' },
		{ "open", no_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "url", required_argument, NULL, 'U' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if ((rc = option(q, opt, optarg)) >= 0)
			return rc;
	if (optind < argc)
		return cmd__error("query: unexpected argument \"%s\"", argv[optind]);
	return -1;
}

static int print_findings(struct store *store, const char *path, const struct query_args *q)
{
	struct findings fs;

	if (query__findings(store__db(store), &q->f, &fs))
		return cmd__error("query %s: %s", path, db__errmsg(store__db(store)));
	if (q->json)
		query__print_json_lines(stdout, &fs);
	else
		query__print_table(stdout, &fs);
	query__free(&fs);
	return EXIT_OK;
}

/* "&name=value", escaped, when value is set; false when it does not fit. */
static bool add_param(char *path, size_t len, const char *name, const char *value)
{
	char esc[1024];
	size_t n = strlen(path);

	if (!value)
		return true;
	if (!remote__escape(value, esc, sizeof(esc)))
		return false;
	return (size_t)snprintf(path + n, len - n, "&%s=%s", name, esc) < len - n;
}

/* query --url: the collector's GET /v1/findings, printed as it answers. */
static int query_remote(const struct query_args *q)
{
	struct remote_reply reply;
	char path[8192];
	int rc;

	snprintf(path, sizeof(path), "/v1/findings?format=%s", q->json ? "lines" : "table");
	if (!add_param(path, sizeof(path), "kind", q->kind) || !add_param(path, sizeof(path), "since", q->since) ||
	    !add_param(path, sizeof(path), "host", q->f.host) || !add_param(path, sizeof(path), "limit", q->limit) ||
	    !add_param(path, sizeof(path), "severity", q->severity) ||
	    !add_param(path, sizeof(path), "open", q->f.open_only ? "true" : NULL) ||
	    !add_param(path, sizeof(path), "hide_closed", q->f.hide_closed ? "true" : NULL))
		return cmd__error("query: the arguments are too long");
	if ((rc = remote__call(&q->remote, "GET", path, &reply)))
		return rc;
	if (reply.status != 200) {
		rc = cmd__error("query %s: HTTP %ld: %.*s", q->remote.url, reply.status,
				(int)strcspn(reply.body, "\n"), reply.body);
	} else {
		fwrite(reply.body, 1, reply.len, stdout);
		rc = fflush(stdout) ? EXIT_ERROR : EXIT_OK;
	}
	remote__free(&reply);
	return rc;
}

int cmd_query(int argc, char **argv, bool events)
{
	/* findings are a page; raw events are all of them unless limited */
	/* a table of what is a problem now: closed listeners only with --all */
	struct query_args q = { .f.limit = events ? 0 : QUERY_DEFAULT_LIMIT, .f.hide_closed = !events };
	struct store_opts so = { .read_only = true, .busy_timeout_ms = 5000 };
	struct store *store;
	char dbbuf[4096];
	int rc = parse_args(argc, argv, &q);

	if (rc >= 0)
		return rc;
	/* events are JSON lines, as the agent printed them: a table is not on offer */
	if (events && q.format_given && !q.json)
		return cmd__error("events: --format table: events are printed as JSON lines only; "
				  "use query for a table");
	if (q.remote.url && (events || q.db))
		return cmd__error("%s", events ? "events: --url is for query and ack; events reads the database"
					       : "query: --url and --db: one or the other");
	if (q.remote.url)
		return query_remote(&q);
	if (q.remote.token_file || q.remote.ca_file)
		return cmd__error("query: --token-file and --ca-file go with --url");
	rc = cmd__open_offline("query", q.db, q.config_file, R_OK, false, &so, dbbuf, sizeof(dbbuf), &store);
	if (rc)
		return rc;
	if (!events)
		rc = print_findings(store, so.path, &q);
	else if (query__print_events(store__db(store), &q.f, stdout) < 0)
		rc = cmd__error("events %s: %s", so.path, db__errmsg(store__db(store)));
	store__close(store);
	return rc;
}
