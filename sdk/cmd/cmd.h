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

/* Print "kbtf: <what>: <kbtf_errstr()>" to stderr. */
void cmd_report_error(const char *what);

#endif
