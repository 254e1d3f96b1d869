// SPDX-License-Identifier: Apache-2.0
/*
 * Built-in rules, part four: secrets known by their shape or their place
 * rather than a vendor's prefix: private keys, JWTs, credentials in URIs,
 * headers and command lines, configuration dumps, and the generic
 * "password = ..." assignments.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "net/addr.h"
#include "rules/placeholder.h"
#include "rules/rules_table.h"
#include "rules/validate.h"

static bool digits(const char *s, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* 2025-03-04, 07:24:52, 0.11.2, -2.7: a timestamp or a version */
static bool dated_or_versioned(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (i + 10 <= n && digits(s + i, 4) && s[i + 4] == '-' && digits(s + i + 5, 2) && s[i + 7] == '-' &&
		    digits(s + i + 8, 2))
			return true;
		if (i + 8 <= n && digits(s + i, 2) && s[i + 2] == ':' && digits(s + i + 3, 2) && s[i + 5] == ':' &&
		    digits(s + i + 6, 2))
			return true;
		if (i + 5 <= n && isdigit((unsigned char)s[i]) && s[i + 1] == '.' && isdigit((unsigned char)s[i + 2]) &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			size_t k = i + 2;

			while (k < n && isdigit((unsigned char)s[k]))
				k++;
			if (k + 1 < n && s[k] == '.' && isdigit((unsigned char)s[k + 1]))
				return true;
			if (i > 0 && (s[i - 1] == '-' || s[i - 1] == 'v') && k == n)
				return true;
		}
	}
	return false;
}

/*
 * Words glued with separators: MyApp_Secret_Name, my-etcd-token-1,
 * UID:GID:shell, TEST_ENCRYPTION_KEY1. Each part is letters, a short
 * number, or capitals that end in one or two digits (a constant's name:
 * Welcome1_Admin is a password).
 */
static bool glued_words(const char *s, size_t n)
{
	size_t seps = 0, letters = 0, digits = 0;
	bool letter_after_digit = false, lower = false;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '_' || s[i] == '-' || s[i] == '.' || s[i] == ':') {
			if (letter_after_digit || digits > (!letters ? 4 : lower ? 0 : 2))
				return false;
			seps += i < n;
			letters = digits = 0;
			letter_after_digit = lower = false;
		} else if (isalpha((unsigned char)s[i])) {
			letter_after_digit |= digits > 0;
			lower |= islower((unsigned char)s[i]) != 0;
			letters++;
		} else if (isdigit((unsigned char)s[i])) {
			digits++;
		} else {
			return false;
		}
	}
	return seps > 0;
}

static bool parses_ipv6(const char *s, size_t n)
{
	char text[LW_ADDR_STRLEN];
	struct lw_addr addr;

	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	return addr__parse(text, &addr) == 0 && addr.family == AF_INET6;
}

/* An IPv6 address, alone or after a word and a colon: systemd's
 * Token=static:::1a:2b or Token=prefixstable:2002:da8:1:: */
static bool ipv6_value(const char *s, size_t n)
{
	size_t word = 0;

	while (word < n && isalpha((unsigned char)s[word]))
		word++;
	if (word && word < n && s[word] == ':' && parses_ipv6(s + word + 1, n - word - 1))
		return true;
	return parses_ipv6(s, n);
}

/* Words and blanks only: "not my real password" (a connection string or
 * a pass phrase with digits and signs is no prose) */
static bool prose(const uint8_t *b, size_t n)
{
	bool blank = false;

	for (size_t i = 0; i < n; i++) {
		if (b[i] == ' ')
			blank = true;
		else if (!isalpha(b[i]))
			return false;
	}
	return blank;
}

/* Y2hhbmdlbWU=: padded base64 of a placeholder (a Secret manifest's
 * "changeme") or of prose, which the value would not be taken for as it is */
static bool encoded_placeholder(const char *s, size_t n)
{
	uint8_t buf[128];
	long len;

	if (n % 4 || s[n - 1] != '=' || n / 4 * 3 > sizeof(buf))
		return false;
	len = validate__b64_decode(s, n, buf, sizeof(buf));
	return len > 0 && validate__text(buf, (size_t)len) &&
	       (placeholder__match((const char *)buf, (size_t)len) || prose(buf, (size_t)len));
}

