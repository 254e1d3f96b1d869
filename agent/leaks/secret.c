// SPDX-License-Identifier: Apache-2.0
#include "leaks/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/hex.h"
#include "leaks/cryptoapi.h"
#include "os/log.h"
#include "os/random.h"

/* 64+ hex characters (a trailing newline allowed) decode; anything else is raw key material. */
static void parse_key(const uint8_t *buf, size_t n, struct lw_fpkey *out)
{
	size_t hex = n;
	bool all_hex = true;

	while (hex && (buf[hex - 1] == '\n' || buf[hex - 1] == '\r' || buf[hex - 1] == ' '))
		hex--;
	for (size_t i = 0; i < hex; i++)
		if (hex__digit(buf[i]) < 0)
			all_hex = false;
	if (all_hex && hex % 2 == 0 && hex / 2 >= LW_FP_KEY_MIN) {
		out->len = hex / 2 > LW_FP_KEY_MAX ? LW_FP_KEY_MAX : hex / 2;
		for (size_t i = 0; i < out->len; i++)
			out->key[i] = (uint8_t)(hex__digit(buf[2 * i]) << 4 | hex__digit(buf[2 * i + 1]));
		return;
	}
	out->len = n > LW_FP_KEY_MAX ? LW_FP_KEY_MAX : n;
	memcpy(out->key, buf, out->len);
}

int secret__ephemeral_key(struct lw_fpkey *out)
{
	out->len = LW_FP_KEY_MIN;
	return random__fill(out->key, out->len);
}

static int create_key(const char *path, char *err, size_t errlen)
{
	uint8_t raw[LW_FP_KEY_MIN];
	char hex[LW_FP_KEY_MIN * 2 + 2];
	int fd, rc;

	rc = random__fill(raw, sizeof(raw));
	if (rc) {
		snprintf(err, errlen, "getrandom: %s", strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[sizeof(raw) * 2] = '\n';
	/* O_EXCL: two agents starting together must not each write a key */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EEXIST)
			return 0;
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return rc;
	}
	if (write(fd, hex, sizeof(raw) * 2 + 1) != (ssize_t)(sizeof(raw) * 2 + 1) || fsync(fd)) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
		close(fd);
		unlink(path);
		return rc;
	}
	close(fd);
	return 0;
}

int secret__load_key(const char *path, bool create, struct lw_fpkey *out, char *err, size_t errlen)
{
	uint8_t buf[LW_FP_KEY_MAX * 2 + 8];
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		rc = create_key(path, err, errlen);
		if (rc)
			return rc;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		snprintf(err, errlen, "%s is readable by group or others (mode %03o)", path,
			 st.st_mode & 0777);
	else if (errlen)
		err[0] = '\0';
	n = read(fd, buf, sizeof(buf));
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		return rc;
	}
	if (n < LW_FP_KEY_MIN) {
		snprintf(err, errlen, "%s holds %zd bytes; a key needs at least %d", path, n, LW_FP_KEY_MIN);
		return -EINVAL;
	}
	parse_key(buf, (size_t)n, out);
	return 0;
}

/*
 * One HMAC context per thread, keyed once. HMAC()'s one-shot form looks the
 * algorithm up (under a lock) and builds its contexts on every call: ~1 us,
 * 8% of a retro-scan of text dense with findings. A keyed context restarts
 * in ~0.2 us. Each thread that fingerprints (the agent's pipeline, a scan
 * job) keeps its own until it exits, so no lock is taken per finding.
 */
struct keyed_mac {
	EVP_MAC_CTX *ctx;
	size_t len; /* 0 until keyed */
	uint8_t key[LW_FP_KEY_MAX];
};

static pthread_key_t keyed_mac_slot;
static pthread_once_t keyed_mac_once = PTHREAD_ONCE_INIT;
static bool keyed_mac_usable;
static _Atomic uint64_t fallbacks;

static void keyed_mac_free(void *p)
{
	struct keyed_mac *m = p;

	libcrypto.MAC_CTX_free(m->ctx);
	explicit_bzero(m, sizeof(*m));
	free(m);
}

static void keyed_mac_setup(void)
{
	keyed_mac_usable = pthread_key_create(&keyed_mac_slot, keyed_mac_free) == 0;
}

/* libcrypto, loaded by the first fingerprint; a host without it is told once. */
static bool crypto_loaded(void)
{
	static atomic_bool told;
	char err[320];

	if (!cryptoapi__load(err, sizeof(err)))
		return true;
	if (!atomic_exchange(&told, true))
		log_error("%s: fingerprints are random, and repeats of a secret are not merged", err);
	return false;
}

