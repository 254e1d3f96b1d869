/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How much a finding matters, least to most. This list is the one place a
 * level is named and ordered: the agent's enum, the names in JSON, metrics,
 * configuration (rules, alert routes) and queries all come from it. To add a
 * level, add a line here and its SEVERITY_ value to leakwatch.v1.Severity
 * (the wire enum is this order shifted by one, 0 being "unspecified");
 * lib/names.c fails to build while the two disagree.
 */
#ifndef LEAKWATCH_SEVERITY_H
#define LEAKWATCH_SEVERITY_H

#define LW_SEVERITY_LEVELS(X) \
	X(INFO, "info")       \
	X(LOW, "low")         \
	X(MEDIUM, "medium")   \
	X(HIGH, "high")       \
	X(CRITICAL, "critical")

enum lw_severity {
#define LW_SEVERITY_ENUM(id, name) LW_SEV_##id,
	LW_SEVERITY_LEVELS(LW_SEVERITY_ENUM)
#undef LW_SEVERITY_ENUM
};
/* a macro, not an enumerator, so that switches need not handle it */
#define LW_SEVERITY_ONE(id, name) +1
#define LW_SEVERITY_COUNT (0 LW_SEVERITY_LEVELS(LW_SEVERITY_ONE))

#endif
