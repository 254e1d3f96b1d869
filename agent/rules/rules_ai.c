// SPDX-License-Identifier: Apache-2.0
/* Built-in rules, part two: AI providers, payments and messaging. */
#include <string.h>

#include "rules/rules_table.h"
#include "rules/validate.h"

static bool openai(const char *s, size_t n)
{
	/* every key format since 2023 carries the "OpenAI" marker */
	return memmem(s, n, "T3BlbkFJ", 8) || (n >= 80 && (validate__classes(s, n) & 7) == 7);
}

/* sk-ant-api03-: 93 random characters then "AA" */
static bool anthropic(const char *s, size_t n)
{
	const char *dash = memchr(s + 7, '-', n - 7);

	return dash && s + n - dash - 1 == 95 && s[n - 2] == 'A' && s[n - 1] == 'A';
}

/* hf_ and api_org_: 34 letters of both cases, never digits or underscores */
static bool huggingface(const char *s, size_t n)
{
	const char *body = s[0] == 'h' ? s + 3 : s + 8;
	size_t len = (size_t)(s + n - body);

	return len == 34 && validate__classes(body, len) == 3;
}

/* gsk_, xai-: the part after the prefix mixes lower, upper and digits, or two of them richly (not hex) */
static bool ai_token(const char *s, size_t n)
{
	int mix = __builtin_popcount(validate__classes(s + 4, n - 4) & 7);

	return mix == 3 || (mix == 2 && validate__entropy(s + 4, n - 4) >= 4.5);
}

static bool openrouter(const char *s, size_t n)
{
	return validate__hex(s + 9, n - 9);
}

static bool mailgun_key(const char *s, size_t n)
{
	/* key-<32 of [0-9a-z]>; pure hex is an md5 behind a "key-" cache prefix */
	for (size_t i = 4; i < n; i++)
		if (s[i] >= 'g' && s[i] <= 'z')
			return true;
	return false;
}

static bool square(const char *s, size_t n)
{
	/* EAAA tokens are 64 characters; sq0atp- 29 and up */
	return s[0] != 'E' || n == 64;
}

