// SPDX-License-Identifier: Apache-2.0
/* Built-in rules, part one: code hosts, chat, package registries and developer tools. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "rules/rules_table.h"
#include "rules/validate.h"

static bool crc4(const char *s, size_t n)
{
	return validate__crc_token(s, n, 4);
}

/* ghs_<app id>_<JWT>: the stateless installation token format of 2026 */
static bool github_app_jwt(const char *s, size_t n)
{
	size_t i = 4;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 4 && i < n && s[i] == '_' && validate__jwt(s + i + 1, n - i - 1);
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

/* ATATT3.../ATCTT3...: 184 characters then their CRC32 in 8 upper-case hex digits */
static bool atlassian(const char *s, size_t n)
{
	char want[9];

	if (n != 192)
		return false;
	snprintf(want, sizeof(want), "%08X", (unsigned)crc32(0L, (const Bytef *)s, 184));
	return !memcmp(want, s + 184, 8);
}

/* AKCp + 69 characters that mix lower, upper and digits */
static bool artifactory_key(const char *s, size_t n)
{
	return validate__class_count(s + 4, n - 4) == 3;
}

/* sgp_<40 hex>, sgp_local_<40 hex>, sgp_<16 hex>_<40 hex> */
static bool sourcegraph(const char *s, size_t n)
{
	return n == 44 || (n == 50 && !memcmp(s + 4, "local_", 6)) || (n == 61 && s[20] == '_');
}

/* glsa_ + 32 characters + _ + 8 hex digits */
static bool grafana_sa(const char *s, size_t n)
{
	return n == 46 && s[37] == '_' && validate__hex(s + 38, 8);
}

static bool pulumi(const char *s, size_t n)
{
	return validate__hex(s + 4, n - 4);
}

/* cmVmdGtu is "reftkn" in base64: a reference token decodes to reftkn:01:... */
static bool artifactory_ref(const char *s, size_t n)
{
	return validate__b64_starts(s, n, "reftkn:");
}

/* AGE-SECRET-KEY-1 + bech32 data and checksum, upper case */
static bool age_key(const char *s, size_t n)
{
	return validate__bech32(s, n);
}

/* clang-format off */
static const struct lw_rule table[] = {
	/* code hosts */
	{ .info = { "github-pat", "github-classic", "GitHub personal access token (classic)", LW_SEV_HIGH },
	  .re = { "ghp_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4,
	  .checks = "CRC32 of the random part (base62)", .shape = "ghp_********" },
	{ .info = { "github-oauth-token", "github-classic", "GitHub OAuth access token", LW_SEV_HIGH },
	  .re = { "gho_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4,
	  .checks = "CRC32 of the random part (base62)", .shape = "gho_********" },
	{ .info = { "github-user-to-server-token", "github-classic", "GitHub App user-to-server token", LW_SEV_HIGH },
	  .re = { "ghu_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4,
	  .checks = "CRC32 of the random part (base62)", .shape = "ghu_********" },
	{ .info = { "github-server-to-server-token", "github-classic", "GitHub App installation token", LW_SEV_HIGH },
	  .re = { "ghs_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4,
	  .checks = "CRC32 of the random part (base62)", .shape = "ghs_********" },
	{ .info = { "github-installation-token", "github-classic", "GitHub App installation token (stateless, ghs_APPID_JWT)", LW_SEV_HIGH },
	  .re = { "ghs_[0-9]{1,12}_eyJ[A-Za-z0-9_-]{16}" }, .alphabet = B64URL ".", .min_len = 100, .max_len = 2048,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = github_app_jwt,
	  .checks = "numeric app id, then a JWT whose header decodes", .shape = "ghs_123456_eyJ********" },
	{ .info = { "github-refresh-token", "github-classic", "GitHub App refresh token", LW_SEV_HIGH },
	  .re = { "ghr_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4,
	  .checks = "CRC32 of the random part (base62)", .shape = "ghr_********" },
	{ .info = { "github-fine-grained-pat", "github-fine-grained", "GitHub fine-grained personal access token", LW_SEV_HIGH },
	  .re = { "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}" }, .alphabet = B62 "_", .min_len = 93, .max_len = 93,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .shape = "github_pat_********" },
	{ .info = { "gitlab-pat", "gitlab-pat", "GitLab personal access token", LW_SEV_HIGH },
	  .re = { "glpat-[A-Za-z0-9_-]{20}" }, .alphabet = B64URL ".", .min_len = 26, .max_len = 100,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "glpat-********" },
	{ .info = { "gitlab-token", "gitlab", "GitLab deploy, runner, CI, trigger, feed, agent or OAuth token", LW_SEV_HIGH },
	  .re = { "gl(?:dt|rt|cbt|ptt|ft|imt|agent|soat|ffct|oas)-[A-Za-z0-9_-]{20}", "GR1348941[A-Za-z0-9_-]{20}" },
	  .alphabet = B64URL ".", .min_len = 25, .max_len = 120,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "glrt-********" },
	{ .info = { "sourcegraph-token", "sourcegraph", "Sourcegraph access token", LW_SEV_HIGH },
	  .re = { "sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}" }, .alphabet = B62 "_", .min_len = 44, .max_len = 66,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .check = sourcegraph,
	  .checks = "40 hex, after local_ or 16 hex and _", .shape = "sgp_********" },
	{ .info = { "atlassian-api-token", "atlassian", "Atlassian API token or Bitbucket access token", LW_SEV_HIGH },
	  .re = { "AT[AC]TT3xFfG[A-Z]0[A-Za-z0-9_=-]{60}" }, .alphabet = B64URL "=", .min_len = 192, .max_len = 192,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = atlassian,
	  .checks = "CRC32 of the first 184 characters (8 hex digits)", .shape = "ATATT3xFfGF0********=1A2B3C4D" },

	/* chat */
	{ .info = { "slack-bot-token", "slack-bot", "Slack bot token", LW_SEV_HIGH },
	  .re = { "xoxb-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{20,40}", "xoxb-[0-9]{8,14}-[A-Za-z0-9]{24,34}" },
	  .alphabet = B62 "-", .min_len = 33, .max_len = 80,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "xoxb-1234567890-1234567890-********" },
	{ .info = { "slack-user-token", "slack-user", "Slack user or workspace token", LW_SEV_HIGH },
	  .re = { "xox[ps]-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{28,64}" }, .alphabet = B62 "-",
	  .min_len = 60, .max_len = 120, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0,
	  .shape = "xoxp-1234567890-1234567890-1234567890-********" },
	{ .info = { "slack-app-token", "slack-app", "Slack app-level token", LW_SEV_HIGH },
	  .re = { "xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{32,80}" }, .alphabet = B62 "-",
	  .min_len = 50, .max_len = 140, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0,
	  .shape = "xapp-1-A0123456789-1234567890-********" },
	{ .info = { "slack-token", "slack", "Slack legacy, refresh or configuration token", LW_SEV_HIGH },
	  .re = { "xox[aores]-[0-9A-Za-z-]{20}", "xoxe\\.xox[bp]-1-[A-Za-z0-9-]{40}" }, .alphabet = B62 "-",
	  .min_len = 25, .max_len = 300, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0,
	  .check = slack_token, .checks = "letters after the prefix, not only ids", .shape = "xoxe.xoxp-1-********" },
	{ .info = { "slack-webhook-url", "slack-webhook", "Slack incoming webhook URL", LW_SEV_HIGH },
	  .re = { "https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20}" },
	  .alphabet = B62 "_/-", .min_len = 50, .max_len = 200, .left = LW_LB_NONE, .prio = LW_PRIO_TOKEN,
	  .check = slack_webhook, .checks = "the last path segment is random (entropy >= 3)",
	  .shape = "https://hooks.slack.com/services/T0000/B0000/********" },
	{ .info = { "discord-webhook-url", "discord-webhook", "Discord webhook URL", LW_SEV_MEDIUM },
	  .re = { "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68}" },
	  .alphabet = B64URL, .min_len = 100, .max_len = 160, .prio = LW_PRIO_TOKEN,
	  .shape = "https://discord.com/api/webhooks/123456789012345678/********" },
	{ .info = { "telegram-bot-token", "telegram-bot", "Telegram bot token", LW_SEV_HIGH },
	  .re = { "[0-9]{8,10}:AA[A-Za-z0-9_-]{33}" }, .alphabet = B64URL, .min_len = 44, .max_len = 46,
	  .left = LW_LB_DIGIT, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .loose = true, .shape = "1234567890:AA********" },

	/* package registries and artifact stores */
	{ .info = { "npm-token", "npm", "npm access token", LW_SEV_HIGH },
	  .re = { "npm_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .check = crc4,
	  .checks = "CRC32 of the random part (base62)", .shape = "npm_********" },
	{ .info = { "pypi-token", "pypi", "PyPI API token", LW_SEV_HIGH },
	  .re = { "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50}", "pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{50}" },
	  .alphabet = B64URL, .min_len = 70, .max_len = 512, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 4.0, .shape = "pypi-AgEIcHlwaS5vcmc********" },
	{ .info = { "docker-hub-pat", "docker-hub", "Docker Hub personal access token", LW_SEV_HIGH },
	  .re = { "dckr_pat_[A-Za-z0-9_-]{8}" }, .alphabet = B64URL, .min_len = 36, .max_len = 36,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "dckr_pat_********" },
	{ .info = { "docker-hub-oat", "docker-hub", "Docker Hub organization access token", LW_SEV_HIGH },
	  .re = { "dckr_oat_[A-Za-z0-9_-]{8}" }, .alphabet = B64URL, .min_len = 41, .max_len = 41,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "dckr_oat_********" },
	{ .info = { "artifactory-api-key", "artifactory", "JFrog Artifactory API key", LW_SEV_HIGH },
	  .re = { "AKCp[A-Za-z0-9]{30}" }, .alphabet = B62, .min_len = 73, .max_len = 73,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .check = artifactory_key,
	  .checks = "lower, upper and digits", .shape = "AKCp********" },
	{ .info = { "artifactory-reference-token", "artifactory", "JFrog Artifactory reference token", LW_SEV_HIGH },
	  .re = { "cmVmdGtu[A-Za-z0-9+/]{30}" }, .alphabet = B64, .min_len = 64, .max_len = 64,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .check = artifactory_ref,
	  .checks = "decodes to reftkn:...", .shape = "cmVmdGtu********" },

	/* developer tools */
	{ .info = { "grafana-cloud-token", "grafana", "Grafana Cloud access policy token", LW_SEV_HIGH },
	  .re = { "glc_[A-Za-z0-9+/]{32}" }, .alphabet = B64, .pad = true, .min_len = 36, .max_len = 1024,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .shape = "glc_********" },
	{ .info = { "grafana-service-account-token", "grafana", "Grafana service account token", LW_SEV_HIGH },
	  .re = { "glsa_[A-Za-z0-9]{20}" }, .alphabet = B62 "_", .min_len = 46, .max_len = 46,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = grafana_sa,
	  .checks = "32 characters, _, 8 hex digits", .shape = "glsa_********_1a2b3c4d" },
	{ .info = { "grafana-api-key", "grafana", "Grafana API key (legacy)", LW_SEV_MEDIUM },
	  .re = { "eyJrIjoi[A-Za-z0-9+/]{42}" }, .alphabet = B64, .pad = true, .min_len = 50, .max_len = 400,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .shape = "eyJrIjoi********" },
	{ .info = { "1password-service-account-token", "1password", "1Password service account token", LW_SEV_HIGH },
	  .re = { "ops_eyJ[A-Za-z0-9+/_=-]{50}" }, .alphabet = B64 "_=-", .min_len = 60, .max_len = 4096,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .shape = "ops_eyJ********" },
	{ .info = { "1password-secret-key", "1password", "1Password account secret key", LW_SEV_CRITICAL },
	  .re = { "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}" },
	  .alphabet = "A-Z0-9-", .min_len = 39, .max_len = 40, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 3.5, .shape = "A3-ABC123-********" },
	{ .info = { "age-secret-key", "age", "age encryption secret key", LW_SEV_CRITICAL },
	  .re = { "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{30}" }, .alphabet = "A-Z0-9-",
	  .min_len = 74, .max_len = 74, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5,
	  .check = age_key, .checks = "bech32 alphabet and checksum", .shape = "AGE-SECRET-KEY-1********" },
	{ .info = { "dropbox-token", "dropbox", "Dropbox short-lived access token", LW_SEV_MEDIUM },
	  .re = { "sl\\.[A-Za-z0-9_-]{60}" }, .alphabet = B64URL, .min_len = 133, .max_len = 1400,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.5, .shape = "sl.********" },
	{ .info = { "sentry-token", "sentry", "Sentry organization or user auth token", LW_SEV_MEDIUM },
	  .re = { "sntry[su]_[A-Za-z0-9+/=_-]{40}" }, .alphabet = B64 "_=-", .min_len = 46, .max_len = 512,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "sntrys_********" },
	{ .info = { "postman-api-key", "postman", "Postman API key", LW_SEV_MEDIUM },
	  .re = { "PMAK-[0-9a-f]{24}-[0-9a-f]{34}" }, .alphabet = B62 "-", .min_len = 64, .max_len = 64,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "PMAK-********" },
	{ .info = { "new-relic-user-key", "new-relic", "New Relic user API key", LW_SEV_MEDIUM },
	  .re = { "NRAK-[A-Z0-9]{16}" }, .alphabet = "A-Z0-9-", .min_len = 32, .max_len = 32,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "NRAK-********" },
	{ .info = { "linear-api-key", "linear", "Linear API key", LW_SEV_MEDIUM },
	  .re = { "lin_api_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 48, .max_len = 48,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "lin_api_********" },
	{ .info = { "figma-token", "figma", "Figma personal access token", LW_SEV_MEDIUM },
	  .re = { "figd_[A-Za-z0-9_-]{8}" }, .alphabet = B64URL, .min_len = 41, .max_len = 53,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .min_classes = 3, .shape = "figd_********" },
	{ .info = { "notion-token", "notion", "Notion integration token", LW_SEV_HIGH },
	  .re = { "ntn_[0-9]{11}[A-Za-z0-9]{10}" }, .alphabet = B62, .min_len = 50, .max_len = 50,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "ntn_12345678901********" },
	{ .info = { "pulumi-access-token", "pulumi", "Pulumi access token", LW_SEV_HIGH },
	  .re = { "pul-[0-9a-f]{8}" }, .alphabet = B62, .min_len = 44, .max_len = 44,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .check = pulumi, .checks = "40 hex digits",
	  .shape = "pul-********" },
	{ .info = { "doppler-token", "doppler", "Doppler token", LW_SEV_HIGH },
	  .re = { "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{20}" }, .alphabet = B62 ".", .min_len = 46,
	  .max_len = 60, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "dp.st.********" },
	{ .info = { "terraform-cloud-token", "terraform-cloud", "Terraform Cloud / Enterprise API token", LW_SEV_HIGH },
	  .re = { "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60}" }, .alphabet = B64URL "=", .min_len = 80,
	  .max_len = 120, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0,
	  .shape = "xxxxxxxxxxxxxx.atlasv1.********" },
	{ .info = { "mapbox-secret-token", "mapbox", "Mapbox secret access token", LW_SEV_MEDIUM },
	  .re = { "sk\\.eyJ[A-Za-z0-9_-]{20,}\\.[A-Za-z0-9_-]{20}" }, .alphabet = B64URL ".", .min_len = 60,
	  .max_len = 300, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .shape = "sk.eyJ********" },
};
/* clang-format on */

RULE_TABLE(rules_dev, table);
