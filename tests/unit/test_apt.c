// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Debian's suite names as kbtf knows them (bad and unknown names refused,
 * typos answered with the nearest, aliases known) and package versions out
 * of .deb file names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <cmocka.h>

#include "profile_apt.h"
#include "kbtf/err.h"

static void test_bad_suites(void **state)
{
	static const char *const bad[] = {
	    "", "../etc", "Bookworm", "a b", "x/y", "waytoolongsuitenameforanydebianrelease"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kbtf_apt_suite_check(bad[i]), -EINVAL);
		assert_non_null(strstr(kbtf_errstr(), "suite"));
	}
}

/* A name Debian has no suite for (a typo) is refused, listing the known ones. */
static void test_unknown_suite(void **state)
{
	static const char *const typos[] = {"trixi", "bookwork", "bullseye-backports", "buster"};
	static const char *const known[] = {"bookworm", "trixie",  "sid",
					    "stable",	"testing", "unstable"};
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(typos) / sizeof(typos[0]); i++) {
		assert_int_equal(kbtf_apt_suite_check(typos[i]), -EINVAL);
		snprintf(want, sizeof(want), "unknown suite '%s'", typos[i]);
		assert_non_null(strstr(kbtf_errstr(), want));
		assert_non_null(strstr(kbtf_errstr(), "bookworm"));
		assert_non_null(strstr(kbtf_errstr(), "trixie"));
	}
	assert_int_equal(kbtf_apt_suite_check("trixi"), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "did you mean 'trixie'"));
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_equal(kbtf_apt_suite_check(known[i]), 0);
}

static void test_deb_name_version(void **state)
{
	char v[64];

	assert_int_equal(kbtf_deb_name_version("/x/linux-image-6.12.113+deb12-amd64_"
					       "6.12.113-1~deb12u1_amd64.deb",
					       v, sizeof(v)),
			 0);
	assert_string_equal(v, "6.12.113-1~deb12u1");
	assert_int_equal(kbtf_deb_name_version("libbpf-dev_1%3a1.5.0-3_amd64.deb", v, sizeof(v)),
			 0);
	assert_string_equal(v, "1:1.5.0-3");
	assert_int_equal(kbtf_deb_name_version("/a_b/noversion.deb", v, sizeof(v)), -EINVAL);
	assert_int_equal(kbtf_deb_name_version("pkg_1.0.deb", v, sizeof(v)), -EINVAL);
	/* truncated to the buffer, never past it */
	assert_int_equal(kbtf_deb_name_version("p_123456789_all.deb", v, 4), 0);
	assert_string_equal(v, "123");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_suites),
	    cmocka_unit_test(test_unknown_suite),
	    cmocka_unit_test(test_deb_name_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