/* A character class of a regular expression: [a-zA-Z0-9/_+=.@-]; two of
 * its ranges, as one (Delta-zulu7) happens in a password */
static bool regex_class(const char *s, size_t n)
{
	return (memmem(s, n, "a-z", 3) != NULL) + (memmem(s, n, "A-Z", 3) != NULL) + (memmem(s, n, "0-9", 3) != NULL) >= 2;
}

static bool identifier(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '$'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$'))
			return false;
	return true;
}

/* A keyword argument after a key in a call: f('pass', PYTHONPATH=cwd),
 * autospec=True, exitcode=0: a name without digits, then a name or a number
 * (Abc123=xyz789 and base64's padding are values) */
static bool keyword_argument(const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	size_t at = eq ? (size_t)(eq - s) : 0;

	if (at == 0 || at + 1 >= n || !identifier(s, at))
		return false;
	for (size_t i = 0; i < at; i++)
		if (isdigit((unsigned char)s[i]))
			return false;
	for (size_t i = at + 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* Code, not a value: exports.TOKEN, os.environ, self.token. Identifiers
 * joined by dots, the first in small letters, the last a word in one case
 * (Summer2024.Admin is a password; a random tail has digits) */
static bool member_access(const char *s, size_t n)
{
	const char *dot = memrchr(s, '.', n);
	size_t from = 0, upper = 0, lower = 0;

	if (!dot || n > 64 || !(islower((unsigned char)s[0]) || s[0] == '_' || s[0] == '$'))
		return false;
	for (size_t i = (size_t)(dot - s) + 1; i < n; i++) {
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_'))
			return false;
		upper += isupper((unsigned char)s[i]) != 0;
		lower += islower((unsigned char)s[i]) != 0;
	}
	if (upper && lower)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!identifier(s + from, i - from))
			return false;
		from = i + 1;
	}
	return true;
}

/* nutPassword, HMAccessoryProfile: letters that are words joined in camel case */
static bool long_words(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t low = 0;

		while (i < n && isupper((unsigned char)s[i]))
			i++;
		while (i < n && islower((unsigned char)s[i])) {
			i++;
			low++;
		}
		if (i < n && !isupper((unsigned char)s[i]))
			return false; /* not letters only */
		if (low < 3 && (i < n || low))
			return false; /* a short word: random case, not words */
	}
	return true;
}

/*
 * Words in camel case, where one short word may end it capitalised
 * (LastEvaluatedKey, ExclusiveStartShardId) after two plain words or
 * more. Random letters take that shape hardly more often than long_words
 * alone: 4.9% against 4.6% of 12 random letters, 2.1% against 2.0% of 16.
 */
static bool camel_words(const char *s, size_t n)
{
	size_t end = n, i, words = 0;

	if (long_words(s, n))
		return true;
	while (end > 0 && islower((unsigned char)s[end - 1]))
		end--;
	if (n - end < 1 || n - end > 2 || end < 1 || !isupper((unsigned char)s[end - 1]))
		return false;
	end--;
	/* before it: words of at most one capital and three small letters or more */
	for (i = 0; i < end;) {
		size_t up = 0, low = 0;

		for (; i < end && isupper((unsigned char)s[i]); i++)
			up++;
		for (; i < end && islower((unsigned char)s[i]); i++)
			low++;
		if ((i < end && !isupper((unsigned char)s[i])) || up > 1 || low < 3)
			return false;
		words++;
	}
	return words >= 2;
}

/* The value names a secret instead of holding one: nutPassword, secret%3Dpassword, Ed25519PrivateKey, scopeAuthKey */
static bool names_a_secret(const char *s, size_t n)
{
	static const char *const words[] = { "password", "passwd", "secret", "token", "privatekey", "private_key",
					     "apikey", "api_key", "authkey", "auth_key", "accesskey", "access_key" };
	char low[64];

	if (n > sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(low, n, words[i], strlen(words[i])))
			return true;
	return false;
}

/* NUL, blanks, '?' and brackets: a test per byte of every generic value,
 * so a bit in one of two masks (all are ASCII), with no branch to mispredict */
