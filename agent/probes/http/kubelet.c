// SPDX-License-Identifier: Apache-2.0
/*
 * The kubelet's API (kubernetes.io/docs/reference/access-authn-authz/
 * kubelet-authn-authz): GET /pods over TLS on 10250, in the clear on the
 * read-only port 10255. 200 with a PodList means anonymous requests are
 * authenticated and authorized (--anonymous-auth=true with the AlwaysAllow
 * mode): pods can be listed, and exec'd into. 401 (anonymous auth off) and
 * 403 (anonymous, but not authorized) mean it is closed. The pod list is
 * read up to the reply bound and not kept. The kubelet logs an unauthorized
 * request only at verbosity 4 and above.
 */
#include "probes/http.h"

#define NAME "kubelet"

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	bool kube;

	if (!http__get_reply(io, "/pods", &r, &next))
		return next;
	kube = http__body_has(&r, "\"PodList\"");
	if (http__refused(io, &r, NULL, "GET /pods", &next))
		return next;
	if (r.status == 200 && kube)
		return probe__verdict(io, LW_AUTH_NONE, NAME, "GET /pods -> 200 PodList (anonymous access)%s",
				      io->tls ? "" : ", read-only port");
	return probe__verdict(io, LW_AUTH_UNKNOWN, r.status == 200 ? NULL : "http", "GET /pods -> %d", r.status);
}

const struct lw_probe lw_probe_kubelet = {
	.name = NAME,
	.services = { "kubelet" },
	.ports = { 10250, 10255 },
	.flags = LW_PROBE_TCP | LW_PROBE_TLS_FIRST,
	.step = step,
};
