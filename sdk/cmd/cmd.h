/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kbtf command: one binary, one builtin per noun or verb (git/bpftool
 * style). Each builtin is cmd_<name>(argc, argv) with argv[0] = its name
 * and returns a documented exit code. What they share lives here
 * (sdk/cmd/cmd.c): the options several commands take, parsed in one place
 * (cmd_getopt), and how an error becomes a message and an exit code.
 */
#ifndef KBTF_CMD_H
#define KBTF_CMD_H

#include <getopt.h>
#include <stdbool.h>

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

/*
 * Options several commands take. A command lists them in its own
 * getopt_long table under these long names, with whatever short letter it
 * gives them (validate's -f, inspect's -j for --json), and says in
 * cmd_spec.common which it takes; cmd_getopt() parses and checks them the
 * same way for all, with the same messages. --help (long name "help") is
 * always one of them.
 */
enum {
	CMD_OPT_FORMAT = 1 << 0,  /* "format": the report format, spec.format_parse */
	CMD_OPT_OUTPUT = 1 << 1,  /* "output": write to FILE */
	CMD_OPT_JOBS = 1 << 2,	  /* "jobs": threads, 1 to spec.jobs_max */
	CMD_OPT_JSON = 1 << 3,	  /* "json", and "pretty" (JSON, indented) */
	CMD_OPT_QUIET = 1 << 4,	  /* "quiet" */
	CMD_OPT_VERBOSE = 1 << 5, /* "verbose" */
};

/* The common options as given. */
struct cmd_opts {
	int format;	    /* what spec.format_parse made of --format; 0 without it */
	const char *output; /* NULL: standard output */
	int jobs;	    /* 0: not given */
	bool json, pretty, quiet, verbose;
};

/* What a command takes. */
struct cmd_spec {
	const char *name;	      /* in messages: "kbtf: NAME: ..." */
	const char *usage;	      /* the --help text */
	const struct option *options; /* getopt_long table, the common options included */
	const char *optstring;
	unsigned int common; /* CMD_OPT_* */
	int jobs_max;
	/* Name to format, or a negative errno with a kbtf_err() message. */
	int (*format_parse)(const char *name, int *format);
	/*
	 * After getopt's own line on a bad option (unknown, or its argument
	 * missing): "kbtf: NAME: see 'kbtf NAME --help'" instead of the whole
	 * usage on stderr.
	 */
	bool see_help;
};

struct cmd_parser {
	const struct cmd_spec *spec;
	int argc;
	char **argv;
	struct cmd_opts opts;
	bool stop; /* --help shown, or a bad option reported: return exit now */
	int exit;
	int val[8]; /* each common option's getopt value in spec.options (cmd.c) */
};

/* Start parsing @argv (argv[0] the command's name) from its first word. */
void cmd_parser_init(struct cmd_parser *p, const struct cmd_spec *spec, int argc, char **argv);

/*
 * The next of the command's own options, as getopt_long returns it (its
 * argument in optarg), after handling any common ones in between; -1 when
 * the options end (the operands start at optind), or when the command is
 * to stop (p->stop: --help printed the usage, exit 0; or a bad option or
 * value was reported, exit 2).
 */
int cmd_getopt(struct cmd_parser *p);

/*
 * @argv[0..@argc) with each argument that names an installed module
 * (kbtf_module_is_name(), and not a kernel source when @kernels_too: a
 * stored profile or release) replaced by its file(s) found with libkmod in
 * @moddir (NULL: /lib/modules/$(uname -r)). A heap vector in *@out (*@nout
 * entries; free with cmd_module_args_free()), 0; or, after one line
 * "kbtf: NAME: reason" per name not found, KBTF_EXIT_USAGE.
 */
int cmd_module_args(int argc, char **argv, const char *moddir, bool kernels_too, char ***out,
		    int *nout);
void cmd_module_args_free(char **v, int n);

#endif
