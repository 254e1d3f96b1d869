// SPDX-License-Identifier: Apache-2.0
#include "leaks/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/hex.h"
#include "detect/sha256.h"
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
 * The key's HMAC states, per thread: keying costs two SHA-256 blocks, as
 * much as a fingerprint itself, so each thread that fingerprints (the
 * agent's pipeline, a scan job) keys once and keeps its states and a copy
 * of the key until it exits, with no lock per finding.
 */
struct keyed_mac {
	struct hmac_sha256 mac;
	size_t len; /* 0 until keyed */
	uint8_t key[LW_FP_KEY_MAX];
};

static pthread_key_t keyed_mac_slot;
static pthread_once_t keyed_mac_once = PTHREAD_ONCE_INIT;
static bool keyed_mac_usable;

static void keyed_mac_free(void *p)
{
	explicit_bzero(p, sizeof(struct keyed_mac));
	free(p);
}

static void keyed_mac_setup(void)
{
	keyed_mac_usable = pthread_key_create(&keyed_mac_slot, keyed_mac_free) == 0;
}

/* This thread's states under k, keyed now if the key is new to it; NULL
 * when no slot can be had (the caller keys on its stack instead). */
static const struct hmac_sha256 *keyed_mac(const struct lw_fpkey *k)
{
	struct keyed_mac *m;

	pthread_once(&keyed_mac_once, keyed_mac_setup);
	if (!keyed_mac_usable)
		return NULL;
	m = pthread_getspecific(keyed_mac_slot);
	if (m && m->len == k->len && !memcmp(m->key, k->key, k->len))
		return &m->mac;
	if (!m && (!(m = calloc(1, sizeof(*m))) || pthread_setspecific(keyed_mac_slot, m))) {
		free(m);
		return NULL;
	}
	hmac_sha256__key(&m->mac, k->key, k->len);
	memcpy(m->key, k->key, k->len);
	m->len = k->len;
	return &m->mac;
}

void secret__fingerprint(const struct lw_fpkey *k, const char *s, size_t n,
			 char out[LW_FINGERPRINT_LEN + 1])
{
	const struct hmac_sha256 *mac = keyed_mac(k);
	uint8_t digest[LW_SHA256_LEN];
	struct hmac_sha256 once;

	if (!mac) {
		hmac_sha256__key(&once, k->key, k->len);
		mac = &once;
	}
	hmac_sha256__mac(mac, s, n, digest);
	if (mac == &once)
		explicit_bzero(&once, sizeof(once));
	hex__encode(digest, LW_FINGERPRINT_LEN / 2, out);
	explicit_bzero(digest, sizeof(digest));
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
