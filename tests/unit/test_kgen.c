// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel generations (kernel_gen.c): which releases read .BTF.base (Linux 6.11
 * and later), which parse-time rule set a release follows, and the BTF form
 * the SDK picks for the kernel a module was built for (distill_module.c).
 * Expected values are the releases' documented behaviour, written out here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "kbtf/distill.h"
#include "kernel_gen.h"

static void parse_release(void **state)
{
	unsigned int major = 99, minor = 99;

	(void)state;
	assert_int_equal(kbtf_kgen_parse_release("6.12.113+deb12-amd64", &major, &minor), 0);
	assert_int_equal(major, 6);
	assert_int_equal(minor, 12);
	assert_int_equal(kbtf_kgen_parse_release("6.1.0-56-amd64", &major, &minor), 0);
	assert_int_equal(major, 6);
	assert_int_equal(minor, 1);
	assert_int_equal(kbtf_kgen_parse_release("10.0", &major, &minor), 0);
	assert_int_equal(major, 10);
	assert_int_equal(minor, 0);

	major = minor = 99;
	assert_int_equal(kbtf_kgen_parse_release(NULL, &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("6", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("6.", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("6.x", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("6.-1", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("-6.1", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release(" 6.1", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("0.11", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("linux-6.12", &major, &minor), -EINVAL);
	assert_int_equal(kbtf_kgen_parse_release("99999999999.1", &major, &minor), -EINVAL);
	/* failures leave the outputs alone */
	assert_int_equal(major, 99);
	assert_int_equal(minor, 99);
}

/* Linux 6.11 is the first release whose module loader reads .BTF.base. */
static void reads_btf_base_by_release(void **state)
{
	(void)state;
	assert_int_equal(kbtf_kgen_release_reads_btf_base("4.19.0-27-amd64"), 0);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("5.15.0"), 0);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("6.1.0-56-amd64"), 0);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("6.10.14"), 0);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("6.11"), 1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("6.11.0-rc1"), 1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("6.12.113+deb12-amd64"), 1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("6.12.113+deb12-rt-amd64"), 1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("7.2.13+deb14-amd64"), 1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base(NULL), -1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base(""), -1);
	assert_int_equal(kbtf_kgen_release_reads_btf_base("unknown"), -1);
	assert_string_equal(kbtf_kgen_btf_base_since(), "6.11");
}

static void generations(void **state)
{
	(void)state;
	assert_int_equal(kbtf_kernel_gen_of_release("6.1.0-56-amd64"), KBTF_KERNEL_6_1);
	assert_int_equal(kbtf_kernel_gen_of_release("6.10.14"), KBTF_KERNEL_6_1);
	assert_int_equal(kbtf_kernel_gen_of_release("5.10.0"), KBTF_KERNEL_6_1);
	assert_int_equal(kbtf_kernel_gen_of_release("6.11.0"), KBTF_KERNEL_6_12);
	assert_int_equal(kbtf_kernel_gen_of_release("6.12.113+deb12-amd64"), KBTF_KERNEL_6_12);
	assert_int_equal(kbtf_kernel_gen_of_release("6.13.12"), KBTF_KERNEL_6_12);
	assert_int_equal(kbtf_kernel_gen_of_release("6.14.0"), KBTF_KERNEL_6_14);
	assert_int_equal(kbtf_kernel_gen_of_release("7.0.9"), KBTF_KERNEL_6_14);
	assert_int_equal(kbtf_kernel_gen_of_release("7.1.0"), KBTF_KERNEL_LAYOUT);
	assert_int_equal(kbtf_kernel_gen_of_release("7.2.13+deb14-amd64"), KBTF_KERNEL_LAYOUT);
	/* unparsable: the newest rules */
	assert_int_equal(kbtf_kernel_gen_of_release("junk"), KBTF_KERNEL_LAYOUT);
	assert_int_equal(kbtf_kernel_gen_of_release(NULL), KBTF_KERNEL_LAYOUT);

	assert_false(kbtf_kgen_reads_btf_base(KBTF_KERNEL_6_1));
	assert_true(kbtf_kgen_reads_btf_base(KBTF_KERNEL_6_12));
	assert_true(kbtf_kgen_reads_btf_base(KBTF_KERNEL_LAYOUT));
	assert_string_equal(kbtf_kgen_first_release(KBTF_KERNEL_6_12), "6.11");
	assert_string_equal(kbtf_kgen_first_release(KBTF_KERNEL_6_1), "");
	assert_string_equal(kbtf_kgen_first_release(KBTF_KERNEL_LAYOUT), "7.1");
}

static void pick_form_by_release(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(kbtf_distill_pick_form(KBTF_FORM_AUTO, "6.1.0-56-amd64", why, sizeof(why)),
			 KBTF_FORM_PLAIN);
	assert_string_equal(why, "plain split .BTF on 6.1.0-56-amd64's full BTF (kernels before "
				 "6.11 ignore .BTF.base)");
	assert_int_equal(kbtf_distill_pick_form(KBTF_FORM_AUTO, "6.10.14", why, sizeof(why)),
			 KBTF_FORM_PLAIN);
	assert_int_equal(
	    kbtf_distill_pick_form(KBTF_FORM_AUTO, "6.12.113+deb12-amd64", why, sizeof(why)),
	    KBTF_FORM_DISTILLED);
	assert_non_null(strstr(why, "distilled .BTF.base + split .BTF for 6.12.113+deb12-amd64"));
	assert_non_null(strstr(why, "since 6.11"));
	assert_int_equal(kbtf_distill_pick_form(KBTF_FORM_AUTO, "6.11", why, sizeof(why)),
			 KBTF_FORM_DISTILLED);
	/* unknown release: distilled, which at least kernels >= 6.11 read; said so */
	assert_int_equal(kbtf_distill_pick_form(KBTF_FORM_AUTO, NULL, why, sizeof(why)),
			 KBTF_FORM_DISTILLED);
	assert_non_null(strstr(why, "unknown"));
}

static void explicit_form_wins(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(
	    kbtf_distill_pick_form(KBTF_FORM_PLAIN, "6.12.113+deb12-amd64", why, sizeof(why)),
	    KBTF_FORM_PLAIN);
	assert_non_null(strstr(why, "--plain-split"));
	assert_int_equal(
	    kbtf_distill_pick_form(KBTF_FORM_DISTILLED, "6.1.0-56-amd64", why, sizeof(why)),
	    KBTF_FORM_DISTILLED);
	assert_non_null(strstr(why, "--distilled"));
	assert_non_null(strstr(why, "6.1.0-56-amd64 ignores .BTF.base"));
	assert_int_equal(
	    kbtf_distill_pick_form(KBTF_FORM_DISTILLED, "6.12.113+deb12-amd64", why, sizeof(why)),
	    KBTF_FORM_DISTILLED);
	assert_null(strstr(why, "ignores"));
	/* a short buffer is cut, never overrun */
	assert_int_equal(kbtf_distill_pick_form(KBTF_FORM_AUTO, "6.1.0-56-amd64", why, 8),
			 KBTF_FORM_PLAIN);
	assert_string_equal(why, "plain s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_release),	  cmocka_unit_test(reads_btf_base_by_release),
	    cmocka_unit_test(generations),	  cmocka_unit_test(pick_form_by_release),
	    cmocka_unit_test(explicit_form_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
