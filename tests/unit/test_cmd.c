// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The command layer (sdk/cmd/cmd.c): the common options parsed once for
 * every command, the command's own handed back in order, --help and bad
 * options stopping with the right exit code; library errors to exit codes,
 * and kbtf's own error number apart from every errno.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd.h"
#include "kbtf/err.h"

enum { OPT_JSON = 256, OPT_PRETTY };

static const struct option options[] = {
    {"format", required_argument, NULL, 'f'},  {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},    {"json", no_argument, NULL, OPT_JSON},
    {"pretty", no_argument, NULL, OPT_PRETTY}, {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},       {"kernel", required_argument, NULL, 'k'},
    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
};

static int parse_format(const char *name, int *format)
{
	if (!strcmp(name, "one"))
		*format = 1;
	else if (!strcmp(name, "two"))
		*format = 2;
	else
		return kbtf_err(-EINVAL, "unknown format '%s'", name);
	return 0;
}

static const struct cmd_spec all = {
    .name = "test",
    .usage = "usage: test\n",
    .options = options,
    .optstring = "f:o:j:qvk:h",
    .common = CMD_OPT_FORMAT | CMD_OPT_OUTPUT | CMD_OPT_JOBS | CMD_OPT_JSON | CMD_OPT_QUIET |
	      CMD_OPT_VERBOSE,
    .jobs_max = 8,
    .format_parse = parse_format,
    .see_help = true,
};

/* Parse @argv to its end; the command's own options are collected in @own. */
static void parse(struct cmd_parser *p, const struct cmd_spec *spec, char **argv, char *own,
		  const char **args)
{
	int argc = 0, c, n = 0;

	while (argv[argc])
		argc++;
	cmd_parser_init(p, spec, argc, argv);
	while ((c = cmd_getopt(p)) != -1) {
		own[n] = (char)c;
		args[n++] = optarg;
	}
	own[n] = '\0';
}

static void test_common_and_own(void **state)
{
	char *argv[] = {"test", "-f", "two",	  "-o", "out", "--jobs=3", "--pretty", "-q",
			"-k",	"K1", "--kernel", "K2", "-v",  "op1",	   "op2",      NULL};
	const char *args[8];
	struct cmd_parser p;
	char own[8];

	parse(&p, &all, argv, own, args);
	assert_false(p.stop);
	assert_string_equal(own, "kk");
	assert_string_equal(args[0], "K1");
	assert_string_equal(args[1], "K2");
	assert_int_equal(p.opts.format, 2);
	assert_string_equal(p.opts.output, "out");
	assert_int_equal(p.opts.jobs, 3);
	assert_true(p.opts.json && p.opts.pretty && p.opts.quiet && p.opts.verbose);
	assert_int_equal(optind, 13);
	assert_string_equal(argv[optind], "op1");
}

static void test_defaults(void **state)
{
	char *argv[] = {"test", "--json", "op", NULL};
	const char *args[4];
	struct cmd_parser p;
	char own[4];

	parse(&p, &all, argv, own, args);
	assert_false(p.stop);
	assert_int_equal(p.opts.format, 0);
	assert_null(p.opts.output);
	assert_int_equal(p.opts.jobs, 0);
	assert_true(p.opts.json);
	assert_false(p.opts.pretty || p.opts.quiet || p.opts.verbose);
}

/* An option the command does not take as a common one is its own (build's -j is make's). */
static void test_not_common_is_own(void **state)
{
	static const struct cmd_spec quiet_only = {
	    .name = "test",
	    .usage = "usage: test\n",
	    .options = options,
	    .optstring = "f:o:j:qvk:h",
	    .common = CMD_OPT_QUIET,
	};
	char *argv[] = {"test", "-j", "99x", "-o", "x", "-q", NULL};
	const char *args[4];
	struct cmd_parser p;
	char own[4];

	parse(&p, &quiet_only, argv, own, args);
	assert_false(p.stop);
	assert_string_equal(own, "jo");
	assert_string_equal(args[0], "99x");
	assert_true(p.opts.quiet);
	assert_int_equal(p.opts.jobs, 0);
}

