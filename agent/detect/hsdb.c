// SPDX-License-Identifier: Apache-2.0
#include "detect/hsdb.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os/log.h"

/*
 * A blob: MAGIC, the hash of the compile inputs (hscache__inputs), then
 * what hs_serialize_database wrote. The hash is what ties the database to
 * the rule table: vectorscan's own header says nothing about the patterns.
 */
#define MAGIC "LWHSDB1\n"
#define MAGIC_LEN 8
#define HDR_LEN (MAGIC_LEN + 32)

/* build/agent/detect/builtin_db.S: empty where the build could not run the generator */
extern const unsigned char lw_hsdb_builtin[], lw_hsdb_builtin_end[];

const void *hsdb__builtin_blob(size_t *len)
{
	*len = (size_t)(lw_hsdb_builtin_end - lw_hsdb_builtin);
	return *len ? lw_hsdb_builtin : NULL;
}

void hsdb__portable_platform(hs_platform_info_t *plat)
{
	/* tune only steers choices; features are what a CPU must have to run it */
	memset(plat, 0, sizeof(*plat));
	plat->tune = HS_TUNE_FAMILY_GENERIC;
	plat->cpu_features = 0;
}

/* A refusal of vectorscan's, as an errno and words for the log. */
static int refused(hs_error_t e, const char **why)
{
	if (e == HS_DB_VERSION_ERROR) {
		*why = "made by another vectorscan version";
		return -EPROTO;
	}
	if (e == HS_DB_PLATFORM_ERROR) {
		*why = "made for CPU features this CPU lacks";
		return -ENOEXEC;
	}
	*why = e == HS_NOMEM ? "out of memory" : "damaged";
	return e == HS_NOMEM ? -ENOMEM : -EINVAL;
}

/*
 * "Version: 5.4.9 Features: AVX2 AVX512 Mode: STREAM": the words after key
 * up to the next "Name:", space-separated, into out.
 */
static void info_field(const char *info, const char *key, char *out, size_t len)
{
	const char *p = strstr(info, key);
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	for (p += strlen(key); *p;) {
		size_t w;

		while (*p == ' ')
			p++;
		w = strcspn(p, " ");
		if (!w || p[w - 1] == ':' || n + w + 2 > len)
			break;
		n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? " " : "", (int)w, p);
		p += w;
	}
}

/*
 * Asked before deserialising, so the log says why: a database of another
 * vectorscan version, or one needing CPU features this CPU lacks, is
 * refused (vectorscan would refuse it too, with a bare error code).
 */
static int check_info(const char *bytes, size_t len, const char **why)
{
	char *info = NULL, version[32], features[64], mine[32];
	hs_platform_info_t plat;
	hs_error_t e = hs_serialized_database_info(bytes, len, &info);
	int rc = 0;

	if (e != HS_SUCCESS)
		return refused(e, why);
	info_field(info, "Version:", version, sizeof(version));
	info_field(info, "Features:", features, sizeof(features));
	/* "5.4.9 2023-02-28": the version, then the build date */
	snprintf(mine, sizeof(mine), "%.*s", (int)strcspn(hs_version(), " "), hs_version());
	log_debug("scanner: built-in database: version %s, features \"%s\"; this is vectorscan %s", version,
		  features, mine);
	memset(&plat, 0, sizeof(plat));
	if (strcmp(version, mine)) {
		rc = refused(HS_DB_VERSION_ERROR, why);
	} else if (hs_populate_platform(&plat) != HS_SUCCESS ||
		   (strstr(features, "AVX2") && !(plat.cpu_features & HS_CPU_FEATURES_AVX2)) ||
		   (strstr(features, "AVX512") && !(plat.cpu_features & HS_CPU_FEATURES_AVX512)) ||
		   (strstr(features, "AVX512VBMI") && !(plat.cpu_features & HS_CPU_FEATURES_AVX512VBMI))) {
		rc = refused(HS_DB_PLATFORM_ERROR, why);
	}
	free(info);
	return rc;
}

