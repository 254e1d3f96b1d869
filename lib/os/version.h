/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The release both binaries report (User-Agent, metrics, --version, the
 * events' agent_version). The build passes it from the VERSION file; a
 * build without it says so.
 */
#ifndef LW_VERSION_H
#define LW_VERSION_H

#ifndef LW_VERSION
#define LW_VERSION "0.0.0-dev"
#endif

#endif
