/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A shared library loaded when it is first needed, not when the binary
 * starts. libcurl and libmicrohttpd bring GnuTLS, Kerberos, LDAP and twenty
 * more with them: more than half of what the dynamic loader maps, and each
 * mapping costs page faults. A one-shot command (scan, rules, check-config)
 * uses none of them and paid for all of them on every start.
 *
 * The library stays loaded for the life of the process. Its functions are
 * reached through pointers the caller declares with the library's own
 * prototypes (__typeof__), so calls stay type-checked.
 */
#ifndef LW_DYNLIB_H
#define LW_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

struct dynlib_sym {
	const char *name;
	void **fn; /* where the address goes */
};

/* A library a module uses, loaded at its first dynlib__use. */
struct dynlib {
	const char *soname;
	const char *package; /* Debian's, named when it is missing */
	const struct dynlib_sym *syms;
	size_t n;
	void (*loaded)(void); /* once, right after loading, or NULL */
	/* dynlib__use's, under its lock */
	bool tried;
	int rc;
	char why[256];
};

/*
 * Loads d the first time it is asked for, from any thread; later calls
 * return the first's result. 0, or -ELIBACC with err saying why and which
 * package to install.
 */
int dynlib__use(struct dynlib *d, char *err, size_t errlen);

/*
 * Loads soname and resolves every symbol in syms[0..n). 0, or -ENOENT with
 * err naming the library or the first missing symbol; then no pointer is
 * set and the library is unloaded again.
 */
int dynlib__load(const char *soname, const struct dynlib_sym *syms, size_t n, char *err, size_t errlen);

#endif
