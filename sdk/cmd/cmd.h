/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kbtf command: one binary, one builtin per noun or verb (git/bpftool
 * style). Each builtin is cmd_<name>(argc, argv) with argv[0] = its name,
 * parses its own options with getopt_long and returns a documented exit
 * code.
 */
#ifndef KBTF_CMD_H
#define KBTF_CMD_H

/* Exit codes shared by every command (docs/exit-codes.md). */
enum {
	KBTF_EXIT_OK = 0,
	KBTF_EXIT_FAIL = 1,  /* the job ran and found a problem (validate: a pair not ok) */
	KBTF_EXIT_USAGE = 2, /* bad usage or unreadable/malformed input */
	KBTF_EXIT_TOOL = 3,  /* an external tool (make, pahole, sign-file) failed */
};

int cmd_inspect(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_kernels(int argc, char **argv);
int cmd_distill(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_boot_test(int argc, char **argv);
int cmd_dkms(int argc, char **argv);
int cmd_new(int argc, char **argv);

/* Print "kbtf: <what>: <kbtf_errstr()>" to stderr ("kbtf: <kbtf_errstr()>" without @what). */
void cmd_report_error(const char *what);

/*
 * The exit code for @err, what a library call returned: KBTF_EXIT_OK for
 * 0, KBTF_EXIT_TOOL for -KBTF_ETOOL (an external tool failed) and
 * KBTF_EXIT_USAGE for any other negative errno (bad usage, or an input
 * that cannot be read or is malformed). KBTF_EXIT_FAIL is no error: it is
 * a command's verdict on what it examined.
 */
int cmd_exit_code(int err);

/* cmd_report_error(@what), then cmd_exit_code(@err): "return cmd_error(path, err);" */
int cmd_error(const char *what, int err);

/* The graver of two exit codes (the larger), for a command that goes on past a failure. */
static inline int cmd_worst(int a, int b)
{
	return a > b ? a : b;
}

#endif
