// SPDX-License-Identifier: Apache-2.0
/* The names of severities and address classes, in both numberings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "leakwatch/v1/leakwatch.pb-c.h"
#include "wire/names.h"

static void test_severity_names_in_order(void **state)
{
	static const char *const want[] = { "info", "low", "medium", "high", "critical" };
	(void)state;

	assert_int_equal(LW_SEVERITY_COUNT, 5);
	for (int i = 0; i < LW_SEVERITY_COUNT; i++)
		assert_string_equal(severity__name((enum lw_severity)i), want[i]);
	assert_true(LW_SEV_INFO < LW_SEV_LOW && LW_SEV_HIGH < LW_SEV_CRITICAL);
	assert_string_equal(severity__name((enum lw_severity)99), "unknown");
	assert_string_equal(severity__name((enum lw_severity)-1), "unknown");
}

static void test_severity_parse_is_exact(void **state)
{
	enum lw_severity s = LW_SEV_INFO;
	(void)state;

	assert_int_equal(severity__parse("medium", &s), 0);
	assert_int_equal(s, LW_SEV_MEDIUM);
	assert_int_equal(severity__parse("critical", &s), 0);
	assert_int_equal(s, LW_SEV_CRITICAL);
	assert_int_not_equal(severity__parse("HIGH", &s), 0);
	assert_int_not_equal(severity__parse("high ", &s), 0);
	assert_int_not_equal(severity__parse("", &s), 0);
	assert_int_not_equal(severity__parse("unspecified", &s), 0);
	assert_int_equal(s, LW_SEV_CRITICAL); /* untouched by a failed parse */
}

/* The wire enum is the agent's shifted by one, with 0 left for "unspecified". */
static void test_severity_on_the_wire(void **state)
{
	(void)state;

	assert_int_equal(severity__wire(LW_SEV_INFO), LEAKWATCH__V1__SEVERITY__SEVERITY_INFO);
	assert_int_equal(severity__wire(LW_SEV_CRITICAL), LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL);
	assert_string_equal(severity__wire_name(LEAKWATCH__V1__SEVERITY__SEVERITY_UNSPECIFIED), "unspecified");
	assert_string_equal(severity__wire_name(LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM), "medium");
	assert_string_equal(severity__wire_name(LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL), "critical");
	assert_string_equal(severity__wire_name(LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL + 1), "unknown");
	assert_string_equal(severity__wire_name(-1), "unknown");
}

static void test_address_class_names(void **state)
{
	(void)state;

	assert_int_equal(LW_CLASS_COUNT, 4);
	assert_string_equal(addr_class__name(LW_CLASS_LOOPBACK), "loopback");
	assert_string_equal(addr_class__name(LW_CLASS_LINK_LOCAL), "link-local");
	assert_string_equal(addr_class__name(LW_CLASS_PRIVATE), "private");
	assert_string_equal(addr_class__name(LW_CLASS_PUBLIC), "public");
	assert_string_equal(addr_class__name((enum lw_addr_class)42), "unknown");
	assert_int_equal(addr_class__wire(LW_CLASS_PUBLIC), LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC);
	assert_string_equal(addr_class__wire_name(LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_UNSPECIFIED),
			    "unspecified");
	assert_string_equal(addr_class__wire_name(LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_LINK_LOCAL),
			    "link-local");
	assert_string_equal(addr_class__wire_name(LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC + 1),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_names_in_order),
		cmocka_unit_test(test_severity_parse_is_exact),
		cmocka_unit_test(test_severity_on_the_wire),
		cmocka_unit_test(test_address_class_names),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
