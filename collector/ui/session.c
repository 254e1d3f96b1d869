// SPDX-License-Identifier: Apache-2.0
#include "ui/session.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hex.h"

#define MAC_LEN 32

int session__new_key(struct session_key *key)
{
	size_t got = 0;

	while (got < sizeof(key->k)) {
		ssize_t n = getrandom(key->k + got, sizeof(key->k) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		got += (size_t)n;
	}
	return 0;
}

/* MAC over "session\0<name>\0<expiry>\0<digest>": the domain word keeps it
 * apart from the CSRF MAC under the same key. */
static void session_mac(const struct session_key *key, const struct auth_cred *cred, uint64_t expires_s,
			uint8_t mac[MAC_LEN])
{
	uint8_t msg[8 + AUTH_NAME_MAX + 1 + 24 + TOKEN_DIGEST_LEN];
	size_t len = 0, nlen = strlen(cred->name);
	unsigned maclen = MAC_LEN;

	memcpy(msg, "session", 8);
	len = 8;
	memcpy(msg + len, cred->name, nlen + 1);
	len += nlen + 1;
	len += (size_t)snprintf((char *)msg + len, 24, "%" PRIu64, expires_s) + 1;
	memcpy(msg + len, cred->digest, TOKEN_DIGEST_LEN);
	len += TOKEN_DIGEST_LEN;
	HMAC(EVP_sha256(), key->k, sizeof(key->k), msg, len, mac, &maclen);
	OPENSSL_cleanse(msg, sizeof(msg));
}

int session__issue(const struct session_key *key, const struct auth_cred *cred, uint64_t expires_s,
		   char out[SESSION_COOKIE_MAX])
{
	uint8_t mac[MAC_LEN];
	char name[2 * AUTH_NAME_MAX + 1], machex[2 * MAC_LEN + 1];

	session_mac(key, cred, expires_s, mac);
	hex__encode((const uint8_t *)cred->name, strlen(cred->name), name);
	hex__encode(mac, sizeof(mac), machex);
	if (snprintf(out, SESSION_COOKIE_MAX, "%s.%" PRIu64 ".%s", name, expires_s, machex) >= SESSION_COOKIE_MAX)
		return -EINVAL;
	return 0;
}

/* n lowercase digits, the one spelling a cookie has, into n / 2 bytes */
static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -EINVAL;
	return hex__decode(s, n / 2, out) ? -EINVAL : 0;
}

const struct auth_cred *session__verify(const struct session_key *key, const struct auth *a,
					const char *cookie, uint64_t now_s)
{
	const char *dot1, *dot2;
	char name[AUTH_NAME_MAX + 1];
	uint8_t want[MAC_LEN], got[MAC_LEN];
	const struct auth_cred *cred;
	uint64_t expires;
	size_t nlen;
	char *end;

	if (!cookie || !(dot1 = strchr(cookie, '.')) || !(dot2 = strchr(dot1 + 1, '.')))
		return NULL;
	nlen = (size_t)(dot1 - cookie);
	if (!nlen || nlen % 2 || nlen > 2 * AUTH_NAME_MAX || strlen(dot2 + 1) != 2 * MAC_LEN)
		return NULL;
	if (unhex(cookie, nlen, (uint8_t *)name) || unhex(dot2 + 1, 2 * MAC_LEN, got))
		return NULL;
	name[nlen / 2] = '\0';
	if (strlen(name) != nlen / 2 || dot1[1] < '0' || dot1[1] > '9')
		return NULL;
	errno = 0;
	expires = strtoull(dot1 + 1, &end, 10);
	if (errno || end != dot2 || expires <= now_s)
		return NULL;
	if (!(cred = auth__by_name(a, name)) || !(cred->roles & AUTH_OPERATOR))
		return NULL;
	session_mac(key, cred, expires, want);
	return CRYPTO_memcmp(want, got, MAC_LEN) ? NULL : cred;
}

void session__csrf(const struct session_key *key, const char *cookie, char out[SESSION_CSRF_LEN + 1])
{
	uint8_t mac[MAC_LEN];
	unsigned maclen = MAC_LEN;
	size_t clen = strlen(cookie);
	uint8_t *msg = malloc(5 + clen);

	if (!msg) {
		memset(out, 0, SESSION_CSRF_LEN + 1);
		return;
	}
	memcpy(msg, "csrf", 5);
	memcpy(msg + 5, cookie, clen);
	HMAC(EVP_sha256(), key->k, sizeof(key->k), msg, 5 + clen, mac, &maclen);
	free(msg);
	hex__encode(mac, sizeof(mac), out);
}

bool session__csrf_ok(const struct session_key *key, const char *cookie, const char *token)
{
	char want[SESSION_CSRF_LEN + 1];

	if (!cookie || !token || strlen(token) != SESSION_CSRF_LEN)
		return false;
	session__csrf(key, cookie, want);
	return want[0] && !CRYPTO_memcmp(want, token, SESSION_CSRF_LEN);
}
