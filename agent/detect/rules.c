// SPDX-License-Identifier: Apache-2.0
/*
 * Expressions are written for vectorscan: no captures, no lookaround,
 * bounded gaps ([ \t]{0,4}, not \s*) so that a match's start is never far
 * behind its first report, which bounds what a stream must keep. Each
 * expression needs only enough of the token to be unambiguous; the
 * alphabet, min_len and max_len decide the secret's real extent.
 */
#include "detect/rules.h"

#include <errno.h>
#include <hs/hs.h>
#include <stdio.h>
#include <string.h>

#include "detect/validate.h"

/* "key" = value, key: value, "key":"value", key => 'value', key := value */
#define SEP "\\\\?[\"']?[ \\t]{0,4}(?::=|=>|[:=])[ \\t]{0,4}\\\\?[\"']?"
/* the same, or just blanks: "twilio auth token 8b0e..." */
#define SEP_OR_BLANK "(?:" SEP "|[ \\t]{1,4})"
#define AUTHZ "(?:proxy-)?authori[sz]ation\\\\?[\"']?[ \\t]{0,4}[:=][ \\t]{0,4}(?:\\\\?[\"']|\\[)?"
#define B62 "A-Za-z0-9"
#define B64URL "A-Za-z0-9_-"
#define B64 "A-Za-z0-9+/"
/* the value of key=value: up to a blank, a quote or a list separator */
#define VALUE_CHARS "^ \t\r\n\"'`\\,;&)]}"

static bool crc4(const char *s, size_t n)
{
	return validate__crc_token(s, n, 4);
}

static bool openai(const char *s, size_t n)
{
	/* every key format since 2023 carries the "OpenAI" marker */
	return memmem(s, n, "T3BlbkFJ", 8) || (n >= 80 && (validate__classes(s, n) & 7) == 7);
}

static bool mailgun_key(const char *s, size_t n)
{
	/* key-<32 of [0-9a-z]>; pure hex is an md5 behind a "key-" cache prefix */
	for (size_t i = 4; i < n; i++)
		if (s[i] >= 'g' && s[i] <= 'z')
			return true;
	return false;
}

static bool slack_webhook(const char *s, size_t n)
{
	const char *last = memrchr(s, '/', n);

	/* the path ends in the secret: 24 random characters */
	return last && (size_t)(s + n - last - 1) >= 16 &&
	       validate__entropy(last + 1, (size_t)(s + n - last - 1)) >= 3.0;
}

/* xoxa-, xoxr-, xoxe-: the part after the prefix holds letters, not only ids */
static bool slack_token(const char *s, size_t n)
{
	return n > 5 && (validate__classes(s + 5, n - 5) & 3);
}

/* A generic value: mixes letters with digits or case, and is no word list. */
static bool generic_value(const char *s, size_t n)
{
	unsigned c = validate__classes(s, n);
	int alnum = __builtin_popcount(c & 7);

	if (s[0] == '<' || s[0] == '{' || s[0] == '[' || s[0] == '(' || s[0] == '/' || s[0] == '.')
		return false;
	/* dates, versions, addresses, UUIDs, paths */
	if (!(c & 3))
		return false;
	if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-')
		return false;
	if (memmem(s, n, "://", 3))
		return false;
	return alnum >= 2 || (n >= 12 && __builtin_popcount(c) >= 3);
}

static bool square(const char *s, size_t n)
{
	/* EAAA tokens are 64 characters; sq0atp- 29 and up */
	return s[0] != 'E' || n == 64;
}

static bool ai_token(const char *s, size_t n)
{
	return (validate__classes(s, n) & 7) == 7 || validate__entropy(s, n) >= 4.5;
}

/* One entry per kind of credential. Entries are alike by design: the table
 * is data, read by the scanner, and longer than a file would be otherwise. */
