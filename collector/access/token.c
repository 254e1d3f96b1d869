// SPDX-License-Identifier: Apache-2.0
#include "access/token.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/hex.h"
#include "os/log.h"

void token__digest(const char *token, size_t len, uint8_t digest[TOKEN_DIGEST_LEN])
{
	unsigned int n = TOKEN_DIGEST_LEN;

	if (!EVP_Digest(token, len, digest, &n, EVP_sha256(), NULL))
		memset(digest, 0, TOKEN_DIGEST_LEN); /* matches nothing a client can send... */
}

bool token__presented(const char *h, uint8_t got[TOKEN_DIGEST_LEN])
{
	size_t n = 0;

	/* hash whatever came, even nothing, so timing says little about why */
	if (h && !strncasecmp(h, "Bearer ", 7)) {
		h += 7;
		h += strspn(h, " ");
		n = strlen(h);
		while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
			n--;
	} else {
		h = "";
	}
	token__digest(h, n, got);
	return n > 0;
}

bool token__same(const uint8_t got[TOKEN_DIGEST_LEN], const uint8_t want[TOKEN_DIGEST_LEN])
{
	static const uint8_t zero[TOKEN_DIGEST_LEN];

	/* a digest that failed to compute is never a match; both compared whole */
	return (CRYPTO_memcmp(got, want, TOKEN_DIGEST_LEN) == 0) & (CRYPTO_memcmp(want, zero, TOKEN_DIGEST_LEN) != 0);
}

bool token__check(const uint8_t want[TOKEN_DIGEST_LEN], const char *h)
{
	uint8_t got[TOKEN_DIGEST_LEN];
	bool presented = token__presented(h, got);

	return presented & token__same(got, want);
}

static int fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "token file %s: %s", path, why);
	return -EINVAL;
}

int token__load(const char *path, uint8_t digest[TOKEN_DIGEST_LEN], char *err, size_t errlen)
{
	char buf[TOKEN_MAX_LEN + 2];
	struct stat st;
	ssize_t got;
	size_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail(err, errlen, path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, path, "not a regular file");
	}
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got < 0)
		return fail(err, errlen, path, strerror(errno));
	n = (size_t)got;
	if (n > TOKEN_MAX_LEN)
		return fail(err, errlen, path, "longer than 4096 bytes");
	while (n && strchr(" \t\r\n", buf[n - 1]))
		n--;
	if (n < TOKEN_MIN_LEN) {
		explicit_bzero(buf, sizeof(buf));
		return fail(err, errlen, path, "shorter than 16 characters");
	}
	if (memchr(buf, '\n', n) || memchr(buf, '\0', n)) {
		explicit_bzero(buf, sizeof(buf));
		return fail(err, errlen, path, "holds more than one line");
	}
	token__digest(buf, n, digest);
	explicit_bzero(buf, sizeof(buf));
	/* group bits are how a Kubernetes Secret (fsGroup, 0440) or a service
	 * group shares it; only world access is a mistake */
	if (st.st_mode & 007)
		log_warn("token file %s is accessible to every user (mode %03o); chmod o-rwx it", path,
			 (unsigned)(st.st_mode & 0777));
	return 0;
}

int token__generate(char text[TOKEN_TEXT_LEN + 1])
{
	uint8_t raw[TOKEN_TEXT_LEN / 2];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	hex__encode(raw, sizeof(raw), text);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int token__load_or_create(const char *path, uint8_t digest[TOKEN_DIGEST_LEN], bool *created,
			  char *err, size_t errlen)
{
	char text[TOKEN_TEXT_LEN + 1];
	int fd;

	*created = false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return token__load(path, digest, err, errlen);
	if (fd < 0)
		return fail(err, errlen, path, strerror(errno));
	if (token__generate(text)) {
		close(fd);
		unlink(path);
		return fail(err, errlen, path, "no randomness to make a token");
	}
	text[sizeof(text) - 1] = '\n';
	if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) || fsync(fd)) {
		int e = errno;

		close(fd);
		unlink(path);
		explicit_bzero(text, sizeof(text));
		return fail(err, errlen, path, strerror(e));
	}
	close(fd);
	token__digest(text, sizeof(text) - 1, digest);
	explicit_bzero(text, sizeof(text));
	*created = true;
	return 0;
}