static inline bool never_in_credential(char c)
{
#define BIT(ch) (1ULL << ((ch) & 63))
	static const uint64_t below64 = BIT('\0') | BIT('\t') | BIT(' ') | BIT('(') | BIT(')') | BIT('<') | BIT('>') |
					BIT('?');
	static const uint64_t from64 = BIT('[') | BIT(']') | BIT('{') | BIT('}');
#undef BIT
	unsigned char u = (unsigned char)c;

	return u < 128 && ((u & 64 ? from64 : below64) >> (u & 63) & 1);
}

/*
 * A generic value: mixes letters with digits or case, and is none of the
 * things that stand after "token:" or "password:" without being one: a
 * word list, a date, a version, a path, a URL, a UUID, prose.
 */
static bool generic_value(const char *s, size_t n)
{
	unsigned c = validate__classes(s, n);
	int alnum = __builtin_popcount(c & 7);

	if (s[0] == '<' || s[0] == '{' || s[0] == '[' || s[0] == '(' || s[0] == '/' || s[0] == '.')
		return false;
	/* characters no credential holds; brackets are code (Optional[str], Foo<Bar>, f(x)) */
	for (size_t i = 0; i < n; i++)
		if (never_in_credential(s[i]))
			return false;
	/* dates, versions, addresses, UUIDs, paths */
	if (!(c & 3))
		return false;
	if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-')
		return false;
	if (memmem(s, n, "://", 3) || memmem(s, n, "%20", 3) || dated_or_versioned(s, n) || glued_words(s, n) ||
	    ipv6_value(s, n) || member_access(s, n) || regex_class(s, n) || keyword_argument(s, n) ||
	    encoded_placeholder(s, n) || camel_words(s, n) || names_a_secret(s, n))
		return false;
	return alnum >= 2 || (n >= 12 && __builtin_popcount(c) >= 3);
}

/* A bearer token: not words glued together (not-the-token-at-all), not a name for one */
static bool bearer_value(const char *s, size_t n)
{
	return !glued_words(s, n) && !names_a_secret(s, n);
}

/* --password=PASSWORD, ‘--ftp-password=PASSWORD’: a manual's name for the
 * value, in capitals (the quote after it is no part of a password) */
static bool metavariable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && (unsigned char)s[i] < 0x80)
			return false;
	return names_a_secret(s, n);
}

/* A password on a command line: not another option or a template ({password, <pass), mixed or long
 * and random enough to be chosen. */
static bool cli_secret(const char *s, size_t n)
{
	return s[0] != '-' && s[0] != '{' && s[0] != '<' && s[0] != '[' &&
	       (validate__class_count(s, n) >= 2 || (n >= 12 && validate__entropy(s, n) >= 3.3)) &&
	       !glued_words(s, n) && !metavariable(s, n);
}

/* a variable's name that says it holds a secret: DB_PASSWORD, STRIPE_SECRET, API_KEY */
#define ENV_SECRET_NAME "[A-Za-z0-9_.-]{0,40}(?:password|passwd|secret|token|api_?key)"
#define GENERIC_CHECKS "mixed classes; no blanks, ?, brackets; not a date, version, path, IPv6 address, identifier, code or word list"
#define CLI_CHECKS "not an option; mixed characters, or 12+ random ones; not words"

/* base64 of text: npm's _auth (user:password) and _password */
static bool b64_text(const char *s, size_t n)
{
	uint8_t buf[512];
	long len = validate__b64_decode(s, n, buf, sizeof(buf));

	return len >= 4 && validate__text(buf, (size_t)len);
}