static void test_jobs_range(void **state)
{
	static const char *const bad[] = {"0", "9", "3x", "", "-1", "99999999999"};
	const char *args[4];
	struct cmd_parser p;
	char own[4];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = {"test", "-j", (char *)bad[i], "-k", "K", NULL};

		parse(&p, &all, argv, own, args);
		assert_true(p.stop);
		assert_int_equal(p.exit, KBTF_EXIT_USAGE);
		assert_string_equal(own, ""); /* nothing after the bad value */
	}
	{
		char *argv[] = {"test", "-j", "8", NULL};

		parse(&p, &all, argv, own, args);
		assert_false(p.stop);
		assert_int_equal(p.opts.jobs, 8);
	}
}

static void test_bad_format(void **state)
{
	char *argv[] = {"test", "--format", "three", "--help", NULL};
	const char *args[4];
	struct cmd_parser p;
	char own[4];

	parse(&p, &all, argv, own, args);
	assert_true(p.stop);
	assert_int_equal(p.exit, KBTF_EXIT_USAGE);
	assert_string_equal(kbtf_errstr(), "unknown format 'three'");
}

static void test_help_and_bad_option(void **state)
{
	char *help[] = {"test", "-k", "K", "--help", "-j", "0", NULL};
	char *unknown[] = {"test", "--bogus", "-h", NULL};
	char *missing[] = {"test", "-k", NULL};
	const char *args[4];
	struct cmd_parser p;
	char own[4];

	parse(&p, &all, help, own, args);
	assert_true(p.stop);
	assert_int_equal(p.exit, KBTF_EXIT_OK);
	assert_string_equal(own, "k");
	parse(&p, &all, unknown, own, args);
	assert_true(p.stop);
	assert_int_equal(p.exit, KBTF_EXIT_USAGE);
	parse(&p, &all, missing, own, args);
	assert_true(p.stop);
	assert_int_equal(p.exit, KBTF_EXIT_USAGE);
}

static void test_exit_codes(void **state)
{
	assert_int_equal(cmd_exit_code(0), KBTF_EXIT_OK);
	assert_int_equal(cmd_exit_code(-KBTF_ETOOL), KBTF_EXIT_TOOL);
	/* a genuine ECHILD (waitpid) is no tool failure */
	assert_int_equal(cmd_exit_code(-ECHILD), KBTF_EXIT_USAGE);
	assert_int_equal(cmd_exit_code(-ENOMEM), KBTF_EXIT_USAGE);
	assert_int_equal(cmd_exit_code(-EINVAL), KBTF_EXIT_USAGE);
	assert_int_equal(cmd_worst(KBTF_EXIT_TOOL, KBTF_EXIT_USAGE), KBTF_EXIT_TOOL);
	assert_int_equal(cmd_worst(KBTF_EXIT_OK, KBTF_EXIT_FAIL), KBTF_EXIT_FAIL);
}

static void test_error_numbers(void **state)
{
	/* above the kernel's MAX_ERRNO (4095): no errno can be taken for it */
	assert_true(KBTF_ETOOL > 4095);
	assert_string_equal(kbtf_strerror(-KBTF_ETOOL), "external tool failed");
	assert_string_equal(kbtf_strerror(KBTF_ETOOL), "external tool failed");
	assert_string_equal(kbtf_strerror(-ECHILD), strerror(ECHILD));
	kbtf_err_clear();
	assert_int_equal(kbtf_err_nomem(), -ENOMEM);
	assert_string_equal(kbtf_errstr(), "out of memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_common_and_own),    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_not_common_is_own), cmocka_unit_test(test_jobs_range),
	    cmocka_unit_test(test_bad_format),	      cmocka_unit_test(test_help_and_bad_option),
	    cmocka_unit_test(test_exit_codes),	      cmocka_unit_test(test_error_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
