// SPDX-License-Identifier: Apache-2.0
#include "web/session.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/hex.h"
#include "os/random.h"

#define MAC_LEN 32

int session__new_key(struct session_key *key)
{
	return random__fill(key->k, sizeof(key->k)) ? -EIO : 0;
}

int session__key_from_file(const char *path, struct session_key *key, char *err, size_t errlen)
{
	uint8_t buf[SESSION_KEY_FILE_MAX + 1];
	unsigned mdlen = sizeof(key->k);
	size_t n;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: cannot read it", path);
	}
	fclose(f);
	/* a Secret's value, or an editor, may end it with a newline */
	while (!rc && n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (!rc && (n < SESSION_KEY_FILE_MIN || n > SESSION_KEY_FILE_MAX)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: expected %d to %d bytes of key (e.g. openssl rand -base64 48)", path,
			 SESSION_KEY_FILE_MIN, SESSION_KEY_FILE_MAX);
	}
	if (!rc && !EVP_Digest(buf, n, key->k, &mdlen, EVP_sha256(), NULL)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: cannot hash it", path);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* MAC over "session\0<name>\0<expiry>\0<nonce><digest>": the domain word
 * keeps it apart from the CSRF MAC under the same key. */
static void session_mac(const struct session_key *key, const struct auth_cred *cred, uint64_t expires_s,
			const uint8_t nonce[SESSION_NONCE_LEN], uint8_t mac[MAC_LEN])
{
	uint8_t msg[8 + AUTH_NAME_MAX + 1 + 24 + SESSION_NONCE_LEN + TOKEN_DIGEST_LEN];
	size_t len = 0, nlen = strlen(cred->name);
	unsigned maclen = MAC_LEN;

	memcpy(msg, "session", 8);
	len = 8;
	memcpy(msg + len, cred->name, nlen + 1);
	len += nlen + 1;
	len += (size_t)snprintf((char *)msg + len, 24, "%" PRIu64, expires_s) + 1;
	memcpy(msg + len, nonce, SESSION_NONCE_LEN);
	len += SESSION_NONCE_LEN;
	memcpy(msg + len, cred->digest, TOKEN_DIGEST_LEN);
	len += TOKEN_DIGEST_LEN;
	HMAC(EVP_sha256(), key->k, sizeof(key->k), msg, len, mac, &maclen);
	OPENSSL_cleanse(msg, sizeof(msg));
}

int session__issue(const struct session_key *key, const struct auth_cred *cred, uint64_t expires_s,
		   char out[SESSION_COOKIE_MAX])
{
	uint8_t mac[MAC_LEN], nonce[SESSION_NONCE_LEN];
	char name[2 * AUTH_NAME_MAX + 1], machex[2 * MAC_LEN + 1], noncehex[2 * SESSION_NONCE_LEN + 1];

	if (random__fill(nonce, sizeof(nonce)))
		return -EIO;
	session_mac(key, cred, expires_s, nonce, mac);
	hex__encode((const uint8_t *)cred->name, strlen(cred->name), name);
	hex__encode(nonce, sizeof(nonce), noncehex);
	hex__encode(mac, sizeof(mac), machex);
	if (snprintf(out, SESSION_COOKIE_MAX, "%s.%" PRIu64 ".%s%s", name, expires_s, noncehex, machex) >=
	    SESSION_COOKIE_MAX)
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

/* The cookie's expiry, nonce and MAC text (the MAC right after the nonce),
 * or -1 for a cookie not of our shape. */
static int cookie_parts(const char *cookie, uint64_t *expires_s, const char **mac)
{
	const char *dot1, *dot2;
	char *end;

	if (!cookie || !(dot1 = strchr(cookie, '.')) || !(dot2 = strchr(dot1 + 1, '.')))
		return -1;
	/* digits only, no leading zero: one spelling per session */
	if (dot1[1] < '1' || dot1[1] > '9')
		return -1;
	errno = 0;
	*expires_s = strtoull(dot1 + 1, &end, 10);
	if (errno || end != dot2 || strlen(dot2 + 1) != 2 * (SESSION_NONCE_LEN + MAC_LEN))
		return -1;
	*mac = dot2 + 1 + 2 * SESSION_NONCE_LEN;
	return 0;
}

int session__id(const char *cookie, char out[SESSION_ID_LEN + 1], uint64_t *expires_s)
{
	const char *mac;

	if (cookie_parts(cookie, expires_s, &mac))
		return -1;
	memcpy(out, mac, SESSION_ID_LEN);
	out[SESSION_ID_LEN] = '\0';
	return 0;
}

void session__revoke(struct session_revoked *r, const char *cookie, uint64_t now_s)
{
	uint64_t expires;
	const char *mac;
	size_t at = 0;

	if (cookie_parts(cookie, &expires, &mac) || expires <= now_s)
		return;
	pthread_mutex_lock(&r->lock);
	/* forget what has expired anyway; if still full, the soonest to expire */
	for (size_t i = 0; i < r->n;) {
		if (r->v[i].expires_s <= now_s)
			r->v[i] = r->v[--r->n];
		else
			i++;
	}
	if (r->n < SESSION_MAX_REVOKED) {
		at = r->n++;
	} else {
		for (size_t i = 1; i < r->n; i++)
			if (r->v[i].expires_s < r->v[at].expires_s)
				at = i;
	}
	memcpy(r->v[at].mac, mac, 32);
	r->v[at].mac[32] = '\0';
	r->v[at].expires_s = expires;
	pthread_mutex_unlock(&r->lock);
}

bool session__revoked(struct session_revoked *r, const char *cookie)
{
	uint64_t expires;
	const char *mac;
	bool found = false;

	if (cookie_parts(cookie, &expires, &mac))
		return false;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n && !found; i++)
		found = !strncmp(r->v[i].mac, mac, 32);
	pthread_mutex_unlock(&r->lock);
	return found;
}

const struct auth_cred *session__verify(const struct session_key *key, const struct auth *a,
					const char *cookie, uint64_t now_s)
{
	static const struct auth_cred nobody = { .name = "" };
	char name[AUTH_NAME_MAX + 1];
	uint8_t want[MAC_LEN], got[MAC_LEN], nonce[SESSION_NONCE_LEN];
	const struct auth_cred *cred;
	const char *mac;
	uint64_t expires;
	size_t nlen;

	if (cookie_parts(cookie, &expires, &mac))
		return NULL;
	nlen = (size_t)(strchr(cookie, '.') - cookie);
	if (!nlen || nlen % 2 || nlen > 2 * AUTH_NAME_MAX)
		return NULL;
	if (unhex(cookie, nlen, (uint8_t *)name) || unhex(mac, 2 * MAC_LEN, got) ||
	    unhex(mac - 2 * SESSION_NONCE_LEN, 2 * SESSION_NONCE_LEN, nonce))
		return NULL;
	name[nlen / 2] = '\0';
	if (strlen(name) != nlen / 2 || expires <= now_s)
		return NULL;
	cred = auth__by_name(a, name);
	if (cred && !(cred->roles & AUTH_OPERATOR))
		cred = NULL;
	/* a MAC is computed whether or not the name is known: the time taken
	 * does not say which operator names exist */
	session_mac(key, cred ? cred : &nobody, expires, nonce, want);
	return CRYPTO_memcmp(want, got, MAC_LEN) || !cred ? NULL : cred;
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
