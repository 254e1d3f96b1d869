// SPDX-License-Identifier: Apache-2.0
/*
 * `token create --role ingest|operator --name N`: a new credential. The
 * token is printed once, on stdout, and only its SHA-256 is kept, in a
 * digest file that server.auth names; nothing else ever holds the token.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "os/privdir.h"
#include "access/auth.h"
#include "access/token.h"

static int write_digest(const char *path, const uint8_t d[TOKEN_DIGEST_LEN], bool force)
{
	char text[2 * TOKEN_DIGEST_LEN + 2];
	int fd;

	for (int i = 0; i < TOKEN_DIGEST_LEN; i++)
		snprintf(text + 2 * i, 3, "%02x", d[i]);
	text[2 * TOKEN_DIGEST_LEN] = '\n';
	text[2 * TOKEN_DIGEST_LEN + 1] = '\0';
	/* not a secret, but who may log in is: readable by the collector's group */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return close(fd) ? -errno : 0;
}

int cmd_token(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "digest-file", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *role = NULL, *name = NULL, *out = NULL, *config_file = NULL;
	struct collector_config cfg;
	char token[TOKEN_TEXT_LEN + 1], path[4096], dir[4096], err[512];
	uint8_t digest[TOKEN_DIGEST_LEN];
	bool force = false;
	unsigned roles;
	int opt, rc;

	optind = 1;
	if (argc < 2 || strcmp(argv[1], "create"))
		return cmd__error("token: the one subcommand is create (leakwatch-collector token create "
				  "--role ingest|operator --name NAME)");
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': role = optarg; break;
		case 'n': name = optarg; break;
		case 'o': out = optarg; break;
		case 'c': config_file = optarg; break;
		case 'f': force = true; break;
		case 'h': fputs(collector_usage, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind != argc)
		return cmd__error("token create: unexpected argument \"%s\"", argv[optind]);
	if (!role || auth_role__parse(role, &roles))
		return cmd__error("token create: --role ingest or --role operator");
	if (!name || !*name || strlen(name) > AUTH_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(name))
		return cmd__error("token create: --name: 1 to %d letters, digits, '.', '_' or '-'", AUTH_NAME_MAX);
	if (!out) {
		if ((rc = cmd__load_config(&cfg, config_file)))
			return rc;
		snprintf(dir, sizeof(dir), "%s/auth", collector_config__state_dir(&cfg));
		collector_config__free(&cfg);
		if (privdir__ensure(dir, "auth directory", err, sizeof(err)))
			return cmd__error("%s", err);
		snprintf(path, sizeof(path), "%s/%s-%s.sha256", dir, role, name);
		out = path;
	}
	if (token__generate(token))
		return cmd__error("token create: no randomness to make a token");
	token__digest(token, strlen(token), digest);
	rc = write_digest(out, digest, force);
	if (rc) {
		explicit_bzero(token, sizeof(token));
		return cmd__error("token create: %s: %s%s", out, strerror(-rc),
				  rc == -EEXIST ? " (--force replaces it)" : "");
	}
	printf("%s\n", token);
	fflush(stdout);
	explicit_bzero(token, sizeof(token));
	fprintf(stderr,
		"leakwatch-collector: the token above is shown once; its SHA-256 is in %s.\n"
		"Add to the collector's configuration, then reload it (SIGHUP):\n"
		"  server:\n"
		"    auth:\n"
		"      %s:\n"
		"        - name: %s\n"
		"          digest_file: %s\n",
		out, role, name, out);
	return EXIT_OK;
}