/* A context for this thread, kept in its slot; NULL if none can be made. */
static struct keyed_mac *new_keyed_mac(void)
{
	struct keyed_mac *m = crypto_loaded() ? calloc(1, sizeof(*m)) : NULL;
	EVP_MAC *hmac = m ? libcrypto.MAC_fetch(NULL, "HMAC", NULL) : NULL;

	if (hmac) {
		m->ctx = libcrypto.MAC_CTX_new(hmac); /* holds its own reference */
		libcrypto.MAC_free(hmac);
	}
	if (m && (!m->ctx || pthread_setspecific(keyed_mac_slot, m))) {
		keyed_mac_free(m);
		return NULL;
	}
	return m;
}

/* This thread's context, restarted under k; NULL sends the caller to HMAC(). */
static EVP_MAC_CTX *keyed_mac(const struct lw_fpkey *k)
{
	static char digest[] = "SHA256";
	OSSL_PARAM sha256[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, sizeof(digest) - 1),
		OSSL_PARAM_END,
	};
	struct keyed_mac *m;

	pthread_once(&keyed_mac_once, keyed_mac_setup);
	if (!keyed_mac_usable)
		return NULL;
	m = pthread_getspecific(keyed_mac_slot);
	if (m && m->len == k->len && !memcmp(m->key, k->key, k->len))
		return libcrypto.MAC_init(m->ctx, NULL, 0, NULL) ? m->ctx : NULL; /* the same key again */
	if (!m && !(m = new_keyed_mac()))
		return NULL;
	m->len = 0;
	if (!libcrypto.MAC_init(m->ctx, k->key, k->len, sha256))
		return NULL;
	memcpy(m->key, k->key, k->len);
	m->len = k->len;
	return m->ctx;
}

void secret__fingerprint(const struct lw_fpkey *k, const char *s, size_t n,
			 char out[LW_FINGERPRINT_LEN + 1])
{
	uint8_t mac[EVP_MAX_MD_SIZE] = { 0 }; /* never stack bytes, should HMAC() fail too */
	EVP_MAC_CTX *ctx = keyed_mac(k);
	size_t got = 0;

	if (!ctx || !libcrypto.MAC_update(ctx, (const unsigned char *)s, n) ||
	    !libcrypto.MAC_final(ctx, mac, &got, sizeof(mac)) || got < LW_FINGERPRINT_LEN / 2) {
		unsigned int len = 0;

		atomic_fetch_add_explicit(&fallbacks, 1, memory_order_relaxed);
		/* OpenSSL cannot hash at all: a random fingerprint, not a constant.
		 * It matches no other finding, so the secret is reported (again,
		 * at worst) rather than merged into another secret's finding and
		 * hidden; and it reveals nothing of the secret or the stack. */
		if (!crypto_loaded() ||
		    !libcrypto.HMAC(libcrypto.sha256(), k->key, (int)k->len, (const unsigned char *)s, n, mac, &len) ||
		    len < LW_FINGERPRINT_LEN / 2) {
			memset(mac, 0, sizeof(mac));
			if (random__fill(mac, LW_FINGERPRINT_LEN / 2))
				memcpy(mac, &(uint64_t){ atomic_load(&fallbacks) }, sizeof(uint64_t));
		}
	}
	hex__encode(mac, LW_FINGERPRINT_LEN / 2, out);
}

uint64_t secret__fallbacks(void)
{
	return atomic_load_explicit(&fallbacks, memory_order_relaxed);
}

void secret__thread_release(void)
{
	struct keyed_mac *m;

	pthread_once(&keyed_mac_once, keyed_mac_setup);
	if (!keyed_mac_usable || !(m = pthread_getspecific(keyed_mac_slot)))
		return;
	pthread_setspecific(keyed_mac_slot, NULL);
	keyed_mac_free(m);
}

void secret__redact(const char *s, size_t n, char out[LW_REDACTED_MAX])
{
	/* at most a sixth of a short secret on each side, never more than 4 */
	size_t show = n / 6 < 4 ? n / 6 : 4;

	if (!show) {
		snprintf(out, LW_REDACTED_MAX, "****");
		return;
	}
	snprintf(out, LW_REDACTED_MAX, "%.*s...%.*s", (int)show, s, (int)show, s + n - show);
}
