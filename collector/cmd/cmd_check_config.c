// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "os/log.h"
#include "access/token.h"

/*
 * `check-config FILE`: loads a configuration as serve and a SIGHUP reload
 * would, and reads the files it names (TLS, token, sinks' keys), so that a
 * rollout or a CI job finds the mistake before the collector does.
 */
int cmd_check_config(int argc, char **argv)
{
	uint8_t digest[TOKEN_DIGEST_LEN];
	struct collector_config cfg;
	char err[512];
	char *pem;

	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: leakwatch-collector check-config FILE\n"
			"exit status: 0 valid, 2 invalid (one line naming the key)\n");
		return argc == 2 ? EXIT_OK : EXIT_ERROR;
	}
	collector_config__defaults(&cfg);
	if (collector_config__load(&cfg, argv[1], true, err, sizeof(err)))
		return cmd__error("config %s: %s", argv[1], err);
	for (int i = 0; i < 2 && cfg.tls_cert_file; i++) {
		pem = cmd__read_pem(i ? cfg.tls_key_file : cfg.tls_cert_file, err, sizeof(err));
		if (!pem) {
			collector_config__free(&cfg);
			return cmd__error("config %s: server.tls.%s: %s", argv[1], i ? "key_file" : "cert_file", err);
		}
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
	if (cfg.token_file && token__load(cfg.token_file, digest, err, sizeof(err))) {
		collector_config__free(&cfg);
		return cmd__error("config %s: server.token_file: %s", argv[1], err);
	}
	explicit_bzero(digest, sizeof(digest));
	if (!listen_addr__is_loopback(&cfg.listen) && !(cfg.tls_cert_file && cfg.token_file))
		fprintf(stderr, "leakwatch-collector: warning: serve refuses server.listen, not a loopback "
			"address, without server.tls and server.token_file, unless --insecure\n");
	printf("%s: ok (%zu alert route(s) to %zu sink(s))\n", argv[1], cfg.alerting.n_routes,
	       cfg.alerting.n_sinks);
	collector_config__free(&cfg);
	return EXIT_OK;
}