/* clang-format off */
static const struct lw_rule table[] = {
	/* code hosts */
	{ .info = { "github-pat", "github-classic", "GitHub personal access token (classic)", LW_SEV_HIGH },
	  .re = { "ghp_[A-Za-z0-9]{36}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4 },
	{ .info = { "github-oauth-token", "github-classic", "GitHub OAuth access token", LW_SEV_HIGH },
	  .re = { "gho_[A-Za-z0-9]{36}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4 },
	{ .info = { "github-user-to-server-token", "github-classic", "GitHub App user-to-server token", LW_SEV_HIGH },
	  .re = { "ghu_[A-Za-z0-9]{36}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4 },
	{ .info = { "github-server-to-server-token", "github-classic", "GitHub App installation token", LW_SEV_HIGH },
	  .re = { "ghs_[A-Za-z0-9]{36}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4 },
	{ .info = { "github-refresh-token", "github-classic", "GitHub App refresh token", LW_SEV_HIGH },
	  .re = { "ghr_[A-Za-z0-9]{36}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4 },
	{ .info = { "github-fine-grained-pat", "github-fine-grained", "GitHub fine-grained personal access token", LW_SEV_HIGH },
	  .re = { "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}" }, .alphabet = B62 "_", .min_len = 93, .max_len = 93,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "gitlab-pat", "gitlab-pat", "GitLab personal access token", LW_SEV_HIGH },
	  .re = { "glpat-[A-Za-z0-9_-]{20}" }, .alphabet = B64URL ".", .min_len = 26, .max_len = 100,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "gitlab-token", "gitlab", "GitLab deploy, runner, CI, trigger, feed, agent or OAuth token", LW_SEV_HIGH },
	  .re = { "gl(?:dt|rt|cbt|ptt|ft|imt|agent|soat|ffct|oas)-[A-Za-z0-9_-]{20}", "GR1348941[A-Za-z0-9_-]{20}" },
	  .alphabet = B64URL ".", .min_len = 25, .max_len = 120,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },

	/* chat */
	{ .info = { "slack-bot-token", "slack-bot", "Slack bot token", LW_SEV_HIGH },
	  .re = { "xoxb-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{20,40}", "xoxb-[0-9]{8,14}-[A-Za-z0-9]{24,34}" },
	  .alphabet = B62 "-", .min_len = 33, .max_len = 80,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "slack-user-token", "slack-user", "Slack user or workspace token", LW_SEV_HIGH },
	  .re = { "xox[ps]-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{28,64}" }, .alphabet = B62 "-",
	  .min_len = 60, .max_len = 120, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "slack-app-token", "slack-app", "Slack app-level token", LW_SEV_HIGH },
	  .re = { "xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{32,80}" }, .alphabet = B62 "-",
	  .min_len = 50, .max_len = 140, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "slack-token", "slack", "Slack legacy, refresh or configuration token", LW_SEV_HIGH },
	  .re = { "xox[aore]-[0-9A-Za-z-]{20}", "xoxe\\.xox[bp]-1-[A-Za-z0-9-]{40}" }, .alphabet = B62 "-",
	  .min_len = 25, .max_len = 300, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0,
	  .check = slack_token },
	{ .info = { "slack-webhook-url", "slack-webhook", "Slack incoming webhook URL", LW_SEV_HIGH },
	  .re = { "https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20}" },
	  .alphabet = B62 "_/-", .min_len = 50, .max_len = 200, .left = LW_LB_NONE, .prio = LW_PRIO_TOKEN,
	  .check = slack_webhook },
	{ .info = { "discord-webhook-url", "discord-webhook", "Discord webhook URL", LW_SEV_MEDIUM },
	  .re = { "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68}" },
	  .alphabet = B64URL, .min_len = 100, .max_len = 160, .prio = LW_PRIO_TOKEN },
	{ .info = { "telegram-bot-token", "telegram-bot", "Telegram bot token", LW_SEV_HIGH },
	  .re = { "[0-9]{8,10}:AA[A-Za-z0-9_-]{33}" }, .alphabet = B64URL, .min_len = 44, .max_len = 46,
	  .left = LW_LB_DIGIT, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },

	/* payments and messaging */
	{ .info = { "stripe-secret-key", "stripe-secret", "Stripe live secret key", LW_SEV_CRITICAL },
	  .re = { "sk_live_[A-Za-z0-9]{20}" }, .alphabet = B62, .min_len = 28, .max_len = 255,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "stripe-restricted-key", "stripe-secret", "Stripe live restricted key", LW_SEV_HIGH },
	  .re = { "rk_live_[A-Za-z0-9]{20}" }, .alphabet = B62, .min_len = 28, .max_len = 255,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "stripe-webhook-secret", "stripe-secret", "Stripe webhook signing secret", LW_SEV_MEDIUM },
	  .re = { "whsec_[A-Za-z0-9+/]{32}" }, .alphabet = B64, .pad = true, .min_len = 38, .max_len = 100,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "square-token", "square", "Square access token or OAuth secret", LW_SEV_HIGH },
	  .re = { "sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}", "EAAA[A-Za-z0-9_-]{60}" }, .alphabet = B64URL, .min_len = 29,
	  .max_len = 64, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = square },
	{ .info = { "braintree-access-token", "braintree", "Braintree / PayPal access token", LW_SEV_HIGH },
	  .re = { "access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}" }, .alphabet = "0-9a-z$_", .min_len = 73,
	  .max_len = 73, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "sendgrid-api-key", "sendgrid", "SendGrid API key", LW_SEV_HIGH },
	  .re = { "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}" }, .alphabet = B64URL, .min_len = 69, .max_len = 69,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "twilio-api-key", "twilio", "Twilio API key SID", LW_SEV_HIGH },
	  .re = { "SK[0-9a-fA-F]{32}" }, .alphabet = B62, .min_len = 34, .max_len = 34,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "twilio" },
	{ .info = { "twilio-account-sid", "twilio", "Twilio account SID next to Twilio context", LW_SEV_MEDIUM },
	  .re = { "AC[0-9a-fA-F]{32}" }, .alphabet = B62, .min_len = 34, .max_len = 34,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "twilio" },
	{ .info = { "twilio-auth-token", "twilio", "Twilio auth token", LW_SEV_HIGH },
	  .re = { "twilio[a-z_ .-]{0,20}(?:auth[_ -]?token|secret|api[_ -]?secret)" SEP_OR_BLANK "[0-9a-f]{32}" },
	  .caseless = true, .ex = LW_EX_RUN, .alphabet = B62, .min_len = 32, .max_len = 32, .prio = LW_PRIO_SHAPE,
	  .min_entropy = 3.0 },
	{ .info = { "mailgun-api-key", "mailgun", "Mailgun private API key", LW_SEV_HIGH },
	  .re = { "key-[0-9a-z]{32}" }, .alphabet = B62, .min_len = 36, .max_len = 36,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = mailgun_key },
	{ .info = { "mailgun-api-key-context", "mailgun", "Mailgun API key next to Mailgun context", LW_SEV_HIGH },
	  .re = { "mailgun[a-z_ .-]{0,20}(?:api[_ -]?|private[_ -]?|signing[_ -]?)?(?:key|secret|token)"
		  SEP_OR_BLANK "(?:key-)?[0-9a-f]{32}", "api:key-[0-9a-f]{32}" },
	  .caseless = true, .ex = LW_EX_RUN, .alphabet = "0-9a-z-", .min_len = 32, .max_len = 50,
	  .prio = LW_PRIO_SHAPE, .min_entropy = 3.0 },
	{ .info = { "mailgun-api-key-hex", "mailgun", "Mailgun API key (hex) on a line that names Mailgun", LW_SEV_HIGH },
	  .re = { "key-[0-9a-f]{32}" }, .alphabet = B62, .min_len = 36, .max_len = 36, .left = LW_LB_ALNUM,
	  .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "mailgun" },

	/* AWS */
	{ .info = { "aws-access-key-id", "aws-access-key-id", "AWS access key ID", LW_SEV_HIGH },
	  .re = { "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA|AIPA)[A-Z2-7]{16}" },
	  .alphabet = "A-Z0-9", .min_len = 20, .max_len = 20, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 3.0, .check = validate__aws_key_id },
	{ .info = { "aws-secret-access-key", "aws-secret-key", "AWS secret access key", LW_SEV_CRITICAL },
	  .re = { "(?:aws[_ ]?secret[_ ]?access[_ ]?key|aws[_ ]?secret[_ ]?key|secret[_ ]?access[_ ]?key)" SEP "[A-Za-z0-9/+]{40}" },
	  .caseless = true, .ex = LW_EX_VALUE, .alphabet = B64, .min_len = 40, .max_len = 40,
	  .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "aws-session-token", "aws-session-token", "AWS STS session token", LW_SEV_HIGH },
	  .re = { "(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+]{100}" }, .alphabet = B64, .pad = true,
	  .min_len = 120, .max_len = 4096, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },

	/* Google */
	{ .info = { "gcp-api-key", "gcp-api-key", "Google Cloud API key", LW_SEV_HIGH },
	  .re = { "AIza[0-9A-Za-z_-]{35}" }, .alphabet = B64URL, .min_len = 39, .max_len = 39,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "gcp-service-account-key", "gcp-service-account", "Google Cloud service account key (JSON)", LW_SEV_CRITICAL },
	  .re = { "\\\\?\"type\\\\?\"[ \\t]{0,4}:[ \\t]{0,4}\\\\?\"service_account\\\\?\"" }, .ex = LW_EX_GCP_SA,
	  .prio = LW_PRIO_CONTAINER },
	{ .info = { "google-oauth-access-token", "google-oauth", "Google OAuth access token", LW_SEV_MEDIUM },
	  .re = { "ya29\\.[0-9A-Za-z_-]{20}" }, .alphabet = B64URL, .min_len = 30, .max_len = 2048,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "google-oauth-client-secret", "google-oauth", "Google OAuth client secret", LW_SEV_HIGH },
	  .re = { "GOCSPX-[0-9A-Za-z_-]{28}" }, .alphabet = B64URL, .min_len = 35, .max_len = 35,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },

	/* Azure */
	{ .info = { "azure-storage-account-key", "azure-storage", "Azure storage account key (connection string)", LW_SEV_CRITICAL },
	  .re = { "AccountKey=[A-Za-z0-9+/]{86}==" }, .caseless = true, .ex = LW_EX_VALUE, .alphabet = B64,
	  .pad = true, .min_len = 88, .max_len = 88, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "azure-shared-access-key", "azure-sas", "Azure Service Bus / Event Hubs / IoT shared access key", LW_SEV_HIGH },
	  .re = { "SharedAccessKey=[A-Za-z0-9+/]{42,43}=" }, .ex = LW_EX_VALUE, .alphabet = B64, .pad = true,
	  .min_len = 44, .max_len = 44, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "azure-ad-client-secret", "azure-ad", "Azure AD / Entra ID client secret", LW_SEV_HIGH },
	  .re = { "[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}" }, .alphabet = B62 "_~.-", .min_len = 37,
	  .max_len = 40, .left = LW_LB_ALPHABET, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "azure-ad-client-secret-context", "azure-ad", "Azure AD client secret next to its variable name", LW_SEV_HIGH },
	  .re = { "(?:azure|aad|entra|msal|arm)[a-z_ .-]{0,20}client[_ -]?secret" SEP_OR_BLANK "[A-Za-z0-9_~.-]{30}" },
	  .caseless = true, .ex = LW_EX_RUN, .alphabet = B62 "_~.-", .min_len = 30, .max_len = 48,
	  .prio = LW_PRIO_SHAPE, .min_entropy = 3.5, .min_classes = 3 },

	/* private keys: the finding starts at the BEGIN line */
	{ .info = { "private-key-rsa", "private-key", "RSA private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN RSA PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	{ .info = { "private-key-ec", "private-key", "EC private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN EC PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	{ .info = { "private-key-dsa", "private-key", "DSA private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN DSA PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	{ .info = { "private-key-openssh", "private-key", "OpenSSH private key", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN OPENSSH PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	{ .info = { "private-key-pkcs8", "private-key", "PKCS#8 private key (PEM)", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	{ .info = { "private-key-putty", "private-key", "PuTTY private key file", LW_SEV_CRITICAL },
	  .re = { "PuTTY-User-Key-File-[23]: [a-z0-9-]{3,40}" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	{ .info = { "private-key-pgp", "private-key", "PGP private key block", LW_SEV_CRITICAL },
	  .re = { "-----BEGIN PGP PRIVATE KEY BLOCK-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE, .alt = "private-key-encrypted" },
	/* Also reported for RSA/EC/DSA with "Proc-Type: 4,ENCRYPTED" and ciphered OpenSSH keys. */
	{ .info = { "private-key-encrypted", "private-key", "Encrypted private key (PEM)", LW_SEV_HIGH },
	  .re = { "-----BEGIN ENCRYPTED PRIVATE KEY-----" }, .ex = LW_EX_PEM, .prio = LW_PRIO_SHAPE },

	/* tokens by shape */
	{ .info = { "jwt", "jwt", "JSON Web Token", LW_SEV_MEDIUM },
	  .re = { "eyJ[A-Za-z0-9_-]{10,}\\.ey[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{16}" }, .alphabet = B64URL,
	  .min_len = 50, .max_len = 8192, .left = LW_LB_ALNUM, .prio = LW_PRIO_SHAPE, .check = validate__jwt },

	/* AI providers */
	{ .info = { "openai-api-key", "openai", "OpenAI API key", LW_SEV_HIGH },
	  .re = { "sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20}", "sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}" },
	  .alphabet = B64URL, .min_len = 40, .max_len = 400, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 3.5, .check = openai },
	{ .info = { "anthropic-api-key", "anthropic", "Anthropic API or admin key", LW_SEV_HIGH },
	  .re = { "sk-ant-(?:api|admin|oat|ort|sid)[0-9]{2}-[A-Za-z0-9_-]{80}" }, .alphabet = B64URL,
	  .min_len = 90, .max_len = 200, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "deepseek-api-key", "deepseek", "DeepSeek API key", LW_SEV_HIGH },
	  .re = { "sk-[0-9a-f]{32}" }, .alphabet = B62, .min_len = 35, .max_len = 35,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "deepseek" },
	{ .info = { "huggingface-token", "huggingface", "Hugging Face access token", LW_SEV_HIGH },
	  .re = { "hf_[A-Za-z0-9]{30}" }, .alphabet = B62, .min_len = 33, .max_len = 43,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .min_classes = 2 },
	{ .info = { "groq-api-key", "groq", "Groq API key", LW_SEV_HIGH },
	  .re = { "gsk_[A-Za-z0-9]{52}" }, .alphabet = B62, .min_len = 56, .max_len = 56,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = ai_token },
	{ .info = { "xai-api-key", "xai", "xAI (Grok) API key", LW_SEV_HIGH },
	  .re = { "xai-[A-Za-z0-9]{80}" }, .alphabet = B62, .min_len = 84, .max_len = 84,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = ai_token },
	{ .info = { "openrouter-api-key", "openrouter", "OpenRouter API key", LW_SEV_HIGH },
	  .re = { "sk-or-v1-[0-9a-f]{64}" }, .alphabet = B62, .min_len = 73, .max_len = 73,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "perplexity-api-key", "perplexity", "Perplexity API key", LW_SEV_HIGH },
	  .re = { "pplx-[A-Za-z0-9]{40}" }, .alphabet = B62, .min_len = 45, .max_len = 69,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "replicate-api-token", "replicate", "Replicate API token", LW_SEV_HIGH },
	  .re = { "r8_[A-Za-z0-9]{37}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "langsmith-api-key", "langsmith", "LangSmith API key", LW_SEV_MEDIUM },
	  .re = { "lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}" }, .alphabet = B62 "_", .min_len = 51,
	  .max_len = 51, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "pinecone-api-key", "pinecone", "Pinecone API key", LW_SEV_HIGH },
	  .re = { "pcsk_[A-Za-z0-9]{5,7}_[A-Za-z0-9]{40}" }, .alphabet = B62 "_", .min_len = 50, .max_len = 120,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },

	/* package registries */
	{ .info = { "npm-token", "npm", "npm access token", LW_SEV_HIGH },
	  .re = { "npm_[A-Za-z0-9]{36}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4 },
	{ .info = { "pypi-token", "pypi", "PyPI API token", LW_SEV_HIGH },
	  .re = { "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50}", "pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50}" },
	  .alphabet = B64URL, .min_len = 70, .max_len = 512, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 4.0 },
	{ .info = { "docker-hub-pat", "docker-hub", "Docker Hub personal access token", LW_SEV_HIGH },
	  .re = { "dckr_pat_[A-Za-z0-9_-]{27}" }, .alphabet = B64URL, .min_len = 36, .max_len = 36,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },

	/* platforms */
	{ .info = { "databricks-token", "databricks", "Databricks personal access token", LW_SEV_HIGH },
	  .re = { "dapi[0-9a-f]{32}(?:-[0-9]{1,2})?" }, .alphabet = B62, .min_len = 36, .max_len = 39,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "digitalocean-token", "digitalocean", "DigitalOcean personal, OAuth or refresh token", LW_SEV_HIGH },
	  .re = { "do[opr]_v1_[0-9a-f]{64}" }, .alphabet = B62, .min_len = 71, .max_len = 71,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "shopify-token", "shopify", "Shopify access token or shared secret", LW_SEV_HIGH },
	  .re = { "shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}" }, .alphabet = B62, .min_len = 38, .max_len = 38,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "vault-token", "vault", "HashiCorp Vault service, batch or recovery token", LW_SEV_HIGH },
	  .re = { "hv[sbr]\\.[A-Za-z0-9_-]{24}" }, .alphabet = B64URL, .min_len = 28, .max_len = 512,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "vault-token-legacy", "vault", "HashiCorp Vault legacy token next to Vault context", LW_SEV_HIGH },
	  .re = { "(?:vault[a-z_ .-]{0,20}token|x-vault-token)" SEP_OR_BLANK "s\\.[A-Za-z0-9]{24}" }, .caseless = true,
	  .ex = LW_EX_RUN, .alphabet = B62 ".", .min_len = 26, .max_len = 26, .prio = LW_PRIO_SHAPE,
	  .min_entropy = 3.5 },
	{ .info = { "grafana-cloud-token", "grafana", "Grafana Cloud access policy token", LW_SEV_HIGH },
	  .re = { "glc_[A-Za-z0-9+/]{32}" }, .alphabet = B64, .pad = true, .min_len = 36, .max_len = 1024,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "grafana-service-account-token", "grafana", "Grafana service account token", LW_SEV_HIGH },
	  .re = { "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}" }, .alphabet = B62 "_", .min_len = 46, .max_len = 46,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "grafana-api-key", "grafana", "Grafana API key (legacy)", LW_SEV_MEDIUM },
	  .re = { "eyJrIjoi[A-Za-z0-9+/]{42}" }, .alphabet = B64, .pad = true, .min_len = 50, .max_len = 400,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "atlassian-api-token", "atlassian", "Atlassian API token", LW_SEV_HIGH },
	  .re = { "ATATT3[A-Za-z0-9_=-]{60}" }, .alphabet = B64URL "=", .min_len = 90, .max_len = 400,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "1password-service-account-token", "1password", "1Password service account token", LW_SEV_HIGH },
	  .re = { "ops_eyJ[A-Za-z0-9+/_=-]{50}" }, .alphabet = B64 "_=-", .min_len = 60, .max_len = 4096,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "1password-secret-key", "1password", "1Password account secret key", LW_SEV_CRITICAL },
	  .re = { "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}" },
	  .alphabet = "A-Z0-9-", .min_len = 39, .max_len = 40, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 3.5 },
	{ .info = { "age-secret-key", "age", "age encryption secret key", LW_SEV_CRITICAL },
	  .re = { "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}" }, .alphabet = "A-Z0-9-",
	  .min_len = 74, .max_len = 74, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "dropbox-token", "dropbox", "Dropbox short-lived access token", LW_SEV_MEDIUM },
	  .re = { "sl\\.[A-Za-z0-9_-]{130}" }, .alphabet = B64URL, .min_len = 133, .max_len = 1400,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.5 },
	{ .info = { "sentry-token", "sentry", "Sentry auth token", LW_SEV_MEDIUM },
	  .re = { "sntry[su]_[A-Za-z0-9+/=_-]{40}" }, .alphabet = B64 "_=-", .min_len = 46, .max_len = 512,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "postman-api-key", "postman", "Postman API key", LW_SEV_MEDIUM },
	  .re = { "PMAK-[0-9a-f]{24}-[0-9a-f]{34}" }, .alphabet = B62 "-", .min_len = 64, .max_len = 64,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "new-relic-user-key", "new-relic", "New Relic user API key", LW_SEV_MEDIUM },
	  .re = { "NRAK-[A-Z0-9]{27}" }, .alphabet = "A-Z0-9-", .min_len = 32, .max_len = 32,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "pulumi-access-token", "pulumi", "Pulumi access token", LW_SEV_HIGH },
	  .re = { "pul-[0-9a-f]{40}" }, .alphabet = B62, .min_len = 44, .max_len = 44,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "doppler-token", "doppler", "Doppler token", LW_SEV_HIGH },
	  .re = { "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40}" }, .alphabet = B62 ".", .min_len = 46,
	  .max_len = 60, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "linear-api-key", "linear", "Linear API key", LW_SEV_MEDIUM },
	  .re = { "lin_api_[A-Za-z0-9]{40}" }, .alphabet = B62, .min_len = 48, .max_len = 48,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5 },
	{ .info = { "supabase-token", "supabase", "Supabase management token", LW_SEV_HIGH },
	  .re = { "sbp_[0-9a-f]{40}" }, .alphabet = B62, .min_len = 44, .max_len = 44,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0 },
	{ .info = { "terraform-cloud-token", "terraform-cloud", "Terraform Cloud / Enterprise API token", LW_SEV_HIGH },
	  .re = { "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60}" }, .alphabet = B64URL "=", .min_len = 80,
	  .max_len = 120, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "heroku-api-key", "heroku", "Heroku platform API key", LW_SEV_HIGH },
	  .re = { "HRKU-AA[0-9a-zA-Z_-]{58}" }, .alphabet = B64URL, .min_len = 65, .max_len = 65,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },
	{ .info = { "mapbox-secret-token", "mapbox", "Mapbox secret access token", LW_SEV_MEDIUM },
	  .re = { "sk\\.eyJ[A-Za-z0-9_-]{20,}\\.[A-Za-z0-9_-]{20}" }, .alphabet = B64URL ".", .min_len = 60,
	  .max_len = 300, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0 },

	/* credentials inside URIs and headers */
	/* One pattern for every scheme: the scheme decides the rule (extract.c),
	 * which keeps URL-heavy logs (access logs, referrers) cheap to scan. */
	{ .info = { "database-uri-password", "db-uri", "Password in a database or broker URI", LW_SEV_HIGH },
	  .re = { "://[^\\s:@/]*:[^\\s/]+@" }, .ex = LW_EX_URI, .min_len = 3, .max_len = 128, .prio = LW_PRIO_URI,
	  .alt = "url-credentials", .no_som = true, .back = 512 },
	{ .info = { "url-credentials", "url-credentials", "Password in a URL's userinfo", LW_SEV_MEDIUM },
	  .re = { NULL }, .ex = LW_EX_URI, .min_len = 6, .max_len = 128, .prio = LW_PRIO_URI, .min_entropy = 2.5 },
	{ .info = { "http-bearer-token", "bearer", "Bearer token in an Authorization header", LW_SEV_HIGH },
	  .re = { AUTHZ "bearer[ \\t]{1,4}[A-Za-z0-9._~+/-]{8}" }, .caseless = true, .ex = LW_EX_RUN,
	  .alphabet = B64 "._~=-", .min_len = 12, .max_len = 8192, .prio = LW_PRIO_HEADER, .min_entropy = 3.0,
	  .min_classes = 2 },
	{ .info = { "http-basic-auth", "basic-auth", "Basic credentials in an Authorization header", LW_SEV_HIGH },
	  .re = { AUTHZ "basic[ \\t]{1,4}[A-Za-z0-9+/]{4}" }, .caseless = true, .ex = LW_EX_RUN, .alphabet = B64,
	  .pad = true, .min_len = 8, .max_len = 1024, .prio = LW_PRIO_URI, .check = validate__basic_auth },

	/* generic assignments: the last resort, behind an entropy floor. The
	 * pattern is the key's last word; "= value" after it (and "--password
	 * value") is parsed in extract.c, with a quick look in the match
	 * callback so that the words alone cost nothing. */
	{ .info = { "generic-password", "password-assign", "Password assigned in text, config or JSON", LW_SEV_MEDIUM },
	  .re = { "pass(?:word|wd|phrase)?|pwd" }, .caseless = true, .ex = LW_EX_ASSIGN, .alphabet = VALUE_CHARS,
	  .quoted = true, .min_len = 8, .max_len = 128, .prio = LW_PRIO_GENERIC, .min_entropy = 2.9,
	  .check = generic_value },
	{ .info = { "generic-secret", "secret-assign", "Secret, token or API key assigned in text, config or JSON", LW_SEV_LOW },
	  .re = { "secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|"
		  "(?:secret|signing|encryption|master|app)[_-]?key" },
	  .caseless = true, .ex = LW_EX_ASSIGN, .alphabet = VALUE_CHARS, .quoted = true, .min_len = 12,
	  .max_len = 256, .prio = LW_PRIO_GENERIC, .min_entropy = 3.2, .check = generic_value },
};
/* clang-format on */

size_t rules__count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct lw_rule *rules__get(size_t i)
{
	return i < rules__count() ? &table[i] : NULL;
}

unsigned rules__hs_flags(const struct lw_rule *r)
{
	return (r->no_som ? 0 : HS_FLAG_SOM_LEFTMOST) | (r->caseless ? HS_FLAG_CASELESS : 0);
}

unsigned rules__user_hs_flags(void)
{
	/* ^ and $ at line ends: a stream has no end to anchor to */
	return HS_FLAG_SOM_LEFTMOST | HS_FLAG_MULTILINE;
}

int rules__check_regex(const char *regex, char *err, size_t errlen)
{
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	if (hs_compile(regex, rules__user_hs_flags(), HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, NULL, &db,
		       &cerr) != HS_SUCCESS) {
		snprintf(err, errlen, "%s", cerr && cerr->message ? cerr->message : "does not compile");
		hs_free_compile_error(cerr);
		return -EINVAL;
	}
	hs_free_database(db);
	return 0;
}
