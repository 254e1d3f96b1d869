// SPDX-License-Identifier: Apache-2.0
#include "cmd/remote.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

#define MAX_REPLY (64u << 20) /* a page of 10,000 findings fits */
#define TOKEN_MAX 512

/* The token from its file or the environment; 0, or EXIT_ERROR after saying why. */
static int read_token(const struct remote *r, char *out, size_t len)
{
	const char *env = getenv(REMOTE_TOKEN_ENV);
	size_t n;

	if (r->token_file) {
		FILE *f = fopen(r->token_file, "re");

		if (!f)
			return cmd__error("--token-file %s: %s", r->token_file, strerror(errno));
		n = fread(out, 1, len - 1, f);
		fclose(f);
	} else if (env && *env) {
		n = strlen(env) < len ? strlen(env) : len - 1;
		memcpy(out, env, n);
	} else {
		return cmd__error("--url needs an operator token: --token-file FILE, or %s", REMOTE_TOKEN_ENV);
	}
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		out[--n] = '\0';
	if (!n || strpbrk(out, "\r\n"))
		return cmd__error("the operator token is empty or spans lines");
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct remote_reply *reply = ctx;
	size_t add = size * n;
	char *grown;

	if (reply->len + add > MAX_REPLY || !(grown = realloc(reply->body, reply->len + add + 1)))
		return 0; /* curl fails the transfer */
	reply->body = grown;
	memcpy(reply->body + reply->len, data, add);
	reply->len += add;
	reply->body[reply->len] = '\0';
	return add;
}

int remote__call(const struct remote *r, const char *method, const char *path, struct remote_reply *reply)
{
	char token[TOKEN_MAX], auth[TOKEN_MAX + 32], url[4096];
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	CURL *h;
	int err;

	memset(reply, 0, sizeof(*reply));
	if ((err = read_token(r, token, sizeof(token))))
		return err;
	if ((size_t)snprintf(url, sizeof(url), "%s%s", r->url, path) >= sizeof(url))
		return cmd__error("--url: too long");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	memset(token, 0, sizeof(token));
	h = curl_easy_init();
	if (!h)
		return cmd__error("cannot start an HTTP client");
	hdrs = curl_slist_append(hdrs, auth);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* the token goes nowhere else */
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "POST"))
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	if (r->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply->status);
	curl_slist_free_all(hdrs);
	memset(auth, 0, sizeof(auth));
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		remote__free(reply);
		return cmd__error("%s: %s", r->url, curl_easy_strerror(rc));
	}
	if (!reply->body)
		reply->body = calloc(1, 1);
	return reply->body ? 0 : cmd__error("out of memory");
}

void remote__free(struct remote_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}

char *remote__escape(const char *value, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			     strchr("-._~", *p);

		if (o + (plain ? 1 : 3) >= len)
			return NULL;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return out;
}
