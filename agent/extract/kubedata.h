/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The values of a Kubernetes Secret's data: map, as a program that dumps a
 * manifest writes them: YAML (kubectl get -o yaml) or JSON (-o json, the
 * last-applied-configuration annotation, JSON escaped into a log line).
 * Each value is base64; one is a secret when it decodes to text that is not
 * a placeholder and its key names a credential, or the text looks like one
 * (a private key, a URL with a password, a random string). Names, hosts,
 * ports and certificates are not.
 */
#ifndef LW_KUBEDATA_H
#define LW_KUBEDATA_H

#include "extract/extract.h"

/*
 * from and to: the "data:" line (YAML) or "data": { (JSON). Finds the first
 * value that is a secret and sets out->next where the map goes on; called
 * again with from == to == next, finds the one after. Open until the whole
 * map is in view (at most LW_KUBE_MAX bytes of it).
 */
#define LW_KUBE_MAX (12 * 1024)
enum lw_verdict kubedata__resolve(const struct lw_view *v, size_t from, size_t to, struct lw_extent *out);

#endif
