// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The command layer every kbtf command shares: how an error is reported
 * and which exit code it gives (docs/exit-codes.md), and the options
 * several commands take, parsed and checked in one place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "cmd.h"
#include "module_lookup.h"

void cmd_report_error(const char *what)
{
	const char *msg = kbtf_errstr();

	if (what && *what)
		fprintf(stderr, "kbtf: %s: %s\n", what, *msg ? msg : "failed");
	else
		fprintf(stderr, "kbtf: %s\n", *msg ? msg : "failed");
}

int cmd_exit_code(int err)
{
	if (!err)
		return KBTF_EXIT_OK;
	return err == -KBTF_ETOOL ? KBTF_EXIT_TOOL : KBTF_EXIT_USAGE;
}

int cmd_error(const char *what, int err)
{
	cmd_report_error(what);
	return cmd_exit_code(err);
}

/* ------------------------------------------------------------ options */

enum { V_FORMAT, V_OUTPUT, V_JOBS, V_JSON, V_PRETTY, V_QUIET, V_VERBOSE, V_HELP, NR_V };

/* Each common option's long name, and the CMD_OPT_* that enables it (0: always). */
static const struct {
	const char *name;
	unsigned int bit;
} common[NR_V] = {
    [V_FORMAT] = {"format", CMD_OPT_FORMAT},	[V_OUTPUT] = {"output", CMD_OPT_OUTPUT},
    [V_JOBS] = {"jobs", CMD_OPT_JOBS},		[V_JSON] = {"json", CMD_OPT_JSON},
    [V_PRETTY] = {"pretty", CMD_OPT_JSON},	[V_QUIET] = {"quiet", CMD_OPT_QUIET},
    [V_VERBOSE] = {"verbose", CMD_OPT_VERBOSE}, [V_HELP] = {"help", 0},
};

_Static_assert(NR_V == sizeof(((struct cmd_parser *)0)->val) / sizeof(int),
	       "cmd_parser.val has one slot per common option");

void cmd_parser_init(struct cmd_parser *p, const struct cmd_spec *spec, int argc, char **argv)
{
	const struct option *o;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->spec = spec;
	p->argc = argc;
	p->argv = argv;
	for (i = 0; i < NR_V; i++) {
		p->val[i] = -1;
		if (common[i].bit && !(spec->common & common[i].bit))
			continue;
		for (o = spec->options; o->name; o++) {
			if (!strcmp(o->name, common[i].name))
				p->val[i] = o->val;
		}
	}
	optind = 1;
}

static int stop(struct cmd_parser *p, int exit)
{
	p->stop = true;
	p->exit = exit;
	return -1;
}

/* Take common option @v; -1 when the command is to stop. */
static int common_option(struct cmd_parser *p, int v)
{
	const struct cmd_spec *spec = p->spec;
	char *end;
	long n;
	int err;

	switch (v) {
	case V_FORMAT:
		err = spec->format_parse(optarg, &p->opts.format);
		if (err)
			return stop(p, cmd_error(spec->name, err));
		break;
	case V_OUTPUT:
		p->opts.output = optarg;
		break;
	case V_JOBS:
		n = strtol(optarg, &end, 10);
		if (*end || n < 1 || n > spec->jobs_max) {
			fprintf(stderr, "kbtf: %s: --jobs wants a number from 1 to %d\n",
				spec->name, spec->jobs_max);
			return stop(p, KBTF_EXIT_USAGE);
		}
		p->opts.jobs = (int)n;
		break;
	case V_JSON:
		p->opts.json = true;
		break;
	case V_PRETTY:
		p->opts.json = p->opts.pretty = true;
		break;
	case V_QUIET:
		p->opts.quiet = true;
		break;
	case V_VERBOSE:
		p->opts.verbose = true;
		break;
	case V_HELP:
		fputs(spec->usage, stdout);
		return stop(p, KBTF_EXIT_OK);
	}
	return 0;
}

int cmd_getopt(struct cmd_parser *p)
{
	const struct cmd_spec *spec = p->spec;
	int c, v;

	while (!p->stop &&
	       (c = getopt_long(p->argc, p->argv, spec->optstring, spec->options, NULL)) != -1) {
		if (c == '?' || c == ':') {
			/* getopt has said what was wrong */
			if (spec->see_help)
				fprintf(stderr, "kbtf: %s: see 'kbtf %s --help'\n", spec->name,
					spec->name);
			else
				fputs(spec->usage, stderr);
			return stop(p, KBTF_EXIT_USAGE);
		}
		for (v = 0; v < NR_V && c != p->val[v]; v++)
			;
		if (v == NR_V)
			return c;
		common_option(p, v);
	}
	return -1;
}

/* ------------------------------------------------------------ module names */

int cmd_module_args(int argc, char **argv, const char *moddir, bool kernels_too, char ***out,
		    int *nout)
{
	char **v = NULL, **found;
	int n = 0, bad = 0;

	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		char **grown;

		found = NULL;
		if (kbtf_module_is_name(argv[i]) &&
		    !(kernels_too && !kbtf_kernel_source_check(argv[i]))) {
			kbtf_err_clear();
			if (kbtf_module_lookup(argv[i], moddir, &found)) {
				cmd_report_error(argv[i]);
				bad++;
				continue;
			}
			while (found[k])
				k++;
		} else {
			k = 1;
		}
		grown = realloc(v, (n + k + 1) * sizeof(*v));
		if (!grown) {
			kbtf_module_lookup_free(found);
			fprintf(stderr, "kbtf: out of memory\n");
			cmd_module_args_free(v, n);
			return KBTF_EXIT_USAGE;
		}
		v = grown;
		for (size_t j = 0; j < k; j++)
			v[n++] = found ? found[j] : strdup(argv[i]);
		free(found); /* the strings moved into v */
		for (int j = n - (int)k; j < n; j++)
			if (!v[j])
				bad++;
	}
	if (bad) {
		cmd_module_args_free(v, n);
		return KBTF_EXIT_USAGE;
	}
	*out = v;
	*nout = n;
	return 0;
}

void cmd_module_args_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