int hsdb__load_blob(const void *blob, size_t len, const struct hsdb_patterns *p, hs_database_t **db,
		    const char **why)
{
	const char *bytes;
	struct hscache_key want;
	hs_database_t *d;
	hs_error_t e;
	size_t size;
	int rc;

	*db = NULL;
	if (!blob || len <= HDR_LEN) {
		*why = "none in this binary";
		return -ENOENT;
	}
	if (memcmp(blob, MAGIC, MAGIC_LEN)) {
		*why = "damaged";
		return -EINVAL;
	}
	hscache__inputs((const char *const *)p->exprs, p->flags, p->ids, p->n, HSDB_MODE, &want);
	if (memcmp((const char *)blob + MAGIC_LEN, want.sha256, sizeof(want.sha256))) {
		*why = "made from other rules (operator rules, or a build that missed a change)";
		return -ESTALE;
	}
	bytes = (const char *)blob + HDR_LEN;
	len -= HDR_LEN;
	rc = check_info(bytes, len, why);
	if (rc)
		return rc;
	e = hs_serialized_database_size(bytes, len, &size);
	if (e != HS_SUCCESS)
		return refused(e, why);
	/* malloc's alignment is at least the 8 bytes vectorscan asks for */
	d = malloc(size);
	if (!d) {
		*why = "out of memory";
		return -ENOMEM;
	}
	e = hs_deserialize_database_at(bytes, len, d);
	if (e != HS_SUCCESS) {
		free(d);
		return refused(e, why);
	}
	*db = d;
	return 0;
}

int hsdb__write_blob(const struct hsdb_patterns *p, FILE *out, hs_compile_error_t **cerr)
{
	hs_platform_info_t plat;
	struct hscache_key inputs;
	hs_database_t *db = NULL;
	char *bytes = NULL;
	size_t len = 0;
	int rc = 0;

	hsdb__portable_platform(&plat);
	if (hs_compile_multi((const char *const *)p->exprs, p->flags, p->ids, p->n, HSDB_MODE, &plat, &db, cerr) !=
	    HS_SUCCESS)
		return -EINVAL;
	hscache__inputs((const char *const *)p->exprs, p->flags, p->ids, p->n, HSDB_MODE, &inputs);
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		rc = -ENOMEM;
	else if (fwrite(MAGIC, 1, MAGIC_LEN, out) != MAGIC_LEN ||
		 fwrite(inputs.sha256, 1, sizeof(inputs.sha256), out) != sizeof(inputs.sha256) ||
		 fwrite(bytes, 1, len, out) != len)
		rc = -EIO;
	free(bytes);
	hs_free_database(db);
	return rc;
}

const char *hsdb__source_name(enum hsdb_source src)
{
	switch (src) {
	case HSDB_BUILTIN: return "built in";
	case HSDB_CACHED: return "from the cache";
	default: return "compiled";
	}
}

void hsdb__free(hs_database_t *db, enum hsdb_source src)
{
	/* a database deserialised in place is plain memory of ours */
	if (src == HSDB_BUILTIN)
		free(db);
	else
		hs_free_database(db);
}

int hsdb__open(const struct hsdb_patterns *p, const struct hsdb_opts *opts, hs_database_t **db,
	       enum hsdb_source *src, hs_compile_error_t **cerr)
{
	const void *blob = opts->blob;
	size_t blob_len = opts->blob_len;
	struct hscache_key key;
	const char *why = "turned off";

	*db = NULL;
	*cerr = NULL;
	if (!blob)
		blob = hsdb__builtin_blob(&blob_len);
	if (!opts->no_builtin && !hsdb__load_blob(blob, blob_len, p, db, &why)) {
		*src = HSDB_BUILTIN;
		log_debug("scanner: rules database built in");
		return 0;
	}
	log_debug("scanner: built-in rules database not used: %s", why);
	if (opts->cache_dir) {
		hscache__key((const char *const *)p->exprs, p->flags, p->ids, p->n, HSDB_MODE, &key);
		*db = hscache__load(opts->cache_dir, &key);
		if (*db) {
			*src = HSDB_CACHED;
			log_debug("scanner: rules database from the cache in %s", opts->cache_dir);
			return 0;
		}
	}
	if (hs_compile_multi((const char *const *)p->exprs, p->flags, p->ids, p->n, HSDB_MODE, NULL, db, cerr) !=
	    HS_SUCCESS) {
		*db = NULL;
		return -EINVAL;
	}
	*src = HSDB_COMPILED;
	log_debug("scanner: rules database compiled%s", opts->cache_dir ? ", and kept in the cache" : "");
	if (opts->cache_dir)
		hscache__store(opts->cache_dir, &key, *db);
	return 0;
}