/* clang-format off */
static const struct lw_rule table[] = {
	/* private keys: the finding starts at the BEGIN line */
	{ .info = { "private-key-rsa", "private-key", "RSA private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN RSA PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "a base64 body, not a mask", .shape = "-----BEGIN RSA PRIVATE KEY-----********" },
	{ .info = { "private-key-ec", "private-key", "EC private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN EC PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "a base64 body, not a mask", .shape = "-----BEGIN EC PRIVATE KEY-----********" },
	{ .info = { "private-key-dsa", "private-key", "DSA private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN DSA PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "a base64 body, not a mask", .shape = "-----BEGIN DSA PRIVATE KEY-----********" },
	{ .info = { "private-key-openssh", "private-key", "OpenSSH private key", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN OPENSSH PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "a base64 body; cipher none", .shape = "-----BEGIN OPENSSH PRIVATE KEY-----********" },
	{ .info = { "private-key-pkcs8", "private-key", "PKCS#8 private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "a base64 body, not a mask", .shape = "-----BEGIN PRIVATE KEY-----********" },
	{ .info = { "private-key-putty", "private-key", "PuTTY private key file", LW_SEV_CRITICAL },
	  .re = { "PuTTY-User-Key-File-[23]: [a-z0-9-]{3,40}" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "Encryption: none", .shape = "PuTTY-User-Key-File-3: ssh-ed25519 ********" },
	{ .info = { "private-key-pgp", "private-key", "PGP private key block", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN PGP PRIVATE KEY BLOCK-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted",
	  .checks = "a base64 body, not a mask", .shape = "-----BEGIN PGP PRIVATE KEY BLOCK-----********" },
	/* Also reported for RSA/EC/DSA with "Proc-Type: 4,ENCRYPTED" and ciphered OpenSSH keys. */
	{ .info = { "private-key-encrypted", "private-key", "Encrypted private key (PEM)", LW_SEV_HIGH },
	  .re = { "-----BEGIN ENCRYPTED PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE,
	  .checks = "a base64 body; or a key above marked encrypted", .shape = "-----BEGIN ENCRYPTED PRIVATE KEY-----********" },

	/* tokens by shape */
	{ .info = { "jwt", "jwt", "JSON Web Token", LW_SEV_MEDIUM },
	  .re = { "eyJ[A-Za-z0-9_-]{10,}\\.ey[A-Za-z0-9_-]{10,}\\." }, .alphabet = B64URL,
	  .min_len = 50, .max_len = 8192, .left = LW_LB_ALNUM, .prio = LW_PRIO_SHAPE, .check = validate__jwt,
	  .checks = "header and payload decode to JSON, alg is not none, signed; not the jwt.io sample",
	  .shape = "eyJhbGciOi********" },

	/* credentials inside URIs and headers */
	/* One pattern for every scheme: the scheme decides the rule (extract/extract.c),
	 * which keeps URL-heavy logs (access logs, referrers) cheap to scan. */
	{ .info = { "database-uri-password", "db-uri", "Password in a database or broker URI", LW_SEV_HIGH },
	  .re = { "://[^\\s:@/]*:[^\\s/]+@" }, .ex = LW_EX_URI, .min_len = 3,
	  .max_len = 255, .prio = LW_PRIO_URI, .alt = "url-credentials", .no_som = true, .back = 512,
	  .checks = "a database scheme; not user = password", .shape = "postgres://app:********@db:5432/app" },
	{ .info = { "url-credentials", "url-credentials", "Password, or a token as the user, in a URL", LW_SEV_MEDIUM },
	  .re = { NULL }, .ex = LW_EX_URI, .min_len = 6, .max_len = 255, .prio = LW_PRIO_URI, .min_entropy = 2.5,
	  .checks = "a host follows; a token user when the password is x-oauth-basic or absent",
	  .shape = "https://********:x-oauth-basic@github.com" },
	{ .info = { "http-bearer-token", "bearer", "Bearer token in an Authorization header", LW_SEV_HIGH },
	  .re = { AUTHZ "bearer(?:[ \\t]|\\\\ ){1,4}\\(?[A-Za-z0-9._~+/-]{8}" }, .caseless = true, .ex = LW_EX_RUN,
	  .alphabet = B64 "._~=-", .min_len = 12, .max_len = 8192, .prio = LW_PRIO_HEADER, .min_entropy = 3.0,
	  .min_classes = 2, .check = bearer_value, .checks = "not words glued together, not a name for a token",
	  .shape = "Authorization: Bearer ********" },
	{ .info = { "http-basic-auth", "basic-auth", "Basic credentials in an Authorization header", LW_SEV_HIGH },
	  .re = { AUTHZ "basic(?:[ \\t]|\\\\ ){1,4}\\(?[A-Za-z0-9+/]{4}" }, .caseless = true, .ex = LW_EX_RUN,
	  .alphabet = B64, .pad = true, .min_len = 8, .max_len = 1024, .prio = LW_PRIO_URI, .check = validate__basic_auth,
	  .checks = "decodes to user:password, the password not a placeholder", .shape = "Authorization: Basic ********" },
	{ .info = { "jdbc-password", "jdbc", "Password parameter of a JDBC URL", LW_SEV_HIGH },
	  .re = { "jdbc:[a-z0-9]{2,20}:[^ \\t\\r\\n\"'<>]{0,300}[?&;:]password=" }, .caseless = true,
	  .ex = LW_EX_TAIL, .alphabet = "^ \t\r\n\"'`\\;&<>", .min_len = 6, .max_len = 128, .prio = LW_PRIO_SHAPE,
	  .no_som = true, .back = 16, .check = cli_secret, .checks = CLI_CHECKS,
	  .shape = "jdbc:postgresql://db/app?user=app&password=********" },

	/* command lines, as shells and CI log them */
	{ .info = { "curl-user-password", "cli-credentials", "Password in curl -u / --user user:password", LW_SEV_HIGH },
	  .re = { "[ \\t](?:-u|--user)(?:[ \\t]{1,4}|=)?\\\\?[\"']?[^ \\t\\r\\n:\"'\\\\]{0,64}:" }, .ex = LW_EX_TAIL,
	  .alphabet = VALUE_CHARS, .min_len = 6, .max_len = 128, .prio = LW_PRIO_SHAPE, .keywords = "curl",
	  .check = cli_secret, .checks = CLI_CHECKS, .shape = "curl -u deploy:******** https://..." },
	{ .info = { "cli-password", "cli-credentials", "Password given as an option (--password, --http-password, ...)", LW_SEV_HIGH },
	  .re = { "--(?:http-|ftp-|proxy-)?pass(?:word)?(?:=|[ \\t]{1,4})" }, .ex = LW_EX_TAIL,
	  .alphabet = VALUE_CHARS, .min_len = 6, .max_len = 128, .prio = LW_PRIO_SHAPE, .check = cli_secret,
	  .checks = CLI_CHECKS, .shape = "wget --http-password=******** https://..." },

	{ .info = { "cli-short-password", "cli-credentials", "Password after a short option: mysql -p..., sshpass -p, redis-cli -a, docker login -p", LW_SEV_HIGH },
	  .re = { "(?:mysql|mariadb|mysqldump|mysqladmin)[^\\r\\n]{0,200}[ \\t]-p",
		  "sshpass[ \\t]{1,4}-p[ \\t]{1,4}", "redis-cli[^\\r\\n]{0,200}[ \\t]-a[ \\t]{1,4}",
		  "(?:docker|podman|helm|oras)[^\\r\\n]{0,40}[ \\t]login[^\\r\\n]{0,200}[ \\t]-p[ \\t]{1,4}" },
	  .ex = LW_EX_TAIL, .alphabet = VALUE_CHARS, .min_len = 6, .max_len = 128, .prio = LW_PRIO_SHAPE,
	  .no_som = true, .back = 16, .check = cli_secret, .checks = CLI_CHECKS, .shape = "mysql -uroot -p******** app" },

	/* configuration dumped to a log */
	{ .info = { "kubernetes-secret-data", "kubernetes-secret", "Value in a Kubernetes Secret's data: map", LW_SEV_HIGH },
	  .re = { "\\n(?:  |    )?data:[ \\t]{0,2}\\r?\\n", "\\\\?\"data\\\\?\"[ \\t]{0,4}:[ \\t]{0,4}\\{" },
	  .ex = LW_EX_KUBE, .min_len = 8, .max_len = 8192, .prio = LW_PRIO_SHAPE,
	  .checks = "base64 of text, not a placeholder; a credential's key name or a random value",
	  .shape = "data:\\n  password: ********" },
	{ .info = { "env-var-value", "env-pair", "Value of a secret-named variable in a name/value pair (Kubernetes, ECS)", LW_SEV_MEDIUM },
	  .re = { "name:[ \\t]{0,4}[\"']?" ENV_SECRET_NAME "[\"']?[ \\t]{0,4}\\r?\\n[ \\t]{1,16}value:[ \\t]{0,4}",
		  "\\\\?\"name\\\\?\"[ \\t]{0,4}:[ \\t]{0,4}\\\\?\"" ENV_SECRET_NAME "\\\\?\"[ \\t]{0,4},[ \\t]{0,4}\\\\?\"value\\\\?\"[ \\t]{0,4}:[ \\t]{0,4}\\\\?\"" },
	  .caseless = true, .ex = LW_EX_TAIL, .alphabet = VALUE_CHARS, .min_len = 8, .max_len = 256,
	  .prio = LW_PRIO_SHAPE, .min_entropy = 2.9, .check = generic_value, .checks = GENERIC_CHECKS,
	  .shape = "- name: DB_PASSWORD\\n  value: ********" },
	{ .info = { "docker-config-auth", "docker-config", "Registry credentials in a Docker config.json auths entry", LW_SEV_HIGH },
	  .re = { "\\\\?\"auth\\\\?\"[ \\t]{0,4}:[ \\t]{0,4}\\\\?\"" }, .ex = LW_EX_TAIL, .alphabet = B64, .pad = true,
	  .min_len = 8, .max_len = 2048, .prio = LW_PRIO_SHAPE, .check = validate__basic_auth,
	  .checks = "decodes to user:secret", .shape = "\"auths\": {\"ghcr.io\": {\"auth\": \"********\"}}" },
	{ .info = { "nuget-cleartext-password", "nuget", "ClearTextPassword in a NuGet configuration", LW_SEV_HIGH },
	  .re = { "\\\\?\"ClearTextPassword\\\\?\"[ \\t]{1,4}value=\\\\?\"" }, .caseless = true, .ex = LW_EX_TAIL,
	  .alphabet = "^\"\\\r\n", .min_len = 4, .max_len = 256, .prio = LW_PRIO_SHAPE,
	  .shape = "<add key=\"ClearTextPassword\" value=\"********\" />" },
	{ .info = { "npmrc-auth-token", "npmrc", "Registry token in an .npmrc (_authToken=)", LW_SEV_HIGH },
	  .re = { "_authToken[ \\t]{0,4}=[ \\t]{0,4}" }, .ex = LW_EX_TAIL, .alphabet = "^ \t\r\n\"'`", .min_len = 16,
	  .max_len = 512, .prio = LW_PRIO_SHAPE, .min_entropy = 3.0,
	  .shape = "//registry.npmjs.org/:_authToken=********" },
	{ .info = { "npmrc-auth", "npmrc", "Base64 credentials in an .npmrc (_auth=, _password=)", LW_SEV_HIGH },
	  /* a key of its own (//registry/:_auth=, npm_config__auth=), not the end of one (missing_auth =) */
	  .re = { "(?:^|[\\s:;'\"]|npm_config_)_(?:auth|password)[ \\t]{0,4}=[ \\t]{0,4}" }, .ex = LW_EX_TAIL, .alphabet = B64, .pad = true,
	  .min_len = 8, .max_len = 1024, .prio = LW_PRIO_SHAPE, .check = b64_text, .checks = "decodes to text",
	  .shape = "//registry.example.com/:_auth=********" },

	/* generic assignments: the last resort, behind an entropy floor. The
	 * pattern is the key's last word; "= value" after it (and "--password
	 * value") is parsed in extract/extract.c, with a quick look in the match
	 * callback so that the words alone cost nothing. */
	{ .info = { "generic-password", "password-assign", "Password assigned in text, config or JSON", LW_SEV_MEDIUM },
	  .re = { "pass(?:word|wd|phrase)?|pwd" }, .caseless = true, .ex = LW_EX_ASSIGN, .alphabet = VALUE_CHARS,
	  .quoted = true, .min_len = 8, .max_len = 128, .prio = LW_PRIO_GENERIC, .min_entropy = 2.9,
	  .check = generic_value, .checks = GENERIC_CHECKS, .shape = "password: ********" },
	{ .info = { "generic-secret", "secret-assign", "Secret, token or API key assigned in text, config or JSON", LW_SEV_LOW },
	  .re = { "secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|"
		  "(?:secret|signing|encryption|master|app)[_-]?key" },
	  .caseless = true, .ex = LW_EX_ASSIGN, .alphabet = VALUE_CHARS, .quoted = true, .min_len = 12,
	  .max_len = 256, .prio = LW_PRIO_GENERIC, .min_entropy = 3.2, .check = generic_value,
	  .checks = GENERIC_CHECKS "; not a CSRF or paging token",
	  .shape = "api_key = ********" },
};
/* clang-format on */

RULE_TABLE(rules_shape, table);
