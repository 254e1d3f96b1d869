/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in rule table: what each credential looks like (vectorscan
 * expressions), where the secret lies inside a match, and what a real one
 * must pass (alphabet, length, checksum, entropy, nearby keywords). The
 * scanner compiles every expression here into one database.
 */
#ifndef LW_RULES_H
#define LW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakwatch/severity.h"

/* An operator's rule from the config (the top-level rules: list). */
struct lw_user_rule {
	char *id;
	char *regex;          /* the whole match is the secret */
	enum lw_severity severity;
	char **keywords;      /* optional: one must appear near the match */
	size_t n_keywords;
	double min_entropy;   /* bits per character; 0 for none */
};

struct lw_rule_info {
	const char *id;       /* "github-pat", "aws-access-key-id", ... */
	const char *family;   /* what labels and reports group by */
	const char *description;
	enum lw_severity severity;
};

/* Where the secret lies inside a match. */
enum lw_extract {
	LW_EX_WHOLE,  /* the match, extended over the rule's alphabet */
	LW_EX_RUN,    /* the trailing run of the alphabet: "Bearer <run>" */
	LW_EX_VALUE,  /* the value after the first ':' or '=' of "key = value" */
	LW_EX_URI,    /* the password of scheme://user:password@host */
	LW_EX_ASSIGN, /* the match is a keyword; "= value" after it is parsed here */
	LW_EX_PEM,    /* BEGIN line through END line (or the body in the buffer) */
	LW_EX_GCP_SA, /* "type": "service_account" through its "private_key" */
	LW_EX_TAIL,   /* the run of the alphabet right after the match: "-u user:<run>" */
	LW_EX_KUBE,   /* each value of a Kubernetes Secret's data: map (kubedata.h) */
};

/* What may not stand right before the secret. */
enum lw_left {
	LW_LB_NONE,
	LW_LB_ALNUM, /* a letter or digit: the prefix is inside a longer word */
	LW_LB_DIGIT,
	LW_LB_ALPHABET, /* any byte of the rule's own alphabet */
	LW_LB_BASE64,   /* a letter, digit, '+' or '/': the prefix is inside base64 text */
};

/* Overlapping findings: the highest priority wins, then the longest. */
enum lw_prio {
	LW_PRIO_GENERIC = 0, /* password = ... */
	LW_PRIO_HEADER = 1,  /* Authorization: Bearer */
	LW_PRIO_URI = 2,     /* credentials inside URIs, Basic */
	LW_PRIO_SHAPE = 3,   /* JWT, PEM, keyword-anchored values */
	LW_PRIO_TOKEN = 4,   /* provider prefixes */
	LW_PRIO_CONTAINER = 5,
};

#define LW_RULE_MAX_RE 4

struct lw_rule {
	struct lw_rule_info info;
	const char *re[LW_RULE_MAX_RE]; /* unused slots NULL */
	bool caseless;
	enum lw_extract ex;
	/* The secret's alphabet as ranges ("A-Za-z0-9_-"); a leading '^'
	 * negates. NULL: the match itself is the secret. */
	const char *alphabet;
	uint16_t min_len, max_len; /* of the secret; 0 for no bound */
	bool pad;                  /* base64 '=' padding may follow */
	bool quoted;               /* EX_VALUE: a quoted value runs to its quote */
	enum lw_left left;
	enum lw_prio prio;
	float min_entropy;         /* bits per byte over the secret; 0 for none */
	int min_classes;           /* of lower, upper, digit, other */
	/* "a|b|c": one must occur (any case) near the match; NULL for none */
	const char *keywords;
	/* Structural check on the secret, or NULL. */
	bool (*check)(const char *s, size_t n);
	/* Reported instead when the extractor says so: an encrypted key, a
	 * URI whose scheme is not a database's. */
	const char *alt;
	/* Matched without start of match (cheaper for vectorscan); the
	 * extractor may read this many bytes before the match end. */
	bool no_som;
	uint16_t back;
	/* Every keyword must occur near the match, not just one. */
	bool kw_all;
	/* The pattern alone does not say "this vendor's token" (key-..., a
	 * bot id then :AA): a wrong length vetoes nothing. */
	bool loose;
	/* "a|b": the alternate (alt) is reported when one of these occurs
	 * on the secret's line: a Google API key named a server key. */
	const char *alt_keywords;
	/* For the rules table (README, `leakwatch rules`): what check()
	 * verifies, and an example of the text with the secret masked. */
	const char *checks;
	const char *shape;
};

/* The built-in rules, in a fixed order (ties between equal findings go
 * to the earlier rule). Ids are stable: configurations name them. */
size_t rules__count(void);
const struct lw_rule *rules__get(size_t i);

/* Flags every expression is compiled with (HS_FLAG_*), for config checks. */
unsigned rules__hs_flags(const struct lw_rule *r);
unsigned rules__user_hs_flags(void);

/*
 * Compiles one operator regex the way the scanner will; on failure err
 * holds vectorscan's reason. Lets the config loader reject it at load time.
 */
int rules__check_regex(const char *regex, char *err, size_t errlen);

#endif