/* clang-format off */
static const struct lw_rule table[] = {
	/* AI providers */
	{ .info = { "openai-api-key", "openai", "OpenAI API key", LW_SEV_HIGH },
	  .re = { "sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20}", "sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}" },
	  .alphabet = B64URL, .min_len = 40, .max_len = 400, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN,
	  .min_entropy = 3.5, .check = openai, .checks = "the T3BlbkFJ marker, or 80+ mixed characters",
	  .shape = "sk-proj-********" },
	{ .info = { "anthropic-api-key", "anthropic", "Anthropic API or admin key", LW_SEV_HIGH },
	  .re = { "sk-ant-(?:api|admin|oat|ort|sid)[0-9]{2}-[A-Za-z0-9_-]{40}" }, .alphabet = B64URL,
	  .min_len = 105, .max_len = 120, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0,
	  .check = anthropic, .checks = "93 random characters, then AA", .shape = "sk-ant-api03-********AA" },
	{ .info = { "deepseek-api-key", "deepseek", "DeepSeek API key", LW_SEV_HIGH },
	  .re = { "sk-[0-9a-f]{32}" }, .alphabet = B62, .min_len = 35, .max_len = 35,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "deepseek",
	  .shape = "sk-********" },
	{ .info = { "huggingface-token", "huggingface", "Hugging Face access token", LW_SEV_HIGH },
	  .re = { "hf_[A-Za-z]{20}" }, .alphabet = B62, .min_len = 37, .max_len = 37,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = huggingface,
	  .checks = "34 letters of both cases", .shape = "hf_********" },
	{ .info = { "huggingface-org-token", "huggingface", "Hugging Face organization API token", LW_SEV_HIGH },
	  .re = { "api_org_[A-Za-z]{20}" }, .alphabet = B62, .min_len = 42, .max_len = 42,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = huggingface,
	  .checks = "34 letters of both cases", .shape = "api_org_********" },
	{ .info = { "groq-api-key", "groq", "Groq API key", LW_SEV_HIGH },
	  .re = { "gsk_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 56, .max_len = 56,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = ai_token,
	  .checks = "lower, upper and digits after the prefix (or two, not hex)", .shape = "gsk_********" },
	{ .info = { "xai-api-key", "xai", "xAI (Grok) API key", LW_SEV_HIGH },
	  .re = { "xai-[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 84, .max_len = 84,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = ai_token,
	  .checks = "lower, upper and digits after the prefix (or two, not hex)", .shape = "xai-********" },
	{ .info = { "openrouter-api-key", "openrouter", "OpenRouter API key", LW_SEV_HIGH },
	  .re = { "sk-or-v1-[0-9a-f]{32}" }, .alphabet = B62, .min_len = 73, .max_len = 73,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .check = openrouter,
	  .checks = "64 hex digits", .shape = "sk-or-v1-********" },
	{ .info = { "perplexity-api-key", "perplexity", "Perplexity API key", LW_SEV_HIGH },
	  .re = { "pplx-[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 53, .max_len = 53,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "pplx-********" },
	{ .info = { "replicate-api-token", "replicate", "Replicate API token", LW_SEV_HIGH },
	  .re = { "r8_[A-Za-z0-9]{8}" }, .alphabet = B62, .min_len = 40, .max_len = 40,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "r8_********" },
	{ .info = { "langsmith-api-key", "langsmith", "LangSmith API key", LW_SEV_MEDIUM },
	  .re = { "lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}" }, .alphabet = B62 "_", .min_len = 51,
	  .max_len = 51, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "lsv2_pt_********" },
	{ .info = { "pinecone-api-key", "pinecone", "Pinecone API key", LW_SEV_HIGH },
	  .re = { "pcsk_[A-Za-z0-9]{5,7}_[A-Za-z0-9]{40}" }, .alphabet = B62 "_", .min_len = 50, .max_len = 120,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "pcsk_12345_********" },

	/* payments */
	{ .info = { "stripe-secret-key", "stripe-secret", "Stripe live secret key", LW_SEV_CRITICAL },
	  .re = { "sk_live_[A-Za-z0-9]{20}" }, .alphabet = B62, .min_len = 28, .max_len = 255,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "sk_live_********" },
	{ .info = { "stripe-restricted-key", "stripe-secret", "Stripe live restricted key", LW_SEV_HIGH },
	  .re = { "rk_live_[A-Za-z0-9]{20}" }, .alphabet = B62, .min_len = 28, .max_len = 255,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "rk_live_********" },
	{ .info = { "stripe-test-key", "stripe-test", "Stripe test-mode secret or restricted key", LW_SEV_LOW },
	  .re = { "[rs]k_test_[A-Za-z0-9]{20}" }, .alphabet = B62, .min_len = 28, .max_len = 255,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .shape = "sk_test_********" },
	{ .info = { "stripe-webhook-secret", "stripe-secret", "Stripe webhook signing secret", LW_SEV_MEDIUM },
	  .re = { "whsec_[A-Za-z0-9+/]{32}" }, .alphabet = B64, .pad = true, .min_len = 38, .max_len = 100,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "whsec_********" },
	{ .info = { "square-token", "square", "Square access token or OAuth secret", LW_SEV_HIGH },
	  .re = { "sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}", "EAAA[A-Za-z0-9_-]{60}" }, .alphabet = B64URL, .min_len = 29,
	  .max_len = 64, .left = LW_LB_BASE64, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = square,
	  .checks = "EAAA tokens are 64 characters", .shape = "sq0csp-********" },
	{ .info = { "braintree-access-token", "braintree", "Braintree / PayPal access token", LW_SEV_HIGH },
	  .re = { "access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}" }, .alphabet = "0-9a-z$_", .min_len = 73,
	  .max_len = 73, .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0,
	  .shape = "access_token$production$********" },

	/* messaging and social */
	{ .info = { "sendgrid-api-key", "sendgrid", "SendGrid API key", LW_SEV_HIGH },
	  .re = { "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}" }, .alphabet = B64URL, .min_len = 69, .max_len = 69,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .shape = "SG.********" },
	{ .info = { "twilio-api-key", "twilio", "Twilio API key SID", LW_SEV_HIGH },
	  .re = { "SK[0-9a-fA-F]{32}" }, .alphabet = B62, .min_len = 34, .max_len = 34,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "twilio", .shape = "SK********" },
	{ .info = { "twilio-account-sid", "twilio", "Twilio account SID next to Twilio context", LW_SEV_MEDIUM },
	  .re = { "AC[0-9a-fA-F]{32}" }, .alphabet = B62, .min_len = 34, .max_len = 34,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "twilio", .shape = "AC********" },
	{ .info = { "twilio-auth-token", "twilio", "Twilio auth token", LW_SEV_HIGH },
	  .re = { "twilio[a-z_ .-]{0,20}(?:auth[_ -]?token|secret|api[_ -]?secret)" SEP_OR_BLANK "[0-9a-f]{32}" },
	  .caseless = true, .ex = LW_EX_RUN, .alphabet = B62, .min_len = 32, .max_len = 32, .prio = LW_PRIO_SHAPE,
	  .min_entropy = 3.0, .shape = "TWILIO_AUTH_TOKEN=********" },
	{ .info = { "mailgun-api-key", "mailgun", "Mailgun private API key", LW_SEV_HIGH },
	  .re = { "key-[0-9a-z]{32}" }, .alphabet = B62, .min_len = 36, .max_len = 36,
	  .left = LW_LB_ALNUM, .prio = LW_PRIO_TOKEN, .min_entropy = 3.5, .check = mailgun_key, .loose = true,
	  .checks = "letters past f: not an md5", .shape = "key-********" },
	{ .info = { "mailgun-api-key-context", "mailgun", "Mailgun API key next to Mailgun context", LW_SEV_HIGH },
	  .re = { "mailgun[a-z_ .-]{0,20}(?:api[_ -]?|private[_ -]?|signing[_ -]?)?(?:key|secret|token)"
		  SEP_OR_BLANK "(?:key-)?[0-9a-f]{32}", "api:key-[0-9a-f]{32}" },
	  .caseless = true, .ex = LW_EX_RUN, .alphabet = "0-9a-z-", .min_len = 32, .max_len = 50,
	  .prio = LW_PRIO_SHAPE, .min_entropy = 3.0, .shape = "MAILGUN_API_KEY=********" },
	{ .info = { "mailgun-api-key-hex", "mailgun", "Mailgun API key (hex) on a line that names Mailgun", LW_SEV_HIGH },
	  .re = { "key-[0-9a-f]{32}" }, .alphabet = B62, .min_len = 36, .max_len = 36, .left = LW_LB_ALNUM,
	  .prio = LW_PRIO_TOKEN, .min_entropy = 3.0, .keywords = "mailgun", .shape = "mailgun: key-********" },
	{ .info = { "facebook-access-token", "facebook", "Facebook / Meta Graph API access token", LW_SEV_HIGH },
	  .re = { "EAA[A-Za-z0-9]{100}" }, .alphabet = B62, .min_len = 103, .max_len = 512,
	  .left = LW_LB_BASE64, .prio = LW_PRIO_TOKEN, .min_entropy = 4.0, .min_classes = 3, .shape = "EAAG********" },
};
/* clang-format on */

RULE_TABLE(rules_ai, table);
